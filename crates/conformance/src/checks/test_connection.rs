//! Test Connection: the host's verification of a registration.

use super::{Check, Context, Findings, exchange_of};
use crate::client::Probe;

pub(crate) const STATUS: Check = Check {
    id: "test_connection.status",
    rule: "Test Connection (GET with the configured Basic credentials) returns 200; a registration is verified only after it succeeds.",
};

pub(crate) const CHECKS: [Check; 1] = [STATUS];

/// Runs the host's Test Connection, then a plain GET to record the exact status.
pub(crate) async fn run(context: &Context<'_>, findings: &mut Findings) {
    let path = &context.config.test_connection_path;
    let report = context.client.test_connection(path).await;
    let sent = context.client.send(&Probe::get(path)).await;
    let exchanges = [exchange_of(&sent)];

    let finding = match (&report.outcome, &sent.reply) {
        (Err(cause), _) => STATUS.fail(format!("the host's Test Connection failed: {cause}")),
        (Ok(_), Ok(reply)) if reply.status == 200 => STATUS.pass(format!(
            "200 in {:.0} ms",
            report.duration.as_secs_f64() * 1000.0
        )),
        (Ok(_), Ok(reply)) => STATUS.warn(format!(
            "status {}: the host accepts any 2xx, but the contract names 200",
            reply.status
        )),
        (Ok(_), Err(error)) => STATUS.fail(format!(
            "the host's Test Connection passed, but a second request failed: {error}"
        )),
    };
    findings.push(finding.with_exchanges(exchanges));
}
