//! The dev stack's webhook sink: keeps the last [`CAPACITY`] requests received on
//! `POST /webhooks` (headers and body) so tests and people can see what was delivered.

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

/// Requests kept; older ones are dropped.
pub const CAPACITY: usize = 1_000;

/// One received webhook.
#[derive(Debug, Clone, Serialize)]
pub struct Received {
    /// 1, 2, 3... in order of arrival (keeps counting when old entries are dropped).
    pub seq: u64,
    pub received_at: DateTime<Utc>,
    /// The status the sink answered: 204, or 503 when a fault was injected.
    pub status: u16,
    /// Lower-case header names; repeated headers joined with `, `.
    pub headers: BTreeMap<String, String>,
    /// The body as received (lossy UTF-8), byte for byte what a signature covers.
    pub body: String,
    /// The body parsed as JSON, when it is JSON.
    pub json: Option<serde_json::Value>,
}

#[derive(Debug, Default)]
pub struct Sink {
    inner: Mutex<SinkState>,
}

#[derive(Debug, Default)]
struct SinkState {
    next_seq: u64,
    kept: VecDeque<Received>,
}

impl Sink {
    /// Stores one request and returns what was stored.
    pub fn store(&self, headers: &HeaderMap, body: &[u8], status: u16) -> Received {
        let mut map: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in headers {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            map.entry(name.as_str().to_owned())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert(value);
        }
        let mut state = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        state.next_seq += 1;
        let received = Received {
            seq: state.next_seq,
            received_at: Utc::now(),
            status,
            headers: map,
            body: String::from_utf8_lossy(body).into_owned(),
            json: serde_json::from_slice(body).ok(),
        };
        if state.kept.len() == CAPACITY {
            state.kept.pop_front();
        }
        state.kept.push_back(received.clone());
        received
    }

    /// Everything kept, oldest first.
    pub fn list(&self) -> Vec<Received> {
        let state = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        state.kept.iter().cloned().collect()
    }

    pub fn clear(&self) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).kept.clear();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keeps_the_last_requests_with_headers() {
        let sink = Sink::default();
        let mut headers = HeaderMap::new();
        headers.append("webhook-id", "msg_1".parse().unwrap());
        headers.append("x-multi", "a".parse().unwrap());
        headers.append("x-multi", "b".parse().unwrap());
        let first = sink.store(&headers, br#"{"alert_id":1}"#, 204);
        assert_eq!(first.seq, 1);
        assert_eq!(first.headers["x-multi"], "a, b");
        assert_eq!(first.json.as_ref().unwrap()["alert_id"], 1);
        for _ in 0..CAPACITY {
            sink.store(&HeaderMap::new(), b"not json", 204);
        }
        let kept = sink.list();
        assert_eq!(kept.len(), CAPACITY);
        assert_eq!(kept[0].seq, 2);
        assert!(kept[0].json.is_none());
        sink.clear();
        assert!(sink.list().is_empty());
    }
}
