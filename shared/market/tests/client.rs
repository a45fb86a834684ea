//! The client against real HTTP servers: well-formed answers, URL encoding, validation.

#![allow(clippy::unwrap_used)]

mod support;

use riskmonitor_market::{CircuitState, MarketClient, MarketError};
use support::{Server, Step, names};

#[tokio::test]
async fn answers_sorted_deduplicated_quotes_and_reports_missing() {
    let server = Server::start(vec![Step::Quotes]).await;
    let client = MarketClient::new(&server.settings()).unwrap();
    let snapshot = client.snapshot(&names(&["SPX", "AAPL", "SPX", " NOPE ", "A&B=C", ""])).await.unwrap();

    let got: Vec<&str> = snapshot.quotes.iter().map(|q| q.underlying.as_str()).collect();
    assert_eq!(got, ["A&B=C", "AAPL", "SPX"]);
    assert_eq!(snapshot.missing, names(&["NOPE"]));
    let spx = snapshot.get("SPX").unwrap();
    assert_eq!((spx.spot, spx.volatility, spx.rate), (5000.0, 0.16, 0.043));
    // One request, names URL-encoded so the server decodes exactly what was asked.
    assert_eq!(server.hits(), 1);
    assert_eq!(server.asked(), vec![names(&["A&B=C", "AAPL", "NOPE", "SPX"])]);
    assert_eq!(client.circuit_state(), CircuitState::Closed);
}

#[tokio::test]
async fn empty_request_makes_no_call() {
    let server = Server::start(vec![Step::Quotes]).await;
    let client = MarketClient::new(&server.settings()).unwrap();
    let snapshot = client.snapshot(&[]).await.unwrap();
    assert!(snapshot.is_empty());
    let snapshot = client.snapshot(&names(&["  ", "A,B"])).await.unwrap();
    assert!(snapshot.quotes.is_empty());
    assert_eq!(snapshot.missing, names(&["A,B"]));
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn garbage_json_is_an_invalid_response_without_retry() {
    let server = Server::start(vec![Step::Body("{not json")]).await;
    let client = MarketClient::new(&server.settings()).unwrap();
    let err = client.snapshot(&names(&["SPX"])).await.unwrap_err();
    assert!(matches!(&err, MarketError::InvalidResponse(m) if m.contains("not a quotes response")), "{err}");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn negative_spot_is_an_invalid_response_naming_the_problem() {
    let body = r#"{"as_of":"2026-12-05T13:00:00Z","quotes":[{"underlying":"SPX","spot":-5012.5,
        "volatility":0.18,"rate":0.043,"as_of":"2026-12-05T13:00:00Z"}]}"#;
    let server = Server::start(vec![Step::Body(body)]).await;
    let client = MarketClient::new(&server.settings()).unwrap();
    let err = client.snapshot(&names(&["SPX"])).await.unwrap_err();
    assert!(matches!(&err, MarketError::InvalidResponse(m) if m.contains("SPX: spot -5012.5")), "{err}");
    assert_eq!(server.hits(), 1);

    let body = r#"{"as_of":"2026-12-05T13:00:00Z","quotes":[{"underlying":"SPX","spot":1.0,
        "volatility":-0.1,"rate":0.043,"as_of":"2026-12-05T13:00:00Z"}]}"#;
    let server = Server::start(vec![Step::Body(body)]).await;
    let client = MarketClient::new(&server.settings()).unwrap();
    let err = client.snapshot(&names(&["SPX"])).await.unwrap_err();
    assert!(matches!(&err, MarketError::InvalidResponse(m) if m.contains("volatility")), "{err}");
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_and_trailing_slash_works() {
    let server = Server::start(vec![Step::Quotes]).await;
    let settings = riskmonitor_market::MarketSettings { url: format!("{}/", server.url), ..server.settings() };
    let client = MarketClient::new(&settings).unwrap();
    assert_eq!(client.snapshot(&names(&["SPX"])).await.unwrap().quotes.len(), 1);

    let bad = riskmonitor_market::MarketSettings { url: "not a url".into(), ..server.settings() };
    assert!(matches!(MarketClient::new(&bad), Err(MarketError::Settings(m)) if m.contains("market.url")));
}

#[tokio::test]
async fn metrics_are_recorded() {
    let server = Server::start(vec![Step::Quotes]).await;
    let client = MarketClient::new(&server.settings()).unwrap();
    client.snapshot(&names(&["SPX"])).await.unwrap();
    let text = riskmonitor_runtime::metrics::render();
    assert!(text.contains("riskmonitor_market_requests_total{outcome=\"ok\"}"), "{text}");
    assert!(text.contains("riskmonitor_market_http_attempts_total{result=\"2xx\"}"), "{text}");
    assert!(text.contains("riskmonitor_market_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains("riskmonitor_market_circuit_state 0"), "{text}");
}
