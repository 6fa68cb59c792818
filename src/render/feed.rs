//! The Atom feed (`atom.xml`, RFC 4287): one entry per page and per record that has a date, newest
//! first, with absolute URLs, a plain-text summary and the HTML a reader sees on the page.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::io;

use jiff::Timestamp;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use rayon::prelude::*;

use super::context::Views;
use super::reads::Reads;
use super::{Job, PageRenderer, RenderInput};
use crate::diagnostics::Diagnostic;
use crate::markdown::{LinkStyle, Placeholder, Rendered, try_fill_placeholders};
use crate::model::{DateValue, PARTY, Record, RecordData, RecordKey, Site, resolve_any, shorten};

const ATOM_NAMESPACE: &str = "http://www.w3.org/2005/Atom";

/// How many words of a page's text make its summary when its front matter has none.
const SUMMARY_WORDS: usize = 50;

/// The feed's `updated` when nothing in the site has a date: fixed, so the output stays the same.
const UNDATED: Timestamp = Timestamp::UNIX_EPOCH;

/// One entry of the feed.
#[derive(Debug)]
struct Entry {
    updated: Timestamp,
    published: Option<Timestamp>,
    title: String,
    url: String,
    summary: String,
    content: String,
    /// (slug, display name) of each topic.
    topics: Vec<(String, String)>,
}

/// Among entries updated at the same instant, pages come first in site order (`Site::pages`:
/// sections by weight then title, then the pages inside section folders), then records by kind
/// and id.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Page(usize),
    Record(RecordKey),
}

/// The bytes of `atom.xml`: the newest `feed_limit` entries. Which they are is decided from the
/// dates alone, so only the entries the feed holds are built, whatever the size of the site.
pub fn atom(input: &RenderInput<'_>) -> Result<Vec<u8>, Diagnostic> {
    let (renderer, _) = PageRenderer::new(input);
    let site = input.site;
    let newest = newest(site, site.config.feed_limit());
    // Built across cores, each in a job of its own (a job's reads are not shared between threads).
    let built: Vec<Result<Option<Entry>, Diagnostic>> = newest
        .par_iter()
        .map(|(_, rank)| {
            in_job(&renderer, |job| match rank {
                Rank::Page(i) => job.page_entry(*i),
                Rank::Record(key) => site.records.get(key).map_or(Ok(None), |record| job.record_entry(key, record)),
            })
        })
        .collect();
    // The first error in feed order, whichever core found it first.
    let entries: Vec<Entry> = built.into_iter().collect::<Result<Vec<_>, _>>()?.into_iter().flatten().collect();
    write_feed(input.site, &entries)
        .map_err(|error| Diagnostic::error("atom.xml", None, format!("could not write the feed: {error}")))
}

/// The `limit` newest dated pages and records, newest first (`Rank` orders those of one instant):
/// a selection, then a sort of only what is kept.
fn newest(site: &Site, limit: usize) -> Vec<(Timestamp, Rank)> {
    let pages = site.pages.iter().enumerate().filter_map(|(i, page)| {
        let front = &page.source.front;
        front.updated.as_ref().or(front.date.as_ref()).map(|date| (date.timestamp(), Rank::Page(i)))
    });
    let records = site
        .records
        .iter()
        .filter_map(|(key, record)| record.date().map(|d| (d.timestamp(), Rank::Record(key.clone()))));
    let mut dated: Vec<(Timestamp, Rank)> = pages.chain(records).collect();
    let order = |a: &(Timestamp, Rank), b: &(Timestamp, Rank)| (Reverse(a.0), &a.1).cmp(&(Reverse(b.0), &b.1));
    if dated.len() > limit && limit > 0 {
        dated.select_nth_unstable_by(limit - 1, order);
    }
    dated.truncate(limit);
    dated.sort_by(order);
    dated
}

/// The absolute URL of a route: the base URL itself for the front page, as its canonical link says.
pub fn absolute_url(base_url: &str, route: &str) -> String {
    match route {
        "index.html" => base_url.to_string(),
        _ => format!("{base_url}{route}"),
    }
}

/// Runs `f` in a render job of its own.
fn in_job<T>(renderer: &PageRenderer<'_>, f: impl FnOnce(&Job<'_, '_>) -> T) -> T {
    let reads = Reads::default();
    f(&Job { renderer, views: Views::new(renderer.site, renderer.text, &reads) })
}

impl Job<'_, '_> {
    /// The entry of page `i` (not the front page), if it has a `date` or an `updated`.
    fn page_entry(&self, i: usize) -> Result<Option<Entry>, Diagnostic> {
        let site = self.site();
        let base = site.config.base_url.get_ref();
        let (Some(page), Some(rendered)) = (site.pages.get(i), self.views.text.pages.get(i)) else { return Ok(None) };
        let front = &page.source.front;
        let Some(updated) = front.updated.as_ref().or(front.date.as_ref()) else { return Ok(None) };
        let content = self.fill_outside(rendered, base)?;
        let summary = match front.summary.trim() {
            "" => shorten(&paragraph_text(&content), SUMMARY_WORDS),
            summary => summary.to_string(),
        };
        Ok(Some(Entry {
            updated: updated.timestamp(),
            published: front.date.as_ref().map(DateValue::timestamp),
            title: page.title().to_string(),
            url: absolute_url(base, &page.url),
            summary,
            content,
            topics: topics(site, front.topics.iter().map(|t| t.get_ref())),
        }))
    }

    /// The entry of a record, if it has a date: its card, then its note.
    fn record_entry(&self, key: &RecordKey, record: &Record) -> Result<Option<Entry>, Diagnostic> {
        let site = self.site();
        let base = site.config.base_url.get_ref();
        let Some(date) = record.date() else { return Ok(None) };
        let mut content = self.fragment("card.html", key, base)?;
        if let Some(note) = self.views.text.notes.get(key) {
            content.push('\n');
            content.push_str(&self.fill_outside(note, base)?);
        }
        Ok(Some(Entry {
            updated: date.timestamp(),
            published: Some(date.timestamp()),
            title: record_title(site, record),
            url: absolute_url(base, &key.url()),
            summary: record_summary(site, record),
            content,
            topics: topics(site, record.topics().iter().map(|t| t.get_ref())),
        }))
    }

    /// `rendered` as shown outside the site: absolute links and record cards, and no previews (a
    /// feed reader shows no tooltip, so a preview would stand in the middle of the sentence).
    fn fill_outside(&self, rendered: &Rendered, base: &str) -> Result<String, Diagnostic> {
        let style = LinkStyle::Absolute(base);
        try_fill_placeholders(&rendered.html, &rendered.placeholders, |placeholder| match placeholder {
            Placeholder::Link { target, written } => Ok(style.href(target, written.as_deref())),
            Placeholder::Embed { key } => self.fragment("card.html", key, base),
            Placeholder::Preview { .. } => Ok(String::new()),
        })
    }
}

/// Each topic once, with its display name.
fn topics<'t>(site: &Site, slugs: impl Iterator<Item = &'t String>) -> Vec<(String, String)> {
    let mut topics: Vec<(String, String)> = Vec::new();
    for slug in slugs {
        if !topics.iter().any(|(known, _)| known == slug) {
            topics.push((slug.clone(), site.topic_name(slug)));
        }
    }
    topics
}

/// The name of whoever a quote's `speaker` names, or the id as written.
fn speaker_name(site: &Site, id: &str) -> String {
    resolve_any(&site.records, id, PARTY)
        .and_then(|key| site.record(&key))
        .map_or_else(|| id.to_string(), Record::title)
}

/// A quote's title names its speaker; any other record's names its kind.
fn record_title(site: &Site, record: &Record) -> String {
    match &record.data {
        RecordData::Quote(q) => format!("{}: “{}”", speaker_name(site, q.speaker.get_ref()), record.title()),
        _ => format!("{}: {}", record.kind().title(), record.title()),
    }
}

/// A record's main text in a sentence or two, as plain text.
fn record_summary(site: &Site, record: &Record) -> String {
    let joined = |parts: &[&str]| parts.iter().filter(|p| !p.trim().is_empty()).copied().collect::<Vec<_>>().join(", ");
    match &record.data {
        RecordData::Quote(q) => {
            let speaker = speaker_name(site, q.speaker.get_ref());
            format!("“{}” — {}", q.text.get_ref(), joined(&[&speaker, &q.context]))
        }
        RecordData::UseCase(u) => joined(&[u.title.get_ref(), &u.summary]),
        RecordData::Controversy(c) => joined(&[c.title.get_ref(), &c.summary]),
        RecordData::Person(p) | RecordData::Organization(p) => joined(&[p.name.get_ref(), &p.role, &p.description]),
        RecordData::Figure(f) => {
            let value = [f.value.get_ref().as_str(), &f.unit].join(" ");
            joined(&[f.label.get_ref(), value.trim(), &f.change, &f.period])
        }
        RecordData::Source(s) => {
            joined(&[s.title.get_ref(), &s.publisher, s.date.as_ref().map_or("", DateValue::as_str)])
        }
    }
}

/// The text of the paragraphs of `html`, without sidenotes, in one line.
fn paragraph_text(html: &str) -> String {
    use html5gum::Token;
    let mut text = String::new();
    let mut paragraphs = 0usize;
    // While inside a sidenote (or its number): the element's name and how deep in it we are.
    let mut skipped: Option<(Vec<u8>, usize)> = None;
    for token in html5gum::Tokenizer::new(html).flatten() {
        match token {
            Token::StartTag(tag) => {
                if let Some((name, depth)) = &mut skipped {
                    *depth += usize::from(**name == *tag.name && !tag.self_closing);
                    continue;
                }
                let class = tag.attributes.get(b"class".as_slice()).map(|c| String::from_utf8_lossy(c).into_owned());
                if class.is_some_and(|c| c.split_whitespace().any(|c| c == "sidenote" || c == "sidenote-number")) {
                    skipped = Some((tag.name.to_vec(), 1));
                } else if *tag.name == b"p" {
                    paragraphs += 1;
                }
            }
            Token::EndTag(tag) => match &mut skipped {
                Some((name, depth)) if **name == *tag.name => {
                    *depth -= 1;
                    if *depth == 0 {
                        skipped = None;
                    }
                }
                Some(_) => {}
                None if *tag.name == b"p" => {
                    paragraphs = paragraphs.saturating_sub(1);
                    text.push(' ');
                }
                None => {}
            },
            Token::String(s) if skipped.is_none() && paragraphs > 0 => text.push_str(&String::from_utf8_lossy(&s)),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` without the characters XML 1.0 does not allow (control characters other than tab and
/// line breaks, U+FFFE and U+FFFF), which a TOML string can hold as escapes.
pub fn xml_chars(text: &str) -> Cow<'_, str> {
    let allowed =
        |c: char| matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}

/// Writes `<name>text</name>`, escaped.
pub fn text_element<W: io::Write>(writer: &mut Writer<W>, name: &str, text: &str) -> io::Result<()> {
    writer.create_element(name).write_text_content(BytesText::new(&xml_chars(text)))?;
    Ok(())
}

fn write_feed(site: &Site, entries: &[Entry]) -> io::Result<Vec<u8>> {
    let config = &site.config;
    let base = config.base_url.get_ref();
    let title = config.title.get_ref();
    let author = if config.author.trim().is_empty() { title } else { &config.author };
    let front = &site.front.source.front;
    let front_updated = front.updated.as_ref().or(front.date.as_ref()).map(DateValue::timestamp);
    let updated = entries.first().map(|entry| entry.updated).or(front_updated).unwrap_or(UNDATED);
    let self_url = format!("{base}atom.xml");
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    writer
        .create_element("feed")
        .with_attribute(("xmlns", ATOM_NAMESPACE))
        .with_attribute(("xml:lang", config.language()))
        .write_inner_content(|w| {
            text_element(w, "id", base)?;
            text_element(w, "title", title)?;
            if !config.description.trim().is_empty() {
                text_element(w, "subtitle", &config.description)?;
            }
            text_element(w, "updated", &updated.to_string())?;
            write_link(w, "self", "application/atom+xml", &self_url)?;
            write_link(w, "alternate", "text/html", base)?;
            w.create_element("author").write_inner_content(|w| text_element(w, "name", author))?;
            w.create_element("generator")
                .with_attribute(("version", env!("CARGO_PKG_VERSION")))
                .write_text_content(BytesText::new("briefing"))?;
            entries.iter().try_for_each(|entry| write_entry(w, entry, base))
        })?;
    let mut bytes = writer.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

fn write_link<W: io::Write>(writer: &mut Writer<W>, rel: &str, kind: &str, href: &str) -> io::Result<()> {
    writer
        .create_element("link")
        .with_attribute(("rel", rel))
        .with_attribute(("type", kind))
        .with_attribute(("href", &*xml_chars(href)))
        .write_empty()?;
    Ok(())
}

fn write_entry<W: io::Write>(writer: &mut Writer<W>, entry: &Entry, base: &str) -> io::Result<()> {
    writer.create_element("entry").write_inner_content(|w| {
        text_element(w, "id", &entry.url)?;
        text_element(w, "title", &entry.title)?;
        write_link(w, "alternate", "text/html", &entry.url)?;
        if let Some(published) = entry.published {
            text_element(w, "published", &published.to_string())?;
        }
        text_element(w, "updated", &entry.updated.to_string())?;
        for (slug, name) in &entry.topics {
            w.create_element("category")
                .with_attribute(("term", slug.as_str()))
                .with_attribute(("scheme", format!("{base}topics/").as_str()))
                .with_attribute(("label", &*xml_chars(name)))
                .write_empty()?;
        }
        w.create_element("summary")
            .with_attribute(("type", "text"))
            .write_text_content(BytesText::new(&xml_chars(&entry.summary)))?;
        // `xml:base`: any link the HTML still has relative (raw HTML in Markdown, a sidenote's own
        // anchors) resolves against the page it came from.
        w.create_element("content")
            .with_attribute(("type", "html"))
            .with_attribute(("xml:base", &*xml_chars(&entry.url)))
            .write_text_content(BytesText::new(&xml_chars(&entry.content)))?;
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraph_text_leaves_out_headings_and_sidenotes() {
        let html = "<h2>Title</h2>\n<p>One <em>two</em>.<label for=\"sn-1\" class=\"sidenote-number\">1</label>\
                    <span class=\"sidenote\"><span>A <span>note</span>.</span></span> Three &amp; four.</p><p>Five</p>";
        assert_eq!(paragraph_text(html), "One two. Three & four. Five");
    }

    #[test]
    fn characters_xml_forbids_are_dropped() {
        assert_eq!(xml_chars("a\u{1}b\u{FFFE}c\td"), "a".to_string() + "bc\td");
        assert!(matches!(xml_chars("plain € text"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_front_page_is_the_base_url() {
        assert_eq!(absolute_url("https://e.org/b/", "index.html"), "https://e.org/b/");
        assert_eq!(absolute_url("https://e.org/b/", "practice/index.html"), "https://e.org/b/practice/index.html");
    }
}
