//! Writer schemas by id from a Confluent-compatible registry (Apicurio's `/apis/ccompat/v7`),
//! compiled once and cached for the life of the process.
//!
//! What is cached: compiled plans, and schemas that can never be used (not Avro, unparseable):
//! an id's content never changes, so asking again cannot help. What is not: "unknown id" (the
//! schema may be registered by a lagging replica or a restored registry; each such record asks
//! once more and is then dead-lettered) and every failure to get an answer (retryable).

use crate::avro::Plan;
use crate::datum::excerpt;
use crate::error::{BuildError, DecodeError};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

type Cached = Result<Arc<Plan>, DecodeError>;

/// A client for `GET {base}/schemas/ids/{id}` with a cache in front.
pub(crate) struct Registry {
    client: reqwest::Client,
    base: String,
    cache: RwLock<HashMap<u32, Cached>>,
    /// One fetch at a time, so concurrent decoders never ask for the same id twice.
    fetching: tokio::sync::Mutex<()>,
}

/// `GET /schemas/ids/{id}`'s answer.
#[derive(Deserialize)]
struct SchemaResponse {
    schema: String,
    #[serde(rename = "schemaType", default)]
    schema_type: Option<String>,
}

/// A registry's error body.
#[derive(Deserialize)]
struct ErrorResponse {
    error_code: i64,
    #[serde(default)]
    message: String,
}

impl Registry {
    pub(crate) fn new(url: &str, timeout: Duration) -> Result<Registry, BuildError> {
        let base = url.trim_end_matches('/');
        let parsed = reqwest::Url::parse(base)
            .map_err(|e| BuildError::InvalidUrl { url: url.to_owned(), reason: e.to_string() })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(BuildError::InvalidUrl { url: url.to_owned(), reason: "not an http(s) URL".into() });
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| BuildError::Client(e.to_string()))?;
        Ok(Registry { client, base: base.to_owned(), cache: RwLock::default(), fetching: tokio::sync::Mutex::new(()) })
    }

    /// The compiled plan of schema `id`: from the cache, else fetched (once) from the registry.
    pub(crate) async fn plan(&self, id: u32) -> Result<Arc<Plan>, DecodeError> {
        if let Some(hit) = self.cached(id) {
            return hit;
        }
        let _one_at_a_time = self.fetching.lock().await;
        if let Some(hit) = self.cached(id) {
            return hit; // fetched by whoever held the lock before us
        }
        let result = self.fetch(id).await;
        if matches!(result, Ok(_) | Err(DecodeError::InvalidSchema { .. })) {
            self.cache.write().unwrap_or_else(PoisonError::into_inner).insert(id, result.clone());
        }
        result
    }

    fn cached(&self, id: u32) -> Option<Cached> {
        self.cache.read().unwrap_or_else(PoisonError::into_inner).get(&id).cloned()
    }

    async fn fetch(&self, id: u32) -> Result<Arc<Plan>, DecodeError> {
        let unavailable = |reason: String| DecodeError::RegistryUnavailable { id, reason };
        let url = format!("{}/schemas/ids/{id}", self.base);
        let response = self
            .client
            .get(&url)
            .header(reqwest::header::ACCEPT, "application/vnd.schemaregistry.v1+json, application/json")
            .send()
            .await
            .map_err(|e| unavailable(error_chain(&e)))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| unavailable(error_chain(&e)))?;
        if status == reqwest::StatusCode::NOT_FOUND {
            // Only a registry's own "not found" proves the id unknown; a bare 404 (a wrong base
            // URL, a proxy) says nothing about the id, and dead-lettering on it would drop
            // every record until someone notices.
            return Err(match serde_json::from_slice::<ErrorResponse>(&body) {
                Ok(e) => {
                    DecodeError::UnknownSchemaId { id, message: format!("{} (error_code {})", e.message, e.error_code) }
                }
                Err(_) => unavailable(format!("GET {url}: HTTP 404 without a registry error body (is the URL right?)")),
            });
        }
        if !status.is_success() {
            // 5xx, 429, and also 401/403 or other 4xx: a registry or configuration problem,
            // not a problem of this record.
            let body = excerpt(&String::from_utf8_lossy(&body)).into_owned();
            return Err(unavailable(format!("GET {url}: HTTP {status}: {body}")));
        }
        let response: SchemaResponse = serde_json::from_slice(&body)
            .map_err(|e| unavailable(format!("GET {url}: unexpected response body: {e}")))?;
        let invalid = |reason: String| DecodeError::InvalidSchema { id, reason };
        if let Some(kind) = response.schema_type.as_deref().filter(|t| !t.eq_ignore_ascii_case("AVRO")) {
            return Err(invalid(format!("a {kind} schema, not Avro")));
        }
        let schema = crate::avro::schema::parse(&response.schema)
            .map_err(|e| invalid(format!("unparseable Avro schema: {e}")))?;
        let plan = Plan::compile(&schema).map_err(invalid)?;
        Ok(Arc::new(plan))
    }
}

/// `e` and its causes, e.g. "error sending request: client error (Connect): Connection refused".
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
