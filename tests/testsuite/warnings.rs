//! The catalogue of inputs that build with warnings, or are checked and found fine:
//! `tests/fixtures/warnings/<case>/` holds files laid over the base fixture and `expected.txt`,
//! the diagnostics exactly as the terminal shows them (empty when the input is fine; regenerate
//! with `BLESS=1 cargo test`). Each case builds; with `--strict` it fails exactly when it warns,
//! leaving the previous output byte-for-byte intact.

use std::path::Path;

use crate::support::{TestSite, copy_tree, matches_expected, rendered, run_catalogue, snapshot};

#[test]
fn every_warning_is_reported_precisely_and_fails_a_strict_build() {
    // The count is exact: change it with the catalogue.
    run_catalogue("warnings", 11, check_case);
}

fn check_case(case: &Path) -> Result<(), String> {
    let site = TestSite::base();
    copy_tree(case, site.root());
    let _ = std::fs::remove_file(site.root().join("expected.txt"));
    let outcome = site.build();
    let text = rendered(&outcome);
    if outcome.failed() || outcome.has_errors() {
        return Err(format!("the build failed:\n{text}"));
    }
    let built = snapshot(&site.output());
    let mut strict = site.options();
    strict.strict = true;
    let strict_outcome = briefing::build(&strict);
    if strict_outcome.failed() != (outcome.warnings() > 0) {
        return Err(format!(
            "with --strict the build {} although it raised {} warnings",
            if strict_outcome.failed() { "failed" } else { "succeeded" },
            outcome.warnings()
        ));
    }
    if snapshot(&site.output()) != built {
        return Err("a strict build changed the output".to_string());
    }
    matches_expected(case, &text)
}

/// Warnings about a records file (an undeclared topic, a record nothing cites) are made again when
/// `serve` patches the last build after an edit of that file: the same, at their new places, as a
/// clean build gives.
#[test]
fn warnings_about_a_records_file_survive_an_incremental_edit_of_it() {
    let site = TestSite::base();
    site.write(
        "content/extra.toml",
        "[[person]]\nid = \"bo-aide\"\nname = \"Bo Aide\"\nrole = \"Aide\"\ntopics = [\"budget\"]\n\n[[figure]]\nid = \"uncited\"\nlabel = \"Cameras\"\nvalue = \"32\"\n",
    );
    site.write(
        "content/extra.md",
        "+++\ntitle = \"Extra\"\n+++\nCameras were proposed by [Bo Aide](person:bo-aide).\n",
    );
    let options = site.options();
    let mut inputs = briefing::Inputs::read(site.root());
    let mut cache = briefing::Cache::default();
    let first = briefing::render_cached(&inputs, &options, &mut cache);
    assert_eq!(first.warnings(), 2, "{}", rendered(&first));
    site.edit("content/extra.toml", "role = \"Aide\"\n", "role = \"Aide\"\ndescription = \"Two lines\"\n");
    site.edit("content/extra.toml", "[[person]]\n", "# A comment moves the record down.\n[[person]]\n");
    assert!(inputs.refresh(&[site.root().join("content/extra.toml")]));
    let incremental = briefing::render_cached(&inputs, &options, &mut cache);
    let clean = briefing::render_site(&options);
    assert_eq!(rendered(&incremental), rendered(&clean));
    assert_eq!(incremental.warnings(), 2, "{}", rendered(&incremental));
}
