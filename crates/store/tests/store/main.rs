//! Integration tests of the store: every test opens a real SQLite file in a temporary
//! directory and checks what was written with a plain connection on the same file.

mod attempts;
mod catalog;
mod commit;
mod devices;
mod import;
mod journal;
mod parked;
mod print_jobs;
mod pull;
mod refund;
mod report;
mod staff;
mod support;
mod sync;
