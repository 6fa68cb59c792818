//! The print edition, `print.html`: the front page, every section in reading order and every record
//! by kind on one page, ids prefixed per part, links turned into in-page anchors, sidenotes into numbered notes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::convert::Infallible;
use std::ops::Range;

use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};
use html5gum::{Span, Tokenizer};
use pulldown_cmark_escape::escape_href;
use rayon::prelude::*;
use serde::Serialize;

use super::context::{Detail, RecordView, Views};
use super::reads::Reads;
use super::{Current, Job, PREVIEW_ID_MARK, PageRenderer, RenderInput};
use crate::diagnostics::Diagnostic;
use crate::markdown::{LinkStyle, Placeholder, Rendered, escape, has_scheme, resolve_relative, try_fill_placeholders};
use crate::model::{Kind, Record, Site};

/// Where the print edition is written: at the root, so root-relative paths are relative to it.
pub const URL: &str = "print.html";

/// Attributes naming ids of the same page (space-separated), prefixed with their part's anchor.
const ID_ATTRIBUTES: [&str; 7] =
    ["id", "for", "headers", "aria-describedby", "aria-labelledby", "aria-controls", "aria-owns"];

/// The bytes of `print.html`.
pub(super) fn render_print(input: &RenderInput<'_>) -> Result<Vec<u8>, Diagnostic> {
    let (renderer, _) = PageRenderer::new(input);
    let reads = Reads::default();
    let job = Job { renderer: &renderer, views: Views::new(input.site, input.text, &reads) };
    let anchors = Anchors::new(input.site, &job.views);
    let edition = Edition { job: &job, anchors: &anchors };
    let view = edition.view(&renderer)?;
    let mut context = job.base_context(URL, Current::None);
    context.insert("print", &view);
    let html = renderer.templates.render("print.html", &context, renderer.sources)?;
    Ok(anchors.retarget_main(&html).into_bytes())
}

/// What the print template receives as `print` (docs/TEMPLATES.md).
#[derive(Serialize)]
struct PrintView {
    front: FrontPart,
    sections: Vec<SectionPart>,
    kinds: Vec<KindPart>,
}

#[derive(Serialize)]
struct FrontPart {
    anchor: &'static str,
    title: String,
    dek: String,
    key_points: Vec<String>,
    content: String,
}

#[derive(Serialize)]
struct SectionPart {
    anchor: String,
    title: String,
    summary: String,
    date: String,
    updated: String,
    /// 0 for a section, 1 for a page inside a section folder.
    depth: usize,
    content: String,
}

#[derive(Serialize)]
struct KindPart {
    kind: &'static str,
    title: &'static str,
    anchor: String,
    records: Vec<RecordPart>,
}

#[derive(Serialize)]
struct RecordPart {
    anchor: String,
    record: RecordView,
}

/// Each part of the edition (the front page, a section, a record) by the root-relative URL of its
/// own page: its anchor, and the ids its Markdown gives (a fragment that is none of them, or any
/// fragment of a record page, leads to the part itself).
struct Anchors<'a> {
    base_url: &'a str,
    parts: HashMap<String, (String, HashSet<String>)>,
}

impl<'a> Anchors<'a> {
    fn new(site: &'a Site, views: &Views<'_>) -> Self {
        let text = views.text;
        let ids_of = |rendered: &[&Rendered]| -> HashSet<String> {
            rendered.iter().flat_map(|r| r.heading_ids.iter().chain(&r.other_ids).cloned()).collect()
        };
        let mut parts = HashMap::new();
        let front: Vec<&Rendered> =
            text.front.dek.iter().chain(&text.front.key_points).chain([&text.front.body]).collect();
        parts.insert(site.front.url.clone(), (FRONT_ANCHOR.to_string(), ids_of(&front)));
        for (page, rendered) in site.pages.iter().zip(&text.pages) {
            parts.insert(page.url.clone(), (section_anchor(&page.url), ids_of(&[&**rendered])));
        }
        for key in site.records.keys() {
            parts.insert(key.url(), (record_anchor(key.kind, &key.id), HashSet::new()));
        }
        Self { base_url: site.config.base_url.get_ref(), parts }
    }

    /// Where a root-relative `target` (`stance.html#said`, `quotes/a.html`) leads in the edition:
    /// its part's anchor, or the absolute URL of what the edition does not hold.
    fn href(&self, target: &str) -> String {
        let (path, fragment) = target.split_once('#').unwrap_or((target, ""));
        match self.parts.get(path) {
            Some((anchor, ids)) if ids.contains(fragment) => format!("#{anchor}:{fragment}"),
            Some((anchor, _)) => format!("#{anchor}"),
            None => format!("{}{target}", self.base_url),
        }
    }

    /// The page with every relative link inside its `<main>` retargeted (`href`, and `cite`):
    /// the edition's parts become in-page anchors, everything else absolute URLs. Links of the
    /// page's header and footer stay relative, as on every page.
    fn retarget_main(&self, html: &str) -> String {
        let mut edits = Vec::new();
        let mut in_main = false;
        for tag in scan(html) {
            if tag.name == "main" {
                in_main = !tag.closing;
            }
            if !in_main || tag.closing {
                continue;
            }
            for attribute in tag.attributes.iter().filter(|a| a.name == "href" || a.name == "cite") {
                if let (Some(span), Some(target)) = (&attribute.span, root_relative(URL, &attribute.value)) {
                    edits.push((span.clone(), url_attribute(&self.href(&target))));
                }
            }
        }
        splice(html, edits)
    }
}

const FRONT_ANCHOR: &str = "front";

/// `stance.html` → `s-stance`, `practice/vfx.html` → `s-practice/vfx`: unique as URLs are, and
/// never holding the `:` that separates a part's anchor from the ids inside it.
fn section_anchor(url: &str) -> String {
    format!("s-{}", url.strip_suffix(".html").unwrap_or(url))
}

/// `r-quote-great-artists`: kinds hold no `-`, so kind and id cannot be confused.
fn record_anchor(kind: Kind, id: &str) -> String {
    format!("r-{}-{id}", kind.table_name())
}

/// Builds the parts of the edition.
struct Edition<'e, 'j, 'a> {
    job: &'e Job<'j, 'a>,
    anchors: &'e Anchors<'e>,
}

/// Runs `f` on an edition whose job is its own (a job's reads are not shared between threads),
/// so parts are built across cores.
fn in_edition<T>(renderer: &PageRenderer<'_>, anchors: &Anchors<'_>, f: impl FnOnce(&Edition<'_, '_, '_>) -> T) -> T {
    let reads = Reads::default();
    let job = Job { renderer, views: Views::new(renderer.site, renderer.text, &reads) };
    f(&Edition { job: &job, anchors })
}

/// The parts in order, or the first part's error in that order (whichever core found it first).
fn in_order<T: Send>(parts: Vec<Result<T, Diagnostic>>) -> Result<Vec<T>, Diagnostic> {
    parts.into_iter().collect()
}

impl Edition<'_, '_, '_> {
    fn view(&self, renderer: &PageRenderer<'_>) -> Result<PrintView, Diagnostic> {
        let site = self.job.site();
        let text = self.job.views.text;
        let front_part = |rendered: &Rendered| self.part(rendered, FRONT_ANCHOR, &site.front.url, 1);
        let front = FrontPart {
            anchor: FRONT_ANCHOR,
            title: site.front.title().to_string(),
            dek: text.front.dek.as_ref().map(front_part).transpose()?.unwrap_or_default(),
            key_points: text.front.key_points.iter().map(front_part).collect::<Result<_, _>>()?,
            content: front_part(&text.front.body)?,
        };
        let order = reading_order(site);
        let sections = in_order(
            order.par_iter().map(|&i| in_edition(renderer, self.anchors, |edition| edition.section_part(i))).collect(),
        )?;
        let kinds = Kind::ALL
            .into_iter()
            .map(|kind| self.kind_part(renderer, kind))
            .filter(|part| !matches!(part, Ok(part) if part.records.is_empty()))
            .collect::<Result<_, _>>()?;
        Ok(PrintView { front, sections, kinds })
    }

    fn section_part(&self, i: usize) -> Result<SectionPart, Diagnostic> {
        let site = self.job.site();
        let page = &site.pages[i];
        let anchor = section_anchor(&page.url);
        let front = &page.source.front;
        Ok(SectionPart {
            content: self.part(&self.job.views.text.pages[i], &anchor, &page.url, 1)?,
            anchor,
            title: page.title().to_string(),
            summary: front.summary.to_string(),
            date: front.date.as_ref().map(|d| d.as_str().to_string()).unwrap_or_default(),
            updated: front.updated.as_ref().map(|d| d.as_str().to_string()).unwrap_or_default(),
            depth: usize::from(page.parent.is_some()),
        })
    }

    fn kind_part(&self, renderer: &PageRenderer<'_>, kind: Kind) -> Result<KindPart, Diagnostic> {
        let records = self.job.views.sorted_records(kind);
        let records = in_order(
            records
                .par_iter()
                .map(|record| in_edition(renderer, self.anchors, |edition| edition.record_part(kind, record)))
                .collect(),
        )?;
        Ok(KindPart {
            kind: kind.table_name(),
            title: kind.plural_title(),
            anchor: format!("print-{}", kind.dir()),
            records,
        })
    }

    fn record_part(&self, kind: Kind, record: &Record) -> Result<RecordPart, Diagnostic> {
        let views = &self.job.views;
        let key = record.key();
        let anchor = record_anchor(kind, &key.id);
        let mut view = views.record(record, Detail::Complete);
        if let Some(note) = views.text.notes.get(&key) {
            view.note = self.part(note, &anchor, &key.url(), 3)?;
        }
        Ok(RecordPart { anchor, record: view })
    }

    /// One fragment of Markdown as the edition shows it: ids prefixed with `anchor`, headings
    /// `shift` levels down, links resolved, cards and previews filled in, sidenotes made notes.
    fn part(&self, rendered: &Rendered, anchor: &str, page_url: &str, shift: u8) -> Result<String, Diagnostic> {
        let html = prefix_part(&rendered.html, anchor, page_url, shift);
        let href = |target: &str| self.anchors.href(target);
        let style = LinkStyle::InDocument(&href);
        let html = try_fill_placeholders(&html, &rendered.placeholders, |placeholder| match placeholder {
            Placeholder::Link { target, written } => Ok(style.href(target, written.as_deref())),
            Placeholder::Embed { key } => self.job.fragment("card.html", key, ""),
            Placeholder::Preview { key, preview_id } => self
                .job
                .fragment("preview.html", key, "")
                .map(|html| html.replace(PREVIEW_ID_MARK, &format!("{anchor}:{preview_id}"))),
        })?;
        Ok(numbered_notes(&html, shift))
    }
}

/// The indexes of `site.pages` in reading order.
fn reading_order(site: &Site) -> Vec<usize> {
    let order = &site.reading_order;
    let first = (0..site.pages.len()).find(|&i| order.neighbour(i, -1).is_none());
    let mut sequence = Vec::with_capacity(site.pages.len());
    let mut next = first;
    while let Some(i) = next
        && sequence.len() < site.pages.len()
    {
        sequence.push(i);
        next = order.neighbour(i, 1);
    }
    sequence
}

/// A fragment's HTML made to sit inside the edition: every id and id reference prefixed with
/// `anchor:`, so do links to `#id`; relative `href`s and `src`s made root-relative (the
/// fragment's page may sit in a folder; the edition is at the root); headings `shift` levels down.
fn prefix_part(html: &str, anchor: &str, page_url: &str, shift: u8) -> String {
    let mut edits = Vec::new();
    for tag in scan(html) {
        if let Some(level) = heading_level(&tag.name) {
            let name = format!("h{}", (level + shift).min(6));
            let start = tag.span.start + if tag.closing { 2 } else { 1 };
            edits.push((start..start + tag.name.len(), name));
        }
        if tag.closing {
            continue;
        }
        for attribute in &tag.attributes {
            let Some(span) = attribute.span.clone() else { continue };
            let value = &attribute.value;
            let name = attribute.name.as_str();
            let new = if ID_ATTRIBUTES.contains(&name) {
                let ids: Vec<String> = value.split_ascii_whitespace().map(|id| format!("{anchor}:{id}")).collect();
                escape(&ids.join(" "))
            } else if (name == "href") && value.len() > 1 && value.starts_with('#') {
                url_attribute(&format!("#{anchor}:{}", &value[1..]))
            } else if let ("href" | "src", Some(target)) = (name, root_relative(page_url, value)) {
                url_attribute(&target)
            } else {
                continue;
            };
            edits.push((span, new));
        }
    }
    splice(html, edits)
}

fn heading_level(name: &str) -> Option<u8> {
    match name.as_bytes() {
        [b'h', level @ b'1'..=b'6'] => Some(level - b'0'),
        _ => None,
    }
}

/// The root-relative target of a relative URL written on the page at `from`, with its query and
/// fragment; `None` for URLs that are not relative paths (a scheme, `//host`, `/path`, `#id`) and
/// for placeholders, which are filled later.
fn root_relative(from: &str, url: &str) -> Option<String> {
    let placeholder = url.starts_with(['\0', '\u{FFFD}']);
    if url.is_empty() || placeholder || url.starts_with(['/', '#', '?']) || has_scheme(url) {
        return None;
    }
    let path = url.split(['#', '?']).next().unwrap_or("");
    let suffix = &url[path.len()..];
    resolve_relative(from, path).map(|target| format!("{target}{suffix}"))
}

/// A URL escaped for an attribute value, as Markdown links are.
fn url_attribute(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let _ = escape_href(&mut out, url);
    out
}

/// A sidenote (the label, checkbox and note the Markdown pass writes) becomes a numbered reference
/// to a list of notes after the text, merged in number order with the part's endnotes, if any:
/// on paper and in one long page, a note in the margin or behind a toggle does not work.
fn numbered_notes(html: &str, shift: u8) -> String {
    let tags = scan(html);
    let mut edits = Vec::new();
    let mut notes: BTreeMap<usize, (String, String)> = BTreeMap::new();
    let mut i = 0;
    while i < tags.len() {
        match sidenote_at(html, &tags, i) {
            Some(sidenote) => {
                let href = &notes.entry(sidenote.number).or_insert((sidenote.id, sidenote.body)).0;
                let reference = format!(
                    "<sup class=\"note-ref\"><a href=\"#{}\"><span class=\"visually-hidden\">Note </span>{}</a></sup>",
                    escape(href),
                    sidenote.number
                );
                edits.push((sidenote.range, reference));
                i = sidenote.last + 1;
            }
            None => i += 1,
        }
    }
    if notes.is_empty() {
        return html.to_string();
    }
    let items: Vec<(usize, String)> = notes
        .into_iter()
        .map(|(number, (id, body))| {
            (number, format!("<li id=\"{}\" value=\"{number}\"><p>{body}</p></li>\n", escape(&id)))
        })
        .collect();
    match endnote_list(html, &tags) {
        Some((inner, endnotes)) => {
            let mut all = items;
            all.extend(endnotes);
            all.sort_by_key(|(number, _)| *number);
            let list: String = all.into_iter().map(|(_, item)| item).collect();
            edits.push((inner, format!("\n{list}")));
            splice(html, edits)
        }
        None => {
            let list: String = items.into_iter().map(|(_, item)| item).collect();
            let level = (2 + shift).min(6);
            let mut out = splice(html, edits);
            out.push_str(&format!(
                "<section class=\"endnotes\">\n<h{level} class=\"endnotes-title\">Notes</h{level}>\n<ol class=\"endnotes-list\">\n{list}</ol>\n</section>\n"
            ));
            out
        }
    }
}

/// A sidenote found in the HTML: its number, the id its list item takes (its checkbox's, which
/// goes), its text, the bytes it covers and the index of its last tag.
struct Sidenote {
    number: usize,
    id: String,
    body: String,
    range: Range<usize>,
    last: usize,
}

/// The sidenote whose `<label class="sidenote-number">` is `tags[i]`, written as the Markdown
/// pass writes it: `<label for=…>…N</label><input id=… class="margin-toggle"><span class="sidenote">
/// <span class="sidenote-label">N</span> text</span>`.
fn sidenote_at(html: &str, tags: &[Tag], i: usize) -> Option<Sidenote> {
    let label = &tags[i];
    if label.closing || label.name != "label" || !label.has_class("sidenote-number") {
        return None;
    }
    let label_end = (i + 1..tags.len()).find(|&j| tags[j].closing && tags[j].name == "label")?;
    let number_from = tags[label_end - 1].span.end;
    let number: usize = html.get(number_from..tags[label_end].span.start)?.trim().parse().ok()?;
    let input = tags.get(label_end + 1).filter(|t| t.name == "input" && t.has_class("margin-toggle"))?;
    let id = input.attribute("id")?.to_string();
    let note = tags.get(label_end + 2).filter(|t| !t.closing && t.name == "span" && t.has_class("sidenote"))?;
    let number_label = tags.get(label_end + 3).filter(|t| !t.closing && t.has_class("sidenote-label"))?;
    let _ = (note, number_label);
    let mut depth = 0usize;
    let mut last = None;
    for (j, tag) in tags.iter().enumerate().skip(label_end + 2) {
        if tag.name != "span" {
            continue;
        }
        if tag.closing {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                last = Some(j);
                break;
            }
        } else {
            depth += 1;
        }
    }
    let last = last?;
    let body_from = tags.get(label_end + 4).filter(|t| t.closing && t.name == "span")?.span.end;
    let body = html.get(body_from..tags[last].span.start)?.trim().to_string();
    Some(Sidenote { number, id, body, range: label.span.start..tags[last].span.end, last })
}

/// Numbered list items: (number, the item's HTML).
type Items = Vec<(usize, String)>;

/// The inside of the Markdown pass's list of endnotes (`<ol class="endnotes-list">`) and its
/// items with their numbers.
fn endnote_list(html: &str, tags: &[Tag]) -> Option<(Range<usize>, Items)> {
    let open = tags.iter().position(|t| !t.closing && t.name == "ol" && t.has_class("endnotes-list"))?;
    let mut items = Vec::new();
    let (mut lists, mut depth, mut item_start) = (1usize, 0usize, None);
    for tag in &tags[open + 1..] {
        match (tag.name.as_str(), tag.closing) {
            ("ol" | "ul", false) => lists += 1,
            ("ol" | "ul", true) => {
                lists -= 1;
                if lists == 0 {
                    return Some((tags[open].span.end..tag.span.start, items));
                }
            }
            ("li", false) => {
                if depth == 0 {
                    let number = tag.attribute("value").and_then(|v| v.parse().ok()).unwrap_or(0);
                    item_start = Some((tag.span.start, number));
                }
                depth += 1;
            }
            ("li", true) => {
                depth = depth.saturating_sub(1);
                if depth == 0
                    && let Some((start, number)) = item_start.take()
                {
                    items.push((number, format!("{}\n", html.get(start..tag.span.end)?)));
                }
            }
            _ => {}
        }
    }
    None
}

/// A start or end tag of an HTML text: its (lowercased) name, where it is, and its attributes.
#[derive(Debug)]
struct Tag {
    name: String,
    closing: bool,
    /// From `<` to `>`.
    span: Range<usize>,
    attributes: Vec<Attribute>,
}

#[derive(Debug)]
struct Attribute {
    name: String,
    value: String,
    /// Where the value is written, without its quotes; `None` for an attribute without a value.
    span: Option<Range<usize>>,
}

impl Tag {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|a| a.name == name).map(|a| a.value.as_str())
    }

    fn has_class(&self, class: &str) -> bool {
        self.attribute("class").is_some_and(|classes| classes.split_ascii_whitespace().any(|c| c == class))
    }
}

/// Every tag of `html`, read with a WHATWG-compliant tokenizer (html5gum), with byte spans.
fn scan(html: &str) -> Vec<Tag> {
    let mut tags: Vec<Tag> = Vec::new();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let mut emitter = CallbackEmitter::new(|event: CallbackEvent<'_>, span: Span<usize>| -> Option<Infallible> {
        match event {
            CallbackEvent::OpenStartTag { name } => {
                tags.push(Tag { name: text(name), closing: false, span: span.start..span.end, attributes: Vec::new() });
            }
            CallbackEvent::AttributeName { name } => {
                if let Some(tag) = tags.last_mut() {
                    tag.attributes.push(Attribute { name: text(name), value: String::new(), span: None });
                }
            }
            CallbackEvent::AttributeValue { value } => {
                if let Some(attribute) = tags.last_mut().and_then(|tag| tag.attributes.last_mut()) {
                    attribute.value = text(value);
                    attribute.span = Some(span.start..span.end);
                }
            }
            CallbackEvent::CloseStartTag { .. } => {
                if let Some(tag) = tags.last_mut() {
                    tag.span.end = span.end;
                }
            }
            CallbackEvent::EndTag { name } => {
                tags.push(Tag { name: text(name), closing: true, span: span.start..span.end, attributes: Vec::new() });
            }
            _ => {}
        }
        None
    });
    emitter.naively_switch_states(true);
    let _ = Tokenizer::new_with_emitter(html, emitter).finish();
    tags
}

/// `html` with each range replaced (ranges do not overlap).
fn splice(html: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(html.len() + edits.len() * 16);
    let mut at = 0;
    for (range, text) in edits {
        if range.start < at || html.get(at..range.start).is_none() || html.get(range.clone()).is_none() {
            continue;
        }
        out.push_str(&html[at..range.start]);
        out.push_str(&text);
        at = range.end;
    }
    out.push_str(&html[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_references_and_fragment_links_are_prefixed_and_headings_move_down() {
        let html = "<h2 id=\"said\">Said</h2>\n<p id=\"p-1\">See <a href=\"#said\">above</a> <span aria-describedby=\"pv-1 x\">r</span> <a href=\"\0 0\0\">l</a> <img src=\"img/a.svg\" alt=\"\"></p>";
        assert_eq!(
            prefix_part(html, "s-practice/vfx", "practice/vfx.html", 1),
            "<h3 id=\"s-practice/vfx:said\">Said</h3>\n<p id=\"s-practice/vfx:p-1\">See <a href=\"#s-practice/vfx:said\">above</a> <span aria-describedby=\"s-practice/vfx:pv-1 s-practice/vfx:x\">r</span> <a href=\"\0 0\0\">l</a> <img src=\"practice/img/a.svg\" alt=\"\"></p>"
        );
    }

    #[test]
    fn sidenotes_become_notes_merged_with_endnotes_in_number_order() {
        let html = concat!(
            "<p id=\"a:p-1\">Text<label for=\"a:sn-1\" class=\"sidenote-number\"><span class=\"visually-hidden\">Note </span>1</label>",
            "<input type=\"checkbox\" id=\"a:sn-1\" class=\"margin-toggle\">",
            "<span class=\"sidenote\" role=\"note\"><span class=\"sidenote-label\">1</span> A <span class=\"x\">note</span>.</span>",
            " and <sup class=\"endnote-ref\"><a href=\"#a:fn-2\" id=\"a:fnref-2\">2</a></sup>.</p>\n",
            "<section class=\"endnotes\"><h3 class=\"endnotes-title\">Notes</h3>\n<ol class=\"endnotes-list\">\n",
            "<li id=\"a:fn-2\" value=\"2\">\n<ul><li>x</li></ul></li>\n</ol>\n</section>\n"
        );
        assert_eq!(
            numbered_notes(html, 1),
            concat!(
                "<p id=\"a:p-1\">Text<sup class=\"note-ref\"><a href=\"#a:sn-1\"><span class=\"visually-hidden\">Note </span>1</a></sup>",
                " and <sup class=\"endnote-ref\"><a href=\"#a:fn-2\" id=\"a:fnref-2\">2</a></sup>.</p>\n",
                "<section class=\"endnotes\"><h3 class=\"endnotes-title\">Notes</h3>\n<ol class=\"endnotes-list\">\n",
                "<li id=\"a:sn-1\" value=\"1\"><p>A <span class=\"x\">note</span>.</p></li>\n",
                "<li id=\"a:fn-2\" value=\"2\">\n<ul><li>x</li></ul></li>\n</ol>\n</section>\n"
            )
        );
    }

    #[test]
    fn targets_lead_to_parts_or_to_absolute_urls() {
        let mut parts = HashMap::new();
        parts.insert("stance.html".to_string(), ("s-stance".to_string(), HashSet::from(["said".to_string()])));
        parts.insert("quotes/a.html".to_string(), ("r-quote-a".to_string(), HashSet::new()));
        let anchors = Anchors { base_url: "https://example.org/b/", parts };
        assert_eq!(anchors.href("stance.html#said"), "#s-stance:said");
        assert_eq!(anchors.href("stance.html#gone"), "#s-stance");
        assert_eq!(anchors.href("stance.html"), "#s-stance");
        assert_eq!(anchors.href("quotes/a.html#b-note"), "#r-quote-a");
        assert_eq!(anchors.href("quotes/index.html"), "https://example.org/b/quotes/index.html");
        let page = "<a href=\"x.html\">h</a><main><a href=\"quotes/a.html\">q</a><a href=\"#s-stance\">s</a><a href=\"https://x.org/\">x</a></main><a href=\"y.html\">f</a>";
        assert_eq!(
            anchors.retarget_main(page),
            "<a href=\"x.html\">h</a><main><a href=\"#r-quote-a\">q</a><a href=\"#s-stance\">s</a><a href=\"https://x.org/\">x</a></main><a href=\"y.html\">f</a>"
        );
    }
}
