//! `list_alerts` (filtered, newest first, cursor-paginated) and `get_alert` (one alert with
//! its analysis and its delivery history).

use super::views::{AlertView, StatusName, Timestamp};
use super::{CallCtx, Concluded, Tool, Tools, name_arg, page_size};
use crate::conclusion::Conclusion;
use crate::error::ToolError;
use crate::store::alerts::{AlertFilter, deliveries, find, page};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Arguments of `list_alerts` (all optional).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListAlertsInput {
    /// Only alerts of this desk.
    #[schemars(length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub desk: Option<String>,
    /// Only alerts in this status.
    pub status: Option<StatusName>,
    /// Only episodes not yet resolved (default false).
    pub open_only: Option<bool>,
    /// Only alerts delivered and not yet acknowledged (default false).
    pub awaiting_ack: Option<bool>,
    /// Page size, 1 to 500 (the hard cap); default 50.
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; continues with the same filters.
    pub cursor: Option<String>,
}

/// A page of alerts, newest first.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ListAlertsOutput {
    pub alerts: Vec<AlertView>,
    pub count: usize,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    pub conclusion: Conclusion,
}

impl Concluded for ListAlertsOutput {
    fn conclusion(&self) -> &Conclusion {
        &self.conclusion
    }
}

pub struct ListAlerts;

impl Tool for ListAlerts {
    const NAME: &'static str = "list_alerts";
    const TITLE: &'static str = "List alerts";
    const DESCRIPTION: &'static str = "List limit-breach alerts (one per breach episode), newest first, filtered by \
        desk, status, open episodes only, or awaiting the risk manager's ack; cursor pagination, at most 500 per page.";
    const OPEN_WORLD: bool = false;
    type Input = ListAlertsInput;
    type Output = ListAlertsOutput;

    async fn run(tools: &Tools, input: ListAlertsInput, _call: &CallCtx) -> Result<ListAlertsOutput, ToolError> {
        let limit = page_size(input.limit, tools.settings().default_page_size)?;
        let desk = input.desk.as_deref().map(|d| name_arg("desk", d, 64)).transpose()?;
        let fp = format!("{desk:?}|{:?}|{:?}|{:?}", input.status, input.open_only, input.awaiting_ack);
        let after = input.cursor.as_deref().map(|c| decode_cursor(c, &fp)).transpose()?;
        let filter = AlertFilter {
            desk: desk.clone(),
            status: input.status.map(Into::into),
            open_only: input.open_only.unwrap_or(false),
            awaiting_ack: input.awaiting_ack.unwrap_or(false),
            after,
            limit: limit + 1,
        };
        let mut rows = page(tools.db(), &filter).await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = match (more, rows.last()) {
            (true, Some(a)) => Some(encode_cursor(a.opened_at, &a.alert_id, &fp)),
            _ => None,
        };
        let alerts: Vec<AlertView> = rows.iter().map(AlertView::of).collect();
        let mut out = ListAlertsOutput {
            count: alerts.len(),
            alerts,
            next_cursor,
            conclusion: Conclusion::deterministic(String::new()),
        };
        let text = list_template(&out, desk.as_deref());
        out.conclusion = tools.conclude(Self::NAME, &out, text).await;
        Ok(out)
    }
}

fn list_template(out: &ListAlertsOutput, desk: Option<&str>) -> String {
    let scope = desk.map(|d| format!(" for desk {d}")).unwrap_or_default();
    if out.alerts.is_empty() {
        return format!("No alerts{scope} match.");
    }
    let open = out.alerts.iter().filter(|a| a.resolved_at.is_none()).count();
    let unacked = out.alerts.iter().filter(|a| a.status == StatusName::Delivered).count();
    let newest = &out.alerts[0];
    format!(
        "{} alert(s){scope} on this page: {open} still open, {unacked} delivered and awaiting ack. Newest: desk {} {} \
         opened {} (value {} vs limit {}), status {}.{}",
        out.count,
        newest.desk,
        super::text::metric(newest.metric),
        newest.opened_at.0.format("%Y-%m-%d %H:%M:%SZ"),
        super::text::amount(&newest.value),
        super::text::amount(&newest.limit_value),
        serde_json::to_value(newest.status).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        if out.next_cursor.is_some() { " More follow: pass next_cursor." } else { "" }
    )
}

fn encode_cursor(at: DateTime<Utc>, id: &str, fp: &str) -> String {
    format!("{}|{id}|{:016x}", at.timestamp_micros(), fnv(fp)).bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(text: &str, fp: &str) -> Result<(DateTime<Utc>, String), ToolError> {
    let bad = || ToolError::input("cursor", "not a cursor returned by list_alerts with these filters");
    let bytes = (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)?;
    let s = String::from_utf8(bytes).map_err(|_| bad())?;
    let mut parts = s.splitn(3, '|');
    let (Some(micros), Some(id), Some(f)) = (parts.next(), parts.next(), parts.next()) else { return Err(bad()) };
    if f != format!("{:016x}", fnv(fp)) {
        return Err(bad());
    }
    let at = micros.parse().ok().and_then(DateTime::<Utc>::from_timestamp_micros).ok_or_else(bad)?;
    Ok((at, id.to_owned()))
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Arguments of `get_alert`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetAlertInput {
    /// The alert's id (a UUID, as in the webhook's `alert_id`).
    #[schemars(length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub alert_id: String,
}

/// One alert with its analysis and delivery history.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GetAlertOutput {
    pub alert: AlertView,
    /// The analysis the llm-analyzer wrote (structure of its own; null until analysed).
    pub analysis: Option<serde_json::Value>,
    /// Every webhook sent for the alert (breach, reminders, resolution), oldest first.
    pub deliveries: Vec<DeliveryView>,
    pub conclusion: Conclusion,
}

impl Concluded for GetAlertOutput {
    fn conclusion(&self) -> &Conclusion {
        &self.conclusion
    }
}

/// One webhook of an alert.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DeliveryView {
    /// The `webhook-id`; the risk manager acks with it.
    pub delivery_id: String,
    /// `breach`, `reminder` or `resolved`.
    pub kind: String,
    pub reminder: i32,
    /// `pending`, `delivered`, `failed` or `cancelled`.
    pub status: String,
    pub attempts: i32,
    pub created_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub attempt_log: Vec<AttemptView>,
}

/// One attempt to send a webhook.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AttemptView {
    pub attempt_no: i32,
    pub started_at: Timestamp,
    /// HTTP status answered (null when there was no answer).
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    /// `delivered`, `retry` or `failed`.
    pub outcome: String,
    pub error: Option<String>,
}

pub struct GetAlert;

impl Tool for GetAlert {
    const NAME: &'static str = "get_alert";
    const TITLE: &'static str = "Get alert";
    const DESCRIPTION: &'static str = "One limit-breach alert by alert_id: the episode (desk, metric, value, limit, \
        opened/resolved), its status and acknowledgement, the analysis, and the history of every webhook delivery \
        with each attempt.";
    const OPEN_WORLD: bool = false;
    type Input = GetAlertInput;
    type Output = GetAlertOutput;

    async fn run(tools: &Tools, input: GetAlertInput, _call: &CallCtx) -> Result<GetAlertOutput, ToolError> {
        let id = name_arg("alert_id", &input.alert_id, 64)?;
        let (alert, (deliveries, attempts)) = futures::try_join!(find(tools.db(), &id), deliveries(tools.db(), &id))?;
        let alert = alert.ok_or_else(|| ToolError::NotFound(format!("no alert with alert_id `{id}`")))?;
        let deliveries: Vec<DeliveryView> = deliveries
            .into_iter()
            .map(|d| DeliveryView {
                attempt_log: attempts
                    .iter()
                    .filter(|a| a.delivery_id == d.delivery_id)
                    .map(|a| AttemptView {
                        attempt_no: a.attempt_no,
                        started_at: Timestamp(a.started_at),
                        status_code: a.status_code,
                        latency_ms: a.latency_ms,
                        outcome: a.outcome.clone(),
                        error: a.error.clone(),
                    })
                    .collect(),
                delivery_id: d.delivery_id,
                kind: d.kind,
                reminder: d.reminder,
                status: d.status,
                attempts: d.attempts,
                created_at: Timestamp(d.created_at),
                delivered_at: d.delivered_at.map(Timestamp),
                next_attempt_at: Timestamp(d.next_attempt_at),
                last_error: d.last_error,
            })
            .collect();
        let mut out = GetAlertOutput {
            alert: AlertView::of(&alert),
            analysis: alert.analysis.clone(),
            deliveries,
            conclusion: Conclusion::deterministic(String::new()),
        };
        let text = alert_template(&out);
        out.conclusion = tools.conclude(Self::NAME, &out, text).await;
        Ok(out)
    }
}

fn alert_template(out: &GetAlertOutput) -> String {
    let a = &out.alert;
    let episode = match &a.resolved_at {
        None => "the episode is still open".to_owned(),
        Some(t) => format!("the episode resolved at {}", t.0.format("%Y-%m-%d %H:%M:%SZ")),
    };
    let ack = match (&a.acked_at, &a.acked_by) {
        (Some(t), by) => format!(
            "acknowledged at {}{}",
            t.0.format("%Y-%m-%d %H:%M:%SZ"),
            by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default()
        ),
        (None, _) => "not acknowledged".to_owned(),
    };
    let sent = out.deliveries.iter().filter(|d| d.attempts > 0).count();
    let mut s = format!(
        "Alert {}: desk {} {} reached {} against a limit of {} at {}; {episode}; {ack}. {} webhook(s), {sent} sent.",
        a.alert_id,
        a.desk,
        super::text::metric(a.metric),
        super::text::amount(&a.value),
        super::text::amount(&a.limit_value),
        a.opened_at.0.format("%Y-%m-%d %H:%M:%SZ"),
        out.deliveries.len(),
    );
    if let Some(summary) = &a.summary {
        s.push_str(" Analysis: ");
        s.push_str(summary);
    }
    s
}
