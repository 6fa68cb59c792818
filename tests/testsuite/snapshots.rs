//! Reviewed snapshots, one folder per feature and case, as mdBook keeps them:
//! `tests/testsuite/<feature>/<case>/` holds files laid over the base fixture and `expected/*.html`,
//! the `<main>` element of those output pages exactly as built (other files, such as `atom.xml`,
//! whole; reviewed by eye; regenerate with `BLESS=1 cargo test`). They catch what `contains` misses:
//! duplicate ids, wrong anchors, lost markup.

use std::path::{Path, PathBuf};

use crate::support::{TestSite, copy_tree, rendered, snapshot};

/// The features with snapshot cases; each is a folder beside this file.
const FEATURES: [&str; 8] = ["references", "embeds", "sidenotes", "callouts", "toc", "backlinks", "framing", "feed"];

#[test]
fn every_feature_renders_exactly_its_reviewed_snapshot() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for feature in FEATURES {
        for case in case_dirs(&suite_dir().join(feature)) {
            checked += 1;
            if let Err(message) = check_case(&case) {
                failures.push(format!("── {feature}/{}\n{message}", name(&case)));
            }
        }
    }
    assert!(checked >= FEATURES.len(), "every feature has at least one case ({checked} cases found)");
    assert!(failures.is_empty(), "{} snapshot cases failed:\n{}", failures.len(), failures.join("\n"));
}

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testsuite")
}

fn case_dirs(feature: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(feature)
        .unwrap_or_else(|e| panic!("{}: {e}", feature.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("expected").is_dir())
        .collect();
    cases.sort();
    cases
}

fn name(path: &Path) -> String {
    path.file_name().unwrap_or_default().to_string_lossy().into_owned()
}

fn check_case(case: &Path) -> Result<(), String> {
    let site = TestSite::base();
    for entry in std::fs::read_dir(case).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() && name(&path) != "expected" {
            copy_tree(&path, &site.root().join(name(&path)));
        }
    }
    let outcome = site.build();
    if outcome.site.is_none() || !outcome.diagnostics.is_empty() {
        return Err(format!("the case does not build cleanly:\n{}", rendered(&outcome)));
    }
    let expected_dir = case.join("expected");
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for (rel, expected) in snapshot(&expected_dir) {
        let page = site.page(&briefing::load::slash_path(&rel));
        let actual = match rel.extension().is_some_and(|ext| ext == "html") {
            true => main_element(&page).ok_or_else(|| format!("{} has no <main> element", rel.display()))?,
            false => page,
        };
        if bless {
            std::fs::write(expected_dir.join(&rel), actual).map_err(|e| e.to_string())?;
        } else if actual.as_bytes() != expected {
            failures.push(format!(
                "{} differs from its snapshot (BLESS=1 to update, then review the diff)\n--- expected\n{}\n--- got\n{actual}",
                rel.display(),
                String::from_utf8_lossy(&expected)
            ));
        }
    }
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n")) }
}

/// `<main …>…</main>` of a page, with a final newline.
fn main_element(page: &str) -> Option<String> {
    let start = page.find("<main")?;
    let end = page[start..].find("</main>")? + start + "</main>".len();
    Some(format!("{}\n", &page[start..end]))
}
