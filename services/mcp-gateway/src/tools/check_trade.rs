//! `check_trade`: would this order breach a limit of its desk? The desk's booked exposure plus
//! the order's (contract formulas, exact decimals), each limited metric before and after, and
//! the largest order in the same direction that keeps every limit (see [`super::headroom::max_size`]).

use super::headroom::{check, max_size};
use super::live::QuoteView;
use super::views::{Date, ExposureView, InstrumentKind, MetricName, OptionKind};
use super::{CallCtx, Concluded, Tool, Tools, name_arg};
use crate::conclusion::Conclusion;
use crate::decimal::{Dec, DecIn, DecUnsigned};
use crate::deps::market_error;
use crate::error::ToolError;
use crate::pricing::reprice;
use bigdecimal::{BigDecimal, Signed, Zero};
use riskmonitor_domain::{Exposure, InstrumentType, Metric, Position};
use riskmonitor_market::Quote;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Arguments of `check_trade`: the order.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = super::views::option_fields_rule)]
pub struct CheckTradeInput {
    /// Desk that would book the order (its positions and limits are used).
    #[schemars(length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub desk: String,
    /// Underlying symbol, e.g. `SPX`.
    #[schemars(length(min = 1, max = 32), regex(pattern = r"\S"))]
    pub underlying: String,
    /// `EQUITY`, `FUTURE` or `OPTION`.
    pub instrument_type: InstrumentKind,
    /// Signed quantity: positive buys, negative sells; not zero.
    #[schemars(extend("not" = { "pattern": r"^-?0+(\.0+)?$" }))]
    pub quantity: DecIn,
    /// Price per unit; omit for a market order (the spot, or the Black-Scholes value of an option).
    pub price: Option<DecUnsigned>,
    /// Contract multiplier (default "1").
    pub multiplier: Option<DecUnsigned>,
    /// Delta per unit: default "1" for equities and futures, the Black-Scholes delta for options.
    pub delta: Option<DecIn>,
    /// Vega per unit per volatility point: default "0" for equities and futures, Black-Scholes for options.
    pub vega: Option<DecIn>,
    /// `CALL` or `PUT` (options only, required for them).
    pub option_type: Option<OptionKind>,
    /// Strike (options only, required for them).
    pub strike: Option<DecUnsigned>,
    /// Expiry date `YYYY-MM-DD` (options only, required for them).
    pub expiry: Option<Date>,
}

/// The order as priced.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OrderView {
    pub underlying: String,
    pub instrument_type: InstrumentKind,
    pub quantity: Dec,
    pub multiplier: Dec,
    pub price: Dec,
    /// `given`, or `market` (spot or Black-Scholes value).
    pub price_source: String,
    pub delta: Dec,
    pub vega: Dec,
    /// `given`, `default` (linear: delta 1, vega 0) or `black_scholes`.
    pub greeks_source: String,
    pub option_type: Option<OptionKind>,
    pub strike: Option<Dec>,
    pub expiry: Option<Date>,
}

/// One limited metric before and after the order.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TradeCheck {
    pub metric: MetricName,
    pub limit: Dec,
    pub pre_trade: Dec,
    pub post_trade: Dec,
    /// |post_trade| / limit, 6 decimals.
    pub utilisation_after: Option<Dec>,
    /// limit − |post_trade| (negative when over).
    pub headroom_after: Dec,
    pub breached_before: bool,
    pub breached_after: bool,
    /// The order takes the metric over its limit, or deepens a breach already there.
    pub breach_caused: bool,
}

/// The verdict on the order.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CheckTradeOutput {
    pub desk: String,
    pub order: OrderView,
    /// The desk's booked exposure now.
    pub pre_trade: ExposureView,
    /// What the order adds.
    pub trade: ExposureView,
    pub post_trade: ExposureView,
    pub checks: Vec<TradeCheck>,
    /// Whether the order would take a metric over its limit (or deepen a breach already there).
    pub would_breach: bool,
    /// Metrics the order would breach.
    pub breached_metrics: Vec<MetricName>,
    /// Largest order in the same direction that keeps every limit (a breach already there may
    /// not deepen): signed, 6 decimals; null when no limit binds this order.
    pub max_quantity: Option<Dec>,
    /// The limit that sets max_quantity.
    pub binding_metric: Option<MetricName>,
    /// The quote used for a market price or option greeks.
    pub market: Option<QuoteView>,
    pub conclusion: Conclusion,
}

impl Concluded for CheckTradeOutput {
    fn conclusion(&self) -> &Conclusion {
        &self.conclusion
    }
}

pub struct CheckTrade;

impl Tool for CheckTrade {
    const NAME: &'static str = "check_trade";
    const TITLE: &'static str = "Check a trade against limits";
    const DESCRIPTION: &'static str = "Would this order breach a limit of its desk? Gives the desk's gross notional, net \
        delta and vega before and after the order (contract formulas, exact decimals), headroom per limit, and the \
        largest size in the same direction that stays inside every limit. Omit price for a market order (spot, or \
        Black-Scholes for an option).";
    const OPEN_WORLD: bool = true;
    type Input = CheckTradeInput;
    type Output = CheckTradeOutput;

    async fn run(tools: &Tools, input: CheckTradeInput, _call: &CallCtx) -> Result<CheckTradeOutput, ToolError> {
        let desk = name_arg("desk", &input.desk, 64)?;
        let (order, quote) = price_order(tools, &input, &desk).await?;
        let (positions, limits) = futures::try_join!(
            crate::store::positions::on_desk(tools.db(), &desk),
            crate::store::limits::for_desk(tools.db(), &desk),
        )?;
        let pre = positions.iter().fold(Exposure::default(), |acc, p| &acc + &Exposure::of(p));
        let trade = Exposure::of(&order.position);
        let post = &pre + &trade;
        let checks: Vec<TradeCheck> = Metric::ALL
            .iter()
            .filter_map(|m| limits.iter().find(|l| l.metric == *m).map(|l| check(*m, &pre, &post, &l.limit_value)))
            .collect();
        let breached_metrics: Vec<MetricName> = checks.iter().filter(|c| c.breach_caused).map(|c| c.metric).collect();
        let max = max_size(&pre, &order.position, &limits);
        let p = &order.position;
        let mut out = CheckTradeOutput {
            desk,
            order: OrderView {
                underlying: p.underlying.clone(),
                instrument_type: p.instrument_type.into(),
                quantity: Dec::new(&p.quantity),
                multiplier: Dec::new(&p.multiplier),
                price: Dec::new(&p.price),
                price_source: order.price_source.into(),
                delta: Dec::new(&p.delta),
                vega: Dec::new(&p.vega),
                greeks_source: order.greeks_source.into(),
                option_type: p.option_type.map(Into::into),
                strike: p.strike.as_ref().map(Dec::new),
                expiry: p.expiry.map(Date),
            },
            pre_trade: ExposureView::from(&pre),
            trade: ExposureView::from(&trade),
            post_trade: ExposureView::from(&post),
            would_breach: !breached_metrics.is_empty(),
            breached_metrics,
            checks,
            max_quantity: max.as_ref().map(|(q, _)| Dec::from(q.clone())),
            binding_metric: max.map(|(_, m)| m.into()),
            market: quote.as_ref().map(QuoteView::from),
            conclusion: Conclusion::deterministic(String::new()),
        };
        let text = template(&out, limits.is_empty());
        out.conclusion = tools.conclude(Self::NAME, &out, text).await;
        Ok(out)
    }
}

struct PricedOrder {
    position: Position,
    price_source: &'static str,
    greeks_source: &'static str,
}

/// Validates the order and completes it from the market where the caller left terms out.
async fn price_order(
    tools: &Tools,
    i: &CheckTradeInput,
    desk: &str,
) -> Result<(PricedOrder, Option<Quote>), ToolError> {
    let underlying = name_arg("underlying", &i.underlying, 32)?;
    if i.quantity.0.is_zero() {
        return Err(ToolError::input("quantity", "must not be zero"));
    }
    let multiplier = i.multiplier.as_ref().map(|m| m.0.clone()).unwrap_or_else(|| BigDecimal::from(1));
    if multiplier <= BigDecimal::zero() {
        return Err(ToolError::input("multiplier", "must be greater than zero"));
    }
    if let Some(p) = &i.price
        && p.0 < BigDecimal::zero()
    {
        return Err(ToolError::input("price", "must not be negative"));
    }
    let kind: InstrumentType = i.instrument_type.into();
    let is_option = kind == InstrumentType::Option;
    let (option_type, strike, expiry) = if is_option {
        let t = i.option_type.ok_or_else(|| ToolError::input("option_type", "required for options"))?;
        let k = i.strike.as_ref().ok_or_else(|| ToolError::input("strike", "required for options"))?;
        if k.0 <= BigDecimal::zero() {
            return Err(ToolError::input("strike", "must be greater than zero"));
        }
        let e = i.expiry.ok_or_else(|| ToolError::input("expiry", "required for options"))?;
        (Some(t.into()), Some(k.0.clone()), Some(e.0))
    } else {
        for (name, given) in
            [("option_type", i.option_type.is_some()), ("strike", i.strike.is_some()), ("expiry", i.expiry.is_some())]
        {
            if given {
                return Err(ToolError::input(name, "only options have one"));
            }
        }
        (None, None, None)
    };
    let mut position = Position {
        position_id: 0,
        desk: desk.to_owned(),
        instrument_id: format!("ORDER-{underlying}"),
        instrument_type: kind,
        underlying: underlying.clone(),
        quantity: i.quantity.0.clone(),
        multiplier,
        price: i.price.as_ref().map(|p| p.0.clone()).unwrap_or_default(),
        delta: i.delta.as_ref().map(|d| d.0.clone()).unwrap_or_else(|| BigDecimal::from(1)),
        vega: i.vega.as_ref().map(|v| v.0.clone()).unwrap_or_default(),
        option_type,
        strike,
        expiry,
        currency: "USD".into(),
        updated_at: None,
    };
    let needs_price = i.price.is_none();
    let needs_greeks = is_option && (i.delta.is_none() || i.vega.is_none());
    let mut greeks_source =
        if i.delta.is_some() && i.vega.is_some() || !is_option && i.delta.is_some() { "given" } else { "default" };
    if !needs_price && !needs_greeks {
        return Ok((PricedOrder { position, price_source: "given", greeks_source }, None));
    }
    let field = if needs_price {
        "price"
    } else if i.delta.is_none() {
        "delta"
    } else {
        "vega"
    };
    let quote = market_quote(tools, &underlying).await.map_err(|why| ToolError::Unprocessable {
        field: field.to_owned(),
        message: format!("not given, and it cannot be taken from the market: {why}"),
    })?;
    let terms = reprice(&position, &quote).map_err(|why| ToolError::Unprocessable {
        field: field.to_owned(),
        message: format!("cannot be priced: {why}"),
    })?;
    if needs_price {
        position.price = terms.price.clone();
    }
    if is_option {
        if i.delta.is_none() {
            position.delta = terms.delta.clone();
        }
        if i.vega.is_none() {
            position.vega = terms.vega.clone();
        }
        if needs_greeks {
            greeks_source = "black_scholes";
        }
    }
    let price_source = if needs_price { "market" } else { "given" };
    Ok((PricedOrder { position, price_source, greeks_source }, Some(quote)))
}

async fn market_quote(tools: &Tools, underlying: &str) -> Result<Quote, String> {
    let market = tools.market().ok_or("no market service is configured")?;
    let snapshot = market.snapshot(&[underlying.to_owned()]).await.map_err(|e| market_error(&e).to_string())?;
    snapshot.get(underlying).cloned().ok_or_else(|| format!("the market service has no quote for {underlying}"))
}

fn template(out: &CheckTradeOutput, no_limits: bool) -> String {
    let o = &out.order;
    let side = if o.quantity.0.is_negative() { "sell" } else { "buy" };
    let mut s = format!(
        "Order to {side} {} {} {} on desk {} at {}{}: ",
        riskmonitor_domain::decimal::plain(&o.quantity.0.abs()),
        o.underlying,
        match o.instrument_type {
            InstrumentKind::Equity => "equity",
            InstrumentKind::Future => "future(s)",
            InstrumentKind::Option => "option(s)",
        },
        out.desk,
        super::text::amount(&o.price),
        if o.price_source == "market" { " (market)" } else { "" },
    );
    if no_limits {
        s.push_str("the desk has no limits, so nothing can be breached.");
        return s;
    }
    if out.would_breach {
        let names: Vec<&str> = out.breached_metrics.iter().map(|m| super::text::metric(*m)).collect();
        s.push_str(&format!("WOULD BREACH {}.", names.join(" and ")));
    } else {
        s.push_str("stays within every limit.");
    }
    for c in out.checks.iter() {
        s.push_str(&format!(
            " {}: {} -> {} of limit {} (headroom after {}).",
            super::text::metric(c.metric),
            super::text::amount(&c.pre_trade),
            super::text::amount(&c.post_trade),
            super::text::amount(&c.limit),
            super::text::amount(&c.headroom_after)
        ));
    }
    match (&out.max_quantity, out.binding_metric) {
        (Some(q), Some(m)) => s.push_str(&format!(
            " The largest size in this direction that stays inside: {} (set by {}).",
            riskmonitor_domain::decimal::plain(&q.0.abs()),
            super::text::metric(m)
        )),
        _ => s.push_str(" No limit constrains the size of this order."),
    }
    s
}
