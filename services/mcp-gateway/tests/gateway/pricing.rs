//! Black-Scholes against published reference values (Hull, "Options, Futures, and Other
//! Derivatives"), through the gateway's public pricing module.

use mcp_gateway::pricing::black_scholes::{BsInput, value};
use riskmonitor_domain::OptionType;

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

#[test]
fn hull_example_prices() {
    // Hull's worked example of the Black-Scholes formulas: S0 = 42, K = 40, r = 10 %, σ = 20 %,
    // T = 0.5: d1 = 0.7693, d2 = 0.6278, c = 4.76, p = 0.81.
    let call =
        BsInput { option_type: OptionType::Call, spot: 42.0, strike: 40.0, volatility: 0.2, rate: 0.1, years: 0.5 };
    let c = value(&call).unwrap();
    let p = value(&BsInput { option_type: OptionType::Put, ..call }).unwrap();
    assert_eq!(round(c.price, 2), 4.76);
    assert_eq!(round(p.price, 2), 0.81);
    // N(d1) with d1 = 0.7693 is 0.7791.
    assert_eq!(round(c.delta, 4), 0.7791);
}

#[test]
fn hull_example_delta_and_vega() {
    // Hull's delta and vega examples: a call with S0 = 49, K = 50, r = 5 %, σ = 20 %,
    // T = 20 weeks (0.3846 years) is worth 2.40, has delta N(d1) = 0.522 and vega
    // S0 √T N'(d1) = 12.1 (a 1 % rise in volatility adds about 0.121).
    let i = BsInput {
        option_type: OptionType::Call,
        spot: 49.0,
        strike: 50.0,
        volatility: 0.2,
        rate: 0.05,
        years: 20.0 / 52.0,
    };
    let g = value(&i).unwrap();
    assert_eq!(round(g.price, 2), 2.40);
    assert_eq!(round(g.delta, 3), 0.522);
    assert_eq!(round(g.vega, 1), 12.1);
    assert_eq!(round(g.vega_per_point(), 3), 0.121);
    // The put's delta is N(d1) − 1 = −0.478.
    let put = value(&BsInput { option_type: OptionType::Put, ..i }).unwrap();
    assert_eq!(round(put.delta, 3), -0.478);
}
