//! Properties: whatever Markdown, front matter or TOML an editor writes, the pipeline answers with
//! pages or diagnostics — never a panic — and every diagnostic points inside the file it names.

use briefing::Outcome;
use proptest::prelude::*;

use crate::support::TestSite;

/// Pieces of the content format, mixed with arbitrary text, so inputs hit the interesting paths.
fn markdown() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[as she said](quote:not-worried)".to_string()),
        Just("[x](quote:nope)".to_string()),
        Just("![](quote:reasonable)".to_string()),
        Just("![](figure:revenue)".to_string()),
        Just("![](topic:ai)".to_string()),
        Just("[t](topic:ai)".to_string()),
        Just("[p](one.md#said)".to_string()),
        Just("[p](missing.md)".to_string()),
        Just("[^a]".to_string()),
        Just("\n\n[^a]: a note [^b]\n\n".to_string()),
        Just("\n\n> [!NOTE]\n> ".to_string()),
        Just("\n\n## Heading {#h}\n\n".to_string()),
        Just("\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n".to_string()),
        Just("\n- [ ] task\n".to_string()),
        Just("`code [^a]`".to_string()),
        Just("\n```\nfence\n".to_string()),
        Just("<div>".to_string()),
        Just("\u{0}".to_string()),
        Just("é😀\u{301}".to_string()),
        "[ -~\n]{0,20}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

fn toml_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("title = \"T\"\n".to_string()),
        Just("base_url = \"https://example.org/x/\"\n".to_string()),
        Just("base_url = \"/relative/\"\n".to_string()),
        Just("[topics]\nai = \"AI\"\n".to_string()),
        Just("weight = 3\n".to_string()),
        Just("weight = \"x\"\n".to_string()),
        Just("topics = [\"ai\", \"Bad Topic\"]\n".to_string()),
        Just("[[quote]]\n".to_string()),
        Just("[[person]]\nid = \"p\"\nname = \"P\"\n".to_string()),
        Just("id = \"x\"\n".to_string()),
        Just("speaker = \"ada-chief\"\n".to_string()),
        Just("text = \"becoming reasonable\"\n".to_string()),
        Just("source = \"article\"\n".to_string()),
        Just("note = \"see [^n]\\n\\n[^n]: n [x](person:zz)\"\n".to_string()),
        Just("related = [\"quote:x\", \"bad\"]\n".to_string()),
        Just("date = 2025-13-40\n".to_string()),
        Just("\"\"\"\n".to_string()),
        Just("[table\n".to_string()),
        "[ -~\n]{0,24}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

/// Every diagnostic names a file the build read, and its span lies inside that file.
fn assert_diagnostics_point_inside(outcome: &Outcome) -> Result<(), TestCaseError> {
    for diagnostic in &outcome.diagnostics {
        if let Some(span) = &diagnostic.span {
            let text = outcome.sources.get(&diagnostic.file);
            prop_assert!(text.is_some(), "{} names a file the build did not read", diagnostic.message);
            let len = text.map_or(0, str::len);
            prop_assert!(
                span.start <= span.end && span.end <= len,
                "{:?} outside {} bytes: {}",
                span,
                len,
                diagnostic.message
            );
        }
    }
    Ok(())
}

/// Renders the site: pages or diagnostics (a panic fails the test), every diagnostic inside its file.
fn answers_without_panicking(site: &TestSite) -> Result<(), TestCaseError> {
    let outcome = briefing::render_site(&site.options());
    prop_assert!(outcome.site.is_some() || outcome.has_errors());
    assert_diagnostics_point_inside(&outcome)
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: 160, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_markdown_body_yields_pages_or_diagnostics(body in markdown()) {
        let site = TestSite::base();
        site.write("content/extra.md", &format!("+++\ntitle = \"Extra\"\n+++\n{body}"));
        answers_without_panicking(&site)?;
    }

    #[test]
    fn any_front_matter_yields_pages_or_diagnostics(front in toml_like(), body in markdown()) {
        let site = TestSite::base();
        site.write("content/extra.md", &format!("+++\n{front}+++\n{body}"));
        answers_without_panicking(&site)?;
    }

    #[test]
    fn any_site_toml_yields_pages_or_diagnostics(settings in toml_like()) {
        let site = TestSite::base();
        site.write("site.toml", &settings);
        answers_without_panicking(&site)?;
    }

    #[test]
    fn any_records_file_yields_pages_or_diagnostics(records in toml_like()) {
        let site = TestSite::base();
        site.write("content/extra.toml", &records);
        answers_without_panicking(&site)?;
    }
}
