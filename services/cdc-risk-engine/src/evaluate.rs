//! Breach-episode rules (CONTRACT.md), as a pure function: an episode opens when
//! `|value| > limit_value` and none is open; it resolves when `|value| <= limit_value * resolve_ratio`.
//! Between the two thresholds nothing changes (hysteresis), so a value hovering at the limit
//! cannot flap alerts.

use bigdecimal::BigDecimal;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub limit_value: BigDecimal,
    pub resolve_ratio: BigDecimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Open a new episode and its alert.
    Open,
    /// Record the open episode's resolution.
    Resolve,
    Nothing,
}

/// What to do for one `(desk, metric)` given its current value, its limit (None: no limit, so an
/// open episode resolves) and whether an episode is open.
pub fn decide(value: &BigDecimal, limit: Option<&Limit>, episode_open: bool) -> Decision {
    let magnitude = value.abs();
    match (limit, episode_open) {
        (None, true) => Decision::Resolve,
        (None, false) => Decision::Nothing,
        (Some(l), false) if magnitude > l.limit_value => Decision::Open,
        (Some(l), true) if magnitude <= &l.limit_value * &l.resolve_ratio => Decision::Resolve,
        _ => Decision::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> BigDecimal {
        BigDecimal::from_str(s).unwrap_or_default()
    }

    fn limit(v: &str) -> Limit {
        Limit { limit_value: d(v), resolve_ratio: d("0.95") }
    }

    #[test]
    fn opens_strictly_above_the_limit_in_absolute_value() {
        assert_eq!(decide(&d("100"), Some(&limit("100")), false), Decision::Nothing);
        assert_eq!(decide(&d("100.0000001"), Some(&limit("100")), false), Decision::Open);
        assert_eq!(decide(&d("-100.5"), Some(&limit("100")), false), Decision::Open);
        assert_eq!(decide(&d("101"), Some(&limit("100")), true), Decision::Nothing);
    }

    #[test]
    fn resolves_at_or_below_the_resolve_threshold_only() {
        assert_eq!(decide(&d("95.0001"), Some(&limit("100")), true), Decision::Nothing);
        assert_eq!(decide(&d("95"), Some(&limit("100")), true), Decision::Resolve);
        assert_eq!(decide(&d("-94"), Some(&limit("100")), true), Decision::Resolve);
        assert_eq!(decide(&d("50"), Some(&limit("100")), false), Decision::Nothing);
    }

    #[test]
    fn a_removed_limit_resolves_its_open_episode() {
        assert_eq!(decide(&d("1000"), None, true), Decision::Resolve);
        assert_eq!(decide(&d("1000"), None, false), Decision::Nothing);
    }
}
