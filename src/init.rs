//! `briefing init`: writes a new briefing that builds with no errors or warnings — settings, a front
//! page, one section using every kind of annotation, one record of each kind, a source, a README.

use std::path::{Path, PathBuf};

/// The files of a new briefing, by path relative to its folder (`src/init/` in this crate).
pub const FILES: [(&str, &str); 6] = [
    ("site.toml", include_str!("init/site.toml")),
    ("README.md", include_str!("init/README.md")),
    ("content/_index.md", include_str!("init/content/_index.md")),
    ("content/story.md", include_str!("init/content/story.md")),
    ("content/records.toml", include_str!("init/content/records.toml")),
    ("sources/article.txt", include_str!("init/sources/article.txt")),
];

/// Why a briefing could not be started in a folder.
#[derive(Debug)]
pub enum InitError {
    /// The folder holds files already: nothing was changed.
    NotEmpty { dir: PathBuf, entries: Vec<String> },
    /// The path exists and is not a folder.
    NotAFolder(PathBuf),
    /// Creating a folder or writing a file failed (what was written so far is removed).
    Io { path: PathBuf, error: std::io::Error },
}

impl std::fmt::Display for InitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InitError::NotEmpty { dir, entries } => {
                let shown: Vec<&str> = entries.iter().take(5).map(String::as_str).collect();
                let more = if entries.len() > shown.len() { ", …" } else { "" };
                write!(
                    f,
                    "error: `{}` is not empty (it holds {}{more}); nothing was changed\nhelp: start the briefing in a new or empty folder: `briefing init my-briefing`",
                    dir.display(),
                    shown.join(", ")
                )
            }
            InitError::NotAFolder(path) => {
                write!(f, "error: `{}` exists and is not a folder; nothing was changed", path.display())
            }
            InitError::Io { path, error } => write!(f, "error: cannot write `{}`: {error}", path.display()),
        }
    }
}

/// Writes a new briefing into `dir`, which must be missing or empty. On a write error, the files
/// and folders this call made are removed again.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, InitError> {
    let existed = dir.exists();
    if existed {
        if !dir.is_dir() {
            return Err(InitError::NotAFolder(dir.to_path_buf()));
        }
        let read = std::fs::read_dir(dir).map_err(|error| InitError::Io { path: dir.to_path_buf(), error })?;
        let mut entries: Vec<String> =
            read.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        if !entries.is_empty() {
            entries.sort();
            return Err(InitError::NotEmpty { dir: dir.to_path_buf(), entries });
        }
    }
    let written = write_files(dir);
    if written.is_err() {
        undo(dir, existed);
    }
    written
}

fn write_files(dir: &Path) -> Result<Vec<PathBuf>, InitError> {
    let mut written = Vec::with_capacity(FILES.len());
    for (name, text) in FILES {
        let path = dir.join(name);
        let io = |error| InitError::Io { path: path.clone(), error };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&path, text).map_err(io)?;
        written.push(path);
    }
    Ok(written)
}

/// Removes what `write_files` made: the files and the folders they needed (the folder itself only
/// if this call made it). The folder was empty before, so nothing else is removed.
fn undo(dir: &Path, existed: bool) {
    if existed {
        for (name, _) in FILES {
            let _ = std::fs::remove_file(dir.join(name));
        }
        for folder in ["content", "sources"] {
            let _ = std::fs::remove_dir(dir.join(folder));
        }
    } else {
        let _ = std::fs::remove_dir_all(dir);
    }
}
