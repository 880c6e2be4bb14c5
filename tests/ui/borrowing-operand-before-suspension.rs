fn count(items: std::slice::Iter<'_, String>, extra: usize) -> usize {
    items.count() + extra
}

#[coroutines::coroutine(yield = usize)]
fn fill(seed: u32) -> usize {
    let cell = std::cell::RefCell::new(vec![seed]);
    cell.borrow_mut().push(yield_!(1) as u32);
    let words = vec![String::from("a")];
    let n = count(words.iter(), yield_!(2));
    let total: usize = words.iter().map(|w| w.len()).chain([yield_!(3)]).sum();
    n + total + cell.borrow().len()
}

fn main() {}
