//! A real HTTP endpoint the tests start (for the risk manager's webhook endpoint), recording
//! every request and answering as the test's script says.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
    /// Status answered (0 when the request hung past the client's timeout).
    pub answered: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

#[derive(Debug, Clone)]
pub enum Reply {
    Status(u16),
    StatusWith(u16, Vec<(String, String)>),
    /// Sleep, then answer.
    Delay(Duration, u16),
}

type Script = Arc<dyn Fn(usize, &Received) -> Reply + Send + Sync>;

#[derive(Clone)]
struct Inner {
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<Script>>,
}

pub struct Receiver {
    pub url: String,
    inner: Inner,
}

impl Receiver {
    /// Starts on 127.0.0.1:0; every request to any path is recorded and answered by `script`
    /// (called with the request's index, from 0).
    pub async fn start(script: impl Fn(usize, &Received) -> Reply + Send + Sync + 'static) -> Self {
        let inner = Inner { received: Arc::default(), script: Arc::new(Mutex::new(Arc::new(script))) };
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url: format!("http://{addr}"), inner }
    }

    pub fn set_script(&self, script: impl Fn(usize, &Received) -> Reply + Send + Sync + 'static) {
        if let Ok(mut s) = self.inner.script.lock() {
            *s = Arc::new(script);
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

async fn handle(State(inner): State<Inner>, headers: HeaderMap, body: Bytes) -> Response {
    let mut rec = Received {
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
            .collect(),
        body: body.to_vec(),
        at: Instant::now(),
        answered: 0,
    };
    let index = inner.received.lock().map(|r| r.len()).unwrap_or(0);
    let script = inner.script.lock().map(|s| s.clone()).unwrap_or_else(|_| Arc::new(|_, _| Reply::Status(500)));
    let reply = script(index, &rec);
    let (status, extra, delay) = match reply {
        Reply::Status(s) => (s, Vec::new(), None),
        Reply::StatusWith(s, h) => (s, h, None),
        Reply::Delay(d, s) => (s, Vec::new(), Some(d)),
    };
    rec.answered = if delay.is_some() { 0 } else { status };
    if let Ok(mut r) = inner.received.lock() {
        r.push(rec);
    }
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let mut response = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR).into_response();
    for (k, v) in extra {
        if let (Ok(k), Ok(v)) = (axum::http::HeaderName::try_from(k), axum::http::HeaderValue::try_from(v)) {
            response.headers_mut().insert(k, v);
        }
    }
    response
}
