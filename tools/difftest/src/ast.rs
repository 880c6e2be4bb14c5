//! The programs the generator writes: a small typed Rust AST and its printer.
//!
//! One program prints in two flavours: generator (`yield_!(v)` suspends) and async
//! (`yield_from!(leaf(v))` suspends). Delegation to a helper coroutine is
//! `yield_from!(h(args))` in both.

use std::fmt::Write;

/// The types a generated expression can have.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ty {
    I64,
    U32,
    Bool,
    Str,
    VecI,
    OptI,
    ResI,
    PairI,
    P,
    Unit,
}

impl Ty {
    /// The Rust spelling.
    pub fn rust(self) -> &'static str {
        match self {
            Ty::I64 => "i64",
            Ty::U32 => "u32",
            Ty::Bool => "bool",
            Ty::Str => "String",
            Ty::VecI => "Vec<i64>",
            Ty::OptI => "Option<i64>",
            Ty::ResI => "Result<i64, String>",
            Ty::PairI => "(i64, i64)",
            Ty::P => "P",
            Ty::Unit => "()",
        }
    }
}

/// The two flavours a program prints in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Flavour {
    Gen,
    Async,
}

/// An expression with its type.
#[derive(Clone, Debug)]
pub struct Expr {
    pub ty: Ty,
    pub kind: Kind,
}

/// A pattern.
#[derive(Clone, Debug)]
pub enum Pat {
    Ident {
        name: String,
        mutable: bool,
    },
    Wild,
    Tuple(Vec<Pat>),
    /// `P { a: x, b: y }`.
    Struct(Box<Pat>, Box<Pat>),
    /// Anything else, printed verbatim (literals, ranges, `Some(x)`, `None`, alternatives).
    Raw(String),
}

/// A `match` arm.
#[derive(Clone, Debug)]
pub struct Arm {
    pub pat: Pat,
    pub guard: Option<Expr>,
    pub body: Block,
}

/// A block: statements and an optional tail expression.
#[derive(Clone, Debug, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub tail: Option<Box<Expr>>,
}

/// A statement.
#[derive(Clone, Debug)]
pub enum Stmt {
    Let {
        pat: Pat,
        ty: Option<Ty>,
        init: Expr,
        /// `let PAT = init else { .. };`
        else_: Option<Block>,
    },
    /// An expression statement (printed with `;` unless it is a unit block-like expression).
    Expr(Expr),
}

/// Expression kinds.
#[derive(Clone, Debug)]
pub enum Kind {
    /// A literal or other leaf printed verbatim.
    Lit(String),
    Var(String),
    /// The flavour's suspension with a value (`yield_!(e)` / `yield_from!(leaf(e))`).
    Suspend(Box<Expr>),
    /// `yield_from!(helper(args))`.
    Delegate(String, Vec<Expr>),
    /// `f(args)` for a free function or a path (`Some`, `P::sum`).
    Call(String, Vec<Expr>),
    /// `recv.method(args)`; `method` may carry a turbofish.
    Method(Box<Expr>, String, Vec<Expr>),
    Bin(Box<Expr>, &'static str, Box<Expr>),
    Unary(&'static str, Box<Expr>),
    Paren(Box<Expr>),
    Cast(Box<Expr>, Ty),
    Tuple(Vec<Expr>),
    Array(Vec<Expr>),
    /// `P { a: .., b: .. }`.
    StructP(Box<Expr>, Box<Expr>),
    Field(Box<Expr>, String),
    /// `base[index]` with a literal index.
    Index(Box<Expr>, usize),
    /// `name!(args)`; for `format!` the first argument is the format string literal.
    Macro(&'static str, Vec<Expr>),
    If(Box<Expr>, Block, Option<Block>),
    /// `if let PAT = e { .. } else { .. }`.
    IfLet(Pat, Box<Expr>, Block, Option<Block>),
    Match(Box<Expr>, Vec<Arm>),
    /// A (possibly labelled) block.
    Block(Option<String>, Block),
    Loop(Option<String>, Block),
    While(Option<String>, Box<Expr>, Block),
    WhileLet(Option<String>, Pat, Box<Expr>, Block),
    For(Option<String>, Pat, Box<Expr>, Block),
    Break(Option<String>, Option<Box<Expr>>),
    Continue(Option<String>),
    Return(Option<Box<Expr>>),
    Try(Box<Expr>),
    /// `place op value` (`=`, `^=`, `+=`, ..).
    Assign(Box<Expr>, &'static str, Box<Expr>),
    /// `|x: i64| body` (never suspends).
    Closure(String, Box<Expr>),
}

impl Expr {
    pub fn new(ty: Ty, kind: Kind) -> Expr {
        Expr { ty, kind }
    }

    pub fn lit(ty: Ty, text: impl Into<String>) -> Expr {
        Expr::new(ty, Kind::Lit(text.into()))
    }

    pub fn i64(v: i64) -> Expr {
        Expr::lit(Ty::I64, format!("{v}i64"))
    }

    /// Block-like expressions: these need parentheses as operands, and no `;` as statements.
    fn is_block_like(&self) -> bool {
        matches!(
            self.kind,
            Kind::If(..)
                | Kind::IfLet(..)
                | Kind::Match(..)
                | Kind::Block(..)
                | Kind::Loop(..)
                | Kind::While(..)
                | Kind::WhileLet(..)
                | Kind::For(..)
        )
    }

    /// Whether this expression can be printed as an operand, receiver or cast source without
    /// parentheses.
    fn is_atomic(&self) -> bool {
        match &self.kind {
            Kind::Lit(s) => !s.starts_with('-'),
            Kind::Var(_)
            | Kind::Suspend(_)
            | Kind::Delegate(..)
            | Kind::Call(..)
            | Kind::Method(..)
            | Kind::Paren(_)
            | Kind::Tuple(_)
            | Kind::Array(_)
            | Kind::Field(..)
            | Kind::Index(..)
            | Kind::Macro(..)
            | Kind::Try(_) => true,
            _ => false,
        }
    }
}

// -------------------------------------------------------------------------------------------
// Printing.

/// Prints expressions and blocks with indentation.
pub struct Printer {
    pub flavour: Flavour,
    pub out: String,
    indent: usize,
}

impl Printer {
    pub fn new(flavour: Flavour, indent: usize) -> Printer {
        Printer {
            flavour,
            out: String::new(),
            indent,
        }
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
    }

    pub fn pat(&mut self, p: &Pat) {
        match p {
            Pat::Ident { name, mutable } => {
                if *mutable {
                    self.out.push_str("mut ");
                }
                self.out.push_str(name);
            }
            Pat::Wild => self.out.push('_'),
            Pat::Tuple(ps) => {
                self.out.push('(');
                for (i, p) in ps.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.pat(p);
                }
                self.out.push(')');
            }
            Pat::Struct(a, b) => {
                self.out.push_str("P { a: ");
                self.pat(a);
                self.out.push_str(", b: ");
                self.pat(b);
                self.out.push_str(" }");
            }
            Pat::Raw(s) => self.out.push_str(s),
        }
    }

    /// Prints a block's contents between braces.
    pub fn block(&mut self, b: &Block) {
        if b.stmts.is_empty() && b.tail.as_ref().is_none_or(|t| !t.is_block_like()) {
            // Short blocks on one line.
            if let Some(t) = &b.tail {
                let mut inner = Printer::new(self.flavour, 0);
                inner.expr(t, false);
                if !inner.out.contains('\n') && inner.out.len() < 60 {
                    let _ = write!(self.out, "{{ {} }}", inner.out);
                    return;
                }
            } else {
                self.out.push_str("{}");
                return;
            }
        }
        self.out.push('{');
        self.indent += 1;
        self.body(b);
        self.indent -= 1;
        self.newline();
        self.out.push('}');
    }

    /// The statements and tail of a block, one a line. A block-like statement without `;`
    /// followed by something that would continue it as an expression (`(..)`, `-x`, `[..]`)
    /// gets its `;`.
    fn body(&mut self, b: &Block) {
        let mut open_block_like = false;
        let items = b.stmts.len() + usize::from(b.tail.is_some());
        for i in 0..items {
            let mut p = Printer::new(self.flavour, self.indent);
            let (text, block_like) = if i < b.stmts.len() {
                p.stmt(&b.stmts[i]);
                let bl =
                    matches!(&b.stmts[i], Stmt::Expr(e) if e.is_block_like() && e.ty == Ty::Unit);
                (p.out, bl)
            } else {
                p.expr(b.tail.as_ref().expect("tail"), false);
                (p.out, false)
            };
            if open_block_like && text.starts_with(['(', '[', '-', '*', '&', '|', '.', '?', '!']) {
                self.out.push(';');
            }
            self.newline();
            self.out.push_str(&text);
            open_block_like = block_like;
        }
    }

    pub fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::Let {
                pat,
                ty,
                init,
                else_,
            } => {
                self.out.push_str("let ");
                self.pat(pat);
                if let Some(ty) = ty {
                    let _ = write!(self.out, ": {}", ty.rust());
                }
                self.out.push_str(" = ");
                // `let .. else` forbids a trailing `}` in the initializer.
                if else_.is_some() && (init.is_block_like() || ends_with_brace(init)) {
                    self.out.push('(');
                    self.expr(init, false);
                    self.out.push(')');
                } else {
                    self.expr(init, false);
                }
                if let Some(b) = else_ {
                    self.out.push_str(" else ");
                    self.block(b);
                }
                self.out.push(';');
            }
            Stmt::Expr(e) => {
                self.expr(e, false);
                if !(e.is_block_like() && e.ty == Ty::Unit) {
                    self.out.push(';');
                }
            }
        }
    }

    fn operand(&mut self, e: &Expr, no_struct: bool) {
        if e.is_atomic() {
            self.expr(e, no_struct);
        } else {
            self.out.push('(');
            self.expr(e, false);
            self.out.push(')');
        }
    }

    fn args(&mut self, args: &[Expr]) {
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.expr(a, false);
        }
    }

    fn label(&mut self, l: &Option<String>) {
        if let Some(l) = l {
            let _ = write!(self.out, "{l}: ");
        }
    }

    /// Prints an expression. `no_struct`: a struct literal here would need parentheses
    /// (conditions, scrutinees, `for` iterators).
    pub fn expr(&mut self, e: &Expr, no_struct: bool) {
        match &e.kind {
            Kind::Lit(s) | Kind::Var(s) => self.out.push_str(s),
            Kind::Suspend(v) => match self.flavour {
                Flavour::Gen => {
                    self.out.push_str("yield_!(");
                    self.expr(v, false);
                    self.out.push(')');
                }
                Flavour::Async => {
                    self.out.push_str("yield_from!(leaf(");
                    self.expr(v, false);
                    self.out.push_str("))");
                }
            },
            Kind::Delegate(h, args) => {
                let _ = write!(self.out, "yield_from!({h}(");
                self.args(args);
                self.out.push_str("))");
            }
            Kind::Call(f, args) => {
                let _ = write!(self.out, "{f}(");
                self.args(args);
                self.out.push(')');
            }
            Kind::Method(r, m, args) => {
                self.operand(r, no_struct);
                let _ = write!(self.out, ".{m}(");
                self.args(args);
                self.out.push(')');
            }
            Kind::Bin(a, op, b) => {
                self.operand(a, no_struct);
                let _ = write!(self.out, " {op} ");
                self.operand(b, no_struct);
            }
            Kind::Unary(op, a) => {
                self.out.push_str(op);
                self.operand(a, no_struct);
            }
            Kind::Paren(a) => {
                self.out.push('(');
                self.expr(a, false);
                self.out.push(')');
            }
            Kind::Cast(a, ty) => {
                self.operand(a, no_struct);
                let _ = write!(self.out, " as {}", ty.rust());
            }
            Kind::Tuple(xs) => {
                self.out.push('(');
                self.args(xs);
                if xs.len() == 1 {
                    self.out.push(',');
                }
                self.out.push(')');
            }
            Kind::Array(xs) => {
                self.out.push('[');
                self.args(xs);
                self.out.push(']');
            }
            Kind::StructP(a, b) => {
                if no_struct {
                    self.out.push('(');
                }
                self.out.push_str("P { a: ");
                self.expr(a, false);
                self.out.push_str(", b: ");
                self.expr(b, false);
                self.out.push_str(" }");
                if no_struct {
                    self.out.push(')');
                }
            }
            Kind::Field(a, f) => {
                self.operand(a, no_struct);
                let _ = write!(self.out, ".{f}");
            }
            Kind::Index(a, i) => {
                self.operand(a, no_struct);
                let _ = write!(self.out, "[{i}]");
            }
            Kind::Macro(name, args) => {
                let (open, close) = if *name == "vec" {
                    ('[', ']')
                } else {
                    ('(', ')')
                };
                let _ = write!(self.out, "{name}!{open}");
                self.args(args);
                self.out.push(close);
            }
            Kind::If(c, t, els) => {
                self.out.push_str("if ");
                self.scrutinee(c);
                self.out.push(' ');
                self.block(t);
                if let Some(els) = els {
                    self.out.push_str(" else ");
                    match (&els.tail, els.stmts.is_empty()) {
                        (Some(t), true) if matches!(t.kind, Kind::If(..) | Kind::IfLet(..)) => {
                            self.expr(t, false)
                        }
                        _ => self.block(els),
                    }
                }
            }
            Kind::IfLet(p, s, t, els) => {
                self.out.push_str("if let ");
                self.pat(p);
                self.out.push_str(" = ");
                self.scrutinee(s);
                self.out.push(' ');
                self.block(t);
                if let Some(els) = els {
                    self.out.push_str(" else ");
                    self.block(els);
                }
            }
            Kind::Match(s, arms) => {
                self.out.push_str("match ");
                self.scrutinee(s);
                self.out.push_str(" {");
                self.indent += 1;
                for arm in arms {
                    self.newline();
                    self.pat(&arm.pat);
                    if let Some(g) = &arm.guard {
                        self.out.push_str(" if ");
                        self.expr(g, false);
                    }
                    self.out.push_str(" => ");
                    self.block(&arm.body);
                }
                self.indent -= 1;
                self.newline();
                self.out.push('}');
            }
            Kind::Block(l, b) => {
                self.label(l);
                self.block(b);
            }
            Kind::Loop(l, b) => {
                self.label(l);
                self.out.push_str("loop ");
                self.block(b);
            }
            Kind::While(l, c, b) => {
                self.label(l);
                self.out.push_str("while ");
                self.scrutinee(c);
                self.out.push(' ');
                self.block(b);
            }
            Kind::WhileLet(l, p, s, b) => {
                self.label(l);
                self.out.push_str("while let ");
                self.pat(p);
                self.out.push_str(" = ");
                self.scrutinee(s);
                self.out.push(' ');
                self.block(b);
            }
            Kind::For(l, p, it, b) => {
                self.label(l);
                self.out.push_str("for ");
                self.pat(p);
                self.out.push_str(" in ");
                self.scrutinee(it);
                self.out.push(' ');
                self.block(b);
            }
            Kind::Break(l, v) => {
                self.out.push_str("break");
                if let Some(l) = l {
                    let _ = write!(self.out, " {l}");
                }
                if let Some(v) = v {
                    self.out.push(' ');
                    // `break 'a 'b: { .. }` needs parentheses.
                    let labelled = matches!(
                        v.kind,
                        Kind::Block(Some(_), _)
                            | Kind::Loop(Some(_), _)
                            | Kind::While(Some(_), ..)
                            | Kind::WhileLet(Some(_), ..)
                            | Kind::For(Some(_), ..)
                    );
                    if labelled {
                        self.out.push('(');
                    }
                    self.expr(v, false);
                    if labelled {
                        self.out.push(')');
                    }
                }
            }
            Kind::Continue(l) => {
                self.out.push_str("continue");
                if let Some(l) = l {
                    let _ = write!(self.out, " {l}");
                }
            }
            Kind::Return(v) => {
                self.out.push_str("return");
                if let Some(v) = v {
                    self.out.push(' ');
                    self.expr(v, false);
                }
            }
            Kind::Try(a) => {
                self.operand(a, no_struct);
                self.out.push('?');
            }
            Kind::Assign(p, op, v) => {
                self.expr(p, false);
                let _ = write!(self.out, " {op} ");
                self.expr(v, false);
            }
            Kind::Closure(x, body) => {
                let _ = write!(self.out, "|{x}: i64| ");
                self.expr(body, false);
            }
        }
    }

    /// A condition, scrutinee or iterator: no struct literal at the top, no bare block-like.
    fn scrutinee(&mut self, e: &Expr) {
        if e.is_block_like() {
            self.out.push('(');
            self.expr(e, false);
            self.out.push(')');
        } else {
            self.expr(e, true);
        }
    }
}

fn ends_with_brace(e: &Expr) -> bool {
    match &e.kind {
        Kind::Bin(_, _, b) | Kind::Assign(_, _, b) => b.is_block_like() || ends_with_brace(b),
        Kind::Unary(_, b) => b.is_block_like() || ends_with_brace(b),
        Kind::Break(_, Some(v)) | Kind::Return(Some(v)) => v.is_block_like() || ends_with_brace(v),
        Kind::Closure(_, b) => ends_with_brace(b),
        Kind::StructP(..) => true,
        _ => false,
    }
}

/// Prints a block-bodied fn.
pub fn print_fn(
    flavour: Flavour,
    name: &str,
    params: &[(String, Ty)],
    ret: Ty,
    body: &Block,
    indent: usize,
) -> String {
    let mut p = Printer::new(flavour, indent);
    let params: Vec<String> = params
        .iter()
        .map(|(n, t)| format!("{n}: {}", t.rust()))
        .collect();
    let _ = write!(p.out, "fn {name}({}) -> {} ", params.join(", "), ret.rust());
    // A fn body always prints multi-line.
    p.out.push('{');
    p.indent += 1;
    p.body(body);
    p.indent -= 1;
    p.newline();
    p.out.push('}');
    p.out
}
