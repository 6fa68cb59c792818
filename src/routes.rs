//! Routes: the one table of every path a build writes — pages, records, indexes, topics, the 404
//! page, static files, the search index — each claimed once; a second claim is an error at the claimant's file and line.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

use crate::diagnostics::{Diagnostic, SourceMap, did_you_mean};
use crate::markdown::{FileLink, relative_url};
use crate::model::{Kind, RecordKey, Site, Topic};
use crate::output::Assets;
use crate::render::listing::{ListingOf, listings, paged_url};

/// Where `briefing serve` answers with its own files (the live-reload script and its events): no
/// output of a site may be written under it, so serve never hides a page of the site.
pub const SERVE_PREFIX: &str = "__briefing/";

/// Where the search index is written (see `search`): no other output may be written under it.
pub const SEARCH_PREFIX: &str = "pagefind/";

/// The folders no page or static file may be written under: (folder, who owns it, why).
const RESERVED: [(&str, &str, &str); 2] = [
    (
        SERVE_PREFIX,
        "`briefing serve`",
        "`briefing serve` answers every path under `__briefing/` with its own live-reload files",
    ),
    (SEARCH_PREFIX, "the search index", "the build writes its search index (Pagefind's files) under `pagefind/`"),
];

/// A root-relative output path with `/` separators: `quotes/great-artists.html`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route(String);

impl Route {
    pub fn new(path: impl Into<String>) -> Self {
        Self(path.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What is written at a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Front,
    /// A section or a page inside a section folder: its index in `Site::pages`.
    Page(usize),
    Record(RecordKey),
    /// Page `n` (from 1) of a listing: a kind's index, a topic, the topics, the contents.
    Listing(ListingOf, usize),
    NotFound,
    /// A static file or asset: its index in `Assets::files`.
    Static(usize),
    /// A file made from the whole site once its pages are rendered.
    Whole(Whole),
}

/// The files made from the whole site rather than from one page or record (`render::render_whole`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    /// `print.html`: the whole briefing on one page (`render::print`).
    Print,
    /// `briefing.json`, the whole briefing as data (`render::export`).
    BriefingJson,
    /// `briefing.schema.json`, the JSON Schema of `briefing.json`.
    BriefingSchema,
    /// `atom.xml`: the dated pages and records.
    Feed,
    /// `sitemap.xml`: every page but the 404.
    Sitemap,
    /// `robots.txt`: allows all and names the sitemap.
    Robots,
    /// The search index: every file under `SEARCH_PREFIX`, its route (`search`). Its files are
    /// named by their contents, so the route is the folder, not a file.
    Search,
}

/// Whether `path` is one of the whole-site files whose routes are `wholes`: one of them, or a file
/// in a folder among them (the search index's).
pub fn is_whole_file(wholes: &std::collections::BTreeSet<String>, path: &str) -> bool {
    wholes.contains(path) || (path.starts_with(SEARCH_PREFIX) && wholes.contains(SEARCH_PREFIX))
}

impl Target {
    /// Whether the route is an HTML page rendered from a template for one page, record, index or topic.
    pub fn is_page(&self) -> bool {
        !matches!(self, Target::Static(_) | Target::Whole(_))
    }
}

/// Who claims a route, for the message when two claims meet.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Claimant {
    /// "the page `content/index.md`", "quote `index`", "the index of quotes".
    what: String,
    /// Where to point when this claim comes second; `None` for the tool's own pages.
    place: Option<(PathBuf, Option<Range<usize>>)>,
    /// How to fix a clash caused by this claimant.
    help: String,
}

/// Every route of a build, sorted by path.
#[derive(Debug, Default)]
pub struct Routes {
    table: BTreeMap<Route, Target>,
}

impl Routes {
    /// Claims a route for every output of `site`; clashes are reported in `diagnostics`.
    /// A static file that loses a claim is added to `sources` (when it is text) so the error can
    /// quote it.
    pub fn plan(site: &Site, assets: &Assets, sources: &mut SourceMap, diagnostics: &mut Vec<Diagnostic>) -> Self {
        let mut planner = Planner::default();
        // First, like the 404 page: a file of the site at the same path is then the one reported.
        planner.claim_wholes(site);
        planner.claim_pages(site);
        planner.claim_records(site);
        planner.claim_topics(site);
        planner.claim_statics(assets, sources);
        diagnostics.extend(planner.diagnostics);
        Self { table: planner.routes.into_values().map(|(route, target, _)| (route, target)).collect() }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Route, &Target)> {
        self.table.iter()
    }

    pub fn contains(&self, path: &str) -> bool {
        self.table.contains_key(&Route::new(path))
    }

    /// Every relative link from Markdown to a file other than a page (`img/chart.svg`) must land
    /// on a route; each that does not is an error at the link.
    pub fn check_file_links<'l>(&self, links: impl IntoIterator<Item = &'l FileLink>) -> Vec<Diagnostic> {
        links.into_iter().filter(|link| !self.contains(&link.target)).map(|link| self.dead_file_link(link)).collect()
    }

    fn dead_file_link(&self, link: &FileLink) -> Diagnostic {
        // Near misses: static files anywhere, and pages in the folder the link points into.
        let folder = |path: &str| path.rsplit_once('/').map_or("", |(dir, _)| dir).to_string();
        let target_folder = folder(&link.target);
        let candidates = self
            .iter()
            .filter(|(route, target)| !target.is_page() || folder(route.as_str()) == target_folder)
            .map(|(route, _)| route.as_str());
        let close = did_you_mean(&link.target, candidates).map(|route| relative_url(&link.from, route));
        let mut help = match close {
            Some(close) => format!("did you mean `{close}`? "),
            None => String::new(),
        };
        help.push_str(&format!(
            "links to files are relative to the page's URL, `{}`; files in `static/` are copied to the output's root",
            link.from
        ));
        Diagnostic::error(
            &link.file,
            Some(link.span.clone()),
            format!("`{}` points at `{}`, which the build does not write", link.written, link.target),
        )
        .with_label("broken link")
        .with_help(help)
    }

    /// The routes of HTML pages rendered from templates.
    pub fn pages(&self) -> impl Iterator<Item = (&Route, &Target)> {
        self.iter().filter(|(_, target)| target.is_page())
    }

    /// The files made from the whole site, with their routes.
    pub fn wholes(&self) -> impl Iterator<Item = (&Route, Whole)> {
        self.iter().filter_map(|(route, target)| match target {
            Target::Whole(whole) => Some((route, *whole)),
            _ => None,
        })
    }
}

/// Claims routes one by one; the first claim of a path wins, later ones become diagnostics.
#[derive(Default)]
struct Planner {
    /// Keyed by the lowercased path: paths that differ only in case are the same file on the
    /// case-insensitive file systems of macOS and Windows, and on many static hosts.
    routes: BTreeMap<String, (Route, Target, Claimant)>,
    diagnostics: Vec<Diagnostic>,
}

impl Planner {
    /// Claims `path`; returns whether the claim was granted.
    fn claim(&mut self, path: String, target: Target, claimant: Claimant) -> bool {
        let key = path.to_lowercase();
        let reserved = RESERVED.iter().find(|(folder, ..)| key.starts_with(folder));
        if let Some(reserved) = reserved.filter(|_| target != Target::Whole(Whole::Search)) {
            self.refuse_reserved(&path, reserved, claimant);
            return false;
        }
        let Some((existing, _, first)) = self.routes.get(&key) else {
            self.routes.insert(key, (Route(path), target, claimant));
            return true;
        };
        let case_note = if existing.as_str() == path {
            String::new()
        } else {
            format!(" (`{existing}` differs only in case, the same file on macOS and Windows)")
        };
        let message =
            format!("{} would be written to `{path}`, which {} already claims{case_note}", claimant.what, first.what);
        let (file, span) = claimant.place.clone().unwrap_or_else(|| (PathBuf::from("content"), None));
        self.diagnostics.push(
            Diagnostic::error(file, span, message).with_label("output path already taken").with_help(claimant.help),
        );
        false
    }

    fn refuse_reserved(&mut self, path: &str, (_, owner, why): &(&str, &str, &str), claimant: Claimant) {
        let message = format!("{} would be written to `{path}`, which is reserved for {owner}", claimant.what);
        let (file, span) = claimant.place.unwrap_or_else(|| (PathBuf::from("content"), None));
        self.diagnostics.push(
            Diagnostic::error(file, span, message)
                .with_label("reserved output path")
                .with_help(format!("rename the file or folder: {why}")),
        );
    }

    fn claim_pages(&mut self, site: &Site) {
        let front = &site.front;
        self.claim(front.url.clone(), Target::Front, page_claimant(front));
        self.claim("404.html".to_string(), Target::NotFound, builtin("the not-found page".to_string()));
        for listing in listings(site).filter(|listing| !matches!(listing, ListingOf::Topic(_))) {
            self.claim_listing(site, listing);
        }
        for (i, page) in site.pages.iter().enumerate() {
            self.claim(page.url.clone(), Target::Page(i), page_claimant(page));
        }
    }

    /// The files made from the whole site (`Whole`): one route each.
    fn claim_wholes(&mut self, _site: &Site) {
        self.claim(
            crate::render::PRINT_URL.to_string(),
            Target::Whole(Whole::Print),
            builtin("the print edition".to_string()),
        );
        for (path, whole, what) in [
            (crate::render::export::JSON_ROUTE, Whole::BriefingJson, "the data export of the whole briefing"),
            (crate::render::export::SCHEMA_ROUTE, Whole::BriefingSchema, "the JSON Schema of the data export"),
            ("atom.xml", Whole::Feed, "the Atom feed"),
            ("sitemap.xml", Whole::Sitemap, "the sitemap"),
            ("robots.txt", Whole::Robots, "the build's own `robots.txt`"),
            (SEARCH_PREFIX, Whole::Search, "the search index"),
        ] {
            self.claim(path.to_string(), Target::Whole(whole), builtin(what.to_string()));
        }
    }

    fn claim_records(&mut self, site: &Site) {
        for (key, record) in &site.records {
            let claimant = Claimant {
                what: format!("{} `{}`", key.kind.title().to_lowercase(), key.id),
                place: Some((record.file.clone(), Some(record.id().span()))),
                help: "choose another id".to_string(),
            };
            self.claim(key.url(), Target::Record(key.clone()), claimant);
        }
    }

    /// Every page of a listing: how many depends on its entries (`listing::PAGE_SIZE` a page).
    fn claim_listing(&mut self, site: &Site, listing: ListingOf) {
        let pages = listing.build(site).map_or(1, |built| built.page_count());
        let what = match &listing {
            ListingOf::Kind(kind) => format!("the index of {}", kind.plural_title().to_lowercase()),
            ListingOf::Topics => "the index of topics".to_string(),
            ListingOf::Contents => "the contents".to_string(),
            ListingOf::Topic(slug) => format!("the page of topic `{slug}`"),
        };
        let first = listing.url();
        for number in 1..=pages {
            let what = if number == 1 { what.clone() } else { format!("page {number} of {what}") };
            self.claim(paged_url(&first, number), Target::Listing(listing.clone(), number), builtin(what));
        }
    }

    fn claim_topics(&mut self, site: &Site) {
        for topic in site.topics.values() {
            let path = Topic::url(&topic.slug);
            // Finding where a topic is first used scans the site: only worth it for a clash.
            let place = match self.routes.contains_key(&path.to_lowercase()) {
                true => first_use_of_topic(site, &topic.slug).or(Some((PathBuf::from("site.toml"), None))),
                false => None,
            };
            let claimant = Claimant {
                what: format!("the page of topic `{}`", topic.slug),
                place,
                help: "choose another topic slug".to_string(),
            };
            let listing = ListingOf::Topic(topic.slug.clone());
            let pages = listing.build(site).map_or(1, |built| built.page_count());
            self.claim(path, Target::Listing(listing.clone(), 1), claimant);
            for number in 2..=pages {
                let what = format!("page {number} of the page of topic `{}`", topic.slug);
                self.claim(
                    paged_url(&Topic::url(&topic.slug), number),
                    Target::Listing(listing.clone(), number),
                    builtin(what),
                );
            }
        }
    }

    fn claim_statics(&mut self, assets: &Assets, sources: &mut SourceMap) {
        for (i, file) in assets.files.iter().enumerate() {
            let origin = assets.origins.get(&file.path);
            let text = std::str::from_utf8(&file.bytes).ok().filter(|text| !text.is_empty());
            let first_line = text.map(|text| 0..text.find('\n').unwrap_or(text.len()).max(1));
            let claimant = Claimant {
                what: format!("the static file `{}`", origin.map_or(file.path.clone(), |o| o.display().to_string())),
                place: origin.map(|origin| (origin.clone(), first_line)),
                help: "rename or remove the static file; the build writes its own file at this path".to_string(),
            };
            let granted = self.claim(file.path.clone(), Target::Static(i), claimant);
            if !granted && let (Some(origin), Some(text)) = (origin, text) {
                sources.insert(origin.clone(), text);
            }
        }
    }
}

/// The URL of a kind's index page: `quotes/index.html`.
pub fn kind_index_url(kind: Kind) -> String {
    format!("{}/index.html", kind.dir())
}

fn builtin(what: String) -> Claimant {
    Claimant { what, place: None, help: String::new() }
}

fn page_claimant(page: &crate::model::Page) -> Claimant {
    let file = page.source.file.clone();
    let help = if file.file_name().is_some_and(|name| name == "index.md") {
        "rename the file: `_index.md` is a folder's own page (and `content/_index.md` the front page); `index.md` is an ordinary page that lands on the same path"
    } else {
        "rename the file or its folder"
    };
    Claimant {
        what: format!("the page `{}`", file.display()),
        // The opening `+++`: the file's name is the problem, so its first line is the place.
        place: Some((file, Some(0..3))),
        help: help.to_string(),
    }
}

/// The first page or record naming a topic, pointing at the slug.
fn first_use_of_topic(site: &Site, slug: &str) -> Option<(PathBuf, Option<Range<usize>>)> {
    let in_pages = std::iter::once(&site.front).chain(&site.pages).find_map(|page| {
        let topic = page.source.front.topics.iter().find(|t| t.get_ref() == slug)?;
        let offset = page.source.front_offset;
        Some((page.source.file.clone(), Some(topic.span().start + offset..topic.span().end + offset)))
    });
    in_pages.or_else(|| {
        site.records.values().find_map(|record| {
            let topic = record.topics().iter().find(|t| t.get_ref() == slug)?;
            Some((record.file.clone(), Some(topic.span())))
        })
    })
}
