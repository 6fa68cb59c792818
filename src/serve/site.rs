//! The served site: the engine that keeps the inputs and the build cache between edits, the
//! snapshot of files that requests read, and what changed between two builds.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde::Serialize;

use crate::diagnostics::{self, Diagnostic, SourceMap};
use crate::{BuildOptions, Cache, Inputs};

/// An output file: its root-relative path, its bytes (shared with the build cache) and their hash.
pub type BuiltFile = (String, Arc<[u8]>, blake3::Hash);

/// One build of the site in memory, with its diagnostics ready for the terminal and the browser.
pub struct Rebuilt {
    /// Every output file by root-relative path, with its hash; `None` when the build failed.
    pub files: Option<Vec<BuiltFile>>,
    /// The files made from the whole site, left out of `files` until one is asked for.
    pub deferred: Vec<String>,
    pub pages: usize,
    pub records: usize,
    pub errors: usize,
    pub warnings: usize,
    /// The diagnostics exactly as `briefing build` prints them.
    pub terminal: String,
    /// The same diagnostics for the error overlay (errors first, at most as many as the terminal shows).
    pub overlay: Vec<OverlayDiagnostic>,
    pub elapsed: Duration,
}

/// What serve keeps from one build to the next: the site's files in memory, refreshed from the
/// paths the watcher reports (the tree is never walked again), and the cache of the last build.
pub struct Engine {
    options: BuildOptions,
    inputs: Inputs,
    cache: Cache,
    /// The sources of the last build, for the diagnostics of its whole-site files.
    sources: SourceMap,
}

impl Engine {
    /// Reads the site once.
    pub fn start(options: BuildOptions) -> Self {
        let inputs = Inputs::read(&options.root);
        Self { options, inputs, cache: Cache::default(), sources: SourceMap::default() }
    }

    pub fn root(&self) -> &std::path::Path {
        &self.options.root
    }

    /// Brings the inputs up to date with `changed` (paths relative to the site root, or absolute).
    pub fn refresh(&mut self, changed: &[std::path::PathBuf]) {
        self.inputs.refresh(changed);
    }

    /// Builds the site in memory from the inputs, redoing only what the cache cannot vouch for,
    /// and leaving the files made from the whole site for `wholes` (`crate::render_deferred`).
    /// A panic inside the build (a bug in briefing) fails this build like an error would, with the
    /// cache dropped since it may be half updated, and serve goes on watching.
    pub fn rebuild(&mut self, color: bool) -> Rebuilt {
        let started = Instant::now();
        let outcome = guarded(|| crate::render_deferred(&self.inputs, &self.options, &mut self.cache));
        if outcome.site.is_none() && outcome.diagnostics.iter().any(|d| d.file == Path::new(INTERNAL)) {
            self.cache = Cache::default();
        }
        self.sources = outcome.sources.clone();
        rebuilt(outcome, color, started)
    }

    /// The files made from the whole site, brought up to date with the last build; or, when they
    /// cannot be, why, as the terminal shows it (their errors, or that the last build failed).
    pub fn wholes(&mut self, color: bool) -> Result<Vec<BuiltFile>, String> {
        let cache = &mut self.cache;
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cache.render_wholes()));
        match result {
            Ok(Some(Ok(files))) => Ok(files
                .into_iter()
                .map(|file| {
                    let hash = blake3::hash(&file.bytes);
                    (file.path, file.bytes, hash)
                })
                .collect()),
            Ok(Some(Err(problems))) => Err(diagnostics::render(&problems, &self.sources, color)),
            Ok(None) => Err("error: the last build failed; fix it first\n".to_string()),
            Err(_) => {
                self.cache = Cache::default();
                Err("error: internal error while rendering the whole-site files; this is a bug in briefing, not in your files\n".to_string())
            }
        }
    }
}

/// Where an internal error is reported: not a file of the site.
const INTERNAL: &str = "briefing";

/// Runs a build, turning a panic into a failed outcome with one diagnostic that says what happened.
fn guarded(build: impl FnOnce() -> crate::Outcome) -> crate::Outcome {
    let started = Instant::now();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(build)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_string());
        crate::Outcome {
            diagnostics: vec![
                Diagnostic::error(INTERNAL, None, format!("internal error while building: {what}")).with_help(
                    "this is a bug in briefing, not in your files; the last good build is still served. Please report it with the message above",
                ),
            ],
            sources: SourceMap::default(),
            site: None,
            elapsed: started.elapsed(),
            previous_output_moved_to: None,
        }
    })
}

fn rebuilt(outcome: crate::Outcome, color: bool, started: Instant) -> Rebuilt {
    let errors = outcome.diagnostics.iter().filter(|d| d.is_error()).count();
    let (pages, records, files, deferred) = match outcome.site {
        Some(site) => {
            let hashes = site.outputs;
            let files = site
                .files
                .into_iter()
                .map(|file| {
                    let hash = hashes.get(&file.path).copied().unwrap_or_else(|| blake3::hash(&file.bytes));
                    (file.path, file.bytes, hash)
                })
                .collect();
            (site.pages, site.records, Some(files), site.deferred)
        }
        None => (0, 0, None, Vec::new()),
    };
    Rebuilt {
        files,
        deferred,
        pages,
        records,
        errors,
        warnings: outcome.diagnostics.len() - errors,
        terminal: diagnostics::render(&outcome.diagnostics, &outcome.sources, color),
        overlay: overlay_diagnostics(&outcome.diagnostics, &outcome.sources),
        elapsed: started.elapsed(),
    }
}

/// A diagnostic as the error overlay shows it; plain text only (the page inserts it as text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverlayDiagnostic {
    pub severity: &'static str,
    /// `content/stance.md:12:5`, or just the file when there is no span.
    pub location: String,
    pub message: String,
    /// The source lines with the caret under the span, as the terminal shows them; empty when the
    /// diagnostic has no span.
    pub excerpt: String,
    pub help: Option<String>,
}

fn overlay_diagnostics(all: &[Diagnostic], sources: &SourceMap) -> Vec<OverlayDiagnostic> {
    let errors = all.iter().filter(|d| d.is_error());
    let warnings = all.iter().filter(|d| !d.is_error());
    errors.chain(warnings).take(diagnostics::MAX_SHOWN).map(|d| overlay_diagnostic(d, sources)).collect()
}

fn overlay_diagnostic(diagnostic: &Diagnostic, sources: &SourceMap) -> OverlayDiagnostic {
    let file = diagnostic.file.display().to_string();
    let place = match (sources.get(&diagnostic.file), &diagnostic.span) {
        (Some(text), Some(span)) => Some(diagnostics::line_col(text, span.start)),
        _ => None,
    };
    let excerpt = match place {
        Some(_) => excerpt_of(&diagnostics::render(std::slice::from_ref(diagnostic), sources, false)),
        None => String::new(),
    };
    OverlayDiagnostic {
        severity: if diagnostic.is_error() { "error" } else { "warning" },
        location: match place {
            Some(place) => format!("{file}:{place}"),
            None => file,
        },
        message: diagnostic.message.clone(),
        excerpt,
        help: diagnostic.help.clone(),
    }
}

/// The source lines and caret of a diagnostic rendered for the terminal: the lines between the
/// `--> file:line:col` line and the help, without the empty gutter lines around them.
fn excerpt_of(rendered: &str) -> String {
    let lines: Vec<&str> = rendered
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("-->"))
        .skip(1)
        .take_while(|line| !line.starts_with("help:") && !line.is_empty())
        .collect();
    let is_bare_gutter = |line: &&str| line.trim() == "|";
    let start = lines.iter().position(|line| !is_bare_gutter(line)).unwrap_or(lines.len());
    let end = lines.iter().rposition(|line| !is_bare_gutter(line)).map_or(start, |i| i + 1);
    lines[start..end].join("\n")
}

/// A file as requests read it: shared bytes and their hash.
#[derive(Debug, Clone)]
pub struct ServedFile {
    pub bytes: Bytes,
    hash: blake3::Hash,
}

/// The build being served: every output file by root-relative path, and the id that tells a page
/// whether it was served from this build.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub build: String,
    pub files: HashMap<String, ServedFile>,
    /// Files of this build not made yet (the whole-site files, `Engine::wholes`): a request for
    /// one waits until they are.
    pub pending: HashSet<String>,
}

/// How two successful builds differ.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Diff {
    /// Files whose bytes changed, and new files.
    pub rerendered: usize,
    /// Files the new build no longer has.
    pub removed: usize,
    /// Files that were served and are now pending: they may have changed, and are made again
    /// when asked for.
    pub deferred: usize,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.rerendered == 0 && self.removed == 0 && self.deferred == 0
    }
}

impl Snapshot {
    /// The snapshot of a successful build, and how it differs from `previous`.
    pub fn new(build: String, files: Vec<BuiltFile>, pending: Vec<String>, previous: &Snapshot) -> (Self, Diff) {
        let files = served(files);
        let pending: HashSet<String> = pending.into_iter().collect();
        let rerendered = files
            .iter()
            .filter(|(path, file)| previous.files.get(*path).is_none_or(|old| old.hash != file.hash))
            .count();
        let snapshot = Self { build, files, pending };
        let removed = previous
            .files
            .keys()
            .filter(|path| !snapshot.files.contains_key(*path) && !snapshot.is_pending(path))
            .count();
        // A pending folder (the search index) counts once, if any file of it was served.
        let deferred = snapshot
            .pending
            .iter()
            .filter(|pending| match pending.ends_with('/') {
                true => previous.files.keys().any(|path| path.starts_with(pending.as_str())),
                false => previous.files.contains_key(*pending),
            })
            .count();
        (snapshot, Diff { rerendered, removed, deferred })
    }

    /// Whether `path` is a file of this build not made yet: one of `pending`, or in a pending
    /// folder (the search index, whose files are named by their contents).
    pub fn is_pending(&self, path: &str) -> bool {
        self.pending.contains(path)
            || self.pending.iter().any(|pending| pending.ends_with('/') && path.starts_with(pending.as_str()))
    }

    /// This build with its pending files made (`made`), under the same build id.
    pub fn with_made(&self, made: Vec<BuiltFile>) -> Self {
        let mut files = self.files.clone();
        files.extend(served(made));
        Self { build: self.build.clone(), files, pending: HashSet::new() }
    }

    pub fn get(&self, path: &str) -> Option<&ServedFile> {
        self.files.get(path)
    }

    /// Whether a build has been served yet (the first one may fail).
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Files as requests read them; the bytes are shared with the build cache, not copied.
fn served(files: Vec<BuiltFile>) -> HashMap<String, ServedFile> {
    files.into_iter().map(|(path, bytes, hash)| (path, ServedFile { bytes: Bytes::from_owner(bytes), hash })).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<BuiltFile> {
        list.iter()
            .map(|(path, text)| (path.to_string(), text.as_bytes().into(), blake3::hash(text.as_bytes())))
            .collect()
    }

    #[test]
    fn a_panic_in_a_build_is_a_failed_build_with_a_diagnostic() {
        let outcome = guarded(|| panic!("boom"));
        assert!(outcome.site.is_none());
        let messages: Vec<&str> = outcome.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, ["internal error while building: boom"]);
        let rebuilt = rebuilt(outcome, false, Instant::now());
        assert_eq!((rebuilt.errors, rebuilt.files.is_none()), (1, true));
        assert!(rebuilt.terminal.contains("this is a bug in briefing"), "{}", rebuilt.terminal);
    }

    #[test]
    fn the_diff_counts_changed_and_new_files_and_removed_ones() {
        let none = Vec::new;
        let (first, diff) =
            Snapshot::new("a".into(), files(&[("a.html", "1"), ("b.html", "2")]), none(), &Snapshot::default());
        assert_eq!(diff, Diff { rerendered: 2, ..Diff::default() });
        let (second, diff) =
            Snapshot::new("b".into(), files(&[("a.html", "1"), ("b.html", "2!"), ("c.html", "3")]), none(), &first);
        assert_eq!(diff, Diff { rerendered: 2, ..Diff::default() });
        let (_, diff) = Snapshot::new("c".into(), files(&[("a.html", "1"), ("c.html", "3")]), none(), &second);
        assert_eq!(diff, Diff { removed: 1, ..Diff::default() });
        assert!(diff != Diff::default() && !diff.is_empty());
    }

    #[test]
    fn a_pending_file_is_neither_removed_nor_rerendered_and_counts_as_deferred_once_it_was_served() {
        let pending = || vec!["print.html".to_string()];
        let (first, diff) = Snapshot::new("a".into(), files(&[("a.html", "1")]), pending(), &Snapshot::default());
        assert_eq!(diff, Diff { rerendered: 1, ..Diff::default() });
        assert!(first.get("print.html").is_none() && first.pending.contains("print.html"));
        // Not made yet, pending again: nothing was served that could be out of date.
        let (second, diff) = Snapshot::new("a".into(), files(&[("a.html", "1")]), pending(), &first);
        assert!(diff.is_empty(), "{diff:?}");
        let made = second.with_made(files(&[("print.html", "P")]));
        assert_eq!((made.build.as_str(), made.pending.len()), ("a", 0));
        assert_eq!(made.get("print.html").map(|f| f.bytes.to_vec()), Some(b"P".to_vec()));
        let (_, diff) = Snapshot::new("b".into(), files(&[("a.html", "1")]), pending(), &made);
        assert_eq!(diff, Diff { deferred: 1, ..Diff::default() });
    }

    #[test]
    fn the_overlay_shows_the_terminal_excerpt_without_title_location_or_help() {
        let mut sources = SourceMap::default();
        sources.insert("content/stance.md", "+++\ntitle = \"x\"\n+++\nSee [it](quote:nope).\n");
        let diagnostic = Diagnostic::error("content/stance.md", Some(29..39), "no quote with id `nope`")
            .with_label("unknown reference")
            .with_help("did you mean `quote:yes`?");
        let shown = overlay_diagnostic(&diagnostic, &sources);
        assert_eq!(shown.location, "content/stance.md:4:10");
        assert_eq!(shown.message, "no quote with id `nope`");
        assert_eq!(shown.excerpt, "4 | See [it](quote:nope).\n  |          ^^^^^^^^^^ unknown reference");
        assert_eq!(shown.help.as_deref(), Some("did you mean `quote:yes`?"));
    }

    #[test]
    fn a_diagnostic_about_a_whole_file_has_no_excerpt() {
        let diagnostic = Diagnostic::error("content/_index.md", None, "the site has no front page");
        let shown = overlay_diagnostic(&diagnostic, &SourceMap::default());
        assert_eq!(shown.location, "content/_index.md");
        assert_eq!(shown.excerpt, "");
        assert_eq!(shown.help, None);
    }
}
