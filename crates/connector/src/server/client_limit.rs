//! Per-client connection limit: one client address may hold at most a set
//! number of the listener's connections, so a client that opens connections
//! and sends nothing cannot take every slot from everyone else.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use crate::client_key::ClientKey;

/// Open connections per client, shared by the accept loop and the
/// connection tasks.
#[derive(Debug)]
pub(crate) struct ClientConnections {
    limit: usize,
    open: Mutex<HashMap<ClientKey, usize>>,
}

/// One counted connection; dropping it releases the client's slot.
#[derive(Debug)]
pub(crate) struct ClientSlot {
    owner: Arc<ClientConnections>,
    key: ClientKey,
}

impl ClientConnections {
    pub(crate) fn new(limit: usize) -> Arc<Self> {
        Arc::new(ClientConnections {
            limit,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// Counts a new connection from `address`, or returns `None` when the
    /// client already has `limit` connections open.
    pub(crate) fn try_acquire(self: &Arc<Self>, address: IpAddr) -> Option<ClientSlot> {
        let key = ClientKey::from(address);
        let mut open = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(key).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            owner: Arc::clone(self),
            key,
        })
    }

    #[cfg(test)]
    fn open_for(&self, address: IpAddr) -> usize {
        let open = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        open.get(&ClientKey::from(address)).copied().unwrap_or(0)
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.owner.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn client_limit_refuses_beyond_limit() {
        let connections = ClientConnections::new(2);
        let first = connections.try_acquire(address("192.0.2.1"));
        let second = connections.try_acquire(address("192.0.2.1"));
        assert!(first.is_some());
        assert!(second.is_some());
        assert!(connections.try_acquire(address("192.0.2.1")).is_none());
    }

    #[test]
    fn client_limit_other_client_unaffected() {
        let connections = ClientConnections::new(1);
        let _held = connections.try_acquire(address("192.0.2.1"));
        assert!(connections.try_acquire(address("192.0.2.2")).is_some());
    }

    #[test]
    fn client_limit_slot_released_on_drop() {
        let connections = ClientConnections::new(1);
        let held = connections.try_acquire(address("192.0.2.1"));
        drop(held);
        assert_eq!(connections.open_for(address("192.0.2.1")), 0);
        assert!(connections.try_acquire(address("192.0.2.1")).is_some());
    }

    #[test]
    fn client_limit_counts_ipv6_per_network() {
        let connections = ClientConnections::new(1);
        let _held = connections.try_acquire(address("2001:db8::1"));
        assert!(connections.try_acquire(address("2001:db8::2")).is_none());
        assert!(connections.try_acquire(address("2001:db8:0:1::1")).is_some());
    }
}
