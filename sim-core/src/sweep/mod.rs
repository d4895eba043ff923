//! Sweeps: many seeds of one or more scenarios, run in parallel, and their results as a table,
//! `sweep.json` and JUnit XML. The `sweep`, `merge`, `corpus` and `bench` commands share this.

pub mod jobs;
pub mod keep;
pub mod page;
pub mod report;
