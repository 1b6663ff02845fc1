//! Shared pieces of the benchmark programs: latency figures, Markdown tables, test certificates, servers and load generators.
//!
//! The programs themselves live in `src/bin/`; `BENCHMARKS.md` at the
//! repository root explains how to run and read them.

pub mod certificates;
pub mod ceiling;
pub mod client;
pub mod fixtures;
pub mod latency;
pub mod load;
pub mod machine;
pub mod servers;
pub mod table;
