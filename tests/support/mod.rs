//! Helpers shared by the integration test binaries.
//!
//! Each test binary declares `mod support;` and uses a subset of what lives here, hence the
//! blanket `dead_code` allowance.
#![allow(dead_code)]

pub mod cli;
pub mod envtest;
pub mod fake_api;
pub mod following;
pub mod golden;
pub mod kubelet;
