//! What a successful build writes: a page per record, kind, topic; backlinks to paragraphs;
//! relative links that resolve; overrides; drafts; determinism.

use std::path::Path;

use crate::support::{TestSite, snapshot};

#[test]
fn two_builds_are_byte_identical() {
    let site = TestSite::base();
    site.build_ok();
    let first = snapshot(&site.output());
    site.build_ok();
    assert_eq!(first, snapshot(&site.output()));
}

#[test]
fn every_record_kind_topic_and_section_gets_a_page() {
    let site = TestSite::base();
    let outcome = site.build_ok();
    let built = outcome.site.expect("built");
    assert_eq!(built.records, 8);
    for page in [
        "index.html",
        "one.html",
        "two.html",
        "404.html",
        "quotes/index.html",
        "quotes/not-worried.html",
        "quotes/reasonable.html",
        "use-cases/storyboards.html",
        "controversies/consent.html",
        "people/ada-chief.html",
        "organizations/studio.html",
        "figures/revenue.html",
        "sources/article.html",
        "sources/index.html",
        "topics/index.html",
        "topics/ai.html",
        "contents/index.html",
    ] {
        assert!(site.output().join(page).is_file(), "missing {page}");
    }
    assert_eq!(built.pages, 22);
}

#[test]
fn record_pages_link_back_to_the_citing_paragraph() {
    let site = TestSite::base();
    site.build_ok();
    let quote = site.page("quotes/not-worried.html");
    assert!(quote.contains("href=\"../one.html#p-2\""), "{quote}");
    let section = site.page("one.html");
    assert!(section.contains("id=\"p-2\""), "{section}");
    let person = site.page("people/ada-chief.html");
    assert!(person.contains("../quotes/reasonable.html"), "people list the quotes they said");
}

#[test]
fn every_internal_link_and_fragment_resolves() {
    let site = TestSite::base();
    site.build_ok();
    let broken = broken_links(&site.output());
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn base_url_appears_only_in_absolute_urls() {
    let site = TestSite::base();
    let mut options = site.options();
    options.base_url = Some(briefing::load::BaseUrl::parse("https://example.com/some/sub/path/").expect("a base URL"));
    let outcome = briefing::build(&options);
    assert!(outcome.site.is_some());
    let page = site.page("quotes/not-worried.html");
    assert!(page.contains("https://example.com/some/sub/path/quotes/not-worried.html"), "canonical");
    for line in page.lines().filter(|l| l.contains("/some/sub/path/")) {
        assert!(line.contains("https://example.com/some/sub/path/"), "relative use of base_url: {line}");
    }
}

#[test]
fn assets_are_fingerprinted_and_linked() {
    let site = TestSite::base();
    site.build_ok();
    let index = site.page("index.html");
    let css = std::fs::read_dir(site.output())
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|name| name.starts_with("briefing.") && name.ends_with(".css"))
        .expect("fingerprinted stylesheet");
    assert!(css.len() > "briefing.css".len());
    assert!(index.contains(&format!("href=\"{css}\"")), "index links {css}");
}

#[test]
fn site_templates_and_static_files_override_the_theme() {
    let site = TestSite::base();
    site.write("templates/404.html", "<!doctype html><title>gone</title><p>Custom {{ site.title }}</p>\n");
    site.write("static/robots-extra.txt", "hello");
    site.build_ok();
    assert!(site.page("404.html").contains("Custom Fixture briefing"));
    assert_eq!(site.page("robots-extra.txt"), "hello");
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = TestSite::base();
    site.write("content/draft.md", "+++\ntitle = \"Draft\"\ndraft = true\n+++\nNot yet.\n");
    site.build_ok();
    assert!(!site.output().join("draft.html").exists());
    let mut options = site.options();
    options.drafts = true;
    assert!(briefing::build(&options).site.is_some());
    assert!(site.output().join("draft.html").exists());
}

#[test]
fn section_folders_nest_pages_with_relative_links() {
    let site = TestSite::base();
    site.write("content/practice/_index.md", "+++\ntitle = \"Practice\"\nweight = 3\n+++\nSee [VFX](vfx.md#jobs).\n");
    site.write(
        "content/practice/vfx.md",
        "+++\ntitle = \"VFX\"\n+++\n## Jobs {#jobs}\n\nBack to [the stance](../one.md) and [Ada](person:ada-chief).\n",
    );
    site.build_ok();
    let vfx = site.page("practice/vfx.html");
    assert!(vfx.contains("href=\"../one.html\""), "{vfx}");
    assert!(vfx.contains("href=\"../people/ada-chief.html\""), "{vfx}");
    assert!(site.page("practice/index.html").contains("href=\"vfx.html#jobs\""));
    let broken = broken_links(&site.output());
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn warnings_are_shown_but_do_not_fail_the_build() {
    let site = TestSite::base();
    site.edit("content/two.md", "## Practice", "## Practice\n\n[^unused]: Never referenced.\n");
    let outcome = site.build_ok();
    let warnings: Vec<_> = outcome.diagnostics.iter().filter(|d| !d.is_error()).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("never referenced"));
}

#[test]
fn sidenotes_callouts_and_embeds_become_their_markup() {
    let site = TestSite::base();
    site.build_ok();
    let page = site.page("one.html");
    assert!(page.contains("class=\"margin-toggle\""), "sidenote toggle");
    assert!(page.contains("class=\"sidenote\""), "sidenote body");
    assert!(page.contains("callout callout-note"), "callout");
    assert!(page.contains("class=\"embed\" id=\"p-2\""), "embedded card");
    assert!(page.contains("aria-describedby=\"pv-1\"") && page.contains("id=\"pv-1\""), "preview");
    assert!(!page.contains('\u{0}'), "no placeholder left behind");
}

/// Every problem `briefing::check` finds in the written output: links and fragments that do not
/// resolve, duplicate ids, id references without their id, and placeholders left unfilled.
fn broken_links(output: &Path) -> Vec<String> {
    let files: Vec<briefing::output::OutputFile> = snapshot(output)
        .into_iter()
        .map(|(path, bytes)| briefing::output::OutputFile {
            path: briefing::load::slash_path(&path),
            bytes: bytes.into(),
        })
        .collect();
    let mut problems: Vec<String> = briefing::check::check_pages(&files).iter().map(ToString::to_string).collect();
    // The search index is gzip and WebAssembly: NUL bytes there are data, not placeholders.
    let text = |f: &&briefing::output::OutputFile| !f.path.starts_with(briefing::routes::SEARCH_PREFIX);
    for file in files.iter().filter(text).filter(|f| f.bytes.contains(&0)) {
        problems.push(format!("{}: an unfilled placeholder (NUL) is left in the page", file.path));
    }
    problems
}

#[test]
fn the_not_found_page_links_from_the_base_url_path() {
    let site = TestSite::base();
    site.build_ok();
    let page = site.page("404.html");
    assert!(page.contains("href=\"/fixture/index.html\""), "{page}");
    assert!(page.contains("/fixture/briefing."), "stylesheet from the base path");
}

#[test]
fn a_grouping_that_says_nothing_is_left_out_of_a_kind_index() {
    let site = TestSite::base();
    site.build_ok();
    assert!(site.page("controversies/index.html").contains("By status"));
    let records = std::fs::read_to_string(site.root().join("content/records.toml")).expect("records");
    site.write("content/records.toml", &records.replace("status = \"open\"\n", ""));
    site.build_ok();
    let index = site.page("controversies/index.html");
    assert!(!index.contains("By status"), "every controversy would be under “Unspecified”");
    assert!(index.contains("By party"));
}

/// `compile` is pure: a site held only in memory, under a root that does not exist on disk,
/// renders to exactly what the same files on disk render to.
#[test]
fn a_site_in_memory_renders_like_the_same_files_on_disk() {
    let site = TestSite::base();
    let on_disk = briefing::render_site(&site.options());
    let read = briefing::Inputs::read(site.root());
    let nowhere = std::path::Path::new("/nonexistent/briefing-site");
    let mut in_memory = briefing::Inputs::empty(nowhere);
    for (path, file) in read.iter() {
        in_memory.insert(path, file.bytes.clone());
    }
    let mut options = site.options();
    options.root = nowhere.to_path_buf();
    let from_memory = briefing::render_inputs(&in_memory, &options);
    let files = |outcome: &briefing::Outcome| {
        outcome
            .site
            .as_ref()
            .expect("built")
            .files
            .iter()
            .map(|f| (f.path.clone(), f.bytes.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(files(&on_disk), files(&from_memory));
    assert_eq!(on_disk.site.as_ref().map(|s| s.outputs.clone()), from_memory.site.as_ref().map(|s| s.outputs.clone()));
    assert!(from_memory.site.as_ref().is_some_and(|s| s.outputs.len() == s.files.len()));
}

/// A topic's page lists each page and record that carries it once, and the topic index counts them.
#[test]
fn topic_pages_list_their_pages_and_records_once() {
    let site = TestSite::base();
    site.write("content/three.md", "+++\ntitle = \"Three\"\ntopics = [\"ai\", \"ai\", \"labour\"]\n+++\nText.\n");
    site.build_ok();
    let topic = site.page("topics/ai.html");
    let main = topic.split("<main").nth(1).and_then(|m| m.split("</main>").next()).unwrap_or("");
    assert_eq!(main.matches("href=\"../three.html\"").count(), 1, "{main}");
    let labour = site.page("topics/labour.html");
    assert!(labour.contains("href=\"../three.html\""));
    let index = site.page("topics/index.html");
    assert!(
        index.contains("<a href=\"../topics/labour.html\">Labour</a> <span class=\"count\">1 item</span>"),
        "{index}"
    );
    // The base fixture's front page, `one.md` and a quote carry `ai`; the new page adds one.
    assert!(index.contains("Artificial intelligence</a> <span class=\"count\">4 items</span>"), "{index}");
}
