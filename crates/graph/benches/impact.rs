//! Criterion benches for the impact engine.
fn main() {}
