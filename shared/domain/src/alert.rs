//! Limit metrics and alert statuses, named as the contract names them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    GrossNotional,
    NetDelta,
    Vega,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Metric::GrossNotional, Metric::NetDelta, Metric::Vega];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::GrossNotional => "gross_notional",
            Metric::NetDelta => "net_delta",
            Metric::Vega => "vega",
        }
    }
}

impl FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "gross_notional" => Ok(Metric::GrossNotional),
            "net_delta" => Ok(Metric::NetDelta),
            "vega" => Ok(Metric::Vega),
            other => Err(format!("unknown metric `{other}` (expected gross_notional, net_delta or vega)")),
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `pending_analysis -> pending_delivery -> delivered -> consumed`, or `delivery_failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    PendingAnalysis,
    PendingDelivery,
    Delivered,
    Consumed,
    DeliveryFailed,
}

impl AlertStatus {
    pub const ALL: [AlertStatus; 5] = [
        AlertStatus::PendingAnalysis,
        AlertStatus::PendingDelivery,
        AlertStatus::Delivered,
        AlertStatus::Consumed,
        AlertStatus::DeliveryFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::PendingAnalysis => "pending_analysis",
            AlertStatus::PendingDelivery => "pending_delivery",
            AlertStatus::Delivered => "delivered",
            AlertStatus::Consumed => "consumed",
            AlertStatus::DeliveryFailed => "delivery_failed",
        }
    }
}

impl FromStr for AlertStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AlertStatus::ALL.into_iter().find(|st| st.as_str() == s).ok_or_else(|| format!("unknown alert status `{s}`"))
    }
}

impl fmt::Display for AlertStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
