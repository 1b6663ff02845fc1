//! Fetch List (v1.2): choose the list, search it under the parent, return items.

use axum::response::Response;
use protocol::{FetchListRequest, FetchListResponse};

use super::{AppState, XmlBody, result_limit, xml_response};
use crate::server::errors::CalloutError;
use crate::store::ListQuery;

/// Responds to a Fetch List callout. `mapped_list` is the list that the request
/// path maps to in `list_paths`, if any.
pub(crate) async fn fetch_list(
    state: AppState,
    mapped_list: Option<String>,
    XmlBody(body): XmlBody,
) -> Result<Response, CalloutError> {
    let request = FetchListRequest::parse(&body)?;
    let list_names = state.store.list_names().await?;
    let list_name = choose_list(&list_names, &request.list_name, mapped_list)?;
    let query = list_query(request, list_name);

    // A num-to-return of 0 requests nothing, so the store is not queried.
    let mut items = if query.limit == 0 {
        Vec::new()
    } else {
        state.store.search_list(&query).await?
    };
    items.truncate(query.limit);

    // Items the host would not accept are left out, as the attendee
    // handler does for attendees.
    let (xml, count) = FetchListResponse::write_valid(&items, |_, error| {
        tracing::warn!(element = error.element(), rule = %error.rule(), "left out a stored list item that the response cannot carry");
    });
    Ok(xml_response(xml, count))
}

/// Picks the list to search: the request's `list-name` when it names an
/// imported list (exactly, or else ignoring ASCII case), otherwise the list
/// the path maps to, otherwise the only imported list.
fn choose_list(
    names: &[String],
    requested: &str,
    mapped_list: Option<String>,
) -> Result<String, CalloutError> {
    let requested = requested.trim();

    if !requested.is_empty() {
        let exact = names.iter().find(|name| name.as_str() == requested);
        let folded = || {
            names
                .iter()
                .find(|name| name.eq_ignore_ascii_case(requested))
        };
        if let Some(name) = exact.or_else(folded) {
            return Ok(name.clone());
        }
    }
    if let Some(mapped) = mapped_list {
        return Ok(mapped);
    }
    match names {
        [only] => Ok(only.clone()),
        _ => Err(CalloutError::NoListChosen {
            list_count: names.len(),
        }),
    }
}

fn list_query(request: FetchListRequest, list_name: String) -> ListQuery {
    ListQuery {
        list_name,
        parent_long_code: request.long_code,
        query: request.query,
        search_by: request.search_by,
        lang_code: request.lang_code,
        limit: result_limit(request.num_to_return),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choose(lists: &[&str], requested: &str, mapped: Option<&str>) -> Result<String, String> {
        let names: Vec<String> = lists.iter().map(|name| name.to_string()).collect();
        choose_list(&names, requested, mapped.map(str::to_owned)).map_err(|error| error.to_string())
    }

    #[test]
    fn choose_list_prefers_request_list_name() {
        let chosen = choose(&["Cities", "Projects"], "Projects", Some("Cities"));

        assert_eq!(chosen.as_deref(), Ok("Projects"));
    }

    #[test]
    fn choose_list_request_name_ignores_case() {
        let chosen = choose(&["Cities", "Projects"], "projects", None);

        assert_eq!(chosen.as_deref(), Ok("Projects"));
    }

    #[test]
    fn choose_list_unknown_name_falls_back_to_path() {
        let chosen = choose(&["Cities", "Projects"], "Internal-Key-1", Some("Cities"));

        assert_eq!(chosen.as_deref(), Ok("Cities"));
    }

    #[test]
    fn choose_list_falls_back_to_only_list() {
        let chosen = choose(&["Cities"], "", None);

        assert_eq!(chosen.as_deref(), Ok("Cities"));
    }

    #[test]
    fn choose_list_ambiguous_is_error() {
        let chosen = choose(&["Cities", "Projects"], "", None);

        assert!(chosen.is_err_and(|message| message.contains("no list chosen")));
    }

    #[test]
    fn choose_list_without_lists_is_error() {
        let chosen = choose(&[], "", None);

        assert!(chosen.is_err());
    }

    #[test]
    fn list_query_caps_num_to_return() {
        let request = FetchListRequest {
            num_to_return: Some(250),
            ..FetchListRequest::default()
        };

        assert_eq!(list_query(request, "Cities".to_owned()).limit, 100);
    }
}
