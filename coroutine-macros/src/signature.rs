//! Stage 1b: the function around the body.
//!
//! Takes the annotated item; gives [`Shape`]: the outer signature the expansion declares (the
//! same name, generics and parameters, returning `impl Future` or `impl Coroutine`), how each
//! parameter enters the state machine, and the user's return type. Rejects what cannot become a
//! coroutine (`async`, `const`, `extern`, variadic functions, non-functions).

use crate::args::{internal, Args};
use proc_macro2::Span;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{FnArg, Ident, Lifetime, Pat, ReturnType, Signature, Type};

/// How one parameter reaches the body.
pub struct Param {
    /// The name the outer function gives it.
    pub outer: Ident,
    /// `Some` when the user wrote a pattern other than a plain binding: the first state
    /// destructures the value with it.
    pub pattern: Option<Pat>,
    /// The binding the body sees (for a pattern parameter: a hidden name).
    pub binding: Ident,
    pub mutable: bool,
    /// The parameter's type, as written.
    pub ty: Type,
}

/// The function, checked and taken apart.
pub struct Shape {
    pub attrs: Vec<syn::Attribute>,
    pub vis: syn::Visibility,
    /// The outer signature, already rewritten.
    pub sig: Signature,
    pub params: Vec<Param>,
    /// Whether the function takes `self` in a form other than `&self`: the body's `self` then
    /// becomes a hidden local.
    pub has_receiver: bool,
    /// The `self` of a `&self` receiver, which the body uses as it is.
    pub shared_self: Option<Span>,
    /// The user's return type (`()` when omitted).
    pub return_ty: Type,
    /// Whether `return_ty` can annotate a `let` (it cannot when it contains `impl Trait`).
    pub return_ty_nameable: bool,
    pub body: Option<syn::Block>,
}

/// The name the body's `self` is renamed to, as the parameter that binds it. Call-site
/// hygiene (not the expansion's own): the body's uses of it carry the user's spans (see
/// [`self_at`]), so that an expression like `self.0` stays the user's own for diagnostics
/// (a type mismatch points at `self.0`, not at the attribute).
pub fn self_ident() -> Ident {
    Ident::new("__self", Span::call_site())
}

/// A use of the renamed `self`, where the user wrote `self`.
pub fn self_at(span: Span) -> Ident {
    Ident::new("__self", span)
}

/// Checks the item and builds the outer signature.
pub fn analyse(item: syn::TraitItemFn, args: &Args, errors: &mut Vec<syn::Error>) -> Shape {
    let syn::TraitItemFn {
        attrs,
        sig,
        default: body,
        ..
    } = item;
    let vis = syn::Visibility::Inherited;
    check_qualifiers(&sig, errors);
    // A second `#[coroutines::coroutine]` (or `#[coroutine]` imported from us) would rewrite the
    // rewritten function, and rustc would then report mismatched state types at both
    // attributes.
    for attr in &attrs {
        if attr
            .path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "coroutine")
        {
            errors.push(syn::Error::new_spanned(
                attr,
                "`#[coroutine]` is applied more than once to this function; keep one",
            ));
        }
    }

    let mut sig = sig;
    // Reported above; the outer function is a plain one either way.
    sig.asyncness = None;
    sig.constness = None;
    let return_ty: Type = match &sig.output {
        ReturnType::Default => syn::parse_quote_spanned!(sig.ident.span()=> ()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    let return_ty_nameable = !contains_impl_trait(&return_ty);

    // Name every elided lifetime in the inputs so the returned `impl Trait` can capture them.
    let mut namer = LifetimeNamer { fresh: Vec::new() };
    for input in &mut sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                if let Some((_, lifetime @ None)) = &mut receiver.reference {
                    let fresh = namer.fresh(receiver.self_token.span);
                    *lifetime = Some(fresh.clone());
                    if let Type::Reference(reference) = &mut *receiver.ty {
                        reference.lifetime = Some(fresh);
                    }
                } else {
                    namer.visit_type_mut(&mut receiver.ty);
                }
            }
            FnArg::Typed(typed) => namer.visit_type_mut(&mut typed.ty),
        }
    }
    for lifetime in &namer.fresh {
        sig.generics
            .params
            .push(syn::GenericParam::Lifetime(syn::LifetimeParam::new(
                lifetime.clone(),
            )));
    }

    let mut params = Vec::new();
    let mut has_receiver = false;
    let mut shared_self = None;
    for (index, input) in sig.inputs.iter_mut().enumerate() {
        match input {
            // A shared `&self` is `Copy`: the closure captures it as it is, so the body keeps
            // writing `self`, and rustc's errors about it (assigning through `&self`, say) name
            // `self` and suggest `&mut self`. Other receivers may be moved out of or mutated,
            // which a captured variable of an `FnMut` closure cannot be: they become a hidden
            // local of the state machine, like any parameter.
            FnArg::Receiver(receiver) if matches!(&*receiver.ty, Type::Reference(reference) if reference.mutability.is_none()) =>
            {
                shared_self = Some(receiver.self_token.span);
            }
            FnArg::Receiver(receiver) => {
                has_receiver = true;
                params.push(Param {
                    outer: Ident::new("self", receiver.self_token.span),
                    pattern: None,
                    binding: self_ident(),
                    mutable: receiver.mutability.is_some() && receiver.reference.is_none(),
                    ty: (*receiver.ty).clone(),
                });
                if receiver.reference.is_none() {
                    receiver.mutability = None;
                }
            }
            FnArg::Typed(typed) => {
                let ty = (*typed.ty).clone();
                match &*typed.pat {
                    Pat::Ident(pat)
                        if pat.by_ref.is_none() && pat.subpat.is_none() && pat.ident != "self" =>
                    {
                        let ident = pat.ident.clone();
                        params.push(Param {
                            outer: ident.clone(),
                            pattern: None,
                            binding: ident.clone(),
                            mutable: pat.mutability.is_some(),
                            ty,
                        });
                        *typed.pat = Pat::Ident(syn::PatIdent {
                            attrs: pat.attrs.clone(),
                            by_ref: None,
                            mutability: None,
                            ident,
                            subpat: None,
                        });
                    }
                    pattern => {
                        let outer = format_ident!("__arg{}", index, span = internal());
                        params.push(Param {
                            outer: outer.clone(),
                            pattern: Some(pattern.clone()),
                            binding: outer.clone(),
                            mutable: false,
                            ty,
                        });
                        *typed.pat = syn::parse_quote!(#outer);
                    }
                }
            }
        }
    }

    // The outer signature returns the state machine. Every token of the returned type, the
    // crate path included, is located at the written return type (or the name when there is
    // none): rustc then reports a mismatch with it there ("expected `impl Future<..>` to
    // resolve to `u32`"), not at the attribute, and notes about it ("within this `impl
    // Future..`") point there too.
    let span = match &sig.output {
        ReturnType::Default => sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    let krate = &crate::lower::respan(args.krate.clone(), span);
    let lifetimes: Vec<&Lifetime> = sig
        .generics
        .lifetimes()
        .map(|param| &param.lifetime)
        .collect();
    let captures = if lifetimes.is_empty() {
        quote!()
    } else {
        quote_spanned!(span=> + #krate::ops::Captures<(#(&#lifetimes (),)*)>)
    };
    let output = match &args.generator {
        None => {
            quote_spanned!(span=> impl ::core::future::Future<Output = #return_ty> + #krate::Stack #captures)
        }
        Some(generator) => {
            let yield_ty = &generator.yield_ty;
            let resume_ty = &generator.resume_ty;
            quote_spanned!(span=> impl #krate::Coroutine<#resume_ty, Yield = #yield_ty, Return = #return_ty> + #krate::Stack #captures)
        }
    };
    sig.output = ReturnType::Type(Default::default(), Box::new(Type::Verbatim(output)));

    Shape {
        attrs,
        vis,
        sig,
        params,
        has_receiver,
        shared_self,
        return_ty,
        return_ty_nameable,
        body,
    }
}

/// Whether a type is written `()` (also through `macro_rules!` `$t:ty` groups and parentheses).
pub fn is_unit(ty: &Type) -> bool {
    match ty {
        Type::Tuple(tuple) => tuple.elems.is_empty(),
        Type::Group(group) => is_unit(&group.elem),
        Type::Paren(paren) => is_unit(&paren.elem),
        _ => false,
    }
}

/// Whether a value of this type certainly has no drop glue (primitives, references, raw
/// pointers, and arrays and tuples of those): when such a local is dropped is unobservable.
pub fn is_drop_free_type(ty: &Type) -> bool {
    match ty {
        Type::Reference(_) | Type::Ptr(_) | Type::Never(_) => true,
        Type::Array(array) => is_drop_free_type(&array.elem),
        Type::Tuple(tuple) => tuple.elems.iter().all(is_drop_free_type),
        Type::Paren(paren) => is_drop_free_type(&paren.elem),
        // A type passed through a `macro_rules!` fragment (`$ty:ty`).
        Type::Group(group) => is_drop_free_type(&group.elem),
        Type::Path(path) => {
            path.qself.is_none()
                && path.path.get_ident().is_some_and(|ident| {
                    matches!(
                        ident.to_string().as_str(),
                        "u8" | "u16"
                            | "u32"
                            | "u64"
                            | "u128"
                            | "usize"
                            | "i8"
                            | "i16"
                            | "i32"
                            | "i64"
                            | "i128"
                            | "isize"
                            | "f32"
                            | "f64"
                            | "bool"
                            | "char"
                    )
                })
        }
        _ => false,
    }
}

/// Whether a parameter of this type certainly owns its value: a path type such as `Vec<T>` or
/// `String` (not a reference, a generic parameter, `impl Trait`, `Self`, nor a type that holds a
/// borrow such as `Pin<&mut T>` or `Cow<'a, str>`).
pub fn is_owned_type(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => {
            if path.qself.is_some() {
                return false;
            }
            let last = path.path.segments.last().expect("a path has a segment");
            let holds_borrow = match &last.arguments {
                syn::PathArguments::AngleBracketed(arguments) => {
                    arguments.args.iter().any(|argument| {
                        matches!(
                            argument,
                            syn::GenericArgument::Lifetime(_)
                                | syn::GenericArgument::Type(Type::Reference(_))
                        )
                    })
                }
                _ => false,
            };
            if holds_borrow || last.ident == "Pin" {
                return false;
            }
            // A lone capitalised name with no arguments may be a generic parameter.
            path.path.segments.len() > 1
                || !last.arguments.is_empty()
                || matches!(
                    last.ident.to_string().as_str(),
                    "String" | "PathBuf" | "OsString" | "CString"
                )
        }
        Type::Array(_) | Type::Tuple(_) => true,
        Type::Paren(paren) => is_owned_type(&paren.elem),
        _ => false,
    }
}

fn check_qualifiers(sig: &Signature, errors: &mut Vec<syn::Error>) {
    if let Some(token) = &sig.asyncness {
        errors.push(syn::Error::new(
            token.span,
            "`#[coroutine]` makes the function a coroutine itself; remove `async` (inside, wait with `yield_from!(..)` instead of `.await`)",
        ));
    }
    if let Some(token) = &sig.constness {
        errors.push(syn::Error::new(
            token.span,
            "`#[coroutine]` cannot be applied to a `const fn`",
        ));
    }
    if let Some(abi) = &sig.abi {
        errors.push(syn::Error::new(
            abi.span(),
            "`#[coroutine]` cannot be applied to an `extern` fn: a coroutine returns a Rust state machine",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new(
            variadic.span(),
            "`#[coroutine]` does not support variadic functions",
        ));
    }
}

fn contains_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
        fn visit_type_infer(&mut self, _: &'ast syn::TypeInfer) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}

/// Replaces `&T` and `'_` in argument types by fresh named lifetimes.
struct LifetimeNamer {
    fresh: Vec<Lifetime>,
}

impl LifetimeNamer {
    fn fresh(&mut self, span: Span) -> Lifetime {
        let lifetime = Lifetime::new(&format!("'__life{}", self.fresh.len()), span);
        self.fresh.push(lifetime.clone());
        lifetime
    }
}

impl VisitMut for LifetimeNamer {
    fn visit_type_reference_mut(&mut self, reference: &mut syn::TypeReference) {
        if reference.lifetime.is_none() {
            reference.lifetime = Some(self.fresh(reference.and_token.span));
        }
        visit_mut::visit_type_reference_mut(self, reference);
    }
    fn visit_lifetime_mut(&mut self, lifetime: &mut Lifetime) {
        if lifetime.ident == "_" {
            *lifetime = self.fresh(lifetime.apostrophe);
        }
    }
    // Lifetimes inside `fn(&T)` pointers and `Fn(&T)` bounds are higher-ranked: leave them.
    fn visit_type_bare_fn_mut(&mut self, _: &mut syn::TypeBareFn) {}
    fn visit_parenthesized_generic_arguments_mut(
        &mut self,
        _: &mut syn::ParenthesizedGenericArguments,
    ) {
    }
}
