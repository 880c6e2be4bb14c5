//! Shrinking a failing program: delete statements and helpers, replace expressions by
//! literals or by one of their operands, and keep the smallest variant that still fails the
//! same way. Candidates are checked many at a time in one scratch crate.

use crate::ast::{Block, Expr, Kind, Printer, Stmt, Ty};
use crate::gen::Program;
use crate::scratch::{check, render, Case, Failure, Scratch};

/// An edit at the `n`-th node (statements and expressions in a fixed pre-order).
#[derive(Clone, Copy, Debug)]
enum Op {
    DeleteStmt,
    Default,
    Hoist(usize),
    /// Replace a block-like statement by its first block (`if c { a } else { b }` -> `{ a }`).
    Inline,
}

struct Editor {
    target: usize,
    counter: usize,
    op: Op,
    done: bool,
}

fn default_of(ty: Ty) -> Option<Expr> {
    let text = match ty {
        Ty::I64 => "0i64",
        Ty::U32 => "0u32",
        Ty::Bool => "false",
        Ty::Str => "String::new()",
        Ty::VecI => "Vec::<i64>::new()",
        Ty::OptI => "None::<i64>",
        Ty::ResI => "Ok::<i64, String>(0)",
        Ty::PairI => "(0i64, 0i64)",
        Ty::P => "P { a: 0, b: 0 }",
        Ty::Unit => return None,
    };
    Some(Expr::lit(ty, text))
}

fn children_mut(e: &mut Expr) -> Vec<&mut Expr> {
    match &mut e.kind {
        Kind::Suspend(x)
        | Kind::Unary(_, x)
        | Kind::Paren(x)
        | Kind::Cast(x, _)
        | Kind::Field(x, _)
        | Kind::Index(x, _)
        | Kind::Try(x) => vec![x.as_mut()],
        Kind::Delegate(_, a)
        | Kind::Call(_, a)
        | Kind::Tuple(a)
        | Kind::Array(a)
        | Kind::Macro(_, a) => a.iter_mut().collect(),
        Kind::Method(r, _, a) => {
            let mut v = vec![r.as_mut()];
            v.extend(a.iter_mut());
            v
        }
        Kind::Bin(a, _, b) | Kind::StructP(a, b) => vec![a.as_mut(), b.as_mut()],
        Kind::If(c, ..) | Kind::IfLet(_, c, ..) | Kind::Match(c, _) => vec![c.as_mut()],
        _ => vec![],
    }
}

/// `c += 1u32;`, the bump of a loop counter.
fn is_bump(s: &Stmt) -> bool {
    matches!(s, Stmt::Expr(Expr { kind: Kind::Assign(p, "+=", v), .. })
        if matches!(&p.kind, Kind::Var(n) if n.starts_with('c'))
            && matches!(&v.kind, Kind::Lit(l) if l == "1u32"))
}

impl Editor {
    fn block(&mut self, b: &mut Block) {
        let mut i = 0;
        while i < b.stmts.len() {
            if self.done {
                return;
            }
            if self.counter == self.target {
                match self.op {
                    // A loop counter's bump stays: without it the loop would not end.
                    Op::DeleteStmt if !is_bump(&b.stmts[i]) => {
                        b.stmts.remove(i);
                        self.done = true;
                        return;
                    }
                    Op::Inline => {
                        if let Stmt::Expr(e) = &b.stmts[i] {
                            let inner = match &e.kind {
                                Kind::If(_, t, _) | Kind::IfLet(_, _, t, _) => Some(t.clone()),
                                Kind::Block(_, t) | Kind::Loop(_, t) | Kind::While(_, _, t) => {
                                    Some(t.clone())
                                }
                                Kind::Match(_, arms) => arms.last().map(|a| a.body.clone()),
                                _ => None,
                            };
                            if let Some(inner) = inner {
                                if inner.tail.is_none() {
                                    b.stmts[i] =
                                        Stmt::Expr(Expr::new(Ty::Unit, Kind::Block(None, inner)));
                                    self.done = true;
                                    return;
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            self.counter += 1;
            match &mut b.stmts[i] {
                Stmt::Let { init, else_, .. } => {
                    self.expr(init);
                    if let Some(e) = else_ {
                        self.block(e);
                    }
                }
                Stmt::Expr(e) => self.expr(e),
            }
            i += 1;
        }
        if let Some(t) = &mut b.tail {
            self.expr(t);
        }
    }

    fn expr(&mut self, e: &mut Expr) {
        if self.done {
            return;
        }
        if self.counter == self.target {
            match self.op {
                Op::Default if !matches!(e.kind, Kind::Lit(_) | Kind::Var(_)) => {
                    if let Some(d) = default_of(e.ty) {
                        *e = d;
                        self.done = true;
                        return;
                    }
                }
                Op::Hoist(k) => {
                    let ty = e.ty;
                    let same: Vec<Expr> = children_mut(e)
                        .into_iter()
                        .filter(|c| c.ty == ty && ty != Ty::Unit)
                        .map(|c| c.clone())
                        .collect();
                    if let Some(c) = same.into_iter().nth(k) {
                        *e = c;
                        self.done = true;
                        return;
                    }
                }
                _ => {}
            }
        }
        self.counter += 1;
        match &mut e.kind {
            Kind::If(c, t, els) | Kind::IfLet(_, c, t, els) => {
                self.expr(c);
                self.block(t);
                if let Some(b) = els {
                    self.block(b);
                }
            }
            Kind::Match(s, arms) => {
                self.expr(s);
                for a in arms {
                    if let Some(g) = &mut a.guard {
                        self.expr(g);
                    }
                    self.block(&mut a.body);
                }
            }
            Kind::Block(_, b) | Kind::Loop(_, b) => self.block(b),
            Kind::While(_, c, b) | Kind::WhileLet(_, _, c, b) | Kind::For(_, _, c, b) => {
                self.expr(c);
                self.block(b);
            }
            Kind::Break(_, Some(v)) | Kind::Return(Some(v)) => self.expr(v),
            Kind::Assign(p, _, v) => {
                self.expr(p);
                self.expr(v);
            }
            Kind::Closure(_, b) => self.expr(b),
            _ => {
                for c in children_mut(e) {
                    self.expr(c);
                }
            }
        }
    }
}

fn edit(p: &Program, target: usize, op: Op) -> Option<Program> {
    let mut q = p.clone();
    let mut ed = Editor {
        target,
        counter: 0,
        op,
        done: false,
    };
    for f in &mut q.fns {
        ed.block(&mut f.body);
    }
    ed.done.then_some(q)
}

fn nodes(p: &Program) -> usize {
    let mut q = p.clone();
    let mut ed = Editor {
        target: usize::MAX,
        counter: 0,
        op: Op::Default,
        done: false,
    };
    for f in &mut q.fns {
        ed.block(&mut f.body);
    }
    ed.counter
}

/// The size of a program as printed (what shrinking minimizes).
pub fn size(p: &Program) -> usize {
    p.fns
        .iter()
        .map(|f| {
            let mut pr = Printer::new(crate::ast::Flavour::Gen, 0);
            pr.block(&f.body);
            pr.out.split_whitespace().count()
        })
        .sum()
}

fn candidates(p: &Program) -> Vec<Program> {
    let mut out = Vec::new();
    // Drop a helper (the program is invalid if it was used; the plain build says so).
    for k in 0..p.fns.len().saturating_sub(1) {
        let mut q = p.clone();
        q.fns.remove(k);
        out.push(q);
    }
    let n = nodes(p);
    for i in 0..n {
        for op in [
            Op::DeleteStmt,
            Op::Inline,
            Op::Default,
            Op::Hoist(0),
            Op::Hoist(1),
            Op::Hoist(2),
        ] {
            if let Some(q) = edit(p, i, op) {
                out.push(q);
            }
        }
    }
    let base = size(p);
    out.retain(|q| size(q) < base);
    out.sort_by_key(size);
    out
}

/// Shrinks a failing case; gives the smallest variant that still fails the same way.
pub fn shrink(case: &Case, failure: &Failure) -> Result<(Case, Failure), String> {
    let s = Scratch::new("shrink")?;
    let mut best = case.clone();
    let mut best_failure = failure.clone();
    let chunk = 48;
    let mut rounds = 0;
    'outer: loop {
        rounds += 1;
        let cands = candidates(&best.program);
        eprintln!(
            "  shrink round {rounds}: size {}, {} candidates",
            size(&best.program),
            cands.len()
        );
        for group in cands.chunks(chunk) {
            let cases: Vec<Case> = group
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let mut q = q.clone();
                    q.id = format!("c{i:05}");
                    Case {
                        program: q,
                        flavour: case.flavour,
                        slot: i / 12,
                    }
                })
                .collect();
            let r = check(&s, &cases)?;
            let mut hits: Vec<(usize, Failure)> = r
                .failures
                .into_iter()
                .filter(|(_, f)| f.same_kind(failure))
                .collect();
            hits.sort_by_key(|(i, _)| size(&cases[*i].program));
            if let Some((i, f)) = hits.into_iter().next() {
                best = cases[i].clone();
                best.program.id = case.program.id.clone();
                best_failure = f;
                continue 'outer;
            }
        }
        break;
    }
    eprintln!(
        "  shrunk to size {} in {rounds} rounds",
        size(&best.program)
    );
    let _ = render(&best);
    Ok((best, best_failure))
}
