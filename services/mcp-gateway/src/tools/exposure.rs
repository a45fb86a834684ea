//! `calculate_exposure`: a desk's (or a list of positions') booked exposure by the contract's
//! formulas, and its live exposure re-priced from the market snapshot, each against the
//! desk's limits with utilisation and headroom.

use super::live::{LiveExposure, live_exposure};
use super::views::{Date, ExposureView, InstrumentKind, LimitCheck, OptionKind, limit_checks};
use super::{CallCtx, Concluded, Tool, Tools, name_arg};
use crate::conclusion::Conclusion;
use crate::decimal::{DecIn, DecUnsigned};
use crate::error::ToolError;
use crate::store::limits::Limit;
use bigdecimal::{BigDecimal, Zero};
use riskmonitor_domain::{Exposure, InstrumentType, Position};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Most positions one call may name (`position_ids` and `positions` each).
pub const MAX_LISTED: usize = 1_000;

/// Arguments of `calculate_exposure`: a desk, or positions (booked ids and/or hypothetical ones).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("anyOf" = [{ "required": ["desk"] }, { "required": ["position_ids"] }, { "required": ["positions"] }]))]
pub struct CalculateExposureInput {
    /// Desk whose limits apply; when no positions are listed, all of its positions are used.
    #[schemars(length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub desk: Option<String>,
    /// Booked positions to use, by position_id (at most 1000), instead of the desk's.
    #[schemars(length(max = 1000))]
    pub position_ids: Option<Vec<i64>>,
    /// Hypothetical positions to use (at most 1000), alone or with `position_ids`.
    #[schemars(length(max = 1000))]
    pub positions: Option<Vec<PositionInput>>,
    /// Also re-price with the market snapshot (default true).
    pub live: Option<bool>,
    /// Include each position's live price, delta and vega in the result (default false).
    pub include_positions: Option<bool>,
}

/// A hypothetical position.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = super::views::option_fields_rule)]
pub struct PositionInput {
    /// `EQUITY`, `FUTURE` or `OPTION`.
    pub instrument_type: InstrumentKind,
    /// Underlying symbol, e.g. `SPX`.
    #[schemars(length(min = 1, max = 32), regex(pattern = r"\S"))]
    pub underlying: String,
    /// Signed quantity (negative is short), e.g. "-12.5".
    pub quantity: DecIn,
    /// Contract multiplier (default "1").
    pub multiplier: Option<DecUnsigned>,
    /// Booked mark per unit, e.g. "4321.5".
    pub price: DecUnsigned,
    /// Delta per unit: default "1" for equities and futures, required for options.
    pub delta: Option<DecIn>,
    /// Vega per unit per volatility point: default "0" for equities and futures, required for options.
    pub vega: Option<DecIn>,
    /// `CALL` or `PUT` (options only, required for them).
    pub option_type: Option<OptionKind>,
    /// Strike (options only, required for them).
    pub strike: Option<DecUnsigned>,
    /// Expiry date `YYYY-MM-DD` (options only, required for them).
    pub expiry: Option<Date>,
}

impl PositionInput {
    /// The position this describes; `field` prefixes the names of arguments at fault.
    pub fn to_position(&self, field: &str, desk: &str) -> Result<Position, ToolError> {
        let underlying = name_arg(&format!("{field}.underlying"), &self.underlying, 32)?;
        let kind: InstrumentType = self.instrument_type.into();
        let is_option = kind == InstrumentType::Option;
        let need = |v: &Option<DecIn>, name: &str, linear_default: i32| -> Result<BigDecimal, ToolError> {
            match (v, is_option) {
                (Some(d), _) => Ok(d.0.clone()),
                (None, false) => Ok(BigDecimal::from(linear_default)),
                (None, true) => Err(ToolError::input(format!("{field}.{name}"), "required for options")),
            }
        };
        let delta = need(&self.delta, "delta", 1)?;
        let vega = need(&self.vega, "vega", 0)?;
        let multiplier = self.multiplier.as_ref().map(|m| m.0.clone()).unwrap_or_else(|| BigDecimal::from(1));
        if multiplier <= BigDecimal::zero() {
            return Err(ToolError::input(format!("{field}.multiplier"), "must be greater than zero"));
        }
        if self.price.0 < BigDecimal::zero() {
            return Err(ToolError::input(format!("{field}.price"), "must not be negative"));
        }
        let (option_type, strike, expiry) = if is_option {
            let t = self
                .option_type
                .ok_or_else(|| ToolError::input(format!("{field}.option_type"), "required for options"))?;
            let k = self
                .strike
                .as_ref()
                .ok_or_else(|| ToolError::input(format!("{field}.strike"), "required for options"))?;
            if k.0 <= BigDecimal::zero() {
                return Err(ToolError::input(format!("{field}.strike"), "must be greater than zero"));
            }
            let e = self.expiry.ok_or_else(|| ToolError::input(format!("{field}.expiry"), "required for options"))?;
            (Some(t.into()), Some(k.0.clone()), Some(e.0))
        } else {
            for (name, given) in [
                ("option_type", self.option_type.is_some()),
                ("strike", self.strike.is_some()),
                ("expiry", self.expiry.is_some()),
            ] {
                if given {
                    return Err(ToolError::input(format!("{field}.{name}"), "only options have one"));
                }
            }
            (None, None, None)
        };
        Ok(Position {
            position_id: 0,
            desk: desk.to_owned(),
            instrument_id: format!("HYPOTHETICAL-{underlying}"),
            instrument_type: kind,
            underlying,
            quantity: self.quantity.0.clone(),
            multiplier,
            price: self.price.0.clone(),
            delta,
            vega,
            option_type,
            strike,
            expiry,
            currency: "USD".into(),
            updated_at: None,
        })
    }
}

/// Exposure, booked and live, against the desk's limits.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CalculateExposureOutput {
    /// The desk whose limits apply (null when the positions span several desks and none was given).
    pub desk: Option<String>,
    pub position_count: usize,
    /// By the contract's formulas on booked price, delta and vega.
    pub booked: ExposureView,
    /// Booked exposure against each limit of the desk.
    pub booked_limits: Vec<LimitCheck>,
    /// Re-priced from the market snapshot.
    pub live: LiveExposure,
    pub conclusion: Conclusion,
}

impl Concluded for CalculateExposureOutput {
    fn conclusion(&self) -> &Conclusion {
        &self.conclusion
    }
}

pub struct CalculateExposure;

impl Tool for CalculateExposure {
    const NAME: &'static str = "calculate_exposure";
    const TITLE: &'static str = "Calculate exposure";
    const DESCRIPTION: &'static str = "Exposure of a desk, or of given positions (booked ids and/or hypothetical ones): \
        gross notional, net delta and vega by the contract's formulas on booked values, and the same re-priced live \
        from the market snapshot (options by Black-Scholes from spot, volatility, rate, strike and expiry), each \
        against the desk's limits with utilisation and headroom.";
    const OPEN_WORLD: bool = true;
    type Input = CalculateExposureInput;
    type Output = CalculateExposureOutput;

    async fn run(
        tools: &Tools,
        input: CalculateExposureInput,
        _call: &CallCtx,
    ) -> Result<CalculateExposureOutput, ToolError> {
        let desk = input.desk.as_deref().map(|d| name_arg("desk", d, 64)).transpose()?;
        let ids = input.position_ids.clone().unwrap_or_default();
        let inline = input.positions.clone().unwrap_or_default();
        if ids.len() > MAX_LISTED {
            return Err(ToolError::input("position_ids", format!("at most {MAX_LISTED} ids")));
        }
        if inline.len() > MAX_LISTED {
            return Err(ToolError::input("positions", format!("at most {MAX_LISTED} positions")));
        }
        let listed = input.position_ids.is_some() || input.positions.is_some();
        if desk.is_none() && !listed {
            return Err(ToolError::input("desk", "give a desk, or position_ids and/or positions"));
        }
        let mut items: Vec<(PositionRef, Position)> = Vec::new();
        if listed {
            let booked = crate::store::positions::by_ids(tools.db(), &ids).await?;
            if let Some(missing) = ids.iter().find(|id| !booked.iter().any(|p| p.position_id == **id)) {
                return Err(ToolError::input("position_ids", format!("no position {missing}")));
            }
            items.extend(booked.into_iter().map(|p| (PositionRef::Booked(p.position_id), p)));
            let home = desk.clone().unwrap_or_default();
            for (i, p) in inline.iter().enumerate() {
                items.push((PositionRef::Hypothetical(i), p.to_position(&format!("positions[{i}]"), &home)?));
            }
        } else if let Some(d) = &desk {
            let booked = crate::store::positions::on_desk(tools.db(), d).await?;
            items.extend(booked.into_iter().map(|p| (PositionRef::Booked(p.position_id), p)));
        }
        let limits_desk = desk.clone().or_else(|| single_desk(&items));
        let limits = match &limits_desk {
            Some(d) => crate::store::limits::for_desk(tools.db(), d).await?,
            None => Vec::new(),
        };
        let booked = items.iter().fold(Exposure::default(), |acc, (_, p)| &acc + &Exposure::of(p));
        let live = if input.live.unwrap_or(true) {
            live_exposure(tools, &items, &limits, input.include_positions.unwrap_or(false)).await
        } else {
            LiveExposure::skipped()
        };
        let mut out = CalculateExposureOutput {
            desk: limits_desk,
            position_count: items.len(),
            booked: ExposureView::from(&booked),
            booked_limits: limit_checks(&booked, &limits),
            live,
            conclusion: Conclusion::deterministic(String::new()),
        };
        let text = template(&out, &limits);
        out.conclusion = tools.conclude(Self::NAME, &out, text).await;
        Ok(out)
    }
}

/// Which position a line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionRef {
    Booked(i64),
    /// Index in the `positions` argument.
    Hypothetical(usize),
}

fn single_desk(items: &[(PositionRef, Position)]) -> Option<String> {
    let first = items.iter().find(|(r, _)| matches!(r, PositionRef::Booked(_)))?.1.desk.clone();
    items.iter().filter(|(r, _)| matches!(r, PositionRef::Booked(_))).all(|(_, p)| p.desk == first).then_some(first)
}

fn template(out: &CalculateExposureOutput, limits: &[Limit]) -> String {
    let scope = match &out.desk {
        Some(d) => format!("Desk {d}"),
        None => "These positions".to_owned(),
    };
    if out.position_count == 0 {
        return format!(
            "{scope}: no positions, so no exposure{}.",
            if limits.is_empty() { "" } else { " against its limits" }
        );
    }
    let mut text = format!(
        "{scope}, {} position(s). Booked: {}.",
        out.position_count,
        super::text::exposure_against(&out.booked, &out.booked_limits)
    );
    text.push(' ');
    text.push_str(&out.live.describe());
    if limits.is_empty() {
        text.push_str(" No limits apply.");
    }
    text
}
