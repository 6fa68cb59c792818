//! Watching: the site's input folders and `site.toml` (never the whole root, which may hold
//! `target/` or `node_modules/`), debounced, editor leftovers ignored, as batches of changed paths.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify_debouncer_full::notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
use notify_debouncer_full::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

/// The folders of a site that a build reads, watched recursively when they exist.
pub const INPUT_DIRS: [&str; 4] = ["content", "sources", "templates", "static"];
const SETTINGS: &str = "site.toml";

/// Editors save in bursts (write a temporary file, rename it over the old one, touch a backup):
/// one rebuild for the burst.
const DEBOUNCE: Duration = Duration::from_millis(100);

/// A batch of changed inputs, relative to the site root, sorted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Changes(pub BTreeSet<PathBuf>);

impl Changes {
    pub fn merge(&mut self, other: Changes) {
        self.0.extend(other.0);
    }

    /// One line for the terminal: `content/stance.md changed`, `content/old.md removed`, `3 files changed`.
    pub fn summary(&self, root: &Path) -> String {
        match self.0.iter().collect::<Vec<_>>().as_slice() {
            [one] if !root.join(one).exists() => format!("{} removed", slash(one)),
            [one] => format!("{} changed", slash(one)),
            many => format!("{} files changed", many.len()),
        }
    }
}

fn slash(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Watches a site and sends a `Changes` for every debounced burst of edits that touches its inputs.
pub struct Watcher {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    root: PathBuf,
    /// The input folders being watched, so one created (or re-created) later is picked up.
    watching: BTreeSet<&'static str>,
}

impl Watcher {
    /// Starts watching `root` (which should be canonical, as events name absolute paths).
    pub fn start(root: &Path, sender: Sender<Changes>) -> Result<Self, String> {
        let events_root = root.to_path_buf();
        let handler = move |result: DebounceEventResult| {
            let Ok(events) = result else { return };
            let mut changes = Changes::default();
            for event in events.iter().filter(|event| is_edit(&event.kind)) {
                changes.0.extend(event.paths.iter().filter_map(|path| input_path(&events_root, path)));
            }
            if !changes.0.is_empty() {
                let _ = sender.send(changes);
            }
        };
        let debouncer = new_debouncer(DEBOUNCE, None, handler).map_err(|err| err.to_string())?;
        let mut watcher = Self { debouncer, root: root.to_path_buf(), watching: BTreeSet::new() };
        // The root itself only non-recursively: it tells of `site.toml` and of input folders that
        // appear, without descending into build folders.
        watcher.debouncer.watch(root, RecursiveMode::NonRecursive).map_err(|err| err.to_string())?;
        watcher.refresh(&Changes::default());
        Ok(watcher)
    }

    /// Watches input folders that appeared, or were removed and made again, since the last call.
    pub fn refresh(&mut self, changes: &Changes) {
        for dir in INPUT_DIRS {
            let path = self.root.join(dir);
            let touched = changes.0.contains(Path::new(dir));
            if touched && self.watching.remove(dir) {
                let _ = self.debouncer.unwatch(&path);
            }
            if !self.watching.contains(dir)
                && path.is_dir()
                && self.debouncer.watch(&path, RecursiveMode::Recursive).is_ok()
            {
                self.watching.insert(dir);
            }
        }
    }
}

/// Whether an event can change what a build reads. Opening and reading files (the build itself
/// does that) and metadata changes cannot.
fn is_edit(kind: &EventKind) -> bool {
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Any | EventKind::Other => false,
    }
}

/// The path relative to the root when it is an input of the build: `site.toml`, or a file or folder
/// in one of the input folders that is not an editor's leftover. `None` otherwise.
pub fn input_path(root: &Path, path: &Path) -> Option<PathBuf> {
    let relative = path.strip_prefix(root).ok()?;
    let names: Vec<&str> = relative
        .components()
        .map(|component| match component {
            Component::Normal(name) => name.to_str(),
            _ => None,
        })
        .collect::<Option<_>>()?;
    match names.as_slice() {
        [SETTINGS] => Some(relative.to_path_buf()),
        [first, rest @ ..] if INPUT_DIRS.contains(first) && !rest.iter().any(|name| is_editor_leftover(name)) => {
            Some(relative.to_path_buf())
        }
        _ => None,
    }
}

/// Hidden files, swap files, backups and the temporary files editors write before renaming: what
/// `load` skips (see `load::is_ignored`), and the leftovers of a few editors it never reads anyway.
fn is_editor_leftover(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        // JetBrains' safe write; vim's check that it may write to a folder.
        || name.ends_with("___jb_tmp___")
        || name.ends_with("___jb_old___")
        || name == "4913"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_site_toml_and_what_is_in_the_input_folders() {
        let root = Path::new("/site");
        let input = |p: &str| input_path(root, &root.join(p));
        assert_eq!(input("site.toml"), Some(PathBuf::from("site.toml")));
        assert_eq!(input("content/stance.md"), Some(PathBuf::from("content/stance.md")));
        assert_eq!(input("content/records/quotes.toml"), Some(PathBuf::from("content/records/quotes.toml")));
        assert_eq!(input("static/img/logo.svg"), Some(PathBuf::from("static/img/logo.svg")));
        assert_eq!(input("templates/page.html"), Some(PathBuf::from("templates/page.html")));
        assert_eq!(input("sources/article.txt"), Some(PathBuf::from("sources/article.txt")));
        assert_eq!(input("content"), Some(PathBuf::from("content")));
        for outside in ["public/index.html", "target/debug/x", "node_modules/a/b.js", "README.md", "site.toml.bak"] {
            assert_eq!(input(outside), None, "{outside}");
        }
        assert_eq!(input_path(root, Path::new("/elsewhere/site.toml")), None);
    }

    #[test]
    fn editor_leftovers_are_not_inputs() {
        let root = Path::new("/site");
        for leftover in [
            "content/.stance.md.swp",
            "content/stance.md~",
            "content/#stance.md#",
            "content/.#stance.md",
            "content/.hidden/page.md",
            "static/app.css___jb_tmp___",
            "content/4913",
        ] {
            assert_eq!(input_path(root, &root.join(leftover)), None, "{leftover}");
        }
    }

    #[test]
    fn the_summary_names_one_file_or_counts_them() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let changes = |paths: &[&str]| Changes(paths.iter().map(PathBuf::from).collect());
        assert_eq!(changes(&["site.toml"]).summary(root), "site.toml changed");
        assert_eq!(changes(&["content/gone.md"]).summary(root), "content/gone.md removed");
        assert_eq!(changes(&["content/a.md", "content/b.md", "site.toml"]).summary(root), "3 files changed");
    }

    #[test]
    fn only_edits_count_not_reads() {
        use notify_debouncer_full::notify::event::{CreateKind, DataChange, MetadataKind, RemoveKind, RenameMode};
        assert!(is_edit(&EventKind::Create(CreateKind::File)));
        assert!(is_edit(&EventKind::Remove(RemoveKind::File)));
        assert!(is_edit(&EventKind::Modify(ModifyKind::Data(DataChange::Any))));
        assert!(is_edit(&EventKind::Modify(ModifyKind::Name(RenameMode::Both))));
        assert!(is_edit(&EventKind::Access(AccessKind::Close(AccessMode::Write))));
        assert!(!is_edit(&EventKind::Access(AccessKind::Open(AccessMode::Any))));
        assert!(!is_edit(&EventKind::Access(AccessKind::Close(AccessMode::Read))));
        assert!(!is_edit(&EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime))));
    }
}
