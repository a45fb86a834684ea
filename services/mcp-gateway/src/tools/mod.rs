//! The tools. Each is a [`Tool`]: typed input (its JSON schema documents every field), typed
//! output (its schema is the MCP `outputSchema` and the REST response schema), and one `run`
//! that both MCP and REST call. The [`Registry`] erases the types for MCP and for `ask`.

pub mod alerts;
pub mod ask;
pub mod check_trade;
pub mod desk_monitor;
pub mod exposure;
pub mod headroom;
pub mod intent;
pub mod live;
pub mod positions;
pub mod text;
pub mod views;

use crate::auth::Principal;
use crate::conclusion::{Concluder, Conclusion};
use crate::deps::Db;
use crate::error::ToolError;
use crate::settings::ToolSettings;
use futures::future::BoxFuture;
use riskmonitor_market::MarketClient;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::future::Future;
use std::sync::Arc;

/// Hard cap of every page (`limit` above it is refused).
pub const MAX_PAGE_SIZE: u32 = 500;

/// The contract's tool names.
pub const TOOL_NAMES: [&str; 7] =
    ["get_positions", "calculate_exposure", "desk_monitor", "list_alerts", "get_alert", "check_trade", "ask"];

/// What every tool may use.
#[derive(Clone)]
pub struct Tools {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    market: Option<MarketClient>,
    concluder: Concluder,
    llm: Option<crate::llm::Llm>,
    settings: ToolSettings,
    /// `desk_monitor` answers by argument key, shared for `desk_monitor_cache_ms`; the async
    /// mutex also coalesces concurrent misses into one computation.
    monitor_cache:
        tokio::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, desk_monitor::DeskMonitorOutput)>>,
}

impl Tools {
    pub fn new(
        db: Db,
        market: Option<MarketClient>,
        llm: Option<crate::llm::Llm>,
        concluder: Concluder,
        settings: ToolSettings,
    ) -> Self {
        Self { inner: Arc::new(Inner { db, market, concluder, llm, settings, monitor_cache: Default::default() }) }
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn market(&self) -> Option<&MarketClient> {
        self.inner.market.as_ref()
    }

    pub fn llm(&self) -> Option<&crate::llm::Llm> {
        self.inner.llm.as_ref()
    }

    pub(crate) fn monitor_cache(
        &self,
    ) -> &tokio::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, desk_monitor::DeskMonitorOutput)>>
    {
        &self.inner.monitor_cache
    }

    pub fn settings(&self) -> &ToolSettings {
        &self.inner.settings
    }

    pub async fn conclude<R: Serialize>(&self, tool: &str, result: &R, fallback: String) -> Conclusion {
        self.inner.concluder.conclude(tool, result, fallback).await
    }
}

/// Who calls, for logs and for what is recorded (e.g. `acked_by`).
#[derive(Debug, Clone)]
pub struct CallCtx {
    pub request_id: String,
    pub principal: Principal,
}

/// A tool output carries its conclusion.
pub trait Concluded {
    fn conclusion(&self) -> &Conclusion;
}

/// One tool.
pub trait Tool: 'static {
    const NAME: &'static str;
    const TITLE: &'static str;
    const DESCRIPTION: &'static str;
    /// Whether it reaches outside the system's own database (market data, LLM).
    const OPEN_WORLD: bool;
    type Input: DeserializeOwned + JsonSchema + Send + 'static;
    type Output: Serialize + JsonSchema + Concluded + Send + 'static;

    fn run(
        tools: &Tools,
        input: Self::Input,
        call: &CallCtx,
    ) -> impl Future<Output = Result<Self::Output, ToolError>> + Send;
}

/// A tool's answer with its types erased: the structured result and its conclusion text.
#[derive(Debug, Clone)]
pub struct Answer {
    pub structured: Value,
    pub text: String,
}

type Runner = fn(Tools, Map<String, Value>, CallCtx) -> BoxFuture<'static, Result<Answer, ToolError>>;

/// A tool as MCP lists it.
pub struct ToolSpec {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub open_world: bool,
    pub input_schema: Arc<Map<String, Value>>,
    pub output_schema: Arc<Map<String, Value>>,
    runner: Runner,
}

impl ToolSpec {
    fn of<T: Tool>() -> Self {
        let input_schema = rmcp::handler::server::tool::schema_for_input::<T::Input>().unwrap_or_else(|e| {
            tracing::error!(tool = T::NAME, error = %e, "invalid input schema");
            Arc::new(Map::new())
        });
        let output_schema = rmcp::handler::server::tool::schema_for_output::<T::Output>();
        Self {
            name: T::NAME,
            title: T::TITLE,
            description: T::DESCRIPTION,
            open_world: T::OPEN_WORLD,
            input_schema: Arc::new(portable(input_schema.as_ref().clone())),
            output_schema: Arc::new(portable(output_schema.as_ref().clone())),
            runner: run_erased::<T>,
        }
    }

    /// Runs the tool on raw JSON arguments (input errors name the argument).
    pub fn call(
        &self,
        tools: Tools,
        args: Map<String, Value>,
        call: CallCtx,
    ) -> BoxFuture<'static, Result<Answer, ToolError>> {
        (self.runner)(tools, args, call)
    }
}

/// JSON Schema formats every validator knows; schemars also writes Rust ones (`uint32`,
/// `int64`, `double`) that clients warn about, so those are dropped from MCP schemas (the
/// `minimum`/`maximum` beside them say the same).
const STANDARD_FORMATS: [&str; 8] = ["date-time", "date", "time", "duration", "email", "uri", "uuid", "hostname"];

fn portable(mut schema: Map<String, Value>) -> Map<String, Value> {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(o) => {
                if o.get("format").and_then(Value::as_str).is_some_and(|f| !STANDARD_FORMATS.contains(&f)) {
                    o.remove("format");
                }
                o.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    schema.values_mut().for_each(walk);
    schema
}

fn run_erased<T: Tool>(
    tools: Tools,
    args: Map<String, Value>,
    call: CallCtx,
) -> BoxFuture<'static, Result<Answer, ToolError>> {
    Box::pin(async move {
        let input: T::Input = parse_args(args)?;
        let output = T::run(&tools, input, &call).await?;
        let text = output.conclusion().text.clone();
        let structured = serde_json::to_value(&output).map_err(|e| ToolError::Internal(e.to_string()))?;
        Ok(Answer { structured, text })
    })
}

/// Deserializes tool arguments, naming the argument at fault.
pub fn parse_args<T: DeserializeOwned>(args: Map<String, Value>) -> Result<T, ToolError> {
    serde_path_to_error::deserialize(Value::Object(args)).map_err(ToolError::from)
}

/// Every tool, in the contract's order.
pub struct Registry {
    specs: Vec<ToolSpec>,
}

impl Registry {
    pub fn new() -> Self {
        Self {
            specs: vec![
                ToolSpec::of::<positions::GetPositions>(),
                ToolSpec::of::<exposure::CalculateExposure>(),
                ToolSpec::of::<desk_monitor::DeskMonitor>(),
                ToolSpec::of::<alerts::ListAlerts>(),
                ToolSpec::of::<alerts::GetAlert>(),
                ToolSpec::of::<check_trade::CheckTrade>(),
                ToolSpec::of::<ask::Ask>(),
            ],
        }
    }

    pub fn get(&self, name: &str) -> Option<&ToolSpec> {
        self.specs.iter().find(|s| s.name == name)
    }

    pub fn all(&self) -> &[ToolSpec] {
        &self.specs
    }
}

/// The registry of this process (schemas are built once).
pub fn registry() -> &'static Registry {
    static REGISTRY: std::sync::LazyLock<Registry> = std::sync::LazyLock::new(Registry::new);
    &REGISTRY
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

/// The page size asked for, defaulted and checked against the hard cap.
pub fn page_size(limit: Option<u32>, default: u32) -> Result<u32, ToolError> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        Some(n) => Err(ToolError::input("limit", format!("{n} is outside 1..={MAX_PAGE_SIZE} (the hard page cap)"))),
    }
}

/// A required, trimmed, non-empty name argument of at most `max` characters.
pub fn name_arg(field: &str, value: &str, max: usize) -> Result<String, ToolError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ToolError::input(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(ToolError::input(field, format!("must be at most {max} characters")));
    }
    Ok(v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contract_tool_is_registered_with_object_schemas() {
        let r = Registry::new();
        let names: Vec<&str> = r.all().iter().map(|s| s.name).collect();
        assert_eq!(names, TOOL_NAMES);
        for s in r.all() {
            assert_eq!(s.input_schema.get("type"), Some(&Value::from("object")), "{}", s.name);
            assert_eq!(s.output_schema.get("type"), Some(&Value::from("object")), "{}", s.name);
            let props = s.input_schema.get("properties").and_then(Value::as_object);
            for (field, schema) in props.into_iter().flatten() {
                assert!(
                    schema.get("description").is_some() || schema.get("$ref").is_some(),
                    "{}.{field} undocumented",
                    s.name
                );
            }
        }
    }
}
