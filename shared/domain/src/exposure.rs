//! The contract's exposure formulas, in exact decimal arithmetic.
//!
//! Per position: `notional = quantity * multiplier * price`; its contribution to its desk is
//! `gross_notional = |notional|`, `net_delta = notional * delta`, `vega = quantity * multiplier * vega`.

use crate::{Metric, Position};
use bigdecimal::BigDecimal;
use serde::{Deserialize, Serialize};
use std::ops::{Add, Neg, Sub};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposure {
    pub gross_notional: BigDecimal,
    pub net_delta: BigDecimal,
    pub vega: BigDecimal,
}

impl Exposure {
    /// What one position contributes to its desk.
    pub fn of(p: &Position) -> Exposure {
        let units = &p.quantity * &p.multiplier;
        let notional = &units * &p.price;
        // Exact products; not normalised (equality is by value, and the scale stays at most
        // 6 + 6 + 8 + 8 = 28 digits, within the aggregate columns' 30).
        Exposure { net_delta: &notional * &p.delta, gross_notional: notional.abs(), vega: &units * &p.vega }
    }

    pub fn get(&self, metric: Metric) -> &BigDecimal {
        match metric {
            Metric::GrossNotional => &self.gross_notional,
            Metric::NetDelta => &self.net_delta,
            Metric::Vega => &self.vega,
        }
    }

    pub fn is_zero(&self) -> bool {
        use bigdecimal::Zero;
        self.gross_notional.is_zero() && self.net_delta.is_zero() && self.vega.is_zero()
    }
}

impl Add<&Exposure> for &Exposure {
    type Output = Exposure;
    fn add(self, o: &Exposure) -> Exposure {
        Exposure {
            gross_notional: &self.gross_notional + &o.gross_notional,
            net_delta: &self.net_delta + &o.net_delta,
            vega: &self.vega + &o.vega,
        }
    }
}

impl Sub<&Exposure> for &Exposure {
    type Output = Exposure;
    fn sub(self, o: &Exposure) -> Exposure {
        Exposure {
            gross_notional: &self.gross_notional - &o.gross_notional,
            net_delta: &self.net_delta - &o.net_delta,
            vega: &self.vega - &o.vega,
        }
    }
}

impl Neg for &Exposure {
    type Output = Exposure;
    fn neg(self) -> Exposure {
        Exposure { gross_notional: -&self.gross_notional, net_delta: -&self.net_delta, vega: -&self.vega }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InstrumentType;
    use std::str::FromStr;

    fn d(s: &str) -> BigDecimal {
        BigDecimal::from_str(s).unwrap()
    }

    fn pos(q: &str, m: &str, p: &str, delta: &str, vega: &str) -> Position {
        Position {
            position_id: 1,
            desk: "rates".into(),
            instrument_id: "X".into(),
            instrument_type: InstrumentType::Option,
            underlying: "SPX".into(),
            quantity: d(q),
            multiplier: d(m),
            price: d(p),
            delta: d(delta),
            vega: d(vega),
            option_type: None,
            strike: None,
            expiry: None,
            currency: "USD".into(),
            updated_at: None,
        }
    }

    #[test]
    fn contract_formulas_exactly() {
        // A short option: notional negative, gross positive.
        let e = Exposure::of(&pos("-12.5", "100", "4321.12345678", "0.55", "1.23456789"));
        assert_eq!(e.gross_notional, d("5401404.3209750"));
        assert_eq!(e.net_delta, d("-2970772.376536250"));
        assert_eq!(e.vega, d("-1543.20986250"));
    }

    #[test]
    fn many_digits_stay_exact() {
        // 29+ significant digits: beyond 96-bit decimals, exact here.
        let e =
            Exposure::of(&pos("123456789012.123456", "999999.999999", "1234567890123456.12345678", "0.12345678", "0"));
        let notional = d("123456789012.123456") * d("999999.999999") * d("1234567890123456.12345678");
        assert_eq!(e.gross_notional, notional);
        assert_eq!(e.net_delta, notional * d("0.12345678"));
        let back = &(&e + &e) - &e;
        assert_eq!(back, e);
    }
}
