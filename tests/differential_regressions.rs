//! Regression tests for bugs found by the differential tester (`tools/difftest`); see
//! `differential/regressions.rs`.

#[macro_use]
#[path = "differential/support.rs"]
mod support;

#[path = "differential/regressions.rs"]
mod regressions;
