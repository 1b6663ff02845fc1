//! The order of the suite: TLS first, then each selected service, then the load run.

use crate::checks::{
    Check, Context, Findings, attendee, auth, latency, list, test_connection, tls,
};
use crate::client::{Client, Probe};
use crate::config::{CheckConfig, ConfigError, Service};
use crate::report::Report;

/// Identifier and rule of one check, for documentation and tooling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInfo {
    pub id: &'static str,
    pub rule: &'static str,
}

/// Lists every check the suite can run with every service selected, in run order.
pub fn catalogue() -> Vec<CheckInfo> {
    planned_checks(&Service::ALL)
        .into_iter()
        .map(|check| CheckInfo {
            id: check.id,
            rule: check.rule,
        })
        .collect()
}

/// Runs the suite against the connector of `config`.
///
/// Fails only when the configuration cannot be used (invalid URL, CA
/// bundle or limits). Everything the connector does wrong is a finding in
/// the report, including a connector that cannot be reached.
pub async fn run(config: &CheckConfig) -> Result<Report, ConfigError> {
    config.validate()?;
    let context = Context {
        config,
        client: Client::new(config)?,
        attendee_version: config.attendee_version(),
    };
    let target = context.client.origin().to_string();
    let mut findings = Findings::default();

    let callable = tls::run(&context, &mut findings).await;
    if !callable {
        let later = planned_checks(&config.services);
        findings.skip_all(
            &later[tls::CHECKS.len()..],
            "a host cannot call the connector; see the connection and TLS checks",
        );
        return Ok(Report::new(target, findings.0));
    }

    let selected: Vec<Service> = Service::ALL
        .into_iter()
        .filter(|service| config.checks(*service))
        .collect();
    let mut load_targets: Vec<(Service, Option<Probe>)> = Vec::new();
    for service in &selected {
        let probe = run_service(&context, &mut findings, *service).await;
        load_targets.push((*service, probe));
    }
    latency::run(&context, &mut findings, &load_targets).await;

    // Failed logins come last: a connector that throttles an address after
    // repeated failures would otherwise turn away the valid requests above.
    for service in &selected {
        run_auth(&context, &mut findings, *service).await;
    }

    Ok(Report::new(target, findings.0))
}

/// Runs the checks of one service; returns the request the load run repeats.
async fn run_service(
    context: &Context<'_>,
    findings: &mut Findings,
    service: Service,
) -> Option<Probe> {
    match service {
        Service::TestConnection => {
            test_connection::run(context, findings).await;
            Some(Probe::get(&context.config.test_connection_path))
        }
        Service::FetchAttendee => attendee::run(context, findings).await,
        Service::FetchList => list::run(context, findings).await,
    }
}

/// Runs the credential checks of one service with its example request.
async fn run_auth(context: &Context<'_>, findings: &mut Findings, service: Service) {
    let probe = match service {
        Service::TestConnection => Ok(Probe::get(&context.config.test_connection_path)),
        Service::FetchAttendee => attendee::example_probe(context),
        Service::FetchList => list::example_probe(context),
    };
    match probe {
        Ok(probe) => auth::run(context, findings, service, probe).await,
        Err(error) => findings.skip_all(&auth::checks_for(service), &error),
    }
}

/// Lists the checks of `services` in run order: TLS, each service's own
/// checks, latency, then credentials.
fn planned_checks(services: &[Service]) -> Vec<Check> {
    let selected: Vec<Service> = Service::ALL
        .into_iter()
        .filter(|service| services.contains(service))
        .collect();

    let mut checks = tls::CHECKS.to_vec();
    for service in &selected {
        match service {
            Service::TestConnection => checks.extend(test_connection::CHECKS),
            Service::FetchAttendee => checks.extend(attendee::checks()),
            Service::FetchList => checks.extend(list::checks()),
        }
    }
    checks.extend(selected.iter().map(|service| latency::check_for(*service)));
    for service in &selected {
        checks.extend(auth::checks_for(*service));
    }
    checks
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn catalogue_ids_are_unique() {
        let checks = catalogue();
        let ids: HashSet<&str> = checks.iter().map(|check| check.id).collect();

        assert_eq!(ids.len(), checks.len());
    }

    #[test]
    fn planned_checks_follow_selection() {
        let checks = planned_checks(&[Service::FetchList]);

        assert!(!checks.iter().any(|check| check.id.starts_with("attendee.")));
    }
}
