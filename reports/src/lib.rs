//! Reports for clustersim runs: the run summary (`summary.json`, `summary.md`, the terminal
//! table), the plots (PNG and SVG), `index.html`, `ops.csv`, and side-by-side comparisons of
//! two run folders. Knows nothing of madsim: it renders plain data the simulator hands over.

pub mod capacity;
pub mod capacity_comparison;
pub mod comparison;
pub mod fault_window;
pub mod files;
pub mod font;
pub mod html;
pub mod marks;
pub mod migrations;
pub mod node_stats;
pub mod op_point;
pub mod placement;
pub mod plot;
pub mod run_data;
pub mod run_folder;
pub mod spread;
pub mod staleness;
pub mod summary;
pub mod timeline;
pub mod window;
pub mod zones;

pub use comparison::Comparison;
pub use fault_window::FaultWindow;
pub use marks::{BoundMark, ViolationMark};
pub use migrations::MigrationSummary;
pub use op_point::{OpKind, OpPoint, Outcome};
pub use placement::{PlacementSpan, PlacementSummary, ShardPlacement, VoterSet, VotersSummary};
pub use plot::{render_pair, render_run, Figure, PlotError, PlotKind};
pub use run_data::RunData;
pub use run_folder::{
    default_compare_dir, read_run_folder, write_compare_folder, write_run_folder, RenderStats, ReportError,
    COMPARE_FOLDER_MARKER, RUN_FOLDER_MARKER,
};
pub use spread::LoadSpread;
pub use staleness::{LevelStaleness, ProbeRow, Staleness, TBucket};
pub use summary::{
    ControlSummary, FaultSummary, LeaderSpan, LevelStats, NetSummary, PlotFile, Summary, VerdictSummary, WindowSummary,
};
pub use timeline::{Interval, Lane, Timeline};
