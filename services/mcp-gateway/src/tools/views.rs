//! Types shared by several tools' inputs and outputs, as they appear on the wire.

use crate::decimal::{Dec, utilisation};
use crate::store::limits::Limit;
use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use riskmonitor_db::alerts::Alert;
use riskmonitor_domain::{AlertStatus, Exposure, InstrumentType, Metric, OptionType, Position};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize, Serializer};
use std::borrow::Cow;

/// An instant, written as RFC 3339 in UTC (`2026-12-05T13:00:00.123456Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub DateTime<Utc>);

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_rfc3339_opts(SecondsFormat::Micros, true))
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date-time" })
    }
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.format("%Y-%m-%d").to_string())
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Date)
            .map_err(|_| serde::de::Error::custom(format!("`{s}` is not a date like \"2027-06-18\"")))
    }
}

impl JsonSchema for Date {
    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" })
    }
}

/// The contract's instrument types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
#[schemars(rename = "InstrumentType")]
pub enum InstrumentKind {
    Equity,
    Future,
    Option,
}

impl From<InstrumentKind> for InstrumentType {
    fn from(k: InstrumentKind) -> Self {
        match k {
            InstrumentKind::Equity => InstrumentType::Equity,
            InstrumentKind::Future => InstrumentType::Future,
            InstrumentKind::Option => InstrumentType::Option,
        }
    }
}

impl From<InstrumentType> for InstrumentKind {
    fn from(t: InstrumentType) -> Self {
        match t {
            InstrumentType::Equity => InstrumentKind::Equity,
            InstrumentType::Future => InstrumentKind::Future,
            InstrumentType::Option => InstrumentKind::Option,
        }
    }
}

/// Call or put.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
#[schemars(rename = "OptionType")]
pub enum OptionKind {
    Call,
    Put,
}

impl From<OptionKind> for OptionType {
    fn from(k: OptionKind) -> Self {
        match k {
            OptionKind::Call => OptionType::Call,
            OptionKind::Put => OptionType::Put,
        }
    }
}

impl From<OptionType> for OptionKind {
    fn from(t: OptionType) -> Self {
        match t {
            OptionType::Call => OptionKind::Call,
            OptionType::Put => OptionKind::Put,
        }
    }
}

/// Schema rule of inputs describing an instrument: options need `option_type`, `strike` and
/// `expiry`; equities and futures have none of them.
pub fn option_fields_rule(schema: &mut Schema) {
    schema.insert(
        "if".into(),
        serde_json::json!({ "properties": { "instrument_type": { "const": "OPTION" } }, "required": ["instrument_type"] }),
    );
    schema.insert(
        "then".into(),
        serde_json::json!({
            "required": ["option_type", "strike", "expiry"],
            "properties": { "option_type": { "not": { "type": "null" } }, "strike": { "not": { "type": "null" } },
                            "expiry": { "not": { "type": "null" } } }
        }),
    );
    schema.insert(
        "else".into(),
        serde_json::json!({
            "properties": { "option_type": { "type": "null" }, "strike": { "type": "null" }, "expiry": { "type": "null" } }
        }),
    );
}

/// The contract's limit metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "Metric")]
pub enum MetricName {
    GrossNotional,
    NetDelta,
    Vega,
}

impl From<Metric> for MetricName {
    fn from(m: Metric) -> Self {
        match m {
            Metric::GrossNotional => MetricName::GrossNotional,
            Metric::NetDelta => MetricName::NetDelta,
            Metric::Vega => MetricName::Vega,
        }
    }
}

/// The contract's alert statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "AlertStatus")]
pub enum StatusName {
    PendingAnalysis,
    PendingDelivery,
    Delivered,
    Consumed,
    DeliveryFailed,
}

impl From<AlertStatus> for StatusName {
    fn from(s: AlertStatus) -> Self {
        match s {
            AlertStatus::PendingAnalysis => StatusName::PendingAnalysis,
            AlertStatus::PendingDelivery => StatusName::PendingDelivery,
            AlertStatus::Delivered => StatusName::Delivered,
            AlertStatus::Consumed => StatusName::Consumed,
            AlertStatus::DeliveryFailed => StatusName::DeliveryFailed,
        }
    }
}

impl From<StatusName> for AlertStatus {
    fn from(s: StatusName) -> Self {
        match s {
            StatusName::PendingAnalysis => AlertStatus::PendingAnalysis,
            StatusName::PendingDelivery => AlertStatus::PendingDelivery,
            StatusName::Delivered => AlertStatus::Delivered,
            StatusName::Consumed => AlertStatus::Consumed,
            StatusName::DeliveryFailed => AlertStatus::DeliveryFailed,
        }
    }
}

/// Exposure in the contract's three metrics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ExposureView {
    /// Σ |quantity × multiplier × price|.
    pub gross_notional: Dec,
    /// Σ quantity × multiplier × price × delta.
    pub net_delta: Dec,
    /// Σ quantity × multiplier × vega.
    pub vega: Dec,
}

impl From<&Exposure> for ExposureView {
    fn from(e: &Exposure) -> Self {
        Self { gross_notional: Dec::new(&e.gross_notional), net_delta: Dec::new(&e.net_delta), vega: Dec::new(&e.vega) }
    }
}

/// One metric against its limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct LimitCheck {
    pub metric: MetricName,
    /// The metric's value (signed for net_delta and vega).
    pub value: Dec,
    /// The limit on |value|.
    pub limit: Dec,
    /// |value| / limit, 6 decimals (1 = at the limit); null for a zero limit.
    pub utilisation: Option<Dec>,
    /// limit − |value| (negative when breached).
    pub headroom: Dec,
    /// |value| > limit.
    pub breached: bool,
}

impl LimitCheck {
    pub fn new(metric: Metric, value: &BigDecimal, limit: &BigDecimal) -> Self {
        Self {
            metric: metric.into(),
            value: Dec::new(value),
            limit: Dec::new(limit),
            utilisation: utilisation(value, limit).map(Dec::from),
            headroom: Dec::from(limit - value.abs()),
            breached: &value.abs() > limit,
        }
    }
}

/// `exposure` against each of the desk's `limits` (metrics without a limit are left out).
pub fn limit_checks(exposure: &Exposure, limits: &[Limit]) -> Vec<LimitCheck> {
    Metric::ALL
        .iter()
        .filter_map(|m| {
            limits.iter().find(|l| l.metric == *m).map(|l| LimitCheck::new(*m, exposure.get(*m), &l.limit_value))
        })
        .collect()
}

/// A position with its contribution to its desk's exposure.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PositionView {
    pub position_id: i64,
    pub desk: String,
    pub instrument_id: String,
    pub instrument_type: InstrumentKind,
    pub underlying: String,
    /// Signed: negative is short.
    pub quantity: Dec,
    pub multiplier: Dec,
    /// The booked mark.
    pub price: Dec,
    /// Per unit (1 for linear instruments).
    pub delta: Dec,
    /// Per unit, per volatility point (0 for linear instruments).
    pub vega: Dec,
    pub option_type: Option<OptionKind>,
    pub strike: Option<Dec>,
    pub expiry: Option<Date>,
    pub currency: String,
    pub updated_at: Option<Timestamp>,
    /// quantity × multiplier × price.
    pub notional: Dec,
    /// What the position adds to its desk's metrics.
    pub exposure: ExposureView,
}

impl PositionView {
    pub fn of(p: &Position) -> Self {
        Self {
            position_id: p.position_id,
            desk: p.desk.clone(),
            instrument_id: p.instrument_id.clone(),
            instrument_type: p.instrument_type.into(),
            underlying: p.underlying.clone(),
            quantity: Dec::new(&p.quantity),
            multiplier: Dec::new(&p.multiplier),
            price: Dec::new(&p.price),
            delta: Dec::new(&p.delta),
            vega: Dec::new(&p.vega),
            option_type: p.option_type.map(Into::into),
            strike: p.strike.as_ref().map(Dec::new),
            expiry: p.expiry.map(Date),
            currency: p.currency.clone(),
            updated_at: p.updated_at.map(Timestamp),
            notional: Dec::from(&p.quantity * &p.multiplier * &p.price),
            exposure: ExposureView::from(&Exposure::of(p)),
        }
    }
}

/// An alert (one breach episode) without its analysis.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AlertView {
    pub alert_id: String,
    pub desk: String,
    pub metric: MetricName,
    pub status: StatusName,
    /// The metric's value when the episode opened.
    pub value: Dec,
    pub limit_value: Dec,
    pub resolve_ratio: Dec,
    pub opened_at: Timestamp,
    /// When the episode resolved (|value| ≤ limit × resolve_ratio); null while open.
    pub resolved_at: Option<Timestamp>,
    pub resolved_value: Option<Dec>,
    /// The analysis in a few sentences.
    pub summary: Option<String>,
    /// Who wrote the analysis: `llm` or `deterministic`.
    pub analysis_source: Option<String>,
    pub acked_at: Option<Timestamp>,
    pub acked_by: Option<String>,
    pub acked_delivery_id: Option<String>,
    /// When reminders were spent without an ack.
    pub escalated_at: Option<Timestamp>,
    pub status_changed_at: Timestamp,
}

impl AlertView {
    pub fn of(a: &Alert) -> Self {
        Self {
            alert_id: a.alert_id.clone(),
            desk: a.desk.clone(),
            metric: a.metric.into(),
            status: a.status.into(),
            value: Dec::new(&a.value),
            limit_value: Dec::new(&a.limit_value),
            resolve_ratio: Dec::new(&a.resolve_ratio),
            opened_at: Timestamp(a.opened_at),
            resolved_at: a.resolved_at.map(Timestamp),
            resolved_value: a.resolved_value.as_ref().map(Dec::new),
            summary: a.summary.clone(),
            analysis_source: a.analysis_source.clone(),
            acked_at: a.acked_at.map(Timestamp),
            acked_by: a.acked_by.clone(),
            acked_delivery_id: a.acked_delivery_id.clone(),
            escalated_at: a.escalated_at.map(Timestamp),
            status_changed_at: Timestamp(a.status_changed_at),
        }
    }
}
