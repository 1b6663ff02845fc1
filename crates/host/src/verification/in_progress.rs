//! The registrations whose verification is running, so that a second run of one is rejected.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::domain::RegistrationId;

/// Registrations with a run in progress in this process.
// NOTE: the set lives in memory, so two host processes sharing one
// database could each run a verification of the same registration.
#[derive(Default)]
pub(super) struct InProgress {
    running: Arc<Mutex<HashSet<RegistrationId>>>,
}

impl InProgress {
    /// Marks `id` as running and returns the guard that clears the mark,
    /// or `None` when a run of `id` is already in progress.
    pub(super) fn start(&self, id: RegistrationId) -> Option<Running> {
        if !lock(&self.running).insert(id) {
            return None;
        }
        Some(Running {
            running: Arc::clone(&self.running),
            id,
        })
    }
}

/// A run in progress. Dropping it, also when the request is cancelled,
/// lets the next run of the registration start.
pub(super) struct Running {
    running: Arc<Mutex<HashSet<RegistrationId>>>,
    id: RegistrationId,
}

impl Drop for Running {
    fn drop(&mut self) {
        lock(&self.running).remove(&self.id);
    }
}

/// Locks the set. It stays consistent even if a holder panicked, because
/// every change is a single insert or remove.
fn lock(running: &Mutex<HashSet<RegistrationId>>) -> MutexGuard<'_, HashSet<RegistrationId>> {
    running
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_start_is_rejected() {
        let in_progress = InProgress::default();
        let _first = in_progress.start(RegistrationId(1));

        assert!(in_progress.start(RegistrationId(1)).is_none());
    }

    #[test]
    fn other_registration_may_start() {
        let in_progress = InProgress::default();
        let _first = in_progress.start(RegistrationId(1));

        assert!(in_progress.start(RegistrationId(2)).is_some());
    }

    #[test]
    fn dropped_run_frees_registration() {
        let in_progress = InProgress::default();
        drop(in_progress.start(RegistrationId(1)));

        assert!(in_progress.start(RegistrationId(1)).is_some());
    }
}
