//! What every Kafka-consuming service shares at start: the `migrate` and `create-topics`
//! subcommands, and the standard readiness checks (MySQL, Kafka, schema registry).

use crate::{KafkaError, KafkaSettings};
use riskmonitor_db::{DatabaseSettings, MySqlPool};
use riskmonitor_runtime::Readiness;
use riskmonitor_runtime::service::BoxError;

/// Runs `command` if it is one of the setup subcommands; `None` for `run`.
pub async fn setup_command(
    command: &str,
    db: &DatabaseSettings,
    kafka: &KafkaSettings,
) -> Option<Result<(), BoxError>> {
    match command {
        "migrate" => Some(
            async {
                let pool = riskmonitor_db::connect(db)?;
                riskmonitor_db::migrate(&pool).await?;
                tracing::info!(event = "migrated", "migrations applied");
                Ok(())
            }
            .await,
        ),
        "create-topics" => Some(
            async {
                crate::admin::ensure_topics(kafka, &kafka.topics.all()).await?;
                tracing::info!(event = "topics_ready", "topics exist");
                Ok(())
            }
            .await,
        ),
        _ => None,
    }
}

/// `/readyz` is 200 only while MySQL, the brokers and the registry answer.
pub fn readiness_checks(readiness: &Readiness, pool: MySqlPool, kafka: &KafkaSettings) -> Result<(), KafkaError> {
    readiness.add_check("mysql", riskmonitor_db::readiness_check(pool));
    readiness.add_check("kafka", crate::consumer::readiness_check(kafka)?);
    readiness.add_check("schema_registry", crate::admin::registry_readiness_check(kafka));
    Ok(())
}
