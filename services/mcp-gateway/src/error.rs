//! Errors: [`ToolError`] is what a tool can fail with (MCP turns it into an `isError` result,
//! REST into an HTTP error), [`ApiError`] is an HTTP error. Every HTTP error leaves the server
//! in one JSON shape, `{"error": {"code", "message", "request_id", "trace_id"}}`: handlers
//! attach an [`ErrorInfo`] to the response and the request-context middleware, which knows the
//! request id, writes the body.

use crate::deps::DepError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Serialize;

/// Machine-readable error codes (the `error.code` of every error body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    Unprocessable,
    RateLimited,
    Overloaded,
    DependencyUnavailable,
    Timeout,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::Unprocessable => "unprocessable",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Overloaded => "overloaded",
            ErrorCode::DependencyUnavailable => "dependency_unavailable",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Internal => "internal",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidInput => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Overloaded | ErrorCode::DependencyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Timeout => StatusCode::GATEWAY_TIMEOUT,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code of an error response that carries none of ours (framework or transport).
    pub fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            406 | 400 | 411 | 414 | 431 => ErrorCode::InvalidInput,
            409 => ErrorCode::Conflict,
            413 => ErrorCode::PayloadTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            422 => ErrorCode::Unprocessable,
            429 => ErrorCode::RateLimited,
            503 => ErrorCode::Overloaded,
            504 => ErrorCode::Timeout,
            s if s < 500 => ErrorCode::InvalidInput,
            _ => ErrorCode::Internal,
        }
    }
}

/// What a tool call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// The arguments are wrong; `field` names the argument (a dotted path for nested ones).
    #[error("invalid input: `{field}`: {message}")]
    Input { field: String, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// Well-formed, but cannot be answered as asked (e.g. no price and no market quote).
    #[error("`{field}`: {message}")]
    Unprocessable { field: String, message: String },
    #[error(transparent)]
    Dependency(#[from] DepError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ToolError {
    pub fn input(field: impl Into<String>, message: impl Into<String>) -> Self {
        ToolError::Input { field: field.into(), message: message.into() }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ToolError::Input { .. } => ErrorCode::InvalidInput,
            ToolError::NotFound(_) => ErrorCode::NotFound,
            ToolError::Conflict(_) => ErrorCode::Conflict,
            ToolError::Unprocessable { .. } => ErrorCode::Unprocessable,
            ToolError::Dependency(DepError::Timeout { .. }) => ErrorCode::Timeout,
            ToolError::Dependency(_) => ErrorCode::DependencyUnavailable,
            ToolError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The argument at fault, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            ToolError::Input { field, .. } | ToolError::Unprocessable { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl From<serde_path_to_error::Error<serde_json::Error>> for ToolError {
    fn from(e: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let inner = inner.split(" at line ").next().unwrap_or(&inner).to_owned();
        // serde names a missing or unknown field in the message; the path names the others.
        let field = if path == "." { field_in_message(&inner).unwrap_or_else(|| "arguments".into()) } else { path };
        ToolError::Input { field, message: inner }
    }
}

/// `missing field `desk`` -> `desk`.
fn field_in_message(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_owned())
}

/// An HTTP error (the body is written by the request-context middleware).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub retry_after_secs: Option<u64>,
}

/// Attached to error responses; the middleware renders it with the request id.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), retry_after_secs: None }
    }

    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs.max(1));
        self
    }
}

impl From<ToolError> for ApiError {
    fn from(e: ToolError) -> Self {
        let code = e.code();
        let mut err = ApiError::new(code, e.to_string());
        if matches!(code, ErrorCode::DependencyUnavailable | ErrorCode::Timeout) {
            err.retry_after_secs = Some(1);
        }
        err
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.code.status().into_response();
        if self.code == ErrorCode::Unauthorized {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"riskmonitor\""));
        }
        if let Some(secs) = self.retry_after_secs
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response.extensions_mut().insert(ErrorInfo { code: self.code, message: self.message });
        response
    }
}

/// The error body, as documented in the OpenAPI document.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// What went wrong, for people; names the argument at fault for input errors.
    pub message: String,
    /// The request's `x-request-id` (echoed in that header too).
    pub request_id: String,
    /// The W3C trace id of the request.
    pub trace_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Args {
        desk: String,
        limit: Option<u32>,
    }

    fn parse(v: serde_json::Value) -> ToolError {
        let text = v.to_string();
        let de = &mut serde_json::Deserializer::from_str(&text);
        let e = serde_path_to_error::deserialize::<_, Args>(de).unwrap_err();
        ToolError::from(e)
    }

    #[test]
    fn input_errors_name_the_field() {
        let e = parse(serde_json::json!({"limit": 5}));
        assert_eq!(e.field(), Some("desk"), "{e}");
        let e = parse(serde_json::json!({"desk": "x", "limit": "many"}));
        assert_eq!(e.field(), Some("limit"), "{e}");
        let e = parse(serde_json::json!({"desk": "x", "colour": 1}));
        assert_eq!(e.field(), Some("colour"), "{e}");
        assert_eq!(e.code(), ErrorCode::InvalidInput);
    }
}
