//! Files in and out, with limits. Inputs are read only from regular files and only up to a
//! size limit (a FIFO would block forever, `/dev/zero` would fill memory). Outputs are written
//! beside their target under a staging name and renamed into place whole, so a reader, or a
//! writer killed half-way, never sees a half-written file or a folder mixing two runs.
//!
//! Renaming is atomic against a crash of the process, not against a power cut (nothing is
//! synced to disk): a report is an artefact that can be produced again from its seed.

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why an input file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The path names something other than a regular file (a folder, a FIFO, a device).
    NotRegular(&'static str),
    /// The file holds more than the limit, in bytes.
    TooLarge(u64),
    /// The file system said no (or the text is not UTF-8).
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotRegular(kind) => write!(f, "cannot read the file: it is {kind}, not a regular file"),
            ReadError::TooLarge(max) => write!(f, "the file is larger than {max} bytes, the most read from it"),
            ReadError::Io(e) => write!(f, "cannot read the file: {e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// What a path that is not a regular file is, for messages.
fn kind_of(meta: &fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Reads the regular file at `path` as UTF-8 text of at most `max_bytes` bytes.
///
/// Folders, FIFOs and devices are refused before they are opened (opening a FIFO blocks until
/// a writer comes), and at most `max_bytes + 1` bytes are read, so a file that grows while it
/// is read cannot make us read more.
pub fn read_text(path: &Path, max_bytes: u64) -> Result<String, ReadError> {
    let meta = fs::metadata(path).map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta)));
    }
    if meta.len() > max_bytes {
        return Err(ReadError::TooLarge(max_bytes));
    }
    let file = fs::File::open(path).map_err(ReadError::Io)?;
    // The path may have been swapped for something else since it was checked.
    let opened = file.metadata().map_err(ReadError::Io)?;
    if !opened.is_file() {
        return Err(ReadError::NotRegular(kind_of(&opened)));
    }
    let mut bytes = Vec::with_capacity(opened.len().min(max_bytes) as usize);
    file.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(ReadError::TooLarge(max_bytes));
    }
    String::from_utf8(bytes).map_err(|e| ReadError::Io(io::Error::new(io::ErrorKind::InvalidData, e)))
}

/// The folder `path` sits in (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(path: &Path) -> io::Result<String> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))
}

/// Staging names: `.<name>.partial-<pid>-<n>`, unique within this process.
fn staging_path(target: &Path) -> io::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = file_name(target)?;
    Ok(parent_of(target).join(format!(".{name}.partial-{}-{n}", std::process::id())))
}

/// Removes what writers of `target` that were killed left behind: staging files or folders
/// whose process is gone. Only where `/proc` says which processes live; elsewhere they stay.
fn remove_leftovers(target: &Path) {
    let (Ok(name), parent) = (file_name(target), parent_of(target)) else { return };
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{name}.partial-");
    let Ok(entries) = fs::read_dir(&parent) else { return };
    for entry in entries.flatten() {
        let entry_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = entry_name.strip_prefix(&prefix) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let path = entry.path();
        let _ = if path.is_dir() { fs::remove_dir_all(&path) } else { fs::remove_file(&path) };
    }
}

/// Creates `target`'s folder and checks that a staging entry can be made in it.
fn check_parent(target: &Path) -> Result<(), String> {
    let parent = parent_of(target);
    fs::create_dir_all(&parent).map_err(|e| format!("cannot create the folder {}: {e}", parent.display()))?;
    let probe = staging_path(target).map_err(|e| e.to_string())?;
    fs::create_dir(&probe).map_err(|e| format!("cannot write in {}: {e}", parent.display()))?;
    fs::remove_dir(&probe).map_err(|e| format!("cannot write in {}: {e}", parent.display()))
}

/// Checks, before any work, that a report folder can be written at `target`: it is absent, or a
/// folder that is empty or holds `marker` (a file only a folder of this kind has), and its
/// parent can be written. Another existing folder is refused rather than replaced whole.
pub fn check_out_dir(target: &Path, marker: &str) -> Result<(), String> {
    match fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{}: {e}", target.display())),
        Ok(meta) if !meta.is_dir() => {
            return Err(format!("{} is {}, not a folder", target.display(), article(kind_of(&meta))))
        }
        Ok(_) => {
            let mut entries = fs::read_dir(target).map_err(|e| format!("{}: {e}", target.display()))?;
            if entries.next().is_some() && !target.join(marker).is_file() {
                return Err(format!(
                    "{} is a folder with other files in it (no {marker}): it would be replaced whole, so choose an empty or new folder",
                    target.display()
                ));
            }
        }
    }
    check_parent(target)
}

fn article(kind: &'static str) -> &'static str {
    if kind == "not a regular file" {
        "a file"
    } else {
        kind
    }
}

/// Checks, before any work, that a file can be written at `target`: it is absent or a regular
/// file, and its folder can be written.
pub fn check_out_file(target: &Path) -> Result<(), String> {
    match fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{}: {e}", target.display())),
        Ok(meta) if meta.is_file() => {}
        Ok(meta) => return Err(format!("{} is {}, not a regular file", target.display(), kind_of(&meta))),
    }
    check_parent(target)
}

/// Writes `target` whole: `write` fills a staging file beside it, which then replaces `target`
/// by a rename. On any error the staging file is removed and `target` is untouched.
pub fn write_file_with(target: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    remove_leftovers(target);
    let staging = staging_path(target)?;
    let result = (|| {
        let mut out = io::BufWriter::new(fs::File::create(&staging)?);
        write(&mut out)?;
        out.flush()?;
        fs::rename(&staging, target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&staging);
    }
    result
}

/// Writes `contents` to `target` whole (see [`write_file_with`]).
pub fn write_file(target: &Path, contents: impl AsRef<[u8]>) -> io::Result<()> {
    write_file_with(target, |out| out.write_all(contents.as_ref()))
}

/// A folder being written: its files go into a staging folder beside the target, and
/// [`StagedDir::commit`] puts it in the target's place whole (replacing an old folder whole).
/// Dropped without a commit, the staging folder is removed and the target is untouched.
#[derive(Debug)]
pub struct StagedDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl StagedDir {
    /// Starts writing the folder `target`; `marker` is the file that shows an existing folder
    /// may be replaced (see [`check_out_dir`]).
    pub fn new(target: &Path, marker: &str) -> io::Result<StagedDir> {
        check_out_dir(target, marker).map_err(io::Error::other)?;
        remove_leftovers(target);
        let staging = staging_path(target)?;
        fs::create_dir(&staging)?;
        Ok(StagedDir { target: target.to_path_buf(), staging, committed: false })
    }

    /// The staging folder to write into.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Puts the staging folder in the target's place. An old folder is swapped out in one
    /// step where the system can (Linux's `RENAME_EXCHANGE`), so the target is always either
    /// the old folder or the new one, then removed.
    pub fn commit(mut self) -> io::Result<()> {
        match fs::symlink_metadata(&self.target) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => fs::rename(&self.staging, &self.target)?,
            Err(e) => return Err(e),
            Ok(_) => {
                swap(&self.staging, &self.target)?;
                // The staging path now holds the old folder.
                let _ = fs::remove_dir_all(&self.staging);
            }
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Exchanges the entries at `a` and `b` in one step.
#[cfg(target_os = "linux")]
fn swap(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        // A file system without RENAME_EXCHANGE: fall back to two renames.
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => swap_in_two_steps(a, b),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn swap(a: &Path, b: &Path) -> io::Result<()> {
    swap_in_two_steps(a, b)
}

/// Moves `b` aside, `a` to `b`, and the old `b` to `a`. Killed between the first two renames,
/// no folder is at `b`; the old one waits at a staging name beside it.
fn swap_in_two_steps(a: &Path, b: &Path) -> io::Result<()> {
    let aside = staging_path(b)?;
    fs::rename(b, &aside)?;
    if let Err(e) = fs::rename(a, b) {
        let _ = fs::rename(&aside, b);
        return Err(e);
    }
    fs::rename(&aside, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("clustersim-files-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn inputs_are_read_up_to_their_limit_from_regular_files_only() {
        let dir = temp("read");
        let file = dir.join("a.txt");
        fs::write(&file, "hello").expect("write");
        assert_eq!(read_text(&file, 5).expect("fits"), "hello");
        assert!(matches!(read_text(&file, 4), Err(ReadError::TooLarge(4))));
        assert!(matches!(read_text(&dir, 100), Err(ReadError::NotRegular("a folder"))));
        assert!(matches!(read_text(Path::new("/dev/zero"), 100), Err(ReadError::NotRegular("a device"))));
        assert!(matches!(read_text(&dir.join("missing"), 100), Err(ReadError::Io(_))));
        fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_staged_folder_replaces_the_old_one_whole_or_not_at_all() {
        let dir = temp("staged");
        let target = dir.join("run");
        fs::create_dir_all(&target).expect("old folder");
        fs::write(target.join("summary.json"), "old").expect("old file");
        fs::write(target.join("only-old.txt"), "old").expect("old file");
        {
            let staged = StagedDir::new(&target, "summary.json").expect("starts");
            fs::write(staged.path().join("summary.json"), "new").expect("new file");
            // Dropped without a commit: nothing changes.
        }
        assert_eq!(fs::read_to_string(target.join("summary.json")).expect("old"), "old");
        let staged = StagedDir::new(&target, "summary.json").expect("starts");
        fs::write(staged.path().join("summary.json"), "new").expect("new file");
        staged.commit().expect("commits");
        assert_eq!(fs::read_to_string(target.join("summary.json")).expect("new"), "new");
        assert!(!target.join("only-old.txt").exists(), "the old folder is replaced whole");
        let names: Vec<String> =
            fs::read_dir(&dir).expect("dir").flatten().map(|e| e.file_name().to_string_lossy().into()).collect();
        assert_eq!(names, ["run"], "no staging folder is left beside it");
        fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn outputs_that_cannot_be_written_are_refused_before_any_work() {
        let dir = temp("check");
        let file = dir.join("a-file");
        fs::write(&file, "x").expect("write");
        assert!(check_out_dir(&file, "summary.json").unwrap_err().contains("not a folder"));
        assert!(check_out_dir(&file.join("below"), "summary.json").is_err(), "a file cannot hold a folder");
        assert!(check_out_file(&dir).unwrap_err().contains("a folder"));
        assert!(check_out_file(&file.join("below.txt")).is_err());
        let other = dir.join("other");
        fs::create_dir_all(&other).expect("folder");
        fs::write(other.join("notes.txt"), "mine").expect("write");
        assert!(check_out_dir(&other, "summary.json").unwrap_err().contains("other files"));
        assert!(check_out_dir(&dir.join("new/deeper"), "summary.json").is_ok());
        assert!(check_out_file(&dir.join("x/trace.jsonl")).is_ok());
        fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn files_are_replaced_whole_and_leftovers_of_dead_writers_removed() {
        let dir = temp("file");
        let target = dir.join("out.txt");
        fs::write(&target, "old").expect("write");
        let failed = write_file_with(&target, |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("killed"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read_to_string(&target).expect("old"), "old");
        // A staging file of a process that no longer runs (no pid reaches 999999999).
        let stale = dir.join(".out.txt.partial-999999999-0");
        fs::write(&stale, "half").expect("write");
        write_file(&target, "new").expect("writes");
        assert_eq!(fs::read_to_string(&target).expect("new"), "new");
        assert!(!stale.exists(), "the dead writer's leftover is gone");
        fs::remove_dir_all(&dir).ok();
    }
}
