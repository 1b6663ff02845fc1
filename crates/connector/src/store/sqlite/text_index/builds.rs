//! The text indexes of a store: which are ready, and the thread that builds them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex, Weak};

use rusqlite::OpenFlags;

use super::{DEFAULT_BUDGET, Group, GroupKey, TextIndex};
use crate::store::StoreError;
use crate::store::sqlite::catalog::list_version;
use crate::store::sqlite::{lock, open_connection};

/// The text indexes of one store, and the thread that builds them.
pub(in crate::store::sqlite) struct TextIndexes {
    path: PathBuf,
    budget: AtomicUsize,
    state: Mutex<State>,
    /// Notified whenever a build ends.
    built: Condvar,
    /// Sends groups to the build thread, which starts at the first request.
    builder: Mutex<Option<Sender<Group>>>,
}

#[derive(Default)]
struct State {
    ready: HashMap<GroupKey, Arc<TextIndex>>,
    /// Bytes that the indexes in `ready` take.
    memory: usize,
    /// Groups sent to the build thread, with the list version that asked.
    queued: HashMap<GroupKey, i64>,
    /// Groups left on SQLite at a list version: they did not fit in the
    /// budget, or their build failed.
    skipped: HashMap<GroupKey, i64>,
}

/// Sizes of the text indexes of a store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextIndexStats {
    /// Groups (one list under one parent) with an index.
    pub groups: usize,
    /// Texts in those indexes.
    pub texts: usize,
    /// Bytes of memory they take.
    pub memory: usize,
}

impl TextIndexes {
    pub fn new(path: PathBuf) -> TextIndexes {
        TextIndexes {
            path,
            budget: AtomicUsize::new(DEFAULT_BUDGET),
            state: Mutex::new(State::default()),
            built: Condvar::new(),
            builder: Mutex::new(None),
        }
    }

    /// Returns the index of the list's texts under the parent if one was
    /// built at `version`.
    pub fn find(&self, list_id: i64, parent_id: i64, version: i64) -> Option<Arc<TextIndex>> {
        let state = lock(&self.state);
        state
            .ready
            .get(&(list_id, parent_id))
            .filter(|index| index.version == version)
            .cloned()
    }

    /// Asks the build thread for an index of the group, unless one is
    /// queued, built or skipped at `version` or a later one.
    pub fn request(self: &Arc<Self>, group: Group, version: i64) {
        if self.budget.load(Ordering::Relaxed) == 0 {
            return;
        }
        let key = group.key();
        let mut state = lock(&self.state);
        let known = [
            state.queued.get(&key).copied(),
            state.skipped.get(&key).copied(),
            state.ready.get(&key).map(|index| index.version),
        ];
        if known.into_iter().flatten().any(|known| known >= version) {
            return;
        }
        state.queued.insert(key, version);
        drop(state);

        let mut builder = lock(&self.builder);
        let sender = builder.get_or_insert_with(|| self.start_builder());
        if sender.send(group).is_err() {
            // The thread ended, which it only does when it failed to start.
            *builder = None;
            lock(&self.state).queued.remove(&key);
            self.built.notify_all();
        }
    }

    fn start_builder(self: &Arc<Self>) -> Sender<Group> {
        let (sender, receiver) = channel();
        let indexes = Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("list-text-index".into())
            .spawn(move || run_builds(indexes, receiver));
        if let Err(error) = spawned {
            tracing::warn!(%error, "failed to start the list text index thread; searches stay on SQLite");
        }
        sender
    }

    /// Stores the outcome of a build and wakes [`Self::wait_for_builds`].
    fn finish(&self, group: &Group, outcome: Result<(i64, Option<TextIndex>), StoreError>) {
        let key = group.key();
        let budget = self.budget.load(Ordering::Relaxed);
        let mut state = lock(&self.state);
        let requested = state.queued.remove(&key).unwrap_or_default();
        match outcome {
            Ok((version, Some(index))) => {
                // Indexes of older versions serve no search once a reader
                // has seen this one, so they make room first.
                state
                    .ready
                    .retain(|_, existing| existing.version >= version);
                state.memory = state.ready.values().map(|index| index.memory()).sum();
                if state.memory + index.memory() <= budget {
                    state.memory += index.memory();
                    state.ready.insert(key, Arc::new(index));
                    state.skipped.remove(&key);
                } else {
                    state.skipped.insert(key, version);
                }
            }
            Ok((version, None)) => {
                state.skipped.insert(key, version);
            }
            Err(error) => {
                tracing::warn!(
                    list_id = group.list_id,
                    parent_id = group.parent_id,
                    error = &error as &dyn std::error::Error,
                    "failed to build a list text index; the group stays on SQLite"
                );
                state.skipped.insert(key, requested);
            }
        }
        drop(state);
        self.built.notify_all();
    }

    /// Blocks until the build thread has handled every request.
    pub fn wait_for_builds(&self) {
        let mut state = lock(&self.state);
        while !state.queued.is_empty() {
            state = self
                .built
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// Sets the memory bound and drops every index, so that groups are
    /// built again within the new bound; 0 turns the indexes off.
    pub fn set_budget(&self, bytes: usize) {
        self.budget.store(bytes, Ordering::Relaxed);
        let mut state = lock(&self.state);
        state.ready.clear();
        state.skipped.clear();
        state.memory = 0;
    }

    pub fn stats(&self) -> TextIndexStats {
        let state = lock(&self.state);
        TextIndexStats {
            groups: state.ready.len(),
            texts: state.ready.values().map(|index| index.len()).sum(),
            memory: state.memory,
        }
    }
}

/// Body of the build thread: builds each requested group from a snapshot of
/// its own, until the store is dropped.
fn run_builds(indexes: Weak<TextIndexes>, requests: Receiver<Group>) {
    while let Ok(group) = requests.recv() {
        let Some(indexes) = indexes.upgrade() else {
            return;
        };
        let budget = indexes.budget.load(Ordering::Relaxed);
        let outcome = build(&indexes.path, &group, budget);
        indexes.finish(&group, outcome);
    }
}

/// Reads one group's index and the list version of the snapshot it read.
fn build(
    path: &Path,
    group: &Group,
    budget: usize,
) -> Result<(i64, Option<TextIndex>), StoreError> {
    let connection = open_connection(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let snapshot = connection.unchecked_transaction()?;
    let version = list_version(&snapshot)?;
    let index = TextIndex::read(&snapshot, group, version, budget)?;
    Ok((version, index))
}
