//! Fetch Attendee (v1.0 and v2.0): search the store and return matching attendees.

use axum::response::Response;
use protocol::{Attendee, AttendeeSearchRequest, AttendeeSearchResponse, AttendeeVersion};

use super::{AppState, XmlBody, result_limit, xml_response};
use crate::server::errors::CalloutError;
use crate::store::AttendeeQuery;

/// Responds to a Fetch Attendee callout of the version the request path names.
pub(crate) async fn fetch_attendees(
    state: AppState,
    version: AttendeeVersion,
    XmlBody(body): XmlBody,
) -> Result<Response, CalloutError> {
    let request = AttendeeSearchRequest::parse(&body, version)?;
    let query = attendee_query(request, version, state.settings.scope_attendees_by_owner);

    // A maximum of 0 requests nothing, so the store is not queried.
    let mut attendees = if query.limit == 0 {
        Vec::new()
    } else {
        state.store.search_attendees(&query).await?
    };
    attendees.truncate(query.limit);
    attendees.retain(|attendee| is_writable(attendee, version));

    let count = attendees.len();
    let xml = AttendeeSearchResponse { attendees }
        .to_xml(version)
        .map_err(CalloutError::ResponseNotWritten)?;
    Ok(xml_response(xml, count))
}

/// Checks whether the host would accept the stored attendee. A record that breaks
/// a response limit (ExternalID allows 48 characters in a request but 32 in
/// a response) is left out and logged, so that it cannot fail every search.
fn is_writable(attendee: &Attendee, version: AttendeeVersion) -> bool {
    match attendee.validate_response(version) {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(element = error.element(), rule = %error.rule(), "left out a stored attendee that the response cannot carry");
            false
        }
    }
}

/// Builds the store query. With owner scoping on, the owner is always set,
/// even when the host sent an empty `OwnerLoginID`: an absent owner must not
/// widen a scoped search to every attendee.
fn attendee_query(
    request: AttendeeSearchRequest,
    version: AttendeeVersion,
    scope_by_owner: bool,
) -> AttendeeQuery {
    AttendeeQuery {
        criteria: request.criteria,
        owner_login_id: scope_by_owner.then_some(request.owner_login_id),
        limit: result_limit(request.maximum_number_records),
        custom_field_count: version.custom_field_count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(owner: &str, maximum: Option<u32>) -> AttendeeSearchRequest {
        AttendeeSearchRequest {
            owner_login_id: owner.to_owned(),
            maximum_number_records: maximum,
            ..AttendeeSearchRequest::default()
        }
    }

    #[test]
    fn attendee_query_ignores_owner_without_scoping() {
        let query = attendee_query(
            request("owner@example.com", None),
            AttendeeVersion::V2_0,
            false,
        );

        assert_eq!(query.owner_login_id, None);
    }

    #[test]
    fn attendee_query_keeps_owner_with_scoping() {
        let query = attendee_query(
            request("owner@example.com", None),
            AttendeeVersion::V2_0,
            true,
        );

        assert_eq!(query.owner_login_id.as_deref(), Some("owner@example.com"));
    }

    #[test]
    fn attendee_query_scoping_keeps_empty_owner() {
        let query = attendee_query(request("", None), AttendeeVersion::V2_0, true);

        assert_eq!(query.owner_login_id.as_deref(), Some(""));
    }

    #[test]
    fn attendee_query_custom_count_follows_version() {
        let query = attendee_query(request("", Some(3)), AttendeeVersion::V1_0, false);

        assert_eq!(query.custom_field_count, 20);
    }
}
