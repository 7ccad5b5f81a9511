//! Cross-crate journeys and fault tests: one test binary, one module per journey.

mod card;
mod card_campaign;
mod crash;
mod day;
mod printing;
mod sale;
mod support;
mod till;
mod till_actions;
