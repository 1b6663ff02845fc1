//! Delays between attempts: exponential backoff with jitter.

use std::time::Duration;

use rand::Rng;

use crate::config::NotificationsConfig;

/// Attempts and delays of notification processing.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    initial: Duration,
    max: Duration,
}

impl RetryPolicy {
    pub fn from_config(config: &NotificationsConfig) -> RetryPolicy {
        RetryPolicy {
            max_attempts: config.max_attempts,
            initial: config.retry_initial_delay(),
            max: config.retry_max_delay(),
        }
    }

    /// Returns the delay after failed attempt number `attempt` (1-based):
    /// the initial delay doubled per earlier attempt, capped at the maximum,
    /// less a random part of up to half of it, so that notifications that
    /// failed together do not return together. A delay the host asked for
    /// (`Retry-After`) is waited at least, up to the maximum.
    pub fn delay(&self, attempt: u32, requested: Option<Duration>) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        let full = self.initial.saturating_mul(1 << doublings).min(self.max);
        let half_ms = (full.as_millis() / 2) as u64;
        let jitter = Duration::from_millis(rand::rng().random_range(0..=half_ms));
        let delay = full.saturating_sub(jitter);
        match requested {
            Some(requested) => delay.max(requested.min(self.max)),
            None => delay,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 8,
            initial: Duration::from_millis(1_000),
            max: Duration::from_millis(10_000),
        }
    }

    #[test]
    fn delay_doubles_within_jitter() {
        for (attempt, full_ms) in [(1, 1_000), (2, 2_000), (3, 4_000), (4, 8_000)] {
            for _ in 0..50 {
                let delay = policy().delay(attempt, None).as_millis() as u64;
                assert!((full_ms / 2..=full_ms).contains(&delay), "attempt {attempt}: {delay} ms");
            }
        }
    }

    #[test]
    fn delay_caps_at_maximum() {
        let delay = policy().delay(40, None);

        assert!(delay <= Duration::from_millis(10_000), "{delay:?}");
        assert!(delay >= Duration::from_millis(5_000), "{delay:?}");
    }

    #[test]
    fn delay_honours_retry_after_up_to_maximum() {
        let asked = policy().delay(1, Some(Duration::from_secs(7)));
        let capped = policy().delay(1, Some(Duration::from_secs(3600)));

        assert_eq!(asked, Duration::from_secs(7));
        assert_eq!(capped, Duration::from_millis(10_000));
    }
}
