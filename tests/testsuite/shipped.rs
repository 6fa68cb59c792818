//! The briefing this repository ships: it builds cleanly, every quotation of the source article is
//! on its record page verbatim, and every record has a page.

use std::path::Path;

use briefing::BuildOptions;

fn build_shipped() -> (tempfile::TempDir, briefing::Outcome) {
    build_shipped_with(|_| {})
}

fn build_shipped_with(set: impl FnOnce(&mut BuildOptions)) -> (tempfile::TempDir, briefing::Outcome) {
    let out = tempfile::tempdir().expect("temp dir");
    let mut options = BuildOptions::new(env!("CARGO_MANIFEST_DIR"));
    options.output = Some(out.path().join("public"));
    set(&mut options);
    let outcome = briefing::build(&options);
    (out, outcome)
}

#[test]
fn the_shipped_briefing_builds_without_errors_or_warnings() {
    let (_out, outcome) = build_shipped();
    let text = briefing::diagnostics::render(&outcome.diagnostics, &outcome.sources, false);
    assert!(outcome.diagnostics.is_empty(), "{text}");
    let site = outcome.site.expect("built");
    assert!(site.records >= 20, "{} records", site.records);
}

#[test]
fn the_shipped_briefing_builds_with_strict_and_no_diagnostic_at_all() {
    let (out, outcome) = build_shipped_with(|options| options.strict = true);
    let text = briefing::diagnostics::render(&outcome.diagnostics, &outcome.sources, false);
    assert_eq!(text, "");
    assert!(!outcome.failed());
    assert!(out.path().join("public/index.html").is_file());
}

#[test]
fn every_quote_is_verbatim_on_its_record_page() {
    let (out, outcome) = build_shipped();
    assert!(outcome.site.is_some());
    let quotes = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("content/records/quotes.toml"))
        .expect("quotes.toml");
    let table: toml::Table = quotes.parse().expect("valid TOML");
    let list = table["quote"].as_array().expect("[[quote]] array");
    assert!(list.len() >= 6, "the article has at least six quotations");
    for quote in list {
        let id = quote["id"].as_str().expect("id");
        let text = quote["text"].as_str().expect("text");
        let page = std::fs::read_to_string(out.path().join(format!("public/quotes/{id}.html"))).expect("quote page");
        assert!(page.contains(text), "quote `{id}` is not verbatim on its page");
    }
    for fragment in ["becoming reasonable", "not too worried"] {
        assert!(list.iter().any(|q| q["text"].as_str() == Some(fragment)), "missing the quote {fragment:?}");
    }
}

#[test]
fn every_link_fragment_and_id_reference_of_the_shipped_briefing_resolves() {
    let outcome = briefing::render_site(&BuildOptions::new(env!("CARGO_MANIFEST_DIR")));
    let site = outcome.site.expect("built");
    let problems: Vec<String> = briefing::check::check_pages(&site.files).iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
