//! Topic creation from settings (`create-topics`): creates what is missing, grows partitions
//! that are fewer than configured, and leaves everything else alone.

use crate::{KafkaError, KafkaSettings, TopicSpec};
use rdkafka::admin::{AdminClient, AdminOptions, NewPartitions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;
use std::time::Duration;

/// Ensures every topic in `specs` exists with at least its configured partitions.
pub async fn ensure_topics(settings: &KafkaSettings, specs: &[&TopicSpec]) -> Result<(), KafkaError> {
    let admin: AdminClient<DefaultClientContext> = settings.client_config("riskmonitor-admin").create()?;
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    let retention: Vec<String> = specs.iter().map(|s| s.retention_ms.to_string()).collect();
    let new_topics: Vec<NewTopic<'_>> = specs
        .iter()
        .zip(&retention)
        .map(|(s, r)| {
            NewTopic::new(&s.name, s.partitions, TopicReplication::Fixed(s.replication_factor)).set("retention.ms", r)
        })
        .collect();
    for result in admin.create_topics(new_topics.iter(), &options).await? {
        match result {
            Ok(name) => tracing::info!(event = "topic_created", topic = %name),
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((name, code)) => {
                return Err(KafkaError::Topic { topic: name, message: code.to_string() });
            }
        }
    }
    grow_partitions(&admin, specs, &options).await
}

async fn grow_partitions(
    admin: &AdminClient<DefaultClientContext>,
    specs: &[&TopicSpec],
    options: &AdminOptions,
) -> Result<(), KafkaError> {
    // A blocking call, acceptable in this one-shot command.
    let metadata = admin.inner().fetch_metadata(None, Duration::from_secs(10))?;
    let mut grow = Vec::new();
    for spec in specs {
        let current = metadata.topics().iter().find(|t| t.name() == spec.name).map(|t| t.partitions().len());
        if let Some(current) = current
            && (current as i32) < spec.partitions
        {
            tracing::info!(event = "topic_partitions_grown", topic = %spec.name, from = current, to = spec.partitions);
            grow.push(NewPartitions::new(&spec.name, spec.partitions as usize));
        }
    }
    if grow.is_empty() {
        return Ok(());
    }
    for result in admin.create_partitions(grow.iter(), options).await? {
        if let Err((name, code)) = result {
            return Err(KafkaError::Topic { topic: name, message: code.to_string() });
        }
    }
    Ok(())
}

/// A `/readyz` check: the schema registry answers.
pub fn registry_readiness_check(
    settings: &KafkaSettings,
) -> impl Fn() -> futures::future::BoxFuture<'static, Result<(), String>> + Send + Sync + 'static {
    let url = format!("{}/subjects", settings.registry_url.trim_end_matches('/'));
    let client = reqwest::Client::builder().timeout(Duration::from_millis(1500)).build().unwrap_or_default();
    move || {
        let (client, url) = (client.clone(), url.clone());
        Box::pin(async move {
            let response = client.get(&url).send().await.map_err(|e| format!("schema registry: {e}"))?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(format!("schema registry: HTTP {}", response.status()))
            }
        })
    }
}

/// Where to move a consumer group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetTo {
    Beginning,
    End,
    /// The first offset at or after this time (ms since the epoch).
    Timestamp(i64),
    Offset(i64),
}

/// Current and target offsets of one partition, for dry runs and reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionReset {
    pub partition: i32,
    /// `None` when the group has no committed offset there.
    pub current: Option<i64>,
    pub target: i64,
    pub high_watermark: i64,
}

/// Plans (and unless `dry_run`, commits) new offsets for `group` on `topic`, for `partitions`
/// (all when empty). Commit only works while the group has no active member; the caller checks.
pub fn reset_group_offsets(
    settings: &KafkaSettings,
    group: &str,
    topic: &str,
    partitions: &[i32],
    to: ResetTo,
    dry_run: bool,
) -> Result<Vec<PartitionReset>, KafkaError> {
    use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
    use rdkafka::{Offset, TopicPartitionList};
    let consumer: BaseConsumer = settings
        .client_config("riskmonitor-admin")
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()?;
    let timeout = Duration::from_secs(10);
    let metadata = consumer.fetch_metadata(Some(topic), timeout)?;
    let all: Vec<i32> = metadata
        .topics()
        .iter()
        .find(|t| t.name() == topic)
        .map(|t| t.partitions().iter().map(|p| p.id()).collect())
        .unwrap_or_default();
    if all.is_empty() {
        return Err(KafkaError::Topic { topic: topic.into(), message: "no such topic".into() });
    }
    let chosen: Vec<i32> = if partitions.is_empty() { all } else { partitions.to_vec() };
    let mut wanted = TopicPartitionList::new();
    for p in &chosen {
        wanted.add_partition(topic, *p);
    }
    let committed = consumer.committed_offsets(wanted.clone(), timeout)?;
    let by_time = if let ResetTo::Timestamp(ms) = to {
        let mut tpl = TopicPartitionList::new();
        for p in &chosen {
            tpl.add_partition_offset(topic, *p, Offset::Offset(ms))?;
        }
        Some(consumer.offsets_for_times(tpl, timeout)?)
    } else {
        None
    };
    let mut plan = Vec::new();
    let mut commit = TopicPartitionList::new();
    for p in &chosen {
        let (low, high) = consumer.fetch_watermarks(topic, *p, timeout)?;
        let current = committed.find_partition(topic, *p).and_then(|e| e.offset().to_raw()).filter(|o| *o >= 0);
        let target = match to {
            ResetTo::Beginning => low,
            ResetTo::End => high,
            ResetTo::Offset(o) => o.clamp(low, high),
            ResetTo::Timestamp(_) => by_time
                .as_ref()
                .and_then(|t| t.find_partition(topic, *p))
                .and_then(|e| e.offset().to_raw())
                .filter(|o| *o >= 0)
                .unwrap_or(high),
        };
        commit.add_partition_offset(topic, *p, Offset::Offset(target))?;
        plan.push(PartitionReset { partition: *p, current, target, high_watermark: high });
    }
    if !dry_run {
        consumer.commit(&commit, CommitMode::Sync)?;
    }
    Ok(plan)
}
