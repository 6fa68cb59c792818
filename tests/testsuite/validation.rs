//! What the checks of settings and records accept, and what they repair: NUL characters in TOML
//! strings become U+FFFD with a warning; real dates, language tags and web URLs pass.

use crate::support::{TestSite, error_lines, rendered};

#[test]
fn a_nul_escape_is_replaced_and_reported_as_a_warning() {
    let site = TestSite::base();
    site.edit("content/one.md", "title = \"The stance\"", "title = \"The\\u0000stance\"");
    site.edit("content/records.toml", "role = \"Chief executive\"", "role = \"Chief\\u0000executive\"");
    let outcome = site.build_ok();
    let warnings: Vec<String> =
        outcome.diagnostics.iter().map(|d| briefing::diagnostics::short(d, &outcome.sources)).collect();
    assert_eq!(
        warnings,
        [
            "content/one.md:2:13: warning: this string contains a NUL character (`\\u0000`)",
            "content/records.toml:11:14: warning: this string contains a NUL character (`\\u0000`)",
        ]
    );
    let page = site.page("one.html");
    assert!(page.contains("<title>The\u{fffd}stance"), "the title keeps its replacement character");
    assert!(!page.contains('\0'));
    assert!(site.page("people/ada-chief.html").contains("Chief\u{fffd}executive"));
}

#[test]
fn real_dates_tags_and_web_urls_are_accepted() {
    let site = TestSite::base();
    site.edit("content/one.md", "date = \"2025-10-21\"", "date = \"2024-02-29\"");
    site.edit("site.toml", "author = ", "language = \"zh-Hant\"\nauthor = ");
    site.edit(
        "content/records.toml",
        "role = \"Chief executive\"",
        "role = \"Chief executive\"\nurl = \"mailto:ada@example.org\"",
    );
    site.edit(
        "content/records.toml",
        "url = \"https://example.org/\"",
        "url = \"HTTPS://example.org/studio?x=1#about\"",
    );
    let outcome = site.build_ok();
    assert!(outcome.diagnostics.is_empty(), "{}", rendered(&outcome));
    assert!(site.page("index.html").contains("<html lang=\"zh-Hant\""));
    assert!(site.page("people/ada-chief.html").contains("href=\"mailto:ada@example.org\""));
    assert!(site.page("organizations/studio.html").contains("href=\"HTTPS://example.org/studio?x=1#about\""));
}

#[test]
fn a_quote_with_punctuation_at_its_ends_is_verbatim() {
    let site = TestSite::base();
    site.edit("content/records.toml", "text = \"becoming reasonable\"", "text = \"“becoming reasonable”\"");
    let outcome = site.build_ok();
    assert!(outcome.diagnostics.is_empty(), "{}", rendered(&outcome));
}

/// The shipped briefing's quotes are referenced from pages and from other records: one
/// unterminated string in its quotes file is one error, not one per reference.
#[test]
fn an_unterminated_string_in_the_shipped_quotes_is_one_error() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let site = tempfile::tempdir().expect("temp dir");
    for dir in ["content", "sources"] {
        crate::support::copy_tree(&repo.join(dir), &site.path().join(dir));
    }
    std::fs::copy(repo.join("site.toml"), site.path().join("site.toml")).expect("copy site.toml");
    let quotes = site.path().join("content/records/quotes.toml");
    let text = std::fs::read_to_string(&quotes).expect("quotes.toml");
    let broken = text.replacen("AI won't automatically make you one.\"", "AI won't automatically make you one.", 1);
    assert_ne!(broken, text, "the edit applies");
    std::fs::write(&quotes, broken).expect("write");
    let outcome = briefing::render_site(&briefing::BuildOptions::new(site.path()));
    assert_eq!(
        error_lines(&outcome),
        ["content/records/quotes.toml:21:223: error: invalid TOML: invalid basic string, expected `\"`"]
    );
}

/// `--base-url` is checked in one place (`BaseUrl`), the same way for every command.
#[test]
fn a_base_url_with_a_space_is_a_usage_error() {
    let site = TestSite::base();
    for command in ["build", "check", "serve"] {
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_briefing"))
            .args([command, "--base-url", "https://example.org/my briefing/", "--root"])
            .arg(site.root())
            .output()
            .expect("run briefing");
        assert_eq!(run.status.code(), Some(2), "{command}");
        assert_eq!(
            String::from_utf8_lossy(&run.stderr),
            "error: invalid value 'https://example.org/my briefing/' for '--base-url <BASE_URL>': contains a space (write `%20`); it must be an absolute URL such as https://example.org/briefing/\n\nFor more information, try '--help'.\n",
            "{command}"
        );
    }
    assert!(!site.output().exists(), "nothing was written");
}

/// A page that cites `quote:extra` and `person:bob`, the records `content/extra.toml` declares.
fn site_citing_extra_records(records: &[u8]) -> TestSite {
    let site = TestSite::base();
    std::fs::write(site.root().join("content/extra.toml"), records).expect("write");
    site.write(
        "content/extra.md",
        "+++\ntitle = \"Extra\"\n+++\nAs [she said](quote:extra), says [Bob](person:bob).\n\n![](quote:extra)\n",
    );
    site
}

#[test]
fn the_records_of_a_file_that_is_not_utf8_are_reported_once() {
    let site = site_citing_extra_records(
        b"[[quote]]\nid = \"extra\"\nspeaker = \"ada-chief\"\ntext = \"caf\xe9\"\nsource = \"article\"\n\n[[person]]\nid = \"bob\"\nname = \"Bob\"\n",
    );
    assert_eq!(error_lines(&site.build()), ["content/extra.toml:4:12: error: this file is not valid UTF-8"]);
}

#[test]
fn the_records_of_a_misspelt_kind_are_reported_once() {
    let site = site_citing_extra_records(
        b"[[quotes]]\nid = \"extra\"\nspeaker = \"ada-chief\"\ntext = \"becoming reasonable\"\nsource = \"article\"\n\n[[person]]\nid = \"bob\"\nname = \"Bob\"\n",
    );
    assert_eq!(error_lines(&site.build()), ["content/extra.toml:1:3: error: unknown record kind `quotes`"]);
}

#[test]
fn a_record_with_a_refused_id_is_reported_once() {
    let site = site_citing_extra_records(
        b"[[quote]]\nid = \"extra\"\nspeaker = \"bob\"\ntext = \"becoming reasonable\"\nsource = \"article\"\n\n[[person]]\nid = \"Bob\"\nname = \"Bob\"\n",
    );
    site.edit("content/extra.md", "person:bob", "person:Bob");
    site.edit("content/extra.toml", "speaker = \"bob\"", "speaker = \"Bob\"");
    assert_eq!(error_lines(&site.build()), ["content/extra.toml:8:6: error: `Bob` is not a valid id"]);
}
