//! Black-Scholes-Merton for European options on a non-dividend-paying underlying: price,
//! delta and vega from spot, volatility, rate, strike and time to expiry.
//!
//! This is a model, so it runs in `f64` (the exposure arithmetic that follows is exact
//! decimal again): results are rounded to 8 decimals when they become position fields.
//! The normal CDF is Hart's double-precision algorithm (as given by West, "Better
//! approximations to cumulative normal functions", 2005), accurate to about 1e-14.

use riskmonitor_domain::OptionType;

/// Inputs of one valuation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BsInput {
    pub option_type: OptionType,
    pub spot: f64,
    pub strike: f64,
    /// Annualised volatility as a fraction (0.2 = 20 %).
    pub volatility: f64,
    /// Continuously compounded risk-free rate as a fraction.
    pub rate: f64,
    /// Time to expiry in years.
    pub years: f64,
}

/// Price and sensitivities per unit of the option.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Greeks {
    pub price: f64,
    /// dV/dS.
    pub delta: f64,
    /// dV/dσ per unit of volatility (σ from 0.20 to 1.20); Hull quotes this one.
    pub vega: f64,
}

impl Greeks {
    /// Vega per volatility point (σ from 0.20 to 0.21): the desk convention of the `vega`
    /// column, and what live re-pricing writes.
    pub fn vega_per_point(&self) -> f64 {
        self.vega / 100.0
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PricingError {
    #[error("{0} must be a finite number greater than zero")]
    NotPositive(&'static str),
    #[error("{0} must be a finite number")]
    NotFinite(&'static str),
}

/// Values the option. At or after expiry (`years <= 0`) or with zero volatility it is worth
/// its (discounted) intrinsic value, with delta 0 or ±1 and no vega.
pub fn value(i: &BsInput) -> Result<Greeks, PricingError> {
    if !(i.spot.is_finite() && i.spot > 0.0) {
        return Err(PricingError::NotPositive("spot"));
    }
    if !(i.strike.is_finite() && i.strike > 0.0) {
        return Err(PricingError::NotPositive("strike"));
    }
    if !(i.volatility.is_finite() && i.volatility >= 0.0) {
        return Err(PricingError::NotFinite("volatility"));
    }
    if !i.rate.is_finite() {
        return Err(PricingError::NotFinite("rate"));
    }
    if !i.years.is_finite() {
        return Err(PricingError::NotFinite("years"));
    }
    let call = i.option_type == OptionType::Call;
    if i.years <= 0.0 || i.volatility == 0.0 {
        let t = i.years.max(0.0);
        let forward_strike = i.strike * (-i.rate * t).exp();
        let itm = if call { i.spot > forward_strike } else { i.spot < forward_strike };
        let price = if call { (i.spot - forward_strike).max(0.0) } else { (forward_strike - i.spot).max(0.0) };
        let delta = match (itm, call) {
            (false, _) => 0.0,
            (true, true) => 1.0,
            (true, false) => -1.0,
        };
        return Ok(Greeks { price, delta, vega: 0.0 });
    }
    let sqrt_t = i.years.sqrt();
    let d1 =
        ((i.spot / i.strike).ln() + (i.rate + i.volatility * i.volatility / 2.0) * i.years) / (i.volatility * sqrt_t);
    let d2 = d1 - i.volatility * sqrt_t;
    let discount = (-i.rate * i.years).exp();
    let (price, delta) = if call {
        (i.spot * norm_cdf(d1) - i.strike * discount * norm_cdf(d2), norm_cdf(d1))
    } else {
        (i.strike * discount * norm_cdf(-d2) - i.spot * norm_cdf(-d1), norm_cdf(d1) - 1.0)
    };
    let vega = i.spot * sqrt_t * norm_pdf(d1);
    Ok(Greeks { price, delta, vega })
}

/// Standard normal density.
pub fn norm_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Standard normal cumulative distribution (Hart 1968, double precision).
pub fn norm_cdf(x: f64) -> f64 {
    let a = x.abs();
    let tail = if a > 37.0 {
        0.0
    } else {
        let e = (-a * a / 2.0).exp();
        if a < 7.071_067_811_865_47 {
            let mut n = 3.526_249_659_989_11e-2 * a + 0.700_383_064_443_688;
            n = n * a + 6.373_962_203_531_65;
            n = n * a + 33.912_866_078_383;
            n = n * a + 112.079_291_497_871;
            n = n * a + 221.213_596_169_931;
            n = n * a + 220.206_867_912_376;
            let mut d = 8.838_834_764_831_84e-2 * a + 1.755_667_163_182_64;
            d = d * a + 16.064_177_579_207;
            d = d * a + 86.780_732_202_946_1;
            d = d * a + 296.564_248_779_674;
            d = d * a + 637.333_633_378_831;
            d = d * a + 793.826_512_519_948;
            d = d * a + 440.413_735_824_752;
            e * n / d
        } else {
            let mut b = a + 0.65;
            b = a + 4.0 / b;
            b = a + 3.0 / b;
            b = a + 2.0 / b;
            b = a + 1.0 / b;
            e / b / 2.506_628_274_631
        }
    };
    if x > 0.0 { 1.0 - tail } else { tail }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn normal_cdf_reference_values() {
        // Tabulated values of the standard normal distribution.
        assert!(close(norm_cdf(0.0), 0.5, 1e-15));
        assert!(close(norm_cdf(1.0), 0.841_344_746_068_542_9, 1e-14));
        assert!(close(norm_cdf(-1.959_963_984_540_054), 0.025, 1e-14));
        assert!(close(norm_cdf(3.0), 0.998_650_101_968_369_9, 1e-14));
        // Deep tail: relative accuracy.
        assert!(close(norm_cdf(-8.0) / 6.220_960_574_271_785e-16, 1.0, 1e-7), "{}", norm_cdf(-8.0));
    }

    #[test]
    fn put_call_parity() {
        let base = BsInput {
            option_type: OptionType::Call,
            spot: 103.0,
            strike: 97.0,
            volatility: 0.31,
            rate: 0.02,
            years: 0.7,
        };
        let c = value(&base).unwrap();
        let p = value(&BsInput { option_type: OptionType::Put, ..base }).unwrap();
        assert!(close(c.price - p.price, 103.0 - 97.0 * (-0.02f64 * 0.7).exp(), 1e-10));
        assert!(close(c.delta - p.delta, 1.0, 1e-12));
        assert!(close(c.vega, p.vega, 1e-12));
    }

    #[test]
    fn expired_and_zero_vol_are_intrinsic() {
        let i = BsInput {
            option_type: OptionType::Put,
            spot: 90.0,
            strike: 100.0,
            volatility: 0.2,
            rate: 0.05,
            years: 0.0,
        };
        assert_eq!(value(&i).unwrap(), Greeks { price: 10.0, delta: -1.0, vega: 0.0 });
        let otm = BsInput { option_type: OptionType::Call, ..i };
        assert_eq!(value(&otm).unwrap(), Greeks { price: 0.0, delta: 0.0, vega: 0.0 });
        assert_eq!(value(&BsInput { spot: -1.0, ..i }), Err(PricingError::NotPositive("spot")));
    }
}
