//! Format: the file formats docs/FORMAT.md describes — `site.toml`, front matter and the record
//! tables — as typed values that keep the span of what an editor wrote; below both load and model.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer};
use toml::Spanned;

/// A string setting that is not in the file: empty, at no place in it.
fn absent() -> Spanned<String> {
    Spanned::new(0..0, String::new())
}

/// `site.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: Spanned<String>,
    #[serde(default)]
    pub description: PlainText,
    /// Always ends with `/` once the model is built (and is `--base-url` when given). Absent
    /// (empty, at 0..0) is an error unless `--base-url` is given.
    #[serde(default = "absent")]
    pub base_url: Spanned<String>,
    /// A BCP 47 tag; `language()` gives the default, `en`.
    #[serde(default)]
    pub language: Option<Spanned<String>>,
    #[serde(default)]
    pub author: String,
    /// How many entries the feed holds at most (the newest); `feed_limit()` gives the default.
    #[serde(default)]
    pub feed_limit: Option<Spanned<i64>>,
    /// Display names for topic slugs.
    #[serde(default)]
    pub topics: BTreeMap<Spanned<String>, String>,
}

/// How many entries the feed holds when `site.toml` does not say (as Hugo's `rssLimit` and Zola's
/// `feed_limit` bound theirs): the feed stays the same size however large the site grows.
pub const DEFAULT_FEED_LIMIT: usize = 50;

impl Config {
    /// How many entries the feed holds at most: `feed_limit`, or `DEFAULT_FEED_LIMIT` (a value below
    /// 1 is an error at load, so it never reaches here; it would count as 1).
    pub fn feed_limit(&self) -> usize {
        self.feed_limit
            .as_ref()
            .map_or(DEFAULT_FEED_LIMIT, |limit| usize::try_from(*limit.get_ref()).unwrap_or(0).max(1))
    }

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
/// empty span, when the field is absent. Two are equal when their texts are, wherever they are
/// written (like `toml::Spanned`).
#[derive(Debug, Clone, Default)]
pub struct PlainText {
    text: String,
    span: Range<usize>,
}

impl PartialEq for PlainText {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for PlainText {}

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

/// A date written as a TOML date (`2025-10-21`) or a string `YYYY`, `YYYY-MM` or `YYYY-MM-DD`:
/// shown as written, sorted and timestamped by the first day it names (see docs/FORMAT.md).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateValue {
    /// Declared first: dates sort by the day they start on, then by how they are written.
    start: jiff::civil::Date,
    written: String,
}

impl DateValue {
    /// Reads `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, naming a day that exists (`2024-02-29`, not
    /// `2023-02-29`); the error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        use jiff::civil::Date;
        let shape = || format!("`{}` is not a date: write YYYY-MM-DD (or YYYY-MM, YYYY)", text.escape_debug());
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let (year, month, day) = match text.split('-').collect::<Vec<_>>().as_slice() {
            [y] if digits(y, 4) => (*y, "01", "01"),
            [y, m] if digits(y, 4) && digits(m, 2) => (*y, *m, "01"),
            [y, m, d] if digits(y, 4) && digits(m, 2) && digits(d, 2) => (*y, *m, *d),
            _ => return Err(shape()),
        };
        let (Ok(y), Ok(m), Ok(d)) = (year.parse::<i16>(), month.parse::<i8>(), day.parse::<i8>()) else {
            return Err(shape());
        };
        let first = Date::new(y, m, 1).map_err(|_| shape())?;
        let start = Date::new(y, m, d)
            .map_err(|_| format!("`{text}` is not a day: {year}-{month} has {} days", first.days_in_month()))?;
        Ok(Self { start, written: text.to_string() })
    }

    /// The date as written, for pages.
    pub fn as_str(&self) -> &str {
        &self.written
    }

    /// The first day the date names: the day itself, the 1st of a month, the 1st of January.
    pub fn start(&self) -> jiff::civil::Date {
        self.start
    }

    /// The start of that day in UTC, the instant feeds and sorting use.
    pub fn timestamp(&self) -> jiff::Timestamp {
        let midnight = self.start.to_datetime(jiff::civil::Time::midnight());
        // Every day of years 0000–9999 has a UTC instant; the fallback is unreachable.
        jiff::tz::TimeZone::UTC.to_timestamp(midnight).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
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
            toml::Value::String(s) => s,
            other => {
                return Err(serde::de::Error::custom(format!(
                    "expected a date like 2025-10-21, found a {}",
                    other.type_str()
                )));
            }
        };
        DateValue::parse(&text).map_err(serde::de::Error::custom)
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

/// A reference to another record, as written.
pub type Ref = Spanned<String>;

// Every record struct repeats `id`, `topics` and `note`: serde's `deny_unknown_fields`, which gives
// editors "unknown field" errors with suggestions, does not work together with `#[serde(flatten)]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Deserialize)]
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

#[derive(Debug, Clone, PartialEq)]
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

    /// The record's date, for the kinds that have one (a quote's and a source's).
    pub fn date(&self) -> Option<&DateValue> {
        match &self.data {
            RecordData::Quote(q) => q.date.as_ref(),
            RecordData::Source(s) => s.date.as_ref(),
            RecordData::UseCase(_)
            | RecordData::Controversy(_)
            | RecordData::Person(_)
            | RecordData::Organization(_)
            | RecordData::Figure(_) => None,
        }
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

/// The first `words` words of a text, with an ellipsis when cut.
pub fn shorten(text: &str, words: usize) -> String {
    let all: Vec<&str> = text.split_whitespace().collect();
    if all.len() <= words {
        all.join(" ")
    } else {
        format!("{}…", all[..words].join(" ").trim_end_matches([',', '.', ';', ':']))
    }
}

/// Parses a typed reference `kind:id`.
pub fn parse_typed_ref(text: &str) -> Option<(Kind, &str)> {
    let (scheme, id) = text.split_once(':')?;
    Some((Kind::from_scheme(scheme)?, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_date(text: &str) -> bool {
        DateValue::parse(text).is_ok()
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
    fn a_date_starts_on_the_first_day_it_names_at_midnight_utc() {
        let date = |text: &str| DateValue::parse(text).expect("valid");
        assert_eq!(date("2025").start(), jiff::civil::date(2025, 1, 1));
        assert_eq!(date("2025-10").start(), jiff::civil::date(2025, 10, 1));
        assert_eq!(date("2025-10-21").start(), jiff::civil::date(2025, 10, 21));
        assert_eq!(date("2025-10-21").timestamp().to_string(), "2025-10-21T00:00:00Z");
        assert_eq!(date("2025-10").timestamp().to_string(), "2025-10-01T00:00:00Z");
        assert_eq!(date("0001").timestamp().to_string(), "0001-01-01T00:00:00Z");
        assert_eq!(date("2025-10").as_str(), "2025-10", "shown as written");
        let mut dates = [date("2025-10-21"), date("2025-10"), date("2024"), date("2025-10-01")];
        dates.sort();
        let sorted: Vec<&str> = dates.iter().map(DateValue::as_str).collect();
        assert_eq!(sorted, ["2024", "2025-10", "2025-10-01", "2025-10-21"]);
    }

    #[test]
    fn date_errors_say_what_is_wrong() {
        let error = |text: &str| DateValue::parse(text).expect_err("invalid");
        assert_eq!(error("2025-02-30"), "`2025-02-30` is not a day: 2025-02 has 28 days");
        assert_eq!(error("2024-02-30"), "`2024-02-30` is not a day: 2024-02 has 29 days");
        assert_eq!(error("2025-13"), "`2025-13` is not a date: write YYYY-MM-DD (or YYYY-MM, YYYY)");
        assert_eq!(error("2025-13-01"), "`2025-13-01` is not a date: write YYYY-MM-DD (or YYYY-MM, YYYY)");
        assert_eq!(error("+025"), "`+025` is not a date: write YYYY-MM-DD (or YYYY-MM, YYYY)");
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
    fn quote_titles_are_shortened() {
        assert_eq!(shorten("one two three", 2), "one two…");
        assert_eq!(shorten("one two", 2), "one two");
    }
}
