//! Runs the Markdown passes over every page, front-page field and record note of a site, in
//! parallel, joins the citations they produce into backlinks ("cited in") per record, and checks
//! every link's `#fragment` against the ids of the page it points at.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::{MarkdownInput, Rendered, render, render_inline};
use crate::diagnostics::{Diagnostic, SourceMap, did_you_mean};
use crate::load::TextMap;
use crate::model::{Kind, Page, Record, RecordData, RecordKey, Site, parse_typed_ref, rel_dir};

/// One place a record is cited: a page (or record page) and the paragraph it is cited in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CitedAt {
    /// Root-relative URL of the citing page.
    pub page_url: String,
    pub page_title: String,
    /// The paragraph or list item holding the citation, when there is one.
    pub anchor: Option<String>,
}

impl CitedAt {
    /// The citing page's URL with the paragraph fragment.
    pub fn url(&self) -> String {
        match &self.anchor {
            Some(anchor) => format!("{}#{anchor}", self.page_url),
            None => self.page_url.clone(),
        }
    }
}

/// The front page's Markdown fields.
#[derive(Debug, Default)]
pub struct FrontText {
    pub dek: Option<Rendered>,
    pub key_points: Vec<Rendered>,
    pub body: Rendered,
}

/// Every piece of Markdown in the site, rendered, plus the backlinks its references make.
#[derive(Debug, Default)]
pub struct SiteText {
    pub front: FrontText,
    /// Parallel to `Site::pages`.
    /// Shared with the Markdown cache, which keeps them for the next build.
    pub pages: Vec<Arc<Rendered>>,
    pub notes: BTreeMap<RecordKey, Arc<Rendered>>,
    /// Where each record is cited, in page order then paragraph order, without repeats.
    pub cited_in: BTreeMap<RecordKey, Vec<CitedAt>>,
    /// The hash of the link environment every fragment was rendered in (see `link_environment`).
    pub environment: Option<blake3::Hash>,
}

/// Rendered Markdown kept from one build to the next, keyed by everything a render reads: the text,
/// where it sits in its file and where it is shown, and the site's link environment (the records,
/// pages and topics a link may name, and the texts quotations are checked against).
#[derive(Debug, Default)]
pub struct MarkdownCache {
    entries: HashMap<blake3::Hash, Arc<Rendered>>,
    /// How many fragments the last build took from the cache, and how many it rendered.
    pub reused: usize,
    pub rendered: usize,
}

/// What renders one fragment, with its cache key.
struct Job<'a> {
    input: MarkdownInput<'a>,
    inline: bool,
    key: blake3::Hash,
}

impl<'a> Job<'a> {
    fn new(input: MarkdownInput<'a>, inline: bool, environment: &blake3::Hash) -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(environment.as_bytes());
        hasher.update(&[u8::from(inline)]);
        for part in [
            input.file.as_os_str().as_encoded_bytes(),
            input.page_url.as_bytes(),
            input.rel_dir.as_os_str().as_encoded_bytes(),
            input.id_prefix.as_bytes(),
            input.text.as_bytes(),
        ] {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        hasher.update(format!("{:?}", input.map).as_bytes());
        Self { key: hasher.finalize(), input, inline }
    }

    fn run(&self, site: &Site, cache: &MarkdownCache) -> (Arc<Rendered>, bool) {
        if let Some(rendered) = cache.entries.get(&self.key) {
            return (Arc::clone(rendered), true);
        }
        let rendered = if self.inline { render_inline(&self.input, site) } else { render(&self.input, site) };
        (Arc::new(rendered), false)
    }
}

/// A hash of everything in `site` that the Markdown pass reads besides the text itself: which
/// records exist (and which failed to load), the texts of quotes, the pages and their URLs, the
/// topics and the source texts. A fragment whose text and environment are unchanged renders the same.
fn link_environment(site: &Site) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new();
    let mut field = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    for (key, record) in &site.records {
        field(key.to_string().as_bytes());
        if let crate::model::RecordData::Quote(quote) = &record.data {
            field(quote.text.get_ref().as_bytes());
        }
    }
    field(b"broken");
    for key in &site.broken {
        field(key.to_string().as_bytes());
    }
    field(b"pages");
    for page in std::iter::once(&site.front).chain(&site.pages) {
        field(page.source.rel.as_os_str().as_encoded_bytes());
        field(page.url.as_bytes());
    }
    field(b"broken pages");
    for rel in &site.broken_pages {
        field(rel.as_os_str().as_encoded_bytes());
    }
    field(b"topics");
    for slug in site.topics.keys() {
        field(slug.as_bytes());
    }
    let mut hasher = hasher;
    site.quotable.hash_into(&mut hasher);
    hasher.finalize()
}

/// Renders all Markdown of `site`, reusing what `cache` holds from the last build; problems are
/// added to `diagnostics`, sorted by file and position.
pub fn render_site(
    site: &Site,
    sources: &SourceMap,
    cache: &mut MarkdownCache,
    diagnostics: &mut Vec<Diagnostic>,
) -> SiteText {
    let environment = link_environment(site);
    let front = render_front(site, sources);
    let note_urls: Vec<(&RecordKey, &crate::model::Record, String)> = site
        .records
        .iter()
        .filter(|(_, record)| record.note().is_some())
        .map(|(key, record)| (key, record, key.url()))
        .collect();
    let page_jobs = site.pages.iter().map(|page| Job::new(page_input(page), false, &environment));
    let note_jobs = note_urls
        .iter()
        .filter_map(|(_, record, url)| Some(Job::new(note_input(record, url, sources)?, false, &environment)));
    let jobs: Vec<Job<'_>> = page_jobs.chain(note_jobs).collect();
    let results: Vec<(Arc<Rendered>, bool)> = jobs.par_iter().map(|job| job.run(site, cache)).collect();
    let mut fresh = HashMap::with_capacity(jobs.len());
    cache.reused = 0;
    cache.rendered = 0;
    let mut rendered: Vec<Arc<Rendered>> = jobs
        .iter()
        .zip(results)
        .map(|(job, (rendered, reused))| {
            if reused {
                cache.reused += 1;
            } else {
                cache.rendered += 1;
            }
            fresh.insert(job.key, Arc::clone(&rendered));
            rendered
        })
        .collect();
    // Only what this build used is kept: the cache never outgrows the site.
    cache.entries = fresh;
    let notes: BTreeMap<RecordKey, Arc<Rendered>> =
        note_urls.iter().map(|(key, _, _)| (*key).clone()).zip(rendered.split_off(site.pages.len())).collect();
    let pages = rendered;
    let mut text = SiteText { front, pages, notes, cited_in: BTreeMap::new(), environment: Some(environment) };
    text.cited_in = join_citations(site, &text);
    let mut found = check_fragments(site, &text);
    found.extend(uncited_records(site, &text, None));
    // Each fragment keeps its diagnostics, so a fragment taken from the cache reports them again.
    for rendered in text.all() {
        found.extend(rendered.diagnostics.iter().cloned());
    }
    found.sort_by(|a, b| (&a.file, a.span.as_ref().map(|s| s.start)).cmp(&(&b.file, b.span.as_ref().map(|s| s.start))));
    diagnostics.extend(found);
    text
}

/// Renders the body of page `index` again after an edit that left the site's link environment as
/// it was (`environment`, from the last `render_site`), through `cache` like `render_site` does.
pub fn render_page_again(
    site: &Site,
    index: usize,
    environment: &blake3::Hash,
    cache: &mut MarkdownCache,
) -> Option<Arc<Rendered>> {
    let job = Job::new(page_input(site.pages.get(index)?), false, environment);
    Some(run_again(&job, site, cache))
}

/// Renders the note of record `key` again after an edit of its file that left the site's link
/// environment as it was (`render_page_again` for notes). `None` when the record has no note.
pub fn render_note_again(
    site: &Site,
    key: &RecordKey,
    sources: &SourceMap,
    environment: &blake3::Hash,
    cache: &mut MarkdownCache,
) -> Option<Arc<Rendered>> {
    let url = key.url();
    let job = Job::new(note_input(site.record(key)?, &url, sources)?, false, environment);
    Some(run_again(&job, site, cache))
}

/// Runs one job outside `render_site`, counting it and keeping its result in `cache`.
fn run_again(job: &Job<'_>, site: &Site, cache: &mut MarkdownCache) -> Arc<Rendered> {
    let (rendered, reused) = job.run(site, cache);
    if reused {
        cache.reused += 1;
    } else {
        cache.rendered += 1;
        cache.entries.insert(job.key, Arc::clone(&rendered));
    }
    rendered
}

/// What renders a record's note: its text, located inside its TOML string, shown on `url`.
fn note_input<'a>(record: &'a Record, url: &'a str, sources: &'a SourceMap) -> Option<MarkdownInput<'a>> {
    let note = record.note()?;
    let text = sources.get(&record.file).unwrap_or("");
    Some(MarkdownInput {
        text: note.get_ref(),
        file: &record.file,
        map: TextMap::of_toml_string(text, note.span(), note.get_ref()),
        page_url: url,
        rel_dir: Path::new(""),
        id_prefix: "",
    })
}

/// The dead `#fragment`s of the links in record `key`'s note (`check_fragments` for one note).
pub fn note_fragment_problems(site: &Site, text: &SiteText, key: &RecordKey) -> Vec<Diagnostic> {
    let (Some(record), Some(rendered)) = (site.record(key), text.notes.get(key)) else { return Vec::new() };
    check_links(&mut Targets::new(site, text), &record.file, rendered, None, |_| true)
}

impl SiteText {
    /// Every rendered fragment: front page fields, pages, record notes.
    pub fn all(&self) -> impl Iterator<Item = &Rendered> {
        self.front
            .dek
            .iter()
            .chain(self.front.key_points.iter())
            .chain(std::iter::once(&self.front.body))
            .chain(self.pages.iter().map(|rendered| &**rendered))
            .chain(self.notes.values().map(|rendered| &**rendered))
    }
}

fn render_page(site: &Site, page: &Page) -> Rendered {
    render(&page_input(page), site)
}

fn page_input(page: &Page) -> MarkdownInput<'_> {
    MarkdownInput {
        text: &page.source.body,
        file: &page.source.file,
        map: TextMap::Exact { start: page.source.body_offset },
        page_url: &page.url,
        rel_dir: rel_dir(&page.source.rel),
        id_prefix: "",
    }
}

fn render_front(site: &Site, sources: &SourceMap) -> FrontText {
    let page = &site.front;
    let file_text = sources.get(&page.source.file).unwrap_or("");
    let field = |value: &toml::Spanned<String>, id_prefix: &str| {
        let span = shift(value.span(), page.source.front_offset);
        let input = MarkdownInput {
            text: value.get_ref(),
            file: &page.source.file,
            map: TextMap::of_toml_string(file_text, span, value.get_ref()),
            page_url: &page.url,
            rel_dir: Path::new(""),
            id_prefix,
        };
        render_inline(&input, site)
    };
    FrontText {
        dek: page.source.front.dek.as_ref().map(|dek| field(dek, "dek-")),
        key_points: page
            .source
            .front
            .key_points
            .iter()
            .enumerate()
            .map(|(i, point)| field(point, &format!("kp{}-", i + 1)))
            .collect(),
        body: render_page(site, page),
    }
}

fn shift(span: Range<usize>, offset: usize) -> Range<usize> {
    span.start + offset..span.end + offset
}

/// Groups citations by record, in reading order: front page, pages, then record notes.
fn join_citations(site: &Site, text: &SiteText) -> BTreeMap<RecordKey, Vec<CitedAt>> {
    let mut cited_in: BTreeMap<RecordKey, Vec<CitedAt>> = BTreeMap::new();
    let mut seen: HashSet<(RecordKey, String, Option<String>)> = HashSet::new();
    let front = &site.front;
    let front_parts = text.front.dek.iter().chain(&text.front.key_points).chain([&text.front.body]);
    let pages = site.pages.iter().zip(&text.pages);
    let notes = text.notes.iter().filter_map(|(key, rendered)| {
        let record = site.record(key)?;
        Some((key.url(), record.title(), &**rendered))
    });
    let citing = front_parts
        .map(|r| (front.url.clone(), front.title().to_string(), r))
        .chain(pages.map(|(page, r)| (page.url.clone(), page.title().to_string(), &**r)))
        .chain(notes);
    for (page_url, page_title, rendered) in citing {
        for citation in &rendered.citations {
            if !seen.insert((citation.key.clone(), page_url.clone(), citation.anchor.clone())) {
                continue;
            }
            let at =
                CitedAt { page_url: page_url.clone(), page_title: page_title.clone(), anchor: citation.anchor.clone() };
            cited_in.entry(citation.key.clone()).or_default().push(at);
        }
    }
    cited_in
}

/// A warning for every record (of `file`, or of the whole site) that nothing cites or names: no
/// page or note links to it and no record names it (as a speaker, party, source, company or
/// related record). Its page would say it is not cited, and nothing leads a reader to it.
pub fn uncited_records(site: &Site, text: &SiteText, file: Option<&Path>) -> Vec<Diagnostic> {
    let related: HashSet<(Kind, &str)> = site
        .records_of(Kind::Controversy)
        .flat_map(|record| match &record.data {
            RecordData::Controversy(c) => c.related.iter().filter_map(|r| parse_typed_ref(r.get_ref())).collect(),
            _ => Vec::new(),
        })
        .collect();
    site.records
        .iter()
        .filter(|(_, record)| file.is_none_or(|file| record.file == file))
        .filter(|(key, _)| {
            !text.cited_in.contains_key(key)
                && !site.named_by.contains_key(key)
                && !related.contains(&(key.kind, key.id.as_str()))
        })
        .map(|(key, record)| uncited(key, record))
        .collect()
}

fn uncited(key: &RecordKey, record: &Record) -> Diagnostic {
    let kind = key.kind.title().to_lowercase();
    let scheme = key.kind.scheme();
    let id = &key.id;
    let named = match key.kind {
        Kind::Person | Kind::Organization => ", name it as a quote's `speaker` or a controversy's `parties`",
        Kind::Source => ", name it as the `source` of a quote, use case or figure",
        _ => "",
    };
    Diagnostic::warning(&record.file, Some(record.id().span()), format!("{kind} `{id}` is not cited anywhere"))
        .with_label(crate::diagnostics::UNCITED_LABEL)
        .with_help(format!(
            "its page says it is not cited: link to it from a page or note (`[…]({scheme}:{id})`, or `![]({scheme}:{id})` for a card){named}, or remove it"
        ))
}

/// The ids the built-in theme gives every page of a type (`id="…"` in templates/), which links
/// may point at whatever the page holds.
const FRONT_THEME_IDS: &[&str] = &["main", "b-key-points", "b-figures", "b-contents"];
const SECTION_THEME_IDS: &[&str] = &["main", "b-children", "b-cited"];
const RECORD_THEME_IDS: &[&str] = &["main", "b-note", "b-involved", "b-cited-in"];

/// The ids of a page a fragment can point into: those of the Markdown rendered on it and the theme's.
struct PageIds<'t> {
    ids: HashSet<&'t str>,
    headings: Vec<&'t str>,
}

impl<'t> PageIds<'t> {
    fn new(parts: &[&'t Rendered], theme_ids: &'static [&'static str]) -> Self {
        let headings: Vec<&str> = parts.iter().flat_map(|part| part.heading_ids.iter().map(String::as_str)).collect();
        let others = parts.iter().flat_map(|part| part.other_ids.iter().map(String::as_str));
        let ids = headings.iter().copied().chain(others).chain(theme_ids.iter().copied()).collect();
        Self { ids, headings }
    }

    fn has(&self, fragment: &str) -> bool {
        self.ids.contains(fragment)
            || (fragment.contains('%') && self.ids.contains(super::percent_decode(fragment).as_str()))
    }
}

/// The pages links point into, each with its ids worked out the first time a link needs them.
struct Targets<'a> {
    site: &'a Site,
    text: &'a SiteText,
    pages: HashMap<&'a Path, Option<PageIds<'a>>>,
}

impl<'a> Targets<'a> {
    fn new(site: &'a Site, text: &'a SiteText) -> Self {
        Self { site, text, pages: HashMap::new() }
    }

    /// The ids of the page at `rel` (`content/`-relative), if it is a page of the site.
    fn get(&mut self, rel: &'a Path) -> Option<&PageIds<'a>> {
        let (site, text) = (self.site, self.text);
        self.pages
            .entry(rel)
            .or_insert_with(|| {
                if rel == site.front.source.rel {
                    return Some(PageIds::new(&front_parts(text), FRONT_THEME_IDS));
                }
                let rendered = text.pages.get(*site.page_index.get(rel)?)?;
                Some(PageIds::new(&[rendered], SECTION_THEME_IDS))
            })
            .as_ref()
    }
}

fn front_parts(text: &SiteText) -> Vec<&Rendered> {
    text.front.dek.iter().chain(&text.front.key_points).chain([&text.front.body]).collect()
}

/// Where Markdown is written: the file, the fragment, and the page it is shown on (`None`: a record
/// note, shown on its record's page).
type Written<'a> = (&'a Path, &'a Rendered, Option<&'a Path>);

/// Every piece of Markdown of the site, with where it is written and shown.
fn written<'a>(site: &'a Site, text: &'a SiteText) -> Vec<Written<'a>> {
    let front = &site.front;
    let mut all: Vec<Written<'a>> = front_parts(text)
        .into_iter()
        .map(|part| (front.source.file.as_path(), part, Some(front.source.rel.as_path())))
        .collect();
    for (page, rendered) in site.pages.iter().zip(&text.pages) {
        all.push((&page.source.file, rendered, Some(&page.source.rel)));
    }
    for (key, rendered) in &text.notes {
        if let Some(record) = site.record(key) {
            all.push((&record.file, rendered, None));
        }
    }
    all
}

/// Every `#fragment` of a link to a page (`one.md#said`, `#said`) must be an id on that page.
fn check_fragments(site: &Site, text: &SiteText) -> Vec<Diagnostic> {
    let mut targets = Targets::new(site, text);
    written(site, text)
        .into_iter()
        .flat_map(|(file, rendered, shown_on)| check_links(&mut targets, file, rendered, shown_on, |_| true))
        .collect()
}

/// What `check_fragments` reports about page `index`: the dead fragments of the links written in
/// its body, and of the links elsewhere that point into it. Only Markdown with such links is
/// looked at, so this costs little however large the site.
pub fn page_fragment_problems(site: &Site, text: &SiteText, index: usize) -> Vec<Diagnostic> {
    let (Some(page), Some(own)) = (site.pages.get(index), text.pages.get(index)) else { return Vec::new() };
    let rel = page.source.rel.as_path();
    let mut targets = Targets::new(site, text);
    let mut problems = check_links(&mut targets, &page.source.file, own, Some(rel), |_| true);
    // Compared as bytes: both are the site's own normalised paths, and `Path`'s equality walks components.
    let links_here = |rendered: &Rendered| {
        rendered.fragment_links.iter().any(|link| link.page.as_deref().map(Path::as_os_str) == Some(rel.as_os_str()))
    };
    let front = &site.front;
    let front_parts =
        front_parts(text).into_iter().map(|part| (front.source.file.as_path(), part, Some(front.source.rel.as_path())));
    let pages = site
        .pages
        .iter()
        .zip(&text.pages)
        .enumerate()
        .filter(|(i, _)| *i != index)
        .map(|(_, (page, rendered))| (page.source.file.as_path(), &**rendered, Some(page.source.rel.as_path())));
    let notes = text
        .notes
        .iter()
        .filter(|(_, rendered)| !rendered.fragment_links.is_empty())
        .filter_map(|(key, rendered)| Some((site.record(key)?.file.as_path(), &**rendered, None)));
    for (file, rendered, shown_on) in front_parts.chain(pages).chain(notes) {
        if !rendered.fragment_links.is_empty() && links_here(rendered) {
            problems.extend(check_links(&mut targets, file, rendered, shown_on, |target| target == Some(rel)));
        }
    }
    problems
}

/// The dead fragments among the links of `rendered` whose target page (`None`: the note's own
/// record page) `wanted` accepts, written in `file` and shown on the page at `shown_on`.
fn check_links<'a>(
    targets: &mut Targets<'a>,
    file: &Path,
    rendered: &'a Rendered,
    shown_on: Option<&'a Path>,
    wanted: impl Fn(Option<&Path>) -> bool,
) -> Vec<Diagnostic> {
    let note_page = (shown_on.is_none() && !rendered.fragment_links.is_empty())
        .then(|| PageIds::new(&[rendered], RECORD_THEME_IDS));
    let mut diagnostics = Vec::new();
    for link in &rendered.fragment_links {
        let target_rel = link.page.as_deref().or(shown_on);
        if !wanted(target_rel) {
            continue;
        }
        let (target, name) = match (&link.page, shown_on) {
            (Some(rel), _) => (targets.get(rel.as_path()), format!("`{}`", crate::load::slash_path(rel))),
            (None, Some(rel)) => (targets.get(rel), "this page".to_string()),
            (None, None) => (note_page.as_ref(), "this record's page".to_string()),
        };
        if let Some(target) = target
            && !target.has(&link.fragment)
        {
            diagnostics.push(dead_fragment(file, &link.fragment, &link.span, &name, &target.headings));
        }
    }
    diagnostics
}

fn dead_fragment(file: &Path, fragment: &str, span: &Range<usize>, page: &str, headings: &[&str]) -> Diagnostic {
    let add_id = "or give the heading an id: `## Title {#id}`";
    let help = match did_you_mean(fragment, headings.iter().copied()) {
        Some(close) => format!("did you mean `#{close}`?"),
        None if headings.is_empty() => {
            format!("{page} has no headings: link to the page without `#{fragment}`, {add_id}")
        }
        None => {
            let shown: Vec<String> = headings.iter().take(8).map(|id| format!("`#{id}`")).collect();
            let more = if headings.len() > shown.len() { ", …" } else { "" };
            format!("the headings of {page} are {}{more}; link to one of them, {add_id}", shown.join(", "))
        }
    };
    Diagnostic::error(file, Some(span.clone()), format!("{page} has no heading or anchor `#{fragment}`"))
        .with_label("dead fragment")
        .with_help(help)
}
