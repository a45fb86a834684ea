//! Exact decimals on the wire: always JSON strings in plain notation (`"-12.5"`, never a
//! float, never `1E+3`). [`Dec`] is what the gateway writes; [`DecIn`] is what it accepts,
//! bounded to the sizes of the `positions` columns (18 integer digits, 8 decimals).

use bigdecimal::{BigDecimal, RoundingMode, Zero};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::str::FromStr;

/// Pattern of every decimal the gateway accepts.
pub const INPUT_PATTERN: &str = r"^-?[0-9]{1,18}(\.[0-9]{1,8})?$";

/// An exact decimal the gateway writes (JSON string, plain notation, no trailing zeros).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Dec(pub BigDecimal);

impl Dec {
    pub fn new(v: &BigDecimal) -> Self {
        Dec(v.normalized())
    }
}

impl From<BigDecimal> for Dec {
    fn from(v: BigDecimal) -> Self {
        Dec(v.normalized())
    }
}

impl Serialize for Dec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&riskmonitor_domain::decimal::plain(&self.0))
    }
}

impl JsonSchema for Dec {
    fn schema_name() -> Cow<'static, str> {
        "Decimal".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
            "description": "An exact decimal number written as a string (plain notation).",
            "examples": ["1234.5", "-0.25"]
        })
    }
}

/// An exact decimal the gateway accepts: a JSON string matching [`INPUT_PATTERN`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecIn(pub BigDecimal);

impl<'de> Deserialize<'de> for DecIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_input(&s).map(DecIn).map_err(serde::de::Error::custom)
    }
}

impl Serialize for DecIn {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&riskmonitor_domain::decimal::plain(&self.0))
    }
}

impl JsonSchema for DecIn {
    fn schema_name() -> Cow<'static, str> {
        "DecimalInput".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": INPUT_PATTERN,
            "description": "An exact decimal number as a string: up to 18 integer digits and 8 decimals.",
            "examples": ["100", "-12.5", "4321.12345678"]
        })
    }
}

/// Pattern of the decimals that cannot be negative (prices, multipliers, strikes).
pub const UNSIGNED_PATTERN: &str = r"^[0-9]{1,18}(\.[0-9]{1,8})?$";

/// A decimal argument that cannot be negative: a JSON string matching [`UNSIGNED_PATTERN`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecUnsigned(pub BigDecimal);

impl<'de> Deserialize<'de> for DecUnsigned {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.starts_with('-') {
            return Err(serde::de::Error::custom(format!("`{s}` must not be negative")));
        }
        parse_input(&s).map(DecUnsigned).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for DecUnsigned {
    fn schema_name() -> Cow<'static, str> {
        "UnsignedDecimalInput".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": UNSIGNED_PATTERN,
            "description": "An exact decimal number ≥ 0 as a string: up to 18 integer digits and 8 decimals.",
            "examples": ["100", "4321.12345678"]
        })
    }
}

/// Parses a decimal argument as [`INPUT_PATTERN`] allows.
pub fn parse_input(s: &str) -> Result<BigDecimal, String> {
    let bad = || format!("`{s}` is not a decimal string like \"-12.5\" (up to 18 integer digits and 8 decimals)");
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = (1..=18).contains(&int.len())
        && int.bytes().all(|b| b.is_ascii_digit())
        && (!digits.contains('.') || (1..=8).contains(&frac.len()))
        && frac.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return Err(bad());
    }
    BigDecimal::from_str(s).map(|d| d.normalized()).map_err(|_| bad())
}

/// `v` rounded towards zero to `scale` decimals.
pub fn round_down(v: &BigDecimal, scale: i64) -> BigDecimal {
    v.with_scale_round(scale, RoundingMode::Down).normalized()
}

/// `v` rounded half-even to `scale` decimals.
pub fn round(v: &BigDecimal, scale: i64) -> BigDecimal {
    v.with_scale_round(scale, RoundingMode::HalfEven).normalized()
}

/// A model output (f64) as a decimal with `scale` decimals; `None` when not finite.
pub fn from_f64(x: f64, scale: usize) -> Option<BigDecimal> {
    if !x.is_finite() {
        return None;
    }
    BigDecimal::from_str(&format!("{x:.scale$}")).ok().map(|d| d.normalized())
}

/// A decimal as f64, for the pricing model only.
pub fn to_f64(v: &BigDecimal) -> f64 {
    riskmonitor_domain::decimal::plain(v).parse().unwrap_or(f64::NAN)
}

/// `|value| / limit`, 6 decimals (utilisation as a fraction: 1 = at the limit); `None` when
/// the limit is zero or negative.
pub fn utilisation(value: &BigDecimal, limit: &BigDecimal) -> Option<BigDecimal> {
    if limit <= &BigDecimal::zero() {
        return None;
    }
    Some(round(&(value.abs() / limit), 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_accepts_plain_bounded_decimals_only() {
        assert_eq!(parse_input("-12.50").unwrap(), BigDecimal::from_str("-12.5").unwrap());
        assert!(parse_input("100").is_ok());
        for bad in ["", "-", "1.", ".5", "1e3", "1.123456789", "1234567890123456789", "+1", " 1", "0x1"] {
            assert!(parse_input(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wire_form_is_a_plain_string() {
        let d = Dec::from(BigDecimal::from_str("1000.000").unwrap());
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"1000\"");
        let r: DecIn = serde_json::from_str("\"4321.12345678\"").unwrap();
        assert_eq!(r.0, BigDecimal::from_str("4321.12345678").unwrap());
        assert!(serde_json::from_str::<DecIn>("12.5").is_err(), "numbers are refused: strings only");
        assert!(serde_json::from_str::<DecUnsigned>("\"-1\"").is_err());
        assert!(serde_json::from_str::<DecUnsigned>("\"0.5\"").is_ok());
    }

    #[test]
    fn helpers() {
        let d = |s: &str| BigDecimal::from_str(s).unwrap();
        assert_eq!(round_down(&d("-2.999"), 2), d("-2.99"));
        assert_eq!(from_f64(0.1 + 0.2, 8), Some(d("0.3")));
        assert_eq!(from_f64(f64::NAN, 8), None);
        assert_eq!(utilisation(&d("-50"), &d("200")), Some(d("0.25")));
        assert_eq!(utilisation(&d("1"), &d("3")), Some(d("0.333333")));
        assert_eq!(utilisation(&d("1"), &d("0")), None);
    }
}
