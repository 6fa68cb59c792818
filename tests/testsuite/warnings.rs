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
    run_catalogue("warnings", 9, check_case);
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
