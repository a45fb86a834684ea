//! Deterministic quotes: a base per underlying (a fixed table for well-known names, else derived
//! from a stable hash of the name) plus a small drift that follows the wall-clock minute, so
//! values move over time yet are reproducible for a given name and minute.

use chrono::{DateTime, Utc};
use riskmonitor_market::Quote;
use std::f64::consts::TAU;

/// Longest underlying name served.
pub const MAX_NAME_LEN: usize = 64;

/// Base values: (spot, volatility, rate).
const KNOWN: &[(&str, f64, f64, f64)] = &[
    ("SPX", 5000.0, 0.16, 0.043),
    ("ESZ6", 5000.0, 0.16, 0.043),
    ("NDX", 17500.0, 0.20, 0.043),
    ("NQZ6", 17500.0, 0.20, 0.043),
    ("RUT", 2000.0, 0.22, 0.043),
    ("AAPL", 190.0, 0.25, 0.043),
    ("MSFT", 410.0, 0.22, 0.043),
    ("NVDA", 120.0, 0.45, 0.043),
    ("TSLA", 250.0, 0.55, 0.043),
    ("AMZN", 180.0, 0.30, 0.043),
    ("GOOGL", 170.0, 0.28, 0.043),
    ("EURUSD", 1.08, 0.07, 0.030),
];

/// Whether the simulator quotes this name: 1 to 64 characters out of `[A-Za-z0-9._-]`.
pub fn is_quotable(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The quote of `underlying` at `at` (`as_of` is `at`). Drift: spot within ±1 % and
/// volatility within ±5 % of the base, both changing once a minute; the rate is fixed.
pub fn quote_at(underlying: &str, at: DateTime<Utc>) -> Quote {
    let h = fnv1a(underlying);
    let (spot, volatility, rate) = base(underlying, h);
    let minute = at.timestamp().div_euclid(60) as f64;
    let phase = (h % 3600) as f64 / 3600.0 * TAU;
    let spot_drift = 1.0 + 0.01 * (TAU * minute / 60.0 + phase).sin();
    let vol_drift = 1.0 + 0.05 * (TAU * minute / 30.0 + phase).cos();
    Quote {
        underlying: underlying.to_owned(),
        spot: round(spot * spot_drift, 4),
        volatility: round(volatility * vol_drift, 4),
        rate,
        as_of: at,
    }
}

/// Base (spot, volatility, rate): the table (case-insensitive), else spot 10..5000,
/// volatility 0.10..0.60 and rate 0.01..0.05 from independent bits of the hash.
fn base(underlying: &str, h: u64) -> (f64, f64, f64) {
    let upper = underlying.to_ascii_uppercase();
    if let Some(&(_, spot, vol, rate)) = KNOWN.iter().find(|(name, ..)| *name == upper) {
        return (spot, vol, rate);
    }
    let spot = 10.0 + (h % 499_000) as f64 / 100.0;
    let volatility = 0.10 + ((h >> 24) % 5_000) as f64 / 10_000.0;
    let rate = 0.01 + ((h >> 44) % 4_000) as f64 / 100_000.0;
    (round(spot, 2), round(volatility, 4), round(rate, 5))
}

/// 64-bit FNV-1a: stable across Rust versions and platforms, unlike `DefaultHasher`.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// `secs` after a whole minute (1_795_999_980 is divisible by 60).
    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_795_999_980 + secs, 0).single().unwrap_or_default()
    }

    #[test]
    fn known_names_have_readable_values() {
        let q = quote_at("SPX", at(0));
        assert!((q.spot - 5000.0).abs() <= 50.0, "{q:?}");
        assert_eq!(q.rate, 0.043);
        let q = quote_at("aapl", at(0));
        assert!((q.spot - 190.0).abs() <= 1.9, "{q:?}");
        assert_eq!(q.underlying, "aapl");
    }

    #[test]
    fn same_name_and_minute_give_the_same_quote() {
        let a = quote_at("XYZ.L", at(60));
        let b = quote_at("XYZ.L", at(119));
        assert_eq!((a.spot, a.volatility, a.rate), (b.spot, b.volatility, b.rate));
        let later = quote_at("XYZ.L", at(60 * 7));
        assert_ne!(a.spot, later.spot, "values drift from minute to minute");
    }

    #[test]
    fn hashed_values_stay_in_plausible_ranges() {
        for i in 0..2_000 {
            let name = format!("U{i}");
            let q = quote_at(&name, at(i * 37));
            assert!(q.spot > 9.8 && q.spot < 5051.0, "{q:?}");
            assert!(q.volatility >= 0.095 && q.volatility <= 0.63, "{q:?}");
            assert!(q.rate >= 0.01 && q.rate <= 0.05, "{q:?}");
            assert!(q.problem().is_none(), "{q:?}");
        }
    }

    #[test]
    fn quotable_names() {
        assert!(is_quotable("BRK.B") && is_quotable("ES_Z6-x"));
        assert!(!is_quotable("") && !is_quotable("A B") && !is_quotable("A&B") && !is_quotable("É"));
        assert!(!is_quotable(&"A".repeat(MAX_NAME_LEN + 1)));
    }
}
