//! `/openapi.json`: the OpenAPI 3.1 document of the REST API, generated from the same Rust
//! types the handlers and the MCP tools use (schemars): request schemas describe what is
//! accepted (deserialisation), response schemas what is written (serialisation).

use crate::ack::{AckInput, AckOutput};
use crate::error::ErrorBody;
use crate::http::rest::ExposureQuery;
use crate::tools::Tool;
use crate::tools::alerts::{GetAlert, ListAlerts};
use crate::tools::ask::Ask;
use crate::tools::check_trade::CheckTrade;
use crate::tools::desk_monitor::DeskMonitor;
use crate::tools::exposure::CalculateExposure;
use crate::tools::positions::GetPositions;
use schemars::JsonSchema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

struct Builder {
    inputs: SchemaGenerator,
    outputs: SchemaGenerator,
    inline: SchemaGenerator,
    paths: Map<String, Value>,
}

fn settings() -> SchemaSettings {
    SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
    })
}

/// The errors every protected operation may answer.
const COMMON_ERRORS: [(&str, &str); 6] = [
    ("400", "Invalid input; the message names the argument"),
    ("401", "Missing or invalid bearer token"),
    ("403", "The token lacks the role"),
    ("429", "Rate limit of the token exceeded (see Retry-After)"),
    ("503", "Overloaded, or a dependency is unavailable (see Retry-After)"),
    ("504", "A dependency or the request timed out"),
];

impl Builder {
    fn new() -> Self {
        Self {
            inputs: settings().for_deserialize().into_generator(),
            outputs: settings().for_serialize().into_generator(),
            inline: settings().for_deserialize().with(|s| s.inline_subschemas = true).into_generator(),
            paths: Map::new(),
        }
    }

    fn responses<O: JsonSchema>(&mut self, extra: &[(&str, &str)]) -> Value {
        let error = self.outputs.subschema_for::<ErrorBody>();
        let mut r = Map::new();
        r.insert(
            "200".into(),
            json!({ "description": "OK", "content": { "application/json": { "schema": self.outputs.subschema_for::<O>() } } }),
        );
        for (status, description) in COMMON_ERRORS.iter().chain(extra) {
            r.insert(
                (*status).into(),
                json!({
                    "description": description,
                    "headers": { "x-request-id": { "schema": { "type": "string" } } },
                    "content": { "application/json": { "schema": error.clone() } }
                }),
            );
        }
        Value::Object(r)
    }

    /// Query parameters from the properties of `I` (optional ones are simply omitted).
    fn query_params<I: JsonSchema>(&mut self) -> Vec<Value> {
        let schema = self.inline.root_schema_for::<I>().to_value();
        let required: Vec<&str> =
            schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        let mut params = Vec::new();
        for (name, prop) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
            let mut prop = prop.clone();
            let description = prop.as_object_mut().and_then(|o| o.remove("description")).unwrap_or(json!(""));
            params.push(json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "description": description,
                "schema": without_null(prop),
            }));
        }
        params
    }

    fn op(&mut self, path: &str, method: &str, op: Value) {
        let entry = self.paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        if let Some(o) = entry.as_object_mut() {
            o.insert(method.into(), op);
        }
    }

    fn get_tool<T: Tool>(&mut self, path: &str, params: Vec<Value>, extra: &[(&str, &str)]) {
        let responses = self.responses::<T::Output>(extra);
        self.op(
            path,
            "get",
            json!({ "operationId": T::NAME, "summary": T::TITLE, "description": T::DESCRIPTION, "tags": ["tools"],
                    "parameters": params, "responses": responses }),
        );
    }

    fn post_tool<T: Tool>(&mut self, path: &str, op_id: &str, extra: &[(&str, &str)]) {
        let body = self.inputs.subschema_for::<T::Input>();
        let responses = self.responses::<T::Output>(extra);
        self.op(
            path,
            "post",
            json!({ "operationId": op_id, "summary": T::TITLE, "description": T::DESCRIPTION, "tags": ["tools"],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": body } } },
                    "responses": responses }),
        );
    }
}

/// `{"type": ["string", "null"]}` -> `{"type": "string"}`; `anyOf [X, null]` -> X.
fn without_null(mut v: Value) -> Value {
    if let Some(t) = v.get("type").and_then(Value::as_array) {
        let kept: Vec<Value> = t.iter().filter(|x| x.as_str() != Some("null")).cloned().collect();
        if let (Some(o), [one]) = (v.as_object_mut(), kept.as_slice()) {
            o.insert("type".into(), one.clone());
        }
    }
    if let Some(any) = v.get("anyOf").and_then(Value::as_array) {
        let kept: Vec<Value> =
            any.iter().filter(|x| x.get("type").and_then(Value::as_str) != Some("null")).cloned().collect();
        if let [one] = kept.as_slice() {
            return without_null(one.clone());
        }
    }
    v
}

fn alert_id_param() -> Value {
    json!({ "name": "alert_id", "in": "path", "required": true, "description": "The alert's id.",
            "schema": { "type": "string", "minLength": 1, "maxLength": 64 } })
}

/// Input and output definitions in one map, with the names whose two forms differ.
fn merge(mut inputs: Map<String, Value>, outputs: Map<String, Value>) -> (Map<String, Value>, Vec<String>) {
    let mut conflicts = Vec::new();
    for (name, schema) in outputs {
        match inputs.get(&name) {
            Some(existing) if existing != &schema => conflicts.push(name),
            _ => {
                inputs.insert(name, schema);
            }
        }
    }
    (inputs, conflicts)
}

/// The whole document.
pub fn document() -> Value {
    let mut b = Builder::new();
    build_paths(&mut b);
    let (schemas, conflicts) = merge(b.inputs.take_definitions(true), b.outputs.take_definitions(true));
    for name in conflicts {
        tracing::error!(schema = %name, "input and output schemas differ under one name");
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "RiskMonitor gateway",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "REST mirror of the RiskMonitor MCP tools (MCP itself is served at /mcp), and the ack of \
                limit-breach alerts. Every decimal is an exact string. Errors: {\"error\": {\"code\", \"message\", \
                \"request_id\", \"trace_id\"}}."
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }],
        "paths": b.paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": schemas
        }
    })
}

fn build_paths(b: &mut Builder) {
    let p = b.query_params::<<GetPositions as Tool>::Input>();
    b.get_tool::<GetPositions>("/v1/positions", p, &[]);
    let p = b.query_params::<ExposureQuery>();
    b.get_tool::<CalculateExposure>("/v1/exposure", p, &[]);
    b.post_tool::<CalculateExposure>("/v1/exposure", "calculate_exposure_post", &[("415", "Body is not JSON")]);
    let p = b.query_params::<<DeskMonitor as Tool>::Input>();
    b.get_tool::<DeskMonitor>("/v1/desks", p, &[]);
    let p = b.query_params::<<ListAlerts as Tool>::Input>();
    b.get_tool::<ListAlerts>("/v1/alerts", p, &[]);
    b.get_tool::<GetAlert>("/v1/alerts/{alert_id}", vec![alert_id_param()], &[("404", "No such alert")]);
    b.post_tool::<CheckTrade>(
        "/v1/check-trade",
        CheckTrade::NAME,
        &[("415", "Body is not JSON"), ("422", "No price given and none available from the market")],
    );
    b.post_tool::<Ask>("/v1/ask", Ask::NAME, &[("415", "Body is not JSON")]);

    let body = b.inputs.subschema_for::<AckInput>();
    let responses = b.responses::<AckOutput>(&[
        ("404", "No such alert"),
        ("409", "This delivery_id was never sent for this alert"),
        ("415", "Body is not JSON"),
    ]);
    b.op(
        "/v1/alerts/{alert_id}/ack",
        "post",
        json!({ "operationId": "ack_alert", "summary": "Acknowledge an alert",
                "description": "The risk manager acknowledges an alert with the delivery_id of a webhook sent for it \
                    (roles risk_manager or admin). The alert becomes `consumed`; acknowledging again answers 200 \
                    again and changes nothing.",
                "tags": ["alerts"], "parameters": [alert_id_param()],
                "requestBody": { "required": true, "content": { "application/json": { "schema": body } } },
                "responses": responses }),
    );
    for (path, summary) in [("/healthz", "Liveness"), ("/readyz", "Readiness (503 while not ready or shutting down)")] {
        b.op(
            path,
            "get",
            json!({ "operationId": path.trim_start_matches('/'), "summary": summary, "tags": ["admin"], "security": [],
                    "responses": {
                        "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } },
                        "503": { "description": "Not ready", "content": { "application/json": { "schema": { "type": "object" } } } }
                    } }),
        );
    }
    b.op(
        "/metrics",
        "get",
        json!({ "operationId": "metrics", "summary": "Prometheus metrics", "tags": ["admin"], "security": [],
                "responses": { "200": { "description": "Prometheus text format",
                                         "content": { "text/plain": { "schema": { "type": "string" } } } } } }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_is_complete_and_consistent() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        for p in [
            "/v1/positions",
            "/v1/exposure",
            "/v1/desks",
            "/v1/alerts",
            "/v1/alerts/{alert_id}",
            "/v1/alerts/{alert_id}/ack",
            "/v1/check-trade",
            "/v1/ask",
        ] {
            assert!(paths.contains_key(p), "{p} missing");
        }
        // Every $ref resolves.
        let text = doc.to_string();
        for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = &piece[..piece.find('"').unwrap()];
            assert!(doc["components"]["schemas"].get(name).is_some(), "dangling $ref {name}");
        }
        // No type is described differently as input and as output under one name.
        let mut b = Builder::new();
        build_paths(&mut b);
        let (_, conflicts) = merge(b.inputs.take_definitions(true), b.outputs.take_definitions(true));
        assert!(conflicts.is_empty(), "{conflicts:?}");
        // Query parameters are never nullable.
        let limit = paths["/v1/positions"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "limit")
            .unwrap();
        assert_eq!(limit["schema"]["type"], "integer");
        assert_eq!(limit["schema"]["maximum"], 500);
    }
}
