//! PEP 380 delegation with values sent in: a delegating generator passes every `send` through to
//! the generator it delegates to, and gets that generator's return value back.
//!
//! ```python
//! def averager():
//!     total, count, average = 0.0, 0, None
//!     while True:
//!         term = yield average
//!         if term is None:
//!             return (count, average)
//!         total += term
//!         count += 1
//!         average = total / count
//!
//! def grouper(results, key):
//!     results[key] = yield from averager()
//! ```

use coroutines::{Coroutine, CoroutineState};
use std::collections::BTreeMap;
use std::pin::pin;

#[coroutines::coroutine(yield = Option<f64>, resume = Option<f64>)]
pub fn averager() -> (u32, Option<f64>) {
    let (mut total, mut count, mut average) = (0.0, 0, None);
    loop {
        let Some(term) = yield_!(average) else {
            return (count, average);
        };
        total += term;
        count += 1;
        average = Some(total / f64::from(count));
    }
}

#[coroutines::coroutine(yield = Option<f64>, resume = Option<f64>)]
pub fn grouper(key: &'static str) -> (&'static str, (u32, Option<f64>)) {
    let summary = yield_from!(averager());
    (key, summary)
}

fn main() {
    let data = [
        ("girls;kg", vec![40.9, 38.5, 44.3]),
        ("boys;m", vec![1.38, 1.5, 1.32]),
    ];
    let mut results = BTreeMap::new();
    for (key, values) in data {
        let mut group = pin!(grouper(key));
        // Prime it (Python: next(group)); the value passed here is dropped.
        group.as_mut().resume(None);
        for value in values {
            group.as_mut().resume(Some(value));
        }
        if let CoroutineState::Complete((key, summary)) = group.as_mut().resume(None) {
            results.insert(key, summary);
        }
    }
    for (key, (count, average)) in results {
        let (group, unit) = key.split_once(';').unwrap_or((key, ""));
        println!(
            "{count:2} {group:5} averaging {:.2}{unit}",
            average.unwrap_or_default()
        );
    }
}
