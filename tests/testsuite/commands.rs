//! `briefing init` and `briefing check`, and `--base-url` standing in for site.toml's `base_url`.

use std::path::Path;
use std::process::Command;

use briefing::BuildOptions;
use briefing::load::BaseUrl;

use crate::support::{TestSite, rendered, snapshot};

fn briefing(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_briefing")).args(args).arg(dir).output().expect("run briefing")
}

/// A new briefing builds with no errors and no warnings, even strictly, and uses every kind.
#[test]
fn init_makes_a_briefing_that_checks_clean_and_uses_every_kind_of_annotation() {
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = temp.path().join("new-briefing");
    let run = briefing(&["init"], &dir);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let files: Vec<String> = snapshot(&dir).keys().map(|p| p.to_string_lossy().replace('\\', "/")).collect();
    assert_eq!(
        files,
        [
            "README.md",
            "content/_index.md",
            "content/records.toml",
            "content/story.md",
            "site.toml",
            "sources/article.txt"
        ]
    );
    let outcome = briefing::check(&BuildOptions { strict: true, ..BuildOptions::new(&dir) });
    assert_eq!(rendered(&outcome), "", "no diagnostics of any kind");
    assert!(!outcome.failed());
    assert!(!dir.join("public").exists(), "check writes nothing");

    let story = std::fs::read_to_string(dir.join("content/story.md")).expect("story");
    for scheme in ["quote:", "use-case:", "controversy:", "person:", "organization:", "figure:", "source:", "topic:"] {
        assert!(story.contains(&format!("]({scheme}")), "the section cites a {scheme}");
    }
    assert!(story.contains("![](quote:") && story.contains("[^") && story.contains("> [!NOTE]"));
    let records = std::fs::read_to_string(dir.join("content/records.toml")).expect("records");
    for table in ["quote", "use_case", "controversy", "person", "organization", "figure", "source"] {
        assert_eq!(records.matches(&format!("[[{table}]]")).count(), 1, "one {table}");
    }
    let front = std::fs::read_to_string(dir.join("content/_index.md")).expect("front page");
    assert!(front.contains("dek = ") && front.contains("key_points = ["));
}

#[test]
fn init_refuses_a_folder_that_holds_anything_and_changes_nothing() {
    let site = TestSite::base();
    let before = snapshot(site.root());
    let run = briefing(&["init"], site.root());
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.starts_with(&format!("error: `{}` is not empty (it holds content, ", site.root().display())),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert_eq!(snapshot(site.root()), before);

    let file = site.root().join("site.toml");
    let run = briefing(&["init"], &file);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("exists and is not a folder"));
    assert_eq!(snapshot(site.root()), before);
}

/// An empty folder that exists is fine.
#[test]
fn init_fills_an_existing_empty_folder() {
    let temp = tempfile::tempdir().expect("temp dir");
    let run = briefing(&["init"], temp.path());
    assert_eq!(run.status.code(), Some(0));
    assert!(temp.path().join("content/story.md").is_file());
}

#[test]
fn check_writes_nothing_and_exits_like_build() {
    let site = TestSite::base();
    let ok = Command::new(env!("CARGO_BIN_EXE_briefing")).args(["check", "-r"]).arg(site.root()).output().expect("run");
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).ends_with("no problems\n"));
    assert!(!site.output().exists(), "check writes nothing");

    site.edit("content/one.md", "(quote:reasonable)", "(quote:reasonabel)");
    let broken =
        Command::new(env!("CARGO_BIN_EXE_briefing")).args(["check", "-r"]).arg(site.root()).output().expect("run");
    assert_eq!(broken.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(
        stderr.contains("no quote with id `reasonabel`") && stderr.ends_with("error: check failed with 1 error\n"),
        "{stderr}"
    );
    assert!(!site.output().exists());
}

/// What only reading the rendered pages back can find: a template's link to a page that is not built.
#[test]
fn check_reads_the_rendered_pages_back_for_links_and_ids() {
    let site = TestSite::base();
    let theme_404 =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/404.html")).expect("404");
    site.write("templates/404.html", &theme_404.replacen("</article>", "<a href=\"nowhere.html\">x</a></article>", 1));
    assert!(!site.build().failed(), "build does not read pages back");
    let outcome = briefing::check(&site.options());
    assert!(outcome.failed());
    assert_eq!(
        rendered(&outcome),
        "error: in the rendered page `404.html`, `nowhere.html` points at `nowhere.html`, which is not in the output (templates)\n  |\nhelp: the page is rendered from a template: look for the link or id in templates/ (or in a file of static/ it links to)\n\n"
    );
}

#[test]
fn a_base_url_given_on_the_command_line_stands_in_for_site_toml() {
    let site = TestSite::base();
    site.edit("site.toml", "base_url = \"https://example.org/fixture/\"\n", "");
    assert!(rendered(&site.build()).contains("site.toml has no `base_url`"));
    let base_url = BaseUrl::parse("https://example.net/elsewhere").expect("a base URL");
    assert_eq!(base_url.as_str(), "https://example.net/elsewhere/");
    let outcome = briefing::build(&BuildOptions { base_url: Some(base_url), ..site.options() });
    assert_eq!(rendered(&outcome), "");
    assert!(site.page("index.html").contains("<link rel=\"canonical\" href=\"https://example.net/elsewhere/\">"));

    // A base_url in site.toml that --base-url replaces is not checked either.
    site.write("site.toml", &format!("base_url = \"/relative/\"\n{}", site.read("site.toml")));
    let outcome = briefing::render_site(&BuildOptions {
        base_url: Some(BaseUrl::parse("https://example.net/x/").expect("url")),
        ..site.options()
    });
    assert_eq!(rendered(&outcome), "");
}

/// A folder given through a symbolic link is judged by what it holds: a link to a folder with the
/// user's files in it is refused, and nothing in it changes.
#[cfg(unix)]
#[test]
fn init_refuses_a_link_to_a_folder_that_holds_files() {
    let temp = tempfile::tempdir().expect("temp dir");
    let real = temp.path().join("notes");
    std::fs::create_dir(&real).expect("mkdir");
    std::fs::write(real.join("draft.md"), "my own draft").expect("write");
    let link = temp.path().join("briefing");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let before = snapshot(&real);
    let run = briefing(&["init"], &link);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("is not empty (it holds draft.md)"));
    assert_eq!(snapshot(&real), before);
    assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink(), "the link is left as it was");
}
