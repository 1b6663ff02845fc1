//! The text form of a report, for people reading a terminal.

use std::fmt::Write as _;

use crate::report::{Exchange, Finding, Outcome, Report};

impl Report {
    /// Writes the report for a terminal: one line per passing check, and the
    /// rule, message and exchanges of every other check.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        // `fmt::Write` for `String` never returns an error, so the results are ignored.
        let _ = writeln!(text, "Conformance check of {}", self.target);
        let _ = writeln!(text);
        for finding in &self.findings {
            write_finding(&mut text, finding);
        }

        let summary = &self.summary;
        let _ = writeln!(text);
        let _ = writeln!(
            text,
            "{} checks: {} passed, {} warned, {} failed, {} skipped",
            self.findings.len(),
            summary.pass,
            summary.warn,
            summary.fail,
            summary.skipped
        );
        let verdict = if self.passed {
            "Result: PASS (no check failed)"
        } else {
            "Result: FAIL"
        };
        let _ = writeln!(text, "{verdict}");
        text
    }
}

fn write_finding(text: &mut String, finding: &Finding) {
    let _ = writeln!(
        text,
        "{}  {}: {}",
        finding.outcome.label(),
        finding.check,
        finding.message
    );
    if let Some(latency) = &finding.latency {
        let _ = writeln!(
            text,
            "      {} requests ({} failed) in {:.1} s at concurrency {}: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            latency.succeeded + latency.failed,
            latency.failed,
            latency.run_ms / 1000.0,
            latency.concurrency,
            latency.p50_ms,
            latency.p95_ms,
            latency.p99_ms,
            latency.max_ms
        );
    }
    if finding.outcome == Outcome::Pass {
        return;
    }

    let _ = writeln!(text, "      rule: {}", finding.rule);
    for exchange in &finding.exchanges {
        write_exchange(text, exchange);
    }
}

fn write_exchange(text: &mut String, exchange: &Exchange) {
    let request = &exchange.request;
    let content_type = request.content_type.as_deref().unwrap_or("no Content-Type");
    let _ = writeln!(
        text,
        "      sent: {} {} (credentials: {}, {}, {} bytes)",
        request.method, request.path, request.credentials, content_type, request.body_bytes
    );
    if !request.body_excerpt.is_empty() {
        let _ = writeln!(text, "        body: {}", request.body_excerpt);
    }

    if let Some(response) = &exchange.response {
        let content_type = response
            .content_type
            .as_deref()
            .unwrap_or("no Content-Type");
        let _ = writeln!(
            text,
            "      received: {} ({}, {} bytes, {:.1} ms)",
            response.status, content_type, response.body_bytes, response.duration_ms
        );
        if let Some(challenge) = &response.www_authenticate {
            let _ = writeln!(text, "        WWW-Authenticate: {challenge}");
        }
        if !response.body_excerpt.is_empty() {
            let _ = writeln!(text, "        body: {}", response.body_excerpt);
        }
    }
    if let Some(error) = &exchange.error {
        let _ = writeln!(text, "      error: {error}");
    }
}
