//! The checks of the suite, grouped by what they probe.

pub(crate) mod attendee;
pub(crate) mod auth;
pub(crate) mod latency;
pub(crate) mod list;
pub(crate) mod malformed;
pub(crate) mod response;
pub(crate) mod test_connection;
pub(crate) mod tls;

use protocol::AttendeeVersion;

use crate::client::{Client, Sent};
use crate::config::CheckConfig;
use crate::report::{Exchange, Finding, Outcome};

/// One check: a stable identifier and the rule the connector is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Check {
    pub id: &'static str,
    pub rule: &'static str,
}

impl Check {
    pub fn finding(&self, outcome: Outcome, message: impl Into<String>) -> Finding {
        Finding::new(self.id, outcome, self.rule, message)
    }

    pub fn pass(&self, message: impl Into<String>) -> Finding {
        self.finding(Outcome::Pass, message)
    }

    pub fn warn(&self, message: impl Into<String>) -> Finding {
        self.finding(Outcome::Warn, message)
    }

    pub fn fail(&self, message: impl Into<String>) -> Finding {
        self.finding(Outcome::Fail, message)
    }

    pub fn skipped(&self, message: impl Into<String>) -> Finding {
        self.finding(Outcome::Skipped, message)
    }
}

/// Inputs every check reads: the configuration, the client and the attendee version.
pub(crate) struct Context<'a> {
    pub config: &'a CheckConfig,
    pub client: Client,
    pub attendee_version: AttendeeVersion,
}

/// Findings in the order the checks ran.
#[derive(Default)]
pub(crate) struct Findings(pub Vec<Finding>);

impl Findings {
    /// Records `finding`. A failure decided by a `429 Too Many Requests`
    /// becomes a skip, because the connector turned the request away
    /// without evaluating it.
    pub fn push(&mut self, mut finding: Finding) {
        let throttled = finding.exchanges.iter().any(|exchange| {
            exchange
                .response
                .as_ref()
                .is_some_and(|response| response.status == 429)
        });
        if finding.outcome == Outcome::Fail && throttled {
            finding.outcome = Outcome::Skipped;
            finding.message = format!(
                "inconclusive, because the connector throttled this address (429 Too Many Requests); run again after its Retry-After time: {}",
                finding.message
            );
        }
        self.0.push(finding);
    }

    /// Records every check of `checks` as skipped for `reason`.
    pub fn skip_all(&mut self, checks: &[Check], reason: &str) {
        for check in checks {
            self.push(check.skipped(reason));
        }
    }
}

/// Returns the exchange of `sent`, for a finding.
pub(crate) fn exchange_of(sent: &Sent) -> Exchange {
    sent.exchange.clone()
}

/// Case-insensitive "begins with", folding as the connector's store does.
pub(crate) fn begins_with_folded(value: &str, prefix: &str) -> bool {
    value.to_lowercase().starts_with(&prefix.to_lowercase())
}

/// Case-insensitive "ends with".
pub(crate) fn ends_with_folded(value: &str, suffix: &str) -> bool {
    value.to_lowercase().ends_with(&suffix.to_lowercase())
}

/// Case-insensitive "contains".
pub(crate) fn contains_folded(value: &str, part: &str) -> bool {
    value.to_lowercase().contains(&part.to_lowercase())
}

/// Swaps the case of every letter, so that a case-sensitive search misses the result.
pub(crate) fn swap_case(value: &str) -> String {
    value
        .chars()
        .flat_map(|character| {
            let swapped: Vec<char> = if character.is_lowercase() {
                character.to_uppercase().collect()
            } else {
                character.to_lowercase().collect()
            };
            swapped
        })
        .collect()
}

/// Quotes a data value for a message, shortened so a long value cannot flood the report.
pub(crate) fn quoted(value: &str) -> String {
    format!("\"{}\"", crate::client::excerpt(value, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_case_letters() {
        assert_eq!(swap_case("McDonald é"), "mCdONALD É");
    }

    #[test]
    fn begins_with_folded_ignores_case() {
        assert!(begins_with_folded("Doe", "dO"));
    }

    fn throttled_exchange() -> crate::report::Exchange {
        crate::report::Exchange {
            request: crate::report::RequestSummary {
                method: "POST".to_owned(),
                path: "/concur/list/v1.2/fetch".to_owned(),
                credentials: "configured".to_owned(),
                content_type: None,
                body_bytes: 0,
                body_excerpt: String::new(),
            },
            response: Some(crate::report::ResponseSummary {
                status: 429,
                content_type: None,
                www_authenticate: None,
                body_bytes: 0,
                body_excerpt: String::new(),
                duration_ms: 1.0,
            }),
            error: None,
        }
    }

    #[test]
    fn push_turns_throttled_failure_into_skip() {
        let check = Check {
            id: "list.example_request",
            rule: "rule",
        };
        let mut findings = Findings::default();

        findings.push(
            check
                .fail("status 429")
                .with_exchanges([throttled_exchange()]),
        );

        assert_eq!(findings.0[0].outcome, Outcome::Skipped);
    }

    #[test]
    fn push_keeps_throttled_warning() {
        let check = Check {
            id: "auth.wrong_credentials.fetch_list",
            rule: "rule",
        };
        let mut findings = Findings::default();

        findings.push(check.warn("429").with_exchanges([throttled_exchange()]));

        assert_eq!(findings.0[0].outcome, Outcome::Warn);
    }

    #[test]
    fn ends_with_folded_ignores_case() {
        assert!(ends_with_folded("San Francisco", "SCO"));
    }
}
