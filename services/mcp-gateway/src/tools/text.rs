//! Pieces of the deterministic conclusions: amounts, percentages, metrics against limits.

use super::views::{ExposureView, LimitCheck, MetricName};
use crate::decimal::{Dec, round};
use bigdecimal::BigDecimal;

/// An amount for people: 2 decimals, plain notation.
pub fn amount(d: &Dec) -> String {
    riskmonitor_domain::decimal::plain(&round(&d.0, 2))
}

/// A utilisation fraction as a percentage with one decimal (`0.6172` -> `61.7%`).
pub fn percent(u: &Dec) -> String {
    let p = round(&(&u.0 * BigDecimal::from(100)), 1);
    format!("{}%", riskmonitor_domain::decimal::plain(&p))
}

pub fn metric(m: MetricName) -> &'static str {
    match m {
        MetricName::GrossNotional => "gross notional",
        MetricName::NetDelta => "net delta",
        MetricName::Vega => "vega",
    }
}

/// `gross notional 120 (60% of 200), net delta -5, vega 0; within all limits`.
pub fn exposure_against(e: &ExposureView, checks: &[LimitCheck]) -> String {
    let one = |m: MetricName, v: &Dec| match checks.iter().find(|c| c.metric == m) {
        Some(c) => match &c.utilisation {
            Some(u) => format!("{} {} ({} of {})", metric(m), amount(v), percent(u), amount(&c.limit)),
            None => format!("{} {} (limit {})", metric(m), amount(v), amount(&c.limit)),
        },
        None => format!("{} {}", metric(m), amount(v)),
    };
    let parts = [
        one(MetricName::GrossNotional, &e.gross_notional),
        one(MetricName::NetDelta, &e.net_delta),
        one(MetricName::Vega, &e.vega),
    ];
    format!("{}{}", parts.join(", "), verdict(checks))
}

/// `; BREACHED: net delta` or `; within all limits` (empty without limits).
pub fn verdict(checks: &[LimitCheck]) -> String {
    if checks.is_empty() {
        return String::new();
    }
    let breached: Vec<&str> = checks.iter().filter(|c| c.breached).map(|c| metric(c.metric)).collect();
    if breached.is_empty() {
        "; within all limits".into()
    } else {
        format!("; LIMIT BREACHED: {}", breached.join(", "))
    }
}
