//! Render: one Tera 2 instance (the site's `templates/` over the theme embedded in the binary),
//! contexts built from the model, every page rendered in parallel and handed to the output sink.

pub mod context;
mod templates;

pub use templates::{THEME_DIR, Templates, merge_templates, template_set_hash, theme_statics};

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use crate::diagnostics::{Diagnostic, SourceMap};
use crate::markdown::site::SiteText;
use crate::markdown::{Placeholder, Rendered, fill_placeholders};
use crate::model::{Kind, Page, RecordKey, Site, Topic};
use crate::output::{OutputFile, Sink};
use crate::routes::{Route, Routes, Target, kind_index_url};
use context::{Detail, KindLink, Link, Nav, NavLink, RecordView, SiteView, TopicLink, Views};

/// Pages kept from one build to the next: for each route, the hash of everything its rendering
/// reads (the template set, the template's name and the whole context) and the bytes it gave. A
/// page whose key is unchanged is the same page, so it is not rendered again.
#[derive(Debug, Default)]
pub struct RenderCache {
    pages: HashMap<String, Entry>,
    /// How many pages the last build took from the cache, and how many it rendered.
    pub reused: usize,
    pub rendered: usize,
}

/// A page kept for the next build, with two keys. `inputs` hashes what the page is built from
/// without building its context (the "world" every page may read, and the page's own Markdown), so
/// a page whose inputs are unchanged is reused without even building its context; `context` is
/// the hash of the context itself, the fallback when the world changed in a way this page ignores.
#[derive(Debug, Clone)]
struct Entry {
    inputs: Option<blake3::Hash>,
    context: blake3::Hash,
    bytes: Arc<[u8]>,
}

/// One rendered page, what to keep of it, and whether it came from the cache.
struct Done {
    file: OutputFile,
    entry: Option<Entry>,
    reused: bool,
}

/// Renders every page of the site into `sink`, reusing the pages of `cache` whose inputs did not
/// change, and returns how many pages there are. Template errors are collected, each reported once.
#[allow(clippy::too_many_arguments)]
pub fn render_site(
    site: &Site,
    text: &SiteText,
    templates: &Templates,
    template_set: blake3::Hash,
    routes: &Routes,
    assets: &BTreeMap<String, String>,
    sources: &SourceMap,
    cache: &mut RenderCache,
    sink: &dyn Sink,
    diagnostics: &mut Vec<Diagnostic>,
) -> usize {
    let mut tera_globals = Context::new();
    tera_globals.insert("site", &SiteView::new(site));
    tera_globals.insert("assets", assets);
    tera_globals.insert("generator", &generator());
    // What every page shares: the template set and the globals.
    let mut shared = blake3::Hasher::new();
    shared.update(template_set.as_bytes());
    let template_set = hash_context(&mut shared, &mut tera_globals, &GLOBAL_KEYS).map(|()| shared.finalize());
    let world = template_set.map(|shared| world_hash(&shared, site, text));
    let renderer = PageRenderer {
        views: Views::new(site, text),
        templates,
        globals: tera_globals,
        sources,
        fragments: RwLock::new(HashMap::new()),
        nav: shared_nav(site),
    };
    let jobs: Vec<(&Route, &Target)> = routes.pages().collect();
    let previous = &*cache;
    let results: Vec<Result<Done, Diagnostic>> = jobs
        .par_iter()
        .map(|(route, target)| {
            let inputs = world.map(|world| inputs_hash(&world, route, target, text));
            let done = renderer.render(route, target, template_set.as_ref(), inputs, previous)?;
            sink.put(done.file.clone())?;
            Ok(done)
        })
        .collect();
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut kept = HashMap::with_capacity(jobs.len());
    let (mut reused, mut rendered) = (0, 0);
    for result in results {
        match result {
            Ok(done) => {
                if done.reused {
                    reused += 1;
                } else {
                    rendered += 1;
                }
                if let Some(entry) = done.entry {
                    kept.insert(done.file.path, entry);
                }
            }
            Err(diagnostic) if !errors.contains(&diagnostic) => errors.push(diagnostic),
            Err(_) => {}
        }
    }
    // Only this build's pages are kept: the cache never outgrows the site.
    *cache = RenderCache { pages: kept, reused, rendered };
    diagnostics.extend(errors);
    jobs.len()
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
    ["root", "page_url", "canonical", "nav", "front", "page", "record", "kind", "topic", "topics"];

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
    views: Views<'a>,
    templates: &'a Templates,
    globals: Context,
    sources: &'a SourceMap,
    /// Cards and previews by (template, record, root): most records are shown many times.
    fragments: RwLock<HashMap<FragmentKey, Result<String, Diagnostic>>>,
    /// The navigation every page shares; each page marks its current entry.
    nav: Nav,
}

/// A card or preview: (template, record, root).
type FragmentKey = (&'static str, RecordKey, String);

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
    children: Vec<Link>,
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
    sections: Vec<SectionSummary>,
    figures: Vec<RecordView>,
}

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
    records: Vec<RecordView>,
    groupings: Vec<context::Grouping>,
}

#[derive(Serialize)]
struct TopicView {
    slug: String,
    name: String,
    url: String,
    pages: Vec<SectionSummary>,
    records: Vec<RecordView>,
}

#[derive(Serialize)]
struct TopicCount {
    slug: String,
    name: String,
    url: String,
    count: usize,
}

impl<'a> PageRenderer<'a> {
    fn site(&self) -> &'a Site {
        self.views.site
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
        let reuse = |entry: &Entry| Done {
            file: OutputFile { path: url.to_string(), bytes: entry.bytes.clone() },
            entry: Some(Entry { inputs, ..entry.clone() }),
            reused: true,
        };
        if let Some(entry) = cached
            && inputs.is_some()
            && entry.inputs == inputs
        {
            return Ok(reuse(entry));
        }
        let (template, mut context) = self.context(url, target)?;
        let mut hasher = blake3::Hasher::new();
        hasher.update(shared.map_or(&[0; 32], |hash| hash.as_bytes()));
        hasher.update(template.as_bytes());
        let hashed = hash_context(&mut hasher, &mut context, &PAGE_KEYS);
        let key = hasher.finalize();
        let cacheable = hashed.is_some() && shared.is_some();
        if let Some(entry) = cached
            && cacheable
            && entry.context == key
        {
            return Ok(reuse(entry));
        }
        let bytes: Arc<[u8]> = self.templates.render(template, &context, self.sources)?.into_bytes().into();
        let entry = cacheable.then(|| Entry { inputs, context: key, bytes: bytes.clone() });
        Ok(Done { file: OutputFile { path: url.to_string(), bytes }, entry, reused: false })
    }

    /// The page's template and its full context.
    fn context(&self, url: &str, target: &Target) -> Result<(&'static str, Context), Diagnostic> {
        let site = self.site();
        let text = self.views.text;
        let root = root_of(url);
        Ok(match target {
            Target::Front => {
                let front = FrontView {
                    title: site.front.title(),
                    dek: match &text.front.dek {
                        Some(dek) => self.fill(dek, &root)?,
                        None => String::new(),
                    },
                    key_points: text.front.key_points.iter().map(|k| self.fill(k, &root)).collect::<Result<_, _>>()?,
                    content: self.fill(&text.front.body, &root)?,
                    sections: site.sections().map(|p| self.section_summary(p)).collect(),
                    figures: self
                        .views
                        .sorted_records(Kind::Figure)
                        .into_iter()
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
                let view = self.section_view(*i, page, rendered, &root)?;
                let section_url =
                    page.parent.as_ref().and_then(|rel| site.page_by_rel(rel)).map_or(url, |p| p.url.as_str());
                let mut context = self.base_context(url, Current::Page(section_url));
                context.insert("page", &view);
                ("section.html", context)
            }
            Target::Record(key) => {
                let record = site
                    .record(key)
                    .ok_or_else(|| Diagnostic::error("content", None, format!("record `{key}` vanished")))?;
                let mut view = self.views.record(record, Detail::Full);
                if let Some(note) = text.notes.get(key) {
                    view.note = self.fill(note, &root)?;
                }
                let mut context = self.base_context(url, Current::Kind(key.kind));
                context.insert("record", &view);
                ("record.html", context)
            }
            Target::KindIndex(kind) => {
                let view = KindView {
                    kind: kind.table_name(),
                    title: kind.plural_title(),
                    url: url.to_string(),
                    records: self
                        .views
                        .sorted_records(*kind)
                        .into_iter()
                        .map(|r| self.views.record(r, Detail::Summary))
                        .collect(),
                    groupings: self.views.groupings(*kind),
                };
                let mut context = self.base_context(url, Current::Kind(*kind));
                context.insert("kind", &view);
                ("kind.html", context)
            }
            Target::Topic(slug) => {
                let topic = site
                    .topics
                    .get(slug)
                    .ok_or_else(|| Diagnostic::error("content", None, format!("topic `{slug}` vanished")))?;
                let pages = topic.pages.iter().map(|&id| self.section_summary(site.page(id))).collect();
                let records = topic
                    .records
                    .iter()
                    .filter_map(|key| site.record(key))
                    .map(|r| self.views.record(r, Detail::Summary))
                    .collect();
                let view = TopicView {
                    slug: topic.slug.clone(),
                    name: topic.name.clone(),
                    url: url.to_string(),
                    pages,
                    records,
                };
                let mut context = self.base_context(url, Current::Topics);
                context.insert("topic", &view);
                ("topic.html", context)
            }
            Target::Topics => {
                let topics: Vec<TopicCount> = site
                    .topics
                    .values()
                    .map(|t| TopicCount {
                        slug: t.slug.clone(),
                        name: t.name.clone(),
                        url: Topic::url(&t.slug),
                        count: t.pages.len() + t.records.len(),
                    })
                    .collect();
                let mut context = self.base_context(url, Current::Topics);
                context.insert("topics", &topics);
                ("topics.html", context)
            }
            Target::NotFound => {
                let mut context = self.base_context(url, Current::None);
                // Hosts serve this page for any missing URL, at any depth, so relative links cannot
                // work here: its links start from the path of `base_url` instead.
                context.insert("root", &url_path(site.config.base_url.get_ref()));
                ("404.html", context)
            }
            Target::Static(_) => {
                return Err(Diagnostic::error("static", None, format!("`{url}` is a static file, not a page")));
            }
        })
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
        root: &str,
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
        Ok(SectionView {
            title: page.title(),
            summary: &front.summary,
            date: front.date.as_ref().map(|d| d.as_str().to_string()).unwrap_or_default(),
            updated: front.updated.as_ref().map(|d| d.as_str().to_string()).unwrap_or_default(),
            topics: front.topics.iter().map(|t| self.views.topic_link(t.get_ref())).collect(),
            content: self.fill(rendered, root)?,
            toc: rendered.toc.iter().map(|t| TocView { level: t.level, id: &t.id, title: &t.title }).collect(),
            cited: cited_keys
                .into_iter()
                .filter_map(|k| site.record(k))
                .map(|r| self.views.record(r, Detail::Summary))
                .collect(),
            children: site
                .reading_order
                .children(&page.source.rel)
                .iter()
                .map(|&i| self.views.page_link(&site.pages[i]))
                .collect(),
            prev: neighbour(-1),
            next: neighbour(1),
        })
    }

    fn base_context(&self, url: &str, current: Current<'_>) -> Context {
        let site = self.site();
        let mut context = self.globals.clone();
        let root = root_of(url);
        context.insert("root", &root);
        context.insert("page_url", url);
        let canonical = if url == "index.html" {
            site.config.base_url.to_string()
        } else {
            format!("{}{url}", site.config.base_url)
        };
        context.insert("canonical", &canonical);
        let mut nav = self.nav.clone();
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
    fn fill(&self, rendered: &Rendered, root: &str) -> Result<String, Diagnostic> {
        let mut error = None;
        let html = fill_placeholders(&rendered.html, &rendered.placeholders, |placeholder| {
            let result = match placeholder {
                Placeholder::Embed { key } => self.fragment("card.html", key, root),
                Placeholder::Preview { key, preview_id } => {
                    self.fragment("preview.html", key, root).map(|html| html.replace(PREVIEW_ID_MARK, preview_id))
                }
            };
            result.unwrap_or_else(|diagnostic| {
                error.get_or_insert(diagnostic);
                String::new()
            })
        });
        match error {
            Some(diagnostic) => Err(diagnostic),
            None => Ok(html),
        }
    }

    fn fragment(&self, template: &'static str, key: &RecordKey, root: &str) -> Result<String, Diagnostic> {
        let cache_key = (template, key.clone(), root.to_string());
        if let Some(cached) = self.fragments.read().ok().and_then(|cache| cache.get(&cache_key).cloned()) {
            return cached;
        }
        let record = self
            .site()
            .record(key)
            .ok_or_else(|| Diagnostic::error("content", None, format!("record `{key}` vanished")))?;
        let mut context = self.globals.clone();
        context.insert("root", root);
        context.insert("record", &self.views.record(record, Detail::Summary));
        context.insert("preview_id", PREVIEW_ID_MARK);
        // Trimmed: a fragment sits inside running text, where a trailing newline becomes a space.
        let result = self.templates.render(template, &context, self.sources).map(|html| html.trim().to_string());
        if let Ok(mut cache) = self.fragments.write() {
            cache.insert(cache_key, result.clone());
        }
        result
    }
}

/// Top-level sections and record kinds, without a current entry.
fn shared_nav(site: &Site) -> Nav {
    Nav {
        sections: site
            .sections()
            .map(|p| NavLink { title: p.title().to_string(), url: p.url.clone(), current: false })
            .collect(),
        kinds: Kind::ALL
            .into_iter()
            .filter_map(|kind| {
                let count = site.records_of(kind).count();
                (count > 0).then(|| KindLink {
                    kind: kind.table_name(),
                    title: kind.plural_title(),
                    url: kind_index_url(kind),
                    count,
                    current: false,
                })
            })
            .collect(),
        topics_url: "topics/index.html",
    }
}

/// Which navigation entry is the current one.
#[derive(Debug, Clone, Copy)]
enum Current<'u> {
    Page(&'u str),
    Kind(Kind),
    Topics,
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
