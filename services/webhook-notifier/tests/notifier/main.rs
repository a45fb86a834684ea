//! webhook-notifier against the real stack: MariaDB, Kafka and the registry of the dev stack, a
//! webhook endpoint the tests start, signatures checked by the Standard Webhooks reference
//! library.

mod delivery;
mod lifecycle;
mod recovery;
mod support;
