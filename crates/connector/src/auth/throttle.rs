//! Per-address throttling of authentication failures, in bounded memory.
//!
//! Each client key (an IPv4 address, or the /64 network of an IPv6 address,
//! because one IPv6 client usually controls a whole /64) has a fixed window
//! that opens at its first failure. Once the window contains `max_failures`
//! failures, requests from that key get `429` until the window ends. Keys
//! are independent, so one noisy client slows no one else down.
//!
//! A successful login does not clear the count. Behind a shared address (a
//! NAT or the TLS-terminating proxy that `dangerous_plain_http` is meant for)
//! the host's own successful callouts would otherwise reset an attacker's
//! count on every callout and allow unlimited guessing. Failures expire only
//! with their window.
//!
//! NOTE: behind a proxy every client has the proxy's address, so one client's
//! failures throttle the host too. Forwarded-for headers are not read,
//! because any client could forge them unless the proxy is trusted.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::client_key::ClientKey;
use crate::config::ThrottleConfig;

#[derive(Debug, Clone, Copy)]
struct Window {
    opened: Instant,
    failures: u32,
}

/// The caller must wait this long before trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds for the `Retry-After` header, rounded up and at least 1.
    pub fn seconds(self) -> u64 {
        let whole = self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0);
        whole.max(1)
    }
}

/// Counts failures per client key; see the module documentation.
pub struct FailureThrottle {
    max_failures: u32,
    window: Duration,
    max_tracked_clients: usize,
    windows: Mutex<HashMap<ClientKey, Window>>,
}

impl FailureThrottle {
    pub fn new(config: &ThrottleConfig) -> Self {
        FailureThrottle {
            max_failures: config.max_failures,
            window: Duration::from_secs(config.window_secs),
            max_tracked_clients: config.max_tracked_clients,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Returns how long the address must wait when its window is full.
    pub fn check(&self, address: IpAddr, now: Instant) -> Result<(), RetryAfter> {
        let Ok(windows) = self.windows.lock() else {
            return Ok(());
        };
        let Some(window) = windows.get(&ClientKey::from(address)) else {
            return Ok(());
        };

        let closes = window.opened + self.window;
        if window.failures >= self.max_failures && now < closes {
            return Err(RetryAfter(closes - now));
        }
        Ok(())
    }

    /// Counts one failure of the address, opening a new window when the
    /// last one has ended. Returns true when this failure fills the window,
    /// so that the caller can log the start of throttling once.
    pub fn record_failure(&self, address: IpAddr, now: Instant) -> bool {
        let Ok(mut windows) = self.windows.lock() else {
            return false;
        };
        let key = ClientKey::from(address);

        if !windows.contains_key(&key) && windows.len() >= self.max_tracked_clients {
            self.make_room(&mut windows, now);
        }

        let window = windows.entry(key).or_insert(Window {
            opened: now,
            failures: 0,
        });
        if now >= window.opened + self.window {
            *window = Window {
                opened: now,
                failures: 0,
            };
        }
        window.failures = window.failures.saturating_add(1);
        window.failures == self.max_failures
    }

    /// Number of client keys tracked.
    pub fn tracked_clients(&self) -> usize {
        self.windows
            .lock()
            .map(|windows| windows.len())
            .unwrap_or(0)
    }

    /// Drops ended windows, then the oldest one if the table is still full.
    /// Under a flood from many addresses this may drop a real offender's
    /// window early; that is the price of bounded memory.
    fn make_room(&self, windows: &mut HashMap<ClientKey, Window>, now: Instant) {
        let length = self.window;
        windows.retain(|_, window| now < window.opened + length);

        while windows.len() >= self.max_tracked_clients {
            let oldest = windows
                .iter()
                .min_by_key(|(_, window)| window.opened)
                .map(|(key, _)| *key);
            match oldest {
                Some(key) => windows.remove(&key),
                None => break,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(
        max_failures: u32,
        window_secs: u64,
        max_tracked_clients: usize,
    ) -> FailureThrottle {
        FailureThrottle::new(&ThrottleConfig {
            max_failures,
            window_secs,
            max_tracked_clients,
        })
    }

    fn address(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn throttle_allows_until_max_failures() {
        let throttle = throttle(3, 60, 100);
        let now = Instant::now();
        for _ in 0..2 {
            throttle.record_failure(address("192.0.2.1"), now);
        }

        assert!(throttle.check(address("192.0.2.1"), now).is_ok());
    }

    #[test]
    fn throttle_blocks_at_max_failures_with_remaining_window() {
        let throttle = throttle(3, 60, 100);
        let start = Instant::now();
        for _ in 0..3 {
            throttle.record_failure(address("192.0.2.1"), start);
        }

        let retry = throttle.check(address("192.0.2.1"), start + Duration::from_millis(20_500));
        assert_eq!(retry.map_err(RetryAfter::seconds), Err(40));
    }

    #[test]
    fn throttle_other_address_unaffected() {
        let throttle = throttle(3, 60, 100);
        let now = Instant::now();
        for _ in 0..3 {
            throttle.record_failure(address("192.0.2.1"), now);
        }

        assert!(throttle.check(address("192.0.2.2"), now).is_ok());
    }

    #[test]
    fn throttle_window_end_frees_address() {
        let throttle = throttle(3, 60, 100);
        let start = Instant::now();
        for _ in 0..3 {
            throttle.record_failure(address("192.0.2.1"), start);
        }

        assert!(
            throttle
                .check(address("192.0.2.1"), start + Duration::from_secs(60))
                .is_ok()
        );
    }

    #[test]
    fn throttle_ipv6_counts_per_network() {
        let throttle = throttle(2, 60, 100);
        let now = Instant::now();
        throttle.record_failure(address("2001:db8::1"), now);
        throttle.record_failure(address("2001:db8::2"), now);

        assert!(throttle.check(address("2001:db8::ffff"), now).is_err());
    }

    #[test]
    fn throttle_ipv4_mapped_counts_as_ipv4() {
        let throttle = throttle(1, 60, 100);
        let now = Instant::now();
        throttle.record_failure(address("::ffff:192.0.2.9"), now);

        assert!(throttle.check(address("192.0.2.9"), now).is_err());
    }

    #[test]
    fn throttle_table_stays_bounded() {
        let throttle = throttle(5, 60, 8);
        let now = Instant::now();
        for index in 0..100u8 {
            throttle.record_failure(IpAddr::from([198, 51, 100, index]), now);
        }

        assert_eq!(throttle.tracked_clients(), 8);
    }

    #[test]
    fn throttle_evicts_oldest_window_first() {
        let throttle = throttle(1, 60, 2);
        let start = Instant::now();
        throttle.record_failure(address("192.0.2.1"), start);
        throttle.record_failure(address("192.0.2.2"), start + Duration::from_secs(1));
        throttle.record_failure(address("192.0.2.3"), start + Duration::from_secs(2));

        let later = start + Duration::from_secs(3);
        assert!(throttle.check(address("192.0.2.1"), later).is_ok());
        assert!(throttle.check(address("192.0.2.2"), later).is_err());
    }
}
