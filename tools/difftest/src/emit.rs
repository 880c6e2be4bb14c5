//! Writing programs out as Rust test modules.

use crate::ast::{print_fn, Flavour, Printer};
use crate::gen::Program;
use std::fmt::Write;

/// The lints a generated file allows: random programs have unused variables, unreachable code
/// after an unconditional `break`, redundant parentheses, and so on.
pub const ALLOWS: &str = "#![allow(\n    unused,\n    unreachable_code,\n    unreachable_patterns,\n    irrefutable_let_patterns,\n    unused_comparisons,\n    clippy::all\n)]\n";

/// What to emit for a program.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Both flavours, coroutine and plain twins, with their `#[test]`s.
    Full,
    /// Only the plain twins (to check that a program is valid Rust at all).
    PlainOnly,
}

/// Which flavours to emit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Flavours {
    pub gen: bool,
    pub async_: bool,
}

fn args(p: &Program) -> String {
    let mut pr = Printer::new(Flavour::Gen, 0);
    for (i, a) in p.args.iter().enumerate() {
        if i > 0 {
            pr.out.push_str(", ");
        }
        pr.expr(a, false);
    }
    pr.out
}

/// The module of one program.
pub fn program_module(p: &Program, mode: Mode, flavours: Flavours) -> String {
    named_module(&p.id, p, mode, flavours)
}

/// [`program_module`] under another module name.
pub fn named_module(name: &str, p: &Program, mode: Mode, flavours: Flavours) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "pub mod {name} {{");
    let args = args(p);
    for (flavour, on) in [
        (Flavour::Gen, flavours.gen),
        (Flavour::Async, flavours.async_),
    ] {
        if !on {
            continue;
        }
        let (m, twins, plain, attr) = match flavour {
            Flavour::Gen => (
                "g",
                "gen_twins",
                "gen_plain",
                "#[coroutines::coroutine(yield = i64, resume = i64)]",
            ),
            Flavour::Async => (
                "a",
                "async_twins",
                "async_plain",
                "#[coroutines::coroutine]",
            ),
        };
        let _ = writeln!(out, "    pub mod {m} {{");
        let _ = writeln!(out, "        use crate::support::*;");
        match mode {
            Mode::Full => {
                let _ = writeln!(out, "        {twins}! {{ $ {attr}");
            }
            Mode::PlainOnly => {
                let _ = writeln!(out, "        {plain}! {{ $");
            }
        }
        for f in &p.fns {
            let _ = writeln!(
                out,
                "            {}",
                print_fn(flavour, &f.name, &f.params, f.ret, &f.body, 3)
            );
        }
        let _ = writeln!(out, "        }}");
        if mode == Mode::Full {
            let (test, check) = match flavour {
                Flavour::Gen => ("generator", "check_gen"),
                Flavour::Async => ("async_", "check_async"),
            };
            let _ = writeln!(
                out,
                "        #[test]\n        fn {test}() {{\n            {check}({}, || prog({args}), || plain::prog({args}));\n        }}",
                p.script_seed
            );
        }
        let _ = writeln!(out, "    }}");
    }
    let _ = writeln!(out, "}}");
    out
}

/// A whole file of program modules.
pub fn file(header: &str, programs: &[Program], mode: Mode, flavours: Flavours) -> String {
    let mut out = String::new();
    out.push_str(header);
    out.push_str(ALLOWS);
    for p in programs {
        out.push('\n');
        out.push_str(&program_module(p, mode, flavours));
    }
    out
}
