//! Incremental rebuilds are correct before they are fast: after any sequence of edits — pages
//! added, removed, renamed and edited, records edited, references broken and fixed — inputs
//! refreshed from the watcher's paths and a build reusing the previous build's cache give exactly
//! the files and diagnostics of a clean build of the same files.

use std::path::PathBuf;

use briefing::{Cache, Inputs, Outcome};
use proptest::prelude::*;

use crate::support::{TestSite, rendered};

/// One editor action, and the paths a file watcher would report for it.
#[derive(Debug, Clone)]
enum Edit {
    AddPage(usize),
    RemovePage(usize),
    RenamePage(usize, usize),
    AppendSentence(usize),
    AddHeading(usize),
    DropHeadings,
    LinkHeading(usize),
    CiteRecord(usize),
    RetitlePage(usize),
    QuoteContext(usize),
    RecordText(usize, usize),
    BreakReference,
    FixReference,
    AddRecordFile(usize),
    RemoveRecordFile(usize),
    Template,
    SiteTitle(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..4usize).prop_map(Edit::AddPage),
        (0..4usize).prop_map(Edit::RemovePage),
        (0..4usize, 0..4usize).prop_map(|(a, b)| Edit::RenamePage(a, b)),
        (0..4usize).prop_map(Edit::AppendSentence),
        (0..2usize).prop_map(Edit::AddHeading),
        Just(Edit::DropHeadings),
        (0..2usize).prop_map(Edit::LinkHeading),
        (0..2usize).prop_map(Edit::CiteRecord),
        (0..3usize).prop_map(Edit::RetitlePage),
        (0..4usize).prop_map(Edit::QuoteContext),
        (0..RECORD_TEXT_FIELDS.len(), 0..3usize).prop_map(|(field, n)| Edit::RecordText(field, n)),
        Just(Edit::BreakReference),
        Just(Edit::FixReference),
        (0..3usize).prop_map(Edit::AddRecordFile),
        (0..3usize).prop_map(Edit::RemoveRecordFile),
        Just(Edit::Template),
        (0..3usize).prop_map(Edit::SiteTitle),
    ]
}

/// Text fields of the fixture's records: a name shows on other records' cards, a note cites a
/// record, a label shows on the front page, a status in lists.
const RECORD_TEXT_FIELDS: [&str; 5] = ["name", "note", "label", "status", "role"];

fn page_path(n: usize) -> String {
    format!("content/extra-{n}.md")
}

/// Applies `edit` to the files of `site`, returning the paths a watcher would report.
fn apply(site: &TestSite, edit: &Edit) -> Vec<PathBuf> {
    let root = site.root();
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap_or_default();
    let write = |path: &str, text: &str| {
        let full = root.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(full, text).expect("write");
    };
    match edit {
        Edit::AddPage(n) => {
            let path = page_path(*n);
            write(
                &path,
                &format!(
                    "+++\ntitle = \"Extra {n}\"\nweight = {n}\n+++\nIt cites [Ada Chief](person:ada-chief), [someone](person:extra-{}), [the stance](one.md#said) and [the next page](extra-{}.md).\n",
                    n % 3,
                    (n + 1) % 4
                ),
            );
            vec![root.join(path)]
        }
        Edit::RemovePage(n) => {
            let path = page_path(*n);
            let _ = std::fs::remove_file(root.join(&path));
            vec![root.join(path)]
        }
        Edit::RenamePage(a, b) => {
            let (from, to) = (page_path(*a), page_path(*b));
            let _ = std::fs::rename(root.join(&from), root.join(&to));
            vec![root.join(from), root.join(to)]
        }
        Edit::AppendSentence(n) => {
            let path = if *n == 0 { "content/one.md".to_string() } else { page_path(*n) };
            if root.join(&path).exists() {
                write(&path, &format!("{}\nOne more sentence, number {n}.\n", read(&path)));
            }
            vec![root.join(path)]
        }
        // Headings come and go in one page while another links to them: the link breaks and heals.
        Edit::AddHeading(n) => {
            let path = "content/one.md";
            write(path, &format!("{}\n## Heading {n}\n\nUnder heading {n}.\n", read(path)));
            vec![root.join(path)]
        }
        Edit::DropHeadings => {
            let path = "content/one.md";
            let text = read(path);
            let kept: Vec<&str> = text.lines().filter(|line| !line.starts_with("## Heading")).collect();
            write(path, &format!("{}\n", kept.join("\n")));
            vec![root.join(path)]
        }
        Edit::LinkHeading(n) => {
            let path = "content/two.md";
            write(path, &format!("{}\nSee [heading {n}](one.md#heading-{n}).\n", read(path)));
            vec![root.join(path)]
        }
        Edit::CiteRecord(n) => {
            // A new citation in an existing page: only where records are cited changes.
            let path = if *n == 0 { "content/one.md" } else { "content/two.md" };
            write(path, &format!("{}\nAs [the studio](organization:studio) put it.\n", read(path)));
            vec![root.join(path)]
        }
        Edit::RetitlePage(n) => {
            // Only front matter: every page's navigation names this page.
            let path = "content/one.md";
            let text = read(path);
            let edited = match text.find("title = \"") {
                Some(at) => format!("{}title = \"Retitled {n} {}", &text[..at], &text[at + "title = \"".len()..]),
                None => text,
            };
            write(path, &edited);
            vec![root.join(path)]
        }
        Edit::QuoteContext(n) => {
            let path = "content/records.toml";
            let text = read(path);
            let edited = match text.find("context = \"") {
                Some(at) => format!("{}context = \"Edit {n}, {}", &text[..at], &text[at + "context = \"".len()..]),
                None => text,
            };
            write(path, &edited);
            vec![root.join(path)]
        }
        Edit::RecordText(field, n) => {
            let path = "content/records.toml";
            let text = read(path);
            let start = format!("{} = \"", RECORD_TEXT_FIELDS[*field]);
            let edited = match text.find(&start) {
                Some(at) => format!("{}{start}E{n} {}", &text[..at], &text[at + start.len()..]),
                None => text,
            };
            write(path, &edited);
            vec![root.join(path)]
        }
        Edit::BreakReference => {
            let path = "content/one.md";
            write(path, &read(path).replacen("(quote:reasonable)", "(quote:reasonabel)", 1));
            vec![root.join(path)]
        }
        Edit::FixReference => {
            let path = "content/one.md";
            write(path, &read(path).replace("(quote:reasonabel)", "(quote:reasonable)"));
            vec![root.join(path)]
        }
        Edit::AddRecordFile(n) => {
            let path = format!("content/more/people-{n}.toml");
            write(&path, &format!("[[person]]\nid = \"extra-{n}\"\nname = \"Extra person {n}\"\nrole = \"Role\"\n"));
            vec![root.join(path)]
        }
        Edit::RemoveRecordFile(n) => {
            let path = format!("content/more/people-{n}.toml");
            let _ = std::fs::remove_file(root.join(&path));
            vec![root.join(path)]
        }
        Edit::Template => {
            let path = "templates/404.html";
            let current = read(path);
            let next = if current.contains("Edited") {
                String::new()
            } else {
                "{% extends \"base.html\" %}{% block main %}<h1>Edited not found</h1>{% endblock %}".to_string()
            };
            if next.is_empty() {
                let _ = std::fs::remove_file(root.join(path));
            } else {
                write(path, &next);
            }
            vec![root.join(path)]
        }
        Edit::SiteTitle(n) => {
            let path = "site.toml";
            let text = read(path);
            let edited = match text.find("title = \"") {
                Some(at) => format!("{}title = \"T{n} {}", &text[..at], &text[at + "title = \"".len()..]),
                None => text,
            };
            write(path, &edited);
            vec![root.join(path)]
        }
    }
}

/// The files (path and bytes) and the diagnostics as the terminal shows them.
fn result(outcome: &Outcome) -> (Vec<(String, String)>, String) {
    let files = outcome
        .site
        .as_ref()
        .map(|site| {
            site.files.iter().map(|f| (f.path.clone(), String::from_utf8_lossy(&f.bytes).into_owned())).collect()
        })
        .unwrap_or_default();
    (files, rendered(outcome))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    /// As serve does: each edit rebuilt without the whole-site files (`render_deferred`), which are
    /// brought up to date (`Cache::complete`) after some edits (`force`) and always after the last,
    /// so they may trail the pages by several edits before they are asked for.
    #[test]
    fn any_edit_sequence_rebuilds_to_exactly_a_clean_build(edits in prop::collection::vec((edit(), any::<bool>()), 1..10)) {
        let site = TestSite::base();
        let options = site.options();
        let mut inputs = Inputs::read(site.root());
        let mut cache = Cache::default();
        briefing::render_cached(&inputs, &options, &mut cache);
        for (i, (edit, force)) in edits.iter().enumerate() {
            let changed = apply(&site, edit);
            inputs.refresh(&changed);
            let deferred = briefing::render_deferred(&inputs, &options, &mut cache);
            let clean = briefing::render_site(&options);
            if *force || i + 1 == edits.len() {
                let incremental = cache.complete(deferred);
                prop_assert_eq!(result(&incremental), result(&clean), "after {:?}", edit);
            } else if let (Some(pages), Some(all)) = (&deferred.site, &clean.site) {
                // All of them after an edit; none after a save that changed nothing (they stand).
                let wholes: Vec<&str> = WHOLES.iter().copied().filter(|p| all.files.iter().any(|f| f.path.starts_with(p))).collect();
                prop_assert!(pages.deferred.is_empty() || pages.deferred == wholes, "after {:?}: {:?}", edit, pages.deferred);
                let (files, diagnostics) = result(&clean);
                let left_out: std::collections::BTreeSet<String> = pages.deferred.iter().cloned().collect();
                let files: Vec<_> = files.into_iter().filter(|(path, _)| !briefing::routes::is_whole_file(&left_out, path)).collect();
                prop_assert_eq!(result(&deferred), (files, diagnostics), "after {:?}", edit);
            }
        }
    }
}

/// The files made from the whole site, which `render_deferred` leaves out: the search index is
/// its folder.
const WHOLES: [&str; 7] =
    ["atom.xml", "briefing.json", "briefing.schema.json", "pagefind/", "print.html", "robots.txt", "sitemap.xml"];

/// An edit of a person's role re-renders the pages that show it, and no other.
#[test]
fn an_edited_record_renders_only_the_pages_that_show_it() {
    let site = TestSite::base();
    let options = site.options();
    let mut inputs = Inputs::read(site.root());
    let mut cache = Cache::default();
    let first = briefing::render_cached(&inputs, &options, &mut cache);
    let pages = first.site.as_ref().map_or(0, |site| site.pages);
    let role = RECORD_TEXT_FIELDS.iter().position(|f| *f == "role").expect("role");
    let changed = apply(&site, &Edit::RecordText(role, 0));
    assert!(inputs.refresh(&changed));
    let incremental = briefing::render_cached(&inputs, &options, &mut cache);
    assert_eq!(result(&incremental), result(&briefing::render_site(&options)));
    let rendered = cache.pages.rendered;
    assert!(rendered >= 1 && rendered < pages / 2, "{rendered} of {pages} pages rendered again");
    // The one note below the edit in the same file moved, so it is rendered again to keep its
    // diagnostics' positions right; no page's Markdown is.
    assert_eq!(cache.markdown.rendered, 1, "only the moved note");
}

/// An edit of one sentence re-renders the Markdown of that page only, and that page only.
#[test]
fn an_edited_sentence_renders_one_page_of_markdown_again() {
    let site = TestSite::base();
    let options = site.options();
    let mut inputs = Inputs::read(site.root());
    let mut cache = Cache::default();
    briefing::render_cached(&inputs, &options, &mut cache);
    let fragments = cache.markdown.rendered;
    assert!(fragments >= 3, "the first build renders every page and note ({fragments})");
    let changed = apply(&site, &Edit::AppendSentence(0));
    assert!(inputs.refresh(&changed));
    briefing::render_cached(&inputs, &options, &mut cache);
    assert_eq!((cache.markdown.rendered, cache.markdown.reused), (1, fragments - 1));
    assert_eq!(cache.pages.rendered, 1, "{} pages taken from the cache", cache.pages.reused);
}
