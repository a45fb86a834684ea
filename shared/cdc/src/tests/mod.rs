//! End-to-end tests of the crate: fixtures in `support`, one module per path.

#![allow(clippy::unwrap_used)]

mod avro;
mod fuzz;
mod json;
mod perf;
mod support;
