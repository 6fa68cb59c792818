//! Moving files between the output, its staging folder and the previous output set aside: carrying
//! over the files briefing did not write, the swap, and clearing what a build (or a crashed one) left.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::diagnostics::Diagnostic;

use super::manifest;
use super::target::OutputDir;

/// Puts every entry of the current output that briefing did not write (not in `owned`) at the same
/// place in `staging`: files as hard links (copies where a link cannot be made), symlinks recreated
/// as symlinks, never followed. One that sits where the new build wrote something is an error, and
/// nothing is replaced.
pub fn carry_over(output: &OutputDir, staging: &Path, owned: &BTreeSet<PathBuf>) -> Vec<Diagnostic> {
    let owned_folders = folders_holding(owned);
    let mut problems = Vec::new();
    let mut walk = WalkDir::new(&output.real).min_depth(1).sort_by_file_name().into_iter();
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().and_then(|p| p.strip_prefix(&output.real).ok()).map(Path::to_path_buf);
                problems.push(cannot_keep(output, &path.unwrap_or_default(), &io::Error::from(err)));
                continue;
            }
        };
        let rel = entry.path().strip_prefix(&output.real).unwrap_or(entry.path());
        let is_folder = entry.file_type().is_dir();
        if (is_folder && owned_folders.contains(rel)) || (!is_folder && owned.contains(rel)) {
            continue;
        }
        if let Some(taken) = blocked_at(staging, rel, is_folder) {
            problems.push(collision(output, rel, &taken, is_folder));
            if is_folder {
                walk.skip_current_dir();
            }
            continue;
        }
        if let Err(err) = place(entry.path(), &staging.join(rel), entry.file_type()) {
            problems.push(cannot_keep(output, rel, &err));
            if is_folder {
                walk.skip_current_dir();
            }
        }
    }
    problems
}

/// Every folder that holds one of `files` (relative paths), at any depth.
fn folders_holding(files: &BTreeSet<PathBuf>) -> BTreeSet<PathBuf> {
    files
        .iter()
        .flat_map(|file| file.ancestors().skip(1))
        .filter(|folder| !folder.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .collect()
}

/// Where the new build already has something in the way of `rel`: at `rel` itself (anything, unless
/// both are folders), or a file at one of its parent folders.
fn blocked_at(staging: &Path, rel: &Path, is_folder: bool) -> Option<PathBuf> {
    if let Ok(there) = fs::symlink_metadata(staging.join(rel)) {
        return (!(is_folder && there.is_dir())).then(|| rel.to_path_buf());
    }
    let mut parents: Vec<&Path> = rel.ancestors().skip(1).filter(|p| !p.as_os_str().is_empty()).collect();
    parents.reverse();
    parents
        .into_iter()
        .find(|parent| fs::symlink_metadata(staging.join(parent)).is_ok_and(|m| !m.is_dir()))
        .map(Path::to_path_buf)
}

/// Recreates one entry at `to`, where nothing is in its way: nothing there yet, or, for a folder, a
/// folder the new build made (then both are merged, and the entries inside are carried one by one).
fn place(from: &Path, to: &Path, file_type: fs::FileType) -> io::Result<()> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    if file_type.is_dir() {
        if fs::symlink_metadata(to).is_ok_and(|there| there.is_dir()) {
            return Ok(());
        }
        fs::create_dir(to)?;
        return fs::set_permissions(to, fs::metadata(from)?.permissions());
    }
    if file_type.is_symlink() {
        return symlink_like(from, to);
    }
    match fs::hard_link(from, to) {
        Ok(()) => Ok(()),
        Err(_) if file_type.is_file() => fs::copy(from, to).map(|_| ()),
        Err(err) => Err(err),
    }
}

#[cfg(unix)]
fn symlink_like(from: &Path, to: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(fs::read_link(from)?, to)
}

#[cfg(not(unix))]
fn symlink_like(from: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::other(format!("cannot recreate the symbolic link `{}` on this system", from.display())))
}

fn collision(output: &OutputDir, rel: &Path, taken: &Path, is_folder: bool) -> Diagnostic {
    let what = if is_folder { "this folder was not made by briefing" } else { "this file was not written by briefing" };
    let message = if taken == rel {
        format!("{what}, and the new build writes a file at the same path")
    } else {
        format!("{what}, and the new build writes a file at `{}`, which holds it", output.show(taken).display())
    };
    Diagnostic::error(output.show(rel), None, message)
        .with_help("briefing never replaces what it did not write: move or rename it, then build again")
}

fn cannot_keep(output: &OutputDir, rel: &Path, err: &io::Error) -> Diagnostic {
    Diagnostic::error(output.show(rel), None, format!("cannot carry this over into the new output: {err}"))
        .with_help("briefing keeps every file it did not write, so it stopped")
}

/// How a swap ended when it did not succeed.
#[derive(Debug)]
pub enum SwapFailure {
    /// Nothing moved: the previous output is where and as it was.
    Untouched(io::Error),
    /// The previous output was set aside and could not be put back: it is at this path.
    SetAside(io::Error, PathBuf),
}

/// Renames `staging` to the output. An existing output is first renamed aside, to the returned path
/// (`None` when there was none); if the second rename fails it is renamed back.
pub fn swap_in(staging: &Path, output: &OutputDir) -> Result<Option<PathBuf>, SwapFailure> {
    let real = &output.real;
    let previous = match fs::symlink_metadata(real) {
        Ok(meta) => Some(meta),
        Err(err) if err.kind() == io::ErrorKind::NotFound => None,
        Err(err) => return Err(SwapFailure::Untouched(err)),
    };
    let Some(previous) = previous else {
        return fs::rename(staging, real).map(|()| None).map_err(SwapFailure::Untouched);
    };
    fs::set_permissions(staging, previous.permissions()).map_err(SwapFailure::Untouched)?;
    let aside = output.sibling(&format!("old-{}", std::process::id()));
    fs::rename(real, &aside).map_err(SwapFailure::Untouched)?;
    if let Err(err) = fs::rename(staging, real) {
        return match fs::rename(&aside, real) {
            Ok(()) => Err(SwapFailure::Untouched(err)),
            Err(_) => Err(SwapFailure::SetAside(err, aside)),
        };
    }
    Ok(Some(aside))
}

/// Empties the previous output set aside by a swap: the files briefing wrote (its manifest's) and the
/// ones carried over are deleted; a file that appeared in it during the build is moved into the new
/// output, unless the new build wrote that path. Returns what could not be cleared (normally nothing).
pub fn clear_previous(
    aside: &Path,
    output: &Path,
    owned: &BTreeSet<PathBuf>,
    written: &BTreeSet<PathBuf>,
) -> Vec<PathBuf> {
    for rel in delete_known(aside, output, owned) {
        let (from, to) = (aside.join(&rel), output.join(&rel));
        if !written.contains(&rel) && fs::symlink_metadata(&to).is_ok_and(|m| !m.is_dir()) {
            // A carried-over file that was replaced during the build: the newer one wins.
            let _ = fs::remove_file(&to);
        }
        if fs::symlink_metadata(&to).is_err() {
            let _ = to.parent().map(fs::create_dir_all);
            let _ = fs::rename(&from, &to);
        }
    }
    remove_empty_folders(aside)
}

/// Deletes from `aside` the entries that are safe to delete: listed in `owned`, holding only such
/// entries, or also in `output` (the same file, or one with the same bytes). Returns the others,
/// deepest first.
fn delete_known(aside: &Path, output: &Path, owned: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
    let owned_folders = folders_holding(owned);
    let mut unknown = Vec::new();
    for entry in WalkDir::new(aside).min_depth(1).contents_first(true).into_iter().filter_map(Result::ok) {
        let rel = entry.path().strip_prefix(aside).unwrap_or(entry.path()).to_path_buf();
        let there = output.join(&rel);
        let known = if entry.file_type().is_dir() {
            owned_folders.contains(&rel) || fs::symlink_metadata(&there).is_ok_and(|m| m.is_dir())
        } else {
            owned.contains(&rel) || is_same(entry.path(), &there)
        };
        if !known {
            unknown.push(rel);
        } else if entry.file_type().is_dir() {
            let _ = fs::remove_dir(entry.path());
        } else {
            let _ = fs::remove_file(entry.path());
        }
    }
    unknown
}

/// Whether `copy` is `original` carried over: the same file (a hard link), a symlink to the same
/// place, or a regular file with the same bytes.
fn is_same(original: &Path, copy: &Path) -> bool {
    let (Ok(a), Ok(b)) = (fs::symlink_metadata(original), fs::symlink_metadata(copy)) else { return false };
    if same_inode(&a, &b) {
        return true;
    }
    if a.is_symlink() && b.is_symlink() {
        return fs::read_link(original).ok() == fs::read_link(copy).ok();
    }
    a.is_file() && b.is_file() && a.len() == b.len() && fs::read(original).ok() == fs::read(copy).ok()
}

#[cfg(unix)]
fn same_inode(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_inode(_: &fs::Metadata, _: &fs::Metadata) -> bool {
    false
}

/// Removes the folders under `dir` (and `dir`) that are empty; returns the files still there.
fn remove_empty_folders(dir: &Path) -> Vec<PathBuf> {
    let mut left = Vec::new();
    for entry in WalkDir::new(dir).contents_first(true).into_iter().filter_map(Result::ok) {
        if entry.file_type().is_dir() {
            let _ = fs::remove_dir(entry.path());
        } else {
            left.push(entry.path().strip_prefix(dir).unwrap_or(entry.path()).to_path_buf());
        }
    }
    left.sort();
    left
}

/// Clears what a crashed build left beside the output: `.NAME.staging-<digits>` folders are deleted;
/// a `.NAME.old-<digits>` (the previous output set aside) is put back if the output is missing, or
/// else emptied of what is safe to delete. Run under the lock, so no other build is using them.
pub fn clear_crash_leftovers(output: &OutputDir) -> Result<Vec<Diagnostic>, Diagnostic> {
    let fail = |err: io::Error| {
        Diagnostic::error(output.parent(), None, format!("cannot list the folder holding the output: {err}"))
            .with_help("check that it is readable")
    };
    let mut staging = Vec::new();
    let mut aside = Vec::new();
    for entry in fs::read_dir(output.parent()).map_err(fail)? {
        let entry = entry.map_err(fail)?;
        match leftover_kind(&output.name(), &entry.file_name().to_string_lossy()) {
            Some(Leftover::Staging) => staging.push(entry.path()),
            Some(Leftover::SetAside) => aside.push(entry.path()),
            None => {}
        }
    }
    for dir in staging {
        let removed = match fs::symlink_metadata(&dir) {
            Ok(meta) if meta.is_dir() => fs::remove_dir_all(&dir),
            _ => fs::remove_file(&dir),
        };
        removed.map_err(|err| cannot_clear(&dir, &err))?;
    }
    let mut notes = Vec::new();
    if fs::symlink_metadata(&output.real).is_err() {
        // Only a folder that a manifest marks as briefing's output is moved back into place.
        aside.sort_by_key(|dir| fs::symlink_metadata(dir).and_then(|m| m.modified()).ok());
        if let Some(at) = aside.iter().rposition(|dir| manifest::read(dir).is_ok_and(|m| m.is_some())) {
            let newest = aside.remove(at);
            fs::rename(&newest, &output.real).map_err(|err| cannot_clear(&newest, &err))?;
            notes.push(Diagnostic::warning(
                &output.shown,
                None,
                format!("put back the previous output from `{}`, where an interrupted build left it", newest.display()),
            ));
        }
    }
    for dir in aside {
        let owned = manifest::read(&dir).ok().flatten().unwrap_or_default();
        delete_known(&dir, &output.real, &owned);
        let left = remove_empty_folders(&dir);
        if let Some(first) = left.first() {
            notes.push(
                Diagnostic::warning(
                    &dir,
                    None,
                    format!(
                        "an interrupted build left this copy of an earlier output, and it holds {} file(s) briefing did not write, such as `{}`",
                        left.len(),
                        first.display()
                    ),
                )
                .with_help("move what you want to keep, then delete the folder"),
            );
        }
    }
    Ok(notes)
}

fn cannot_clear(path: &Path, err: &io::Error) -> Diagnostic {
    Diagnostic::error(path, None, format!("cannot clear what an interrupted build left here: {err}"))
        .with_help("remove or rename it yourself, then build again")
}

#[derive(Debug, PartialEq, Eq)]
enum Leftover {
    Staging,
    SetAside,
}

/// `.NAME.staging-<digits>` or `.NAME.old-<digits>`, exactly; any other name is not ours.
fn leftover_kind(output_name: &str, name: &str) -> Option<Leftover> {
    let rest = name.strip_prefix('.')?.strip_prefix(output_name)?.strip_prefix('.')?;
    let (kind, digits) = if let Some(digits) = rest.strip_prefix("staging-") {
        (Leftover::Staging, digits)
    } else {
        (Leftover::SetAside, rest.strip_prefix("old-")?)
    };
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(paths: &[&str]) -> BTreeSet<PathBuf> {
        paths.iter().map(PathBuf::from).collect()
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    #[test]
    fn only_exact_leftover_names_are_recognised() {
        assert_eq!(leftover_kind("public", ".public.staging-123"), Some(Leftover::Staging));
        assert_eq!(leftover_kind("public", ".public.old-7"), Some(Leftover::SetAside));
        for other in [
            ".public.staging-",
            ".public.staging-12a",
            ".public.old-1 ",
            "public.old-1",
            ".publicx.old-1",
            ".public.lock",
            ".other.old-1",
            ".public.staging-1/..",
        ] {
            assert_eq!(leftover_kind("public", other), None, "{other}");
        }
    }

    #[test]
    fn folders_holding_lists_every_ancestor_once() {
        assert_eq!(folders_holding(&files(&["a/b/c.html", "a/d.html", "e.html"])), files(&["a", "a/b"]));
    }

    #[test]
    fn foreign_files_are_linked_and_links_recreated_but_owned_ones_are_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let output = OutputDir { shown: PathBuf::from("out"), real: dir.path().join("out") };
        let staging = dir.path().join("staging");
        write(&output.real.join("index.html"), "old page");
        write(&output.real.join("CNAME"), "example.org");
        write(&output.real.join("notes/mine.txt"), "mine");
        write(&output.real.join("quotes/mine.txt"), "mine too");
        std::os::unix::fs::symlink("CNAME", output.real.join("alias")).expect("symlink");
        write(&staging.join("index.html"), "new page");
        write(&staging.join("quotes/a.html"), "a quote");
        let problems = carry_over(&output, &staging, &files(&["index.html"]));
        assert_eq!(problems, vec![]);
        assert_eq!(fs::read_to_string(staging.join("index.html")).expect("read"), "new page");
        assert!(same_inode(
            &fs::metadata(output.real.join("CNAME")).expect("meta"),
            &fs::metadata(staging.join("CNAME")).expect("meta")
        ));
        assert_eq!(fs::read_to_string(staging.join("notes/mine.txt")).expect("read"), "mine");
        assert_eq!(fs::read_to_string(staging.join("quotes/mine.txt")).expect("read"), "mine too");
        assert_eq!(fs::read_to_string(staging.join("quotes/a.html")).expect("read"), "a quote");
        assert_eq!(fs::read_link(staging.join("alias")).expect("link"), Path::new("CNAME"));
    }

    #[test]
    fn a_foreign_file_where_the_build_writes_is_a_collision() {
        let dir = tempfile::tempdir().expect("temp dir");
        let output = OutputDir { shown: PathBuf::from("out"), real: dir.path().join("out") };
        let staging = dir.path().join("staging");
        write(&output.real.join("index.html"), "hand-written");
        write(&output.real.join("quotes/mine.txt"), "mine");
        write(&staging.join("index.html"), "generated");
        write(&staging.join("quotes"), "a file where the old output had a folder");
        let problems = carry_over(&output, &staging, &files(&[]));
        let messages: Vec<_> = problems.iter().map(|d| (d.file.clone(), d.message.clone())).collect();
        assert_eq!(
            messages,
            vec![
                (
                    PathBuf::from("out/index.html"),
                    "this file was not written by briefing, and the new build writes a file at the same path".into()
                ),
                (
                    PathBuf::from("out/quotes"),
                    "this folder was not made by briefing, and the new build writes a file at the same path".into()
                ),
            ]
        );
        assert_eq!(fs::read_to_string(staging.join("index.html")).expect("read"), "generated");
    }

    #[test]
    fn clearing_the_previous_output_keeps_what_appeared_during_the_build() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (aside, output) = (dir.path().join("aside"), dir.path().join("out"));
        write(&aside.join("index.html"), "old page");
        write(&aside.join("gone/page.html"), "stale page");
        write(&aside.join("CNAME"), "example.org");
        fs::create_dir_all(&output).expect("mkdir");
        fs::hard_link(aside.join("CNAME"), output.join("CNAME")).expect("link");
        write(&output.join("index.html"), "new page");
        write(&aside.join("late/arrival.txt"), "dropped in while building");
        write(&aside.join("index.html.bak"), "also new");
        let left = clear_previous(&aside, &output, &files(&["index.html", "gone/page.html"]), &files(&["index.html"]));
        assert_eq!(left, Vec::<PathBuf>::new());
        assert!(!aside.exists());
        assert_eq!(fs::read_to_string(output.join("late/arrival.txt")).expect("moved"), "dropped in while building");
        assert_eq!(fs::read_to_string(output.join("index.html.bak")).expect("moved"), "also new");
        assert_eq!(fs::read_to_string(output.join("CNAME")).expect("kept"), "example.org");
        assert!(!output.join("gone").exists());
    }

    #[test]
    fn a_swap_whose_second_rename_fails_puts_the_previous_output_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let output = OutputDir { shown: PathBuf::from("out"), real: dir.path().join("out") };
        write(&output.real.join("index.html"), "previous");
        // A staging folder inside the output is gone once the output is set aside, so the second
        // rename fails after the first one succeeded.
        write(&output.real.join("inner/new.html"), "new");
        let failed = swap_in(&output.real.join("inner"), &output);
        assert!(
            matches!(&failed, Err(SwapFailure::Untouched(err)) if err.kind() == io::ErrorKind::NotFound),
            "{failed:?}"
        );
        assert_eq!(fs::read_to_string(output.real.join("index.html")).expect("back"), "previous");
        let names: Vec<_> = fs::read_dir(dir.path()).expect("list").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out")]);
    }

    #[test]
    fn a_crash_between_the_two_renames_is_undone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let output = OutputDir { shown: PathBuf::from("out"), real: dir.path().join("out") };
        write(&dir.path().join(".out.old-41/index.html"), "previous");
        write(&dir.path().join(".out.old-41/.briefing-manifest"), &manifest::format(&files(&["index.html"])));
        write(&dir.path().join(".out.staging-41/index.html"), "half-built");
        let notes = clear_crash_leftovers(&output).expect("cleared");
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(fs::read_to_string(output.real.join("index.html")).expect("restored"), "previous");
        let names: Vec<_> = fs::read_dir(dir.path()).expect("list").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out")]);
    }

    #[test]
    fn a_set_aside_folder_without_a_manifest_is_never_moved_or_emptied() {
        let dir = tempfile::tempdir().expect("temp dir");
        let output = OutputDir { shown: PathBuf::from("out"), real: dir.path().join("out") };
        write(&dir.path().join(".out.old-3/mine.txt"), "not briefing's");
        let notes = clear_crash_leftovers(&output).expect("cleared");
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].message.contains("holds 1 file(s) briefing did not write, such as `mine.txt`"), "{notes:?}");
        assert!(!output.real.exists());
        assert_eq!(fs::read_to_string(dir.path().join(".out.old-3/mine.txt")).expect("kept"), "not briefing's");
    }
}
