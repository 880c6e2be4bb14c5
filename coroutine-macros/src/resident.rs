//! Analysis: which locals may stay in place across suspensions ("residents").
//!
//! Takes the function body (syn); gives the names of the `let` locals that the body only ever
//! uses as a place: indexed (`buf[i]`, `buf[i] += x`), borrowed (`&buf`, `&mut buf.f`), or the
//! target of a compound assignment. Such a local need not be moved into the state enum and out
//! again at every resume (a copy of the whole value, which for a `[u64; 32]` costs more than the
//! rest of the resume): the emitter keeps it in a slot beside the enum and hands each state's
//! arm a reference to it, writing each mention `buf` as `(*buf)`. Rewriting by name is exact
//! only if every occurrence of the name in the body is a mention checked here, so a local
//! qualifies only when the identifier occurs exactly once as its declaration and otherwise only
//! in checked place positions: not in a value position (where `(*buf)` would move out of a
//! reference), not inside a closure or `async` block, not in a macro this module cannot read.
//! The layout then decides which candidates to keep in place ([`crate::cfg::Cfg::residents`]).

use crate::scan::{self, unraw};
use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use std::collections::{BTreeMap, BTreeSet};
use syn::visit::{self, Visit};
use syn::{Expr, Pat};

/// Names of the locals whose every mention is a place. A name that a parameter also has is
/// none: the rewriting by name would reach the parameter's mentions too (the body's
/// `let v: i64` in a block, beside a parameter `v` only borrowed elsewhere).
pub fn candidates(body: &syn::Block, params: &[String]) -> BTreeSet<String> {
    let mut finder = Finder::default();
    finder.visit_block(body);
    let mut occurrences = BTreeMap::new();
    count_idents(&body.to_token_stream(), &mut occurrences);
    finder
        .declared
        .into_iter()
        .filter(|(name, declarations)| {
            *declarations == 1
                && !params.contains(name)
                && !finder.disqualified.contains(name)
                && occurrences.get(name).copied().unwrap_or(0)
                    == 1 + finder.place_uses.get(name).copied().unwrap_or(0)
        })
        .map(|(name, _)| name)
        .collect()
}

#[derive(Default)]
struct Finder {
    /// `let [mut] name [: T] = value;` statements, by name.
    declared: BTreeMap<String, usize>,
    /// Mentions in a place position, outside closures.
    place_uses: BTreeMap<String, usize>,
    /// Names mentioned as a value, or assigned as a whole.
    disqualified: BTreeSet<String>,
    /// Inside a closure or an `async` block: a mention there captures the reference.
    captured: usize,
}

impl Finder {
    /// `expr` is used as a place: a mention of a local there reads or writes it in place.
    fn visit_place(&mut self, expr: &Expr) {
        match expr {
            Expr::Path(path) if path.qself.is_none() => match path.path.get_ident() {
                Some(ident) if self.captured == 0 => {
                    *self.place_uses.entry(unraw(ident)).or_default() += 1;
                }
                _ => visit::visit_expr(self, expr),
            },
            Expr::Field(field) => self.visit_place(&field.base),
            Expr::Index(index) => {
                self.visit_place(&index.expr);
                self.visit_expr(&index.index);
            }
            Expr::Paren(paren) => self.visit_place(&paren.expr),
            _ => self.visit_expr(expr),
        }
    }
}

impl<'ast> Visit<'ast> for Finder {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        match expr {
            Expr::Index(index) => {
                self.visit_place(&index.expr);
                self.visit_expr(&index.index);
            }
            Expr::Reference(reference) => self.visit_place(&reference.expr),
            Expr::RawAddr(raw) => self.visit_place(&raw.expr),
            Expr::Assign(assign) => {
                // A whole-local assignment ends the old value's life where the layout may not
                // store the new one in place; only parts are assigned in place.
                if let Expr::Path(path) = &*assign.left {
                    if let Some(ident) = path.path.get_ident() {
                        self.disqualified.insert(unraw(ident));
                    }
                }
                self.visit_place(&assign.left);
                self.visit_expr(&assign.right);
            }
            Expr::Binary(binary) if scan::is_compound_assignment(&binary.op) => {
                self.visit_place(&binary.left);
                self.visit_expr(&binary.right);
            }
            Expr::Path(path) => {
                if let Some(ident) = path.path.get_ident() {
                    self.disqualified.insert(unraw(ident));
                }
                visit::visit_expr(self, expr);
            }
            Expr::Closure(_) | Expr::Async(_) => {
                self.captured += 1;
                visit::visit_expr(self, expr);
                self.captured -= 1;
            }
            _ => visit::visit_expr(self, expr),
        }
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        let pat = match &local.pat {
            Pat::Type(typed) => &*typed.pat,
            pat => pat,
        };
        if let (Pat::Ident(binding), Some(init)) = (pat, &local.init) {
            if binding.by_ref.is_none() && binding.subpat.is_none() && init.diverge.is_none() {
                *self.declared.entry(unraw(&binding.ident)).or_default() += 1;
            }
        }
        visit::visit_local(self, local);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // The suspension macros and the formatting and assertion macros of std take
        // expressions; a mention inside any other macro is not counted, which disqualifies it.
        let readable = scan::suspension_of(mac).is_some() || scan::is_borrowing_macro(mac);
        if readable {
            if let Some(args) = scan::macro_args(mac) {
                for arg in &args {
                    self.visit_expr(arg);
                }
            }
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// How often each identifier occurs in `tokens`, macros and nested items included.
fn count_idents(tokens: &TokenStream, out: &mut BTreeMap<String, usize>) {
    for tree in tokens.clone() {
        match tree {
            TokenTree::Ident(ident) => *out.entry(unraw(&ident)).or_default() += 1,
            TokenTree::Group(group) => count_idents(&group.stream(), out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::candidates;

    fn of(body: &str) -> Vec<String> {
        let body: syn::Block = syn::parse_str(body).unwrap();
        candidates(&body, &[]).into_iter().collect()
    }

    #[test]
    fn indexed_and_borrowed_locals_qualify() {
        assert_eq!(
            of("{ let mut buf = [0u64; 32]; buf[1] += 2; yield_!(buf[1]); f(&buf); }"),
            ["buf"]
        );
        assert_eq!(of("{ let t = [1, 2]; println!(\"{}\", t[0]); }"), ["t"]);
    }

    #[test]
    fn a_value_use_or_a_whole_assignment_disqualifies() {
        assert!(of("{ let mut buf = [0u64; 32]; buf[1] = 2; g(buf); }").is_empty());
        assert!(of("{ let mut buf = [0u64; 32]; buf = [1; 32]; buf[0] += 1; }").is_empty());
        assert!(of("{ let v = vec![1]; v.len(); }").is_empty());
    }

    #[test]
    fn closures_unknown_macros_and_other_occurrences_disqualify() {
        assert!(of("{ let mut b = [0; 2]; let c = || b[0]; c(); }").is_empty());
        assert!(of("{ let b = [0; 2]; my_macro!(b[0]); }").is_empty());
        assert!(of("{ let b = [0; 2]; &b[0]; match x { b => {} } }").is_empty());
        assert!(of("{ let b = [0; 2]; &b[0]; s.b; }").is_empty());
    }

    #[test]
    fn a_name_a_parameter_also_has_disqualifies() {
        let body: syn::Block = syn::parse_str("{ f(&v); { let v: i64 = 1; g(&v); } }").unwrap();
        assert_eq!(
            candidates(&body, &[]).into_iter().collect::<Vec<_>>(),
            ["v"]
        );
        assert!(candidates(&body, &["v".to_string()]).is_empty());
    }
}
