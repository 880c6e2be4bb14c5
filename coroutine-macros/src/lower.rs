//! Stage 3: lowering the body into basic blocks.
//!
//! Takes the function body (syn) and gives a [`Cfg`]. Code without a suspension point is kept
//! verbatim, with its spans; only `return`, `?` and jumps out of lowered loops are rewritten in
//! it. A construct that contains a suspension point is split: its operands evaluated before the
//! suspension are spilled into hidden locals (left to right, as Rust evaluates them), control
//! flow becomes jumps between blocks, and values that flow out of a lowered `if`, `match`,
//! block or `loop` travel as parameters of the block they jump to.
//!
//! Every exit from a lowered lexical scope that declared locals is a jump to a new block, so that
//! the locals it declared are dropped there, as Rust drops them, and user names resolve as in the
//! source afterwards.

use crate::args::internal;
use crate::cfg::{BlockId, Cfg, Entry, JumpKind, LocalId, Reborrow};
use crate::scan::{self, LoopContext, Suspension};
use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use std::collections::{BTreeMap, BTreeSet};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Pat, Stmt};

/// What a suspension compiles to; depends on the flavour.
pub struct Flavour {
    /// `Some` for generators.
    pub yield_ty: Option<syn::Type>,
    pub krate: TokenStream,
    /// The user's return type if it can annotate a `let`.
    pub return_ty: Option<syn::Type>,
    /// The resume type of a generator (`()` for async coroutines, where it is unused).
    pub resume_ty: syn::Type,
    /// Whether the return type is written `()` (or omitted).
    pub returns_unit: bool,
    /// The function's name (to recognise a coroutine delegating to itself).
    pub function: Ident,
}

struct LoopFrame {
    label: Option<String>,
    break_to: BlockId,
    /// `None` for a labelled block.
    continue_to: Option<BlockId>,
    /// The parameter of `break_to` that `break value` fills.
    value: Option<LocalId>,
    /// `loop`, `while`, `for` or `block`, for errors.
    keyword: &'static str,
}

pub struct Lowerer<'e> {
    pub cfg: Cfg,
    cur: BlockId,
    /// Lexical scopes, outermost first; each lists the locals it declared, in order.
    scopes: Vec<Vec<LocalId>>,
    loops: Vec<LoopFrame>,
    flavour: &'e Flavour,
    pub errors: &'e mut Vec<syn::Error>,
    fresh: usize,
    /// Hidden locals used as a place (receiver, borrow), so still holding a value at the end of
    /// their statement.
    place_used: Vec<LocalId>,
    /// The `unsafe` keywords of the lowered `unsafe` blocks enclosing the code being lowered:
    /// their statements are emitted outside the block, so each is wrapped in `unsafe` again.
    unsafe_spans: Vec<Span>,
    /// Whether some `unsafe` block was lowered (pieces of it may hold no unsafe operation).
    pub lowered_unsafe: bool,
    /// Names bound by the match arm being lowered: inside the arm they are not uses of the
    /// coroutine's locals of the same name.
    arm_bindings: Vec<String>,
    /// The scrutinee regions (see [`crate::cfg::Jump::regions`]) being lowered, outermost first.
    regions: Vec<usize>,
    /// How many regions were opened so far (each gets the next number).
    opened_regions: usize,
    /// Per block: names of locals that its verbatim code mentions only where they refer to a
    /// binding made inside that code (`Some(v) => v + 1` beside a local `v`). The code's uses
    /// were recorded from its syntax tree (see [`Self::record_verbatim`]); the scans of
    /// its tokens that follow do not take these for uses of the locals.
    inner_only: BTreeMap<BlockId, BTreeSet<String>>,
    /// Per block, the locals its code lowered so far may have assigned on the way to the code
    /// being lowered there. Branches that exclude each other each start from what came before
    /// them (see [`Self::branch_from`]).
    assigned_on_path: BTreeMap<BlockId, BTreeSet<LocalId>>,
    /// While a statement that may leave a lowered loop is recorded: the locals it gives their
    /// first value on every path that goes on, whose kills come after its own jumps (see
    /// [`Self::record_first_values_leaving`]).
    kills_after_statement: Option<Vec<LocalId>>,
    /// The items (`struct`, `fn`, `use`, `macro_rules!`...) declared in the blocks being lowered.
    /// In Rust an item is visible in the whole block that declares it; a lowered block is cut
    /// into states, so the items are hoisted to the function's body, where every state sees
    /// them.
    pub items: Vec<syn::Item>,
}

/// Whether `stmt`, as the last statement of a block, may make the block diverge in a way only
/// its types tell (a macro, or a call that returns `!`, a `loop`), as rustc would see it.
fn may_diverge(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Macro(_) => true,
        Stmt::Expr(expr, Some(_)) => matches!(
            expr,
            Expr::Macro(_) | Expr::Call(_) | Expr::MethodCall(_) | Expr::Loop(_)
        ),
        _ => false,
    }
}

/// `let (a, mut b);` (a tuple of names declared without a value, its type written as a tuple
/// of as many types or not at all) as `let a; let mut b;`: each name is then a local declared
/// without a value of its own (see [`crate::cfg::Local::uninit_declaration`]), which may get its
/// value after a suspension point. Declared in order, they drop as the tuple's names would.
fn split_uninit_tuple(local: &syn::Local) -> Option<Vec<Stmt>> {
    if local.init.is_some() {
        return None;
    }
    let (pat, ty) = match &local.pat {
        Pat::Type(typed) => (&*typed.pat, Some(&*typed.ty)),
        pat => (pat, None),
    };
    if !matches!(pat, Pat::Tuple(_)) {
        return None;
    }
    let mut lets = Vec::new();
    split_names(pat, ty, &local.attrs, &mut lets)?;
    Some(lets)
}

/// The `let`s of [`split_uninit_tuple`] for `pat` of type `ty`: `None` where a part is not a
/// name, `_` or a tuple of those, or its type is not written as a tuple to match.
fn split_names(
    pat: &Pat,
    ty: Option<&syn::Type>,
    attrs: &[syn::Attribute],
    out: &mut Vec<Stmt>,
) -> Option<()> {
    match pat {
        Pat::Tuple(tuple) => {
            let types: Vec<Option<&syn::Type>> = match ty {
                None => vec![None; tuple.elems.len()],
                Some(syn::Type::Tuple(types)) if types.elems.len() == tuple.elems.len() => {
                    types.elems.iter().map(Some).collect()
                }
                Some(syn::Type::Paren(inner)) => {
                    return split_names(pat, Some(&*inner.elem), attrs, out)
                }
                Some(_) => return None,
            };
            for (elem, ty) in tuple.elems.iter().zip(types) {
                split_names(elem, ty, attrs, out)?;
            }
            Some(())
        }
        Pat::Paren(inner) => split_names(&inner.pat, ty, attrs, out),
        Pat::Wild(_) => Some(()),
        Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
            let annotation = ty.map(|ty| quote!(: #ty));
            out.push(syn::parse_quote!(#(#attrs)* let #ident #annotation;));
            Some(())
        }
        _ => None,
    }
}

/// A jump placeholder's name.
pub fn jump_placeholder(index: usize) -> Ident {
    format_ident!("__coroutines_jump{}", index, span = internal())
}

/// A placeholder in front of a `let` declaring locals `first..first + count`, for the lints
/// that only the layout can decide: `unused_mut` (a `mut` local mutated in a later state) and
/// `unused_variables` (a re-borrowed reference used only in later states).
fn allow_mut_placeholder(first: LocalId, count: usize) -> Ident {
    format_ident!(
        "__coroutines_allow_mut{}_{}",
        first,
        count,
        span = internal()
    )
}

/// A placeholder after a `let` (or the parameters) declaring locals `first..first + count`, for
/// the type ties that only the end of the lowering can decide (see [`Cfg::redeclared`]).
fn tie_placeholder(first: LocalId, count: usize) -> Ident {
    format_ident!("__coroutines_tie{}_{}", first, count, span = internal())
}

/// A placeholder standing for the `let` of a local declared without a value (see
/// [`crate::cfg::Local::uninit_declaration`]).
fn declaration_placeholder(local: LocalId) -> Ident {
    format_ident!("__coroutines_decl{}", local, span = internal())
}

/// Whether an identifier (given as its text) is a declaration placeholder, and for which local.
pub fn declaration_placeholder_local(name: &str) -> Option<LocalId> {
    name.strip_prefix("__coroutines_decl")?.parse().ok()
}

/// Whether an identifier (given as its text) is a type-tie placeholder, and for which locals.
pub fn tie_placeholder_locals(name: &str) -> Option<std::ops::Range<LocalId>> {
    let (first, count) = name.strip_prefix("__coroutines_tie")?.split_once('_')?;
    let first: usize = first.parse().ok()?;
    Some(first..first + count.parse::<usize>().ok()?)
}

/// The witness that ties the types of a local's bindings (see `__private::TypeTie`).
pub fn type_tie(local: LocalId) -> Ident {
    format_ident!("__type_of{}", local, span = internal())
}

/// Whether an identifier (given as its text) is an `allow(unused_mut)` placeholder, and for
/// which locals.
pub fn allow_mut_placeholder_locals(name: &str) -> Option<std::ops::Range<LocalId>> {
    let (first, count) = name
        .strip_prefix("__coroutines_allow_mut")?
        .split_once('_')?;
    let first: usize = first.parse().ok()?;
    Some(first..first + count.parse::<usize>().ok()?)
}

/// Whether an identifier (given as its text) is a jump placeholder, and which.
pub fn placeholder_index(name: &str) -> Option<usize> {
    name.strip_prefix("__coroutines_jump")?.parse().ok()
}

impl<'e> Lowerer<'e> {
    pub fn new(flavour: &'e Flavour, errors: &'e mut Vec<syn::Error>) -> Self {
        let mut cfg = Cfg::default();
        let start = cfg.new_block(Entry::Start, Vec::new());
        Lowerer {
            cfg,
            cur: start,
            scopes: vec![Vec::new()],
            loops: Vec::new(),
            flavour,
            errors,
            fresh: 0,
            place_used: Vec::new(),
            unsafe_spans: Vec::new(),
            lowered_unsafe: false,
            arm_bindings: Vec::new(),
            regions: Vec::new(),
            opened_regions: 0,
            inner_only: BTreeMap::new(),
            assigned_on_path: BTreeMap::new(),
            kills_after_statement: None,
            items: Vec::new(),
        }
    }

    // ---- locals, blocks and jumps -------------------------------------------------------

    fn visible(&self) -> Vec<LocalId> {
        self.scopes.iter().flatten().copied().collect()
    }

    /// Declares a local in the innermost scope, as part of the current block.
    pub fn declare(&mut self, name: Ident, mutable: bool, hidden: bool) -> LocalId {
        let local = self.cfg.new_local(name, mutable, hidden);
        self.scopes.last_mut().expect("a scope").push(local);
        self.cfg.blocks[self.cur].decls.push(local);
        local
    }

    fn hidden_name(&mut self, prefix: &str) -> Ident {
        self.fresh += 1;
        format_ident!("__{}{}", prefix, self.fresh, span = internal())
    }

    /// A block entered by jumps, whose scope is the current one plus `params` (hidden locals).
    fn new_join(&mut self, params: usize) -> (BlockId, Vec<LocalId>) {
        let mut scope = self.visible();
        let mut locals = Vec::new();
        for _ in 0..params {
            let name = self.hidden_name("value");
            let local = self.cfg.new_local(name, false, true);
            scope.push(local);
            locals.push(local);
        }
        let block = self.cfg.new_block(Entry::Jump, scope);
        self.cfg.blocks[block].params = locals.clone();
        self.cfg.blocks[block].regions = self.regions.clone();
        (block, locals)
    }

    /// Opens a scrutinee region for a `match` on `written` (lowered to `lowered`), if it may
    /// hold temporaries: not a place or a literal as written, nor a hidden local that the
    /// lowering evaluated it into. Gives how many regions were opened (0 or 1), to close with
    /// [`close_regions`](Self::close_regions).
    fn open_region(&mut self, written: &Expr, lowered: &TokenStream) -> usize {
        if is_plain(written) || self.is_hidden_local(lowered) {
            return 0;
        }
        self.regions.push(self.opened_regions);
        self.opened_regions += 1;
        1
    }

    fn close_regions(&mut self, count: usize) {
        self.regions.truncate(self.regions.len() - count);
    }

    /// Continues lowering in `block`, whose params join the innermost scope.
    fn switch_to(&mut self, block: BlockId) {
        self.cur = block;
        let params = self.cfg.blocks[block].params.clone();
        // The block's bindings (a pattern's, a loop's) are tied to their type here, at their
        // first binding, if they are declared again later (see `record_kill`).
        if self.cfg.blocks[block].code.is_empty() {
            for &param in &params {
                if !self.cfg.locals[param].hidden {
                    let tie = tie_placeholder(param, 1);
                    self.emit(quote!(#tie));
                }
            }
        }
        self.scopes.last_mut().expect("a scope").extend(params);
    }

    /// After a diverging construct: the code that follows is unreachable.
    fn diverge(&mut self) {
        let block = self.cfg.new_block(Entry::Jump, self.visible());
        self.cfg.blocks[block].regions = self.regions.clone();
        self.cur = block;
    }

    /// Marks the jumps the current block makes from now on as ones that never run (see
    /// [`crate::cfg::Block::dead_from`]): they follow code that left the block for good.
    fn mark_dead_from_here(&mut self) {
        let block = &mut self.cfg.blocks[self.cur];
        block.dead_from.get_or_insert(block.jumps.len());
    }

    /// The placeholder for a jump from the current block.
    fn jump(
        &mut self,
        to: BlockId,
        args: Vec<(LocalId, TokenStream)>,
        pattern_bound: Vec<LocalId>,
        span: Span,
    ) -> TokenStream {
        self.jump_kind(to, args, pattern_bound, span, JumpKind::Goto)
    }

    fn jump_kind(
        &mut self,
        to: BlockId,
        args: Vec<(LocalId, TokenStream)>,
        pattern_bound: Vec<LocalId>,
        span: Span,
        kind: JumpKind,
    ) -> TokenStream {
        for (_, arg) in &args {
            self.record_uses(arg);
        }
        let args = match self.unsafe_spans.last() {
            Some(&span) => args
                .into_iter()
                .map(|(local, arg)| (local, quote_spanned!(span=> unsafe { #arg })))
                .collect(),
            None => args,
        };
        let mut visible = self.visible();
        visible.extend(&pattern_bound);
        let index = self.cfg.jumps.len();
        self.cfg.jumps.push(crate::cfg::Jump {
            from: self.cur,
            to,
            args,
            visible,
            pattern_bound,
            span,
            kind,
            regions: self.regions.clone(),
            bypass: None,
            assigned_before: self.assigned_on_path(),
        });
        self.cfg.blocks[self.cur].jumps.push(index);
        jump_placeholder(index).into_token_stream()
    }

    /// Appends a jump after code that may diverge (an arm that `return`s, a `panic!()`): that
    /// would make the jump unreachable, which is not the user's unreachable code.
    fn emit_jump(&mut self, jump: TokenStream) {
        let only_code = self.cfg.blocks[self.cur].code.is_empty();
        self.emit(allow_unreachable(jump));
        if only_code {
            // A block that only jumps on (the end of a scope, a loop's back edge) can be
            // bypassed; `Cfg::thread_jumps` decides.
            self.cfg.blocks[self.cur].forward = self.cfg.blocks[self.cur].jumps.last().copied();
        }
    }

    /// Appends code to the current block.
    fn emit(&mut self, code: TokenStream) {
        self.record_uses(&code);
        self.append(code);
    }

    /// Appends code whose uses the caller has recorded (without the names its patterns bind,
    /// which are not uses of the locals they shadow).
    fn append(&mut self, code: TokenStream) {
        self.cfg.blocks[self.cur].forward = None;
        let code = self.wrap_unsafe(code);
        self.cfg.blocks[self.cur].code.extend(code);
    }

    fn resolve(&self, name: &str) -> Option<LocalId> {
        self.scopes
            .iter()
            .flatten()
            .rev()
            .copied()
            .find(|&local| self.cfg.locals[local].name == name)
    }

    fn record_uses(&mut self, code: &TokenStream) {
        let mut names = Vec::new();
        scan::mentions(code, &mut names);
        if let Some(inner_only) = self.inner_only.get(&self.cur) {
            names.retain(|(name, _)| !inner_only.contains(name));
        }
        self.record_mentions(names);
    }

    /// Records what verbatim code does with the locals, from its syntax tree: `free` are its
    /// mentions of names from outside it (its uses), `moved` and `assigned` the names it may
    /// move out of and those it assigns. When it `binds` names inside, a name it mentions only
    /// as such a binding is none of these, and the others that a scan of its `tokens` would
    /// find are noted as [`Self::inner_only`].
    fn record_verbatim(
        &mut self,
        free: Vec<(String, Span)>,
        binds: bool,
        tokens: impl FnOnce() -> TokenStream,
        mut moved: Vec<String>,
        mut assigned: Vec<String>,
    ) {
        if binds {
            let is_free = |name: &String| free.iter().any(|(free, _)| free == name);
            moved.retain(is_free);
            assigned.retain(is_free);
            let mut all = Vec::new();
            scan::mentions(&tokens(), &mut all);
            let inner_only: BTreeSet<String> = all
                .into_iter()
                .map(|(name, _)| name)
                .filter(|name| !is_free(name) && self.resolve(name).is_some())
                .collect();
            if !inner_only.is_empty() {
                self.inner_only
                    .entry(self.cur)
                    .or_default()
                    .extend(inner_only);
            }
        }
        self.record_mentions(free);
        self.mark_moved(moved);
        self.mark_assigned(assigned);
    }

    /// Records mentions of names as uses of the locals they resolve to, by the current block.
    fn record_mentions(&mut self, names: Vec<(String, Span)>) {
        for (name, span) in names {
            if self.arm_bindings.contains(&name) {
                continue;
            }
            if let Some(local) = self.resolve(&name) {
                let uses = &mut self.cfg.blocks[self.cur].uses;
                uses.entry(local).or_insert(span);
                // A re-borrowed reference is rebuilt from its referent wherever it is used.
                if let Some(Reborrow { referent, .. }) = self.cfg.locals[local].reborrow {
                    uses.entry(referent).or_insert(span);
                }
            }
        }
    }

    /// Records a kill (see [`crate::cfg::Block::kills`]) when `left = value` is the first thing
    /// the current block does with a local declared outside it, before any jump, and `value` (as
    /// lowered) does not read it: the block does not need the old value. Gives the code to run
    /// right after the assignment: the new binding's type tie (see [`Cfg::redeclared`]) for a
    /// kill, nothing otherwise.
    fn record_kill(&mut self, left: &Expr, value: &TokenStream) -> TokenStream {
        // Each name a destructuring assignment assigns; one the left side names again
        // (`(n, v[n]) = ..`) is read there.
        let mut ties = TokenStream::new();
        for ident in scan::assignees(left) {
            let name = scan::unraw(ident);
            let reads_itself =
                scan::count_mentions(value, &name) > 0 || scan::count_mentions(left, &name) > 1;
            ties.extend(self.record_first_assignment(ident, reads_itself, true));
        }
        ties
    }

    /// [`Self::record_kill`] for code that gives locals declared without a value their first
    /// value in branches (`if c { n = 1 } else { n = 2 }`): each (picked by `declared_in` from
    /// its declaring block) that `code` assigns on every path before reading it (see
    /// [`scan::assigns_before_reading`]); `definite`: `code` runs whenever the block gets to
    /// it. Gives the ties to follow `code`.
    fn record_first_values(
        &mut self,
        code: &Expr,
        declared_in: impl Fn(BlockId) -> bool,
        definite: bool,
    ) -> TokenStream {
        let mut ties = TokenStream::new();
        for (ident, local) in self.first_values_in(code, false) {
            if self.cfg.locals[local]
                .declared_uninit
                .is_some_and(&declared_in)
            {
                ties.extend(self.record_first_assignment(&ident, false, definite));
            }
        }
        ties
    }

    /// [`Self::record_first_values`] for a statement that may leave a lowered loop (`if c { n =
    /// 1 } else { break }`): each `let mut` declared without a value that it assigns on every
    /// path that goes on gets a kill after the statement's own jumps, which stands if none of
    /// them needs the old value (see `Block::late_kills`). Gives the ties to follow it, and
    /// [`Self::place_kills_after_statement`] places the kills once the statement is lowered.
    fn record_first_values_leaving(&mut self, code: &Expr) -> TokenStream {
        self.kills_after_statement = Some(Vec::new());
        let mut ties = TokenStream::new();
        for (ident, local) in self.first_values_in(code, true) {
            if self.cfg.locals[local].mutable {
                ties.extend(self.record_first_assignment(&ident, false, true));
            }
        }
        ties
    }

    /// Records the kills [`Self::record_first_values_leaving`] decided, after the jumps the
    /// statement made.
    fn place_kills_after_statement(&mut self) {
        let Some(locals) = self.kills_after_statement.take() else {
            return;
        };
        let after = self.cfg.blocks[self.cur].jumps.len();
        for local in locals {
            let block = &mut self.cfg.blocks[self.cur];
            block.kills.insert(local);
            block.late_kills.insert(local, after);
            (self.cfg.locals[local].first_assigned_in)
                .entry(self.cur)
                .or_insert(after);
        }
    }

    /// The locals declared without a value that `code` assigns on every path before reading
    /// them (see [`scan::assigns_before_reading`]), each with the name it is assigned by.
    fn first_values_in(&self, code: &Expr, leaving: bool) -> Vec<(Ident, LocalId)> {
        scan::assigned_idents(code)
            .into_iter()
            .filter(|ident| scan::assigns_before_reading(code, &scan::unraw(ident), leaving))
            .filter_map(|ident| {
                let local = self.outer_local(&ident.to_string())?;
                self.cfg.locals[local]
                    .declared_uninit
                    .is_some()
                    .then_some((ident, local))
            })
            .collect()
    }

    /// The local `name` refers to in the code being lowered, unless that code's pattern binds
    /// the name itself (see `arm_bindings`).
    fn outer_local(&self, name: &str) -> Option<LocalId> {
        if self.arm_bindings.iter().any(|bound| bound == name) {
            return None;
        }
        self.resolve(name)
    }

    /// The locals an inline branch gives their first value on every path ([`Self::first_values_in`]):
    /// they have one whenever the jump that follows the branch's construct is taken, since only
    /// the end of the branch leads there.
    fn branch_assigns(&self, body: &Expr) -> BTreeSet<LocalId> {
        (self.first_values_in(body, false).into_iter())
            .map(|(_, local)| local)
            .collect()
    }

    /// Lowers `body`, an inline branch, with [`Self::inline_branch`]; if its first statement
    /// assigns a local declared without a value, every jump made inside it follows that
    /// assignment (see [`crate::cfg::Local::assigned_before_jumps`]).
    fn inline_branch_noting_first_value(
        &mut self,
        body: &Expr,
        param: Option<LocalId>,
    ) -> TokenStream {
        let first_jump = self.cfg.jumps.len();
        let code = self.inline_branch(body, param);
        let assigned = scan::assigned_first(body)
            .and_then(|name| self.outer_local(&name.to_string()))
            .filter(|&local| self.cfg.locals[local].declared_uninit.is_some());
        if let Some(local) = assigned {
            let jumps = first_jump..self.cfg.jumps.len();
            self.cfg.locals[local].assigned_before_jumps.extend(jumps);
        }
        code
    }

    /// Takes out of the current block's assigned-on-path set the locals that `code`, just
    /// recorded, assigns only in branches that never end (they break, return, ...): the jumps
    /// that follow `code` do not follow those assignments. Those assigned before `code` stay.
    fn forget_assignments_in_ended_branches(&mut self, code: &Expr, before: &BTreeSet<LocalId>) {
        let ended: Vec<LocalId> = scan::assigned_only_in_ended_branches(code)
            .iter()
            .filter_map(|name| self.outer_local(name))
            .filter(|local| !before.contains(local))
            .collect();
        if let Some(assigned) = self.assigned_on_path.get_mut(&self.cur) {
            for local in ended {
                assigned.remove(&local);
            }
        }
    }

    /// Records that `locals` certainly have a value at the next jump made (see
    /// [`crate::cfg::Local::assigned_before_jumps`]).
    fn assigned_before_next_jump(&mut self, locals: &BTreeSet<LocalId>) {
        let next = self.cfg.jumps.len();
        for &local in locals {
            self.cfg.locals[local].assigned_before_jumps.insert(next);
        }
    }

    /// The rest of [`Self::record_kill`]: the local `ident` names is assigned as a whole, and
    /// the value assigned reads it (`reads_itself`) or not; `definite`: whenever the block gets
    /// here (not in one branch of a construct that may jump away on another).
    fn record_first_assignment(
        &mut self,
        ident: &Ident,
        reads_itself: bool,
        definite: bool,
    ) -> TokenStream {
        let Some(local) = self.outer_local(&ident.to_string()) else {
            return TokenStream::new();
        };
        let after_statement = self.kills_after_statement.is_some();
        if definite && self.cfg.locals[local].declared_uninit.is_some() && !after_statement {
            let jumps_before = self.cfg.blocks[self.cur].jumps.len();
            (self.cfg.locals[local].first_assigned_in)
                .entry(self.cur)
                .or_insert(jumps_before);
        }
        let data = &self.cfg.locals[local];
        if data.declared_uninit == Some(self.cur) {
            // The first assignment statement of its declaring block: where its type is tied.
            if data.uninit_declaration.is_none() || data.uninit_tied {
                return TokenStream::new();
            }
            self.cfg.locals[local].uninit_tied = true;
            let tie = tie_placeholder(local, 1);
            return quote!(#tie);
        }
        let block = &self.cfg.blocks[self.cur];
        // A local declared without a value may be declared afresh only where its type is tied
        // to the declaration's.
        let uninit_redeclarable = match data.declared_uninit {
            None => true,
            Some(declared) => declared != self.cur && data.redeclarable_without_value(),
        };
        // A jump before the assignment may need the old value, unless there is none: an
        // immutable local declared without a value is assigned once. For a `mut` one, the
        // kill stands if none does (see `Block::late_kills`); other locals are kept.
        let first_value = data.declared_uninit.is_some() && !data.mutable;
        // (An assignment that is not `definite`, in one branch of the block, is late too: the
        // other branches' jumps do not follow it.)
        let late = (!block.jumps.is_empty() && !first_value) || after_statement || !definite;
        if !block.uses.contains_key(&local)
            && (!late || data.declared_uninit.is_some())
            && !block.decls.contains(&local)
            && data.reborrow.is_none()
            && uninit_redeclarable
            && !reads_itself
        {
            if let Some(locals) = &mut self.kills_after_statement {
                locals.push(local);
            } else {
                if late {
                    let jumps_before = block.jumps.len();
                    (self.cfg.blocks[self.cur].late_kills).insert(local, jumps_before);
                }
                self.cfg.blocks[self.cur].kills.insert(local);
            }
            if !data.hidden {
                let tie = type_tie(local);
                return quote!(#tie.tie(&#ident););
            }
        }
        TokenStream::new()
    }

    fn mark_assigned(&mut self, names: Vec<String>) {
        for name in names {
            if let Some(local) = self.resolve(&name) {
                self.cfg.locals[local].assigned_in.insert(self.cur);
                (self.assigned_on_path.entry(self.cur).or_default()).insert(local);
            }
        }
    }

    /// See [`Self::assigned_on_path`](Lowerer::assigned_on_path): the current block's.
    fn assigned_on_path(&self) -> BTreeSet<LocalId> {
        (self.assigned_on_path.get(&self.cur).cloned()).unwrap_or_default()
    }

    /// Starts lowering a branch that runs after `before` (an earlier [`Self::assigned_on_path`]
    /// of the current block) and not after its sibling branches.
    fn branch_from(&mut self, before: &BTreeSet<LocalId>) {
        self.assigned_on_path.insert(self.cur, before.clone());
    }

    fn mark_moved(&mut self, names: Vec<String>) {
        for name in names {
            if let Some(local) = self.resolve(&name) {
                self.cfg.locals[local].moved = true;
            }
        }
    }

    /// Declares the bindings of a `let`'s pattern, marking them drop-free when the `let` shows
    /// that they are (see [`scan::binds_drop_free_value`]), and as borrows those it binds to
    /// borrows (see [`let_borrowed_bindings`]).
    fn declare_let_pattern(&mut self, local: &syn::Local, pat: &Pat) {
        let first = self.cfg.locals.len();
        self.declare_pattern(pat, &let_borrowed_bindings(local));
        let drop_free = scan::binds_drop_free_value(local);
        for declared in &mut self.cfg.locals[first..] {
            declared.drop_free = drop_free;
        }
        // (Without a value there is nothing to tie yet: see `Local::uninit_tied`.)
        if local.init.is_some() {
            let tie = tie_placeholder(first, self.cfg.locals.len() - first);
            self.emit(quote!(#tie));
        }
    }

    /// Declares the bindings of a pattern (after its initialiser was lowered); those named in
    /// `borrowed` are borrows.
    fn declare_pattern(&mut self, pat: &Pat, borrowed: &[String]) {
        if scan::pattern_has_macro(pat) {
            self.errors.push(syn::Error::new(pat.span(), "a macro in this pattern hides its bindings from `#[coroutine]`; write the pattern out"));
        }
        for binding in scan::bindings(pat) {
            let lent = borrowed.contains(&scan::unraw(&binding.ident));
            let local = self.declare(binding.ident, binding.mutable, false);
            self.cfg.locals[local].borrow_like = binding.by_ref || lent;
        }
    }

    fn loop_context(&self) -> LoopContext {
        LoopContext {
            lowered_labels: self
                .loops
                .iter()
                .filter_map(|frame| frame.label.clone())
                .collect(),
            innermost_lowered: self
                .loops
                .iter()
                .rev()
                .any(|frame| frame.continue_to.is_some()),
        }
    }

    fn needs(&self, expr: &Expr) -> bool {
        self.needs_within(expr, &self.arm_bindings)
    }

    /// [`Self::needs`] for code guarded by `cond`, which sees the bindings of its `let`s.
    fn needs_under(&self, expr: &Expr, cond: &Expr) -> bool {
        let mut enclosing = scan::binding_names(let_patterns(cond));
        enclosing.extend(self.arm_bindings.iter().cloned());
        self.needs_within(expr, &enclosing)
    }

    /// Whether `expr`, inside patterns that bind `enclosing`, must be lowered into states.
    fn needs_within(&self, expr: &Expr, enclosing: &[String]) -> bool {
        let found = scan::find_in_expr(expr, &self.loop_context());
        let is_exit = matches!(
            scan::without_parens(expr),
            Expr::Break(_) | Expr::Continue(_)
        );
        self.must_lower(&found, is_exit, enclosing)
    }

    /// [`Self::needs`] for a statement.
    fn stmt_needs(&self, stmt: &Stmt) -> bool {
        match stmt {
            Stmt::Expr(expr, _) => self.needs(expr),
            _ => {
                let found = scan::find_in_stmt(stmt, &self.loop_context());
                self.must_lower(&found, false, &self.arm_bindings)
            }
        }
    }

    /// Whether code holding `found` (inside patterns that bind `enclosing`) must be lowered: it
    /// suspends, it is itself a `break`/`continue` of a lowered loop (`is_exit`), or it holds
    /// one where a jump in place could not name every local (see [`Self::exits_in_place`]).
    fn must_lower(&self, found: &scan::Found, is_exit: bool, enclosing: &[String]) -> bool {
        found.suspends
            || (found.leaves_lowered_loop && (is_exit || !self.exits_in_place(found, enclosing)))
    }

    /// Whether the `break`s and `continue`s of lowered loops in code that does not suspend
    /// can be jumps in place, inside the code (as a `return` is), rather than split it into
    /// states: not if a name the code binds around them, or a pattern around the code
    /// (`enclosing`), is also a local's, which the jump might have to carry and could not name.
    fn exits_in_place(&self, found: &scan::Found, enclosing: &[String]) -> bool {
        let names_a_local = |name: &String| {
            self.resolve(name)
                .is_some_and(|local| !self.cfg.locals[local].hidden)
        };
        !found.bound.iter().chain(enclosing).any(names_a_local)
    }

    // ---- scopes -------------------------------------------------------------------------

    fn push_scope(&mut self) {
        self.scopes.push(Vec::new());
    }

    /// Leaves a scope. If it declared locals that may still hold values, control moves to a new
    /// block outside the scope (dropping them); `value`, evaluated inside, is carried across.
    fn pop_scope(&mut self, value: Option<TokenStream>) -> Option<TokenStream> {
        // The value is evaluated in this block, where the scope's hidden locals still resolve.
        if let Some(value) = &value {
            self.record_uses(value);
        }
        let frame = self.scopes.last().expect("a scope").clone();
        let needs_boundary = frame
            .iter()
            .any(|&local| !self.cfg.locals[local].hidden || self.place_used.contains(&local));
        if !needs_boundary {
            self.scopes.pop();
            return value;
        }
        let value_is_unit = value.as_ref().is_none_or(|v| v.to_string() == "()");
        // The join block lives in the parent scope.
        self.scopes.pop();
        let (join, params) = self.new_join(usize::from(!value_is_unit));
        self.scopes.push(frame);
        let args = params.iter().copied().zip(value.clone()).collect();
        let jump = self.jump(join, args, Vec::new(), Span::call_site());
        self.emit_jump(jump);
        self.scopes.pop();
        self.switch_to(join);
        if value_is_unit {
            value
        } else {
            Some(self.local_tokens(params[0]))
        }
    }

    fn local_tokens(&self, local: LocalId) -> TokenStream {
        self.cfg.locals[local].name.to_token_stream()
    }

    // ---- the body -----------------------------------------------------------------------

    /// Declares a parameter (parameters are the first locals, in order).
    pub fn declare_param(&mut self, name: Ident, mutable: bool, hidden: bool, ty: &syn::Type) {
        let local = self.declare(name, mutable, hidden);
        // A by-value parameter of a concrete, non-reference type is owned by the coroutine.
        self.cfg.locals[local].owned = !hidden && crate::signature::is_owned_type(ty);
        self.cfg.locals[local].drop_free = crate::signature::is_drop_free_type(ty);
        // A parameter is in scope at the start, not declared by it.
        self.cfg.blocks[self.cur].decls.retain(|&l| l != local);
        self.cfg.blocks[self.cur].scope.push(local);
    }

    /// `let PATTERN = __argN;` for a parameter written as a pattern.
    pub fn destructure_param(&mut self, pattern: &Pat, binding: &Ident, ty: &syn::Type) {
        self.emit(quote!(let #pattern: #ty = #binding;));
        if let Some(local) = self.resolve(&binding.to_string()) {
            self.cfg.locals[local].moved = true;
        }
        self.declare_pattern(pattern, &[]);
    }

    /// Lowers the whole function body; params are already declared.
    pub fn lower_body(&mut self, body: &syn::Block) {
        // The parameters' first bindings, for the type ties.
        let tie = tie_placeholder(0, self.cfg.locals.len());
        self.emit(quote!(#tie));
        // (A body that returns `()` needs no value from a last statement that may diverge.)
        let value = self.lower_stmts(&body.stmts, !self.flavour.returns_unit);
        if let Some(Stmt::Expr(tail, None)) = body.stmts.last() {
            if let Some(error) = self.returned_borrow_error(tail) {
                self.errors.push(error);
            }
        }
        let close = body.brace_token.span.close();
        self.cfg.blocks[self.cur].returns = true;
        let written_tail = matches!(body.stmts.last(), Some(Stmt::Expr(_, None)));
        let code = match value {
            Some(value) if written_tail => self.return_code(value, close),
            // The value of a last statement that may diverge (see `lower_stmts`).
            Some(value) => allow_unreachable(self.return_code(value, close)),
            // The implicit `()` after a body that ends in `panic!()` is not unreachable user code.
            None if self.flavour.returns_unit => {
                allow_unreachable(self.return_code(quote_spanned!(close=> ()), close))
            }
            // A body without a tail that returns a value ends by diverging (`panic!()`, a call
            // returning `!`); rustc checked that on the original body, not on the split one.
            None => {
                let krate = respan(self.flavour.krate.clone(), close);
                allow_unreachable(quote_spanned!(close=> #krate::__private::fell_off_the_end()))
            }
        };
        self.emit(code);
        self.diverge();
    }

    /// The code that returns `value` from the coroutine (the caller marks the current block as
    /// one that returns).
    fn return_code(&self, value: TokenStream, span: Span) -> TokenStream {
        let krate = &self.flavour.krate;
        let store_returned = crate::emit::store_returned(krate);
        let ret = Ident::new("__return_value", internal());
        let annotation = self
            .flavour
            .return_ty
            .as_ref()
            .map(|ty| quote_spanned!(span=> : #ty));
        let finish = if self.flavour.yield_ty.is_some() {
            quote!(#krate::__private::State::Complete(#ret))
        } else {
            quote!(#krate::__private::TaskPoll::Ready(#ret))
        };
        let finish_resume = crate::emit::resume_return(krate, &finish);
        quote_spanned! {span=>
            {
                let #ret #annotation = #value;
                #[allow(unreachable_code)]
                {
                    #store_returned;
                    #finish_resume;
                }
            }
        }
    }

    /// `let r = &value;` where the value is a temporary that suspends or that Rust cannot
    /// promote to a constant (a call, `vec!`.., anything borrowed `&mut`), as
    /// `let tmp = value; let r = &tmp;`. Rust
    /// extends the temporary's life to the end of the block (dropped where `tmp` would be); the
    /// macro can then carry `r` across suspension points as a borrow of a whole local (see
    /// [`Lowerer::whole_local_borrow`]), where a borrow of a temporary could not be stored. (A
    /// constant, `&5`, is promoted to a `'static` borrow, which `tmp` would not be.)
    fn split_extended_borrow(&mut self, local: &syn::Local) -> Option<[Stmt; 2]> {
        let init = local.init.as_ref()?;
        let Expr::Reference(reference) = &*init.expr else {
            return None;
        };
        if init.diverge.is_some() || scan::place_root(&reference.expr).is_some() {
            return None;
        }
        let is_local = |name: &str| self.resolve(name).is_some();
        if !self.needs(&reference.expr) && !scan::never_promoted(reference, &is_local) {
            return None;
        }
        let temp = self.hidden_name("extended");
        let mutability = reference.mutability;
        // (Its parentheses, needed after `&` in `&(n as u8)`, would be unused in a `let`.)
        let value = scan::without_parens(&reference.expr);
        let and = reference.and_token;
        let mut borrow = local.clone();
        *borrow.init.as_mut()?.expr = syn::parse_quote!(#and #mutability #temp);
        Some([
            syn::parse_quote!(let #mutability #temp = #value;),
            Stmt::Local(borrow),
        ])
    }

    /// Moves an item of a block being lowered to the function's body (see [`Lowerer::items`]).
    fn hoist(&mut self, item: &syn::Item) {
        let same = |hoisted: &syn::Item| {
            hoisted.to_token_stream().to_string() == item.to_token_stream().to_string()
        };
        // The same `use` in two blocks (two branches, say) is one import once hoisted.
        if matches!(item, syn::Item::Use(_)) && self.items.iter().any(same) {
            return;
        }
        // A `macro_rules!` is seen from its definition on, so a second one of the same name
        // takes over from there; hoisted, it would take over everywhere.
        if let Some(name) = macro_rules_name(item) {
            if self
                .items
                .iter()
                .any(|hoisted| macro_rules_name(hoisted) == Some(name))
            {
                self.errors.push(syn::Error::new(
                    name.span(),
                    format!(
                        "`{name}` is already defined by a `macro_rules!` in this coroutine; \
                         the local macros of a coroutine are moved to the top of the function \
                         (so that code after a suspension point sees them), where one would \
                         hide the other: give this one another name"
                    ),
                ));
                return;
            }
        }
        self.items.push(item.clone());
    }

    /// Lowers statements in the current scope; gives the tail value if there is one.
    /// Lowers a block's statements; gives the value of its tail. For a block whose value is
    /// wanted, a last statement that may diverge and does not suspend (`unreachable!();`,
    /// `exit(1);`) is that value, as `{ stmt }`: a block that ends by diverging has the type
    /// `!` in Rust, which takes the type the value needs (a `match` arm's), and `()` otherwise.
    fn lower_stmts(&mut self, stmts: &[Stmt], want_value: bool) -> Option<TokenStream> {
        let mut tail = None;
        for (index, stmt) in stmts.iter().enumerate() {
            let last = index + 1 == stmts.len();
            match stmt {
                Stmt::Expr(expr, None) if last => tail = Some(self.lower_expr(expr)),
                _ if last && want_value && may_diverge(stmt) && !self.stmt_needs(stmt) => {
                    let block = syn::ExprBlock {
                        attrs: Vec::new(),
                        label: None,
                        block: syn::Block {
                            brace_token: syn::token::Brace(stmt.span()),
                            stmts: vec![stmt.clone()],
                        },
                    };
                    let value = self.lower_expr(&Expr::Block(block));
                    tail = Some(self.bind_diverging_value(value, stmt.span()));
                }
                _ => self.lower_stmt(stmt),
            }
        }
        tail
    }

    fn lower_stmt(&mut self, stmt: &Stmt) {
        if let Stmt::Item(item) = stmt {
            self.hoist(item);
            return;
        }
        if let Stmt::Local(local) = stmt {
            if let Some(lets) = split_uninit_tuple(local) {
                for single in &lets {
                    self.lower_stmt(single);
                }
                return;
            }
            if let Some(borrow) = ref_binding_as_borrow(local) {
                self.lower_stmt(&borrow);
                return;
            }
            if let Some([value, borrow]) = self.split_extended_borrow(local) {
                self.lower_stmt(&value);
                self.lower_stmt(&borrow);
                return;
            }
            if self.shadows_outer_scope(local) {
                if local.init.is_some() {
                    self.lower_shadowing_let(local);
                    return;
                }
                // `let x;` hiding an outer `x`: from a new block, as `lower_shadowing_let` does,
                // whose state keeps the outer `x` under a hidden name; then as any `let`.
                let (next, _) = self.new_join(0);
                let jump = self.jump(next, Vec::new(), Vec::new(), local.pat.span());
                self.emit_jump(jump);
                self.switch_to(next);
            }
        }
        if !self.stmt_needs(stmt) {
            // Whether the assignment is the first thing the block does with the local is
            // decided before its own mentions are recorded; for a statement that may leave a
            // loop first (`x = 'b: { .. break 'outer .. }`), the kill comes after its jumps.
            let leaves_loop =
                |expr: &Expr| scan::find_in_expr(expr, &self.loop_context()).leaves_lowered_loop;
            let tie = match stmt {
                Stmt::Expr(expr, _) if leaves_loop(expr) => self.record_first_values_leaving(expr),
                Stmt::Expr(Expr::Assign(assign), Some(_)) => {
                    self.record_kill(&assign.left, &assign.right.to_token_stream())
                }
                Stmt::Expr(expr, _) => self.record_first_values(expr, |_| true, true),
                _ => TokenStream::new(),
            };
            let before = self.assigned_on_path();
            let code = self.verbatim_stmt(stmt);
            let code = self.wrap_unsafe(code);
            let Stmt::Local(local) = stmt else {
                self.emit(code);
                self.place_kills_after_statement();
                self.emit(tie);
                if let Stmt::Expr(expr, _) = stmt {
                    self.forget_assignments_in_ended_branches(expr, &before);
                }
                if let Stmt::Expr(Expr::Return(_) | Expr::Break(_) | Expr::Continue(_), _) = stmt {
                    self.mark_dead_from_here();
                }
                return;
            };
            let pat = match &local.pat {
                Pat::Type(typed) => &*typed.pat,
                pat => pat,
            };
            // A `mut` binding may be mutated only in a later state; whether this `let` needs
            // `#[allow(unused_mut)]` is known once the layout is.
            let allow = allow_mut_placeholder(self.cfg.locals.len(), scan::bindings(pat).len());
            // The pattern's names are not uses of the locals they shadow.
            self.record_local_uses(local);
            let first = self.cfg.locals.len();
            let uninit = local.init.is_none().then_some(self.cur);
            let (single, annotation) = match &local.pat {
                Pat::Ident(ident) => (ident.subpat.is_none(), None),
                Pat::Type(typed) => (
                    matches!(&*typed.pat, Pat::Ident(ident) if ident.subpat.is_none()),
                    Some(typed.ty.to_token_stream()),
                ),
                _ => (false, None),
            };
            let uninit_declaration = (uninit.is_some() && single).then(|| {
                let placeholder = declaration_placeholder(first);
                self.cfg.blocks[self.cur].code.extend(quote!(#placeholder));
                (quote!(#allow #code), annotation)
            });
            if uninit_declaration.is_none() {
                self.cfg.blocks[self.cur].code.extend(quote!(#allow #code));
            }
            let referent = self.whole_local_borrow(local);
            let captured = local.init.as_ref().and_then(|init| match &*init.expr {
                Expr::Closure(closure) if closure.capture.is_none() => self.captured_local(closure),
                _ => None,
            });
            let (borrows_from, owned) = match &local.init {
                _ if captured.is_some() => (captured, false),
                Some(init) if init.diverge.is_none() => {
                    // `let (ref a, _) = pair;` borrows from `pair`.
                    let ref_root = scan::place_root(&init.expr)
                        .and_then(|root| self.resolve(&root.to_string()));
                    let root = self
                        .borrowed_root(&init.expr)
                        .or(ref_root.filter(|_| scan::bindings(pat).iter().any(|b| b.by_ref)));
                    (root, scan::builds_owned_value(&init.expr))
                }
                _ => (None, false),
            };
            self.declare_let_pattern(local, pat);
            for declared in first..self.cfg.locals.len() {
                let data = &mut self.cfg.locals[declared];
                data.reborrow = referent;
                if referent.is_none() {
                    data.borrows_from = borrows_from;
                }
                if captured.is_some() {
                    data.closure = true;
                    data.borrowed_by = local.init.as_ref().map(|init| init.expr.to_token_stream());
                }
                data.owned = owned && matches!(pat, Pat::Ident(_));
                data.declared_uninit = uninit;
                data.uninit_declaration = uninit_declaration.clone();
            }
            return;
        }
        match stmt {
            Stmt::Local(local) => self.lower_let(local),
            Stmt::Expr(expr, _) => {
                self.push_scope();
                self.lower_expr_discard(expr);
                self.pop_scope(None);
            }
            Stmt::Macro(stmt_macro) => {
                let expr = Expr::Macro(syn::ExprMacro {
                    attrs: stmt_macro.attrs.clone(),
                    mac: stmt_macro.mac.clone(),
                });
                self.push_scope();
                self.lower_expr_discard(&expr);
                self.pop_scope(None);
            }
            // Hoisted above.
            Stmt::Item(_) => {}
        }
    }

    /// Records the uses of a `let` statement's type, initialiser and `else` block.
    fn record_local_uses(&mut self, local: &syn::Local) {
        if let Pat::Type(typed) = &local.pat {
            self.record_uses(&typed.ty.to_token_stream());
        }
        if let Some(init) = &local.init {
            self.record_uses(&init.expr.to_token_stream());
            if let Some((_, diverge)) = &init.diverge {
                self.record_uses(&diverge.to_token_stream());
            }
        }
    }

    /// The local an expression borrows part of: `&v[i]`, `&v.field`, `v.iter()`, `v.as_str()`,
    /// `v.iter().rev().max()`.
    fn borrowed_root(&self, expr: &Expr) -> Option<LocalId> {
        if let Some(inner) = scan::unwrapped(expr) {
            return self.borrowed_root(inner);
        }
        let place = match expr {
            Expr::Reference(reference) => &*reference.expr,
            Expr::MethodCall(call) if scan::looks_like_borrow(expr) => {
                // What a borrow that the receiver makes borrows (`v` of `v.iter().max()`).
                let receiver = scan::without_iterator_adapters(&call.receiver);
                if let Some(root) = self.borrowed_root(receiver) {
                    return Some(root);
                }
                &*call.receiver
            }
            Expr::Paren(paren) => return self.borrowed_root(&paren.expr),
            _ => return None,
        };
        let root = scan::place_root(place)?;
        self.resolve(&root.to_string())
    }

    /// An operand evaluated before a later one suspends, that borrows a value the body owns
    /// (`cell.borrow_mut()` in `cell.borrow_mut().push(yield_!(v))`, `map.entry(k)`, `v.iter()`):
    /// it would be held across the suspension, which rustc reports in terms of the generated
    /// code.
    fn operand_borrow_error(&self, operand: &Expr, suspending: &Expr) -> Option<syn::Error> {
        let borrowed = match scan::unwrapped(operand).unwrap_or(operand) {
            Expr::MethodCall(call) if GUARD_METHODS.contains(&call.method.to_string().as_str()) => {
                scan::place_root(&call.receiver).and_then(|root| self.resolve(&root.to_string()))
            }
            // `v.iter().copied()` borrows `v` as `v.iter()` does.
            _ => self.borrowed_root(scan::without_iterator_adapters(operand)),
        }?;
        let data = &self.cfg.locals[borrowed];
        if !data.owned {
            return None;
        }
        let name = crate::cfg::display_name(&data.name);
        let mut error = syn::Error::new_spanned(
            operand,
            format!("this borrows `{name}`, a local of this coroutine, and is evaluated before the suspension point after it, so the borrow would be held across it; a suspended coroutine cannot hold a reference into its own locals"),
        );
        error.combine(syn::Error::new_spanned(
            suspending,
            "the suspension point: evaluate it first, into a `let` before this statement, and use the value here",
        ));
        Some(error)
    }

    /// The first local of the coroutine that a closure's body names (other than its own
    /// parameters): a closure that is not `move` captures it by reference.
    fn captured_local(&self, closure: &syn::ExprClosure) -> Option<LocalId> {
        let params = scan::binding_names(&closure.inputs);
        self.named_local(&closure.body.to_token_stream(), &params)
    }

    /// The first local of the coroutine that `code` names, other than `own` (names the code
    /// binds itself).
    fn named_local(&self, code: &TokenStream, own: &[String]) -> Option<LocalId> {
        let mut names = Vec::new();
        scan::mentions(code, &mut names);
        names
            .into_iter()
            .filter(|(name, _)| !own.contains(name))
            .find_map(|(name, _)| self.resolve(&name))
    }

    /// A pattern whose bindings borrow a temporary of the scrutinee (`Some(v)` against
    /// `&mut Some(x)`), for a branch lowered as a state of its own (it suspends, or leaves a
    /// loop that does): the coroutine ends the `match` when it jumps there, so the temporary is
    /// gone before the branch runs. rustc would report E0716 at the attribute.
    fn temporary_borrow_error(&self, scrutinee: &Expr, pat: &Pat) -> Option<syn::Error> {
        let Expr::Reference(reference) = scan::without_parens(scrutinee) else {
            return None;
        };
        let borrows_place = scan::operand_root(&reference.expr).is_some();
        let by_reference = matches!(pat, Pat::Reference(_));
        if borrows_place || by_reference || scan::bindings(pat).is_empty() {
            return None;
        }
        Some(syn::Error::new_spanned(
            scrutinee,
            "this pattern's bindings borrow a temporary of the scrutinee, and the branch they are used in suspends or leaves a loop: the coroutine drops the temporary before that branch runs. Match on the value, not a borrow of it, and bind by value",
        ))
    }

    /// An awaitee that borrows a local of the coroutine (`yield_from!(&mut fut)`): it is kept in
    /// the state while it runs, beside the local it borrows, and the state moves between
    /// suspensions. A borrow of a whole local is always one (`&mut fut`); one of a field or an
    /// element only if the local certainly owns its value (through a reference parameter,
    /// `&mut s.fut` borrows what it points to).
    fn awaitee_borrow_error(&self, operand: &Expr) -> Option<syn::Error> {
        // An `async` block that is not `move` captures the locals it names by reference.
        if let Expr::Async(block) = scan::without_parens(operand) {
            let captured = block
                .capture
                .is_none()
                .then(|| self.named_local(&block.block.to_token_stream(), &[]))??;
            let name = crate::cfg::display_name(&self.cfg.locals[captured].name);
            return Some(syn::Error::new_spanned(
                operand,
                format!("`yield_from!` keeps what it waits for in the coroutine's state, and this `async` block borrows `{name}`, a local kept in the same state: a suspended coroutine cannot hold a reference into its own locals. Make it an `async move` block (cloning first what the coroutine still needs after it)"),
            ));
        }
        // A call passed a borrow of a value the body owns: the future it makes keeps that
        // borrow if it is an `async fn`'s (or a coroutine's).
        let arguments = match scan::without_parens(operand) {
            Expr::Call(call) => Some(&call.args),
            Expr::MethodCall(call) => Some(&call.args),
            _ => None,
        };
        let lent = arguments.into_iter().flatten().find_map(|argument| {
            let owner = self.borrowed_root(argument)?;
            self.cfg.locals[owner].owned.then_some((argument, owner))
        });
        if let Some((argument, owner)) = lent {
            let name = crate::cfg::display_name(&self.cfg.locals[owner].name);
            let mut error = syn::Error::new_spanned(
                argument,
                format!("this lends `{name}`, a local of this coroutine, to the future that `yield_from!` keeps in the coroutine's state while it waits; a future that keeps the borrow (as an `async fn`'s does) cannot be kept beside `{name}`: a suspended coroutine cannot hold a reference into its own locals. Pass an owned value (a clone, or move `{name}` in and get it back from the result)"),
            );
            error.combine(syn::Error::new_spanned(
                operand,
                "the future, created here; if it does not keep the borrow, create it in a `let` before the `yield_from!`",
            ));
            return Some(error);
        }
        let whole = matches!(
            scan::without_parens(operand),
            Expr::Reference(reference) if matches!(scan::without_parens(&reference.expr), Expr::Path(_))
        );
        let borrowed = self.borrowed_root(operand)?;
        let data = &self.cfg.locals[borrowed];
        if !whole && !data.owned {
            return None;
        }
        let name = crate::cfg::display_name(&data.name);
        Some(syn::Error::new_spanned(
            operand,
            format!("`yield_from!` keeps what it waits for in the coroutine's state, and this borrows `{name}`, a local kept in the same state: a suspended coroutine cannot hold a reference into its own locals. Wait for it by value, without the borrow"),
        ))
    }

    /// A returned value that borrows from a value the body owns (`&x`, `s.as_str()`) cannot
    /// outlive the coroutine's state; rustc would report it in terms of the generated code.
    fn returned_borrow_error(&self, value: &Expr) -> Option<syn::Error> {
        let owner = self.borrowed_root(value)?;
        let data = &self.cfg.locals[owner];
        if !data.owned {
            return None;
        }
        let name = crate::cfg::display_name(&data.name);
        Some(syn::Error::new_spanned(
            value,
            format!("cannot return a reference to `{name}`: it is a local of this coroutine, gone when the coroutine returns; return an owned value instead (`{name}.clone()`, `.to_owned()`)"),
        ))
    }

    /// `let r = &v;` or `let r = &mut v;` where `v` is a whole local of the coroutine: the
    /// reference can be rebuilt after a suspension instead of being stored.
    fn whole_local_borrow(&self, local: &syn::Local) -> Option<Reborrow> {
        let init = local.init.as_ref()?;
        if init.diverge.is_some() {
            return None;
        }
        let pat = match &local.pat {
            Pat::Type(typed) => &*typed.pat,
            pat => pat,
        };
        let Pat::Ident(binding) = pat else {
            return None;
        };
        if binding.by_ref.is_some() || binding.mutability.is_some() || binding.subpat.is_some() {
            return None;
        }
        let Expr::Reference(reference) = &*init.expr else {
            return None;
        };
        let Expr::Path(path) = &*reference.expr else {
            return None;
        };
        let name = path.path.get_ident()?;
        let referent = self.resolve(&name.to_string())?;
        let data = &self.cfg.locals[referent];
        if data.hidden || data.reborrow.is_some() {
            return None;
        }
        Some(Reborrow {
            referent,
            mutable: reference.mutability.is_some(),
            ampersand: reference.and_token.span,
            name: name.span(),
        })
    }

    /// Whether a `let` shadows a local of an enclosing scope (which becomes visible again when
    /// this scope ends, so it must stay nameable at the jumps in between).
    fn shadows_outer_scope(&self, local: &syn::Local) -> bool {
        let plain_value = local
            .init
            .as_ref()
            .is_none_or(|init| init.diverge.is_none() && !scan::looks_like_borrow(&init.expr));
        if !plain_value || self.scopes.len() < 2 {
            return false;
        }
        let pat = match &local.pat {
            Pat::Type(typed) => &*typed.pat,
            pat => pat,
        };
        let innermost = self.scopes.last().expect("a scope");
        scan::bindings(pat).iter().any(|binding| {
            let name = binding.ident.to_string();
            self.resolve(&name)
                .is_some_and(|found| !innermost.contains(&found))
        })
    }

    /// `let x = init;` shadowing an outer `x`: the initialiser is evaluated, then carried into a
    /// new block, where the outer `x` is stored under a hidden name before the new `x` hides it.
    fn lower_shadowing_let(&mut self, local: &syn::Local) {
        let (pat, ty) = match &local.pat {
            Pat::Type(typed) => (&*typed.pat, Some(&*typed.ty)),
            pat => (pat, None),
        };
        let init = local.init.as_ref().expect("checked");
        self.push_scope();
        let value = self.lower_expr(&init.expr);
        let value = self.pop_scope(Some(value)).unwrap_or_default();
        let (join, params) = self.new_join(1);
        let jump = self.jump(join, vec![(params[0], value)], Vec::new(), pat.span());
        self.emit_jump(jump);
        self.switch_to(join);
        let carried = self.local_tokens(params[0]);
        let attrs = &local.attrs;
        let annotation = ty.map(|ty| quote!(: #ty));
        let allow = allow_mut_placeholder(self.cfg.locals.len(), scan::bindings(pat).len());
        // Not `emit`: the pattern's names are not uses of the locals they shadow.
        self.record_uses(&carried);
        self.record_uses(&annotation.to_token_stream());
        self.cfg.blocks[self.cur]
            .code
            .extend(quote!(#allow #(#attrs)* let #pat #annotation = #carried;));
        self.declare_pattern(pat, &let_borrowed_bindings(local));
    }

    fn lower_let(&mut self, local: &syn::Local) {
        let (pat, ty) = match &local.pat {
            Pat::Type(typed) => (&*typed.pat, Some(&*typed.ty)),
            pat => (pat, None),
        };
        let Some(init) = &local.init else { return };
        self.push_scope();
        let value = self.lower_expr(&init.expr);
        let value = self.pop_scope(Some(value)).unwrap_or_default();
        let attrs = &local.attrs;
        let annotation = ty.map(|ty| quote!(: #ty));
        let else_block = match &init.diverge {
            None => None,
            Some((else_token, diverge)) if !self.needs(diverge) => {
                let diverge = self.verbatim_expr(diverge);
                Some(quote!(#else_token #diverge))
            }
            Some((else_token, diverge)) => {
                // An `else` block that suspends or leaves a lowered loop: the `let … else` stays,
                // binding in place (so a binding may borrow the value, `let Some(v) =
                // map.get_mut(&k) else { continue }`), and its `else` jumps to that block,
                // lowered on its own. Before the jump, rustc drops the scrutinee's temporaries,
                // as in Rust.
                let (lowered, _) = self.new_join(0);
                let jump = self.jump(lowered, Vec::new(), Vec::new(), else_token.span);
                let resume = self.cur;
                self.switch_to(lowered);
                self.push_scope();
                self.lower_expr_discard(diverge);
                self.pop_scope(None);
                self.check_diverged(else_token.span);
                self.cur = resume;
                Some(quote!(#else_token { #jump }))
            }
        };
        let allow = allow_mut_placeholder(self.cfg.locals.len(), scan::bindings(pat).len());
        // Before the statement, outside what `append` may wrap in `unsafe` (it parses statements).
        self.cfg.blocks[self.cur].code.extend(quote!(#allow));
        // Not `emit`: the pattern's names are not uses of the locals they shadow.
        self.record_uses(&value);
        self.record_uses(&annotation.to_token_stream());
        self.record_uses(&else_block.to_token_stream());
        self.append(quote!(#(#attrs)* let #pat #annotation = #value #else_block;));
        self.declare_let_pattern(local, pat);
    }

    /// Closes a lowered `else` block of `let ... else`. Rust requires it to diverge, but once
    /// split into states rustc no longer sees the block whole; a fall-through (which rustc would
    /// reject in the original code) panics instead of running on.
    fn check_diverged(&mut self, span: Span) {
        let krate = respan(self.flavour.krate.clone(), span);
        let code = quote_spanned!(span=> #krate::__private::else_did_not_diverge());
        self.emit(allow_unreachable(code));
        self.diverge();
    }

    /// Prepares a pattern whose bindings become params of `target`: gives the pattern with
    /// bindings renamed, the jump arguments, and the locals they are.
    fn bind_pattern_to(
        &mut self,
        target: BlockId,
        pat: &Pat,
        scrutinee: Option<&Expr>,
    ) -> (Pat, Vec<(LocalId, TokenStream)>) {
        if scan::pattern_has_macro(pat) {
            self.errors.push(syn::Error::new(pat.span(), "a macro in this pattern hides its bindings from `#[coroutine]`; write the pattern out"));
        }
        let mut renamed = pat.clone();
        let mut counter = self.fresh;
        let pairs = scan::rename_bindings(&mut renamed, &mut |ident| {
            counter += 1;
            format_ident!(
                "__bound{}_{}",
                counter,
                ident.to_string().trim_start_matches("r#"),
                span = internal()
            )
        });
        self.fresh = counter;
        let parts = scrutinee
            .map(|scrutinee| scan::matched_parts(pat, scrutinee))
            .unwrap_or_default();
        let copied = scan::bindings_under_reference(pat);
        let args = pairs
            .into_iter()
            .map(|(binding, hidden)| {
                let local = self.bound_param(target, &binding);
                // The owned local that the part of the scrutinee this binding matches holds in
                // place, if any. A part inside a tuple or a constructor holds it in place only
                // through a reference: a value there was moved into the scrutinee's temporary.
                let name = scan::unraw(&binding.ident);
                let matched = (parts.iter())
                    .find(|(part, _)| {
                        let bound = scan::bindings(part);
                        bound.iter().any(|b| scan::unraw(&b.ident) == name)
                    })
                    .and_then(|(_, value)| {
                        let whole = scrutinee
                            .is_some_and(|s| std::ptr::eq(*value, scan::without_parens(s)));
                        self.matched_owner(value)
                            .filter(|&(_, through_reference)| whole || through_reference)
                    });
                // A binding into an owned local of the coroutine (`Some(x)` against `&o`,
                // `Some(ref x)` against `o`, `Some(x)` against `Some(&o)`): the check of
                // borrows kept across suspension points reports it if it is.
                if let Some((owner, through_reference)) = matched {
                    let copies = copied.iter().any(|name| binding.ident == name);
                    if binding.by_ref || through_reference && !copies {
                        self.cfg.locals[local].borrows_from = Some(owner);
                    }
                }
                (local, hidden.into_token_stream())
            })
            .collect();
        (renamed, args)
    }

    /// The owned local a scrutinee matches in place: through a reference (`&o`, `&o[..]`,
    /// `o.as_ref()`, `r` with `let r = &o;`), or as a place (`o`, whose `ref` bindings borrow
    /// it). `None` when it matches a value of its own, or a local that may not own its value.
    fn matched_owner(&self, scrutinee: &Expr) -> Option<(LocalId, bool)> {
        let scrutinee = scan::without_parens(scrutinee);
        let (local, through_reference) = match scrutinee {
            Expr::Reference(_) | Expr::MethodCall(_) => (self.borrowed_root(scrutinee)?, true),
            _ => {
                let root = scan::place_root(scrutinee)?;
                (self.resolve(&root.to_string())?, false)
            }
        };
        // Through `r` of `let r = &o;`: what `r` borrows.
        let (owner, through_reference) = match &self.cfg.locals[local].reborrow {
            Some(reborrow) => (reborrow.referent, true),
            None => (local, through_reference),
        };
        self.cfg.locals[owner]
            .owned
            .then_some((owner, through_reference))
    }

    /// Marks as borrows the params of `args` that `pat` binds to borrows when it matches
    /// `scrutinee` (see [`scan::borrowed_bindings`]).
    fn mark_borrowed_bindings(
        &mut self,
        args: &[(LocalId, TokenStream)],
        pat: &Pat,
        scrutinee: &Expr,
    ) {
        let borrowed = scan::borrowed_bindings(pat, scrutinee);
        for (local, _) in args {
            let data = &mut self.cfg.locals[*local];
            data.borrow_like |= borrowed.contains(&scan::unraw(&data.name));
        }
    }

    /// A pattern binding that becomes a param of `target`.
    fn bound_param(&mut self, target: BlockId, binding: &scan::Binding) -> LocalId {
        let local = self
            .cfg
            .new_local(binding.ident.clone(), binding.mutable, false);
        self.cfg.locals[local].borrow_like = binding.by_ref;
        self.cfg.blocks[target].scope.push(local);
        self.cfg.blocks[target].params.push(local);
        local
    }

    // ---- expressions ----------------------------------------------------------------------

    /// Lowers an expression whose value is discarded.
    fn lower_expr_discard(&mut self, expr: &Expr) {
        if !self.needs(expr) {
            let code = self.verbatim_expr(expr);
            self.emit(quote!(#code;));
            return;
        }
        match expr {
            Expr::If(node) => {
                self.lower_if(node, false);
            }
            Expr::Match(node) => {
                self.lower_match(node, false);
            }
            Expr::Block(node) if node.label.is_none() => {
                self.lower_block(&node.block, false);
            }
            Expr::Unsafe(node) => {
                self.enter_unsafe(node.unsafe_token.span);
                self.lower_block(&node.block, false);
                self.unsafe_spans.pop();
            }
            _ => {
                let value = self.lower_expr(expr);
                if self.is_unit_resume_of_current_block(&value) {
                    // `yield_!(v);` resumed with `()`: nothing to drop, and a block that only
                    // jumps on may be skipped by the resume (`Cfg::thread_resumes`).
                    self.cfg.blocks[self.cur].discards_resume = true;
                } else if self.is_hidden_local(&value) {
                    self.emit(quote!(::core::mem::drop(#value);));
                } else {
                    self.emit(quote!(#value;));
                }
            }
        }
    }

    /// Whether `tokens` is the `()` a generator resumed with `()` just received, in the block
    /// that received it, before any code.
    fn is_unit_resume_of_current_block(&self, tokens: &TokenStream) -> bool {
        let block = &self.cfg.blocks[self.cur];
        let Entry::Yield { value, .. } = block.entry else {
            return false;
        };
        crate::signature::is_unit(&self.flavour.resume_ty)
            && block.code.is_empty()
            && self.cfg.locals[value].name == tokens.to_string()
    }

    fn is_hidden_local(&self, tokens: &TokenStream) -> bool {
        let mut iter = tokens.clone().into_iter();
        match (iter.next(), iter.next()) {
            (Some(proc_macro2::TokenTree::Ident(ident)), None) => self
                .resolve(&ident.to_string())
                .is_some_and(|l| self.cfg.locals[l].hidden),
            _ => false,
        }
    }

    fn mark_place_use(&mut self, tokens: &TokenStream) {
        let mut iter = tokens.clone().into_iter();
        if let (Some(proc_macro2::TokenTree::Ident(ident)), None) = (iter.next(), iter.next()) {
            if let Some(local) = self.resolve(&ident.to_string()) {
                if self.cfg.locals[local].hidden {
                    self.place_used.push(local);
                }
            }
        }
    }

    /// Lowers an expression; gives code that evaluates to its value in the current block.
    fn lower_expr(&mut self, expr: &Expr) -> TokenStream {
        if !self.needs(expr) {
            return self.verbatim_expr(expr);
        }
        match expr {
            Expr::Macro(node) => self.lower_macro(&node.mac),
            Expr::Paren(node) => {
                let inner = self.lower_expr(&node.expr);
                quote!((#inner))
            }
            Expr::Group(node) => self.lower_expr(&node.expr),
            Expr::Binary(node) => self.lower_binary(node),
            Expr::Unary(node) => {
                let operand = self.lower_expr(&node.expr);
                let op = &node.op;
                quote!(#op #operand)
            }
            Expr::Cast(node) => {
                let operand = self.lower_expr(&node.expr);
                let ty = &node.ty;
                quote!((#operand as #ty))
            }
            Expr::Reference(node) => {
                let mut operand = self.lower_place(&node.expr);
                // `&mut` of a value that suspends (`&mut yield_!(v)`): the value is in a hidden
                // local, which must be mutable to be borrowed so.
                if node.mutability.is_some() && self.is_hidden_local(&operand) {
                    operand = self.spill_mutable(operand, node.expr.span());
                }
                let and = &node.and_token;
                let mutability = &node.mutability;
                quote!(#and #mutability #operand)
            }
            Expr::Field(node) => {
                let base = self.lower_place(&node.base);
                let member = &node.member;
                quote!(#base.#member)
            }
            Expr::Index(node) => {
                let operands =
                    self.lower_operands(&[&node.expr, &node.index], &[OperandUse::Place]);
                let (base, index) = (&operands[0], &operands[1]);
                quote!(#base[#index])
            }
            Expr::Call(node) => {
                let mut all: Vec<&Expr> = vec![&node.func];
                all.extend(node.args.iter());
                let operands = self.lower_operands(&all, &[]);
                let (func, args) = operands.split_first().expect("callee");
                quote!(#func(#(#args),*))
            }
            Expr::MethodCall(node) => {
                let mut all: Vec<&Expr> = vec![&node.receiver];
                all.extend(node.args.iter());
                // A receiver may be borrowed unless the method is known to consume it.
                let receiver = if scan::method_consumes(&node.method) {
                    OperandUse::Value
                } else {
                    OperandUse::Receiver
                };
                let operands = self.lower_operands(&all, &[receiver]);
                let (receiver, args) = operands.split_first().expect("receiver");
                let method = &node.method;
                let turbofish = &node.turbofish;
                quote!(#receiver.#method #turbofish(#(#args),*))
            }
            Expr::Tuple(node) => {
                let all: Vec<&Expr> = node.elems.iter().collect();
                let operands = self.lower_operands(&all, &[]);
                if operands.len() == 1 {
                    quote!((#(#operands),*,))
                } else {
                    quote!((#(#operands),*))
                }
            }
            Expr::Array(node) => {
                let all: Vec<&Expr> = node.elems.iter().collect();
                let operands = self.lower_operands(&all, &[]);
                quote!([#(#operands),*])
            }
            Expr::Repeat(node) => {
                let value = self.lower_expr(&node.expr);
                let len = &node.len;
                quote!([#value; #len])
            }
            Expr::Struct(node) => {
                let mut all: Vec<&Expr> = node.fields.iter().map(|field| &field.expr).collect();
                if let Some(rest) = &node.rest {
                    all.push(rest);
                }
                let operands = self.lower_operands(&all, &[]);
                let path = &node.path;
                let fields = node.fields.iter().zip(&operands).map(|(field, value)| {
                    let member = &field.member;
                    quote!(#member: #value)
                });
                let rest = node.rest.as_ref().map(|_| {
                    let value = operands.last().expect("rest");
                    quote!(.. #value)
                });
                quote!(#path { #(#fields,)* #rest })
            }
            Expr::Range(node) => {
                let all: Vec<&Expr> = node
                    .start
                    .iter()
                    .chain(node.end.iter())
                    .map(|e| &**e)
                    .collect();
                let operands = self.lower_operands(&all, &[]);
                let mut operands = operands.into_iter();
                let start = node.start.as_ref().map(|_| operands.next().expect("start"));
                let end = node.end.as_ref().map(|_| operands.next().expect("end"));
                let limits = &node.limits;
                quote!((#start #limits #end))
            }
            Expr::Try(node) => {
                // Without the parentheses that `(a + b)?` needs: the operand becomes a call's
                // argument, where they would trip `unused_parens` in the user's code.
                let operand = self.lower_expr(scan::without_parens(&node.expr));
                self.cfg.blocks[self.cur].returns = true;
                self.try_code(operand, node.question_token.span)
            }
            Expr::Return(node) => {
                if let Some(error) = node
                    .expr
                    .as_ref()
                    .and_then(|value| self.returned_borrow_error(value))
                {
                    self.errors.push(error);
                }
                let value = match &node.expr {
                    Some(value) => self.lower_expr(value),
                    None => quote_spanned!(node.return_token.span=> ()),
                };
                let code = self.return_code(value, node.return_token.span);
                self.cfg.blocks[self.cur].returns = true;
                self.emit(code);
                self.diverge();
                quote!(())
            }
            Expr::Break(node) => {
                self.lower_break(node);
                quote!(())
            }
            Expr::Continue(node) => {
                self.lower_continue(node.label.as_ref(), node.continue_token.span);
                quote!(())
            }
            Expr::If(node) => self.lower_if(node, true),
            Expr::Match(node) => self.lower_match(node, true),
            Expr::Block(node) if node.label.is_none() => self.lower_block(&node.block, true),
            Expr::Block(node) => self.lower_labelled_block(node),
            Expr::Unsafe(node) => {
                let span = node.unsafe_token.span;
                self.enter_unsafe(span);
                let value = self.lower_block(&node.block, true);
                self.unsafe_spans.pop();
                // The value may still be an unsafe operation evaluated where it is used.
                quote_spanned!(span=> unsafe { #value })
            }
            Expr::Loop(node) => self.lower_loop(node),
            Expr::While(node) => {
                self.lower_while(node);
                quote!(())
            }
            Expr::ForLoop(node) => {
                self.lower_for(node);
                quote!(())
            }
            Expr::Assign(node) => self.lower_assign(node),
            Expr::Let(node) => {
                self.errors.push(syn::Error::new(
                    node.span(),
                    "`let` is only allowed in the condition of an `if` or `while`",
                ));
                quote!(())
            }
            other => {
                self.errors.push(syn::Error::new(
                    other.span(),
                    "`#[coroutine]` cannot suspend inside this kind of expression; move the `yield_from!`/`yield_!` into a `let` before it",
                ));
                quote!(())
            }
        }
    }

    /// `left = right`, the value evaluated (and any jump it makes taken) before the assignment,
    /// which may then be what its block does first with the local (see `record_kill`).
    fn lower_assign(&mut self, node: &syn::ExprAssign) -> TokenStream {
        let value = self.lower_expr(&node.right);
        let value = self.spill(value, node.right.span());
        let tie = self.record_kill(&node.left, &value);
        let place = self.lower_place(&node.left);
        let mut assigned: Vec<String> = scan::assignees(&node.left)
            .into_iter()
            .map(scan::unraw)
            .collect();
        if assigned.is_empty() {
            assigned.extend(scan::place_root(&node.left).map(ToString::to_string));
        }
        self.mark_assigned(assigned);
        if tie.is_empty() {
            quote!(#place = #value)
        } else {
            quote!({ #place = #value; #tie })
        }
    }

    /// Lowers an expression used as a place (borrowed, or the base of a field or index): a
    /// local place stays a place; a suspending part is lowered; an rvalue stays in place.
    fn lower_place(&mut self, expr: &Expr) -> TokenStream {
        if !self.needs(expr) {
            // A place is borrowed, not moved: only what it evaluates inside may move.
            if scan::place_root(expr).is_some() {
                let mut expr = expr.clone();
                self.rewrite(|rewriter| rewriter.visit_expr_mut(&mut expr));
                return expr.into_token_stream();
            }
            return self.verbatim_expr(expr);
        }
        let value = match expr {
            Expr::Field(node) => {
                let base = self.lower_place(&node.base);
                let member = &node.member;
                quote!(#base.#member)
            }
            Expr::Index(node) => {
                let operands =
                    self.lower_operands(&[&node.expr, &node.index], &[OperandUse::Place]);
                let (base, index) = (&operands[0], &operands[1]);
                quote!(#base[#index])
            }
            Expr::Paren(node) => {
                let inner = self.lower_place(&node.expr);
                quote!((#inner))
            }
            Expr::Unary(node) if matches!(node.op, syn::UnOp::Deref(_)) => {
                let inner = self.lower_expr(&node.expr);
                quote!((*#inner))
            }
            other => self.lower_expr(other),
        };
        self.mark_place_use(&value);
        value
    }

    /// Lowers operands evaluated left to right. Operands before the last suspending one are
    /// spilled into hidden locals, so that they are evaluated before the code of the operands
    /// after them runs, as Rust evaluates them. A plain operand (a local, a field of one...) is
    /// left in place unless that code may change it: nothing else can while the coroutine is
    /// suspended, since no borrow of it crosses a suspension. `uses[i]` says how operand `i` is
    /// used (a [`OperandUse::Value`] if `uses` is shorter).
    fn lower_operands(&mut self, operands: &[&Expr], uses: &[OperandUse]) -> Vec<TokenStream> {
        let last_suspending = operands.iter().rposition(|expr| self.needs(expr));
        let mut out = Vec::new();
        for (index, expr) in operands.iter().enumerate() {
            let usage = uses.get(index).copied().unwrap_or(OperandUse::Value);
            let is_place = usage != OperandUse::Value;
            let must_spill = last_suspending.is_some_and(|last| {
                index < last && {
                    let later = &operands[index + 1..=last];
                    !is_plain(expr) || self.changed_by(expr, usage, later)
                }
            });
            // `let __temp = (a + b);` would trip `unused_parens` on the user's parentheses.
            let expr = match expr {
                Expr::Paren(paren) if must_spill && (!is_place || is_plain(expr)) => &*paren.expr,
                expr => *expr,
            };
            let with_indices_read;
            let expr = match last_suspending {
                Some(last) if index < last && !must_spill => {
                    with_indices_read =
                        self.read_written_indices(expr, &operands[index + 1..=last]);
                    &with_indices_read
                }
                _ => expr,
            };
            let value = if is_place {
                self.lower_place(expr)
            } else {
                self.lower_expr(expr)
            };
            if must_spill {
                if let Some(last) = last_suspending.filter(|_| !is_plain(expr)) {
                    if let Some(error) = self.operand_borrow_error(expr, operands[last]) {
                        self.errors.push(error);
                    }
                }
                let spilled = self.spill(value, expr.span());
                if is_place {
                    self.mark_place_use(&spilled);
                }
                out.push(spilled);
            } else {
                out.push(value);
            }
        }
        out
    }

    /// Whether the plain operand `operand` may read differently once the `later` operands have
    /// run: a value operand whose local they may write, a method called on it included (a
    /// reference is left alone: had they changed what it borrows, Rust would have rejected the
    /// program), or a receiver whose local they write (a method call on it is left alone: had it
    /// borrowed the receiver mutably, Rust would have rejected the program if the receiver is
    /// borrowed, and the macro cannot tell). A borrowed operand is left alone as a reference is.
    /// (An index local they write is read early by [`Lowerer::read_written_indices`] instead.)
    fn changed_by(&self, operand: &Expr, usage: OperandUse, later: &[&Expr]) -> bool {
        let Some(root) = scan::operand_root(operand) else {
            return false;
        };
        match usage {
            OperandUse::Place => false,
            OperandUse::Value => {
                // Read through a reference (`*r`, `(*r).x`) now, as Rust does: left in place,
                // the read would need the reference after the suspension, which a reference into
                // a local of the coroutine cannot cross.
                reads_through_reference(operand)
                    || !matches!(scan::without_parens(operand), Expr::Reference(_))
                        && later.iter().any(|expr| scan::writes_to(expr, root, true))
            }
            OperandUse::Receiver => later.iter().any(|expr| scan::writes_to(expr, root, false)),
            // As a `&x` operand. Read through a reference now only if the reference cannot wait
            // (as `Value` is) or the later operands reassign it: through one the coroutine keeps
            // across suspension points (a parameter, `let r = &s;`) it is read after them, as
            // Rust reads it, and nothing is moved out from behind it (a `String` cannot be).
            OperandUse::Borrowed => {
                reads_through_reference(operand)
                    && (!self.keeps_reference(root)
                        || later.iter().any(|expr| scan::writes_to(expr, root, false)))
            }
        }
    }

    /// Whether the local `name` holds a reference that may live across suspension points: a
    /// whole-local borrow (rebuilt in each state) or one that borrows nothing of the coroutine.
    fn keeps_reference(&self, name: &Ident) -> bool {
        self.resolve(&name.to_string()).is_some_and(|local| {
            let data = &self.cfg.locals[local];
            data.reborrow.is_some() || data.borrows_from.is_none() && !data.closure
        })
    }

    /// A plain operand left in place (`v[i]`, `m[i][j].x`) whose index locals a later operand
    /// may write: each such index is read now into a hidden local, as Rust reads it when it
    /// evaluates the operand, and the place is indexed by that (`pair(v[i], { i += 1; yield_!(i) })`
    /// reads `v` at the old `i`). The place itself stays in place.
    fn read_written_indices(&mut self, operand: &Expr, later: &[&Expr]) -> Expr {
        let mut operand = operand.clone();
        let mut place = &mut operand;
        loop {
            place = match place {
                Expr::Field(node) => &mut node.base,
                Expr::Paren(node) => &mut node.expr,
                Expr::Reference(node) => &mut node.expr,
                Expr::Unary(node) => &mut node.expr,
                Expr::Index(node) => {
                    let written = match &*node.index {
                        Expr::Path(path) => path.path.get_ident().is_some_and(|name| {
                            later.iter().any(|expr| scan::writes_to(expr, name, true))
                        }),
                        _ => false,
                    };
                    if written {
                        let value = self.lower_expr(&node.index);
                        let temp = self.new_temp(value, node.index.span(), false);
                        *node.index = syn::parse_quote!(#temp);
                    }
                    &mut node.expr
                }
                _ => break,
            };
        }
        operand
    }

    /// Evaluates `value` now into a hidden local; gives the local.
    fn spill(&mut self, value: TokenStream, span: Span) -> TokenStream {
        if self.is_hidden_local(&value) {
            return value;
        }
        self.new_temp(value, span, false)
    }

    /// Moves `value` (a hidden local) into a new mutable hidden local, to be borrowed mutably;
    /// gives the new local.
    fn spill_mutable(&mut self, value: TokenStream, span: Span) -> TokenStream {
        let name = self.new_temp(value, span, true);
        self.mark_place_use(&name);
        name
    }

    /// `let [mut] __tempN = value;`, a hidden local declared here; gives its name.
    fn new_temp(&mut self, value: TokenStream, span: Span, mutable: bool) -> TokenStream {
        let mut name = self.hidden_name("temp");
        // Errors about the spilled value point at the user's operand.
        name.set_span(internal().located_at(span));
        let mutability = mutable.then(|| quote!(mut));
        self.emit(quote!(let #mutability #name = #value;));
        self.declare(name.clone(), mutable, true);
        name.into_token_stream()
    }

    fn lower_binary(&mut self, node: &syn::ExprBinary) -> TokenStream {
        use syn::BinOp;
        let op = &node.op;
        match node.op {
            BinOp::And(_) | BinOp::Or(_) if self.needs(&node.right) => {
                // Short-circuit: the right side runs only on one branch.
                let left = self.lower_expr(&node.left);
                let is_and = matches!(node.op, BinOp::And(_));
                let (join, params) = self.new_join(1);
                let (rhs_block, _) = self.new_join(0);
                let to_rhs = self.jump(rhs_block, Vec::new(), Vec::new(), node.span());
                let short_value = if is_and { quote!(false) } else { quote!(true) };
                let to_join = self.jump(
                    join,
                    vec![(params[0], short_value)],
                    Vec::new(),
                    node.span(),
                );
                let cond = if is_and {
                    quote!(#left)
                } else {
                    quote!(!(#left))
                };
                self.emit(quote!(if #cond { #to_rhs } else { #to_join }));
                self.switch_to(rhs_block);
                let right = self.lower_expr(&node.right);
                let to_join = self.jump(
                    join,
                    vec![(params[0], quote!(#right))],
                    Vec::new(),
                    node.span(),
                );
                self.emit_jump(to_join);
                self.switch_to(join);
                self.local_tokens(params[0])
            }
            _ if scan::is_compound_assignment(op) => {
                // The place is evaluated after the right side, as Rust evaluates a primitive
                // compound assignment. A place computed from locals without side effects
                // (`buf[i * 7]`) is the same place either way, unless the right side writes
                // one of those locals.
                let computed_place = || {
                    is_computed_place(&node.left)
                        && !scan::path_idents(&node.left)
                            .iter()
                            .any(|name| scan::writes_to(&node.right, name, true))
                };
                if self.needs(&node.left) || !(is_plain(&node.left) || computed_place()) {
                    self.errors.push(syn::Error::new_spanned(
                        &node.left,
                        "a compound assignment whose right side suspends needs a place on the left that the right side cannot change (a local, a field, or an index computed from locals the right side does not assign: `v[i + 1]`); evaluate the target first with `let`",
                    ));
                }
                let right = self.lower_expr(&node.right);
                let left = self.verbatim_expr(&node.left);
                quote!(#left #op #right)
            }
            _ => {
                let operands = self.lower_operands(&[&node.left, &node.right], &[]);
                let (left, right) = (&operands[0], &operands[1]);
                quote!(#left #op #right)
            }
        }
    }

    fn lower_macro(&mut self, mac: &syn::Macro) -> TokenStream {
        match scan::suspension_of(mac) {
            Some(kind) => self.lower_suspension(kind, mac),
            None => {
                // A suspension in the arguments of another macro (`println!`, `vec!`,
                // `assert_eq!`): lower the arguments like call operands.
                let Some(args) = scan::macro_args(mac) else {
                    self.errors.push(syn::Error::new(
                        mac.span(),
                        "`#[coroutine]` can only lower a suspension inside a macro whose arguments are comma-separated expressions; move the `yield_from!`/`yield_!` into a `let` before it",
                    ));
                    return quote!(());
                };
                if let Some(lowered) = self.lower_assertion(mac, &args) {
                    return lowered;
                }
                if !scan::evaluates_arguments_as_operands(mac) {
                    if let Some(arg) = args.iter().find(|arg| self.suspends(arg)) {
                        let name = scan::macro_name(mac);
                        self.errors.push(syn::Error::new_spanned(
                            arg,
                            format!("a suspension point in the arguments of `{name}!`, a macro the coroutine cannot see into: it may evaluate them later, more than once or not at all (as `log::debug!` or a `macro_rules!` may), so there is no point before it to suspend at; compute the value in a `let` before the macro"),
                        ));
                        return quote!(());
                    }
                }
                let borrowing = scan::is_borrowing_macro(mac);
                let named = |arg| named_argument(arg).filter(|_| borrowing);
                let all: Vec<&Expr> = args
                    .iter()
                    .map(|arg| named(arg).map_or(arg, |(_, _, value)| value))
                    .collect();
                let uses = if scan::is_borrowing_macro(mac) {
                    // `write!(w, ..)` calls a method on its first operand.
                    let destination = matches!(scan::macro_name(mac).as_str(), "write" | "writeln");
                    (0..all.len())
                        .map(|index| match index {
                            0 if destination => OperandUse::Receiver,
                            _ => OperandUse::Borrowed,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let operands = self.lower_operands(&all, &uses);
                let operands = args
                    .iter()
                    .zip(operands)
                    .map(|(arg, operand)| match named(arg) {
                        Some((name, eq, _)) => quote!(#name #eq #operand),
                        None => operand,
                    });
                let path = &mac.path;
                let bang = &mac.bang_token;
                let body = quote!(#(#operands),*);
                match &mac.delimiter {
                    syn::MacroDelimiter::Paren(_) => quote!(#path #bang (#body)),
                    syn::MacroDelimiter::Brace(_) => quote!(#path #bang {#body}),
                    syn::MacroDelimiter::Bracket(_) => quote!(#path #bang [#body]),
                }
            }
        }
    }

    /// Whether `expr` holds a suspension point the lowering will split at.
    fn suspends(&self, expr: &Expr) -> bool {
        scan::find_in_expr(expr, &self.loop_context()).suspends
    }

    /// The assertion macros, lowered as std defines them, where their operands are not all
    /// evaluated at once: `debug_assert*!` evaluates nothing unless debug assertions are on
    /// (`if cfg!(debug_assertions) { assert*!(..) }`), and `assert!` evaluates its message only
    /// when the condition fails (`if !(cond) { panic!(message) }`, the default message naming
    /// the condition as written). A suspension in the message of `assert_eq!`/`assert_ne!` is
    /// an error: lowered as operands, it would run before the comparison, and the comparison's
    /// operands cannot be borrowed across it as the macro does. `None`: not one of these.
    fn lower_assertion(
        &mut self,
        mac: &syn::Macro,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
    ) -> Option<TokenStream> {
        let name = scan::macro_name(mac);
        let span = mac.path.span();
        match name.as_str() {
            "debug_assert" | "debug_assert_eq" | "debug_assert_ne" => {
                let mut assertion = mac.clone();
                let last = assertion.path.segments.last_mut()?;
                last.ident = Ident::new(&name["debug_".len()..], last.ident.span());
                let gated: Expr = syn::parse_quote_spanned! {span=>
                    if ::core::cfg!(debug_assertions) { #assertion; }
                };
                Some(self.lower_expr(&gated))
            }
            "assert" => {
                let cond = args.first()?;
                let message: Vec<&Expr> = args.iter().skip(1).collect();
                let panic: Expr = if message.is_empty() {
                    // The condition's own tokens, printed as `stringify!` prints them: all of
                    // them but a trailing comma (a comma inside the condition, as in
                    // `f::<A, B>(x)`, is not at the end).
                    let mut written: Vec<TokenTree> = mac.tokens.clone().into_iter().collect();
                    if matches!(written.last(), Some(TokenTree::Punct(p)) if p.as_char() == ',') {
                        written.pop();
                    }
                    let written: TokenStream = written.into_iter().collect();
                    let text = format!("assertion failed: {written}");
                    let text = syn::LitStr::new(&text, span);
                    syn::parse_quote_spanned!(span=> ::core::panic!("{}", #text))
                } else {
                    syn::parse_quote_spanned!(span=> ::core::panic!(#(#message),*))
                };
                let lazy: Expr = syn::parse_quote_spanned! {span=>
                    if !(#cond) { #panic; }
                };
                Some(self.lower_expr(&lazy))
            }
            "assert_eq" | "assert_ne" => {
                let message = args.iter().skip(2).find(|arg| self.suspends(arg))?;
                let failed = if name == "assert_eq" {
                    "a != b"
                } else {
                    "a == b"
                };
                self.errors.push(syn::Error::new_spanned(
                    message,
                    format!("a suspension point in the message of `{name}!` would run before the comparison, where `{name}!` evaluates its message only if the assertion fails; compare first and build the message where it fails: `if {failed} {{ let message = ..; panic!(\"{{message}}\") }}`"),
                ));
                Some(quote!(()))
            }
            _ => None,
        }
    }

    /// `f(..)`, `Self::f(..)`, `self.f(..)` or `Box::pin(` one of those `)` where `f` is the
    /// function being lowered: delegating to a new instance of itself, whose type would
    /// contain itself (rustc would say only "cannot resolve opaque type").
    fn calls_itself(&self, operand: &Expr) -> bool {
        let name = &self.flavour.function;
        match operand {
            Expr::Call(call) => match &*call.func {
                Expr::Path(path) => {
                    let segments: Vec<_> = path.path.segments.iter().collect();
                    match segments[..] {
                        [only] => only.ident == *name,
                        [first, last] if first.ident == "Self" => last.ident == *name,
                        [.., box_, pin] if box_.ident == "Box" && pin.ident == "pin" => {
                            call.args.len() == 1 && self.calls_itself(&call.args[0])
                        }
                        _ => false,
                    }
                }
                _ => false,
            },
            Expr::MethodCall(call) => {
                call.method == *name
                    && matches!(&*call.receiver, Expr::Path(path) if path.path.is_ident("self"))
            }
            Expr::Paren(paren) => self.calls_itself(&paren.expr),
            _ => false,
        }
    }

    fn lower_suspension(&mut self, kind: Suspension, mac: &syn::Macro) -> TokenStream {
        let span = mac.path.span();
        let krate = respan(self.flavour.krate.clone(), span);
        let operand = if mac.tokens.is_empty() && kind == Suspension::Yield {
            quote_spanned!(span=> ())
        } else {
            match mac.parse_body::<Expr>() {
                Ok(operand) => {
                    if kind == Suspension::YieldFrom {
                        if let Some(error) = self.awaitee_borrow_error(&operand) {
                            self.errors.push(error);
                        }
                    }
                    if kind == Suspension::YieldFrom && self.calls_itself(&operand) {
                        let name = &self.flavour.function;
                        self.errors.push(syn::Error::new_spanned(
                            &operand,
                            format!("a `#[coroutine]` cannot wait for `{name}(..)` in place: its state would contain itself. Erase its type behind a box, e.g. `let inner: Pin<Box<dyn Future<Output = T>>> = Box::pin({name}(..)); yield_from!(inner)` (`dyn Coroutine<R, Yield = Y, Return = T>` for a generator)"),
                        ));
                    }
                    self.lower_expr(&operand)
                }
                Err(_) => {
                    self.errors.push(syn::Error::new(
                        mac.span(),
                        format!("`{}` takes exactly one expression", kind.name()),
                    ));
                    return quote!(());
                }
            }
        };
        let generator = self.flavour.yield_ty.clone();
        // The hidden local that receives the value stands in the user's code for the macro
        // call, with the span (so the hygiene) of the call's arguments `(..)`: rustc reports a
        // value of the wrong type there, as the user's own expression (no macro-expansion
        // label), and a suggested conversion lands after the call, `yield_from!(f()).into()`.
        let arguments = match &mac.delimiter {
            syn::MacroDelimiter::Paren(delimiter) => delimiter.span.join(),
            syn::MacroDelimiter::Brace(delimiter) => delimiter.span.join(),
            syn::MacroDelimiter::Bracket(delimiter) => delimiter.span.join(),
        };
        let mut value_name = self.hidden_name("resumed");
        value_name.set_span(arguments);
        let value = self.cfg.new_local(value_name.clone(), false, true);
        match (kind, generator) {
            (Suspension::Yield, None) => {
                self.errors.push(syn::Error::new(
                    span,
                    "`yield_!` needs a generator: write `#[coroutines::coroutine(yield = Type)]` (an async coroutine suspends with `yield_from!` only)",
                ));
                quote!(())
            }
            (Suspension::Yield, Some(yield_ty)) => {
                let resume = self
                    .cfg
                    .new_block(Entry::Yield { value, span }, self.visible());
                let yielded = Ident::new("__yielded", internal());
                let returned = quote!(#krate::__private::State::Yielded(#yielded));
                let jump = allow_unreachable(self.jump_kind(
                    resume,
                    Vec::new(),
                    Vec::new(),
                    span,
                    JumpKind::Suspend(returned),
                ));
                let yield_span = mac.tokens.span();
                self.emit(quote_spanned! {yield_span=>
                    {
                        let #yielded: #yield_ty = #operand;
                        #jump
                    }
                });
                self.cur = resume;
                self.cfg.blocks[resume].decls.push(value);
                self.scopes.last_mut().expect("a scope").push(value);
                value_name.into_token_stream()
            }
            (Suspension::YieldFrom, generator) => {
                let delegate = self
                    .cfg
                    .new_block(Entry::Delegate { value, span }, self.visible());
                let awaitee = Ident::new("__awaitee", internal());
                let jump = allow_unreachable(self.jump_kind(
                    delegate,
                    Vec::new(),
                    Vec::new(),
                    span,
                    JumpKind::Enter(awaitee.to_token_stream()),
                ));
                let convert = if generator.is_some() {
                    let resume_ty = &self.flavour.resume_ty;
                    // The operand is passed through a call spanned at the `yield_from!`, where the
                    // poll of the delegated generator checks the same bound: rustc reports a
                    // generator of the wrong type once, there (it blames a failed bound on the
                    // argument).
                    quote_spanned!(span=> #krate::ops::Delegate::<#resume_ty, #generator>::into_delegate(::core::convert::identity(#operand)))
                } else {
                    quote_spanned!(span=> #krate::__private::into_awaitee(#operand))
                };
                // The witness of the awaitee's type gets its type here, where the awaitee is
                // created: the in-place poll, which comes first in the text, reads the awaitee
                // through it (see `Emitter::polls`).
                let awaitee_type = crate::emit::awaitee_type(delegate);
                let convert = quote_spanned!(span=> #awaitee_type.witness(#convert));
                self.emit(quote! {
                    {
                        let #awaitee = #convert;
                        #jump
                    }
                });
                self.cur = delegate;
                self.cfg.blocks[delegate].decls.push(value);
                self.scopes.last_mut().expect("a scope").push(value);
                value_name.into_token_stream()
            }
        }
    }

    fn try_code(&self, operand: TokenStream, span: Span) -> TokenStream {
        // Errors about `?` point at the `?`, not at the attribute.
        let krate = &respan(self.flavour.krate.clone(), span);
        let residual = Ident::new("__residual", internal());
        let output = Ident::new("__output", internal());
        // rustc blames a failed bound on the argument that names the trait's parameter; a
        // hygienic name comes from the expansion's own syntax context and would be blamed at
        // the attribute, so the argument is a call spanned at the user's `?`.
        let ret = self.return_code(
            quote_spanned!(span=> #krate::ops::FromResidual::from_residual(::core::convert::identity(#residual))),
            span,
        );
        // The operand goes through a call spanned at the `?` as well: a value `?` cannot apply
        // to is then reported once, at the `?` (the `match` checks the same bound there).
        let matched = quote_spanned! {span=>
            match #krate::ops::Try::branch(::core::convert::identity(#operand)) {
                ::core::ops::ControlFlow::Continue(#output) => #output,
                ::core::ops::ControlFlow::Break(#residual) => #ret,
            }
        };
        // Parenthesised so that `x?.method()` and `x? + 1` keep their meaning wherever the
        // `match` lands (at the start of a statement, a `match` would end the expression).
        parenthesized(matched)
    }

    // ---- control flow ---------------------------------------------------------------------

    fn find_loop(
        &mut self,
        label: Option<&syn::Lifetime>,
        is_continue: bool,
        span: Span,
    ) -> Option<usize> {
        let found = match label {
            Some(label) => {
                let name = label.ident.to_string();
                self.loops
                    .iter()
                    .rposition(|frame| frame.label.as_deref() == Some(name.as_str()))
            }
            None => self
                .loops
                .iter()
                .rposition(|frame| frame.continue_to.is_some()),
        };
        match found {
            Some(index) if is_continue && self.loops[index].continue_to.is_none() => {
                self.errors.push(syn::Error::new(
                    span,
                    "`continue` cannot target a labelled block",
                ));
                None
            }
            None => {
                self.errors.push(syn::Error::new(
                    span,
                    "`break`/`continue` outside of a loop",
                ));
                None
            }
            found => found,
        }
    }

    fn lower_break(&mut self, node: &syn::ExprBreak) {
        let value = node.expr.as_ref().map(|value| self.lower_expr(value));
        let span = node.break_token.span;
        if let Some((jump, discarded)) = self.loop_exit(node.label.as_ref(), value, false, span) {
            if let Some(value) = discarded {
                self.emit(quote!(#value;));
            }
            self.emit_jump(jump);
        }
        self.diverge();
    }

    fn lower_continue(&mut self, label: Option<&syn::Lifetime>, span: Span) {
        if let Some((jump, _)) = self.loop_exit(label, None, true, span) {
            self.emit_jump(jump);
        }
        self.diverge();
    }

    /// The jump of a `break` (carrying `value`) or `continue` out of the lowered loop or
    /// labelled block `label` names, with the value it cannot carry (reported: a `break` with a
    /// value from a `while` or `for`), to evaluate anyway. `None` if there is no such loop
    /// (reported).
    fn loop_exit(
        &mut self,
        label: Option<&syn::Lifetime>,
        value: Option<TokenStream>,
        is_continue: bool,
        span: Span,
    ) -> Option<(TokenStream, Option<TokenStream>)> {
        let index = self.find_loop(label, is_continue, span)?;
        let frame = &self.loops[index];
        if is_continue {
            let to = frame.continue_to.expect("loop");
            return Some((self.jump(to, Vec::new(), Vec::new(), span), None));
        }
        let (to, param) = (frame.break_to, frame.value);
        let (args, discarded) = match (param, value) {
            (Some(param), Some(value)) => (vec![(param, value)], None),
            (Some(param), None) => (vec![(param, quote!(()))], None),
            (None, Some(value)) => {
                // rustc's E0571, which the lowered loop no longer lets rustc see.
                let keyword = frame.keyword;
                self.errors.push(syn::Error::new(
                    span,
                    format!("`break` with value from a `{keyword}` loop: only `loop` and labelled blocks can break with a value"),
                ));
                (Vec::new(), Some(value))
            }
            (None, None) => (Vec::new(), None),
        };
        Some((self.jump(to, args, Vec::new(), span), discarded))
    }

    /// A `break`/`continue` of a lowered loop inside verbatim code (see
    /// [`Self::exits_in_place`]): the jump, in place. The code around it may hold temporaries
    /// and bindings the lowering does not know of, so the jump opens a region of its own: its
    /// target is never inlined there (see [`crate::cfg::Jump::regions`]).
    fn loop_exit_in_place(
        &mut self,
        label: Option<&syn::Lifetime>,
        value: Option<TokenStream>,
        is_continue: bool,
        span: Span,
    ) -> TokenStream {
        self.regions.push(self.opened_regions);
        self.opened_regions += 1;
        let exit = self.loop_exit(label, value, is_continue, span);
        self.close_regions(1);
        match exit {
            Some((jump, None)) => jump,
            Some((jump, Some(value))) => quote!({ #value; #jump }),
            None => quote!(()),
        }
    }

    /// Binds `value`, which may diverge, to a hidden name in the current block, and gives that
    /// name (located at `span`, where rustc's errors about its type point): bound by a `let`, a
    /// diverging value takes the type the code after it needs, or `()` if none, as a block that
    /// diverges does in Rust; and clippy, which flags a diverging value inside another
    /// expression (a jump's state), can be told not to.
    fn bind_diverging_value(&mut self, value: TokenStream, span: Span) -> TokenStream {
        let mut name = self.hidden_name("tail");
        name.set_span(name.span().located_at(span));
        self.append(quote! {
            #[allow(unreachable_code, clippy::diverging_sub_expression)]
            let #name = #value;
        });
        name.into_token_stream()
    }

    /// A block in value or statement position.
    fn lower_block(&mut self, block: &syn::Block, want_value: bool) -> TokenStream {
        self.push_scope();
        let tail = self.lower_stmts(&block.stmts, want_value);
        let value = if want_value {
            // After a `return`, `break` or `continue` the block has no value: what would use
            // one never runs (see `Block::dead_from`), and gets a diverging one, of the type it
            // needs (`f({ yield_!(1); return 2; })`).
            let diverged = self.cfg.blocks[self.cur].dead_from.is_some();
            let krate = self.flavour.krate.clone();
            Some(tail.unwrap_or_else(|| match diverged {
                true => {
                    let value = quote!(#krate::__private::unreachable_state());
                    self.bind_diverging_value(value, internal())
                }
                false => quote!(()),
            }))
        } else {
            if let Some(tail) = tail {
                self.emit(quote!(#tail;));
            }
            None
        };
        self.pop_scope(value).unwrap_or_else(|| quote!(()))
    }

    fn lower_labelled_block(&mut self, node: &syn::ExprBlock) -> TokenStream {
        let label = node
            .label
            .as_ref()
            .expect("labelled")
            .name
            .ident
            .to_string();
        let (exit, params) = self.new_join(1);
        self.loops.push(LoopFrame {
            keyword: "block",
            label: Some(label),
            break_to: exit,
            continue_to: None,
            value: Some(params[0]),
        });
        let value = self.lower_block(&node.block, true);
        let jump = self.jump(exit, vec![(params[0], value)], Vec::new(), node.span());
        self.emit_jump(jump);
        self.loops.pop();
        self.switch_to(exit);
        self.local_tokens(params[0])
    }

    /// Lowers a branch target: the block, then a jump to `join` carrying its value.
    fn lower_branch_body(&mut self, body: &Expr, join: BlockId, param: Option<LocalId>) {
        // A body kept as written (it neither suspends nor leaves a lowered loop) runs whole
        // where it stands: what it certainly assigns first is killed, as by a statement.
        let found = scan::find_in_expr(body, &self.loop_context());
        let ties = if !found.suspends && !found.leaves_lowered_loop {
            self.record_first_values(body, |_| true, true)
        } else {
            TokenStream::new()
        };
        let value = self.lower_expr(body);
        let args = match param {
            Some(param) if ties.is_empty() => vec![(param, value)],
            Some(param) => {
                let branch_value = Ident::new("__branch_value", internal());
                self.emit(quote!(let #branch_value = #value; #ties));
                vec![(param, branch_value.into_token_stream())]
            }
            None => {
                if !value.is_empty() && value.to_string() != "()" {
                    self.emit(quote!(#value;));
                }
                self.emit(ties);
                Vec::new()
            }
        };
        if scan::never_completes(body) {
            // (Its code is kept as written, the `break` in place: the jump to the join follows
            // it and never runs.)
            self.mark_dead_from_here();
        }
        let jump = self.jump(join, args, Vec::new(), body.span());
        self.emit_jump(jump);
    }

    /// An inline branch (no suspension): its verbatim code, as the arm of a construct whose
    /// value [`Self::append_then_join`] carries to the join (discarded when there is no `param`).
    /// The guarded code of an `if` is a block already, as `if` needs.
    fn inline_branch(&mut self, body: &Expr, param: Option<LocalId>) -> TokenStream {
        let ties = self.declaring_branch_ties(body);
        let value = self.verbatim_expr(body);
        match param {
            Some(_) if ties.is_empty() => value,
            Some(_) => {
                let branch_value = Ident::new("__branch_value", internal());
                quote!({ let #branch_value = #value; #ties #branch_value })
            }
            None => quote!({ #value; #ties }),
        }
    }

    /// The type ties to follow an inline branch that gives locals declared without a value
    /// their first value on every path (`if c { n = 1 } else { .. }` where the `else`
    /// suspends), as after an assignment statement: in the block that declares them, so that
    /// the bindings declared afresh after a suspension get the same type; in another, a `mut`
    /// one gets a late kill (see `Block::late_kills`), which stands if the jumps that do not
    /// follow the branch's assignment do not need its old value (a loop's `else { break }`).
    fn declaring_branch_ties(&mut self, body: &Expr) -> TokenStream {
        let here = self.cur;
        let mut ties = TokenStream::new();
        for (ident, local) in self.first_values_in(body, false) {
            let declared = self.cfg.locals[local].declared_uninit;
            if declared == Some(here) {
                ties.extend(self.record_first_assignment(&ident, false, false));
            } else if self.cfg.locals[local].mutable {
                // (After a branch that ends by leaving, the tie never runs.)
                let tie = self.record_first_assignment(&ident, false, false);
                if !tie.is_empty() {
                    ties.extend(allow_unreachable(tie));
                }
            }
        }
        ties
    }

    /// Appends `construct` (a `match` or `if` whose inline branches give its value and whose
    /// other branches jump away), then the jump to `join` carrying that value in `param`. The
    /// jump comes after the construct, not inside its branches: there a pattern's binding may
    /// hide a local the jump carries (`Some(sum) => ..` beside a local `sum`).
    fn append_then_join(
        &mut self,
        construct: TokenStream,
        join: BlockId,
        param: Option<LocalId>,
        span: Span,
    ) {
        let value = Ident::new("__branch_value", internal());
        let args = param.map(|param| vec![(param, value.to_token_stream())]);
        let jump = self.jump(join, args.unwrap_or_default(), Vec::new(), span);
        self.append(match param {
            Some(_) => quote!(#[allow(unreachable_code)] let #value = #construct;),
            None => quote!(#construct;),
        });
        self.emit_jump(jump);
    }

    fn lower_if(&mut self, node: &syn::ExprIf, want_value: bool) -> TokenStream {
        let (join, params) = self.new_join(usize::from(want_value));
        let param = params.first().copied();
        let then_expr = block_expr(&node.then_branch);
        // The condition's bindings are visible in the `then` branch only.
        self.push_scope();
        let (else_block, _) = self.new_join(0);
        let opened = self.lower_guarded(&node.cond, &then_expr, join, param, else_block);
        self.close_regions(opened);
        self.scopes.pop();
        self.switch_to(else_block);
        match &node.else_branch {
            Some((_, else_expr)) => self.lower_branch_body(else_expr, join, param),
            None => {
                let args = param.map(|p| vec![(p, quote!(()))]).unwrap_or_default();
                let jump = self.jump(join, args, Vec::new(), node.span());
                self.emit_jump(jump);
            }
        }
        self.switch_to(join);
        param.map_or_else(|| quote!(()), |p| self.local_tokens(p))
    }

    /// Lowers `body` guarded by `cond`, then a jump to `join` carrying the body's value in
    /// `param`; `on_false` is where a failed condition goes. Gives how many scrutinee regions
    /// were opened.
    fn lower_guarded(
        &mut self,
        cond: &Expr,
        body: &Expr,
        join: BlockId,
        param: Option<LocalId>,
        on_false: BlockId,
    ) -> usize {
        if self.needs_under(body, cond) {
            let (on_true, _) = self.new_join(0);
            let opened = self.lower_condition(cond, on_true, on_false);
            self.switch_to(on_true);
            self.lower_branch_body(body, join, param);
            opened
        } else {
            let then = InlineThen { body, join, param };
            self.lower_condition_inline(cond, Vec::new(), &then, on_false)
        }
    }

    /// Lowers a condition whose guarded code does not suspend: the conditions up to the last
    /// one that suspends become jumps, as in [`Self::lower_condition`]; the last one is tested
    /// in place, with the conditions after it and the guarded code inside its `match` (or
    /// `if`), so that its scrutinee's temporaries live through them as in Rust
    /// (`if let Some(v) = &mut Some(yield_!(x)) { *v += 1 }`). `rest` holds the conditions
    /// after `cond`, in order. Gives how many scrutinee regions were opened.
    fn lower_condition_inline<'c>(
        &mut self,
        cond: &'c Expr,
        mut rest: Vec<&'c Expr>,
        then: &InlineThen,
        on_false: BlockId,
    ) -> usize {
        match cond {
            Expr::Binary(node) if matches!(node.op, syn::BinOp::And(_)) && contains_let(cond) => {
                if self.needs_under(&node.right, &node.left) {
                    let (middle, _) = self.new_join(0);
                    let opened = self.lower_condition(&node.left, middle, on_false);
                    self.switch_to(middle);
                    opened + self.lower_condition_inline(&node.right, rest, then, on_false)
                } else {
                    rest.insert(0, &node.right);
                    self.lower_condition_inline(&node.left, rest, then, on_false)
                }
            }
            _ => {
                let (tested, pat) = match cond {
                    Expr::Let(node) => (self.lower_expr(&node.expr), Some(&*node.pat)),
                    _ => (self.lower_expr(cond), None),
                };
                self.record_uses(&tested);
                // The code in place sees the bindings of the patterns, not the locals they shadow.
                self.arm_bindings =
                    scan::binding_names(pat.into_iter().chain(rest.iter().filter_map(|part| {
                        match part {
                            Expr::Let(node) => Some(&*node.pat),
                            _ => None,
                        }
                    })));
                // The jumps to `on_false` run after conditions, never after the body.
                let after_test = self.assigned_on_path();
                let body = self.inline_branch_noting_first_value(then.body, then.param);
                self.forget_assignments_in_ended_branches(then.body, &after_test);
                let after_body = self.assigned_on_path();
                let assigned_by_body = self.branch_assigns(then.body);
                let inner = if rest.is_empty() {
                    body
                } else {
                    self.branch_from(&after_test);
                    let rest: Vec<_> = rest.iter().map(|part| self.verbatim_expr(part)).collect();
                    let to_false = self.jump(on_false, Vec::new(), Vec::new(), cond.span());
                    quote!({ if #(#rest)&&* #body else { #to_false } })
                };
                self.record_uses(&inner);
                self.arm_bindings.clear();
                let conditions = self.assigned_on_path();
                self.branch_from(&after_test);
                let to_false = self.jump(on_false, Vec::new(), Vec::new(), cond.span());
                // (What the body assigns only where it never ends, breaking or returning, is out
                // of `after_body` already.)
                self.branch_from(&(&after_body | &conditions));
                let construct = match pat {
                    Some(pat) => quote!(match #tested { #pat => #inner, _ => #to_false }),
                    None => quote!(if #tested #inner else { #to_false }),
                };
                // The jump to the join follows the body, if it ends.
                self.assigned_before_next_jump(&assigned_by_body);
                if scan::never_completes(then.body) {
                    self.mark_dead_from_here();
                }
                self.append_then_join(construct, then.join, then.param, then.body.span());
                0
            }
        }
    }

    /// Lowers a condition (with `let` and `&&` chains) into jumps to `on_true`/`on_false`.
    /// Bindings of `let` conditions are declared as params of the blocks they lead to. The
    /// `on_true` block belongs in the scrutinee regions of the `let`s (their temporaries live
    /// through it): gives how many were opened, for the caller to close after lowering it.
    fn lower_condition(&mut self, cond: &Expr, on_true: BlockId, on_false: BlockId) -> usize {
        match cond {
            Expr::Let(node) => {
                if let Some(error) = self.temporary_borrow_error(&node.expr, &node.pat) {
                    self.errors.push(error);
                }
                let scrutinee = self.lower_expr(&node.expr);
                let (renamed, args) = self.bind_pattern_to(on_true, &node.pat, Some(&node.expr));
                self.mark_borrowed_bindings(&args, &node.pat, &node.expr);
                let opened = self.open_region(&node.expr, &scrutinee);
                self.cfg.blocks[on_true].regions = self.regions.clone();
                let to_true = self.jump(on_true, args, Vec::new(), node.span());
                let to_false = self.jump(on_false, Vec::new(), Vec::new(), node.span());
                self.emit(quote!(match #scrutinee { #renamed => #to_true, _ => #to_false }));
                opened
            }
            Expr::Binary(node) if matches!(node.op, syn::BinOp::And(_)) && contains_let(cond) => {
                let (middle, _) = self.new_join(0);
                let left = self.lower_condition(&node.left, middle, on_false);
                self.switch_to(middle);
                // The left side's bindings stay visible in the `then` branch, not in `else`.
                let carried = self.cfg.blocks[middle].params.clone();
                self.cfg.blocks[on_true].scope.extend(carried);
                left + self.lower_condition(&node.right, on_true, on_false)
            }
            _ => {
                let value = self.lower_expr(cond);
                self.cfg.blocks[on_true].regions = self.regions.clone();
                let to_true = self.jump(on_true, Vec::new(), Vec::new(), cond.span());
                let to_false = self.jump(on_false, Vec::new(), Vec::new(), cond.span());
                self.emit(quote!(if #value { #to_true } else { #to_false }));
                0
            }
        }
    }

    fn lower_match(&mut self, node: &syn::ExprMatch, want_value: bool) -> TokenStream {
        let scrutinee = self.lower_expr(&node.expr);
        let (join, params) = self.new_join(usize::from(want_value));
        let param = params.first().copied();
        let mut arms = Vec::new();
        let mut lowered_arms = Vec::new();
        let mut inline_arms = false;
        self.record_uses(&scrutinee);
        let opened = self.open_region(&node.expr, &scrutinee);
        // Each arm runs after the guards tested before it, not after the other arms' bodies.
        let mut after_guards = self.assigned_on_path();
        let mut after_inline_arms = BTreeSet::new();
        // What every inline arm assigns: the join after the `match` follows one of them.
        let mut assigned_by_inline_arms: Option<BTreeSet<LocalId>> = None;
        for arm in &node.arms {
            self.branch_from(&after_guards);
            self.arm_bindings = scan::binding_names([&arm.pat]);
            if let Some((_, guard)) = &arm.guard {
                if self.needs(guard) {
                    self.errors.push(syn::Error::new(
                        guard.span(),
                        "a match guard cannot suspend; bind the value with `let` before the `match`, or move the test into the arm",
                    ));
                }
            }
            let attrs = &arm.attrs;
            if !self.needs(&arm.body) {
                let guard = arm.guard.as_ref().map(|(if_token, guard)| {
                    let guard = self.verbatim_expr(guard);
                    quote!(#if_token #guard)
                });
                let pat = &arm.pat;
                after_guards = self.assigned_on_path();
                let body = self.inline_branch_noting_first_value(&arm.body, param);
                self.forget_assignments_in_ended_branches(&arm.body, &after_guards);
                after_inline_arms.extend(self.assigned_on_path());
                // An arm that never ends (it breaks, say) does not lead to the join: it takes no
                // part in what every arm that does assigns.
                if !scan::never_completes(&arm.body) {
                    let assigned = self.branch_assigns(&arm.body);
                    assigned_by_inline_arms = Some(match assigned_by_inline_arms {
                        Some(before) => &before & &assigned,
                        None => assigned,
                    });
                }
                let arm_code = quote!(#(#attrs)* #pat #guard => #body,);
                self.record_uses(&arm_code);
                arms.push(arm_code);
                inline_arms = true;
                continue;
            }
            if let Some(error) = self.temporary_borrow_error(&node.expr, &arm.pat) {
                self.errors.push(error);
            }
            let (target, _) = self.new_join(0);
            let (hidden_pat, hidden_args) =
                self.bind_pattern_to(target, &arm.pat, Some(&node.expr));
            self.mark_borrowed_bindings(&hidden_args, &arm.pat, &node.expr);
            // A guard refers to the bindings by name. Where one hides a local (which the jump
            // to the arm may carry), the guard's mentions of them are renamed too, so that the
            // bindings can be hidden as without a guard.
            let guard = arm.guard.as_ref().map(|(_, guard)| {
                let renames: Vec<(String, Ident)> = (hidden_args.iter())
                    .map(|(local, hidden)| {
                        let hidden = syn::parse2(hidden.clone()).expect("a hidden binding");
                        (self.cfg.locals[*local].name.to_string(), hidden)
                    })
                    .collect();
                let hides = renames.iter().any(|(name, _)| self.resolve(name).is_some());
                let renamed = hides.then(|| scan::rename_in_guard(guard, &renames));
                renamed.flatten().ok_or(guard)
            });
            let (pat, args, bound, guard) = match guard {
                Some(Err(named)) => {
                    let args: Vec<_> = (hidden_args.into_iter())
                        .map(|(local, _)| (local, self.cfg.locals[local].name.to_token_stream()))
                        .collect();
                    let bound = args.iter().map(|(local, _)| *local).collect();
                    (arm.pat.clone(), args, bound, Some((**named).clone()))
                }
                Some(Ok(renamed)) => (hidden_pat, hidden_args, Vec::new(), Some(renamed)),
                None => (hidden_pat, hidden_args, Vec::new(), None),
            };
            let guard = arm.guard.as_ref().zip(guard).map(|((if_token, _), guard)| {
                let guard = self.verbatim_expr(&guard);
                quote!(#if_token #guard)
            });
            let jump = self.jump(target, args, bound, arm.pat.span());
            after_guards = self.assigned_on_path();
            let arm_code = quote!(#(#attrs)* #pat #guard => #jump,);
            self.record_uses(&arm_code);
            arms.push(arm_code);
            lowered_arms.push((target, &arm.body));
        }
        self.arm_bindings.clear();
        self.branch_from(&(&after_guards | &after_inline_arms));
        // Uses were recorded arm by arm, without the arms' own bindings.
        let matched = quote!(match #scrutinee { #(#arms)* });
        if inline_arms {
            // The join comes after the `match`, whose scrutinee's temporaries are dropped then.
            let regions = self.regions.clone();
            self.close_regions(opened);
            // Every inline arm may leave by a jump of its own: no arm's end leads to the join.
            match assigned_by_inline_arms {
                Some(assigned) => self.assigned_before_next_jump(&assigned),
                None => self.mark_dead_from_here(),
            }
            self.append_then_join(matched, join, param, node.span());
            self.regions = regions;
        } else {
            self.append(matched);
        }
        for (target, body) in lowered_arms {
            self.push_scope();
            self.switch_to(target);
            self.lower_branch_body(body, join, param);
            self.scopes.pop();
        }
        self.close_regions(opened);
        self.switch_to(join);
        param.map_or_else(|| quote!(()), |p| self.local_tokens(p))
    }

    fn lower_loop(&mut self, node: &syn::ExprLoop) -> TokenStream {
        let (exit, params) = self.new_join(1);
        let (head, _) = self.new_join(0);
        let enter = self.jump(head, Vec::new(), Vec::new(), node.loop_token.span);
        self.emit_jump(enter);
        self.switch_to(head);
        self.loops.push(LoopFrame {
            keyword: "loop",
            label: node
                .label
                .as_ref()
                .map(|label| label.name.ident.to_string()),
            break_to: exit,
            continue_to: Some(head),
            value: Some(params[0]),
        });
        self.lower_block(&node.body, false);
        let back = self.jump(head, Vec::new(), Vec::new(), node.loop_token.span);
        self.emit_jump(back);
        self.loops.pop();
        self.switch_to(exit);
        self.local_tokens(params[0])
    }

    fn lower_while(&mut self, node: &syn::ExprWhile) {
        let (exit, _) = self.new_join(0);
        let (head, _) = self.new_join(0);
        let enter = self.jump(head, Vec::new(), Vec::new(), node.while_token.span);
        self.emit_jump(enter);
        self.switch_to(head);
        self.loops.push(LoopFrame {
            keyword: "while",
            label: node
                .label
                .as_ref()
                .map(|label| label.name.ident.to_string()),
            break_to: exit,
            continue_to: Some(head),
            value: None,
        });
        self.push_scope();
        let body = block_expr(&node.body);
        let opened = self.lower_guarded(&node.cond, &body, head, None, exit);
        self.close_regions(opened);
        self.scopes.pop();
        self.loops.pop();
        self.cur = exit;
    }

    fn lower_for(&mut self, node: &syn::ExprForLoop) {
        let iterable = self.lower_expr(&node.expr);
        let borrowed = scan::looks_like_borrow(&node.expr);
        // The iterator lives in a scope around the loop and is dropped when it ends.
        self.push_scope();
        let mut iter = self.hidden_name("iter");
        // Errors about the loop's iterator point at what it iterates over.
        iter.set_span(internal().located_at(node.expr.span()));
        let span = node.for_token.span;
        self.emit(quote_spanned!(span=> let mut #iter = ::core::iter::IntoIterator::into_iter(#iterable);));
        // The iterator the loop keeps holds what the innermost one borrows.
        let iter_root = self.borrowed_root(scan::without_iterator_adapters(&node.expr));
        let iter_local = self.declare(iter.clone(), true, true);
        self.cfg.locals[iter_local].moved = false;
        // A range of integers has no destructor either.
        self.cfg.locals[iter_local].drop_free = scan::is_integer_range(&node.expr);
        self.cfg.locals[iter_local].borrows_from = iter_root;
        self.cfg.locals[iter_local].borrowed_by = Some(node.expr.to_token_stream());
        self.place_used.push(iter_local);
        let outer = self.scopes.pop().expect("scope");
        let (exit, _) = self.new_join(0);
        self.scopes.push(outer);
        let (head, _) = self.new_join(0);
        let enter = self.jump(head, Vec::new(), Vec::new(), span);
        self.emit_jump(enter);
        self.switch_to(head);
        self.loops.push(LoopFrame {
            keyword: "for",
            label: node
                .label
                .as_ref()
                .map(|label| label.name.ident.to_string()),
            break_to: exit,
            continue_to: Some(head),
            value: None,
        });
        let (body, _) = self.new_join(0);
        let (pat, args) = self.bind_pattern_to(body, &node.pat, None);
        if borrowed {
            for (local, _) in &args {
                self.cfg.locals[*local].borrow_like = true;
            }
        }
        // `for i in 0..n`: a range with an integer literal bound yields integers.
        if scan::is_integer_range(&node.expr) {
            if let Pat::Ident(_) = &*node.pat {
                for (local, _) in &args {
                    self.cfg.locals[*local].drop_free = true;
                }
            }
        }
        let to_body = self.jump(body, args, Vec::new(), node.pat.span());
        let to_exit = self.jump(exit, Vec::new(), Vec::new(), span);
        self.emit(
            quote_spanned!(span=> match ::core::iter::Iterator::next(&mut #iter) {
                ::core::option::Option::Some(#pat) => #to_body,
                ::core::option::Option::None => #to_exit,
            }),
        );
        self.push_scope();
        self.switch_to(body);
        self.lower_block(&node.body, false);
        let back = self.jump(head, Vec::new(), Vec::new(), span);
        self.emit_jump(back);
        self.scopes.pop();
        self.loops.pop();
        self.scopes.pop();
        self.cur = exit;
    }

    // ---- verbatim code ----------------------------------------------------------------------

    /// A statement without suspension: emitted as written, except for `return`, `?` and the
    /// body's `self`.
    fn verbatim_stmt(&mut self, stmt: &Stmt) -> TokenStream {
        let (mut free, mut moved, mut assigned) = (Vec::new(), Vec::new(), Vec::new());
        let binds = scan::free_mentions_stmt(stmt, &mut free);
        scan::possibly_moved_stmt(stmt, &mut moved);
        scan::assigned_stmt(stmt, &mut assigned);
        self.record_verbatim(free, binds, || stmt.to_token_stream(), moved, assigned);
        let mut stmt = stmt.clone();
        self.rewrite(|rewriter| rewriter.visit_stmt_mut(&mut stmt));
        stmt.into_token_stream()
    }

    fn verbatim_expr(&mut self, expr: &Expr) -> TokenStream {
        let (mut free, mut moved, mut assigned) = (Vec::new(), Vec::new(), Vec::new());
        let binds = scan::free_mentions_expr(expr, &mut free);
        scan::possibly_moved(expr, &mut moved);
        scan::assigned_expr(expr, &mut assigned);
        self.record_verbatim(free, binds, || expr.to_token_stream(), moved, assigned);
        let mut expr = expr.clone();
        self.rewrite(|rewriter| rewriter.visit_expr_mut(&mut expr));
        expr.into_token_stream()
    }

    fn enter_unsafe(&mut self, span: Span) {
        self.unsafe_spans.push(span);
        self.lowered_unsafe = true;
    }

    /// Inside a lowered `unsafe` block: the statements of `code`, each made unsafe again (a
    /// `let` keeps its bindings outside; only its initialiser is wrapped).
    fn wrap_unsafe(&self, code: TokenStream) -> TokenStream {
        let Some(&span) = self.unsafe_spans.last() else {
            return code;
        };
        let Ok(stmts) = syn::parse::Parser::parse2(syn::Block::parse_within, code.clone()) else {
            return code;
        };
        let mut out = TokenStream::new();
        for stmt in stmts {
            match stmt {
                Stmt::Local(mut local) => {
                    if let Some(init) = &mut local.init {
                        let expr = &init.expr;
                        *init.expr = Expr::Verbatim(quote_spanned!(span=> unsafe { #expr }));
                    }
                    out.extend(local.into_token_stream());
                }
                Stmt::Expr(expr, semi) => out.extend(quote_spanned!(span=> unsafe { #expr } #semi)),
                other => out.extend(other.into_token_stream()),
            }
        }
        out
    }

    /// Rewrites verbatim code (see [`Rewriter`]), collecting its errors.
    fn rewrite(&mut self, visit: impl FnOnce(&mut Rewriter<'_, 'e>)) {
        let mut rewriter = Rewriter {
            lowerer: self,
            native: scan::NativeLoops::default(),
            errors: Vec::new(),
            returns: false,
        };
        visit(&mut rewriter);
        let (errors, returns) = (rewriter.errors, rewriter.returns);
        self.errors.extend(errors);
        self.cfg.blocks[self.cur].returns |= returns;
    }
}

/// Rewrites `return` and `?` in verbatim code so they leave the coroutine, not the resume
/// closure, and `break`/`continue` of lowered loops into jumps. Closures, `async` blocks and
/// items keep theirs.
struct Rewriter<'a, 'e> {
    lowerer: &'a mut Lowerer<'e>,
    /// Entered so far inside the verbatim code.
    native: scan::NativeLoops,
    errors: Vec<syn::Error>,
    /// Some `return` or `?` was rewritten.
    returns: bool,
}

impl Rewriter<'_, '_> {
    /// Whether a `break`/`continue` leaves the verbatim code for a lowered loop; an unlabelled
    /// one outside any loop at all is reported: were it emitted, it would bind to the resume
    /// closure's dispatch loop.
    fn leaves(&mut self, label: Option<&syn::Lifetime>, span: Span, keyword: &str) -> bool {
        let context = self.lowerer.loop_context();
        if label.is_none() && !self.native.in_loop() && !context.innermost_lowered {
            self.errors.push(syn::Error::new(
                span,
                format!("`{keyword}` outside of a loop"),
            ));
        }
        self.native.targets_lowered(label, &context)
    }

    /// Visits, with `inside`, the code inside a native loop (`is_loop`) or labelled block.
    fn native_loop(
        &mut self,
        label: Option<syn::Label>,
        is_loop: bool,
        inside: impl FnOnce(&mut Self),
    ) {
        scan::NativeLoops::within(
            self,
            |this| &mut this.native,
            label.as_ref(),
            is_loop,
            inside,
        );
    }
}

impl VisitMut for Rewriter<'_, '_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Return(node) => {
                let span = node.return_token.span;
                let value = match node.expr.as_mut() {
                    Some(value) => {
                        self.errors
                            .extend(self.lowerer.returned_borrow_error(value));
                        self.visit_expr_mut(value);
                        value.to_token_stream()
                    }
                    None => quote_spanned!(span=> ()),
                };
                self.returns = true;
                *expr = Expr::Verbatim(self.lowerer.return_code(value, span));
            }
            Expr::Try(node) => {
                self.visit_expr_mut(&mut node.expr);
                let operand = scan::without_parens(&node.expr).to_token_stream();
                self.returns = true;
                *expr = Expr::Verbatim(self.lowerer.try_code(operand, node.question_token.span));
            }
            Expr::Break(node) => {
                visit_mut::visit_expr_break_mut(self, node);
                let span = node.break_token.span;
                if self.leaves(node.label.as_ref(), span, "break") {
                    let value = node.expr.as_ref().map(ToTokens::to_token_stream);
                    let label = node.label.as_ref();
                    let jump = self.lowerer.loop_exit_in_place(label, value, false, span);
                    *expr = Expr::Verbatim(jump);
                }
            }
            Expr::Continue(node) => {
                let span = node.continue_token.span;
                if self.leaves(node.label.as_ref(), span, "continue") {
                    let label = node.label.as_ref();
                    let jump = self.lowerer.loop_exit_in_place(label, None, true, span);
                    *expr = Expr::Verbatim(jump);
                }
            }
            Expr::Loop(node) => {
                let label = node.label.clone();
                self.native_loop(label, true, |this| this.visit_block_mut(&mut node.body));
            }
            // (A `break` in its condition is rustc's E0590: left alone, rustc reports it.)
            Expr::While(node) => {
                let label = node.label.clone();
                self.native_loop(label, true, |this| {
                    this.visit_expr_mut(&mut node.cond);
                    this.visit_block_mut(&mut node.body);
                });
            }
            Expr::ForLoop(node) => {
                // The iterator is evaluated outside the loop: its `break`s leave an outer one.
                self.visit_expr_mut(&mut node.expr);
                let label = node.label.clone();
                self.native_loop(label, true, |this| this.visit_block_mut(&mut node.body));
            }
            Expr::Block(node) if node.label.is_some() => {
                let label = node.label.clone();
                self.native_loop(label, false, |this| this.visit_block_mut(&mut node.block));
            }
            Expr::Closure(_) | Expr::Async(_) | Expr::Const(_) => {}
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        // `return`, `?` and jumps inside `println!(..)`, `vec![..]`, `assert!(..)` arguments.
        if !mentions_control_flow(&mac.tokens) {
            return;
        }
        if let Some(mut args) = scan::macro_args(mac) {
            for arg in &mut args {
                self.visit_expr_mut(arg);
            }
            mac.tokens = args.into_token_stream();
            return;
        }
        // Arguments the macro cannot parse (`vec![x; n]`): control flow in them would be left
        // as written, and leave the resume closure rather than the coroutine or its loop.
        let mut exits = Vec::new();
        scan::control_flow_in_tokens(&mac.tokens, &mut exits);
        let name = mac
            .path
            .segments
            .last()
            .map(|segment| segment.ident.to_string());
        for (label, span, written) in exits {
            let reported = match written {
                "break" | "continue" => self.leaves(label.as_ref(), span, written),
                _ => true,
            };
            if reported {
                self.errors.push(syn::Error::new(
                    span,
                    format!(
                        "`#[coroutine]` cannot see this `{written}` in the arguments of `{}!` (they are not comma-separated expressions), so it cannot leave the coroutine or its loops from there: compute the value with `let` before the macro",
                        name.as_deref().unwrap_or("macro"),
                    ),
                ));
            }
        }
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The same tokens, reported at `span` (for paths into the runtime, whose errors should point
/// at the user's code that caused them).
pub fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut group =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                group.set_span(span);
                tree = proc_macro2::TokenTree::Group(group);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// `(tokens)`, with parentheses that are the macro's own (so `unused_parens` does not blame
/// the user for them).
fn parenthesized(tokens: TokenStream) -> TokenStream {
    let mut group = proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, tokens);
    group.set_span(internal());
    proc_macro2::TokenTree::Group(group).into()
}

/// `code` (an expression of type `!`) as a statement that may follow diverging user code. (A
/// block statement with a lint attribute: a `let () = code;` does the same but costs rustc more
/// to check, in every state of every coroutine.)
fn allow_unreachable(code: TokenStream) -> TokenStream {
    quote!(#[allow(unreachable_code)] { #code })
}

/// Whether macro arguments may hold something [`Rewriter`] rewrites.
fn mentions_control_flow(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|tree| match tree {
        proc_macro2::TokenTree::Ident(ident) => {
            ident == "return" || ident == "break" || ident == "continue"
        }
        proc_macro2::TokenTree::Punct(punct) => punct.as_char() == '?',
        proc_macro2::TokenTree::Group(group) => mentions_control_flow(&group.stream()),
        proc_macro2::TokenTree::Literal(_) => false,
    })
}

/// The name a `macro_rules!` item defines.
fn macro_rules_name(item: &syn::Item) -> Option<&Ident> {
    match item {
        syn::Item::Macro(item) if item.mac.path.is_ident("macro_rules") => item.ident.as_ref(),
        _ => None,
    }
}

/// How an operand is used: what decides whether a plain one must be read before the operands
/// after it run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OperandUse {
    /// Read (copied or moved) when it is evaluated.
    Value,
    /// A place that Rust reads only once the whole expression runs: an indexed base
    /// (`a[{ a = b; 0 }]` indexes `b`).
    Place,
    /// A method's receiver, taken by value or borrowed: the macro cannot tell which. By value
    /// (`x.wrapping_add(..)`), Rust reads it before the arguments; borrowed, the arguments may
    /// not write it.
    Receiver,
    /// Borrowed where it stands and read once the whole expression runs, as `&x` is: an
    /// argument of `format!` and the other formatting macros, or an operand of `assert_eq!`.
    /// The operands after it may not write it.
    Borrowed,
}

/// `let ref x = value;` (`ref mut`, `let ref x: T`) as `let x = &value;` (`&mut`, `x: &T`): the
/// same binding, so that it is carried across suspension points as the `&` form is (a borrow of
/// a whole local, or of a temporary the macro keeps in a hidden local).
fn ref_binding_as_borrow(local: &syn::Local) -> Option<Stmt> {
    let init = local.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    let (pat, ty) = match &local.pat {
        Pat::Type(typed) => (&*typed.pat, Some(&typed.ty)),
        pat => (pat, None),
    };
    let Pat::Ident(binding) = pat else {
        return None;
    };
    let by_ref = binding.by_ref?;
    if binding.subpat.is_some() || !binding.attrs.is_empty() {
        return None;
    }
    let and_token = syn::Token![&](by_ref.span);
    let mutability = binding.mutability;
    let name = Pat::Ident(syn::PatIdent {
        by_ref: None,
        mutability: None,
        ..binding.clone()
    });
    let mut borrow = local.clone();
    borrow.pat = match ty {
        Some(ty) => Pat::Type(syn::PatType {
            attrs: Vec::new(),
            pat: Box::new(name),
            colon_token: Default::default(),
            ty: Box::new(syn::Type::Reference(syn::TypeReference {
                and_token,
                lifetime: None,
                mutability,
                elem: ty.clone(),
            })),
        }),
        None => name,
    };
    // syn prints the parentheses `&(a + b)` needs.
    *borrow.init.as_mut()?.expr = Expr::Reference(syn::ExprReference {
        attrs: Vec::new(),
        and_token,
        mutability,
        expr: init.expr.clone(),
    });
    Some(Stmt::Local(borrow))
}

/// `name = value`, a named argument of a formatting macro: the name, the `=` and the value (the
/// operand).
fn named_argument(arg: &Expr) -> Option<(&Expr, &syn::token::Eq, &Expr)> {
    match arg {
        Expr::Assign(assign) => match &*assign.left {
            Expr::Path(path) if path.path.get_ident().is_some() => {
                Some((&assign.left, &assign.eq_token, &assign.right))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Methods that return a guard or entry borrowing their receiver, beyond the views of
/// `scan::looks_like_borrow`: what `operand_borrow_error` also recognises.
const GUARD_METHODS: &[&str] = &["borrow", "borrow_mut", "entry", "lock"];

/// Whether a plain operand dereferences: `*r`, `(*r).x`, `(*r)[0]`.
fn reads_through_reference(operand: &Expr) -> bool {
    match operand {
        Expr::Unary(unary) => matches!(unary.op, syn::UnOp::Deref(_)),
        Expr::Field(field) => reads_through_reference(&field.base),
        Expr::Index(index) => reads_through_reference(&index.expr),
        Expr::Paren(paren) => reads_through_reference(&paren.expr),
        _ => false,
    }
}

/// Whether evaluating the expression later gives the same result: literals and places built
/// from locals, fields, plain indices and dereferences. No borrow of a local crosses a
/// suspension, so such a place cannot change while the coroutine is suspended.
fn is_plain(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(_) | Expr::Path(_) => true,
        Expr::Field(node) => is_plain(&node.base),
        Expr::Index(node) => {
            is_plain(&node.expr) && matches!(*node.index, Expr::Lit(_) | Expr::Path(_))
        }
        Expr::Paren(node) => is_plain(&node.expr),
        Expr::Reference(node) => is_plain(&node.expr),
        Expr::Unary(node) => matches!(node.op, syn::UnOp::Deref(_)) && is_plain(&node.expr),
        _ => false,
    }
}

/// A place whose indices are computed without side effects (`buf[i * 7]`, `m[i][j + 1].x`):
/// evaluated later, it is the same place as long as the locals it reads are not assigned.
fn is_computed_place(expr: &Expr) -> bool {
    fn pure(expr: &Expr) -> bool {
        match expr {
            Expr::Lit(_) | Expr::Path(_) => true,
            Expr::Binary(node) => {
                !scan::is_compound_assignment(&node.op) && pure(&node.left) && pure(&node.right)
            }
            Expr::Unary(node) => !matches!(node.op, syn::UnOp::Deref(_)) && pure(&node.expr),
            Expr::Cast(node) => pure(&node.expr),
            Expr::Paren(node) => pure(&node.expr),
            Expr::Field(node) => pure(&node.base),
            _ => false,
        }
    }
    match expr {
        Expr::Path(_) => true,
        Expr::Field(node) => is_computed_place(&node.base),
        Expr::Index(node) => is_computed_place(&node.expr) && pure(&node.index),
        Expr::Paren(node) => is_computed_place(&node.expr),
        _ => false,
    }
}

/// `{ block }` as an expression.
fn block_expr(block: &syn::Block) -> Expr {
    Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: block.clone(),
    })
}

/// Code guarded by a condition that does not suspend: lowered in place, then a jump to `join`
/// (carrying its value in `param`).
struct InlineThen<'a> {
    body: &'a Expr,
    join: BlockId,
    param: Option<LocalId>,
}

/// The patterns of the `let`s of a condition (`if let`, a let chain).
fn let_patterns(cond: &Expr) -> Vec<&Pat> {
    match cond {
        Expr::Let(node) => vec![&*node.pat],
        Expr::Binary(node) if matches!(node.op, syn::BinOp::And(_)) => {
            let mut patterns = let_patterns(&node.left);
            patterns.extend(let_patterns(&node.right));
            patterns
        }
        Expr::Paren(node) => let_patterns(&node.expr),
        _ => Vec::new(),
    }
}

fn contains_let(expr: &Expr) -> bool {
    match expr {
        Expr::Let(_) => true,
        Expr::Binary(node) if matches!(node.op, syn::BinOp::And(_)) => {
            contains_let(&node.left) || contains_let(&node.right)
        }
        Expr::Paren(node) => contains_let(&node.expr),
        _ => false,
    }
}

/// The names a `let` binds to borrows: all of them under a written reference type, else those
/// its initialiser lends (see [`scan::borrowed_bindings`]).
fn let_borrowed_bindings(local: &syn::Local) -> Vec<String> {
    let (pat, reference_type) = match &local.pat {
        Pat::Type(typed) => (&*typed.pat, matches!(*typed.ty, syn::Type::Reference(_))),
        pat => (pat, false),
    };
    if reference_type {
        return (scan::bindings(pat).iter())
            .map(|binding| scan::unraw(&binding.ident))
            .collect();
    }
    (local.init.as_ref())
        .map(|init| scan::borrowed_bindings(pat, &init.expr))
        .unwrap_or_default()
}
