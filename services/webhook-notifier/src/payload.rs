//! The webhook body (CONTRACT.md: `type`, `alert_id`, `delivery_id`, `desk`, `metric`, `value`,
//! `limit_value`, `opened_at`, `summary`, `analysis`, `ack_url`, plus `reminder` and, for
//! resolutions, `resolved_at`). Decimals are exact strings. The body is frozen when the delivery
//! is created, so every retry sends the same bytes under the same `webhook-id`.

use riskmonitor_db::alerts::Alert;
use riskmonitor_domain::decimal::plain;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Breach,
    Reminder,
    Resolved,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Breach => "breach",
            Kind::Reminder => "reminder",
            Kind::Resolved => "resolved",
        }
    }

    pub fn event_type(self) -> &'static str {
        match self {
            Kind::Breach | Kind::Reminder => "risk.limit_breach",
            Kind::Resolved => "risk.limit_resolved",
        }
    }
}

pub fn ack_url(base: &str, alert_id: &str) -> String {
    format!("{}/v1/alerts/{alert_id}/ack", base.trim_end_matches('/'))
}

pub fn body(kind: Kind, reminder: u32, delivery_id: &str, alert: &Alert, ack_base_url: &str) -> Value {
    let mut body = json!({
        "type": kind.event_type(),
        "alert_id": alert.alert_id,
        "delivery_id": delivery_id,
        "desk": alert.desk,
        "metric": alert.metric.as_str(),
        "value": plain(&alert.value),
        "limit_value": plain(&alert.limit_value),
        "opened_at": alert.opened_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "summary": alert.summary.clone().unwrap_or_default(),
        "analysis": alert.analysis.clone().unwrap_or(Value::Null),
        "analysis_source": alert.analysis_source,
        "ack_url": ack_url(ack_base_url, &alert.alert_id),
        "reminder": reminder,
    });
    if kind == Kind::Resolved {
        body["resolved_at"] = json!(alert.resolved_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)));
        body["resolved_value"] = json!(alert.resolved_value.as_ref().map(plain));
    }
    body
}
