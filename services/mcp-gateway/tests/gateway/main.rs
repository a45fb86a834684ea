//! mcp-gateway against the real MariaDB of the dev stack: the gateway runs in-process on port
//! 0 with a database of its own per test, a market-snapshot stub and (where needed) an LLM
//! stub; independent clients (the official Python MCP SDK, schemathesis) drive it too.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod ack;
mod auth;
mod lifecycle;
mod llm;
mod node;
mod pricing;
mod protection;
mod python;
mod stubs;
mod support;
mod tools;
