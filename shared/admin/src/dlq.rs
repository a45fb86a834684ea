//! Dead-letter topics: list, show, re-drive.

use crate::AdminError;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::{BorrowedMessage, Header, Headers, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{Message, Offset, TopicPartitionList};
use riskmonitor_kafka::KafkaSettings;
use riskmonitor_kafka::headers::{
    DLQ_FAILED_AT, DLQ_OFFSET, DLQ_PARTITION, DLQ_REASON, DLQ_REDRIVE_COUNT, DLQ_SERVICE, DLQ_TOPIC,
};
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeadLetter {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<String>,
    pub reason: Option<String>,
    pub service: Option<String>,
    pub failed_at: Option<String>,
    pub original_topic: Option<String>,
    pub original_partition: Option<String>,
    pub original_offset: Option<String>,
    pub redrive_count: u32,
    pub payload_bytes: usize,
    /// Only filled by `show`: the payload as text (lossy) and every header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
}

fn header<'a>(m: &'a BorrowedMessage<'_>, name: &str) -> Option<&'a str> {
    riskmonitor_kafka::headers::get(m.headers(), name)
}

fn describe(m: &BorrowedMessage<'_>, full: bool) -> DeadLetter {
    DeadLetter {
        partition: m.partition(),
        offset: m.offset(),
        key: m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
        reason: header(m, DLQ_REASON).map(str::to_owned),
        service: header(m, DLQ_SERVICE).map(str::to_owned),
        failed_at: header(m, DLQ_FAILED_AT).map(str::to_owned),
        original_topic: header(m, DLQ_TOPIC).map(str::to_owned),
        original_partition: header(m, DLQ_PARTITION).map(str::to_owned),
        original_offset: header(m, DLQ_OFFSET).map(str::to_owned),
        redrive_count: header(m, DLQ_REDRIVE_COUNT).and_then(|c| c.parse().ok()).unwrap_or(0),
        payload_bytes: m.payload().map_or(0, <[u8]>::len),
        payload: full.then(|| m.payload().map(|p| String::from_utf8_lossy(p).into_owned()).unwrap_or_default()),
        headers: if full {
            m.headers()
                .map(|h| {
                    h.iter()
                        .map(|x| {
                            (
                                x.key.to_owned(),
                                x.value.map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        },
    }
}

/// Reads `topic` from `from` (per partition) to the high watermarks seen at the start, calling
/// `f` for every message.
fn scan(
    settings: &KafkaSettings,
    topic: &str,
    group: Option<&str>,
    mut f: impl FnMut(&BaseConsumer, &BorrowedMessage<'_>) -> Result<bool, AdminError>,
) -> Result<(), AdminError> {
    let mut config = settings.client_config("riskmonitor-admin");
    config.set("enable.auto.commit", "false").set("group.id", group.unwrap_or("riskmonitor-admin-browse"));
    let consumer: BaseConsumer = config.create()?;
    let timeout = Duration::from_secs(10);
    let metadata = consumer.fetch_metadata(Some(topic), timeout)?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .find(|t| t.name() == topic)
        .map(|t| t.partitions().iter().map(|p| p.id()).collect())
        .unwrap_or_default();
    if partitions.is_empty() {
        return Err(AdminError::Usage(format!("topic {topic} does not exist")));
    }
    let mut ends = std::collections::HashMap::new();
    let mut tpl = TopicPartitionList::new();
    let committed = match group {
        Some(_) => {
            let mut wanted = TopicPartitionList::new();
            for p in &partitions {
                wanted.add_partition(topic, *p);
            }
            Some(consumer.committed_offsets(wanted, timeout)?)
        }
        None => None,
    };
    for p in &partitions {
        let (low, high) = consumer.fetch_watermarks(topic, *p, timeout)?;
        let start = committed
            .as_ref()
            .and_then(|c| c.find_partition(topic, *p))
            .and_then(|e| e.offset().to_raw())
            .filter(|o| *o >= low)
            .unwrap_or(low);
        if start < high {
            ends.insert(*p, high);
            tpl.add_partition_offset(topic, *p, Offset::Offset(start))?;
        }
    }
    if ends.is_empty() {
        return Ok(());
    }
    consumer.assign(&tpl)?;
    while !ends.is_empty() {
        let Some(result) = consumer.poll(timeout) else {
            return Err(AdminError::Usage(format!("timed out reading {topic}")));
        };
        let m = result?;
        let done = m.offset() + 1 >= ends.get(&m.partition()).copied().unwrap_or(0);
        if !f(&consumer, &m)? {
            return Ok(());
        }
        if done {
            ends.remove(&m.partition());
        }
    }
    Ok(())
}

pub fn list(settings: &KafkaSettings, topic: &str, limit: usize) -> Result<Vec<DeadLetter>, AdminError> {
    let mut out = Vec::new();
    scan(settings, topic, None, |_, m| {
        out.push(describe(m, false));
        Ok(out.len() < limit)
    })?;
    Ok(out)
}

pub fn show(settings: &KafkaSettings, topic: &str, partition: i32, offset: i64) -> Result<DeadLetter, AdminError> {
    let mut found = None;
    scan(settings, topic, None, |_, m| {
        if m.partition() == partition && m.offset() == offset {
            found = Some(describe(m, true));
            return Ok(false);
        }
        Ok(true)
    })?;
    found.ok_or_else(|| AdminError::Usage(format!("no message at {topic}[{partition}]@{offset}")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    One {
        partition: i32,
        offset: i64,
    },
    /// Every message not re-driven yet by `redrive --all` (progress kept in a consumer group).
    All,
}

/// Sends the selected dead letters back to their source topics with their key, payload and
/// original headers, plus `dlq.redrive.count`. Returns what was (or, dry run, would be) sent.
pub fn redrive(
    settings: &KafkaSettings,
    topic: &str,
    select: Select,
    dry_run: bool,
) -> Result<Vec<DeadLetter>, AdminError> {
    let producer: ThreadedProducer<DefaultProducerContext> =
        settings.client_config("riskmonitor-admin").set("enable.idempotence", "true").create()?;
    let progress_group = format!("riskmonitor-admin.redrive.{topic}");
    let group = matches!(select, Select::All).then_some(progress_group.as_str());
    let mut sent = Vec::new();
    scan(settings, topic, group, |consumer, m| {
        let selected = match select {
            Select::All => true,
            Select::One { partition, offset } => m.partition() == partition && m.offset() == offset,
        };
        if !selected {
            return Ok(true);
        }
        let d = describe(m, false);
        let Some(target) = d.original_topic.clone() else {
            return Err(AdminError::Usage(format!("{topic}[{}]@{} has no {DLQ_TOPIC} header", d.partition, d.offset)));
        };
        if !dry_run {
            let count = (d.redrive_count + 1).to_string();
            let mut headers = OwnedHeaders::new();
            if let Some(h) = m.headers() {
                for x in h.iter().filter(|x| !x.key.starts_with("dlq.")) {
                    headers = headers.insert(Header { key: x.key, value: x.value });
                }
            }
            headers = headers.insert(Header { key: DLQ_REDRIVE_COUNT, value: Some(count.as_str()) });
            let mut record = BaseRecord::<[u8], [u8]>::to(&target).headers(headers);
            if let Some(k) = m.key() {
                record = record.key(k);
            }
            if let Some(p) = m.payload() {
                record = record.payload(p);
            }
            producer.send(record).map_err(|(e, _)| AdminError::Rdkafka(e))?;
            producer.flush(Duration::from_secs(30))?;
            if group.is_some() {
                let mut tpl = TopicPartitionList::new();
                tpl.add_partition_offset(topic, m.partition(), Offset::Offset(m.offset() + 1))?;
                consumer.commit(&tpl, CommitMode::Sync)?;
            }
        }
        sent.push(d);
        Ok(!matches!(select, Select::One { .. }))
    })?;
    Ok(sent)
}
