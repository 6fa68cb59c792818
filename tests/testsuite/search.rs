//! The search index: Pagefind's files under `pagefind/`, written by every build, the same for the
//! same input, holding the front page, the sections and the records, each with its kind and topics.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use crate::support::{TestSite, snapshot};

/// The files of the search index in an output folder, by path under `pagefind/`.
fn index_files(site: &TestSite) -> BTreeMap<String, Vec<u8>> {
    let output = site.output();
    snapshot(&output)
        .into_iter()
        .filter_map(|(path, bytes)| {
            let path = path.strip_prefix("pagefind").ok()?.to_string_lossy().replace('\\', "/");
            Some((path, bytes))
        })
        .collect()
}

/// A Pagefind data file as JSON: gzip around a `pagefind_dcd` signature and the data.
fn fragment_json(bytes: &[u8]) -> serde_json::Value {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes).read_to_string(&mut text).expect("a gzipped fragment");
    let json = text.strip_prefix("pagefind_dcd").expect("Pagefind's signature");
    serde_json::from_str(json).expect("a fragment is JSON")
}

/// Every indexed page, by its URL: Pagefind's fragment of it (url, content, meta, filters).
fn fragments(files: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, serde_json::Value> {
    files
        .iter()
        .filter(|(path, _)| path.starts_with("fragment/"))
        .map(|(_, bytes)| fragment_json(bytes))
        .map(|fragment| (fragment["url"].as_str().expect("url").to_string(), fragment))
        .collect()
}

#[test]
fn every_build_writes_the_search_index_among_its_outputs() {
    let site = TestSite::base();
    let outcome = site.build_ok();
    let files = index_files(&site);
    for fixed in ["pagefind.js", "pagefind-worker.js", "pagefind-entry.json", "wasm.en.pagefind"] {
        assert!(files.contains_key(fixed), "{fixed} missing from {:?}", files.keys());
    }
    let built = outcome.site.expect("built");
    let claimed: Vec<&String> = built.outputs.keys().filter(|path| path.starts_with("pagefind/")).collect();
    let written: Vec<String> = files.keys().map(|path| format!("pagefind/{path}")).collect();
    assert_eq!(claimed, written.iter().collect::<Vec<_>>(), "every index file is an output of the build");
    let entry: serde_json::Value = serde_json::from_slice(&files["pagefind-entry.json"]).expect("entry JSON");
    // The front page, the two sections and the 8 records: one result each.
    let indexed = fragments(&files);
    assert_eq!(entry["languages"]["en"]["page_count"], indexed.len());
    let mut urls: Vec<&str> = indexed.keys().map(String::as_str).collect();
    urls.sort();
    assert_eq!(
        urls,
        [
            "controversies/consent.html",
            "figures/revenue.html",
            "index.html",
            "one.html",
            "organizations/studio.html",
            "people/ada-chief.html",
            "quotes/not-worried.html",
            "quotes/reasonable.html",
            "sources/article.html",
            "two.html",
            "use-cases/storyboards.html",
        ],
        "sections, the front page and records; no index of a kind or topic, no 404"
    );
}

#[test]
fn a_record_is_its_own_result_with_its_kind_and_topics() {
    let site = TestSite::base();
    site.build_ok();
    let indexed = fragments(&index_files(&site));
    let quote = &indexed["quotes/not-worried.html"];
    assert_eq!(quote["filters"], serde_json::json!({"kind": ["Quote"], "topic": ["Artificial intelligence"]}));
    assert_eq!(quote["meta"]["kind"], "Quote");
    assert_eq!(quote["meta"]["title"], "“We are not too worried about it,” — Ada Chief");
    let content = quote["content"].as_str().expect("content");
    assert!(content.contains("We are not too worried about it,"), "{content}");
    assert!(!content.contains("Cited in"), "lists of links are left out: {content}");
    let section = &indexed["one.html"];
    assert_eq!(section["filters"]["kind"], serde_json::json!(["Section"]));
    assert_eq!(section["meta"]["kind"], "Section");
    assert_eq!(indexed["index.html"]["filters"]["kind"], serde_json::json!(["Front page"]));
}

#[test]
fn the_same_input_gives_the_same_index_byte_for_byte() {
    let site = TestSite::base();
    site.build_ok();
    let first = index_files(&site);
    let mut options = site.options();
    options.output = Some(PathBuf::from(site.root()).join("second"));
    let again = briefing::build(&options);
    assert!(!again.failed());
    let second: BTreeMap<String, Vec<u8>> = snapshot(&site.root().join("second/pagefind"))
        .into_iter()
        .map(|(path, bytes)| (path.to_string_lossy().replace('\\', "/"), bytes))
        .collect();
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>());
    assert!(first == second, "an index file differs between two builds");
}
