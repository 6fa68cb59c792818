//! Output: fingerprints assets and writes a build into its folder (staged, then swapped in whole).
//! A failed build leaves the previous output exactly as it was; files briefing did not write are kept.

mod lock;
pub mod manifest;
mod target;
mod tree;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::diagnostics::Diagnostic;
use crate::load::StaticFile;
use lock::OutputLock;
pub use target::OutputDir;
use tree::SwapFailure;

/// A file to write, at a root-relative path with `/` separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    /// Shared, so a build's files and the cache of the next build hold one copy.
    pub bytes: std::sync::Arc<[u8]>,
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
        assets.files.push(OutputFile { path, bytes: bytes.into() });
    }
    assets
}

/// Where rendered files go as they are produced.
pub trait Sink: Sync {
    fn put(&self, file: OutputFile) -> Result<(), Diagnostic>;
}

/// Passes files on to another sink, noting the hash of each one's bytes by path.
pub struct Hashing<'s> {
    inner: &'s dyn Sink,
    hashes: Mutex<BTreeMap<String, blake3::Hash>>,
}

impl<'s> Hashing<'s> {
    pub fn new(inner: &'s dyn Sink) -> Self {
        Self { inner, hashes: Mutex::new(BTreeMap::new()) }
    }

    /// Every path put so far with its hash.
    pub fn hashes(&self) -> BTreeMap<String, blake3::Hash> {
        self.hashes.lock().map(|hashes| hashes.clone()).unwrap_or_default()
    }
}

impl Sink for Hashing<'_> {
    fn put(&self, file: OutputFile) -> Result<(), Diagnostic> {
        let hash = blake3::hash(&file.bytes);
        if let Ok(mut hashes) = self.hashes.lock() {
            hashes.insert(file.path.clone(), hash);
        }
        self.inner.put(file)
    }
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

/// A build's output, written safely. While it is open, an exclusive lock beside the output keeps any
/// other build into the same folder waiting. Files are written into a staging folder beside the
/// output as they are rendered; `commit` carries over every file briefing did not write, records what
/// it wrote in the manifest, and swaps the staging folder in. Dropped without a commit, it deletes
/// itself, so a failed build leaves the previous output exactly as it was.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    output: OutputDir,
    previous: Previous,
    written: Mutex<BTreeSet<PathBuf>>,
    /// How many of the written files were the previous output's, byte for byte, and linked.
    kept: std::sync::atomic::AtomicUsize,
    made_dirs: Mutex<HashSet<PathBuf>>,
    committed: bool,
    /// Declared last: released only after the staging folder is gone.
    _lock: OutputLock,
}

/// What is at the output path when a build starts.
#[derive(Debug)]
enum Previous {
    Nothing,
    /// A folder, and the files in it that briefing wrote (its manifest's; none without one).
    Folder {
        owned: BTreeSet<PathBuf>,
    },
}

/// A commit that did not swap the new output in.
#[derive(Debug)]
pub struct CommitFailure {
    pub diagnostics: Vec<Diagnostic>,
    /// Where the previous output is when a failed swap could not put it back; `None` means it is
    /// where and as it was.
    pub previous_output_moved_to: Option<PathBuf>,
}

impl Staging {
    /// Checks the output path (a folder or nothing, not over the site), waits for any other build
    /// into it (calling `on_wait` once if it must wait), clears what a crashed build left beside it,
    /// and refuses a folder that holds files briefing did not write unless `force`. Nothing is
    /// changed when it refuses. Returns notes (warnings) to show with the build's diagnostics.
    pub fn open(
        root: &Path,
        output: &Path,
        force: bool,
        on_wait: &mut dyn FnMut(),
    ) -> Result<(Self, Vec<Diagnostic>), Diagnostic> {
        let output = OutputDir::resolve(root, output)?;
        std::fs::create_dir_all(output.parent()).map_err(|err| write_error(&output, &err))?;
        let lock = OutputLock::acquire(&output, on_wait)?;
        let notes = tree::clear_crash_leftovers(&output)?;
        let previous = inspect(&output, force)?;
        let dir = output.sibling(&format!("staging-{}", std::process::id()));
        std::fs::create_dir(&dir).map_err(|err| write_error(&output, &err))?;
        let staging = Self {
            dir,
            output,
            previous,
            written: Mutex::default(),
            kept: std::sync::atomic::AtomicUsize::new(0),
            made_dirs: Mutex::default(),
            committed: false,
            _lock: lock,
        };
        Ok((staging, notes))
    }

    /// Carries over the files briefing did not write, writes the manifest, and swaps the staging
    /// folder in as the output. Returns notes (warnings) about clearing the previous output.
    pub fn commit(mut self) -> Result<Vec<Diagnostic>, CommitFailure> {
        let untouched = |diagnostics| CommitFailure { diagnostics, previous_output_moved_to: None };
        let written = std::mem::take(&mut *self.written.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        let manifest_path = self.dir.join(manifest::MANIFEST);
        std::fs::write(&manifest_path, manifest::format(&written))
            .map_err(|err| untouched(vec![write_error(&self.output, &err)]))?;
        let owned = match &self.previous {
            Previous::Nothing => None,
            Previous::Folder { owned } => Some(owned),
        };
        if let Some(owned) = owned {
            let problems = tree::carry_over(&self.output, &self.dir, owned);
            if !problems.is_empty() {
                return Err(untouched(problems));
            }
        }
        let aside = match tree::swap_in(&self.dir, &self.output) {
            Ok(aside) => aside,
            Err(SwapFailure::Untouched(err)) => return Err(untouched(vec![write_error(&self.output, &err)])),
            Err(SwapFailure::SetAside(err, aside)) => {
                let diagnostic = Diagnostic::error(&self.output.shown, None, format!("cannot write the output: {err}"))
                    .with_help(format!(
                        "the previous output could not be put back: it is now at `{}`; move it back to `{}`",
                        aside.display(),
                        self.output.shown.display()
                    ));
                return Err(CommitFailure { diagnostics: vec![diagnostic], previous_output_moved_to: Some(aside) });
            }
        };
        self.committed = true;
        let (Some(aside), Some(owned)) = (aside, owned) else { return Ok(Vec::new()) };
        let left = tree::clear_previous(&aside, &self.output.real, owned, &written);
        Ok(left.first().map_or_else(Vec::new, |first| {
            vec![
                Diagnostic::warning(
                    &aside,
                    None,
                    format!(
                        "the new output is in place, but the previous one, set aside here, still holds {} file(s) such as `{}`",
                        left.len(),
                        first.display()
                    ),
                )
                .with_help("they appeared during the build where the new build also wrote: move what you want to keep, then delete the folder"),
            ]
        }))
    }

    /// How many files were written so far, and how many of them were the previous output's own
    /// files unchanged (linked rather than written: see `put`).
    pub fn counts(&self) -> (usize, usize) {
        let written = self.written.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len();
        (written, self.kept.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// The previous output's copy of `rel` when briefing wrote it there and it holds exactly
    /// `bytes`: then the new output gets that very file (a hard link), so an unchanged file keeps its
    /// inode and modification time, and nothing is written for it.
    fn unchanged_previous(&self, rel: &str, bytes: &[u8]) -> Option<PathBuf> {
        let Previous::Folder { owned } = &self.previous else { return None };
        if !owned.contains(Path::new(rel)) {
            return None;
        }
        let old = self.output.real.join(rel);
        let meta = std::fs::symlink_metadata(&old).ok()?;
        if !meta.is_file() || meta.len() != bytes.len() as u64 {
            return None;
        }
        (std::fs::read(&old).ok()? == bytes).then_some(old)
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
        if file.path == manifest::MANIFEST {
            return Err(Diagnostic::error(&self.output.shown, None, format!("`{}` is briefing's own file", file.path))
                .with_help("rename the file that produces it"));
        }
        let inside = Path::new(&file.path).components().all(|part| matches!(part, std::path::Component::Normal(_)));
        if !inside || file.path.is_empty() {
            return Err(Diagnostic::error(&self.output.shown, None, format!("refusing to write `{}`", file.path))
                .with_help("every output path must lie inside the output folder"));
        }
        let path = self.dir.join(&file.path);
        let written = (|| {
            if let Some(parent) = path.parent() {
                self.ensure_dir(parent)?;
            }
            // A file that did not change is linked, never written through: the staging folder's
            // path is new, so nothing the previous output holds can be changed by it.
            if let Some(old) = self.unchanged_previous(&file.path, &file.bytes)
                && std::fs::hard_link(&old, &path).is_ok()
            {
                self.kept.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return Ok(());
            }
            std::fs::write(&path, &file.bytes)
        })();
        written.map_err(|err| write_error(&self.output, &err))?;
        self.written.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(PathBuf::from(file.path));
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// What is at the output path, under the lock. A folder that holds anything and has no manifest is
/// refused, naming a few of its files, unless `force`.
fn inspect(output: &OutputDir, force: bool) -> Result<Previous, Diagnostic> {
    target::refuse_non_folder(&output.shown, &output.real)?;
    let read_error = |err: io::Error| {
        Diagnostic::error(&output.shown, None, format!("cannot read the output folder: {err}"))
            .with_help("check that it is readable")
    };
    let entries = match std::fs::read_dir(&output.real) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Previous::Nothing),
        Err(err) => return Err(read_error(err)),
    };
    if let Some(owned) = manifest::read(&output.real).map_err(read_error)? {
        return Ok(Previous::Folder { owned });
    }
    let mut names =
        entries.map(|entry| entry.map(|e| e.file_name())).collect::<io::Result<Vec<_>>>().map_err(read_error)?;
    if names.is_empty() || force {
        return Ok(Previous::Folder { owned: BTreeSet::new() });
    }
    names.sort();
    let shown: Vec<String> =
        names.iter().take(2).map(|name| format!("`{}`", output.show(Path::new(name)).display())).collect();
    let more = match names.len() {
        1 | 2 => String::new(),
        n => format!(" and {} more", n - 2),
    };
    Err(Diagnostic::error(
        &output.shown,
        None,
        format!(
            "refusing to build into this folder: it holds files briefing did not write ({}{more}), and no `{}` marks it as an earlier output",
            shown.join(", "),
            manifest::MANIFEST
        ),
    )
    .with_help(
        "choose a new or empty folder, or pass `--force` to build into it: briefing keeps every file it did not write",
    ))
}

fn write_error(output: &OutputDir, err: &io::Error) -> Diagnostic {
    Diagnostic::error(&output.shown, None, format!("cannot write the output: {err}")).with_help(
        "check that the output folder's parent exists and is writable; the previous output was left as it was",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile { path: path.to_string(), bytes: text.as_bytes().into() }
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

    /// Builds `files` into `dir/public` the way `build` does, returning the commit's notes.
    fn build_into(dir: &Path, files: &[(&str, &str)], force: bool) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
        let (staging, _) = Staging::open(&dir.join("site"), &dir.join("public"), force, &mut || {})
            .map_err(|diagnostic| vec![diagnostic])?;
        for (path, text) in files {
            staging.put(file(path, text)).expect("put");
        }
        staging.commit().map_err(|failure| failure.diagnostics)
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_rebuild_replaces_its_own_files_and_keeps_the_others() {
        let dir = tempfile::tempdir().expect("temp dir");
        let output = dir.path().join("public");
        build_into(dir.path(), &[("index.html", "one"), ("stale/old.html", "old")], false).expect("first build");
        assert_eq!(
            std::fs::read_to_string(output.join(manifest::MANIFEST)).expect("manifest"),
            manifest::format(&["index.html", "stale/old.html"].map(PathBuf::from).into())
        );
        std::fs::write(output.join("CNAME"), "example.org").expect("write");
        let notes = build_into(dir.path(), &[("index.html", "two"), ("quotes/a.html", "a")], false).expect("rebuild");
        assert_eq!(notes, vec![]);
        assert_eq!(names_in(&output), [".briefing-manifest", "CNAME", "index.html", "quotes"]);
        assert_eq!(std::fs::read_to_string(output.join("index.html")).expect("read"), "two");
        assert_eq!(std::fs::read_to_string(output.join("CNAME")).expect("read"), "example.org");
        assert_eq!(names_in(dir.path()), ["public"], "no staging, set-aside or lock file is left");
    }

    #[test]
    fn a_rebuild_leaves_unchanged_files_as_they_were_and_replaces_the_changed_ones() {
        use std::os::unix::fs::MetadataExt as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("public");
        build_into(dir.path(), &[("same.html", "same"), ("edited.html", "before")], false).expect("first build");
        let inode = |name: &str| std::fs::metadata(out.join(name)).expect("exists").ino();
        let (same, edited) = (inode("same.html"), inode("edited.html"));
        let modified = std::fs::metadata(out.join("same.html")).and_then(|m| m.modified()).expect("mtime");
        build_into(dir.path(), &[("same.html", "same"), ("edited.html", "after")], false).expect("second build");
        assert_eq!(inode("same.html"), same, "the unchanged file is the same file");
        assert_eq!(std::fs::metadata(out.join("same.html")).and_then(|m| m.modified()).expect("mtime"), modified);
        assert_ne!(inode("edited.html"), edited);
        assert_eq!(std::fs::read_to_string(out.join("edited.html")).expect("read"), "after");
        // A file changed by hand in the output is not taken for the build's own: it is written anew.
        std::fs::write(out.join("same.html"), "hand").expect("edit by hand");
        build_into(dir.path(), &[("same.html", "same"), ("edited.html", "after")], false).expect("third build");
        assert_eq!(std::fs::read_to_string(out.join("same.html")).expect("read"), "same");
    }

    #[test]
    fn a_folder_briefing_did_not_write_is_refused_unless_forced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let output = dir.path().join("public");
        for name in ["b.txt", "a.txt", "c.txt"] {
            std::fs::create_dir_all(&output).expect("mkdir");
            std::fs::write(output.join(name), name).expect("write");
        }
        let refused = build_into(dir.path(), &[("index.html", "new")], false).expect_err("refused");
        let public = output.display();
        assert_eq!(
            refused[0].message,
            format!(
                "refusing to build into this folder: it holds files briefing did not write (`{public}/a.txt`, \
                 `{public}/b.txt` and 1 more), and no `.briefing-manifest` marks it as an earlier output"
            )
        );
        assert_eq!(names_in(&output), ["a.txt", "b.txt", "c.txt"]);
        assert_eq!(names_in(dir.path()), ["public"]);
        build_into(dir.path(), &[("index.html", "new")], true).expect("forced");
        assert_eq!(names_in(&output), [".briefing-manifest", "a.txt", "b.txt", "c.txt", "index.html"]);
        build_into(dir.path(), &[("index.html", "newer")], false).expect("now it is briefing's output");
    }

    #[test]
    fn a_build_that_does_not_commit_leaves_no_trace() {
        let dir = tempfile::tempdir().expect("temp dir");
        build_into(dir.path(), &[("index.html", "one")], false).expect("first build");
        let (staging, _) =
            Staging::open(&dir.path().join("site"), &dir.path().join("public"), false, &mut || {}).expect("open");
        staging.put(file("index.html", "half")).expect("put");
        assert_eq!(names_in(dir.path()).len(), 3, "output, staging folder and lock while building");
        drop(staging);
        assert_eq!(names_in(dir.path()), ["public"]);
        assert_eq!(std::fs::read_to_string(dir.path().join("public/index.html")).expect("read"), "one");
    }

    #[test]
    fn the_manifest_name_is_reserved() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (staging, _) =
            Staging::open(&dir.path().join("site"), &dir.path().join("public"), false, &mut || {}).expect("open");
        assert!(staging.put(file(".briefing-manifest", "forged")).is_err());
    }
}
