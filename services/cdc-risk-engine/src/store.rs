//! The engine's MySQL work. One transaction per batch: lock and read the stored state of the
//! batch's positions, write their new state, add the desk deltas, evaluate the touched desks'
//! limits and open or resolve episodes (alert + outbox row in the same transaction). Kafka
//! offsets are committed by the caller only after this commits.
//!
//! Locks are always taken in the same order (positions by id, then desks by name, then alerts),
//! so replicas working on the same desks queue instead of deadlocking; a deadlock or lock wait
//! timeout that still happens is retried by the caller.

use crate::evaluate::{Decision, Limit, decide};
use crate::state::{DeskDelta, OrderingKey, Plan, StoredPosition};
use bigdecimal::BigDecimal;
use riskmonitor_domain::{AlertStatus, Exposure, Metric};
use riskmonitor_kafka::AlertEvent;
use sqlx::{MySqlConnection, MySqlPool, QueryBuilder, Row};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;

/// Rows per multi-row statement (MySQL allows 65,535 placeholders).
const CHUNK: usize = 5_000;

#[derive(Clone)]
pub struct Store {
    pool: MySqlPool,
    analysis_topic: String,
}

/// An episode opened or resolved in a committed transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    Opened {
        alert_id: String,
        desk: String,
        metric: Metric,
        value: BigDecimal,
        limit_value: BigDecimal,
        trace_id: Option<String>,
    },
    Resolved {
        alert_id: String,
        desk: String,
        metric: Metric,
        value: BigDecimal,
    },
}

impl Store {
    pub fn new(pool: MySqlPool, analysis_topic: String) -> Self {
        Self { pool, analysis_topic }
    }

    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    /// Applies a batch (the newest change per position) and evaluates touched desks, atomically.
    pub async fn apply(
        &self,
        newest: &BTreeMap<i64, riskmonitor_domain::PositionChange>,
    ) -> Result<(Plan, Vec<Transition>), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let ids: Vec<i64> = newest.keys().copied().collect();
        let stored = load_positions(&mut tx, &ids).await?;
        let plan = crate::state::plan(newest, &stored);
        upsert_positions(&mut tx, &plan.upserts).await?;
        let changed: Vec<String> = plan.desks.iter().filter(|(_, d)| !is_zero(d)).map(|(k, _)| k.clone()).collect();
        add_desk_deltas(&mut tx, &plan.desks).await?;
        let transitions = if changed.is_empty() { Vec::new() } else { self.evaluate(&mut tx, &changed).await? };
        tx.commit().await?;
        Ok((plan, transitions))
    }

    /// Evaluates `desks` (all of their metrics) in a transaction of its own: used when limits
    /// change and for the periodic full evaluation.
    pub async fn evaluate_desks(&self, desks: &[String]) -> Result<Vec<Transition>, sqlx::Error> {
        if desks.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        let transitions = self.evaluate(&mut tx, desks).await?;
        tx.commit().await?;
        Ok(transitions)
    }

    /// Desks that have a limit or an open episode (the set the full evaluation covers).
    pub async fn desks_to_watch(&self) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT desk FROM risk_limits UNION SELECT desk FROM alerts WHERE open_flag = 1 ORDER BY desk",
        )
        .fetch_all(&self.pool)
        .await
    }

    async fn evaluate(&self, conn: &mut MySqlConnection, desks: &[String]) -> Result<Vec<Transition>, sqlx::Error> {
        let mut sorted: Vec<&String> = desks.iter().collect();
        sorted.sort();
        sorted.dedup();
        let values = lock_desk_values(conn, &sorted).await?;
        let limits = load_limits(conn, &sorted).await?;
        let open = load_open_alerts(conn, &sorted).await?;
        let mut transitions = Vec::new();
        for desk in sorted {
            let exposure = values.get(desk.as_str()).cloned().unwrap_or_default();
            for metric in Metric::ALL {
                let key = (desk.clone(), metric);
                let value = exposure.get(metric);
                let open_alert = open.get(&key);
                match decide(value, limits.get(&key), open_alert.is_some()) {
                    Decision::Nothing => {}
                    Decision::Open => {
                        if let Some(limit) = limits.get(&key)
                            && let Some(t) = self.open_episode(conn, desk, metric, value, limit).await?
                        {
                            transitions.push(t);
                        }
                    }
                    Decision::Resolve => {
                        if let Some(alert_id) = open_alert {
                            sqlx::query(
                                "UPDATE alerts SET resolved_at = CURRENT_TIMESTAMP(6), resolved_value = ? \
                                 WHERE alert_id = ? AND resolved_at IS NULL",
                            )
                            .bind(value)
                            .bind(alert_id)
                            .execute(&mut *conn)
                            .await?;
                            transitions.push(Transition::Resolved {
                                alert_id: alert_id.clone(),
                                desk: desk.clone(),
                                metric,
                                value: value.clone(),
                            });
                        }
                    }
                }
            }
        }
        Ok(transitions)
    }

    /// Inserts the episode's alert and its outbox message. The unique key on open episodes
    /// makes a concurrent second opening fail with a duplicate key, which means "already open".
    async fn open_episode(
        &self,
        conn: &mut MySqlConnection,
        desk: &str,
        metric: Metric,
        value: &BigDecimal,
        limit: &Limit,
    ) -> Result<Option<Transition>, sqlx::Error> {
        let alert_id = uuid::Uuid::now_v7().to_string();
        // Each alert starts a trace of its own; its context travels with the alert.
        let span = tracing::info_span!(parent: None, "alert", alert_id = %alert_id, desk, metric = metric.as_str(), trace_id = tracing::field::Empty);
        riskmonitor_runtime::telemetry::record_trace_id(&span);
        let traceparent = riskmonitor_runtime::telemetry::traceparent(&span)
            .unwrap_or_else(riskmonitor_runtime::telemetry::new_traceparent);
        let inserted = sqlx::query(
            "INSERT INTO alerts (alert_id, desk, metric, status, value, limit_value, resolve_ratio, traceparent) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&alert_id)
        .bind(desk)
        .bind(metric.as_str())
        .bind(AlertStatus::PendingAnalysis.as_str())
        .bind(value)
        .bind(&limit.limit_value)
        .bind(&limit.resolve_ratio)
        .bind(&traceparent)
        .execute(&mut *conn)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if riskmonitor_db::pool::is_duplicate_key(&e) => return Ok(None),
            Err(e) => return Err(e),
        }
        let event = AlertEvent {
            alert_id: alert_id.clone(),
            desk: desk.to_owned(),
            metric: metric.as_str().to_owned(),
            status: AlertStatus::PendingAnalysis.as_str().to_owned(),
            traceparent: Some(traceparent.clone()),
            produced_at_ms: chrono::Utc::now().timestamp_millis(),
        };
        riskmonitor_kafka::outbox::enqueue(conn, &self.analysis_topic, &event).await?;
        Ok(Some(Transition::Opened {
            alert_id,
            desk: desk.to_owned(),
            metric,
            value: value.clone(),
            limit_value: limit.limit_value.clone(),
            trace_id: traceparent.split('-').nth(1).map(str::to_owned),
        }))
    }
}

fn is_zero(d: &DeskDelta) -> bool {
    d.positions == 0 && d.exposure.is_zero()
}

async fn load_positions(conn: &mut MySqlConnection, ids: &[i64]) -> Result<BTreeMap<i64, StoredPosition>, sqlx::Error> {
    let mut stored = BTreeMap::new();
    for chunk in ids.chunks(CHUNK) {
        let mut q = QueryBuilder::new(
            "SELECT position_id, desk, gross_notional, net_delta, vega, src_file_seq, src_pos, src_row, src_phase \
             FROM engine_positions WHERE position_id IN (",
        );
        let mut list = q.separated(",");
        for id in chunk {
            list.push_bind(*id);
        }
        q.push(") ORDER BY position_id FOR UPDATE");
        for row in q.build().fetch_all(&mut *conn).await? {
            let key: OrderingKey = (
                row.try_get::<u64, _>("src_file_seq")?,
                row.try_get::<u64, _>("src_pos")?,
                row.try_get::<u32, _>("src_row")?,
                row.try_get::<u8, _>("src_phase")?,
            );
            stored.insert(
                row.try_get("position_id")?,
                StoredPosition {
                    desk: row.try_get("desk")?,
                    exposure: Exposure {
                        gross_notional: row.try_get("gross_notional")?,
                        net_delta: row.try_get("net_delta")?,
                        vega: row.try_get("vega")?,
                    },
                    key,
                },
            );
        }
    }
    Ok(stored)
}

async fn upsert_positions(conn: &mut MySqlConnection, rows: &BTreeMap<i64, StoredPosition>) -> Result<(), sqlx::Error> {
    let rows: Vec<(&i64, &StoredPosition)> = rows.iter().collect();
    for chunk in rows.chunks(CHUNK) {
        let mut q = QueryBuilder::new(
            "INSERT INTO engine_positions (position_id, desk, gross_notional, net_delta, vega, \
             src_file_seq, src_pos, src_row, src_phase) ",
        );
        q.push_values(chunk, |mut b, (id, s)| {
            b.push_bind(**id)
                .push_bind(s.desk.as_deref())
                .push_bind(&s.exposure.gross_notional)
                .push_bind(&s.exposure.net_delta)
                .push_bind(&s.exposure.vega)
                .push_bind(s.key.0)
                .push_bind(s.key.1)
                .push_bind(s.key.2)
                .push_bind(s.key.3);
        });
        q.push(
            " ON DUPLICATE KEY UPDATE desk = VALUES(desk), gross_notional = VALUES(gross_notional), \
             net_delta = VALUES(net_delta), vega = VALUES(vega), src_file_seq = VALUES(src_file_seq), \
             src_pos = VALUES(src_pos), src_row = VALUES(src_row), src_phase = VALUES(src_phase)",
        );
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn add_desk_deltas(conn: &mut MySqlConnection, desks: &BTreeMap<String, DeskDelta>) -> Result<(), sqlx::Error> {
    let rows: Vec<(&String, &DeskDelta)> = desks.iter().filter(|(_, d)| !is_zero(d)).collect();
    for chunk in rows.chunks(CHUNK) {
        let mut q =
            QueryBuilder::new("INSERT INTO desk_exposures (desk, gross_notional, net_delta, vega, position_count) ");
        q.push_values(chunk, |mut b, (desk, d)| {
            b.push_bind(desk.as_str())
                .push_bind(&d.exposure.gross_notional)
                .push_bind(&d.exposure.net_delta)
                .push_bind(&d.exposure.vega)
                .push_bind(d.positions);
        });
        q.push(
            " ON DUPLICATE KEY UPDATE gross_notional = gross_notional + VALUES(gross_notional), \
             net_delta = net_delta + VALUES(net_delta), vega = vega + VALUES(vega), \
             position_count = position_count + VALUES(position_count)",
        );
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn lock_desk_values(
    conn: &mut MySqlConnection,
    desks: &[&String],
) -> Result<HashMap<String, Exposure>, sqlx::Error> {
    let mut q = QueryBuilder::new("SELECT desk, gross_notional, net_delta, vega FROM desk_exposures WHERE desk IN (");
    let mut list = q.separated(",");
    for desk in desks {
        list.push_bind(desk.as_str());
    }
    q.push(") ORDER BY desk FOR UPDATE");
    let mut values = HashMap::new();
    for row in q.build().fetch_all(&mut *conn).await? {
        values.insert(
            row.try_get("desk")?,
            Exposure {
                gross_notional: row.try_get("gross_notional")?,
                net_delta: row.try_get("net_delta")?,
                vega: row.try_get("vega")?,
            },
        );
    }
    Ok(values)
}

async fn load_limits(
    conn: &mut MySqlConnection,
    desks: &[&String],
) -> Result<HashMap<(String, Metric), Limit>, sqlx::Error> {
    let mut q = QueryBuilder::new("SELECT desk, metric, limit_value, resolve_ratio FROM risk_limits WHERE desk IN (");
    let mut list = q.separated(",");
    for desk in desks {
        list.push_bind(desk.as_str());
    }
    q.push(")");
    let mut limits = HashMap::new();
    for row in q.build().fetch_all(&mut *conn).await? {
        let metric: String = row.try_get("metric")?;
        let Ok(metric) = Metric::from_str(&metric) else { continue };
        limits.insert(
            (row.try_get("desk")?, metric),
            Limit { limit_value: row.try_get("limit_value")?, resolve_ratio: row.try_get("resolve_ratio")? },
        );
    }
    Ok(limits)
}

async fn load_open_alerts(
    conn: &mut MySqlConnection,
    desks: &[&String],
) -> Result<HashMap<(String, Metric), String>, sqlx::Error> {
    let mut q = QueryBuilder::new("SELECT alert_id, desk, metric FROM alerts WHERE open_flag = 1 AND desk IN (");
    let mut list = q.separated(",");
    for desk in desks {
        list.push_bind(desk.as_str());
    }
    q.push(") FOR UPDATE");
    let mut open = HashMap::new();
    for row in q.build().fetch_all(&mut *conn).await? {
        let metric: String = row.try_get("metric")?;
        let Ok(metric) = Metric::from_str(&metric) else { continue };
        open.insert((row.try_get("desk")?, metric), row.try_get("alert_id")?);
    }
    Ok(open)
}

/// Every desk's aggregates (for tests and tools).
pub async fn desk_exposures(pool: &MySqlPool) -> Result<BTreeMap<String, (Exposure, i64)>, sqlx::Error> {
    let rows = sqlx::query("SELECT desk, gross_notional, net_delta, vega, position_count FROM desk_exposures")
        .fetch_all(pool)
        .await?;
    let mut out = BTreeMap::new();
    for row in rows {
        out.insert(
            row.try_get("desk")?,
            (
                Exposure {
                    gross_notional: row.try_get::<BigDecimal, _>("gross_notional")?.normalized(),
                    net_delta: row.try_get::<BigDecimal, _>("net_delta")?.normalized(),
                    vega: row.try_get::<BigDecimal, _>("vega")?.normalized(),
                },
                row.try_get("position_count")?,
            ),
        );
    }
    Ok(out)
}

/// Desks named in `transitions` (for logging).
pub fn desks_of(transitions: &[Transition]) -> BTreeSet<&str> {
    transitions
        .iter()
        .map(|t| match t {
            Transition::Opened { desk, .. } | Transition::Resolved { desk, .. } => desk.as_str(),
        })
        .collect()
}
