//! The pipeline: attribute tokens and item tokens in, the expanded item out.
//!
//! On any error the output is every error plus the function with its coroutine signature and a
//! placeholder body (see [`fallback`]), so the rest of the crate still type-checks and the user
//! sees all problems at once, each once.

use crate::args;
use crate::emit::{self, Emitter};
use crate::lower::{Flavour, Lowerer};
use crate::resident;
use crate::scan;
use crate::signature::{self, self_at};
use proc_macro2::{TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::visit_mut::{self, VisitMut};

/// Expands `#[coroutine(args)] item`.
pub fn coroutine(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Vec::new();
    let args = args::parse(args, &mut errors);
    let item_fn = match parse_fn(item.clone()) {
        Ok(item_fn) => item_fn,
        Err(error) => {
            // A function whose body syn cannot read still gets its coroutine signature, so the
            // rest of the crate type-checks and only this error shows.
            if let Some((vis, signature_only)) = parse_signature_only(item.clone()) {
                errors.push(error);
                let mut shape = signature::analyse(signature_only, &args, &mut errors);
                shape.vis = vis;
                return fallback(&shape, &args, errors);
            }
            let error = error.to_compile_error();
            return quote!(#error #item);
        }
    };
    let (vis, trait_fn) = item_fn;
    let mut shape = signature::analyse(trait_fn, &args, &mut errors);
    shape.vis = vis;
    let Some(mut body) = shape.body.take() else {
        // A trait method declaration: only the signature changes.
        let compile_errors = errors.iter().map(syn::Error::to_compile_error);
        let attrs = &shape.attrs;
        let sig = &shape.sig;
        return quote!(#(#compile_errors)* #(#attrs)* #sig;);
    };
    scan::check_nested(&body, &mut errors);
    if let Some(receiver) = shape.shared_self {
        scan::check_shared_self_assignments(&body, receiver, &shape.sig.ident, &mut errors);
    }
    if shape.has_receiver {
        ReplaceSelf.visit_block_mut(&mut body);
    }
    // Every name a parameter binds: a pattern parameter's names (the outer signature has a
    // hidden name in its place), or the parameter's own.
    let param_names: Vec<String> = (shape.params.iter())
        .flat_map(|param| match &param.pattern {
            Some(pattern) => (scan::bindings(pattern).into_iter())
                .map(|binding| scan::unraw(&binding.ident))
                .collect(),
            None => vec![scan::unraw(&param.binding)],
        })
        .collect();
    let resident_candidates = resident::candidates(&body, &param_names);

    let flavour = Flavour {
        yield_ty: args
            .generator
            .as_ref()
            .map(|generator| generator.yield_ty.clone()),
        krate: args.krate.clone(),
        return_ty: shape.return_ty_nameable.then(|| shape.return_ty.clone()),
        returns_unit: signature::is_unit(&shape.return_ty),
        function: shape.sig.ident.clone(),
        resume_ty: args.generator.as_ref().map_or_else(
            || syn::parse_quote!(()),
            |generator| generator.resume_ty.clone(),
        ),
    };
    let mut lowerer = Lowerer::new(&flavour, &mut errors);
    let mut outer = Vec::new();
    for param in &shape.params {
        lowerer.declare_param(
            param.binding.clone(),
            param.mutable,
            param.pattern.is_some(),
            &param.ty,
        );
        let value = param.outer.to_token_stream();
        outer.push(value);
    }
    for param in &shape.params {
        if let Some(pattern) = &param.pattern {
            lowerer.destructure_param(pattern, &param.binding, &param.ty);
        }
    }
    lowerer.lower_body(&body);
    if lowerer.lowered_unsafe {
        // A lowered `unsafe` block is cut into pieces, each wrapped in `unsafe` again; not all
        // of them perform an unsafe operation.
        shape.attrs.push(syn::parse_quote!(#[allow(unused_unsafe)]));
    }
    let mut cfg = std::mem::take(&mut lowerer.cfg);
    let items = std::mem::take(&mut lowerer.items);
    drop(lowerer);

    if errors.is_empty() {
        cfg.thread_jumps();
        cfg.thread_resumes();
        cfg.settle_late_kills();
        cfg.declare_unassigned();
        match cfg.layout() {
            Ok(mut layout) => {
                let residents = cfg.residents(&layout, &resident_candidates);
                layout.unpeel_residents(&cfg, &residents);
                let emitter = Emitter {
                    residents,
                    cfg: &cfg,
                    layout: &layout,
                    krate: &args.krate,
                    generator: args.generator.as_ref(),
                    body: body.brace_token.span.join(),
                    params: shape.sig.paren_token.span.join(),
                    items: &items,
                    handed_over: vec![std::cell::OnceCell::new(); cfg.blocks.len()],
                };
                return emit::function(&shape, &emitter, &outer);
            }
            Err(error) => errors.push(error),
        }
    }
    fallback(&shape, &args, errors)
}

fn parse_fn(item: TokenStream) -> syn::Result<(syn::Visibility, syn::TraitItemFn)> {
    if let Ok(item_fn) = syn::parse2::<syn::ItemFn>(item.clone()) {
        let syn::ItemFn {
            attrs,
            vis,
            sig,
            block,
        } = item_fn;
        return Ok((
            vis,
            syn::TraitItemFn {
                attrs,
                sig,
                default: Some(*block),
                semi_token: None,
            },
        ));
    }
    if let Ok(trait_fn) = syn::parse2::<syn::TraitItemFn>(item.clone()) {
        return Ok((syn::Visibility::Inherited, trait_fn));
    }
    let span = match syn::parse2::<syn::Item>(item) {
        Ok(item) => syn::spanned::Spanned::span(&item_keyword(&item)),
        Err(error) => return Err(error),
    };
    Err(syn::Error::new(
        span,
        "`#[coroutine]` can only be applied to a function",
    ))
}

/// `attrs vis fn name(..) -> T { <anything> }`: the signature, without the body.
fn parse_signature_only(item: TokenStream) -> Option<(syn::Visibility, syn::TraitItemFn)> {
    let mut trees: Vec<TokenTree> = item.into_iter().collect();
    match trees.last() {
        Some(TokenTree::Group(group)) if group.delimiter() == proc_macro2::Delimiter::Brace => {
            trees.pop();
        }
        _ => return None,
    }
    let head: TokenStream = trees.into_iter().collect();
    let parser = |input: syn::parse::ParseStream| {
        let attrs = input.call(syn::Attribute::parse_outer)?;
        let vis: syn::Visibility = input.parse()?;
        let sig: syn::Signature = input.parse()?;
        Ok((
            vis,
            syn::TraitItemFn {
                attrs,
                sig,
                default: None,
                semi_token: None,
            },
        ))
    };
    syn::parse::Parser::parse2(parser, head).ok()
}

fn item_keyword(item: &syn::Item) -> TokenStream {
    let tokens = item.to_token_stream();
    tokens
        .into_iter()
        .find(|tree| matches!(tree, TokenTree::Ident(ident) if !matches!(ident.to_string().as_str(), "pub" | "crate" | "unsafe")))
        .map(|tree| tree.into_token_stream())
        .unwrap_or_default()
}

/// The errors, plus the function with its coroutine signature and a body that type-checks
/// without the user's code, so that callers still type-check and report nothing twice.
fn fallback(shape: &signature::Shape, args: &args::Args, errors: Vec<syn::Error>) -> TokenStream {
    let errors = errors.into_iter().reduce(|mut all, error| {
        all.combine(error);
        all
    });
    let errors = errors.map(|error| error.to_compile_error());
    let krate = &args.krate;
    let return_ty = &shape.return_ty;
    let placeholder = if !shape.return_ty_nameable {
        quote!(::core::unimplemented!())
    } else if let Some(generator) = &args.generator {
        let yield_ty = &generator.yield_ty;
        let resume_ty = &generator.resume_ty;
        quote!(#krate::__private::coroutine_from_fn(
            |_: #krate::__private::Request<'_, #resume_ty>| -> #krate::__private::Answer<#krate::__private::State<#yield_ty, #return_ty>, ()> { ::core::unimplemented!() },
        ))
    } else {
        quote!(#krate::__private::future_from_fn(
            |_: #krate::__private::Request<'_, &mut #krate::__private::TaskContext<'_>>| -> #krate::__private::Answer<#krate::__private::TaskPoll<#return_ty>, ()> { ::core::unimplemented!() },
        ))
    };
    let attrs = &shape.attrs;
    let vis = &shape.vis;
    let sig = &shape.sig;
    quote! {
        #errors
        #(#attrs)*
        #[allow(unused_variables, unreachable_code)]
        #vis #sig { #placeholder }
    }
}

/// Renames the body's `self` to a hidden local (a pattern cannot bind `self`). Items keep theirs.
struct ReplaceSelf;

impl VisitMut for ReplaceSelf {
    fn visit_expr_path_mut(&mut self, node: &mut syn::ExprPath) {
        if node.qself.is_none() && node.path.is_ident("self") {
            let span = node.path.segments[0].ident.span();
            node.path = syn::Path::from(self_at(span));
        }
    }
    fn visit_macro_mut(&mut self, node: &mut syn::Macro) {
        node.tokens = replace_self_tokens(node.tokens.clone());
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    fn visit_expr_mut(&mut self, node: &mut syn::Expr) {
        visit_mut::visit_expr_mut(self, node);
    }
}

fn replace_self_tokens(tokens: TokenStream) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    for (index, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) if ident == "self" => {
                let is_path =
                    matches!(trees.get(index + 1), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                if is_path {
                    out.push(tree.clone());
                } else {
                    out.push(TokenTree::Ident(self_at(ident.span())));
                }
            }
            TokenTree::Group(group) => {
                let mut replaced =
                    proc_macro2::Group::new(group.delimiter(), replace_self_tokens(group.stream()));
                replaced.set_span(group.span());
                out.push(TokenTree::Group(replaced));
            }
            other => out.push(other.clone()),
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    /// Not a test: `cargo test -p coroutine-macros --lib -- --ignored expansion_profile` runs the
    /// expansion of a small coroutine many times, for a profiler (the macro runs unoptimised in
    /// users' release builds: cargo builds proc macros with `opt-level = 0` by default).
    #[test]
    #[ignore = "a profiling harness"]
    fn expansion_profile() {
        let args: proc_macro2::TokenStream = "yield = u64, resume = u64".parse().unwrap();
        let item: proc_macro2::TokenStream = "pub fn co_0(n: u64) -> u64 {
            let mut sum = 0u64;
            for k in 0..n {
                let bonus = yield_!(sum);
                if k % 3 == 0 {
                    sum = sum.wrapping_add(k).wrapping_add(bonus);
                } else {
                    sum = sum.wrapping_mul(0u64 | 1).wrapping_add(bonus);
                }
            }
            sum
        }"
        .parse()
        .unwrap();
        let runs: usize = std::env::var("RUNS").map_or(50, |runs| runs.parse().unwrap());
        let mut size = 0;
        for _ in 0..runs {
            size += super::coroutine(args.clone(), item.clone())
                .into_iter()
                .count();
        }
        assert!(size > 0);
    }
}
