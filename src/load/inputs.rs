//! Inputs: every file a build reads, read once at the edge into memory — site-relative path →
//! bytes and content hash — so that everything after it is pure; `serve` refreshes changed paths.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use crate::diagnostics::Diagnostic;

/// The folders of a site that a build reads, besides `site.toml`.
pub const FOLDERS: [&str; 4] = ["content", "templates", "static", "sources"];

/// The largest source file read: a news article is a few hundred KiB at most.
pub const SOURCE_FILE_LIMIT: u64 = 16 * 1024 * 1024;

/// One file's bytes and their hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub bytes: Arc<[u8]>,
    pub hash: blake3::Hash,
}

impl InputFile {
    pub fn new(bytes: impl Into<Arc<[u8]>>) -> Self {
        let bytes = bytes.into();
        Self { hash: blake3::hash(&bytes), bytes }
    }
}

/// Why a path under the site's folders was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// A symbolic link whose target lies outside the site folder.
    ThroughLink,
    /// A pipe, socket or device: opening it could block forever.
    NotRegular,
    /// A source file over `SOURCE_FILE_LIMIT` bytes (its size).
    TooLarge(u64),
    /// The operating system's error.
    Unreadable(String),
}

/// Every input file of a site, in memory.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    root: PathBuf,
    /// The root with symbolic links resolved: every file read lies under it.
    canonical_root: PathBuf,
    files: BTreeMap<PathBuf, InputFile>,
    /// Folders seen under the site's folders (for "is a folder" and did-you-mean).
    dirs: BTreeSet<PathBuf>,
    refused: BTreeMap<PathBuf, Refused>,
}

impl Inputs {
    /// Reads `site.toml` and every file under the site's folders (`FOLDERS`), skipping hidden
    /// files and editor leftovers. Symbolic links are followed only while they stay inside the site.
    pub fn read(root: &Path) -> Self {
        let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let mut inputs = Self { root: root.to_path_buf(), canonical_root, ..Self::default() };
        inputs.refresh_path(Path::new("site.toml"));
        for folder in FOLDERS {
            inputs.refresh_path(Path::new(folder));
        }
        inputs
    }

    /// An empty set of inputs for a site at `root` (tests and tools fill it with `insert`).
    pub fn empty(root: &Path) -> Self {
        Self { root: root.to_path_buf(), canonical_root: root.to_path_buf(), ..Self::default() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every file read, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&Path, &InputFile)> {
        self.files.iter().map(|(path, file)| (path.as_path(), file))
    }

    pub fn get(&self, path: &Path) -> Option<&InputFile> {
        self.files.get(path)
    }

    pub fn is_dir(&self, path: &Path) -> bool {
        self.dirs.contains(path)
    }

    /// Why `path`, or the folder link it lies under, was not read.
    pub fn refused(&self, path: &Path) -> Option<&Refused> {
        path.ancestors().find_map(|ancestor| self.refused.get(ancestor))
    }

    /// The files under `folder` (a site-relative folder such as `content`), in path order.
    pub fn files_under<'s>(&'s self, folder: &'s Path) -> impl Iterator<Item = (&'s Path, &'s InputFile)> + 's {
        self.files
            .range(folder.to_path_buf()..)
            .take_while(move |(path, _)| path.starts_with(folder))
            .map(|(p, f)| (p.as_path(), f))
    }

    /// Paths refused under `folder`, with why.
    pub fn refused_under<'s>(&'s self, folder: &'s Path) -> impl Iterator<Item = (&'s Path, &'s Refused)> + 's {
        self.refused
            .range(folder.to_path_buf()..)
            .take_while(move |(path, _)| path.starts_with(folder))
            .map(|(p, r)| (p.as_path(), r))
    }

    /// The names of the files, folders and refused paths directly inside `folder`.
    pub fn entries_of(&self, folder: &Path) -> Vec<PathBuf> {
        let inside = |path: &&PathBuf| path.parent() == Some(folder);
        let files = self.files.keys().filter(inside);
        let dirs = self.dirs.iter().filter(inside);
        let refused = self.refused.keys().filter(inside);
        files.chain(dirs).chain(refused).cloned().collect()
    }

    /// The files added, removed or changed since `before`, in path order; `None` when anything
    /// else differs (the root, the folders, a refused path), which an incremental build cannot follow.
    pub fn changed_since(&self, before: &Inputs) -> Option<Vec<PathBuf>> {
        if self.root != before.root || self.dirs != before.dirs || self.refused != before.refused {
            return None;
        }
        let mut changed = Vec::new();
        let (mut now, mut then) = (self.files.iter().peekable(), before.files.iter().peekable());
        loop {
            match (now.peek(), then.peek()) {
                (None, None) => return Some(changed),
                (Some((path, _)), None) => {
                    changed.push((*path).clone());
                    now.next();
                }
                (None, Some((path, _))) => {
                    changed.push((*path).clone());
                    then.next();
                }
                (Some((a, file_a)), Some((b, file_b))) => match a.cmp(b) {
                    std::cmp::Ordering::Less => {
                        changed.push((*a).clone());
                        now.next();
                    }
                    std::cmp::Ordering::Greater => {
                        changed.push((*b).clone());
                        then.next();
                    }
                    std::cmp::Ordering::Equal => {
                        if file_a.hash != file_b.hash {
                            changed.push((*a).clone());
                        }
                        now.next();
                        then.next();
                    }
                },
            }
        }
    }

    /// Puts a file in, as if it had been read (for tests and in-memory tools).
    pub fn insert(&mut self, path: impl Into<PathBuf>, bytes: impl Into<Arc<[u8]>>) {
        let path = path.into();
        for ancestor in path.ancestors().skip(1).filter(|a| !a.as_os_str().is_empty()) {
            self.dirs.insert(ancestor.to_path_buf());
        }
        self.files.insert(path, InputFile::new(bytes));
    }

    /// Brings the inputs up to date with the file system for each changed path (absolute, or
    /// relative to the root): a file is read again, a folder is read again with everything in it,
    /// and a path that no longer exists is removed with everything under it. Paths outside the
    /// site's folders and `site.toml` are ignored. Returns whether anything changed.
    pub fn refresh(&mut self, changed: &[PathBuf]) -> bool {
        let mut any = false;
        for path in changed {
            if let Some(relative) = self.relative(path) {
                let before = self.state_under(&relative);
                self.refresh_path(&relative);
                any |= self.state_under(&relative) != before;
            }
        }
        any
    }

    /// A hash of everything known at and under `relative`: what a refresh of it may change.
    fn state_under(&self, relative: &Path) -> blake3::Hash {
        let mut hasher = blake3::Hasher::new();
        for (path, file) in self.files_under(relative) {
            hasher.update(path.as_os_str().as_encoded_bytes());
            hasher.update(file.hash.as_bytes());
        }
        for (path, refused) in self.refused_under(relative) {
            hasher.update(path.as_os_str().as_encoded_bytes());
            hasher.update(format!("{refused:?}").as_bytes());
        }
        for dir in self.dirs.range(relative.to_path_buf()..).take_while(|dir| dir.starts_with(relative)) {
            hasher.update(dir.as_os_str().as_encoded_bytes());
        }
        hasher.finalize()
    }

    /// Makes `paths` (site-relative files, as `changed_since` lists them) what they are in
    /// `newer`, which differs from `self` in those files only.
    pub fn follow(&mut self, newer: &Inputs, paths: &[PathBuf]) {
        for path in paths {
            match newer.files.get(path) {
                Some(file) => self.files.insert(path.clone(), file.clone()),
                None => self.files.remove(path),
            };
        }
    }

    /// `path` relative to the root, when it is `site.toml` or lies in one of the site's folders.
    fn relative(&self, path: &Path) -> Option<PathBuf> {
        let relative = if path.is_absolute() {
            path.strip_prefix(&self.root).or_else(|_| path.strip_prefix(&self.canonical_root)).ok()?.to_path_buf()
        } else {
            path.to_path_buf()
        };
        let first = relative.components().next()?.as_os_str().to_str()?.to_string();
        (relative == Path::new("site.toml") || FOLDERS.contains(&first.as_str())).then_some(relative)
    }

    fn forget(&mut self, relative: &Path) {
        self.files.retain(|path, _| !path.starts_with(relative));
        self.dirs.retain(|path| !path.starts_with(relative));
        self.refused.retain(|path, _| !path.starts_with(relative));
    }

    /// Reads `relative` (a file or a whole folder) again, forgetting what was known under it.
    fn refresh_path(&mut self, relative: &Path) {
        self.forget(relative);
        let absolute = self.root.join(relative);
        if std::fs::symlink_metadata(&absolute).is_err() {
            return;
        }
        let refused = RefCell::new(Vec::new());
        let canonical_root = self.canonical_root.clone();
        let walker = WalkDir::new(&absolute).follow_links(true).sort_by_file_name().into_iter().filter_entry(|entry| {
            if entry.depth() > 0 && is_ignored(entry.file_name()) {
                return false;
            }
            if entry.path_is_symlink() {
                let inside =
                    std::fs::canonicalize(entry.path()).is_ok_and(|target| target.starts_with(&canonical_root));
                if !inside {
                    refused.borrow_mut().push((entry.path().to_path_buf(), Refused::ThroughLink));
                    return false;
                }
            }
            true
        });
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let relative = self.site_relative(entry.path());
                    let kind = entry.file_type();
                    if kind.is_dir() {
                        self.dirs.insert(relative);
                    } else if kind.is_file() {
                        match read_file(entry.path(), &relative) {
                            Ok(file) => {
                                self.files.insert(relative, file);
                            }
                            Err(why) => {
                                self.refused.insert(relative, why);
                            }
                        }
                    } else {
                        self.refused.insert(relative, Refused::NotRegular);
                    }
                }
                Err(err) => {
                    let path = err.path().map_or_else(|| relative.to_path_buf(), |p| self.site_relative(p));
                    self.refused.insert(path, Refused::Unreadable(err.to_string()));
                }
            }
        }
        for (path, why) in refused.into_inner() {
            let relative = self.site_relative(&path);
            self.refused.insert(relative, why);
        }
    }

    fn site_relative(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.root).unwrap_or(path).to_path_buf()
    }

    /// The diagnostics for paths under `content/`, `templates/` and `static/` that were not
    /// read (those under `sources/` are reported where a source names them).
    pub fn problems(&self) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        for folder in ["content", "templates", "static"] {
            for (path, why) in self.refused_under(Path::new(folder)) {
                let diagnostic = match why {
                    Refused::ThroughLink => Diagnostic::error(
                        path,
                        None,
                        "this symbolic link leads outside the site folder; it was not read",
                    )
                    .with_help("copy the file into the site instead of linking to it"),
                    Refused::Unreadable(err) => Diagnostic::error(path, None, format!("cannot read: {err}")),
                    Refused::NotRegular | Refused::TooLarge(_) => continue,
                };
                problems.push(diagnostic);
            }
        }
        problems
    }
}

/// Reads one regular file; a source file over the limit is not read.
fn read_file(path: &Path, relative: &Path) -> Result<InputFile, Refused> {
    let limit = if relative.starts_with("sources") { SOURCE_FILE_LIMIT } else { u64::MAX };
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path).map_err(|err| Refused::Unreadable(err.to_string()))?;
    // The limit holds while reading too, should the file grow after it was listed.
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(|err| Refused::Unreadable(err.to_string()))?;
    if bytes.len() as u64 > limit {
        let size = std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        return Err(Refused::TooLarge(size));
    }
    Ok(InputFile::new(bytes))
}

/// Hidden files and editor leftovers (`.x`, `#x#`, `x~`, `x.swp`) are not part of a site.
pub fn is_ignored(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') || name.starts_with('#') || name.ends_with('~') || name.ends_with(".swp")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_since_an_earlier_state_are_listed_in_path_order() {
        let mut before = Inputs::empty(Path::new("site"));
        before.insert("content/a.md", &b"a"[..]);
        before.insert("content/b.md", &b"b"[..]);
        before.insert("content/c.md", &b"c"[..]);
        let mut now = before.clone();
        assert_eq!(now.changed_since(&before), Some(Vec::new()));
        now.insert("content/b.md", &b"edited"[..]);
        now.files.remove(Path::new("content/c.md"));
        now.insert("content/0.md", &b"new"[..]);
        let changed = now.changed_since(&before).expect("only files changed");
        assert_eq!(changed, [Path::new("content/0.md"), Path::new("content/b.md"), Path::new("content/c.md")]);
        now.insert("content/part/d.md", &b"d"[..]);
        assert_eq!(now.changed_since(&before), None, "a new folder is more than a file change");
    }

    #[test]
    fn files_are_read_with_their_hash_and_refreshed_by_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("content/part")).expect("mkdir");
        std::fs::write(root.join("site.toml"), "title = \"T\"").expect("write");
        std::fs::write(root.join("content/a.md"), "a").expect("write");
        std::fs::write(root.join("content/part/b.md"), "b").expect("write");
        std::fs::write(root.join("content/.a.md.swp"), "swap").expect("write");
        std::fs::write(root.join("notes.txt"), "not an input").expect("write");
        let mut inputs = Inputs::read(root);
        let listed: Vec<&Path> = inputs.files_under(Path::new("content")).map(|(p, _)| p).collect();
        assert_eq!(listed, [Path::new("content/a.md"), Path::new("content/part/b.md")]);
        assert!(inputs.get(Path::new("site.toml")).is_some());
        assert!(inputs.get(Path::new("notes.txt")).is_none());
        assert!(inputs.is_dir(Path::new("content/part")));
        assert_eq!(inputs.get(Path::new("content/a.md")).map(|f| f.hash), Some(blake3::hash(b"a")));

        std::fs::write(root.join("content/a.md"), "changed").expect("write");
        std::fs::remove_dir_all(root.join("content/part")).expect("rm");
        assert!(inputs.refresh(&[
            root.join("content/a.md"),
            root.join("content/part/b.md"),
            root.join("content/part")
        ]));
        assert_eq!(inputs.get(Path::new("content/a.md")).map(|f| &*f.bytes), Some(&b"changed"[..]));
        assert!(inputs.get(Path::new("content/part/b.md")).is_none());
        assert!(!inputs.is_dir(Path::new("content/part")));
        assert!(!inputs.refresh(&[root.join("content/a.md"), root.join("notes.txt")]), "nothing changed");
    }

    #[test]
    fn links_leading_outside_the_site_are_refused() {
        let outside = tempfile::tempdir().expect("temp dir");
        std::fs::write(outside.path().join("secret.txt"), "secret").expect("write");
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("static")).expect("mkdir");
        std::fs::write(root.join("static/inside.txt"), "ok").expect("write");
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), root.join("static/secret.txt")).expect("link");
        std::os::unix::fs::symlink(outside.path(), root.join("static/elsewhere")).expect("link");
        std::os::unix::fs::symlink("inside.txt", root.join("static/alias.txt")).expect("link");
        let inputs = Inputs::read(root);
        assert!(inputs.get(Path::new("static/secret.txt")).is_none());
        assert_eq!(inputs.refused(Path::new("static/secret.txt")), Some(&Refused::ThroughLink));
        assert_eq!(inputs.refused(Path::new("static/elsewhere/secret.txt")), Some(&Refused::ThroughLink));
        assert_eq!(inputs.get(Path::new("static/alias.txt")).map(|f| &*f.bytes), Some(&b"ok"[..]));
        let problems: Vec<String> = inputs.problems().iter().map(|d| d.file.display().to_string()).collect();
        assert_eq!(problems, ["static/elsewhere", "static/secret.txt"]);
    }
}
