//! Live exposure: positions re-priced from one market snapshot of their underlyings
//! (see [`crate::pricing`]). Positions without a usable quote keep their booked values and are
//! listed, so the total is never silently partial.

use super::exposure::PositionRef;
use super::views::{ExposureView, LimitCheck, Timestamp, limit_checks};
use crate::decimal::Dec;
use crate::observe::DEPENDENCY_CALLS;
use crate::pricing::{reprice, with_terms};
use crate::store::limits::Limit;
use riskmonitor_domain::{Exposure, Position};
use riskmonitor_market::Quote;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LiveStatus {
    /// Every position re-priced.
    Complete,
    /// Some positions had no usable quote and count at booked values (see `unpriced`).
    Partial,
    /// No market snapshot (see `reason`): no live figures.
    Unavailable,
    /// Not asked for (`live: false`).
    Skipped,
}

/// Exposure re-priced from the market snapshot.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LiveExposure {
    pub status: LiveStatus,
    /// Why live figures are missing or partial.
    pub reason: Option<String>,
    /// Live gross notional, net delta and vega (null when unavailable or skipped).
    pub exposure: Option<ExposureView>,
    /// Live exposure against each limit of the desk.
    pub limits: Vec<LimitCheck>,
    /// The quotes used.
    pub quotes: Vec<QuoteView>,
    /// Underlyings the market service has no quote for.
    pub missing_underlyings: Vec<String>,
    /// Positions counted at booked values, and why.
    pub unpriced: Vec<Unpriced>,
    /// Each position's live terms (only with `include_positions: true`).
    pub positions: Option<Vec<RepricedView>>,
}

/// Market data of one underlying.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct QuoteView {
    pub underlying: String,
    pub spot: f64,
    /// Annualised implied volatility as a fraction (0.18 = 18 %).
    pub volatility: f64,
    /// Continuously compounded rate as a fraction.
    pub rate: f64,
    pub as_of: Timestamp,
}

impl From<&Quote> for QuoteView {
    fn from(q: &Quote) -> Self {
        Self {
            underlying: q.underlying.clone(),
            spot: q.spot,
            volatility: q.volatility,
            rate: q.rate,
            as_of: Timestamp(q.as_of),
        }
    }
}

/// A position that could not be re-priced.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Unpriced {
    /// The booked position's id (null for a hypothetical one).
    pub position_id: Option<i64>,
    /// Index in the `positions` argument (null for a booked position).
    pub index: Option<usize>,
    pub underlying: String,
    pub reason: String,
}

/// One position's live terms.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RepricedView {
    pub position_id: Option<i64>,
    pub index: Option<usize>,
    pub underlying: String,
    /// `spot` (linear instruments) or `black_scholes` (options).
    pub method: String,
    pub price: Dec,
    pub delta: Dec,
    /// Per unit, per volatility point (0.01).
    pub vega: Dec,
    pub exposure: ExposureView,
}

impl LiveExposure {
    pub fn skipped() -> Self {
        Self::empty(LiveStatus::Skipped, None)
    }

    fn empty(status: LiveStatus, reason: Option<String>) -> Self {
        Self {
            status,
            reason,
            exposure: None,
            limits: Vec::new(),
            quotes: Vec::new(),
            missing_underlyings: Vec::new(),
            unpriced: Vec::new(),
            positions: None,
        }
    }

    /// One sentence for the conclusion.
    pub fn describe(&self) -> String {
        let as_of = self.quotes.iter().map(|q| q.as_of).max();
        match (self.status, &self.exposure) {
            (LiveStatus::Skipped, _) => "Live re-pricing was not asked for.".into(),
            (LiveStatus::Unavailable, _) | (_, None) => format!(
                "Live re-pricing unavailable ({}); the figures are booked values.",
                self.reason.as_deref().unwrap_or("no market data")
            ),
            (status, Some(e)) => {
                let when =
                    as_of.map(|t| format!(" (market as of {})", t.0.format("%Y-%m-%d %H:%M:%SZ"))).unwrap_or_default();
                let mut s = format!("Live{when}: {}.", super::text::exposure_against(e, &self.limits));
                if status == LiveStatus::Partial {
                    s.push_str(&format!(
                        " {} position(s) could not be re-priced and count at booked values{}.",
                        self.unpriced.len(),
                        if self.missing_underlyings.is_empty() {
                            String::new()
                        } else {
                            format!(" (no quote for {})", self.missing_underlyings.join(", "))
                        }
                    ));
                }
                s
            }
        }
    }
}

/// Re-prices `items` from one snapshot and compares the total with `limits`.
pub async fn live_exposure(
    tools: &super::Tools,
    items: &[(PositionRef, Position)],
    limits: &[Limit],
    include: bool,
) -> LiveExposure {
    let Some(market) = tools.market() else {
        return LiveExposure::empty(LiveStatus::Unavailable, Some("no market service is configured".into()));
    };
    let underlyings: Vec<String> =
        items.iter().map(|(_, p)| p.underlying.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let snapshot = match market.snapshot(&underlyings).await {
        Ok(s) => {
            DEPENDENCY_CALLS.with_label_values(&["market", "ok"]).inc();
            s
        }
        Err(e) => {
            DEPENDENCY_CALLS.with_label_values(&["market", e.outcome()]).inc();
            return LiveExposure::empty(LiveStatus::Unavailable, Some(e.to_string()));
        }
    };
    let mut total = Exposure::default();
    let mut unpriced = Vec::new();
    let mut lines = Vec::new();
    for (r, p) in items {
        let (position_id, index) = match r {
            PositionRef::Booked(id) => (Some(*id), None),
            PositionRef::Hypothetical(i) => (None, Some(*i)),
        };
        let terms = match snapshot.get(&p.underlying) {
            None => Err(format!("no quote for {}", p.underlying)),
            Some(q) => reprice(p, q),
        };
        match terms {
            Ok(t) => {
                let exposure = Exposure::of(&with_terms(p, &t));
                total = &total + &exposure;
                if include {
                    lines.push(RepricedView {
                        position_id,
                        index,
                        underlying: p.underlying.clone(),
                        method: t.method.as_str().into(),
                        price: Dec::new(&t.price),
                        delta: Dec::new(&t.delta),
                        vega: Dec::new(&t.vega),
                        exposure: ExposureView::from(&exposure),
                    });
                }
            }
            Err(reason) => {
                total = &total + &Exposure::of(p);
                unpriced.push(Unpriced { position_id, index, underlying: p.underlying.clone(), reason });
            }
        }
    }
    let priced = items.len() - unpriced.len();
    let status = match (unpriced.is_empty(), priced) {
        (true, _) => LiveStatus::Complete,
        (false, 0) => LiveStatus::Unavailable,
        (false, _) => LiveStatus::Partial,
    };
    if status == LiveStatus::Unavailable {
        let mut live = LiveExposure::empty(status, Some("no position could be re-priced".into()));
        live.missing_underlyings = snapshot.missing.clone();
        live.unpriced = unpriced;
        return live;
    }
    LiveExposure {
        status,
        reason: (status == LiveStatus::Partial).then(|| "some positions had no usable quote".to_owned()),
        limits: limit_checks(&total, limits),
        exposure: Some(ExposureView::from(&total)),
        quotes: snapshot.quotes.iter().map(QuoteView::from).collect(),
        missing_underlyings: snapshot.missing.clone(),
        unpriced,
        positions: include.then_some(lines),
    }
}
