//! The report: one finding per check, with the exchanges that decided it.

use serde::{Deserialize, Serialize};

/// Version of the JSON report layout; raised whenever a field changes meaning or goes away.
pub const REPORT_FORMAT_VERSION: u32 = 1;

/// Result of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The connector keeps the rule.
    Pass,
    /// The connector departs from a convention of this project or from good
    /// practice, but a host can still use it.
    Warn,
    /// The connector breaks the rule; a host would reject or misread it.
    Fail,
    /// The check could not run; the message gives the reason.
    Skipped,
}

impl Outcome {
    /// Label used in the text report: `PASS`, `WARN`, `FAIL` or `SKIP`.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Warn => "WARN",
            Outcome::Fail => "FAIL",
            Outcome::Skipped => "SKIP",
        }
    }
}

/// Summary of a request without credentials: `credentials` describes the
/// `Authorization` header, which is never copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSummary {
    pub method: String,
    pub path: String,
    /// `configured`, `wrong password` or `none`.
    pub credentials: String,
    pub content_type: Option<String>,
    pub body_bytes: usize,
    /// Start of the body, with control characters escaped.
    pub body_excerpt: String,
}

/// Summary of a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseSummary {
    pub status: u16,
    pub content_type: Option<String>,
    /// `WWW-Authenticate` header, when the response carried one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub www_authenticate: Option<String>,
    pub body_bytes: usize,
    /// Start of the body, with control characters escaped and the password redacted.
    pub body_excerpt: String,
    /// Time from sending the request to the end of the body, in milliseconds.
    pub duration_ms: f64,
}

/// One request and its response, or the error that took the response's place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub request: RequestSummary,
    pub response: Option<ResponseSummary>,
    /// Why no response arrived: connection, TLS, timeout or size failures.
    pub error: Option<String>,
}

/// Latency percentiles of the load run of one callout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Requests that completed with status 200.
    pub succeeded: usize,
    /// Requests that failed or did not return 200.
    pub failed: usize,
    /// Concurrent requests kept in flight.
    pub concurrency: usize,
    /// Length of the run, in milliseconds.
    pub run_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable identifier, such as `attendee.and_rule.other_company`.
    pub check: String,
    pub outcome: Outcome,
    /// The rule the connector is checked against.
    pub rule: String,
    /// Observation that decided the outcome, or the reason the check was skipped.
    pub message: String,
    /// The requests that decided the outcome; the first failing one comes first.
    pub exchanges: Vec<Exchange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencySummary>,
}

impl Finding {
    /// Creates a finding without exchanges.
    pub fn new(
        check: impl Into<String>,
        outcome: Outcome,
        rule: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            check: check.into(),
            outcome,
            rule: rule.into(),
            message: message.into(),
            exchanges: Vec::new(),
            latency: None,
        }
    }

    /// Adds the exchanges that decided the outcome.
    pub fn with_exchanges(mut self, exchanges: impl IntoIterator<Item = Exchange>) -> Self {
        self.exchanges.extend(exchanges);
        self
    }
}

/// Number of findings of each outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skipped: usize,
}

/// The whole result of a run, in the order the checks ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub format_version: u32,
    /// The connector's origin, `https://host[:port]`.
    pub target: String,
    /// True when no check failed; warnings and skipped checks do not count.
    pub passed: bool,
    pub summary: Summary,
    pub findings: Vec<Finding>,
}

impl Report {
    /// Builds the report of `findings`, counting each outcome.
    pub fn new(target: impl Into<String>, findings: Vec<Finding>) -> Self {
        let mut summary = Summary::default();
        for finding in &findings {
            match finding.outcome {
                Outcome::Pass => summary.pass += 1,
                Outcome::Warn => summary.warn += 1,
                Outcome::Fail => summary.fail += 1,
                Outcome::Skipped => summary.skipped += 1,
            }
        }
        Report {
            format_version: REPORT_FORMAT_VERSION,
            target: target.into(),
            passed: summary.fail == 0,
            summary,
            findings,
        }
    }

    /// Returns the finding of `check`, if that check ran.
    pub fn finding(&self, check: &str) -> Option<&Finding> {
        self.findings.iter().find(|finding| finding.check == check)
    }

    /// Reads a report that [`Report::to_json`] wrote, such as one a host stored.
    pub fn from_json(text: &str) -> Result<Report, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Writes the report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // Every field is a string, number, bool, option or vector, which
        // serde_json always serializes.
        serde_json::to_string_pretty(self).unwrap_or_else(|error| {
            format!("{{\"error\":\"report serialization failed: {error}\"}}")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let exchange = Exchange {
            request: RequestSummary {
                method: "GET".to_owned(),
                path: "/system/v1.0/testconnection".to_owned(),
                credentials: "configured".to_owned(),
                content_type: None,
                body_bytes: 0,
                body_excerpt: String::new(),
            },
            response: Some(ResponseSummary {
                status: 401,
                content_type: Some("text/plain".to_owned()),
                www_authenticate: None,
                body_bytes: 12,
                body_excerpt: "unauthorized".to_owned(),
                duration_ms: 1.5,
            }),
            error: None,
        };
        let finding = Finding::new("test_connection.status", Outcome::Fail, "rule", "401")
            .with_exchanges([exchange]);
        Report::new("https://connector.example.com", vec![finding])
    }

    #[test]
    fn report_json_round_trip() {
        let report = sample();

        let read = Report::from_json(&report.to_json()).expect("read the written report");

        assert_eq!(read, report);
    }

    #[test]
    fn report_counts_outcomes() {
        let report = sample();

        assert_eq!(report.summary.fail, 1);
        assert!(!report.passed);
    }
}
