//! The output folder as named on the command line and as it really is on disk (symlinks resolved),
//! and the checks made before anything is touched: a folder (or nothing yet), and not over the site.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostic;
use crate::load::normalize_path;

/// The site's own folders: an output inside one of them (or holding one) is refused.
const SITE_FOLDERS: [&str; 4] = ["content", "templates", "static", "sources"];

/// The output folder: `shown` as the user wrote it (every message names it so), `real` with every
/// symbolic link resolved (every file operation uses it, so a link to a folder stays a link).
#[derive(Debug, Clone)]
pub struct OutputDir {
    pub shown: PathBuf,
    pub real: PathBuf,
}

impl OutputDir {
    /// Resolves `output` and refuses, before touching anything, a target that is not a folder or
    /// whose replacement could reach the site's own files (through symlinks too).
    pub fn resolve(root: &Path, output: &Path) -> Result<Self, Diagnostic> {
        let real = real_path(output)?;
        refuse_site_folders(root, output, &real)?;
        Ok(Self { shown: output.to_path_buf(), real })
    }

    /// The folder holding the output. `resolve` refuses `/`, so there always is one.
    pub fn parent(&self) -> &Path {
        self.real.parent().unwrap_or(Path::new("/"))
    }

    /// `.NAME.suffix` beside the output: on the same file system, so renames between them are atomic.
    pub fn sibling(&self, suffix: &str) -> PathBuf {
        self.parent().join(format!(".{}.{suffix}", self.name()))
    }

    /// The output folder's own name.
    pub fn name(&self) -> String {
        self.real.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
    }

    /// A path inside the output, as the user would write it (`docs/thesis.txt`).
    pub fn show(&self, rel: &Path) -> PathBuf {
        self.shown.join(rel)
    }
}

/// Refuses anything at the output path that is not a folder; what is not there yet is fine.
pub fn refuse_non_folder(shown: &Path, path: &Path) -> Result<(), Diagnostic> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(meta) => Err(not_a_folder(shown, kind_of(&meta.file_type()))),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(cannot_use(shown, &err)),
    }
}

/// The output with every symlink resolved. A path that does not exist yet is its nearest existing
/// ancestor, canonicalised, with the rest appended (that rest holds no links: it does not exist).
fn real_path(output: &Path) -> Result<PathBuf, Diagnostic> {
    let canonical = |path: &Path| fs::canonicalize(path).map_err(|err| cannot_use(output, &err));
    match fs::symlink_metadata(output) {
        Ok(meta) if meta.is_dir() => canonical(output),
        Ok(meta) if meta.is_symlink() => match fs::metadata(output) {
            Ok(target) if target.is_dir() => canonical(output),
            Ok(target) => Err(not_a_folder(output, &format!("a symbolic link to {}", kind_of(&target.file_type())))),
            Err(_) => Err(Diagnostic::error(output, None, "the output is a symbolic link to nothing")
                .with_help("point the link at a folder, or pass another folder with `-o`")),
        },
        Ok(meta) => Err(not_a_folder(output, kind_of(&meta.file_type()))),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            let absolute = std::path::absolute(output).map_err(|err| cannot_use(output, &err))?;
            let existing =
                absolute.ancestors().find(|ancestor| fs::symlink_metadata(ancestor).is_ok()).unwrap_or(Path::new("/"));
            let rest = absolute.strip_prefix(existing).unwrap_or(Path::new(""));
            // `existing` is canonical, so none of its parts is a link and `..` can be resolved by text.
            Ok(normalize_path(&canonical(existing)?.join(rest)))
        }
        Err(err) => Err(cannot_use(output, &err)),
    }
}

/// Refuses an output that is the site root, holds it, is inside one of its source folders, or holds
/// one of them: each compared with every symlink resolved.
fn refuse_site_folders(root: &Path, shown: &Path, real: &Path) -> Result<(), Diagnostic> {
    let resolve = |path: PathBuf| fs::canonicalize(&path).unwrap_or_else(|_| normalize_path(&path));
    let root = resolve(std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()));
    let reason = if real == root {
        Some("it is the site folder itself".to_string())
    } else if root.starts_with(real) {
        Some("it holds the site folder".to_string())
    } else {
        SITE_FOLDERS.iter().find_map(|name| {
            let folder = resolve(root.join(name));
            if real.starts_with(&folder) {
                Some(format!("it is inside the site's `{name}/` folder"))
            } else if folder.starts_with(real) {
                Some(format!("it holds the site's `{name}/` folder"))
            } else {
                None
            }
        })
    };
    let Some(reason) = reason else { return Ok(()) };
    let written = normalize_path(&std::path::absolute(shown).unwrap_or_else(|_| shown.to_path_buf()));
    let through_links =
        if written == real { String::new() } else { format!(" (through symbolic links, it is `{}`)", real.display()) };
    Err(Diagnostic::error(shown, None, format!("refusing to build into this folder: {reason}{through_links}"))
        .with_help("choose a folder of its own for the output, such as `public` in the site folder"))
}

fn not_a_folder(shown: &Path, kind: &str) -> Diagnostic {
    Diagnostic::error(shown, None, format!("the output must be a folder, but this is {kind}"))
        .with_help("pass a new or empty folder with `-o`, or a previous output of briefing")
}

fn cannot_use(shown: &Path, err: &io::Error) -> Diagnostic {
    Diagnostic::error(shown, None, format!("cannot use this path as the output folder: {err}"))
        .with_help("pass a folder you can write to with `-o`")
}

/// What a file system entry is, in words.
pub fn kind_of(file_type: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_file() {
        "a file"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in ["site/content", "site/templates", "elsewhere"] {
            fs::create_dir_all(dir.path().join(name)).expect("mkdir");
        }
        dir
    }

    #[test]
    fn folders_beside_or_below_the_site_are_accepted() {
        let dir = site();
        let root = dir.path().join("site");
        for ok in ["site/public", "elsewhere", "elsewhere/new/deeper", "site/public/../out"] {
            let resolved = OutputDir::resolve(&root, &dir.path().join(ok));
            assert!(resolved.is_ok(), "{ok} was refused: {resolved:?}");
        }
    }

    #[test]
    fn the_site_and_its_source_folders_are_refused_however_they_are_written() {
        let dir = site();
        let root = dir.path().join("site");
        std::os::unix::fs::symlink(&root, dir.path().join("link")).expect("symlink");
        for (bad, reason) in [
            ("site", "it is the site folder itself"),
            ("", "it holds the site folder"),
            ("site/content", "it is inside the site's `content/` folder"),
            ("site/static/not-yet/x", "it is inside the site's `static/` folder"),
            ("site/./templates", "it is inside the site's `templates/` folder"),
            ("site/public/../content", "it is inside the site's `content/` folder"),
            ("link/content", "it is inside the site's `content/` folder"),
            ("link/sources/new", "it is inside the site's `sources/` folder"),
            ("link", "it is the site folder itself"),
        ] {
            let refused = OutputDir::resolve(&root, &dir.path().join(bad)).expect_err(bad);
            assert!(refused.message.starts_with("refusing to build into this folder: "), "{bad}: {refused:?}");
            assert!(refused.message.contains(reason), "{bad}: {}", refused.message);
        }
    }

    #[test]
    fn a_source_folder_that_is_a_link_elsewhere_is_protected_where_it_points() {
        let dir = site();
        let root = dir.path().join("site");
        fs::create_dir_all(dir.path().join("shared/static")).expect("mkdir");
        std::os::unix::fs::symlink(dir.path().join("shared/static"), root.join("static")).expect("symlink");
        let refused = OutputDir::resolve(&root, &dir.path().join("shared/static/out")).expect_err("refused");
        assert!(refused.message.contains("inside the site's `static/` folder"), "{}", refused.message);
        let refused = OutputDir::resolve(&root, &dir.path().join("shared")).expect_err("refused");
        assert!(refused.message.contains("it holds the site's `static/` folder"), "{}", refused.message);
    }

    #[test]
    fn a_link_to_a_folder_is_resolved_and_a_new_path_keeps_its_written_tail() {
        let dir = site();
        let root = dir.path().join("site");
        let real_elsewhere = fs::canonicalize(dir.path().join("elsewhere")).expect("canonical");
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), dir.path().join("out")).expect("symlink");
        let resolved = OutputDir::resolve(&root, &dir.path().join("out")).expect("accepted");
        assert_eq!(resolved.real, real_elsewhere);
        assert_eq!(resolved.shown, dir.path().join("out"));
        let fresh = OutputDir::resolve(&root, &dir.path().join("out/a/../b")).expect("accepted");
        assert_eq!(fresh.real, real_elsewhere.join("b"));
        assert_eq!(fresh.sibling("lock"), real_elsewhere.join(".b.lock"));
    }

    #[test]
    fn files_links_to_files_and_dangling_links_are_not_folders() {
        let dir = site();
        let root = dir.path().join("site");
        fs::write(dir.path().join("notes.txt"), "mine").expect("write");
        std::os::unix::fs::symlink(dir.path().join("notes.txt"), dir.path().join("to-notes")).expect("symlink");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), dir.path().join("dangling")).expect("symlink");
        let message = |name: &str| OutputDir::resolve(&root, &dir.path().join(name)).expect_err(name).message;
        assert_eq!(message("notes.txt"), "the output must be a folder, but this is a file");
        assert_eq!(message("to-notes"), "the output must be a folder, but this is a symbolic link to a file");
        assert_eq!(message("dangling"), "the output is a symbolic link to nothing");
        assert!(message("notes.txt/out").starts_with("cannot use this path as the output folder: "));
    }
}
