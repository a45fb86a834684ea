//! The deterministic interpreter behind `ask` when no LLM is configured (or it is down): maps
//! the common questions to tool calls, and says plainly when it cannot.
//!
//! Understood: a desk's exposure ("what is the exposure of desk rates?"), breaches ("which
//! desks are over a limit?", "open alerts for rates"), alerts awaiting an ack, the biggest
//! positions ("top 5 positions on rates"), an overview ("how are the desks doing?"), one alert
//! by id, and what-ifs ("what if rates buys 10 SPX futures at 5000?").

use serde_json::{Map, Value, json};

/// A planned tool call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub tool: &'static str,
    pub arguments: Map<String, Value>,
}

/// What the interpreter made of a question.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    Calls(Vec<Call>),
    /// Not understood, or missing something; the text says what.
    Cannot(String),
}

/// Questions the interpreter understands, for the "cannot" answer.
pub const EXAMPLES: &str = "\"what is the exposure of desk <desk>?\", \"which desks are breaching a limit?\", \
    \"open alerts for <desk>\", \"alerts awaiting ack\", \"top 5 positions on <desk>\", \"how are the desks doing?\", \
    \"show alert <alert_id>\", \"what if <desk> buys 10 SPX futures at 5000?\"";

fn call(tool: &'static str, arguments: Value) -> Call {
    Call { tool, arguments: arguments.as_object().cloned().unwrap_or_default() }
}

/// Plans the calls answering `question`; `desks` are the known desk names.
pub fn plan(question: &str, desks: &[String]) -> Plan {
    let lower = question.to_lowercase();
    let words: Vec<String> = lower
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ',')))
        .map(|w| w.trim_end_matches(['.', ',']).to_owned())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.iter().any(|x| x == w);
    let any = |ws: &[&str]| ws.iter().any(|w| has(w));
    let desk = find_desk(&lower, desks);

    if let Some(id) = words.iter().find(|w| is_uuid(w)) {
        return Plan::Calls(vec![call("get_alert", json!({ "alert_id": id }))]);
    }
    let what_if = lower.contains("what if")
        || lower.contains("can i")
        || lower.contains("could i")
        || any(&["buy", "buys", "sell", "sells", "bought", "sold"]);
    if what_if && any(&["buy", "buys", "bought", "sell", "sells", "sold"]) {
        return what_if_plan(question, &words, desk, desks);
    }
    if lower.contains("await") || lower.contains("unacknowledged") || lower.contains("not acknowledged") || has("ack") {
        let mut args = json!({ "awaiting_ack": true });
        if let Some(d) = &desk {
            args["desk"] = json!(d);
        }
        return Plan::Calls(vec![call("list_alerts", args)]);
    }
    if lower.contains("breach")
        || lower.contains("over limit")
        || lower.contains("over a limit")
        || lower.contains("over its limit")
        || any(&["alert", "alerts", "episodes"])
    {
        let mut monitor = json!({ "only_breaching": true });
        let mut alerts = json!({ "open_only": true });
        if let Some(d) = &desk {
            monitor["desk"] = json!(d);
            alerts["desk"] = json!(d);
        }
        return Plan::Calls(vec![call("desk_monitor", monitor), call("list_alerts", alerts)]);
    }
    if any(&["biggest", "largest", "top", "main"]) && words.iter().any(|w| w.starts_with("position")) {
        let n = words.iter().find_map(|w| w.parse::<u32>().ok()).filter(|n| (1..=50).contains(n)).unwrap_or(5);
        let mut args = json!({ "sort": "gross_notional", "order": "desc", "limit": n });
        if let Some(d) = &desk {
            args["desk"] = json!(d);
        }
        return Plan::Calls(vec![call("get_positions", args)]);
    }
    if any(&["exposure", "exposures", "delta", "vega", "notional", "risk"]) {
        return match desk {
            Some(d) => Plan::Calls(vec![call("calculate_exposure", json!({ "desk": d }))]),
            None => Plan::Calls(vec![call("desk_monitor", json!({}))]),
        };
    }
    if any(&[
        "desks",
        "desk",
        "utilisation",
        "utilization",
        "headroom",
        "worst",
        "overview",
        "status",
        "limits",
        "limit",
    ]) {
        let mut args = json!({});
        if let Some(d) = &desk {
            args["desk"] = json!(d);
        }
        return Plan::Calls(vec![call("desk_monitor", args)]);
    }
    if words.iter().any(|w| w.starts_with("position")) {
        let mut args = json!({});
        if let Some(d) = &desk {
            args["desk"] = json!(d);
        }
        return Plan::Calls(vec![call("get_positions", args)]);
    }
    Plan::Cannot(format!("I could not map this question to the tools I have. I can answer questions like {EXAMPLES}."))
}

fn what_if_plan(question: &str, words: &[String], desk: Option<String>, desks: &[String]) -> Plan {
    let Some(desk) = desk else {
        return Plan::Cannot(
            "To check a trade I need the desk that would book it: name one of the known desks.".into(),
        );
    };
    let sell = words.iter().any(|w| matches!(w.as_str(), "sell" | "sells" | "sold" | "short"));
    let amounts: Vec<String> = words.iter().filter_map(|w| number(w)).collect();
    let Some(quantity) = amounts.first().cloned() else {
        return Plan::Cannot("To check a trade I need its quantity, e.g. \"buy 10 SPX futures\".".into());
    };
    // "at 5000" gives the price; otherwise it is a market order.
    let price = words.windows(2).find(|w| w[0] == "at" || w[0] == "@").and_then(|w| number(&w[1]));
    let underlying = question
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .find(|t| {
            t.len() >= 2
                && t.len() <= 12
                && t.chars().any(|c| c.is_ascii_uppercase())
                && t.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '.')
                && !desks.iter().any(|d| d.eq_ignore_ascii_case(t))
        })
        .map(str::to_owned);
    let Some(underlying) = underlying else {
        return Plan::Cannot("To check a trade I need the underlying's symbol in capitals, e.g. SPX.".into());
    };
    if words.iter().any(|w| matches!(w.as_str(), "option" | "options" | "call" | "calls" | "put" | "puts")) {
        return Plan::Cannot(
            "Option what-ifs need a strike and expiry: call check_trade directly with option_type, strike and expiry."
                .into(),
        );
    }
    let kind = if words.iter().any(|w| w.starts_with("future") || w == "contracts") { "FUTURE" } else { "EQUITY" };
    let quantity = if sell { format!("-{quantity}") } else { quantity };
    let mut args = json!({ "desk": desk, "underlying": underlying, "instrument_type": kind, "quantity": quantity });
    if let Some(p) = price {
        args["price"] = json!(p);
    }
    Plan::Calls(vec![call("check_trade", args)])
}

/// A plain positive number in a word (`10`, `2.5`, `1,000`, `5k`, `2m`), as a decimal string.
fn number(word: &str) -> Option<String> {
    let w = word.replace(',', "");
    let (digits, factor) = match w.chars().last()? {
        'k' => (&w[..w.len() - 1], 1_000u64),
        'm' => (&w[..w.len() - 1], 1_000_000u64),
        _ => (w.as_str(), 1),
    };
    let parsed = crate::decimal::parse_input(digits).ok()?;
    if parsed.sign() != bigdecimal::num_bigint::Sign::Plus {
        return None;
    }
    Some(riskmonitor_domain::decimal::plain(&(parsed * bigdecimal::BigDecimal::from(factor))))
}

/// The longest known desk named in the question (case-insensitive, whole words).
fn find_desk(lower: &str, desks: &[String]) -> Option<String> {
    desks
        .iter()
        .filter(|d| {
            let d = d.to_lowercase();
            lower.match_indices(&d).any(|(i, _)| {
                let before = lower[..i].chars().next_back();
                let after = lower[i + d.len()..].chars().next();
                let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '-' || c == '_'));
                boundary(before) && boundary(after)
            })
        })
        .max_by_key(|d| d.len())
        .cloned()
}

fn is_uuid(w: &str) -> bool {
    w.len() == 36
        && w.chars()
            .enumerate()
            .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desks() -> Vec<String> {
        vec!["rates".into(), "eq-vol".into(), "fx".into()]
    }

    fn tools(p: &Plan) -> Vec<&'static str> {
        match p {
            Plan::Calls(c) => c.iter().map(|c| c.tool).collect(),
            Plan::Cannot(_) => vec![],
        }
    }

    #[test]
    fn maps_common_questions() {
        let d = desks();
        let p = plan("What is the exposure of desk Rates?", &d);
        assert_eq!(p, Plan::Calls(vec![call("calculate_exposure", json!({"desk": "rates"}))]));
        assert_eq!(tools(&plan("Which desks are breaching a limit?", &d)), ["desk_monitor", "list_alerts"]);
        assert_eq!(tools(&plan("alerts awaiting ack on fx", &d)), ["list_alerts"]);
        let p = plan("top 3 positions on eq-vol", &d);
        assert_eq!(
            p,
            Plan::Calls(vec![call(
                "get_positions",
                json!({"desk": "eq-vol", "sort": "gross_notional", "order": "desc", "limit": 3})
            )])
        );
        let p = plan("What if rates sells 1,000 SPX futures at 5000.5?", &d);
        assert_eq!(
            p,
            Plan::Calls(vec![call(
                "check_trade",
                json!({"desk": "rates", "underlying": "SPX", "instrument_type": "FUTURE", "quantity": "-1000", "price": "5000.5"})
            )])
        );
        assert_eq!(tools(&plan("show alert 0b4f7e2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b", &d)), ["get_alert"]);
    }

    #[test]
    fn says_plainly_when_it_cannot() {
        let d = desks();
        assert!(matches!(plan("what's the weather in Paris?", &d), Plan::Cannot(t) if t.contains("could not map")));
        assert!(matches!(plan("what if we buy 10 SPX?", &d), Plan::Cannot(t) if t.contains("desk")));
        assert!(matches!(plan("what if rates buys SPX?", &d), Plan::Cannot(t) if t.contains("quantity")));
    }
}
