//! Search: the Pagefind index of every section and record page, built from the rendered HTML.
//! It is a file made from the whole site (`routes::Whole::Search`), like the print edition: a build
//! makes it from the pages as they are rendered (`Collect`, then `write_index`), and `serve` makes
//! it again from the pages it keeps in memory only when a file under its folder is asked for
//! (`index_files`, from `incremental`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::output::{OutputFile, Sink};
use crate::routes::{Routes, SEARCH_PREFIX, Target};

/// Whether the page at a route is a search result: the front page, sections and records. Indexes
/// of kinds and topics only list what is found anyway, the contents too, and the 404 page and the
/// print edition are nothing to find.
pub fn is_indexed(target: &Target) -> bool {
    matches!(target, Target::Front | Target::Page(_) | Target::Record(_))
}

/// A page to index: its path and what of its HTML Pagefind reads (`for_index`).
type Page = (String, String);

/// Passes every file on to another sink, keeping what Pagefind reads of the pages to index. It is
/// cut from each page on the thread that rendered it.
pub struct Collect<'s> {
    inner: &'s dyn Sink,
    indexed: BTreeSet<String>,
    kept: Mutex<Vec<Page>>,
}

impl<'s> Collect<'s> {
    pub fn new(inner: &'s dyn Sink, routes: &Routes) -> Self {
        let indexed =
            routes.iter().filter(|(_, target)| is_indexed(target)).map(|(route, _)| route.to_string()).collect();
        Self { inner, indexed, kept: Mutex::default() }
    }

    /// The pages kept, for `write_index`.
    pub fn into_pages(self) -> Vec<Page> {
        self.kept.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Sink for Collect<'_> {
    fn put(&self, file: OutputFile) -> Result<(), Diagnostic> {
        if self.indexed.contains(&file.path) {
            let page = (file.path.clone(), for_index(&file.bytes));
            self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(page);
        }
        self.inner.put(file)
    }
}

/// Indexes `pages` and puts the index's files into `sink`.
pub fn write_index(pages: Vec<Page>, sink: &dyn Sink, diagnostics: &mut Vec<Diagnostic>) {
    match index(pages) {
        Ok(files) => diagnostics.extend(files.into_iter().filter_map(|file| sink.put(file).err())),
        Err(diagnostic) => diagnostics.push(diagnostic),
    }
}

/// The index of the pages among `files` (every file of a build, by path) that `routes` says are
/// indexed: what `serve` makes when the index is asked for after an edit.
pub fn index_files(routes: &Routes, files: &BTreeMap<String, OutputFile>) -> Result<Vec<OutputFile>, Diagnostic> {
    let indexed: Vec<&OutputFile> = routes
        .iter()
        .filter(|(_, target)| is_indexed(target))
        .filter_map(|(route, _)| files.get(route.as_str()))
        .collect();
    index(indexed.par_iter().map(|file| (file.path.clone(), for_index(&file.bytes))).collect())
}

/// What Pagefind reads of a page: the element marked `data-pagefind-body` (the theme's `<article>`)
/// in an `<html>` element with the page's `lang`, rather than the whole page, whose header,
/// navigation and footer it would parse only to skip them. Cut by finding the marker and the last
/// closing tag of that element's name before `</main>`, not by parsing; a page where that fails
/// (a site's own templates) is given whole.
fn for_index(html: &[u8]) -> String {
    let page = String::from_utf8_lossy(html);
    body_part(&page).unwrap_or_else(|| page.into_owned())
}

fn body_part(page: &str) -> Option<String> {
    let marker = page.find(" data-pagefind-body")?;
    let start = page[..marker].rfind('<')?;
    let name = page[start + 1..marker].split_whitespace().next()?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let main_end = page.rfind("</main>").unwrap_or(page.len());
    let close = format!("</{name}>");
    let end = page[..main_end].rfind(&close)? + close.len();
    if end <= marker {
        return None;
    }
    let html_tag = page.find("<html")?;
    let html_tag = &page[html_tag..html_tag + page[html_tag..].find('>')? + 1];
    Some(format!("{html_tag}<body>{}</body></html>", &page[start..end]))
}

/// The files of the search index of `pages` (root-relative paths and their HTML), under
/// `SEARCH_PREFIX`, sorted by path. Each page is a result at its own path, so the theme's script
/// makes its links relative like every other link. Only what `pagefind.js` loads is kept: the
/// theme has its own UI.
pub fn index(mut pages: Vec<Page>) -> Result<Vec<OutputFile>, Diagnostic> {
    // Pagefind numbers pages in the order they are added: sorted, the index is the same every time.
    pages.sort_by(|a, b| a.0.cmp(&b.0));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|err| failure(format!("cannot start the search indexer: {err}")))?;
    let files = runtime.block_on(index_pages(pages))?;
    let timings = crate::Timings::from_env();
    let mut files: Vec<OutputFile> = files
        .into_iter()
        .filter_map(|file| {
            let name =
                file.filename.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            is_loaded_by_pagefind_js(&name)
                .then(|| OutputFile { path: format!("{SEARCH_PREFIX}{name}"), bytes: file.contents.into() })
        })
        .collect();
    drop_unused_wasm(&mut files);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    timings.mark("search: keep");
    Ok(files)
}

async fn index_pages(pages: Vec<Page>) -> Result<Vec<pagefind::api::SyntheticFile>, Diagnostic> {
    // Results keep the path they were added with (`index.html` too), relative to the output root.
    let config = PagefindServiceConfig::builder().keep_index_url(true).build();
    let mut index = PagefindIndex::new(Some(config)).map_err(|err| failure(format!("{err:#}")))?;
    let timings = crate::Timings::from_env();
    for (path, html) in pages {
        index.add_html_file(None, Some(path.clone()), html).await.map_err(|err| {
            Diagnostic::error(&path, None, format!("cannot add this page to the search index: {err:#}"))
                .with_help("the page is rendered HTML; check the template that writes it")
        })?;
    }
    timings.mark("search: add");
    let files = index.get_files().await.map_err(|err| failure(format!("cannot build the search index: {err:#}")));
    timings.mark("search: build");
    files
}

/// Pagefind's search script, its worker, its entry file, the WebAssembly for each language, and
/// the index proper (meta, word indexes, filters, fragments); not its own UI bundles.
fn is_loaded_by_pagefind_js(name: &str) -> bool {
    matches!(name, "pagefind.js" | "pagefind-worker.js" | "pagefind-entry.json")
        || (name.starts_with("wasm.") && name.ends_with(".pagefind"))
        || name.ends_with(".pf_meta")
        || ["fragment/", "index/", "filter/"].iter().any(|folder| name.starts_with(folder))
}

/// Pagefind writes a generic WebAssembly module for languages it has no stemmer for; it is only
/// loaded when the entry file names no module of its own for some language.
fn drop_unused_wasm(files: &mut Vec<OutputFile>) {
    let entry = format!("{SEARCH_PREFIX}pagefind-entry.json");
    let Some(entry) = files.iter().find(|file| file.path == entry) else { return };
    let Ok(entry) = serde_json::from_slice::<serde_json::Value>(&entry.bytes) else { return };
    let languages = entry.get("languages").and_then(|languages| languages.as_object());
    let every_language_has_its_own =
        languages.is_some_and(|languages| languages.values().all(|language| language["wasm"].is_string()));
    if every_language_has_its_own {
        let generic = format!("{SEARCH_PREFIX}wasm.unknown.pagefind");
        files.retain(|file| file.path != generic);
    }
}

fn failure(message: String) -> Diagnostic {
    Diagnostic::error(SEARCH_PREFIX, None, message)
        .with_help("this is a bug in briefing or Pagefind: please report it with the site that shows it")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &str, body: &str) -> Page {
        let html =
            format!("<!doctype html><html lang=\"en\"><head><title>{path}</title></head><body>{body}</body></html>");
        (path.to_string(), html)
    }

    #[test]
    fn the_index_holds_only_what_pagefind_js_loads() {
        let pages = vec![
            page("index.html", "<main data-pagefind-body><h1>Front</h1><p>Netflix and generative video.</p></main>"),
            page(
                "quotes/a.html",
                "<main data-pagefind-body data-pagefind-filter=\"kind:Quote\"><h1>A</h1><p>Great artists.</p></main>",
            ),
        ];
        let files = index(pages).expect("indexed");
        let paths: Vec<&str> = files.iter().map(|file| file.path.as_str()).collect();
        for fixed in ["pagefind/pagefind.js", "pagefind/pagefind-worker.js", "pagefind/pagefind-entry.json"] {
            assert!(paths.contains(&fixed), "{fixed} in {paths:?}");
        }
        assert!(paths.contains(&"pagefind/wasm.en.pagefind"), "{paths:?}");
        assert!(!paths.iter().any(|path| path.contains("-ui") || path.contains("highlight")), "{paths:?}");
        assert!(!paths.contains(&"pagefind/wasm.unknown.pagefind"), "English has its own stemmer");
        let count = |folder: &str| paths.iter().filter(|path| path.starts_with(folder)).count();
        assert_eq!(count("pagefind/fragment/"), 2, "one fragment per page");
        assert_eq!(count("pagefind/filter/"), 1, "one filter, kind");
        assert!(paths.iter().all(|path| path.starts_with(SEARCH_PREFIX)));
        assert!(paths.is_sorted());
    }

    #[test]
    fn pagefind_reads_the_marked_element_with_the_page_language_or_else_the_whole_page() {
        let page = "<!doctype html><html lang=\"fr\"><head><title>T</title></head><body><header>Menu</header>\
            <main><nav>Trail</nav><article class=\"a\" data-pagefind-body><h1>T</h1><article>Card</article>\
            <p>Text</p></article></main><footer>Foot</footer></body></html>";
        let part = "<html lang=\"fr\"><body><article class=\"a\" data-pagefind-body><h1>T</h1><article>Card</article>\
            <p>Text</p></article></body></html>";
        assert_eq!(for_index(page.as_bytes()), part);
        let unmarked = "<html><body><main><p>Text</p></main></body></html>";
        assert_eq!(for_index(unmarked.as_bytes()), unmarked);
    }

    #[test]
    fn the_same_pages_in_any_order_give_the_same_index() {
        let pages: Vec<Page> = (0..40)
            .map(|i| {
                page(&format!("p{i}.html"), &format!("<main data-pagefind-body><p>word{i} shared text {i}</p></main>"))
            })
            .collect();
        let reversed = pages.iter().rev().cloned().collect();
        assert_eq!(index(pages).expect("first"), index(reversed).expect("second"));
    }
}
