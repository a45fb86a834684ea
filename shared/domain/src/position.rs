//! A row of the contract's `positions` table.

use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum InstrumentType {
    Equity,
    Future,
    Option,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum OptionType {
    Call,
    Put,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {what} (expected one of {expected})")]
pub struct ParseEnumError {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static str,
}

impl InstrumentType {
    pub fn as_str(self) -> &'static str {
        match self {
            InstrumentType::Equity => "EQUITY",
            InstrumentType::Future => "FUTURE",
            InstrumentType::Option => "OPTION",
        }
    }
}

impl FromStr for InstrumentType {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "EQUITY" => Ok(Self::Equity),
            "FUTURE" => Ok(Self::Future),
            "OPTION" => Ok(Self::Option),
            _ => Err(ParseEnumError { what: "instrument_type", value: s.into(), expected: "EQUITY, FUTURE, OPTION" }),
        }
    }
}

impl fmt::Display for InstrumentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl OptionType {
    pub fn as_str(self) -> &'static str {
        match self {
            OptionType::Call => "CALL",
            OptionType::Put => "PUT",
        }
    }
}

impl FromStr for OptionType {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "CALL" => Ok(Self::Call),
            "PUT" => Ok(Self::Put),
            _ => Err(ParseEnumError { what: "option_type", value: s.into(), expected: "CALL, PUT" }),
        }
    }
}

impl fmt::Display for OptionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One position, with every decimal exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub position_id: i64,
    pub desk: String,
    pub instrument_id: String,
    pub instrument_type: InstrumentType,
    pub underlying: String,
    /// Signed: negative is short.
    pub quantity: BigDecimal,
    pub multiplier: BigDecimal,
    /// Booked mark.
    pub price: BigDecimal,
    /// Per unit; 1 for linear instruments.
    pub delta: BigDecimal,
    /// Per unit; 0 for linear instruments.
    pub vega: BigDecimal,
    pub option_type: Option<OptionType>,
    pub strike: Option<BigDecimal>,
    pub expiry: Option<NaiveDate>,
    pub currency: String,
    pub updated_at: Option<DateTime<Utc>>,
}
