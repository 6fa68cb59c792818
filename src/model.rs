//! Model: typed settings, pages and records, joined and validated (ids, duplicates, references,
//! verbatim quotes). Built once from what `load` read; later stages only read it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};
use toml::Spanned;

use crate::diagnostics::{Diagnostic, SourceMap, did_you_mean, line_col, suggestion};
use crate::load::{LoadedSite, PageSource, slash_path, url_problem};
use crate::verbatim::{QuotableTexts, fold_for_comparison, found_patterns, may_hold_marks, unsourced_quotations};

/// `site.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: Spanned<String>,
    #[serde(default)]
    pub description: PlainText,
    /// Always ends with `/` once the model is built (and is `--base-url` when given).
    pub base_url: Spanned<String>,
    /// A BCP 47 tag; `language()` gives the default, `en`.
    #[serde(default)]
    pub language: Option<Spanned<String>>,
    #[serde(default)]
    pub author: String,
    /// Display names for topic slugs.
    #[serde(default)]
    pub topics: BTreeMap<Spanned<String>, String>,
}

impl Config {
    pub fn language(&self) -> &str {
        self.language.as_ref().map_or("en", |language| language.get_ref())
    }
}

/// Whether `tag` has the shape of a BCP 47 language tag: a 2–3 letter language, then subtags of
/// 1–8 letters or digits (`en`, `en-GB`, `pt-BR`, `zh-Hant`, `sr-Latn-RS`, `de-CH-1996`).
pub fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let language = subtags.next().unwrap_or("");
    let rest: Vec<&str> = subtags.collect();
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && rest.iter().all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
        // A singleton (`x`, `u`…) introduces an extension and cannot end the tag.
        && rest.last().is_none_or(|last| last.len() > 1)
}

/// A page's `+++` front matter. `dek` and `key_points` belong to `_index.md` only.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: Spanned<String>,
    #[serde(default)]
    pub weight: i64,
    #[serde(default)]
    pub summary: PlainText,
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

/// A plain-text field (not Markdown) and the span of the string it was read from; empty, with an
/// empty span, when the field is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlainText {
    text: String,
    span: Range<usize>,
}

impl PlainText {
    /// The span of the TOML string, delimiters included.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }
}

impl std::ops::Deref for PlainText {
    type Target = String;

    fn deref(&self) -> &String {
        &self.text
    }
}

impl<'de> Deserialize<'de> for PlainText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<String>::deserialize(deserializer)?;
        Ok(Self { span: spanned.span(), text: spanned.into_inner() })
    }
}

/// A date written as a TOML date (`2025-10-21`) or a string `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateValue(String);

impl DateValue {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What is wrong with a date string, if anything: it must be `YYYY`, `YYYY-MM` or
    /// `YYYY-MM-DD`, naming a day that exists (`2024-02-29`, not `2023-02-29`).
    fn problem(text: &str) -> Option<String> {
        let parts: Vec<&str> = text.split('-').collect();
        let number = |s: &str, n: usize| {
            (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok()).flatten()
        };
        let month = |s: &str| number(s, 2).filter(|m| (1..=12).contains(m));
        let shape = || Some(format!("`{}` is not a date: write YYYY-MM-DD (or YYYY-MM, YYYY)", text.escape_debug()));
        match parts.as_slice() {
            [y] if number(y, 4).is_some() => None,
            [y, m] if number(y, 4).is_some() && month(m).is_some() => None,
            [y, m, d] => match (number(y, 4), month(m), number(d, 2)) {
                (Some(year), Some(month), Some(day)) => {
                    let days = days_in_month(year, month);
                    (!(1..=days).contains(&day)).then(|| format!("`{text}` is not a day: {y}-{m} has {days} days"))
                }
                _ => shape(),
            },
            _ => shape(),
        }
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
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
            toml::Value::String(s) => match DateValue::problem(&s) {
                None => s,
                Some(problem) => return Err(serde::de::Error::custom(problem)),
            },
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
    pub context: PlainText,
    /// Whose framing the quote is reported in, when the source only paraphrases it or reports it
    /// second-hand (a phrase that appears only in the report author's commentary, say); empty when
    /// the source quotes it directly.
    #[serde(default)]
    pub framing: PlainText,
    #[serde(default)]
    pub date: Option<DateValue>,
    pub source: Ref,
    #[serde(default)]
    pub locator: PlainText,
    #[serde(default)]
    pub topics: Vec<Ref>,
    #[serde(default)]
    pub note: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UseCase {
    pub id: Ref,
    pub title: Spanned<String>,
    #[serde(default)]
    pub production: PlainText,
    #[serde(default)]
    pub company: Option<Ref>,
    #[serde(default)]
    pub technique: PlainText,
    #[serde(default)]
    pub stage: Option<Spanned<String>>,
    #[serde(default)]
    pub summary: PlainText,
    #[serde(default)]
    pub impact: PlainText,
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
    pub title: Spanned<String>,
    #[serde(default)]
    pub parties: Vec<Ref>,
    #[serde(default)]
    pub summary: PlainText,
    #[serde(default)]
    pub stakes: PlainText,
    #[serde(default)]
    pub status: PlainText,
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
    pub name: Spanned<String>,
    #[serde(default)]
    pub role: PlainText,
    #[serde(default)]
    pub description: PlainText,
    /// An `http`, `https` or `mailto` URL (checked).
    #[serde(default)]
    pub url: Option<Spanned<String>>,
    #[serde(default)]
    pub topics: Vec<Ref>,
    #[serde(default)]
    pub note: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    pub id: Ref,
    pub label: Spanned<String>,
    pub value: Spanned<String>,
    #[serde(default)]
    pub unit: PlainText,
    #[serde(default)]
    pub change: PlainText,
    #[serde(default)]
    pub period: PlainText,
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
    pub title: Spanned<String>,
    #[serde(default)]
    pub publisher: PlainText,
    /// An `http`, `https` or `mailto` URL (checked).
    #[serde(default)]
    pub url: Option<Spanned<String>>,
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
            RecordData::UseCase(u) => u.title.get_ref().clone(),
            RecordData::Controversy(c) => c.title.get_ref().clone(),
            RecordData::Person(p) | RecordData::Organization(p) => p.name.get_ref().clone(),
            RecordData::Figure(f) => f.label.get_ref().clone(),
            RecordData::Source(s) => s.title.get_ref().clone(),
        }
    }

    /// Every plain-text field the briefing writes in its own words (all but a quote's `text`, which
    /// is the source's, and ids, references and URLs), with the span of its string.
    pub fn prose_fields(&self) -> Vec<(&str, Range<usize>)> {
        fn spanned(s: &Spanned<String>) -> (&str, Range<usize>) {
            (s.get_ref().as_str(), s.span())
        }
        fn plain(p: &PlainText) -> (&str, Range<usize>) {
            (p.as_str(), p.span())
        }
        let mut fields = match &self.data {
            RecordData::Quote(q) => vec![plain(&q.context), plain(&q.framing), plain(&q.locator)],
            RecordData::UseCase(u) => {
                vec![spanned(&u.title), plain(&u.production), plain(&u.technique), plain(&u.summary), plain(&u.impact)]
            }
            RecordData::Controversy(c) => {
                vec![spanned(&c.title), plain(&c.summary), plain(&c.stakes), plain(&c.status)]
            }
            RecordData::Person(p) | RecordData::Organization(p) => {
                vec![spanned(&p.name), plain(&p.role), plain(&p.description)]
            }
            RecordData::Figure(f) => {
                vec![spanned(&f.label), spanned(&f.value), plain(&f.unit), plain(&f.change), plain(&f.period)]
            }
            RecordData::Source(s) => vec![spanned(&s.title), plain(&s.publisher)],
        };
        fields.retain(|(text, _)| !text.is_empty());
        fields
    }

    /// Every reference this record makes to another record, with the kinds it may point to.
    pub fn references(&self) -> Vec<(&Ref, &'static [Kind])> {
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

/// The kinds a `speaker` or `parties` id may name. Such a reference is untyped, so people and
/// organizations share one id namespace (see `ID_NAMESPACES`).
pub const PARTY: &[Kind] = &[Kind::Person, Kind::Organization];

/// Groups of kinds whose ids must not collide, because one untyped reference field may name any
/// of them. Every other reference field names one kind, or is typed (`quote:id`).
const ID_NAMESPACES: &[&[Kind]] = &[PARTY];

/// The longest id or topic slug: each becomes a file name, and file systems refuse long ones.
pub const MAX_ID_LEN: usize = 80;

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
        self.source.front.title.get_ref()
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
    /// The site's source files, which words in quotation marks in its prose must come from.
    pub quotable: QuotableTexts,
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

/// An error for an id or topic slug (`what`) that is not a slug or is longer than `MAX_ID_LEN`.
fn slug_error(file: &Path, span: Range<usize>, slug: &str, what: &str) -> Option<Diagnostic> {
    if !is_slug(slug) {
        let example = slug::slugify(slug).chars().take(MAX_ID_LEN).collect::<String>();
        return Some(
            Diagnostic::error(file, Some(span), format!("`{}` is not a valid {what}", slug.escape_debug()))
                .with_label("not a lowercase slug")
                .with_help(format!("use lowercase letters, digits and hyphens, e.g. `{example}`")),
        );
    }
    (slug.len() > MAX_ID_LEN).then(|| {
        Diagnostic::error(
            file,
            Some(span),
            format!("this {what} is {} characters long; the limit is {MAX_ID_LEN}", slug.len()),
        )
        .with_label("too long")
        .with_help(format!("shorten it: each {what} becomes a file name in the output"))
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
/// and adds every problem found to `diagnostics`. `sources` (the files' texts) only serves to
/// name a line in messages that point at two places.
pub fn build_model(
    loaded: LoadedSite,
    sources: &SourceMap,
    options: &ModelOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Site> {
    let LoadedSite { root, config, pages, records, broken_records, source_texts, .. } = loaded;
    let mut broken: BTreeSet<RecordKey> = broken_records.into_iter().collect();
    let records = index_records(records, sources, &mut broken, diagnostics);
    check_references(&records, &broken, diagnostics);
    check_required_text(&records, diagnostics);
    check_urls(&records, diagnostics);
    check_quotes_verbatim(&source_texts, &records, diagnostics);
    check_stages(&records, diagnostics);
    check_page_titles(&pages, diagnostics);
    let quotable = QuotableTexts::new(source_texts.values().map(String::as_str));
    check_quotation_marks(&quotable, config.as_ref(), &pages, &records, sources, diagnostics);
    let (front, pages) = arrange_pages(pages, options, diagnostics);
    let mut config = config?;
    if let Some(base_url) = &options.base_url {
        config.base_url = Spanned::new(0..0, base_url.clone());
    }
    if !config.base_url.get_ref().ends_with('/') {
        config.base_url.get_mut().push('/');
    }
    let topics = collect_topics(&config, front.as_ref(), &pages, &records, diagnostics);
    let page_index = pages.iter().enumerate().map(|(i, p)| (p.source.rel.clone(), i)).collect();
    Some(Site { root, config, front: front?, pages, page_index, records, broken, topics, quotable })
}

/// Keys records by kind and id, refusing invalid, overlong and duplicate ids (a refused record's
/// key joins `broken`: its error is reported once, not again at every reference to it).
fn index_records(
    mut records: Vec<Record>,
    sources: &SourceMap,
    broken: &mut BTreeSet<RecordKey>,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<RecordKey, Record> {
    // Document order, so "the first" of two definitions is the one written first.
    records.sort_by(|a, b| (&a.file, a.id().span().start).cmp(&(&b.file, b.id().span().start)));
    let mut index: BTreeMap<RecordKey, Record> = BTreeMap::new();
    for record in records {
        let id = record.id();
        let key = record.key();
        if let Some(diagnostic) = slug_error(&record.file, id.span(), id.get_ref(), "id") {
            diagnostics.push(diagnostic);
            broken.insert(key);
            continue;
        }
        let namespace = ID_NAMESPACES.iter().copied().find(|kinds| kinds.contains(&key.kind));
        let rivals = namespace.unwrap_or(&[]).iter().filter(|&&kind| kind != key.kind);
        if let Some(first) = index.get(&key) {
            let first_at = located(sources, first);
            diagnostics.push(
                Diagnostic::error(
                    &record.file,
                    Some(id.span()),
                    format!("duplicate {} id `{}`", key.kind.title().to_lowercase(), key.id),
                )
                .with_label("already used")
                .with_help(format!(
                    "ids must be unique within a kind; the first `{key}` is at {first_at}; rename one of them"
                )),
            );
            continue;
        }
        if let Some(first) = rivals.filter_map(|&kind| index.get(&RecordKey::new(kind, key.id.as_str()))).next() {
            let other = first.kind().title().to_lowercase();
            diagnostics.push(
                Diagnostic::error(
                    &record.file,
                    Some(id.span()),
                    format!("`{}` is already the id of {}", key.id, with_article(&other)),
                )
                .with_label("already used")
                .with_help(format!(
                    "people and organizations share ids, because `speaker` and `parties` may name either; the {other} `{}` is at {}; rename one of them",
                    key.id,
                    located(sources, first)
                )),
            );
            broken.insert(key);
            continue;
        }
        index.insert(key, record);
    }
    index
}

/// "a person", "an organization".
fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {noun}")
}

/// `content/records.toml:12:6`: where a record's id is written.
fn located(sources: &SourceMap, record: &Record) -> String {
    let file = record.file.display();
    match sources.get(&record.file) {
        Some(text) => format!("{file}:{}", line_col(text, record.id().span().start)),
        None => file.to_string(),
    }
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

/// Checks every quote citing a source with a local copy against that copy (its text read by
/// `load`, by `file` as written; a copy that could not be read was reported there).
fn check_quotes_verbatim(
    source_texts: &BTreeMap<String, String>,
    records: &BTreeMap<RecordKey, Record>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut texts: BTreeMap<&str, String> = BTreeMap::new();
    for record in records.values() {
        let RecordData::Source(source) = &record.data else { continue };
        if let Some(text) = source.file.as_ref().and_then(|file| source_texts.get(file.get_ref())) {
            texts.insert(source.id.get_ref(), fold_for_comparison(text));
        }
    }
    // Per source, every quote citing it is searched for in one pass over its text.
    let mut by_source: BTreeMap<&str, Vec<(&Record, &Quote, String)>> = BTreeMap::new();
    for record in records.values() {
        let RecordData::Quote(quote) = &record.data else { continue };
        let folded = fold_for_comparison(quote.text.get_ref());
        // An empty quote is reported by `check_required_text`.
        if texts.contains_key(quote.source.get_ref().as_str()) && !folded.is_empty() {
            by_source.entry(quote.source.get_ref()).or_default().push((record, quote, folded));
        }
    }
    for (source, quotes) in by_source {
        let Some(source_text) = texts.get(source) else { continue };
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
                    "copy whole words exactly from the file of source `{source}` (whitespace and curly quotes may differ)"
                )),
            );
        }
    }
}

/// Required text fields must say something: a title, name or label of spaces is as good as none.
fn check_required_text(records: &BTreeMap<RecordKey, Record>, diagnostics: &mut Vec<Diagnostic>) {
    for record in records.values() {
        let required: Vec<(&str, &Spanned<String>)> = match &record.data {
            RecordData::Quote(q) => vec![("text", &q.text)],
            RecordData::UseCase(u) => vec![("title", &u.title)],
            RecordData::Controversy(c) => vec![("title", &c.title)],
            RecordData::Person(p) | RecordData::Organization(p) => vec![("name", &p.name)],
            RecordData::Figure(f) => vec![("label", &f.label), ("value", &f.value)],
            RecordData::Source(s) => vec![("title", &s.title)],
        };
        for (field, value) in required {
            if value.get_ref().trim().is_empty() {
                diagnostics.push(blank_error(&record.file, field, value.span()));
            }
        }
    }
}

fn check_page_titles(pages: &[PageSource], diagnostics: &mut Vec<Diagnostic>) {
    for page in pages {
        let title = &page.front.title;
        if title.get_ref().trim().is_empty() {
            let span = title.span().start + page.front_offset..title.span().end + page.front_offset;
            diagnostics.push(blank_error(&page.file, "title", span));
        }
    }
}

/// Words in quotation marks in the plain-text fields of the site's settings, pages' front matter
/// and records must come from a source file (Markdown fields are checked as they are rendered).
fn check_quotation_marks(
    quotable: &QuotableTexts,
    config: Option<&Config>,
    pages: &[PageSource],
    records: &BTreeMap<RecordKey, Record>,
    sources: &SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut check = |file: &Path, value: &str, span: Range<usize>| {
        if !may_hold_marks(value) {
            return;
        }
        let text = sources.get(file).unwrap_or("");
        diagnostics.extend(unsourced_quotations(quotable, file, text, span, value));
    };
    if let Some(config) = config {
        let site_toml = Path::new("site.toml");
        check(site_toml, config.title.get_ref(), config.title.span());
        check(site_toml, &config.description, config.description.span());
    }
    for page in pages {
        let shift = |span: Range<usize>| span.start + page.front_offset..span.end + page.front_offset;
        check(&page.file, page.front.title.get_ref(), shift(page.front.title.span()));
        check(&page.file, &page.front.summary, shift(page.front.summary.span()));
    }
    for record in records.values() {
        for (value, span) in record.prose_fields() {
            check(&record.file, value, span);
        }
    }
}

fn blank_error(file: &Path, field: &str, span: Range<usize>) -> Diagnostic {
    Diagnostic::error(file, Some(span), format!("`{field}` is empty"))
        .with_label(format!("a {field} is required"))
        .with_help(format!("write the {field}; it cannot be blank"))
}

/// Record URLs become links readers follow: only `http`, `https` and `mailto` ones are allowed
/// (`javascript:` and `data:` links would run or show whatever they hold).
fn check_urls(records: &BTreeMap<RecordKey, Record>, diagnostics: &mut Vec<Diagnostic>) {
    for record in records.values() {
        let url = match &record.data {
            RecordData::Person(p) | RecordData::Organization(p) => p.url.as_ref(),
            RecordData::Source(s) => s.url.as_ref(),
            _ => None,
        };
        let Some(url) = url else { continue };
        if let Some(problem) = url_problem(url.get_ref(), &["https", "http", "mailto"]) {
            diagnostics.push(
                Diagnostic::error(
                    &record.file,
                    Some(url.span()),
                    format!("`url` must be an http, https or mailto URL, not `{}`", url.get_ref().escape_debug()),
                )
                .with_label(problem)
                .with_help("write a full address such as `https://example.org/page` or `mailto:desk@example.org`, or remove the field"),
            );
        }
    }
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
    let mut slugs: BTreeSet<String> = BTreeSet::new();
    for slug in config.topics.keys() {
        match slug_error(Path::new("site.toml"), slug.span(), slug.get_ref(), "topic slug") {
            Some(diagnostic) => diagnostics.push(diagnostic),
            None => {
                slugs.insert(slug.get_ref().clone());
            }
        }
    }
    let page_topics = front
        .into_iter()
        .chain(pages)
        .flat_map(|p| p.source.front.topics.iter().map(move |t| (&p.source.file, t, p.source.front_offset)));
    let record_topics = records.values().flat_map(|r| r.topics().iter().map(move |t| (&r.file, t, 0)));
    for (file, topic, offset) in page_topics.chain(record_topics) {
        let slug = topic.get_ref();
        let span = topic.span().start + offset..topic.span().end + offset;
        match slug_error(file, span, slug, "topic slug") {
            Some(diagnostic) => diagnostics.push(diagnostic),
            None => {
                slugs.insert(slug.clone());
            }
        }
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

    fn valid_date(text: &str) -> bool {
        DateValue::problem(text).is_none()
    }

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
    fn dates_accept_partial_forms() {
        assert!(valid_date("2025"));
        assert!(valid_date("2025-10"));
        assert!(valid_date("2025-10-21"));
        assert!(!valid_date("2025-13"));
        assert!(!valid_date("2025-00"));
        assert!(!valid_date("October 2025"));
        assert!(!valid_date("2025-1-2"));
    }

    #[test]
    fn dates_name_days_that_exist() {
        assert!(valid_date("2024-02-29"), "leap year");
        assert!(valid_date("2000-02-29"), "divisible by 400");
        assert!(!valid_date("2023-02-29"));
        assert!(!valid_date("1900-02-29"), "divisible by 100, not 400");
        assert!(!valid_date("2023-02-30"));
        assert!(!valid_date("2025-04-31"));
        assert!(valid_date("2025-12-31"));
        assert!(!valid_date("2025-12-00"));
        assert!(!valid_date("2025-12-32"));
    }

    #[test]
    fn language_tags_have_the_bcp47_shape() {
        for tag in ["en", "en-GB", "pt-BR", "zh-Hant", "zh-Hant-TW", "sr-Latn-RS", "de-CH-1996", "en-US-x-twain", "fil"]
        {
            assert!(is_language_tag(tag), "{tag}");
        }
        for tag in ["", " ", "e", "english", "en_GB", "en-", "-en", "en--GB", "en-x", "en-toolongsubtag", "e1"] {
            assert!(!is_language_tag(tag), "{tag}");
        }
    }

    #[test]
    fn long_ids_are_refused_with_their_length() {
        let long = "a".repeat(MAX_ID_LEN + 1);
        let error = slug_error(Path::new("x.toml"), 0..1, &long, "id").expect("too long");
        assert_eq!(error.message, format!("this id is {} characters long; the limit is {MAX_ID_LEN}", MAX_ID_LEN + 1));
        assert!(slug_error(Path::new("x.toml"), 0..1, &"a".repeat(MAX_ID_LEN), "id").is_none());
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
