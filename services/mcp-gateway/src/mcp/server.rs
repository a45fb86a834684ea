//! The MCP server handler: lists the registry's tools (input schema with documented fields,
//! output schema, annotations) and calls them. A result carries `structuredContent`, the
//! plain-language conclusion as its first text block, and the JSON as a second text block for
//! clients that read text only. Input errors and failures are `isError` results naming the
//! argument; an unknown tool is a JSON-RPC error (-32602).

use crate::auth::{Access, Principal};
use crate::http::context::RequestMeta;
use crate::tools::{CallCtx, ToolSpec, Tools, registry};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use tracing::Instrument;

const INSTRUCTIONS: &str = "RiskMonitor: positions, exposure (gross notional, net delta, vega) and limits of the \
    trading desks, limit-breach alerts, and pre-trade checks. Start with desk_monitor for an overview, \
    calculate_exposure for one desk, check_trade before an order, or ask in plain language. Decimals are exact \
    strings; every result carries a plain-language conclusion.";

#[derive(Clone)]
pub struct McpServer {
    tools: Tools,
    /// The caller on stdio (no token there); over HTTP the guard layer names the caller.
    stdio_principal: Option<Principal>,
}

impl McpServer {
    pub fn http(tools: Tools) -> Self {
        Self { tools, stdio_principal: None }
    }

    pub fn stdio(tools: Tools, principal: Principal) -> Self {
        Self { tools, stdio_principal: Some(principal) }
    }
}

/// The MCP definition of a tool.
pub fn definition(spec: &ToolSpec) -> Tool {
    let annotations = ToolAnnotations::with_title(spec.title)
        .read_only(true)
        .destructive(false)
        .idempotent(true)
        .open_world(spec.open_world);
    Tool::new(spec.name, spec.description, spec.input_schema.clone())
        .with_title(spec.title)
        .with_raw_output_schema(spec.output_schema.clone())
        .with_annotations(annotations)
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("riskmonitor-mcp-gateway", env!("CARGO_PKG_VERSION")).with_title("RiskMonitor"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(registry().all().iter().map(definition).collect()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        registry().get(name).map(definition)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(spec) = registry().get(&request.name) else {
            return Err(ErrorData::invalid_params(format!("unknown tool `{}`", request.name), None));
        };
        let parts = context.extensions.get::<http::request::Parts>();
        let meta = parts.and_then(|p| p.extensions.get::<RequestMeta>()).cloned();
        let principal =
            parts.and_then(|p| p.extensions.get::<Principal>()).cloned().or_else(|| self.stdio_principal.clone());
        let Some(principal) = principal else {
            return Err(ErrorData::internal_error("no authenticated caller", None));
        };
        if !principal.may(Access::Read) {
            return Ok(CallToolResult::error(vec![ContentBlock::text(principal.denied(Access::Read))]).into());
        }
        let (request_id, span) = match &meta {
            Some(m) => {
                m.set_tool(spec.name);
                (m.request_id.clone(), m.span.clone())
            }
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                let span = tracing::info_span!("tool_call", request_id = %id, tool_name = spec.name, principal = %principal.name);
                (id, span)
            }
        };
        let call = CallCtx { request_id: request_id.clone(), principal };
        let args = request.arguments.unwrap_or_default();
        let result = spec.call(self.tools.clone(), args, call).instrument(span.clone()).await;
        match result {
            Ok(answer) => {
                let json = serde_json::to_string(&answer.structured).unwrap_or_default();
                let mut r = CallToolResult::success(vec![ContentBlock::text(answer.text), ContentBlock::text(json)]);
                r.structured_content = Some(answer.structured);
                Ok(r.into())
            }
            Err(e) => {
                if let Some(m) = &meta {
                    m.set_tool_error(e.code());
                }
                span.in_scope(|| tracing::info!(event = "tool_error", error_code = e.code().as_str(), error = %e, "tool call failed"));
                let body = serde_json::json!({ "error": {
                    "code": e.code(), "message": e.to_string(), "field": e.field(), "request_id": request_id,
                }});
                Ok(CallToolResult::error(vec![ContentBlock::text(e.to_string()), ContentBlock::text(body.to_string())])
                    .into())
            }
        }
    }
}
