//! The data export: `briefing.json`, the whole briefing as data for a newsroom's other tools (site, front
//! page, sections, records with resolved references and backlinks, topics), and its JSON Schema beside it.

use std::collections::HashMap;
use std::sync::RwLock;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use super::context::{Detail, SiteView, Views};
use super::reads::Reads;
use super::{RenderInput, generator};
use crate::diagnostics::Diagnostic;
use crate::markdown::site::CitedAt;
use crate::markdown::{LinkStyle, Placeholder, Rendered, escape, fill_placeholders, try_fill_placeholders};
use crate::model::{DateValue, Kind, PARTY, Page, Record, RecordData, RecordKey, Site, Topic, parse_typed_ref};

/// The JSON Schema (draft 2020-12) of `briefing.json`, written next to it.
pub const SCHEMA: &str = include_str!("briefing.schema.json");

/// Where `briefing.json` and its schema are written, side by side.
pub const JSON_ROUTE: &str = "briefing.json";
pub const SCHEMA_ROUTE: &str = "briefing.schema.json";

/// The version of the shape of `briefing.json`: raised when a field is removed or changes meaning.
pub const FORMAT_VERSION: u32 = 1;

/// `briefing.json`: pretty-printed with two spaces, with a final newline. Object keys come in the
/// order of the structs below, records by kind then id: the same site gives the same bytes.
pub fn briefing_json(input: &RenderInput<'_>) -> Result<Vec<u8>, Diagnostic> {
    let document = Exporter::new(input).document()?;
    let mut bytes = serde_json::to_vec_pretty(&document)
        .map_err(|err| Diagnostic::error(JSON_ROUTE, None, format!("could not write `{JSON_ROUTE}`: {err}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[derive(Serialize)]
struct Document {
    /// Relative, so it holds wherever the output is served or opened from (see the README).
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: u32,
    generator: String,
    site: SiteData,
    front: FrontData,
    sections: Vec<SectionData>,
    records: Vec<RecordEntry>,
    topics: Vec<TopicData>,
}

#[derive(Serialize)]
struct SiteData {
    title: String,
    description: Option<String>,
    base_url: String,
    language: String,
    author: Option<String>,
}

/// A piece of Markdown: its HTML (as the site shows it, with absolute links) and its plain text.
#[derive(Serialize)]
struct Text {
    html: String,
    text: String,
}

#[derive(Serialize)]
struct FrontData {
    title: String,
    url: String,
    dek: Option<Text>,
    key_points: Vec<Text>,
    body: Text,
    topics: Vec<TopicRef>,
}

#[derive(Serialize)]
struct SectionData {
    title: String,
    url: String,
    /// The URL of the section a page inside a section folder belongs to.
    parent: Option<String>,
    summary: Option<String>,
    topics: Vec<TopicRef>,
    date: Option<String>,
    updated: Option<String>,
    text: String,
    html: String,
}

#[derive(Serialize)]
struct TopicRef {
    slug: String,
    name: String,
    url: String,
}

/// A resolved reference to a record.
#[derive(Serialize)]
struct RecordRef {
    kind: &'static str,
    id: String,
    url: String,
    title: String,
}

/// A place a record is cited: the citing page's title and the URL of the paragraph.
#[derive(Serialize)]
struct Citation {
    title: String,
    url: String,
}

/// A record: what every kind has, then the fields of its kind.
#[derive(Serialize)]
struct RecordEntry {
    kind: &'static str,
    id: String,
    url: String,
    /// A short display title: a quote's first words, a person's name, a figure's label.
    title: String,
    topics: Vec<TopicRef>,
    note: Option<Text>,
    cited_in: Vec<Citation>,
    /// The records that name this one (as speaker, party, company, source or related record).
    named_by: Vec<RecordRef>,
    #[serde(flatten)]
    fields: Fields,
}

/// The fields of each kind, named as in the TOML (a party's or source's `url` is `external_url`,
/// because `url` is the record's page). Absent optional text is `null`.
#[derive(Serialize)]
#[serde(untagged)]
enum Fields {
    Quote {
        text: String,
        speaker: RecordRef,
        context: Option<String>,
        framing: Option<String>,
        date: Option<String>,
        source: RecordRef,
        locator: Option<String>,
    },
    UseCase {
        production: Option<String>,
        company: Option<RecordRef>,
        technique: Option<String>,
        stage: Option<String>,
        summary: Option<String>,
        impact: Option<String>,
        source: Option<RecordRef>,
    },
    Controversy {
        parties: Vec<RecordRef>,
        summary: Option<String>,
        stakes: Option<String>,
        status: Option<String>,
        related: Vec<RecordRef>,
    },
    Party {
        name: String,
        role: Option<String>,
        description: Option<String>,
        external_url: Option<String>,
    },
    Figure {
        label: String,
        value: String,
        unit: Option<String>,
        change: Option<String>,
        period: Option<String>,
        source: Option<RecordRef>,
    },
    Source {
        publisher: Option<String>,
        external_url: Option<String>,
        date: Option<String>,
        file: Option<String>,
    },
}

#[derive(Serialize)]
struct TopicData {
    slug: String,
    name: String,
    url: String,
    /// The pages that list the topic (the front page first, then in site order).
    pages: Vec<PageRef>,
    records: Vec<RecordRef>,
}

#[derive(Serialize)]
struct PageRef {
    title: String,
    url: String,
}

/// Builds the document; cards and previews inside Markdown are rendered through the theme's
/// templates once per record, with links starting from the base URL.
struct Exporter<'a> {
    input: &'a RenderInput<'a>,
    site: &'a Site,
    base: &'a str,
    globals: Context,
    fragments: RwLock<HashMap<(&'static str, RecordKey), Fragment>>,
}

/// A rendered card or preview, or why it could not be rendered.
type Fragment = Result<String, Diagnostic>;

/// What a route (made of file names and heading ids) may hold that a URL path or fragment must
/// percent-encode: controls, space, non-ASCII (always encoded), and the ASCII that RFC 3986 allows
/// in neither.
const URL_ESCAPES: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The absolute URL of a root-relative one (`stance.html#said`) under `base` (ending in `/`).
fn absolute_url(base: &str, route: &str) -> String {
    let (path, fragment) = route.split_once('#').map_or((route, None), |(path, f)| (path, Some(f)));
    let mut url = format!("{base}{}", utf8_percent_encode(path, URL_ESCAPES));
    if let Some(fragment) = fragment {
        url.push('#');
        url.extend(utf8_percent_encode(fragment, URL_ESCAPES));
    }
    url
}

impl<'a> Exporter<'a> {
    fn new(input: &'a RenderInput<'a>) -> Self {
        let mut globals = Context::new();
        globals.insert("site", &SiteView::new(input.site));
        globals.insert("assets", input.assets);
        globals.insert("generator", &generator());
        Self {
            input,
            site: input.site,
            base: input.site.config.base_url.get_ref(),
            globals,
            fragments: RwLock::new(HashMap::new()),
        }
    }

    fn document(&self) -> Result<Document, Diagnostic> {
        let site = self.site;
        let config = &site.config;
        let sections: Vec<SectionData> =
            reading_sequence(site).par_iter().map(|&i| self.section(i)).collect::<Result<_, _>>()?;
        let records: Vec<RecordEntry> =
            site.records.par_iter().map(|(key, record)| self.record(key, record)).collect::<Result<_, _>>()?;
        Ok(Document {
            schema: SCHEMA_ROUTE,
            version: FORMAT_VERSION,
            generator: generator(),
            site: SiteData {
                title: config.title.get_ref().clone(),
                description: optional(&config.description),
                base_url: self.base.to_string(),
                language: config.language().to_string(),
                author: optional(&config.author),
            },
            front: self.front()?,
            sections,
            records,
            topics: site.topics.values().map(|topic| self.topic(topic)).collect(),
        })
    }

    fn absolute(&self, route: &str) -> String {
        absolute_url(self.base, route)
    }

    fn front(&self) -> Result<FrontData, Diagnostic> {
        let front = &self.site.front;
        let text = &self.input.text.front;
        Ok(FrontData {
            title: front.title().to_string(),
            url: self.absolute(&front.url),
            dek: text.dek.as_ref().map(|dek| self.text(dek)).transpose()?,
            key_points: text.key_points.iter().map(|point| self.text(point)).collect::<Result<_, _>>()?,
            body: self.text(&text.body)?,
            topics: self.page_topics(front),
        })
    }

    fn section(&self, index: usize) -> Result<SectionData, Diagnostic> {
        let site = self.site;
        let page = &site.pages[index];
        let front = &page.source.front;
        let rendered = self
            .input
            .text
            .pages
            .get(index)
            .ok_or_else(|| Diagnostic::error(&page.source.file, None, "the page's Markdown was not rendered"))?;
        let Text { html, text } = self.text(rendered)?;
        Ok(SectionData {
            title: page.title().to_string(),
            url: self.absolute(&page.url),
            parent: page.parent.as_ref().and_then(|rel| site.page_by_rel(rel)).map(|parent| self.absolute(&parent.url)),
            summary: optional(&front.summary),
            topics: self.page_topics(page),
            date: front.date.as_ref().map(date),
            updated: front.updated.as_ref().map(date),
            text,
            html,
        })
    }

    fn page_topics(&self, page: &Page) -> Vec<TopicRef> {
        page.source.front.topics.iter().map(|slug| self.topic_ref(slug.get_ref())).collect()
    }

    fn topic_ref(&self, slug: &str) -> TopicRef {
        TopicRef { slug: slug.to_string(), name: self.site.topic_name(slug), url: self.absolute(&Topic::url(slug)) }
    }

    fn topic(&self, topic: &Topic) -> TopicData {
        let site = self.site;
        TopicData {
            slug: topic.slug.clone(),
            name: topic.name.clone(),
            url: self.absolute(&Topic::url(&topic.slug)),
            pages: topic
                .pages
                .iter()
                .map(|&id| site.page(id))
                .map(|page| PageRef { title: page.title().to_string(), url: self.absolute(&page.url) })
                .collect(),
            records: topic.records.iter().filter_map(|key| self.record_ref(key)).collect(),
        }
    }

    /// A reference to the record `key` names; `None` if there is no such record.
    fn record_ref(&self, key: &RecordKey) -> Option<RecordRef> {
        let record = self.site.record(key)?;
        Some(RecordRef {
            kind: key.kind.table_name(),
            id: key.id.clone(),
            url: self.absolute(&key.url()),
            title: record.title(),
        })
    }

    /// A reference to the record `id` names among `kinds`. The model has already reported a
    /// reference that does not resolve, and then nothing is rendered: this error is for safety.
    fn resolve(&self, record: &Record, id: &str, kinds: &[Kind]) -> Result<RecordRef, Diagnostic> {
        crate::model::resolve_any(&self.site.records, id, kinds).and_then(|key| self.record_ref(&key)).ok_or_else(
            || Diagnostic::error(&record.file, None, format!("`{}` names `{id}`, which is not a record", record.key())),
        )
    }

    fn record(&self, key: &RecordKey, record: &Record) -> Result<RecordEntry, Diagnostic> {
        let note = self.input.text.notes.get(key).map(|note| self.text(note)).transpose()?;
        let cited_in = self.input.text.cited_in.get(key).into_iter().flatten().map(|at| self.citation(at)).collect();
        let named_by =
            self.site.named_by.get(key).into_iter().flatten().filter_map(|other| self.record_ref(other)).collect();
        Ok(RecordEntry {
            kind: key.kind.table_name(),
            id: key.id.clone(),
            url: self.absolute(&key.url()),
            title: record.title(),
            topics: record.topics().iter().map(|slug| self.topic_ref(slug.get_ref())).collect(),
            note,
            cited_in,
            named_by,
            fields: self.fields(record)?,
        })
    }

    fn citation(&self, at: &CitedAt) -> Citation {
        Citation { title: at.page_title.clone(), url: self.absolute(&at.url()) }
    }

    fn fields(&self, record: &Record) -> Result<Fields, Diagnostic> {
        let source = |id: Option<&String>| id.map(|id| self.resolve(record, id, &[Kind::Source])).transpose();
        Ok(match &record.data {
            RecordData::Quote(q) => Fields::Quote {
                text: q.text.get_ref().clone(),
                speaker: self.resolve(record, q.speaker.get_ref(), PARTY)?,
                context: optional(&q.context),
                framing: optional(&q.framing),
                date: q.date.as_ref().map(date),
                source: self.resolve(record, q.source.get_ref(), &[Kind::Source])?,
                locator: optional(&q.locator),
            },
            RecordData::UseCase(u) => Fields::UseCase {
                production: optional(&u.production),
                company: u
                    .company
                    .as_ref()
                    .map(|company| self.resolve(record, company.get_ref(), &[Kind::Organization]))
                    .transpose()?,
                technique: optional(&u.technique),
                stage: u.stage.as_ref().map(|stage| stage.get_ref().clone()),
                summary: optional(&u.summary),
                impact: optional(&u.impact),
                source: source(u.source.as_ref().map(|s| s.get_ref()))?,
            },
            RecordData::Controversy(c) => Fields::Controversy {
                parties: c
                    .parties
                    .iter()
                    .map(|p| self.resolve(record, p.get_ref(), PARTY))
                    .collect::<Result<_, _>>()?,
                summary: optional(&c.summary),
                stakes: optional(&c.stakes),
                status: optional(&c.status),
                related: c
                    .related
                    .iter()
                    .map(|related| {
                        parse_typed_ref(related.get_ref())
                            .and_then(|(kind, id)| self.record_ref(&RecordKey::new(kind, id)))
                            .ok_or_else(|| {
                                Diagnostic::error(&record.file, Some(related.span()), "not a reference to a record")
                            })
                    })
                    .collect::<Result<_, _>>()?,
            },
            RecordData::Person(p) | RecordData::Organization(p) => Fields::Party {
                name: p.name.get_ref().clone(),
                role: optional(&p.role),
                description: optional(&p.description),
                external_url: p.url.as_ref().map(|url| url.get_ref().clone()),
            },
            RecordData::Figure(f) => Fields::Figure {
                label: f.label.get_ref().clone(),
                value: f.value.get_ref().clone(),
                unit: optional(&f.unit),
                change: optional(&f.change),
                period: optional(&f.period),
                source: source(f.source.as_ref().map(|s| s.get_ref()))?,
            },
            RecordData::Source(s) => Fields::Source {
                publisher: optional(&s.publisher),
                external_url: s.url.as_ref().map(|url| url.get_ref().clone()),
                date: s.date.as_ref().map(date),
                file: s.file.as_ref().map(|file| file.get_ref().clone()),
            },
        })
    }

    /// A piece of Markdown as HTML with absolute links (and cards and previews as on the site), and
    /// as plain text (cards as one line of text, previews left out).
    fn text(&self, rendered: &Rendered) -> Result<Text, Diagnostic> {
        let style = LinkStyle::Absolute(self.base);
        let html = try_fill_placeholders(&rendered.html, &rendered.placeholders, |placeholder| match placeholder {
            Placeholder::Link { target, .. } => Ok(style.href(target, None)),
            Placeholder::Embed { key } => self.fragment("card.html", key),
            Placeholder::Preview { key, preview_id } => {
                self.fragment("preview.html", key).map(|html| html.replace(super::PREVIEW_ID_MARK, preview_id))
            }
        })?;
        let for_text = fill_placeholders(&rendered.html, &rendered.placeholders, |placeholder| match placeholder {
            Placeholder::Embed { key } => {
                self.site.record(key).map(|record| escape(&card_text(record))).unwrap_or_default()
            }
            Placeholder::Link { .. } | Placeholder::Preview { .. } => String::new(),
        });
        Ok(Text { html, text: plain_text(&for_text) })
    }

    /// A record's card or preview through the theme's templates, rendered once per build.
    fn fragment(&self, template: &'static str, key: &RecordKey) -> Result<String, Diagnostic> {
        let cache_key = (template, key.clone());
        if let Some(cached) = self.fragments.read().ok().and_then(|cache| cache.get(&cache_key).cloned()) {
            return cached;
        }
        let result = self.render_fragment(template, key);
        if let Ok(mut cache) = self.fragments.write() {
            cache.insert(cache_key, result.clone());
        }
        result
    }

    fn render_fragment(&self, template: &'static str, key: &RecordKey) -> Result<String, Diagnostic> {
        let reads = Reads::default();
        let views = Views::new(self.site, self.input.text, &reads);
        let record =
            views.get(key).ok_or_else(|| Diagnostic::error("content", None, format!("record `{key}` vanished")))?;
        let mut context = self.globals.clone();
        context.insert("root", self.base);
        context.insert("record", &views.record(record, Detail::Summary));
        context.insert("preview_id", super::PREVIEW_ID_MARK);
        Ok(self.input.templates.render(template, &context, self.input.sources)?.trim().to_string())
    }
}

/// The indexes of `Site::pages` in reading order (each section, then the pages inside it).
fn reading_sequence(site: &Site) -> Vec<usize> {
    let order = &site.reading_order;
    let first = (0..site.pages.len()).find(|&i| order.neighbour(i, -1).is_none());
    std::iter::successors(first, |&i| order.neighbour(i, 1)).take(site.pages.len()).collect()
}

/// A text field, `None` when it is absent or empty.
fn optional(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

fn date(value: &DateValue) -> String {
    value.as_str().to_string()
}

/// A record embedded as a card, in one line of plain text.
fn card_text(record: &Record) -> String {
    match &record.data {
        RecordData::Quote(q) => format!("“{}”", q.text.get_ref()),
        RecordData::Figure(f) => {
            let unit = if f.unit.is_empty() { String::new() } else { format!(" {}", *f.unit) };
            format!("{}: {}{unit}", f.label.get_ref(), f.value.get_ref())
        }
        _ => record.title(),
    }
}

/// What closing an element adds to the text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Close {
    Nothing,
    Paragraph,
    Line,
    Text(&'static str),
    /// Left out with everything inside it.
    Skip,
}

/// The text a reader reads in `html`: blocks separated by a blank line, list items and table rows
/// by a line break, table cells by ` | `, whitespace collapsed; a sidenote in brackets where it is
/// called (`… said so. [1: the note]`), the number beside it left out.
pub fn plain_text(html: &str) -> String {
    let mut emitter = html5gum::DefaultEmitter::default();
    // `<script>` and `<style>` hold raw text, which a tokenizer alone cannot know.
    emitter.naively_switch_states(true);
    let mut raw = String::with_capacity(html.len() / 2);
    let mut open: Vec<(Vec<u8>, Close)> = Vec::new();
    let mut cells = 0;
    for token in html5gum::Tokenizer::new_with_emitter(html.as_bytes(), emitter).flatten() {
        let skipping = open.iter().any(|(_, close)| *close == Close::Skip);
        match token {
            html5gum::Token::StartTag(tag) => {
                let name = tag.name.to_ascii_lowercase();
                let class = tag.attributes.get(b"class".as_slice()).map(|v| String::from_utf8_lossy(v).into_owned());
                let has_class =
                    |wanted: &str| class.as_deref().is_some_and(|c| c.split_whitespace().any(|c| c == wanted));
                let (opening, close) = match name.as_slice() {
                    _ if skipping => ("", Close::Nothing),
                    b"script" | b"style" | b"template" => ("", Close::Skip),
                    _ if has_class("sidenote-number") || has_class("ref-preview") => ("", Close::Skip),
                    _ if has_class("sidenote") => (" [", Close::Text("]")),
                    _ if has_class("sidenote-label") => ("", Close::Text(":")),
                    _ if has_class("sidenote-para") => (" ", Close::Nothing),
                    b"br" => ("\n", Close::Nothing),
                    b"li" | b"dt" | b"dd" => ("\n", Close::Line),
                    b"tr" => {
                        cells = 0;
                        ("\n", Close::Line)
                    }
                    b"td" | b"th" => {
                        cells += 1;
                        (if cells > 1 { " | " } else { "" }, Close::Nothing)
                    }
                    b"p" | b"div" | b"blockquote" | b"figure" | b"figcaption" | b"h1" | b"h2" | b"h3" | b"h4"
                    | b"h5" | b"h6" | b"ul" | b"ol" | b"dl" | b"table" | b"pre" | b"hr" | b"section" | b"aside"
                    | b"details" | b"summary" | b"header" | b"footer" | b"nav" | b"article" => {
                        (PARAGRAPH_BREAK, Close::Paragraph)
                    }
                    _ => ("", Close::Nothing),
                };
                raw.push_str(opening);
                if name.as_slice() == b"img" && !skipping {
                    let alt = tag.attributes.get(b"alt".as_slice()).map(|v| String::from_utf8_lossy(v).into_owned());
                    push_text(&mut raw, &alt.unwrap_or_default());
                }
                if !tag.self_closing && !is_void(&name) {
                    open.push((name, close));
                }
            }
            html5gum::Token::EndTag(tag) => {
                let name = tag.name.to_ascii_lowercase();
                if let Some(at) = open.iter().rposition(|(open_name, _)| *open_name == name) {
                    for (_, close) in open.drain(at..).rev() {
                        raw.push_str(match close {
                            Close::Paragraph => PARAGRAPH_BREAK,
                            Close::Line => "\n",
                            Close::Text(text) => text,
                            Close::Nothing | Close::Skip => "",
                        });
                    }
                }
            }
            html5gum::Token::String(text) if !skipping => {
                let text = String::from_utf8_lossy(&text);
                if open.iter().any(|(name, _)| name == b"pre") {
                    raw.push_str(&text.replace(['\r', '\n'], "\n"));
                } else {
                    push_text(&mut raw, &text);
                }
            }
            _ => {}
        }
    }
    tidy(&raw)
}

fn is_void(name: &[u8]) -> bool {
    matches!(
        name,
        b"area"
            | b"base"
            | b"br"
            | b"col"
            | b"embed"
            | b"hr"
            | b"img"
            | b"input"
            | b"link"
            | b"meta"
            | b"source"
            | b"track"
            | b"wbr"
    )
}

/// Appends running text, its HTML whitespace (line breaks included) turned into spaces and other
/// control characters (which HTML text may not hold) dropped.
fn push_text(raw: &mut String, text: &str) {
    raw.extend(text.chars().filter_map(|c| match c {
        '\t' | '\n' | '\x0C' | '\r' => Some(' '),
        c if c.is_control() => None,
        c => Some(c),
    }));
}

/// In the text being built, a break between blocks (`\n` is a line break); HTML text cannot hold it.
const PARAGRAPH: char = '\u{1}';
const PARAGRAPH_BREAK: &str = "\u{1}";

/// Turns the text being built into the result: runs of spaces collapse to one, spaces at the ends
/// of lines go, breaks next to each other count as the largest of them, and the whole is trimmed.
fn tidy(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let (mut gap, mut space) = ("", false);
    for c in raw.chars() {
        match c {
            PARAGRAPH => (gap, space) = ("\n\n", false),
            '\n' => (gap, space) = (if gap.is_empty() { "\n" } else { gap }, false),
            ' ' => space = gap.is_empty(),
            c => {
                if !out.is_empty() {
                    out.push_str(if space { " " } else { gap });
                }
                (gap, space) = ("", false);
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_separates_blocks_lines_and_cells() {
        let html = "<h2 id=\"a\">Title</h2>\n<p>One <em>two</em>\nthree &amp; four.</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n\
                    <table><thead><tr><th>Year</th><th>Revenue</th></tr></thead><tbody><tr><td>2025</td><td>up</td></tr></tbody></table>";
        assert_eq!(plain_text(html), "Title\n\nOne two three & four.\n\na\nb\n\nYear | Revenue\n2025 | up");
    }

    #[test]
    fn plain_text_puts_sidenotes_in_brackets_and_leaves_out_previews_and_scripts() {
        let html = "<p>It was said.<label for=\"sn-1\" class=\"sidenote-number\"><span class=\"visually-hidden\">Note </span>1</label>\
                    <input type=\"checkbox\" id=\"sn-1\" class=\"margin-toggle\"><span class=\"sidenote\" role=\"note\">\
                    <span class=\"sidenote-label\">1</span> <span class=\"sidenote-para\">A note.</span>\
                    <span class=\"sidenote-para\">Two.</span></span> Then \
                    <span class=\"ref\"><a href=\"x\">more</a><span class=\"ref-preview\">Quote “x”</span></span>.</p>\
                    <script>let a = '<p>no</p>';</script><pre>a\n  b</pre>";
        assert_eq!(plain_text(html), "It was said. [1: A note. Two.] Then more.\n\na\nb");
    }

    #[test]
    fn routes_become_percent_encoded_absolute_urls() {
        let encode = |route: &str| absolute_url("https://example.org/b/", route);
        assert_eq!(encode("one.html#p-1"), "https://example.org/b/one.html#p-1");
        assert_eq!(encode("a b/café 100%.html"), "https://example.org/b/a%20b/caf%C3%A9%20100%25.html");
    }
}
