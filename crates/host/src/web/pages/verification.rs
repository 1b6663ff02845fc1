//! Verify services on the registration page: the button's handler and the last report as the page shows it.

use axum::extract::{Path, State};
use axum::response::Response;
use conformance::{Finding, LatencySummary, Outcome, Summary};

use super::{display_time, registration_id, see_other};
use crate::domain::{Actor, RegistrationId, Verification};
use crate::web::WebState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;

/// The Verify services section of the registration page.
pub(crate) struct VerificationSection {
    /// Length of the latency run, in seconds.
    pub load_secs: u64,
    /// Limit on a run, in seconds.
    pub timeout_secs: u64,
    pub last: Option<LastVerification>,
}

/// The stored report, ready for the template, which escapes every text.
pub(crate) struct LastVerification {
    pub at: String,
    pub actor: String,
    pub duration_ms: u64,
    pub target: String,
    pub passed: bool,
    pub summary: Summary,
    pub findings: Vec<FindingRow>,
}

/// One finding with its outcome label and the exchanges that decided it.
pub(crate) struct FindingRow {
    /// `PASS`, `WARN`, `FAIL` or `SKIP`.
    pub label: &'static str,
    /// CSS class of the outcome.
    pub class: &'static str,
    /// Findings that did not pass start unfolded, so problems show without a click.
    pub open: bool,
    pub latency: Option<String>,
    pub finding: Finding,
}

/// Reads the registration's last report. The caller has already checked
/// that the actor may see the registration.
pub(crate) async fn verification_section(
    state: &WebState,
    actor: &Actor,
    registration_id: RegistrationId,
) -> Result<VerificationSection, PageError> {
    let last = state
        .store
        .last_verification(actor.company.id, registration_id)
        .await?;
    let limits = state.verifier.limits();
    Ok(VerificationSection {
        load_secs: limits.load_duration_secs,
        timeout_secs: limits.timeout_secs,
        last: last.map(last_verification),
    })
}

fn last_verification(verification: Verification) -> LastVerification {
    let report = verification.report;
    LastVerification {
        at: display_time(verification.at),
        actor: verification.actor_login,
        duration_ms: verification.duration_ms,
        target: report.target,
        passed: report.passed,
        summary: report.summary,
        findings: report.findings.into_iter().map(finding_row).collect(),
    }
}

fn finding_row(finding: Finding) -> FindingRow {
    let class = match finding.outcome {
        Outcome::Pass => "outcome-pass",
        Outcome::Warn => "outcome-warn",
        Outcome::Fail => "outcome-fail",
        Outcome::Skipped => "outcome-skipped",
    };
    FindingRow {
        label: finding.outcome.label(),
        class,
        open: finding.outcome != Outcome::Pass,
        latency: finding.latency.as_ref().map(latency_text),
        finding,
    }
}

fn latency_text(latency: &LatencySummary) -> String {
    format!(
        "p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} succeeded and {} failed with {} in flight over {:.0} ms",
        latency.p50_ms,
        latency.p95_ms,
        latency.p99_ms,
        latency.max_ms,
        latency.succeeded,
        latency.failed,
        latency.concurrency,
        latency.run_ms
    )
}

/// `POST /registrations/{id}/verify`: runs Verify services and redirects to
/// the registration page, which shows the report.
pub(crate) async fn verify(
    State(state): State<WebState>,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let actor = form.signed_in.manager()?;
    let id = registration_id(&id)?;

    state.verifier.verify(actor, id).await?;
    Ok(see_other(&format!(
        "/registrations/{}?notice=verified#verification",
        id.0
    )))
}
