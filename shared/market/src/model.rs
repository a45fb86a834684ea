//! What the client hands out ([`Quote`], [`MarketSnapshot`]) and the wire format of the
//! market-snapshot service ([`QuotesResponse`]), shared with the simulator so both sides agree.
//!
//! `GET {url}/v1/quotes?underlyings=SPX,AAPL` answers 200 with
//! `{"as_of":"2026-12-05T13:00:00Z","quotes":[{"underlying":"SPX","spot":5012.5,
//! "volatility":0.18,"rate":0.043,"as_of":"2026-12-05T13:00:00Z"}]}`. Underlyings the service
//! does not know are simply absent from `quotes`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Path of the quotes endpoint, below the service's base URL.
pub const QUOTES_PATH: &str = "/v1/quotes";
/// Query parameter carrying the comma-separated underlyings.
pub const UNDERLYINGS_PARAM: &str = "underlyings";

/// Market data of one underlying at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub underlying: String,
    /// Spot price (finite, > 0).
    pub spot: f64,
    /// Annualised implied volatility as a fraction, 0.18 = 18 % (finite, >= 0).
    pub volatility: f64,
    /// Continuously compounded risk-free rate as a fraction, 0.043 = 4.3 % (finite).
    pub rate: f64,
    pub as_of: DateTime<Utc>,
}

impl Quote {
    /// Why this quote cannot be used, if it cannot.
    pub fn problem(&self) -> Option<String> {
        let u = &self.underlying;
        if u.trim().is_empty() {
            Some("a quote has an empty underlying".into())
        } else if !self.spot.is_finite() || self.spot <= 0.0 {
            Some(format!("{u}: spot {} is not a finite positive number", self.spot))
        } else if !self.volatility.is_finite() || self.volatility < 0.0 {
            Some(format!("{u}: volatility {} is not a finite number >= 0", self.volatility))
        } else if !self.rate.is_finite() {
            Some(format!("{u}: rate {} is not finite", self.rate))
        } else {
            None
        }
    }
}

/// Quotes for the requested underlyings, sorted by underlying; `missing` lists (sorted) the
/// requested underlyings the service had no quote for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MarketSnapshot {
    pub quotes: Vec<Quote>,
    pub missing: Vec<String>,
}

impl MarketSnapshot {
    pub fn get(&self, underlying: &str) -> Option<&Quote> {
        self.quotes.iter().find(|q| q.underlying == underlying)
    }

    pub fn is_empty(&self) -> bool {
        self.quotes.is_empty() && self.missing.is_empty()
    }
}

/// Body of a 200 answer of `GET /v1/quotes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotesResponse {
    /// When the service produced the answer.
    pub as_of: DateTime<Utc>,
    pub quotes: Vec<Quote>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn quote(spot: f64, volatility: f64, rate: f64) -> Quote {
        Quote { underlying: "SPX".into(), spot, volatility, rate, as_of: Utc::now() }
    }

    #[test]
    fn problems_are_named() {
        assert_eq!(quote(5000.0, 0.0, -0.01).problem(), None);
        assert!(quote(-1.0, 0.2, 0.04).problem().unwrap().contains("spot"));
        assert!(quote(0.0, 0.2, 0.04).problem().unwrap().contains("spot"));
        assert!(quote(f64::NAN, 0.2, 0.04).problem().unwrap().contains("spot"));
        assert!(quote(1.0, -0.2, 0.04).problem().unwrap().contains("volatility"));
        assert!(quote(1.0, 0.2, f64::INFINITY).problem().unwrap().contains("rate"));
    }

    #[test]
    fn wire_format_round_trips() {
        let text = r#"{"as_of":"2026-12-05T13:00:00Z","quotes":[{"underlying":"SPX","spot":5012.5,
            "volatility":0.18,"rate":0.043,"as_of":"2026-12-05T13:00:00Z"}]}"#;
        let r: QuotesResponse = serde_json::from_str(text).unwrap();
        assert_eq!(r.quotes[0].spot, 5012.5);
        assert_eq!(r.as_of.to_rfc3339(), "2026-12-05T13:00:00+00:00");
        let again: QuotesResponse = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(again, r);
    }
}
