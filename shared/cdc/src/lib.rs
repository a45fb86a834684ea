//! riskmonitor-cdc
