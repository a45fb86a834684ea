//! Live re-pricing of a position from a market quote. Linear instruments (equities, futures)
//! take the spot as price, delta 1 and vega 0; options are valued with Black-Scholes from the
//! quote's spot, volatility and rate and the option's strike and expiry (time to expiry in
//! ACT/365 years from the quote's date). The results become exact decimals (8 places) and go
//! through the contract's exposure formulas like booked values do.

pub mod black_scholes;

use crate::decimal::{from_f64, to_f64};
use bigdecimal::BigDecimal;
use black_scholes::{BsInput, value};
use chrono::NaiveDate;
use riskmonitor_domain::{InstrumentType, Position};
use riskmonitor_market::Quote;

/// Decimal places of re-priced prices and greeks (the scale of the `price` column).
pub const SCALE: usize = 8;

/// How a live value was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Spot,
    BlackScholes,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Spot => "spot",
            Method::BlackScholes => "black_scholes",
        }
    }
}

/// A position's live price and greeks per unit.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveTerms {
    pub price: BigDecimal,
    pub delta: BigDecimal,
    /// Per volatility point (0.01), like the `vega` column.
    pub vega: BigDecimal,
    pub method: Method,
}

/// Re-prices `p` with `quote`. Errors say why the position cannot be re-priced.
pub fn reprice(p: &Position, quote: &Quote) -> Result<LiveTerms, String> {
    match p.instrument_type {
        InstrumentType::Equity | InstrumentType::Future => {
            let price = from_f64(quote.spot, SCALE).ok_or("spot is not finite")?;
            Ok(LiveTerms { price, delta: BigDecimal::from(1), vega: BigDecimal::from(0), method: Method::Spot })
        }
        InstrumentType::Option => {
            let option_type = p.option_type.ok_or("option without option_type")?;
            let strike = p.strike.as_ref().ok_or("option without strike")?;
            let expiry = p.expiry.ok_or("option without expiry")?;
            let years = years_between(quote.as_of.date_naive(), expiry);
            let greeks = value(&BsInput {
                option_type,
                spot: quote.spot,
                strike: to_f64(strike),
                volatility: quote.volatility,
                rate: quote.rate,
                years,
            })
            .map_err(|e| e.to_string())?;
            let none = || "the model gave a non-finite value".to_owned();
            Ok(LiveTerms {
                price: from_f64(greeks.price, SCALE).ok_or_else(none)?,
                delta: from_f64(greeks.delta, SCALE).ok_or_else(none)?,
                vega: from_f64(greeks.vega_per_point(), SCALE).ok_or_else(none)?,
                method: Method::BlackScholes,
            })
        }
    }
}

/// ACT/365 year fraction from `from` to `to` (negative once expired).
pub fn years_between(from: NaiveDate, to: NaiveDate) -> f64 {
    (to - from).num_days() as f64 / 365.0
}

/// `p` with its price, delta and vega replaced by live terms.
pub fn with_terms(p: &Position, t: &LiveTerms) -> Position {
    Position { price: t.price.clone(), delta: t.delta.clone(), vega: t.vega.clone(), ..p.clone() }
}
