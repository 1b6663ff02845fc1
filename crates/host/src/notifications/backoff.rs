//! The wait before the next attempt: exponential, capped, with jitter.

use std::time::Duration;

/// Returns the wait after `attempt` failed attempts (from 1): `base`
/// doubled for each attempt after the first, at most `max`, then shortened
/// by `jitter` (from 0 to 1) times half of it. Drawing `jitter` at random
/// spreads the retries of notifications that failed together.
pub fn retry_delay(attempt: u32, base: Duration, max: Duration, jitter: f64) -> Duration {
    let exponent = attempt.saturating_sub(1).min(31);
    let full = base.saturating_mul(1u32 << exponent).min(max);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    full.saturating_sub(full.mul_f64(jitter / 2.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_secs(30);
    const MAX: Duration = Duration::from_secs(3600);

    #[test]
    fn retry_delay_doubles_per_attempt() {
        let delays: Vec<u64> = (1..=4)
            .map(|attempt| retry_delay(attempt, BASE, MAX, 0.0).as_secs())
            .collect();

        assert_eq!(delays, [30, 60, 120, 240]);
    }

    #[test]
    fn retry_delay_stops_at_max() {
        assert_eq!(retry_delay(10, BASE, MAX, 0.0), MAX);
        assert_eq!(retry_delay(1000, BASE, MAX, 0.0), MAX);
    }

    #[test]
    fn retry_delay_jitter_takes_up_to_half() {
        assert_eq!(retry_delay(2, BASE, MAX, 1.0), Duration::from_secs(30));
        assert_eq!(retry_delay(2, BASE, MAX, 0.5), Duration::from_secs(45));
    }

    #[test]
    fn retry_delay_ignores_invalid_jitter() {
        assert_eq!(retry_delay(1, BASE, MAX, f64::NAN), BASE);
        assert_eq!(retry_delay(1, BASE, MAX, 7.0), Duration::from_secs(15));
    }
}
