//! riskmonitor-market
