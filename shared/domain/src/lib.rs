//! RiskMonitor's domain: positions as the contract defines them, the change events the CDC
//! stream carries, exact exposure arithmetic (`bigdecimal`, never floats), limit metrics and
//! alert statuses. No I/O here.

pub mod alert;
pub mod change;
pub mod decimal;
pub mod exposure;
pub mod position;

pub use alert::{AlertStatus, Metric};
pub use bigdecimal::BigDecimal;
pub use change::{CdcMessage, Op, PositionChange, SourcePosition};
pub use exposure::Exposure;
pub use position::{InstrumentType, OptionType, Position};
