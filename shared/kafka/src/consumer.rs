//! Consumers in a group with manual offset commits: offsets are stored only after the work of a
//! message is durable (svix-bridge's "commit after success"), so a crash replays, never skips.

use crate::{KafkaError, KafkaSettings};
use prometheus::IntGaugeVec;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer};
use rdkafka::statistics::Statistics;
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::sync::LazyLock;

static CONSUMER_LAG: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    riskmonitor_runtime::metrics::gauge_vec(
        "riskmonitor_consumer_lag_messages",
        "Messages between the group's position and the partition's high watermark",
        &["group", "topic", "partition"],
    )
});

/// Logs rebalances and exports consumer lag from librdkafka's statistics.
pub struct GroupContext {
    group: String,
}

impl ClientContext for GroupContext {
    fn stats(&self, stats: Statistics) {
        for (topic, t) in &stats.topics {
            for (partition, p) in &t.partitions {
                if p.partition >= 0 && p.consumer_lag >= 0 {
                    let partition = partition.to_string();
                    CONSUMER_LAG
                        .with_label_values(&[self.group.as_str(), topic.as_str(), partition.as_str()])
                        .set(p.consumer_lag);
                }
            }
        }
    }
}

impl ConsumerContext for GroupContext {
    fn pre_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        tracing::info!(event = "rebalance_started", group = %self.group, rebalance = %describe(rebalance));
    }

    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        tracing::info!(event = "rebalance_done", group = %self.group, rebalance = %describe(rebalance));
    }
}

fn describe(rebalance: &Rebalance<'_>) -> String {
    match rebalance {
        Rebalance::Assign(tpl) => format!("assign {}", partitions(tpl)),
        Rebalance::Revoke(tpl) => format!("revoke {}", partitions(tpl)),
        Rebalance::Error(e) => format!("error {e}"),
    }
}

fn partitions(tpl: &TopicPartitionList) -> String {
    tpl.elements().iter().map(|e| format!("{}[{}]", e.topic(), e.partition())).collect::<Vec<_>>().join(",")
}

pub type GroupConsumer = StreamConsumer<GroupContext>;

/// A consumer of `topic` in `group`, offsets committed by the caller.
pub fn build(
    settings: &KafkaSettings,
    group: &str,
    client_id: &str,
    topic: &str,
    overrides: &[(&str, &str)],
) -> Result<GroupConsumer, KafkaError> {
    let mut config = settings.client_config(client_id);
    config
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .set("partition.assignment.strategy", "cooperative-sticky")
        .set("statistics.interval.ms", "5000")
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "2000")
        .set("fetch.wait.max.ms", "50");
    for (k, v) in overrides {
        config.set(*k, *v);
    }
    let consumer: GroupConsumer = config.create_with_context(GroupContext { group: group.to_owned() })?;
    consumer.subscribe(&[topic])?;
    Ok(consumer)
}

/// The next offset to commit per partition of one topic: the highest processed offset + 1.
#[derive(Debug, Default, Clone)]
pub struct Offsets {
    next: BTreeMap<(String, i32), i64>,
}

impl Offsets {
    pub fn record(&mut self, topic: &str, partition: i32, offset: i64) {
        let entry = self.next.entry((topic.to_owned(), partition)).or_insert(offset + 1);
        if *entry < offset + 1 {
            *entry = offset + 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.next.is_empty()
    }

    pub fn clear(&mut self) {
        self.next.clear();
    }

    fn to_list(&self) -> Result<TopicPartitionList, KafkaError> {
        let mut tpl = TopicPartitionList::new();
        for ((topic, partition), next) in &self.next {
            tpl.add_partition_offset(topic, *partition, Offset::Offset(*next))?;
        }
        Ok(tpl)
    }

    /// Commits these offsets. `Async` on the hot path (a lost commit only means a harmless
    /// replay), `Sync` at shutdown.
    pub fn commit<C: ConsumerContext>(&self, consumer: &StreamConsumer<C>, mode: CommitMode) -> Result<(), KafkaError> {
        if self.next.is_empty() {
            return Ok(());
        }
        match consumer.commit(&self.to_list()?, mode) {
            Ok(()) => Ok(()),
            // Partitions revoked since: the new owner replays from the last commit (idempotent).
            Err(rdkafka::error::KafkaError::ConsumerCommit(code)) => {
                tracing::warn!(event = "commit_failed", error = %code, "offset commit failed; messages will be replayed");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// A `/readyz` check: the brokers answer a metadata request.
pub fn readiness_check(
    settings: &KafkaSettings,
) -> Result<impl Fn() -> futures::future::BoxFuture<'static, Result<(), String>> + Send + Sync + 'static, KafkaError> {
    let client: std::sync::Arc<BaseConsumer> =
        std::sync::Arc::new(settings.client_config("riskmonitor-readiness").create()?);
    Ok(move || {
        let client = client.clone();
        let fut: futures::future::BoxFuture<'static, Result<(), String>> = Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                client
                    .fetch_metadata(None, std::time::Duration::from_millis(1500))
                    .map(|_| ())
                    .map_err(|e| format!("kafka: {e}"))
            })
            .await
            .map_err(|e| format!("kafka: {e}"))?
        });
        fut
    })
}
