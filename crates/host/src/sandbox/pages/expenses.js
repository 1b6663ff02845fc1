// Search-as-you-type on the expense entry page. The page works without this
// script: each search form is also submitted to the server, which renders the
// results. With it, typing calls the JSON endpoints after a short pause and
// fills the same result lists, built with DOM methods and never from HTML text.
'use strict';

(function () {
  // Pause after the last key press before a search is sent, in milliseconds.
  var DEBOUNCE_MS = 300;
  var SIGNED_OUT = 'Your session has ended. Reload the page and sign in again.';
  var UNREACHABLE = 'The search failed: the host could not be reached.';

  function setMessage(element, text, isError) {
    element.textContent = text || '';
    element.className = isError ? 'error' : 'hint';
  }

  // Returns the message of a failed response body, in the page's words.
  function failureText(status, body) {
    if (status === 401) {
      return SIGNED_OUT;
    }
    if (body && Array.isArray(body.errors)) {
      return body.errors.map(function (error) { return error.field + ': ' + error.rule; }).join('; ');
    }
    if (body && typeof body.error === 'string') {
      return body.error;
    }
    return 'The search failed with HTTP status ' + status + '.';
  }

  // Calls `search()` DEBOUNCE_MS after the last input in `form`, cancelling a
  // request still running, and passes the response body to `render(body)`
  // or the failure message to `renderFailure(text)`.
  function liveSearch(form, buildUrl, render, renderFailure) {
    var timer = null;
    var controller = null;
    function search() {
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      fetch(buildUrl(), {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
        signal: controller.signal
      }).then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          if (response.ok) {
            render(body);
          } else {
            renderFailure(failureText(response.status, body));
          }
        });
      }).catch(function (error) {
        if (error.name !== 'AbortError') {
          renderFailure(UNREACHABLE);
        }
      });
    }
    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DEBOUNCE_MS);
    }
    form.addEventListener('input', schedule);
    form.addEventListener('change', schedule);
  }

  function setUpListSearch(form) {
    var level = form.getAttribute('data-level');
    var input = form.querySelector('input[name="list_query"]');
    var message = document.getElementById('list-message-' + level);
    var chooseForm = document.getElementById('list-choose-form-' + level);
    var select = document.getElementById('list-choice-' + level);
    if (!input || !message || !chooseForm || !select) {
      return;
    }
    function buildUrl() {
      return form.getAttribute('data-api') + '&level=' + encodeURIComponent(level) +
        '&query=' + encodeURIComponent(input.value);
    }
    function render(body) {
      select.replaceChildren();
      body.items.forEach(function (item) {
        var option = document.createElement('option');
        option.value = item.short_code;
        option.textContent = item.text + ' (' + item.short_code + ')';
        select.appendChild(option);
      });
      chooseForm.hidden = body.items.length === 0;
      setMessage(message, body.message, false);
    }
    function renderFailure(text) {
      select.replaceChildren();
      chooseForm.hidden = true;
      setMessage(message, text, true);
    }
    liveSearch(form, buildUrl, render, renderFailure);
  }

  function setUpAttendeeSearch(form) {
    var message = document.getElementById('attendee-message');
    var addForm = document.getElementById('attendee-add-form');
    var typeInput = document.getElementById('attendee-add-type');
    var table = document.getElementById('attendee-results');
    if (!message || !addForm || !typeInput || !table) {
      return;
    }
    function buildUrl() {
      var query = new URLSearchParams(new FormData(form));
      query.delete('attendee_search');
      return form.getAttribute('data-api') + '?' + query.toString();
    }
    function render(body) {
      var headRow = document.createElement('tr');
      body.columns.concat(['']).forEach(function (column) {
        var heading = document.createElement('th');
        heading.scope = 'col';
        heading.textContent = column;
        headRow.appendChild(heading);
      });
      var rows = body.rows.map(function (row) {
        var tableRow = document.createElement('tr');
        row.cells.forEach(function (cell) {
          var data = document.createElement('td');
          data.textContent = cell;
          tableRow.appendChild(data);
        });
        var button = document.createElement('button');
        button.type = 'submit';
        button.name = 'external_id';
        button.value = row.external_id;
        button.textContent = 'Add';
        var action = document.createElement('td');
        action.appendChild(button);
        tableRow.appendChild(action);
        return tableRow;
      });
      table.tHead.replaceChildren(headRow);
      table.tBodies[0].replaceChildren.apply(table.tBodies[0], rows);
      typeInput.value = body.attendee_type;
      addForm.hidden = body.rows.length === 0;
      setMessage(message, body.message, false);
    }
    function renderFailure(text) {
      addForm.hidden = true;
      setMessage(message, text, true);
    }
    liveSearch(form, buildUrl, render, renderFailure);
  }

  document.querySelectorAll('form[data-list-search]').forEach(setUpListSearch);
  document.querySelectorAll('form[data-attendee-search]').forEach(setUpAttendeeSearch);
})();
