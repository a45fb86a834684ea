//! llm-analyzer on the real stack (MariaDB, Kafka, registry), with the market simulator and a
//! Chat Completions stub as real HTTP servers started by the tests.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod analysis;
mod lifecycle;
mod support;
