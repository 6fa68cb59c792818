//! `briefing.json` and `briefing.schema.json`: the schema is a valid draft 2020-12 schema, the
//! fixture's and the shipped briefing's exports pass it (and a damaged export does not), exact
//! values, reading order, and byte-identical builds.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::TestSite;

const SCHEMA: &str = include_str!("../../src/render/briefing.schema.json");

fn schema() -> Value {
    serde_json::from_str(SCHEMA).expect("the schema is JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::options().should_validate_formats(true).build(&schema()).expect("the schema compiles")
}

/// Every way `document` breaks the schema, one line each.
fn violations(document: &Value) -> Vec<String> {
    validator().iter_errors(document).map(|error| format!("{}: {error}", error.instance_path())).collect()
}

fn export_of(output: &Path) -> Value {
    let text = std::fs::read_to_string(output.join("briefing.json")).expect("briefing.json is written");
    serde_json::from_str(&text).expect("briefing.json is JSON")
}

fn fixture_export() -> Value {
    let site = TestSite::base();
    site.build_ok();
    export_of(&site.output())
}

fn record<'v>(document: &'v Value, kind: &str, id: &str) -> &'v Value {
    document["records"]
        .as_array()
        .expect("records")
        .iter()
        .find(|r| r["kind"] == kind && r["id"] == id)
        .unwrap_or_else(|| panic!("no record {kind}:{id}"))
}

#[test]
fn the_schema_is_a_valid_draft_2020_12_schema() {
    let schema = schema();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    if let Err(error) = jsonschema::meta::validate(&schema) {
        panic!("{}: {error}", error.instance_path());
    }
}

#[test]
fn the_schema_names_every_kind_and_stage_the_model_knows() {
    let schema = schema();
    let kinds: Vec<&str> = briefing::model::Kind::ALL.iter().map(|k| k.table_name()).collect();
    assert_eq!(schema["$defs"]["kind"]["enum"], json!(kinds));
    let mut stages: Vec<Value> = briefing::model::STAGES.iter().map(|s| json!(s)).collect();
    stages.push(Value::Null);
    assert_eq!(schema["$defs"]["use_case"]["properties"]["stage"]["enum"], Value::Array(stages));
    let defined: Vec<&str> = schema["$defs"]["record"]["oneOf"]
        .as_array()
        .expect("oneOf")
        .iter()
        .map(|r| r["$ref"].as_str().expect("$ref").trim_start_matches("#/$defs/"))
        .collect();
    assert_eq!(defined, kinds, "one schema per kind, in kind order");
}

#[test]
fn the_fixture_export_passes_its_schema_and_the_schema_is_written_beside_it() {
    let site = TestSite::base();
    site.build_ok();
    let document = export_of(&site.output());
    assert_eq!(violations(&document), Vec::<String>::new());
    assert_eq!(document["$schema"], "briefing.schema.json");
    let written = std::fs::read_to_string(site.output().join("briefing.schema.json")).expect("schema is written");
    assert_eq!(written, SCHEMA);
}

#[test]
fn the_shipped_briefing_export_passes_its_schema() {
    let out = tempfile::tempdir().expect("temp dir");
    let mut options = briefing::BuildOptions::new(env!("CARGO_MANIFEST_DIR"));
    options.output = Some(out.path().join("public"));
    let outcome = briefing::build(&options);
    assert!(!outcome.failed(), "{}", briefing::diagnostics::render(&outcome.diagnostics, &outcome.sources, false));
    let document = export_of(&out.path().join("public"));
    assert_eq!(violations(&document), Vec::<String>::new());
    let records = document["records"].as_array().expect("records");
    assert_eq!(records.len(), outcome.site.expect("built").records);
    let kinds: Vec<&str> = records.iter().map(|r| r["kind"].as_str().expect("kind")).collect();
    for kind in ["quote", "use_case", "controversy", "person", "organization", "figure", "source"] {
        assert!(kinds.contains(&kind), "the shipped briefing has a {kind}, so the schema of each kind is exercised");
    }
}

#[test]
fn a_damaged_export_fails_its_schema() {
    let valid = fixture_export();
    assert_eq!(violations(&valid), Vec::<String>::new());
    let quote_at = valid["records"].as_array().expect("records").iter().position(|r| r["kind"] == "quote").expect("q");
    let quote = format!("/records/{quote_at}");
    let damages = [
        ("a required field missing", format!("{quote}/speaker"), None),
        ("an unknown top-level field", "/extra".to_string(), Some(json!(1))),
        ("an unknown record field", format!("{quote}/speaker_name"), Some(json!("Ada"))),
        ("a field of another kind", format!("{quote}/stage"), Some(json!("concept"))),
        ("an unknown kind", format!("{quote}/kind"), Some(json!("tweet"))),
        ("a speaker that is a source", format!("{quote}/speaker/kind"), Some(json!("source"))),
        ("a date not as written", "/sections/0/date".to_string(), Some(json!("21 October 2025"))),
        ("a relative URL", "/sections/0/url".to_string(), Some(json!("one.html"))),
        ("an empty optional text instead of null", "/sections/1/summary".to_string(), Some(json!(""))),
    ];
    for (what, pointer, value) in damages {
        let mut document = valid.clone();
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
        let object = document.pointer_mut(parent).and_then(Value::as_object_mut).expect("an object");
        match value {
            Some(value) => object.insert(key.to_string(), value),
            None => object.remove(key),
        };
        assert_ne!(document, valid, "{what}: the damage changed nothing");
        assert!(!violations(&document).is_empty(), "{what}: the schema let it through");
    }
}

#[test]
fn references_are_resolved_and_backlinks_are_absolute() {
    let document = fixture_export();
    let quote = record(&document, "quote", "not-worried");
    assert_eq!(
        quote["speaker"],
        json!({
            "kind": "person",
            "id": "ada-chief",
            "url": "https://example.org/fixture/people/ada-chief.html",
            "title": "Ada Chief"
        })
    );
    assert_eq!(quote["text"], "We are not too worried about it,");
    assert_eq!(quote["locator"], "paragraph 1");
    assert_eq!(quote["framing"], Value::Null);
    assert_eq!(quote["source"]["url"], "https://example.org/fixture/sources/article.html");
    assert_eq!(
        quote["cited_in"],
        json!([
            { "title": "Fixture briefing", "url": "https://example.org/fixture/index.html" },
            { "title": "The stance", "url": "https://example.org/fixture/one.html#p-2" }
        ])
    );
    assert_eq!(
        quote["note"]["text"], "She said it calmly, like the studio. [1: Tone as reported.]",
        "a note's sidenote stays with it"
    );
    let studio = record(&document, "organization", "studio");
    assert_eq!(studio["external_url"], "https://example.org/");
    assert_eq!(
        studio["cited_in"][1],
        json!({ "title": "We are not too worried about it,", "url": "https://example.org/fixture/quotes/not-worried.html#p-1" })
    );
    let named_by: Vec<&str> =
        studio["named_by"].as_array().expect("named_by").iter().map(|r| r["id"].as_str().expect("id")).collect();
    assert_eq!(named_by, ["storyboards", "consent"]);
    let related = &record(&document, "controversy", "consent")["related"];
    assert_eq!(related[1]["url"], "https://example.org/fixture/use-cases/storyboards.html");
    let figure = record(&document, "figure", "revenue");
    assert_eq!(
        (&figure["value"], &figure["unit"], &figure["change"]),
        (&json!("$1 billion"), &Value::Null, &json!("+17%"))
    );
}

#[test]
fn records_come_by_kind_then_id_and_topics_list_their_members() {
    let document = fixture_export();
    let keys: Vec<String> = document["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| format!("{}:{}", r["kind"].as_str().expect("kind"), r["id"].as_str().expect("id")))
        .collect();
    let expected = [
        "quote:not-worried",
        "quote:reasonable",
        "use_case:storyboards",
        "controversy:consent",
        "person:ada-chief",
        "organization:studio",
        "figure:revenue",
        "source:article",
    ];
    assert_eq!(keys, expected);
    assert_eq!(
        document["topics"],
        json!([{
            "slug": "ai",
            "name": "Artificial intelligence",
            "url": "https://example.org/fixture/topics/ai.html",
            "pages": [
                { "title": "Fixture briefing", "url": "https://example.org/fixture/index.html" },
                { "title": "The stance", "url": "https://example.org/fixture/one.html" }
            ],
            "records": [{
                "kind": "quote",
                "id": "not-worried",
                "url": "https://example.org/fixture/quotes/not-worried.html",
                "title": "We are not too worried about it,"
            }]
        }])
    );
}

#[test]
fn sections_carry_their_text_as_plain_text_and_as_html_with_absolute_links() {
    let document = fixture_export();
    let stance = &document["sections"][0];
    assert_eq!(stance["url"], "https://example.org/fixture/one.html");
    assert_eq!((&stance["date"], &stance["updated"]), (&json!("2025-10-21"), &Value::Null));
    assert_eq!(
        stance["text"],
        "What was said\n\nThe chief said the tools were becoming reasonable. [1: A sidenote with a link to the studio.]\n\n\
         “We are not too worried about it,”\n\nNote\n\nOur analysis. This is the briefing’s own view. See the practice."
    );
    let html = stance["html"].as_str().expect("html");
    assert!(html.contains("<a href=\"https://example.org/fixture/two.html#practice\">the practice</a>"), "{html}");
    assert!(
        html.contains("href=\"https://example.org/fixture/quotes/not-worried.html\">About this quote</a>"),
        "{html}"
    );
    assert!(!html.contains("href=\"../") && !html.contains("href=\"quotes/"), "no relative link: {html}");
    assert_eq!(
        document["sections"][1]["text"],
        "Practice\n\nThe storyboard case raised a dispute.\n\nYear | Revenue\n2025 | up\n\nChecked the source\nAsked the studio"
    );
    let front = &document["front"];
    assert_eq!(front["dek"]["text"], "A studio weighs its new tools.");
    assert_eq!(front["key_points"][1]["text"], "Revenue rose: see the figure.");
    assert_eq!(document["site"]["base_url"], "https://example.org/fixture/");
}

#[test]
fn sections_follow_the_reading_order_and_name_their_parent() {
    let site = TestSite::base();
    site.write("content/practice/_index.md", "+++\ntitle = \"Practice folder\"\nweight = 0\n+++\nThe folder.\n")
        .write("content/practice/vfx.md", "+++\ntitle = \"Effects\"\nupdated = \"2025-11\"\n+++\nEffects.\n");
    site.build_ok();
    let document = export_of(&site.output());
    assert_eq!(violations(&document), Vec::<String>::new());
    let sections: Vec<(&str, &Value)> = document["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .map(|s| (s["url"].as_str().expect("url"), &s["parent"]))
        .collect();
    let folder = json!("https://example.org/fixture/practice/index.html");
    assert_eq!(
        sections,
        [
            ("https://example.org/fixture/practice/index.html", &Value::Null),
            ("https://example.org/fixture/practice/vfx.html", &folder),
            ("https://example.org/fixture/one.html", &Value::Null),
            ("https://example.org/fixture/two.html", &Value::Null),
        ]
    );
    assert_eq!(document["sections"][1]["updated"], "2025-11");
}

#[test]
fn the_base_url_flag_moves_every_url() {
    let site = TestSite::base();
    let mut options = site.options();
    options.base_url = Some(briefing::load::BaseUrl::parse("http://127.0.0.1:1111/sub/").expect("a base URL"));
    assert!(!briefing::build(&options).failed());
    let document = export_of(&site.output());
    assert_eq!(violations(&document), Vec::<String>::new());
    assert_eq!(
        record(&document, "quote", "reasonable")["cited_in"][0]["url"],
        "http://127.0.0.1:1111/sub/one.html#p-1"
    );
    assert!(
        !std::fs::read_to_string(site.output().join("briefing.json")).expect("json").contains("example.org/fixture")
    );
}

#[test]
fn two_builds_give_the_same_bytes_pretty_printed_with_a_final_newline() {
    let site = TestSite::base();
    site.build_ok();
    let first = std::fs::read(site.output().join("briefing.json")).expect("first");
    site.build_ok();
    let second = std::fs::read(site.output().join("briefing.json")).expect("second");
    assert_eq!(first, second);
    let text = String::from_utf8(first).expect("UTF-8");
    assert!(text.starts_with("{\n  \"$schema\": \"briefing.schema.json\",\n  \"version\": 1,\n"), "{text}");
    assert!(text.ends_with("\n}\n"));
}
