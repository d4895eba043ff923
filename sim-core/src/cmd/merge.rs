//! `clustersim merge`: the `sweep.json` files of several sweeps (for example shards) combined
//! into one result, printed and written like a sweep's.

use std::path::PathBuf;

use clap::Args;

use crate::outcome::{default_dir, EXIT_BAD_INPUT};
use crate::sweep::report::{self, finish};

/// Arguments of `merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// `sweep.json` files written by sweeps (for example one per shard).
    #[arg(required = true, value_name = "JSON")]
    pub inputs: Vec<PathBuf>,
    /// Folder for the merged sweep.json and junit.xml (default: target/clustersim/sweep-merged).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replay commands listed per scenario before the table says "and N more".
    #[arg(long, default_value_t = 10)]
    pub show: usize,
}

/// `clustersim merge`: returns the process exit code.
pub fn command(args: &MergeArgs) -> i32 {
    let mut reports = Vec::with_capacity(args.inputs.len());
    for input in &args.inputs {
        match report::read(input) {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("error: {}: {e}", input.display());
                return EXIT_BAD_INPUT;
            }
        }
    }
    let dir = args.out.clone().unwrap_or_else(|| default_dir("sweep-merged"));
    if let Err(e) = reports::files::check_out_dir(&dir, report::RESULTS_MARKER) {
        eprintln!("error: --out: {e}");
        return EXIT_BAD_INPUT;
    }
    match report::merge(reports) {
        Ok(report) => {
            println!("clustersim merge: {} sweep result(s)", args.inputs.len());
            finish(&report, &dir, args.show, &|staged| {
                std::fs::write(staged.join("index.html"), crate::sweep::page::sweep_page(&report))
            })
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_BAD_INPUT
        }
    }
}
