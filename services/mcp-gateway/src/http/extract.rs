//! Extractors whose rejections are ours: the one error shape, and a message naming the
//! argument at fault (axum's deserialisation messages carry the field's path).

use crate::error::{ApiError, ErrorCode};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Query-string arguments.
pub struct QueryArgs<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryArgs<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(q) => Ok(QueryArgs(q.0)),
            Err(e) => Err(query_error(&e)),
        }
    }
}

fn query_error(e: &QueryRejection) -> ApiError {
    let text = e.body_text();
    let text = text.strip_prefix("Failed to deserialize query string: ").unwrap_or(&text);
    ApiError::new(ErrorCode::InvalidInput, format!("invalid query argument: {text}"))
}

/// A JSON body.
pub struct JsonArgs<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonArgs<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(j) => Ok(JsonArgs(j.0)),
            Err(e) => Err(json_error(&e)),
        }
    }
}

fn json_error(e: &JsonRejection) -> ApiError {
    let code = match e {
        JsonRejection::MissingJsonContentType(_) => ErrorCode::UnsupportedMediaType,
        other if other.status().as_u16() == 413 => ErrorCode::PayloadTooLarge,
        _ => ErrorCode::InvalidInput,
    };
    let text = e.body_text();
    let text = text.strip_prefix("Failed to deserialize the JSON body into the target type: ").unwrap_or(&text);
    let text = text.split(" at line ").next().unwrap_or(text);
    ApiError::new(code, format!("invalid body: {text}"))
}
