//! Shared pieces of the benchmark programs: latency figures, Markdown tables, test certificates, store engines, servers and load generators.
//!
//! The programs themselves live in `src/bin/`; `BENCHMARKS.md` at the
//! repository root explains how to run and read them.

/// The allocator of the `callouts` executable, so the figures are those of
/// what ships; see the `jemalloc` feature.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The allocator the programs were built with, for the printed conditions.
pub const ALLOCATOR_NAME: &str = if cfg!(feature = "jemalloc") {
    "jemalloc (tikv-jemallocator)"
} else {
    "system malloc"
};

pub mod ceiling;
pub mod certificates;
pub mod client;
pub mod engine;
pub mod fixtures;
pub mod latency;
pub mod load;
pub mod machine;
pub mod servers;
pub mod table;
