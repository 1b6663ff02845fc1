//! Checking a connector's response to a search callout against the contract.

use bytes::Bytes;
use outbound::{CalloutResponse, FailureCause};
use protocol::{
    AttendeeSearchResponse, AttendeeVersion, FetchListRequest, FetchListResponse, ParseError,
};

use super::{AttendeeResults, CalloutFailure, ListResults};

/// Characters of a rejected `Content-Type` value repeated in the rule.
const MAX_QUOTED_CHARS: usize = 60;

/// Returns the body of a `200` response in XML. Any other status is a
/// failure of the service; a `200` in another content type breaks the contract.
pub(super) fn xml_body(response: CalloutResponse) -> Result<Bytes, CalloutFailure> {
    if response.status != 200 {
        let cause = FailureCause::UnexpectedStatus(response.status);
        return Err(CalloutFailure::Failed {
            kind: cause.kind(),
            detail: cause.to_string(),
        });
    }
    match response.content_type.as_deref() {
        Some(value) if protocol::is_xml_content_type(value) => Ok(response.body),
        Some(value) => {
            let quoted: String = value.chars().take(MAX_QUOTED_CHARS).collect();
            Err(CalloutFailure::InvalidAnswer {
                rule: format!(
                    "header `Content-Type`: {:?} is not application/xml or text/xml in UTF-8",
                    quoted
                ),
            })
        }
        None => Err(CalloutFailure::InvalidAnswer {
            rule: "header `Content-Type`: missing, expected application/xml".to_owned(),
        }),
    }
}

/// Parses a Fetch Attendee response strictly and keeps at most `maximum` attendees.
pub(super) fn attendees(
    body: &[u8],
    version: AttendeeVersion,
    maximum: u32,
) -> Result<AttendeeResults, CalloutFailure> {
    let response = AttendeeSearchResponse::parse(body, version).map_err(invalid_answer)?;

    let (attendees, refine_search) = at_most(response.attendees, maximum);
    Ok(AttendeeResults {
        attendees,
        refine_search,
    })
}

/// Parses a Fetch List response strictly, checks each item's code against
/// the request, and keeps at most `maximum` items.
pub(super) fn list_items(
    body: &[u8],
    request: &FetchListRequest,
    maximum: u32,
) -> Result<ListResults, CalloutFailure> {
    let response = FetchListResponse::parse(body).map_err(invalid_answer)?;

    // The parser accepts any code that ends in `-` and the short code. Under
    // a parent, the code must be exactly the parent's long code joined to it.
    if !request.long_code.is_empty() {
        for (index, item) in response.items.iter().enumerate() {
            let expected = format!("{}-{}", request.long_code, item.short_code);
            if item.code != expected {
                return Err(CalloutFailure::InvalidAnswer {
                    rule: format!(
                        "element `fetch-list-response/item[{}]/code`: expected `{expected}`, the request's long code joined to the short code by `-`",
                        index + 1
                    ),
                });
            }
        }
    }

    let (items, refine_search) = at_most(response.items, maximum);
    Ok(ListResults {
        items,
        refine_search,
    })
}

fn invalid_answer(error: ParseError) -> CalloutFailure {
    CalloutFailure::InvalidAnswer {
        rule: error.to_string(),
    }
}

/// Keeps the first `maximum` results and returns whether any were dropped.
fn at_most<T>(mut results: Vec<T>, maximum: u32) -> (Vec<T>, bool) {
    let maximum = usize::try_from(maximum).unwrap_or(usize::MAX);
    let refine_search = results.len() > maximum;
    results.truncate(maximum);
    (results, refine_search)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list_request(long_code: &str) -> FetchListRequest {
        FetchListRequest {
            long_code: long_code.to_owned(),
            ..FetchListRequest::default()
        }
    }

    const TWO_CITIES: &[u8] = b"<fetch-list-response>\
        <item><code>US-W-CA-SF</code><short-code>SF</short-code><text>San Francisco</text><match-value/></item>\
        <item><code>US-W-CA-SJ</code><short-code>SJ</short-code><text>San Jose</text><match-value/></item>\
        </fetch-list-response>";

    #[test]
    fn list_items_code_under_other_parent_is_rejected() {
        let failure = list_items(TWO_CITIES, &list_request("US-W-NV"), 25).unwrap_err();

        assert_eq!(
            failure,
            CalloutFailure::InvalidAnswer {
                rule: "element `fetch-list-response/item[1]/code`: expected `US-W-NV-SF`, the request's long code joined to the short code by `-`".to_owned()
            }
        );
    }

    #[test]
    fn list_items_more_than_maximum_sets_refine() {
        let results = list_items(TWO_CITIES, &list_request("US-W-CA"), 1).unwrap();

        assert_eq!(results.items.len(), 1);
        assert!(results.refine_search);
    }

    #[test]
    fn list_items_exactly_maximum_needs_no_refine() {
        let results = list_items(TWO_CITIES, &list_request("US-W-CA"), 2).unwrap();

        assert!(!results.refine_search);
    }
}
