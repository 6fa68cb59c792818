//! `atom.xml`, `sitemap.xml` and `robots.txt`: read back with a conforming XML parser (roxmltree) and
//! checked value by value on the fixture site, under a subpath, and on the shipped briefing.

use std::collections::BTreeSet;
use std::path::Path;

use roxmltree::{Document, Node};

use crate::support::{TestSite, copy_tree, snapshot};

const ATOM: &str = "http://www.w3.org/2005/Atom";
const SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const BASE: &str = "https://example.org/fixture/";

/// The base fixture with more dates: a section with a partial `date` and an `updated`, and a quote
/// dated by its year only (one.md and the source are both dated 2025-10-21, a tie).
fn dated_site() -> TestSite {
    let site = TestSite::base();
    site.edit("content/two.md", "weight = 2\n", "weight = 2\ndate = \"2025-09\"\nupdated = 2025-11-02\n");
    site.edit(
        "content/records.toml",
        "text = \"becoming reasonable\"\n",
        "text = \"becoming reasonable\"\ndate = \"2025\"\n",
    );
    site
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Node<'a, 'i> {
    children(node, name).next().unwrap_or_else(|| panic!("<{}> has no <{name}>", node.tag_name().name()))
}

fn children<'a, 'i: 'a, 'n>(node: Node<'a, 'i>, name: &'n str) -> impl Iterator<Item = Node<'a, 'i>> + use<'a, 'i, 'n> {
    node.children().filter(move |n| n.is_element() && n.tag_name().name() == name)
}

fn text<'a>(node: Node<'a, '_>, name: &str) -> &'a str {
    child(node, name).text().unwrap_or("")
}

/// Every `href` and `src` in an HTML fragment.
fn urls_in(html: &str) -> Vec<String> {
    briefing::markdown::start_tag_attributes(html.as_bytes())
        .filter(|(name, _)| name == "href" || name == "src")
        .map(|(_, value)| value)
        .collect()
}

/// Whether `text` is an RFC 3339 timestamp.
fn is_rfc3339(text: &str) -> bool {
    text.parse::<jiff::Timestamp>().is_ok()
}

/// The ids of the feed's entries, in order.
fn entry_ids(site: &TestSite) -> Vec<String> {
    let xml = site.page("atom.xml");
    let doc = Document::parse(&xml).expect("atom.xml is well-formed XML");
    children(doc.root_element(), "entry").map(|e| text(e, "id").to_string()).collect()
}

#[test]
fn feed_limit_keeps_the_newest_entries_and_the_feed_updated_of_the_newest() {
    let site = dated_site();
    site.build_ok();
    let all = entry_ids(&site);
    assert_eq!(all.len(), 4, "under the default limit of 50, every dated entry");
    for limit in 1..=4 {
        site.edit("site.toml", "author = ", &format!("feed_limit = {limit}\nauthor = "));
        site.build_ok();
        // The newest, and of the two dated 2025-10-21, the page before the source, as in the full feed.
        assert_eq!(entry_ids(&site), all[..limit], "feed_limit = {limit}");
        assert!(site.page("atom.xml").contains("<updated>2025-11-02T00:00:00Z</updated>"));
        site.edit("site.toml", &format!("feed_limit = {limit}\n"), "");
    }
    site.edit("site.toml", "author = ", "feed_limit = 9999\nauthor = ");
    site.build_ok();
    assert_eq!(entry_ids(&site), all);
}

#[test]
fn the_feed_has_every_dated_page_and_record_newest_first_with_ties_in_site_order() {
    let site = dated_site();
    site.build_ok();
    let xml = site.page("atom.xml");
    let doc = Document::parse(&xml).expect("atom.xml is well-formed XML");
    let feed = doc.root_element();
    assert_eq!((feed.tag_name().namespace(), feed.tag_name().name()), (Some(ATOM), "feed"));
    assert_eq!(feed.attribute(("http://www.w3.org/XML/1998/namespace", "lang")), Some("en"));
    assert_eq!(text(feed, "id"), BASE);
    assert_eq!(text(feed, "title"), "Fixture briefing");
    assert_eq!(text(feed, "subtitle"), "A tiny briefing used by the test suite.");
    assert_eq!(text(feed, "updated"), "2025-11-02T00:00:00Z", "the newest entry's");
    assert_eq!(text(child(feed, "author"), "name"), "Test desk");
    let links: Vec<(&str, &str, &str)> = children(feed, "link")
        .map(|l| {
            (l.attribute("rel").unwrap_or(""), l.attribute("type").unwrap_or(""), l.attribute("href").unwrap_or(""))
        })
        .collect();
    assert_eq!(
        links,
        [("self", "application/atom+xml", "https://example.org/fixture/atom.xml"), ("alternate", "text/html", BASE)]
    );

    let entries: Vec<Node> = children(feed, "entry").collect();
    let summary: Vec<(&str, &str, Option<&str>, &str)> = entries
        .iter()
        .map(|e| {
            let published = children(*e, "published").next().and_then(|p| p.text());
            (text(*e, "id"), text(*e, "updated"), published, text(*e, "title"))
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "https://example.org/fixture/two.html",
                "2025-11-02T00:00:00Z",
                Some("2025-09-01T00:00:00Z"),
                "The practice"
            ),
            (
                "https://example.org/fixture/one.html",
                "2025-10-21T00:00:00Z",
                Some("2025-10-21T00:00:00Z"),
                "The stance"
            ),
            (
                "https://example.org/fixture/sources/article.html",
                "2025-10-21T00:00:00Z",
                Some("2025-10-21T00:00:00Z"),
                "Source: The article"
            ),
            (
                "https://example.org/fixture/quotes/reasonable.html",
                "2025-01-01T00:00:00Z",
                Some("2025-01-01T00:00:00Z"),
                "Ada Chief: “becoming reasonable”"
            ),
        ]
    );
    let summaries: Vec<&str> = entries.iter().map(|e| text(*e, "summary")).collect();
    assert_eq!(
        summaries,
        [
            "The storyboard case raised a dispute.",
            "What the studio says.",
            "The article, Example News, 2025-10-21",
            "“becoming reasonable” — Ada Chief"
        ]
    );
    for entry in &entries {
        let id = text(*entry, "id");
        let alternate = child(*entry, "link");
        assert_eq!((alternate.attribute("rel"), alternate.attribute("href")), (Some("alternate"), Some(id)));
        assert_eq!(child(*entry, "summary").attribute("type"), Some("text"));
        let content = child(*entry, "content");
        assert_eq!(content.attribute("type"), Some("html"));
        let html = content.text().unwrap_or("");
        let urls = urls_in(html);
        assert!(!urls.is_empty(), "{id} has links");
        for url in urls {
            assert!(url.starts_with(BASE), "{id}: `{url}` is not absolute under the base URL");
        }
        assert!(!html.contains("role=\"tooltip\""), "{id}: previews are left out of the feed");
    }
    let topics: Vec<(&str, &str, &str)> = children(entries[1], "category")
        .map(|c| {
            (c.attribute("term").unwrap_or(""), c.attribute("scheme").unwrap_or(""), c.attribute("label").unwrap_or(""))
        })
        .collect();
    assert_eq!(topics, [("ai", "https://example.org/fixture/topics/", "Artificial intelligence")]);

    // The section's text with its embedded card and absolute links; the quote's card.
    let stance = child(entries[1], "content").text().unwrap_or("");
    assert!(stance.contains("<blockquote><p>We are not too worried about it,</p></blockquote>"), "{stance}");
    assert!(stance.contains("<a href=\"https://example.org/fixture/two.html#practice\">the practice</a>"), "{stance}");
    let quote = child(entries[3], "content").text().unwrap_or("");
    assert!(
        quote.starts_with("<figure class=\"card card-quote\">\n  <blockquote><p>becoming reasonable</p></blockquote>"),
        "{quote}"
    );
}

#[test]
fn a_record_entry_holds_its_note_with_absolute_links() {
    let site = TestSite::base();
    site.edit(
        "content/records.toml",
        "context = \"On an earnings call.\"\n",
        "context = \"On an earnings call.\"\ndate = 2025-10-20\n",
    );
    site.build_ok();
    let xml = site.page("atom.xml");
    let doc = Document::parse(&xml).expect("well-formed");
    let entry = children(doc.root_element(), "entry")
        .find(|e| text(*e, "id") == "https://example.org/fixture/quotes/not-worried.html")
        .expect("the dated quote has an entry");
    let html = child(entry, "content").text().unwrap_or("");
    assert!(
        html.contains(
            "<p id=\"p-1\">She said it <em>calmly</em>, like <span class=\"ref ref-organization\"><a class=\"ref-link\" href=\"https://example.org/fixture/organizations/studio.html\""
        ),
        "{html}"
    );
    assert_eq!(text(entry, "summary"), "“We are not too worried about it,” — Ada Chief, On an earnings call.");
}

#[test]
fn a_feed_with_nothing_dated_is_valid_and_has_no_entries() {
    let site = TestSite::base();
    site.edit("content/one.md", "date = \"2025-10-21\"\n", "");
    site.edit("content/records.toml", "date = 2025-10-21\n", "");
    site.build_ok();
    let xml = site.page("atom.xml");
    let doc = Document::parse(&xml).expect("well-formed");
    assert_eq!(children(doc.root_element(), "entry").count(), 0);
    assert_eq!(text(doc.root_element(), "updated"), "1970-01-01T00:00:00Z", "fixed, so builds stay identical");

    site.edit("content/_index.md", "topics = [\"ai\"]\n", "topics = [\"ai\"]\ndate = \"2025-06\"\n");
    site.build_ok();
    let xml = site.page("atom.xml");
    let doc = Document::parse(&xml).expect("well-formed");
    assert_eq!(children(doc.root_element(), "entry").count(), 0, "the front page is the feed itself, not an entry");
    assert_eq!(text(doc.root_element(), "updated"), "2025-06-01T00:00:00Z", "the front page's date");
}

#[test]
fn text_that_xml_forbids_is_dropped_and_markup_is_escaped() {
    let site = TestSite::base();
    site.edit("content/one.md", "summary = \"What the studio says.\"", "summary = \"Bell\\u0007 & <tags> “quoted”\"");
    site.edit("content/one.md", "title = \"The stance\"", "title = \"The <stance> & more\"");
    let outcome = site.build();
    assert!(outcome.site.is_some(), "{}", crate::support::rendered(&outcome));
    let xml = site.page("atom.xml");
    let doc = Document::parse(&xml).expect("well-formed despite the control character");
    let entry = child(doc.root_element(), "entry");
    assert_eq!(text(entry, "summary"), "Bell & <tags> “quoted”");
    assert_eq!(text(entry, "title"), "The <stance> & more");
}

#[test]
fn the_sitemap_lists_every_page_but_the_404_with_lastmod_from_front_matter() {
    let site = dated_site();
    site.build_ok();
    let xml = site.page("sitemap.xml");
    let doc = Document::parse(&xml).expect("sitemap.xml is well-formed XML");
    let urlset = doc.root_element();
    assert_eq!((urlset.tag_name().namespace(), urlset.tag_name().name()), (Some(SITEMAP), "urlset"));
    let listed: Vec<(&str, Option<&str>)> = children(urlset, "url")
        .map(|u| (text(u, "loc"), children(u, "lastmod").next().and_then(|l| l.text())))
        .collect();
    let expected: BTreeSet<String> = snapshot(&site.output())
        .into_keys()
        .map(|path| briefing::load::slash_path(&path))
        .filter(|path| path.ends_with(".html") && path != "404.html")
        .map(|path| if path == "index.html" { BASE.to_string() } else { format!("{BASE}{path}") })
        .collect();
    let locs: BTreeSet<String> = listed.iter().map(|(loc, _)| loc.to_string()).collect();
    assert_eq!(locs, expected);
    assert_eq!(listed.len(), expected.len(), "each page once");
    assert_eq!(listed.len(), 22, "21 pages (the contents included) and the print edition");
    let dated: Vec<(&str, Option<&str>)> = listed.iter().copied().filter(|(_, lastmod)| lastmod.is_some()).collect();
    assert_eq!(
        dated,
        [
            ("https://example.org/fixture/one.html", Some("2025-10-21")),
            ("https://example.org/fixture/two.html", Some("2025-11-02"))
        ]
    );
}

#[test]
fn robots_txt_allows_all_and_names_the_sitemap() {
    let site = TestSite::base();
    site.build_ok();
    assert_eq!(
        site.page("robots.txt"),
        "User-agent: *\nAllow: /\n\nSitemap: https://example.org/fixture/sitemap.xml\n"
    );
}

#[test]
fn every_page_links_the_feed_in_its_head_relative_to_itself() {
    let site = TestSite::base();
    site.build_ok();
    let link = |href: &str| {
        format!("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Fixture briefing\" href=\"{href}\">")
    };
    let mut pages = 0;
    for path in snapshot(&site.output()).into_keys() {
        let path = briefing::load::slash_path(&path);
        if !path.ends_with(".html") {
            continue;
        }
        pages += 1;
        let href = match path.as_str() {
            // The 404 page is served at any depth: its links start from the base URL's path.
            "404.html" => "/fixture/atom.xml".to_string(),
            _ => format!("{}atom.xml", "../".repeat(path.matches('/').count())),
        };
        let page = site.page(&path);
        let head = &page[..page.find("</head>").expect("a head")];
        assert_eq!(head.matches(&link(&href)).count(), 1, "{path}");
    }
    assert_eq!(pages, 23, "21 pages (the contents included), the 404 page and the print edition");
}

#[test]
fn urls_are_absolute_under_a_subpath_base_url() {
    let site = dated_site();
    let mut options = site.options();
    options.base_url =
        Some(briefing::load::BaseUrl::parse("https://news.example.com/briefings/netflix").expect("a base URL"));
    let outcome = briefing::build(&options);
    assert!(outcome.site.is_some(), "{}", crate::support::rendered(&outcome));
    let base = "https://news.example.com/briefings/netflix/";
    let feed_xml = site.page("atom.xml");
    let feed = Document::parse(&feed_xml).expect("well-formed");
    let feed = feed.root_element();
    assert_eq!(text(feed, "id"), base);
    let mut urls: Vec<String> = children(feed, "link").filter_map(|l| l.attribute("href")).map(String::from).collect();
    for entry in children(feed, "entry") {
        urls.push(text(entry, "id").to_string());
        urls.extend(children(entry, "link").filter_map(|l| l.attribute("href")).map(String::from));
        urls.extend(children(entry, "category").filter_map(|c| c.attribute("scheme")).map(String::from));
        urls.extend(urls_in(child(entry, "content").text().unwrap_or("")));
        assert!(is_rfc3339(text(entry, "updated")));
    }
    let sitemap_xml = site.page("sitemap.xml");
    let sitemap = Document::parse(&sitemap_xml).expect("well-formed");
    urls.extend(children(sitemap.root_element(), "url").map(|u| text(u, "loc").to_string()));
    assert!(urls.len() > 40, "{} urls", urls.len());
    for url in &urls {
        assert!(url.starts_with(base), "`{url}` is not under {base}");
    }
    assert!(site.page("robots.txt").ends_with(&format!("Sitemap: {base}sitemap.xml\n")));
    assert!(site.page("404.html").contains("href=\"/briefings/netflix/atom.xml\""));
}

#[test]
fn feed_and_sitemap_are_byte_identical_across_builds() {
    let site = dated_site();
    site.build_ok();
    let first = (site.page("atom.xml"), site.page("sitemap.xml"));
    site.build_ok();
    assert_eq!((site.page("atom.xml"), site.page("sitemap.xml")), first);
}

/// The shipped briefing, copied, with every section dated (it ships without dates: its source
/// gives none) — so that the feed holds every section.
#[test]
fn the_shipped_briefing_feed_holds_every_section_and_its_sitemap_every_page() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(root.join("site.toml"), dir.path().join("site.toml")).expect("site.toml");
    for folder in ["content", "sources"] {
        copy_tree(&root.join(folder), &dir.path().join(folder));
    }
    let mut sections: Vec<String> = std::fs::read_dir(dir.path().join("content"))
        .expect("content")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md") && name != "_index.md")
        .collect();
    sections.sort();
    assert!(sections.len() >= 5, "{sections:?}");
    for (day, name) in sections.iter().enumerate() {
        let path = dir.path().join("content").join(name);
        let text = std::fs::read_to_string(&path).expect("section");
        let dated = text.replacen("+++\n", &format!("+++\ndate = \"2025-10-{:02}\"\n", day + 1), 1);
        std::fs::write(&path, dated).expect("write");
    }
    let mut options = briefing::BuildOptions::new(dir.path());
    options.base_url = Some(briefing::load::BaseUrl::parse("https://org.github.io/briefing/").expect("a base URL"));
    let outcome = briefing::build(&options);
    assert!(outcome.site.is_some(), "{}", crate::support::rendered(&outcome));
    let base = "https://org.github.io/briefing/";
    let output = dir.path().join("public");
    let read = |name: &str| std::fs::read_to_string(output.join(name)).expect("output file");

    let feed_xml = read("atom.xml");
    let feed = Document::parse(&feed_xml).expect("well-formed");
    let ids: Vec<&str> = children(feed.root_element(), "entry").map(|e| text(e, "id")).collect();
    // Newest first: the last section in name order has the latest date.
    let expected: Vec<String> =
        sections.iter().rev().map(|name| format!("{base}{}", name.replace(".md", ".html"))).collect();
    assert_eq!(ids, expected);
    for entry in children(feed.root_element(), "entry") {
        assert!(is_rfc3339(text(entry, "updated")));
        assert!(!text(entry, "summary").is_empty());
        let urls = urls_in(child(entry, "content").text().unwrap_or(""));
        assert!(urls.iter().any(|url| url.starts_with(base)), "{} links into the briefing", text(entry, "id"));
        for url in urls {
            assert!(url.starts_with("https://") || url.starts_with("http://"), "`{url}` is not absolute");
            assert!(!url.starts_with("https://example.org/briefing/"), "`{url}` ignores -u");
        }
    }

    let sitemap_xml = read("sitemap.xml");
    let sitemap = Document::parse(&sitemap_xml).expect("well-formed");
    let locs: BTreeSet<&str> = children(sitemap.root_element(), "url").map(|u| text(u, "loc")).collect();
    let pages: BTreeSet<String> = snapshot(&output)
        .into_keys()
        .map(|path| briefing::load::slash_path(&path))
        .filter(|path| path.ends_with(".html") && path != "404.html")
        .map(|path| if path == "index.html" { base.to_string() } else { format!("{base}{path}") })
        .collect();
    assert_eq!(locs, pages.iter().map(String::as_str).collect());
    for name in &sections {
        assert!(locs.contains(format!("{base}{}", name.replace(".md", ".html")).as_str()), "{name}");
    }
}

#[test]
fn the_shipped_briefing_as_it_is_has_a_valid_feed_and_a_sitemap_of_every_record() {
    let out = tempfile::tempdir().expect("temp dir");
    let mut options = briefing::BuildOptions::new(env!("CARGO_MANIFEST_DIR"));
    options.output = Some(out.path().join("public"));
    let outcome = briefing::build(&options);
    assert!(outcome.site.is_some(), "{}", crate::support::rendered(&outcome));
    let read = |name: &str| std::fs::read_to_string(out.path().join("public").join(name)).expect("output file");
    let feed_xml = read("atom.xml");
    let feed = Document::parse(&feed_xml).expect("well-formed");
    assert_eq!(text(feed.root_element(), "id"), "https://example.org/briefing/");
    let sitemap_xml = read("sitemap.xml");
    let sitemap = Document::parse(&sitemap_xml).expect("well-formed");
    let locs: BTreeSet<&str> = children(sitemap.root_element(), "url").map(|u| text(u, "loc")).collect();
    for loc in ["https://example.org/briefing/", "https://example.org/briefing/quotes/great-artists.html"] {
        assert!(locs.contains(loc), "{loc}");
    }
    assert!(!locs.iter().any(|loc| loc.ends_with("404.html")));
}
