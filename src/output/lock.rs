//! An exclusive lock beside the output folder (`.NAME.lock`), held for a whole build and swap, so two
//! builds into one folder take turns; the lock file is removed when it is released.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostic;

use super::target::OutputDir;

/// Held while a build writes into and swaps its output folder; dropping it removes the lock file.
#[derive(Debug)]
pub struct OutputLock {
    file: File,
    path: PathBuf,
}

impl OutputLock {
    /// Takes the lock, calling `on_wait` once if another build holds it and then waiting for it.
    ///
    /// A holder removes the lock file just before it lets go, so a waiter may be granted a lock on a
    /// file that no longer has a name; it then sees that the path names another file (or none) and
    /// tries again, so at most one build ever holds the lock that the path names.
    pub fn acquire(output: &OutputDir, on_wait: &mut dyn FnMut()) -> Result<Self, Diagnostic> {
        let path = output.sibling("lock");
        let fail = |err: io::Error| {
            Diagnostic::error(&path, None, format!("cannot lock the output folder: {err}")).with_help(format!(
                "briefing locks `{}` while it writes it; check that its parent folder is writable",
                output.shown.display()
            ))
        };
        let mut waited = false;
        loop {
            let file = open_lock_file(&path).map_err(fail)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    if !waited {
                        on_wait();
                        waited = true;
                    }
                    file.lock().map_err(fail)?;
                }
                Err(TryLockError::Error(err)) => return Err(fail(err)),
            }
            if names_file(&path, &file) {
                return Ok(Self { file, path });
            }
        }
    }
}

impl Drop for OutputLock {
    /// Removes the lock file while still holding the lock; closing the file then releases it.
    fn drop(&mut self) {
        if names_file(&self.path, &self.file) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Opens (creating if need be) the lock file, refusing to follow a link or to take over a file that
/// is not an empty one, which briefing's lock files always are.
fn open_lock_file(path: &Path) -> io::Result<File> {
    match fs::symlink_metadata(path) {
        Ok(meta) if !meta.is_file() || meta.len() != 0 => {
            return Err(io::Error::other("this path holds something that is not briefing's lock (an empty file)"));
        }
        _ => {}
    }
    OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path)
}

/// Whether `path` still names the open `file`.
fn names_file(path: &Path, file: &File) -> bool {
    match (fs::symlink_metadata(path), file.metadata()) {
        (Ok(named), Ok(open)) => same_file(&named, &open),
        _ => false,
    }
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Without inode numbers, trust the name; an open file cannot be removed there anyway, so the lock
/// file stays and the name always names the locked file.
#[cfg(not(unix))]
fn same_file(_: &fs::Metadata, _: &fs::Metadata) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output_in(dir: &Path) -> OutputDir {
        OutputDir { shown: PathBuf::from("public"), real: dir.join("public") }
    }

    #[test]
    fn the_lock_file_exists_only_while_held() {
        let dir = tempfile::tempdir().expect("temp dir");
        let output = output_in(dir.path());
        let lock = OutputLock::acquire(&output, &mut || panic!("nobody else holds it")).expect("lock");
        assert!(dir.path().join(".public.lock").is_file());
        drop(lock);
        assert!(!dir.path().join(".public.lock").exists());
    }

    #[test]
    fn a_second_build_waits_and_says_so_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let output = output_in(dir.path());
        let first = OutputLock::acquire(&output, &mut || panic!("free")).expect("lock");
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let output = output.clone();
            std::thread::spawn(move || {
                let mut waits = 0;
                let lock = OutputLock::acquire(&output, &mut || {
                    waits += 1;
                    tx.send(()).expect("send");
                });
                (lock.is_ok(), waits)
            })
        };
        rx.recv().expect("the waiter reports that it waits");
        drop(first);
        let (locked, waits) = waiter.join().expect("join");
        assert!(locked);
        assert_eq!(waits, 1);
        assert!(!dir.path().join(".public.lock").exists(), "the waiter removed the lock file when done");
    }

    #[test]
    fn a_lock_on_a_file_that_lost_its_name_is_not_trusted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(".public.lock");
        let orphan = open_lock_file(&path).expect("open");
        assert!(names_file(&path, &orphan));
        fs::remove_file(&path).expect("remove");
        assert!(!names_file(&path, &orphan));
        fs::write(&path, "").expect("a new file under the name");
        assert!(!names_file(&path, &orphan));
    }

    #[test]
    fn a_lock_path_holding_something_else_is_refused_and_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let output = output_in(dir.path());
        fs::write(dir.path().join(".public.lock"), "not a lock").expect("write");
        let refused = OutputLock::acquire(&output, &mut || {}).expect_err("refused");
        assert!(refused.message.starts_with("cannot lock the output folder: "), "{}", refused.message);
        assert_eq!(fs::read_to_string(dir.path().join(".public.lock")).expect("kept"), "not a lock");
    }
}
