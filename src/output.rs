//! Output: fingerprints assets, writes every file into a staging folder beside the output, then
//! swaps it in. A build that fails at any point leaves the previous output exactly as it was.

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::diagnostics::Diagnostic;
use crate::load::{StaticFile, normalize_path};

/// A file to write, at a root-relative path with `/` separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Static files ready to write, and the map from each asset's name to its fingerprinted name.
#[derive(Debug, Default)]
pub struct Assets {
    pub files: Vec<OutputFile>,
    /// `briefing.css` → `briefing.3f9a0c21.css`; every static file has an entry.
    pub urls: BTreeMap<String, String>,
    /// Output path → the file it was copied from (`static/logo.svg`), for diagnostics.
    pub origins: BTreeMap<String, PathBuf>,
}

/// Stylesheets and scripts get a content hash in their name so hosts can cache them forever;
/// everything else keeps its name.
pub fn fingerprint(statics: impl IntoIterator<Item = StaticFile>) -> Assets {
    let mut assets = Assets::default();
    for StaticFile { name, bytes, file } in statics {
        let path = match name.rsplit_once('.') {
            Some((stem, ext @ ("css" | "js"))) => {
                let hash = blake3::hash(&bytes).to_hex();
                format!("{stem}.{}.{ext}", &hash[..10])
            }
            _ => name.clone(),
        };
        assets.urls.insert(name, path.clone());
        assets.origins.insert(path.clone(), file);
        assets.files.push(OutputFile { path, bytes });
    }
    assets
}

/// Where rendered files go as they are produced.
pub trait Sink: Sync {
    fn put(&self, file: OutputFile) -> Result<(), Diagnostic>;
}

/// Keeps files in memory (for `check`, tests, and anything that inspects the output).
#[derive(Debug, Default)]
pub struct MemorySink(Mutex<Vec<OutputFile>>);

impl MemorySink {
    /// The files, sorted by path.
    pub fn into_files(self) -> Vec<OutputFile> {
        let mut files = self.0.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }
}

impl Sink for MemorySink {
    fn put(&self, file: OutputFile) -> Result<(), Diagnostic> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(file);
        Ok(())
    }
}

/// A staging folder beside the output: files are written into it as they are rendered, and it
/// replaces the output only on `commit`. Dropped without a commit, it deletes itself, so a failed
/// build leaves the previous output exactly as it was.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    output: PathBuf,
    made_dirs: Mutex<HashSet<PathBuf>>,
    committed: bool,
}

impl Staging {
    pub fn create(output: &Path) -> Result<Self, Diagnostic> {
        let dir = sibling(output, "staging")?;
        let made = (|| {
            if dir.exists() {
                std::fs::remove_dir_all(&dir)?;
            }
            std::fs::create_dir_all(&dir)
        })();
        made.map_err(|err| write_error(output, &err))?;
        Ok(Self { dir, output: output.to_path_buf(), made_dirs: Mutex::new(HashSet::new()), committed: false })
    }

    /// Swaps the staged files in as the output.
    pub fn commit(mut self) -> Result<(), Diagnostic> {
        swap_in(&self.dir, &self.output).map_err(|err| write_error(&self.output, &err))?;
        self.committed = true;
        Ok(())
    }

    fn ensure_dir(&self, dir: &Path) -> io::Result<()> {
        let mut made = self.made_dirs.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if made.insert(dir.to_path_buf()) {
            std::fs::create_dir_all(dir)?;
        }
        Ok(())
    }
}

impl Sink for Staging {
    fn put(&self, file: OutputFile) -> Result<(), Diagnostic> {
        let path = self.dir.join(&file.path);
        let written = (|| {
            if let Some(parent) = path.parent() {
                self.ensure_dir(parent)?;
            }
            std::fs::write(&path, &file.bytes)
        })();
        written.map_err(|err| write_error(&self.output, &err))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Refuses an output folder whose replacement would destroy the site itself: the site root, a folder
/// above it, or its `content/`, `templates/`, `static/` or `sources/` (or anything inside them).
pub fn check_output_dir(root: &Path, output: &Path) -> Result<(), Diagnostic> {
    let absolute = |p: &Path| normalize_path(&std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()));
    let (root, out) = (absolute(root), absolute(output));
    let protected = ["content", "templates", "static", "sources"].map(|dir| root.join(dir));
    let clash = root.starts_with(&out) || protected.iter().any(|dir| out.starts_with(dir));
    if clash {
        return Err(Diagnostic::error(
            output,
            None,
            "refusing to build into this folder: it would replace the site's own files",
        )
        .with_help("the output folder is replaced on every build; choose a separate folder such as `public`"));
    }
    Ok(())
}

fn write_error(output: &Path, err: &io::Error) -> Diagnostic {
    Diagnostic::error(output, None, format!("cannot write the output: {err}")).with_help(
        "check that the output folder's parent exists and is writable; the previous output was left as it was",
    )
}

/// A fresh path next to `output` (same file system, so renames are atomic).
fn sibling(output: &Path, purpose: &str) -> Result<PathBuf, Diagnostic> {
    let name = output.file_name().map(|n| n.to_string_lossy().into_owned()).ok_or_else(|| {
        Diagnostic::error(output, None, "the output path has no folder name")
            .with_help("pass a folder, e.g. `-o public`")
    })?;
    let parent = output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Ok(parent.join(format!(".{name}.{purpose}-{}", std::process::id())))
}

/// Moves the old output aside, the staged one in, then deletes the old one. If the second rename
/// fails, the old output is put back.
fn swap_in(staging: &Path, output: &Path) -> io::Result<()> {
    if !output.exists() {
        return std::fs::rename(staging, output);
    }
    let old = sibling(output, "old").map_err(|d| io::Error::other(d.message))?;
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    std::fs::rename(output, &old)?;
    if let Err(err) = std::fs::rename(staging, output) {
        std::fs::rename(&old, output)?;
        return Err(err);
    }
    std::fs::remove_dir_all(&old)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile { path: path.to_string(), bytes: text.as_bytes().to_vec() }
    }

    #[test]
    fn the_site_itself_is_never_an_output_folder() {
        let root = Path::new("/tmp/site");
        assert!(check_output_dir(root, Path::new("/tmp/site/public")).is_ok());
        assert!(check_output_dir(root, Path::new("/tmp/elsewhere")).is_ok());
        for bad in [
            "/tmp/site",
            "/tmp",
            "/tmp/site/content",
            "/tmp/site/static/x",
            "/tmp/site/./templates",
            "/tmp/site/public/../content",
        ] {
            assert!(check_output_dir(root, Path::new(bad)).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn css_and_js_get_content_hashes() {
        let file = |name: &str, bytes: &[u8]| StaticFile {
            name: name.to_string(),
            bytes: bytes.to_vec(),
            file: PathBuf::from("static").join(name),
        };
        let assets = fingerprint([file("briefing.css", b"body{}"), file("img/logo.svg", b"<svg/>")]);
        let css = &assets.urls["briefing.css"];
        assert!(css.starts_with("briefing.") && css.ends_with(".css") && css.len() == "briefing..css".len() + 10);
        assert_eq!(assets.urls["img/logo.svg"], "img/logo.svg");
    }

    #[test]
    fn writing_replaces_the_whole_output() {
        let dir = std::env::temp_dir().join(format!("briefing-output-test-{}", std::process::id()));
        let output = dir.join("public");
        std::fs::create_dir_all(output.join("stale")).expect("mkdir");
        std::fs::write(output.join("stale/old.html"), "old").expect("write");
        let staging = Staging::create(&output).expect("staging");
        for new in [file("index.html", "new"), file("quotes/a.html", "a")] {
            staging.put(new).expect("put");
        }
        staging.commit().expect("commit");
        assert_eq!(std::fs::read_to_string(output.join("index.html")).expect("read"), "new");
        assert!(!output.join("stale").exists());
        let leftovers: Vec<_> = std::fs::read_dir(&dir).expect("list").collect();
        assert_eq!(leftovers.len(), 1, "staging and old folders are cleaned up");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
