//! A user crate as users write them: strict lints, no imports beyond the macros.
#![deny(warnings, clippy::all, clippy::pedantic)]
#![forbid(unsafe_code)]

use std::collections::HashMap;

/// An async coroutine with references, a loop, `?` and early return.
///
/// # Errors
/// When a word is not a number.
#[coroutines::coroutine]
pub fn sum_words(words: &[&str], scale: &mut u64) -> Result<u64, std::num::ParseIntError> {
    let mut total = 0;
    for word in words {
        if word.is_empty() {
            return Ok(total);
        }
        let value: u64 = word.parse()?;
        total += yield_from!(std::future::ready(value * *scale));
        *scale += 1;
    }
    Ok(total)
}

/// A generator with resume values and delegation.
#[coroutines::coroutine(yield = String, resume = u32)]
pub fn labels(prefix: &str) -> HashMap<String, u32> {
    let mut seen = HashMap::new();
    for index in 0..2_u32 {
        let label = format!("{prefix}{index}");
        let answer = yield_!(label.clone());
        seen.insert(label, answer);
    }
    let more = yield_from!(one_more(prefix));
    seen.insert(more, 0);
    seen
}

#[coroutines::coroutine(yield = String, resume = u32)]
fn one_more(prefix: &str) -> String {
    let answer = yield_!(format!("{prefix}!"));
    format!("{prefix}{answer}")
}

/// Let chains whose scrutinees suspend: the last one's temporary lives through the guarded
/// code, and a chain whose later conditions do not suspend tests them in place.
#[coroutines::coroutine(yield = u32, resume = u32)]
pub fn let_chains(x: u32) -> u32 {
    let mut total = 0;
    let mut rounds = 0;
    while let Some(v) = &mut Some(yield_!(x))
        && rounds < 2
    {
        *v *= 2;
        total += *v;
        rounds += 1;
    }
    if let Some(w) = Some(yield_!(total))
        && let Some(u) = (w > 1).then_some(w * 10)
    {
        total += u;
    }
    total
}

/// A method on a struct, taking `&self`.
pub struct Greeter {
    /// Who to greet.
    pub name: String,
}

impl Greeter {
    /// Greets after one suspension.
    #[coroutines::coroutine]
    pub fn greet(&self, punctuation: char) -> String {
        let greeting = yield_from!(std::future::ready("Hello"));
        format!("{greeting}, {}{punctuation}", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coroutines::{Coroutine, CoroutineState};
    use std::pin::pin;

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = pin!(future);
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(value) = future.as_mut().poll(&mut context) {
                return value;
            }
        }
    }

    #[test]
    fn async_flavour_runs() {
        let mut scale = 1;
        assert_eq!(block_on(sum_words(&["1", "2", "", "9"], &mut scale)), Ok(5));
        assert_eq!(scale, 3);
        assert!(block_on(sum_words(&["x"], &mut scale)).is_err());
        let greeter = Greeter { name: "Ada".into() };
        assert_eq!(block_on(greeter.greet('!')), "Hello, Ada!");
    }

    #[test]
    fn let_chains_run() {
        let mut generator = pin!(let_chains(5));
        // Each yield is resumed with 1 + what it yielded.
        let mut yielded = Vec::new();
        let mut argument = 0;
        let total = loop {
            match generator.as_mut().resume(argument) {
                CoroutineState::Yielded(value) => {
                    yielded.push(value);
                    argument = value + 1;
                }
                CoroutineState::Complete(total) => break total,
            }
        };
        // Two rounds add 2 * 6 each; the third test stops on `rounds`; then 25 gives 250.
        assert_eq!(yielded, [5, 5, 5, 24]);
        assert_eq!(total, 24 + 250);
    }

    #[test]
    fn generator_flavour_runs() {
        let mut generator = pin!(labels("n"));
        assert_eq!(
            generator.as_mut().resume(99),
            CoroutineState::Yielded("n0".to_string())
        );
        assert_eq!(
            generator.as_mut().resume(10),
            CoroutineState::Yielded("n1".to_string())
        );
        assert_eq!(
            generator.as_mut().resume(11),
            CoroutineState::Yielded("n!".to_string())
        );
        let CoroutineState::Complete(seen) = generator.as_mut().resume(12) else {
            panic!("not complete")
        };
        assert_eq!(seen.get("n0"), Some(&10));
        assert_eq!(seen.get("n1"), Some(&11));
        assert_eq!(seen.get("n12"), Some(&0));
    }
}
