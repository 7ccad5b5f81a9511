//! Cross-crate journeys and fault tests: one test binary, one module per journey.

mod card;
mod card_campaign;
mod chaos;
mod chaos_proxy;
mod crash;
mod day;
mod devices;
mod fault_proxy;
mod printing;
mod pull;
/// Seeded choices, shared with the crash driver.
#[path = "../src/rng.rs"]
mod rng;
mod sale;
mod support;
mod sync;
mod till;
mod till_actions;
mod tls;
