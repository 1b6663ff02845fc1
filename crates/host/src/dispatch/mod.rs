//! Fetch Attendee and Fetch List callouts to a registration's connector, checked against the contract.
//!
//! Each callout runs in stages. It finds the registration's active service,
//! writes the request with the protocol crate, and POSTs it with Basic
//! authentication through the shared [`OutboundClient`]. It then checks the
//! response strictly and records the outcome in a log line, the metrics and
//! the registration's callout log. Nothing is retried: the user searches again.

mod answer;
mod failure;

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use bytes::Bytes;
use connector::Secret;
use outbound::{CalloutRequest, OutboundClient};
use protocol::{Attendee, AttendeeSearchRequest, AttendeeVersion, FetchListRequest, ListItem};
use time::OffsetDateTime;
use tokio::time::Instant;
use tracing::Instrument;

use crate::config::CalloutsConfig;
use crate::crypto::PasswordCipher;
use crate::domain::callout_log::{CALLOUT_LOG_KEPT, CalloutOutcome, CalloutRecord};
use crate::domain::registrations::redact;
use crate::domain::{Actor, RegistrationId, ServiceKind};
use crate::store::HostStore;

pub use failure::CalloutFailure;

/// `Content-Type` of every search request.
const XML_CONTENT_TYPE: &str = "application/xml; charset=utf-8";

/// Maximum length of a failure text in the callout log and in log lines, in characters.
const MAX_ERROR_CHARS: usize = 1000;

/// Counter of callouts by `kind` and `outcome`.
const CALLOUTS_TOTAL: &str = "callouts_host_callouts_total";
/// Histogram of the duration of sent callouts, in seconds, by `kind`.
const CALLOUT_DURATION: &str = "callouts_host_callout_duration_seconds";

/// Attendees found by Fetch Attendee.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttendeeResults {
    /// At most the MaximumNumberRecords sent, in the connector's order.
    pub attendees: Vec<Attendee>,
    /// The connector returned more than the maximum, so the user should
    /// refine the search; the extra attendees were dropped.
    pub refine_search: bool,
}

/// List items found by Fetch List.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListResults {
    /// At most the num-to-return sent, in the connector's order.
    pub items: Vec<ListItem>,
    /// The connector returned more than num-to-return; the extra items were dropped.
    pub refine_search: bool,
}

/// Sends the search callouts of every registration. Cheap to clone.
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn HostStore>,
    cipher: Arc<PasswordCipher>,
    outbound: OutboundClient,
    maximum_number_records: u32,
}

/// Destination and credentials of one callout, read from the registration.
struct Target {
    registration_id: RegistrationId,
    origin: String,
    endpoint_path: String,
    user_name: String,
    password: Secret,
}

impl Dispatcher {
    /// Builds the dispatcher. `outbound` should be the client of Test
    /// Connection, so that callouts trust the same CAs and pass the same
    /// address guard as the check that verified the registration.
    pub fn new(
        store: Arc<dyn HostStore>,
        cipher: Arc<PasswordCipher>,
        outbound: OutboundClient,
        config: &CalloutsConfig,
    ) -> Dispatcher {
        Dispatcher {
            inner: Arc::new(Inner {
                store,
                cipher,
                outbound,
                maximum_number_records: config.maximum_number_records,
            }),
        }
    }

    /// Returns the configured MaximumNumberRecords, from 1 to 100.
    pub fn maximum_number_records(&self) -> u32 {
        self.inner.maximum_number_records
    }

    /// Sends Fetch Attendee to the registration's fetch-attendee service,
    /// only when that service is enabled and the registration Verified. The
    /// version comes from the endpoint path: v1.0 when the path contains
    /// `v1.0`, else v2.0. MaximumNumberRecords is the configured maximum, or
    /// the request's when that is smaller and not 0.
    pub async fn fetch_attendees(
        &self,
        actor: &Actor,
        registration_id: RegistrationId,
        request: &AttendeeSearchRequest,
    ) -> Result<AttendeeResults, CalloutFailure> {
        let kind = ServiceKind::FetchAttendee;
        let target = self.target(actor, registration_id, kind).await?;
        let version = attendee_version(&target.endpoint_path);
        let maximum = self.attendees_to_request(request.maximum_number_records);
        let mut sent = request.clone();
        sent.maximum_number_records = Some(maximum);
        let body = sent
            .to_xml(version)
            .map_err(|error| not_sent(kind, registration_id, invalid_request(error)))?;

        let call = Call::start(kind);
        let outcome = match self.post(&target, kind, body).await {
            Ok(body) => answer::attendees(&body, version, maximum),
            Err(failure) => Err(failure),
        };
        self.finish(&target, call, outcome).await
    }

    /// Sends Fetch List to the registration's fetch-list service, only when
    /// that service is enabled and the registration Verified. num-to-return
    /// is the request's, or the configured maximum when it names none (or 0),
    /// and never more than 100. Under a parent (a non-empty long code) each
    /// item's code must be the long code, `-` and the item's short code.
    pub async fn fetch_list(
        &self,
        actor: &Actor,
        registration_id: RegistrationId,
        request: &FetchListRequest,
    ) -> Result<ListResults, CalloutFailure> {
        let kind = ServiceKind::FetchList;
        let target = self.target(actor, registration_id, kind).await?;
        let maximum = self.list_items_to_request(request.num_to_return);
        let mut sent = request.clone();
        sent.num_to_return = Some(maximum);
        let body = sent
            .to_xml()
            .map_err(|error| not_sent(kind, registration_id, invalid_request(error)))?;

        let call = Call::start(kind);
        let outcome = match self.post(&target, kind, body).await {
            Ok(body) => answer::list_items(&body, &sent, maximum),
            Err(failure) => Err(failure),
        };
        self.finish(&target, call, outcome).await
    }

    fn attendees_to_request(&self, requested: Option<u32>) -> u32 {
        let configured = self.inner.maximum_number_records;
        requested
            .filter(|number| *number > 0)
            .map_or(configured, |number| number.min(configured))
    }

    fn list_items_to_request(&self, requested: Option<u32>) -> u32 {
        let most = protocol::limits::MAX_RECORDS as u32;
        requested
            .filter(|number| *number > 0)
            .unwrap_or(self.inner.maximum_number_records)
            .min(most)
    }

    /// Reads the registration of the actor's company and the service's
    /// endpoint, when the service is active. Nothing is sent otherwise.
    async fn target(
        &self,
        actor: &Actor,
        registration_id: RegistrationId,
        kind: ServiceKind,
    ) -> Result<Target, CalloutFailure> {
        let found = self
            .inner
            .store
            .registration(actor.company.id, registration_id)
            .await;
        let registration = match found {
            Ok(Some(registration)) => registration,
            Ok(None) => {
                return Err(not_sent(
                    kind,
                    registration_id,
                    CalloutFailure::ServiceNotActive,
                ));
            }
            Err(error) => {
                tracing::error!(registration_id = registration_id.0, error = %error, "failed to read the registration for a callout");
                let failure = CalloutFailure::Failed {
                    kind: "store",
                    detail: "the registration could not be read".to_owned(),
                };
                return Err(not_sent(kind, registration_id, failure));
            }
        };
        let service = registration.services.get(&kind);
        let (true, Some(service)) = (registration.service_is_active(kind), service) else {
            return Err(not_sent(
                kind,
                registration_id,
                CalloutFailure::ServiceNotActive,
            ));
        };
        let password = self
            .inner
            .cipher
            .open(&registration.password)
            .map_err(|error| {
                let failure = CalloutFailure::Failed {
                    kind: "password_unreadable",
                    detail: error.to_string(),
                };
                not_sent(kind, registration_id, failure)
            })?;

        Ok(Target {
            registration_id,
            origin: registration.host_name.as_str().to_owned(),
            endpoint_path: service.endpoint_path.as_str().to_owned(),
            user_name: registration.user_name.as_str().to_owned(),
            password,
        })
    }

    /// POSTs `body` and returns the XML body of a `200` response.
    async fn post(
        &self,
        target: &Target,
        kind: ServiceKind,
        body: Vec<u8>,
    ) -> Result<Bytes, CalloutFailure> {
        let request = CalloutRequest {
            method: Method::POST,
            origin: &target.origin,
            path: &target.endpoint_path,
            username: &target.user_name,
            password: target.password.expose(),
            content_type: Some(XML_CONTENT_TYPE),
            body: body.into(),
        };
        // The outbound client's own log line then names the callout too.
        let span = tracing::info_span!(
            "callout",
            kind = kind.as_str(),
            registration_id = target.registration_id.0
        );
        let response = self
            .inner
            .outbound
            .call(request)
            .instrument(span)
            .await
            .map_err(|cause| CalloutFailure::Failed {
                kind: cause.kind(),
                detail: cause.to_string(),
            })?;
        answer::xml_body(response)
    }

    /// Records the outcome of a sent callout: the callout log, one log line
    /// and the metrics. Failure texts lose the password, should a connector
    /// have echoed it, before they go anywhere.
    async fn finish<R: SearchResults>(
        &self,
        target: &Target,
        call: Call,
        outcome: Result<R, CalloutFailure>,
    ) -> Result<R, CalloutFailure> {
        let duration = call.started.elapsed();
        let password = target.password.expose();
        let outcome = outcome.map_err(|failure| clean(failure, password));

        let record = CalloutRecord {
            at: call.at,
            service: call.kind,
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            outcome: record_outcome(&outcome),
        };
        let stored = self
            .inner
            .store
            .record_callout(target.registration_id, &record, CALLOUT_LOG_KEPT)
            .await;
        if let Err(error) = stored {
            tracing::error!(registration_id = target.registration_id.0, error = %error, "failed to record a callout in the callout log");
        }

        log_sent(target.registration_id, &record);
        count(call.kind, record.outcome.as_str(), Some(duration));
        outcome
    }
}

/// The start of one sent callout.
struct Call {
    kind: ServiceKind,
    at: OffsetDateTime,
    started: Instant,
}

impl Call {
    fn start(kind: ServiceKind) -> Call {
        Call {
            kind,
            at: OffsetDateTime::now_utc(),
            started: Instant::now(),
        }
    }
}

/// Counts of a successful search that the log records.
trait SearchResults {
    fn count(&self) -> usize;
    fn refine_search(&self) -> bool;
}

impl SearchResults for AttendeeResults {
    fn count(&self) -> usize {
        self.attendees.len()
    }

    fn refine_search(&self) -> bool {
        self.refine_search
    }
}

impl SearchResults for ListResults {
    fn count(&self) -> usize {
        self.items.len()
    }

    fn refine_search(&self) -> bool {
        self.refine_search
    }
}

/// Returns the Fetch Attendee version that an endpoint path names.
pub fn attendee_version(endpoint_path: &str) -> AttendeeVersion {
    if endpoint_path.contains("v1.0") {
        AttendeeVersion::V1_0
    } else {
        AttendeeVersion::V2_0
    }
}

fn invalid_request(error: protocol::WriteError) -> CalloutFailure {
    CalloutFailure::InvalidRequest {
        rule: error.to_string(),
    }
}

/// Logs and counts a callout that was not sent, and returns its failure.
fn not_sent(
    kind: ServiceKind,
    registration_id: RegistrationId,
    failure: CalloutFailure,
) -> CalloutFailure {
    tracing::info!(
        kind = kind.as_str(),
        registration_id = registration_id.0,
        outcome = failure.outcome(),
        error = %failure,
        "callout not sent"
    );
    count(kind, failure.outcome(), None);
    failure
}

/// Removes the password from a failure's text and bounds its length.
fn clean(failure: CalloutFailure, password: &str) -> CalloutFailure {
    let clean_text = |text: String| -> String {
        redact(&text, password)
            .chars()
            .take(MAX_ERROR_CHARS)
            .collect()
    };
    match failure {
        CalloutFailure::Failed { kind, detail } => CalloutFailure::Failed {
            kind,
            detail: clean_text(detail),
        },
        CalloutFailure::InvalidAnswer { rule } => CalloutFailure::InvalidAnswer {
            rule: clean_text(rule),
        },
        CalloutFailure::InvalidRequest { rule } => CalloutFailure::InvalidRequest {
            rule: clean_text(rule),
        },
        CalloutFailure::ServiceNotActive => CalloutFailure::ServiceNotActive,
    }
}

fn record_outcome<R: SearchResults>(outcome: &Result<R, CalloutFailure>) -> CalloutOutcome {
    match outcome {
        Ok(results) => CalloutOutcome::Succeeded {
            results: u32::try_from(results.count()).unwrap_or(u32::MAX),
            refine_search: results.refine_search(),
        },
        Err(CalloutFailure::InvalidAnswer { rule }) => {
            CalloutOutcome::InvalidAnswer { rule: rule.clone() }
        }
        Err(CalloutFailure::Failed { kind, detail }) => CalloutOutcome::Failed {
            kind: (*kind).to_owned(),
            detail: detail.clone(),
        },
        // Neither occurs after a request was sent. Should that change, they count as failures.
        Err(other) => CalloutOutcome::Failed {
            kind: other.outcome().to_owned(),
            detail: other.to_string(),
        },
    }
}

/// Logs one line per sent callout. No field carries a credential.
fn log_sent(registration_id: RegistrationId, record: &CalloutRecord) {
    let kind = record.service.as_str();
    let duration_ms = record.duration_ms;
    match &record.outcome {
        CalloutOutcome::Succeeded {
            results,
            refine_search,
        } => tracing::info!(
            kind,
            registration_id = registration_id.0,
            outcome = record.outcome.as_str(),
            results,
            refine_search,
            duration_ms,
            "callout completed"
        ),
        CalloutOutcome::Failed {
            kind: failure_kind,
            detail,
        } => tracing::warn!(
            kind,
            registration_id = registration_id.0,
            outcome = record.outcome.as_str(),
            results = 0,
            failure_kind = failure_kind.as_str(),
            error = detail.as_str(),
            duration_ms,
            "callout failed"
        ),
        CalloutOutcome::InvalidAnswer { rule } => tracing::warn!(
            kind,
            registration_id = registration_id.0,
            outcome = record.outcome.as_str(),
            results = 0,
            error = rule.as_str(),
            duration_ms,
            "callout returned an invalid answer"
        ),
    }
}

/// Counts one callout. `duration` is given only for callouts that were sent.
fn count(kind: ServiceKind, outcome: &'static str, duration: Option<Duration>) {
    metrics::counter!(CALLOUTS_TOTAL, "kind" => kind.as_str(), "outcome" => outcome).increment(1);
    if let Some(duration) = duration {
        metrics::histogram!(CALLOUT_DURATION, "kind" => kind.as_str())
            .record(duration.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attendee_version_v1_path() {
        assert_eq!(
            attendee_version("/concur/attendee/v1.0/fetch"),
            AttendeeVersion::V1_0
        );
    }

    #[test]
    fn attendee_version_default_path_is_v2() {
        assert_eq!(
            attendee_version("/concur/attendee/v2.0/fetch"),
            AttendeeVersion::V2_0
        );
    }

    #[test]
    fn clean_removes_password_from_rule() {
        let failure = CalloutFailure::InvalidAnswer {
            rule: "element `x`: unknown value \"Pw-secret-123\"".to_owned(),
        };

        let cleaned = clean(failure, "Pw-secret-123");

        assert_eq!(
            cleaned,
            CalloutFailure::InvalidAnswer {
                rule: "element `x`: unknown value \"[redacted]\"".to_owned()
            }
        );
    }
}
