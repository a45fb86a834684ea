//! The underlyings of one snapshot request, and the snapshot built from the service's answer.

use crate::error::MarketError;
use crate::model::{MarketSnapshot, Quote, QuotesResponse};
use std::collections::{BTreeMap, BTreeSet};

/// Requested underlyings, trimmed, deduplicated and sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Requested {
    /// What goes on the wire.
    pub askable: Vec<String>,
    /// Names that cannot be asked for (they contain the list separator `,`): reported missing.
    pub unaskable: Vec<String>,
}

impl Requested {
    pub fn new(underlyings: &[String]) -> Self {
        let names: BTreeSet<&str> = underlyings.iter().map(|u| u.trim()).filter(|u| !u.is_empty()).collect();
        let (askable, unaskable): (Vec<&str>, Vec<&str>) = names.into_iter().partition(|u| !u.contains(','));
        Self {
            askable: askable.into_iter().map(str::to_owned).collect(),
            unaskable: unaskable.into_iter().map(str::to_owned).collect(),
        }
    }
}

/// Validates the answer and keeps the quotes that were asked for, in request order.
/// Quotes for names that were not asked for are ignored.
pub(crate) fn build_snapshot(response: QuotesResponse, requested: &Requested) -> Result<MarketSnapshot, MarketError> {
    let mut by_name: BTreeMap<String, Quote> = BTreeMap::new();
    for quote in response.quotes {
        if let Some(problem) = quote.problem() {
            return Err(MarketError::InvalidResponse(problem));
        }
        if by_name.contains_key(&quote.underlying) {
            return Err(MarketError::InvalidResponse(format!("{}: quoted twice", quote.underlying)));
        }
        by_name.insert(quote.underlying.clone(), quote);
    }
    let mut quotes = Vec::with_capacity(requested.askable.len());
    let mut missing = requested.unaskable.clone();
    for name in &requested.askable {
        match by_name.remove(name) {
            Some(q) => quotes.push(q),
            None => missing.push(name.clone()),
        }
    }
    if !by_name.is_empty() {
        tracing::debug!(unrequested = ?by_name.keys().collect::<Vec<_>>(), "market service sent quotes not asked for");
    }
    missing.sort();
    Ok(MarketSnapshot { quotes, missing })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::Utc;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn quote(name: &str, spot: f64) -> Quote {
        Quote { underlying: name.into(), spot, volatility: 0.2, rate: 0.04, as_of: Utc::now() }
    }

    #[test]
    fn requests_are_deduplicated_sorted_and_trimmed() {
        let r = Requested::new(&names(&["SPX", " AAPL", "SPX", "", "  ", "A,B", "AAPL"]));
        assert_eq!(r.askable, names(&["AAPL", "SPX"]));
        assert_eq!(r.unaskable, names(&["A,B"]));
    }

    #[test]
    fn snapshot_keeps_asked_quotes_and_lists_missing() {
        let r = Requested::new(&names(&["SPX", "AAPL", "ZZZ", "A,B"]));
        let response = QuotesResponse {
            as_of: Utc::now(),
            quotes: vec![quote("SPX", 5000.0), quote("AAPL", 190.0), quote("X", 1.0)],
        };
        let s = build_snapshot(response, &r).unwrap();
        let got: Vec<&str> = s.quotes.iter().map(|q| q.underlying.as_str()).collect();
        assert_eq!(got, ["AAPL", "SPX"]);
        assert_eq!(s.missing, names(&["A,B", "ZZZ"]));
    }

    #[test]
    fn invalid_and_duplicate_quotes_are_rejected() {
        let r = Requested::new(&names(&["SPX"]));
        let bad = QuotesResponse { as_of: Utc::now(), quotes: vec![quote("SPX", -5.0)] };
        let err = build_snapshot(bad, &r).unwrap_err();
        assert!(matches!(&err, MarketError::InvalidResponse(m) if m.contains("SPX: spot -5")), "{err}");
        let dup = QuotesResponse { as_of: Utc::now(), quotes: vec![quote("SPX", 1.0), quote("SPX", 2.0)] };
        assert!(matches!(build_snapshot(dup, &r), Err(MarketError::InvalidResponse(m)) if m.contains("twice")));
    }
}
