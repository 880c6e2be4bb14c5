//! `difftest fuzz` (placeholder).

pub struct FuzzOpts {
    pub seed: u64,
    pub count: u64,
    pub per_file: u64,
}

pub fn fuzz(o: &FuzzOpts) -> Result<(), String> {
    Err(format!("todo {} {} {}", o.seed, o.count, o.per_file))
}
