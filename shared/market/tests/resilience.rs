//! Timeouts, retries, the circuit breaker: scripted HTTP servers count the requests that
//! really arrive.

#![allow(clippy::unwrap_used)]

mod support;

use riskmonitor_market::{BreakerSettings, CircuitState, MarketClient, MarketError, MarketSettings};
use std::time::Duration;
use support::{Server, Step, names};

const SLOW: Step = Step::Slow(Duration::from_millis(1_000));

#[tokio::test]
async fn a_slow_answer_times_out_and_the_retry_succeeds() {
    let server = Server::start(vec![SLOW, Step::Quotes]).await;
    let client = MarketClient::new(&server.settings()).unwrap();
    let snapshot = client.snapshot(&names(&["SPX"])).await.unwrap();
    assert_eq!(snapshot.quotes.len(), 1);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn always_slow_ends_in_a_timeout_after_every_retry() {
    let server = Server::start(vec![SLOW]).await;
    let settings = MarketSettings { timeout_ms: 100, ..server.settings() };
    let client = MarketClient::new(&settings).unwrap();
    let started = std::time::Instant::now();
    let err = client.snapshot(&names(&["SPX"])).await.unwrap_err();
    assert!(matches!(err, MarketError::Timeout { timeout_ms: 100 }), "{err}");
    assert_eq!(server.hits(), 3);
    assert!(started.elapsed() < settings.max_call_duration(), "{:?}", started.elapsed());
}

#[tokio::test]
async fn server_errors_and_429_are_retried() {
    let server = Server::start(vec![Step::Status(500), Step::Status(503), Step::Quotes]).await;
    let client = MarketClient::new(&server.settings()).unwrap();
    assert_eq!(client.snapshot(&names(&["SPX"])).await.unwrap().quotes.len(), 1);
    assert_eq!(server.hits(), 3);

    let server = Server::start(vec![Step::Status(429), Step::Quotes]).await;
    let client = MarketClient::new(&server.settings()).unwrap();
    assert_eq!(client.snapshot(&names(&["AAPL"])).await.unwrap().quotes.len(), 1);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn retries_are_bounded() {
    let server = Server::start(vec![Step::Status(502)]).await;
    let client = MarketClient::new(&server.settings()).unwrap();
    let err = client.snapshot(&names(&["SPX"])).await.unwrap_err();
    assert!(matches!(&err, MarketError::Status { status: 502, body } if body == "scripted failure"), "{err}");
    assert_eq!(server.hits(), 3);

    let settings = MarketSettings { retries: 0, ..server.settings() };
    let client = MarketClient::new(&settings).unwrap();
    client.snapshot(&names(&["SPX"])).await.unwrap_err();
    assert_eq!(server.hits(), 4);
}

#[tokio::test]
async fn client_errors_are_not_retried_and_do_not_open_the_breaker() {
    let server = Server::start(vec![Step::Status(400)]).await;
    let client = MarketClient::new(&server.settings()).unwrap();
    for _ in 0..5 {
        let err = client.snapshot(&names(&["SPX"])).await.unwrap_err();
        assert!(matches!(err, MarketError::Status { status: 400, .. }), "{err}");
    }
    assert_eq!(server.hits(), 5);
    assert_eq!(client.circuit_state(), CircuitState::Closed);
}

#[tokio::test]
async fn unreachable_service_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let settings = MarketSettings { url, retry_min_delay_ms: 1, retry_max_delay_ms: 1, ..MarketSettings::default() };
    let err = MarketClient::new(&settings).unwrap().snapshot(&names(&["SPX"])).await.unwrap_err();
    assert!(matches!(err, MarketError::Transport(_)), "{err}");
}

#[tokio::test]
async fn consecutive_failures_open_the_breaker_which_then_fails_fast() {
    let server = Server::start(vec![Step::Status(500)]).await;
    let settings = MarketSettings {
        retries: 1,
        breaker: BreakerSettings { failure_threshold: 2, open_secs: 60 },
        ..server.settings()
    };
    let client = MarketClient::new(&settings).unwrap();
    for _ in 0..2 {
        client.snapshot(&names(&["SPX"])).await.unwrap_err();
    }
    // One failure per logical call (2 attempts each), not per attempt.
    assert_eq!(server.hits(), 4);
    assert_eq!(client.circuit_state(), CircuitState::Open);

    server.set_steps(vec![Step::Quotes]);
    for _ in 0..3 {
        let err = client.snapshot(&names(&["SPX"])).await.unwrap_err();
        assert!(matches!(err, MarketError::CircuitOpen), "{err}");
    }
    assert_eq!(server.hits(), 4, "an open circuit sends nothing");
    // Clones share the breaker.
    let clone = client.clone();
    assert!(matches!(clone.snapshot(&names(&["SPX"])).await, Err(MarketError::CircuitOpen)));
    let text = riskmonitor_runtime::metrics::render();
    assert!(text.contains("riskmonitor_market_requests_total{outcome=\"circuit_open\"}"), "{text}");
}

#[tokio::test]
async fn invalid_responses_count_against_the_breaker() {
    let server = Server::start(vec![Step::Body("[]")]).await;
    let settings =
        MarketSettings { breaker: BreakerSettings { failure_threshold: 2, open_secs: 60 }, ..server.settings() };
    let client = MarketClient::new(&settings).unwrap();
    for _ in 0..2 {
        assert!(matches!(client.snapshot(&names(&["SPX"])).await, Err(MarketError::InvalidResponse(_))));
    }
    assert_eq!(client.circuit_state(), CircuitState::Open);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn after_the_cool_down_one_successful_trial_closes_the_breaker() {
    let server = Server::start(vec![Step::Status(500)]).await;
    let settings = MarketSettings {
        retries: 0,
        breaker: BreakerSettings { failure_threshold: 1, open_secs: 1 },
        ..server.settings()
    };
    let client = MarketClient::new(&settings).unwrap();
    client.snapshot(&names(&["SPX"])).await.unwrap_err();
    assert_eq!(client.circuit_state(), CircuitState::Open);

    server.set_steps(vec![Step::Quotes]);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(client.circuit_state(), CircuitState::HalfOpen);
    assert_eq!(client.snapshot(&names(&["SPX"])).await.unwrap().quotes.len(), 1);
    assert_eq!(client.circuit_state(), CircuitState::Closed);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn an_abandoned_trial_call_does_not_wedge_the_breaker() {
    let server = Server::start(vec![Step::Status(500)]).await;
    let settings = MarketSettings {
        retries: 0,
        timeout_ms: 2_000,
        breaker: BreakerSettings { failure_threshold: 1, open_secs: 1 },
        ..server.settings()
    };
    let client = MarketClient::new(&settings).unwrap();
    client.snapshot(&names(&["SPX"])).await.unwrap_err();
    server.set_steps(vec![SLOW, Step::Quotes]);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    // The caller gives up on the half-open trial call before it finishes.
    let abandoned = tokio::time::timeout(Duration::from_millis(100), client.snapshot(&names(&["SPX"]))).await;
    assert!(abandoned.is_err());
    assert_eq!(client.circuit_state(), CircuitState::Open, "an abandoned trial re-opens the circuit");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(client.snapshot(&names(&["SPX"])).await.unwrap().quotes.len(), 1);
    assert_eq!(client.circuit_state(), CircuitState::Closed);
}
