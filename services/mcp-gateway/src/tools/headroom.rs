//! The limit arithmetic of `check_trade`: one metric before and after an order, and the
//! largest order that keeps every limit. Exact decimals throughout.

use super::check_trade::TradeCheck;
use crate::decimal::{Dec, round_down, utilisation};
use crate::store::limits::Limit;
use bigdecimal::{BigDecimal, Signed, Zero};
use riskmonitor_domain::{Exposure, Metric, Position};

/// Decimal places of quantities (the scale of the `quantity` column).
pub const QUANTITY_SCALE: i64 = 6;

/// `metric` before (`pre`) and after (`post`) the order, against `limit`.
pub fn check(metric: Metric, pre: &Exposure, post: &Exposure, limit: &BigDecimal) -> TradeCheck {
    let (a, b) = (pre.get(metric), post.get(metric));
    let ceiling = if &a.abs() > limit { a.abs() } else { limit.clone() };
    TradeCheck {
        metric: metric.into(),
        limit: Dec::new(limit),
        pre_trade: Dec::new(a),
        post_trade: Dec::new(b),
        utilisation_after: utilisation(b, limit).map(Dec::from),
        headroom_after: Dec::from(limit - b.abs()),
        breached_before: &a.abs() > limit,
        breached_after: &b.abs() > limit,
        breach_caused: b.abs() > ceiling,
    }
}

/// The largest order in `order`'s direction that keeps every limited metric within
/// `max(limit, |pre|)`: inside its limit, or, for a metric already over, no deeper.
///
/// With t ≥ 0 units in the order's direction s = sign(quantity), each metric moves linearly:
/// value(t) = a + t·b, with b = |m·p| (gross), s·m·p·delta (net delta), s·m·vega (vega). For
/// b ≠ 0 the constraint |a + t·b| ≤ M holds up to t = (M − a·sign(b)) / |b| (≥ 0 since
/// |a| ≤ M). The answer is the smallest bound, rounded down to the quantity scale, with the
/// metric that sets it; `None` when no limited metric moves.
pub fn max_size(pre: &Exposure, order: &Position, limits: &[Limit]) -> Option<(BigDecimal, Metric)> {
    let s = if order.quantity.is_negative() { BigDecimal::from(-1) } else { BigDecimal::from(1) };
    let m = &order.multiplier;
    let per_unit = |metric: Metric| match metric {
        Metric::GrossNotional => (m * &order.price).abs(),
        Metric::NetDelta => &s * m * &order.price * &order.delta,
        Metric::Vega => &s * m * &order.vega,
    };
    let mut best: Option<(BigDecimal, Metric)> = None;
    for l in limits {
        let b = per_unit(l.metric);
        if b.is_zero() {
            continue;
        }
        let a = pre.get(l.metric);
        let ceiling = if a.abs() > l.limit_value { a.abs() } else { l.limit_value.clone() };
        let toward = if b.is_negative() { -a } else { a.clone() };
        let t = (ceiling - toward) / b.abs();
        let t = if t.is_negative() { BigDecimal::zero() } else { round_down(&t, QUANTITY_SCALE) };
        if best.as_ref().is_none_or(|(bt, _)| &t < bt) {
            best = Some((t, l.metric));
        }
    }
    best.map(|(t, metric)| ((t * s).normalized(), metric))
}

#[cfg(test)]
mod tests {
    use super::*;
    use riskmonitor_domain::InstrumentType;
    use std::str::FromStr;

    fn d(s: &str) -> BigDecimal {
        BigDecimal::from_str(s).unwrap()
    }

    fn future(q: &str, p: &str) -> Position {
        Position {
            position_id: 0,
            desk: "x".into(),
            instrument_id: "F".into(),
            instrument_type: InstrumentType::Future,
            underlying: "SPX".into(),
            quantity: d(q),
            multiplier: d("50"),
            price: d(p),
            delta: d("1"),
            vega: d("0"),
            option_type: None,
            strike: None,
            expiry: None,
            currency: "USD".into(),
            updated_at: None,
        }
    }

    fn limit(metric: Metric, v: &str) -> Limit {
        Limit { desk: "x".into(), metric, limit_value: d(v), resolve_ratio: d("0.95") }
    }

    #[test]
    fn max_size_by_hand() {
        // Desk: gross 1,000,000, net delta -200,000. A buy at 5000 × 50 = 250,000 per contract.
        let pre = Exposure { gross_notional: d("1000000"), net_delta: d("-200000"), vega: d("0") };
        let limits = [limit(Metric::GrossNotional, "2000000"), limit(Metric::NetDelta, "600000")];
        // gross: (2,000,000 − 1,000,000) / 250,000 = 4; net delta: (600,000 + 200,000) / 250,000 = 3.2.
        let (q, m) = max_size(&pre, &future("1", "5000"), &limits).unwrap();
        assert_eq!((q, m), (d("3.2"), Metric::NetDelta));
        // A sell moves net delta away from +limit: bound (600,000 − 200,000) / 250,000 = 1.6, signed.
        let (q, m) = max_size(&pre, &future("-1", "5000"), &limits).unwrap();
        assert_eq!((q, m), (d("-1.6"), Metric::NetDelta));
        // Non-terminating division rounds down to 6 decimals.
        let (q, _) = max_size(&pre, &future("1", "3"), &[limit(Metric::GrossNotional, "1000001")]).unwrap();
        assert_eq!(q, d("0.006666"));
        // A metric already over may not deepen: a buy here can only have size 0.
        let over = Exposure { gross_notional: d("3000000"), ..pre.clone() };
        assert_eq!(max_size(&over, &future("1", "5000"), &limits).unwrap().0, d("0"));
        assert!(max_size(&pre, &future("1", "5000"), &[limit(Metric::Vega, "1")]).is_none());
    }
}
