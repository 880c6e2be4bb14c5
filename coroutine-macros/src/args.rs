//! Stage 1a: the attribute's arguments.
//!
//! Takes the tokens inside `#[coroutine(...)]`; gives [`Args`]: the flavour (async, or a
//! generator with its yield and resume types) and the path of the `coroutines` crate. Every
//! malformed argument is reported, not just the first.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Path, Token, Type};

/// What the attribute asked for.
pub struct Args {
    /// `Some` for the generator flavour.
    pub generator: Option<Generator>,
    /// Absolute path of the facade crate, `::coroutines` unless `crate = ..` says otherwise.
    pub krate: TokenStream,
}

/// The types of a generator-flavour coroutine.
pub struct Generator {
    pub yield_ty: Type,
    pub resume_ty: Type,
}

const KEYS: &str = "`yield = Type`, `resume = Type` and `crate = path`";

enum Arg {
    Yield(syn::Ident, Type),
    Resume(syn::Ident, Type),
    Crate(syn::Ident, Path),
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key: syn::Ident = if input.peek(Token![yield]) {
            let token: Token![yield] = input.parse()?;
            syn::Ident::new("yield", token.span)
        } else if input.peek(Token![crate]) {
            let token: Token![crate] = input.parse()?;
            syn::Ident::new("crate", token.span)
        } else {
            let lookahead = input.lookahead1();
            if !lookahead.peek(syn::Ident) {
                return Err(syn::Error::new(
                    input.span(),
                    format!("expected one of {KEYS}"),
                ));
            }
            syn::ext::IdentExt::parse_any(input)?
        };
        let key_name = key.to_string();
        if !matches!(key_name.as_str(), "yield" | "resume" | "crate") {
            return Err(syn::Error::new(
                key.span(),
                format!("unknown argument `{key_name}`: `#[coroutine]` takes {KEYS}"),
            ));
        }
        if !input.peek(Token![=]) {
            return Err(syn::Error::new(
                key.span(),
                format!("expected `{key_name} = ...`"),
            ));
        }
        let equals = input.parse::<Token![=]>()?;
        if input.is_empty() || input.peek(Token![,]) {
            let what = if key_name == "crate" {
                "a path"
            } else {
                "a type"
            };
            return Err(syn::Error::new(
                equals.span,
                format!("expected {what} after `{key_name} =`"),
            ));
        }
        Ok(match key_name.as_str() {
            "yield" => Arg::Yield(key, input.parse()?),
            "resume" => Arg::Resume(key, input.parse()?),
            _ => Arg::Crate(key, input.parse()?),
        })
    }
}

/// Parses the attribute arguments; `errors` collects every problem.
pub fn parse(tokens: TokenStream, errors: &mut Vec<syn::Error>) -> Args {
    let mut args = Args {
        generator: None,
        krate: quote!(::coroutines),
    };
    let parsed =
        match syn::parse::Parser::parse2(Punctuated::<Arg, Token![,]>::parse_terminated, tokens) {
            Ok(parsed) => parsed,
            Err(error) => {
                errors.push(error);
                return args;
            }
        };
    let mut yield_ty = None;
    let mut resume_ty: Option<(syn::Ident, Type)> = None;
    let mut krate: Option<Path> = None;
    for arg in parsed {
        let (key, duplicate) = match arg {
            Arg::Yield(key, ty) => {
                let dup = yield_ty.is_some();
                yield_ty = Some(ty);
                (key, dup)
            }
            Arg::Resume(key, ty) => {
                let dup = resume_ty.is_some();
                resume_ty = Some((key.clone(), ty));
                (key, dup)
            }
            Arg::Crate(key, path) => {
                let dup = krate.is_some();
                krate = Some(path);
                (key, dup)
            }
        };
        if duplicate {
            errors.push(syn::Error::new(
                key.span(),
                format!("duplicate argument `{key}`"),
            ));
        }
    }
    if let Some(path) = krate {
        args.krate = quote!(#path);
    }
    match (yield_ty, resume_ty) {
        (Some(yield_ty), resume) => {
            let resume_ty = resume.map_or_else(|| syn::parse_quote!(()), |(_, ty)| ty);
            args.generator = Some(Generator {
                yield_ty,
                resume_ty,
            });
        }
        (None, Some((key, _))) => errors.push(syn::Error::new(
            key.span(),
            "`resume = ..` needs `yield = ..`: only generators are resumed with a value",
        )),
        (None, None) => {}
    }
    args
}

/// A span for code the macro invents (hygienic: user code cannot name it).
pub fn internal() -> Span {
    Span::mixed_site()
}
