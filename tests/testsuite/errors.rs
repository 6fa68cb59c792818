//! The catalogue of broken inputs: `tests/fixtures/errors/<case>/` holds files laid over the base
//! fixture and `expected.txt`, the diagnostics exactly as the terminal shows them (reviewed by eye;
//! regenerate with `BLESS=1 cargo test`). Every case must fail, point at `file:line:col`, and leave
//! the previous output byte-for-byte intact.

use std::path::Path;

use crate::support::{TestSite, copy_tree, error_lines, matches_expected, rendered, run_catalogue, snapshot};

#[test]
fn every_broken_input_is_reported_precisely_and_keeps_the_old_output() {
    // The count is exact: change it with the catalogue.
    run_catalogue("errors", 81, check_case);
}

fn check_case(case: &Path) -> Result<(), String> {
    let site = TestSite::base();
    site.build_ok();
    let before = snapshot(&site.output());
    overlay(case, site.root());
    let outcome = site.build();
    let text = rendered(&outcome);
    if outcome.site.is_some() || !outcome.has_errors() {
        return Err(format!("the build succeeded:\n{text}"));
    }
    for line in error_lines(&outcome) {
        let location = line.split(": error:").next().unwrap_or("");
        if location.matches(':').count() < 2 {
            return Err(format!("no line:col in `{line}`"));
        }
    }
    if snapshot(&site.output()) != before {
        return Err("the previous output was changed".to_string());
    }
    matches_expected(case, &text)
}

/// Copies the case's files over the site, except `expected.txt`.
fn overlay(case: &Path, root: &Path) {
    copy_tree(case, root);
    let _ = std::fs::remove_file(root.join("expected.txt"));
}

#[test]
fn the_command_line_exits_1_on_content_errors_and_2_on_usage_errors() {
    let site = TestSite::base();
    site.write("content/bad.toml", "[[quote]]\nid = \"x\"\nspeakr = \"ada-chief\"\n");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["build", "--root"])
        .arg(site.root())
        .output()
        .expect("run briefing");
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("content/bad.toml:3:1"), "{stderr}");
    assert!(stderr.contains("did you mean `speaker`?"), "{stderr}");

    let usage = std::process::Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["build", "--no-such-flag"])
        .output()
        .expect("run briefing");
    assert_eq!(usage.status.code(), Some(2));

    let relative = std::process::Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["build", "--base-url", "/briefing/", "--root"])
        .arg(site.root())
        .output()
        .expect("run briefing");
    assert_eq!(relative.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&relative.stderr).contains("must be an absolute URL"));
}

#[test]
fn an_output_folder_that_would_replace_the_site_is_refused() {
    let site = TestSite::base();
    let before = snapshot(&site.root().join("content"));
    let mut options = site.options();
    options.output = Some(site.root().join("content"));
    let outcome = briefing::build(&options);
    assert!(outcome.site.is_none());
    assert!(outcome.diagnostics.iter().any(|d| d.message.contains("refusing to build into this folder")));
    assert_eq!(snapshot(&site.root().join("content")), before, "the site's content is untouched");
}

#[test]
fn missing_site_files_are_named() {
    let site = TestSite::base();
    site.remove("content/_index.md").remove("site.toml");
    let outcome = site.build();
    let lines = error_lines(&outcome);
    assert!(lines.iter().any(|l| l.starts_with("content/_index.md") && l.contains("no front page")), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("site.toml") && l.contains("no `site.toml`")), "{lines:?}");
}
