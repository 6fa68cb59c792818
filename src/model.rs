//! Model: typed settings, pages and records, joined and validated (ids, duplicates, references,
//! verbatim quotes). Built once from what `load` read; later stages only read it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};
use toml::Spanned;

use crate::diagnostics::{Diagnostic, did_you_mean, suggestion};
use crate::load::{LoadedSite, PageSource, slash_path};

/// `site.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub author: String,
    /// Display names for topic slugs.
    #[serde(default)]
    pub topics: BTreeMap<String, String>,
}

fn default_language() -> String {
    "en".to_string()
}

/// A page's `+++` front matter. `dek` and `key_points` belong to `_index.md` only.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    #[serde(default)]
    pub weight: i64,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub topics: Vec<Spanned<String>>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub date: Option<DateValue>,
    #[serde(default)]
    pub updated: Option<DateValue>,
    #[serde(default)]
    pub dek: Option<Spanned<String>>,
    #[serde(default)]
    pub key_points: Vec<Spanned<String>>,
}

/// A date written as a TOML date (`2025-10-21`) or a string `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateValue(String);

impl DateValue {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn is_valid(text: &str) -> bool {
        let parts: Vec<&str> = text.split('-').collect();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let in_range = |s: &str, max: u32| s.parse::<u32>().is_ok_and(|v| (1..=max).contains(&v));
        match parts.as_slice() {
            [y] => digits(y, 4),
            [y, m] => digits(y, 4) && digits(m, 2) && in_range(m, 12),
            [y, m, d] => digits(y, 4) && digits(m, 2) && in_range(m, 12) && digits(d, 2) && in_range(d, 31),
            _ => false,
        }
    }
}

impl<'de> Deserialize<'de> for DateValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = toml::Value::deserialize(deserializer)?;
        let text = match value {
            toml::Value::Datetime(dt) => match (dt.date, dt.time) {
                (Some(date), None) => date.to_string(),
                _ => return Err(serde::de::Error::custom("expected a date without a time, like 2025-10-21")),
            },
            toml::Value::String(s) if DateValue::is_valid(&s) => s,
            toml::Value::String(s) => {
                return Err(serde::de::Error::custom(format!(
                    "`{s}` is not a date: write YYYY-MM-DD (or YYYY-MM, YYYY)"
                )));
            }
            other => {
                return Err(serde::de::Error::custom(format!(
                    "expected a date like 2025-10-21, found a {}",
                    other.type_str()
                )));
            }
        };
        Ok(DateValue(text))
    }
}

/// The kinds of record, in the order indexes and navigation show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Quote,
    UseCase,
    Controversy,
    Person,
    Organization,
    Figure,
    Source,
}

impl Kind {
    pub const ALL: [Kind; 7] =
        [Kind::Quote, Kind::UseCase, Kind::Controversy, Kind::Person, Kind::Organization, Kind::Figure, Kind::Source];

    /// The `[[table]]` name in TOML, also the `kind` value in templates.
    pub fn table_name(self) -> &'static str {
        match self {
            Kind::Quote => "quote",
            Kind::UseCase => "use_case",
            Kind::Controversy => "controversy",
            Kind::Person => "person",
            Kind::Organization => "organization",
            Kind::Figure => "figure",
            Kind::Source => "source",
        }
    }

    /// The link scheme in Markdown and typed references: `use-case:eternaut`.
    pub fn scheme(self) -> &'static str {
        match self {
            Kind::UseCase => "use-case",
            other => other.table_name(),
        }
    }

    /// The output folder of this kind's pages.
    pub fn dir(self) -> &'static str {
        match self {
            Kind::Quote => "quotes",
            Kind::UseCase => "use-cases",
            Kind::Controversy => "controversies",
            Kind::Person => "people",
            Kind::Organization => "organizations",
            Kind::Figure => "figures",
            Kind::Source => "sources",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Kind::Quote => "Quote",
            Kind::UseCase => "Use case",
            Kind::Controversy => "Controversy",
            Kind::Person => "Person",
            Kind::Organization => "Organization",
            Kind::Figure => "Key figure",
            Kind::Source => "Source",
        }
    }

    pub fn plural_title(self) -> &'static str {
        match self {
            Kind::Quote => "Quotes",
            Kind::UseCase => "Use cases",
            Kind::Controversy => "Controversies",
            Kind::Person => "People",
            Kind::Organization => "Organizations",
            Kind::Figure => "Key figures",
            Kind::Source => "Sources",
        }
    }

    pub fn from_table_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.table_name() == name)
    }

    pub fn from_scheme(scheme: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.scheme() == scheme)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scheme())
    }
}

/// A record's identity: its kind and id, written `quote:great-artists`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordKey {
    pub kind: Kind,
    pub id: String,
}

impl RecordKey {
    pub fn new(kind: Kind, id: impl Into<String>) -> Self {
        Self { kind, id: id.into() }
    }

    /// Root-relative URL of the record's page.
    pub fn url(&self) -> String {
        format!("{}/{}.html", self.kind.dir(), self.id)
    }
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.scheme(), self.id)
    }
}

type Ref = Spanned<String>;

// Every record struct repeats `id`, `topics` and `note`: serde's `deny_unknown_fields`, which gives
// editors "unknown field" errors with suggestions, does not work together with `#[serde(flatten)]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    pub id: Ref,
    pub speaker: Ref,
    pub text: Spanned<String>,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub date: Option<DateValue>,
    pub source: Ref,
    #[serde(default)]
    pub locator: String,
    #[serde(default)]
    pub topics: Vec<Ref>,
    #[serde(default)]
    pub note: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UseCase {
    pub id: Ref,
    pub title: String,
    #[serde(default)]
    pub production: String,
    #[serde(default)]
    pub company: Option<Ref>,
    #[serde(default)]
    pub technique: String,
    #[serde(default)]
    pub stage: Option<Spanned<String>>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub impact: String,
    #[serde(default)]
    pub source: Option<Ref>,
    #[serde(default)]
    pub topics: Vec<Ref>,
    #[serde(default)]
    pub note: Option<Spanned<String>>,
}

/// The production stages a use case can name.
pub const STAGES: [&str; 6] =
    ["concept", "pre-production", "production", "post-production", "marketing", "distribution"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Controversy {
    pub id: Ref,
    pub title: String,
    #[serde(default)]
    pub parties: Vec<Ref>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub stakes: String,
    #[serde(default)]
    pub status: String,
    /// Typed references: `quote:becoming-reasonable`.
    #[serde(default)]
    pub related: Vec<Ref>,
    #[serde(default)]
    pub topics: Vec<Ref>,
    #[serde(default)]
    pub note: Option<Spanned<String>>,
}

/// A person or an organization: the same fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub id: Ref,
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub topics: Vec<Ref>,
    #[serde(default)]
    pub note: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    pub id: Ref,
    pub label: String,
    pub value: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub change: String,
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub source: Option<Ref>,
    #[serde(default)]
    pub topics: Vec<Ref>,
    #[serde(default)]
    pub note: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: Ref,
    pub title: String,
    #[serde(default)]
    pub publisher: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub date: Option<DateValue>,
    /// A local text copy, relative to the site root.
    #[serde(default)]
    pub file: Option<Spanned<String>>,
    #[serde(default)]
    pub topics: Vec<Ref>,
    #[serde(default)]
    pub note: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub enum RecordData {
    Quote(Quote),
    UseCase(UseCase),
    Controversy(Controversy),
    Person(Party),
    Organization(Party),
    Figure(Figure),
    Source(Source),
}

/// A record and the file it came from.
#[derive(Debug, Clone)]
pub struct Record {
    pub file: PathBuf,
    pub data: RecordData,
}

impl Record {
    pub fn kind(&self) -> Kind {
        match &self.data {
            RecordData::Quote(_) => Kind::Quote,
            RecordData::UseCase(_) => Kind::UseCase,
            RecordData::Controversy(_) => Kind::Controversy,
            RecordData::Person(_) => Kind::Person,
            RecordData::Organization(_) => Kind::Organization,
            RecordData::Figure(_) => Kind::Figure,
            RecordData::Source(_) => Kind::Source,
        }
    }

    fn common(&self) -> (&Ref, &[Ref], Option<&Spanned<String>>) {
        match &self.data {
            RecordData::Quote(r) => (&r.id, &r.topics, r.note.as_ref()),
            RecordData::UseCase(r) => (&r.id, &r.topics, r.note.as_ref()),
            RecordData::Controversy(r) => (&r.id, &r.topics, r.note.as_ref()),
            RecordData::Person(r) | RecordData::Organization(r) => (&r.id, &r.topics, r.note.as_ref()),
            RecordData::Figure(r) => (&r.id, &r.topics, r.note.as_ref()),
            RecordData::Source(r) => (&r.id, &r.topics, r.note.as_ref()),
        }
    }

    pub fn id(&self) -> &Ref {
        self.common().0
    }

    pub fn key(&self) -> RecordKey {
        RecordKey::new(self.kind(), self.id().get_ref().clone())
    }

    pub fn topics(&self) -> &[Ref] {
        self.common().1
    }

    /// The Markdown annotation and its span (the TOML string, quotes included).
    pub fn note(&self) -> Option<&Spanned<String>> {
        self.common().2
    }

    /// A short plain-text title for lists, links and `<title>`.
    pub fn title(&self) -> String {
        match &self.data {
            RecordData::Quote(q) => shorten(q.text.get_ref(), 12),
            RecordData::UseCase(u) => u.title.clone(),
            RecordData::Controversy(c) => c.title.clone(),
            RecordData::Person(p) | RecordData::Organization(p) => p.name.clone(),
            RecordData::Figure(f) => f.label.clone(),
            RecordData::Source(s) => s.title.clone(),
        }
    }

    /// Every reference this record makes to another record, with the kinds it may point to.
    pub fn references(&self) -> Vec<(&Ref, &'static [Kind])> {
        const PARTY: &[Kind] = &[Kind::Person, Kind::Organization];
        const SOURCE: &[Kind] = &[Kind::Source];
        const ORG: &[Kind] = &[Kind::Organization];
        let mut refs: Vec<(&Ref, &'static [Kind])> = Vec::new();
        match &self.data {
            RecordData::Quote(q) => {
                refs.push((&q.speaker, PARTY));
                refs.push((&q.source, SOURCE));
            }
            RecordData::UseCase(u) => {
                refs.extend(u.company.iter().map(|r| (r, ORG)));
                refs.extend(u.source.iter().map(|r| (r, SOURCE)));
            }
            RecordData::Controversy(c) => refs.extend(c.parties.iter().map(|r| (r, PARTY))),
            RecordData::Figure(f) => refs.extend(f.source.iter().map(|r| (r, SOURCE))),
            RecordData::Person(_) | RecordData::Organization(_) | RecordData::Source(_) => {}
        }
        refs
    }
}

/// The first `words` words of a text, with an ellipsis when cut.
pub fn shorten(text: &str, words: usize) -> String {
    let all: Vec<&str> = text.split_whitespace().collect();
    if all.len() <= words {
        all.join(" ")
    } else {
        format!("{}…", all[..words].join(" ").trim_end_matches([',', '.', ';', ':']))
    }
}

/// A page of the site: the front page, a section, or a page inside a section folder.
#[derive(Debug, Clone)]
pub struct Page {
    pub source: PageSource,
    /// Root-relative output URL: `stance.html`, `practice/index.html`, `practice/vfx.html`.
    pub url: String,
    /// Set for pages inside a section folder: the section's `rel` path (`practice/_index.md`).
    pub parent: Option<PathBuf>,
}

impl Page {
    pub fn title(&self) -> &str {
        &self.source.front.title
    }

    pub fn is_front(&self) -> bool {
        self.source.rel == Path::new("_index.md")
    }

    /// A top-level section: `x.md` or `x/_index.md` directly under `content/`.
    pub fn is_section(&self) -> bool {
        !self.is_front() && self.parent.is_none()
    }
}

/// A topic, named by slug, with its display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub slug: String,
    pub name: String,
}

impl Topic {
    pub fn url(slug: &str) -> String {
        format!("topics/{slug}.html")
    }
}

/// The validated site: everything later stages read.
#[derive(Debug)]
pub struct Site {
    pub root: PathBuf,
    pub config: Config,
    /// The front page (`content/_index.md`).
    pub front: Page,
    /// Top-level sections, ordered by weight then title, then the pages under section folders.
    pub pages: Vec<Page>,
    /// `content/`-relative path → index in `pages`.
    pub page_index: std::collections::HashMap<PathBuf, usize>,
    pub records: BTreeMap<RecordKey, Record>,
    /// Records that failed to parse (already reported): references to them are not errors.
    pub broken: BTreeSet<RecordKey>,
    pub topics: BTreeMap<String, Topic>,
}

impl Site {
    pub fn record(&self, key: &RecordKey) -> Option<&Record> {
        self.records.get(key)
    }

    pub fn sections(&self) -> impl Iterator<Item = &Page> {
        self.pages.iter().filter(|p| p.is_section())
    }

    /// The page a `content/`-relative Markdown path names.
    pub fn page_by_rel(&self, rel: &Path) -> Option<&Page> {
        if self.front.source.rel == rel {
            return Some(&self.front);
        }
        self.page_index.get(rel).map(|&i| &self.pages[i])
    }

    pub fn records_of(&self, kind: Kind) -> impl Iterator<Item = &Record> {
        self.records
            .range(RecordKey::new(kind, String::new())..)
            .take_while(move |(k, _)| k.kind == kind)
            .map(|(_, r)| r)
    }

    pub fn topic_name(&self, slug: &str) -> String {
        self.topics.get(slug).map_or_else(|| topic_display_name(slug, &self.config), |t| t.name.clone())
    }
}

fn topic_display_name(slug: &str, config: &Config) -> String {
    config.topics.get(slug).cloned().unwrap_or_else(|| {
        let words = slug.replace('-', " ");
        let mut chars = words.chars();
        chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
    })
}

/// Whether `id` is a lowercase slug: `a-z`, `0-9`, single hyphens between.
pub fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// Options that change what the model keeps.
#[derive(Debug, Clone, Default)]
pub struct ModelOptions {
    pub include_drafts: bool,
    pub base_url: Option<String>,
}

/// Joins and validates what was loaded. Returns the site when nothing fatal is missing,
/// and adds every problem found to `diagnostics`.
pub fn build_model(loaded: LoadedSite, options: &ModelOptions, diagnostics: &mut Vec<Diagnostic>) -> Option<Site> {
    let LoadedSite { root, config, pages, records, broken_records, .. } = loaded;
    let broken: BTreeSet<RecordKey> = broken_records.into_iter().collect();
    let records = index_records(records, diagnostics);
    check_references(&records, &broken, diagnostics);
    check_quotes_verbatim(&root, &records, diagnostics);
    check_stages(&records, diagnostics);
    let (front, pages) = arrange_pages(pages, options, diagnostics);
    let mut config = config?;
    if let Some(base_url) = &options.base_url {
        config.base_url = base_url.clone();
    }
    if !config.base_url.ends_with('/') {
        config.base_url.push('/');
    }
    let topics = collect_topics(&config, front.as_ref(), &pages, &records, diagnostics);
    let page_index = pages.iter().enumerate().map(|(i, p)| (p.source.rel.clone(), i)).collect();
    Some(Site { root, config, front: front?, pages, page_index, records, broken, topics })
}

fn index_records(records: Vec<Record>, diagnostics: &mut Vec<Diagnostic>) -> BTreeMap<RecordKey, Record> {
    let mut index: BTreeMap<RecordKey, Record> = BTreeMap::new();
    for record in records {
        let id = record.id();
        if !is_slug(id.get_ref()) {
            diagnostics.push(
                Diagnostic::error(&record.file, Some(id.span()), format!("`{}` is not a valid id", id.get_ref()))
                    .with_label("ids are lowercase slugs")
                    .with_help(format!(
                        "use lowercase letters, digits and hyphens, e.g. `{}`",
                        slug::slugify(id.get_ref())
                    )),
            );
            continue;
        }
        let key = record.key();
        if let Some(first) = index.get(&key) {
            let first_at = first.file.display().to_string();
            diagnostics.push(
                Diagnostic::error(
                    &record.file,
                    Some(id.span()),
                    format!("duplicate {} id `{}`", key.kind.title().to_lowercase(), key.id),
                )
                .with_label("already used")
                .with_help(format!(
                    "ids must be unique within a kind; the first `{key}` is in {first_at}; rename one of them"
                )),
            );
            continue;
        }
        index.insert(key, record);
    }
    index
}

/// Resolves an id that may name a record of any of `kinds`.
pub fn resolve_any(records: &BTreeMap<RecordKey, Record>, id: &str, kinds: &[Kind]) -> Option<RecordKey> {
    kinds.iter().map(|&kind| RecordKey::new(kind, id)).find(|key| records.contains_key(key))
}

/// Parses a typed reference `kind:id`.
pub fn parse_typed_ref(text: &str) -> Option<(Kind, &str)> {
    let (scheme, id) = text.split_once(':')?;
    Some((Kind::from_scheme(scheme)?, id))
}

fn ids_of<'a>(records: &'a BTreeMap<RecordKey, Record>, kinds: &'a [Kind]) -> impl Iterator<Item = &'a str> {
    records.keys().filter(|k| kinds.contains(&k.kind)).map(|k| k.id.as_str())
}

fn kinds_phrase(kinds: &[Kind]) -> String {
    kinds.iter().map(|k| k.title().to_lowercase()).collect::<Vec<_>>().join(" or ")
}

fn check_references(
    records: &BTreeMap<RecordKey, Record>,
    broken: &BTreeSet<RecordKey>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for record in records.values() {
        for (reference, kinds) in record.references() {
            let id = reference.get_ref();
            let is_broken = kinds.iter().any(|&k| broken.contains(&RecordKey::new(k, id.as_str())));
            if resolve_any(records, id, kinds).is_none() && !is_broken {
                diagnostics.push(
                    Diagnostic::error(
                        &record.file,
                        Some(reference.span()),
                        format!("no {} with id `{id}`", kinds_phrase(kinds)),
                    )
                    .with_label("dangling reference")
                    .with_help(suggestion(id, ids_of(records, kinds)).unwrap_or_else(|| {
                        let tables =
                            kinds.iter().map(|k| format!("[[{}]]", k.table_name())).collect::<Vec<_>>().join(" or ");
                        format!("add a {tables} record with id = \"{id}\", or fix the id")
                    })),
                );
            }
        }
        if let RecordData::Controversy(c) = &record.data {
            for related in &c.related {
                check_typed_ref(records, broken, &record.file, related, diagnostics);
            }
        }
    }
}

fn check_typed_ref(
    records: &BTreeMap<RecordKey, Record>,
    broken: &BTreeSet<RecordKey>,
    file: &Path,
    reference: &Ref,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let text = reference.get_ref();
    match parse_typed_ref(text) {
        None => {
            let schemes = Kind::ALL.map(|k| k.scheme()).join(", ");
            diagnostics.push(
                Diagnostic::error(file, Some(reference.span()), format!("`{text}` is not a typed reference"))
                    .with_help(format!("write `kind:id`, where kind is one of {schemes}, e.g. `quote:great-artists`")),
            );
        }
        Some((kind, id))
            if !records.contains_key(&RecordKey::new(kind, id)) && !broken.contains(&RecordKey::new(kind, id)) =>
        {
            diagnostics.push(
                Diagnostic::error(
                    file,
                    Some(reference.span()),
                    format!("no {} with id `{id}`", kind.title().to_lowercase()),
                )
                .with_label("dangling reference")
                .with_optional_help(
                    did_you_mean(id, ids_of(records, &[kind]))
                        .map(|c| format!("did you mean `{}:{c}`?", kind.scheme())),
                ),
            );
        }
        Some(_) => {}
    }
}

fn check_stages(records: &BTreeMap<RecordKey, Record>, diagnostics: &mut Vec<Diagnostic>) {
    for record in records.values() {
        if let RecordData::UseCase(u) = &record.data
            && let Some(stage) = &u.stage
            && !STAGES.contains(&stage.get_ref().as_str())
        {
            diagnostics.push(
                Diagnostic::error(&record.file, Some(stage.span()), format!("unknown stage `{}`", stage.get_ref()))
                    .with_help(
                        suggestion(stage.get_ref(), STAGES)
                            .unwrap_or_else(|| format!("stages are: {}", STAGES.join(", "))),
                    ),
            );
        }
    }
}

/// Folds whitespace and typographic quotes so a quote can be compared with its source text.
pub fn fold_for_comparison(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{2033}' => '"',
            '\u{2013}' | '\u{2014}' => '-',
            '\u{a0}' => ' ',
            c => c,
        };
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

fn check_quotes_verbatim(root: &Path, records: &BTreeMap<RecordKey, Record>, diagnostics: &mut Vec<Diagnostic>) {
    let mut texts: BTreeMap<String, Option<String>> = BTreeMap::new();
    for record in records.values() {
        let RecordData::Source(source) = &record.data else { continue };
        let Some(file) = &source.file else { continue };
        let path = root.join(file.get_ref());
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => Some(fold_for_comparison(&text)),
            Err(err) => {
                diagnostics.push(
                    Diagnostic::error(
                        &record.file,
                        Some(file.span()),
                        format!("cannot read source file `{}`: {err}", file.get_ref()),
                    )
                    .with_help("the path is relative to the site root (the folder holding site.toml)"),
                );
                None
            }
        };
        texts.insert(source.id.get_ref().clone(), text);
    }
    // Per source, every quote citing it is searched for in one pass over its text.
    let mut by_source: BTreeMap<&str, Vec<(&Record, &Quote, String)>> = BTreeMap::new();
    for record in records.values() {
        let RecordData::Quote(quote) = &record.data else { continue };
        if let Some(Some(_)) = texts.get(quote.source.get_ref()) {
            let folded = fold_for_comparison(quote.text.get_ref());
            by_source.entry(quote.source.get_ref()).or_default().push((record, quote, folded));
        }
    }
    for (source, quotes) in by_source {
        let Some(Some(source_text)) = texts.get(source) else { continue };
        let found = found_patterns(source_text, quotes.iter().map(|(_, _, folded)| folded.as_str()));
        for ((record, quote, _), found) in quotes.iter().zip(found) {
            if found {
                continue;
            }
            diagnostics.push(
                Diagnostic::error(
                    &record.file,
                    Some(quote.text.span()),
                    "quote does not appear verbatim in its source",
                )
                .with_label("not found in the source text")
                .with_help(format!(
                    "copy the words exactly from the file of source `{source}` (whitespace and curly quotes may differ)"
                )),
            );
        }
    }
}

/// Which of `patterns` occur in `text`, found in a single pass (Aho-Corasick).
fn found_patterns<'p>(text: &str, patterns: impl Iterator<Item = &'p str>) -> Vec<bool> {
    let patterns: Vec<&str> = patterns.collect();
    let mut found: Vec<bool> = patterns.iter().map(|p| p.is_empty()).collect();
    let Ok(automaton) = aho_corasick::AhoCorasick::new(&patterns) else {
        return patterns.iter().map(|p| text.contains(p)).collect();
    };
    for hit in automaton.find_overlapping_iter(text) {
        found[hit.pattern().as_usize()] = true;
    }
    found
}

/// Sorts pages, drops drafts, checks front matter that only one kind of page may use,
/// and gives each page its URL.
fn arrange_pages(
    sources: Vec<PageSource>,
    options: &ModelOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Option<Page>, Vec<Page>) {
    let mut front = None;
    let mut pages = Vec::new();
    for source in sources {
        if source.front.draft && !options.include_drafts {
            continue;
        }
        let rel = slash_path(&source.rel);
        if rel == "_index.md" {
            front = Some(Page { url: "index.html".to_string(), parent: None, source });
            continue;
        }
        check_front_only_fields(&source, diagnostics);
        check_page_name(&source, &rel, diagnostics);
        let (url, parent) = page_url(&rel);
        if let Some(reserved) = reserved_prefix(&url) {
            diagnostics.push(
                Diagnostic::error(
                    &source.file,
                    Some(0..3),
                    format!("`{rel}` would be written to `{url}`, which is reserved for {reserved}"),
                )
                .with_help("rename the file or folder"),
            );
            continue;
        }
        pages.push(Page { url, parent, source });
    }
    if front.is_none() {
        diagnostics.push(
            Diagnostic::error("content/_index.md", None, "the site has no front page")
                .with_help("create `content/_index.md` with a `title` in its front matter"),
        );
    }
    pages.sort_by(|a, b| {
        (a.parent.is_some(), &a.parent, a.source.front.weight, &a.source.front.title, &a.url).cmp(&(
            b.parent.is_some(),
            &b.parent,
            b.source.front.weight,
            &b.source.front.title,
            &b.url,
        ))
    });
    (front, pages)
}

/// The longest file or folder name a page may have: its output name must fit in every file system.
const MAX_PAGE_NAME: usize = 100;

/// Page paths become URLs as they are: each file and folder name must be safe in a URL and on every
/// file system (letters, digits, `-`, `_`, `.`), so no link ever needs encoding.
fn check_page_name(source: &PageSource, rel: &str, diagnostics: &mut Vec<Diagnostic>) {
    let stem = rel.strip_suffix(".md").unwrap_or(rel);
    for name in stem.split('/') {
        let mut unsafe_chars: Vec<String> = Vec::new();
        for c in name.chars().filter(|&c| !is_url_safe(c)) {
            let shown = if c.is_whitespace() { "a space".to_string() } else { format!("`{c}`") };
            if !unsafe_chars.contains(&shown) {
                unsafe_chars.push(shown);
            }
        }
        let problem = if !unsafe_chars.is_empty() {
            format!("{}, which cannot be part of a URL as is", unsafe_chars.join(" and "))
        } else if name.len() > MAX_PAGE_NAME {
            format!("a name of more than {MAX_PAGE_NAME} characters")
        } else {
            continue;
        };
        let safe = |n: &str| n.chars().all(is_url_safe);
        let names: Vec<String> = stem
            .split('/')
            .map(|n| if safe(n) && n.len() <= MAX_PAGE_NAME { n.to_string() } else { page_name_suggestion(n) })
            .collect();
        let suggested = format!("{}.md", names.join("/"));
        diagnostics.push(
            Diagnostic::error(&source.file, Some(0..3), format!("the page name `{rel}` has {problem}"))
                .with_label("page paths become URLs")
                .with_help(format!(
                    "use letters, digits, `-`, `_` and `.` in file and folder names (at most {MAX_PAGE_NAME} characters), e.g. `{suggested}`"
                )),
        );
        return;
    }
}

fn is_url_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

fn page_name_suggestion(name: &str) -> String {
    let mut slug = slug::slugify(name);
    slug.truncate(MAX_PAGE_NAME);
    if slug.is_empty() { "page".to_string() } else { slug.trim_end_matches('-').to_string() }
}

fn check_front_only_fields(source: &PageSource, diagnostics: &mut Vec<Diagnostic>) {
    let front = &source.front;
    let misplaced =
        front.dek.iter().map(|d| ("dek", d.span())).chain(front.key_points.first().map(|k| ("key_points", k.span())));
    for (field, span) in misplaced {
        let span = span.start + source.front_offset..span.end + source.front_offset;
        diagnostics.push(
            Diagnostic::error(&source.file, Some(span), format!("`{field}` belongs in the front page only"))
                .with_help("move it to `content/_index.md`, or use `summary` for a section"),
        );
    }
}

/// `x.md` → `x.html`; `d/_index.md` → `d/index.html`; `d/x.md` → `d/x.html` under section `d`.
fn page_url(rel: &str) -> (String, Option<PathBuf>) {
    let without_ext = rel.strip_suffix(".md").unwrap_or(rel);
    let url = match without_ext.strip_suffix("_index") {
        Some(dir) => format!("{dir}index.html"),
        None => format!("{without_ext}.html"),
    };
    let parent = match rel.rsplit_once('/') {
        Some((dir, file)) if file != "_index.md" => Some(PathBuf::from(format!("{dir}/_index.md"))),
        Some((dir, _)) if dir.contains('/') => {
            let (up, _) = dir.rsplit_once('/').unwrap_or((dir, ""));
            Some(PathBuf::from(format!("{up}/_index.md")))
        }
        _ => None,
    };
    (url, parent)
}

fn reserved_prefix(url: &str) -> Option<String> {
    let first = url.split('/').next().unwrap_or("");
    if first == "topics" || url == "topics.html" {
        return Some("topic pages".to_string());
    }
    if url == "404.html" {
        return Some("the not-found page".to_string());
    }
    Kind::ALL
        .into_iter()
        .find(|k| first == k.dir() && url.contains('/'))
        .map(|k| format!("{} pages (the `{}/` folder)", k.title().to_lowercase(), k.dir()))
}

fn collect_topics(
    config: &Config,
    front: Option<&Page>,
    pages: &[Page],
    records: &BTreeMap<RecordKey, Record>,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Topic> {
    let mut slugs: BTreeSet<String> = config.topics.keys().cloned().collect();
    let page_topics = front
        .into_iter()
        .chain(pages)
        .flat_map(|p| p.source.front.topics.iter().map(move |t| (&p.source.file, t, p.source.front_offset)));
    let record_topics = records.values().flat_map(|r| r.topics().iter().map(move |t| (&r.file, t, 0)));
    for (file, topic, offset) in page_topics.chain(record_topics) {
        let slug = topic.get_ref();
        if is_slug(slug) {
            slugs.insert(slug.clone());
            continue;
        }
        let span = topic.span().start + offset..topic.span().end + offset;
        diagnostics.push(
            Diagnostic::error(file, Some(span), format!("`{slug}` is not a valid topic slug"))
                .with_help(format!("use lowercase letters, digits and hyphens, e.g. `{}`", slug::slugify(slug))),
        );
    }
    slugs
        .into_iter()
        .map(|slug| {
            let name = topic_display_name(&slug, config);
            (slug.clone(), Topic { slug, name })
        })
        .collect()
}

/// The folder of a content-relative path, for resolving relative `.md` links.
pub fn rel_dir(rel: &Path) -> &Path {
    rel.parent().unwrap_or(Path::new(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_joined_by_single_hyphens() {
        assert!(is_slug("great-artists"));
        assert!(is_slug("q3-2025"));
        assert!(!is_slug("Great"));
        assert!(!is_slug("a--b"));
        assert!(!is_slug("-a"));
        assert!(!is_slug(""));
    }

    #[test]
    fn page_urls_follow_the_content_tree() {
        assert_eq!(page_url("stance.md"), ("stance.html".to_string(), None));
        assert_eq!(page_url("practice/_index.md"), ("practice/index.html".to_string(), None));
        assert_eq!(
            page_url("practice/vfx.md"),
            ("practice/vfx.html".to_string(), Some(PathBuf::from("practice/_index.md")))
        );
    }

    #[test]
    fn folding_ignores_whitespace_and_typographic_quotes() {
        assert_eq!(fold_for_comparison("We don\u{2019}t  worry\n that"), "We don't worry that");
        assert_eq!(fold_for_comparison("\u{201c}tool\u{201d}"), "\"tool\"");
    }

    #[test]
    fn dates_accept_partial_forms() {
        assert!(DateValue::is_valid("2025"));
        assert!(DateValue::is_valid("2025-10"));
        assert!(DateValue::is_valid("2025-10-21"));
        assert!(!DateValue::is_valid("2025-13"));
        assert!(!DateValue::is_valid("October 2025"));
    }

    #[test]
    fn all_quote_patterns_are_found_in_one_pass() {
        let found =
            found_patterns("we are not too worried at all", ["not too worried", "too", "absent", ""].into_iter());
        assert_eq!(found, vec![true, true, false, true]);
    }

    #[test]
    fn quote_titles_are_shortened() {
        assert_eq!(shorten("one two three", 2), "one two…");
        assert_eq!(shorten("one two", 2), "one two");
    }

    #[test]
    fn reserved_urls_are_detected() {
        assert_eq!(reserved_prefix("quotes/index.html").as_deref(), Some("quote pages (the `quotes/` folder)"));
        assert_eq!(reserved_prefix("quotes.html"), None);
        assert_eq!(reserved_prefix("topics/x.html").as_deref(), Some("topic pages"));
    }
}
