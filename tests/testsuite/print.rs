//! The print edition, `print.html`: every part once and in order, ids unique, every in-page link
//! resolved, links between parts made anchors, the rest absolute, sidenotes made numbered notes.

use std::collections::BTreeSet;

use briefing::BuildOptions;
use briefing::markdown::start_tag_attributes;

use crate::support::TestSite;

/// The ids of `html` in document order, and its `href`s.
fn ids_and_links(html: &str) -> (Vec<String>, Vec<String>) {
    let (mut ids, mut links) = (Vec::new(), Vec::new());
    for (name, value) in start_tag_attributes(html.as_bytes()) {
        match name.as_str() {
            "id" => ids.push(value),
            "href" => links.push(value),
            _ => {}
        }
    }
    (ids, links)
}

/// The part of the page between `<main` and `</main>`.
fn main_of(html: &str) -> &str {
    let start = html.find("<main").expect("a <main>");
    let end = html.find("</main>").expect("a </main>");
    &html[start..end]
}

/// Every id once, every `#` link to one of them, no relative link left inside `<main>`.
fn assert_self_contained(html: &str) {
    let (ids, links) = ids_and_links(html);
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids: {ids:?}");
    for link in links.iter().filter_map(|l| l.strip_prefix('#')) {
        assert!(unique.contains(&link.to_string()), "`#{link}` names no id of print.html");
    }
    let (_, main_links) = ids_and_links(main_of(html));
    for link in main_links {
        assert!(link.starts_with('#') || link.starts_with("https://"), "relative link `{link}` inside <main>");
    }
    assert!(!html.contains("margin-toggle"), "a sidenote toggle is left");
}

#[test]
fn the_print_edition_holds_the_front_page_every_section_and_every_record_in_order() {
    let site = TestSite::base();
    site.build_ok();
    let html = site.page("print.html");
    let (ids, _) = ids_and_links(&html);
    let parts: Vec<&str> = ids
        .iter()
        .map(String::as_str)
        .filter(|id| !id.contains(':') && (*id == "front" || id.starts_with("s-") || id.starts_with("r-")))
        .collect();
    assert_eq!(
        parts,
        [
            "front",
            "s-one",
            "s-two",
            "r-quote-reasonable",
            "r-quote-not-worried",
            "r-use_case-storyboards",
            "r-controversy-consent",
            "r-person-ada-chief",
            "r-organization-studio",
            "r-figure-revenue",
            "r-source-article",
        ]
    );
    assert_self_contained(&html);
    // Every quote's words are there, once in its record and wherever a card shows it.
    assert_eq!(html.matches("<blockquote><p>We are not too worried about it,</p></blockquote>").count(), 2);
    assert_eq!(html.matches("<blockquote><p>becoming reasonable</p></blockquote>").count(), 1);
}

#[test]
fn links_between_parts_are_anchors_and_links_to_anything_else_absolute_urls() {
    let site = TestSite::base();
    site.edit("content/two.md", "## Practice\n", "## Practice\n\nSee [what was said](one.md#said), [the index](quotes/index.html), [the topic](topic:ai) and [above](#practice).\n");
    site.build_ok();
    let html = site.page("print.html");
    assert_self_contained(&html);
    for expected in [
        "<a href=\"#s-one:said\">what was said</a>",
        "<a href=\"https://example.org/fixture/quotes/index.html\">the index</a>",
        "<a class=\"topic-link\" href=\"https://example.org/fixture/topics/ai.html\">the topic</a>",
        "<a href=\"#s-two:practice\">above</a>",
        // From one.md, to a heading of two.md, and a card's links to records.
        "<a href=\"#s-two:practice\">the practice</a>",
        "<a href=\"#r-quote-not-worried\">About this quote</a>",
        "<a href=\"#r-source-article\">The article</a>",
        "<h3 id=\"s-two:practice\">Practice</h3>",
    ] {
        assert!(html.contains(expected), "print.html lacks {expected}");
    }
    // The record's "cited in" leads to the exact paragraph.
    assert!(html.contains("Cited in: <a href=\"#s-one:p-1\">The stance</a></p>"));
}

#[test]
fn sidenotes_become_numbered_notes_after_their_part() {
    let site = TestSite::base();
    site.build_ok();
    let html = site.page("print.html");
    assert!(html.contains(
        "<sup class=\"note-ref\"><a href=\"#s-one:sn-1\"><span class=\"visually-hidden\">Note </span>1</a></sup>"
    ));
    assert!(html.contains("<li id=\"s-one:sn-1\" value=\"1\"><p><span class=\"sidenote-para\">A sidenote with a "));
    assert_eq!(html.matches("<h3 class=\"endnotes-title\">Notes</h3>").count(), 1);
}

#[test]
fn the_print_edition_is_byte_identical_build_after_build() {
    let site = TestSite::base();
    site.build_ok();
    let first = site.page("print.html");
    site.build_ok();
    assert_eq!(site.page("print.html"), first);
}

#[test]
fn the_shipped_print_edition_is_self_contained_and_passes_check() {
    let outcome = briefing::render_site(&BuildOptions::new(env!("CARGO_MANIFEST_DIR")));
    let site = outcome.site.expect("built");
    let print = site.files.iter().find(|f| f.path == "print.html").expect("print.html is written");
    let html = std::str::from_utf8(&print.bytes).expect("UTF-8");
    assert_self_contained(html);
    let problems: Vec<String> = briefing::check::check_pages(&site.files)
        .iter()
        .filter(|p| p.page == "print.html")
        .map(ToString::to_string)
        .collect();
    assert_eq!(problems, Vec::<String>::new());
    let (ids, _) = ids_and_links(html);
    for section in ["s-stance", "s-use-cases", "s-business", "s-controversies", "s-outlook"] {
        assert!(ids.iter().any(|id| id == section), "section `{section}` is missing");
    }
    let records = ids.iter().filter(|id| id.starts_with("r-") && !id.contains(':')).count();
    assert_eq!(records, site.records);
}
