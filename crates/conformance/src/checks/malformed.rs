//! Malformed requests: each must get a 4xx, never a 5xx.

use super::{Check, Context, Findings, exchange_of};
use crate::client::Probe;

const NOT_XML_RULE: &str = "A body that is not XML gets a 4xx response, not a 5xx or a result.";
const WRONG_ROOT_RULE: &str =
    "A document with another message's root element gets a 4xx response, not a 5xx or a result.";
const DOCTYPE_RULE: &str = "A document with a DOCTYPE (where entity declarations live) gets a 4xx response, not a 5xx; accepting it risks entity expansion.";
const OVER_LONG_RULE: &str =
    "A field longer than its maximum length gets a 4xx response, not a 5xx.";
const NEGATIVE_COUNT_RULE: &str = "A negative record count gets a 4xx response, not a 5xx.";
const CONTENT_TYPE_RULE: &str =
    "A request whose Content-Type is not XML gets a 4xx response (415), not a 5xx.";

/// Malformed Fetch Attendee checks, in [`Malformation`] order.
pub(crate) const ATTENDEE_CHECKS: [Check; 6] = [
    Check {
        id: "attendee.malformed.not_xml",
        rule: NOT_XML_RULE,
    },
    Check {
        id: "attendee.malformed.wrong_root",
        rule: WRONG_ROOT_RULE,
    },
    Check {
        id: "attendee.malformed.doctype",
        rule: DOCTYPE_RULE,
    },
    Check {
        id: "attendee.malformed.over_long_field",
        rule: OVER_LONG_RULE,
    },
    Check {
        id: "attendee.malformed.negative_count",
        rule: NEGATIVE_COUNT_RULE,
    },
    Check {
        id: "attendee.malformed.content_type",
        rule: CONTENT_TYPE_RULE,
    },
];

/// Malformed Fetch List checks, in [`Malformation`] order.
pub(crate) const LIST_CHECKS: [Check; 6] = [
    Check {
        id: "list.malformed.not_xml",
        rule: NOT_XML_RULE,
    },
    Check {
        id: "list.malformed.wrong_root",
        rule: WRONG_ROOT_RULE,
    },
    Check {
        id: "list.malformed.doctype",
        rule: DOCTYPE_RULE,
    },
    Check {
        id: "list.malformed.over_long_field",
        rule: OVER_LONG_RULE,
    },
    Check {
        id: "list.malformed.negative_count",
        rule: NEGATIVE_COUNT_RULE,
    },
    Check {
        id: "list.malformed.content_type",
        rule: CONTENT_TYPE_RULE,
    },
];

/// Body that is not XML at all.
pub(crate) const NOT_XML_BODY: &str = "this is not XML {\"query\": \"*\"}";

/// Content type of the wrong-content-type probe.
const WRONG_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// The ways a request is broken, in check order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Malformation {
    NotXml,
    WrongRoot,
    Doctype,
    OverLongField,
    NegativeCount,
    ContentType,
}

const MALFORMATIONS: [Malformation; 6] = [
    Malformation::NotXml,
    Malformation::WrongRoot,
    Malformation::Doctype,
    Malformation::OverLongField,
    Malformation::NegativeCount,
    Malformation::ContentType,
];

impl Malformation {
    /// Returns whether a 2xx response is only a warning: the request's intent is
    /// still clear, so a lenient connector can respond to it sensibly. A 2xx
    /// to a body that is not the message at all is a failure.
    fn lenient_success(self) -> bool {
        !matches!(self, Malformation::NotXml | Malformation::WrongRoot)
    }
}

/// Request bodies of one service, each broken in one way.
pub(crate) struct Bodies {
    pub wrong_root: String,
    pub doctype: String,
    pub over_long_field: String,
    pub negative_count: String,
    /// A valid request, sent with a wrong content type.
    pub valid: Vec<u8>,
}

/// Sends each malformed request to `path` and records one finding per check of `checks`.
pub(crate) async fn run(
    context: &Context<'_>,
    findings: &mut Findings,
    checks: &[Check; 6],
    path: &str,
    bodies: &Bodies,
) {
    for (check, malformation) in checks.iter().zip(MALFORMATIONS) {
        let probe = match malformation {
            Malformation::NotXml => Probe::post_xml(path, NOT_XML_BODY.as_bytes().to_vec()),
            Malformation::WrongRoot => {
                Probe::post_xml(path, bodies.wrong_root.clone().into_bytes())
            }
            Malformation::Doctype => Probe::post_xml(path, bodies.doctype.clone().into_bytes()),
            Malformation::OverLongField => {
                Probe::post_xml(path, bodies.over_long_field.clone().into_bytes())
            }
            Malformation::NegativeCount => {
                Probe::post_xml(path, bodies.negative_count.clone().into_bytes())
            }
            Malformation::ContentType => {
                Probe::post_xml(path, bodies.valid.clone()).with_content_type(WRONG_CONTENT_TYPE)
            }
        };
        let sent = context.client.send(&probe).await;
        let finding = match &sent.reply {
            _ if matches!(sent.status(), Some(401 | 429)) => check.skipped(format!(
                "status {}: the request was turned away before its body was read; see the credential checks",
                sent.status().unwrap_or_default()
            )),
            Err(error) => check.fail(format!("no response: {error}")),
            Ok(reply) => match reply.status {
                400..=499 => check.pass(format!("status {}", reply.status)),
                500..=599 => check.fail(format!(
                    "status {}: a server error for the client's mistake, which hides the cause and looks like an outage",
                    reply.status
                )),
                status @ 200..=299 if malformation.lenient_success() => check.warn(format!(
                    "status {status}: the connector accepted the request instead of rejecting it"
                )),
                status => check.fail(format!("status {status}, expected a 4xx")),
            },
        };
        findings.push(finding.with_exchanges([exchange_of(&sent)]));
    }
}
