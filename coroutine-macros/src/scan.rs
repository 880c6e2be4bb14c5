//! Stage 2: syntactic analysis of the body.
//!
//! A proc macro sees tokens, not types, so every question the lowering asks is answered from
//! syntax, conservatively: where the suspension points are (and whether one sits where it cannot
//! be lowered), which names a piece of code mentions (for liveness), which names it may move
//! out of (so a moved local is not saved again), what a pattern binds, and whether a binding is
//! obviously a reference (so a dead borrow is not kept alive across a suspension).

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::ToTokens;
use std::collections::BTreeSet;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Macro, Pat};

/// The two suspension macros.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Suspension {
    /// `yield_from!(x)`: delegation (await).
    YieldFrom,
    /// `yield_!(v)`: a value yield (generators only).
    Yield,
}

impl Suspension {
    pub fn name(self) -> &'static str {
        match self {
            Suspension::YieldFrom => "yield_from!",
            Suspension::Yield => "yield_!",
        }
    }
}

/// Whether a macro invocation is one of ours (by its last path segment, so that
/// `coroutines::yield_from!` counts too).
pub fn suspension_of(mac: &Macro) -> Option<Suspension> {
    let last = mac.path.segments.last()?;
    if last.ident == "yield_from" {
        Some(Suspension::YieldFrom)
    } else if last.ident == "yield_" {
        Some(Suspension::Yield)
    } else {
        None
    }
}

/// A macro call's arguments, when they are comma-separated expressions (`println!`, `vec!`,
/// `assert_eq!`, ...).
pub fn macro_args(mac: &Macro) -> Option<syn::punctuated::Punctuated<Expr, syn::Token![,]>> {
    mac.parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        .ok()
}

/// Control flow in raw macro tokens that leaves the code the tokens are part of: `break`s and
/// `continue`s with their labels, `return`s and `?`s, each with its span and how it is written
/// (`"break"`, `"continue"`, `"return"`, `"?"`). As far as tokens tell: after a closure's `|`, or
/// `fn` or `async` (in the same group of tokens or an enclosing one) nothing leaves, and after a
/// loop keyword (`loop`, `while`, `for`) no unlabelled `break` or `continue` does.
pub fn control_flow_in_tokens(
    tokens: &TokenStream,
    out: &mut Vec<(Option<syn::Lifetime>, Span, &'static str)>,
) {
    walk_control_flow(tokens, false, false, out);
}

fn walk_control_flow(
    tokens: &TokenStream,
    mut in_loop: bool,
    mut in_closure: bool,
    out: &mut Vec<(Option<syn::Lifetime>, Span, &'static str)>,
) {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (index, tree) in trees.iter().enumerate() {
        match tree {
            _ if in_closure => {}
            TokenTree::Ident(ident) if ident == "loop" || ident == "while" || ident == "for" => {
                in_loop = true;
            }
            TokenTree::Ident(ident) if ident == "fn" || ident == "async" => in_closure = true,
            TokenTree::Punct(punct) if punct.as_char() == '|' => in_closure = true,
            TokenTree::Ident(ident) if ident == "return" => {
                out.push((None, ident.span(), "return"));
            }
            // After an operand (not in `T: ?Sized`).
            TokenTree::Punct(punct)
                if punct.as_char() == '?'
                    && index > 0
                    && !matches!(trees[index - 1], TokenTree::Punct(_)) =>
            {
                out.push((None, punct.span(), "?"));
            }
            TokenTree::Ident(ident) if ident == "break" || ident == "continue" => {
                let label = match (trees.get(index + 1), trees.get(index + 2)) {
                    (Some(TokenTree::Punct(quote)), Some(TokenTree::Ident(name)))
                        if quote.as_char() == '\'' =>
                    {
                        Some(syn::Lifetime {
                            apostrophe: quote.span(),
                            ident: name.clone(),
                        })
                    }
                    _ => None,
                };
                if label.is_some() || !in_loop {
                    let keyword = if ident == "break" {
                        "break"
                    } else {
                        "continue"
                    };
                    out.push((label, ident.span(), keyword));
                }
            }
            TokenTree::Group(group) => {
                walk_control_flow(&group.stream(), in_loop, in_closure, out);
            }
            _ => {}
        }
    }
}

/// Whether raw macro tokens contain a suspension macro call.
pub fn tokens_suspend(tokens: &TokenStream) -> bool {
    let mut previous_was_name = false;
    for tree in tokens.clone() {
        match tree {
            TokenTree::Ident(ident) => {
                previous_was_name = ident == "yield_from" || ident == "yield_"
            }
            TokenTree::Punct(punct) if punct.as_char() == '!' && previous_was_name => return true,
            TokenTree::Group(group) => {
                if tokens_suspend(&group.stream()) {
                    return true;
                }
                previous_was_name = false;
            }
            _ => previous_was_name = false,
        }
    }
    false
}

/// What a `break`/`continue` may target from a given point of the lowered body.
#[derive(Clone, Default)]
pub struct LoopContext {
    /// Labels of enclosing loops and labelled blocks that are lowered into states.
    pub lowered_labels: Vec<String>,
    /// Whether the innermost enclosing loop is lowered (the target of an unlabelled `break`).
    pub innermost_lowered: bool,
}

/// The native loops and labelled blocks around a point of code kept as written: with the
/// [`LoopContext`] of that code, they decide whether a `break`/`continue` there leaves it for
/// a lowered loop. Shared by the scan that decides what to lower and the rewriter of what is
/// kept.
#[derive(Default)]
pub struct NativeLoops {
    /// Their labels (they hide outer labels of the same name).
    labels: Vec<String>,
    /// How many loops (not labelled blocks) there are.
    depth: usize,
}

impl NativeLoops {
    /// Runs `inside` with a loop (`is_loop`) or labelled block entered.
    pub fn within<T>(
        this: &mut T,
        native: impl Fn(&mut T) -> &mut NativeLoops,
        label: Option<&syn::Label>,
        is_loop: bool,
        inside: impl FnOnce(&mut T),
    ) {
        let loops = native(this);
        loops
            .labels
            .extend(label.map(|label| label.name.ident.to_string()));
        loops.depth += usize::from(is_loop);
        inside(this);
        let loops = native(this);
        loops.depth -= usize::from(is_loop);
        if label.is_some() {
            loops.labels.pop();
        }
    }

    /// Whether an unlabelled `break`/`continue` here leaves a native loop.
    pub fn in_loop(&self) -> bool {
        self.depth > 0
    }

    /// Whether a `break`/`continue` to `label` (or unlabelled) here leaves for a lowered loop.
    pub fn targets_lowered(&self, label: Option<&syn::Lifetime>, context: &LoopContext) -> bool {
        match label {
            Some(label) => {
                let name = label.ident.to_string();
                !self.labels.contains(&name) && context.lowered_labels.contains(&name)
            }
            None => !self.in_loop() && context.innermost_lowered,
        }
    }
}

/// What an expression or statement holds that the lowering must deal with: suspension points,
/// and `break`/`continue`s that leave it towards a lowered loop. Code inside closures, `async`
/// blocks and items is not looked at (it runs elsewhere; [`check_nested`] reports suspensions
/// there).
#[derive(Default)]
pub struct Found {
    pub suspends: bool,
    pub leaves_lowered_loop: bool,
    /// Names the code may bind in scopes around its `break`/`continue`s, collected only when
    /// it has some: the bindings of its patterns, the items it declares, and every name passed
    /// to a macro in statement position that is not one of std's (it may expand to a `let`).
    /// A jump placed in the code itself cannot name a local hidden by one of them.
    pub bound: Vec<String>,
}

/// See [`Found`].
pub fn find_in_expr(expr: &Expr, context: &LoopContext) -> Found {
    let mut finder = NeedsLowering::new(context);
    finder.visit_expr(expr);
    finder.found()
}

/// [`find_in_expr`] for a statement.
pub fn find_in_stmt(stmt: &syn::Stmt, context: &LoopContext) -> Found {
    let mut finder = NeedsLowering::new(context);
    finder.visit_stmt(stmt);
    finder.found()
}

struct NeedsLowering<'a> {
    context: &'a LoopContext,
    /// Inside the expression.
    native: NativeLoops,
    suspends: bool,
    leaves_lowered_loop: bool,
    bound: Vec<String>,
}

impl<'a> NeedsLowering<'a> {
    fn new(context: &'a LoopContext) -> Self {
        NeedsLowering {
            context,
            native: NativeLoops::default(),
            suspends: false,
            leaves_lowered_loop: false,
            bound: Vec::new(),
        }
    }

    fn found(self) -> Found {
        Found {
            suspends: self.suspends,
            leaves_lowered_loop: self.leaves_lowered_loop,
            bound: if self.leaves_lowered_loop {
                self.bound
            } else {
                Vec::new()
            },
        }
    }

    fn native_loop(
        &mut self,
        label: Option<&syn::Label>,
        is_loop: bool,
        inside: impl FnOnce(&mut Self),
    ) {
        NativeLoops::within(self, |this| &mut this.native, label, is_loop, inside);
    }
}

impl<'ast> Visit<'ast> for NeedsLowering<'_> {
    fn visit_macro(&mut self, mac: &'ast Macro) {
        if suspension_of(mac).is_some() || tokens_suspend(&mac.tokens) {
            self.suspends = true;
        } else if let Some(args) = macro_args(mac) {
            // `println!("{}", if done { break 'outer } else { 1 })`: a jump out of a lowered loop.
            for arg in &args {
                self.visit_expr(arg);
            }
        }
    }
    fn visit_expr_break(&mut self, node: &'ast syn::ExprBreak) {
        if self
            .native
            .targets_lowered(node.label.as_ref(), self.context)
        {
            self.leaves_lowered_loop = true;
        }
        visit::visit_expr_break(self, node);
    }
    fn visit_expr_continue(&mut self, node: &'ast syn::ExprContinue) {
        if self
            .native
            .targets_lowered(node.label.as_ref(), self.context)
        {
            self.leaves_lowered_loop = true;
        }
    }
    fn visit_pat_ident(&mut self, node: &'ast syn::PatIdent) {
        self.bound.push(node.ident.to_string());
        visit::visit_pat_ident(self, node);
    }
    fn visit_stmt_macro(&mut self, node: &'ast syn::StmtMacro) {
        let name = node
            .mac
            .path
            .segments
            .last()
            .map(|segment| segment.ident.to_string());
        if !name.is_some_and(|name| is_std_expression_macro(&name)) {
            let mut names = Vec::new();
            mentions(&node.mac.tokens, &mut names);
            self.bound.extend(names.into_iter().map(|(name, _)| name));
        }
        visit::visit_stmt_macro(self, node);
    }
    fn visit_expr_loop(&mut self, node: &'ast syn::ExprLoop) {
        let body = |this: &mut Self| this.visit_block(&node.body);
        self.native_loop(node.label.as_ref(), true, body);
    }
    fn visit_expr_while(&mut self, node: &'ast syn::ExprWhile) {
        self.visit_expr(&node.cond);
        let body = |this: &mut Self| this.visit_block(&node.body);
        self.native_loop(node.label.as_ref(), true, body);
    }
    fn visit_expr_for_loop(&mut self, node: &'ast syn::ExprForLoop) {
        self.visit_expr(&node.expr);
        let body = |this: &mut Self| this.visit_block(&node.body);
        self.native_loop(node.label.as_ref(), true, body);
    }
    fn visit_expr_block(&mut self, node: &'ast syn::ExprBlock) {
        // A labelled block is a `break` target but not a `continue` target nor the target of an
        // unlabelled `break`.
        let block = |this: &mut Self| this.visit_block(&node.block);
        self.native_loop(node.label.as_ref(), false, block);
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_expr_const(&mut self, _: &'ast syn::ExprConst) {}
    fn visit_item(&mut self, item: &'ast syn::Item) {
        // Its name, and every name it brings in (`use a::b as c;`), may hide a local.
        let mut names = Vec::new();
        let signature = match item {
            syn::Item::Use(node) => node.tree.to_token_stream(),
            _ => item_name(item)
                .map(ToTokens::into_token_stream)
                .unwrap_or_default(),
        };
        mentions(&signature, &mut names);
        self.bound.extend(names.into_iter().map(|(name, _)| name));
    }
}

/// The name an item declares, if it has one.
fn item_name(item: &syn::Item) -> Option<&Ident> {
    match item {
        syn::Item::Const(node) => Some(&node.ident),
        syn::Item::Enum(node) => Some(&node.ident),
        syn::Item::ExternCrate(node) => Some(&node.ident),
        syn::Item::Fn(node) => Some(&node.sig.ident),
        syn::Item::Macro(node) => node.ident.as_ref(),
        syn::Item::Mod(node) => Some(&node.ident),
        syn::Item::Static(node) => Some(&node.ident),
        syn::Item::Struct(node) => Some(&node.ident),
        syn::Item::Trait(node) => Some(&node.ident),
        syn::Item::TraitAlias(node) => Some(&node.ident),
        syn::Item::Type(node) => Some(&node.ident),
        syn::Item::Union(node) => Some(&node.ident),
        _ => None,
    }
}

/// Whether a macro is one of std's that expand to an expression: in statement position they
/// declare nothing the code after them sees.
fn is_std_expression_macro(name: &str) -> bool {
    listed(
        name,
        &[FORMAT_MACROS, ASSERTION_MACROS, OTHER_OPERAND_MACROS],
    )
}

/// Reports every assignment to a place behind the `&self` of a `&self` method (`self.n += 1`):
/// the body uses that `self` as a variable the generated closure captures, and rustc's own
/// error there ("cannot assign to data in a `&` reference") would not say that the receiver is
/// the problem.
pub fn check_shared_self_assignments(
    block: &syn::Block,
    receiver: Span,
    function: &Ident,
    errors: &mut Vec<syn::Error>,
) {
    struct Assignments<'e> {
        receiver: Span,
        function: &'e Ident,
        errors: &'e mut Vec<syn::Error>,
    }
    impl Assignments<'_> {
        fn check(&mut self, place: &Expr) {
            // `self.a`, `self.a[i].b`: a part of what `self` refers to (`self` itself is not
            // a place behind it; an explicit `*` may go through a pointer the place owns).
            let behind_self = matches!(without_parens(place), Expr::Field(_) | Expr::Index(_))
                && place_root(place).is_some_and(|root| root == "self");
            if !behind_self {
                return;
            }
            let place_text = quote::ToTokens::to_token_stream(place)
                .to_string()
                .replace(" . ", ".")
                .replace(" [", "[");
            let mut error = syn::Error::new_spanned(
                place,
                format!("cannot assign to `{place_text}`, which is behind a `&` reference"),
            );
            error.combine(syn::Error::new(
                self.receiver,
                format!(
                    "`{}` takes `&self`: take `&mut self` to modify what `self` refers to",
                    self.function
                ),
            ));
            self.errors.push(error);
        }
    }
    impl<'ast> Visit<'ast> for Assignments<'_> {
        fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
            self.check(&node.left);
            visit::visit_expr_assign(self, node);
        }
        fn visit_expr_binary(&mut self, node: &'ast syn::ExprBinary) {
            if is_compound_assignment(&node.op) {
                self.check(&node.left);
            }
            visit::visit_expr_binary(self, node);
        }
        // A nested item has its own `self`.
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    Assignments {
        receiver,
        function,
        errors,
    }
    .visit_block(block);
}

/// Reports every suspension point that sits inside a closure, an `async` block, a `const`
/// block or a nested item, where the coroutine cannot suspend, or inside code under a `#[cfg]`
/// (or `#[cfg_attr]`) attribute, which an attribute macro reads before rustc decides whether
/// that code exists.
pub fn check_nested(block: &syn::Block, errors: &mut Vec<syn::Error>) {
    struct Nested<'e> {
        errors: &'e mut Vec<syn::Error>,
        /// What encloses the current point, when it is not the coroutine body itself.
        inside: Option<&'static str>,
        /// The `#[cfg]` attribute the current point is under, if any.
        gated_by: Option<syn::Attribute>,
    }
    impl Nested<'_> {
        fn enter(&mut self, what: &'static str, visit_inner: impl FnOnce(&mut Self)) {
            let outer = self.inside.replace(what);
            visit_inner(self);
            self.inside = outer;
        }
        /// Visits code carrying `attrs` (a statement, an arm, a field), noting a `#[cfg]`.
        fn gated(&mut self, attrs: &[syn::Attribute], visit_inner: impl FnOnce(&mut Self)) {
            // `#[cfg_attr(p, cfg(q))]` gates too; `#[cfg_attr(p, allow(..))]` does not (a
            // predicate has no `cfg` at its top level).
            let gates = |attr: &&syn::Attribute| match &attr.meta {
                syn::Meta::List(list) if list.path.is_ident("cfg_attr") => list
                    .tokens
                    .clone()
                    .into_iter()
                    .any(|tree| matches!(tree, TokenTree::Ident(ident) if ident == "cfg")),
                meta => meta.path().is_ident("cfg"),
            };
            let cfg = attrs.iter().find(gates);
            let outer = self.gated_by.clone();
            if let Some(cfg) = cfg.filter(|_| outer.is_none()) {
                self.gated_by = Some(cfg.clone());
            }
            visit_inner(self);
            self.gated_by = outer;
        }
        fn report(&mut self, span: Span, name: &str) {
            if let Some(what) = self.inside {
                self.errors.push(syn::Error::new(
                    span,
                    format!(
                        "`{name}` cannot be used inside {what}: only the `#[coroutine]` fn itself can suspend, and {what} runs as separate code"
                    ),
                ));
            } else if let Some(cfg) = &self.gated_by {
                let mut error = syn::Error::new(
                    span,
                    format!("`{name}` cannot be used in code under a `#[cfg]` attribute: `#[coroutine]` reads the body before rustc decides whether that code is compiled, so it cannot tell whether this suspension point exists. Use `if cfg!(..) {{ .. }}` around it (the code must then compile either way), or move the `#[cfg]` to a helper coroutine that this one waits for"),
                );
                error.combine(syn::Error::new_spanned(cfg, "the `#[cfg]` attribute"));
                self.errors.push(error);
            }
        }
    }
    impl<'ast> Visit<'ast> for Nested<'_> {
        fn visit_local(&mut self, node: &'ast syn::Local) {
            self.gated(&node.attrs, |this| visit::visit_local(this, node));
        }
        fn visit_stmt_macro(&mut self, node: &'ast syn::StmtMacro) {
            self.gated(&node.attrs, |this| visit::visit_stmt_macro(this, node));
        }
        fn visit_stmt(&mut self, node: &'ast syn::Stmt) {
            match node {
                syn::Stmt::Expr(expr, _) => {
                    self.gated(statement_attributes(expr), |this| {
                        visit::visit_stmt(this, node)
                    });
                }
                _ => visit::visit_stmt(self, node),
            }
        }
        fn visit_arm(&mut self, node: &'ast syn::Arm) {
            self.gated(&node.attrs, |this| visit::visit_arm(this, node));
        }
        fn visit_field_value(&mut self, node: &'ast syn::FieldValue) {
            self.gated(&node.attrs, |this| visit::visit_field_value(this, node));
        }
        fn visit_macro(&mut self, mac: &'ast Macro) {
            if let Some(kind) = suspension_of(mac) {
                self.report(mac.path.span(), kind.name());
                // The operand may hold more suspensions.
                if let Ok(expr) = mac.parse_body::<Expr>() {
                    self.visit_expr(&expr);
                }
            } else if let Some(args) = macro_args(mac) {
                for arg in &args {
                    self.visit_expr(arg);
                }
            } else if self.inside.is_some() && tokens_suspend(&mac.tokens) {
                self.report(mac.span(), "yield_from!`/`yield_!");
            }
        }
        fn visit_expr_await(&mut self, node: &'ast syn::ExprAwait) {
            // In the body itself: the Rust spelling of what this crate writes `yield_from!`.
            if self.inside.is_none() {
                let operand = quote::ToTokens::to_token_stream(&node.base)
                    .to_string()
                    .replace(" :: ", "::")
                    .replace(" . ", ".")
                    .replace(" (", "(");
                self.errors.push(syn::Error::new(
                    node.await_token.span,
                    format!("`.await` only works in an `async` fn or block; a `#[coroutine]` fn waits with `yield_from!({operand})`"),
                ));
            }
            visit::visit_expr_await(self, node);
        }
        fn visit_expr_closure(&mut self, node: &'ast syn::ExprClosure) {
            self.enter("a closure", |this| visit::visit_expr_closure(this, node));
        }
        fn visit_expr_async(&mut self, node: &'ast syn::ExprAsync) {
            self.enter("an `async` block", |this| {
                visit::visit_expr_async(this, node)
            });
        }
        fn visit_expr_const(&mut self, node: &'ast syn::ExprConst) {
            self.enter("a `const` block", |this| {
                visit::visit_expr_const(this, node)
            });
        }
        fn visit_item(&mut self, node: &'ast syn::Item) {
            self.enter("a nested item", |this| visit::visit_item(this, node));
        }
    }
    Nested {
        errors,
        inside: None,
        gated_by: None,
    }
    .visit_block(block);
}

/// The attributes of an expression statement (`#[cfg(x)] { .. }`, `#[cfg(x)] a += 1;`). syn
/// attaches those of a statement that starts with an operand (`a += 1`, `v.push(x)`) to that
/// leftmost operand.
fn statement_attributes(expr: &Expr) -> &[syn::Attribute] {
    let (attrs, leftmost) = match expr {
        Expr::Assign(node) => (&node.attrs, Some(&*node.left)),
        Expr::Binary(node) => (&node.attrs, Some(&*node.left)),
        Expr::Call(node) => (&node.attrs, Some(&*node.func)),
        Expr::Cast(node) => (&node.attrs, Some(&*node.expr)),
        Expr::Field(node) => (&node.attrs, Some(&*node.base)),
        Expr::Index(node) => (&node.attrs, Some(&*node.expr)),
        Expr::MethodCall(node) => (&node.attrs, Some(&*node.receiver)),
        Expr::Try(node) => (&node.attrs, Some(&*node.expr)),
        Expr::Block(node) => (&node.attrs, None),
        Expr::Break(node) => (&node.attrs, None),
        Expr::ForLoop(node) => (&node.attrs, None),
        Expr::If(node) => (&node.attrs, None),
        Expr::Loop(node) => (&node.attrs, None),
        Expr::Macro(node) => (&node.attrs, None),
        Expr::Match(node) => (&node.attrs, None),
        Expr::Paren(node) => (&node.attrs, None),
        Expr::Path(node) => (&node.attrs, None),
        Expr::Return(node) => (&node.attrs, None),
        Expr::Unsafe(node) => (&node.attrs, None),
        Expr::While(node) => (&node.attrs, None),
        _ => return &[],
    };
    match leftmost {
        Some(leftmost) if attrs.is_empty() => statement_attributes(leftmost),
        _ => attrs,
    }
}

/// The arguments of `matches!(value, PATTERN if guard)`.
fn matches_args(mac: &Macro) -> Option<(Expr, Pat, Option<Expr>)> {
    mac.parse_body_with(|input: syn::parse::ParseStream| {
        let value: Expr = input.parse()?;
        input.parse::<syn::Token![,]>()?;
        let pat = Pat::parse_multi_with_leading_vert(input)?;
        let guard = if input.parse::<Option<syn::Token![if]>>()?.is_some() {
            Some(input.parse::<Expr>()?)
        } else {
            None
        };
        input.parse::<Option<syn::Token![,]>>()?;
        Ok((value, pat, guard))
    })
    .ok()
}

/// `guard` with its mentions of the names in `renames` replaced by the idents given for them
/// (located where the user wrote them): a match guard whose arm's bindings get hidden names.
/// `None` where that cannot be done from syntax: the guard binds one of the names itself (which
/// hides the arm's there) or declares an item, or a macro in it mentions one of the names.
pub fn rename_in_guard(guard: &Expr, renames: &[(String, Ident)]) -> Option<Expr> {
    struct Renamer<'r> {
        renames: &'r [(String, Ident)],
        in_macro: bool,
    }
    impl Renamer<'_> {
        fn renamed(&self, ident: &Ident) -> Option<Ident> {
            let (_, hidden) = self.renames.iter().find(|(name, _)| *ident == name)?;
            let mut hidden = hidden.clone();
            hidden.set_span(hidden.span().located_at(ident.span()));
            Some(hidden)
        }
    }
    impl VisitMut for Renamer<'_> {
        fn visit_expr_path_mut(&mut self, node: &mut syn::ExprPath) {
            if node.qself.is_none() && node.path.segments.len() == 1 {
                let segment = &mut node.path.segments[0];
                if let Some(hidden) = self.renamed(&segment.ident) {
                    segment.ident = hidden;
                }
            }
        }
        fn visit_field_value_mut(&mut self, node: &mut syn::FieldValue) {
            // `S { v }` names the field and the binding: `S { v: __bound_v }`.
            if node.colon_token.is_none() {
                node.colon_token = Some(Default::default());
            }
            visit_mut::visit_field_value_mut(self, node);
        }
        fn visit_macro_mut(&mut self, node: &mut Macro) {
            let mut names = Vec::new();
            mentions(&node.tokens, &mut names);
            self.in_macro |= names
                .iter()
                .any(|(name, _)| self.renames.iter().any(|(renamed, _)| renamed == name));
        }
    }
    // A name the guard binds itself (a closure's parameter, an `if let`'s) would be renamed
    // where it does not mean the arm's binding.
    struct Bound<'r> {
        renames: &'r [(String, Ident)],
        hides: bool,
    }
    impl<'ast> Visit<'ast> for Bound<'_> {
        fn visit_pat_ident(&mut self, node: &'ast syn::PatIdent) {
            self.hides |= self.renames.iter().any(|(name, _)| node.ident == name);
            visit::visit_pat_ident(self, node);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {
            self.hides = true;
        }
    }
    let mut bound = Bound {
        renames,
        hides: false,
    };
    bound.visit_expr(guard);
    if bound.hides {
        return None;
    }
    let mut renamer = Renamer {
        renames,
        in_macro: false,
    };
    let mut guard = guard.clone();
    renamer.visit_expr_mut(&mut guard);
    (!renamer.in_macro).then_some(guard)
}

/// The names an expression reads from outside itself: [`mentions`], less those that refer to
/// a binding made inside it (a `match` arm's, a `let`'s for the rest of its block, an `if let`'s,
/// a `for` loop's, a closure's parameters). `Some(v) => v + 1` after a local `v` was moved
/// does not read that local. Gives whether the expression binds any name (else its free
/// mentions are all of [`mentions`] that can name a local).
pub fn free_mentions_expr(expr: &Expr, out: &mut Vec<(String, Span)>) -> bool {
    let mut finder = FreeMentions::new(out);
    finder.visit_expr(expr);
    finder.binds
}

/// [`free_mentions_expr`] for a statement (a `let`'s pattern is not a mention, nor a binding
/// made inside it).
pub fn free_mentions_stmt(stmt: &syn::Stmt, out: &mut Vec<(String, Span)>) -> bool {
    let mut finder = FreeMentions::new(out);
    match stmt {
        syn::Stmt::Local(local) => {
            if let Some(init) = &local.init {
                finder.visit_expr(&init.expr);
                if let Some((_, diverge)) = &init.diverge {
                    finder.visit_expr(diverge);
                }
            }
        }
        _ => finder.visit_stmt(stmt),
    }
    finder.binds
}

struct FreeMentions<'o> {
    /// Names bound inside the code, innermost scope last.
    scopes: Vec<Vec<String>>,
    out: &'o mut Vec<(String, Span)>,
    /// Some binding was made inside the code (other than a top-level `let`'s).
    binds: bool,
}

impl<'o> FreeMentions<'o> {
    fn new(out: &'o mut Vec<(String, Span)>) -> Self {
        FreeMentions {
            scopes: Vec::new(),
            out,
            binds: false,
        }
    }

    fn bound(&self, name: &str) -> bool {
        self.scopes.iter().flatten().any(|bound| bound == name)
    }

    fn bind(&mut self, pat: &Pat) {
        let names = binding_names([pat]);
        self.binds |= !names.is_empty();
        match self.scopes.last_mut() {
            Some(scope) => scope.extend(names),
            None => self.scopes.push(names),
        }
    }

    fn scoped(&mut self, visit: impl FnOnce(&mut Self)) {
        self.scopes.push(Vec::new());
        visit(self);
        self.scopes.pop();
    }

    fn push_unbound(&mut self, names: Vec<(String, Span)>) {
        for (name, span) in names {
            if !self.bound(&name) {
                self.out.push((name, span));
            }
        }
    }
}

impl<'ast> Visit<'ast> for FreeMentions<'_> {
    fn visit_expr_path(&mut self, node: &'ast syn::ExprPath) {
        // Other paths (`Vec::new`, `T::MAX`, `f::<u8>`) name no local; their generic arguments
        // are types. Mentions elsewhere (a struct literal's path...) are names, not locals,
        // whatever `mentions` counts.
        if let (None, Some(ident)) = (&node.qself, node.path.get_ident()) {
            self.push_unbound(vec![(unraw(ident), ident.span())]);
        }
    }
    fn visit_macro(&mut self, node: &'ast Macro) {
        // `matches!(value, PATTERN if guard)`: the pattern's bindings are the guard's.
        let is_matches = node
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident == "matches");
        if let Some((value, pat, guard)) = is_matches.then(|| matches_args(node)).flatten() {
            self.visit_expr(&value);
            self.scoped(|this| {
                this.bind(&pat);
                if let Some(guard) = &guard {
                    this.visit_expr(guard);
                }
            });
        } else if let Some(args) = macro_args(node) {
            for arg in &args {
                self.visit_expr(arg);
            }
        } else {
            let mut names = Vec::new();
            mentions(&node.tokens, &mut names);
            self.push_unbound(names);
        }
    }
    fn visit_lit_str(&mut self, node: &'ast syn::LitStr) {
        // A format string's inline arguments (`"{v}"`).
        let mut captured = Vec::new();
        format_captures(&node.token().to_string(), &mut captured);
        let span = node.span();
        self.push_unbound(captured.into_iter().map(|name| (name, span)).collect());
    }
    fn visit_block(&mut self, node: &'ast syn::Block) {
        self.scoped(|this| visit::visit_block(this, node));
    }
    fn visit_local(&mut self, node: &'ast syn::Local) {
        if let Some(init) = &node.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        self.bind(&node.pat);
    }
    fn visit_arm(&mut self, node: &'ast syn::Arm) {
        self.scoped(|this| {
            this.bind(&node.pat);
            if let Some((_, guard)) = &node.guard {
                this.visit_expr(guard);
            }
            this.visit_expr(&node.body);
        });
    }
    fn visit_expr_let(&mut self, node: &'ast syn::ExprLet) {
        // Its bindings are seen by the rest of the condition and the guarded block, which
        // `visit_expr_if`/`visit_expr_while` scope.
        self.visit_expr(&node.expr);
        self.bind(&node.pat);
    }
    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        self.scoped(|this| {
            this.visit_expr(&node.cond);
            this.visit_block(&node.then_branch);
        });
        if let Some((_, else_branch)) = &node.else_branch {
            self.visit_expr(else_branch);
        }
    }
    fn visit_expr_while(&mut self, node: &'ast syn::ExprWhile) {
        self.scoped(|this| {
            this.visit_expr(&node.cond);
            this.visit_block(&node.body);
        });
    }
    fn visit_expr_for_loop(&mut self, node: &'ast syn::ExprForLoop) {
        self.visit_expr(&node.expr);
        self.scoped(|this| {
            this.bind(&node.pat);
            this.visit_block(&node.body);
        });
    }
    fn visit_expr_closure(&mut self, node: &'ast syn::ExprClosure) {
        self.scoped(|this| {
            for input in &node.inputs {
                this.bind(input);
            }
            this.visit_expr(&node.body);
        });
    }
    fn visit_pat(&mut self, _: &'ast Pat) {}
    fn visit_type(&mut self, _: &'ast syn::Type) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The names a piece of code mentions, each with where: every identifier, and every `{name}`
/// captured by a format string. Over-approximates (field and method names count too), which
/// only makes liveness keep more.
pub fn mentions(tokens: &TokenStream, out: &mut Vec<(String, Span)>) {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (index, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) => {
                // `s.name` and `s.method()` name a field or method, `P { name: v }` a field:
                // neither is a use of a local called `name`.
                let is_dot =
                    |at: usize| matches!(&trees[at], TokenTree::Punct(p) if p.as_char() == '.');
                // (`..x` and `..=x` are ranges, not field accesses.)
                let after_dot = index > 0 && is_dot(index - 1) && !(index > 1 && is_dot(index - 2));
                let field_label = matches!(trees.get(index + 1), Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == proc_macro2::Spacing::Alone)
                    && !(index > 0
                        && matches!(&trees[index - 1], TokenTree::Punct(p) if p.as_char() == ':'));
                if !after_dot && !field_label {
                    out.push((unraw(ident), ident.span()));
                }
            }
            TokenTree::Group(group) => mentions(&group.stream(), out),
            TokenTree::Literal(literal) => {
                let mut captured = Vec::new();
                format_captures(&literal.to_string(), &mut captured);
                out.extend(captured.into_iter().map(|name| (name, literal.span())));
            }
            TokenTree::Punct(_) => {}
        }
    }
}

/// Every identifier among `tokens`, in any role (a use, a binding, a field, a type
/// ascription's `name:`): over-approximates both the uses and the declarations of locals.
pub fn identifiers(tokens: &TokenStream) -> BTreeSet<String> {
    fn collect(tokens: &TokenStream, out: &mut BTreeSet<String>) {
        for tree in tokens.clone() {
            match tree {
                TokenTree::Ident(ident) => {
                    out.insert(unraw(&ident));
                }
                TokenTree::Group(group) => collect(&group.stream(), out),
                TokenTree::Literal(_) | TokenTree::Punct(_) => {}
            }
        }
    }
    let mut out = BTreeSet::new();
    collect(tokens, &mut out);
    out
}

/// `a op= b`: the left side is a place, assigned in place.
pub fn is_compound_assignment(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

/// An identifier's name without a raw prefix (`r#type` is `type`).
pub fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    match name.strip_prefix("r#") {
        Some(stripped) => stripped.to_owned(),
        None => name,
    }
}

/// `{name}` and `{name:?}` inside a string literal's text.
fn format_captures(text: &str, out: &mut Vec<String>) {
    if !(text.starts_with('"') || text.starts_with('r')) {
        return;
    }
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'{' {
            if bytes.get(index + 1) == Some(&b'{') {
                index += 2;
                continue;
            }
            let start = index + 1;
            let mut end = start;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            let starts_like_name = bytes
                .get(start)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
            if starts_like_name && matches!(bytes.get(end), Some(b'}' | b':')) {
                out.push(text[start..end].to_owned());
            }
            index = end;
        } else {
            index += 1;
        }
    }
}

/// Methods known to take their receiver by value (`self`) on the std types locals usually
/// hold, plus the usual names of consuming builder methods. Any other method call is assumed to
/// borrow its receiver: if it does consume it, rustc reports the local as used after a move at
/// the suspension point that keeps it (the fix is to end its scope before the suspension).
const CONSUMING_METHODS: &[&str] = &[
    "and",
    "and_then",
    "build",
    "chain",
    "cloned",
    "collect",
    "commit",
    "copied",
    "count",
    "cycle",
    "enumerate",
    "err",
    "expect",
    "expect_err",
    "filter",
    "filter_map",
    "finish",
    "flat_map",
    "flatten",
    "fold",
    "for_each",
    "fuse",
    "inspect",
    "into",
    "into_boxed_slice",
    "into_bytes",
    "into_inner",
    "into_iter",
    "into_keys",
    "into_owned",
    "into_string",
    "into_values",
    "join",
    "map",
    "map_err",
    "map_or",
    "map_or_else",
    "max",
    "max_by",
    "max_by_key",
    "min",
    "min_by",
    "min_by_key",
    "ok",
    "ok_or",
    "ok_or_else",
    "or",
    "or_else",
    "partition",
    "peekable",
    "product",
    "reduce",
    "rev",
    "rollback",
    "scan",
    "skip",
    "skip_while",
    "step_by",
    "sum",
    "take_while",
    "try_fold",
    "try_for_each",
    "unwrap",
    "unwrap_err",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_or_else",
    "unzip",
    "wait",
    "xor",
    "zip",
];

/// Whether a method is known to take its receiver by value (see [`CONSUMING_METHODS`]).
pub fn method_consumes(method: &Ident) -> bool {
    let name = method.to_string();
    CONSUMING_METHODS.contains(&name.as_str()) || name.starts_with("into_")
}

/// Methods that return an iterator borrowing their receiver (`v.iter()`, `s.chars()`).
const BORROWING_ITERATOR_METHODS: &[&str] = &[
    "bytes",
    "char_indices",
    "chars",
    "chunks",
    "iter",
    "iter_mut",
    "keys",
    "lines",
    "split",
    "split_whitespace",
    "values",
    "values_mut",
    "windows",
];

/// Methods that return a borrow of their receiver, so a binding initialised by one is a
/// reference, not an owner (with [`BORROWING_ITERATOR_METHODS`]).
const BORROW_RETURNING_METHODS: &[&str] = &[
    "as_bytes",
    "as_deref",
    "as_deref_mut",
    "as_mut",
    "as_mut_slice",
    "as_path",
    "as_ref",
    "as_slice",
    "as_str",
    "first",
    "first_mut",
    "get",
    "get_mut",
    "last",
    "last_mut",
    "trim",
    "trim_end",
    "trim_start",
];

/// Std macros that format their arguments: each is evaluated once, in order, where it stands,
/// and only borrowed. (Not `dbg!`: it returns its argument, so it moves it.)
const FORMAT_MACROS: &[&str] = &[
    "eprint",
    "eprintln",
    "format",
    "format_args",
    "panic",
    "print",
    "println",
    "todo",
    "unimplemented",
    "unreachable",
    "write",
    "writeln",
];

/// Std's assertions, which only borrow their operands too.
const ASSERTION_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
];

/// Other std macros that evaluate each of their arguments once, in order, where it stands, as
/// a call evaluates its operands. (`assert_eq!`/`assert_ne!` evaluate their message only if the
/// assertion fails: `Lowerer::lower_assertion` refuses a suspension there, and an operand after
/// the last suspension stays where it is. The other assertions are lowered as std defines them.)
const OTHER_OPERAND_MACROS: &[&str] = &["assert_eq", "assert_ne", "dbg", "matches", "vec"];

/// A macro's name: the last segment of its path (`assert` in `std::assert!`).
pub fn macro_name(mac: &Macro) -> String {
    mac.path
        .segments
        .last()
        .map(|segment| segment.ident.to_string())
        .unwrap_or_default()
}

/// Whether `name` is in one of `lists`.
fn listed(name: &str, lists: &[&[&str]]) -> bool {
    lists.iter().any(|list| list.contains(&name))
}

/// Whether the macro's name (see [`macro_name`]) is in one of `lists`.
fn macro_named_in(mac: &Macro, lists: &[&[&str]]) -> bool {
    listed(&macro_name(mac), lists)
}

/// Whether a macro evaluates its arguments as a call evaluates its operands: a suspension among
/// them can be lowered as among a call's operands.
pub fn evaluates_arguments_as_operands(mac: &Macro) -> bool {
    macro_named_in(mac, &[FORMAT_MACROS, OTHER_OPERAND_MACROS])
}

/// A format-style std macro (`println!`, `assert_eq!`, ...): its arguments are expressions,
/// and it only borrows them.
pub fn is_borrowing_macro(mac: &Macro) -> bool {
    macro_named_in(mac, &[FORMAT_MACROS, ASSERTION_MACROS])
}

/// The names an expression may move out of (see the module docs). Over-approximates: a name is
/// reported unless every mention of it is plainly a borrow, a place being assigned, or the
/// receiver of a method known to borrow.
pub fn possibly_moved(expr: &Expr, out: &mut Vec<String>) {
    MoveFinder { out, moving: true }.visit_expr(expr);
}

/// [`possibly_moved`] for a statement.
pub fn possibly_moved_stmt(stmt: &syn::Stmt, out: &mut Vec<String>) {
    MoveFinder { out, moving: true }.visit_stmt(stmt);
}

struct MoveFinder<'a> {
    out: &'a mut Vec<String>,
    /// Whether the expression being visited is in a position that may move it.
    moving: bool,
}

impl MoveFinder<'_> {
    fn with(&mut self, moving: bool, visit_inner: impl FnOnce(&mut Self)) {
        let outer = std::mem::replace(&mut self.moving, moving);
        visit_inner(self);
        self.moving = outer;
    }
    fn all_idents(&mut self, tokens: &TokenStream) {
        for tree in tokens.clone() {
            match tree {
                TokenTree::Ident(ident) => self.out.push(unraw(&ident)),
                TokenTree::Group(group) => self.all_idents(&group.stream()),
                _ => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for MoveFinder<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        match expr {
            Expr::Path(path) => {
                if self.moving && path.qself.is_none() {
                    if let Some(ident) = path.path.get_ident() {
                        self.out.push(unraw(ident));
                    }
                }
            }
            Expr::Reference(reference) => self.with(false, |this| this.visit_expr(&reference.expr)),
            Expr::Field(field) => visit::visit_expr_field(self, field),
            Expr::Index(index) => {
                self.with(false, |this| this.visit_expr(&index.expr));
                self.with(true, |this| this.visit_expr(&index.index));
            }
            Expr::MethodCall(call) => {
                let name = call.method.to_string();
                let consumes =
                    CONSUMING_METHODS.contains(&name.as_str()) || name.starts_with("into_");
                self.with(consumes, |this| this.visit_expr(&call.receiver));
                self.with(true, |this| {
                    for arg in &call.args {
                        this.visit_expr(arg);
                    }
                });
            }
            Expr::Assign(assign) => {
                self.with(false, |this| this.visit_expr(&assign.left));
                self.with(true, |this| this.visit_expr(&assign.right));
            }
            Expr::Binary(binary) => {
                use syn::BinOp::*;
                let place_left = is_compound_assignment(&binary.op);
                let compares = matches!(binary.op, Eq(_) | Ne(_) | Lt(_) | Le(_) | Gt(_) | Ge(_));
                self.with(!(place_left || compares), |this| {
                    this.visit_expr(&binary.left)
                });
                self.with(!compares, |this| this.visit_expr(&binary.right));
            }
            Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Deref(_)) => {
                self.with(false, |this| this.visit_expr(&unary.expr));
            }
            Expr::Call(call) => {
                self.with(false, |this| this.visit_expr(&call.func));
                self.with(true, |this| {
                    for arg in &call.args {
                        this.visit_expr(arg);
                    }
                });
            }
            Expr::Macro(mac) => self.visit_macro(&mac.mac),
            Expr::Closure(closure) => {
                self.with(true, |this| this.all_idents(&quote::quote!(#closure)))
            }
            Expr::Async(block) => self.with(true, |this| this.all_idents(&quote::quote!(#block))),
            _ => self.with(true, |this| visit::visit_expr(this, expr)),
        }
    }
    fn visit_macro(&mut self, mac: &'ast Macro) {
        if is_borrowing_macro(mac) {
            if let Some(args) = macro_args(mac) {
                // Format-style macros take every argument by reference; a method call in an
                // argument still decides for its own receiver.
                self.with(false, |this| {
                    for arg in &args {
                        this.visit_expr(arg);
                    }
                });
                return;
            }
        }
        self.all_idents(&mac.tokens);
    }
    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let Some(init) = &local.init {
            let by_ref_pattern = pattern_binds_by_ref(&local.pat);
            self.with(!by_ref_pattern, |this| this.visit_expr(&init.expr));
            if let Some((_, diverge)) = &init.diverge {
                self.with(true, |this| this.visit_expr(diverge));
            }
        }
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

fn pattern_binds_by_ref(pat: &Pat) -> bool {
    match pat {
        Pat::Ident(ident) => ident.by_ref.is_some(),
        Pat::Wild(_) => true,
        _ => false,
    }
}

/// `let x: T = ..` with a type without drop glue, or `let x = 1;` (a number, `bool` or `char`
/// literal): when `x` is dropped cannot be observed.
pub fn binds_drop_free_value(local: &syn::Local) -> bool {
    match &local.pat {
        Pat::Type(typed) => {
            matches!(*typed.pat, Pat::Ident(_)) && crate::signature::is_drop_free_type(&typed.ty)
        }
        Pat::Ident(_) => local
            .init
            .as_ref()
            .is_some_and(|init| is_scalar_literal(&init.expr)),
        _ => false,
    }
}

/// `a..b` or `a..=b` with an integer literal for a bound (possibly in parentheses): its items
/// are integers.
pub fn is_integer_range(expr: &Expr) -> bool {
    match expr {
        Expr::Range(range) => [&range.start, &range.end]
            .into_iter()
            .flatten()
            .any(|bound| {
                matches!(
                    &**bound,
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Int(_),
                        ..
                    })
                )
            }),
        Expr::Paren(paren) => is_integer_range(&paren.expr),
        _ => false,
    }
}

fn is_scalar_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(lit) => matches!(
            lit.lit,
            syn::Lit::Int(_) | syn::Lit::Float(_) | syn::Lit::Bool(_) | syn::Lit::Char(_)
        ),
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Neg(_)) => {
            is_scalar_literal(&unary.expr)
        }
        Expr::Paren(paren) => is_scalar_literal(&paren.expr),
        _ => false,
    }
}

/// Whether a `let` initialiser (or a loop's iterable, or a scrutinee) obviously produces a
/// borrow, so the bindings it initialises are references and can end before their scope does.
pub fn looks_like_borrow(expr: &Expr) -> bool {
    if let Some(inner) = unwrapped(expr) {
        return looks_like_borrow(inner);
    }
    match expr {
        Expr::Reference(_) => true,
        // A closure that is not `move` borrows what it captures.
        Expr::Closure(closure) => closure.capture.is_none(),
        Expr::MethodCall(call) => {
            let method = call.method.to_string();
            listed(
                &method,
                &[
                    BORROW_RETURNING_METHODS,
                    BORROWING_ITERATOR_METHODS,
                    SPLITTING_METHODS,
                ],
            ) || listed(&method, &[ITEM_RETURNING_METHODS]) && yields_borrows(&call.receiver)
        }
        Expr::Paren(paren) => looks_like_borrow(&paren.expr),
        _ => false,
    }
}

/// Whether an iterator obviously yields borrows: a borrowing iterator (`v.iter()`,
/// `s.chars()`) behind adapters that pass its items on as they are (`v.iter().rev()`).
fn yields_borrows(iterator: &Expr) -> bool {
    borrowing_iterator_behind(iterator, ITEM_PRESERVING_ADAPTERS).is_some()
}

/// The names `pat` binds to borrows when it matches `expr`: every binding of a part of the
/// pattern that matches a part of the expression which [`looks_like_borrow`] (see
/// [`matched_parts`]: `r` in `Some(r)` against `Some(&x)`, all of them against `&x`).
pub fn borrowed_bindings(pat: &Pat, expr: &Expr) -> Vec<String> {
    matched_parts(pat, expr)
        .into_iter()
        .filter(|(_, part)| looks_like_borrow(part))
        .flat_map(|(part, _)| bindings(part))
        .map(|binding| unraw(&binding.ident))
        .collect()
}

/// `pat` and `expr` cut into the parts that match each other, as far as their shapes say:
/// element by element through tuples, arrays, and constructors of one name (`Some(r)` against
/// `Some(&x)` gives `r` against `&x`), field by field through struct literals; the whole pair
/// where they stop corresponding.
pub fn matched_parts<'a>(pat: &'a Pat, expr: &'a Expr) -> Vec<(&'a Pat, &'a Expr)> {
    let mut parts = Vec::new();
    collect_matched_parts(pat, expr, &mut parts);
    parts
}

fn collect_matched_parts<'a>(pat: &'a Pat, expr: &'a Expr, parts: &mut Vec<(&'a Pat, &'a Expr)>) {
    let expr = without_parens(expr);
    let same_name = |pat_path: &syn::Path, expr_path: &syn::Path| {
        let last = |path: &syn::Path| path.segments.last().map(|segment| segment.ident.clone());
        last(pat_path).is_some() && last(pat_path) == last(expr_path)
    };
    let pairs: Option<Vec<(&Pat, &Expr)>> = match (pat, expr) {
        (Pat::Paren(inner), _) => Some(vec![(&*inner.pat, expr)]),
        (Pat::Type(typed), _) => Some(vec![(&*typed.pat, expr)]),
        (Pat::Tuple(tuple), Expr::Tuple(values)) => elementwise(&tuple.elems, &values.elems),
        (Pat::Slice(slice), Expr::Array(values)) => elementwise(&slice.elems, &values.elems),
        (Pat::TupleStruct(constructor), Expr::Call(call)) => match &*call.func {
            Expr::Path(func) if same_name(&constructor.path, &func.path) => {
                elementwise(&constructor.elems, &call.args)
            }
            _ => None,
        },
        (Pat::Struct(pattern), Expr::Struct(value)) if same_name(&pattern.path, &value.path) => {
            (pattern.fields.iter())
                .map(|field| {
                    let value = value.fields.iter().find(|v| v.member == field.member)?;
                    Some((&*field.pat, &value.expr))
                })
                .collect()
        }
        _ => None,
    };
    match pairs {
        Some(pairs) => {
            for (pat, expr) in pairs {
                collect_matched_parts(pat, expr, parts);
            }
        }
        None => parts.push((pat, expr)),
    }
}

/// The patterns of a tuple, slice or constructor pattern paired with the values they match,
/// when they line up: as many of each, or those before and after a `..` with enough values.
fn elementwise<'a, P, Q>(
    pats: &'a syn::punctuated::Punctuated<Pat, P>,
    exprs: &'a syn::punctuated::Punctuated<Expr, Q>,
) -> Option<Vec<(&'a Pat, &'a Expr)>> {
    let pats: Vec<&Pat> = pats.iter().collect();
    let exprs: Vec<&Expr> = exprs.iter().collect();
    // A subslice binding (`rest @ ..`) matches several values at once.
    let is_rest = |pat: &Pat| match pat {
        Pat::Rest(_) => Some(true),
        Pat::Ident(ident) if matches!(ident.subpat.as_ref(), Some((_, sub)) if matches!(**sub, Pat::Rest(_))) => {
            None
        }
        _ => Some(false),
    };
    let mut rest = None;
    for (index, pat) in pats.iter().enumerate() {
        if is_rest(pat)? {
            rest = Some(index);
        }
    }
    let (before, after) = match rest {
        Some(index) => (index, pats.len() - index - 1),
        None if pats.len() == exprs.len() => (pats.len(), 0),
        None => return None,
    };
    if before + after > exprs.len() {
        return None;
    }
    let leading = pats[..before].iter().zip(&exprs[..before]);
    let trailing = pats[pats.len() - after..]
        .iter()
        .zip(&exprs[exprs.len() - after..]);
    Some(
        leading
            .chain(trailing)
            .map(|(pat, expr)| (*pat, *expr))
            .collect(),
    )
}

/// Iterator adapters that pass their receiver's items on unchanged (or numbered), so that over
/// a borrowing iterator they still yield borrows.
const ITEM_PRESERVING_ADAPTERS: &[&str] = &[
    "by_ref",
    "chain",
    "cycle",
    "enumerate",
    "filter",
    "fuse",
    "inspect",
    "peekable",
    "rev",
    "skip",
    "skip_while",
    "step_by",
    "take",
    "take_while",
];

/// Iterator methods that give back one of the items, or an `Option` of one.
const ITEM_RETURNING_METHODS: &[&str] = &[
    "find",
    "last",
    "max",
    "max_by",
    "max_by_key",
    "min",
    "min_by",
    "min_by_key",
    "next",
    "next_back",
    "nth",
    "nth_back",
    "peek",
];

/// Slice methods that give back borrowed parts of it.
const SPLITTING_METHODS: &[&str] = &[
    "split_at",
    "split_at_mut",
    "split_first",
    "split_first_mut",
    "split_last",
    "split_last_mut",
];

/// Iterator methods that wrap their receiver in a new iterator, which keeps what the receiver
/// borrows (`v.iter().enumerate()` borrows `v`).
const ITERATOR_ADAPTERS: &[&str] = &[
    "by_ref",
    "chain",
    "cloned",
    "copied",
    "cycle",
    "enumerate",
    "filter",
    "filter_map",
    "flat_map",
    "flatten",
    "fuse",
    "inspect",
    "map",
    "map_while",
    "peekable",
    "rev",
    "scan",
    "skip",
    "skip_while",
    "step_by",
    "take",
    "take_while",
    "zip",
];

/// A `for` loop's iterable without the iterator adapters around a borrowing iterator
/// (`v.iter()` in `v.iter().enumerate().skip(1)`): the iterator the loop keeps holds what that
/// one borrows, whatever the adapters yield. Anything else as it is: `map` on an `Option`
/// (`v.first().map(..)`) is no adapter, and its value no borrow.
pub fn without_iterator_adapters(iterable: &Expr) -> &Expr {
    borrowing_iterator_behind(iterable, ITERATOR_ADAPTERS).unwrap_or(iterable)
}

/// The borrowing iterator (`v.iter()`) that `iterator` is, or wraps in any of `adapters`.
fn borrowing_iterator_behind<'e>(iterator: &'e Expr, adapters: &[&str]) -> Option<&'e Expr> {
    let mut inner = iterator;
    while let Expr::MethodCall(call) = without_parens(inner) {
        let method = call.method.to_string();
        if BORROWING_ITERATOR_METHODS.contains(&method.as_str()) {
            return Some(inner);
        }
        if !adapters.contains(&method.as_str()) {
            break;
        }
        inner = &call.receiver;
    }
    None
}

/// `e` in `e.unwrap()`, `e.expect(..)` and `e?`, which pass on a borrow that `e` holds
/// (`v.first().unwrap()` borrows `v` as `v.first()` does).
pub fn unwrapped(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::MethodCall(call) if call.method == "unwrap" || call.method == "expect" => {
            Some(&call.receiver)
        }
        Expr::Try(question) => Some(&question.expr),
        _ => None,
    }
}

/// `expr` without the parentheses around it.
pub fn without_parens(mut expr: &Expr) -> &Expr {
    while let Expr::Paren(inner) = expr {
        expr = &inner.expr;
    }
    expr
}

/// The single-name paths an expression reads (`v`, `i` and `j` in `v[i * 2][j]`): the locals
/// it may read, over-approximated by constants and functions of one name.
pub fn path_idents(expr: &Expr) -> Vec<&Ident> {
    struct Paths<'a>(Vec<&'a Ident>);
    impl<'a> Visit<'a> for Paths<'a> {
        fn visit_expr_path(&mut self, node: &'a syn::ExprPath) {
            if let Some(ident) = node.path.get_ident() {
                self.0.push(ident);
            }
        }
    }
    let mut paths = Paths(Vec::new());
    paths.visit_expr(expr);
    paths.0
}

/// The local at the root of a place expression: `v` in `v`, `v[i]`, `v.a.b`, `(*v).c`.
pub fn place_root(place: &Expr) -> Option<&Ident> {
    match place {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident(),
        Expr::Field(field) => place_root(&field.base),
        Expr::Index(index) => place_root(&index.expr),
        Expr::Paren(paren) => place_root(&paren.expr),
        _ => None,
    }
}

/// The local a plain operand reads: `v` in `v`, `v.a`, `v[0]`, `*v`, `(v)`.
pub fn operand_root(operand: &Expr) -> Option<&Ident> {
    match operand {
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Deref(_)) => operand_root(&unary.expr),
        Expr::Paren(paren) => operand_root(&paren.expr),
        other => place_root(other),
    }
}

/// Whether running `expr` may write to the local `root` in place: it assigns (or compound-
/// assigns) a place rooted at `root`, or borrows one mutably, closures included (they may be
/// called right there). Macro arguments are read as expressions where they parse as such; where
/// they do not, a mention of `root` counts as a write. A method call on `root` counts only if
/// `methods` is set: it may take its receiver by `&mut`, but the macro cannot tell.
pub fn writes_to(expr: &Expr, root: &Ident, methods: bool) -> bool {
    struct Writes<'r> {
        root: &'r Ident,
        methods: bool,
        found: bool,
    }
    impl Writes<'_> {
        fn is_root(&self, place: &Expr) -> bool {
            operand_root(place).is_some_and(|ident| unraw(ident) == unraw(self.root))
        }
    }
    impl<'ast> Visit<'ast> for Writes<'_> {
        fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
            let root = unraw(self.root);
            self.found |= self.is_root(&node.left)
                || assignees(&node.left)
                    .iter()
                    .any(|ident| unraw(ident) == root);
            visit::visit_expr_assign(self, node);
        }
        fn visit_expr_binary(&mut self, node: &'ast syn::ExprBinary) {
            self.found |= is_compound_assignment(&node.op) && self.is_root(&node.left);
            visit::visit_expr_binary(self, node);
        }
        fn visit_expr_reference(&mut self, node: &'ast syn::ExprReference) {
            self.found |= node.mutability.is_some() && self.is_root(&node.expr);
            visit::visit_expr_reference(self, node);
        }
        fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
            self.found |= self.methods && self.is_root(&node.receiver);
            visit::visit_expr_method_call(self, node);
        }
        fn visit_macro(&mut self, mac: &'ast Macro) {
            match macro_args(mac) {
                Some(args) => args.iter().for_each(|arg| self.visit_expr(arg)),
                None => {
                    let mut names = Vec::new();
                    mentions(&mac.tokens, &mut names);
                    self.found |= names.iter().any(|(name, _)| *name == unraw(self.root));
                }
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut writes = Writes {
        root,
        methods,
        found: false,
    };
    writes.visit_expr(expr);
    writes.found
}

/// Whether a borrow of a value (not a place) certainly borrows a temporary rather than a
/// constant Rust promotes to a `'static` borrow (`&5`, `&None`, `&Some(1)`, `&[1, 2]`): any
/// `&mut` but `&mut []`, or a value built by a method call, a call of a function (a path whose
/// last segment is not capitalised, as a constructor's is), `vec!` or `format!`, or from a local
/// (`is_local`) of the coroutine.
pub fn never_promoted(reference: &syn::ExprReference, is_local: &dyn Fn(&str) -> bool) -> bool {
    let empty_array =
        matches!(without_parens(&reference.expr), Expr::Array(array) if array.elems.is_empty());
    reference.mutability.is_some() && !empty_array || builds_unpromotable(&reference.expr, is_local)
}

fn builds_unpromotable(expr: &Expr, is_local: &dyn Fn(&str) -> bool) -> bool {
    let builds_value = match expr {
        Expr::Paren(paren) => return builds_unpromotable(&paren.expr, is_local),
        Expr::MethodCall(_) => return true,
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) => {
                let function = path.path.segments.last().is_some_and(|segment| {
                    segment
                        .ident
                        .to_string()
                        .starts_with(|c: char| c.is_lowercase() || c == '_')
                });
                // A constructor builds a value too, promoted if its arguments are constants.
                return function
                    || call
                        .args
                        .iter()
                        .any(|arg| builds_unpromotable(arg, is_local))
                    || mentions_local(&call.args.to_token_stream(), is_local);
            }
            _ => false,
        },
        Expr::Macro(mac) => {
            return matches!(macro_name(&mac.mac).as_str(), "vec" | "format");
        }
        Expr::Unary(unary) => !matches!(unary.op, syn::UnOp::Deref(_)),
        Expr::Binary(_)
        | Expr::Tuple(_)
        | Expr::Array(_)
        | Expr::Struct(_)
        | Expr::Cast(_)
        | Expr::Repeat(_) => true,
        _ => false,
    };
    // Built from a local's value, or from a part that is never promoted itself (`(f(), 1)`).
    builds_value
        && (mentions_local(&expr.to_token_stream(), is_local)
            || built_from(expr).any(|part| builds_unpromotable(part, is_local)))
}

/// The operands a value-building expression is built from.
fn built_from(expr: &Expr) -> Box<dyn Iterator<Item = &Expr> + '_> {
    match expr {
        Expr::Unary(unary) => Box::new(std::iter::once(&*unary.expr)),
        Expr::Binary(binary) => Box::new([&*binary.left, &*binary.right].into_iter()),
        Expr::Tuple(tuple) => Box::new(tuple.elems.iter()),
        Expr::Array(array) => Box::new(array.elems.iter()),
        Expr::Struct(value) => {
            Box::new((value.fields.iter().map(|field| &field.expr)).chain(value.rest.as_deref()))
        }
        Expr::Cast(cast) => Box::new(std::iter::once(&*cast.expr)),
        Expr::Repeat(repeat) => Box::new(std::iter::once(&*repeat.expr)),
        _ => Box::new(std::iter::empty()),
    }
}

fn mentions_local(tokens: &TokenStream, is_local: &dyn Fn(&str) -> bool) -> bool {
    let mut names = Vec::new();
    mentions(tokens, &mut names);
    names.iter().any(|(name, _)| is_local(name))
}

/// Whether an initialiser certainly builds an owned value (so a borrow of it is a borrow of the
/// coroutine's own storage): literals, `vec!`/`format!`, struct/array/tuple literals,
/// `Type::new(..)`-style constructors and the usual owning conversions.
pub fn builds_owned_value(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(_) | Expr::Array(_) | Expr::Struct(_) | Expr::Repeat(_) => true,
        Expr::Tuple(tuple) => !tuple.elems.is_empty(),
        Expr::Macro(mac) => mac
            .mac
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "vec" || s.ident == "format"),
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) => {
                let segments = &path.path.segments;
                segments.len() >= 2
                    && segments.last().is_some_and(|s| {
                        matches!(
                            s.ident.to_string().as_str(),
                            "new" | "from" | "with_capacity" | "default" | "from_iter"
                        )
                    })
            }
            _ => false,
        },
        Expr::MethodCall(call) => matches!(
            call.method.to_string().as_str(),
            "to_string" | "to_owned" | "to_vec" | "collect" | "clone" | "into_owned"
        ),
        Expr::Paren(paren) => builds_owned_value(&paren.expr),
        _ => false,
    }
}

/// The plain locals assigned (`n = ..`, or by a destructuring assignment) in an expression,
/// outside closures and items.
pub fn assigned_expr(expr: &Expr, out: &mut Vec<String>) {
    out.extend(assigned_idents(expr).iter().map(unraw));
}

/// [`assigned_expr`] for a statement.
pub fn assigned_stmt(stmt: &syn::Stmt, out: &mut Vec<String>) {
    let mut assigned = Assigned(Vec::new());
    assigned.visit_stmt(stmt);
    out.extend(assigned.0.iter().map(unraw));
}

/// [`assigned_expr`], each local once, as written.
pub fn assigned_idents(expr: &Expr) -> Vec<Ident> {
    let mut assigned = Assigned(Vec::new());
    assigned.visit_expr(expr);
    assigned.0
}

struct Assigned(Vec<Ident>);

impl<'ast> Visit<'ast> for Assigned {
    fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
        for ident in assignees(&node.left) {
            if !self.0.contains(ident) {
                self.0.push(ident.clone());
            }
        }
        visit::visit_expr_assign(self, node);
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The plain locals the left side of an assignment assigns as a whole: `n` in `n = ..`, and
/// each name of a destructuring assignment (`(a, b) = ..`, `[a, _] = ..`, `P { x: a, .. } = ..`,
/// `Pair(a, b) = ..`).
pub fn assignees(left: &Expr) -> Vec<&Ident> {
    fn walk<'e>(left: &'e Expr, out: &mut Vec<&'e Ident>) {
        match left {
            Expr::Path(path) if path.qself.is_none() => out.extend(path.path.get_ident()),
            Expr::Paren(node) => walk(&node.expr, out),
            Expr::Tuple(node) => node.elems.iter().for_each(|elem| walk(elem, out)),
            Expr::Array(node) => node.elems.iter().for_each(|elem| walk(elem, out)),
            Expr::Call(node) => node.args.iter().for_each(|arg| walk(arg, out)),
            Expr::Struct(node) => node.fields.iter().for_each(|field| walk(&field.expr, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(left, &mut out);
    out
}

/// The local a block's first statement assigns as a whole (`n = value;`, `value` neither
/// naming `n` nor holding a jump), in an unlabelled block: every jump in the block follows
/// that assignment.
pub fn assigned_first(body: &Expr) -> Option<&Ident> {
    let Expr::Block(node) = body else {
        return None;
    };
    if node.label.is_some() {
        return None;
    }
    let Some(syn::Stmt::Expr(Expr::Assign(assign), _)) = node.block.stmts.first() else {
        return None;
    };
    let Expr::Path(left) = &*assign.left else {
        return None;
    };
    let name = left.path.get_ident()?;
    let mut jumps = Vec::new();
    control_flow_in_tokens(&assign.right.to_token_stream(), &mut jumps);
    (jumps.is_empty() && !mentions_name(&*assign.right, &unraw(name))).then_some(name)
}

/// Whether `body`, a branch, certainly leaves by a jump rather than by its end: its last
/// statement is a `break`, `continue` or `return`, or a panicking macro (in an unlabelled block:
/// a `break` of a labelled one would end that block). Conservative: `false` for any other shape.
pub fn never_completes(body: &Expr) -> bool {
    match body {
        Expr::Break(_) | Expr::Continue(_) | Expr::Return(_) => true,
        Expr::Macro(node) => is_panicking_macro(&node.mac),
        Expr::Paren(node) => never_completes(&node.expr),
        Expr::Block(node) if node.label.is_none() => block_never_completes(&node.block),
        _ => false,
    }
}

fn block_never_completes(block: &syn::Block) -> bool {
    match block.stmts.last() {
        Some(syn::Stmt::Expr(last, _)) => never_completes(last),
        Some(syn::Stmt::Macro(node)) => is_panicking_macro(&node.mac),
        _ => false,
    }
}

/// The names `expr` assigns only in branches that never end (see [`never_completes`]), so
/// that no assignment of them is followed by the end of `expr`: `d` in `if c { d = 1; return
/// }`. Conservative: a name assigned anywhere else in `expr` is not one of them.
pub fn assigned_only_in_ended_branches(expr: &Expr) -> Vec<String> {
    let reaching = assignments_reaching_end(expr);
    assigned_idents(expr)
        .iter()
        .map(unraw)
        .filter(|name| !reaching.contains(name))
        .collect()
}

/// The names with an assignment in `expr` that the end of `expr` may follow: all of them but
/// those in branches of an `if` or `match` (or in blocks) that never end.
fn assignments_reaching_end(expr: &Expr) -> BTreeSet<String> {
    let all =
        |expr: &Expr| -> BTreeSet<String> { assigned_idents(expr).iter().map(unraw).collect() };
    if never_completes(expr) {
        return BTreeSet::new();
    }
    match expr {
        Expr::If(node) => {
            let mut reaching = all(&node.cond);
            reaching.extend(block_assignments_reaching_end(&node.then_branch));
            if let Some((_, otherwise)) = &node.else_branch {
                reaching.extend(assignments_reaching_end(otherwise));
            }
            reaching
        }
        Expr::Match(node) => {
            let mut reaching = all(&node.expr);
            for arm in &node.arms {
                if let Some((_, guard)) = &arm.guard {
                    reaching.extend(all(guard));
                }
                reaching.extend(assignments_reaching_end(&arm.body));
            }
            reaching
        }
        Expr::Block(node) if node.label.is_none() => block_assignments_reaching_end(&node.block),
        Expr::Paren(node) => assignments_reaching_end(&node.expr),
        _ => all(expr),
    }
}

fn block_assignments_reaching_end(block: &syn::Block) -> BTreeSet<String> {
    let mut reaching = BTreeSet::new();
    if block_never_completes(block) {
        return reaching;
    }
    for stmt in &block.stmts {
        match stmt {
            syn::Stmt::Expr(expr, _) => reaching.extend(assignments_reaching_end(expr)),
            other => {
                let mut assigned = Assigned(Vec::new());
                assigned.visit_stmt(other);
                reaching.extend(assigned.0.iter().map(unraw));
            }
        }
    }
    reaching
}

/// Whether evaluating `expr` certainly assigns the local `name` as a whole (`name = ..`), on
/// every path that goes on after it, before anything in it reads `name`: a first value given in
/// branches (`if c { n = 1 } else { n = 2 }`, a `match` whose arms each assign it or diverge, a
/// block that assigns it first). Conservative: any other shape, and any mention of `name` that
/// may come first (in a condition, a scrutinee, a guard, a pattern binding the name), gives
/// `false`. With `leaving`, a `break` or `continue` counts as not going on (the caller then
/// checks that its target does not need the value, see `Block::late_kills`).
pub fn assigns_before_reading(expr: &Expr, name: &str, leaving: bool) -> bool {
    match expr {
        Expr::Assign(node) => {
            // (Named on the left only as what is assigned: `(n, v[n]) = ..` reads it.)
            let assigned = assignees(&node.left)
                .iter()
                .any(|ident| unraw(ident) == name);
            assigned && count_mentions(&node.left, name) == 1 && !mentions_name(&*node.right, name)
        }
        Expr::Paren(node) => assigns_before_reading(&node.expr, name, leaving),
        Expr::Block(node) if node.label.is_none() => {
            block_assigns_before_reading(&node.block, name, leaving)
        }
        Expr::Unsafe(node) => block_assigns_before_reading(&node.block, name, leaving),
        Expr::Block(node) => node.label.as_ref().is_some_and(|label| {
            labelled_block_assigns_before_reading(&node.block, &label.name.ident, name)
        }),
        Expr::If(node) => {
            let condition_clear = match &*node.cond {
                Expr::Let(cond) => {
                    !binds_name(&cond.pat, name) && !mentions_name(&*cond.expr, name)
                }
                cond => !mentions_name(cond, name),
            };
            condition_clear
                && (block_assigns_before_reading(&node.then_branch, name, leaving)
                    || block_diverges(&node.then_branch, name, leaving))
                && node
                    .else_branch
                    .as_ref()
                    .is_some_and(|(_, otherwise)| assigns_or_diverges(otherwise, name, leaving))
        }
        Expr::Match(node) => {
            !mentions_name(&*node.expr, name)
                && !node.arms.is_empty()
                && node.arms.iter().all(|arm| {
                    let guard_clear = arm
                        .guard
                        .as_ref()
                        .is_none_or(|(_, guard)| !mentions_name(&**guard, name));
                    !binds_name(&arm.pat, name)
                        && guard_clear
                        && assigns_or_diverges(&arm.body, name, leaving)
                })
        }
        _ => false,
    }
}

fn assigns_or_diverges(expr: &Expr, name: &str, leaving: bool) -> bool {
    assigns_before_reading(expr, name, leaving) || diverges(expr, name, leaving)
}

/// [`assigns_before_reading`] for a block labelled `label`, which also ends where a `break` of
/// it goes: a statement that assigns the name comes before any that mentions it, and every
/// `break` of the label before that statement ends an `if` branch (without an `else`) that
/// assigns it first (`'b: { if c { x = 1; break 'b; } x = 2; }`).
fn labelled_block_assigns_before_reading(block: &syn::Block, label: &Ident, name: &str) -> bool {
    // (A `break` of the label is what a `break` out of a lowered loop is to the lowering.)
    let breaking_to_label = LoopContext {
        lowered_labels: vec![label.to_string()],
        innermost_lowered: false,
    };
    for stmt in &block.stmts {
        if let syn::Stmt::Expr(Expr::If(node), _) = stmt {
            let assigns_then_leaves = node.else_branch.is_none()
                && !mentions_name(&*node.cond, name)
                && block_assigns_before_reading(&node.then_branch, name, false)
                && matches!(node.then_branch.stmts.last(),
                    Some(syn::Stmt::Expr(Expr::Break(exit), _))
                        if exit.expr.is_none()
                            && exit.label.as_ref().is_some_and(|l| l.ident == *label));
            if assigns_then_leaves {
                continue;
            }
        }
        if find_in_stmt(stmt, &breaking_to_label).leaves_lowered_loop {
            return false;
        }
        if let syn::Stmt::Expr(expr, _) = stmt {
            if assigns_before_reading(expr, name, false) {
                return true;
            }
        }
        if mentions_name(stmt, name) {
            return false;
        }
    }
    false
}

/// [`assigns_before_reading`] for a block: a statement that assigns the name (or diverges)
/// comes before any that mentions it or binds it again.
fn block_assigns_before_reading(block: &syn::Block, name: &str, leaving: bool) -> bool {
    for stmt in &block.stmts {
        match stmt {
            // (A `let` of the name hides it from what follows.)
            syn::Stmt::Local(_) | syn::Stmt::Macro(_) => {
                if mentions_name(stmt, name) {
                    return false;
                }
            }
            syn::Stmt::Item(_) => {}
            syn::Stmt::Expr(expr, _) => {
                if assigns_or_diverges(expr, name, leaving) {
                    return true;
                }
                if mentions_name(expr, name) {
                    return false;
                }
            }
        }
    }
    false
}

/// Certainly does not go on after it (`return`, `panic!` and its kin), without mentioning
/// `name` first. `break` and `continue` only with `leaving`: where this is asked they would
/// leave a loop that suspends, and carry the locals that loop needs.
fn diverges(expr: &Expr, name: &str, leaving: bool) -> bool {
    match expr {
        Expr::Return(node) => !mentions_name(&node.expr, name),
        Expr::Break(node) => leaving && !mentions_name(&node.expr, name),
        Expr::Continue(_) => leaving,
        Expr::Macro(node) => is_panicking_macro(&node.mac) && !mentions_name(&node.mac, name),
        Expr::Paren(node) => diverges(&node.expr, name, leaving),
        Expr::Block(node) if node.label.is_none() => block_diverges(&node.block, name, leaving),
        _ => false,
    }
}

fn block_diverges(block: &syn::Block, name: &str, leaving: bool) -> bool {
    let Some((last, before)) = block.stmts.split_last() else {
        return false;
    };
    let last_diverges = match last {
        syn::Stmt::Expr(expr, _) => diverges(expr, name, leaving),
        syn::Stmt::Macro(node) => is_panicking_macro(&node.mac) && !mentions_name(&node.mac, name),
        _ => false,
    };
    last_diverges && !before.iter().any(|stmt| mentions_name(stmt, name))
}

fn is_panicking_macro(mac: &Macro) -> bool {
    mac.path.segments.last().is_some_and(|segment| {
        matches!(
            segment.ident.to_string().as_str(),
            "panic" | "unreachable" | "todo" | "unimplemented"
        )
    })
}

/// How often the tokens of `node` mention `name` (see [`mentions`]; over-approximates).
pub fn count_mentions(node: &impl ToTokens, name: &str) -> usize {
    let mut names = Vec::new();
    mentions(&node.to_token_stream(), &mut names);
    names
        .iter()
        .filter(|(mentioned, _)| mentioned == name)
        .count()
}

fn mentions_name(node: &impl ToTokens, name: &str) -> bool {
    count_mentions(node, name) > 0
}

fn binds_name(pat: &Pat, name: &str) -> bool {
    bindings(pat)
        .iter()
        .any(|binding| unraw(&binding.ident) == name)
}

/// A binding a pattern introduces.
#[derive(Clone)]
pub struct Binding {
    pub ident: Ident,
    pub mutable: bool,
    /// `ref`/`ref mut`: the binding is a reference into the matched value.
    pub by_ref: bool,
}

/// The names a pattern binds by value inside a reference pattern (`x` in `Some(&x)`): matched
/// against a reference, they copy (or move) what it points to rather than borrow it.
pub fn bindings_under_reference(pat: &Pat) -> Vec<String> {
    struct Under {
        depth: usize,
        names: Vec<String>,
    }
    impl<'ast> Visit<'ast> for Under {
        fn visit_pat_reference(&mut self, node: &'ast syn::PatReference) {
            self.depth += 1;
            visit::visit_pat_reference(self, node);
            self.depth -= 1;
        }
        fn visit_pat_ident(&mut self, node: &'ast syn::PatIdent) {
            if self.depth > 0 && node.by_ref.is_none() {
                self.names.push(node.ident.to_string());
            }
            visit::visit_pat_ident(self, node);
        }
    }
    let mut under = Under {
        depth: 0,
        names: Vec::new(),
    };
    under.visit_pat(pat);
    under.names
}

/// The names the patterns bind, in source order (see [`bindings`]).
pub fn binding_names<'p>(pats: impl IntoIterator<Item = &'p Pat>) -> Vec<String> {
    (pats.into_iter())
        .flat_map(bindings)
        .map(|binding| binding.ident.to_string())
        .collect()
}

/// The bindings of a pattern, in source order. A lone identifier that starts with an uppercase
/// letter is taken for a constant or unit variant (`None`, `MAX`), as rustc's naming lints
/// assume.
pub fn bindings(pat: &Pat) -> Vec<Binding> {
    struct Collector(Vec<Binding>);
    impl<'ast> Visit<'ast> for Collector {
        fn visit_pat_ident(&mut self, node: &'ast syn::PatIdent) {
            // The alternatives of an or-pattern bind the same names.
            let seen = self.0.iter().any(|binding| binding.ident == node.ident);
            if is_binding(node) && !seen {
                self.0.push(Binding {
                    ident: node.ident.clone(),
                    mutable: node.mutability.is_some(),
                    by_ref: node.by_ref.is_some(),
                });
            }
            visit::visit_pat_ident(self, node);
        }
        fn visit_expr(&mut self, _: &'ast Expr) {}
    }
    let mut collector = Collector(Vec::new());
    collector.visit_pat(pat);
    collector.0
}

fn is_binding(node: &syn::PatIdent) -> bool {
    node.by_ref.is_some()
        || node.mutability.is_some()
        || node.subpat.is_some()
        || !node
            .ident
            .to_string()
            .trim_start_matches("r#")
            .starts_with(|c: char| c.is_uppercase())
}

/// Renames every binding of a pattern to a fresh hidden name, so that a jump can carry the
/// bound values past user names they would otherwise shadow. Gives `(user binding, hidden name)`
/// in source order.
pub fn rename_bindings(
    pat: &mut Pat,
    fresh: &mut dyn FnMut(&Ident) -> Ident,
) -> Vec<(Binding, Ident)> {
    struct Renamer<'f> {
        fresh: &'f mut dyn FnMut(&Ident) -> Ident,
        renamed: Vec<(Binding, Ident)>,
    }
    impl VisitMut for Renamer<'_> {
        fn visit_pat_ident_mut(&mut self, node: &mut syn::PatIdent) {
            if is_binding(node) {
                // The alternatives of an or-pattern bind the same names: rename them alike.
                if let Some((_, hidden)) = self
                    .renamed
                    .iter()
                    .find(|(binding, _)| binding.ident == node.ident)
                {
                    node.ident = hidden.clone();
                    node.mutability = None;
                    visit_mut::visit_pat_ident_mut(self, node);
                    return;
                }
                let hidden = (self.fresh)(&node.ident);
                let binding = Binding {
                    ident: node.ident.clone(),
                    mutable: node.mutability.is_some(),
                    by_ref: node.by_ref.is_some(),
                };
                node.ident = hidden.clone();
                // The hidden binding is moved into the next state as is; mutability belongs to
                // the user's binding there.
                node.mutability = None;
                self.renamed.push((binding, hidden));
            }
            visit_mut::visit_pat_ident_mut(self, node);
        }
        fn visit_field_pat_mut(&mut self, node: &mut syn::FieldPat) {
            // `Point { x, .. }` must become `Point { x: __x, .. }`.
            if node.colon_token.is_none() {
                node.colon_token = Some(Default::default());
            }
            visit_mut::visit_field_pat_mut(self, node);
        }
        fn visit_expr_mut(&mut self, _: &mut Expr) {}
    }
    let mut renamer = Renamer {
        fresh,
        renamed: Vec::new(),
    };
    renamer.visit_pat_mut(pat);
    renamer.renamed
}

/// Whether a pattern contains a macro, whose bindings cannot be seen.
pub fn pattern_has_macro(pat: &Pat) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_pat(&mut self, pat: &'ast Pat) {
            if let Pat::Macro(_) = pat {
                self.0 = true;
            }
            visit::visit_pat(self, pat);
        }
    }
    let mut finder = Finder(false);
    finder.visit_pat(pat);
    finder.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_captures_find_inline_arguments() {
        let mut out = Vec::new();
        format_captures(r#""{x} and {y:?} but not {{z}} nor {0}""#, &mut out);
        assert_eq!(out, ["x", "y"]);
    }

    #[test]
    fn moves_skip_borrows_and_methods_not_known_to_consume() {
        let expr: Expr =
            syn::parse_quote!(f(a, &b, c.len(), d.into_iter(), e == g, h += 1, i.name()));
        let mut out = Vec::new();
        possibly_moved(&expr, &mut out);
        assert_eq!(out, ["a", "d"]);
    }

    #[test]
    fn uppercase_lone_identifiers_are_not_bindings() {
        let pat: Pat = syn::parse_quote!((Some(x), None, MAX, mut y, ref z));
        let names = binding_names([&pat]);
        assert_eq!(names, ["x", "y", "z"]);
    }
}
