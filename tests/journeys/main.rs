//! Cross-crate journeys and fault tests: one test binary, one module per journey.

mod crash;
mod sale;
mod support;
