//! Basic authentication: requests without credentials or with a wrong password get 401.

use super::{Check, Context, Findings, exchange_of};
use crate::client::{Credentials, Probe};
use crate::config::Service;

const MISSING_RULE: &str = "A request without an Authorization header gets 401 with a WWW-Authenticate challenge for the Basic scheme.";
const WRONG_RULE: &str = "A request with a wrong password gets 401 with a WWW-Authenticate challenge for the Basic scheme.";

pub(crate) const MISSING_TEST_CONNECTION: Check = Check {
    id: "auth.missing_credentials.test_connection",
    rule: MISSING_RULE,
};
pub(crate) const WRONG_TEST_CONNECTION: Check = Check {
    id: "auth.wrong_credentials.test_connection",
    rule: WRONG_RULE,
};
pub(crate) const MISSING_FETCH_ATTENDEE: Check = Check {
    id: "auth.missing_credentials.fetch_attendee",
    rule: MISSING_RULE,
};
pub(crate) const WRONG_FETCH_ATTENDEE: Check = Check {
    id: "auth.wrong_credentials.fetch_attendee",
    rule: WRONG_RULE,
};
pub(crate) const MISSING_FETCH_LIST: Check = Check {
    id: "auth.missing_credentials.fetch_list",
    rule: MISSING_RULE,
};
pub(crate) const WRONG_FETCH_LIST: Check = Check {
    id: "auth.wrong_credentials.fetch_list",
    rule: WRONG_RULE,
};

/// Returns the two checks of `service`: missing credentials, then a wrong password.
pub(crate) fn checks_for(service: Service) -> [Check; 2] {
    match service {
        Service::TestConnection => [MISSING_TEST_CONNECTION, WRONG_TEST_CONNECTION],
        Service::FetchAttendee => [MISSING_FETCH_ATTENDEE, WRONG_FETCH_ATTENDEE],
        Service::FetchList => [MISSING_FETCH_LIST, WRONG_FETCH_LIST],
    }
}

/// Sends `probe` once without credentials and once with a wrong password.
///
/// These are the only requests of the suite that fail authentication, two
/// per service, so that a connector that throttles failed logins (ours
/// allows 10 a minute per address by default) still returns 401.
pub(crate) async fn run(
    context: &Context<'_>,
    findings: &mut Findings,
    service: Service,
    probe: Probe,
) {
    let [missing, wrong] = checks_for(service);
    for (check, credentials) in [
        (missing, Credentials::Missing),
        (wrong, Credentials::WrongPassword),
    ] {
        let sent = context
            .client
            .send(&probe.clone().with_credentials(credentials))
            .await;
        let finding = match &sent.reply {
            Err(error) => check.fail(format!("no response: {error}")),
            Ok(reply) => match reply.status {
                401 => match reply.www_authenticate.as_deref() {
                    None => check.fail("401 without a WWW-Authenticate header, which RFC 9110 requires with every 401"),
                    Some(challenge) if challenge.trim_start().to_ascii_lowercase().starts_with("basic") => {
                        check.pass("401 with a Basic challenge")
                    }
                    Some(_) => check.warn("401, but the WWW-Authenticate challenge does not name the Basic scheme"),
                },
                429 => check.warn(
                    "429: the connector throttles this address after earlier failed logins, so the credentials were not checked; run again after the Retry-After time",
                ),
                status @ 200..=299 => check.fail(format!(
                    "status {status}: the connector served the request without valid credentials"
                )),
                status => check.fail(format!("status {status}, expected 401")),
            },
        };
        findings.push(finding.with_exchanges([exchange_of(&sent)]));
    }
}
