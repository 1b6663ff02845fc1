// Launch buttons of the expense pages. Without this script a Launch button
// submits its form to /expenses/launch, which saves the form and redirects
// to the connector's form. With it, the click opens a popup at once, because
// popup blockers allow a window only while the click is handled. The script
// then posts the form for the URL and loads the URL in the popup. When the
// popup closes, it reloads the page, which then shows the connector's value.
'use strict';

(function () {
  // How often the page checks whether the popup was closed, in milliseconds.
  var POLL_MS = 500;
  var SIGNED_OUT = 'Your session has ended. Reload the page and sign in again.';
  var UNREACHABLE = 'The launch failed: the host could not be reached.';

  // Shows `text` in the launch error element of the input `inputId`; does
  // nothing when the page has no such element.
  function showError(inputId, text) {
    var element = document.getElementById(inputId + '-launch-error');
    if (!element) {
      return;
    }
    element.textContent = text;
    element.hidden = !text;
  }

  function clearErrors(form) {
    var elements = form.querySelectorAll('[data-launch-error]');
    for (var i = 0; i < elements.length; i++) {
      elements[i].textContent = '';
      elements[i].hidden = true;
    }
  }

  // Returns the id of the input named `name` in `form`, or null.
  function inputIdOf(form, name) {
    var input = form.elements.namedItem(name);
    if (input && input.id) {
      return input.id;
    }
    return null;
  }

  // Places each broken rule beside its input; rules of other fields go
  // beside the field whose button was clicked.
  function showRules(form, button, errors) {
    var fallback = [];
    errors.forEach(function (error) {
      var inputId = inputIdOf(form, error.field);
      if (inputId && document.getElementById(inputId + '-launch-error')) {
        showError(inputId, error.field + ': ' + error.rule);
      } else {
        fallback.push(error.field + ': ' + error.rule);
      }
    });
    if (fallback.length > 0) {
      showError(button.dataset.input, fallback.join('; '));
    }
  }

  // Returns the message of a failed launch. An ended session redirects the
  // request to the sign-in page, which fetch follows.
  function failureText(response, body) {
    if (response.status === 401 || response.redirected) {
      return SIGNED_OUT;
    }
    var status = response.status;
    if (body && typeof body.error === 'string') {
      return body.error;
    }
    return 'The launch failed with HTTP status ' + status + '.';
  }

  function launch(button) {
    var form = button.form;
    var width = parseInt(button.dataset.popupWidth, 10) || 800;
    var height = parseInt(button.dataset.popupHeight, 10) || 600;
    var popup = window.open('about:blank', 'launch-' + button.value,
      'width=' + width + ',height=' + height);
    clearErrors(form);

    var body = new URLSearchParams(new FormData(form));
    body.set('launch_field', button.value);
    fetch('/expenses/launch', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
      body: body
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (answer) {
        if (response.ok && answer && typeof answer.url === 'string') {
          if (!popup) {
            // The browser blocked the popup: open the form in this window.
            window.location.assign(answer.url);
            return;
          }
          popup.location.href = answer.url;
          var timer = window.setInterval(function () {
            if (popup.closed) {
              window.clearInterval(timer);
              window.location.reload();
            }
          }, POLL_MS);
          return;
        }
        if (popup) {
          popup.close();
        }
        if (response.status === 400 && answer && Array.isArray(answer.errors)) {
          showRules(form, button, answer.errors);
        } else {
          showError(button.dataset.input, failureText(response, answer));
        }
      });
    }).catch(function () {
      if (popup) {
        popup.close();
      }
      showError(button.dataset.input, UNREACHABLE);
    });
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest('button[data-launch]');
    if (!button || !button.form) {
      return;
    }
    event.preventDefault();
    launch(button);
  });
})();
