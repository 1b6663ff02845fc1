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

    let mut load_targets: Vec<(Service, Probe)> = Vec::new();
    for service in Service::ALL
        .into_iter()
        .filter(|service| config.checks(*service))
    {
        if let Some(probe) = run_service(&context, &mut findings, service).await {
            load_targets.push((service, probe));
        } else {
            findings.push(latency::check_for(service).skipped("no request to repeat"));
        }
    }
    latency::run(&context, &mut findings, &load_targets).await;

    Ok(Report::new(target, findings.0))
}

/// Runs the credential checks and the service's own checks; returns the request the load run repeats.
async fn run_service(
    context: &Context<'_>,
    findings: &mut Findings,
    service: Service,
) -> Option<Probe> {
    match service {
        Service::TestConnection => {
            let probe = Probe::get(&context.config.test_connection_path);
            test_connection::run(context, findings).await;
            auth::run(context, findings, service, probe.clone()).await;
            Some(probe)
        }
        Service::FetchAttendee => {
            run_auth(context, findings, service, attendee::example_probe(context)).await;
            attendee::run(context, findings).await
        }
        Service::FetchList => {
            run_auth(context, findings, service, list::example_probe(context)).await;
            list::run(context, findings).await
        }
    }
}

async fn run_auth(
    context: &Context<'_>,
    findings: &mut Findings,
    service: Service,
    probe: Result<Probe, String>,
) {
    match probe {
        Ok(probe) => auth::run(context, findings, service, probe).await,
        Err(error) => findings.skip_all(&auth::checks_for(service), &error),
    }
}

/// Lists the checks of `services` in run order, TLS first and latency last.
fn planned_checks(services: &[Service]) -> Vec<Check> {
    let selected: Vec<Service> = Service::ALL
        .into_iter()
        .filter(|service| services.contains(service))
        .collect();

    let mut checks = tls::CHECKS.to_vec();
    for service in &selected {
        match service {
            Service::TestConnection => {
                checks.extend(test_connection::CHECKS);
                checks.extend(auth::checks_for(*service));
            }
            Service::FetchAttendee => {
                checks.extend(auth::checks_for(*service));
                checks.extend(attendee::checks());
            }
            Service::FetchList => {
                checks.extend(auth::checks_for(*service));
                checks.extend(list::checks());
            }
        }
    }
    checks.extend(selected.iter().map(|service| latency::check_for(*service)));
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
