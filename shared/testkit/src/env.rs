//! Where the stack listens, and throwaway databases.

use sqlx::{Connection, MySqlConnection, MySqlPool};

#[derive(Debug, Clone)]
pub struct TestEnv {
    /// Server URL without a database (the test user may create `riskmonitor_t_*` databases).
    pub database_url: String,
    pub brokers: String,
    /// Apicurio base URL (`/apis/ccompat/v7` is appended for Confluent-compatible clients).
    pub registry_url: String,
    pub connect_url: String,
    pub dbz_user: String,
    pub dbz_password: String,
    pub mariadb_port: u16,
}

fn var(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

impl TestEnv {
    pub fn from_env() -> Self {
        Self {
            database_url: var("RISKMONITOR_TEST_DATABASE_URL", "mysql://riskmonitor:riskmonitor-dev@127.0.0.1:13306"),
            brokers: var("RISKMONITOR_TEST_BROKERS", "127.0.0.1:19092"),
            registry_url: var("RISKMONITOR_TEST_REGISTRY_URL", "http://127.0.0.1:18081"),
            connect_url: var("RISKMONITOR_TEST_CONNECT_URL", "http://127.0.0.1:18083"),
            dbz_user: var("RISKMONITOR_TEST_DBZ_USER", "debezium"),
            dbz_password: var("RISKMONITOR_TEST_DBZ_PASSWORD", "debezium-dev"),
            mariadb_port: var("RISKMONITOR_TEST_MARIADB_PORT", "13306").parse().unwrap_or(13306),
        }
    }

    pub fn ccompat_url(&self) -> String {
        format!("{}/apis/ccompat/v7", self.registry_url.trim_end_matches('/'))
    }

    /// URL of the database Debezium captures (`riskmonitor`).
    pub fn captured_database_url(&self) -> String {
        format!("{}/riskmonitor", self.database_url.trim_end_matches('/'))
    }

    /// Kafka settings pointing at this stack, with every alert and dead-letter topic made unique
    /// to the caller (the CDC topic stays `positions_cdc` unless changed by the test).
    pub fn kafka_settings(&self, tag: &str) -> riskmonitor_kafka::KafkaSettings {
        let mut k = riskmonitor_kafka::KafkaSettings {
            brokers: self.brokers.clone(),
            registry_url: self.ccompat_url(),
            ..Default::default()
        };
        let t = &mut k.topics;
        t.alerts_pending_analysis.name = format!("t.{tag}.alerts_pending_analysis");
        t.alerts_pending_delivery.name = format!("t.{tag}.alerts_pending_delivery");
        t.positions_cdc_dlq.name = format!("t.{tag}.positions_cdc.dlq");
        t.alerts_pending_analysis_dlq.name = format!("t.{tag}.alerts_pending_analysis.dlq");
        t.alerts_pending_delivery_dlq.name = format!("t.{tag}.alerts_pending_delivery.dlq");
        for spec in [
            &mut t.alerts_pending_analysis,
            &mut t.alerts_pending_delivery,
            &mut t.positions_cdc_dlq,
            &mut t.alerts_pending_analysis_dlq,
            &mut t.alerts_pending_delivery_dlq,
        ] {
            spec.partitions = 3;
            spec.retention_ms = 3_600_000;
        }
        k
    }
}

/// A short unique tag for names (databases, topics, desks, groups).
pub fn unique(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}{}", &id[..12])
}

/// A freshly created, migrated database of its own.
pub struct TestDb {
    pub name: String,
    pub url: String,
    pub pool: MySqlPool,
}

impl TestDb {
    pub async fn create(env: &TestEnv) -> Self {
        let name = unique("riskmonitor_t_");
        let mut conn = MySqlConnection::connect(&env.database_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach MariaDB at {} (is the stack up? dev/up): {e}", env.database_url));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        )))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("create database {name}: {e}"));
        let url = format!("{}/{name}", env.database_url.trim_end_matches('/'));
        let settings = riskmonitor_db::DatabaseSettings {
            url: riskmonitor_runtime::Secret::new(url.clone()),
            ..Default::default()
        };
        let pool = riskmonitor_db::connect(&settings).unwrap_or_else(|e| panic!("pool: {e}"));
        riskmonitor_db::migrate(&pool).await.unwrap_or_else(|e| panic!("migrate {name}: {e}"));
        Self { name, url, pool }
    }

    pub fn settings(&self) -> riskmonitor_db::DatabaseSettings {
        riskmonitor_db::DatabaseSettings {
            url: riskmonitor_runtime::Secret::new(self.url.clone()),
            ..Default::default()
        }
    }
}
