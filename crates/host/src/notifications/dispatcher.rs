//! The dispatcher: claims due notifications, posts them to connectors, and records each attempt.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use connector::Secret;
use connector::server::errors::error_chain;
use outbound::{CalloutRequest, FailureCause, OutboundClient};
use time::OffsetDateTime;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::Instrument;

use super::backoff::retry_delay;
use super::metrics::{record_attempt, record_queue};
use super::model::{Attempt, AttemptOutcome, Lease, StoredNotification};
use crate::config::NotificationsConfig;
use crate::crypto::PasswordCipher;
use crate::domain::ServiceKind;
use crate::domain::registrations::redact;
use crate::store::{HostStore, StoreError};

/// `Content-Type` of every notification.
const XML_CONTENT_TYPE: &str = "application/xml; charset=utf-8";
/// Maximum notifications sent at once, across registrations.
const MAX_IN_FLIGHT: usize = 16;
/// Maximum pause between two reads of the queue. A step change wakes the
/// dispatcher sooner, so this bounds the delay only when another process
/// writes the database.
const MAX_PAUSE: Duration = Duration::from_secs(30);
/// Minimum pause, so that a clock skew between rounds cannot spin the loop.
const MIN_PAUSE: Duration = Duration::from_millis(20);
/// Pause after the store failed, before the queue is read again.
const STORE_RETRY_PAUSE: Duration = Duration::from_secs(5);
/// Time a lease lasts beyond the outbound total timeout, for recording the outcome.
const LEASE_MARGIN: Duration = Duration::from_secs(5);
/// How long delivered notifications are kept before they are deleted.
const DELIVERED_KEPT: time::Duration = time::Duration::days(7);
/// How often delivered notifications older than [`DELIVERED_KEPT`] are deleted.
const PRUNE_INTERVAL: Duration = Duration::from_secs(3600);
/// Maximum characters of a recorded error.
const MAX_ERROR_CHARS: usize = 1000;

/// Wakes the dispatcher after notifications were queued. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct NotificationWaker(Arc<Notify>);

impl NotificationWaker {
    /// Makes the dispatcher read the queue now, or as soon as its current round ends.
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// Delivers queued notifications. Cheap to clone; [`run`](Self::run) it once per process.
#[derive(Clone)]
pub struct NotificationDispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn HostStore>,
    cipher: Arc<PasswordCipher>,
    outbound: OutboundClient,
    config: NotificationsConfig,
    /// How long a claim lasts: the outbound total timeout plus [`LEASE_MARGIN`].
    lease: Duration,
    /// Random id of this dispatcher in the lease columns.
    owner: String,
    waker: NotificationWaker,
}

impl NotificationDispatcher {
    /// Builds the dispatcher. `outbound` should be the client of the other
    /// callouts, so that notifications trust the same CAs and pass the same
    /// address guard. `outbound_timeout` is its total timeout per call.
    pub fn new(
        store: Arc<dyn HostStore>,
        cipher: Arc<PasswordCipher>,
        outbound: OutboundClient,
        config: &NotificationsConfig,
        outbound_timeout: Duration,
        waker: NotificationWaker,
    ) -> NotificationDispatcher {
        NotificationDispatcher {
            inner: Arc::new(Inner {
                store,
                cipher,
                outbound,
                config: config.clone(),
                lease: outbound_timeout + LEASE_MARGIN,
                owner: uuid::Uuid::new_v4().to_string(),
                waker,
            }),
        }
    }

    /// Returns the waker that the workflow calls after queueing notifications.
    pub fn waker(&self) -> NotificationWaker {
        self.inner.waker.clone()
    }

    /// Delivers notifications until `shutdown` completes. Deliveries in
    /// flight then get until the end of their lease. One that is cut off is
    /// sent again once its lease expires, by this or the next process.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) {
        let config = &self.inner.config;
        tracing::info!(
            max_attempts = config.max_attempts,
            retry_base_secs = config.retry_base_secs,
            retry_max_secs = config.retry_max_secs,
            max_age_secs = config.max_age_secs,
            lease_secs = self.inner.lease.as_secs(),
            "notification dispatcher started"
        );
        tokio::pin!(shutdown);
        let mut deliveries = JoinSet::new();
        let mut last_prune: Option<Instant> = None;
        loop {
            let pause = match self.round(&mut deliveries, &mut last_prune).await {
                Ok(pause) => pause,
                Err(error) => {
                    tracing::error!(error = %error_chain(&error), "failed to read the notification queue; trying again");
                    STORE_RETRY_PAUSE
                }
            };
            tokio::select! {
                () = &mut shutdown => break,
                () = self.inner.waker.0.notified() => {}
                () = tokio::time::sleep(pause) => {}
                Some(joined) = deliveries.join_next(), if !deliveries.is_empty() => log_join(joined),
            }
        }

        let in_flight = deliveries.len();
        let drained = tokio::time::timeout(self.inner.lease, async {
            while let Some(joined) = deliveries.join_next().await {
                log_join(joined);
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                in_flight = deliveries.len(),
                "notification deliveries cut off at shutdown; they are sent again when their lease expires"
            );
            deliveries.abort_all();
        }
        tracing::info!(
            in_flight_at_shutdown = in_flight,
            "notification dispatcher stopped"
        );
    }

    /// Claims and starts the due deliveries, updates the queue metrics, and
    /// returns how long to wait before the next round.
    async fn round(
        &self,
        deliveries: &mut JoinSet<()>,
        last_prune: &mut Option<Instant>,
    ) -> Result<Duration, StoreError> {
        while let Some(joined) = deliveries.try_join_next() {
            log_join(joined);
        }
        let store = &self.inner.store;
        let now = OffsetDateTime::now_utc();
        let capacity = MAX_IN_FLIGHT.saturating_sub(deliveries.len());
        if capacity > 0 {
            let lease = Lease {
                owner: self.inner.owner.clone(),
                until: now + self.inner.lease,
            };
            for claimed in store.claim_due_notifications(now, &lease, capacity).await? {
                let dispatcher = self.clone();
                let span = tracing::info_span!(
                    "notification",
                    notification_id = claimed.id.0,
                    registration_id = claimed.registration_id.0
                );
                deliveries.spawn(async move { dispatcher.deliver(claimed).await }.instrument(span));
            }
        }

        record_queue(&store.notification_queue_stats().await?, now);
        if last_prune.is_none_or(|at| at.elapsed() >= PRUNE_INTERVAL) {
            *last_prune = Some(Instant::now());
            let pruned = store
                .prune_delivered_notifications(now - DELIVERED_KEPT)
                .await?;
            if pruned > 0 {
                tracing::info!(
                    pruned,
                    "deleted delivered notifications older than seven days"
                );
            }
        }

        if deliveries.len() >= MAX_IN_FLIGHT {
            // A finished delivery ends the wait through `join_next`.
            return Ok(MAX_PAUSE);
        }
        let pause = match store.next_notification_due().await? {
            Some(due) => {
                std::time::Duration::try_from(due - OffsetDateTime::now_utc()).unwrap_or_default()
            }
            None => MAX_PAUSE,
        };
        Ok(pause.clamp(MIN_PAUSE, MAX_PAUSE))
    }

    /// Sends one claimed notification and records the attempt.
    async fn deliver(&self, claimed: StoredNotification) {
        let config = &self.inner.config;
        let attempt = claimed.attempts.saturating_add(1);
        let started = Instant::now();
        let sent = self.send(&claimed).await;
        let duration = started.elapsed();

        let now = OffsetDateTime::now_utc();
        let waited = std::time::Duration::try_from(now - claimed.queued_at).unwrap_or_default();
        let outcome = match sent {
            Ok(()) => AttemptOutcome::Delivered,
            Err(error) if attempt >= config.max_attempts || waited >= config.max_age() => {
                AttemptOutcome::Failed { error }
            }
            Err(error) => {
                let delay = retry_delay(
                    attempt,
                    config.retry_base(),
                    config.retry_max(),
                    rand::random(),
                );
                AttemptOutcome::Retry {
                    next_attempt_at: now + delay,
                    error,
                }
            }
        };
        let record = Attempt {
            id: claimed.id,
            lease_owner: self.inner.owner.clone(),
            attempts: attempt,
            at: now,
            outcome,
        };
        let recorded = self.inner.store.record_notification_attempt(&record).await;

        log_attempt(&claimed, &record, duration);
        record_attempt(&record.outcome, duration, waited);
        match recorded {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                notification_id = claimed.id.0,
                attempt,
                "notification attempt not recorded: its lease expired and another dispatcher claimed it"
            ),
            Err(error) => tracing::error!(
                notification_id = claimed.id.0,
                attempt,
                error = %error_chain(&error),
                "failed to record a notification attempt; the notification is sent again when its lease expires"
            ),
        }
        // The registration's next notification may be due now.
        self.inner.waker.wake();
    }

    /// Posts the notification to its registration's event-notification
    /// path; only a `200` is success. The error is a stable code and a
    /// sentence, without the registration's password.
    async fn send(&self, claimed: &StoredNotification) -> Result<(), String> {
        let found = self
            .inner
            .store
            .registration(claimed.company_id, claimed.registration_id)
            .await
            .map_err(|error| {
                failure(
                    "store",
                    &format!("the registration could not be read ({error})"),
                )
            })?;
        let Some(registration) = found else {
            return Err(failure(
                "registration_missing",
                "the registration does not exist",
            ));
        };
        let kind = ServiceKind::EventNotification;
        let service = registration.services.get(&kind);
        let (true, Some(service)) = (registration.service_is_active(kind), service) else {
            return Err(failure(
                "service_not_active",
                "the event-notification service is disabled, or the registration is not Verified; enable it and run Test Connection",
            ));
        };
        let password: Secret = self
            .inner
            .cipher
            .open(&registration.password)
            .map_err(|error| failure("password_unreadable", &error.to_string()))?;
        let body = claimed
            .notification
            .to_xml()
            .map_err(|error| failure("invalid_request", &error.to_string()))?;

        let request = CalloutRequest {
            method: Method::POST,
            origin: registration.host_name.as_str(),
            path: service.endpoint_path.as_str(),
            username: registration.user_name.as_str(),
            password: password.expose(),
            content_type: Some(XML_CONTENT_TYPE),
            body: body.into(),
        };
        let cleaned = |cause: FailureCause| -> String {
            let text = failure(cause.kind(), &cause.to_string());
            redact(&text, password.expose())
                .chars()
                .take(MAX_ERROR_CHARS)
                .collect()
        };
        match self.inner.outbound.call(request).await {
            Ok(response) if response.status == 200 => Ok(()),
            Ok(response) => Err(cleaned(FailureCause::UnexpectedStatus(response.status))),
            Err(cause) => Err(cleaned(cause)),
        }
    }
}

fn failure(kind: &str, detail: &str) -> String {
    format!("{kind}: {detail}")
}

/// Logs one attempt with the notification, registration, attempt number, outcome and duration.
fn log_attempt(claimed: &StoredNotification, record: &Attempt, duration: Duration) {
    let notification_id = claimed.id.0;
    let registration_id = claimed.registration_id.0;
    let attempt = record.attempts;
    let duration_ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
    let outcome = record.outcome.as_str();
    match &record.outcome {
        AttemptOutcome::Delivered => tracing::info!(
            notification_id,
            registration_id,
            attempt,
            outcome,
            duration_ms,
            "notification delivered"
        ),
        AttemptOutcome::Retry {
            next_attempt_at,
            error,
        } => {
            let retry_in_ms = (*next_attempt_at - record.at).whole_milliseconds();
            tracing::warn!(
                notification_id,
                registration_id,
                attempt,
                outcome,
                duration_ms,
                retry_in_ms,
                error = error.as_str(),
                "notification not delivered; retrying later"
            );
        }
        AttemptOutcome::Failed { error } => tracing::warn!(
            notification_id,
            registration_id,
            attempt,
            outcome,
            duration_ms,
            error = error.as_str(),
            "notification not delivered; marked failed after its last attempt"
        ),
    }
}

fn log_join(joined: Result<(), tokio::task::JoinError>) {
    if let Err(error) = joined
        && error.is_panic()
    {
        tracing::error!(error = %error, "a notification delivery panicked; the notification is sent again when its lease expires");
    }
}
