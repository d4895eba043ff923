//! The folder a run writes (`summary.json`, `summary.md`, `ops.csv`, `plots/*.png|svg`,
//! `index.html`, `trace-hash.txt`, `command.txt`), reading a run back from one, and the folder
//! `clustersim compare` writes for two runs.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use crate::comparison::Comparison;
use crate::files::{read_text, StagedDir};
use crate::html;
use crate::op_point::{ops_from_csv, ops_to_csv};
use crate::plot::{render_pair, render_run, Figure, PlotError};
use crate::run_data::RunData;
use crate::summary::{PlotFile, Summary};

/// Subfolder of a run (or comparison) folder that holds the plots.
pub const PLOTS_DIR: &str = "plots";

/// Writing or reading a report folder failed.
#[derive(Debug)]
pub enum ReportError {
    /// A file could not be read or written.
    Io(PathBuf, std::io::Error),
    /// An input file could not be read (missing, not a regular file, too large).
    Read(PathBuf, crate::files::ReadError),
    /// The files of a run folder do not belong to one run.
    Mixed(PathBuf, String),
    /// `summary.json` is not a summary.
    Json(PathBuf, serde_json::Error),
    /// `ops.csv` is malformed.
    Csv(PathBuf, crate::op_point::CsvError),
    /// A plot could not be drawn.
    Plot(PlotError),
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Io(path, e) => write!(f, "{}: {e}", path.display()),
            ReportError::Read(path, e) => write!(f, "{}: {e}", path.display()),
            ReportError::Mixed(path, why) => write!(f, "{}: the files are not from one run: {why}", path.display()),
            ReportError::Json(path, e) => write!(f, "{}: not a clustersim summary: {e}", path.display()),
            ReportError::Csv(path, e) => write!(f, "{}: {e}", path.display()),
            ReportError::Plot(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ReportError {}

impl From<PlotError> for ReportError {
    fn from(e: PlotError) -> Self {
        ReportError::Plot(e)
    }
}

/// How long the plots took.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RenderStats {
    /// Plots rendered (each as PNG and SVG).
    pub plots: usize,
    /// Wall-clock milliseconds to draw, encode and write them.
    pub render_ms: f64,
}

fn write(path: PathBuf, contents: impl AsRef<[u8]>) -> Result<(), ReportError> {
    std::fs::write(&path, contents).map_err(|e| ReportError::Io(path, e))
}

/// Most bytes read from a run's `summary.json`.
pub const SUMMARY_BYTES_MAX: u64 = 64 << 20;
/// Most bytes read from a run's `ops.csv` (some 30 bytes an operation).
pub const OPS_CSV_BYTES_MAX: u64 = 1 << 30;

fn read(path: PathBuf, max_bytes: u64) -> Result<String, ReportError> {
    read_text(&path, max_bytes).map_err(|e| ReportError::Read(path, e))
}

fn create_dir(path: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(path).map_err(|e| ReportError::Io(path.to_path_buf(), e))
}

/// Writes `figures` into `dir/plots/` (a fresh folder) and lists them.
fn write_figures(dir: &Path, figures: &[Figure]) -> Result<Vec<PlotFile>, ReportError> {
    let plots_dir = dir.join(PLOTS_DIR);
    create_dir(&plots_dir)?;
    let mut files = vec![];
    for f in figures {
        let name = f.kind.name();
        write(plots_dir.join(format!("{name}.png")), &f.png)?;
        write(plots_dir.join(format!("{name}.svg")), &f.svg)?;
        files.push(PlotFile {
            name: name.to_string(),
            title: f.kind.title().to_string(),
            png: format!("{PLOTS_DIR}/{name}.png"),
            svg: format!("{PLOTS_DIR}/{name}.svg"),
        });
    }
    Ok(files)
}

/// The file only a run folder holds: an existing folder with it may be replaced by a new run.
pub const RUN_FOLDER_MARKER: &str = "summary.json";
/// The file only a comparison folder holds.
pub const COMPARE_FOLDER_MARKER: &str = "comparison.txt";

/// Starts writing the folder `dir` beside it (see [`StagedDir`]).
fn staged(dir: &Path, marker: &str) -> Result<StagedDir, ReportError> {
    StagedDir::new(dir, marker).map_err(|e| ReportError::Io(dir.to_path_buf(), e))
}

/// Puts a written folder in place of `dir`.
fn commit(staged: StagedDir, dir: &Path) -> Result<(), ReportError> {
    staged.commit().map_err(|e| ReportError::Io(dir.to_path_buf(), e))
}

/// Writes the whole run folder `dir` for `run`, rendering its plots first and recording them
/// (and the time they took) in `run.summary`. When a plot cannot be drawn, every other file is
/// still written and the plot error is returned.
///
/// The folder is written beside `dir` and renamed into place whole, replacing an old run
/// folder whole: `dir` is always a complete run, never half of one or a mix of two.
pub fn write_run_folder(dir: &Path, run: &mut RunData) -> Result<RenderStats, ReportError> {
    let staged = staged(dir, RUN_FOLDER_MARKER)?;
    let result = write_run_files(staged.path(), run)?;
    commit(staged, dir)?;
    result
}

/// Writes every file of a run folder into `dir`; the outer error stops the write, the inner
/// one is a plot that could not be drawn.
fn write_run_files(dir: &Path, run: &mut RunData) -> Result<Result<RenderStats, ReportError>, ReportError> {
    let started = Instant::now();
    let (figures, plot_error) = match render_run(run) {
        Ok(figures) => (figures, None),
        Err(e) => (vec![], Some(e)),
    };
    let plots = write_figures(dir, &figures)?;
    let render_ms = started.elapsed().as_secs_f64() * 1000.0;
    run.summary.plots = plots;
    run.summary.render_ms = render_ms;
    let s = &run.summary;
    let json = serde_json::to_string_pretty(s).map_err(|e| ReportError::Json(dir.join("summary.json"), e))?;
    write(dir.join("summary.json"), json + "\n")?;
    write(dir.join("summary.md"), s.to_markdown())?;
    write(dir.join("ops.csv"), ops_to_csv(&run.ops))?;
    write(dir.join("trace-hash.txt"), format!("{}\n", s.trace_hash))?;
    write(dir.join("command.txt"), format!("{}\n", s.replay))?;
    write(dir.join("index.html"), html::run_page(s))?;
    Ok(match plot_error {
        Some(e) => Err(e.into()),
        None => Ok(RenderStats { plots: figures.len(), render_ms }),
    })
}

/// Reads a run back from its folder (`summary.json` and `ops.csv`), refusing a folder whose
/// `summary.json` and `trace-hash.txt` name different traces, as folders written in place by
/// older versions could when a run was killed half-way.
pub fn read_run_folder(dir: &Path) -> Result<RunData, ReportError> {
    let path = dir.join("summary.json");
    let text = read(path.clone(), SUMMARY_BYTES_MAX)?;
    let summary: Summary = serde_json::from_str(&text).map_err(|e| ReportError::Json(path, e))?;
    let path = dir.join("ops.csv");
    let ops = ops_from_csv(&read(path.clone(), OPS_CSV_BYTES_MAX)?).map_err(|e| ReportError::Csv(path, e))?;
    let hash_file = dir.join("trace-hash.txt");
    if hash_file.exists() {
        let hash = read(hash_file, 1_024)?;
        if hash.trim() != summary.trace_hash {
            let why = format!("summary.json has trace hash {}, trace-hash.txt {}", summary.trace_hash, hash.trim());
            return Err(ReportError::Mixed(dir.to_path_buf(), why));
        }
    }
    Ok(RunData { summary, ops })
}

/// Where `clustersim compare` writes by default, under `root`:
/// `compare/<scenario>-seed-<a>--<scenario>-seed-<b>`.
pub fn default_compare_dir(root: &Path, a: &Summary, b: &Summary) -> PathBuf {
    root.join("compare").join(format!("{}-seed-{}--{}-seed-{}", a.scenario, a.seed, b.scenario, b.seed))
}

/// Compares run A (read from folder `a_dir`) with run B: writes `out/index.html`,
/// `out/comparison.txt` and the side-by-side plots into `out`, and returns the comparison.
pub fn write_compare_folder(
    out: &Path,
    (run_a, a_dir): (&RunData, &Path),
    (run_b, b_dir): (&RunData, &Path),
) -> Result<(Comparison, RenderStats), ReportError> {
    let staged = staged(out, COMPARE_FOLDER_MARKER)?;
    let comparison = Comparison::of(&run_a.summary, &run_b.summary);
    let started = Instant::now();
    let figures = render_pair(run_a, run_b)?;
    let plots = write_figures(staged.path(), &figures)?;
    let stats = RenderStats { plots: figures.len(), render_ms: started.elapsed().as_secs_f64() * 1000.0 };
    // Links are relative to where the folder ends up, not to where it is written.
    let (rel_a, rel_b) = (relative(out, a_dir), relative(out, b_dir));
    let page = html::compare_page(&comparison, &run_a.summary, &run_b.summary, &rel_a, &rel_b, &plots);
    write(staged.path().join("index.html"), page)?;
    write(staged.path().join("comparison.txt"), comparison.to_text())?;
    commit(staged, out)?;
    Ok((comparison, stats))
}

/// The path of `to` as seen from folder `from` (`../seed-3`), so links work from disk; `to`
/// as given when the two share no root.
pub fn relative(from: &Path, to: &Path) -> String {
    let absolute = |p: &Path| std::path::absolute(p).map(|p| normalize(&p)).unwrap_or_else(|_| p.to_path_buf());
    let (from, to_abs) = (absolute(from), absolute(to));
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = to_abs.components().collect();
    let common = f.iter().zip(&t).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return to.display().to_string();
    }
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(t[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// Removes `.` and folds `..` in an absolute path without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_to_the_common_folder() {
        assert_eq!(relative(Path::new("/t/c/compare/x"), Path::new("/t/c/run/seed-2")), "../../run/seed-2");
        assert_eq!(relative(Path::new("/t/a"), Path::new("/t/a/b")), "b");
        assert_eq!(relative(Path::new("/t/a"), Path::new("/t/a")), ".");
        assert_eq!(relative(Path::new("/t/./a/../b"), Path::new("/t/c")), "../c");
    }
}
