//! `--strict`: warnings stay warnings on screen, but any of them fails the build exactly as an error
//! does — nothing written, the previous output byte for byte intact, exit code 1.

use std::process::{Command, Output};

use briefing::diagnostics::Severity;

use crate::support::{TestSite, rendered, snapshot};

/// A footnote defined but never referenced: the base site's only diagnostic is then this warning.
const UNUSED_NOTE: &str = "\n[^unused]: Nobody points here.\n";

const UNUSED_NOTE_WARNING: &str = "\
warning: footnote `[^unused]` is never referenced
  --> content/two.md:16:1
   |
16 | [^unused]: Nobody points here.
   | ^^^^^^^^^^
   |
help: reference it with `[^unused]` in the text, or delete it

";

/// The base site, built once cleanly, then given a warning (and a changed title, so that a build
/// which wrongly wrote its output would change the page).
fn built_site_with_a_warning() -> TestSite {
    let site = TestSite::base();
    site.build_ok();
    let two = site.read("content/two.md");
    site.write("content/two.md", &format!("{two}{UNUSED_NOTE}"));
    site.edit("content/two.md", "title = \"The practice\"", "title = \"The practice, retitled\"");
    site
}

/// `briefing build --root SITE ARGS`, run as a user would.
fn briefing_build(site: &TestSite, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["build", "--root"])
        .arg(site.root())
        .args(args)
        .output()
        .expect("run briefing")
}

fn stderr(run: &Output) -> String {
    String::from_utf8_lossy(&run.stderr).into_owned()
}

fn last_line(text: &str) -> &str {
    text.lines().last().unwrap_or("")
}

/// Nothing but the site's own files and the output beside them: no staging folder or lock left over.
fn entries_beside_the_output(site: &TestSite) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(site.root())
        .expect("site folder")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_warning_is_shown_and_the_build_succeeds_without_strict() {
    let site = built_site_with_a_warning();
    let outcome = site.build_ok();
    assert_eq!(rendered(&outcome), UNUSED_NOTE_WARNING);
    assert!(site.page("two.html").contains("<h1>The practice, retitled</h1>"), "the new output was written");

    let run = briefing_build(&site, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert_eq!(stderr(&run), UNUSED_NOTE_WARNING);
}

#[test]
fn with_strict_a_warning_fails_the_build_and_keeps_the_previous_output() {
    let site = built_site_with_a_warning();
    let before = snapshot(&site.output());
    let beside = entries_beside_the_output(&site);

    let run = briefing_build(&site, &["--strict"]);

    assert_eq!(run.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&run.stdout), "", "no `Built …` line");
    assert_eq!(
        stderr(&run),
        format!(
            "{UNUSED_NOTE_WARNING}error: build failed: 1 warning treated as an error (--strict); the previous output was left untouched\n"
        )
    );
    assert!(snapshot(&site.output()) == before, "the previous output was changed");
    assert_eq!(entries_beside_the_output(&site), beside);
}

#[test]
fn the_library_fails_a_strict_build_and_keeps_its_warnings_as_warnings() {
    let site = built_site_with_a_warning();
    let before = snapshot(&site.output());
    let mut options = site.options();
    options.strict = true;

    let built = briefing::build(&options);
    assert!(built.failed());
    assert!(built.site.is_none());
    assert!(!built.has_errors());
    assert_eq!(built.warnings(), 1);
    assert_eq!(built.diagnostics[0].severity, Severity::Warning);
    assert_eq!(rendered(&built), UNUSED_NOTE_WARNING);
    assert!(snapshot(&site.output()) == before, "the previous output was changed");

    let in_memory = briefing::render_site(&options);
    assert!(in_memory.failed());
    assert_eq!(rendered(&in_memory), UNUSED_NOTE_WARNING);

    options.strict = false;
    assert!(!briefing::render_site(&options).failed());
}

#[test]
fn a_strict_build_without_warnings_succeeds() {
    let site = TestSite::base();
    let run = briefing_build(&site, &["--strict"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert_eq!(stderr(&run), "");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.starts_with("Built 22 pages and 8 records in "), "{stdout}");
    assert!(site.page("two.html").contains("<h1>The practice</h1>"));
}

#[test]
fn the_last_line_counts_errors_and_the_warnings_strict_failed_on() {
    let site = built_site_with_a_warning();
    site.edit("content/two.md", "(use-case:storyboards)", "(use-case:storybords)");
    let before = snapshot(&site.output());

    let normal = briefing_build(&site, &[]);
    assert_eq!(normal.status.code(), Some(1));
    assert_eq!(last_line(&stderr(&normal)), "error: build failed with 1 error; the previous output was left untouched");
    assert!(stderr(&normal).contains("warning: footnote `[^unused]` is never referenced"), "{}", stderr(&normal));

    let strict = briefing_build(&site, &["--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    assert_eq!(
        last_line(&stderr(&strict)),
        "error: build failed with 1 error and 1 warning treated as an error (--strict); the previous output was left untouched"
    );
    assert!(snapshot(&site.output()) == before, "the previous output was changed");
}
