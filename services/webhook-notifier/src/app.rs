//! Wiring of the notifier: pool, consumer, dispatcher, scheduler, readiness, shutdown.

use crate::Settings;
use crate::dispatch::Dispatcher;
use crate::signing::Signer;
use crate::store::Store;
use riskmonitor_kafka::dlq::DeadLetters;
use riskmonitor_kafka::{AlertCodec, KafkaError, consumer};
use riskmonitor_runtime::service::{BoxError, Context};
use riskmonitor_runtime::{Readiness, Shutdown};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::task::TaskTracker;

#[derive(Debug, thiserror::Error)]
pub enum NotifierError {
    #[error(transparent)]
    Db(#[from] riskmonitor_db::DbError),
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    #[error("webhook signing secret: {0}")]
    Secret(#[from] crate::signing::SecretError),
    #[error("http client: {0}")]
    Http(#[from] reqwest::Error),
    #[error(transparent)]
    Admin(#[from] riskmonitor_runtime::admin::BindError),
}

#[derive(Clone)]
pub struct Shared {
    pub settings: Arc<Settings>,
    pub dispatcher: Dispatcher,
    pub codec: AlertCodec,
    pub dead_letters: DeadLetters,
}

pub struct Application {
    shared: Shared,
    consumer: consumer::GroupConsumer,
    admin_addr: SocketAddr,
    shutdown: Shutdown,
}

impl Application {
    pub async fn build(settings: Settings, readiness: Readiness, shutdown: Shutdown) -> Result<Self, NotifierError> {
        let pool = riskmonitor_db::connect(&settings.database)?;
        let kafka = &settings.kafka;
        let w = &settings.webhook;
        let signer = Signer::new(w.secrets.iter().map(|s| s.expose()))?;
        let owner = format!("webhook-notifier-{}", uuid::Uuid::new_v4().simple());
        let store = Store { pool: pool.clone(), owner, lease: Duration::from_secs(w.lease_secs) };
        let dispatcher = Dispatcher::new(Arc::new(w.clone()), signer, store)?;
        let codec = AlertCodec::new(&kafka.registry_url, Duration::from_millis(kafka.registry_timeout_ms))?;
        let producer = riskmonitor_kafka::producer::build(kafka, "webhook-notifier")?;
        let dead_letters =
            DeadLetters::new(producer, &kafka.topics.alerts_pending_delivery_dlq.name, "webhook-notifier");
        let consumer =
            consumer::build(kafka, &w.group_id, "webhook-notifier", &kafka.topics.alerts_pending_delivery.name, &[])?;
        riskmonitor_kafka::setup::readiness_checks(&readiness, pool, kafka)?;
        let admin_addr = riskmonitor_runtime::admin::spawn(&settings.admin, readiness).await?;
        let shared = Shared { settings: Arc::new(settings), dispatcher, codec, dead_letters };
        Ok(Self { shared, consumer, admin_addr, shutdown })
    }

    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    /// Runs until shutdown; then stops taking work and lets attempts in flight finish (up to
    /// the grace period; an unfinished attempt's lease expires and it is retried).
    pub async fn run_until_stopped(self) -> Result<(), NotifierError> {
        let Self { shared, consumer, shutdown, .. } = self;
        let cancel = shutdown.token();
        let tracker = TaskTracker::new();
        let scheduler = tokio::spawn(crate::scheduler::run(shared.clone(), tracker.clone(), cancel.clone()));
        crate::consume::run(shared.clone(), consumer, tracker.clone(), cancel.clone()).await;
        let _ = scheduler.await;
        tracker.close();
        let grace = Duration::from_secs(shared.settings.webhook.shutdown_grace_secs);
        if tokio::time::timeout(grace, tracker.wait()).await.is_err() {
            tracing::warn!(event = "drain_timeout", "attempts still in flight at shutdown; their leases will expire");
        }
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
