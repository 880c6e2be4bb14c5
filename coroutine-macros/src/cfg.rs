//! The lowered body: basic blocks split at suspension points, and the analysis that decides
//! what each state stores.
//!
//! [`Cfg`] is built by [`crate::lower`] and read by [`crate::emit`]. Each block becomes one
//! variant of the state enum and one arm of the resume closure. A block's code is Rust tokens in
//! which jumps appear as placeholder identifiers; the emitter replaces each with the code that
//! moves the live locals into the target's variant.
//!
//! Which locals a state stores: every local lexically in scope at the block's entry (so drops
//! happen where Rust would do them), except a local that may have been moved and is not used
//! again, a dead local without drop glue (nothing would run where it goes out of scope), and a
//! dead local that is obviously a borrow (so a borrow that has ended does not keep its referent
//! borrowed across the suspension). A local a jump cannot name (a later
//! binding shadows it) is dropped at that jump if dead; if it is still needed that is an error.

use proc_macro2::{Ident, Span, TokenStream};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub type BlockId = usize;
pub type LocalId = usize;

/// A local of the coroutine: a user binding, a parameter, or a hidden temporary.
pub struct Local {
    /// The name user code refers to it by (for hidden locals, their hidden name).
    pub name: Ident,
    pub mutable: bool,
    /// Invented by the lowering (temporaries, suspension results, loop iterators).
    pub hidden: bool,
    /// Some mention may move out of it.
    pub moved: bool,
    /// Obviously a reference (see [`crate::scan::looks_like_borrow`]).
    pub borrow_like: bool,
    /// `let r = &v;` / `let r = &mut v;` of a whole local `v`: never stored, borrowed again from
    /// `v` in each state that uses it.
    pub reborrow: Option<Reborrow>,
    /// A local whose value is (syntactically) a borrow of part of this other local.
    pub borrows_from: Option<LocalId>,
    /// A closure that is not `move`, and `borrows_from` a local it captures: it borrows that
    /// local whether or not the local owns its value.
    pub closure: bool,
    /// For a hidden local that holds a borrow (a loop's iterator): the user's expression that
    /// makes it, where errors about the borrow point.
    pub borrowed_by: Option<TokenStream>,
    /// Certainly an owned value (built by a constructor, a literal, a by-value parameter): a
    /// borrow of it cannot outlive a suspension.
    pub owned: bool,
    /// Certainly without drop glue (see [`crate::signature::is_drop_free_type`]), so when it is
    /// dropped cannot be observed.
    pub drop_free: bool,
    /// Declared without a value (`let n;`): the block that declares it.
    pub declared_uninit: Option<BlockId>,
    /// For `let n;` (one name, maybe with a type): the statement, which the emitter leaves out
    /// when the declaring block never assigns `n` and other blocks do (they declare it afresh,
    /// see [`Block::kills`], or are unreachable), and the written type.
    pub uninit_declaration: Option<(TokenStream, Option<TokenStream>)>,
    /// A `let n;` whose declaring block assigns `n` in a statement of its own: the type tie
    /// follows that statement (it cannot follow the `let`, where `n` has no value).
    pub uninit_tied: bool,
    /// Blocks whose code assigns it (`n = ..`).
    pub assigned_in: BTreeSet<BlockId>,
    /// Blocks whose code certainly assigns it (an assignment statement, or a statement that
    /// assigns it on every path), each with how many of the block's jumps come before: on the
    /// later ones it holds a value.
    pub first_assigned_in: BTreeMap<BlockId, usize>,
    /// Jumps that certainly follow an assignment of it, besides those `first_assigned_in`
    /// covers, which follow one in the code of their block: the jumps inside an inline branch
    /// that assigns it first thing (`if c { n = 1; break }`), and the jump after an `if` or
    /// `match` whose inline branches all assign it.
    pub assigned_before_jumps: BTreeSet<usize>,
}

impl Local {
    /// For a local declared without a value by a `let` of its own: whether a binding of it
    /// declared afresh in another block can be tied to the declaration's type (see
    /// `__private::TypeTie`): the type is written, or tied after an assignment statement of the
    /// declaring block, or that block never assigns it. What the lowering can tell while the
    /// declaring block may still get jumps; [`Cfg::redeclarable_without_value`] says more once
    /// it has them all.
    pub fn redeclarable_without_value(&self) -> bool {
        let (Some(declared), Some((_, annotation))) =
            (self.declared_uninit, &self.uninit_declaration)
        else {
            return false;
        };
        annotation.is_some() || self.uninit_tied || !self.assigned_in.contains(&declared)
    }
}

impl Cfg {
    /// [`Local::redeclarable_without_value`], where a declaring block that assigns the local
    /// only before no jump of its own (in a branch that returns, say) counts as one that never
    /// assigns it: no value of that block reaches a binding declared afresh elsewhere.
    pub fn redeclarable_without_value(&self, local: LocalId) -> bool {
        let data = &self.locals[local];
        if data.redeclarable_without_value() {
            return true;
        }
        let (Some(declared), Some(_)) = (data.declared_uninit, &data.uninit_declaration) else {
            return false;
        };
        !self.blocks[declared]
            .jumps
            .iter()
            .any(|&jump| self.jumps[jump].assigned_before.contains(&local))
    }
}

/// A reference to a whole local, rebuilt in each state that uses it.
#[derive(Clone, Copy)]
pub struct Reborrow {
    pub referent: LocalId,
    pub mutable: bool,
    /// Where the user wrote the borrow: its `&` and the borrowed name. Each rebuilt borrow is
    /// located there, where borrowck's errors about it ("mutable borrow occurs here") belong.
    pub ampersand: Span,
    pub name: Span,
}

/// How control enters a block.
#[derive(Clone)]
pub enum Entry {
    /// The first resume.
    Start,
    /// A jump from another block within one resume.
    Jump,
    /// Resumption after `yield_!`: `value` receives the resume argument.
    Yield { value: LocalId, span: Span },
    /// Delegation (`yield_from!`): the block polls its awaitee in place until it completes,
    /// then `value` receives the result.
    Delegate { value: LocalId, span: Span },
}

pub struct Block {
    pub entry: Entry,
    /// Locals in scope at entry, in declaration order.
    pub scope: Vec<LocalId>,
    /// Locals the incoming jumps define (a subset of `scope`).
    pub params: Vec<LocalId>,
    /// The block's code, with jump placeholders.
    pub code: TokenStream,
    /// Every identifier the finished code spells (see [`Cfg::entry_name`]), read once.
    pub spelled: std::cell::OnceCell<BTreeSet<String>>,
    /// Locals the code mentions, each with where it first does.
    pub uses: BTreeMap<LocalId, Span>,
    /// Locals declared in this block, in order.
    pub decls: Vec<LocalId>,
    /// Outgoing jumps (indices into [`Cfg::jumps`]).
    pub jumps: Vec<usize>,
    /// `Some(jump)` when the block's whole code is that one jump.
    pub forward: Option<usize>,
    /// The code returns from the coroutine (a `return`, a `?`, or the end of the body).
    pub returns: bool,
    /// A `yield_!` resumed with `()` whose value nothing reads enters this block (its code
    /// is then only the jump on).
    pub discards_resume: bool,
    /// A `yield_!` at this span suspends straight into this `Jump` block (see
    /// [`Cfg::thread_resumes`]).
    pub resumes_here: Option<Span>,
    /// Locals the code assigns as a whole (`x = ..;`) before it reads them or jumps: they are
    /// not live at entry, and where the state does not store them (their value was moved out
    /// before the suspension) the arm declares them uninitialised.
    pub kills: BTreeSet<LocalId>,
    /// Kills of locals declared without a value whose assignment does not come before all of
    /// the block's jumps: how many of them come before it. A kill applies only to a later jump
    /// that follows the assignment on its path ([`Jump::assigned_before`]), and stands only
    /// where the local is dead at the targets of the others, which carry no value of it (see
    /// [`Cfg::settle_late_kills`]).
    pub late_kills: BTreeMap<LocalId, usize>,
    /// Kills of locals declared without a value that no assignment reaches before this block
    /// (see [`Cfg::declare_unassigned`]): the block's code may assign them anywhere, so the
    /// new binding's type is tied where it is declared, at the block's entry.
    pub unassigned_on_entry: BTreeSet<LocalId>,
    /// The scrutinee regions (see [`Jump::regions`]) the block's code belongs in.
    pub regions: Vec<usize>,
    /// Jumps from this index of [`Self::jumps`] on follow a statement of the block that left
    /// it for good, kept as written (`return ..;`, `break;`, `continue;`): they never run.
    pub dead_from: Option<usize>,
}

/// An edge: from a block to a target, carrying values for the target's params.
pub struct Jump {
    pub from: BlockId,
    pub to: BlockId,
    pub args: Vec<(LocalId, TokenStream)>,
    /// Locals visible by name at the jump, in declaration order (entry scope, then the block's
    /// declarations, then bindings of the pattern the jump sits in).
    pub visible: Vec<LocalId>,
    /// Locals bound by the pattern the jump sits in, under their user names.
    pub pattern_bound: Vec<LocalId>,
    pub span: Span,
    pub kind: JumpKind,
    /// The `match`es (also `if let`, `while let`, `let … else`) on a scrutinee that may hold
    /// temporaries, whose arms the jump sits in, outermost first. Rust drops such temporaries
    /// when control leaves the `match`, so a block outside one of them cannot run at the jump.
    pub regions: Vec<usize>,
    /// See [`Bypass`].
    pub bypass: Option<Bypass>,
    /// The locals that code of the jump's block may have assigned before it (on the path
    /// that leads to it: not in a branch that excludes it).
    pub assigned_before: BTreeSet<LocalId>,
}

/// A `yield_!` whose resume block only drops locals and jumps on, where the macro cannot tell
/// whether those locals have destructors: the suspension tests it (`needs_drop`, decided when
/// the code is compiled for its types) and, when none has one, takes `jump` instead, straight
/// into the block the resume would reach, dropping them at the suspension (unobservable). The
/// test names only the locals the resume block stores, which the suspension moves into the
/// state, so each certainly holds a value there.
pub struct Bypass {
    pub jump: usize,
    pub locals: Vec<LocalId>,
}

/// What happens after the target's state is stored.
pub enum JumpKind {
    /// Run the target now, in the same resume.
    Goto,
    /// Return this (`Yielded(..)`) from the resume; the target runs on the next one.
    Suspend(TokenStream),
    /// Store this sub-future or sub-generator in the target's awaitee field, then run the
    /// target, which polls it.
    Enter(TokenStream),
}

#[derive(Default)]
pub struct Cfg {
    pub locals: Vec<Local>,
    pub blocks: Vec<Block>,
    pub jumps: Vec<Jump>,
}

/// What the emitter needs to know about the stored state.
pub struct Layout {
    /// Blocks with a single predecessor, emitted inline at the jump to them instead of as a
    /// state of their own (no dispatch, no store and reload of the locals): for each, that jump.
    pub inlined: Vec<Option<usize>>,
    /// For an inlined block: the locals with a destructor that the jump to it leaves behind,
    /// newest first, which it drops before running the block, where the jump would have.
    pub dropped_on_entry: Vec<Vec<LocalId>>,
    /// Jumps from the first state to a block entered from elsewhere too (a loop's head), whose
    /// code the first state's arm runs in place of the jump, as an inlined block's: the first
    /// turn is then code of its own, which the optimiser keeps out of the steady loop, as it
    /// does for a handwritten first call (`running_total`: 11 instructions a yield instead of
    /// 16). The block keeps its own arm for its other predecessors. (Never a block that keeps a
    /// resident: see [`Layout::unpeel_residents`].)
    pub peeled: Vec<bool>,
    /// Locals stored in each block's variant, in declaration order.
    pub saved: Vec<Vec<LocalId>>,
    /// Reverse post-order of the reachable blocks: the order arms are emitted in, so that each
    /// variant is built before an arm binds its fields (type inference reads in order).
    pub order: Vec<BlockId>,
    /// The blocks control can reach from the start: only their code is emitted.
    pub reachable: Vec<bool>,
}

impl Layout {
    /// Runs in place of their jumps only peeled blocks that keep none of `residents`: a resident
    /// moves into its slot at the jump, before the code that would use it in place.
    pub fn unpeel_residents(&mut self, cfg: &Cfg, residents: &[LocalId]) {
        for (index, peeled) in self.peeled.iter_mut().enumerate() {
            let saved = &self.saved[cfg.jumps[index].to];
            *peeled &= !residents.iter().any(|local| saved.contains(local));
        }
    }
}

impl Cfg {
    /// Whether a user local is killed (see [`Block::kills`]), so declared again, in one of the
    /// `blocks` (all of them, or the reachable ones): its bindings are then tied to one type
    /// (see `__private::TypeTie`), and its first one may never be mutated.
    pub fn redeclared(&self, local: LocalId, mut blocks: impl FnMut(BlockId) -> bool) -> bool {
        let killed_in = |(id, block): (BlockId, &Block)| blocks(id) && block.kills.contains(&local);
        !self.locals[local].hidden && self.blocks.iter().enumerate().any(killed_in)
    }

    /// The jumps of `block` that can run: those before a statement that leaves it for good
    /// (see [`Block::dead_from`]).
    fn live_jumps(&self, block: BlockId) -> &[usize] {
        let jumps = &self.blocks[block].jumps;
        &jumps[..self.blocks[block].dead_from.unwrap_or(jumps.len())]
    }

    /// Whether jump `index` is one that never runs (see [`Block::dead_from`]): no value flows
    /// along it, and a block only such jumps enter is unreachable (its code, which rustc would
    /// only have warned about, is left out).
    pub fn is_dead(&self, index: usize) -> bool {
        !self.live_jumps(self.jumps[index].from).contains(&index)
    }

    /// The jumps that can run, with their indices: from a reachable block, and not dead (see
    /// [`Self::is_dead`]).
    fn running_jumps<'a>(
        &'a self,
        reachable: &'a [bool],
    ) -> impl Iterator<Item = (usize, &'a Jump)> {
        let running =
            |&(index, jump): &(usize, &Jump)| reachable[jump.from] && !self.is_dead(index);
        self.jumps.iter().enumerate().filter(running)
    }

    /// The block where `local` gets its binding: the one that declares it (a parameter: the
    /// first block, which has it in scope from the start), or that binds it on entry (a
    /// pattern's binding).
    fn binding_block(&self, local: LocalId) -> Option<BlockId> {
        self.locals[local].declared_uninit.or_else(|| {
            self.blocks
                .iter()
                .position(|block| block.decls.contains(&local) || block.params.contains(&local))
                .or_else(|| self.blocks.first()?.scope.contains(&local).then_some(0))
        })
    }

    /// For an immutable local that jump `index` leaves with, from a block that gave it a value
    /// (its binding or an assignment) or holds one (`saved`: what each block's state stores):
    /// where code after the jump assigns it again before it is bound anew (the user's second
    /// assignment, which rustc rejects in the function as written: E0384). The split puts the
    /// two assignments in blocks that bind the local each on their own, so rustc cannot see
    /// that one follows the other; the emitter shows it with an assignment at the jump that
    /// never runs (`Emitter::reassignment_checks`). The search stops at a block that holds the
    /// local: that block's own jumps carry the check on, each where rustc can tell whether it
    /// is reached at all (a jump after a `return` in place is not).
    pub fn reassignment_after(
        &self,
        local: LocalId,
        index: usize,
        saved: &[Vec<LocalId>],
    ) -> Option<Span> {
        let data = &self.locals[local];
        if data.mutable || data.hidden || data.assigned_in.is_empty() {
            return None;
        }
        let bound = self.binding_block(local)?;
        let holds = |block: BlockId| {
            saved[block].contains(&local) || self.blocks[block].params.contains(&local)
        };
        // A `let n;` has its first value from an assignment (it may not even be written where
        // it is declared, if only other blocks assign it); any other local, from its binding.
        let valued_in = |block: BlockId| {
            data.assigned_in.contains(&block) || (block == bound && data.declared_uninit.is_none())
        };
        let jump = &self.jumps[index];
        if !valued_in(jump.from) && !holds(jump.from) {
            return None;
        }
        let mut seen = vec![false; self.blocks.len()];
        let mut queue = VecDeque::from([jump.to]);
        while let Some(block) = queue.pop_front() {
            if block == bound || std::mem::replace(&mut seen[block], true) {
                continue;
            }
            if data.assigned_in.contains(&block) {
                return self.blocks[block].uses.get(&local).copied();
            }
            if !holds(block) {
                queue.extend(
                    self.live_jumps(block)
                        .iter()
                        .map(|&jump| self.jumps[jump].to),
                );
            }
        }
        None
    }

    /// Kills a local declared without a value (`let n;`) in each block that assigns it where
    /// it cannot have a value yet: there the block declares it afresh and its code gives it its
    /// first value, however that code is shaped (`if c { n = 1 } else { n = 2 }` after a
    /// suspension point); rustc checks that it does, as in the user's function. An immutable
    /// local has no value yet wherever it is assigned (it is assigned once). A mutable one has
    /// none in a block that no assignment of it can reach; elsewhere (a loop around the block,
    /// an assignment in the declaring block) it keeps its value across, as any other local.
    pub fn declare_unassigned(&mut self) {
        for local in 0..self.locals.len() {
            let data = &self.locals[local];
            let Some(declared) = data.declared_uninit else {
                continue;
            };
            if data.hidden || data.reborrow.is_some() || !self.redeclarable_without_value(local) {
                continue;
            }
            // The blocks an assignment may have run before: those after one that assigns (by a
            // jump that may follow the assignment), up to the declaration (in a loop, each turn
            // declares the local anew).
            let mut reached = vec![false; self.blocks.len()];
            if data.mutable {
                let mut stack: Vec<BlockId> = data.assigned_in.iter().copied().collect();
                while let Some(block) = stack.pop() {
                    for &jump in self.live_jumps(block) {
                        let jump = &self.jumps[jump];
                        let to = jump.to;
                        if !reached[block] && !jump.assigned_before.contains(&local) {
                            // (From an assigning block not reached itself: only the jumps
                            // that may follow its assignment.)
                            continue;
                        }
                        if !reached[to] {
                            reached[to] = true;
                            if to != declared {
                                stack.push(to);
                            }
                        }
                    }
                }
            }
            let fresh: Vec<BlockId> = data
                .assigned_in
                .iter()
                .copied()
                .filter(|&block| {
                    let block_data = &self.blocks[block];
                    block != declared
                        && !reached[block]
                        && block_data.scope.contains(&local)
                        && !block_data.kills.contains(&local)
                })
                .collect();
            for block in fresh {
                self.blocks[block].kills.insert(local);
                self.blocks[block].unassigned_on_entry.insert(local);
            }
        }
    }

    /// Drops each late kill (see [`Block::late_kills`]) whose local is live at the entry of its
    /// block: a jump before the assignment needs its value. Dropping one makes more locals live,
    /// so until none is dropped.
    pub fn settle_late_kills(&mut self) {
        while self.blocks.iter().any(|block| !block.late_kills.is_empty()) {
            let mut reachable = vec![false; self.blocks.len()];
            self.post_order(0, &mut reachable, &mut Vec::new());
            let live_in = self.liveness(&reachable);
            let mut dropped = false;
            for (block, data) in self.blocks.iter_mut().enumerate() {
                let Block {
                    late_kills, kills, ..
                } = data;
                late_kills.retain(|local, _| {
                    let stands = !live_in[block].contains(local);
                    if !stands {
                        kills.remove(local);
                        dropped = true;
                    }
                    stands
                });
            }
            if !dropped {
                return;
            }
        }
    }

    pub fn new_local(&mut self, name: Ident, mutable: bool, hidden: bool) -> LocalId {
        self.locals.push(Local {
            name,
            mutable,
            hidden,
            moved: hidden,
            borrow_like: false,
            reborrow: None,
            borrows_from: None,
            closure: false,
            borrowed_by: None,
            owned: false,
            drop_free: false,
            declared_uninit: None,
            uninit_declaration: None,
            uninit_tied: false,
            assigned_in: BTreeSet::new(),
            first_assigned_in: BTreeMap::new(),
            assigned_before_jumps: BTreeSet::new(),
        });
        self.locals.len() - 1
    }

    pub fn new_block(&mut self, entry: Entry, scope: Vec<LocalId>) -> BlockId {
        self.blocks.push(Block {
            entry,
            scope,
            params: Vec::new(),
            code: TokenStream::new(),
            spelled: std::cell::OnceCell::new(),
            uses: BTreeMap::new(),
            decls: Vec::new(),
            jumps: Vec::new(),
            forward: None,
            returns: false,
            discards_resume: false,
            resumes_here: None,
            kills: BTreeSet::new(),
            late_kills: BTreeMap::new(),
            unassigned_on_entry: BTreeSet::new(),
            regions: Vec::new(),
            dead_from: None,
        });
        self.blocks.len() - 1
    }

    /// The name a block's arm binds a stored local under: its own name if it is the newest
    /// local of that name at the entry and the block's code refers to it or never spells the
    /// name, a hidden name otherwise, which a later `let` of the same name cannot hide from the
    /// jumps that store it. (Keeping the own name lets a block run in place bind the local
    /// under the name it already has, see `Emitter::inline_code`.)
    pub fn entry_name(&self, block: BlockId, local: LocalId) -> Ident {
        let data = &self.blocks[block];
        let name = &self.locals[local].name;
        let position = data.scope.iter().position(|&l| l == local);
        let shadowed = position.is_some_and(|p| {
            data.scope[p + 1..]
                .iter()
                .any(|&later| self.locals[later].name == *name)
        });
        let hidden = self.locals[local].hidden;
        // (A `let x;` without a value is written apart from the code, see
        // `Local::uninit_declaration`.)
        let respelled = || {
            !data.uses.contains_key(&local)
                && (data
                    .decls
                    .iter()
                    .any(|&other| self.locals[other].name == *name)
                    || (data.spelled)
                        .get_or_init(|| crate::scan::identifiers(&data.code))
                        .contains(&crate::scan::unraw(name)))
        };
        if shadowed || (!hidden && respelled()) {
            shadowed_name(local)
        } else {
            name.clone()
        }
    }

    /// Sends jumps to a block that only jumps on (without arguments) straight to where it
    /// goes; the bypassed block becomes unreachable.
    pub fn thread_jumps(&mut self) {
        for index in 0..self.jumps.len() {
            let mut seen = BTreeSet::new();
            loop {
                let target = self.jumps[index].to;
                let Some(forward) = self.blocks[target].forward else {
                    break;
                };
                let next = &self.jumps[forward];
                let plain = target != 0
                    && matches!(self.blocks[target].entry, Entry::Jump)
                    && self.blocks[target].params.is_empty()
                    && next.args.is_empty()
                    && matches!(next.kind, JumpKind::Goto);
                if !plain || !seen.insert(target) || forward == index {
                    break;
                }
                self.jumps[index].to = next.to;
            }
        }
    }

    /// A resume block that [`Cfg::thread_resumes`] gave a [`Bypass`]: the picture of the
    /// machine shows the block the bypass goes to in its place.
    pub fn is_bypassed(&self, block: BlockId) -> bool {
        self.jumps
            .iter()
            .any(|jump| jump.to == block && jump.bypass.is_some())
    }

    /// Where a coroutine resting in `block` is suspended: the `yield_!` or `yield_from!` that
    /// enters it, or that [`Cfg::thread_resumes`] sent to it.
    pub fn suspension_site(&self, block: BlockId) -> Option<Span> {
        match self.blocks[block].entry {
            Entry::Yield { span, .. } | Entry::Delegate { span, .. } => Some(span),
            Entry::Jump => self.blocks[block].resumes_here,
            Entry::Start => None,
        }
    }

    /// A `yield_!` resumed with `()` whose resume block only jumps on suspends straight into
    /// the block it jumps to (a loop's head, typically), so that resuming dispatches once.
    /// The locals the skipped jump would have dropped are dropped at the suspension instead,
    /// which only matters if they have destructors: if the macro knows that none has one, the
    /// `yield_!` is redirected; otherwise it gets a second jump, taken when none of those the
    /// resume block stores has one (see [`Bypass`]). A block takes at most one such `yield_!`,
    /// whose site it reports while suspended.
    pub fn thread_resumes(&mut self) {
        for block in 0..self.blocks.len() {
            let data = &self.blocks[block];
            let (Entry::Yield { span, .. }, true, Some(forward)) =
                (&data.entry, data.discards_resume, data.forward)
            else {
                continue;
            };
            let span = *span;
            let next = &self.jumps[forward];
            let target = next.to;
            let target_data = &self.blocks[target];
            if target == block
                || !next.args.is_empty()
                || !matches!(next.kind, JumpKind::Goto)
                || !matches!(target_data.entry, Entry::Jump)
                || target_data.resumes_here.is_some()
            {
                continue;
            }
            let with_destructors: Vec<LocalId> = data
                .scope
                .iter()
                .copied()
                .filter(|local| !target_data.scope.contains(local))
                .filter(|&local| !self.locals[local].drop_free)
                .collect();
            let suspensions: Vec<usize> = (0..self.jumps.len())
                .filter(|&index| self.jumps[index].to == block)
                .collect();
            self.blocks[target].resumes_here = Some(span);
            for index in suspensions {
                if with_destructors.is_empty() {
                    self.jumps[index].to = target;
                    continue;
                }
                let original = &self.jumps[index];
                let JumpKind::Suspend(returned) = &original.kind else {
                    continue;
                };
                let direct = Jump {
                    from: original.from,
                    to: target,
                    args: Vec::new(),
                    visible: original.visible.clone(),
                    pattern_bound: original.pattern_bound.clone(),
                    span: original.span,
                    kind: JumpKind::Suspend(returned.clone()),
                    regions: original.regions.clone(),
                    bypass: None,
                    assigned_before: original.assigned_before.clone(),
                };
                let from = direct.from;
                self.jumps.push(direct);
                let direct = self.jumps.len() - 1;
                self.blocks[from].jumps.push(direct);
                self.jumps[index].bypass = Some(Bypass {
                    jump: direct,
                    locals: with_destructors.clone(),
                });
            }
        }
    }

    /// Decides what each state stores; an error names a local that is needed after a jump
    /// that cannot name it.
    pub fn layout(&self) -> Result<Layout, syn::Error> {
        let count = self.blocks.len();
        let mut reachable = vec![false; count];
        let mut order = Vec::new();
        self.post_order(0, &mut reachable, &mut order);
        order.reverse();

        let live_in = self.liveness(&reachable);
        self.check_borrows_across_suspensions(&reachable, &live_in)?;

        // A user local that nothing mentions is left to rustc's `unused_variables` lint, which
        // would not fire if the local were stored.
        let mentioned: BTreeSet<LocalId> = self
            .blocks
            .iter()
            .flat_map(|block| block.uses.keys().copied())
            .collect();
        let silently_unused = |local: LocalId| {
            let data = &self.locals[local];
            !data.hidden && !mentioned.contains(&local) && !data.name.to_string().starts_with('_')
        };
        // Start from the lexical candidates, then drop locals some incoming jump cannot
        // provide, until nothing changes (a local dropped on entry is gone for the rest of its
        // scope).
        let mut saved: Vec<BTreeSet<LocalId>> = (0..count)
            .map(|block| {
                let block_data = &self.blocks[block];
                block_data
                    .scope
                    .iter()
                    .copied()
                    .filter(|&local| {
                        let data = &self.locals[local];
                        // A local is kept to the end of its scope (where Rust drops it)
                        // unless it was moved out, is an obvious borrow, has no destructor
                        // to run there, or was declared without a value (it may have none
                        // here).
                        let keep_dead = !data.moved
                            && !data.borrow_like
                            && !data.drop_free
                            && data.declared_uninit.is_none();
                        data.reborrow.is_none()
                            && !silently_unused(local)
                            && (block_data.params.contains(&local)
                                || live_in[block].contains(&local)
                                || keep_dead)
                    })
                    .collect()
            })
            .collect();
        let candidates = saved.clone();
        loop {
            let mut changed = false;
            for (_, jump) in self.running_jumps(&reachable) {
                let available = self.available_at(jump, &saved[jump.from]);
                let target = &mut saved[jump.to];
                let before = target.len();
                target.retain(|local| {
                    available.contains(local) || jump.args.iter().any(|(l, _)| l == local)
                });
                changed |= target.len() != before;
            }
            if !changed {
                break;
            }
        }
        let needed_but_missing = |jump: &Jump, local: LocalId| {
            !jump.args.iter().any(|(l, _)| *l == local)
                && self.locals[local].reborrow.is_none()
                && !saved[jump.to].contains(&local)
                && self.blocks[jump.to].scope.contains(&local)
        };
        // Report where a needed local is first lost: at a jump where it is there but a later
        // binding of the same name hides it.
        for (_, jump) in self.running_jumps(&reachable) {
            let available = self.available_at(jump, &candidates[jump.from]);
            for &local in &live_in[jump.to] {
                let present = self.holds_at(jump, &candidates[jump.from], local);
                if needed_but_missing(jump, local) && present && !available.contains(&local) {
                    let data = &self.locals[local];
                    let shadow = jump
                        .visible
                        .iter()
                        .rev()
                        .find(|&&other| other != local && self.locals[other].name == data.name)
                        .map_or(jump.span, |&other| self.locals[other].name.span());
                    return Err(syn::Error::new(
                        shadow,
                        format!(
                            "this binding shadows `{}`, which is still used after a suspension point further on; the coroutine cannot keep both under one name: rename one of them",
                            display_name(&data.name)
                        ),
                    ));
                }
            }
        }
        for (_, jump) in self.running_jumps(&reachable) {
            if let Some(&local) = live_in[jump.to]
                .iter()
                .find(|&&local| needed_but_missing(jump, local))
            {
                return Err(syn::Error::new(
                    jump.span,
                    format!("internal error in `#[coroutine]`: `{}` is needed here but was not kept (please report this)", self.locals[local].name),
                ));
            }
        }
        self.check_deferred_initialisation(&saved, &reachable)?;
        let (inlined, dropped_on_entry, peeled) =
            self.inlinable(&reachable, &saved, &silently_unused);
        let order = order
            .into_iter()
            .filter(|&block| inlined[block].is_none())
            .collect();
        let saved = saved
            .into_iter()
            .enumerate()
            .map(|(block, set)| {
                self.blocks[block]
                    .scope
                    .iter()
                    .copied()
                    .filter(|l| set.contains(l))
                    .collect()
            })
            .collect();
        Ok(Layout {
            inlined,
            dropped_on_entry,
            peeled,
            saved,
            order,
            reachable,
        })
    }

    /// Which of the [`crate::resident`] candidates to keep in place: a local every suspension
    /// state stores (so keeping it beside the enum costs no memory the enum would have shared),
    /// and that is, in every state storing it, older than the state's other locals unless they
    /// are residents too or have no drop glue (so that a suspended coroutine, which drops its
    /// enum before its residents, and an arm, which takes its residents before its other locals,
    /// drop them in scope order).
    pub fn residents(&self, layout: &Layout, candidates: &BTreeSet<String>) -> Vec<LocalId> {
        let suspensions: Vec<usize> = layout
            .order
            .iter()
            .copied()
            .filter(|&block| self.suspension_site(block).is_some())
            .collect();
        if suspensions.is_empty() {
            return Vec::new();
        }
        let mut chosen: BTreeSet<LocalId> = (0..self.locals.len())
            .filter(|&local| {
                let data = &self.locals[local];
                !data.hidden
                    && data.reborrow.is_none()
                    && data.declared_uninit.is_none()
                    && !layout
                        .dropped_on_entry
                        .iter()
                        .flatten()
                        .any(|&dropped| dropped == local)
                    && candidates.contains(&crate::scan::unraw(&data.name))
                    && suspensions
                        .iter()
                        .all(|&block| layout.saved[block].contains(&local))
            })
            .collect();
        loop {
            let before = chosen.len();
            for saved in &layout.saved {
                let mut prefix = true;
                for local in saved {
                    if self.locals[*local].drop_free {
                        continue;
                    }
                    if !chosen.contains(local) {
                        prefix = false;
                    } else if !prefix {
                        chosen.remove(local);
                    }
                }
            }
            if chosen.len() == before {
                return chosen.into_iter().collect();
            }
        }
    }

    /// A borrow of part of an owned local that is still used after a suspension point cannot be
    /// stored; say so at the user's borrow and suspension, before rustc says it about `__state`.
    fn check_borrows_across_suspensions(
        &self,
        reachable: &[bool],
        live_in: &[BTreeSet<LocalId>],
    ) -> Result<(), syn::Error> {
        let mut errors: Option<syn::Error> = None;
        let mut reported = BTreeSet::new();
        for block in 0..self.blocks.len() {
            let Some(span) = self.suspension_site(block) else {
                continue;
            };
            if !reachable[block] {
                continue;
            }
            for &local in &live_in[block] {
                let borrower = &self.locals[local];
                let Some(owner) = borrower.borrows_from else {
                    continue;
                };
                if !(self.locals[owner].owned || borrower.closure) || !reported.insert(local) {
                    continue;
                }
                let owner_name = display_name(&self.locals[owner].name);
                let borrower_name = display_name(&borrower.name);
                let (message, at_suspension) = if borrower.closure {
                    (
                        format!("`{borrower_name}` is a closure that borrows `{owner_name}`, a local of this coroutine, and is still in use after a suspension point; a suspended coroutine cannot hold a reference into its own locals: make it a `move` closure (cloning first what it must share)"),
                        "the closure is kept across this suspension point".to_string(),
                    )
                } else {
                    let what = if borrower.hidden {
                        format!("this loop iterates over a borrow of `{owner_name}`")
                    } else {
                        format!("`{borrower_name}` borrows from `{owner_name}`")
                    };
                    (
                        format!("{what}, a local of this coroutine, and the borrow is still in use after a suspension point; a suspended coroutine cannot hold a reference into its own locals (only a whole-local borrow like `let r = &{owner_name};` can be kept)"),
                        format!("the borrow of `{owner_name}` is held across this suspension point; clone what you need before it, look it up again after it, or iterate by value or by index"),
                    )
                };
                let mut error = match &borrower.borrowed_by {
                    Some(expr) => syn::Error::new_spanned(expr, message),
                    None => syn::Error::new(borrower.name.span(), message),
                };
                error.combine(syn::Error::new(span, at_suspension));
                match &mut errors {
                    Some(all) => all.combine(error),
                    None => errors = Some(error),
                }
            }
        }
        errors.map_or(Ok(()), Err)
    }

    /// `let n;` assigned in another state than the one declaring it cannot be stored: the
    /// stored value would have to exist before the assignment.
    fn check_deferred_initialisation(
        &self,
        saved: &[BTreeSet<LocalId>],
        reachable: &[bool],
    ) -> Result<(), syn::Error> {
        for (local, data) in self.locals.iter().enumerate() {
            let Some(declared) = data.declared_uninit else {
                continue;
            };
            // Assigned in a block that neither declares it nor declares it afresh (a kill) is
            // fine where the arm binds it and it certainly has a value already (`let mut n;
            // n = 1; yield_!(n); n = n + 1;`); elsewhere the arm has no binding of it, or one
            // the state would hold without a value.
            let assigned_before = self.certainly_assigned_on_entry(local, declared, reachable);
            let stored = saved.iter().any(|set| set.contains(&local));
            let unbound = |block: &BlockId| {
                let block_data = &self.blocks[*block];
                let bound = saved[*block].contains(&local) || block_data.params.contains(&local);
                *block != declared
                    && !block_data.kills.contains(&local)
                    && !(bound && assigned_before[*block])
            };
            if (stored || data.uninit_declaration.is_some()) && data.assigned_in.iter().any(unbound)
            {
                let name = &data.name;
                // (See `declare_unassigned`: a `let n;` is declared afresh wherever it is
                // assigned once its type can be tied to the declaration's.)
                let message = if data.uninit_declaration.is_none() {
                    format!("`{name}` is declared without a value in a pattern that the coroutine cannot split into one `let` per name (a tuple of names split when its type is written as a tuple or not at all), and assigned after a suspension point; declare it on its own (`let {name};`)")
                } else if !data.mutable && !self.redeclarable_without_value(local) {
                    format!("`{name}` is declared without a value and assigned both in a branch of the block that declares it and after a suspension point; after the suspension the coroutine declares `{name}` afresh, and without a written type it cannot give both the same type: write it (`let {name}: T;`)")
                } else {
                    format!("`{name}` is declared without a value and assigned after a suspension point where it may hold a value already (assigned before the suspension, or in an earlier turn of a loop), by code that does not certainly assign it before anything else; a coroutine carries its locals across suspensions by value, so give `{name}` its value where it is declared (`let {name} = if .. {{ .. }} else {{ .. }};`)")
                };
                return Err(syn::Error::new(name.span(), message));
            }
        }
        Ok(())
    }

    /// For each block, whether a local declared without a value in `declared` certainly has one
    /// at its entry: every path from the declaration passes an assignment that certainly runs
    /// before the jump it leaves by (see [`Local::first_assigned_in`]).
    fn certainly_assigned_on_entry(
        &self,
        local: LocalId,
        declared: BlockId,
        reachable: &[bool],
    ) -> Vec<bool> {
        let first_assigned = &self.locals[local].first_assigned_in;
        let assigned_before_jumps = &self.locals[local].assigned_before_jumps;
        let mut on_entry = vec![true; self.blocks.len()];
        on_entry[declared] = false;
        loop {
            let mut changed = false;
            for (index, jump) in self.running_jumps(reachable) {
                if jump.to == declared || !on_entry[jump.to] {
                    continue;
                }
                let after_assignment = assigned_before_jumps.contains(&index)
                    || first_assigned.get(&jump.from).is_some_and(|&before| {
                        let jumps = &self.blocks[jump.from].jumps;
                        jumps
                            .get(before..)
                            .is_some_and(|later| later.contains(&index))
                    });
                if !on_entry[jump.from] && !after_assignment {
                    on_entry[jump.to] = false;
                    changed = true;
                }
            }
            if !changed {
                return on_entry;
            }
        }
    }

    /// `block` and the blocks `inlined` into its arm, through any depth of inlining: the code
    /// that one arm holds.
    fn arm_blocks(&self, block: BlockId, inlined: &[bool]) -> Vec<BlockId> {
        let mut arm = vec![block];
        let mut next = 0;
        while let Some(&block) = arm.get(next) {
            next += 1;
            for &jump in &self.blocks[block].jumps {
                let to = self.jumps[jump].to;
                if inlined[to] && !arm.contains(&to) {
                    arm.push(to);
                }
            }
        }
        arm
    }

    /// Whether the arm of `block` (see [`Self::arm_blocks`]) leaves only by suspending or
    /// returning: a single loop whose head suspends. Peeling the head of an outer loop, whose
    /// code goes on to an inner loop's head, made the nested loops of the `nested` benchmark
    /// three times slower (45,407 instructions an iteration instead of 14,620).
    fn suspends_before_other_heads(&self, block: BlockId, inlined: &[bool]) -> bool {
        let arm = self.arm_blocks(block, inlined);
        let jumps = arm.iter().flat_map(|&block| &self.blocks[block].jumps);
        jumps
            .map(|&jump| &self.jumps[jump])
            .all(|jump| !matches!(jump.kind, JumpKind::Goto) || inlined[jump.to])
    }

    /// Whether the arm of `block` (see [`Self::arm_blocks`]) may write a closure or an `async`
    /// block (as far as its tokens tell: any `|`, any `async`): each copy of such code would
    /// make a type of its own, where the states need one.
    fn makes_unique_types(&self, block: BlockId, inlined: &[bool]) -> bool {
        fn in_tokens(tokens: TokenStream) -> bool {
            tokens.into_iter().any(|tree| match tree {
                proc_macro2::TokenTree::Punct(punct) => punct.as_char() == '|',
                proc_macro2::TokenTree::Ident(ident) => ident == "async",
                proc_macro2::TokenTree::Group(group) => in_tokens(group.stream()),
                proc_macro2::TokenTree::Literal(_) => false,
            })
        }
        let arm = self.arm_blocks(block, inlined);
        arm.into_iter()
            .any(|block| in_tokens(self.blocks[block].code.clone()))
    }

    /// Blocks entered by exactly one plain jump (for each, that jump), emitted inside their
    /// predecessor's arm, unless
    /// the jump leaves a `match` whose scrutinee's temporaries would then live on; and for each,
    /// the locals to drop before its code (see [`Layout::dropped_on_entry`]).
    ///
    /// A local the jump leaves behind (one the block does not store: out of its scope, dead, or
    /// moved out) stays bound in the arm, so nothing the inlined code says may name it (the
    /// name would resolve to it) unless the block declares it afresh (an assignment before any
    /// read). If it has a destructor, the jump drops it by name, where leaving the arm would
    /// have: that needs a local certainly holding its whole value, named at the jump, that the
    /// jump's arguments do not take, and that is not `silently_unused` (dropping it would
    /// silence rustc's `unused_variables`).
    fn inlinable(
        &self,
        reachable: &[bool],
        saved: &[BTreeSet<LocalId>],
        silently_unused: &dyn Fn(LocalId) -> bool,
    ) -> (Vec<Option<usize>>, Vec<Vec<LocalId>>, Vec<bool>) {
        let mut incoming = vec![Vec::new(); self.blocks.len()];
        for (index, jump) in self.running_jumps(reachable) {
            incoming[jump.to].push(index);
        }
        // A plain jump into `block`: not a suspension's, into a block entered by jumps only, and
        // from inside the scrutinee regions the block belongs in.
        let plain = |jump: &Jump, block: BlockId| {
            matches!(self.blocks[block].entry, Entry::Jump)
                && matches!(jump.kind, JumpKind::Goto)
                && self.blocks[block].regions.starts_with(&jump.regions)
        };
        let single_plain_entry = |block: BlockId| {
            let [jump] = incoming[block][..] else {
                return None;
            };
            let jump = &self.jumps[jump];
            (block != 0 && jump.from != block && plain(jump, block)).then_some(jump)
        };
        // The locals to drop before the code of `block` runs in place of `jump`, if it can.
        // A jump that hands the block a borrow (a pattern's binding into `&v`) can reach it only
        // in place: through the state, the borrow would sit beside what it borrows. There, a
        // local left behind that cannot be dropped by name stays bound until the arm ends (as
        // it would in Rust, longer).
        let fits_in_place = |jump: &Jump, block: BlockId| -> Option<Vec<LocalId>> {
            let source = &self.blocks[jump.from];
            let target = &self.blocks[block];
            let lends = (jump.args.iter()).any(|&(param, _)| {
                let data = &self.locals[param];
                data.borrow_like || data.borrows_from.is_some()
            });
            let mut mentioned = None;
            let mut kept_names = None;
            let mut nameable = None;
            let mut taken_by_args = None;
            let mut to_drop = Vec::new();
            let fits = jump.visible.iter().all(|&local| {
                let present = saved[jump.from].contains(&local)
                    || source.decls.contains(&local)
                    || jump.pattern_bound.contains(&local);
                if !present || saved[block].contains(&local) {
                    return true;
                }
                let data = &self.locals[local];
                let name = self.binding_name_at(jump.from, local).to_string();
                let redeclared = target.scope.contains(&local) && target.kills.contains(&local);
                // Bound again before any code that names it: a reference to a whole local,
                // which each block that uses it rebuilds on entry, or a local the block keeps
                // under the same name, which it binds on entry.
                let kept_names = kept_names.get_or_insert_with(|| {
                    (saved[block].iter())
                        .map(|&kept| self.entry_name(block, kept).to_string())
                        .collect::<BTreeSet<_>>()
                });
                let rebound = data.reborrow.is_some() || kept_names.contains(&name);
                let mentioned = mentioned.get_or_insert_with(|| {
                    self.names_mentioned_inline(block, &|to| single_plain_entry(to).is_some())
                });
                if !redeclared && !rebound && mentioned.contains(&name) {
                    return false;
                }
                // An obvious borrow (a reference, a borrowing iterator; not a closure, which may
                // own what it captures) has no destructor to run where the jump would have
                // dropped it, as for a dead one (see `keep_dead` in `layout`): dropping it by
                // name there would use the borrow after what it borrows moved into the block's
                // bindings.
                let plain_borrow =
                    (data.borrow_like || data.borrows_from.is_some()) && !data.closure;
                if data.drop_free || plain_borrow {
                    return true;
                }
                let nameable =
                    nameable.get_or_insert_with(|| self.available_at(jump, &saved[jump.from]));
                let taken_by_args = taken_by_args.get_or_insert_with(|| {
                    let mut names = Vec::new();
                    for (_, arg) in &jump.args {
                        crate::scan::mentions(arg, &mut names);
                    }
                    names
                        .into_iter()
                        .map(|(name, _)| name)
                        .collect::<BTreeSet<_>>()
                });
                let droppable = !data.moved
                    && data.declared_uninit.is_none()
                    && data.reborrow.is_none()
                    && !silently_unused(local)
                    && nameable.contains(&local)
                    && !taken_by_args.contains(&name);
                if droppable {
                    to_drop.push(local);
                }
                droppable || lends
            });
            fits.then(|| {
                to_drop.reverse();
                to_drop
            })
        };
        let mut entered_by = vec![None; self.blocks.len()];
        let mut dropped = vec![Vec::new(); self.blocks.len()];
        for block in 0..self.blocks.len() {
            let Some(jump) = single_plain_entry(block) else {
                continue;
            };
            if let Some(to_drop) = fits_in_place(jump, block) {
                entered_by[block] = Some(incoming[block][0]);
                dropped[block] = to_drop;
            }
        }
        let inlined: Vec<bool> = entered_by.iter().map(Option::is_some).collect();
        let mut peeled = vec![false; self.jumps.len()];
        for &index in &self.blocks[0].jumps {
            let jump = &self.jumps[index];
            let block = jump.to;
            peeled[index] = !inlined[block]
                && incoming[block].len() > 1
                && plain(jump, block)
                && self.suspends_before_other_heads(block, &inlined)
                && !self.makes_unique_types(block, &inlined)
                && fits_in_place(jump, block).is_some_and(|d| d.is_empty());
        }
        (entered_by, dropped, peeled)
    }

    /// Every name the code of `block` mentions, and the code of the blocks its plain jumps may
    /// inline there (`may_inline`), transitively: what can see a local left in scope by the
    /// jump that inlines `block`.
    fn names_mentioned_inline(
        &self,
        block: BlockId,
        may_inline: &dyn Fn(BlockId) -> bool,
    ) -> BTreeSet<String> {
        let mut names = Vec::new();
        let mut seen = BTreeSet::from([block]);
        let mut pending = vec![block];
        while let Some(next) = pending.pop() {
            crate::scan::mentions(&self.blocks[next].code, &mut names);
            for &jump in &self.blocks[next].jumps {
                let jump = &self.jumps[jump];
                if matches!(jump.kind, JumpKind::Goto)
                    && may_inline(jump.to)
                    && seen.insert(jump.to)
                {
                    pending.push(jump.to);
                }
            }
        }
        names.into_iter().map(|(name, _)| name).collect()
    }

    /// Locals the source block of `jump` can name there.
    fn available_at(&self, jump: &Jump, saved_at_source: &BTreeSet<LocalId>) -> BTreeSet<LocalId> {
        jump.visible
            .iter()
            .enumerate()
            .filter(|&(index, &local)| {
                let name = self.binding_name_at(jump.from, local);
                let shadowed = jump.visible[index + 1..].iter().any(|&later| {
                    self.holds_at(jump, saved_at_source, later)
                        && self.binding_name_at(jump.from, later) == name
                });
                self.holds_at(jump, saved_at_source, local) && !shadowed
            })
            .map(|(_, &local)| local)
            .collect()
    }

    /// Whether the source arm of `jump` has a value for `local` at the jump: stored in its state
    /// (`saved_at_source`), declared or assigned afresh in its code, or bound by the pattern the
    /// jump sits in.
    fn holds_at(&self, jump: &Jump, saved_at_source: &BTreeSet<LocalId>, local: LocalId) -> bool {
        let source = &self.blocks[jump.from];
        saved_at_source.contains(&local)
            || source.decls.contains(&local)
            || source.kills.contains(&local)
            || jump.pattern_bound.contains(&local)
    }

    /// The name `local` has inside `block`'s arm.
    pub fn binding_name_at(&self, block: BlockId, local: LocalId) -> Ident {
        if self.blocks[block].scope.contains(&local) {
            self.entry_name(block, local)
        } else {
            self.locals[local].name.clone()
        }
    }

    /// Where the value of `local` on entry to `block` is next read: the first mention in the
    /// nearest block (breadth first) that mentions it before assigning it afresh.
    pub fn next_use(&self, block: BlockId, local: LocalId) -> Option<Span> {
        let mut seen = vec![false; self.blocks.len()];
        let mut queue = VecDeque::from([block]);
        while let Some(block) = queue.pop_front() {
            if std::mem::replace(&mut seen[block], true) {
                continue;
            }
            let data = &self.blocks[block];
            if data.kills.contains(&local) {
                continue;
            }
            if let Some(&span) = data.uses.get(&local) {
                return Some(span);
            }
            queue.extend(data.jumps.iter().map(|&jump| self.jumps[jump].to));
        }
        None
    }

    fn post_order(&self, block: BlockId, seen: &mut [bool], out: &mut Vec<BlockId>) {
        if seen[block] {
            return;
        }
        seen[block] = true;
        for &jump in self.live_jumps(block) {
            self.post_order(self.jumps[jump].to, seen, out);
        }
        out.push(block);
    }

    /// Backward liveness over the blocks: a local is live at a block's entry if the block or
    /// something after it mentions it before redeclaring it.
    fn liveness(&self, reachable: &[bool]) -> Vec<BTreeSet<LocalId>> {
        let count = self.blocks.len();
        let mut live_in: Vec<BTreeSet<LocalId>> = vec![BTreeSet::new(); count];
        loop {
            let mut changed = false;
            for block in (0..count).rev() {
                if !reachable[block] {
                    continue;
                }
                let data = &self.blocks[block];
                let mut live: BTreeSet<LocalId> = data
                    .uses
                    .keys()
                    .filter(|local| !data.kills.contains(local))
                    .copied()
                    .collect();
                for (position, &jump) in self.live_jumps(block).iter().enumerate() {
                    let jump = &self.jumps[jump];
                    for &local in &live_in[jump.to] {
                        let killed = data.kills.contains(&local)
                            && (data.late_kills.get(&local)).is_none_or(|&before| {
                                position >= before && jump.assigned_before.contains(&local)
                            });
                        if !data.decls.contains(&local)
                            && !killed
                            && !jump.args.iter().any(|(l, _)| *l == local)
                            && !jump.pattern_bound.contains(&local)
                        {
                            live.insert(local);
                        }
                    }
                }
                // A local declared here is only used here after its declaration.
                for local in data.params.iter().chain(&data.decls) {
                    live.remove(local);
                }
                if let Entry::Yield { value, .. } | Entry::Delegate { value, .. } = data.entry {
                    live.remove(&value);
                }
                if live != live_in[block] {
                    live_in[block] = live;
                    changed = true;
                }
            }
            if !changed {
                return live_in;
            }
        }
    }
}

/// How a local is called in messages: the body's `self` is stored as a hidden local.
pub fn display_name(name: &Ident) -> String {
    if name == "__self" {
        "self".to_owned()
    } else {
        name.to_string()
    }
}

/// The hidden name of a shadowed local inside an arm.
pub fn shadowed_name(local: LocalId) -> Ident {
    Ident::new(&format!("__shadowed{local}"), Span::mixed_site())
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// The number of states (variants but `Returned` and `Poisoned`) of a coroutine's enum.
    fn states(item: proc_macro2::TokenStream) -> usize {
        let expanded = crate::expand::coroutine(quote!(yield = u64), item).to_string();
        let start = expanded.find("enum ").expect("a state enum");
        let end = start + expanded[start..].find("Returned").expect("Returned");
        expanded[start..end].matches(" } ,").count()
    }

    #[test]
    fn a_discarded_unit_resume_goes_straight_to_the_loop_head() {
        // The same loop, but the second reads the resume value: it keeps the state between
        // the `yield_!` and the head, the first does not.
        let threaded = states(quote! {
            fn ticks(count: u64) { for tick in 0..count { yield_!(tick); } }
        });
        let kept = states(quote! {
            fn ticks(count: u64) { for tick in 0..count { let () = yield_!(tick); } }
        });
        assert_eq!(threaded + 1, kept);
    }

    #[test]
    fn a_local_with_a_destructor_keeps_the_resume_state() {
        // `name` (a `String`) would be dropped at the suspension instead of at the resume.
        let with_string = states(quote! {
            fn ticks(count: u64) {
                for tick in 0..count { let name = String::new(); yield_!(tick); }
            }
        });
        let with_number = states(quote! {
            fn ticks(count: u64) {
                for tick in 0..count { let number = 1; yield_!(tick); }
            }
        });
        assert_eq!(with_number + 1, with_string);
    }

    #[test]
    fn a_loop_exit_leaving_only_drop_free_locals_runs_in_place() {
        // At each loop's end its iterator is left behind: a range of integers has no
        // destructor, so the code after the loop runs there, and the states are the start and
        // the two loop heads. A vector's iterator has one, and must be dropped at the jump, so
        // the code after the inner loop keeps a state of its own.
        let ranges = states(quote! {
            fn nested(n: u64) { for i in 0..n { for j in 0..i { yield_!(i ^ j); } } }
        });
        let vectors = states(quote! {
            fn nested(n: u64) {
                for i in 0..n { for j in (0..i).collect::<Vec<u64>>() { yield_!(i ^ j); } }
            }
        });
        assert_eq!(ranges, 3);
        assert!(vectors > ranges, "{vectors}");
    }

    #[test]
    fn a_loop_exit_leaving_an_iterator_with_a_destructor_drops_it_and_runs_in_place() {
        // The loop's exit is inlined, dropping the iterator first: the states are the start,
        // the loop head, and the resume of the `yield_!` (the loop's item, of a type the macro
        // does not know, is dropped after it; see the next test for when it is skipped).
        let slice = states(quote! {
            fn items(v: &[u64]) { for item in v.iter() { yield_!(*item); } }
        });
        assert_eq!(slice, 3);
    }

    #[test]
    fn a_yield_whose_resume_only_drops_unknown_locals_tests_them_and_may_skip_it() {
        // The item of a vector's iterator (a number, but the macro cannot know) would be
        // dropped by the resume: the `yield_!` tests at compile time whether it has drop glue,
        // and when it has none suspends straight into the loop's head. An integer range's item
        // is known to have none: no test.
        let expand = |item| crate::expand::coroutine(quote!(yield = u64), item).to_string();
        let vector = expand(quote! {
            fn items(v: Vec<u64>) { for item in v { yield_!(item.count_ones().into()); } }
        });
        assert!(vector.contains("needs_drop_of (& item)"), "{vector}");
        let range = expand(quote! {
            fn items(n: u64) { for item in 0..n { yield_!(item); } }
        });
        assert!(!range.contains("needs_drop_of"), "{range}");
    }

    #[test]
    fn a_block_naming_a_leftover_local_keeps_its_state() {
        // After the `break`, the loop's `x` is still bound in the arm; the code after the loop
        // names `x` (a fn), so it cannot run there.
        let names_it = states(quote! {
            fn f(n: u64) {
                let mut k = 0;
                loop { let x: u64 = k; if x < n { yield_!(x); k += 1; continue; } break; }
                x();
            }
        });
        let does_not = states(quote! {
            fn f(n: u64) {
                let mut k = 0;
                loop { let x: u64 = k; if x < n { yield_!(x); k += 1; continue; } break; }
                y();
            }
        });
        assert_eq!(does_not + 1, names_it);
    }
}
