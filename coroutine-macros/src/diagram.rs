//! Stage 4b: a picture of the state machine.
//!
//! Takes the [`Emitter`]'s [`Cfg`] and layout; gives an expression of type `coroutines::Diagram`: the
//! states a coroutine can rest in between resumes (created, each suspension point, done), each
//! labelled with its source line through `line!()` at the user's span, and the moves one resume
//! can make between them, written as Graphviz DOT and as a Mermaid state diagram. Both are
//! `concat!` of literals, so nothing is computed at run time, and nothing is linked into a
//! binary that never asks for the picture.

use crate::cfg::{BlockId, Cfg, Entry, JumpKind};
use crate::emit::Emitter;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};

/// A state of the picture: where a suspended coroutine can be.
struct State {
    id: String,
    /// Literal text and `line!()`/`column!()` calls, concatenated.
    label: Vec<TokenStream>,
}

/// The moves a resume can make from each resting state: the suspension points (or the end) it
/// reaches through jumps within one resume.
fn moves_from(cfg: &Cfg, start: BlockId) -> (Vec<BlockId>, bool) {
    let mut targets = Vec::new();
    let mut returns = false;
    let mut seen = vec![false; cfg.blocks.len()];
    let mut stack = vec![start];
    seen[start] = true;
    while let Some(block) = stack.pop() {
        returns |= cfg.blocks[block].returns;
        for &index in &cfg.blocks[block].jumps {
            let jump = &cfg.jumps[index];
            match jump.kind {
                JumpKind::Goto if !seen[jump.to] => {
                    seen[jump.to] = true;
                    stack.push(jump.to);
                }
                JumpKind::Goto => {}
                // Its bypass, beside it in the same block, is the move drawn.
                JumpKind::Suspend(_) if jump.bypass.is_some() => {}
                JumpKind::Suspend(_) | JumpKind::Enter(_) => {
                    if !targets.contains(&jump.to) {
                        targets.push(jump.to);
                    }
                }
            }
        }
    }
    targets.sort_unstable();
    (targets, returns)
}

fn site_label(what: &str, span: Span) -> Vec<TokenStream> {
    vec![
        quote!(#what),
        quote!(" at "),
        quote_spanned!(span=> ::core::file!()),
        quote!(":"),
        quote_spanned!(span=> ::core::line!()),
        quote!(":"),
        quote_spanned!(span=> ::core::column!()),
    ]
}

/// `Diagram { function, dot, mermaid }` for the coroutine `function`.
pub fn diagram(emitter: &Emitter<'_>, function: &Ident) -> TokenStream {
    let (cfg, layout, krate) = (emitter.cfg, emitter.layout, emitter.krate);
    let generator = emitter.generator.is_some();
    let name = function.to_string();
    let name = name.trim_start_matches("r#");
    let mut states = Vec::new();
    let mut edges: Vec<(String, String)> = Vec::new();
    let id_of = |block: BlockId| {
        if block == 0 {
            "created".to_owned()
        } else {
            format!("s{block}")
        }
    };
    for &block in &layout.order {
        if cfg.is_bypassed(block) {
            continue;
        }
        let label = match &cfg.blocks[block].entry {
            Entry::Start => vec![quote!(#name), quote!("() created")],
            Entry::Jump => match cfg.blocks[block].resumes_here {
                Some(span) => site_label("yield_!", span),
                None => continue,
            },
            Entry::Yield { span, .. } => site_label("yield_!", *span),
            Entry::Delegate { span, .. } => site_label(
                if generator {
                    "yield_from! (delegating)"
                } else {
                    "yield_from!"
                },
                *span,
            ),
        };
        states.push(State {
            id: id_of(block),
            label,
        });
        let (targets, returns) = moves_from(cfg, block);
        for target in targets {
            edges.push((id_of(block), id_of(target)));
        }
        if returns {
            edges.push((id_of(block), "done".to_owned()));
        }
    }

    let header = format!("digraph {name} {{\n  node [shape=box, style=rounded];\n");
    let mut dot = vec![quote!(#header)];
    let mut mermaid = vec![quote!("stateDiagram-v2\n")];
    for state in &states {
        let (id, label) = (&state.id, &state.label);
        let open = format!("  {id} [label=\"");
        dot.push(quote!(#open));
        dot.extend(label.iter().cloned());
        dot.push(quote!("\"];\n"));
        mermaid.push(quote!("  state \""));
        mermaid.extend(label.iter().cloned());
        let close = format!("\" as {id}\n");
        mermaid.push(quote!(#close));
    }
    let done = "  done [label=\"done\", shape=doublecircle];\n".to_owned();
    dot.push(quote!(#done));
    mermaid.push(quote!("  [*] --> created\n"));
    for (from, to) in &edges {
        let line = format!("  {from} -> {to};\n");
        dot.push(quote!(#line));
        let line = format!("  {from} --> {to}\n");
        mermaid.push(quote!(#line));
    }
    dot.push(quote!("}\n"));
    mermaid.push(quote!("  done --> [*]\n"));
    quote! {
        #krate::Diagram {
            function: #name,
            dot: ::core::concat!(#(#dot),*),
            mermaid: ::core::concat!(#(#mermaid),*),
        }
    }
}
