//! The built-in analyst: the same structure as the LLM's answer, from the numbers alone.
//! Deterministic: the same context always gives the same analysis (no clock, no randomness).

use crate::analysis::{Analysis, AnalysisContext, Contributor, Driver, Severity};
use bigdecimal::{BigDecimal, ToPrimitive, Zero};
use riskmonitor_domain::Metric;
use riskmonitor_domain::decimal::plain;

/// Severity from utilisation |value| / limit: up to 100% low (already back inside), up to 110%
/// medium, up to 150% high, beyond critical.
pub fn severity(utilisation: f64) -> Severity {
    match utilisation {
        u if u <= 1.0 => Severity::Low,
        u if u <= 1.1 => Severity::Medium,
        u if u <= 1.5 => Severity::High,
        _ => Severity::Critical,
    }
}

fn contribution(p: &Contributor, metric: Metric) -> &BigDecimal {
    match metric {
        Metric::GrossNotional => &p.gross_notional,
        Metric::NetDelta => &p.net_delta,
        Metric::Vega => &p.vega,
    }
}

/// `12345678.9012` -> `12,345,678.90`.
pub fn amount(value: &BigDecimal) -> String {
    let rounded = plain(&value.round(2));
    let (sign, digits) = rounded.strip_prefix('-').map_or(("", rounded.as_str()), |d| ("-", d));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let frac = format!("{frac:0<2}");
    format!("{sign}{grouped}.{}", &frac[..2])
}

pub fn deterministic_analysis(ctx: &AnalysisContext) -> Analysis {
    let metric = ctx.alert.metric;
    let value = &ctx.alert.value;
    let limit = &ctx.alert.limit_value;
    let utilisation =
        if limit.is_zero() { f64::INFINITY } else { (value.abs() / limit.abs()).to_f64().unwrap_or(f64::INFINITY) };
    let over_pct = (utilisation - 1.0) * 100.0;
    let excess = value.abs() - limit.abs();

    let mut ranked: Vec<&Contributor> = ctx.top_positions.iter().collect();
    ranked.sort_by(|a, b| {
        contribution(b, metric).abs().cmp(&contribution(a, metric).abs()).then(a.position_id.cmp(&b.position_id))
    });
    let drivers: Vec<Driver> = ranked
        .iter()
        .take(5)
        .map(|p| {
            let c = contribution(p, metric);
            let share = if value.is_zero() { 0.0 } else { (c / value).to_f64().unwrap_or(0.0) * 100.0 };
            Driver {
                description: format!(
                    "{} {} on {} ({} units) adds {} of {}",
                    p.instrument_type,
                    p.instrument_id,
                    p.underlying,
                    plain(&p.quantity),
                    amount(c),
                    metric
                ),
                position_id: Some(p.position_id),
                underlying: Some(p.underlying.clone()),
                contribution: plain(c),
                share_pct: (share.clamp(0.0, 100.0) * 10.0).round() / 10.0,
            }
        })
        .collect();

    let top = drivers.first();
    let mut summary = if utilisation > 1.0 {
        format!(
            "Desk {} is {:.1}% over its {} limit ({} against {}).",
            ctx.alert.desk,
            over_pct,
            metric,
            amount(value),
            amount(limit)
        )
    } else {
        format!(
            "Desk {} is back within its {} limit ({} against {}).",
            ctx.alert.desk,
            metric,
            amount(value),
            amount(limit)
        )
    };
    if let (Some(d), Some(p)) = (top, ranked.first()) {
        summary.push_str(&format!(
            " The largest contributor is {} on {} with {:.1}% of the total.",
            p.instrument_id, p.underlying, d.share_pct
        ));
    }
    if summary.chars().count() > 400 {
        summary = summary.chars().take(397).collect::<String>() + "...";
    }
    let lead = ranked.first().map(|p| p.underlying.as_str()).unwrap_or("the desk's largest underlying");
    let mut actions = match metric {
        Metric::GrossNotional => vec![
            format!("Reduce gross notional by at least {} to return under the limit.", amount(&excess)),
            format!("Start with the largest positions on {lead}."),
        ],
        Metric::NetDelta => {
            let side = if value.is_zero() || *value > BigDecimal::zero() { "sell" } else { "buy" };
            vec![
                format!("Hedge at least {} of net delta: {side} futures on {lead}.", amount(&excess)),
                "Check that new trades on the desk do not add delta in the same direction.".to_owned(),
            ]
        }
        Metric::Vega => vec![
            format!(
                "Reduce vega by at least {}: close or roll the largest option positions on {lead}.",
                amount(&excess)
            ),
            "Review volatility exposure before adding options on the desk.".to_owned(),
        ],
    };
    actions.push("Acknowledge the alert and agree the plan with the desk head.".to_owned());
    Analysis { severity: severity(utilisation), summary, drivers, recommended_actions: actions, confidence: 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{AlertFacts, DeskFacts};
    use std::str::FromStr;

    fn d(s: &str) -> BigDecimal {
        BigDecimal::from_str(s).unwrap()
    }

    pub fn ctx(value: &str, limit: &str) -> AnalysisContext {
        let pos = |id: i64, u: &str, nd: &str| Contributor {
            position_id: id,
            instrument_id: format!("{u}-FUT"),
            instrument_type: "FUTURE".into(),
            underlying: u.into(),
            quantity: d("10"),
            gross_notional: d(nd).abs(),
            net_delta: d(nd),
            vega: d("0"),
        };
        AnalysisContext {
            alert: AlertFacts {
                alert_id: "a1".into(),
                desk: "rates".into(),
                metric: Metric::NetDelta,
                value: d(value),
                limit_value: d(limit),
                resolve_ratio: d("0.95"),
                opened_at: chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap(),
            },
            desk: DeskFacts { gross_notional: d(value), net_delta: d(value), vega: d("0"), position_count: 3 },
            limits: Vec::new(),
            top_positions: vec![pos(1, "SPX", "7500000.25"), pos(2, "NDX", "4000000"), pos(3, "RUT", "1000000")],
            market: Vec::new(),
            market_note: Some("market service unavailable".into()),
        }
    }

    #[test]
    fn exact_figures_severity_and_drivers() {
        let a = deterministic_analysis(&ctx("12500000.25", "10000000"));
        assert_eq!(a.severity, Severity::High);
        assert_eq!(
            a.summary,
            "Desk rates is 25.0% over its net_delta limit (12,500,000.25 against 10,000,000.00). \
             The largest contributor is SPX-FUT on SPX with 60.0% of the total."
        );
        assert_eq!(a.drivers[0].position_id, Some(1));
        assert_eq!(a.drivers[0].contribution, "7500000.25");
        assert_eq!(a.drivers[1].share_pct, 32.0);
        assert!(a.recommended_actions[0].contains("2,500,000.25"), "{:?}", a.recommended_actions);
        assert!(a.recommended_actions[0].contains("sell futures on SPX"));
        assert_eq!(a.confidence, 1.0);
    }

    #[test]
    fn severity_thresholds() {
        assert_eq!(severity(0.99), Severity::Low);
        assert_eq!(severity(1.05), Severity::Medium);
        assert_eq!(severity(1.5), Severity::High);
        assert_eq!(severity(1.51), Severity::Critical);
        assert_eq!(deterministic_analysis(&ctx("-30000000", "10000000")).severity, Severity::Critical);
    }

    #[test]
    fn deterministic_and_valid_against_its_own_schema() {
        let c = ctx("10500000", "10000000");
        let a = deterministic_analysis(&c);
        assert_eq!(a, deterministic_analysis(&c));
        let as_json = serde_json::to_value(&a).unwrap();
        assert_eq!(crate::validate::analysis(&as_json, &c).unwrap(), a);
    }

    #[test]
    fn amounts_are_grouped_and_rounded() {
        assert_eq!(amount(&d("1234567.891")), "1,234,567.89");
        assert_eq!(amount(&d("-1000")), "-1,000.00");
        assert_eq!(amount(&d("0.5")), "0.50");
        assert_eq!(amount(&d("999")), "999.00");
    }
}
