//! The macro never panics: mutated coroutines (tokens deleted, duplicated, swapped, replaced by
//! keywords and punctuation that stress the lowering) must give an expansion or errors. A
//! bounded run for `cargo test`; `cargo run -p difftest -- fuzz` runs the long one through rustc.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use std::panic::{catch_unwind, AssertUnwindSafe};

const SEEDS: &[(&str, &str)] = &[
    (
        "",
        "fn print_sum(x: i32, y: i32) -> i32 { let result = yield_from!(compute(x, y)); println!(\"{x} + {y} = {result}\"); result }",
    ),
    (
        "yield = u64",
        "fn fibonacci(limit: u64) { let (mut a, mut b) = (0, 1); while a < limit { yield_!(a); (a, b) = (b, a + b); } }",
    ),
    (
        "yield = Option<f64>, resume = Option<f64>",
        "fn averager() -> (u32, Option<f64>) { let mut total = 0.0; let mut count = 0; let mut average = None; loop { let Some(term) = yield_!(average) else { break; }; total += term; count += 1; average = Some(total / f64::from(count)); } (count, average) }",
    ),
    (
        "",
        "fn branches(v: Vec<u32>) -> Result<u32, String> { let mut sum = 0; 'outer: for (i, x) in v.into_iter().enumerate() { match x { 0 => continue, 1 | 2 if i > 3 => break 'outer, n => { sum += yield_from!(ready(Ok::<u32, String>(n)))?; } } if sum > 10 { return Err(format!(\"{sum}\")); } } let r = &sum; Ok(*r + yield_from!(async { 1 })) }",
    ),
    (
        "yield = u32",
        "fn nested(n: u32) -> u32 { let mut s = String::new(); let total = loop { for i in 0..n { let v = if i % 2 == 0 { yield_!(i); i } else { yield_from!(inner(i)) }; s.push_str(&v.to_string()); } break s.len() as u32; }; total }",
    ),
];

/// What a mutation may put in place of a token.
const REPLACEMENTS: &[&str] = &[
    "yield_from",
    "yield_",
    "!",
    "?",
    "let",
    "mut",
    "ref",
    "return",
    "break",
    "continue",
    "loop",
    "while",
    "for",
    "in",
    "if",
    "else",
    "match",
    "=>",
    "async",
    "move",
    "|",
    "&",
    "*",
    "=",
    ";",
    ",",
    "'outer",
    "unsafe",
    "const",
    "fn",
    "self",
    "Self",
    "_",
    "..",
    "::",
    "x",
    "0",
];

/// A small deterministic generator (xorshift64*), so that a failure reproduces.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        usize::try_from(self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33).unwrap_or(0) % n.max(1)
    }
}

/// A replacement's tokens: `=>`, `..`, `::` and `'outer` are two tokens each, spliced in whole.
fn replacement(rng: &mut Rng) -> Vec<TokenTree> {
    let text = REPLACEMENTS[rng.below(REPLACEMENTS.len())];
    text.parse::<TokenStream>()
        .expect("replacements are valid tokens")
        .into_iter()
        .collect()
}

/// One random edit somewhere in the tree.
fn mutate(rng: &mut Rng, tokens: TokenStream) -> TokenStream {
    let mut trees: Vec<TokenTree> = tokens.into_iter().collect();
    if trees.is_empty() {
        return replacement(rng).into_iter().collect();
    }
    let at = rng.below(trees.len());
    // Descend into a group half of the time, so that edits reach the body.
    if let TokenTree::Group(group) = &trees[at] {
        if rng.below(2) == 0 {
            let mut inner = Group::new(group.delimiter(), mutate(rng, group.stream()));
            inner.set_span(group.span());
            trees[at] = TokenTree::Group(inner);
            return trees.into_iter().collect();
        }
    }
    match rng.below(6) {
        0 => {
            trees.remove(at);
        }
        1 => {
            let copy = trees[at].clone();
            trees.insert(at, copy);
        }
        2 if at + 1 < trees.len() => trees.swap(at, at + 1),
        3 => {
            let group = Group::new(Delimiter::Parenthesis, TokenStream::from(trees[at].clone()));
            trees[at] = TokenTree::Group(group);
        }
        _ => {
            trees.splice(at..=at, replacement(rng));
        }
    }
    trees.into_iter().collect()
}

#[test]
fn the_seeds_are_valid_coroutines() {
    for (args, item) in SEEDS {
        let expanded = crate::expand::coroutine(args.parse().unwrap(), item.parse().unwrap());
        assert!(
            !expanded.to_string().contains("compile_error"),
            "{item}: {expanded}"
        );
    }
}

#[test]
fn mutated_coroutines_never_make_the_macro_panic() {
    let mut rng = Rng(0x5EED_C0DE_2026_1127);
    let mut panics = Vec::new();
    let mut inputs = 0;
    for (args, item) in SEEDS {
        let args: TokenStream = args.parse().expect("seed attribute arguments");
        let item: TokenStream = item.parse().expect("seed coroutine");
        for _ in 0..1000 {
            let (mut args, mut item) = (args.clone(), item.clone());
            for _ in 0..=rng.below(2) {
                if rng.below(10) == 0 {
                    args = mutate(&mut rng, args);
                } else {
                    item = mutate(&mut rng, item);
                }
            }
            inputs += 1;
            let (args_text, item_text) = (args.to_string(), item.to_string());
            let expanded = catch_unwind(AssertUnwindSafe(|| crate::expand::coroutine(args, item)));
            if expanded.is_err() {
                panics.push(format!("#[coroutine({args_text})] {item_text}"));
            }
        }
    }
    assert_eq!(inputs, 5000);
    assert!(
        panics.is_empty(),
        "the macro panicked on:\n{}",
        panics.join("\n")
    );
}
