//! Pool, migrations, readiness and retry classification.

use futures::future::BoxFuture;
use riskmonitor_runtime::Secret;
use serde::{Deserialize, Serialize};
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::{ConnectOptions, MySqlPool};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `mysql://user:password@host:port/database`.
    pub url: Secret,
    pub max_connections: u32,
    pub min_connections: u32,
    pub acquire_timeout_secs: u64,
    /// SQL run on every new connection, e.g. `SET SESSION sql_log_bin = 0` where the DBA keeps
    /// the engine's own tables out of the binlog (needs BINLOG ADMIN).
    pub init_sql: Vec<String>,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: Secret::new("mysql://riskmonitor:riskmonitor-dev@127.0.0.1:13306/riskmonitor"),
            max_connections: 16,
            min_connections: 0,
            acquire_timeout_secs: 10,
            init_sql: Vec::new(),
        }
    }
}

impl DatabaseSettings {
    pub fn validate(&self) -> Result<(), riskmonitor_runtime::SettingsError> {
        MySqlConnectOptions::from_str(self.url.expose())
            .map_err(|e| riskmonitor_runtime::settings::reject("database.url", e.to_string()))?;
        if self.max_connections == 0 {
            return Err(riskmonitor_runtime::settings::reject("database.max_connections", "must be at least 1"));
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid database url: {0}")]
    Url(String),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl DbError {
    pub fn is_retryable(&self) -> bool {
        match self {
            DbError::Sqlx(e) => is_retryable(e),
            _ => false,
        }
    }
}

/// A lazily connecting pool: the service starts even while MySQL is down, and `/readyz` says so.
pub fn connect(settings: &DatabaseSettings) -> Result<MySqlPool, DbError> {
    let options = MySqlConnectOptions::from_str(settings.url.expose())
        .map_err(|e| DbError::Url(e.to_string()))?
        .log_statements(tracing::log::LevelFilter::Trace)
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(2));
    let init: std::sync::Arc<Vec<String>> = std::sync::Arc::new(settings.init_sql.clone());
    Ok(MySqlPoolOptions::new()
        .max_connections(settings.max_connections)
        .min_connections(settings.min_connections)
        .acquire_timeout(Duration::from_secs(settings.acquire_timeout_secs))
        .after_connect(move |conn, _meta| {
            let init = init.clone();
            Box::pin(async move {
                for sql in init.iter() {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(&mut *conn).await?;
                }
                Ok(())
            })
        })
        .connect_lazy_with(options))
}

/// Applies the embedded `migrations/` (idempotent; safe from several replicas at once, sqlx
/// takes a database lock).
pub async fn migrate(pool: &MySqlPool) -> Result<(), DbError> {
    sqlx::migrate!("../../migrations").run(pool).await?;
    Ok(())
}

/// A `/readyz` check: the database answers.
pub fn readiness_check(pool: MySqlPool) -> impl Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync {
    move || {
        let pool = pool.clone();
        Box::pin(
            async move { sqlx::query("SELECT 1").execute(&pool).await.map(|_| ()).map_err(|e| format!("mysql: {e}")) },
        )
    }
}

/// Errors worth retrying: deadlock (1213), lock wait timeout (1205), query interrupted by a
/// restart (1927/1053), and lost or refused connections.
pub fn is_retryable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            let code = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>().map(|m| m.number());
            matches!(code, Some(1213 | 1205 | 1927 | 1053 | 2006 | 2013))
        }
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => true,
        sqlx::Error::Protocol(_) => true,
        _ => false,
    }
}

/// True when `e` is a duplicate-key violation (1062).
pub fn is_duplicate_key(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>().map(|m| m.number()) == Some(1062)
        }
        _ => false,
    }
}
