//! Builds fixture sites in temporary folders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use briefing::{BuildOptions, Outcome};

/// The folder holding the test fixtures.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A site in a temporary folder, copied from `tests/fixtures/base` and then changed by the test.
pub struct TestSite {
    pub dir: tempfile::TempDir,
}

impl TestSite {
    /// The base fixture: a small but complete briefing that builds cleanly.
    pub fn base() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_tree(&fixtures().join("base"), dir.path());
        Self { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn output(&self) -> PathBuf {
        self.root().join("public")
    }

    pub fn write(&self, path: &str, text: &str) -> &Self {
        let path = self.root().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
        self
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root().join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
    }

    /// Replaces the first occurrence of `from` in a file, failing if it is not there.
    pub fn edit(&self, path: &str, from: &str, to: &str) -> &Self {
        let text = self.read(path);
        assert!(text.contains(from), "{path} does not contain {from:?}");
        self.write(path, &text.replacen(from, to, 1))
    }

    pub fn remove(&self, path: &str) -> &Self {
        std::fs::remove_file(self.root().join(path)).expect("remove");
        self
    }

    pub fn options(&self) -> BuildOptions {
        BuildOptions::new(self.root())
    }

    pub fn build(&self) -> Outcome {
        briefing::build(&self.options())
    }

    /// Builds and fails the test, printing the diagnostics, if the build did not succeed.
    pub fn build_ok(&self) -> Outcome {
        let outcome = self.build();
        assert!(outcome.site.is_some(), "build failed:\n{}", rendered(&outcome));
        outcome
    }

    pub fn page(&self, path: &str) -> String {
        std::fs::read_to_string(self.output().join(path)).unwrap_or_else(|e| panic!("read output {path}: {e}"))
    }
}

/// The diagnostics as the terminal would show them, without colour.
pub fn rendered(outcome: &Outcome) -> String {
    briefing::diagnostics::render(&outcome.diagnostics, &outcome.sources, false)
}

/// The one-line form of every error: `file:line:col: error: message`.
pub fn error_lines(outcome: &Outcome) -> Vec<String> {
    outcome
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| briefing::diagnostics::short(d, &outcome.sources))
        .collect()
}

/// Every file under `dir` with its bytes, keyed by relative path.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).expect("inside").to_path_buf();
            files.insert(rel, std::fs::read(entry.path()).expect("read"));
        }
    }
    files
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let target = to.join(entry.path().strip_prefix(from).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Runs `check` on every case of the catalogue `tests/fixtures/<name>/` (one folder a case), which
/// must hold exactly `count` cases — so a case that goes missing, or a folder that is not a case,
/// is noticed — and fails with every case's message at once.
pub fn run_catalogue(name: &str, count: usize, check: impl Fn(&Path) -> Result<(), String>) {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures().join(name))
        .expect("catalogue folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert_eq!(cases.len(), count, "the {name} catalogue holds {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(message) = check(case) {
            failures.push(format!("── {}\n{message}", case.file_name().unwrap_or_default().to_string_lossy()));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// Whether `text` is the case's reviewed `expected.txt`; with `BLESS=1`, writes it there instead.
pub fn matches_expected(case: &Path, text: &str) -> Result<(), String> {
    let expected_path = case.join("expected.txt");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&expected_path, text).map_err(|e| e.to_string())?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    if expected != text {
        return Err(format!(
            "diagnostics differ from expected.txt (BLESS=1 to update)\n--- expected\n{expected}\n--- got\n{text}"
        ));
    }
    Ok(())
}
