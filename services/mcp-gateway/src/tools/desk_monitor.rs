//! `desk_monitor`: every desk's metrics (the engine's aggregates), limits, utilisation and
//! headroom, open breach episodes and alerts awaiting an ack, worst first.

use super::views::{ExposureView, LimitCheck, MetricName, StatusName, Timestamp, limit_checks};
use super::{CallCtx, Concluded, Tool, Tools, name_arg};
use crate::conclusion::Conclusion;
use crate::decimal::Dec;
use crate::error::ToolError;
use riskmonitor_db::alerts::Alert;
use riskmonitor_domain::{AlertStatus, Exposure};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Arguments of `desk_monitor` (all optional).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeskMonitorInput {
    /// Only this desk.
    #[schemars(length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub desk: Option<String>,
    /// Only desks over a limit now or with an open breach episode (default false).
    pub only_breaching: Option<bool>,
}

/// Every desk, worst first.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DeskMonitorOutput {
    pub desks: Vec<DeskStatus>,
    pub desk_count: usize,
    /// Desks with a metric over its limit now.
    pub breaching: usize,
    /// Open breach episodes across the listed desks.
    pub open_episodes: usize,
    /// Alerts delivered and not yet acknowledged across the listed desks.
    pub awaiting_ack: usize,
    pub conclusion: Conclusion,
}

impl Concluded for DeskMonitorOutput {
    fn conclusion(&self) -> &Conclusion {
        &self.conclusion
    }
}

/// One desk.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DeskStatus {
    pub desk: String,
    pub position_count: i64,
    /// When the engine last changed these figures (null for a desk with limits and no positions yet).
    pub updated_at: Option<Timestamp>,
    pub exposure: ExposureView,
    /// Each limited metric against its limit.
    pub limits: Vec<LimitCheck>,
    /// The highest utilisation of the desk's limits (null without limits).
    pub worst_utilisation: Option<Dec>,
    /// Whether a metric is over its limit now.
    pub breached: bool,
    /// Breach episodes not yet resolved.
    pub open_episodes: Vec<EpisodeView>,
    /// Alerts delivered to the risk manager and not yet acknowledged.
    pub awaiting_ack: Vec<EpisodeView>,
}

/// A breach episode (= its alert), briefly.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EpisodeView {
    pub alert_id: String,
    pub metric: MetricName,
    pub status: StatusName,
    /// The metric's value when the episode opened.
    pub value: Dec,
    pub limit_value: Dec,
    pub opened_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
}

impl EpisodeView {
    fn of(a: &Alert) -> Self {
        Self {
            alert_id: a.alert_id.clone(),
            metric: a.metric.into(),
            status: a.status.into(),
            value: Dec::new(&a.value),
            limit_value: Dec::new(&a.limit_value),
            opened_at: Timestamp(a.opened_at),
            resolved_at: a.resolved_at.map(Timestamp),
        }
    }
}

pub struct DeskMonitor;

impl Tool for DeskMonitor {
    const NAME: &'static str = "desk_monitor";
    const TITLE: &'static str = "Desk monitor";
    const DESCRIPTION: &'static str = "Every desk's gross notional, net delta and vega (as the risk engine keeps them), \
        each against the desk's limit with utilisation and headroom, plus the desk's open breach episodes and the \
        alerts awaiting the risk manager's ack; worst utilisation first.";
    const OPEN_WORLD: bool = false;
    type Input = DeskMonitorInput;
    type Output = DeskMonitorOutput;

    async fn run(tools: &Tools, input: DeskMonitorInput, _call: &CallCtx) -> Result<DeskMonitorOutput, ToolError> {
        let desk = input.desk.as_deref().map(|d| name_arg("desk", d, 64)).transpose()?;
        let ttl = std::time::Duration::from_millis(tools.settings().desk_monitor_cache_ms);
        if ttl.is_zero() {
            return compute(tools, &input, desk).await;
        }
        let key = format!("{desk:?}/{:?}", input.only_breaching);
        let mut cache = tools.monitor_cache().lock().await;
        if let Some((at, out)) = cache.get(&key)
            && at.elapsed() < ttl
        {
            return Ok(out.clone());
        }
        let out = compute(tools, &input, desk).await?;
        cache.retain(|_, (at, _)| at.elapsed() < ttl);
        cache.insert(key, (std::time::Instant::now(), out.clone()));
        Ok(out)
    }
}

async fn compute(
    tools: &Tools,
    input: &DeskMonitorInput,
    desk: Option<String>,
) -> Result<DeskMonitorOutput, ToolError> {
    {
        let db = tools.db();
        let d = desk.as_deref();
        let (exposures, limits, alerts) = futures::try_join!(
            crate::store::desks::exposures(db, d),
            crate::store::limits::all(db, d),
            crate::store::desks::live_alerts(db, d),
        )?;
        let mut names: BTreeMap<String, ()> = BTreeMap::new();
        names.extend(exposures.iter().map(|e| (e.desk.clone(), ())));
        names.extend(limits.iter().map(|l| (l.desk.clone(), ())));
        let mut desks: Vec<DeskStatus> = names
            .into_keys()
            .map(|name| {
                let row = exposures.iter().find(|e| e.desk == name);
                let exposure = row.map(|r| r.exposure.clone()).unwrap_or_else(Exposure::default);
                let own: Vec<_> = limits.iter().filter(|l| l.desk == name).cloned().collect();
                let checks = limit_checks(&exposure, &own);
                let worst = checks.iter().filter_map(|c| c.utilisation.clone()).max();
                let mine = || alerts.iter().filter(|a| a.desk == name);
                DeskStatus {
                    position_count: row.map(|r| r.position_count).unwrap_or(0),
                    updated_at: row.map(|r| Timestamp(r.updated_at)),
                    exposure: ExposureView::from(&exposure),
                    breached: checks.iter().any(|c| c.breached),
                    limits: checks,
                    worst_utilisation: worst,
                    open_episodes: mine().filter(|a| a.resolved_at.is_none()).map(EpisodeView::of).collect(),
                    awaiting_ack: mine()
                        .filter(|a| a.status == AlertStatus::Delivered && a.acked_at.is_none())
                        .map(EpisodeView::of)
                        .collect(),
                    desk: name,
                }
            })
            .filter(|s| !input.only_breaching.unwrap_or(false) || s.breached || !s.open_episodes.is_empty())
            .collect();
        desks.sort_by(|a, b| {
            b.worst_utilisation
                .cmp(&a.worst_utilisation)
                .then(b.open_episodes.len().cmp(&a.open_episodes.len()))
                .then(a.desk.cmp(&b.desk))
        });
        let mut out = DeskMonitorOutput {
            desk_count: desks.len(),
            breaching: desks.iter().filter(|d| d.breached).count(),
            open_episodes: desks.iter().map(|d| d.open_episodes.len()).sum(),
            awaiting_ack: desks.iter().map(|d| d.awaiting_ack.len()).sum(),
            desks,
            conclusion: Conclusion::deterministic(String::new()),
        };
        let text = template(&out, desk.as_deref());
        out.conclusion = tools.conclude(DeskMonitor::NAME, &out, text).await;
        Ok(out)
    }
}

fn template(out: &DeskMonitorOutput, desk: Option<&str>) -> String {
    if out.desks.is_empty() {
        return match desk {
            Some(d) => format!("Desk {d} has no exposure and no limits on record."),
            None => "No desk has exposure or limits on record.".into(),
        };
    }
    let mut s = if out.breaching == 0 {
        format!("{} desk(s) monitored; none is over a limit now.", out.desk_count)
    } else {
        format!("{} desk(s) monitored; {} over a limit now.", out.desk_count, out.breaching)
    };
    if let Some(worst) = out.desks.first()
        && let Some(c) =
            worst.limits.iter().filter(|c| c.utilisation.is_some()).max_by(|a, b| a.utilisation.cmp(&b.utilisation))
        && let Some(u) = &c.utilisation
    {
        s.push_str(&format!(
            " Highest utilisation: desk {} {} at {} of its limit (headroom {}).",
            worst.desk,
            super::text::metric(c.metric),
            super::text::percent(u),
            super::text::amount(&c.headroom)
        ));
    }
    s.push_str(&format!(
        " {} open breach episode(s), {} alert(s) awaiting the risk manager's ack.",
        out.open_episodes, out.awaiting_ack
    ));
    s
}
