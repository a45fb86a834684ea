//! DNS-rebinding protection of `/mcp`, before authentication: the `Host` must be one of
//! `http.allowed_hosts`, and a browser's `Origin`, when present, one of `http.allowed_origins`.
//! (rmcp checks the same lists again inside the transport.)

use super::state::AppState;
use crate::error::{ApiError, ErrorCode};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Uri, header, uri::Authority};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let http = &state.settings.http;
    if let Err(why) = check(req.headers(), req.uri(), &http.allowed_hosts, &http.allowed_origins) {
        tracing::warn!(event = "rebinding_rejected", reason = %why, "request to /mcp refused");
        return ApiError::new(ErrorCode::Forbidden, why).into_response();
    }
    next.run(req).await
}

/// `Ok` when Host and Origin are acceptable.
pub fn check(headers: &HeaderMap, uri: &Uri, hosts: &[String], origins: &[String]) -> Result<(), String> {
    let host = match headers.get(header::HOST) {
        Some(v) => v.to_str().ok().and_then(|s| Authority::try_from(s).ok()).ok_or("malformed Host header")?,
        None => uri.authority().cloned().ok_or("missing Host header")?,
    };
    if !hosts.iter().any(|h| h == "*" || host_matches(h, &host)) {
        return Err(format!("Host `{host}` is not allowed"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return Ok(()) };
    let origin = origin.to_str().map_err(|_| "malformed Origin header")?.trim();
    if origins.iter().any(|o| o == "*" || origin_matches(o, origin)) {
        Ok(())
    } else {
        Err(format!("Origin `{origin}` is not allowed"))
    }
}

fn norm(host: &str) -> String {
    host.trim_matches(['[', ']']).to_ascii_lowercase()
}

fn host_matches(allowed: &str, host: &Authority) -> bool {
    match Authority::try_from(allowed.trim()) {
        Ok(a) => norm(a.host()) == norm(host.host()) && a.port_u16().is_none_or(|p| host.port_u16() == Some(p)),
        Err(_) => norm(allowed) == norm(host.host()),
    }
}

/// (scheme, host, port); a missing port is the scheme's default.
fn parse_origin(s: &str) -> Option<(String, String, Option<u16>)> {
    let uri: Uri = s.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let host = norm(uri.host()?);
    let port = uri.port_u16().or(match scheme.as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    });
    Some((scheme, host, port))
}

fn origin_matches(allowed: &str, origin: &str) -> bool {
    if allowed == "null" || origin == "null" {
        return allowed == origin;
    }
    let Some((scheme, host, port)) = parse_origin(origin) else { return false };
    match allowed.strip_suffix(":*") {
        Some(base) => parse_origin(base).is_some_and(|(s, h, _)| s == scheme && h == host),
        None => parse_origin(allowed).is_some_and(|a| a == (scheme, host, port)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn run(host: &str, origin: Option<&str>) -> Result<(), String> {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        let hosts = vec!["localhost".to_owned(), "127.0.0.1".into(), "[::1]".into(), "gw.example.com:8443".into()];
        let origins = vec!["http://localhost:*".to_owned(), "https://app.example.com".into()];
        check(&h, &Uri::from_static("/mcp"), &hosts, &origins)
    }

    #[test]
    fn hosts() {
        assert!(run("localhost:18000", None).is_ok());
        assert!(run("127.0.0.1", None).is_ok());
        assert!(run("[::1]:18000", None).is_ok());
        assert!(run("gw.example.com:8443", None).is_ok());
        assert!(run("gw.example.com:9999", None).is_err());
        assert!(run("evil.example.com", None).is_err());
    }

    #[test]
    fn origins() {
        assert!(run("localhost", Some("http://localhost:6274")).is_ok());
        assert!(run("localhost", Some("https://app.example.com")).is_ok());
        assert!(run("localhost", Some("https://app.example.com:444")).is_err());
        assert!(run("localhost", Some("http://evil.example.com")).is_err());
        assert!(run("localhost", Some("null")).is_err());
    }
}
