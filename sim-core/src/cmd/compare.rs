//! `clustersim compare`: two run folders side by side, key figures and plots on shared scales.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::console::say;
use crate::outcome::{clustersim_dir, EXIT_BAD_INPUT, EXIT_OK};

/// Arguments of `compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Run folder A (as written by `run`: summary.json and ops.csv).
    #[arg(value_name = "RUN_A")]
    pub a: PathBuf,
    /// Run folder B.
    #[arg(value_name = "RUN_B")]
    pub b: PathBuf,
    /// Folder for the comparison (default: target/clustersim/compare/<A>--<B>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `clustersim compare`: writes the comparison folder; returns the process exit code.
pub fn command(args: &CompareArgs) -> i32 {
    let load = |dir: &Path| {
        reports::read_run_folder(dir).map_err(|e| eprintln!("error: cannot read run folder {}: {e}", dir.display()))
    };
    let (Ok(a), Ok(b)) = (load(&args.a), load(&args.b)) else {
        return EXIT_BAD_INPUT;
    };
    let out =
        args.out.clone().unwrap_or_else(|| reports::default_compare_dir(&clustersim_dir(), &a.summary, &b.summary));
    if let Err(e) = reports::files::check_out_dir(&out, reports::COMPARE_FOLDER_MARKER) {
        eprintln!("error: --out: {e}");
        return EXIT_BAD_INPUT;
    }
    match reports::write_compare_folder(&out, (&a, &args.a), (&b, &args.b)) {
        Ok((comparison, stats)) => {
            say!("compare: A = {}, B = {}", args.a.display(), args.b.display());
            say!("{}", comparison.to_text().trim_end());
            say!("rendered {} plots in {:.0} ms", stats.plots, stats.render_ms);
            say!("report: {}", out.join("index.html").display());
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: cannot write the comparison to {}: {e}", out.display());
            EXIT_BAD_INPUT
        }
    }
}
