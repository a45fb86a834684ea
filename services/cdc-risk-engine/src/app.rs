//! Wiring: settings -> pool, Kafka clients, decoder, outbox relay, readiness; then the consume
//! loop, the limit watcher and the relay run until SIGTERM, and the batch in flight drains.

use crate::Settings;
use riskmonitor_cdc::Decoder;
use riskmonitor_kafka::dlq::DeadLetters;
use riskmonitor_kafka::outbox::Relay;
use riskmonitor_kafka::{AlertCodec, KafkaError, consumer};
use riskmonitor_runtime::service::{BoxError, Context};
use riskmonitor_runtime::{Readiness, Shutdown};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Db(#[from] riskmonitor_db::DbError),
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    #[error("kafka: {0}")]
    Rdkafka(#[from] rdkafka::error::KafkaError),
    #[error("cdc decoder: {0}")]
    Decoder(String),
    #[error("internal: {0}")]
    Internal(String),
    #[error(transparent)]
    Admin(#[from] riskmonitor_runtime::admin::BindError),
}

/// What the engine's tasks share.
#[derive(Clone)]
pub struct Shared {
    pub settings: Arc<Settings>,
    pub store: crate::store::Store,
    pub decoder: Decoder,
    pub relay: Relay,
    pub dead_letters: DeadLetters,
}

pub struct Application {
    shared: Shared,
    consumer: consumer::GroupConsumer,
    admin_addr: SocketAddr,
    shutdown: Shutdown,
}

impl Application {
    pub async fn build(settings: Settings, readiness: Readiness, shutdown: Shutdown) -> Result<Self, EngineError> {
        let pool = riskmonitor_db::connect(&settings.database)?;
        let kafka = &settings.kafka;
        let timeout = Duration::from_millis(kafka.registry_timeout_ms);
        let decoder = Decoder::new(&kafka.registry_url, timeout).map_err(|e| EngineError::Decoder(e.to_string()))?;
        let producer = riskmonitor_kafka::producer::build(kafka, "cdc-risk-engine")?;
        let codec = AlertCodec::new(&kafka.registry_url, timeout)?;
        let relay =
            Relay::new(pool.clone(), producer.clone(), codec, Duration::from_millis(settings.engine.outbox_poll_ms));
        let dead_letters = DeadLetters::new(producer, &kafka.topics.positions_cdc_dlq.name, "cdc-risk-engine");
        let consumer = consumer::build(
            kafka,
            &settings.engine.group_id,
            "cdc-risk-engine",
            &kafka.topics.positions_cdc.name,
            &[("fetch.max.bytes", "52428800"), ("max.partition.fetch.bytes", "4194304")],
        )?;
        riskmonitor_kafka::setup::readiness_checks(&readiness, pool.clone(), kafka)?;
        let admin_addr = riskmonitor_runtime::admin::spawn(&settings.admin, readiness).await?;
        let store = crate::store::Store::new(pool, kafka.topics.alerts_pending_analysis.name.clone());
        let shared = Shared { settings: Arc::new(settings), store, decoder, relay, dead_letters };
        Ok(Self { shared, consumer, admin_addr, shutdown })
    }

    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    /// Runs until shutdown is triggered, then lets the batch in flight commit.
    pub async fn run_until_stopped(self) -> Result<(), EngineError> {
        let Self { shared, consumer, shutdown, .. } = self;
        let cancel = shutdown.token();
        let relay_task = shutdown.spawn(shared.relay.clone().run(cancel.clone()));
        let limits_task = shutdown.spawn(crate::limits::run(shared.clone(), cancel.clone()));
        let result = crate::consume::run(shared.clone(), consumer, cancel.clone()).await;
        if result.is_err() {
            // A fatal error stops the other tasks too; the orchestrator restarts the process.
            shutdown.trigger();
        }
        let grace = Duration::from_secs(shared.settings.engine.shutdown_grace_secs);
        let _ = tokio::time::timeout(grace, async {
            let _ = relay_task.await;
            let _ = limits_task.await;
        })
        .await;
        result
    }
}

pub async fn run(ctx: Context<Settings>) -> Result<(), BoxError> {
    let s = &ctx.settings;
    if let Some(done) = riskmonitor_kafka::setup::setup_command(&ctx.cli.command, &s.database, &s.kafka).await {
        return done;
    }
    let app = Application::build(ctx.settings, ctx.readiness, ctx.shutdown).await?;
    app.run_until_stopped().await?;
    Ok(())
}
