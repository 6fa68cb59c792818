//! Render: one Tera 2 instance (the site's `templates/` over the theme embedded in the binary),
//! contexts built from the model, pages rendered in parallel into the output sink, each with the
//! records it read, so an edited record names the pages to render again (`render_routes`).

pub mod context;
pub mod export;
mod feed;
pub mod listing;
mod print;
mod reads;
mod sitemap;
mod templates;

pub use print::URL as PRINT_URL;
pub use templates::{THEME_DIR, Templates, merge_templates, template_set_hash, theme_statics};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use crate::diagnostics::{Diagnostic, SourceMap};
use crate::markdown::site::SiteText;
use crate::markdown::{LinkStyle, Placeholder, Rendered, try_fill_placeholders};
use crate::model::{Kind, Page, RecordKey, Site, Topic};
use crate::output::{OutputFile, Sink};
use crate::routes::{Route, Routes, Target, Whole, kind_index_url};
use context::{Detail, KindLink, Link, Nav, NavLink, RecordView, SiteView, TopicLink, Views};
use listing::{Entry as ListingEntry, Listing, ListingOf};
use reads::Reads;

/// Pages kept from one build to the next: for each route, the hash of everything its rendering
/// reads (the template set, the template's name and the whole context), the bytes it gave, and
/// the records it read. A page whose key is unchanged is the same page, so it is not rendered again.
#[derive(Debug, Default, Clone)]
pub struct RenderCache {
    pages: HashMap<String, Entry>,
    /// The world hash (see `world_hash`) the `inputs` keys were made with, while it is known:
    /// `render_routes` uses it instead of hashing the whole site again.
    world: Option<blake3::Hash>,
    /// How many pages the last render took from the cache, and how many it rendered.
    pub reused: usize,
    pub rendered: usize,
    /// Set for a build that has no next build (`briefing build`): no page is kept, so the pages
    /// are not all held in memory while they are written.
    one_shot: bool,
}

impl RenderCache {
    /// A cache for one build only: it keeps nothing.
    pub fn one_shot() -> Self {
        Self { one_shot: true, ..Self::default() }
    }

    /// The routes (output paths) whose pages read any of `keys`: the pages an edit of those
    /// records can change.
    pub fn readers_of(&self, keys: &BTreeSet<RecordKey>) -> BTreeSet<String> {
        self.pages
            .iter()
            .filter(|(_, entry)| keys.iter().any(|key| entry.reads.contains(key)))
            .map(|(path, _)| path.clone())
            .collect()
    }
}

/// A page kept for the next build, with two keys. `inputs` hashes what the page is built from
/// without building its context (the "world" every page may read, and the page's own Markdown), so
/// a page whose inputs are unchanged is reused without even building its context; `context` is
/// the hash of the context itself, the fallback when the world changed in a way this page ignores.
/// Either is `None` when unknown: the page is then compared by context, or always rendered.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    inputs: Option<blake3::Hash>,
    context: Option<blake3::Hash>,
    bytes: Arc<[u8]>,
    /// Every record whose data the page may show.
    reads: Arc<BTreeSet<RecordKey>>,
}

/// One rendered page, what to keep of it, and whether it came from the cache.
struct Done {
    file: OutputFile,
    entry: Entry,
    reused: bool,
}

/// A page handed to the sink: its path, what to keep of it (nothing in a one-shot build), and
/// whether it came from the cache.
type Written = (String, Option<Entry>, bool);

/// What a set of render jobs gave: the entries to keep (of the pages that did not fail), the
/// counts, and the template errors, each once.
struct Batch {
    kept: HashMap<String, Entry>,
    reused: usize,
    rendered: usize,
    errors: Vec<Diagnostic>,
}

/// What rendering reads: the resolved site, its Markdown, the templates, the route table, the
/// fingerprinted asset names and the sources (for template error messages).
pub struct RenderInput<'a> {
    pub site: &'a Site,
    pub text: &'a SiteText,
    pub templates: &'a Templates,
    pub template_set: blake3::Hash,
    pub routes: &'a Routes,
    pub assets: &'a BTreeMap<String, String>,
    pub sources: &'a SourceMap,
}

/// Renders every page of the site into `sink`, reusing the pages of `cache` whose inputs did not
/// change, and returns how many pages there are. Template errors are collected, each reported once.
pub fn render_site(
    input: &RenderInput<'_>,
    cache: &mut RenderCache,
    sink: &dyn Sink,
    diagnostics: &mut Vec<Diagnostic>,
) -> usize {
    let (renderer, shared) = PageRenderer::new(input);
    let world = shared.map(|shared| world_hash(&shared, input.site, input.text));
    let jobs: Vec<(&Route, &Target)> = input.routes.pages().collect();
    let batch = renderer.render_all(&jobs, shared.as_ref(), world, cache, sink);
    // Only this build's pages are kept: the cache never outgrows the site.
    *cache = RenderCache { pages: batch.kept, world, reused: batch.reused, rendered: batch.rendered, ..*cache };
    diagnostics.extend(batch.errors);
    jobs.len()
}

/// Renders only the pages at the routes in `only` (paths that are not pages of the site are
/// dropped from the cache), into `sink`, replacing their entries in `cache` and keeping every
/// other entry; returns how many pages it rendered or reused. It does not hash the whole site:
/// when `world_unchanged` (the caller knows nothing a page's context reads changed but the Markdown
/// of these pages or records that only they read), the pages are keyed with the world of the last
/// `render_site`, as it would key them; otherwise the world is forgotten and the pages are keyed by
/// their context alone (still correct, only slower to check next time).
pub fn render_routes(
    input: &RenderInput<'_>,
    cache: &mut RenderCache,
    sink: &dyn Sink,
    diagnostics: &mut Vec<Diagnostic>,
    only: &BTreeSet<String>,
    world_unchanged: bool,
) -> usize {
    let (renderer, shared) = PageRenderer::new(input);
    let world = if world_unchanged { cache.world } else { None };
    let jobs: Vec<(&Route, &Target)> =
        input.routes.pages().filter(|(route, _)| only.contains(route.as_str())).collect();
    let batch = renderer.render_all(&jobs, shared.as_ref(), world, cache, sink);
    for path in only {
        cache.pages.remove(path);
    }
    cache.pages.extend(batch.kept);
    cache.world = world;
    (cache.reused, cache.rendered) = (batch.reused, batch.rendered);
    diagnostics.extend(batch.errors);
    jobs.len()
}

/// Renders the files made from the whole site (`routes::Whole`) into `sink`, after the pages.
/// Each reads every page or record: a full build renders them, and `serve` when one is asked for
/// after an edit (`crate::render_deferred`). `BRIEFING_TIMINGS` times each.
pub fn render_wholes(input: &RenderInput<'_>, sink: &dyn Sink, diagnostics: &mut Vec<Diagnostic>) {
    let timings = crate::Timings::from_env();
    // The search index is made from the rendered pages, not from the model (`search`).
    for (route, whole) in input.routes.wholes().filter(|(_, whole)| *whole != Whole::Search) {
        let file = render_whole(input, whole).map(|bytes| OutputFile { path: route.to_string(), bytes: bytes.into() });
        timings.mark(route.as_str());
        // A template error in a card the feed shows was already reported by the pages showing it.
        if let Err(diagnostic) = file.and_then(|file| sink.put(file))
            && !diagnostics.contains(&diagnostic)
        {
            diagnostics.push(diagnostic);
        }
    }
}

/// The bytes of one file made from the whole site.
fn render_whole(input: &RenderInput<'_>, whole: Whole) -> Result<Vec<u8>, Diagnostic> {
    match whole {
        Whole::Print => print::render_print(input),
        Whole::BriefingJson => export::briefing_json(input),
        Whole::BriefingSchema => Ok(export::SCHEMA.as_bytes().to_vec()),
        Whole::Feed => feed::atom(input),
        Whole::Sitemap => sitemap::sitemap(input),
        Whole::Robots => Ok(sitemap::robots(input)),
        Whole::Search => Err(Diagnostic::error("templates", None, "the search index is made by `search`")),
    }
}

/// A hash of everything in the site that a page's context may read, except the Markdown of the
/// pages themselves: the settings, every page's front matter and place, every record, topic and
/// record note, the front page's text, and where each record is cited. While it holds, a page is
/// what it was unless its own Markdown changed.
fn world_hash(shared: &blake3::Hash, site: &Site, text: &SiteText) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new();
    hasher.update(shared.as_bytes());
    hash_debug(&mut hasher, &site.config);
    for page in std::iter::once(&site.front).chain(&site.pages) {
        hash_debug(&mut hasher, &(&page.source.file, &page.source.front, &page.url, &page.parent));
    }
    hash_debug(&mut hasher, &site.records);
    hash_debug(&mut hasher, &site.broken);
    hash_debug(&mut hasher, &site.topics);
    hash_debug(&mut hasher, &text.cited_in);
    for rendered in text
        .front
        .dek
        .iter()
        .chain(&text.front.key_points)
        .chain([&text.front.body])
        .chain(text.notes.values().map(|r| &**r))
    {
        hash_rendered(&mut hasher, rendered);
    }
    hasher.finalize()
}

/// What a route is built from besides the world: a section page's own Markdown.
fn inputs_hash(world: &blake3::Hash, route: &Route, target: &Target, text: &SiteText) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new();
    hasher.update(world.as_bytes());
    hasher.update(route.as_str().as_bytes());
    hash_debug(&mut hasher, target);
    if let Target::Page(i) = target
        && let Some(rendered) = text.pages.get(*i)
    {
        hash_rendered(&mut hasher, rendered);
    }
    hasher.finalize()
}

fn hash_rendered(hasher: &mut blake3::Hasher, rendered: &Rendered) {
    hasher.update(&(rendered.html.len() as u64).to_le_bytes());
    hasher.update(rendered.html.as_bytes());
    hash_debug(
        hasher,
        &(&rendered.placeholders, &rendered.toc, &rendered.citations, &rendered.heading_ids, &rendered.other_ids),
    );
}

/// Feeds `value`'s `Debug` form to a hasher without building the string.
fn hash_debug(hasher: &mut blake3::Hasher, value: &impl std::fmt::Debug) {
    struct Feed<'h>(std::io::BufWriter<&'h mut blake3::Hasher>);
    impl std::fmt::Write for Feed<'_> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            std::io::Write::write_all(&mut self.0, s.as_bytes()).map_err(|_| std::fmt::Error)
        }
    }
    let mut feed = Feed(std::io::BufWriter::with_capacity(1 << 16, hasher));
    let _ = std::fmt::write(&mut feed, format_args!("{value:?}"));
    let _ = std::io::Write::flush(&mut feed.0);
}

/// The keys every page's context shares (hashed once per build).
const GLOBAL_KEYS: [&str; 3] = ["site", "assets", "generator"];

/// Every other key a page's context can hold: the base context's and each template's own.
const PAGE_KEYS: [&str; 10] =
    ["root", "page_url", "canonical", "nav", "front", "page", "record", "kind", "topic", "listing"];

/// Feeds everything in `context` to `hasher`, as JSON (tera keeps maps in insertion order, so the
/// same context always gives the same bytes). `None` if the context holds a key this function
/// does not know: such a page is always rendered, never taken from the cache.
fn hash_context(hasher: &mut blake3::Hasher, context: &mut Context, keys: &[&'static str]) -> Option<()> {
    let mut taken = Vec::with_capacity(keys.len() + GLOBAL_KEYS.len());
    // serde_json writes in small pieces; blake3 is fastest fed in large ones.
    let mut writer = std::io::BufWriter::with_capacity(1 << 16, &mut *hasher);
    for key in keys {
        if let Some(value) = context.remove(key) {
            std::io::Write::write_all(&mut writer, key.as_bytes()).ok()?;
            serde_json::to_writer(&mut writer, &value).ok()?;
            taken.push((*key, value));
        }
    }
    std::io::Write::flush(&mut writer).ok()?;
    drop(writer);
    // The globals are in every page's context but hashed once, by the caller.
    for key in GLOBAL_KEYS.iter().filter(|key| !keys.contains(key)) {
        if let Some(value) = context.remove(key) {
            taken.push((*key, value));
        }
    }
    let complete = *context == Context::new();
    for (key, value) in taken {
        context.insert_value(key, value);
    }
    complete.then_some(())
}

pub fn generator() -> String {
    format!("briefing {}", env!("CARGO_PKG_VERSION"))
}

struct PageRenderer<'a> {
    site: &'a Site,
    text: &'a SiteText,
    templates: &'a Templates,
    globals: Context,
    sources: &'a SourceMap,
    /// Cards and previews by (template, record, root): most records are shown many times.
    fragments: RwLock<HashMap<FragmentKey, Result<Fragment, Diagnostic>>>,
    /// The navigation every page shares; each page marks its current entry.
    nav: Nav,
    /// Each listing, built by the first of its pages to be rendered.
    listings: RwLock<HashMap<ListingOf, Option<Arc<Listing<ListingEntry>>>>>,
}

/// A card or preview: (template, record, root).
type FragmentKey = (&'static str, RecordKey, String);

/// A rendered card or preview, with the records it read: a page that shows it reads them too.
#[derive(Debug, Clone)]
struct Fragment {
    html: String,
    reads: Arc<BTreeSet<RecordKey>>,
}

/// One page being rendered: the renderer it shares with every other page, and its own views,
/// which note the records it reads.
struct Job<'j, 'a> {
    renderer: &'j PageRenderer<'a>,
    views: Views<'j>,
}

/// Stands in for a preview's id in cached previews; replaced per use.
const PREVIEW_ID_MARK: &str = "\u{1}preview-id\u{1}";

#[derive(Serialize)]
struct SectionView<'a> {
    title: &'a str,
    summary: &'a str,
    date: String,
    updated: String,
    topics: Vec<TopicLink>,
    content: String,
    toc: Vec<TocView<'a>>,
    cited: Vec<RecordView>,
    /// The first `listing::PAGE_SIZE` pages inside the section; the contents lists them all.
    children: Vec<Link>,
    child_count: usize,
    children_more_url: String,
    prev: Option<Link>,
    next: Option<Link>,
}

#[derive(Serialize)]
struct TocView<'a> {
    level: u8,
    id: &'a str,
    title: &'a str,
}

#[derive(Serialize)]
struct FrontView<'a> {
    title: &'a str,
    dek: String,
    key_points: Vec<String>,
    content: String,
    /// The first `FRONT_SECTIONS` top-level sections; the contents lists them all.
    sections: Vec<SectionSummary>,
    section_count: usize,
    figures: Vec<RecordView>,
}

/// The most top-level sections the front page lists, and the most figures it shows.
const FRONT_SECTIONS: usize = listing::PAGE_SIZE;
const FRONT_FIGURES: usize = 12;

#[derive(Serialize)]
struct SectionSummary {
    title: String,
    summary: String,
    url: String,
    topics: Vec<TopicLink>,
}

#[derive(Serialize)]
struct KindView {
    kind: &'static str,
    title: &'static str,
    url: String,
    /// Records of the kind (the listing also counts those shown again under a grouping).
    count: usize,
}

#[derive(Serialize)]
struct TopicView {
    slug: String,
    name: String,
    url: String,
    pages: usize,
    records: usize,
}

/// One entry of a listing page: exactly one of its fields is set.
#[derive(Serialize, Default)]
struct ListingItem {
    section: Option<SectionSummary>,
    record: Option<RecordView>,
    topic: Option<TopicCount>,
    contents: Option<ContentsEntry>,
}

#[derive(Serialize)]
struct TopicCount {
    slug: String,
    name: String,
    url: String,
    count: usize,
}

/// A page in the contents: `depth` 0 for a top-level section.
#[derive(Serialize)]
struct ContentsEntry {
    title: String,
    url: String,
    summary: String,
    depth: usize,
}

impl<'a> PageRenderer<'a> {
    /// The renderer of one build, and the hash of what every page shares (the template set and
    /// the globals); `None` if the globals cannot be hashed, and then no page is reused.
    fn new(input: &RenderInput<'a>) -> (Self, Option<blake3::Hash>) {
        let RenderInput { site, text, templates, template_set, assets, sources, .. } = *input;
        let mut globals = Context::new();
        globals.insert("site", &SiteView::new(site));
        globals.insert("assets", assets);
        globals.insert("generator", &generator());
        let mut hasher = blake3::Hasher::new();
        hasher.update(template_set.as_bytes());
        let shared = hash_context(&mut hasher, &mut globals, &GLOBAL_KEYS).map(|()| hasher.finalize());
        let renderer = Self {
            site,
            text,
            templates,
            globals,
            sources,
            fragments: RwLock::new(HashMap::new()),
            nav: shared_nav(site),
            listings: RwLock::new(HashMap::new()),
        };
        (renderer, shared)
    }

    /// The entries of a listing, built once per build.
    fn listing(&self, of: &ListingOf) -> Option<Arc<Listing<ListingEntry>>> {
        if let Some(built) = self.listings.read().ok().and_then(|cache| cache.get(of).cloned()) {
            return built;
        }
        let built = of.build(self.site).map(Arc::new);
        if let Ok(mut cache) = self.listings.write() {
            cache.insert(of.clone(), built.clone());
        }
        built
    }

    /// Renders `jobs` in parallel into `sink`, each taken from `previous` when its keys allow;
    /// with a `world`, each page is keyed by it and its own Markdown (see `inputs_hash`).
    fn render_all(
        &self,
        jobs: &[(&Route, &Target)],
        shared: Option<&blake3::Hash>,
        world: Option<blake3::Hash>,
        previous: &RenderCache,
        sink: &dyn Sink,
    ) -> Batch {
        let results: Vec<Result<Written, Diagnostic>> = jobs
            .par_iter()
            .map(|(route, target)| {
                let inputs = world.map(|world| inputs_hash(&world, route, target, self.text));
                let Done { file, entry, reused } = self.render(route, target, shared, inputs, previous)?;
                let path = file.path.clone();
                sink.put(file)?;
                Ok((path, (!previous.one_shot).then_some(entry), reused))
            })
            .collect();
        let mut batch = Batch { kept: HashMap::with_capacity(jobs.len()), reused: 0, rendered: 0, errors: Vec::new() };
        for result in results {
            match result {
                Ok((path, entry, reused)) => {
                    if reused {
                        batch.reused += 1;
                    } else {
                        batch.rendered += 1;
                    }
                    if let Some(entry) = entry {
                        batch.kept.insert(path, entry);
                    }
                }
                Err(diagnostic) if !batch.errors.contains(&diagnostic) => batch.errors.push(diagnostic),
                Err(_) => {}
            }
        }
        batch
    }

    /// Renders one page, or takes it from `cache` when the template set, the template and the
    /// context are what they were (the context holds everything a template can read).
    fn render(
        &self,
        route: &Route,
        target: &Target,
        shared: Option<&blake3::Hash>,
        inputs: Option<blake3::Hash>,
        cache: &RenderCache,
    ) -> Result<Done, Diagnostic> {
        let url = route.as_str();
        let cached = cache.pages.get(url);
        let file = |bytes: &Arc<[u8]>| OutputFile { path: url.to_string(), bytes: bytes.clone() };
        if let Some(entry) = cached
            && inputs.is_some()
            && entry.inputs == inputs
        {
            return Ok(Done { file: file(&entry.bytes), entry: entry.clone(), reused: true });
        }
        let reads = Reads::default();
        let job = Job { renderer: self, views: Views::new(self.site, self.text, &reads) };
        let (template, mut context) = job.context(url, target)?;
        let mut hasher = blake3::Hasher::new();
        hasher.update(shared.map_or(&[0; 32], |hash| hash.as_bytes()));
        hasher.update(template.as_bytes());
        let hashed = hash_context(&mut hasher, &mut context, &PAGE_KEYS);
        let key = (hashed.is_some() && shared.is_some()).then(|| hasher.finalize());
        let reads = Arc::new(reads.into_keys());
        // A page that cannot be keyed by its context is never reused, by either key.
        let inputs = key.and(inputs);
        if let Some(entry) = cached
            && key.is_some()
            && entry.context == key
        {
            let entry = Entry { inputs, context: key, bytes: entry.bytes.clone(), reads };
            return Ok(Done { file: file(&entry.bytes), entry, reused: true });
        }
        let bytes: Arc<[u8]> = self.templates.render(template, &context, self.sources)?.into_bytes().into();
        Ok(Done { file: file(&bytes), entry: Entry { inputs, context: key, bytes, reads }, reused: false })
    }
}

impl<'a> Job<'_, 'a> {
    fn site(&self) -> &'a Site {
        self.renderer.site
    }

    /// The page's template and its full context.
    fn context(&self, url: &str, target: &Target) -> Result<(&'static str, Context), Diagnostic> {
        let site = self.site();
        let text = self.views.text;
        Ok(match target {
            Target::Front => {
                let front = FrontView {
                    title: site.front.title(),
                    dek: match &text.front.dek {
                        Some(dek) => self.fill(dek, url)?,
                        None => String::new(),
                    },
                    key_points: text.front.key_points.iter().map(|k| self.fill(k, url)).collect::<Result<_, _>>()?,
                    content: self.fill(&text.front.body, url)?,
                    sections: site.sections().take(FRONT_SECTIONS).map(|p| self.section_summary(p)).collect(),
                    section_count: site.sections().count(),
                    figures: self
                        .views
                        .sorted_records(Kind::Figure)
                        .into_iter()
                        .take(FRONT_FIGURES)
                        .map(|r| self.views.record(r, Detail::Summary))
                        .collect(),
                };
                let mut context = self.base_context(url, Current::Page(url));
                context.insert("front", &front);
                ("index.html", context)
            }
            Target::Page(i) => {
                let page = &site.pages[*i];
                let rendered = &text.pages[*i];
                let view = self.section_view(*i, page, rendered, url)?;
                let section_url =
                    page.parent.as_ref().and_then(|rel| site.page_by_rel(rel)).map_or(url, |p| p.url.as_str());
                let mut context = self.base_context(url, Current::Page(section_url));
                context.insert("page", &view);
                ("section.html", context)
            }
            Target::Record(key) => {
                let record = self
                    .views
                    .get(key)
                    .ok_or_else(|| Diagnostic::error("content", None, format!("record `{key}` vanished")))?;
                let mut view = self.views.record(record, Detail::Full);
                if let Some(note) = text.notes.get(key) {
                    view.note = self.fill(note, url)?;
                }
                let mut context = self.base_context(url, Current::Kind(key.kind));
                context.insert("record", &view);
                ("record.html", context)
            }
            Target::Listing(of, number) => self.listing_context(url, of, *number)?,
            Target::NotFound => {
                let mut context = self.base_context(url, Current::None);
                // Hosts serve this page for any missing URL, at any depth, so relative links cannot
                // work here: its links start from the path of `base_url` instead.
                context.insert("root", &url_path(site.config.base_url.get_ref()));
                ("404.html", context)
            }
            Target::Static(_) | Target::Whole(_) => {
                return Err(Diagnostic::error("static", None, format!("`{url}` is not a page rendered on its own")));
            }
        })
    }

    /// Page `number` of a listing: its template, and a context with `listing` (this page's entries,
    /// headings and pager) and what the template says about the whole (`kind`, `topic`).
    fn listing_context(&self, url: &str, of: &ListingOf, number: usize) -> Result<(&'static str, Context), Diagnostic> {
        let site = self.site();
        let listing = self
            .renderer
            .listing(of)
            .ok_or_else(|| Diagnostic::error("content", None, format!("the listing at `{url}` has nothing to list")))?;
        let page = listing.page(number, &of.url(), |entry| self.listing_item(entry));
        let (template, current) = match of {
            ListingOf::Kind(kind) => ("kind.html", Current::Kind(*kind)),
            ListingOf::Topic(_) | ListingOf::Topics => {
                (if matches!(of, ListingOf::Topics) { "topics.html" } else { "topic.html" }, Current::Topics)
            }
            ListingOf::Contents => ("contents.html", Current::Contents),
        };
        let mut context = self.base_context(url, current);
        context.insert("listing", &page);
        match of {
            ListingOf::Kind(kind) => {
                let view = KindView {
                    kind: kind.table_name(),
                    title: kind.plural_title(),
                    url: of.url(),
                    count: reads::count_of(site, *kind),
                };
                context.insert("kind", &view);
            }
            ListingOf::Topic(slug) => {
                let topic = site
                    .topics
                    .get(slug)
                    .ok_or_else(|| Diagnostic::error("content", None, format!("topic `{slug}` vanished")))?;
                let view = TopicView {
                    slug: topic.slug.clone(),
                    name: topic.name.clone(),
                    url: of.url(),
                    pages: topic.pages.len(),
                    records: topic.records.len(),
                };
                context.insert("topic", &view);
            }
            ListingOf::Topics | ListingOf::Contents => {}
        }
        Ok((template, context))
    }

    fn listing_item(&self, entry: &ListingEntry) -> ListingItem {
        let site = self.site();
        match entry {
            ListingEntry::Record(key) => ListingItem {
                record: self.views.get(key).map(|r| self.views.record(r, Detail::Summary)),
                ..ListingItem::default()
            },
            ListingEntry::Contents(i) => {
                let page = &site.pages[*i];
                let entry = ContentsEntry {
                    title: page.title().to_string(),
                    url: page.url.clone(),
                    summary: page.source.front.summary.to_string(),
                    // The theme indents three levels; deeper pages line up with the third.
                    depth: depth_of(site, page).min(3),
                };
                ListingItem { contents: Some(entry), ..ListingItem::default() }
            }
            ListingEntry::Page(id) => {
                ListingItem { section: Some(self.section_summary(site.page(*id))), ..ListingItem::default() }
            }
            ListingEntry::Topic(slug) => {
                let topic = site.topics.get(slug).map(|t| TopicCount {
                    slug: t.slug.clone(),
                    name: t.name.clone(),
                    url: Topic::url(&t.slug),
                    count: t.pages.len() + t.records.len(),
                });
                ListingItem { topic, ..ListingItem::default() }
            }
        }
    }

    fn section_summary(&self, page: &Page) -> SectionSummary {
        SectionSummary {
            title: page.title().to_string(),
            summary: page.source.front.summary.to_string(),
            url: page.url.clone(),
            topics: page.source.front.topics.iter().map(|t| self.views.topic_link(t.get_ref())).collect(),
        }
    }

    fn section_view<'p>(
        &self,
        index: usize,
        page: &'p Page,
        rendered: &'p Rendered,
        url: &str,
    ) -> Result<SectionView<'p>, Diagnostic> {
        let site = self.site();
        let neighbour =
            |offset: isize| site.reading_order.neighbour(index, offset).map(|i| self.views.page_link(&site.pages[i]));
        let mut cited_keys: Vec<&RecordKey> = Vec::new();
        for citation in &rendered.citations {
            if !cited_keys.contains(&&citation.key) {
                cited_keys.push(&citation.key);
            }
        }
        let front = &page.source.front;
        let children = site.reading_order.children(&page.source.rel);
        Ok(SectionView {
            title: page.title(),
            summary: &front.summary,
            date: front.date.as_ref().map(|d| d.as_str().to_string()).unwrap_or_default(),
            updated: front.updated.as_ref().map(|d| d.as_str().to_string()).unwrap_or_default(),
            topics: front.topics.iter().map(|t| self.views.topic_link(t.get_ref())).collect(),
            content: self.fill(rendered, url)?,
            toc: rendered.toc.iter().map(|t| TocView { level: t.level, id: &t.id, title: &t.title }).collect(),
            cited: cited_keys
                .into_iter()
                .filter_map(|k| self.views.get(k))
                .map(|r| self.views.record(r, Detail::Summary))
                .collect(),
            children: children.iter().take(listing::PAGE_SIZE).map(|&i| self.views.page_link(&site.pages[i])).collect(),
            child_count: children.len(),
            // The contents page where the list of children goes on.
            children_more_url: children
                .get(listing::PAGE_SIZE)
                .and_then(|&i| site.reading_order.position(i))
                .map(|at| listing::paged_url(listing::CONTENTS_URL, listing::page_of(at)))
                .unwrap_or_default(),
            prev: neighbour(-1),
            next: neighbour(1),
        })
    }

    fn base_context(&self, url: &str, current: Current<'_>) -> Context {
        let site = self.site();
        let mut context = self.renderer.globals.clone();
        let root = root_of(url);
        context.insert("root", &root);
        context.insert("page_url", url);
        let canonical = if url == "index.html" {
            site.config.base_url.to_string()
        } else {
            format!("{}{url}", site.config.base_url)
        };
        context.insert("canonical", &canonical);
        let mut nav = self.renderer.nav.clone();
        for link in &mut nav.sections {
            link.current = matches!(current, Current::Page(u) if u == link.url);
        }
        for link in &mut nav.kinds {
            link.current = matches!(current, Current::Kind(k) if k.table_name() == link.kind);
        }
        context.insert("nav", &nav);
        context
    }

    /// The HTML of a Markdown fragment with its record cards and previews filled in.
    /// `rendered` as shown on the page at `url`: links relative to it, cards and previews filled in.
    fn fill(&self, rendered: &Rendered, url: &str) -> Result<String, Diagnostic> {
        let root = &root_of(url);
        let style = LinkStyle::RelativeTo(url);
        try_fill_placeholders(&rendered.html, &rendered.placeholders, |placeholder| match placeholder {
            Placeholder::Link { target, written } => Ok(style.href(target, written.as_deref())),
            Placeholder::Embed { key } => self.fragment("card.html", key, root),
            Placeholder::Preview { key, preview_id } => {
                self.fragment("preview.html", key, root).map(|html| html.replace(PREVIEW_ID_MARK, preview_id))
            }
        })
    }

    /// A record's card or preview, rendered once per build and shared between pages; whichever
    /// page renders it, every page that shows it gets the records it read.
    fn fragment(&self, template: &'static str, key: &RecordKey, root: &str) -> Result<String, Diagnostic> {
        let renderer = self.renderer;
        let cache_key = (template, key.clone(), root.to_string());
        let cached = renderer.fragments.read().ok().and_then(|cache| cache.get(&cache_key).cloned());
        let result = match cached {
            Some(cached) => cached,
            None => {
                let result = self.render_fragment(template, key, root);
                if let Ok(mut cache) = renderer.fragments.write() {
                    cache.insert(cache_key, result.clone());
                }
                result
            }
        };
        result.map(|fragment| {
            self.views.reads.extend(&fragment.reads);
            fragment.html
        })
    }

    fn render_fragment(&self, template: &'static str, key: &RecordKey, root: &str) -> Result<Fragment, Diagnostic> {
        let renderer = self.renderer;
        let reads = Reads::default();
        let views = Views::new(renderer.site, renderer.text, &reads);
        let record =
            views.get(key).ok_or_else(|| Diagnostic::error("content", None, format!("record `{key}` vanished")))?;
        let mut context = renderer.globals.clone();
        context.insert("root", root);
        context.insert("record", &views.record(record, Detail::Summary));
        context.insert("preview_id", PREVIEW_ID_MARK);
        // Trimmed: a fragment sits inside running text, where a trailing newline becomes a space.
        let html = renderer.templates.render(template, &context, renderer.sources)?.trim().to_string();
        Ok(Fragment { html, reads: Arc::new(reads.into_keys()) })
    }
}

/// Top-level sections and record kinds, without a current entry.
fn shared_nav(site: &Site) -> Nav {
    let sections = site.sections().count();
    Nav {
        // Bounded, so that no page grows with the site: past the limit, the contents lists them.
        sections: match sections <= NAV_SECTIONS {
            true => site
                .sections()
                .map(|p| NavLink { title: p.title().to_string(), url: p.url.clone(), current: false })
                .collect(),
            false => Vec::new(),
        },
        section_count: sections,
        contents_url: listing::CONTENTS_URL,
        kinds: Kind::ALL
            .into_iter()
            .filter_map(|kind| {
                let count = reads::count_of(site, kind);
                (count > 0).then(|| KindLink {
                    kind: kind.table_name(),
                    title: kind.plural_title(),
                    url: kind_index_url(kind),
                    count,
                    current: false,
                })
            })
            .collect(),
        topics_url: listing::TOPICS_URL,
    }
}

/// The most top-level sections the header lists; a site with more links its contents instead.
pub const NAV_SECTIONS: usize = 8;

/// How deep `page` sits below the top-level sections: 0 for one of them.
fn depth_of(site: &Site, page: &Page) -> usize {
    let mut depth = 0;
    let mut parent = page.parent.as_deref();
    while let Some(rel) = parent
        && depth < 64
    {
        depth += 1;
        parent = site.page_by_rel(rel).and_then(|p| p.parent.as_deref());
    }
    depth
}

/// Which navigation entry is the current one.
#[derive(Debug, Clone, Copy)]
enum Current<'u> {
    Page(&'u str),
    Kind(Kind),
    Topics,
    Contents,
    None,
}

/// The path of an absolute URL, always ending in `/`: `https://example.org/briefing/` → `/briefing/`.
pub fn url_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    let path = path.split(['?', '#']).next().unwrap_or("/");
    if path.ends_with('/') { path.to_string() } else { format!("{path}/") }
}

/// The prefix that leads from a page back to the output root: `""` or `"../"` (one per folder).
pub fn root_of(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Inputs, StaticFile};
    use crate::markdown::site::MarkdownCache;
    use crate::output::{Assets, MemorySink};

    /// Everything render takes, for a site held in memory.
    struct Prepared {
        site: Site,
        text: SiteText,
        templates: Templates,
        template_set: blake3::Hash,
        routes: Routes,
        assets: Assets,
        sources: SourceMap,
    }

    /// Runs the stages before render, as `compile` does, on a site that has no errors.
    fn prepare(inputs: &Inputs) -> Prepared {
        let mut loaded = crate::load::load_site(inputs);
        let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
        let mut sources = std::mem::take(&mut loaded.sources);
        let files = merge_templates(std::mem::take(&mut loaded.templates));
        let template_set = template_set_hash(&files);
        let templates = Templates::compile(&files, &mut sources, &mut diagnostics).expect("templates compile");
        let theme = theme_statics().map(|(name, bytes)| StaticFile {
            name: name.to_string(),
            bytes: bytes.to_vec(),
            file: std::path::Path::new(THEME_DIR).join(name),
        });
        let statics: Vec<StaticFile> = theme.chain(std::mem::take(&mut loaded.statics)).collect();
        let site = crate::model::build_model(loaded, &sources, &Default::default(), &mut diagnostics).expect("model");
        let text = crate::markdown::site::render_site(&site, &sources, &mut MarkdownCache::default(), &mut diagnostics);
        let assets = crate::output::fingerprint(statics);
        let routes = Routes::plan(&site, &assets, &mut sources, &mut diagnostics);
        assert_eq!(diagnostics, vec![]);
        Prepared { site, text, templates, template_set, routes, assets, sources }
    }

    /// The pages `render_site` (or, given `only`, `render_routes`) puts in the sink.
    fn render(
        prepared: &Prepared,
        cache: &mut RenderCache,
        only: Option<(&BTreeSet<String>, bool)>,
    ) -> BTreeMap<String, Arc<[u8]>> {
        let p = prepared;
        let sink = MemorySink::default();
        let mut diagnostics = Vec::new();
        let input = RenderInput {
            site: &p.site,
            text: &p.text,
            templates: &p.templates,
            template_set: p.template_set,
            routes: &p.routes,
            assets: &p.assets.urls,
            sources: &p.sources,
        };
        match only {
            None => render_site(&input, cache, &sink, &mut diagnostics),
            Some((only, world_unchanged)) => {
                render_routes(&input, cache, &sink, &mut diagnostics, only, world_unchanged)
            }
        };
        assert_eq!(diagnostics, vec![]);
        sink.into_files().into_iter().map(|file| (file.path, file.bytes)).collect()
    }

    fn base_inputs() -> Inputs {
        Inputs::read(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base"))
    }

    /// `inputs` with `edit` applied to the text of the file at `path`.
    fn edited(inputs: &Inputs, path: &str, edit: impl FnOnce(&str) -> String) -> Inputs {
        let file = inputs.get(std::path::Path::new(path)).expect("the file is there");
        let text = std::str::from_utf8(&file.bytes).expect("UTF-8");
        let mut inputs = inputs.clone();
        inputs.insert(path, edit(text).into_bytes());
        inputs
    }

    #[test]
    fn rendering_the_edited_route_with_the_world_unchanged_caches_what_a_full_render_would() {
        let inputs = base_inputs();
        let mut before = RenderCache::default();
        let first = render(&prepare(&inputs), &mut before, None);
        let after = prepare(&edited(&inputs, "content/one.md", |text| format!("{text}\nOne more sentence.\n")));
        let mut full = before.clone();
        let all = render(&after, &mut full, None);
        let mut partial = before.clone();
        let only = BTreeSet::from(["one.html".to_string()]);
        let some = render(&after, &mut partial, Some((&only, true)));
        assert_eq!(full.world, before.world, "a sentence leaves the world as it was");
        assert!(partial.world.is_some());
        assert_eq!(partial.world, full.world);
        assert_eq!(partial.pages, full.pages);
        assert_eq!((partial.rendered, partial.reused), (1, 0));
        assert_eq!((full.rendered, full.reused), (1, all.len() - 1));
        assert_eq!(some.keys().collect::<Vec<_>>(), ["one.html"]);
        assert_eq!(some["one.html"], all["one.html"]);
        assert_ne!(some["one.html"], first["one.html"]);
    }

    #[test]
    fn rendering_the_readers_of_an_edited_record_forgets_the_world_and_stays_correct() {
        let inputs = base_inputs();
        let mut cache = RenderCache::default();
        render(&prepare(&inputs), &mut cache, None);
        let key = RecordKey::new(Kind::Quote, "not-worried");
        let readers = cache.readers_of(&BTreeSet::from([key]));
        // Its page, its kind's index and topic, the pages that show its card, preview or title
        // (the front page, `one.md`, a controversy's related records and that controversy's preview in
        // `two.md`), and the records its note cites and that it names (their "cited in" and
        // "involved" lists show it).
        let expected = [
            "controversies/consent.html",
            "controversies/index.html",
            "index.html",
            "one.html",
            "organizations/studio.html",
            "people/ada-chief.html",
            "quotes/index.html",
            "quotes/not-worried.html",
            "sources/article.html",
            "topics/ai.html",
            "two.html",
        ];
        assert_eq!(readers, expected.map(String::from).into());
        let after = prepare(&edited(&inputs, "content/records.toml", |text| {
            text.replacen("On an earnings call.", "On an earnings call. Edited.", 1)
        }));
        let clean = render(&after, &mut RenderCache::default(), None);
        let some = render(&after, &mut cache, Some((&readers, false)));
        assert_eq!(cache.world, None);
        assert_eq!(cache.rendered + cache.reused, readers.len());
        assert!(cache.rendered >= 1, "the quote's page changed");
        for (path, bytes) in &some {
            assert_eq!(bytes, &clean[path], "{path}");
            assert_eq!(cache.pages[path].inputs, None, "{path}");
        }
        // A full render then compares every page by context: nothing needs rendering again.
        let all = render(&after, &mut cache, None);
        assert_eq!(all, clean);
        assert_eq!((cache.rendered, cache.reused), (0, clean.len()));
        assert!(cache.world.is_some());
    }

    #[test]
    fn roots_climb_one_level_per_folder() {
        assert_eq!(root_of("index.html"), "");
        assert_eq!(root_of("quotes/a.html"), "../");
        assert_eq!(root_of("a/b/c.html"), "../../");
    }

    #[test]
    fn url_paths_come_from_base_urls() {
        assert_eq!(url_path("https://example.org/briefing/"), "/briefing/");
        assert_eq!(url_path("https://example.org"), "/");
        assert_eq!(url_path("https://org.github.io/a/b"), "/a/b/");
    }
}
