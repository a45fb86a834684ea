//! Fault injection for demos and tests: failure rates and delays for the quotes endpoint and
//! the webhook sink, changed at run time through `POST /admin/faults`.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};

/// Longest injectable delay.
pub const MAX_DELAY_MS: u64 = 60_000;

/// The faults in force.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Faults {
    /// Share of quote requests answered 503 (0.0 to 1.0).
    pub quotes_fail_rate: f64,
    /// Delay before every quotes answer.
    pub quotes_delay_ms: u64,
    /// Share of webhooks answered 503 (0.0 to 1.0).
    pub webhook_fail_rate: f64,
    /// Delay before every webhook answer.
    pub webhook_delay_ms: u64,
}

/// A change of some faults (`POST /admin/faults` body); absent keys keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsPatch {
    pub quotes_fail_rate: Option<f64>,
    pub quotes_delay_ms: Option<u64>,
    pub webhook_fail_rate: Option<f64>,
    pub webhook_delay_ms: Option<u64>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FaultsError {
    #[error("{0} must be between 0.0 and 1.0")]
    Rate(&'static str),
    #[error("{0} must be at most {MAX_DELAY_MS}")]
    Delay(&'static str),
}

impl Faults {
    /// Applies `patch`, or changes nothing when any value is out of range.
    pub fn apply(&mut self, patch: &FaultsPatch) -> Result<(), FaultsError> {
        let rate = |key, v: Option<f64>| match v {
            Some(r) if !(0.0..=1.0).contains(&r) => Err(FaultsError::Rate(key)),
            _ => Ok(()),
        };
        let delay = |key, v: Option<u64>| match v {
            Some(d) if d > MAX_DELAY_MS => Err(FaultsError::Delay(key)),
            _ => Ok(()),
        };
        rate("quotes_fail_rate", patch.quotes_fail_rate)?;
        rate("webhook_fail_rate", patch.webhook_fail_rate)?;
        delay("quotes_delay_ms", patch.quotes_delay_ms)?;
        delay("webhook_delay_ms", patch.webhook_delay_ms)?;
        self.quotes_fail_rate = patch.quotes_fail_rate.unwrap_or(self.quotes_fail_rate);
        self.quotes_delay_ms = patch.quotes_delay_ms.unwrap_or(self.quotes_delay_ms);
        self.webhook_fail_rate = patch.webhook_fail_rate.unwrap_or(self.webhook_fail_rate);
        self.webhook_delay_ms = patch.webhook_delay_ms.unwrap_or(self.webhook_delay_ms);
        Ok(())
    }
}

/// A small pseudo-random source for fail rates (splitmix64 over a counter; no dependency).
#[derive(Debug)]
pub struct Dice {
    state: AtomicU64,
}

impl Dice {
    pub fn new(seed: u64) -> Self {
        Self { state: AtomicU64::new(seed) }
    }

    /// True with probability `rate`: never at 0.0, always at 1.0.
    pub fn roll(&self, rate: f64) -> bool {
        if rate <= 0.0 {
            return false;
        }
        if rate >= 1.0 {
            return true;
        }
        let mut z = self.state.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        ((z >> 11) as f64 / (1u64 << 53) as f64) < rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_apply_partially_and_are_validated() {
        let mut f = Faults::default();
        let patch = FaultsPatch { quotes_fail_rate: Some(0.5), webhook_delay_ms: Some(10), ..Default::default() };
        assert_eq!(f.apply(&patch), Ok(()));
        assert_eq!((f.quotes_fail_rate, f.webhook_delay_ms, f.quotes_delay_ms), (0.5, 10, 0));
        let bad = FaultsPatch { quotes_delay_ms: Some(1), webhook_fail_rate: Some(1.5), ..Default::default() };
        assert_eq!(f.apply(&bad), Err(FaultsError::Rate("webhook_fail_rate")));
        assert_eq!(f.quotes_delay_ms, 0, "a rejected patch changes nothing");
        let nan = FaultsPatch { quotes_fail_rate: Some(f64::NAN), ..Default::default() };
        assert!(f.apply(&nan).is_err());
    }

    #[test]
    fn dice_follow_the_rate() {
        let dice = Dice::new(42);
        assert!((0..100).all(|_| !dice.roll(0.0)));
        assert!((0..100).all(|_| dice.roll(1.0)));
        let hits = (0..10_000).filter(|_| dice.roll(0.3)).count();
        assert!((2_600..3_400).contains(&hits), "{hits}");
    }
}
