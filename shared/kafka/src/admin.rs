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
            NewTopic::new(&s.name, s.partitions, TopicReplication::Fixed(s.replication_factor))
                .set("retention.ms", r)
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
