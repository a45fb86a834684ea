//! Wiring of the analyzer.

use crate::Settings;
use crate::store::Store;
use riskmonitor_kafka::dlq::DeadLetters;
use riskmonitor_kafka::outbox::Relay;
use riskmonitor_kafka::{AlertCodec, KafkaError, consumer};
use riskmonitor_llm::LlmClient;
use riskmonitor_market::MarketClient;
use riskmonitor_runtime::service::{BoxError, Context};
use riskmonitor_runtime::{Readiness, Shutdown};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum AnalyzerError {
    #[error(transparent)]
    Db(#[from] riskmonitor_db::DbError),
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    #[error("llm client: {0}")]
    Llm(String),
    #[error("market client: {0}")]
    Market(String),
    #[error(transparent)]
    Admin(#[from] riskmonitor_runtime::admin::BindError),
}

#[derive(Clone)]
pub struct Shared {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub codec: AlertCodec,
    pub relay: Relay,
    pub dead_letters: DeadLetters,
    pub llm: Option<LlmClient>,
    pub market: MarketClient,
}

pub struct Application {
    shared: Shared,
    consumer: consumer::GroupConsumer,
    admin_addr: SocketAddr,
    shutdown: Shutdown,
}

impl Application {
    pub async fn build(settings: Settings, readiness: Readiness, shutdown: Shutdown) -> Result<Self, AnalyzerError> {
        let pool = riskmonitor_db::connect(&settings.database)?;
        let kafka = &settings.kafka;
        let a = &settings.analyzer;
        let timeout = Duration::from_millis(kafka.registry_timeout_ms);
        let codec = AlertCodec::new(&kafka.registry_url, timeout)?;
        let producer = riskmonitor_kafka::producer::build(kafka, "llm-analyzer")?;
        let relay = Relay::new(pool.clone(), producer.clone(), codec.clone(), Duration::from_millis(a.outbox_poll_ms));
        let dead_letters = DeadLetters::new(producer, &kafka.topics.alerts_pending_analysis_dlq.name, "llm-analyzer");
        let consumer =
            consumer::build(kafka, &a.group_id, "llm-analyzer", &kafka.topics.alerts_pending_analysis.name, &[])?;
        let llm = LlmClient::from_settings(&settings.llm).map_err(|e| AnalyzerError::Llm(e.to_string()))?;
        let market = MarketClient::new(&settings.market).map_err(|e| AnalyzerError::Market(e.to_string()))?;
        let store = Store {
            pool: pool.clone(),
            owner: format!("llm-analyzer-{}", uuid::Uuid::new_v4().simple()),
            lease: Duration::from_secs(a.claim_lease_secs),
            delivery_topic: kafka.topics.alerts_pending_delivery.name.clone(),
        };
        riskmonitor_kafka::setup::readiness_checks(&readiness, pool, kafka)?;
        let admin_addr = riskmonitor_runtime::admin::spawn(&settings.admin, readiness).await?;
        let shared = Shared { settings: Arc::new(settings), store, codec, relay, dead_letters, llm, market };
        Ok(Self { shared, consumer, admin_addr, shutdown })
    }

    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    pub async fn run_until_stopped(self) -> Result<(), AnalyzerError> {
        let Self { shared, consumer, shutdown, .. } = self;
        let cancel = shutdown.token();
        let relay = tokio::spawn(shared.relay.clone().run(cancel.clone()));
        let reconcile = tokio::spawn(crate::reconcile::run(shared.clone(), cancel.clone()));
        let grace = Duration::from_secs(shared.settings.analyzer.shutdown_grace_secs);
        let consume = crate::consume::run(shared.clone(), consumer, cancel.clone());
        // The consume loop returns after draining; bound the drain by the grace period.
        tokio::pin!(consume);
        tokio::select! {
            _ = &mut consume => {}
            _ = async { cancel.cancelled().await; tokio::time::sleep(grace).await } => {
                tracing::warn!(event = "drain_timeout", "analyses still in flight; their claims will expire");
            }
        }
        let _ = reconcile.await;
        let _ = tokio::time::timeout(Duration::from_secs(2), relay).await;
        Ok(())
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
