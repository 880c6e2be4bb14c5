//! `difftest fuzz`: the macro never panics.
//!
//! Takes valid coroutines (generated programs, both flavours, plus hand-written seeds with
//! closures, `async` blocks, match guards, nested fns, methods and generics), mutates them at
//! the token-tree level (delete, duplicate, swap and replace token trees; insert `yield_!`/
//! `yield_from!` and other snippets anywhere, including closures, `async` blocks, guards,
//! patterns and types; garble the attribute's arguments and the signature), writes them into
//! a scratch crate and runs one `cargo check` over all of them. The macro may answer with an
//! expansion or with compile errors, never with a panic: any "custom attribute panicked" /
//! "proc macro panicked" (or a compiler crash) fails the run, naming the input.

use crate::ast::{print_fn, Flavour};
use crate::gen::{self, Config, Features};
use crate::rng::Rng;
use crate::scratch::Scratch;
use std::time::{Duration, Instant};

/// Options of `difftest fuzz`.
pub struct FuzzOpts {
    pub seed: u64,
    pub count: u64,
    pub per_file: u64,
}

/// A token tree.
#[derive(Clone, Debug)]
enum Tt {
    Tok(String),
    Group(char, Vec<Tt>),
}

fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

const PUNCTS: [&str; 28] = [
    "..=", "...", "<<=", ">>=", "::", "=>", "->", "==", "!=", "<=", ">=", "&&", "||", "..", "+=",
    "-=", "*=", "/=", "%=", "^=", "&=", "|=", "<<", ">>", "#!", "'_", "r#", "b'",
];

/// A small Rust lexer into token trees (good enough for the sources this tool writes and the
/// seeds below; comments are dropped).
fn lex(src: &str) -> Vec<Tt> {
    let chars: Vec<char> = src.chars().collect();
    let mut stack: Vec<(char, Vec<Tt>)> = vec![(' ', Vec::new())];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        let push = |t: Tt, stack: &mut Vec<(char, Vec<Tt>)>| {
            stack.last_mut().expect("a level").1.push(t);
        };
        match c {
            '(' | '[' | '{' => {
                stack.push((c, Vec::new()));
                i += 1;
            }
            ')' | ']' | '}' => {
                if stack.len() > 1 {
                    let (open, items) = stack.pop().expect("a group");
                    push(Tt::Group(open, items), &mut stack);
                }
                i += 1;
            }
            '"' => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                push(
                    Tt::Tok(chars[start..i.min(chars.len())].iter().collect()),
                    &mut stack,
                );
            }
            '\'' => {
                // A char literal ('x', '\n') or a lifetime/label ('l1).
                if chars.get(i + 2) == Some(&'\'') || chars.get(i + 1) == Some(&'\\') {
                    let start = i;
                    i += 1;
                    while i < chars.len() && chars[i] != '\'' {
                        if chars[i] == '\\' {
                            i += 1;
                        }
                        i += 1;
                    }
                    i += 1;
                    push(
                        Tt::Tok(chars[start..i.min(chars.len())].iter().collect()),
                        &mut stack,
                    );
                } else {
                    let start = i;
                    i += 1;
                    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                        i += 1;
                    }
                    push(Tt::Tok(chars[start..i].iter().collect()), &mut stack);
                }
            }
            _ if c.is_alphanumeric() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                // `1.5` stays one token; `x.y` does not.
                if c.is_ascii_digit()
                    && chars.get(i) == Some(&'.')
                    && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())
                {
                    i += 1;
                    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                        i += 1;
                    }
                }
                push(Tt::Tok(chars[start..i].iter().collect()), &mut stack);
            }
            _ => {
                let rest: String = chars[i..(i + 3).min(chars.len())].iter().collect();
                let p = PUNCTS
                    .iter()
                    .find(|p| rest.starts_with(**p))
                    .map_or_else(|| c.to_string(), |p| p.to_string());
                i += p.chars().count();
                push(Tt::Tok(p), &mut stack);
            }
        }
    }
    while stack.len() > 1 {
        let (open, items) = stack.pop().expect("a group");
        stack
            .last_mut()
            .expect("a level")
            .1
            .push(Tt::Group(open, items));
    }
    stack.pop().expect("the top level").1
}

fn render(tts: &[Tt], out: &mut String) {
    for t in tts {
        match t {
            Tt::Tok(s) => {
                out.push_str(s);
                out.push(' ');
            }
            Tt::Group(open, items) => {
                out.push(*open);
                render(items, out);
                out.push(closing(*open));
                out.push(' ');
            }
        }
    }
}

/// Paths (child indices) of every group, the top level being `[]`.
fn groups(tts: &[Tt], path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(path.clone());
    for (i, t) in tts.iter().enumerate() {
        if let Tt::Group(_, items) = t {
            path.push(i);
            groups(items, path, out);
            path.pop();
        }
    }
}

fn group_mut<'a>(tts: &'a mut Vec<Tt>, path: &[usize]) -> &'a mut Vec<Tt> {
    let mut cur = tts;
    for &i in path {
        cur = match &mut cur[i] {
            Tt::Group(_, items) => items,
            Tt::Tok(_) => unreachable!("paths lead to groups"),
        };
    }
    cur
}

/// Snippets inserted at random places.
const SNIPPETS: &[&str] = &[
    "yield_!(1i64)",
    "yield_!(1i64);",
    "yield_!()",
    "yield_!(1i64, 2i64)",
    "yield_![3i64]",
    "yield_!{4i64}",
    "yield_!(yield_!(5i64))",
    "yield_from!(h1(2i64))",
    "yield_from!(leaf(3i64))",
    "yield_from!(leaf(3i64));",
    "yield_from!()",
    "yield_from!(h1(1i64), 2)",
    "yield_from!(yield_from!(leaf(1i64)))",
    "yield_from!(async { 1i64 })",
    "async { yield_from!(leaf(1i64)) }",
    "async move { yield_!(1i64) }",
    "|| yield_!(1i64)",
    "move |x: i64| { yield_from!(leaf(x)); }",
    "(|| yield_!(2i64))()",
    "if yield_!(1i64) > 0 { yield_!(2i64); }",
    "match 1i64 { x if yield_!(x) > 0 => 1i64, _ => 2i64 }",
    "match yield_!(1i64) { yield_!(2) => 1, _ => 2 }",
    "let yield_!(x) = 1i64;",
    "let x: yield_!(i64) = 1i64;",
    "fn inner() -> i64 { yield_!(1i64) }",
    "impl P { fn m(&self) { yield_!(1i64); } }",
    "let r = &x1; yield_!(1i64); r;",
    "let _ = &mut yield_!(1i64);",
    "'q: loop { break 'q yield_!(1i64); }",
    "'q: { break 'q; }",
    "return yield_!(1i64);",
    "return;",
    "break;",
    "continue;",
    "break 'nowhere;",
    "?",
    "let x;",
    "let x; yield_!(1i64); x = 2;",
    "unsafe { yield_!(1i64) }",
    "yield_!(1i64)?",
    "Some(yield_!(1i64))?",
    "[yield_!(1i64); 3]",
    "(yield_!(1i64),)",
    "yield_!(1i64) as u8",
    "*yield_!(1i64)",
    "(yield_!(1i64)).abs()",
    "crate::yield_!(1i64)",
    "coroutines::yield_from!(leaf(1i64))",
    "self",
    "self.x",
    "impl Copy",
    "dyn Fn()",
    "#[cfg(any())]",
    "#[allow(unused)]",
    "macro_rules! m { () => { yield_!(1) } }",
    "m!()",
    "println!(\"{}\", yield_!(1i64));",
    "format!(\"{x}\")",
    "vec![yield_!(1i64); 2]",
    "let Some(x) = yield_from!(leaf(1i64)).checked_add(1) else { return 0; };",
    "while let Some(x) = yield_!(1i64).checked_add(1) { break; }",
    "for x in yield_!(1i64)..2 { yield_!(x); }",
    "x1 = yield_!(1i64);",
    "async",
    "await",
    ".await",
    "const",
    "static",
    "move",
    "mut",
    "ref",
    "&",
    "'static",
    "<T>",
    "where T: Copy",
    "-> impl Sized",
    "gen",
    "try",
    "yield",
    "yield 1",
    "do",
    "box",
    "=>",
    "..",
    ";",
    ",",
    "::",
    "_",
];

/// Attribute arguments tried instead of the valid ones.
const ATTR_ARGS: &[&str] = &[
    "",
    "yield = i64",
    "resume = i64",
    "yield = i64, resume = i64",
    "yield = i64,, resume = i64",
    "yield =",
    "yield i64",
    "= i64",
    "yield = i64, yield = i64",
    "resume = i64, resume = i64",
    "crate = coroutines",
    "crate = ::coroutines, yield = i64",
    "crate =",
    "crate = 1",
    "yield = impl Sized",
    "yield = (), resume = ()",
    "yield = &'static str, resume = &mut i64",
    "yield = Vec<i64",
    "yield = Vec<i64>>",
    "yield = dyn Fn()",
    "yield = !",
    "yield = _",
    "bogus",
    "bogus = 1",
    "yield = i64; resume = i64",
    "yield(i64)",
    "r#yield = i64",
    "yield = i64 resume = i64",
];

fn random_tt(rng: &mut Rng) -> Vec<Tt> {
    lex(SNIPPETS[rng.below(SNIPPETS.len())])
}

/// One mutation somewhere in `tts`.
fn mutate(rng: &mut Rng, tts: &mut Vec<Tt>) {
    let mut gs = Vec::new();
    groups(tts, &mut Vec::new(), &mut gs);
    let path = gs[rng.below(gs.len())].clone();
    let g = group_mut(tts, &path);
    let n = g.len();
    match rng.below(7) {
        0 if n > 0 => {
            g.remove(rng.below(n));
        }
        1 if n > 0 => {
            let i = rng.below(n);
            let t = g[i].clone();
            g.insert(i, t);
        }
        2 if n > 1 => {
            let i = rng.below(n - 1);
            g.swap(i, i + 1);
        }
        3 if n > 0 => {
            // Replace one token tree by a snippet.
            let i = rng.below(n);
            let new = random_tt(rng);
            g.splice(i..=i, new);
        }
        4 if n > 0 => {
            // Move a token tree elsewhere in the same group.
            let i = rng.below(n);
            let t = g.remove(i);
            let j = rng.below(g.len() + 1);
            g.insert(j, t);
        }
        5 if n > 1 => {
            // Wrap a run of token trees into a closure, an async block, a loop or a block.
            let a = rng.below(n);
            let b = a + 1 + rng.below((n - a).min(4));
            let inner: Vec<Tt> = g.drain(a..b.min(g.len())).collect();
            let wrapper = *rng.pick(&["|| ", "async ", "loop ", "unsafe ", "move || ", ""]);
            let mut w = lex(wrapper);
            w.push(Tt::Group('{', inner));
            g.splice(a..a, w);
        }
        _ => {
            let i = rng.below(n + 1);
            let new = random_tt(rng);
            g.splice(i..i, new);
        }
    }
}

/// Valid coroutines to start from, beyond the generated programs.
const SEEDS: &[&str] = &[
    "#[coroutines::coroutine(yield = i64, resume = i64)]
     fn seed(a: i64, v: Vec<i64>) -> i64 {
         let add = |x: i64| x + 1;
         let fut = async { 1 };
         let mut t = 0;
         for x in v.clone() { t += yield_!(add(x)); }
         match a { y if y > 0 => { yield_!(y); } _ => {} }
         let Some(b) = a.checked_add(1) else { return 0 };
         fn inner(x: i64) -> i64 { x }
         'l: loop { if yield_!(t) > 0 { break 'l; } }
         inner(t + b)
     }",
    "#[coroutines::coroutine]
     fn seed(a: i64) -> Result<i64, String> {
         let x = yield_from!(leaf(a));
         let s: String = format!(\"{}\", yield_from!(leaf(x)));
         let r = if s.is_empty() { res(x)? } else { yield_from!(leaf(2)) };
         while r > 100 { yield_from!(leaf(r)); }
         Ok(r)
     }",
    "#[coroutines::coroutine(yield = i64)]
     fn seed<T: Clone + Into<i64>>(x: T, y: &str, z: impl Fn(i64) -> i64) -> i64 {
         let a: i64 = x.clone().into();
         yield_!(z(a));
         y.len() as i64 + yield_!(a)
     }",
    "#[coroutines::coroutine(yield = i64, resume = i64)]
     fn seed(p: P) -> (i64, i64) {
         let P { a, b } = p;
         let (c, d) = (yield_!(a), yield_!(b));
         unsafe { let e = c; }
         (c, d)
     }",
];

fn seeds(rng: &mut Rng, n: u64) -> Vec<Vec<Tt>> {
    let cfg = Config::new(Features::all());
    let mut out = Vec::new();
    for k in 0..n {
        if rng.chance(15) {
            out.push(lex(SEEDS[rng.below(SEEDS.len())]));
            continue;
        }
        let p = gen::program(rng.next_u64(), k, &cfg);
        let f = &p.fns[rng.below(p.fns.len())];
        let (flavour, attr) = if rng.chance(50) {
            (
                Flavour::Gen,
                "#[coroutines::coroutine(yield = i64, resume = i64)]",
            )
        } else {
            (Flavour::Async, "#[coroutines::coroutine]")
        };
        let text = format!(
            "{attr}\n{}",
            print_fn(flavour, &f.name, &f.params, f.ret, &f.body, 0)
        );
        out.push(lex(&text));
    }
    out
}

/// Replaces the attribute's arguments (the group after `coroutines :: coroutine`).
fn garble_attr(rng: &mut Rng, tts: &mut [Tt]) {
    if let Some(Tt::Group('[', items)) = tts.get_mut(1) {
        let args = lex(ATTR_ARGS[rng.below(ATTR_ARGS.len())]);
        if let Some(Tt::Group('(', a)) = items.get_mut(3) {
            *a = args;
        } else {
            items.push(Tt::Group('(', args));
        }
    }
}

/// `difftest fuzz`.
pub fn fuzz(o: &FuzzOpts) -> Result<(), String> {
    println!(
        "difftest fuzz: seed {} ({} files of {} mutated coroutines)\n  reproduce with: cargo run -p difftest -- fuzz --seed {} --count {} --per-file {}",
        o.seed, o.count, o.per_file, o.seed, o.count, o.per_file
    );
    let started = Instant::now();
    let mut rng = Rng::new(o.seed);
    let s = Scratch::new("fuzz")?;
    // Each input goes through `fuzz_item!`, so that rustc parses it only when expanding that
    // invocation: a parse error then stays with its input instead of stopping the crate before
    // any macro runs.
    let mut lib = String::from(
        "#![allow(warnings)]\n#[macro_use]\n#[path = \"../support/support.rs\"]\npub mod support;\nmacro_rules! fuzz_item { ($($t:tt)*) => { $($t)* }; }\n",
    );
    for f in 0..o.count {
        let mut text = String::new();
        for (k, mut tts) in seeds(&mut rng, o.per_file).into_iter().enumerate() {
            if rng.chance(15) {
                garble_attr(&mut rng, &mut tts);
            }
            let n = 1 + rng.below(4);
            for _ in 0..n {
                mutate(&mut rng, &mut tts);
            }
            let mut src = String::new();
            render(&tts, &mut src);
            text.push_str(&format!(
                "pub mod m{k} {{\n#[allow(unused_imports)]\nuse crate::support::*;\nfuzz_item! {{ {} }}\n}}\n",
                src.replace('\n', " ")
            ));
        }
        let path = s.dir.join(format!("src/f{f}.rs"));
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        lib.push_str(&format!("pub mod f{f};\n"));
    }
    std::fs::write(s.dir.join("src/lib.rs"), &lib).map_err(|e| e.to_string())?;
    let out = s.cargo(&["check", "--lib"], Duration::from_secs(1800))?;
    if out.timed_out {
        return Err("cargo check timed out: the macro may loop forever on some input".into());
    }
    let errors = out.stderr.matches("\nerror").count();
    let mut panics = Vec::new();
    let lines: Vec<&str> = out.stderr.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        let crash = l.contains("panicked")
            || l.contains("internal compiler error")
            || l.contains("unexpectedly panicked");
        if !crash {
            continue;
        }
        let detail: Vec<&str> = lines[i..(i + 12).min(lines.len())].to_vec();
        let loc = detail
            .iter()
            .find_map(|d| d.trim().strip_prefix("--> src/f"))
            .and_then(|rest| {
                let (file, rest) = rest.split_once(".rs:")?;
                let line: usize = rest.split(':').next()?.parse().ok()?;
                Some((file.parse::<usize>().ok()?, line))
            });
        panics.push((detail.join("\n"), loc));
    }
    println!(
        "checked {} mutated coroutines in {} files: {} compile errors (expected), {} panics ({:.0?})",
        o.count * o.per_file,
        o.count,
        errors,
        panics.len(),
        started.elapsed()
    );
    if panics.is_empty() {
        return Ok(());
    }
    for (detail, loc) in &panics {
        println!("\n{detail}");
        if let Some((file, line)) = loc {
            // Each input is rendered on one line after a 3-line module header.
            let text =
                std::fs::read_to_string(s.dir.join(format!("src/f{file}.rs"))).unwrap_or_default();
            if let Some(src) = text.lines().nth(line - 1) {
                println!("input (src/f{file}.rs:{line}):\n{src}");
            }
        }
    }
    Err(format!("the macro panicked {} times", panics.len()))
}
