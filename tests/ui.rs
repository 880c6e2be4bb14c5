//! Compile-fail cases: what users see when they get the macro wrong. Each `.stderr` is the
//! documentation of one error message.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
