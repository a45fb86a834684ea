//! The tools against hand computations, and their input errors.

use crate::stubs::EXPIRY_1Y;
use crate::support::{VIEWER, d, dec, spawn_app};
use bigdecimal::BigDecimal;
use mcp_gateway::pricing::black_scholes::{BsInput, value};
use reqwest::StatusCode;
use riskmonitor_domain::OptionType;
use serde_json::{Value, json};

fn check(checks: &Value, metric: &str) -> Value {
    checks.as_array().unwrap().iter().find(|c| c["metric"] == metric).cloned().unwrap_or(Value::Null)
}

/// Rounded like the gateway writes model output: 8 decimals.
fn r8(x: f64) -> BigDecimal {
    format!("{x:.8}").parse::<BigDecimal>().unwrap()
}

#[tokio::test]
async fn calculate_exposure_agrees_with_a_hand_computation() {
    let app = spawn_app().await;
    let desk = app.desk("eq");
    app.linear(&desk, "FUTURE", "SPX", "10", "50", "5000.25").await;
    app.linear(&desk, "EQUITY", "AAPL", "-300", "1", "190.5").await;
    app.option(&desk, "SPX", "-12.5", "100", "4321.12345678", "0.55", "1.23456789", "CALL", "4000", EXPIRY_1Y).await;
    let other = app.desk("other");
    app.linear(&other, "EQUITY", "AAPL", "1", "1", "1").await;
    let unquoted = app.linear(&other, "EQUITY", "ZZQ", "2", "1", "3").await;
    app.limit(&desk, "gross_notional", "10000000").await;
    app.limit(&desk, "net_delta", "500000").await;
    app.market.quote("SPX", 5100.0, 0.2, 0.05);
    app.market.quote("AAPL", 200.0, 0.3, 0.05);

    let out = app.tool_ok("calculate_exposure", json!({"desk": desk, "include_positions": true})).await;
    // Booked, by hand: future 10×50×5000.25 = 2,500,125; equity −300×190.5 = −57,150;
    // option −12.5×100×4321.12345678 = −5,401,404.320975 (× 0.55 delta), vega −12.5×100×1.23456789.
    assert_eq!(out["position_count"], 3);
    assert_eq!(dec(&out["booked"]["gross_notional"]), d("7958679.320975"));
    assert_eq!(dec(&out["booked"]["net_delta"]), d("-527797.37653625"));
    assert_eq!(dec(&out["booked"]["vega"]), d("-1543.2098625"));
    let gross = check(&out["booked_limits"], "gross_notional");
    assert_eq!(dec(&gross["utilisation"]), d("0.795868"));
    assert_eq!(dec(&gross["headroom"]), d("2041320.679025"));
    assert_eq!(gross["breached"], false);
    let net = check(&out["booked_limits"], "net_delta");
    assert_eq!(dec(&net["headroom"]), d("-27797.37653625"));
    assert_eq!(net["breached"], true);
    assert_eq!(check(&out["booked_limits"], "vega"), Value::Null, "no vega limit");

    // Live, by hand: linear at spot; the option by Black-Scholes (S 5100, K 4000, σ 0.2, r 0.05, T 1).
    let g = value(&BsInput {
        option_type: OptionType::Call,
        spot: 5100.0,
        strike: 4000.0,
        volatility: 0.2,
        rate: 0.05,
        years: 1.0,
    })
    .unwrap();
    let (price, delta, vega) = (r8(g.price), r8(g.delta), r8(g.vega / 100.0));
    let opt_notional = d("-12.5") * d("100") * &price;
    let live_gross = d("2550000") + d("60000") + opt_notional.abs();
    let live_net = d("2550000") - d("60000") + &opt_notional * &delta;
    let live_vega = d("-12.5") * d("100") * &vega;
    let live = &out["live"];
    assert_eq!(live["status"], "complete", "{live:#}");
    assert_eq!(dec(&live["exposure"]["gross_notional"]), live_gross);
    assert_eq!(dec(&live["exposure"]["net_delta"]), live_net);
    assert_eq!(dec(&live["exposure"]["vega"]), live_vega);
    let option_line = live["positions"].as_array().unwrap().iter().find(|p| p["method"] == "black_scholes").unwrap();
    assert_eq!(dec(&option_line["delta"]), delta);
    assert!(out["conclusion"]["text"].as_str().unwrap().contains("LIMIT BREACHED: net delta"), "{}", out["conclusion"]);

    // Hypothetical positions against the desk's limits, and the REST mirror agrees with MCP.
    let body = json!({"desk": desk, "live": false, "positions": [
        {"instrument_type": "FUTURE", "underlying": "SPX", "quantity": "2", "multiplier": "50", "price": "5000"}]});
    let rest = app.post("/v1/exposure", VIEWER, body.clone()).await;
    assert_eq!(rest.status, StatusCode::OK, "{:#}", rest.body);
    assert_eq!(dec(&rest.body["booked"]["gross_notional"]), d("500000"));
    assert_eq!(rest.body["live"]["status"], "skipped");
    let mcp = app.tool_ok("calculate_exposure", body).await;
    assert_eq!(mcp["booked"], rest.body["booked"]);

    // Without a quote for ZZQ, live is partial and says which position kept its booked value.
    let out = app.tool_ok("calculate_exposure", json!({"desk": other})).await;
    assert_eq!(out["live"]["status"], "partial", "{:#}", out["live"]);
    assert_eq!(out["live"]["missing_underlyings"], json!(["ZZQ"]));
    assert_eq!(out["live"]["unpriced"][0]["position_id"], unquoted);
    assert_eq!(dec(&out["live"]["exposure"]["gross_notional"]), d("206"), "AAPL at spot 200, ZZQ at booked 6");

    // The market down: booked figures still come, live says why it is missing.
    app.market.fail_with(503);
    let out = app.tool_ok("calculate_exposure", json!({"desk": desk})).await;
    assert_eq!(dec(&out["booked"]["gross_notional"]), d("7958679.320975"));
    assert_eq!(out["live"]["status"], "unavailable");
    assert!(out["live"]["reason"].as_str().unwrap().contains("503"), "{:#}", out["live"]);
    app.stop().await;
}

#[tokio::test]
async fn check_trade_agrees_with_a_hand_computation() {
    let app = spawn_app().await;
    let desk = app.desk("idx");
    app.linear(&desk, "FUTURE", "SPX", "20", "50", "5000").await; // gross and net 5,000,000
    app.limit(&desk, "gross_notional", "8000000").await;
    app.limit(&desk, "net_delta", "6000000").await;
    app.market.quote("SPX", 5100.0, 0.2, 0.05);
    let order = |q: &str| json!({"desk": desk, "underlying": "SPX", "instrument_type": "FUTURE", "quantity": q, "multiplier": "50", "price": "5000"});

    // Buy 10: +2,500,000 each metric -> net delta 7.5M > 6M. Max: net (6M − 5M) / 250,000 = 4.
    let buy = app.tool_ok("check_trade", order("10")).await;
    assert_eq!(dec(&buy["trade"]["gross_notional"]), d("2500000"));
    assert_eq!(dec(&buy["post_trade"]["net_delta"]), d("7500000"));
    assert_eq!(buy["would_breach"], true);
    assert_eq!(buy["breached_metrics"], json!(["net_delta"]));
    assert_eq!(dec(&buy["max_quantity"]), d("4"));
    assert_eq!(buy["binding_metric"], "net_delta");
    let net = check(&buy["checks"], "net_delta");
    assert_eq!(dec(&net["headroom_after"]), d("-1500000"));
    assert_eq!(dec(&net["utilisation_after"]), d("1.25"));
    assert!(buy["conclusion"]["text"].as_str().unwrap().contains("WOULD BREACH net delta"), "{}", buy["conclusion"]);

    // Sell 10: gross still grows to 7.5M (fine), net falls to 2.5M. Max: gross (8M − 5M) / 250,000 = 12.
    let sell = app.tool_ok("check_trade", order("-10")).await;
    assert_eq!(sell["would_breach"], false);
    assert_eq!(dec(&sell["max_quantity"]), d("-12"));
    assert_eq!(sell["binding_metric"], "gross_notional");

    // The largest size stays inside; one more unit of the quantity's scale does not.
    let at_max = app.tool_ok("check_trade", order("4")).await;
    assert_eq!(at_max["would_breach"], false);
    let over = app.tool_ok("check_trade", order("4.000001")).await;
    assert_eq!(over["would_breach"], true);

    // A market order takes the spot; an option without greeks gets Black-Scholes ones.
    let market = app.tool_ok("check_trade", json!({"desk": desk, "underlying": "SPX", "instrument_type": "FUTURE", "quantity": "1", "multiplier": "50"})).await;
    assert_eq!(market["order"]["price_source"], "market");
    assert_eq!(dec(&market["trade"]["gross_notional"]), d("255000"));
    let opt = app
        .tool_ok(
            "check_trade",
            json!({"desk": desk, "underlying": "SPX", "instrument_type": "OPTION", "quantity": "10", "multiplier": "100",
                   "option_type": "PUT", "strike": "5000", "expiry": EXPIRY_1Y}),
        )
        .await;
    let g = value(&BsInput {
        option_type: OptionType::Put,
        spot: 5100.0,
        strike: 5000.0,
        volatility: 0.2,
        rate: 0.05,
        years: 1.0,
    })
    .unwrap();
    assert_eq!(opt["order"]["greeks_source"], "black_scholes");
    assert_eq!(dec(&opt["order"]["price"]), r8(g.price));
    assert_eq!(dec(&opt["order"]["delta"]), r8(g.delta));
    assert_eq!(dec(&opt["trade"]["net_delta"]), d("1000") * r8(g.price) * r8(g.delta));

    // REST mirror.
    let rest = app.post("/v1/check-trade", VIEWER, order("10")).await;
    assert_eq!(rest.status, StatusCode::OK);
    assert_eq!(rest.body["max_quantity"], buy["max_quantity"]);
    // No quote and no price: 422 naming `price`.
    let rest = app
        .post(
            "/v1/check-trade",
            VIEWER,
            json!({"desk": desk, "underlying": "NOQUOTE", "instrument_type": "EQUITY", "quantity": "1"}),
        )
        .await;
    assert_eq!((rest.status, rest.code()), (StatusCode::UNPROCESSABLE_ENTITY, "unprocessable"), "{:#}", rest.body);
    assert!(rest.body["error"]["message"].as_str().unwrap().contains("price"));
    app.stop().await;
}

/// The isError text of a tool call that must fail.
async fn tool_error(app: &crate::support::TestApp, tool: &str, args: Value) -> String {
    let r = app.call_tool(VIEWER, tool, args).await;
    assert_eq!(r["isError"], true, "{tool}: {r:#}");
    assert!(r.get("structuredContent").is_none_or(Value::is_null));
    r["content"][0]["text"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn input_errors_name_the_field_and_unknown_tools_are_protocol_errors() {
    let app = spawn_app().await;
    let desk = app.desk("a");
    let cases = [
        ("get_positions", json!({"limit": 501}), "`limit`"),
        ("get_positions", json!({"limit": "ten"}), "`limit`"),
        ("get_positions", json!({"colour": "red"}), "`colour`"),
        ("get_positions", json!({"sort": "size"}), "`sort`"),
        ("get_positions", json!({"cursor": "abc"}), "`cursor`"),
        ("list_alerts", json!({"status": "lost"}), "`status`"),
        ("get_alert", json!({}), "`alert_id`"),
        ("calculate_exposure", json!({}), "`desk`"),
        (
            "calculate_exposure",
            json!({"positions": [{"instrument_type": "OPTION", "underlying": "SPX", "quantity": "1", "price": "1"}]}),
            "`positions[0].delta`",
        ),
        (
            "calculate_exposure",
            json!({"positions": [{"instrument_type": "FUTURE", "underlying": "SPX", "quantity": "1e3", "price": "1"}]}),
            "`positions[0].quantity`",
        ),
        ("check_trade", json!({"underlying": "SPX", "instrument_type": "FUTURE", "quantity": "1"}), "`desk`"),
        (
            "check_trade",
            json!({"desk": desk, "underlying": "SPX", "instrument_type": "FUTURE", "quantity": "0"}),
            "`quantity`",
        ),
        (
            "check_trade",
            json!({"desk": desk, "underlying": "SPX", "instrument_type": "FUTURE", "quantity": 5}),
            "`quantity`",
        ),
        (
            "check_trade",
            json!({"desk": desk, "underlying": "SPX", "instrument_type": "OPTION", "quantity": "1", "price": "1"}),
            "`option_type`",
        ),
        (
            "check_trade",
            json!({"desk": " ", "underlying": "SPX", "instrument_type": "FUTURE", "quantity": "1"}),
            "`desk`",
        ),
        ("ask", json!({"question": ""}), "`question`"),
    ];
    for (tool, args, field) in cases {
        let text = tool_error(&app, tool, args.clone()).await;
        assert!(text.contains(field), "{tool} {args}: {text}");
    }
    let missing = tool_error(&app, "get_alert", json!({"alert_id": "7f1c6a52-0000-4000-8000-000000000000"})).await;
    assert!(missing.contains("no alert"), "{missing}");

    let unknown = app.mcp(Some(VIEWER), "tools/call", json!({"name": "drop_tables", "arguments": {}})).await;
    assert_eq!(unknown.body["error"]["code"], -32602, "{:#}", unknown.body);

    // REST: 400 in the one error shape, naming the argument.
    for (path, field) in [
        ("/v1/positions?limit=0", "limit"),
        ("/v1/positions?limit=x", "limit"),
        ("/v1/alerts?open_only=maybe", "open_only"),
        ("/v1/exposure", "desk"),
    ] {
        let a = app.get(path, VIEWER).await;
        assert_eq!((a.status, a.code()), (StatusCode::BAD_REQUEST, "invalid_input"), "{path}: {:#}", a.body);
        assert!(a.body["error"]["message"].as_str().unwrap().contains(field), "{path}: {:#}", a.body);
    }
    let a = app
        .post(
            "/v1/check-trade",
            VIEWER,
            json!({"desk": desk, "underlying": "SPX", "instrument_type": "FUTURE", "quantity": "1", "size": 2}),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body["error"]["message"].as_str().unwrap().contains("size"), "{:#}", a.body);
    let a = app.get("/v1/alerts/7f1c6a52-0000-4000-8000-000000000000", VIEWER).await;
    assert_eq!((a.status, a.code()), (StatusCode::NOT_FOUND, "not_found"));
    let a = app.get("/v1/nothing-here", VIEWER).await;
    assert_eq!((a.status, a.code()), (StatusCode::NOT_FOUND, "not_found"));
    let a = app.send(reqwest::Method::DELETE, "/v1/positions", Some(VIEWER), None).await;
    assert_eq!((a.status, a.code()), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"), "{:#}", a.body);
    app.stop().await;
}

#[tokio::test]
async fn positions_pages_follow_the_cursor_in_order() {
    let app = spawn_app().await;
    let desk = app.desk("pg");
    for (i, q) in ["3", "-9", "1", "7", "-2", "5", "8"].iter().enumerate() {
        app.linear(&desk, if i % 2 == 0 { "FUTURE" } else { "EQUITY" }, "SPX", q, "1", "100").await;
    }
    app.linear(&app.desk("elsewhere"), "FUTURE", "SPX", "100", "1", "100").await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut args = json!({"desk": desk, "sort": "gross_notional", "limit": 3});
        if let Some(c) = &cursor {
            args["cursor"] = json!(c);
        }
        let page = app.tool_ok("get_positions", args).await;
        assert!(page["count"].as_u64().unwrap() <= 3);
        for p in page["positions"].as_array().unwrap() {
            seen.push(dec(&p["exposure"]["gross_notional"]));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let expected: Vec<BigDecimal> = ["900", "800", "700", "500", "300", "200", "100"].iter().map(|s| d(s)).collect();
    assert_eq!(seen, expected, "largest first, each exactly once");
    let futures = app.tool_ok("get_positions", json!({"desk": desk, "instrument_type": "FUTURE"})).await;
    assert_eq!(futures["count"], 4);
    // A cursor replayed with another sort is refused.
    let first = app.tool_ok("get_positions", json!({"desk": desk, "limit": 2})).await;
    let c = first["next_cursor"].as_str().unwrap();
    let text =
        tool_error(&app, "get_positions", json!({"desk": desk, "limit": 2, "sort": "updated_at", "cursor": c})).await;
    assert!(text.contains("`cursor`"), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn desk_monitor_alerts_and_ask() {
    let app = spawn_app().await;
    let (hot, calm) = (app.desk("hot"), app.desk("calm"));
    app.desk_exposure(&hot, "1200", "-900", "10", 3).await;
    app.desk_exposure(&calm, "100", "50", "0", 1).await;
    app.limit(&hot, "gross_notional", "1000").await;
    app.limit(&hot, "net_delta", "1000").await;
    app.limit(&calm, "gross_notional", "1000").await;
    let open = app.alert(&hot, "gross_notional", "delivered", "1200", "1000", false).await;
    let _resolved = app.alert(&hot, "net_delta", "consumed", "1100", "1000", true).await;
    let delivery = app.delivery(&open, "breach", 0, 1).await;

    let m = app.tool_ok("desk_monitor", json!({})).await;
    let desks = m["desks"].as_array().unwrap();
    assert_eq!(desks[0]["desk"], hot.as_str(), "worst first");
    assert_eq!(dec(&desks[0]["worst_utilisation"]), d("1.2"));
    assert_eq!(desks[0]["breached"], true);
    assert_eq!(desks[0]["open_episodes"].as_array().unwrap().len(), 1);
    assert_eq!(desks[0]["awaiting_ack"][0]["alert_id"], open.as_str());
    assert_eq!(m["breaching"], 1);
    let only = app.tool_ok("desk_monitor", json!({"only_breaching": true})).await;
    assert_eq!(only["desk_count"], 1);

    let list = app.tool_ok("list_alerts", json!({"desk": hot, "open_only": true})).await;
    assert_eq!(list["count"], 1);
    let awaiting = app.get(&format!("/v1/alerts?awaiting_ack=true&desk={hot}"), VIEWER).await;
    assert_eq!(awaiting.body["count"], 1, "{:#}", awaiting.body);
    let one = app.tool_ok("get_alert", json!({"alert_id": open})).await;
    assert_eq!(one["deliveries"][0]["delivery_id"], delivery.as_str());
    assert_eq!(one["deliveries"][0]["attempt_log"][0]["status_code"], 204);
    assert_eq!(one["alert"]["summary"], "Net delta doubled after a block trade.");

    // ask without an LLM: the deterministic interpreter.
    let a = app.tool_ok("ask", json!({"question": format!("What is the exposure of desk {hot}?")})).await;
    assert_eq!(a["planner"], "deterministic");
    assert_eq!(a["answered"], true);
    assert_eq!(a["steps"][0]["tool"], "calculate_exposure");
    let a = app.tool_ok("ask", json!({"question": "which desks are breaching a limit?"})).await;
    assert_eq!(a["steps"][0]["tool"], "desk_monitor");
    assert!(a["conclusion"]["text"].as_str().unwrap().contains("over a limit"), "{}", a["conclusion"]);
    let a = app.tool_ok("ask", json!({"question": "what's for lunch?"})).await;
    assert_eq!(a["answered"], false);
    assert!(a["conclusion"]["text"].as_str().unwrap().contains("could not map"));
    app.stop().await;
}

#[tokio::test]
async fn desk_monitor_answers_are_shared_briefly_then_refreshed() {
    let app = crate::support::spawn_with(|s| s.tools.desk_monitor_cache_ms = 1_000).await;
    app.desk_exposure("cache-desk", "100", "100", "0", 1).await;
    let first = app.tool_ok("desk_monitor", json!({})).await;
    app.desk_exposure("cache-desk", "250", "250", "0", 2).await;
    let cached = app.tool_ok("desk_monitor", json!({})).await;
    assert_eq!(first["desks"], cached["desks"], "within the cache period the same answer is shared");
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let fresh = app.tool_ok("desk_monitor", json!({})).await;
    assert_eq!(fresh["desks"][0]["position_count"], 2, "{fresh:#}");
    // Other arguments are another question.
    let one = app.tool_ok("desk_monitor", json!({"desk": "cache-desk"})).await;
    assert_eq!(one["desk_count"], 1);
}
