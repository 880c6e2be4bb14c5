#!/usr/bin/env python3
"""One async function with N straight-line awaits (`total += await ready(total % 7 + k)`), written
out as a state machine by hand in the state shapes compared in BENCHMARKS.md section 6 ("A union
of per-state structs"), or as an `async fn`, to time rustc's front end on each:

    python3 benches/state_shapes.py SHAPE N > /tmp/awaits.rs
    time rustc --edition 2021 --crate-type lib --emit=metadata -o /tmp/awaits.rmeta /tmp/awaits.rs

SHAPE:
- `enum`: the macro's shape today: one enum, a type parameter per stored local and one per
  await's awaitee, invariant; a step binds its state with a pattern on the enum and stores the
  next with a struct expression of it;
- `union`: a tag and a union of one struct per state, each generic only over what it holds; a
  step takes its state's struct out of the union and writes the next one's field. `TYPED=1`
  writes the awaitee types out (what inference would have to find first); `ONESLOT=1` polls
  through one pointer to the union (each state struct is `repr(C)`, its awaitee first) instead
  of one field access per state;
- `async`: the same function as an `async fn`.

Each shape gives the same result (a `run` function drives it once with a no-op waker).
Not part of CI; no crate of the workspace uses it.
"""
import sys, os

PRELUDE = '''#![allow(non_shorthand_field_patterns, unused_imports, dead_code, unused_mut, unused_variables, non_camel_case_types, clippy::all)]
use std::future::{ready, Future};
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context, Poll};

pub struct AwaiteeType<A>(PhantomData<A>);
impl<A> AwaiteeType<A> {
    #[inline(always)] pub fn new() -> Self { AwaiteeType(PhantomData) }
    #[inline(always)] pub fn witness(&self, a: A) -> A { a }
}
/// Polls the awaitee at `slot` (an `Option<A>` at offset 0 of the state's data).
#[inline(always)]
pub unsafe fn poll_slot<A: Future>(_: &AwaiteeType<A>, slot: *mut (), cx: &mut Context<'_>) -> Poll<A::Output> {
    let slot = unsafe { &mut *slot.cast::<Option<A>>() };
    unsafe { Pin::new_unchecked(slot.as_mut().unwrap()) }.poll(cx)
}
#[inline(always)]
pub fn erase<T>(p: *mut T) -> *mut () { p.cast() }
#[inline(always)]
pub fn store<T>(slot: &mut T, value: T) { std::mem::forget(std::mem::replace(slot, value)) }
'''

def enum_shape(n):
    params = ["T0", "T1"] + [f"A{k}" for k in range(1, n + 1)]
    P = ", ".join(params)
    out = [PRELUDE, "pub fn awaits(start: u32) -> impl Future<Output = u32> {"]
    out.append(f"    #[repr(u8)] enum E<{P}> {{ Start {{ start: T0 }},")
    for k in range(1, n + 1):
        out.append(f"        S{k} {{ aw: Option<A{k}>, total: T1 }},")
    out.append(f"        Returned, Poisoned, Inv(std::convert::Infallible, PhantomData<fn(({P},)) -> ({P},)>) }}")
    out.append(f"    impl<{P}> E<{P}> {{")
    out.append("        #[inline(always)] fn index(&self) -> usize { match self { Self::Start { .. } => 0,")
    for k in range(1, n + 1):
        out.append(f"            Self::S{k} {{ .. }} => {k},")
    out.append(f"            Self::Returned => {n + 1}, Self::Poisoned => {n + 2}, Self::Inv(x, _) => match *x {{}} }} }}")
    out.append("        #[inline(always)] fn slot(&mut self) -> *mut () { match self {")
    for k in range(1, n + 1):
        out.append(f"            Self::S{k} {{ aw, .. }} => std::ptr::from_mut(aw).cast(),")
    out.append("            _ => std::ptr::null_mut() } }")
    out.append("    }")
    out.append("    let mut state = E::Start { start };")
    out.append("    std::future::poll_fn(move |cx| {")
    for k in range(1, n + 1):
        out.append(f"        let w{k} = AwaiteeType::new(); let mut o{k} = None;")
    out.append("        loop {")
    out.append("            let index = state.index(); let slot = state.slot();")
    out.append("            match index {")
    for k in range(1, n + 1):
        out.append(f"                {k} => {{ o{k} = Some(match unsafe {{ poll_slot(&w{k}, slot, cx) }} {{ Poll::Ready(v) => v, Poll::Pending => return Poll::Pending }}); }}")
    out.append("                _ => {}")
    out.append("            }")
    out.append("            let current = std::mem::replace(&mut state, E::Poisoned);")
    out.append("            match current.index() {")
    out.append("                0 => { let E::Start { start } = current else { unreachable!() }; let mut total = start;")
    out.append("                    let aw = w1.witness(ready(total % 7 + 1)); store(&mut state, E::S1 { aw: Some(aw), total }); continue; }")
    for k in range(1, n + 1):
        out.append(f"                {k} => {{ let E::S{k} {{ aw: _, total: mut total }} = current else {{ unreachable!() }};")
        out.append(f"                    total += o{k}.take().unwrap();")
        if k < n:
            out.append(f"                    let aw = w{k+1}.witness(ready(total % 7 + {k+1})); store(&mut state, E::S{k+1} {{ aw: Some(aw), total }}); continue; }}")
        else:
            out.append("                    store(&mut state, E::Returned); return Poll::Ready(total); }")
    out.append("                _ => panic!(\"resumed after completion\"),")
    out.append("            }")
    out.append("        }")
    out.append("    })")
    out.append("}")
    return "\n".join(out)

def union_shape(n):
    params = ["D0"] + [f"D{k}" for k in range(1, n + 1)]
    P = ", ".join(params)
    out = [PRELUDE, "pub fn awaits(start: u32) -> impl Future<Output = u32> {"]
    out.append("    struct Start<T0> { start: T0 }")
    for k in range(1, n + 1):
        out.append(f"    #[repr(C)] struct S{k}<T1, A> {{ aw: Option<A>, total: T1 }}")
    out.append(f"    union Data<{P}> {{ d0: ManuallyDrop<D0>,")
    for k in range(1, n + 1):
        out.append(f"        d{k}: ManuallyDrop<D{k}>,")
    out.append("    }")
    out.append(f"    struct St<{P}> {{ tag: u32, data: Data<{P}> }}")
    out.append(f"    impl<{P}> Drop for St<{P}> {{ fn drop(&mut self) {{ unsafe {{ match self.tag {{ 0 => ManuallyDrop::drop(&mut self.data.d0),")
    for k in range(1, n + 1):
        out.append(f"        {k} => ManuallyDrop::drop(&mut self.data.d{k}),")
    out.append("        _ => {} } } } }")
    out.append("    let mut state = St { tag: 0, data: Data { d0: ManuallyDrop::new(Start { start }) } };")
    out.append("    std::future::poll_fn(move |cx| {")
    for k in range(1, n + 1):
        if os.environ.get("TYPED"):
            out.append(f"        let w{k} = AwaiteeType::<std::future::Ready<u32>>::new(); let mut o{k} = None;")
        else:
            out.append(f"        let w{k} = AwaiteeType::new(); let mut o{k} = None;")
    out.append("        loop {")
    out.append("            let index = state.tag;")
    if os.environ.get("ONESLOT"):
        out.append("            let slot = erase(&raw mut state.data);")
    out.append("            match index {")
    for k in range(1, n + 1):
        out.append(f"                {k} => {{ " + ("" if os.environ.get("ONESLOT") else f"let slot = erase(&raw mut state.data.d{k}); ") + f"o{k} = Some(match unsafe {{ poll_slot(&w{k}, slot, cx) }} {{ Poll::Ready(v) => v, Poll::Pending => return Poll::Pending }}); }}")
    out.append("                _ => {}")
    out.append("            }")
    out.append(f"            state.tag = {n + 2};")
    out.append("            match index {")
    out.append("                0 => { let Start { start } = unsafe { ManuallyDrop::take(&mut state.data.d0) }; let mut total = start;")
    out.append("                    let aw = w1.witness(ready(total % 7 + 1)); state.data.d1 = ManuallyDrop::new(S1 { aw: Some(aw), total }); state.tag = 1; continue; }")
    for k in range(1, n + 1):
        out.append(f"                {k} => {{ let S{k} {{ aw: _, total: mut total }} = unsafe {{ ManuallyDrop::take(&mut state.data.d{k}) }};")
        out.append(f"                    total += o{k}.take().unwrap();")
        if k < n:
            out.append(f"                    let aw = w{k+1}.witness(ready(total % 7 + {k+1})); state.data.d{k+1} = ManuallyDrop::new(S{k+1} {{ aw: Some(aw), total }}); state.tag = {k+1}; continue; }}")
        else:
            out.append(f"                    state.tag = {n + 1}; return Poll::Ready(total); }}")
    out.append("                _ => panic!(\"resumed after completion\"),")
    out.append("            }")
    out.append("        }")
    out.append("    })")
    out.append("}")
    out.append("pub fn run(start: u32) -> u32 { let mut f = std::pin::pin!(awaits(start)); match f.as_mut().poll(&mut Context::from_waker(std::task::Waker::noop())) { Poll::Ready(v) => v, Poll::Pending => 0 } }")
    return "\n".join(out)

def async_shape(n):
    out = ["use std::future::{ready, Future};", "use std::task::{Context, Poll};",
           "pub async fn awaits(start: u32) -> u32 {", "    let mut total = start;"]
    for k in range(1, n + 1):
        out.append(f"    total += ready(total % 7 + {k}).await;")
    out.append("    total")
    out.append("}")
    return "\n".join(out)

shape, n = sys.argv[1], int(sys.argv[2])
src = {"enum": enum_shape, "union": union_shape, "async": async_shape}[shape](n)
if shape != "union":
    src += "\npub fn run(start: u32) -> u32 { let mut f = std::pin::pin!(awaits(start)); match f.as_mut().poll(&mut Context::from_waker(std::task::Waker::noop())) { Poll::Ready(v) => v, Poll::Pending => 0 } }"
print(src)
