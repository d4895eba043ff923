//! `clustersim bugs`: lists the planted bugs (`--bug NAME`), what each breaks, and whether this
//! build can plant them.

use clap::Args;
use nodes::bugs::{PLANTABLE, PLANTED};

use crate::outcome::EXIT_OK;

/// Arguments of `bugs` (none).
#[derive(Args, Debug)]
pub struct BugsArgs {}

/// `clustersim bugs`: prints one line per planted bug; returns the process exit code.
pub fn command(_args: &BugsArgs) -> i32 {
    print!("{}", listing(PLANTABLE));
    EXIT_OK
}

/// The listing: a header saying whether `plantable`, then `NAME  WHAT IT BREAKS` a line.
fn listing(plantable: bool) -> String {
    let width = PLANTED.iter().map(|p| p.name.len()).max().unwrap_or(0);
    let mut out = if plantable {
        "# planted bugs: this build can plant them (`clustersim --bug NAME ...`)\n".to_string()
    } else {
        "# planted bugs: not in this build; build with `--features clustersim-nodes/planted-bugs` to plant them\n"
            .to_string()
    };
    for p in &PLANTED {
        out.push_str(&format!("{:width$}  {}\n", p.name, p.breaks));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listing_names_every_bug_and_says_whether_it_can_be_planted() {
        let yes = listing(true);
        assert!(yes.starts_with("# planted bugs: this build can plant them"), "{yes}");
        let width = PLANTED.iter().map(|p| p.name.len()).max().unwrap_or(0);
        let line = format!("\n{:width$}  writes acknowledged after W-1 replicas\n", "early-ack");
        assert!(yes.contains(&line), "{yes}");
        assert_eq!(yes.lines().filter(|l| !l.starts_with('#')).count(), PLANTED.len());
        assert!(listing(false).contains("not in this build"));
    }
}
