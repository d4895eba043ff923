//! The embedded font every plot is drawn with, so that rendering needs no system fonts and
//! gives the same pixels on every machine.

use std::sync::Once;

use plotters::style::{register_font, FontStyle};

/// Font family name the plots ask for; it is the embedded DejaVu Sans.
pub const FAMILY: &str = "sans-serif";

/// Registers DejaVu Sans (regular and bold) under [`FAMILY`]; idempotent and thread-safe.
pub fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Both fonts are compiled in: failing to parse them is a build defect, not an input error.
        let regular = register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular()).is_ok();
        let bold = register_font(FAMILY, FontStyle::Bold, dejavu::sans::bold()).is_ok();
        assert!(regular && bold, "the embedded DejaVu Sans font did not load");
    });
}
