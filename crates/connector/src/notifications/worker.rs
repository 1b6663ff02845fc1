//! The worker: takes stored notifications in arrival order and processes them one at a time.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::{Notify, watch};
use tracing::Instrument;

use super::host::HostClient;
use super::now_ms;
use super::process::{AttemptError, Processor};
use super::retry::RetryPolicy;
use super::rules::Rules;
use crate::config::Config;
use crate::metrics::record_notification;
use crate::server::errors::error_chain;
use crate::store::{Completion, NotificationQueue, PendingNotification, Store};

/// Maximum sleep without looking at the queue, in case a wake-up is missed.
const MAX_IDLE: Duration = Duration::from_secs(60);

/// Pause after the queue itself failed, so that the loop does not spin.
const STORE_FAILURE_PAUSE: Duration = Duration::from_secs(1);

/// Result of one turn of the loop.
enum Turn {
    /// An attempt was made; look for the next notification at once.
    Attempted,
    /// Nothing is due; the earliest notification is due at this time, if any.
    Idle(Option<i64>),
    /// The queue failed.
    QueueFailed,
}

/// The notification worker of one connector.
pub struct NotificationWorker {
    queue: Arc<dyn NotificationQueue>,
    processor: Processor,
    retry: RetryPolicy,
    wakeup: Arc<Notify>,
}

impl NotificationWorker {
    /// Builds the worker of a validated configuration with validation rules;
    /// `wakeup` is signalled by the receiver after each stored notification.
    pub fn new(
        config: &Config,
        store: Arc<dyn Store>,
        queue: Arc<dyn NotificationQueue>,
        wakeup: Arc<Notify>,
    ) -> anyhow::Result<NotificationWorker> {
        queue.set_claim_lease(config.notifications.claim_lease());
        let rules = Rules::from_config(&config.validation)
            .context("invalid validation.amount_limits; validate the configuration first")?;
        let processor = Processor {
            host: HostClient::new(&config.host)?,
            rules,
            on_failure: config.validation.on_failure,
            store,
            queue: Arc::clone(&queue),
        };
        Ok(NotificationWorker {
            queue,
            processor,
            retry: RetryPolicy::from_config(&config.notifications),
            wakeup,
        })
    }

    /// Processes notifications until `stop` turns true. An attempt cut
    /// short by the stop is made again when the connector next starts.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(host = %self.processor.host.origin(), max_attempts = self.retry.max_attempts, "notification worker started");
        loop {
            let turn = tokio::select! {
                turn = self.turn() => turn,
                _ = stop.wait_for(|stopped| *stopped) => break,
            };
            let pause = match turn {
                Turn::Attempted => continue,
                Turn::Idle(next_due) => idle_time(next_due),
                Turn::QueueFailed => STORE_FAILURE_PAUSE,
            };
            tokio::select! {
                _ = self.wakeup.notified() => {}
                _ = tokio::time::sleep(pause) => {}
                _ = stop.wait_for(|stopped| *stopped) => break,
            }
        }
        tracing::info!("notification worker stopped");
    }

    async fn turn(&self) -> Turn {
        let pending = match self.queue.begin_next_attempt(now_ms()).await {
            Ok(pending) => pending,
            Err(error) => {
                tracing::error!(error = %error_chain(&error), "failed to take the next notification from the store");
                return Turn::QueueFailed;
            }
        };
        let Some(pending) = pending else {
            return match self.queue.next_attempt_time().await {
                Ok(next_due) => Turn::Idle(next_due),
                Err(error) => {
                    tracing::error!(error = %error_chain(&error), "failed to read when the next notification is due");
                    Turn::QueueFailed
                }
            };
        };

        let object_uri: String = pending.notification.object_uri.chars().take(300).collect();
        let span = tracing::info_span!(
            "notification",
            id = pending.id,
            attempt = pending.attempts,
            object_uri = %object_uri
        );
        let id = pending.id;
        let work = async {
            let attempt = self.attempt(pending);
            match self.queue.claim_lease() {
                Some(lease) => tokio::select! {
                    () = attempt => {}
                    () = self.keep_claim(id, lease) => {}
                },
                None => attempt.await,
            }
        };
        work.instrument(span).await;
        Turn::Attempted
    }

    /// Extends the claim on notification `id` every third of `lease`, so
    /// that other instances leave it alone while this attempt runs. Never
    /// completes; the attempt's end stops it.
    async fn keep_claim(&self, id: i64, lease: Duration) {
        let period = (lease / 3).max(Duration::from_millis(100));
        loop {
            tokio::time::sleep(period).await;
            match self.queue.extend_claim(id, now_ms()).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(
                    "the claim on this notification ended before the attempt did; another instance may take it over"
                ),
                Err(error) => tracing::error!(
                    error = %error_chain(&error),
                    "failed to extend the claim on a notification; trying again"
                ),
            }
        }
    }

    async fn attempt(&self, pending: PendingNotification) {
        let max_attempts = self.retry.max_attempts;
        let completion = if pending.attempts > max_attempts {
            // The attempt count is stored when an attempt begins, so a
            // count beyond the maximum means the last attempt never ended.
            Completion::Failed {
                error: format!(
                    "gave up after {max_attempts} attempts; the last one did not finish, as when the connector stops during it"
                ),
            }
        } else {
            tracing::info!(event_type = %pending.notification.event_type, "processing notification");
            match self.processor.process(&pending).await {
                Ok(completion) => completion,
                Err(AttemptError::Fail { message }) => Completion::Failed { error: message },
                Err(AttemptError::Retry { message, .. }) if pending.attempts >= max_attempts => {
                    Completion::Failed {
                        error: format!("{message} (gave up after {max_attempts} attempts)"),
                    }
                }
                Err(AttemptError::Retry {
                    message,
                    retry_after,
                }) => {
                    self.schedule_retry(&pending, &message, retry_after).await;
                    return;
                }
            }
        };
        self.complete(&pending, completion).await;
    }

    async fn schedule_retry(
        &self,
        pending: &PendingNotification,
        message: &str,
        retry_after: Option<Duration>,
    ) {
        record_notification("retried");
        let delay = self.retry.delay(pending.attempts, retry_after);
        let delay_ms = delay.as_millis() as u64;
        tracing::warn!(error = %message, delay_ms, "notification attempt failed; retrying later");
        let at = now_ms().saturating_add(i64::try_from(delay_ms).unwrap_or(i64::MAX));
        if let Err(error) = self.queue.schedule_retry(pending.id, at, message).await {
            // The notification stays due, so the worker takes it again at once.
            tracing::error!(error = %error_chain(&error), "failed to store the retry time of a notification");
        }
    }

    async fn complete(&self, pending: &PendingNotification, completion: Completion) {
        match &completion {
            Completion::Done { decision } => {
                record_notification("done");
                tracing::info!(decision = %decision, "notification processed")
            }
            Completion::Superseded { reason } => {
                record_notification("superseded");
                tracing::info!(reason = %reason, "notification superseded")
            }
            Completion::Failed { error } => {
                record_notification("failed");
                tracing::error!(error = %error, "notification failed")
            }
        }
        if let Err(error) = self.queue.complete(pending.id, &completion, now_ms()).await {
            // The notification stays received and is processed again; a
            // decision sent twice gets 409 from the host and then counts as done.
            tracing::error!(error = %error_chain(&error), "failed to store the end of a notification's processing");
        }
    }
}

/// Time to sleep until the next notification is due, at most [`MAX_IDLE`].
fn idle_time(next_due: Option<i64>) -> Duration {
    match next_due {
        Some(at) => {
            let wait_ms = u64::try_from(at.saturating_sub(now_ms())).unwrap_or(0);
            Duration::from_millis(wait_ms).min(MAX_IDLE)
        }
        None => MAX_IDLE,
    }
}
