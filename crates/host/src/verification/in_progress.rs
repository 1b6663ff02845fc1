//! The registrations whose verification is running, so that a second run
//! of one is rejected, also when it arrives through another host instance.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use crate::domain::RegistrationId;
use crate::store::{HostStore, StoreError};

/// Time a run's mark outlives the run's own limit. A process that dies
/// during a run leaves its mark, which frees the registration this long
/// after the run would have timed out.
const LEASE_MARGIN: Duration = Duration::from_secs(60);

/// Starts runs through the store's marks of runs in progress.
pub(super) struct InProgress {
    store: Arc<dyn HostStore>,
    lease: Duration,
}

impl InProgress {
    /// `run_timeout` is the limit of one run; marks last a minute longer.
    pub(super) fn new(store: Arc<dyn HostStore>, run_timeout: Duration) -> Self {
        InProgress {
            store,
            lease: run_timeout.saturating_add(LEASE_MARGIN),
        }
    }

    /// Marks `id` as running and returns the guard that clears the mark,
    /// or `None` when a run of `id` is already in progress.
    pub(super) async fn start(&self, id: RegistrationId) -> Result<Option<Running>, StoreError> {
        let owner = uuid::Uuid::new_v4().to_string();
        let now = OffsetDateTime::now_utc();
        let started = self
            .store
            .start_verification_run(id, &owner, now, now + self.lease)
            .await?;
        Ok(started.then(|| Running {
            store: Arc::clone(&self.store),
            id,
            owner,
        }))
    }
}

/// A run in progress. Dropping it, also when the request is cancelled,
/// lets the next run of the registration start.
pub(super) struct Running {
    store: Arc<dyn HostStore>,
    id: RegistrationId,
    owner: String,
}

impl Running {
    /// Removes the mark now; dropping the run would remove it a moment later.
    pub(super) async fn finish(mut self) {
        let owner = std::mem::take(&mut self.owner);
        clear(&self.store, self.id, &owner).await;
    }
}

/// Removes the mark of `owner`'s run, or logs why it stays until its lease ends.
async fn clear(store: &Arc<dyn HostStore>, id: RegistrationId, owner: &str) {
    if let Err(error) = store.finish_verification_run(id, owner).await {
        tracing::warn!(
            registration_id = id.0,
            error = &error as &dyn std::error::Error,
            "failed to clear the mark of a finished verification; it ends with its lease"
        );
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A finished run has no owner left to clear.
        if self.owner.is_empty() {
            return;
        }
        // Drop cannot await, so a task removes the mark of a cancelled
        // request. Outside a runtime, or when removing fails, the mark frees
        // the registration when its lease ends.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let store = Arc::clone(&self.store);
        let id = self.id;
        let owner = std::mem::take(&mut self.owner);
        runtime.spawn(async move { clear(&store, id, &owner).await });
    }
}
