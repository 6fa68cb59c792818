//! The rule that keeps a build linear: no page grows with the number of pages, except the pages
//! whose job is to list (the front page, the contents, kind indexes, topics), and those are split
//! into pages of a bounded number of entries. Structural, not timed: it compares the same corpus
//! (benches/build/corpus.rs) at 100 and 1,000 sections, in each of its three shapes.

use std::collections::BTreeMap;

use briefing::render::listing::PAGE_SIZE;

use crate::corpus::{Shape, generate_shape};

/// The HTML pages of a corpus of `n` sections in `shape`, by path.
fn pages(shape: Shape, n: usize) -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    generate_shape(dir.path(), shape, n, 42).expect("corpus");
    let outcome = briefing::render_site(&briefing::BuildOptions::new(dir.path()));
    let errors: Vec<_> = outcome.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{} at {n}: {errors:?}", shape.name());
    let site = outcome.site.expect("rendered");
    site.files
        .into_iter()
        .filter(|file| file.path.ends_with(".html"))
        .map(|file| (file.path.clone(), String::from_utf8_lossy(&file.bytes).into_owned()))
        .collect()
}

const KIND_DIRS: [&str; 7] = ["quotes", "use-cases", "controversies", "people", "organizations", "figures", "sources"];

/// Whether the page at `path` is one whose job is to list.
fn is_listing(path: &str) -> bool {
    let kind_index = KIND_DIRS.iter().any(|dir| path.strip_prefix(dir).is_some_and(|rest| rest == "/index.html"));
    path == "index.html"
        || kind_index
        || path.starts_with("topics/")
        || path.starts_with("contents/")
        || path.contains("/page/")
}

/// The print edition is the whole briefing on one page by design; it is not a page one reads
/// through the site's navigation.
fn is_whole(path: &str) -> bool {
    path == "print.html"
}

/// The items of the outermost lists of a page's `<main>` that are not in a navigation block
/// (pager, breadcrumbs, table of contents): its entries (an entry's own topic chips are not).
fn entries(html: &str) -> usize {
    let main = html.split_once("<main").map_or("", |(_, rest)| rest);
    let main = main.split_once("</main>").map_or(main, |(inside, _)| inside);
    let mut count = 0;
    let (mut in_nav, mut lists) = (0usize, 0usize);
    let mut rest = main;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        let tag = |name: &str| rest.starts_with(name) && rest[name.len()..].starts_with([' ', '>']);
        if tag("<nav") {
            in_nav += 1;
        } else if tag("</nav") {
            in_nav = in_nav.saturating_sub(1);
        } else if tag("<ul") || tag("<ol") {
            lists += 1;
        } else if tag("</ul") || tag("</ol") {
            lists = lists.saturating_sub(1);
        } else if in_nav == 0 && lists == 1 && tag("<li") {
            count += 1;
        }
        rest = &rest[1..];
    }
    count
}

fn largest_non_listing(pages: &BTreeMap<String, String>) -> (String, usize) {
    pages
        .iter()
        .filter(|(path, _)| !is_listing(path) && !is_whole(path))
        .map(|(path, html)| (path.clone(), html.len()))
        .max_by_key(|(_, len)| *len)
        .expect("some pages")
}

fn check_shape(shape: Shape) {
    let small = pages(shape, 100);
    let large = pages(shape, 1000);
    let (small_path, small_size) = largest_non_listing(&small);
    let (large_path, large_size) = largest_non_listing(&large);
    assert!(
        (large_size as f64) < small_size as f64 * 1.10,
        "{}: the largest page that does not list grew from {small_size} bytes ({small_path}) at 100 sections to {large_size} ({large_path}) at 1,000",
        shape.name()
    );
    // The front page lists up to a page of sections, the key points and a dozen figures.
    let bound = PAGE_SIZE + 20;
    for (path, html) in large.iter().filter(|(path, _)| is_listing(path)) {
        let n = entries(html);
        assert!(n <= bound, "{}: {path} lists {n} entries, more than {bound}", shape.name());
    }
    let listings = large.keys().filter(|path| path.contains("/page/")).count();
    assert!(listings > 0, "{}: at 1,000 sections some listing takes more than one page", shape.name());
}

#[test]
fn no_page_grows_with_a_flat_site_and_listings_are_split() {
    check_shape(Shape::Flat);
}

#[test]
fn no_page_grows_with_a_nested_site_and_listings_are_split() {
    check_shape(Shape::Nested);
}

#[test]
fn no_page_grows_with_a_record_heavy_site_and_listings_are_split() {
    check_shape(Shape::RecordHeavy);
}

#[test]
fn entries_are_the_list_items_outside_navigation() {
    let html = "<nav><ol><li>a</li></ol></nav><main><nav class=\"x\"><ul><li>no</li></ul></nav><ul><li>one <ul><li>chip</li></ul></li><li class=\"y\">two</li></ul></main>";
    assert_eq!(entries(html), 2);
}
