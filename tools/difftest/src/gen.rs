//! The random program generator.
//!
//! Programs are well-typed, terminating and panic-free by construction:
//! - every loop is bounded: `loop`/`while` by a fresh `u32` counter declared just before the
//!   loop and bumped first thing in its body, `while let` by popping a `Vec` that its body may
//!   not grow or replace, `for` by iterating a small range or a finite collection;
//! - `i64` arithmetic is `wrapping_*`, bitwise, or `+ - *` on operands whose magnitude the
//!   generator bounds (an operand that may be large is first reduced with `% 1000`);
//! - a non-`Copy` local is moved only in the loop nesting level it was declared in, and never
//!   used again after (even on other paths: the generator is conservative);
//! - borrows are never held across a suspension point (a documented limitation of the
//!   lowering): a `for` loop iterates a clone, a `match` never borrows its scrutinee;
//! - an inner block never shadows a name of an enclosing block (a documented limitation:
//!   shadowing is only generated within one block).

use crate::ast::{Arm, Block, Expr, Kind, Pat, Stmt, Ty};
use crate::rng::Rng;

/// Constructs that can be switched off (to keep the checked-in suite green while a bug in the
/// lowering is open, see `tests/differential/regressions.rs`).
#[derive(Clone, Debug)]
pub struct Features {
    /// Explicit parentheses around a suspending method receiver, `(a - yield_!(b)).abs()`.
    pub paren_receiver: bool,
    /// A suspension in the `else` block of `let .. else`.
    pub suspend_in_let_else: bool,
    /// `while let` whose scrutinee is an `if` mentioning the popped `Vec`.
    pub complex_while_let: bool,
    /// Moving a non-`Copy` local declared inside a loop body (BUG 1).
    pub move_in_loop: bool,
    /// A `match` arm binding the name of a variable of an enclosing block, its body free of
    /// suspensions (one that suspends while the variable must be kept is a documented error),
    /// and `let`s in that body hiding any enclosing block's variable.
    pub shadow_in_arms: bool,
    /// `let d;` (or `let mut d;`, or two, declared by one `let` of a tuple or not, given their
    /// values by one destructuring assignment) given its value by an assignment statement later
    /// in its block, or in both branches of an `if`, often after a suspension.
    pub deferred_let: bool,
    /// `{ let r = &mut v; .. }` (or `&v`): a block whose code reaches a local only through a
    /// reference to the whole of it, `(*r)`, across the suspensions in the block.
    pub whole_local_borrow: bool,
}

impl Features {
    /// Everything on (for `run`).
    pub fn all() -> Features {
        Features {
            paren_receiver: true,
            suspend_in_let_else: true,
            complex_while_let: true,
            move_in_loop: true,
            shadow_in_arms: true,
            deferred_let: true,
            whole_local_borrow: true,
        }
    }
}

/// Generator settings.
#[derive(Clone, Debug)]
pub struct Config {
    pub features: Features,
    /// Statement budget of `prog` (inclusive range); helpers get about a third.
    pub stmts: (i64, i64),
    /// Suspension points (and delegations) of `prog`; helpers get about a third.
    pub suspends: (i64, i64),
}

impl Config {
    /// Programs small enough to compile fast (the lowering's compile time grows quickly with
    /// the number of suspension points times stored locals).
    pub fn new(features: Features) -> Config {
        Config {
            features,
            stmts: (4, 14),
            suspends: (2, 12),
        }
    }
}

/// One function of a program.
#[derive(Clone, Debug)]
pub struct FnDef {
    pub name: String,
    pub params: Vec<(String, Ty)>,
    pub ret: Ty,
    pub body: Block,
}

/// A program: helper coroutines, the main coroutine `prog`, the arguments it is called with, and
/// the seed of its resume script.
#[derive(Clone, Debug)]
pub struct Program {
    pub id: String,
    pub fns: Vec<FnDef>,
    pub args: Vec<Expr>,
    pub script_seed: u64,
}

#[derive(Clone, Debug)]
struct Var {
    name: String,
    ty: Ty,
    mutable: bool,
    moved: bool,
    /// Loop nesting level of the declaration (moves only at the same level).
    loop_depth: usize,
    /// A `Vec` being drained by `while let`: not to be grown, replaced or moved.
    frozen: bool,
    /// A loop counter: read-only for everything but its loop.
    counter: bool,
    /// A bound on the magnitude of an `i64` (`u64::MAX`: unknown).
    bound: u64,
}

impl Var {
    /// A reference's referent, `(*r)` (see `G::borrow_block`): a place, not a name.
    fn is_referent(&self) -> bool {
        self.name.starts_with('(')
    }
}

#[derive(Clone, Debug)]
struct Target {
    label: Option<String>,
    is_loop: bool,
    value: Option<Ty>,
}

#[derive(Clone, Debug)]
struct Helper {
    name: String,
    params: Vec<Ty>,
    ret: Ty,
}

const UNKNOWN: u64 = u64::MAX;
/// Operands of `+ - *` are reduced below this.
const SMALL: u64 = 1 << 24;

struct G<'a> {
    rng: &'a mut Rng,
    cfg: &'a Config,
    scopes: Vec<Vec<Var>>,
    targets: Vec<Target>,
    loop_depth: usize,
    ret: Ty,
    helpers: Vec<Helper>,
    fresh: usize,
    budget: i64,
    nesting: usize,
    /// Positive in closures and match guards: no suspension, no move, no `?` there.
    no_suspend: usize,
    /// How many `match` arms whose binding hides a variable enclose the current point.
    hiding_arms: usize,
    /// The next block is a `match` arm that ends by returning instead of with its value.
    returning_arm: bool,
    /// Per-program chance (percent) of an `i64` slot becoming a suspension.
    suspend_pct: u32,
    /// Suspension points (and delegations) this fn may still get: the lowering's compile time
    /// grows fast with the number of states times stored locals.
    suspends_left: i64,
    /// Positive while generating an operand that should rather not suspend itself.
    quiet: usize,
}

/// Generates program number `index` of the stream of `seed`.
pub fn program(seed: u64, index: u64, cfg: &Config) -> Program {
    let mut rng = Rng::new(seed.wrapping_mul(0x1000_0000_01B3).wrapping_add(index));
    let script_seed = rng.next_u64() % 1000;
    let n_helpers = rng.weighted(&[3, 4, 2]);
    let mut fns = Vec::new();
    let mut callable: Vec<Helper> = Vec::new();
    // Helpers are generated last-first so that each may delegate to the ones after it.
    let mut helper_defs = Vec::new();
    for k in (0..n_helpers).rev() {
        let name = format!("h{}", k + 1);
        let mut params = vec![("n".to_string(), Ty::I64)];
        if rng.chance(40) {
            params.push(("t".to_string(), Ty::Str));
        }
        let ret = *rng.pick(&[Ty::I64, Ty::I64, Ty::OptI, Ty::ResI]);
        let budget = rng.range(1, (cfg.stmts.1 / 3).max(2));
        let body = {
            let mut g = G::new(&mut rng, cfg, ret, callable.clone(), budget);
            g.suspends_left = g.rng.range(1, (cfg.suspends.1 / 3).max(2));
            g.fn_body(&params)
        };
        callable.push(Helper {
            name: name.clone(),
            params: params.iter().map(|p| p.1).collect(),
            ret,
        });
        helper_defs.push(FnDef {
            name,
            params,
            ret,
            body,
        });
    }
    helper_defs.reverse();
    let all = [
        ("a", Ty::I64),
        ("u", Ty::U32),
        ("s", Ty::Str),
        ("v", Ty::VecI),
    ];
    let mut params = Vec::new();
    for (n, t) in all {
        if rng.chance(55) {
            params.push((n.to_string(), t));
        }
    }
    let ret = *rng.pick(&[Ty::I64, Ty::I64, Ty::OptI, Ty::ResI, Ty::Str, Ty::VecI]);
    let budget = rng.range(cfg.stmts.0, cfg.stmts.1);
    let body = {
        let mut g = G::new(&mut rng, cfg, ret, callable.clone(), budget);
        g.suspends_left = g.rng.range(cfg.suspends.0, cfg.suspends.1);
        g.fn_body(&params)
    };
    let args = params
        .iter()
        .map(|(_, t)| match t {
            Ty::I64 => Expr::i64(rng.range(-5, 12)),
            Ty::U32 => Expr::lit(Ty::U32, format!("{}u32", rng.range(0, 9))),
            Ty::Str => Expr::new(
                Ty::Str,
                Kind::Call("st".into(), vec![Expr::i64(rng.range(0, 99))]),
            ),
            _ => Expr::new(
                Ty::VecI,
                Kind::Macro(
                    "vec",
                    (0..rng.range(0, 4))
                        .map(|_| Expr::i64(rng.range(-9, 9)))
                        .collect(),
                ),
            ),
        })
        .collect();
    fns.extend(helper_defs);
    fns.push(FnDef {
        name: "prog".into(),
        params,
        ret,
        body,
    });
    Program {
        id: format!("p{index:05}"),
        fns,
        args,
        script_seed,
    }
}

fn lit_u32(v: i64) -> Expr {
    Expr::lit(Ty::U32, format!("{v}u32"))
}

fn var(ty: Ty, name: &str) -> Expr {
    Expr::new(ty, Kind::Var(name.to_string()))
}

fn method(ty: Ty, recv: Expr, m: &str, args: Vec<Expr>) -> Expr {
    Expr::new(ty, Kind::Method(Box::new(recv), m.to_string(), args))
}

fn call(ty: Ty, f: &str, args: Vec<Expr>) -> Expr {
    Expr::new(ty, Kind::Call(f.to_string(), args))
}

fn bin(ty: Ty, a: Expr, op: &'static str, b: Expr) -> Expr {
    Expr::new(ty, Kind::Bin(Box::new(a), op, Box::new(b)))
}

fn stmt_block(stmts: Vec<Stmt>) -> Block {
    Block { stmts, tail: None }
}

fn unit(kind: Kind) -> Expr {
    Expr::new(Ty::Unit, kind)
}

impl<'a> G<'a> {
    fn new(rng: &'a mut Rng, cfg: &'a Config, ret: Ty, helpers: Vec<Helper>, budget: i64) -> G<'a> {
        let suspend_pct = *rng.pick(&[8, 15, 25, 35]);
        G {
            rng,
            cfg,
            scopes: Vec::new(),
            targets: Vec::new(),
            loop_depth: 0,
            ret,
            helpers,
            fresh: 0,
            budget,
            nesting: 0,
            no_suspend: 0,
            hiding_arms: 0,
            returning_arm: false,
            suspend_pct,
            quiet: 0,
            suspends_left: 0,
        }
    }

    fn fn_body(&mut self, params: &[(String, Ty)]) -> Block {
        self.scopes.push(
            params
                .iter()
                .map(|(n, t)| Var {
                    name: n.clone(),
                    ty: *t,
                    mutable: false,
                    moved: false,
                    loop_depth: 0,
                    frozen: false,
                    counter: false,
                    bound: if *t == Ty::I64 { 20 } else { UNKNOWN },
                })
                .collect(),
        );
        let mut stmts = Vec::new();
        while self.budget > 0 {
            stmts.extend(self.stmt());
        }
        let tail = self.expr(self.ret, 3);
        self.scopes.pop();
        Block {
            stmts,
            tail: Some(Box::new(tail)),
        }
    }

    // ---------------------------------------------------------------------------------------
    // Scopes.

    fn fresh(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("{prefix}{}", self.fresh)
    }

    fn visible(&self) -> Vec<&Var> {
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for scope in self.scopes.iter().rev() {
            for v in scope.iter().rev() {
                if !seen.contains(&v.name.as_str()) {
                    seen.push(&v.name);
                    out.push(v);
                }
            }
        }
        out
    }

    fn find_mut(&mut self, name: &str) -> Option<&mut Var> {
        for scope in self.scopes.iter_mut().rev() {
            if let Some(v) = scope.iter_mut().rev().find(|v| v.name == name) {
                return Some(v);
            }
        }
        None
    }

    /// A usable variable of type `ty` satisfying `pred`.
    fn pick_var(&mut self, ty: Ty, pred: impl Fn(&Var) -> bool) -> Option<(String, u64)> {
        let cands: Vec<(String, u64)> = self
            .visible()
            .into_iter()
            .filter(|v| v.ty == ty && !v.moved && pred(v))
            .map(|v| (v.name.clone(), v.bound))
            .collect();
        if cands.is_empty() {
            None
        } else {
            Some(self.rng.pick(&cands).clone())
        }
    }

    fn movable(&mut self, ty: Ty) -> Option<String> {
        if self.no_suspend > 0 {
            // Closures and guards: no moves.
            return None;
        }
        let depth = self.loop_depth;
        if depth > 0 && !self.cfg.features.move_in_loop {
            return None;
        }
        self.pick_var(ty, |v| v.loop_depth == depth && !v.frozen && !v.counter)
            .map(|(n, _)| n)
    }

    fn mark_moved(&mut self, name: &str) {
        if let Some(v) = self.find_mut(name) {
            v.moved = true;
        }
    }

    fn declare(&mut self, name: &str, ty: Ty, mutable: bool, bound: u64) {
        let loop_depth = self.loop_depth;
        self.scopes.last_mut().expect("a scope").push(Var {
            name: name.to_string(),
            ty,
            mutable,
            moved: false,
            loop_depth,
            frozen: false,
            counter: false,
            bound: if mutable { UNKNOWN } else { bound },
        });
    }

    /// A name for a new `let`: sometimes shadowing a variable of the current block.
    fn let_name(&mut self, ty: Ty) -> String {
        if self.rng.chance(30) {
            // In an arm that hides a variable (which suspends nowhere), any enclosing block's.
            // (Not a reference's referent, `(*r)`: not a name.)
            let cur: Vec<String> = if self.hiding_arms > 0 {
                (self.visible().into_iter())
                    .filter(|v| !v.counter && !v.frozen && !v.is_referent())
                    .map(|v| v.name.clone())
                    .collect()
            } else {
                (self.scopes.last().expect("a scope").iter())
                    .filter(|v| !v.counter && !v.is_referent())
                    .map(|v| v.name.clone())
                    .collect()
            };
            if !cur.is_empty() {
                return self.rng.pick(&cur).clone();
            }
        }
        let prefix = match ty {
            Ty::I64 => "x",
            Ty::U32 => "u",
            Ty::Bool => "k",
            Ty::Str => "s",
            Ty::VecI => "v",
            Ty::OptI => "o",
            Ty::ResI => "r",
            Ty::PairI => "t",
            Ty::P => "p",
            Ty::Unit => "z",
        };
        self.fresh(prefix)
    }

    /// Whether a suspension point may go here: not in a closure or guard, nor in an arm whose
    /// binding hides a variable, and within the fn's budget.
    fn may_suspend(&self) -> bool {
        self.no_suspend == 0 && self.hiding_arms == 0 && self.suspends_left > 0
    }

    /// A name for a `match` arm's `i64` binding: sometimes that of a variable of an enclosing
    /// block (with `hides` set), else a fresh one.
    fn arm_binding_name(&mut self, hides: &mut bool) -> String {
        if self.cfg.features.shadow_in_arms && self.rng.chance(50) {
            let names: Vec<String> = self
                .visible()
                .into_iter()
                .filter(|v| !v.counter && !v.frozen && !v.is_referent())
                .map(|v| v.name.clone())
                .collect();
            if !names.is_empty() {
                *hides = true;
                return self.rng.pick(&names).clone();
            }
        }
        self.fresh("x")
    }

    // ---------------------------------------------------------------------------------------
    // Blocks and statements.

    fn block(&mut self, value: Option<Ty>, max_stmts: usize) -> Block {
        self.block_with(value, max_stmts, Vec::new(), Vec::new())
    }

    /// A block; `binds` are declared in its scope first, `prefix` statements come first.
    fn block_with(
        &mut self,
        value: Option<Ty>,
        max_stmts: usize,
        binds: Vec<Var>,
        prefix: Vec<Stmt>,
    ) -> Block {
        self.block_full(value, max_stmts, binds, prefix, None)
    }

    /// [`Self::block_with`], and with `exit = (label, value type)` an
    /// `if cond { break 'label value; }` at a random place among the statements.
    fn block_full(
        &mut self,
        value: Option<Ty>,
        max_stmts: usize,
        binds: Vec<Var>,
        prefix: Vec<Stmt>,
        exit: Option<(String, Option<Ty>)>,
    ) -> Block {
        let returning = std::mem::take(&mut self.returning_arm);
        self.scopes.push(binds);
        self.nesting += 1;
        let mut stmts = prefix;
        let n = self
            .rng
            .range(if value.is_some() { 0 } else { 1 }, max_stmts as i64);
        let exit_at = self.rng.range(0, n);
        for i in 0..=n {
            if i == exit_at {
                if let Some((label, vty)) = &exit {
                    let c = self.cond(1);
                    let v = vty.map(|ty| Box::new(self.expr(ty, 1)));
                    stmts.push(Stmt::Expr(unit(Kind::If(
                        Box::new(c),
                        stmt_block(vec![Stmt::Expr(unit(Kind::Break(Some(label.clone()), v)))]),
                        None,
                    ))));
                }
            }
            if i == n || self.budget <= 0 {
                continue;
            }
            stmts.extend(self.stmt());
        }
        let tail = if returning {
            if self.may_suspend() && self.rng.chance(70) {
                stmts.push(self.suspend_stmt(1));
            }
            stmts.push(Stmt::Expr(self.return_expr()));
            None
        } else {
            value.map(|ty| Box::new(self.expr(ty, 2)))
        };
        self.nesting -= 1;
        self.scopes.pop();
        Block { stmts, tail }
    }

    fn max_stmts(&self) -> usize {
        match self.nesting {
            0 | 1 => 4,
            2 => 3,
            _ => 2,
        }
    }

    fn stmt(&mut self) -> Vec<Stmt> {
        self.budget -= 1;
        let deep = self.nesting >= 4;
        let in_loop = !self.targets.is_empty();
        let has_mut = self
            .visible()
            .iter()
            .any(|v| v.mutable && !v.moved && !v.counter);
        let weights = [
            22,                                      // 0 let
            5,                                       // 1 let tuple
            3,                                       // 2 let struct
            3,                                       // 3 let else
            if has_mut { 14 } else { 0 },            // 4 mutate
            if self.may_suspend() { 10 } else { 0 }, // 5 suspend stmt
            if self.helpers.is_empty() || !self.may_suspend() {
                0
            } else {
                5
            }, // 6 delegate stmt
            4,                                       // 7 note
            if deep { 0 } else { 8 },                // 8 if
            if deep { 0 } else { 4 },                // 9 if let
            if deep { 0 } else { 5 },                // 10 match
            if deep { 0 } else { 4 },                // 11 loop
            if deep { 0 } else { 4 },                // 12 while
            if deep { 0 } else { 3 },                // 13 while let
            if deep { 0 } else { 6 },                // 14 for
            if deep { 0 } else { 3 },                // 15 labelled block
            if in_loop { 6 } else { 0 },             // 16 break/continue
            2,                                       // 17 return
            if deep { 0 } else { 2 },                // 18 block
            if self.cfg.features.deferred_let { 3 } else { 0 }, // 19 deferred let
            if self.cfg.features.deferred_let && !deep {
                2
            } else {
                0
            }, // 20 ... in a loop
            if !deep && self.borrowable().is_some() {
                3
            } else {
                0
            }, // 21 borrow block
            2,                                       // 22 assertion
        ];
        match self.rng.weighted(&weights) {
            0 => vec![self.let_simple()],
            1 => vec![self.let_tuple()],
            2 => vec![self.let_struct()],
            3 => vec![self.let_else()],
            4 => vec![self.mutate()],
            5 => vec![self.suspend_stmt(2)],
            6 => vec![Stmt::Expr(self.delegate_raw())],
            7 => {
                let ty = *self
                    .rng
                    .pick(&[Ty::I64, Ty::I64, Ty::Str, Ty::VecI, Ty::Bool, Ty::OptI]);
                let tag = self.fresh("n");
                let e = self.expr(ty, 2);
                vec![Stmt::Expr(call(
                    ty,
                    "note",
                    vec![Expr::lit(Ty::Str, format!("{tag:?}")), e],
                ))]
            }
            8 => vec![Stmt::Expr(self.if_expr(None, 3))],
            9 => vec![Stmt::Expr(self.if_let(None))],
            10 => vec![Stmt::Expr(self.match_expr(None))],
            11 => self.loop_(None),
            12 => self.while_(),
            13 => self.while_let(),
            14 => vec![Stmt::Expr(self.for_())],
            15 => vec![Stmt::Expr(self.labelled_block(None))],
            16 => vec![self.jump()],
            17 => {
                let e = self.expr(self.ret, 2);
                let c = self.cond(1);
                vec![Stmt::Expr(unit(Kind::If(
                    Box::new(c),
                    stmt_block(vec![Stmt::Expr(unit(Kind::Return(Some(Box::new(e)))))]),
                    None,
                )))]
            }
            18 => {
                let m = self.max_stmts();
                let b = self.block(None, m);
                vec![Stmt::Expr(unit(Kind::Block(None, b)))]
            }
            19 => self.deferred_let(),
            20 => self.deferred_let_in_loop(),
            21 => self.borrow_block(),
            _ => vec![self.assertion()],
        }
    }

    /// The flavour's suspension as a statement, of an integer of nesting `depth`.
    fn suspend_stmt(&mut self, depth: u32) -> Stmt {
        let v = self.int(depth).0;
        Stmt::Expr(Expr::new(Ty::I64, Kind::Suspend(Box::new(v))))
    }

    /// `assert!` or `debug_assert!` of a condition that holds (a generated integer is never
    /// `i64::MIN`), with or without a message; the condition and the message may suspend.
    /// Which of them run (the message never, a debug assertion only with debug assertions on)
    /// is std's rule, which the plain program follows.
    fn assertion(&mut self) -> Stmt {
        let (value, _) = self.int(2);
        let cond = Expr::new(
            Ty::Bool,
            Kind::Bin(
                Box::new(value),
                "!=",
                Box::new(Expr::lit(Ty::I64, "i64::MIN")),
            ),
        );
        let name = *self.rng.pick(&["assert", "debug_assert"]);
        let args = if self.rng.chance(70) {
            let (message, _) = self.int(2);
            vec![cond, Expr::lit(Ty::Unit, "\"{}\""), message]
        } else {
            vec![cond]
        };
        Stmt::Expr(unit(Kind::Macro(name, args)))
    }

    /// A local a whole-local borrow may take: an `i64`, `Vec` or `String` that is still there
    /// and neither a loop's counter nor a `Vec` being drained, nor a reference's referent
    /// already (`(*r)`).
    fn borrowable(&self) -> Option<Vec<(String, Ty, bool)>> {
        let candidates: Vec<(String, Ty, bool)> = self
            .visible()
            .into_iter()
            .filter(|v| {
                !v.moved
                    && !v.counter
                    && !v.frozen
                    && !v.is_referent()
                    && matches!(v.ty, Ty::I64 | Ty::VecI | Ty::Str)
            })
            .map(|v| (v.name.clone(), v.ty, v.mutable))
            .collect();
        (!candidates.is_empty()).then_some(candidates)
    }

    /// `{ let r = &mut v; .. }` (or `&v` when `v` is not `mut`, sometimes when it is): in the
    /// block `v` is out of reach and `(*r)` stands for it, a place that is never moved out of
    /// (its loop depth matches no loop) and, through `&mut`, may be mutated.
    fn borrow_block(&mut self) -> Vec<Stmt> {
        let Some(candidates) = self.borrowable() else {
            return Vec::new();
        };
        let (name, ty, mutable) = self.rng.pick(&candidates).clone();
        let exclusive = mutable && self.rng.chance(70);
        let reference = self.fresh("r");
        let borrow = if exclusive { "&mut " } else { "&" };
        let declaration = Stmt::Expr(Expr::lit(
            Ty::Unit,
            format!("let {reference} = {borrow}{name}"),
        ));
        let referent = Var {
            name: format!("(*{reference})"),
            ty,
            mutable: exclusive,
            moved: false,
            loop_depth: usize::MAX,
            frozen: false,
            counter: false,
            bound: UNKNOWN,
        };
        let m = self.max_stmts();
        let block = self.without(&name, |this| {
            this.block_with(None, m, vec![referent], vec![declaration])
        });
        if exclusive {
            if let Some(var) = self.find_mut(&name) {
                var.bound = UNKNOWN;
            }
        }
        vec![Stmt::Expr(unit(Kind::Block(None, block)))]
    }

    /// `let d: i64;` (or `let d;`), a suspension and other statements that cannot see `d`,
    /// then `d = value;` (or `if c { ..; d = a; } else { ..; d = b; }`, whose branches may
    /// suspend too), after which `d` is a variable like any other.
    fn deferred_let(&mut self) -> Vec<Stmt> {
        // Sometimes two, given their values by one destructuring assignment `(d, e) = (.., ..)`.
        let count = if self.rng.chance(25) { 2 } else { 1 };
        let names: Vec<String> = (0..count).map(|_| self.fresh("d")).collect();
        // A `mut` one may be assigned again later, in loops too.
        let mutable = self.rng.chance(30);
        let annotated = self.rng.chance(50);
        let bindings: Vec<String> = (names.iter())
            .map(|name| {
                if mutable {
                    format!("mut {name}")
                } else {
                    name.clone()
                }
            })
            .collect();
        let mut out = Vec::new();
        if names.len() > 1 && self.rng.chance(50) {
            // One `let` of a tuple of names: `let (d, e): (i64, i64);`.
            let declaration = if annotated {
                format!("let ({}): (i64, i64)", bindings.join(", "))
            } else {
                format!("let ({})", bindings.join(", "))
            };
            out.push(Stmt::Expr(Expr::lit(Ty::Unit, declaration)));
        } else {
            for binding in &bindings {
                let declaration = if annotated {
                    format!("let {binding}: i64")
                } else {
                    format!("let {binding}")
                };
                out.push(Stmt::Expr(Expr::lit(Ty::Unit, declaration)));
            }
        }
        if self.may_suspend() && self.rng.chance(70) {
            out.push(self.suspend_stmt(2));
        }
        for _ in 0..self.rng.range(0, 2) {
            if self.budget > 0 {
                out.extend(self.stmt());
            }
        }
        let assign = |this: &mut Self| {
            let mut places = Vec::new();
            let mut values = Vec::new();
            let mut bound = 0;
            for name in &names {
                let (value, value_bound) = this.int(2);
                places.push(var(Ty::I64, name));
                values.push(value);
                bound = bound.max(value_bound);
            }
            let (place, value) = if places.len() == 1 {
                (places.remove(0), values.remove(0))
            } else {
                (
                    Expr::new(Ty::Unit, Kind::Tuple(places)),
                    Expr::new(Ty::Unit, Kind::Tuple(values)),
                )
            };
            let statement = Stmt::Expr(unit(Kind::Assign(Box::new(place), "=", Box::new(value))));
            (statement, bound)
        };
        let bound = if self.budget > 0 && self.rng.chance(40) {
            let cond = self.cond(1);
            // The branch's own statements in a block of their own, ended (its borrows and
            // temporaries gone) before the assignment, which the generator writes outside it.
            let branch = |this: &mut Self| {
                let inner = this.block(None, 2);
                let (statement, bound) = assign(this);
                let stmts = vec![Stmt::Expr(unit(Kind::Block(None, inner))), statement];
                (stmt_block(stmts), bound)
            };
            let (then, then_bound) = branch(self);
            let (otherwise, else_bound) = branch(self);
            out.push(Stmt::Expr(unit(Kind::If(
                Box::new(cond),
                then,
                Some(otherwise),
            ))));
            then_bound.max(else_bound)
        } else if self.budget > 0 && self.rng.chance(30) {
            // `if c { d = a; ..; return ..; }` then `d = b;`: one value on each path, the
            // first on a path that leaves the function where it stands (after which the
            // split has edges that never run).
            let cond = self.cond(1);
            let (statement, _) = assign(self);
            let mut stmts = vec![statement];
            if self.may_suspend() && self.rng.chance(60) {
                stmts.push(self.suspend_stmt(2));
            }
            stmts.push(Stmt::Expr(self.return_expr()));
            out.push(Stmt::Expr(unit(Kind::If(
                Box::new(cond),
                stmt_block(stmts),
                None,
            ))));
            let (statement, bound) = assign(self);
            out.push(statement);
            bound
        } else {
            let (statement, bound) = assign(self);
            out.push(statement);
            bound
        };
        for name in &names {
            self.declare(name, Ty::I64, mutable, bound);
        }
        out
    }

    /// `let mut d;` before a loop that gives it a value in each turn, after a suspension, by a
    /// statement that may leave the loop instead (`if c { d = v } else { break }`, `if c {
    /// break } d = v;`, `if c { continue } d = v;`), then reads it in that turn; nothing after
    /// the loop reads it (it may have no value there), so it is not declared to what follows.
    fn deferred_let_in_loop(&mut self) -> Vec<Stmt> {
        let name = self.fresh("d");
        let declaration = if self.rng.chance(50) {
            format!("let mut {name}: i64")
        } else {
            format!("let mut {name}")
        };
        let (counter_decl, c) = self.counter();
        self.targets.push(Target {
            label: None,
            is_loop: true,
            value: None,
        });
        self.loop_depth += 1;
        let bound = self.rng.range(1, 4);
        let exit = unit(Kind::If(
            Box::new(bin(Ty::Bool, var(Ty::U32, &c), ">", lit_u32(bound))),
            stmt_block(vec![Stmt::Expr(unit(Kind::Break(None, None)))]),
            None,
        ));
        let mut body = vec![Self::bump(&c), Stmt::Expr(exit)];
        if self.may_suspend() {
            body.push(self.suspend_stmt(2));
        }
        let cond = self.cond(1);
        let (value, _) = self.int(2);
        let assign = Stmt::Expr(unit(Kind::Assign(
            Box::new(var(Ty::I64, &name)),
            "=",
            Box::new(value),
        )));
        let leave = |keyword: usize| {
            let jump = match keyword {
                0 => Kind::Break(None, None),
                _ => Kind::Continue(None),
            };
            stmt_block(vec![Stmt::Expr(unit(jump))])
        };
        match self.rng.below(3) {
            0 => body.push(Stmt::Expr(unit(Kind::If(
                Box::new(cond),
                stmt_block(vec![assign]),
                Some(leave(0)),
            )))),
            shape => {
                body.push(Stmt::Expr(unit(Kind::If(
                    Box::new(cond),
                    leave(shape - 1),
                    None,
                ))));
                body.push(assign);
            }
        }
        if self.may_suspend() && self.rng.chance(60) {
            body.push(self.suspend_stmt(2));
        }
        let tag = self.fresh("n");
        body.push(Stmt::Expr(call(
            Ty::I64,
            "note",
            vec![Expr::lit(Ty::Str, format!("{tag:?}")), var(Ty::I64, &name)],
        )));
        self.loop_depth -= 1;
        self.targets.pop();
        vec![
            Stmt::Expr(Expr::lit(Ty::Unit, declaration)),
            counter_decl,
            Stmt::Expr(unit(Kind::Loop(None, stmt_block(body)))),
        ]
    }

    fn let_ty(&mut self) -> Ty {
        let tys = [
            Ty::I64,
            Ty::U32,
            Ty::Bool,
            Ty::Str,
            Ty::VecI,
            Ty::OptI,
            Ty::ResI,
            Ty::PairI,
            Ty::P,
        ];
        tys[self.rng.weighted(&[40, 6, 7, 12, 12, 8, 4, 4, 5])]
    }

    /// A `let` initializer and its bound.
    fn let_init(&mut self, ty: Ty, depth: u32) -> (Expr, u64) {
        if ty == Ty::I64 {
            self.int(depth)
        } else {
            (self.expr(ty, depth), UNKNOWN)
        }
    }

    fn let_simple(&mut self) -> Stmt {
        let ty = self.let_ty();
        let (init, bound) = self.let_init(ty, 3);
        let name = self.let_name(ty);
        let mutable = self.rng.chance(45);
        self.declare(&name, ty, mutable, bound);
        let annotate = self.rng.chance(25);
        Stmt::Let {
            pat: Pat::Ident { name, mutable },
            ty: annotate.then_some(ty),
            init,
            else_: None,
        }
    }

    fn let_tuple(&mut self) -> Stmt {
        let n = self.rng.range(2, 3) as usize;
        let tys: Vec<Ty> = (0..n)
            .map(|_| {
                *self
                    .rng
                    .pick(&[Ty::I64, Ty::I64, Ty::Str, Ty::VecI, Ty::Bool])
            })
            .collect();
        let elems: Vec<(Expr, u64)> = tys
            .iter()
            .map(|&t| {
                if t == Ty::I64 {
                    self.int(2)
                } else {
                    (self.expr(t, 2), UNKNOWN)
                }
            })
            .collect();
        let mut pats = Vec::new();
        let mut decls = Vec::new();
        for (i, &t) in tys.iter().enumerate() {
            if self.rng.chance(10) {
                pats.push(Pat::Wild);
                continue;
            }
            // Names within one pattern must differ: always fresh here.
            let name = self.fresh(match t {
                Ty::I64 => "x",
                Ty::Str => "s",
                Ty::VecI => "v",
                _ => "k",
            });
            let mutable = self.rng.chance(30);
            decls.push((name.clone(), t, mutable, elems[i].1));
            pats.push(Pat::Ident { name, mutable });
        }
        for (n, t, m, b) in decls {
            self.declare(&n, t, m, b);
        }
        let ty = Ty::Unit; // the tuple's own type is not one of ours
        Stmt::Let {
            pat: Pat::Tuple(pats),
            ty: None,
            init: Expr::new(ty, Kind::Tuple(elems.into_iter().map(|e| e.0).collect())),
            else_: None,
        }
    }

    fn let_struct(&mut self) -> Stmt {
        let init = self.expr(Ty::P, 3);
        let a = self.fresh("x");
        let b = self.fresh("x");
        let (ma, mb) = (self.rng.chance(30), self.rng.chance(30));
        let pb = if self.rng.chance(20) {
            Pat::Wild
        } else {
            self.declare(&b, Ty::I64, mb, UNKNOWN);
            Pat::Ident {
                name: b,
                mutable: mb,
            }
        };
        self.declare(&a, Ty::I64, ma, UNKNOWN);
        Stmt::Let {
            pat: Pat::Struct(
                Box::new(Pat::Ident {
                    name: a,
                    mutable: ma,
                }),
                Box::new(pb),
            ),
            ty: None,
            init,
            else_: None,
        }
    }

    fn let_else(&mut self) -> Stmt {
        let (init, ctor) = if self.rng.chance(70) {
            (self.expr(Ty::OptI, 2), "Some")
        } else {
            (self.expr(Ty::ResI, 2), "Ok")
        };
        // The `else` block: maybe some statements, then a diverging jump.
        let mut stmts = Vec::new();
        if self.rng.chance(40) {
            if self.cfg.features.suspend_in_let_else && self.may_suspend() && self.rng.chance(60) {
                stmts.push(self.suspend_stmt(1));
            } else {
                let tag = self.fresh("n");
                let e = self.int(1).0;
                stmts.push(Stmt::Expr(call(
                    Ty::I64,
                    "note",
                    vec![Expr::lit(Ty::Str, format!("{tag:?}")), e],
                )));
            }
        }
        let jump = if !self.targets.is_empty() && self.rng.chance(40) {
            match self.jump_expr() {
                Some(j) => j,
                None => self.return_expr(),
            }
        } else {
            self.return_expr()
        };
        stmts.push(Stmt::Expr(jump));
        let name = self.fresh("x");
        let mutable = self.rng.chance(30);
        self.declare(&name, Ty::I64, mutable, UNKNOWN);
        Stmt::Let {
            pat: Pat::Raw(format!(
                "{ctor}({}{name})",
                if mutable { "mut " } else { "" }
            )),
            ty: None,
            init,
            else_: Some(stmt_block(stmts)),
        }
    }

    fn return_expr(&mut self) -> Expr {
        let e = self.expr(self.ret, 1);
        unit(Kind::Return(Some(Box::new(e))))
    }

    /// `make` with the variable `name` out of reach: the argument of a method that borrows it
    /// mutably (`s.push_str(&s)` would not compile).
    fn without<T>(&mut self, name: &str, make: impl FnOnce(&mut Self) -> T) -> T {
        let hidden = self.find_mut(name).is_some_and(|var| {
            let was_there = !var.moved;
            var.moved = true;
            was_there
        });
        let made = make(self);
        if hidden {
            if let Some(var) = self.find_mut(name) {
                var.moved = false;
            }
        }
        made
    }

    fn mutate(&mut self) -> Stmt {
        let cands: Vec<(String, Ty, bool)> = self
            .visible()
            .into_iter()
            .filter(|v| v.mutable && !v.moved && !v.counter)
            .map(|v| (v.name.clone(), v.ty, v.frozen))
            .collect();
        let (name, ty, frozen) = self.rng.pick(&cands).clone();
        let place = var(ty, &name);
        let assign = |p: Expr, op: &'static str, v: Expr| {
            Stmt::Expr(unit(Kind::Assign(Box::new(p), op, Box::new(v))))
        };
        match ty {
            Ty::I64 => match self.rng.below(4) {
                0 => assign(place, "=", self.int(3).0),
                1 => {
                    let op = *self.rng.pick(&["^=", "|=", "&="]);
                    assign(place, op, self.int(2).0)
                }
                2 => {
                    let m = *self
                        .rng
                        .pick(&["wrapping_add", "wrapping_sub", "wrapping_mul"]);
                    let arg = self.int(2).0;
                    assign(place.clone(), "=", method(Ty::I64, place, m, vec![arg]))
                }
                _ => {
                    // `x += small` keeps the variable's magnitude in check by reducing first.
                    let reduce = bin(Ty::I64, place.clone(), "%", Expr::i64(1000));
                    let small = self.small_int(2);
                    assign(place, "=", bin(Ty::I64, reduce, "+", small))
                }
            },
            Ty::U32 => {
                let arg = self.expr(Ty::U32, 2);
                if self.rng.chance(50) {
                    assign(
                        place.clone(),
                        "=",
                        method(Ty::U32, place, "wrapping_add", vec![arg]),
                    )
                } else {
                    assign(place, "^=", arg)
                }
            }
            Ty::Bool => {
                if self.rng.chance(50) {
                    assign(place, "=", self.expr(Ty::Bool, 2))
                } else {
                    assign(place, "^=", self.expr(Ty::Bool, 2))
                }
            }
            Ty::Str => match self.rng.below(3) {
                0 => {
                    let e = self.without(&name, |this| this.expr(Ty::Str, 2));
                    Stmt::Expr(method(
                        Ty::Unit,
                        place,
                        "push_str",
                        vec![Expr::new(Ty::Unit, Kind::Unary("&", Box::new(e)))],
                    ))
                }
                1 => {
                    let e = self.without(&name, |this| this.expr(Ty::Str, 2));
                    assign(
                        place,
                        "+=",
                        Expr::new(Ty::Unit, Kind::Unary("&", Box::new(e))),
                    )
                }
                _ => assign(place, "=", self.expr(Ty::Str, 2)),
            },
            Ty::VecI => {
                let k = if frozen { 0 } else { self.rng.below(5) };
                match k {
                    0 => Stmt::Expr(method(Ty::OptI, place, "pop", vec![])),
                    1 | 2 => {
                        let e = self.without(&name, |this| this.int(2).0);
                        Stmt::Expr(method(Ty::Unit, place, "push", vec![e]))
                    }
                    3 => {
                        let e = self.without(&name, |this| this.expr(Ty::VecI, 2));
                        Stmt::Expr(method(Ty::Unit, place, "extend", vec![e]))
                    }
                    _ => assign(place, "=", self.expr(Ty::VecI, 2)),
                }
            }
            Ty::OptI => {
                if self.rng.chance(50) {
                    assign(place, "=", self.expr(Ty::OptI, 2))
                } else {
                    let e = self.expr(Ty::OptI, 2);
                    assign(place.clone(), "=", method(Ty::OptI, place, "or", vec![e]))
                }
            }
            Ty::ResI => assign(place, "=", self.expr(Ty::ResI, 2)),
            Ty::PairI => {
                if self.rng.chance(50) {
                    let f = Expr::new(
                        Ty::I64,
                        Kind::Field(Box::new(place), self.rng.pick(&["0", "1"]).to_string()),
                    );
                    assign(f, "=", self.int(2).0)
                } else {
                    assign(place, "=", self.expr(Ty::PairI, 2))
                }
            }
            Ty::P => {
                if self.rng.chance(60) {
                    let f = Expr::new(
                        Ty::I64,
                        Kind::Field(Box::new(place), self.rng.pick(&["a", "b"]).to_string()),
                    );
                    let op = *self.rng.pick(&["=", "^="]);
                    assign(f, op, self.int(2).0)
                } else {
                    assign(place, "=", self.expr(Ty::P, 2))
                }
            }
            Ty::Unit => unreachable!("no unit variables"),
        }
    }

    /// `if cond { jump }` with a `break`/`continue` to some enclosing target.
    fn jump(&mut self) -> Stmt {
        let j = match self.jump_expr() {
            Some(j) => j,
            None => self.return_expr(),
        };
        if self.rng.chance(85) {
            let c = self.cond(1);
            Stmt::Expr(unit(Kind::If(
                Box::new(c),
                stmt_block(vec![Stmt::Expr(j)]),
                None,
            )))
        } else {
            Stmt::Expr(j)
        }
    }

    fn jump_expr(&mut self) -> Option<Expr> {
        // (label to print, value type, is_continue)
        let mut options: Vec<(Option<String>, Option<Ty>, bool)> = Vec::new();
        for (i, t) in self.targets.iter().enumerate().rev() {
            let innermost = i == self.targets.len() - 1;
            if innermost && t.is_loop {
                options.push((None, t.value, false));
                options.push((None, None, true));
            }
            if let Some(l) = &t.label {
                options.push((Some(l.clone()), t.value, false));
                if t.is_loop {
                    options.push((Some(l.clone()), None, true));
                }
            }
        }
        if options.is_empty() {
            return None;
        }
        let (label, value, is_continue) = self.rng.pick(&options).clone();
        Some(if is_continue {
            unit(Kind::Continue(label))
        } else {
            let v = value.map(|ty| Box::new(self.expr(ty, 2)));
            unit(Kind::Break(label, v))
        })
    }

    // ---------------------------------------------------------------------------------------
    // Control flow.

    fn cond(&mut self, depth: u32) -> Expr {
        self.expr(Ty::Bool, depth)
    }

    fn if_expr(&mut self, value: Option<Ty>, depth: u32) -> Expr {
        let c = self.cond(2);
        let m = self.max_stmts();
        let then = self.block(value, m);
        let els = if value.is_some() || self.rng.chance(60) {
            if depth > 1 && self.rng.chance(25) {
                let inner = self.if_expr(value, depth - 1);
                Some(Block {
                    stmts: vec![],
                    tail: Some(Box::new(inner)),
                })
            } else {
                Some(self.block(value, m))
            }
        } else {
            None
        };
        Expr::new(value.unwrap_or(Ty::Unit), Kind::If(Box::new(c), then, els))
    }

    fn if_let(&mut self, value: Option<Ty>) -> Expr {
        if self.rng.chance(30) {
            if let Some(borrowing) = self.borrowing_if_let(value) {
                return borrowing;
            }
        }
        let (scrut, ctor) = if self.rng.chance(75) {
            (self.expr(Ty::OptI, 2), "Some")
        } else {
            (self.expr(Ty::ResI, 2), "Ok")
        };
        let name = self.fresh("x");
        let bind = self.bind_var(&name, Ty::I64);
        let m = self.max_stmts();
        let then = self.block_with(value, m, vec![bind], vec![]);
        let els = if value.is_some() || self.rng.chance(50) {
            Some(self.block(value, m))
        } else {
            None
        };
        Expr::new(
            value.unwrap_or(Ty::Unit),
            Kind::IfLet(
                Pat::Raw(format!("{ctor}({name})")),
                Box::new(scrut),
                then,
                els,
            ),
        )
    }

    /// `if let PAT = SCRUTINEE { let n = ..; .. }` whose pattern binds `t` to a borrow of a
    /// `String` or `Vec<i64>` local (through `Some(s.as_str())`, `Some(&s)`, `(k % 3, &s)`,
    /// `s.split_whitespace().rev().max()`, `v.first()`, `&v[..]`, `v.iter().rev().max()`,
    /// `v.split_first()`, `(v.last(), k)`; each refutable, so that no `if let` is useless), read into an `i64` first thing in the block, often under the binding's
    /// own name, which may also hide the borrowed local or another: the borrow ends before the
    /// block may suspend, while the local is kept for the code after it.
    fn borrowing_if_let(&mut self, value: Option<Ty>) -> Option<Expr> {
        let candidates: Vec<(String, Ty)> = self
            .visible()
            .into_iter()
            .filter(|v| {
                !v.moved && !v.counter && !v.is_referent() && matches!(v.ty, Ty::Str | Ty::VecI)
            })
            .map(|v| (v.name.clone(), v.ty))
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let (name, ty) = self.rng.pick(&candidates).clone();
        let mut hides = false;
        let t = self.arm_binding_name(&mut hides);
        let k = self.rng.range(-3, 9);
        let (pat, scrut, read) = match (ty, self.rng.below(5)) {
            (Ty::Str, 0) => (
                format!("Some({t})"),
                format!("Some({name}.as_str())"),
                format!("{t}.len() as i64"),
            ),
            (Ty::Str, 1) => (
                format!("Some({t})"),
                format!("Some(&{name})"),
                format!("{t}.len() as i64"),
            ),
            (Ty::Str, 2) => (
                format!("Some({t})"),
                format!("{name}.split_whitespace().rev().max()"),
                format!("{t}.len() as i64"),
            ),
            (Ty::Str, _) => (
                format!("({}i64, {t})", k.rem_euclid(3)),
                format!("({k}i64 % 3, &{name})"),
                format!("{t}.len() as i64 + {k}i64"),
            ),
            (_, 0) => (
                format!("Some({t})"),
                format!("{name}.first()"),
                format!("*{t}"),
            ),
            (_, 1) => (
                format!("[{t}, ..]"),
                format!("&{name}[..]"),
                format!("*{t}"),
            ),
            (_, 2) => (
                format!("Some({t})"),
                format!("{name}.iter().rev().max()"),
                format!("*{t} % 1000"),
            ),
            (_, 3) => (
                format!("Some(({t}, _))"),
                format!("{name}.split_first()"),
                format!("*{t} % 1000"),
            ),
            (_, _) => (
                format!("(Some({t}), _)"),
                format!("({name}.last(), {k}i64)"),
                format!("*{t} % 1000"),
            ),
        };
        let n = if hides || self.rng.chance(50) {
            t.clone()
        } else {
            self.fresh("x")
        };
        let read = Stmt::Let {
            pat: Pat::Ident {
                name: n.clone(),
                mutable: false,
            },
            ty: None,
            init: Expr::lit(Ty::I64, read),
            else_: None,
        };
        let bind = self.bind_var(&n, Ty::I64);
        let m = self.max_stmts();
        // (The block may suspend, also where its names hide others: the macro hands the hidden
        // locals to the suspension without moving them while the borrow lasts.)
        let then = self.block_with(value, m, vec![bind], vec![read]);
        let els = if value.is_some() || self.rng.chance(50) {
            Some(self.block(value, m))
        } else {
            None
        };
        Some(Expr::new(
            value.unwrap_or(Ty::Unit),
            Kind::IfLet(
                Pat::Raw(pat),
                Box::new(Expr::lit(Ty::Unit, scrut)),
                then,
                els,
            ),
        ))
    }

    fn bind_var(&self, name: &str, ty: Ty) -> Var {
        Var {
            name: name.to_string(),
            ty,
            mutable: false,
            moved: false,
            loop_depth: self.loop_depth,
            frozen: false,
            counter: false,
            bound: UNKNOWN,
        }
    }

    fn guard(&mut self, name: &str) -> Expr {
        self.no_suspend += 1;
        let x = var(Ty::I64, name);
        let g = match self.rng.below(3) {
            0 => bin(
                Ty::Bool,
                x,
                self.rng.pick_str(&["<", ">", "<=", ">=", "==", "!="]),
                Expr::i64(self.rng.range(-3, 6)),
            ),
            1 => bin(
                Ty::Bool,
                bin(Ty::I64, x, "%", Expr::i64(2)),
                "==",
                Expr::i64(0),
            ),
            _ => {
                // (The guard sees the arm's binding, not a variable it hides.)
                let other = self.without(name, |this| this.int(1).0);
                bin(Ty::Bool, x, self.rng.pick_str(&["<", ">"]), other)
            }
        };
        self.no_suspend -= 1;
        g
    }

    fn match_expr(&mut self, value: Option<Ty>) -> Expr {
        let sty = *self.rng.pick(&[
            Ty::I64,
            Ty::I64,
            Ty::OptI,
            Ty::PairI,
            Ty::Bool,
            Ty::U32,
            Ty::ResI,
        ]);
        let scrut = self.expr(sty, 2);
        let n_arms = self.rng.range(1, 3);
        let m = self.max_stmts().min(3);
        let mut arms = Vec::new();
        for _ in 0..n_arms {
            let mut binds = Vec::new();
            let mut guard = None;
            let mut hides = false;
            let pat = match sty {
                Ty::I64 => match self.rng.below(4) {
                    0 => Pat::Raw(format!("{}", self.rng.range(-3, 8))),
                    1 => {
                        let a = self.rng.range(-3, 5);
                        Pat::Raw(format!("{a}..={}", a + self.rng.range(0, 4)))
                    }
                    2 => Pat::Raw(format!(
                        "{} | {}",
                        self.rng.range(-3, 3),
                        self.rng.range(4, 9)
                    )),
                    _ => {
                        let name = self.arm_binding_name(&mut hides);
                        binds.push(self.bind_var(&name, Ty::I64));
                        guard = Some(self.guard(&name));
                        Pat::Ident {
                            name,
                            mutable: false,
                        }
                    }
                },
                Ty::OptI => match self.rng.below(3) {
                    0 => Pat::Raw("None".into()),
                    1 => Pat::Raw(format!("Some({})", self.rng.range(-3, 8))),
                    _ => {
                        let name = self.arm_binding_name(&mut hides);
                        binds.push(self.bind_var(&name, Ty::I64));
                        if self.rng.chance(60) {
                            guard = Some(self.guard(&name));
                        }
                        Pat::Raw(format!("Some({name})"))
                    }
                },
                Ty::ResI => {
                    let name = self.fresh("x");
                    binds.push(self.bind_var(&name, Ty::I64));
                    if self.rng.chance(60) {
                        guard = Some(self.guard(&name));
                    }
                    Pat::Raw(format!("Ok({name})"))
                }
                Ty::PairI => {
                    let a = self.fresh("x");
                    let b = self.fresh("x");
                    binds.push(self.bind_var(&a, Ty::I64));
                    binds.push(self.bind_var(&b, Ty::I64));
                    if self.rng.chance(50) {
                        self.no_suspend += 1;
                        guard = Some(bin(
                            Ty::Bool,
                            var(Ty::I64, &a),
                            self.rng.pick_str(&["<", ">", "=="]),
                            var(Ty::I64, &b),
                        ));
                        self.no_suspend -= 1;
                        Pat::Tuple(vec![
                            Pat::Ident {
                                name: a,
                                mutable: false,
                            },
                            Pat::Ident {
                                name: b,
                                mutable: false,
                            },
                        ])
                    } else {
                        binds.remove(0);
                        Pat::Raw(format!("({}, {b})", self.rng.range(-2, 4)))
                    }
                }
                Ty::Bool => Pat::Raw(self.rng.pick(&["true", "false"]).to_string()),
                _ => match self.rng.below(2) {
                    0 => Pat::Raw(format!("{}", self.rng.range(0, 5))),
                    _ => Pat::Raw(format!(
                        "{}..={}",
                        self.rng.range(0, 2),
                        self.rng.range(2, 6)
                    )),
                },
            };
            self.hiding_arms += usize::from(hides);
            // Sometimes an arm whose value is wanted ends instead by returning, often right
            // after a suspension: Rust gives it the type of the other arms (not in a closure or
            // a guard, where `return` would mean something else).
            self.returning_arm = value.is_some() && self.no_suspend == 0 && self.rng.chance(12);
            let body = self.block_with(value, m, binds, vec![]);
            self.hiding_arms -= usize::from(hides);
            arms.push(Arm { pat, guard, body });
        }
        // The catch-all arm, sometimes binding the scrutinee.
        let mut hides = false;
        let (pat, binds) = if sty == Ty::I64 && self.rng.chance(40) {
            let name = self.arm_binding_name(&mut hides);
            let b = self.bind_var(&name, Ty::I64);
            (
                Pat::Ident {
                    name,
                    mutable: false,
                },
                vec![b],
            )
        } else {
            (Pat::Wild, vec![])
        };
        self.hiding_arms += usize::from(hides);
        let body = self.block_with(value, m, binds, vec![]);
        self.hiding_arms -= usize::from(hides);
        arms.push(Arm {
            pat,
            guard: None,
            body,
        });
        Expr::new(
            value.unwrap_or(Ty::Unit),
            Kind::Match(Box::new(scrut), arms),
        )
    }

    fn label(&mut self) -> Option<String> {
        if self.rng.chance(45) {
            Some(format!("'{}", self.fresh("l")))
        } else {
            None
        }
    }

    /// Declares a fresh loop counter in the current scope; gives its `let` and name.
    fn counter(&mut self) -> (Stmt, String) {
        let c = self.fresh("c");
        let loop_depth = self.loop_depth;
        self.scopes.last_mut().expect("a scope").push(Var {
            name: c.clone(),
            ty: Ty::U32,
            mutable: true,
            moved: false,
            loop_depth,
            frozen: false,
            counter: true,
            bound: UNKNOWN,
        });
        let s = Stmt::Let {
            pat: Pat::Ident {
                name: c.clone(),
                mutable: true,
            },
            ty: self.rng.chance(50).then_some(Ty::U32),
            init: lit_u32(0),
            else_: None,
        };
        (s, c)
    }

    fn bump(c: &str) -> Stmt {
        Stmt::Expr(unit(Kind::Assign(
            Box::new(var(Ty::U32, c)),
            "+=",
            Box::new(lit_u32(1)),
        )))
    }

    /// `let mut c = 0; loop { c += 1; if c > N { break v; } .. }`; with a value, the loop is
    /// an expression of that type (the caller wraps prefix and loop in a block).
    fn loop_(&mut self, value: Option<Ty>) -> Vec<Stmt> {
        let (decl, c) = self.counter();
        let label = self.label();
        // The exit's value may not `continue` this loop: every later turn would exit again and
        // never get there (the counter is past the bound). It may break out with a value.
        self.targets.push(Target {
            label: label.clone(),
            is_loop: false,
            value,
        });
        self.loop_depth += 1;
        let n = self.rng.range(0, 4);
        let v = value.map(|ty| Box::new(self.expr(ty, 2)));
        self.targets.last_mut().expect("this loop").is_loop = true;
        let exit = unit(Kind::If(
            Box::new(bin(Ty::Bool, var(Ty::U32, &c), ">", lit_u32(n))),
            stmt_block(vec![Stmt::Expr(unit(Kind::Break(
                if self.rng.chance(50) {
                    label.clone()
                } else {
                    None
                },
                v,
            )))]),
            None,
        ));
        let m = self.max_stmts();
        let body = self.block_with(None, m, vec![], vec![Self::bump(&c), Stmt::Expr(exit)]);
        self.loop_depth -= 1;
        self.targets.pop();
        vec![
            decl,
            Stmt::Expr(Expr::new(
                value.unwrap_or(Ty::Unit),
                Kind::Loop(label, body),
            )),
        ]
    }

    fn while_(&mut self) -> Vec<Stmt> {
        let (decl, c) = self.counter();
        let label = self.label();
        let n = self.rng.range(0, 4);
        // The condition runs on every iteration: it may not move outer locals.
        self.loop_depth += 1;
        let check = bin(Ty::Bool, var(Ty::U32, &c), "<", lit_u32(n));
        let cond = if self.rng.chance(50) {
            let other = self.cond(1);
            if self.rng.chance(50) {
                bin(Ty::Bool, check, "&&", other)
            } else {
                bin(Ty::Bool, other, "&&", check)
            }
        } else {
            check
        };
        self.targets.push(Target {
            label: label.clone(),
            is_loop: true,
            value: None,
        });
        let m = self.max_stmts();
        let body = self.block_with(None, m, vec![], vec![Self::bump(&c)]);
        self.loop_depth -= 1;
        self.targets.pop();
        vec![
            decl,
            Stmt::Expr(unit(Kind::While(label, Box::new(cond), body))),
        ]
    }

    fn while_let(&mut self) -> Vec<Stmt> {
        let mut pre = Vec::new();
        let depth = self.loop_depth;
        let v = match self.pick_var(Ty::VecI, |v| {
            v.mutable && !v.frozen && !v.counter && v.loop_depth == depth
        }) {
            Some((n, _)) => n,
            None => {
                let n = self.fresh("v");
                let init = self.expr(Ty::VecI, 2);
                self.declare(&n, Ty::VecI, true, UNKNOWN);
                pre.push(Stmt::Let {
                    pat: Pat::Ident {
                        name: n.clone(),
                        mutable: true,
                    },
                    ty: None,
                    init,
                    else_: None,
                });
                n
            }
        };
        if let Some(var) = self.find_mut(&v) {
            var.frozen = true;
        }
        let pop = method(Ty::OptI, var(Ty::VecI, &v), "pop", vec![]);
        self.loop_depth += 1;
        let scrut = if self.cfg.features.complex_while_let && self.rng.chance(20) {
            let c = self.cond(1);
            Expr::new(
                Ty::OptI,
                Kind::If(
                    Box::new(c),
                    Block {
                        stmts: vec![],
                        tail: Some(Box::new(pop)),
                    },
                    Some(Block {
                        stmts: vec![],
                        tail: Some(Box::new(Expr::lit(Ty::OptI, "None"))),
                    }),
                ),
            )
        } else {
            pop
        };
        let label = self.label();
        self.targets.push(Target {
            label: label.clone(),
            is_loop: true,
            value: None,
        });
        let name = self.fresh("x");
        let bind = self.bind_var(&name, Ty::I64);
        let m = self.max_stmts();
        let body = self.block_with(None, m, vec![bind], vec![]);
        self.loop_depth -= 1;
        self.targets.pop();
        if let Some(var) = self.find_mut(&v) {
            var.frozen = false;
        }
        pre.push(Stmt::Expr(unit(Kind::WhileLet(
            label,
            Pat::Raw(format!("Some({name})")),
            Box::new(scrut),
            body,
        ))));
        pre
    }

    fn for_(&mut self) -> Expr {
        let label = self.label();
        let (iter, elem_ty, bound) = match self.rng.below(7) {
            0 | 1 => {
                let lo = self.rng.range(-2, 2);
                let hi = lo + self.rng.range(0, 4);
                let r = Expr::lit(Ty::Unit, format!("{lo}i64..{hi}"));
                let r = if self.rng.chance(25) {
                    method(
                        Ty::Unit,
                        Expr::new(Ty::Unit, Kind::Paren(Box::new(r))),
                        "rev",
                        vec![],
                    )
                } else {
                    r
                };
                (r, Ty::I64, 8)
            }
            2 => {
                // A dynamic end: `0..(e).rem_euclid(4)`.
                let e = self.int(1).0;
                let end = method(Ty::I64, e, "rem_euclid", vec![Expr::i64(4)]);
                (bin(Ty::Unit, Expr::i64(0), "..", end), Ty::I64, 4)
            }
            3 => (self.expr(Ty::VecI, 2), Ty::I64, UNKNOWN),
            4 => {
                let n = self.rng.range(1, 3);
                let xs = (0..n).map(|_| self.int(1).0).collect();
                (Expr::new(Ty::Unit, Kind::Array(xs)), Ty::I64, UNKNOWN)
            }
            5 => {
                let n = self.rng.range(1, 3);
                let xs = (0..n).map(|_| self.expr(Ty::Str, 1)).collect();
                (
                    Expr::new(Ty::Unit, Kind::Macro("vec", xs)),
                    Ty::Str,
                    UNKNOWN,
                )
            }
            _ => match self.pick_var(Ty::VecI, |_| true) {
                Some((v, _)) => (
                    method(Ty::VecI, var(Ty::VecI, &v), "clone", vec![]),
                    Ty::I64,
                    UNKNOWN,
                ),
                None => (Expr::lit(Ty::Unit, "1i64..3"), Ty::I64, 3),
            },
        };
        self.targets.push(Target {
            label: label.clone(),
            is_loop: true,
            value: None,
        });
        self.loop_depth += 1;
        let name = self.fresh(if elem_ty == Ty::Str { "s" } else { "x" });
        let mut bind = self.bind_var(&name, elem_ty);
        bind.bound = bound;
        let m = self.max_stmts();
        let body = self.block_with(None, m, vec![bind], vec![]);
        self.loop_depth -= 1;
        self.targets.pop();
        unit(Kind::For(
            label,
            Pat::Ident {
                name,
                mutable: false,
            },
            Box::new(iter),
            body,
        ))
    }

    fn labelled_block(&mut self, value: Option<Ty>) -> Expr {
        let label = format!("'{}", self.fresh("b"));
        self.targets.push(Target {
            label: Some(label.clone()),
            is_loop: false,
            value,
        });
        let m = self.max_stmts();
        let body = self.block_full(value, m, vec![], vec![], Some((label.clone(), value)));
        self.targets.pop();
        Expr::new(value.unwrap_or(Ty::Unit), Kind::Block(Some(label), body))
    }

    // ---------------------------------------------------------------------------------------
    // Expressions.

    fn expr(&mut self, ty: Ty, depth: u32) -> Expr {
        match ty {
            Ty::I64 => self.int(depth).0,
            Ty::U32 => self.u32_(depth),
            Ty::Bool => self.bool_(depth),
            Ty::Str => self.string(depth),
            Ty::VecI => self.vec(depth),
            Ty::OptI => self.opt(depth),
            Ty::ResI => self.res(depth),
            Ty::PairI => self.pair(depth),
            Ty::P => self.p(depth),
            Ty::Unit => Expr::lit(Ty::Unit, "()"),
        }
    }

    /// Whether a block-like value expression (if/match/loop/block) may go here.
    fn block_value_ok(&self, depth: u32) -> bool {
        depth >= 2 && self.nesting < 4 && self.budget > -6
    }

    /// A block-like expression of type `ty` (`if`, `match`, block, labelled block, loop).
    fn block_value(&mut self, ty: Ty) -> Expr {
        self.budget -= 1;
        match self.rng.below(6) {
            0 | 1 => self.if_expr(Some(ty), 2),
            2 => self.match_expr(Some(ty)),
            3 => {
                let m = self.max_stmts();
                let b = self.block(Some(ty), m);
                Expr::new(ty, Kind::Block(None, b))
            }
            4 => self.labelled_block(Some(ty)),
            _ => {
                if self.rng.chance(30) {
                    self.if_let(Some(ty))
                } else {
                    // The counter lives in the wrapping block.
                    self.scopes.push(Vec::new());
                    let stmts = self.loop_(Some(ty));
                    self.scopes.pop();
                    let mut stmts = stmts;
                    let l = stmts.pop().expect("the loop");
                    let Stmt::Expr(l) = l else { unreachable!() };
                    Expr::new(
                        ty,
                        Kind::Block(
                            None,
                            Block {
                                stmts,
                                tail: Some(Box::new(l)),
                            },
                        ),
                    )
                }
            }
        }
    }

    /// An `i64` expression whose magnitude is below `SMALL`.
    fn small_int(&mut self, depth: u32) -> Expr {
        let (e, b) = self.int(depth);
        if b < SMALL {
            e
        } else {
            bin(Ty::I64, e, "%", Expr::i64(1000))
        }
    }

    fn suspend(&mut self, depth: u32) -> Expr {
        self.suspends_left -= 1;
        // Mostly a quiet operand: `yield_!(yield_!(..))` chains are rarely interesting.
        let quiet = self.rng.chance(80);
        if quiet {
            self.quiet += 1;
        }
        let v = self.int(depth.saturating_sub(1)).0;
        if quiet {
            self.quiet -= 1;
        }
        Expr::new(Ty::I64, Kind::Suspend(Box::new(v)))
    }

    /// `yield_from!(h(args))`, of the helper's return type.
    fn delegate_raw(&mut self) -> Expr {
        self.suspends_left -= 1;
        let h = self.rng.pick(&self.helpers).clone();
        let args = h
            .params
            .iter()
            .map(|&t| {
                if t == Ty::I64 {
                    self.int(1).0
                } else {
                    self.expr(t, 1)
                }
            })
            .collect();
        Expr::new(h.ret, Kind::Delegate(h.name, args))
    }

    /// Turns an `Option<i64>` or `Result<i64, String>` into an `i64`: `?` when the fn allows
    /// it, else `unwrap_or`.
    fn unwrap(&mut self, e: Expr) -> Expr {
        match (e.ty, self.ret) {
            (Ty::I64, _) => e,
            (Ty::OptI, Ty::OptI) | (Ty::ResI, Ty::ResI)
                if self.no_suspend == 0 && self.rng.chance(70) =>
            {
                Expr::new(Ty::I64, Kind::Try(Box::new(e)))
            }
            (Ty::ResI, Ty::OptI) if self.no_suspend == 0 && self.rng.chance(70) => Expr::new(
                Ty::I64,
                Kind::Try(Box::new(method(Ty::OptI, e, "ok", vec![]))),
            ),
            _ => {
                let d = Expr::i64(self.rng.range(-5, 9));
                method(Ty::I64, e, "unwrap_or", vec![d])
            }
        }
    }

    fn int(&mut self, depth: u32) -> (Expr, u64) {
        let has_var = self.visible().iter().any(|v| v.ty == Ty::I64 && !v.moved);
        let s = if self.may_suspend() && self.quiet == 0 {
            self.suspend_pct
        } else {
            0
        };
        let leaf = depth == 0;
        let w = [
            10,                                              // 0 literal
            if has_var { 16 } else { 0 },                    // 1 var
            s,                                               // 2 suspend
            if self.helpers.is_empty() { 0 } else { s / 3 }, // 3 delegate
            if leaf { 0 } else { 7 },                        // 4 wrapping method
            if leaf { 0 } else { 8 },                        // 5 + - *
            if leaf { 0 } else { 4 },                        // 6 bitwise
            if leaf { 0 } else { 3 },                        // 7 % / rem_euclid
            if leaf { 0 } else { 6 },                        // 8 f1/f2/f3
            if leaf { 0 } else { 4 },                        // 9 note
            if leaf { 0 } else { 4 },                        // 10 len
            if leaf { 0 } else { 2 },                        // 11 u32 cast
            if self.block_value_ok(depth) { 5 } else { 0 },  // 12 block value
            if leaf { 0 } else { 5 },                        // 13 opt/res unwrap / ?
            if leaf { 0 } else { 4 },                        // 14 field / sum / tuple
            if leaf { 0 } else { 2 },                        // 15 array index
            if leaf { 0 } else { 2 },                        // 16 move
            if leaf { 0 } else { 2 },                        // 17 closure
            if leaf { 0 } else { 2 },                        // 18 unary
            if leaf || !self.cfg.features.paren_receiver {
                0
            } else {
                2
            }, // 19 paren receiver
        ];
        let d = depth.saturating_sub(1);
        match self.rng.weighted(&w) {
            0 => {
                let v = if self.rng.chance(85) {
                    self.rng.range(-9, 20)
                } else {
                    self.rng.range(-1000, 1000)
                };
                (Expr::i64(v), v.unsigned_abs())
            }
            1 => {
                let (n, b) = self.pick_var(Ty::I64, |_| true).expect("has_var");
                (var(Ty::I64, &n), b)
            }
            2 => (self.suspend(depth), 8),
            3 => {
                let e = self.delegate_raw();
                (self.unwrap(e), UNKNOWN)
            }
            4 => {
                let m = *self
                    .rng
                    .pick(&["wrapping_add", "wrapping_sub", "wrapping_mul"]);
                let r = self.int(d).0;
                let a = self.int(d).0;
                (method(Ty::I64, r, m, vec![a]), UNKNOWN)
            }
            5 => {
                let op = *self.rng.pick(&["+", "-", "*"]);
                let a = self.small_int(d);
                let b = self.small_int(d);
                let bound = if op == "*" { SMALL * SMALL } else { 2 * SMALL };
                (bin(Ty::I64, a, op, b), bound)
            }
            6 => {
                let op = *self.rng.pick(&["^", "&", "|"]);
                let (a, ba) = self.int(d);
                let (b, bb) = self.int(d);
                let bound = ba.max(bb).checked_next_power_of_two().unwrap_or(UNKNOWN);
                (bin(Ty::I64, a, op, b), bound)
            }
            7 => {
                let k = self.rng.range(2, 1000);
                let a = self.int(d).0;
                if self.rng.chance(50) {
                    (bin(Ty::I64, a, "%", Expr::i64(k)), k as u64)
                } else {
                    (
                        method(Ty::I64, a, "rem_euclid", vec![Expr::i64(k)]),
                        k as u64,
                    )
                }
            }
            8 => {
                let n = self.rng.range(1, 3);
                let args = (0..n).map(|_| self.int(d).0).collect();
                (call(Ty::I64, &format!("f{n}"), args), UNKNOWN)
            }
            9 => {
                let tag = self.fresh("n");
                let (e, b) = self.int(d);
                (
                    call(
                        Ty::I64,
                        "note",
                        vec![Expr::lit(Ty::Str, format!("{tag:?}")), e],
                    ),
                    b,
                )
            }
            10 => {
                let src = if self.rng.chance(60) {
                    let ty = *self.rng.pick(&[Ty::Str, Ty::VecI]);
                    match self.pick_var(ty, |_| true) {
                        Some((n, _)) => var(ty, &n),
                        None => self.expr(ty, d),
                    }
                } else {
                    let ty = *self.rng.pick(&[Ty::Str, Ty::VecI]);
                    self.expr(ty, d)
                };
                let len = method(Ty::Unit, src, "len", vec![]);
                (
                    Expr::new(Ty::I64, Kind::Cast(Box::new(len), Ty::I64)),
                    1 << 20,
                )
            }
            11 => {
                let u = self.u32_(d);
                (
                    Expr::new(Ty::I64, Kind::Cast(Box::new(u), Ty::I64)),
                    1 << 32,
                )
            }
            12 => (self.block_value(Ty::I64), UNKNOWN),
            13 => {
                let e = match self.rng.below(4) {
                    0 => call(Ty::OptI, "opt", vec![self.int(d).0]),
                    1 => call(Ty::ResI, "res", vec![self.int(d).0]),
                    2 => {
                        let a = self.int(d).0;
                        let b = self.int(d).0;
                        method(Ty::OptI, a, "checked_mul", vec![b])
                    }
                    _ => self.opt(d),
                };
                (self.unwrap(e), UNKNOWN)
            }
            14 => match self.rng.below(4) {
                0 => {
                    let p = match self.pick_var(Ty::P, |_| true) {
                        Some((n, _)) => var(Ty::P, &n),
                        None => self.p(d),
                    };
                    let f = self.rng.pick(&["a", "b"]).to_string();
                    (Expr::new(Ty::I64, Kind::Field(Box::new(p), f)), UNKNOWN)
                }
                1 => {
                    let p = match self.pick_var(Ty::P, |_| true) {
                        Some((n, _)) => var(Ty::P, &n),
                        None => self.p(d),
                    };
                    (method(Ty::I64, p, "sum", vec![]), UNKNOWN)
                }
                _ => {
                    let t = self.pair(d);
                    let f = self.rng.pick(&["0", "1"]).to_string();
                    (Expr::new(Ty::I64, Kind::Field(Box::new(t), f)), UNKNOWN)
                }
            },
            15 => {
                let n = self.rng.range(1, 3) as usize;
                let elems: Vec<(Expr, u64)> = (0..n).map(|_| self.int(d)).collect();
                let bound = elems.iter().map(|e| e.1).max().unwrap_or(0);
                let i = self.rng.below(n);
                let arr = Expr::new(
                    Ty::Unit,
                    Kind::Array(elems.into_iter().map(|e| e.0).collect()),
                );
                (Expr::new(Ty::I64, Kind::Index(Box::new(arr), i)), bound)
            }
            16 => {
                let ty = *self.rng.pick(&[Ty::Str, Ty::VecI]);
                match self.movable(ty) {
                    Some(n) => {
                        self.mark_moved(&n);
                        let f = if ty == Ty::Str { "take_s" } else { "take_v" };
                        (call(Ty::I64, f, vec![var(ty, &n)]), UNKNOWN)
                    }
                    None => {
                        let e = self.expr(ty, d);
                        let f = if ty == Ty::Str { "take_s" } else { "take_v" };
                        (call(Ty::I64, f, vec![e]), UNKNOWN)
                    }
                }
            }
            17 => {
                // `opt(e).map(|q: i64| body).unwrap_or(k)`: a closure that never suspends.
                let o = call(Ty::OptI, "opt", vec![self.int(d).0]);
                let q = self.fresh("q");
                self.no_suspend += 1;
                self.scopes.push(vec![self.bind_var(&q, Ty::I64)]);
                let body = self.int(1).0;
                self.scopes.pop();
                self.no_suspend -= 1;
                let clo = Expr::new(Ty::Unit, Kind::Closure(q, Box::new(body)));
                let m = method(Ty::OptI, o, "map", vec![clo]);
                let k = Expr::i64(self.rng.range(-3, 3));
                (method(Ty::I64, m, "unwrap_or", vec![k]), UNKNOWN)
            }
            18 => {
                let (a, b) = self.int(d);
                if b < SMALL && self.rng.chance(50) {
                    (Expr::new(Ty::I64, Kind::Unary("-", Box::new(a))), b)
                } else {
                    (
                        Expr::new(Ty::I64, Kind::Unary("!", Box::new(a))),
                        b.saturating_add(1),
                    )
                }
            }
            _ => {
                // `(a - yield_!(b)).abs()`-like: an explicitly parenthesized receiver.
                let a = self.small_int(d);
                let b = if self.may_suspend() {
                    self.suspend(d)
                } else {
                    self.small_int(d)
                };
                let op = *self.rng.pick(&["-", "+"]);
                let inner = Expr::new(Ty::I64, Kind::Paren(Box::new(bin(Ty::I64, a, op, b))));
                let m = *self.rng.pick(&["abs", "signum"]);
                (method(Ty::I64, inner, m, vec![]), 2 * SMALL)
            }
        }
    }

    fn u32_(&mut self, depth: u32) -> Expr {
        let leaf = depth == 0;
        let has_var = self.visible().iter().any(|v| v.ty == Ty::U32 && !v.moved);
        let d = depth.saturating_sub(1);
        match self.rng.weighted(&[
            6,
            if has_var { 6 } else { 0 },
            if leaf { 0 } else { 5 },
            if leaf { 0 } else { 3 },
            if leaf { 0 } else { 2 },
        ]) {
            0 => lit_u32(self.rng.range(0, 9)),
            1 => var(
                Ty::U32,
                &self.pick_var(Ty::U32, |_| true).expect("has_var").0,
            ),
            2 => {
                let e = self.int(d).0;
                Expr::new(Ty::U32, Kind::Cast(Box::new(e), Ty::U32))
            }
            3 => {
                let a = self.u32_(d);
                let b = self.u32_(d);
                method(
                    Ty::U32,
                    a,
                    self.rng.pick_str(&["wrapping_add", "wrapping_mul"]),
                    vec![b],
                )
            }
            _ => {
                let s = self.expr(Ty::Str, d);
                let len = method(Ty::Unit, s, "len", vec![]);
                Expr::new(Ty::U32, Kind::Cast(Box::new(len), Ty::U32))
            }
        }
    }

    fn bool_(&mut self, depth: u32) -> Expr {
        let leaf = depth == 0;
        let has_var = self.visible().iter().any(|v| v.ty == Ty::Bool && !v.moved);
        let d = depth.saturating_sub(1);
        let w = [
            3,
            if has_var { 5 } else { 0 },
            if leaf { 0 } else { 14 },
            if leaf { 0 } else { 2 },
            if leaf { 0 } else { 6 },
            if leaf { 0 } else { 3 },
            if leaf { 0 } else { 3 },
            if leaf { 0 } else { 2 },
            if self.block_value_ok(depth) { 2 } else { 0 },
        ];
        match self.rng.weighted(&w) {
            0 => Expr::lit(Ty::Bool, *self.rng.pick(&["true", "false"])),
            1 => var(
                Ty::Bool,
                &self.pick_var(Ty::Bool, |_| true).expect("has_var").0,
            ),
            2 => {
                let op = *self.rng.pick(&["<", ">", "<=", ">=", "==", "!="]);
                let a = self.int(d).0;
                let b = self.int(d).0;
                bin(Ty::Bool, a, op, b)
            }
            3 => {
                let a = self.bool_(d);
                Expr::new(Ty::Bool, Kind::Unary("!", Box::new(a)))
            }
            4 => {
                let op = *self.rng.pick(&["&&", "||"]);
                let a = self.bool_(d);
                let b = self.bool_(d);
                bin(Ty::Bool, a, op, b)
            }
            5 => {
                let a = self.int(d).0;
                bin(
                    Ty::Bool,
                    bin(Ty::I64, a, "%", Expr::i64(2)),
                    "==",
                    Expr::i64(0),
                )
            }
            6 => match self.rng.below(3) {
                0 => {
                    let s = self.str_ref(d);
                    method(Ty::Bool, s, "is_empty", vec![])
                }
                1 => {
                    let v = self.vec_ref(d);
                    // The argument never moves the receiver (`v.contains(&take_v(v))`).
                    let x = match &v.kind {
                        Kind::Var(name) => {
                            let name = name.clone();
                            self.without(&name, |this| this.int(d).0)
                        }
                        _ => self.int(d).0,
                    };
                    method(
                        Ty::Bool,
                        v,
                        "contains",
                        vec![Expr::new(Ty::Unit, Kind::Unary("&", Box::new(x)))],
                    )
                }
                _ => {
                    let v = self.vec_ref(d);
                    method(Ty::Bool, v, "is_empty", vec![])
                }
            },
            7 => {
                let o = self.opt(d);
                method(
                    Ty::Bool,
                    o,
                    self.rng.pick_str(&["is_some", "is_none"]),
                    vec![],
                )
            }
            _ => self.block_value(Ty::Bool),
        }
    }

    /// A `String` to call a `&self` method on: a variable or an expression.
    fn str_ref(&mut self, depth: u32) -> Expr {
        match self.pick_var(Ty::Str, |_| true) {
            Some((n, _)) if self.rng.chance(70) => var(Ty::Str, &n),
            _ => self.string(depth),
        }
    }

    fn vec_ref(&mut self, depth: u32) -> Expr {
        match self.pick_var(Ty::VecI, |_| true) {
            Some((n, _)) if self.rng.chance(70) => var(Ty::VecI, &n),
            _ => self.vec(depth),
        }
    }

    fn string(&mut self, depth: u32) -> Expr {
        let leaf = depth == 0;
        let d = depth.saturating_sub(1);
        let has_var = self.visible().iter().any(|v| v.ty == Ty::Str && !v.moved);
        let w = [
            6,
            2,
            if has_var { 5 } else { 0 },
            if has_var { 1 } else { 0 },
            if leaf { 0 } else { 4 },
            if leaf { 0 } else { 3 },
            if self.block_value_ok(depth) { 2 } else { 0 },
        ];
        match self.rng.weighted(&w) {
            0 => {
                let e = if leaf {
                    Expr::i64(self.rng.range(0, 99))
                } else {
                    self.int(d).0
                };
                call(Ty::Str, "st", vec![e])
            }
            1 => call(
                Ty::Str,
                "String::from",
                vec![Expr::lit(
                    Ty::Unit,
                    format!("{:?}", ["", "ab", "xyz"][self.rng.below(3)]),
                )],
            ),
            2 => {
                let n = self.pick_var(Ty::Str, |_| true).expect("has_var").0;
                method(Ty::Str, var(Ty::Str, &n), "clone", vec![])
            }
            3 => match self.movable(Ty::Str) {
                Some(n) => {
                    self.mark_moved(&n);
                    var(Ty::Str, &n)
                }
                None => call(Ty::Str, "st", vec![Expr::i64(1)]),
            },
            4 => {
                // A string local as the first argument: `format!` borrows it where it stands,
                // and the second argument may suspend and read it again.
                let borrowed = match self.pick_var(Ty::Str, |_| true) {
                    Some((n, _)) if self.rng.below(2) == 0 => Some(n),
                    _ => None,
                };
                let a = match &borrowed {
                    Some(n) => var(Ty::Str, n),
                    None => self.int(d).0,
                };
                // Borrowed until the macro formats: the second argument may read it, not move
                // or replace it.
                let was_frozen = borrowed.as_deref().and_then(|n| {
                    let v = self.find_mut(n)?;
                    Some(std::mem::replace(&mut v.frozen, true))
                });
                let bt = *self.rng.pick(&[Ty::I64, Ty::Str, Ty::Bool]);
                let b = self.expr(bt, d);
                if let (Some(n), Some(was)) = (&borrowed, was_frozen) {
                    if let Some(v) = self.find_mut(n) {
                        v.frozen = was;
                    }
                }
                Expr::new(
                    Ty::Str,
                    Kind::Macro("format", vec![Expr::lit(Ty::Unit, "\"{}-{}\""), a, b]),
                )
            }
            5 => {
                let a = self.int(d).0;
                method(Ty::Str, a, "to_string", vec![])
            }
            _ => self.block_value(Ty::Str),
        }
    }

    fn vec(&mut self, depth: u32) -> Expr {
        let leaf = depth == 0;
        let d = depth.saturating_sub(1);
        let has_var = self.visible().iter().any(|v| v.ty == Ty::VecI && !v.moved);
        let w = [
            if leaf { 2 } else { 6 },
            1,
            if has_var { 4 } else { 0 },
            if has_var && !leaf { 1 } else { 0 },
            2,
            if leaf { 0 } else { 1 },
            if self.block_value_ok(depth) { 1 } else { 0 },
        ];
        match self.rng.weighted(&w) {
            0 => {
                let n = self.rng.range(1, 3);
                let xs = (0..n).map(|_| self.int(d).0).collect();
                Expr::new(Ty::VecI, Kind::Macro("vec", xs))
            }
            1 => call(Ty::VecI, "Vec::<i64>::new", vec![]),
            2 => {
                let n = self.pick_var(Ty::VecI, |_| true).expect("has_var").0;
                method(Ty::VecI, var(Ty::VecI, &n), "clone", vec![])
            }
            3 => match self.movable(Ty::VecI) {
                Some(n) => {
                    self.mark_moved(&n);
                    var(Ty::VecI, &n)
                }
                None => Expr::new(Ty::VecI, Kind::Macro("vec", vec![Expr::i64(1)])),
            },
            4 => {
                let k = self.rng.range(0, 4);
                let r = Expr::new(
                    Ty::Unit,
                    Kind::Paren(Box::new(Expr::lit(Ty::Unit, format!("0i64..{k}")))),
                );
                method(Ty::VecI, r, "collect::<Vec<i64>>", vec![])
            }
            5 => {
                let k = self.rng.range(0, 4);
                let r = Expr::new(
                    Ty::Unit,
                    Kind::Paren(Box::new(Expr::lit(Ty::Unit, format!("0i64..{k}")))),
                );
                let q = self.fresh("q");
                self.no_suspend += 1;
                let mut b = self.bind_var(&q, Ty::I64);
                b.bound = 4;
                self.scopes.push(vec![b]);
                let body = self.int(1).0;
                self.scopes.pop();
                self.no_suspend -= 1;
                let clo = Expr::new(Ty::Unit, Kind::Closure(q, Box::new(body)));
                let m = method(Ty::Unit, r, "map", vec![clo]);
                method(Ty::VecI, m, "collect::<Vec<i64>>", vec![])
            }
            _ => self.block_value(Ty::VecI),
        }
    }

    fn opt(&mut self, depth: u32) -> Expr {
        let leaf = depth == 0;
        let d = depth.saturating_sub(1);
        let has_var = self.visible().iter().any(|v| v.ty == Ty::OptI && !v.moved);
        let depth_ = self.loop_depth;
        let has_mut_vec = self.visible().iter().any(|v| {
            v.ty == Ty::VecI && v.mutable && !v.moved && !v.counter && v.loop_depth <= depth_
        });
        let opt_helpers = self.helpers.iter().any(|h| h.ret == Ty::OptI) && self.may_suspend();
        let w = [
            4,
            1,
            if leaf { 1 } else { 4 },
            if has_var { 3 } else { 0 },
            if has_mut_vec && !leaf { 2 } else { 0 },
            if leaf { 0 } else { 2 },
            if leaf { 0 } else { 2 },
            if opt_helpers { self.suspend_pct / 3 } else { 0 },
            if self.block_value_ok(depth) { 1 } else { 0 },
        ];
        match self.rng.weighted(&w) {
            0 => {
                let e = self.int(d).0;
                call(Ty::OptI, "Some", vec![e])
            }
            1 => Expr::lit(Ty::OptI, "None::<i64>"),
            2 => {
                let e = self.int(d).0;
                call(Ty::OptI, "opt", vec![e])
            }
            3 => var(
                Ty::OptI,
                &self.pick_var(Ty::OptI, |_| true).expect("has_var").0,
            ),
            4 => {
                let depth_ = self.loop_depth;
                let n = self
                    .pick_var(Ty::VecI, |v| {
                        v.mutable && !v.counter && v.loop_depth <= depth_
                    })
                    .expect("has_mut_vec")
                    .0;
                method(Ty::OptI, var(Ty::VecI, &n), "pop", vec![])
            }
            5 => {
                let v = self.vec_ref(d);
                let first = method(Ty::Unit, v, self.rng.pick_str(&["first", "last"]), vec![]);
                method(Ty::OptI, first, "copied", vec![])
            }
            6 => {
                let a = self.int(d).0;
                let b = self.int(d).0;
                method(
                    Ty::OptI,
                    a,
                    self.rng
                        .pick_str(&["checked_mul", "checked_add", "checked_sub"]),
                    vec![b],
                )
            }
            7 => {
                self.suspends_left -= 1;
                let hs: Vec<Helper> = self
                    .helpers
                    .iter()
                    .filter(|h| h.ret == Ty::OptI)
                    .cloned()
                    .collect();
                let h = self.rng.pick(&hs).clone();
                let args = h
                    .params
                    .iter()
                    .map(|&t| {
                        if t == Ty::I64 {
                            self.int(1).0
                        } else {
                            self.expr(t, 1)
                        }
                    })
                    .collect();
                Expr::new(Ty::OptI, Kind::Delegate(h.name, args))
            }
            _ => self.block_value(Ty::OptI),
        }
    }

    fn res(&mut self, depth: u32) -> Expr {
        let d = depth.saturating_sub(1);
        let has_var = self.visible().iter().any(|v| v.ty == Ty::ResI && !v.moved);
        let res_helpers = self.helpers.iter().any(|h| h.ret == Ty::ResI) && self.may_suspend();
        let w = [
            5,
            2,
            1,
            if has_var { 2 } else { 0 },
            if res_helpers { self.suspend_pct / 3 } else { 0 },
            if self.block_value_ok(depth) { 1 } else { 0 },
        ];
        match self.rng.weighted(&w) {
            0 => {
                let e = self.int(d).0;
                call(Ty::ResI, "res", vec![e])
            }
            1 => {
                let e = self.int(d).0;
                call(Ty::ResI, "Ok::<i64, String>", vec![e])
            }
            2 => {
                let e = self.int(d).0;
                call(
                    Ty::ResI,
                    "Err::<i64, String>",
                    vec![call(Ty::Str, "st", vec![e])],
                )
            }
            3 => {
                let n = self.pick_var(Ty::ResI, |_| true).expect("has_var").0;
                method(Ty::ResI, var(Ty::ResI, &n), "clone", vec![])
            }
            4 => {
                self.suspends_left -= 1;
                let hs: Vec<Helper> = self
                    .helpers
                    .iter()
                    .filter(|h| h.ret == Ty::ResI)
                    .cloned()
                    .collect();
                let h = self.rng.pick(&hs).clone();
                let args = h
                    .params
                    .iter()
                    .map(|&t| {
                        if t == Ty::I64 {
                            self.int(1).0
                        } else {
                            self.expr(t, 1)
                        }
                    })
                    .collect();
                Expr::new(Ty::ResI, Kind::Delegate(h.name, args))
            }
            _ => self.block_value(Ty::ResI),
        }
    }

    fn pair(&mut self, depth: u32) -> Expr {
        let d = depth.saturating_sub(1);
        match self.pick_var(Ty::PairI, |_| true) {
            Some((n, _)) if self.rng.chance(40) => var(Ty::PairI, &n),
            _ => {
                let a = self.int(d).0;
                let b = self.int(d).0;
                Expr::new(Ty::PairI, Kind::Tuple(vec![a, b]))
            }
        }
    }

    fn p(&mut self, depth: u32) -> Expr {
        let d = depth.saturating_sub(1);
        let has_var = self.visible().iter().any(|v| v.ty == Ty::P && !v.moved);
        match self.rng.weighted(&[
            5,
            if has_var { 2 } else { 0 },
            if has_var { 2 } else { 0 },
            1,
        ]) {
            0 => {
                let a = self.int(d).0;
                let b = self.int(d).0;
                Expr::new(Ty::P, Kind::StructP(Box::new(a), Box::new(b)))
            }
            1 => {
                let n = self.pick_var(Ty::P, |_| true).expect("has_var").0;
                method(Ty::P, var(Ty::P, &n), "clone", vec![])
            }
            2 => {
                let n = self.pick_var(Ty::P, |_| true).expect("has_var").0;
                let c = self.int(d).0;
                method(
                    Ty::P,
                    method(Ty::P, var(Ty::P, &n), "clone", vec![]),
                    "with",
                    vec![c],
                )
            }
            _ => match self.movable(Ty::P) {
                Some(n) => {
                    self.mark_moved(&n);
                    var(Ty::P, &n)
                }
                None => {
                    let a = self.int(d).0;
                    Expr::new(Ty::P, Kind::StructP(Box::new(a), Box::new(Expr::i64(0))))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_programs() {
        let cfg = Config::new(Features::all());
        let a = format!("{:?}", program(1, 3, &cfg));
        let b = format!("{:?}", program(1, 3, &cfg));
        assert_eq!(a, b);
        assert_ne!(a, format!("{:?}", program(1, 4, &cfg)));
    }
}
