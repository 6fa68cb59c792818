//! Markdown: pulldown-cmark events, transformed in passes — record references and embeds, `.md`
//! links, heading ids and TOC, footnotes → sidenotes, alerts → callouts, paragraph anchors — into HTML.
//! Every resolved record reference comes out as a `Citation`; record cards and previews come out as
//! placeholders that `render` fills in with the theme's templates.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{BlockQuoteKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use pulldown_cmark_escape::{escape_href, escape_html};

use crate::diagnostics::{Diagnostic, did_you_mean, suggestion};
use crate::model::{Kind, RecordKey, Site, Topic};

pub mod site;

/// Marks a placeholder in rendered HTML. Markdown text can never contain NUL (the parser replaces it).
pub const PLACEHOLDER_MARK: char = '\0';

/// Where a fragment of Markdown lives and where its HTML will be shown.
#[derive(Debug, Clone)]
pub struct MarkdownInput<'a> {
    pub text: &'a str,
    /// The file, for diagnostics.
    pub file: &'a Path,
    /// Where `text` starts in the file.
    pub offset: usize,
    /// When false (a TOML string with escapes), every diagnostic points at `offset`.
    pub exact_offsets: bool,
    /// Root-relative URL of the page the HTML appears on; links are made relative to it.
    pub page_url: &'a str,
    /// `content/`-relative folder for resolving relative `.md` links.
    pub rel_dir: &'a Path,
    /// Prefix for generated ids (paragraph anchors, sidenotes, previews), unique per page.
    pub id_prefix: &'a str,
}

/// Something `render` must fill in: a record card (embed) or a reference preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placeholder {
    Embed { key: RecordKey },
    Preview { key: RecordKey, preview_id: String },
}

/// An entry of a page's table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// A resolved reference to a record from this fragment: which record, and the anchor it sits at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    pub key: RecordKey,
    pub anchor: Option<String>,
}

/// The result of rendering one fragment.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// HTML with placeholders `\0N\0` (N indexes `placeholders`).
    pub html: String,
    pub placeholders: Vec<Placeholder>,
    pub toc: Vec<TocEntry>,
    pub citations: Vec<Citation>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The Markdown dialect: CommonMark with GFM tables, footnotes, strikethrough, task lists and alerts.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

type Spanned<'a> = (Event<'a>, Range<usize>);

/// Footnote definitions by label: their events and where the definition is.
type Footnotes<'a> = BTreeMap<String, (Vec<Spanned<'a>>, Range<usize>)>;

/// Renders a fragment of Markdown against the site's records and pages.
pub fn render(input: &MarkdownInput<'_>, site: &Site) -> Rendered {
    let events: Vec<Spanned<'_>> = Parser::new_ext(input.text, options()).into_offset_iter().collect();
    let (body, footnotes) = split_footnotes(events);
    let mut pass = Pass {
        input,
        site,
        out: Rendered::default(),
        footnotes,
        footnote_numbers: HashMap::new(),
        used_footnotes: HashSet::new(),
        heading_ids: HashSet::new(),
        anchors: Vec::new(),
        paragraphs: 0,
        items: 0,
        tables: 0,
        open_links: Vec::new(),
        previews: 0,
    };
    pass.report_undefined_footnotes(&body);
    let events = pass.transform(&body, Mode::Block);
    let mut html = String::with_capacity(input.text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    pass.warn_unused_footnotes();
    pass.out.html = html;
    pass.out
}

/// Renders inline Markdown (a key point, a dek) without the wrapping paragraph.
pub fn render_inline(input: &MarkdownInput<'_>, site: &Site) -> Rendered {
    let mut rendered = render(input, site);
    let html = rendered.html.trim();
    if let Some(inner) = html.strip_prefix("<p").and_then(|rest| rest.split_once('>')).map(|(_, inner)| inner)
        && let Some(inner) = inner.strip_suffix("</p>")
        && !inner.contains("<p")
    {
        rendered.html = inner.to_string();
        for citation in &mut rendered.citations {
            citation.anchor = None;
        }
    }
    rendered
}

/// Takes footnote definitions out of the event stream, keyed by label.
fn split_footnotes(events: Vec<Spanned<'_>>) -> (Vec<Spanned<'_>>, Footnotes<'_>) {
    let mut body = Vec::with_capacity(events.len());
    let mut footnotes = BTreeMap::new();
    let mut current: Option<(String, Vec<Spanned<'_>>, Range<usize>)> = None;
    for (event, range) in events {
        match (&event, &mut current) {
            (Event::Start(Tag::FootnoteDefinition(label)), None) => {
                current = Some((label.to_string(), Vec::new(), range));
            }
            (Event::End(TagEnd::FootnoteDefinition), Some(_)) => {
                if let Some((label, events, range)) = current.take() {
                    footnotes.entry(label).or_insert((events, range));
                }
            }
            (_, Some((_, events, _))) => events.push((event, range)),
            (_, None) => body.push((event, range)),
        }
    }
    (body, footnotes)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Page text: blocks as blocks.
    Block,
    /// Inside a sidenote, which sits inside a paragraph: phrasing content only.
    Sidenote,
}

/// What an open link turns into when it closes.
enum OpenLink {
    Plain,
    Record { preview: usize },
    Skip,
}

struct Pass<'i, 'a> {
    input: &'i MarkdownInput<'i>,
    site: &'i Site,
    out: Rendered,
    footnotes: Footnotes<'a>,
    footnote_numbers: HashMap<String, usize>,
    used_footnotes: HashSet<String>,
    heading_ids: HashSet<String>,
    /// Ids of the open blocks a citation can point at (paragraphs, list items, headings).
    anchors: Vec<String>,
    paragraphs: usize,
    items: usize,
    tables: usize,
    open_links: Vec<OpenLink>,
    previews: usize,
}

impl<'i, 'a> Pass<'i, 'a> {
    fn span(&self, range: &Range<usize>) -> Range<usize> {
        if self.input.exact_offsets {
            range.start + self.input.offset..range.end + self.input.offset
        } else {
            self.input.offset..self.input.offset + 1
        }
    }

    fn error(&mut self, range: &Range<usize>, message: impl Into<String>) -> &mut Diagnostic {
        let diagnostic = Diagnostic::error(self.input.file, Some(self.span(range)), message);
        self.out.diagnostics.push(diagnostic);
        let last = self.out.diagnostics.len() - 1;
        &mut self.out.diagnostics[last]
    }

    fn current_anchor(&self) -> Option<String> {
        self.anchors.last().cloned()
    }

    fn cite(&mut self, key: RecordKey) {
        let anchor = self.current_anchor();
        self.out.citations.push(Citation { key, anchor });
    }

    fn placeholder(&mut self, placeholder: Placeholder) -> String {
        self.out.placeholders.push(placeholder);
        format!("{PLACEHOLDER_MARK}{}{PLACEHOLDER_MARK}", self.out.placeholders.len() - 1)
    }

    /// A root-relative URL as seen from the page being rendered.
    fn relative(&self, url: &str) -> String {
        relative_url(self.input.page_url, url)
    }

    fn transform(&mut self, events: &[Spanned<'a>], mode: Mode) -> Vec<Event<'a>> {
        let mut out = Vec::with_capacity(events.len() + 16);
        let mut i = 0;
        while i < events.len() {
            let (event, range) = &events[i];
            match event {
                Event::Start(Tag::Heading { level, id, classes, attrs: _ }) => {
                    let end = find_end(events, i);
                    self.heading(&events[i + 1..end], *level, id.as_deref(), classes, mode, &mut out);
                    i = end;
                }
                Event::Start(Tag::Paragraph) => {
                    let end = find_end(events, i);
                    if mode == Mode::Block && self.embed(&events[i + 1..end], &mut out) {
                        i = end;
                    } else if mode == Mode::Sidenote {
                        if self.paragraphs_in_sidenote(&out) {
                            out.push(Event::InlineHtml("<br>".into()));
                        }
                    } else {
                        self.paragraphs += 1;
                        let id = format!("{}p-{}", self.input.id_prefix, self.paragraphs);
                        out.push(Event::Html(format!("<p id=\"{id}\">").into()));
                        self.anchors.push(id);
                    }
                }
                Event::End(TagEnd::Paragraph) => {
                    if mode == Mode::Block {
                        out.push(Event::Html("</p>\n".into()));
                        self.anchors.pop();
                    }
                }
                Event::Start(Tag::Item) if mode == Mode::Block => {
                    self.items += 1;
                    let id = format!("{}li-{}", self.input.id_prefix, self.items);
                    out.push(Event::Html(format!("<li id=\"{id}\">").into()));
                    self.anchors.push(id);
                }
                Event::End(TagEnd::Item) if mode == Mode::Block => {
                    out.push(Event::Html("</li>\n".into()));
                    self.anchors.pop();
                }
                Event::Start(Tag::BlockQuote(Some(kind))) if mode == Mode::Block => {
                    let (class, label) = callout(*kind);
                    out.push(Event::Html(
                        format!("<div class=\"callout callout-{class}\" role=\"note\" aria-label=\"{label}\">\n<p class=\"callout-title\">{label}</p>\n").into(),
                    ));
                }
                Event::End(TagEnd::BlockQuote(Some(_))) if mode == Mode::Block => {
                    out.push(Event::Html("</div>\n".into()));
                }
                Event::Start(Tag::Table(_)) if mode == Mode::Block => {
                    // Focusable and named, so keyboard users can scroll a wide table (WCAG 2.1.1).
                    self.tables += 1;
                    let html = format!(
                        "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Table {}\">\n",
                        self.tables
                    );
                    out.push(Event::Html(html.into()));
                    out.push(event.clone());
                }
                Event::End(TagEnd::Table) if mode == Mode::Block => {
                    out.push(event.clone());
                    out.push(Event::Html("</div>\n".into()));
                }
                Event::Start(Tag::Link { link_type, dest_url, title, id: _ }) => {
                    self.link(*link_type, dest_url, title, range, &mut out);
                }
                Event::End(TagEnd::Link) => match self.open_links.pop() {
                    Some(OpenLink::Record { preview }) => {
                        let marker = self.preview_marker(preview);
                        out.push(Event::InlineHtml(format!("</a>{marker}</span>").into()));
                    }
                    Some(OpenLink::Plain) => out.push(Event::InlineHtml("</a>".into())),
                    Some(OpenLink::Skip) | None => {}
                },
                Event::Start(Tag::Image { dest_url, .. }) if reference_scheme(dest_url).is_some() => {
                    let end = find_end(events, i);
                    let diagnostic = self.error(range, "a record embed must stand alone in its paragraph");
                    diagnostic.label = Some("embed inside text".to_string());
                    diagnostic.help = Some(format!(
                        "put `![]({dest_url})` on its own line with blank lines around it, or write an inline reference `[text]({dest_url})`"
                    ));
                    i = end;
                }
                Event::FootnoteReference(label) => self.sidenote(label, range, mode, &mut out),
                Event::TaskListMarker(done) => {
                    let (checked, state) = if *done { (" checked", "done") } else { ("", "not done") };
                    out.push(Event::InlineHtml(
                        format!("<input type=\"checkbox\" disabled{checked} aria-label=\"{state}\"> ").into(),
                    ));
                }
                // Blocks cannot live inside a sidenote (it sits inside a paragraph): flatten them.
                Event::Start(
                    Tag::List(_)
                    | Tag::Item
                    | Tag::BlockQuote(_)
                    | Tag::CodeBlock(_)
                    | Tag::Table(_)
                    | Tag::TableHead
                    | Tag::TableRow
                    | Tag::TableCell
                    | Tag::HtmlBlock,
                )
                | Event::End(
                    TagEnd::List(_)
                    | TagEnd::Item
                    | TagEnd::BlockQuote(_)
                    | TagEnd::CodeBlock
                    | TagEnd::Table
                    | TagEnd::TableHead
                    | TagEnd::TableRow
                    | TagEnd::TableCell
                    | TagEnd::HtmlBlock,
                ) if mode == Mode::Sidenote => {
                    if matches!(event, Event::Start(Tag::Item)) {
                        out.push(Event::InlineHtml("<br>– ".into()));
                    }
                }
                Event::Html(html) if mode == Mode::Sidenote => out.push(Event::InlineHtml(html.clone())),
                _ => out.push(event.clone()),
            }
            i += 1;
        }
        out
    }

    fn paragraphs_in_sidenote(&self, out: &[Event<'a>]) -> bool {
        !out.is_empty()
    }

    fn heading(
        &mut self,
        inner: &[Spanned<'a>],
        level: HeadingLevel,
        explicit_id: Option<&str>,
        classes: &[CowStr<'a>],
        mode: Mode,
        out: &mut Vec<Event<'a>>,
    ) {
        let title = plain_text(inner);
        if mode == Mode::Sidenote {
            out.push(Event::InlineHtml("<strong>".into()));
            out.extend(self.transform(inner, mode));
            out.push(Event::InlineHtml("</strong> ".into()));
            return;
        }
        let base = explicit_id.map_or_else(|| heading_slug(&title), str::to_string);
        let id = self.unique_heading_id(base);
        let n = level as usize;
        let class =
            if classes.is_empty() { String::new() } else { format!(" class=\"{}\"", escape(&classes.join(" "))) };
        out.push(Event::Html(format!("<h{n} id=\"{}\"{class}>", escape(&id)).into()));
        self.anchors.push(id.clone());
        out.extend(self.transform(inner, mode));
        self.anchors.pop();
        out.push(Event::Html(format!("</h{n}>\n").into()));
        if matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
            self.out.toc.push(TocEntry { level: n as u8, id, title });
        }
    }

    fn unique_heading_id(&mut self, base: String) -> String {
        let base = if base.is_empty() { "section".to_string() } else { base };
        // Generated ids (paragraphs, sidenotes, previews) and the theme's own ids must stay unique.
        let reserved = base == "main"
            || base == "all"
            || ["p-", "li-", "sn-", "pv-", "b-", "grouping-", "kp", "dek-"].iter().any(|p| base.starts_with(p));
        let base = if reserved { format!("h-{base}") } else { base };
        let mut id = base.clone();
        let mut n = 1;
        while !self.heading_ids.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }

    /// A paragraph holding only `![](kind:id)` becomes a record card. Returns whether it did.
    fn embed(&mut self, inner: &[Spanned<'a>], out: &mut Vec<Event<'a>>) -> bool {
        let meaningful: Vec<&Spanned<'a>> = inner
            .iter()
            .filter(|(e, _)| !matches!(e, Event::Text(t) if t.trim().is_empty()) && !matches!(e, Event::SoftBreak))
            .collect();
        let Some((Event::Start(Tag::Image { dest_url, .. }), range)) = meaningful.first() else {
            return false;
        };
        let Some(scheme) = reference_scheme(dest_url) else { return false };
        let image_end = inner.iter().position(|(e, _)| matches!(e, Event::End(TagEnd::Image))).unwrap_or(inner.len());
        let after_image = inner[image_end.saturating_add(1).min(inner.len())..]
            .iter()
            .any(|(e, _)| !matches!(e, Event::Text(t) if t.trim().is_empty()) && !matches!(e, Event::SoftBreak));
        if after_image {
            return false;
        }
        let dest = dest_url.to_string();
        let dest_range = locate(self.input.text, range, &dest);
        match scheme {
            Scheme::Record(kind, id) => {
                let Some(key) = self.resolve_record(kind, id, &dest_range) else { return true };
                self.paragraphs += 1;
                let anchor = format!("{}p-{}", self.input.id_prefix, self.paragraphs);
                self.out.citations.push(Citation { key: key.clone(), anchor: Some(anchor.clone()) });
                let marker = self.placeholder(Placeholder::Embed { key });
                out.push(Event::Html(format!("<div class=\"embed\" id=\"{anchor}\">{marker}</div>\n").into()));
            }
            Scheme::Topic(_) => {
                self.error(&dest_range, "topics cannot be embedded").help =
                    Some(format!("link to the topic instead: `[text]({dest})`"));
            }
        }
        true
    }

    fn link(
        &mut self,
        link_type: LinkType,
        dest: &CowStr<'a>,
        title: &CowStr<'a>,
        range: &Range<usize>,
        out: &mut Vec<Event<'a>>,
    ) {
        let dest_range = locate(self.input.text, range, dest);
        let title_attr = if title.is_empty() { String::new() } else { format!(" title=\"{}\"", escape(title)) };
        match reference_scheme(dest) {
            Some(Scheme::Record(kind, id)) => {
                let Some(key) = self.resolve_record(kind, id, &dest_range) else {
                    self.open_links.push(OpenLink::Skip);
                    return;
                };
                self.previews += 1;
                let preview_id = format!("pv-{}{}", self.input.id_prefix, self.previews);
                let href = self.relative(&key.url());
                out.push(Event::InlineHtml(
                    format!(
                        "<span class=\"ref ref-{}\"><a class=\"ref-link\" href=\"{}\" aria-describedby=\"{preview_id}\"{title_attr}>",
                        kind.table_name(),
                        escape_url(&href)
                    )
                    .into(),
                ));
                self.cite(key.clone());
                self.open_links.push(OpenLink::Record { preview: self.out.placeholders.len() });
                self.out.placeholders.push(Placeholder::Preview { key, preview_id });
            }
            Some(Scheme::Topic(slug)) => {
                if !self.site.topics.contains_key(slug) {
                    let candidates = self.site.topics.keys().map(String::as_str);
                    let help = suggestion(slug, candidates).unwrap_or_else(|| {
                        "topics are the slugs used in `topics = [...]` of pages and records, or listed under [topics] in site.toml".to_string()
                    });
                    let diagnostic = self.error(&dest_range, format!("no topic `{slug}`"));
                    diagnostic.label = Some("unknown topic".to_string());
                    diagnostic.help = Some(help);
                    self.open_links.push(OpenLink::Skip);
                    return;
                }
                let href = self.relative(&Topic::url(slug));
                out.push(Event::InlineHtml(
                    format!("<a class=\"topic-link\" href=\"{}\"{title_attr}>", escape_url(&href)).into(),
                ));
                self.open_links.push(OpenLink::Plain);
            }
            None => {
                if let Some(href) = self.page_link(dest, &dest_range) {
                    out.push(Event::InlineHtml(format!("<a href=\"{}\"{title_attr}>", escape_url(&href)).into()));
                    self.open_links.push(OpenLink::Plain);
                } else {
                    self.check_scheme_typo(dest, &dest_range);
                    let href = if link_type == LinkType::Email && !dest.starts_with("mailto:") {
                        format!("mailto:{dest}")
                    } else {
                        dest.to_string()
                    };
                    out.push(Event::InlineHtml(format!("<a href=\"{}\"{title_attr}>", escape_url(&href)).into()));
                    self.open_links.push(OpenLink::Plain);
                }
            }
        }
    }

    fn preview_marker(&self, index: usize) -> String {
        format!("{PLACEHOLDER_MARK}{index}{PLACEHOLDER_MARK}")
    }

    fn resolve_record(&mut self, kind: Kind, id: &str, range: &Range<usize>) -> Option<RecordKey> {
        let key = RecordKey::new(kind, id);
        if self.site.record(&key).is_some() {
            return Some(key);
        }
        if self.site.broken.contains(&key) {
            return None; // its own parse error is already reported
        }
        let other_kind = Kind::ALL.into_iter().find(|&k| self.site.record(&RecordKey::new(k, id)).is_some());
        let help = match other_kind {
            Some(other) => {
                Some(format!("`{id}` is a {}: write `{}:{id}`", other.title().to_lowercase(), other.scheme()))
            }
            None => {
                let ids = self.site.records_of(kind).map(|r| r.id().get_ref().as_str());
                did_you_mean(id, ids).map(|c| format!("did you mean `{}:{c}`?", kind.scheme()))
            }
        };
        let diagnostic = self.error(range, format!("no {} with id `{id}`", kind.title().to_lowercase()));
        diagnostic.label = Some("unknown reference".to_string());
        diagnostic.help =
            help.or_else(|| Some(format!("add a [[{}]] record with id = \"{id}\", or fix the id", kind.table_name())));
        None
    }

    /// Resolves `other.md#frag` (relative to this file) to the page's URL, relative to this page.
    fn page_link(&mut self, dest: &str, range: &Range<usize>) -> Option<String> {
        if dest.contains("://") || dest.starts_with('/') || dest.starts_with('#') || dest.starts_with("mailto:") {
            return None;
        }
        let (path, fragment) = match dest.split_once('#') {
            Some((path, fragment)) => (path, Some(fragment)),
            None => (dest, None),
        };
        if !path.ends_with(".md") {
            return None;
        }
        let target = normalize(&self.input.rel_dir.join(path));
        let Some(page) = self.site.page_by_rel(&target) else {
            let all: Vec<String> = std::iter::once(&self.site.front)
                .chain(&self.site.pages)
                .map(|p| crate::load::slash_path(&p.source.rel))
                .collect();
            let wanted = crate::load::slash_path(&target);
            let help = suggestion(&wanted, all.iter().map(String::as_str))
                .unwrap_or_else(|| format!("pages are: {}", all.join(", ")));
            let diagnostic = self.error(range, format!("no page `{wanted}`"));
            diagnostic.label = Some("broken link".to_string());
            diagnostic.help = Some(format!("{help} (paths are relative to this file's folder in content/)"));
            return Some(dest.to_string());
        };
        let url = self.relative(&page.url);
        Some(match fragment {
            Some(fragment) if !fragment.is_empty() => format!("{url}#{fragment}"),
            _ => url,
        })
    }

    /// `qoute:great-artists` is almost certainly a misspelt reference, not a URL scheme.
    fn check_scheme_typo(&mut self, dest: &str, range: &Range<usize>) {
        let Some((scheme, _)) = dest.split_once(':') else { return };
        if ["http", "https", "mailto", "tel", "ftp", "data", "file"].contains(&scheme) {
            return;
        }
        let schemes = Kind::ALL.map(|k| k.scheme()).into_iter().chain(["topic"]);
        if let Some(close) = did_you_mean(scheme, schemes) {
            let diagnostic = self.error(range, format!("unknown reference kind `{scheme}`"));
            diagnostic.label = Some("not a record kind".to_string());
            diagnostic.help = Some(format!("did you mean `{close}:`?"));
        }
    }

    fn sidenote(&mut self, label: &str, range: &Range<usize>, mode: Mode, out: &mut Vec<Event<'a>>) {
        let Some((events, _)) = self.footnotes.get(label).cloned() else {
            self.error(range, format!("footnote `[^{label}]` has no definition")).help =
                Some(format!("add a line `[^{label}]: …` below the paragraph"));
            return;
        };
        if mode == Mode::Sidenote {
            self.error(range, "a footnote cannot be referenced from inside another footnote");
            return;
        }
        let next = self.footnote_numbers.len() + 1;
        let number = *self.footnote_numbers.entry(label.to_string()).or_insert(next);
        let first_use = self.used_footnotes.insert(label.to_string());
        let slug = heading_slug(label);
        let id = if first_use {
            format!("sn-{}{slug}", self.input.id_prefix)
        } else {
            format!("sn-{}{slug}-{}", self.input.id_prefix, self.previews + number)
        };
        let body_events = self.transform(&events, Mode::Sidenote);
        let mut body = String::new();
        pulldown_cmark::html::push_html(&mut body, body_events.into_iter());
        let mut html = String::new();
        let _ = write!(
            html,
            "<label for=\"{id}\" class=\"sidenote-number\"><span class=\"visually-hidden\">Note </span>{number}</label>\
             <input type=\"checkbox\" id=\"{id}\" class=\"margin-toggle\">\
             <span class=\"sidenote\" role=\"note\"><span class=\"sidenote-label\">{number}</span> {}</span>",
            body.trim()
        );
        out.push(Event::InlineHtml(html.into()));
    }

    /// pulldown-cmark leaves `[^label]` as plain text when no definition exists; find those
    /// in runs of text (never in code) so a missing definition is an error, not literal text.
    fn report_undefined_footnotes(&mut self, events: &[Spanned<'_>]) {
        let mut runs: Vec<Range<usize>> = Vec::new();
        let mut previous_was_text = false;
        for (event, range) in events {
            let is_text = matches!(event, Event::Text(_));
            match runs.last_mut() {
                Some(run) if is_text && previous_was_text => run.end = run.end.max(range.end),
                _ if is_text => runs.push(range.clone()),
                _ => {}
            }
            previous_was_text = is_text;
        }
        for run in runs {
            let Some(text) = self.input.text.get(run.clone()) else { continue };
            let mut from = 0;
            while let Some(start) = text[from..].find("[^").map(|i| from + i) {
                let rest = &text[start + 2..];
                let Some(len) = rest.find(']') else { break };
                let label = &rest[..len];
                from = start + 2;
                if label.is_empty() || label.contains(char::is_whitespace) || self.footnotes.contains_key(label) {
                    continue;
                }
                let range = run.start + start..run.start + start + len + 3;
                let known: Vec<&str> = self.footnotes.keys().map(String::as_str).collect();
                let help = did_you_mean(label, known.iter().copied()).map_or_else(
                    || format!("add a line `[^{label}]: …` (the note's text) after the paragraph"),
                    |close| format!("did you mean `[^{close}]`?"),
                );
                let diagnostic = self.error(&range, format!("footnote `[^{label}]` has no definition"));
                diagnostic.label = Some("undefined footnote".to_string());
                diagnostic.help = Some(help);
            }
        }
    }

    fn warn_unused_footnotes(&mut self) {
        let unused: Vec<(String, Range<usize>)> = self
            .footnotes
            .iter()
            .filter(|(label, _)| !self.used_footnotes.contains(*label))
            .map(|(label, (_, range))| (label.clone(), range.clone()))
            .collect();
        for (label, range) in unused {
            let span = self.span(&range);
            self.out.diagnostics.push(
                Diagnostic::warning(self.input.file, Some(span), format!("footnote `[^{label}]` is never referenced"))
                    .with_help(format!("reference it with `[^{label}]` in the text, or delete it")),
            );
        }
    }
}

/// The kind of annotation a link or image destination names, if any.
enum Scheme<'d> {
    Record(Kind, &'d str),
    Topic(&'d str),
}

fn reference_scheme(dest: &str) -> Option<Scheme<'_>> {
    let (scheme, id) = dest.split_once(':')?;
    if scheme == "topic" {
        return Some(Scheme::Topic(id));
    }
    Kind::from_scheme(scheme).map(|kind| Scheme::Record(kind, id))
}

fn callout(kind: BlockQuoteKind) -> (&'static str, &'static str) {
    match kind {
        BlockQuoteKind::Note => ("note", "Note"),
        BlockQuoteKind::Tip => ("tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important"),
        BlockQuoteKind::Warning => ("warning", "Warning"),
        BlockQuoteKind::Caution => ("caution", "Caution"),
    }
}

/// The index of the `End` matching the `Start` at `start`.
fn find_end(events: &[Spanned<'_>], start: usize) -> usize {
    let mut depth = 0usize;
    for (i, (event, _)) in events.iter().enumerate().skip(start) {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    events.len().saturating_sub(1)
}

fn plain_text(events: &[Spanned<'_>]) -> String {
    let mut text = String::new();
    for (event, _) in events {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text.trim().to_string()
}

/// A heading id from its text: lowercase words joined by hyphens, like GitHub and Zola.
pub fn heading_slug(text: &str) -> String {
    slug::slugify(text)
}

/// Narrows a link's range to where its destination is written, for precise diagnostics.
fn locate(text: &str, range: &Range<usize>, dest: &str) -> Range<usize> {
    text.get(range.clone())
        .and_then(|slice| slice.rfind(dest))
        .map_or(range.clone(), |i| range.start + i..range.start + i + dest.len())
}

/// `a/../b.md` → `b.md`: a content-relative path, so a leading `/` or `..` past the top is dropped.
fn normalize(path: &Path) -> PathBuf {
    let relative: PathBuf =
        path.components().filter(|c| matches!(c, Component::Normal(_) | Component::ParentDir)).collect();
    crate::load::normalize_path(&relative)
}

/// The shortest relative URL from the page at `from` to `to` (both root-relative):
/// from `practice/index.html`, `practice/vfx.html` is `vfx.html` and `quotes/a.html` is `../quotes/a.html`.
pub fn relative_url(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect();
    let from_dirs = &from_dirs[..from_dirs.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dirs.iter().zip(&to_parts[..to_parts.len() - 1]).take_while(|(a, b)| a == b).count();
    let mut url = "../".repeat(from_dirs.len() - common);
    url.push_str(&to_parts[common..].join("/"));
    url
}

/// Escapes text for an HTML attribute or body.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = escape_html(&mut out, text);
    out
}

fn escape_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let _ = escape_href(&mut out, url);
    out
}

/// Fills placeholders in rendered HTML with what `fill` returns for each.
pub fn fill_placeholders(
    html: &str,
    placeholders: &[Placeholder],
    mut fill: impl FnMut(&Placeholder) -> String,
) -> String {
    if placeholders.is_empty() {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + placeholders.len() * 256);
    let mut parts = html.split(PLACEHOLDER_MARK);
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    while let (Some(index), Some(text)) = (parts.next(), parts.next()) {
        if let Some(placeholder) = index.parse::<usize>().ok().and_then(|i| placeholders.get(i)) {
            out.push_str(&fill(placeholder));
        }
        out.push_str(text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_are_shortest() {
        assert_eq!(relative_url("index.html", "quotes/a.html"), "quotes/a.html");
        assert_eq!(relative_url("quotes/b.html", "quotes/a.html"), "a.html");
        assert_eq!(relative_url("practice/vfx.html", "stance.html"), "../stance.html");
        assert_eq!(relative_url("a/b/c.html", "a/d.html"), "../d.html");
    }

    #[test]
    fn normalize_resolves_parent_dirs() {
        assert_eq!(normalize(Path::new("a/../b.md")), PathBuf::from("b.md"));
        assert_eq!(normalize(Path::new("./x/y.md")), PathBuf::from("x/y.md"));
    }

    #[test]
    fn placeholders_are_filled_in_order() {
        let placeholders = vec![
            Placeholder::Embed { key: RecordKey::new(Kind::Quote, "a") },
            Placeholder::Embed { key: RecordKey::new(Kind::Quote, "b") },
        ];
        let html = "x\u{0}0\u{0}y\u{0}1\u{0}z";
        let filled = fill_placeholders(html, &placeholders, |p| match p {
            Placeholder::Embed { key } => key.id.clone(),
            Placeholder::Preview { .. } => String::new(),
        });
        assert_eq!(filled, "xaybz");
    }

    #[test]
    fn locate_finds_the_destination_inside_a_link() {
        let text = "see [x](quote:abc) now";
        assert_eq!(locate(text, &(4..18), "quote:abc"), 8..17);
    }
}
