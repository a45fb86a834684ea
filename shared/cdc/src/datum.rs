//! One field's value as read off the wire (Avro or JSON), and its exact conversions to the
//! domain's types. Nothing here goes through floating point unless the producer sent a float.

use crate::envelope::SourceBuilder;
use crate::error::Bad;
use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::BigInt;
use chrono::{DateTime, NaiveDate, Utc};
use riskmonitor_domain::Position;
use std::borrow::Cow;
use std::str::FromStr;

/// More significant digits than any MariaDB DECIMAL (65) can hold, with room to spare. Longer
/// decimals are rejected so a hostile record cannot make us build huge numbers.
pub(crate) const MAX_DIGITS: usize = 100;
/// Largest accepted |scale| (MariaDB's is at most 38). Bounds `1e-999999999`-style exponents.
pub(crate) const MAX_SCALE: i64 = 100;
/// Longest accepted unscaled two's-complement value, in bytes (about 100 decimal digits).
pub(crate) const MAX_UNSCALED_BYTES: usize = 42;

/// Day number (from 0001-01-01, day 1) of 1970-01-01, for `io.debezium.time.Date`.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// A field's value before it is given its domain type.
#[derive(Debug)]
pub(crate) enum Datum<'a> {
    Null,
    Bool(bool),
    /// Avro `int`/`long`.
    Long(i64),
    /// Avro `float`.
    Float(f32),
    /// Avro `double`.
    Double(f64),
    /// A JSON number, as its literal text (exact, never parsed as `f64`).
    Number(&'a str),
    /// Avro `string`/enum symbol, JSON string.
    Str(Cow<'a, str>),
    /// Avro `bytes`/`fixed` without a decimal logical type (no column takes raw bytes).
    Bytes,
    /// An unscaled big-endian two's-complement integer and its scale (Avro `decimal`, or a
    /// base64 Connect `Decimal` in JSON).
    Decimal(Cow<'a, [u8]>, i64),
    /// A `before`/`after` row.
    Row(Box<Position>),
    /// The `source` block (boxed: it would triple the size of every `Datum`).
    Source(Box<SourceBuilder>),
    /// A value we never convert (record, array, map, object): just its kind, for errors.
    Other(&'static str),
}

impl<'a> Datum<'a> {
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Datum::Null)
    }

    /// What this is, for "expected X, found Y" errors.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Datum::Null => "null",
            Datum::Bool(_) => "boolean",
            Datum::Long(_) => "integer",
            Datum::Float(_) | Datum::Double(_) => "floating-point number",
            Datum::Number(_) => "number",
            Datum::Str(_) => "string",
            Datum::Bytes => "bytes without a decimal scale",
            Datum::Decimal(..) => "decimal",
            Datum::Row(_) => "row",
            Datum::Source(_) => "source block",
            Datum::Other(kind) => kind,
        }
    }

    fn wrong(&self, expected: &'static str) -> Bad {
        Bad::Type { expected, found: self.kind() }
    }

    pub(crate) fn into_i64(self) -> Result<i64, Bad> {
        match self {
            Datum::Long(v) => Ok(v),
            Datum::Number(text) => {
                text.parse().map_err(|_| Bad::Type { expected: "a 64-bit integer", found: "another number" })
            }
            other => Err(other.wrong("an integer")),
        }
    }

    pub(crate) fn into_string(self) -> Result<String, Bad> {
        match self {
            Datum::Str(s) => Ok(s.into_owned()),
            other => Err(other.wrong("a string")),
        }
    }

    pub(crate) fn as_str(&self) -> Result<&str, Bad> {
        match self {
            Datum::Str(s) => Ok(s),
            other => Err(other.wrong("a string")),
        }
    }

    /// An exact decimal: Avro `decimal`, a decimal string, a JSON number literal, or (when the
    /// connector runs with `decimal.handling.mode=double`) the shortest text of the float.
    pub(crate) fn into_decimal(self) -> Result<BigDecimal, Bad> {
        match self {
            Datum::Decimal(unscaled, scale) => decimal_from_unscaled(&unscaled, scale),
            Datum::Str(text) => decimal_from_text(&text),
            Datum::Number(text) => decimal_from_text(text),
            Datum::Long(v) => Ok(BigDecimal::from(v)),
            // `Display` prints the shortest text that reads back as the same float: the value
            // the producer meant, not the float's binary expansion.
            Datum::Double(v) if v.is_finite() => decimal_from_text(&v.to_string()),
            Datum::Float(v) if v.is_finite() => decimal_from_text(&v.to_string()),
            Datum::Double(_) | Datum::Float(_) => Err(Bad::Decimal("not a finite number".into())),
            other => Err(other.wrong("a decimal (Avro decimal, decimal string or number)")),
        }
    }

    /// `io.debezium.time.Date` (days since 1970-01-01), or an ISO `YYYY-MM-DD` string.
    pub(crate) fn into_date(self) -> Result<NaiveDate, Bad> {
        let days = match self {
            Datum::Str(text) => {
                return NaiveDate::from_str(&text).map_err(|e| Bad::DateTime(format!("`{text}`: {e}")));
            }
            other @ (Datum::Long(_) | Datum::Number(_)) => other.into_i64()?,
            other => return Err(other.wrong("days since 1970-01-01")),
        };
        days.checked_add(UNIX_EPOCH_DAYS_FROM_CE)
            .and_then(|ce| i32::try_from(ce).ok())
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .ok_or_else(|| Bad::DateTime(format!("{days} days since 1970-01-01 is out of range")))
    }

    /// `io.debezium.time.ZonedTimestamp`: an ISO-8601 / RFC 3339 string.
    pub(crate) fn into_timestamp(self) -> Result<DateTime<Utc>, Bad> {
        match self {
            Datum::Str(text) => DateTime::parse_from_rfc3339(&text)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| Bad::DateTime(format!("`{text}`: {e}"))),
            other => Err(other.wrong("an ISO-8601 timestamp string")),
        }
    }
}

/// Builds the decimal `unscaled * 10^-scale`.
pub(crate) fn decimal_from_unscaled(unscaled: &[u8], scale: i64) -> Result<BigDecimal, Bad> {
    if unscaled.is_empty() {
        return Err(Bad::Decimal("empty unscaled value".into()));
    }
    if unscaled.len() > MAX_UNSCALED_BYTES {
        return Err(Bad::Decimal(format!("unscaled value of {} bytes is too long", unscaled.len())));
    }
    if !(-MAX_SCALE..=MAX_SCALE).contains(&scale) {
        return Err(Bad::Decimal(format!("scale {scale} is out of range")));
    }
    Ok(BigDecimal::new(BigInt::from_signed_bytes_be(unscaled), scale))
}

/// Parses `[+-]digits[.digits][(e|E)[+-]digits]` exactly; the scale is kept (`"1.500"` has
/// scale 3). Stricter than `BigDecimal::from_str` (no `_`, no empty parts) and bounded.
pub(crate) fn decimal_from_text(text: &str) -> Result<BigDecimal, Bad> {
    let bad = |why: &str| Bad::Decimal(format!("`{}`: {why}", excerpt(text)));
    let bytes = text.as_bytes();
    let mut i = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let int_digits = count_digits(&bytes[i..]);
    i += int_digits;
    let mut frac_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = count_digits(&bytes[i..]);
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return Err(bad("not a decimal number"));
    }
    if int_digits + frac_digits > MAX_DIGITS {
        return Err(bad("too many digits"));
    }
    let mut exponent: i64 = 0;
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let exp = &text[i + 1..];
        let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if digits.is_empty() || digits.len() > 6 || count_digits(digits.as_bytes()) != digits.len() {
            return Err(bad("bad exponent"));
        }
        exponent = exp.parse().map_err(|_| bad("bad exponent"))?;
        i = bytes.len();
    }
    if i != bytes.len() {
        return Err(bad("not a decimal number"));
    }
    // frac_digits <= MAX_DIGITS and |exponent| < 10^6: no overflow.
    let scale = frac_digits as i64 - exponent;
    if !(-MAX_SCALE..=MAX_SCALE).contains(&scale) {
        return Err(bad("exponent out of range"));
    }
    BigDecimal::from_str(text).map_err(|e| bad(&e.to_string()))
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// The start of a possibly long, hostile string, for error messages.
pub(crate) fn excerpt(text: &str) -> Cow<'_, str> {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}...", &text[..end])),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(s: &str) -> BigDecimal {
        BigDecimal::from_str(s).unwrap()
    }

    #[test]
    fn unscaled_bytes_with_scale() {
        // 100_000_000 = 0x05F5E100, scale 6 -> 100.000000, scale kept.
        let v = decimal_from_unscaled(&[0x05, 0xF5, 0xE1, 0x00], 6).unwrap();
        assert_eq!(v.to_string(), "100.000000");
        assert_eq!(decimal_from_unscaled(&[0xFF], 2).unwrap(), d("-0.01"));
        assert_eq!(decimal_from_unscaled(&[0x00, 0x80], 0).unwrap(), d("128"));
        assert!(decimal_from_unscaled(&[], 2).is_err());
        assert!(decimal_from_unscaled(&[1; 43], 2).is_err());
        assert!(decimal_from_unscaled(&[1], 1000).is_err());
    }

    #[test]
    fn decimal_text_is_exact_and_strict() {
        assert_eq!(decimal_from_text("-12.500000").unwrap().to_string(), "-12.500000");
        assert_eq!(decimal_from_text("1.5E+3").unwrap(), d("1500"));
        assert_eq!(decimal_from_text("12345678901234567890.123456789").unwrap(), d("12345678901234567890.123456789"));
        for bad in ["", "-", ".", "1_000", "1e", "1e+", "abc", "1.2.3", "NaN", "1e999999999", "0x10", " 1", "1 "] {
            assert!(decimal_from_text(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(decimal_from_text(&"9".repeat(101)).is_err());
    }

    #[test]
    fn floats_become_their_shortest_text() {
        assert_eq!(Datum::Double(0.1).into_decimal().unwrap().to_string(), "0.1");
        assert_eq!(Datum::Float(0.1).into_decimal().unwrap().to_string(), "0.1");
        assert!(Datum::Double(f64::NAN).into_decimal().is_err());
    }

    #[test]
    fn dates_and_timestamps() {
        assert_eq!(Datum::Long(0).into_date().unwrap(), NaiveDate::from_ymd_opt(1970, 1, 1).unwrap());
        assert_eq!(Datum::Long(20_805).into_date().unwrap(), NaiveDate::from_ymd_opt(2026, 12, 18).unwrap());
        assert_eq!(Datum::Number("-1").into_date().unwrap(), NaiveDate::from_ymd_opt(1969, 12, 31).unwrap());
        assert!(Datum::Long(i64::MAX).into_date().is_err());
        let t = Datum::Str("2026-11-25T11:53:06.812913Z".into()).into_timestamp().unwrap();
        assert_eq!(t.timestamp_micros(), 1_795_607_586_812_913);
        assert!(Datum::Str("yesterday".into()).into_timestamp().is_err());
    }

    #[test]
    fn integers_only_from_integers() {
        assert_eq!(Datum::Number("-42").into_i64().unwrap(), -42);
        assert!(Datum::Number("1.0").into_i64().is_err());
        assert!(Datum::Str("1".into()).into_i64().is_err());
        assert_eq!(excerpt(&"x".repeat(100)).len(), 67);
    }
}
