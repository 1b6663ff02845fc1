//! Latency histograms (nanosecond resolution, three significant digits) and their human-readable figures.

use std::time::Duration;

use hdrhistogram::Histogram;

/// Largest latency recorded exactly, one minute; longer ones count as one minute.
const MAX_NANOS: u64 = 60_000_000_000;

/// A latency distribution.
#[derive(Clone)]
pub struct Latencies {
    histogram: Histogram<u64>,
}

impl Default for Latencies {
    fn default() -> Self {
        Latencies::new()
    }
}

impl Latencies {
    /// Creates an empty distribution.
    pub fn new() -> Latencies {
        // hdrhistogram 7 accepts a low bound of 1, a high bound of at least
        // twice that and 3 significant figures, so this cannot fail.
        let histogram = Histogram::new_with_bounds(1, MAX_NANOS, 3)
            .expect("constant histogram bounds are valid");
        Latencies { histogram }
    }

    /// Records one latency; values outside 1 ns to one minute are clamped.
    pub fn record(&mut self, elapsed: Duration) {
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(MAX_NANOS);
        self.histogram.saturating_record(nanos.clamp(1, MAX_NANOS));
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &Latencies) {
        // Every histogram here has the same bounds, and hdrhistogram 7 fails
        // an addition only when the other one contains values above them.
        let _ = self.histogram.add(&other.histogram);
    }

    /// Number of recorded values.
    pub fn count(&self) -> u64 {
        self.histogram.len()
    }

    /// Latency at `percent` (0 to 100) of the distribution.
    pub fn percentile(&self, percent: f64) -> Duration {
        Duration::from_nanos(self.histogram.value_at_quantile(percent / 100.0))
    }

    /// Largest recorded latency.
    pub fn max(&self) -> Duration {
        Duration::from_nanos(self.histogram.max())
    }
}

/// Formats a duration with three significant digits in µs, ms or s.
pub fn format_duration(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros < 1_000.0 {
        format!("{} µs", significant(micros))
    } else if micros < 1_000_000.0 {
        format!("{} ms", significant(micros / 1e3))
    } else {
        format!("{} s", significant(micros / 1e6))
    }
}

/// Formats a count per second with thousands separators, rounded to a whole number.
pub fn format_rate(per_second: f64) -> String {
    let digits = (per_second.round() as u64).to_string();
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|group| std::str::from_utf8(group).unwrap_or_default())
        .collect();
    groups.join(",")
}

fn significant(value: f64) -> String {
    // The bounds sit half a unit of the last digit below 100 and 10, so
    // that 9.9995 prints as `10.0` and not `10.00`.
    if value >= 99.95 {
        format!("{value:.0}")
    } else if value >= 9.995 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_duration_picks_unit() {
        assert_eq!(format_duration(Duration::from_nanos(12_345)), "12.3 µs");
        assert_eq!(format_duration(Duration::from_micros(2_500)), "2.50 ms");
        assert_eq!(format_duration(Duration::from_millis(1_500)), "1.50 s");
    }

    #[test]
    fn format_duration_rounds_into_next_width() {
        assert_eq!(format_duration(Duration::from_nanos(9_999)), "10.0 µs");
        assert_eq!(format_duration(Duration::from_nanos(99_970)), "100 µs");
    }

    #[test]
    fn format_rate_groups_thousands() {
        assert_eq!(format_rate(1_234_567.4), "1,234,567");
        assert_eq!(format_rate(999.6), "1,000");
    }

    #[test]
    fn percentile_of_uniform_values() {
        let mut latencies = Latencies::new();
        for micros in 1..=100 {
            latencies.record(Duration::from_micros(micros));
        }
        let p50 = latencies.percentile(50.0).as_micros();
        assert!((49..=51).contains(&p50), "p50 was {p50} µs");
    }
}
