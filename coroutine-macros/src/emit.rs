//! Stage 4: writing the state machine.
//!
//! Takes the checked signature, the [`Cfg`] and its [`Layout`]; gives the outer function. Its
//! body declares a private enum with one variant per reachable block (fields: the locals that
//! block's state stores, newest first so that dropping a suspended coroutine drops them in
//! Rust's order; one type parameter per field, so inference names every type), builds the first
//! state from the parameters, and hands a `move` closure to the runtime's adapter. The closure
//! loops over `match &mut __state`: an arm either polls the awaitee in place (delegation states)
//! or moves its locals out, leaving `Poisoned` behind, and runs the block's code.

use crate::args::internal;
use crate::cfg::{Cfg, Entry, JumpKind, Layout, LocalId};
use crate::lower::{parse_allow_mut_placeholder, parse_placeholder};
use crate::signature::Shape;
use proc_macro2::{Group, Ident, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};

pub struct Emitter<'a> {
    pub cfg: &'a Cfg,
    pub layout: &'a Layout,
    pub krate: &'a TokenStream,
    pub generator: Option<&'a crate::args::Generator>,
}

impl Emitter<'_> {
    fn variant(&self, block: usize) -> Ident {
        if block == 0 {
            Ident::new("Start", internal())
        } else {
            format_ident!("S{}", block, span = internal())
        }
    }

    /// The field a stored local occupies in a block's variant.
    fn field(&self, block: usize, local: LocalId) -> Ident {
        let name = self.cfg.locals[local].name.to_string();
        let name = name.trim_start_matches("r#");
        let duplicate = self.layout.saved[block]
            .iter()
            .filter(|&&other| self.cfg.locals[other].name == name)
            .count()
            > 1;
        if duplicate {
            format_ident!("{}_{}", name, local, span = internal())
        } else {
            format_ident!("{}", name, span = internal())
        }
    }

    fn is_delegation(&self, block: usize) -> bool {
        matches!(self.cfg.blocks[block].entry, Entry::Delegate { .. })
    }

    /// `enum __State<..> { .. }`.
    pub fn state_enum(&self) -> TokenStream {
        let mut params = Vec::new();
        let mut variants = Vec::new();
        for &block in &self.layout.order {
            let variant = self.variant(block);
            let mut fields = Vec::new();
            if self.is_delegation(block) {
                let param = format_ident!("T{}", params.len(), span = internal());
                fields.push(quote!(__awaitee: #param));
                params.push(param);
            }
            for &local in self.layout.saved[block].iter().rev() {
                let field = self.field(block, local);
                let param = format_ident!("T{}", params.len(), span = internal());
                fields.push(quote!(#field: #param));
                params.push(param);
            }
            variants.push(quote!(#variant { #(#fields),* }));
        }
        quote! {
            #[allow(non_camel_case_types, non_snake_case, dead_code, clippy::large_enum_variant)]
            enum __State<#(#params),*> {
                #(#variants,)*
                Returned,
                Poisoned,
            }
        }
    }

    /// The first state, built from the parameters (`outer[i]` is the value of local `i`).
    pub fn initial_state(&self, outer: &[TokenStream]) -> TokenStream {
        let fields = self.layout.saved[0].iter().map(|&local| {
            let field = self.field(0, local);
            let value = &outer[local];
            quote!(#field: #value)
        });
        quote!(__State::Start { #(#fields),* })
    }

    /// The resume closure's `match` arms, in emission order.
    pub fn arms(&self) -> TokenStream {
        let krate = self.krate;
        let state = Ident::new("__state", internal());
        let mut arms = Vec::new();
        for &block in &self.layout.order {
            let variant = self.variant(block);
            let data = &self.cfg.blocks[block];
            let bindings = self.layout.saved[block].iter().map(|&local| {
                let field = self.field(block, local);
                let name = self.cfg.entry_name(block, local);
                let mutability = self.cfg.locals[local].mutable.then(|| quote!(mut));
                quote!(#field: #mutability #name)
            });
            let awaitee_rest = self.is_delegation(block).then(|| quote!(__awaitee: _,));
            let take = quote! {
                #[allow(unused_mut, unused_variables)]
                let __State::#variant { #awaitee_rest #(#bindings),* } = #krate::__private::replace(&mut #state, __State::Poisoned) else {
                    #krate::__private::unreachable_state()
                };
            };
            let code = self.replace_jumps(data.code.clone(), block);
            let reborrows = self.reborrows(block);
            let code = quote!(#reborrows #code);
            let arm = match &data.entry {
                Entry::Start => {
                    let drop_first = self
                        .generator
                        .map(|_| quote!(__arg = ::core::option::Option::None;));
                    quote!(__State::#variant { .. } => { #take #drop_first #code })
                }
                Entry::Jump => quote!(__State::#variant { .. } => { #take #code }),
                Entry::Yield { value, .. } => {
                    let value = &self.cfg.locals[*value].name;
                    quote!(__State::#variant { .. } => {
                        #take
                        let #value = #krate::__private::resume_arg(&mut __arg);
                        #code
                    })
                }
                Entry::Delegate { value, span } => {
                    let value = &self.cfg.locals[*value].name;
                    let awaitee = Ident::new("__awaitee", internal());
                    // SAFETY: the awaitee lives in the closure's captured state, which does not
                    // move while the adapter is pinned; `poll_awaitee`/`resume_delegate` drop it
                    // in place (through this pin) before the state is moved out.
                    let pinned = quote_spanned!(internal()=> unsafe { #krate::__private::PinType::new_unchecked(#awaitee) });
                    let poll = if self.generator.is_some() {
                        quote_spanned! {*span=>
                            match #krate::__private::resume_delegate(
                                #pinned,
                                #krate::__private::delegate_arg(&mut __arg),
                            ) {
                                #krate::__private::State::Complete(__output) => __output,
                                #krate::__private::State::Yielded(__yielded) => {
                                    return #krate::__private::State::Yielded(__yielded);
                                }
                            }
                        }
                    } else {
                        quote_spanned! {*span=>
                            match #krate::__private::poll_awaitee(
                                #pinned,
                                __cx,
                            ) {
                                #krate::__private::TaskPoll::Ready(__output) => __output,
                                #krate::__private::TaskPoll::Pending => return #krate::__private::TaskPoll::Pending,
                            }
                        }
                    };
                    quote!(__State::#variant { #awaitee, .. } => {
                        let #value = #poll;
                        #take
                        #code
                    })
                }
            };
            arms.push(arm);
        }
        quote! {
            #(#arms)*
            __State::Returned => #krate::__private::resumed_after_completion(),
            __State::Poisoned => #krate::__private::resumed_after_panicking(),
        }
    }

    /// Rebuilds, at a block's entry, the references to whole locals that its code uses.
    fn reborrows(&self, block: usize) -> TokenStream {
        let data = &self.cfg.blocks[block];
        let mut out = TokenStream::new();
        for &local in &data.scope {
            let Some((referent, mutable)) = self.cfg.locals[local].reborrow else {
                continue;
            };
            if !data.uses.contains(&local) {
                continue;
            }
            let name = &self.cfg.locals[local].name;
            let referent = self.cfg.entry_name(block, referent);
            let mutability = mutable.then(|| quote!(mut));
            out.extend(quote!(let #name = &#mutability #referent;));
        }
        out
    }

    /// Replaces jump placeholders in a block's code by the code that stores the target's state.
    fn replace_jumps(&self, code: TokenStream, block: usize) -> TokenStream {
        let mut out = TokenStream::new();
        for tree in code {
            match tree {
                TokenTree::Ident(ident) => {
                    if let Some(index) = parse_placeholder(&ident) {
                        out.extend(self.jump_code(index, block));
                    } else if let Some(locals) = parse_allow_mut_placeholder(&ident) {
                        let stored = locals.into_iter().any(|local| {
                            self.cfg.locals[local].mutable
                                && self.layout.saved.iter().any(|saved| saved.contains(&local))
                        });
                        if stored {
                            out.extend(quote!(#[allow(unused_mut)]));
                        }
                    } else {
                        out.extend([TokenTree::Ident(ident)]);
                    }
                }
                TokenTree::Group(group) => {
                    let mut replaced =
                        Group::new(group.delimiter(), self.replace_jumps(group.stream(), block));
                    replaced.set_span(group.span());
                    out.extend([TokenTree::Group(replaced)]);
                }
                other => out.extend([other]),
            }
        }
        out
    }

    fn jump_code(&self, index: usize, from: usize) -> TokenStream {
        let jump = &self.cfg.jumps[index];
        if self.layout.inlined[jump.to] {
            return self.inline_code(index, from);
        }
        let state = Ident::new("__state", internal());
        let dispatch = syn::Lifetime::new("'__dispatch", internal());
        let variant = self.variant(jump.to);
        let mut fields: Vec<TokenStream> = Vec::new();
        if let JumpKind::Enter(awaitee) = &jump.kind {
            fields.push(quote!(__awaitee: #awaitee));
        }
        let mut bind_args = Vec::new();
        for &local in &self.layout.saved[jump.to] {
            let field = self.field(jump.to, local);
            let value = match jump.args.iter().position(|(l, _)| *l == local) {
                Some(position) => {
                    let value = &jump.args[position].1;
                    if is_single_ident(value) {
                        value.clone()
                    } else {
                        let name = format_ident!("__argument{}", position, span = internal());
                        bind_args.push(quote!(let #name = #value;));
                        name.into_token_stream()
                    }
                }
                None => self.cfg.binding_name_at(from, local).into_token_stream(),
            };
            fields.push(quote!(#field: #value));
        }
        // Arguments are evaluated before any local moves into the new state (they may read one).
        let store = quote!(#(#bind_args)* #state = __State::#variant { #(#fields),* };);
        let transfer = match &jump.kind {
            JumpKind::Goto | JumpKind::Enter(_) => quote!(continue #dispatch),
            JumpKind::Suspend(returned) => quote!(return #returned),
        };
        quote!({ #store #transfer; })
    }
}

fn is_single_ident(tokens: &TokenStream) -> bool {
    let mut trees = tokens.clone().into_iter();
    matches!(
        (trees.next(), trees.next()),
        (Some(TokenTree::Ident(_)), None)
    )
}

impl Emitter<'_> {
    /// The target of a jump, run in place: its locals are bound as its arm would bind them
    /// (all at once, so no binding hides a value another one reads), then its code.
    fn inline_code(&self, index: usize, from: usize) -> TokenStream {
        let jump = &self.cfg.jumps[index];
        let target = jump.to;
        let mut names = Vec::new();
        let mut values = Vec::new();
        for &local in &self.layout.saved[target] {
            let name = self.cfg.entry_name(target, local);
            let mutability = self.cfg.locals[local].mutable.then(|| quote!(mut));
            names.push(quote!(#mutability #name));
            values.push(match jump.args.iter().find(|(l, _)| *l == local) {
                Some((_, value)) => value.clone(),
                None => self.cfg.binding_name_at(from, local).into_token_stream(),
            });
        }
        let reborrows = self.reborrows(target);
        let code = self.replace_jumps(self.cfg.blocks[target].code.clone(), target);
        quote!({
            #[allow(unused_mut, unused_variables, unused_parens)]
            let (#(#names,)*) = (#(#values,)*);
            #reborrows
            #code
        })
    }
}

/// The whole outer function.
pub fn function(shape: &Shape, emitter: &Emitter<'_>, outer: &[TokenStream]) -> TokenStream {
    let krate = emitter.krate;
    let attrs = &shape.attrs;
    let vis = &shape.vis;
    let sig = &shape.sig;
    let state_enum = emitter.state_enum();
    let initial = emitter.initial_state(outer);
    let arms = emitter.arms();
    let state = Ident::new("__state", internal());
    let dispatch = syn::Lifetime::new("'__dispatch", internal());
    let body = quote! {
        #dispatch: loop {
            match &mut #state {
                #arms
            }
        }
    };
    let machine = match emitter.generator {
        None => quote! {
            #krate::__private::future_from_fn(move |__cx: &mut #krate::__private::TaskContext<'_>| {
                #body
            })
        },
        Some(generator) => {
            let resume_ty = &generator.resume_ty;
            quote! {
                #krate::__private::coroutine_from_fn(move |__arg: #resume_ty| {
                    let mut __arg = ::core::option::Option::Some(__arg);
                    #body
                })
            }
        }
    };
    quote! {
        #(#attrs)*
        #[allow(refining_impl_trait)]
        #vis #sig {
            #state_enum
            let mut #state = #initial;
            #machine
        }
    }
}
