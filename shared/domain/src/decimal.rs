//! Exact decimals as text: plain notation (never `1E+3`), no trailing zeros.

use bigdecimal::BigDecimal;

/// `1000`, `-12.5`, `0.000001`: the exact value without exponent or trailing zeros.
pub fn plain(value: &BigDecimal) -> String {
    let s = value.normalized().to_plain_string();
    if s == "-0" { "0".to_owned() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn plain_notation_without_trailing_zeros() {
        let d = |s: &str| BigDecimal::from_str(s).unwrap_or_default();
        assert_eq!(plain(&d("1000.000000000000000000000000000000")), "1000");
        assert_eq!(plain(&d("-12.500")), "-12.5");
        assert_eq!(plain(&d("0.000001000")), "0.000001");
        assert_eq!(plain(&d("0.0000")), "0");
        assert_eq!(plain(&d("123456789012345678901234567890.123")), "123456789012345678901234567890.123");
    }
}
