//! Idle kept-alive connections, per origin, bounded in count and age.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::connect::Connection;
use crate::origin::Origin;

/// Idle connections kept per origin.
const MAX_IDLE_PER_ORIGIN: usize = 4;

/// Idle connections kept over all origins.
const MAX_IDLE_TOTAL: usize = 64;

/// Age after which an idle connection is closed instead of reused. Apache
/// httpd and Node.js close idle connections after 5 s by default, so reusing
/// one after 4 s seldom meets a connection the server is closing.
const IDLE_TIMEOUT: Duration = Duration::from_secs(4);

struct IdleConnection {
    connection: Connection,
    idle_since: Instant,
}

/// Idle connections by origin.
#[derive(Default)]
pub(crate) struct Pool {
    idle: Mutex<HashMap<Origin, Vec<IdleConnection>>>,
}

impl Pool {
    /// Takes the most recently used open connection to `origin`, closing expired ones on the way.
    pub(crate) fn take(&self, origin: &Origin) -> Option<Connection> {
        let mut idle = self.lock();
        let connections = idle.get_mut(origin)?;
        let mut found = None;
        while let Some(candidate) = connections.pop() {
            if is_usable(&candidate) {
                found = Some(candidate.connection);
                break;
            }
        }
        if connections.is_empty() {
            idle.remove(origin);
        }
        found
    }

    /// Keeps `connection` for reuse unless the bounds are reached.
    pub(crate) fn put(&self, origin: &Origin, connection: Connection) {
        if connection.sender.is_closed() {
            return;
        }
        let mut idle = self.lock();
        idle.retain(|_, connections| {
            connections.retain(is_usable);
            !connections.is_empty()
        });

        let total: usize = idle.values().map(Vec::len).sum();
        let for_origin = idle.get(origin).map_or(0, Vec::len);
        if total >= MAX_IDLE_TOTAL || for_origin >= MAX_IDLE_PER_ORIGIN {
            return;
        }
        idle.entry(origin.clone())
            .or_default()
            .push(IdleConnection {
                connection,
                idle_since: Instant::now(),
            });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Origin, Vec<IdleConnection>>> {
        // A panic while holding the lock leaves only a map of idle
        // connections behind, which stays consistent, so poisoning is ignored.
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn is_usable(idle: &IdleConnection) -> bool {
    idle.idle_since.elapsed() < IDLE_TIMEOUT && !idle.connection.sender.is_closed()
}
