//! webhook-notifier against the real stack: MariaDB, Kafka and the registry of the dev stack, a
//! webhook endpoint the tests start, signatures checked by the Standard Webhooks reference
//! library.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod delivery;
mod lifecycle;
mod recovery;
mod recovery_tools;
mod support;
