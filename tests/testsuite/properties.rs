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
        Just("“".to_string()),
        Just("”".to_string()),
        Just("\"".to_string()),
        Just("'".to_string()),
        Just("‘a’".to_string()),
        Just("&ldquo;".to_string()),
        Just("“[not too worried](quote:not-worried)”".to_string()),
        Just("\"*A Title*\"".to_string()),
        Just("“becoming reasonable”".to_string()),
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
        Just("summary = \"a \\\"b\\\" \\u201Cc\\u201D\"\n".to_string()),
        Just("\"\"\"\n".to_string()),
        Just("[table\n".to_string()),
        "[ -~\n]{0,24}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

/// Every diagnostic names a file the build read, and its span lies inside that file; a warning
/// about words in quotation marks underlines text that opens with a quotation mark (or with the
/// entity or escape that writes one).
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
            let quotation = diagnostic.message.starts_with("words in quotation marks")
                || diagnostic.message.starts_with("these quoted words");
            let underlined = text.and_then(|text| text.get(span.clone())).unwrap_or("");
            prop_assert!(
                !quotation || underlined.starts_with(['"', '\'', '“', '‘', '„', '«', '&', '\\']),
                "a quotation warning underlines `{underlined}`"
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

/// A page of a generated site: where it lives and what its body links to.
#[derive(Debug, Clone)]
struct GeneratedPage {
    path: &'static str,
    weight: i64,
    topics: Vec<&'static str>,
    body: String,
}

/// Mostly what a working briefing holds; now and then something that must be refused.
fn mostly<T: Clone + std::fmt::Debug + 'static>(usual: Vec<T>, rare: Vec<T>) -> impl Strategy<Value = T> + Clone {
    prop_oneof![9 => prop::sample::select(usual), 1 => prop::sample::select(rare)]
}

/// A page body for a page `depth` folders down: links to the base fixture's pages and static
/// files climb back to the top, as an editor writes them.
fn generated_body(depth: usize) -> impl Strategy<Value = String> {
    let piece = mostly(
        vec![
            "[p](TOP/one.md)",
            "[p](TOP/one.md#said)",
            "[p](TOP/two.md#practice)",
            "[self](#local)",
            "[q](quote:not-worried)",
            "[o](organization:studio)",
            "[t](topic:ai)",
            "\n\n![](quote:reasonable)\n\n",
            "\n\n![](figure:revenue)\n\n",
            "[^n] and again[^n]",
            "[^block]",
            "\n\n| a | b |\n|---|---|\n| [x](person:ada-chief) | 2 |\n\n",
            "![alt [with](TOP/one.md) link](TOP/img/a.svg)",
            "\u{0}",
            "plain words ",
        ],
        vec!["[p](TOP/one.md#no-such-heading)", "[self](#nowhere)", "[q](quote:index)", "[t](topic:index)"],
    );
    let top = if depth == 0 { ".".to_string() } else { vec![".."; depth].join("/") };
    prop::collection::vec(piece, 0..8).prop_map(move |pieces| {
        let pieces = pieces.join(" ").replace("TOP", &top);
        // Every generated page has the heading `#local` and defines the notes its pieces use.
        let notes = "\n\n[^n]: A note with [a link](person:ada-chief).\n\n[^block]: A note with a list:\n\n    - one\n    - two\n";
        format!("## Local {{#local}}\n\n{pieces}{notes}")
    })
}

fn generated_page(path: &'static str) -> impl Strategy<Value = GeneratedPage> {
    let topics = prop::collection::vec(mostly(vec!["ai", "economy"], vec!["index"]), 0..3);
    (-2i64..3, topics, generated_body(path.matches('/').count()))
        .prop_map(move |(weight, topics, body)| GeneratedPage { path, weight, topics, body })
}

/// Pages at distinct paths, now and then one more whose output path meets another's
/// (`index.md` and `_index.md`, `One.md` and `one.md`, a folder's `index.md` and `_index.md`).
fn generated_pages() -> impl Strategy<Value = Vec<GeneratedPage>> {
    let usual =
        vec!["gen-a.md", "gen-b.md", "part/_index.md", "part/deep.md", "part/inner/_index.md", "part/inner/leaf.md"];
    let paths = prop::sample::subsequence(usual, 0..6);
    let clash =
        prop::option::weighted(0.15, prop::sample::select(vec!["index.md", "One.md", "part/index.md", "quotes.md"]));
    (paths, clash).prop_flat_map(|(mut paths, clash)| {
        paths.extend(clash);
        paths.into_iter().map(generated_page).collect::<Vec<_>>()
    })
}

fn generated_site() -> impl Strategy<Value = (Vec<GeneratedPage>, Vec<&'static str>, Vec<&'static str>)> {
    let person_ids = prop::collection::btree_set(mostly(vec!["bo-deputy", "cy-critic"], vec!["index"]), 0..3);
    // `img/a.svg` is always there (pages link to it); sometimes a static file meets a page.
    let statics =
        prop::collection::btree_set(mostly(vec!["notes.txt", "img/b.svg"], vec!["index.html", "one.html"]), 0..3)
            .prop_map(|mut names| {
                names.insert("img/a.svg");
                names
            });
    (generated_pages(), person_ids.prop_map(|s| s.into_iter().collect()), statics.prop_map(|s| s.into_iter().collect()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..config() })]

    /// Whatever pages, records, topics and static files meet in a site: either the build names the
    /// clash, or every output path is written exactly once and every link, fragment and id
    /// reference in the output resolves.
    #[test]
    fn every_output_path_is_written_once_and_every_link_resolves((pages, people, statics) in generated_site()) {
        let site = TestSite::base();
        for page in &pages {
            let topics: Vec<String> = page.topics.iter().map(|t| format!("{t:?}")).collect();
            site.write(
                &format!("content/{}", page.path),
                &format!("+++\ntitle = \"{}\"\nweight = {}\ntopics = [{}]\n+++\n{}\n", page.path, page.weight, topics.join(", "), page.body),
            );
        }
        let records: String = people.iter().map(|id| format!("[[person]]\nid = \"{id}\"\nname = \"P {id}\"\n\n")).collect();
        site.write("content/generated.toml", &records);
        for name in &statics {
            site.write(&format!("static/{name}"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n");
        }
        let outcome = briefing::render_site(&site.options());
        assert_diagnostics_point_inside(&outcome)?;
        let Some(built) = outcome.site else {
            prop_assert!(outcome.has_errors());
            return Ok(());
        };
        let mut paths: Vec<&str> = built.files.iter().map(|f| f.path.as_str()).collect();
        let written = paths.len();
        paths.dedup();
        prop_assert_eq!(paths.len(), written, "an output path was written twice");
        let problems: Vec<String> = briefing::check::check_pages(&built.files).iter().map(ToString::to_string).collect();
        prop_assert!(problems.is_empty(), "{}", problems.join("\n"));
        // The search index is gzip and WebAssembly: NUL bytes there are data, not placeholders.
        for file in built.files.iter().filter(|f| !f.path.starts_with(briefing::routes::SEARCH_PREFIX)) {
            prop_assert!(!file.bytes.contains(&0), "{} holds a NUL byte", file.path);
        }
    }
}
