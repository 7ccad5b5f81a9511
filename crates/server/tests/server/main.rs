//! The back end's tests, each run on SQLite and on PostgreSQL (127.0.0.1:5432, database
//! `test`, or $RINGUP_TEST_POSTGRES). Each PostgreSQL test works in a schema of its own. A
//! PostgreSQL that cannot be reached fails the test: it is never skipped.

mod admin;
mod auth;
mod common;
mod pairing;
mod pull;
mod push;
mod stock;
mod webhooks;
