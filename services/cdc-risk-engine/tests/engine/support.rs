//! spawn_app, position writers and the independent recomputation of desk aggregates.

use bigdecimal::BigDecimal;
use cdc_risk_engine::settings::EngineSettings;
use cdc_risk_engine::{Application, Settings};
use riskmonitor_domain::Exposure;
use riskmonitor_runtime::{Readiness, Shutdown};
use riskmonitor_testkit::{TestDb, TestEnv, unique, wait_until};
use sqlx::{MySqlPool, Row};
use std::collections::BTreeMap;
use std::time::Duration;

pub struct Engine {
    pub shutdown: Shutdown,
    pub handle: tokio::task::JoinHandle<()>,
}

impl Engine {
    pub async fn stop(self) {
        self.shutdown.trigger();
        let _ = tokio::time::timeout(Duration::from_secs(20), self.handle).await;
    }
}

/// One test's world: its own state database, alert topics, desks and position ids; the CDC
/// topic is the stack's `positions_cdc` unless changed.
pub struct World {
    pub env: TestEnv,
    pub db: TestDb,
    /// The captured database (`riskmonitor`) the trading systems write.
    pub source: MySqlPool,
    pub settings: Settings,
    pub tag: String,
    next_id: i64,
}

impl World {
    pub async fn new() -> Self {
        riskmonitor_testkit::init_tracing();
        let env = TestEnv::from_env();
        let db = TestDb::create(&env).await;
        let tag = unique("e");
        let kafka = env.kafka_settings(&tag);
        riskmonitor_testkit::kafka::create_topics(&kafka).await;
        let source = MySqlPool::connect(&env.captured_database_url()).await.expect("captured db");
        let settings = Settings {
            admin: riskmonitor_runtime::admin::AdminSettings::with_port(0),
            database: db.settings(),
            kafka,
            engine: EngineSettings {
                group_id: unique("engine-"),
                batch_linger_ms: 10,
                limits_poll_ms: 200,
                full_evaluation_secs: 5,
                outbox_poll_ms: 100,
                ..EngineSettings::default()
            },
            ..Settings::default()
        };
        // Position ids of this test: a random block of a million.
        let base = (uuid::Uuid::new_v4().as_u128() % 1_000_000_000) as i64 * 1_000_000 + 1;
        Self { env, db, source, settings, tag, next_id: base }
    }

    pub fn desk(&self, name: &str) -> String {
        format!("{}-{name}", self.tag)
    }

    pub async fn spawn(&self) -> Engine {
        self.spawn_with(self.settings.clone()).await
    }

    pub async fn spawn_with(&self, settings: Settings) -> Engine {
        let shutdown = Shutdown::new();
        let app = Application::build(settings, Readiness::new(), shutdown.clone()).await.expect("build engine");
        let handle = tokio::spawn(async move {
            app.run_until_stopped().await.expect("engine run");
        });
        Engine { shutdown, handle }
    }

    /// Inserts a linear position: notional = quantity * multiplier * price, delta 1, vega 0.
    pub async fn insert(&mut self, desk: &str, quantity: &str, price: &str) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        sqlx::query(
            "INSERT INTO positions (position_id, desk, instrument_id, instrument_type, underlying, quantity, multiplier, price, delta, vega) \
             VALUES (?, ?, ?, 'FUTURE', 'SPX', ?, 1, ?, 1, 0)",
        )
        .bind(id)
        .bind(desk)
        .bind(format!("FUT-{id}"))
        .bind(quantity)
        .bind(price)
        .execute(&self.source)
        .await
        .expect("insert position");
        id
    }

    /// Inserts an option with every column set.
    pub async fn insert_option(&mut self, desk: &str, q: &str, m: &str, p: &str, delta: &str, vega: &str) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        sqlx::query(
            "INSERT INTO positions (position_id, desk, instrument_id, instrument_type, underlying, quantity, multiplier, price, \
             delta, vega, option_type, strike, expiry, currency) \
             VALUES (?, ?, ?, 'OPTION', 'SPX', ?, ?, ?, ?, ?, 'CALL', 5000, '2027-06-18', 'USD')",
        )
        .bind(id)
        .bind(desk)
        .bind(format!("OPT-{id}"))
        .bind(q)
        .bind(m)
        .bind(p)
        .bind(delta)
        .bind(vega)
        .execute(&self.source)
        .await
        .expect("insert option");
        id
    }

    pub async fn exec(&self, sql: &str) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&self.source).await.expect(sql);
    }

    pub async fn set_limit(&self, desk: &str, metric: &str, limit: &str) {
        sqlx::query(
            "INSERT INTO risk_limits (desk, metric, limit_value) VALUES (?, ?, ?) \
             ON DUPLICATE KEY UPDATE limit_value = VALUES(limit_value)",
        )
        .bind(desk)
        .bind(metric)
        .bind(limit)
        .execute(&self.db.pool)
        .await
        .expect("set limit");
    }

    /// The contract's aggregates recomputed independently from `positions`.
    pub async fn expected(&self, desks: &[String]) -> BTreeMap<String, (Exposure, i64)> {
        let positions = riskmonitor_db::positions::on_desks(&self.source, desks).await.expect("positions");
        let mut out: BTreeMap<String, (Exposure, i64)> = BTreeMap::new();
        for p in positions {
            let entry = out.entry(p.desk.clone()).or_default();
            entry.0 = &entry.0 + &Exposure::of(&p);
            entry.1 += 1;
        }
        out
    }

    /// The engine's aggregates for `desks` (desks with no position left are omitted).
    pub async fn actual(&self, pool: &MySqlPool, desks: &[String]) -> BTreeMap<String, (Exposure, i64)> {
        let all = cdc_risk_engine::store::desk_exposures(pool).await.expect("desk_exposures");
        all.into_iter().filter(|(d, (_, n))| desks.contains(d) && *n != 0).collect()
    }

    /// Waits until the engine's aggregates equal the recomputation.
    pub async fn converged(
        &self,
        pool: &MySqlPool,
        desks: &[String],
        timeout: Duration,
    ) -> BTreeMap<String, (Exposure, i64)> {
        let expected = self.expected(desks).await;
        let start = std::time::Instant::now();
        loop {
            let actual = self.actual(pool, desks).await;
            if actual == expected {
                return actual;
            }
            if start.elapsed() > timeout {
                panic!("aggregates did not converge in {timeout:?}\nexpected {expected:#?}\nactual {actual:#?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn alerts(
        &self,
        pool: &MySqlPool,
        desk: &str,
    ) -> Vec<(String, String, Option<chrono::DateTime<chrono::Utc>>)> {
        sqlx::query("SELECT alert_id, CAST(metric AS CHAR) AS metric, resolved_at FROM alerts WHERE desk = ? ORDER BY opened_at")
            .bind(desk)
            .fetch_all(pool)
            .await
            .expect("alerts")
            .into_iter()
            .map(|r| (r.get("alert_id"), r.get("metric"), r.get("resolved_at")))
            .collect()
    }

    pub async fn wait_alerts(
        &self,
        pool: &MySqlPool,
        desk: &str,
        n: usize,
    ) -> Vec<(String, String, Option<chrono::DateTime<chrono::Utc>>)> {
        wait_until(&format!("{n} alert(s) on {desk}"), Duration::from_secs(30), || async {
            let a = self.alerts(pool, desk).await;
            (a.len() >= n).then_some(a)
        })
        .await
    }
}

pub fn d(s: &str) -> BigDecimal {
    s.parse().expect("decimal")
}
