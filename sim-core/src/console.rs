//! Printing for commands: a line to stdout that ignores a closed pipe.

/// Prints a line to stdout, ignoring a closed pipe (`clustersim ... | head` must not panic).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub(crate) use say;
