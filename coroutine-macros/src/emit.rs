//! Stage 4: writing the state machine.
//!
//! Takes the checked signature, the [`Cfg`] and its [`Layout`]; gives the outer function. Its
//! body declares a private enum with one variant per reachable block (fields: the locals that
//! block's state stores, newest first so that dropping a suspended coroutine drops them in
//! Rust's order; one type parameter per field, so inference names every type), builds the first
//! state from the parameters, and hands a `move` closure that owns it to the runtime's adapter.
//! Asked for frames, the closure reports where the state stands; asked to resume, it loops over
//! `match &mut __state`: an arm either polls the awaitee in place (delegation states) or moves
//! its locals out, leaving `Poisoned` behind, and runs the block's code.

use crate::args::internal;
use crate::cfg::{Cfg, Entry, JumpKind, Layout, LocalId};
use crate::lower::{
    allow_mut_placeholder_locals, declaration_placeholder_local, placeholder_index, respan,
    tie_placeholder_locals, type_tie,
};
use crate::scan::unraw;
use crate::signature::Shape;
use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};

pub struct Emitter<'a> {
    pub cfg: &'a Cfg,
    pub layout: &'a Layout,
    pub krate: &'a TokenStream,
    pub generator: Option<&'a crate::args::Generator>,
    /// Locals kept in place beside the enum, oldest first (see [`Cfg::residents`]).
    pub residents: Vec<LocalId>,
    /// The user's body, braces included. The generated loops and arms stand for it and are
    /// located there: borrowck labels the end of the block where a borrowed local dies, and
    /// that should point into the body rather than at the attribute.
    pub body: Span,
    /// The user's parameter list, parentheses included. The generated loops start there (their
    /// labels are located there) and end with the body: a use-after-move error labels every
    /// loop around the move that does not contain the moved local's declaration ("inside of
    /// this loop"), and spanning the parameters and the body, the loops contain them all.
    pub params: Span,
    /// The items declared in the lowered blocks, hoisted to the function's body (see
    /// [`crate::lower::Lowerer::items`]).
    pub items: &'a [syn::Item],
    /// For each block run in place of its only jump (see [`Layout::inlined`]): what that jump
    /// hands over (see [`Emitter::handovers`]), worked out when first asked. One empty cell per
    /// block to begin with.
    pub handed_over: Vec<std::cell::OnceCell<Vec<(LocalId, Handover)>>>,
}

/// How a jump run in place hands one of the leading locals its target keeps to the target's
/// code, instead of moving it into a new binding (see [`Emitter::inline_code`]).
#[derive(Clone, Copy, PartialEq)]
pub enum Handover {
    /// The target names it as the jump's block does: under the same name, or, where the target's
    /// code does not name it, under a name that code cannot take (a hidden one, an alias).
    InPlace,
    /// The target's code does not name it, but may take the name it goes by where the jump is
    /// (a binding or a `let` of that name): a `macro_rules!` alias of that binding names it for
    /// the target's jumps, through which it moves only where one of them takes it.
    Aliased,
}

/// The tokens that name a local's value in some block's code: its binding, or an alias of it
/// (see [`Handover::Aliased`]).
struct LocalName {
    ident: Ident,
    aliased: bool,
}

impl LocalName {
    fn located_at(mut self, span: Span) -> Self {
        self.ident.set_span(self.ident.span().located_at(span));
        self
    }
}

impl ToTokens for LocalName {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.ident.to_tokens(tokens);
        if self.aliased {
            let span = self.ident.span();
            tokens.extend(quote_spanned!(span=> !()));
        }
    }
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

    /// The locals a block's variant stores: those the layout saves, but the residents.
    fn stored(&self, block: usize) -> Vec<LocalId> {
        self.layout.saved[block]
            .iter()
            .copied()
            .filter(|local| !self.residents.contains(local))
            .collect()
    }

    /// The leading locals that the target of jump `index`, run in place of it, keeps and that
    /// the jump leaves bound where they are (see [`Self::inline_code`]): each needs no value
    /// from the jump's arguments, and either goes by the name the target gives it where the jump
    /// is, or, in a block run only in place of this jump, is one the target's code does not
    /// name (see [`Handover`]).
    fn handovers(&self, index: usize) -> Vec<(LocalId, Handover)> {
        let jump = &self.cfg.jumps[index];
        let target = jump.to;
        let carried = |local| {
            self.layout.inlined[target].is_some()
                && !self.cfg.blocks[target].uses.contains_key(&local)
        };
        let mut handovers = Vec::new();
        for local in self.stored(target) {
            if jump.args.iter().any(|(l, _)| *l == local) {
                break;
            }
            let here = self.name_in(jump.from, local);
            let same_name = !here.aliased && here.ident == self.cfg.entry_name(target, local);
            let hidden = here.aliased || here.ident == crate::cfg::shadowed_name(local);
            let handover = if same_name || carried(local) && hidden {
                Handover::InPlace
            } else if carried(local) {
                Handover::Aliased
            } else {
                break;
            };
            handovers.push((local, handover));
        }
        handovers
    }

    /// [`Self::handovers`] of jump `index`, worked out once where its target runs only in its
    /// place.
    fn handed_over_by(&self, index: usize) -> std::borrow::Cow<'_, [(LocalId, Handover)]> {
        let target = self.cfg.jumps[index].to;
        if self.layout.inlined[target] == Some(index) {
            let handovers = self.handed_over[target].get_or_init(|| self.handovers(index));
            std::borrow::Cow::Borrowed(handovers)
        } else {
            std::borrow::Cow::Owned(self.handovers(index))
        }
    }

    /// What names `local` in the code of `block`: its binding there, or for a local that a jump
    /// handed over to `block`, what names it where the jump is.
    fn name_in(&self, block: usize, local: LocalId) -> LocalName {
        let handed = self.layout.inlined[block].and_then(|jump| {
            let handed = self.handed_over_by(jump);
            let &(_, handover) = handed.iter().find(|(l, _)| *l == local)?;
            Some((jump, handover))
        });
        match handed {
            Some((jump, Handover::InPlace)) => self.name_in(self.cfg.jumps[jump].from, local),
            Some((_, Handover::Aliased)) => LocalName {
                ident: crate::cfg::shadowed_name(local),
                aliased: true,
            },
            None => LocalName {
                ident: self.cfg.binding_name_at(block, local),
                aliased: false,
            },
        }
    }

    /// The residents alive (by reference) in the arm of `block`.
    fn residents_in(&self, block: usize) -> Vec<LocalId> {
        self.residents
            .iter()
            .copied()
            .filter(|local| self.layout.saved[block].contains(local))
            .collect()
    }

    /// `(*__residents).k`: the slot of a resident (the tuple holds them newest first, so that
    /// they drop in scope order).
    fn resident_slot(&self, local: LocalId) -> TokenStream {
        let position = self
            .residents
            .iter()
            .position(|&r| r == local)
            .unwrap_or_default();
        let index = syn::Index::from(self.residents.len() - 1 - position);
        let residents = Ident::new("__residents", internal());
        quote!((*#residents).#index)
    }

    fn resident_guard(&self, local: LocalId) -> Ident {
        let name = unraw(&self.cfg.locals[local].name);
        format_ident!("__resident_{}", name, span = internal())
    }

    /// `let mut __resident_x = Resident::resume(&mut slot);`: an arm's hold on a resident.
    fn take_resident(&self, local: LocalId) -> TokenStream {
        let krate = self.krate;
        let guard = self.resident_guard(local);
        let slot = self.resident_slot(local);
        quote!(let mut #guard = #krate::__private::Resident::resume(&mut #slot);)
    }

    fn is_delegation(&self, block: usize) -> bool {
        matches!(self.cfg.blocks[block].entry, Entry::Delegate { .. })
    }

    /// Whether a state holds an awaitee (or a delegated generator): the enum then has a tag of
    /// its own and implements `DelegationStates`.
    fn holds_awaitee(&self) -> bool {
        self.delegation_blocks().next().is_some()
    }

    /// The delegation states, in the order of the enum's variants.
    fn delegation_blocks(&self) -> impl Iterator<Item = usize> + '_ {
        self.layout
            .order
            .iter()
            .copied()
            .filter(|&block| self.is_delegation(block))
    }

    /// `enum <function><..> { .. }`, and `__State` naming it.
    pub fn state_enum(&self, function: &Ident) -> TokenStream {
        // One type parameter per stored local (its type is the same in every state) and one
        // per delegation: inference fills them all; fewer parameters keep that cheap.
        let mut params = Vec::new();
        let mut variants = Vec::new();
        for &block in &self.layout.order {
            let variant = self.variant(block);
            let mut fields = Vec::new();
            if self.is_delegation(block) {
                // `None` once the awaitee has finished (it is dropped in place then).
                let param = format_ident!("A{}", block, span = internal());
                fields.push(quote!(__awaitee: ::core::option::Option<#param>));
                params.push(param);
            }
            // A suspended state drops its locals newest first, as a scope does; the first state
            // holds only the arguments, which an unresumed `async fn` drops first to last.
            let saved = &self.stored(block);
            let in_drop_order: Vec<LocalId> = if block == 0 {
                saved.clone()
            } else {
                saved.iter().rev().copied().collect()
            };
            for local in in_drop_order {
                let field = self.field(block, local);
                let param = format_ident!("T{}", local, span = internal());
                fields.push(quote!(#field: #param));
                if !params.contains(&param) {
                    params.push(param);
                }
            }
            variants.push(quote!(#variant { #(#fields),* }));
        }
        // The enum is named after the function, so that where rustc has to name it (a local
        // that is not `Send`, a recursive coroutine) the user reads their function's name; the
        // generated code refers to it through the alias.
        let name = function.clone();
        // An enum with a state that holds an awaitee gets a tag of its own, as rustc's
        // coroutines have. Left to the niche optimisation, a chain of awaits packs every
        // level's tag into the innermost one's spare values; the optimiser then cannot see each
        // level's state apart, and a 64-deep chain that rustc folds to a constant costs 250
        // instructions per poll. An enum without one keeps the niche: its tag may hide in a
        // field, and nothing nests it. Only states with an awaitee have an unwind guard, which
        // needs the enum's `Poisoned` variant.
        let (repr, poison, invariant) = if self.holds_awaitee() {
            // The variants above, `Returned` and `Poisoned`.
            let tag = match variants.len() + 2 {
                0..=256 => quote!(u8),
                257..=65536 => quote!(u16),
                _ => quote!(u32),
            };
            let krate = self.krate;
            let awaitee_slots = self.delegation_blocks().map(|block| {
                let variant = self.variant(block);
                quote!(Self::#variant { __awaitee, .. } => ::core::ptr::from_mut(__awaitee).cast(),)
            });
            let state_numbers = self
                .layout
                .order
                .iter()
                .enumerate()
                .map(|(position, &block)| {
                    let variant = self.variant(block);
                    let number = state_number(position);
                    quote!(Self::#variant { .. } => #number,)
                });
            let returned = state_number(self.layout.order.len());
            let poisoned = state_number(self.layout.order.len() + 1);
            let poison = quote! {
                impl<#(#params),*> #krate::__private::DelegationStates for #name<#(#params),*> {
                    #[inline(always)]
                    fn poisoned() -> Self {
                        Self::Poisoned
                    }
                    #[inline(always)]
                    fn state_index(&self) -> usize {
                        match self {
                            #(#state_numbers)*
                            Self::Returned => #returned,
                            Self::Poisoned => #poisoned,
                            Self::__Invariant(never, _) => match *never {},
                        }
                    }
                    #[inline(always)]
                    unsafe fn delegation(state: *mut Self) -> #krate::__private::Delegation {
                        // SAFETY: as the caller promises.
                        let current = unsafe { &mut *state };
                        let index = Self::state_index(current);
                        let awaitee_slot = match current {
                            #(#awaitee_slots)*
                            _ => ::core::ptr::null_mut(),
                        };
                        #krate::__private::Delegation {
                            index,
                            awaitee_slot,
                            state: state.cast(),
                            poison: #krate::__private::poison::<Self>,
                        }
                    }
                }
            };
            // Invariant in every parameter, so that a mention of the enum whose parameters are
            // not inferred yet is made equal to the state's type rather than a subtype of it:
            // subtyping between two unknown types is an obligation that stays pending until one
            // of them is known, and rustc walks every pending obligation at each call it checks
            // (with many awaits, most awaitee types are unknown for most of the body). The
            // variant is uninhabited: it takes no room and is never built.
            let invariant = quote! {
                __Invariant(
                    ::core::convert::Infallible,
                    ::core::marker::PhantomData<fn((#(#params,)*)) -> (#(#params,)*)>,
                ),
            };
            (quote!(#[repr(#tag)]), poison, invariant)
        } else {
            (TokenStream::new(), TokenStream::new(), TokenStream::new())
        };
        quote! {
            #[allow(non_camel_case_types, non_snake_case, dead_code, clippy::large_enum_variant)]
            #repr
            enum #name<#(#params),*> {
                #(#variants,)*
                Returned,
                Poisoned,
                #invariant
            }
            #poison
            #[allow(non_camel_case_types)]
            type __State<#(#params),*> = #name<#(#params),*>;
        }
    }

    /// The first state, built from the parameters (`outer[i]` is the value of local `i`).
    pub fn initial_state(&self, outer: &[TokenStream]) -> TokenStream {
        let fields = self.stored(0).into_iter().map(|local| {
            let field = self.field(0, local);
            let value = &outer[local];
            quote!(#field: #value)
        });
        quote!(__State::Start { #(#fields),* })
    }

    /// The in-place part of a resume: each delegation state polls its awaitee where it lives
    /// (it may be pinned). Pending returns; ready stores the output in the state's `__output`
    /// slot and falls through to the by-value part.
    ///
    /// This code comes before the steps that create the awaitees, and rustc checks a body in
    /// textual order: it does not name the state enum, whose every mention instantiates all of
    /// the enum's type parameters and leaves obligations pending on each awaitee type not
    /// inferred yet (which made build time grow with the cube of the number of awaits). The
    /// enum's own impl tells which state it is in and where the awaitee lives
    /// (`DelegationStates::delegation`), and a witness typed where the awaitee is created
    /// (`__private::AwaiteeType`) gives the awaitee its type.
    pub fn polls(&self) -> TokenStream {
        let krate = self.krate;
        let state = state_place();
        let mut arms = Vec::new();
        for (position, &block) in self.layout.order.iter().enumerate() {
            let Entry::Delegate { span, .. } = &self.cfg.blocks[block].entry else {
                continue;
            };
            let slot = output_slot(block);
            let awaitee_type = awaitee_type(block);
            let delegation = Ident::new("__delegation", internal());
            let output = Ident::new("__output", internal());
            let yielded = Ident::new("__yielded", internal());
            let arg = Ident::new("__arg", internal().located_at(*span));
            let cx = Ident::new("__cx", internal().located_at(*span));
            let here = internal().located_at(*span);
            let krate_at = respan(krate.clone(), *span);
            // SAFETY (of the call): the witness was typed where this state's awaitee was
            // created, so the slot `__delegation` points to holds that type; the awaitee lives
            // in the closure's captured state, which does not move while the adapter is pinned,
            // and the call drops it in place (through a pin) before the state is moved out.
            // `__state_ptr` comes from the captured state and nothing else borrows it during
            // the call, whose guard poisons the state if the awaitee panics (dropping its locals
            // while unwinding, as rustc's coroutines do).
            // Every token of the call carries the location of the user's `yield_from!`, and its
            // bound is the one the conversion at entry checked: when the operand is not a future
            // (or a generator of the wrong type), rustc reports that once, there, rather than
            // again at the attribute. The witness is passed through a call spanned there too:
            // rustc blames a failed bound on the argument that names its type parameter, and a
            // hygienic name would be blamed at the attribute. The `unsafe` block stays the
            // expansion's own, so that `#![forbid(unsafe_code)]` in the user's crate does not
            // see it.
            let (advance, finish) = if let Some(generator) = self.generator {
                let resume_ty = respan(generator.resume_ty.to_token_stream(), *span);
                let yield_ty = respan(generator.yield_ty.to_token_stream(), *span);
                let yield_up =
                    resume_return(krate, &quote!(#krate::__private::State::Yielded(#yielded)));
                (
                    unsafe_block(
                        here,
                        &quote_spanned!(*span=> #krate_at::__private::resume_in_place::<#resume_ty, #yield_ty, _>(::core::convert::identity(&#awaitee_type), &#delegation, #krate_at::ops::ResumeDefault::delegate_arg(::core::convert::identity(&mut #arg)))),
                    ),
                    quote! {
                        #krate::__private::State::Complete(#output) => #output,
                        #krate::__private::State::Yielded(#yielded) => {
                            #yield_up;
                        }
                    },
                )
            } else {
                let pending = resume_return(krate, &quote!(#krate::__private::TaskPoll::Pending));
                (
                    unsafe_block(
                        here,
                        &quote_spanned!(*span=> #krate_at::__private::poll_in_place(::core::convert::identity(&#awaitee_type), &#delegation, #cx)),
                    ),
                    quote! {
                        #krate::__private::TaskPoll::Ready(#output) => #output,
                        #krate::__private::TaskPoll::Pending => #pending,
                    },
                )
            };
            // The residents are dropped too if the awaitee panics, after the state's locals,
            // as a scope would.
            let (resident_guards, keep_residents) = self.residents_during_poll(block);
            let number = state_number(position);
            arms.push(quote_spanned! {here=>
                #number => {
                    #resident_guards
                    let __progress = #advance;
                    #keep_residents
                    #slot = ::core::option::Option::Some(match __progress { #finish });
                }
            });
        }
        if arms.is_empty() {
            return TokenStream::new();
        }
        let state_ptr = Ident::new("__state_ptr", internal());
        let delegation = Ident::new("__delegation", internal());
        // SAFETY (of `delegation`): the pointer is to the captured state, which nothing else
        // borrows while the resume runs. The arms use the awaitee slot and the pointer only
        // during their poll; the state is next used by name after it.
        quote! {
            let #state_ptr: *mut _ = &raw mut #state;
            let #delegation = unsafe { #krate::__private::DelegationStates::delegation(#state_ptr) };
            match #delegation.index {
                #(#arms)*
                _ => {}
            }
        }
    }

    /// Guards that drop the residents of a delegation state if its awaitee panics, and the
    /// code that keeps them once it has not.
    fn residents_during_poll(&self, block: usize) -> (TokenStream, TokenStream) {
        let mut guards = TokenStream::new();
        let mut keep = TokenStream::new();
        for local in self.residents_in(block) {
            let guard = self.resident_guard(local);
            guards.extend(self.take_resident(local));
            keep.extend(quote!(#guard.keep();));
        }
        (guards, keep)
    }

    /// The first bindings of the locals in `locals` that are declared again in a later state,
    /// tied to their witnesses (see `__private::TypeTie`), in the code of `block` (where a local
    /// bound on entry may go by a hidden name).
    fn type_ties(&self, locals: std::ops::Range<LocalId>, block: usize) -> TokenStream {
        let ties = locals
            .filter(|&local| self.tied_inside(local))
            .map(|local| {
                let tie = type_tie(local);
                let name = self.name_in(block, local);
                quote!(#tie.tie(&#name);)
            });
        quote!(#(#ties)*)
    }

    /// The `let n;` of a local declared without a value, left out where its declaring block
    /// never assigns it but others do (it would have no type there, and nothing to do), and
    /// its written type given to the local's type tie.
    fn uninit_declaration(&self, local: LocalId, block: usize, arm: usize) -> TokenStream {
        let data = &self.cfg.locals[local];
        let Some((declaration, annotation)) = &data.uninit_declaration else {
            return TokenStream::new();
        };
        let tied = self.type_tied(local);
        // Assigned elsewhere only: in blocks that declare it afresh, or unreachable ones.
        let elsewhere = !data.assigned_in.is_empty() && !data.assigned_in.contains(&block);
        let mut out = if elsewhere {
            TokenStream::new()
        } else {
            self.replace_jumps(declaration.clone(), block, arm)
        };
        if let (true, Some(annotation)) = (tied, annotation) {
            let tie = type_tie(local);
            out.extend(quote!(#tie.annotate(::core::marker::PhantomData::<#annotation>);));
        }
        out
    }

    /// Whether a local's bindings are tied to one type: it is declared again in code that is
    /// emitted. (A kill in unreachable code, which is not emitted, needs no tie, and its
    /// witness, used nowhere else, could not be typed.)
    fn type_tied(&self, local: LocalId) -> bool {
        self.cfg
            .redeclared(local, |block| self.layout.reachable[block])
    }

    /// Whether a parameter is tied to later bindings but the first state has no binding of it
    /// (its value is never read): its witness is then tied where the parameter is, outside
    /// the step closure, which takes it in.
    fn tied_outside(&self, local: LocalId) -> bool {
        self.type_tied(local)
            && self.cfg.blocks[0].scope.contains(&local)
            && !self.layout.saved[0].contains(&local)
    }

    fn tied_inside(&self, local: LocalId) -> bool {
        self.type_tied(local) && !self.tied_outside(local)
    }

    /// The witnesses of [`Self::type_ties`], declared once per resume before the states.
    pub fn type_tie_witnesses(&self) -> TokenStream {
        let krate = self.krate;
        let witnesses = (0..self.cfg.locals.len())
            .filter(|&local| self.tied_inside(local))
            .map(|local| {
                let tie = type_tie(local);
                quote!(let #tie = #krate::__private::TypeTie::new();)
            });
        quote!(#(#witnesses)*)
    }

    /// The witnesses of the parameters [`Self::tied_outside`], tied to them (`outer[i]` is the
    /// value of local `i`), before the first state takes the parameters.
    pub fn parameter_type_ties(&self, outer: &[TokenStream]) -> TokenStream {
        let krate = self.krate;
        let ties = (0..outer.len())
            .filter(|&local| self.tied_outside(local))
            .map(|local| {
                let tie = type_tie(local);
                let value = &outer[local];
                let mut tied = quote! {
                    let #tie = #krate::__private::TypeTie::new();
                    #tie.tie(&#value);
                };
                // No state binds it, so no jump can show rustc that a later assignment
                // assigns it again (see `Self::reassignment_checks`): the parameter itself can.
                let data = &self.cfg.locals[local];
                let assigned = data
                    .assigned_in
                    .iter()
                    .filter(|&&b| self.layout.reachable[b]);
                let later = assigned
                    .filter_map(|&b| self.cfg.blocks[b].uses.get(&local))
                    .next();
                if let (false, Some(&later)) = (data.mutable, later) {
                    // A tied local is not hidden: the outer function names it as the body does.
                    let mut name = data.name.clone();
                    name.set_span(name.span().located_at(later));
                    tied.extend(self.never_run_assignment(local, &name));
                }
                tied
            });
        quote!(#(#ties)*)
    }

    /// `let mut __outputN = None;` for each delegation state, and the witness of its awaitee's
    /// type (both typed by inference, where the awaitee is created).
    pub fn output_slots(&self) -> TokenStream {
        let krate = self.krate;
        let slots = self.delegation_blocks().map(|block| {
            let slot = output_slot(block);
            let awaitee_type = awaitee_type(block);
            quote! {
                let mut #slot = ::core::option::Option::None;
                let #awaitee_type = #krate::__private::AwaiteeType::new();
            }
        });
        quote!(#(#slots)*)
    }

    /// The by-value part of a resume: one arm per state, in emission order, run on the local
    /// `__current` so that jumps within one resume do not go through the stored state.
    pub fn steps(&self) -> TokenStream {
        let krate = self.krate;
        let store_returned = store_returned(krate);
        let current = Ident::new("__current", internal());
        // With awaitees, the arms match the state's number, which the enum's impl reads (its
        // tag): a pattern would be one more mention of the enum, and of every awaitee type not
        // inferred yet (see `Self::polls`). The arm's own `let … else` still names its state,
        // to bind the locals.
        let numbered = self.holds_awaitee();
        let mut arms = Vec::new();
        for (position, &block) in self.layout.order.iter().enumerate() {
            let variant = self.variant(block);
            let data = &self.cfg.blocks[block];
            let bindings = self.stored(block).into_iter().map(|local| {
                let field = self.field(block, local);
                let name = self.cfg.entry_name(block, local);
                let mutability = self.cfg.locals[local].mutable.then(|| quote!(mut));
                quote!(#field: #mutability #name)
            });
            let awaitee_rest = self.is_delegation(block).then(|| quote!(__awaitee: _,));
            // (Binding the fields in the arm's pattern instead, and rebinding them in a tuple
            // `let`, is cheaper to compile but slower to run: it costs `nested` 3 instructions
            // per yield.)
            let take = quote! {
                #[allow(unused_mut, unused_variables)]
                let __State::#variant { #awaitee_rest #(#bindings),* } = #current else {
                    #krate::__private::unreachable_state()
                };
            };
            let code = self.replace_jumps(data.code.clone(), block, block);
            let reborrows = self.reborrows(block);
            let uninit = self.uninitialised(block);
            let resumed = match &data.entry {
                Entry::Start => self.generator.map(|_| {
                    let arg = Ident::new("__arg", internal());
                    quote!(#arg = ::core::option::Option::None;)
                }),
                Entry::Jump => None,
                Entry::Yield { value, .. } => {
                    let value = &self.cfg.locals[*value].name;
                    let arg = Ident::new("__arg", internal());
                    Some(quote!(let #value = #krate::__private::resume_arg(&mut #arg);))
                }
                Entry::Delegate { value, .. } => {
                    let value = &self.cfg.locals[*value].name;
                    let slot = output_slot(block);
                    Some(quote! {
                        let #value = match #slot.take() {
                            ::core::option::Option::Some(__output) => __output,
                            ::core::option::Option::None => #krate::__private::unreachable_state(),
                        };
                    })
                }
            };
            let (guards, body) =
                self.in_place(block, quote!(#take #uninit #resumed #reborrows #code));
            let mut arm = Group::new(proc_macro2::Delimiter::Brace, quote!(#guards #body));
            arm.set_span(internal().located_at(self.body));
            if numbered {
                let number = state_number(position);
                arms.push(quote!(#number => #arm));
            } else {
                arms.push(quote!(__State::#variant { .. } => #arm));
            }
        }
        if numbered {
            let returned = state_number(self.layout.order.len());
            return quote! {
                match #krate::__private::DelegationStates::state_index(&#current) {
                    #(#arms)*
                    #returned => {
                        #store_returned;
                        #krate::__private::resumed_after_completion()
                    }
                    _ => #krate::__private::resumed_after_panicking(),
                }
            };
        }
        quote! {
            match #current {
                #(#arms)*
                __State::Returned => {
                    #store_returned;
                    #krate::__private::resumed_after_completion()
                }
                __State::Poisoned => #krate::__private::resumed_after_panicking(),
            }
        }
    }

    /// An arm's code with the residents it holds in place: the guards that take them (declared
    /// first, so dropped last: every resident is older than the arm's other locals), and the
    /// code with each mention `name` written `(*name)`, `name` being a reference to the slot.
    fn in_place(&self, block: usize, code: TokenStream) -> (TokenStream, TokenStream) {
        let held = self.residents_in(block);
        if held.is_empty() {
            return (TokenStream::new(), code);
        }
        let mut guards = TokenStream::new();
        let mut names = Vec::new();
        for local in held {
            let data = &self.cfg.locals[local];
            let name = &data.name;
            let guard = self.resident_guard(local);
            let access = if data.mutable {
                quote!(#guard.get())
            } else {
                quote!(&*#guard.get())
            };
            guards.extend(self.take_resident(local));
            guards.extend(quote! {
                #[allow(unused_variables)]
                let #name = #access;
            });
            names.push(unraw(name));
        }
        (guards, dereference(code, &names))
    }

    /// The body of the frame reader: which frame the stored state stands for, then the frames
    /// of what a delegation state waits for.
    pub fn frames(&self, function: &str) -> TokenStream {
        let krate = self.krate;
        let state = Ident::new("__state", internal());
        let frames = Ident::new("__frames", internal());
        let site = |span: Span| quote_spanned!(span=> #krate::__private::site(::core::file!(), ::core::line!(), ::core::column!()));
        // One push of the state's frame, chosen by a match whose arms are constants (cheap to
        // type-check: this reader is in every coroutine), then the frames of the awaitee of a
        // delegation state. The store only ever holds the first state, a suspension state,
        // `Returned` or `Poisoned`; the states a resume only passes through share one arm.
        let mut arms = Vec::new();
        let mut awaitees = Vec::new();
        let mut passing = false;
        for &block in &self.layout.order {
            let variant = self.variant(block);
            let frame_state = match &self.cfg.blocks[block].entry {
                Entry::Start => quote!(#krate::FrameState::Created),
                Entry::Jump => match self.cfg.blocks[block].resumes_here {
                    Some(span) => site(span),
                    None => {
                        passing = true;
                        continue;
                    }
                },
                Entry::Yield { span, .. } => site(*span),
                Entry::Delegate { span, .. } => {
                    let awaitee = Ident::new("__awaitee", internal());
                    // SAFETY (of `new_unchecked`): the awaitee is pinned where it lives, in the
                    // state the pinned adapter owns (see `polls`); reading its frames moves nothing.
                    awaitees.push(quote! {
                        __State::#variant { #awaitee: ::core::option::Option::Some(#awaitee), .. } => {
                            let #awaitee = unsafe { #krate::__private::PinType::new_unchecked(#awaitee) };
                            (&mut #krate::__private::Probe(#awaitee)).push_awaitee(#frames);
                        }
                    });
                    site(*span)
                }
            };
            arms.push(quote!(__State::#variant { .. } => #frame_state,));
        }
        arms.push(quote! {
            __State::Returned => #krate::FrameState::Returned,
            __State::Poisoned => #krate::FrameState::Poisoned,
        });
        if self.holds_awaitee() {
            arms.push(quote!(__State::__Invariant(never, _) => match *never {},));
        }
        if passing {
            arms.push(quote!(_ => #krate::FrameState::Running,));
        }
        let awaitees = (!awaitees.is_empty()).then(|| {
            quote! {
                #[allow(unused_imports)]
                use #krate::__private::{ProbeForeign as _, ProbeStack as _};
                match #state {
                    #(#awaitees)*
                    _ => {}
                }
            }
        });
        quote! {
            #frames.push(#krate::__private::frame(#function, match #state {
                #(#arms)*
            }));
            #awaitees
        }
    }

    /// The `allow`s a `let` needs once the layout is known (see `allow_mut_placeholder`).
    fn deferred_allows(&self, locals: std::ops::Range<LocalId>, block: usize) -> TokenStream {
        let stored = |local: LocalId| self.layout.saved.iter().any(|saved| saved.contains(&local));
        let mut lints = Vec::new();
        if locals.clone().any(|local| {
            // A kill in unreachable code counts: rustc still checks that code's assignments.
            self.cfg.locals[local].mutable
                && (stored(local) || self.cfg.redeclared(local, |_| true))
        }) {
            lints.push(quote!(unused_mut));
        }
        let used_later = |local: LocalId| {
            self.cfg
                .blocks
                .iter()
                .enumerate()
                .any(|(other, data)| other != block && data.uses.contains_key(&local))
        };
        if locals
            .clone()
            .any(|local| self.cfg.locals[local].reborrow.is_some() && used_later(local))
        {
            lints.push(quote!(unused_variables));
        }
        if lints.is_empty() {
            TokenStream::new()
        } else {
            quote!(#[allow(#(#lints),*)])
        }
    }

    /// The value a jump gives `local` in its target. Arguments are evaluated into hidden locals
    /// first (`bind_args`), before any local moves into the target (they may read one).
    fn jump_value(
        &self,
        jump: &crate::cfg::Jump,
        local: LocalId,
        from: usize,
        bind_args: &mut Vec<TokenStream>,
    ) -> TokenStream {
        match jump.args.iter().position(|(l, _)| *l == local) {
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
            None => {
                // Errors about keeping a local point at the suspension or jump that keeps it
                // ("moved out while borrowed"), except for a local whose value may have been
                // moved out: keeping it is then a use after move, which is reported where the
                // user's code next reads it.
                let data = &self.cfg.locals[local];
                let kept_for = (data.moved && !data.hidden)
                    .then(|| self.cfg.next_use(jump.to, local))
                    .flatten();
                (self.name_in(from, local))
                    .located_at(kept_for.unwrap_or(jump.span))
                    .into_token_stream()
            }
        }
    }

    /// Declares, at a block's entry, the locals its code assigns before use that its state
    /// does not store (see [`crate::cfg::Block::kills`]).
    fn uninitialised(&self, block: usize) -> TokenStream {
        let saved = &self.layout.saved[block];
        let data = &self.cfg.blocks[block];
        let mut out = TokenStream::new();
        for &local in &data.kills {
            if saved.contains(&local) || data.params.contains(&local) {
                continue;
            }
            let name = self.cfg.entry_name(block, local);
            // Immutable as declared: rustc then rejects a second assignment in this block, as
            // it would in the function as written.
            let mutability = self.cfg.locals[local].mutable.then(|| quote!(mut));
            out.extend(quote!(#[allow(unused_mut)] let #mutability #name;));
            // Its code may assign it only in branches, after which nothing could tie it: the
            // tie is an assignment in a branch that never runs and never ends, so that the
            // binding does not count as maybe assigned after it.
            if data.unassigned_on_entry.contains(&local) && self.type_tied(local) {
                out.extend(self.never_run_assignment(local, &name));
            }
        }
        out
    }

    /// `if false { name = value; diverge }`: an assignment of `local` (bound as `name`) that
    /// never runs, with a value of its tied type. rustc checks it as any other: E0384 where the
    /// binding is immutable and may hold a value there, nothing after it (the branch never
    /// ends).
    fn never_run_assignment(&self, local: LocalId, name: &Ident) -> TokenStream {
        let krate = self.krate;
        let mut tie = type_tie(local);
        tie.set_span(tie.span().located_at(name.span()));
        quote_spanned! {name.span().resolved_at(internal())=>
            #[allow(unused_assignments)]
            if false {
                #name = #tie.value();
                #krate::__private::unreachable_state()
            }
        }
    }

    /// For each immutable local that the code after jump `index` assigns again (see
    /// [`crate::cfg::Cfg::reassignment_after`]), and that the jump's code names as written: an
    /// assignment at the jump that never runs, located at that later assignment. Where the
    /// local may hold a value at the jump, rustc rejects it as it would the later assignment in
    /// the function as written ("cannot assign twice to immutable variable").
    fn reassignment_checks(&self, index: usize, from: usize) -> TokenStream {
        let jump = &self.cfg.jumps[index];
        let mut out = TokenStream::new();
        for &local in &jump.visible {
            let Some(later) = self
                .cfg
                .reassignment_after(local, index, &self.layout.saved)
            else {
                continue;
            };
            let written = &self.cfg.locals[local].name;
            let visible_as_written = jump
                .visible
                .iter()
                .rev()
                .find(|&&other| self.cfg.locals[other].name == *written)
                == Some(&local);
            // A parameter the first state does not bind is checked where it is a parameter.
            if !visible_as_written || !self.tied_inside(local) {
                continue;
            }
            let mut name = self.cfg.binding_name_at(from, local);
            name.set_span(name.span().located_at(later));
            out.extend(self.never_run_assignment(local, &name));
        }
        out
    }

    /// Rebuilds, at a block's entry, the references to whole locals that its code uses.
    fn reborrows(&self, block: usize) -> TokenStream {
        let data = &self.cfg.blocks[block];
        let mut out = TokenStream::new();
        for &local in &data.scope {
            let Some(reborrow) = self.cfg.locals[local].reborrow else {
                continue;
            };
            if !data.uses.contains_key(&local) {
                continue;
            }
            let name = &self.cfg.locals[local].name;
            let referent = (self.name_in(block, reborrow.referent)).located_at(reborrow.name);
            let borrow = if reborrow.mutable {
                quote_spanned!(reborrow.ampersand=> &mut #referent)
            } else {
                quote_spanned!(reborrow.ampersand=> &#referent)
            };
            out.extend(quote!(let #name = #borrow;));
        }
        out
    }

    /// Replaces jump placeholders in a block's code by the code that stores the target's state.
    fn replace_jumps(&self, code: TokenStream, block: usize, arm: usize) -> TokenStream {
        replace_idents(code, &mut |ident| {
            let name = ident.to_string();
            if let Some(locals) = tie_placeholder_locals(&name) {
                return Some(self.type_ties(locals, block));
            }
            if let Some(local) = declaration_placeholder_local(&name) {
                return Some(self.uninit_declaration(local, block, arm));
            }
            match placeholder_index(&name) {
                Some(index) => {
                    let code = self.jump_code(index, block, arm);
                    // A value the jump carries may hold jumps of its own, from its arm too
                    // (`break 'outer if done { continue } else { 1 }`).
                    let args = &self.cfg.jumps[index].args;
                    let nested = args.iter().any(|(_, arg)| holds_jump(arg));
                    let code = if nested {
                        self.replace_jumps(code, block, arm)
                    } else {
                        code
                    };
                    let checks = self.reassignment_checks(index, block);
                    Some(if checks.is_empty() {
                        code
                    } else {
                        quote!({ #checks #code })
                    })
                }
                None => allow_mut_placeholder_locals(&name)
                    .map(|locals| self.deferred_allows(locals, block)),
            }
        })
    }

    /// The code of jump `index`, in the arm of block `arm` (which differs from the jump's
    /// source block `from` when that block is inlined).
    fn jump_code(&self, index: usize, from: usize, arm: usize) -> TokenStream {
        let jump = &self.cfg.jumps[index];
        if self.cfg.is_dead(index) {
            // It follows a `return` (or `break`, `continue`) of its block: no state to build.
            let krate = self.krate;
            return quote!(#krate::__private::unreachable_state());
        }
        if let Some(bypass) = &jump.bypass {
            // Only the locals the resume block stores would be dropped late.
            let krate = self.krate;
            let stored = self.stored(jump.to);
            let tests: Vec<TokenStream> = bypass
                .locals
                .iter()
                .filter(|local| stored.contains(local))
                .map(|&local| {
                    let name = self.name_in(from, local);
                    quote!(#krate::__private::needs_drop_of(&#name))
                })
                .collect();
            let direct = self.jump_code_unbypassed(bypass.jump, from, arm);
            if tests.is_empty() {
                return direct;
            }
            let via_resume = self.jump_code_unbypassed(index, from, arm);
            return quote!(if #(#tests)||* #via_resume else #direct);
        }
        self.jump_code_unbypassed(index, from, arm)
    }

    /// [`Self::jump_code`] without the `needs_drop` test of a bypassed resume.
    fn jump_code_unbypassed(&self, index: usize, from: usize, arm: usize) -> TokenStream {
        let jump = &self.cfg.jumps[index];
        if self.layout.inlined[jump.to].is_some() || self.layout.peeled[index] {
            return self.inline_code(index, from, arm);
        }
        let dispatch = syn::Lifetime::new("'__dispatch", internal());
        let variant = self.variant(jump.to);
        let mut fields: Vec<TokenStream> = Vec::new();
        if let JumpKind::Enter(awaitee) = &jump.kind {
            fields.push(quote!(__awaitee: #awaitee));
        }
        let mut bind_args = Vec::new();
        for local in self.stored(jump.to) {
            let field = self.field(jump.to, local);
            let value = self.jump_value(jump, local, from, &mut bind_args);
            fields.push(quote!(#field: #value));
        }
        // Residents the target keeps stay in place (or, declared in this arm, move in now).
        for local in self.residents_in(jump.to) {
            if self.layout.saved[arm].contains(&local) {
                let guard = self.resident_guard(local);
                bind_args.push(quote!(#guard.keep();));
            } else {
                let slot = self.resident_slot(local);
                let name = &self.cfg.locals[local].name;
                bind_args.push(quote!(#slot = ::core::option::Option::Some(#name);));
            }
        }
        // Arguments are evaluated before any local moves into the new state (they may read one).
        let next = quote!(__State::#variant { #(#fields),* });
        match &jump.kind {
            JumpKind::Goto => {
                let current = Ident::new("__current", internal());
                let step = syn::Lifetime::new("'__step", internal());
                quote!({ #(#bind_args)* #current = #next; continue #step; })
            }
            // Storing the state is where a borrow held across the suspension is "later used".
            JumpKind::Enter(_) => {
                let store = store_state(self.krate, jump.span, &next);
                quote!({ #(#bind_args)* #store; continue #dispatch; })
            }
            JumpKind::Suspend(returned) => {
                let store = store_state(self.krate, jump.span, &next);
                let suspend = resume_return(self.krate, returned);
                quote!({ #(#bind_args)* #store; #suspend; })
            }
        }
    }
}

/// Stores `next` as the state (see `__private::store`: the state holds `Poisoned` whenever the
/// code stores it, so there is nothing to drop), located at `span` for errors about what is
/// stored.
pub fn store_state(krate: &TokenStream, span: Span, next: &TokenStream) -> TokenStream {
    let here = internal().located_at(span);
    let state = state_place_at(span);
    let krate = respan(krate.clone(), span);
    quote_spanned!(here=> #krate::__private::store(&mut #state, #next))
}

/// Stores `Returned` as the state: where the coroutine returns, and where a resume after that
/// puts it back before it panics.
pub fn store_returned(krate: &TokenStream) -> TokenStream {
    store_state(krate, Span::call_site(), &quote!(__State::Returned))
}

/// The place the state lives in, inside the step function: `(*__state)`.
fn state_place() -> TokenStream {
    state_place_at(Span::call_site())
}

/// [`state_place`], located at `span` for errors about what is stored in it.
fn state_place_at(span: Span) -> TokenStream {
    let here = internal().located_at(span);
    let state = Ident::new("__state", here);
    let mut group = Group::new(
        proc_macro2::Delimiter::Parenthesis,
        quote_spanned!(here=> *#state),
    );
    group.set_span(here);
    TokenTree::Group(group).into()
}

/// Ends the resume with `value` (a `Poll` or a `CoroutineState`).
pub fn resume_return(krate: &TokenStream, value: &TokenStream) -> TokenStream {
    quote!(return #krate::__private::Answer::Resumed(#value))
}

/// `code` with every identifier in `names` written `(*name)` (see [`crate::resident`]: each
/// occurrence is a mention in a place position).
fn dereference(code: TokenStream, names: &[String]) -> TokenStream {
    replace_idents(code, &mut |ident| {
        names.contains(&unraw(ident)).then(|| {
            let star = proc_macro2::Punct::new('*', proc_macro2::Spacing::Alone);
            let mut group = Group::new(proc_macro2::Delimiter::Parenthesis, quote!(#star #ident));
            group.set_span(internal());
            TokenTree::Group(group).into()
        })
    })
}

/// `code` with each identifier replaced by what `replace` gives for it (`None` keeps it), at
/// every depth; groups keep their delimiters and spans. Each level is built at once: in the
/// compiler, every `TokenStream` operation is a call across the proc-macro bridge, and the
/// callers walk all of the body's code.
fn replace_idents(
    code: TokenStream,
    replace: &mut dyn FnMut(&Ident) -> Option<TokenStream>,
) -> TokenStream {
    let mut out: Vec<TokenTree> = Vec::new();
    for tree in code {
        match tree {
            TokenTree::Ident(ident) => match replace(&ident) {
                Some(tokens) => out.extend(tokens),
                None => out.push(TokenTree::Ident(ident)),
            },
            TokenTree::Group(group) => {
                let mut replaced =
                    Group::new(group.delimiter(), replace_idents(group.stream(), replace));
                replaced.set_span(group.span());
                out.push(TokenTree::Group(replaced));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// Whether `tokens` hold a jump placeholder.
fn holds_jump(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => placeholder_index(&ident.to_string()).is_some(),
        TokenTree::Group(group) => holds_jump(&group.stream()),
        _ => false,
    })
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
    ///
    /// The leading locals that need no new binding are handed over where they are (see
    /// [`Self::handovers`]): moving one into a new binding would end, before the code runs, the
    /// borrows that the code still reads through (`if let Some(o) = &o { let o = o.clone(); .. }`
    /// keeps the outer `o`). Only leading ones, so that the new bindings, dropped first, are the
    /// newer locals.
    fn inline_code(&self, index: usize, from: usize, arm: usize) -> TokenStream {
        let jump = &self.cfg.jumps[index];
        let target = jump.to;
        let handovers = self.handed_over_by(index);
        let mut aliases = Vec::new();
        for &(local, handover) in handovers.iter() {
            if handover == Handover::Aliased {
                let alias = crate::cfg::shadowed_name(local);
                let binding = self.name_in(from, local);
                aliases.push(quote! {
                    #[allow(unused_macros)]
                    macro_rules! #alias { () => { #binding }; }
                });
            }
        }
        let mut names = Vec::new();
        let mut values = Vec::new();
        let mut bind_args = Vec::new();
        for local in self.stored(target).into_iter().skip(handovers.len()) {
            let name = self.cfg.entry_name(target, local);
            let mutability = self.cfg.locals[local].mutable.then(|| quote!(mut));
            names.push(quote!(#mutability #name));
            values.push(self.jump_value(jump, local, from, &mut bind_args));
        }
        let reborrows = self.reborrows(target);
        let uninit = self.uninitialised(target);
        let code = self.replace_jumps(self.cfg.blocks[target].code.clone(), target, arm);
        let allow = quote!(#[allow(unused_mut, unused_variables, unused_parens)]);
        let krate = self.krate;
        let dropped = &self.layout.dropped_on_entry[target];
        let drops = dropped.iter().map(|&local| {
            let name = self.name_in(from, local);
            quote!(#krate::__private::drop_now(#name);)
        });
        let bind = if names.is_empty() {
            quote!(#(#drops)*)
        } else if dropped.is_empty() {
            quote!(#allow let (#(#names,)*) = (#(#values,)*);)
        } else {
            // What the target keeps is taken first, then the rest is dropped as leaving the
            // arm would drop it, then the target's names are bound (they may hide the dropped).
            let kept = Ident::new("__kept", internal());
            quote! {
                let #kept = (#(#values,)*);
                #(#drops)*
                #allow let (#(#names,)*) = #kept;
            }
        };
        quote!({
            #(#aliases)*
            #(#bind_args)*
            #bind
            #uninit
            #reborrows
            #code
        })
    }
}

/// The number of the enum's variant at `position` (the states in layout order, then `Returned`,
/// then `Poisoned`) in `DelegationStates::state_index` and `Delegation::index`: the position,
/// so that the number is the enum's tag and the optimiser sees through the impl's match.
fn state_number(position: usize) -> proc_macro2::Literal {
    proc_macro2::Literal::usize_unsuffixed(position)
}

/// The witness of the type of delegation state `block`'s awaitee (`__private::AwaiteeType`),
/// through which the in-place poll reaches the awaitee without naming the state's variant.
pub fn awaitee_type(block: usize) -> Ident {
    format_ident!("__awaitee_type{}", block, span = internal())
}

/// Where a delegation state's output waits between the in-place poll and its step.
fn output_slot(block: usize) -> Ident {
    format_ident!("__output{}", block, span = internal())
}

/// The whole outer function.
pub fn function(shape: &Shape, emitter: &Emitter<'_>, outer: &[TokenStream]) -> TokenStream {
    let krate = emitter.krate;
    let attrs = &shape.attrs;
    let vis = &shape.vis;
    let sig = &shape.sig;
    let state_enum = emitter.state_enum(&shape.sig.ident);
    let initial = emitter.initial_state(outer);
    let parameter_type_ties = emitter.parameter_type_ties(outer);
    let state = state_place();
    let current = Ident::new("__current", internal());
    let output_slots = emitter.output_slots();
    let polls = emitter.polls();
    let steps = emitter.steps();
    // The loops span the user's parameters and body (see `Emitter::params`).
    let body_here = internal().located_at(emitter.body);
    let params_here = internal().located_at(emitter.params);
    let looped = |label: &str, code: TokenStream| {
        let label = syn::Lifetime::new(label, params_here);
        let mut code = Group::new(proc_macro2::Delimiter::Brace, code);
        code.set_span(body_here);
        quote_spanned!(body_here=> #label: loop #code)
    };
    // A resume polls a delegated awaitee in place if there is one, then takes the state out
    // (leaving `Poisoned` behind until it is stored again) and runs from state to state on a
    // local until it suspends, enters a delegation, or returns.
    let step_loop = looped("'__step", steps);
    let dispatch_loop = looped(
        "'__dispatch",
        quote! {
            #polls
            let mut #current = #krate::__private::replace(&mut #state, __State::Poisoned);
            #step_loop
        },
    );
    let type_ties = emitter.type_tie_witnesses();
    let body = quote! {
        #type_ties
        #output_slots
        #dispatch_loop
    };
    let cx = Ident::new("__cx", internal());
    let arg = Ident::new("__arg", internal());
    let owned_state = Ident::new("__owned_state", internal());
    let state_ref = Ident::new("__state", internal());
    let request = Ident::new("__request", internal());
    let frames = emitter.frames(&shape.sig.ident.to_string());
    let frames_param = Ident::new("__frames", internal());
    // The closure owns the state; a request either resumes it or reads its frames. The frame
    // reader comes second so that rustc has inferred the awaitee types (from the resume code)
    // before it picks how to report them.
    let diagram_ty = Ident::new("__Diagram", internal());
    let (adapter, resume_argument, resume_arm) = match emitter.generator {
        None => (
            quote!(future_from_fn),
            quote!(&mut #krate::__private::TaskContext<'_>),
            quote!(#krate::__private::Request::Resume(#cx) => { #body }),
        ),
        Some(generator) => (
            quote!(coroutine_from_fn),
            generator.resume_ty.to_token_stream(),
            quote! {
                #krate::__private::Request::Resume(#arg) => {
                    let mut #arg = ::core::option::Option::Some(#arg);
                    #body
                }
            },
        ),
    };
    let diagram = crate::diagram::diagram(emitter, &shape.sig.ident);
    let items = emitter.items;
    // Residents live beside the enum, in a tuple dropped after it, newest first.
    let residents = Ident::new("__residents", internal());
    let (initial, take_state) = if emitter.residents.is_empty() {
        (initial, quote!(let #state_ref = &mut #owned_state;))
    } else {
        let empty = emitter
            .residents
            .iter()
            .map(|_| quote!(::core::option::Option::None));
        (
            quote!((#initial, (#(#empty,)*))),
            quote! {
                let #state_ref = &mut #owned_state.0;
                let #residents = &mut #owned_state.1;
            },
        )
    };
    // The closure is located at the function's name: rustc names it in some notes
    // ("required because it's used within this closure", for a coroutine that is not `Send`).
    let closure_here = internal().located_at(shape.sig.ident.span());
    // Its return type is written out: inferred, rustc would take it from the first `return` in
    // the text (an in-place poll's), and add to a mismatch in the user's return value a note
    // "return type inferred to be .. here" pointing at the attribute.
    let closure_head = quote_spanned!(closure_here=> move |#request: #krate::__private::Request<'_, #resume_argument>| -> #krate::__private::Answer<_, #diagram_ty>);
    let machine = quote! {
        #krate::__private::#adapter(
            #closure_head {
                #take_state
                let #frames_param = match #request {
                    #resume_arm
                    #krate::__private::Request::Frames(#frames_param) => #frames_param,
                };
                #frames
                #krate::__private::Answer::Frames(::core::marker::PhantomData::<#diagram_ty>)
            },
        )
    };
    quote! {
        #(#attrs)*
        #[allow(refining_impl_trait)]
        #vis #sig {
            #(#items)*
            #state_enum
            struct #diagram_ty;
            impl #krate::__private::DiagramSource for #diagram_ty {
                const DIAGRAM: #krate::Diagram = #diagram;
            }
            #parameter_type_ties
            let mut #owned_state = #initial;
            #machine
        }
    }
}

/// `unsafe { code }`, the block spanned at `span` (the expansion's own, located at the user's
/// code) and `code` left as it is.
fn unsafe_block(span: Span, code: &TokenStream) -> TokenStream {
    quote_spanned!(span=> unsafe { #code })
}
