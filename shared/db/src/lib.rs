//! MySQL (MariaDB) access shared by the services: the connection pool, the embedded migrations
//! of `migrations/`, classification of retryable errors (deadlocks, lock waits, lost
//! connections), and the repositories more than one service uses.

pub mod alerts;
pub mod pool;
pub mod positions;

pub use pool::{DatabaseSettings, DbError, connect, is_retryable, migrate, readiness_check};
pub use sqlx::MySqlPool;
