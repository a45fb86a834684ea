//! Kafka headers: W3C trace context and the dead-letter annotations.

use rdkafka::message::{BorrowedHeaders, Header, Headers, OwnedHeaders};

pub const TRACEPARENT: &str = "traceparent";
pub const DLQ_REASON: &str = "dlq.reason";
pub const DLQ_TOPIC: &str = "dlq.original.topic";
pub const DLQ_PARTITION: &str = "dlq.original.partition";
pub const DLQ_OFFSET: &str = "dlq.original.offset";
pub const DLQ_SERVICE: &str = "dlq.service";
pub const DLQ_FAILED_AT: &str = "dlq.failed_at";
pub const DLQ_REDRIVE_COUNT: &str = "dlq.redrive.count";

/// The value of header `name` as UTF-8, if present.
pub fn get<'a>(headers: Option<&'a BorrowedHeaders>, name: &str) -> Option<&'a str> {
    headers?.iter().find(|h| h.key == name).and_then(|h| h.value).and_then(|v| std::str::from_utf8(v).ok())
}

/// Headers carrying `traceparent` (when there is one).
pub fn with_traceparent(traceparent: Option<&str>) -> OwnedHeaders {
    let headers = OwnedHeaders::new();
    match traceparent {
        Some(tp) => headers.insert(Header { key: TRACEPARENT, value: Some(tp) }),
        None => headers,
    }
}

/// A copy of `headers` (all of them, in order), for re-publishing a message.
pub fn copy(headers: Option<&BorrowedHeaders>) -> OwnedHeaders {
    let mut owned = OwnedHeaders::new();
    if let Some(h) = headers {
        for header in h.iter() {
            owned = owned.insert(Header { key: header.key, value: header.value });
        }
    }
    owned
}
