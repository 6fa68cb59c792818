//! Markdown: pulldown-cmark events, transformed in passes — record references and embeds, `.md`
//! links, heading ids and TOC, footnotes → sidenotes, alerts → callouts, paragraph anchors — into HTML.
//! Every resolved record reference comes out as a `Citation`; record cards and previews come out as
//! placeholders that `render` fills in with the theme's templates.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
};
use pulldown_cmark_escape::{escape_href, escape_html};
use unicase::UniCase;

use crate::diagnostics::{Diagnostic, did_you_mean, suggestion};
use crate::load::TextMap;
use crate::model::{Kind, Record, RecordData, RecordKey, Site, Topic};
use crate::verbatim::{self, QuotableTexts};
use quotations::Quoted;

mod quotations;
pub mod site;

/// Marks a placeholder in rendered HTML. No NUL from the input reaches the HTML (`without_nul`
/// replaces it with U+FFFD, as CommonMark says), so every NUL in it is ours.
pub const PLACEHOLDER_MARK: char = '\0';

/// Where a fragment of Markdown lives and where its HTML will be shown.
#[derive(Debug, Clone)]
pub struct MarkdownInput<'a> {
    pub text: &'a str,
    /// The file, for diagnostics.
    pub file: &'a Path,
    /// Where each byte of `text` lies in the file (a TOML string may hold escapes).
    pub map: TextMap,
    /// Root-relative URL of the page the HTML appears on; links are made relative to it.
    pub page_url: &'a str,
    /// `content/`-relative folder for resolving relative `.md` links.
    pub rel_dir: &'a Path,
    /// Prefix for generated ids (paragraph anchors, sidenotes, previews), unique per page.
    pub id_prefix: &'a str,
}

/// Something filled in once it is known where the Markdown is shown: a record card (embed), a
/// reference preview, or the `href` of a link to a page, record, topic or file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placeholder {
    Embed {
        key: RecordKey,
    },
    Preview {
        key: RecordKey,
        preview_id: String,
    },
    /// A link to `target`, a root-relative URL with its `#fragment` (`stance.html#said`,
    /// `quotes/a.html`). `written` is the destination as the editor wrote it when it already reads
    /// right on the page the Markdown belongs to (`#said`, `img/chart.svg`): pages keep it as written.
    Link {
        target: String,
        written: Option<String>,
    },
}

/// Where rendered Markdown is shown, which decides how its links to the site are written.
#[derive(Clone, Copy)]
pub enum LinkStyle<'a> {
    /// On the site's page at this root-relative URL: relative links, as written where possible.
    RelativeTo(&'a str),
    /// Outside the site (a feed, the JSON export): absolute URLs under this base URL (ending in `/`).
    Absolute(&'a str),
    /// In one document that holds the site's pages (the print edition): `anchor` turns a target
    /// into the link within that document.
    InDocument(&'a dyn Fn(&str) -> String),
}

impl LinkStyle<'_> {
    /// The `href` (escaped for an attribute) of a link to `target` in this style.
    pub fn href(&self, target: &str, written: Option<&str>) -> String {
        let url = match self {
            LinkStyle::RelativeTo(from) => match written {
                Some(written) => written.to_string(),
                None => relative_url(from, target),
            },
            LinkStyle::Absolute(base) => format!("{base}{target}"),
            LinkStyle::InDocument(anchor) => anchor(target),
        };
        escape_url(&url)
    }
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

/// A link with a `#fragment` to an internal page, checked once every page is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FragmentLink {
    /// The `content/`-relative path of the page linked to; `None` for the page the fragment is on.
    pub page: Option<PathBuf>,
    /// The fragment as written, without the `#`.
    pub fragment: String,
    /// Where the fragment is written in the file.
    pub span: Range<usize>,
}

/// A relative link to a file that is not a Markdown page (`img/chart.svg`, `quotes/index.html`),
/// checked against the build's routes once they are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLink {
    /// The output path it points at, root-relative (`img/chart.svg`).
    pub target: String,
    /// The destination as written.
    pub written: String,
    /// The file and span of the destination, for the diagnostic.
    pub file: PathBuf,
    pub span: Range<usize>,
    /// Root-relative URL of the page the link is shown on.
    pub from: String,
}

/// The result of rendering one fragment.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// HTML with placeholders `\0N\0` (N indexes `placeholders`).
    pub html: String,
    pub placeholders: Vec<Placeholder>,
    pub toc: Vec<TocEntry>,
    pub citations: Vec<Citation>,
    /// The ids of the headings in the HTML, in order.
    pub heading_ids: Vec<String>,
    /// Every other id in the HTML: paragraph and list anchors, notes, previews, ids in raw HTML.
    pub other_ids: Vec<String>,
    pub fragment_links: Vec<FragmentLink>,
    pub file_links: Vec<FileLink>,
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

/// A footnote label, matched without regard to case as pulldown-cmark matches it (`[^A]` is `[^a]`).
type Label = UniCase<String>;

/// A footnote definition: its events, where it is, and how it is shown.
#[derive(Debug, Clone)]
struct Footnote<'a> {
    /// The label as written in the definition.
    label: String,
    events: Vec<Spanned<'a>>,
    range: Range<usize>,
    shape: NoteShape,
}

/// A sidenote sits inside a paragraph, so it can hold only phrasing content: a note of paragraphs
/// becomes one; a note with any other block (table, code, list, quote, HTML, heading, record card)
/// becomes an endnote, listed after the text with its blocks intact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoteShape {
    Sidenote,
    Endnote,
}

/// A footnote referenced from the text: its number, and the ids of its references to an endnote.
#[derive(Debug, Clone)]
struct UsedNote {
    label: Label,
    number: usize,
    reference_ids: Vec<String>,
}

/// Renders a fragment of Markdown against the site's records and pages. A NUL in `input` (loading
/// replaces and reports those of the site's files) becomes U+FFFD here too, silently.
pub fn render(input: &MarkdownInput<'_>, site: &Site) -> Rendered {
    let has_nul = input.text.contains('\0');
    let events: Vec<Spanned<'_>> = Parser::new_ext(input.text, options())
        .into_offset_iter()
        .map(|(event, range)| (if has_nul { without_nul(event) } else { event }, range))
        .collect();
    let (body, footnotes, duplicates) = split_footnotes(events);
    let mut pass = Pass {
        input,
        site,
        out: Rendered::default(),
        footnotes,
        used_notes: Vec::new(),
        note_numbers: HashMap::new(),
        references: 0,
        heading_ids: HashSet::new(),
        anchors: Vec::new(),
        paragraphs: 0,
        items: 0,
        tables: 0,
        open_links: Vec::new(),
        previews: 0,
    };
    pass.report_duplicate_footnotes(&duplicates);
    pass.report_undefined_footnotes(&body);
    let notes: Vec<Vec<Spanned<'_>>> = pass.footnotes.values().map(|note| note.events.clone()).collect();
    for events in &notes {
        pass.report_undefined_footnotes(events);
    }
    pass.check_quotations(&body);
    for events in &notes {
        pass.check_quotations(events);
    }
    let events = pass.transform(&body, Mode::Block);
    let mut html = String::with_capacity(input.text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html.push_str(&pass.endnotes());
    pass.warn_unused_footnotes();
    pass.out.html = html;
    pass.out
}

/// Renders inline Markdown (a key point, a dek) without the wrapping paragraph.
pub fn render_inline(input: &MarkdownInput<'_>, site: &Site) -> Rendered {
    let mut rendered = render(input, site);
    let html = rendered.html.trim();
    if let Some((open, inner)) = html.strip_prefix("<p").and_then(|rest| rest.split_once('>'))
        && let Some(inner) = inner.strip_suffix("</p>")
        && !inner.contains("<p")
    {
        let unwrapped_id = open.trim().strip_prefix("id=\"").and_then(|id| id.strip_suffix('"')).map(str::to_string);
        rendered.html = inner.to_string();
        rendered.other_ids.retain(|id| Some(id) != unwrapped_id.as_ref());
        for citation in &mut rendered.citations {
            citation.anchor = None;
        }
    } else if !html.is_empty() {
        // Shown inside a `<p>` (the dek) or as one list item: blocks would make invalid HTML.
        let span = input.map.whole(input.text);
        rendered.diagnostics.push(
            Diagnostic::error(input.file, Some(span), "this field must be one paragraph of text")
                .with_label("more than one paragraph")
                .with_help("the `dek` and each of the `key_points` are a single paragraph: remove blank lines, lists, tables, headings and footnotes with lists or tables"),
        );
    }
    rendered
}

/// CommonMark replaces U+0000 with U+FFFD; pulldown-cmark does so in text but not everywhere
/// (raw HTML, code, destinations…), and NUL marks our placeholders: replace it in every string.
fn without_nul(event: Event<'_>) -> Event<'_> {
    fn clean(text: CowStr<'_>) -> CowStr<'_> {
        if text.contains('\0') { text.replace('\0', "\u{FFFD}").into() } else { text }
    }
    match event {
        Event::Text(t) => Event::Text(clean(t)),
        Event::Code(t) => Event::Code(clean(t)),
        Event::InlineMath(t) => Event::InlineMath(clean(t)),
        Event::DisplayMath(t) => Event::DisplayMath(clean(t)),
        Event::Html(t) => Event::Html(clean(t)),
        Event::InlineHtml(t) => Event::InlineHtml(clean(t)),
        Event::FootnoteReference(t) => Event::FootnoteReference(clean(t)),
        Event::Start(tag) => Event::Start(match tag {
            Tag::Heading { level, id, classes, attrs } => Tag::Heading {
                level,
                id: id.map(clean),
                classes: classes.into_iter().map(clean).collect(),
                attrs: attrs.into_iter().map(|(name, value)| (clean(name), value.map(clean))).collect(),
            },
            Tag::CodeBlock(CodeBlockKind::Fenced(info)) => Tag::CodeBlock(CodeBlockKind::Fenced(clean(info))),
            Tag::FootnoteDefinition(label) => Tag::FootnoteDefinition(clean(label)),
            Tag::Link { link_type, dest_url, title, id } => {
                Tag::Link { link_type, dest_url: clean(dest_url), title: clean(title), id: clean(id) }
            }
            Tag::Image { link_type, dest_url, title, id } => {
                Tag::Image { link_type, dest_url: clean(dest_url), title: clean(title), id: clean(id) }
            }
            other => other,
        }),
        other => other,
    }
}

/// The text without its footnote definitions, the definitions by label, and the definitions
/// whose label an earlier one already has.
type SplitFootnotes<'a> = (Vec<Spanned<'a>>, BTreeMap<Label, Footnote<'a>>, Vec<Footnote<'a>>);

/// Takes footnote definitions out of the event stream, keyed by label.
fn split_footnotes(events: Vec<Spanned<'_>>) -> SplitFootnotes<'_> {
    let mut body = Vec::with_capacity(events.len());
    let mut footnotes = BTreeMap::new();
    let mut duplicates = Vec::new();
    let mut current: Option<Footnote<'_>> = None;
    for (event, range) in events {
        match (&event, &mut current) {
            (Event::Start(Tag::FootnoteDefinition(label)), None) => {
                let label = label.to_string();
                current = Some(Footnote { label, events: Vec::new(), range, shape: NoteShape::Sidenote });
            }
            (Event::End(TagEnd::FootnoteDefinition), Some(_)) => {
                if let Some(mut note) = current.take() {
                    note.shape = note_shape(&note.events);
                    match footnotes.entry(UniCase::new(note.label.clone())) {
                        Entry::Vacant(entry) => {
                            entry.insert(note);
                        }
                        Entry::Occupied(_) => duplicates.push(note),
                    }
                }
            }
            (_, Some(note)) => note.events.push((event, range)),
            (_, None) => body.push((event, range)),
        }
    }
    (body, footnotes, duplicates)
}

/// A note of paragraphs of text is a sidenote; anything else at its top level makes it an endnote.
fn note_shape(events: &[Spanned<'_>]) -> NoteShape {
    let mut i = 0;
    while i < events.len() {
        let end = find_end(events, i);
        let is_text_paragraph = matches!(events[i].0, Event::Start(Tag::Paragraph))
            && standalone_embed(&events[i + 1..end.max(i + 1)]).is_none();
        if !is_text_paragraph {
            return NoteShape::Endnote;
        }
        i = end + 1;
    }
    NoteShape::Sidenote
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Page text: blocks as blocks.
    Block,
    /// Inside a sidenote, which sits inside a paragraph: phrasing content only.
    Sidenote,
    /// Inside an endnote: blocks as blocks, but no footnote references and no TOC entries.
    Endnote,
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
    footnotes: BTreeMap<Label, Footnote<'a>>,
    /// Footnotes in the order of their first reference; a note's number is its place here + 1.
    used_notes: Vec<UsedNote>,
    note_numbers: HashMap<Label, usize>,
    /// Footnote references so far: each gets its own id.
    references: usize,
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
        self.input.map.span(range.clone())
    }

    fn error(&mut self, range: &Range<usize>, message: impl Into<String>) -> &mut Diagnostic {
        let diagnostic = Diagnostic::error(self.input.file, Some(self.span(range)), message);
        self.out.diagnostics.push(diagnostic);
        let last = self.out.diagnostics.len() - 1;
        &mut self.out.diagnostics[last]
    }

    fn warning(&mut self, range: &Range<usize>, message: impl Into<String>) -> &mut Diagnostic {
        let diagnostic = Diagnostic::warning(self.input.file, Some(self.span(range)), message);
        self.out.diagnostics.push(diagnostic);
        let last = self.out.diagnostics.len() - 1;
        &mut self.out.diagnostics[last]
    }

    /// Words in quotation marks must be a quote record's (when linked to it) or a source's.
    fn check_quotations(&mut self, events: &[Spanned<'_>]) {
        for quoted in quotations::quoted_spans(self.input.text, events) {
            let span = self.span(&quoted.span);
            let problem = match &quoted.content {
                Quoted::Title => None,
                Quoted::Words(words) => {
                    (!self.site.quotable.contain(words)).then(|| verbatim::unsourced_quotation(self.input.file, span))
                }
                Quoted::QuoteLink { id, words } => match self.site.record(&RecordKey::new(Kind::Quote, id.as_str())) {
                    Some(Record { data: RecordData::Quote(quote), .. })
                        if !QuotableTexts::new([quote.text.get_ref().as_str()]).contain(words) =>
                    {
                        Some(verbatim::misquoted(self.input.file, span, id))
                    }
                    _ => None,
                },
            };
            self.out.diagnostics.extend(problem);
        }
    }

    fn current_anchor(&self) -> Option<String> {
        self.anchors.last().cloned()
    }

    fn cite(&mut self, key: RecordKey) {
        let anchor = self.current_anchor();
        self.out.citations.push(Citation { key, anchor });
    }

    /// A block's generated id (`p-3`, `li-2`) with this fragment's prefix before it (`kp1-p-3`),
    /// recorded as a fragment target.
    fn block_id(&mut self, kind: &str, n: usize) -> String {
        let id = format!("{}{kind}{n}", self.input.id_prefix);
        self.out.other_ids.push(id.clone());
        id
    }

    /// A note's or preview's generated id (`sn-2`, `pv-1`) with this fragment's prefix after the
    /// kind (`sn-kp1-2`), recorded as a fragment target.
    fn note_id(&mut self, kind: &str, n: usize) -> String {
        let id = format!("{kind}{}{n}", self.input.id_prefix);
        self.out.other_ids.push(id.clone());
        id
    }

    fn placeholder(&mut self, placeholder: Placeholder) -> String {
        self.out.placeholders.push(placeholder);
        format!("{PLACEHOLDER_MARK}{}{PLACEHOLDER_MARK}", self.out.placeholders.len() - 1)
    }

    fn transform(&mut self, events: &[Spanned<'a>], mode: Mode) -> Vec<Event<'a>> {
        let mut out = Vec::with_capacity(events.len() + 16);
        let mut i = 0;
        while i < events.len() {
            let (event, range) = &events[i];
            match event {
                Event::Start(Tag::Heading { level, id, classes, attrs }) => {
                    let end = find_end(events, i);
                    let attributes = HeadingAttributes { id: id.as_deref(), classes, attrs };
                    self.heading(&events[i + 1..end], *level, attributes, range, mode, &mut out);
                    i = end;
                }
                Event::Start(Tag::Paragraph) if mode == Mode::Sidenote => {
                    out.push(Event::InlineHtml("<span class=\"sidenote-para\">".into()));
                }
                Event::End(TagEnd::Paragraph) if mode == Mode::Sidenote => {
                    out.push(Event::InlineHtml("</span>".into()));
                }
                Event::Start(Tag::Paragraph) => {
                    let end = find_end(events, i);
                    if self.embed(&events[i + 1..end], &mut out) {
                        i = end;
                    } else {
                        self.paragraphs += 1;
                        let id = self.block_id("p-", self.paragraphs);
                        out.push(Event::Html(format!("<p id=\"{id}\">").into()));
                        self.anchors.push(id);
                    }
                }
                Event::End(TagEnd::Paragraph) => {
                    out.push(Event::Html("</p>\n".into()));
                    self.anchors.pop();
                }
                Event::Start(Tag::Item) => {
                    self.items += 1;
                    let id = self.block_id("li-", self.items);
                    out.push(Event::Html(format!("<li id=\"{id}\">").into()));
                    self.anchors.push(id);
                }
                Event::End(TagEnd::Item) => {
                    out.push(Event::Html("</li>\n".into()));
                    self.anchors.pop();
                }
                Event::Start(Tag::BlockQuote(Some(kind))) => {
                    let (class, label) = callout(*kind);
                    out.push(Event::Html(
                        format!("<div class=\"callout callout-{class}\" role=\"note\" aria-label=\"{label}\">\n<p class=\"callout-title\">{label}</p>\n").into(),
                    ));
                }
                Event::End(TagEnd::BlockQuote(Some(_))) => {
                    out.push(Event::Html("</div>\n".into()));
                }
                Event::Start(Tag::Table(_)) => {
                    // Focusable and named, so keyboard users can scroll a wide table (WCAG 2.1.1).
                    self.tables += 1;
                    let html = format!(
                        "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Table {}\">\n",
                        self.tables
                    );
                    out.push(Event::Html(html.into()));
                    out.push(event.clone());
                }
                Event::End(TagEnd::Table) => {
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
                Event::Start(Tag::Image { dest_url, .. }) => {
                    let dest_range = locate(self.input.text, range, dest_url);
                    self.file_link(dest_url, &dest_range);
                    // Alt text is plain text: links, references and notes inside it are only words.
                    let end = find_end(events, i);
                    out.push(event.clone());
                    out.push(Event::Text(alt_text(&events[i + 1..end]).into()));
                    out.push(Event::End(TagEnd::Image));
                    i = end;
                }
                Event::FootnoteReference(label) => self.footnote_reference(label, range, mode, &mut out),
                Event::TaskListMarker(done) => {
                    let (checked, state) = if *done { (" checked", "done") } else { ("", "not done") };
                    out.push(Event::InlineHtml(
                        format!("<input type=\"checkbox\" disabled{checked} aria-label=\"{state}\"> ").into(),
                    ));
                }
                Event::Html(html) | Event::InlineHtml(html) => {
                    self.out.other_ids.extend(raw_html_ids(html));
                    out.push(event.clone());
                }
                _ => out.push(event.clone()),
            }
            i += 1;
        }
        out
    }

    fn heading(
        &mut self,
        inner: &[Spanned<'a>],
        level: HeadingLevel,
        attributes: HeadingAttributes<'_, 'a>,
        range: &Range<usize>,
        mode: Mode,
        out: &mut Vec<Event<'a>>,
    ) {
        let title = plain_text(inner);
        let (explicit_id, extra) = self.heading_attributes(&attributes, range);
        let base = explicit_id.map_or_else(|| heading_slug(&title), str::to_string);
        let id = self.unique_heading_id(base);
        self.out.heading_ids.push(id.clone());
        let n = level as usize;
        out.push(Event::Html(format!("<h{n} id=\"{}\"{extra}>", escape(&id)).into()));
        self.anchors.push(id.clone());
        out.extend(self.transform(inner, mode));
        self.anchors.pop();
        out.push(Event::Html(format!("</h{n}>\n").into()));
        if mode == Mode::Block && matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
            self.out.toc.push(TocEntry { level: n as u8, id, title });
        }
    }

    /// `{#id .class key=value}` after a heading: the id, and the other attributes as HTML.
    fn heading_attributes<'h>(
        &mut self,
        attributes: &HeadingAttributes<'h, 'a>,
        range: &Range<usize>,
    ) -> (Option<&'h str>, String) {
        let mut id = attributes.id;
        let mut classes: Vec<&str> = attributes.classes.iter().map(|c| c.as_ref()).collect();
        let mut html = String::new();
        for (name, value) in attributes.attrs {
            let at = locate(self.input.text, range, name);
            match (name.as_ref(), value.as_deref()) {
                ("id", Some(value)) if id.is_none() => id = Some(unquote(value)),
                ("id", _) => {
                    let diagnostic = self.error(&at, "this heading has two ids");
                    diagnostic.label = Some("second id".to_string());
                    diagnostic.help = Some("keep one: `{#id}` or `id=…`".to_string());
                }
                ("class", Some(value)) => classes.extend(unquote(value).split_whitespace()),
                (name, _) if !is_attribute_name(name) => {
                    let diagnostic = self.error(&at, format!("`{name}` is not a valid attribute name"));
                    diagnostic.label = Some("invalid attribute name".to_string());
                    diagnostic.help = Some(
                        "an attribute name is letters, digits, `-`, `_`, `.` and `:`, starting with a letter, as in `{#id .class data-x=1}`"
                            .to_string(),
                    );
                }
                (name, Some(value)) => {
                    let _ = write!(html, " {name}=\"{}\"", escape(unquote(value)));
                }
                (name, None) => {
                    let _ = write!(html, " {name}");
                }
            }
        }
        let class =
            if classes.is_empty() { String::new() } else { format!(" class=\"{}\"", escape(&classes.join(" "))) };
        (id, class + &html)
    }

    fn unique_heading_id(&mut self, base: String) -> String {
        let base = if base.is_empty() { "section".to_string() } else { base };
        // Generated ids (paragraphs, notes, previews) and the theme's own ids must stay unique.
        let reserved = base == "main"
            || base == "all"
            || ["p-", "li-", "sn-", "fn-", "fnref-", "pv-", "b-", "grouping-", "kp", "dek-"]
                .iter()
                .any(|p| base.starts_with(p));
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
        let Some((dest, range)) = standalone_embed(inner) else { return false };
        let Some(scheme) = reference_scheme(&dest) else { return false };
        let dest_range = locate(self.input.text, &range, &dest);
        match scheme {
            Scheme::Record(kind, id) => {
                let Some(key) = self.resolve_record(kind, id, &dest_range) else { return true };
                self.paragraphs += 1;
                let anchor = self.block_id("p-", self.paragraphs);
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
                let preview_id = self.note_id("pv-", self.previews);
                let href = self.placeholder(Placeholder::Link { target: key.url(), written: None });
                out.push(Event::InlineHtml(
                    format!(
                        "<span class=\"ref ref-{}\"><a class=\"ref-link\" href=\"{href}\" aria-describedby=\"{preview_id}\"{title_attr}>",
                        kind.table_name(),
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
                let href = self.placeholder(Placeholder::Link { target: Topic::url(slug), written: None });
                out.push(Event::InlineHtml(format!("<a class=\"topic-link\" href=\"{href}\"{title_attr}>").into()));
                self.open_links.push(OpenLink::Plain);
            }
            None => {
                let href = match self.page_link(dest, &dest_range) {
                    Some(href) => href,
                    None => {
                        let internal = if let Some(fragment) = dest.strip_prefix('#') {
                            self.fragment_link(None, fragment, dest, &dest_range);
                            (!fragment.is_empty()).then(|| format!("{}{dest}", self.input.page_url))
                        } else if link_type == LinkType::Email {
                            None // `<desk@example.org>`: an address, not a file
                        } else {
                            self.file_link(dest, &dest_range)
                        };
                        self.check_scheme_typo(link_type, dest, &dest_range);
                        match internal {
                            Some(target) => {
                                self.placeholder(Placeholder::Link { target, written: Some(dest.to_string()) })
                            }
                            None if link_type == LinkType::Email && !dest.starts_with("mailto:") => {
                                escape_url(&format!("mailto:{dest}"))
                            }
                            None => escape_url(dest),
                        }
                    }
                };
                out.push(Event::InlineHtml(format!("<a href=\"{href}\"{title_attr}>").into()));
                self.open_links.push(OpenLink::Plain);
            }
        }
    }

    /// Notes a relative link to a file other than a page, for checking against the build's routes;
    /// one that climbs above the site's root is an error at once. Returns the root-relative
    /// target with the query and fragment as written, when the link is to a file of the site.
    fn file_link(&mut self, dest: &str, dest_range: &Range<usize>) -> Option<String> {
        let path = dest.split(['#', '?']).next().unwrap_or("");
        let suffix = &dest[path.len()..];
        // `use_case:x` is no scheme to a browser, but it is a reference to the editor (reported
        // as a misspelt kind, if it is one), not a file.
        let first_segment = path.split('/').next().unwrap_or("");
        if path.is_empty() || path.starts_with('/') || first_segment.contains(':') {
            return None;
        }
        let Some(target) = resolve_relative(self.input.page_url, &percent_decode(path)) else {
            let help = format!(
                "links to files are relative to this page's URL, `{}`; static files are copied from `static/` to the output's root",
                self.input.page_url
            );
            let diagnostic = self.error(dest_range, format!("`{dest}` climbs above the site's root"));
            diagnostic.label = Some("broken link".to_string());
            diagnostic.help = Some(help);
            return None;
        };
        let span = self.span(dest_range);
        let link = format!("{target}{suffix}");
        self.out.file_links.push(FileLink {
            target,
            written: dest.to_string(),
            file: self.input.file.to_path_buf(),
            span,
            from: self.input.page_url.to_string(),
        });
        Some(link)
    }

    /// Notes a link to `#fragment` (of `page`, or of this page) for checking once all pages are rendered.
    fn fragment_link(&mut self, page: Option<PathBuf>, fragment: &str, dest: &str, dest_range: &Range<usize>) {
        if fragment.is_empty() {
            return;
        }
        let written = self.input.text.get(dest_range.clone()) == Some(dest);
        let range = if written { dest_range.end - fragment.len()..dest_range.end } else { dest_range.clone() };
        let span = self.span(&range);
        self.out.fragment_links.push(FragmentLink { page, fragment: fragment.to_string(), span });
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

    /// Resolves `other.md#frag` (relative to this file) to a link placeholder for the page's URL
    /// (the destination as written, escaped, when there is no such page: already reported).
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
        if self.site.broken_pages.contains(&target) {
            return Some(escape_url(dest)); // its own error is already reported
        }
        let Some(page) = self.site.page_by_rel(&target) else {
            let all: Vec<String> = std::iter::once(&self.site.front)
                .chain(&self.site.pages)
                .map(|p| &p.source.rel)
                .chain(&self.site.broken_pages)
                .map(|rel| crate::load::slash_path(rel))
                .collect();
            let wanted = crate::load::slash_path(&target);
            let help = suggestion(&wanted, all.iter().map(String::as_str))
                .unwrap_or_else(|| format!("pages are: {}", all.join(", ")));
            let diagnostic = self.error(range, format!("no page `{wanted}`"));
            diagnostic.label = Some("broken link".to_string());
            diagnostic.help = Some(format!("{help} (paths are relative to this file's folder in content/)"));
            return Some(escape_url(dest));
        };
        let url = page.url.clone();
        let target = match fragment {
            Some(fragment) if !fragment.is_empty() => {
                let page = Some(page.source.rel.clone());
                self.fragment_link(page, fragment, dest, range);
                format!("{url}#{fragment}")
            }
            _ => url,
        };
        Some(self.placeholder(Placeholder::Link { target, written: None }))
    }

    /// `qoute:great-artists` is almost certainly a misspelt reference; `content://…`, an autolink
    /// or a scheme that is not one letter or so away from a record kind is a URL.
    fn check_scheme_typo(&mut self, link_type: LinkType, dest: &str, range: &Range<usize>) {
        if matches!(link_type, LinkType::Autolink | LinkType::Email) {
            return;
        }
        let Some((scheme, rest)) = dest.split_once(':') else { return };
        if rest.starts_with("//") || !is_scheme(scheme) {
            return;
        }
        if let Some(close) = misspelt_scheme(scheme) {
            let diagnostic = self.error(range, format!("unknown reference kind `{scheme}`"));
            diagnostic.label = Some("not a record kind".to_string());
            diagnostic.help = Some(format!("did you mean `{close}:`?"));
        }
    }

    fn footnote_reference(&mut self, label: &str, range: &Range<usize>, mode: Mode, out: &mut Vec<Event<'a>>) {
        let key = UniCase::new(label.to_string());
        let Some(note) = self.footnotes.get(&key) else {
            self.error(range, format!("footnote `[^{label}]` has no definition")).help =
                Some(format!("add a line `[^{label}]: …` below the paragraph"));
            return;
        };
        if mode != Mode::Block {
            self.error(range, "a footnote cannot be referenced from inside another footnote").help =
                Some("reference it from the text, or write its text into this note".to_string());
            return;
        }
        let shape = note.shape;
        let events = note.events.clone();
        self.references += 1;
        let number = match self.note_numbers.get(&key) {
            Some(&number) => number,
            None => {
                let number = self.used_notes.len() + 1;
                self.note_numbers.insert(key.clone(), number);
                self.used_notes.push(UsedNote { label: key, number, reference_ids: Vec::new() });
                number
            }
        };
        let html = match shape {
            NoteShape::Sidenote => self.sidenote(&events, number),
            NoteShape::Endnote => {
                let id = self.note_id("fnref-", self.references);
                let note_id = format!("fn-{}{number}", self.input.id_prefix);
                self.used_notes[number - 1].reference_ids.push(id.clone());
                format!(
                    "<sup class=\"endnote-ref\"><a href=\"#{note_id}\" id=\"{id}\"><span class=\"visually-hidden\">Note </span>{number}</a></sup>"
                )
            }
        };
        out.push(Event::InlineHtml(html.into()));
    }

    /// A note in the margin: a numbered label toggling the note, which sits right after it.
    fn sidenote(&mut self, events: &[Spanned<'a>], number: usize) -> String {
        let id = self.note_id("sn-", self.references);
        // A note referenced again is rendered again; its problems were reported, and its links
        // noted for checking, the first time.
        let (diagnostics, links) = (self.out.diagnostics.len(), self.out.fragment_links.len());
        let first_use = self.used_notes[number - 1].reference_ids.is_empty();
        self.used_notes[number - 1].reference_ids.push(id.clone());
        let body_events = self.transform(events, Mode::Sidenote);
        if !first_use {
            self.out.diagnostics.truncate(diagnostics);
            self.out.fragment_links.truncate(links);
        }
        let mut body = String::new();
        pulldown_cmark::html::push_html(&mut body, body_events.into_iter());
        format!(
            "<label for=\"{id}\" class=\"sidenote-number\"><span class=\"visually-hidden\">Note </span>{number}</label>\
             <input type=\"checkbox\" id=\"{id}\" class=\"margin-toggle\">\
             <span class=\"sidenote\" role=\"note\"><span class=\"sidenote-label\">{number}</span> {}</span>",
            body.trim()
        )
    }

    /// The notes with blocks, after the text: a labelled list, each note linking back to its references.
    fn endnotes(&mut self) -> String {
        let endnotes: Vec<UsedNote> = self
            .used_notes
            .iter()
            .filter(|used| self.footnotes.get(&used.label).is_some_and(|note| note.shape == NoteShape::Endnote))
            .cloned()
            .collect();
        if endnotes.is_empty() {
            return String::new();
        }
        let title_id = format!("fn-{}notes", self.input.id_prefix);
        self.out.other_ids.push(title_id.clone());
        let mut html = format!(
            "<section class=\"endnotes\" aria-labelledby=\"{title_id}\">\n<h2 class=\"endnotes-title\" id=\"{title_id}\">Notes</h2>\n<ol class=\"endnotes-list\">\n"
        );
        for used in endnotes {
            let events = self.footnotes.get(&used.label).map(|note| note.events.clone()).unwrap_or_default();
            let id = self.note_id("fn-", used.number);
            let body_events = self.transform(&events, Mode::Endnote);
            let _ = writeln!(html, "<li id=\"{id}\" value=\"{}\">", used.number);
            pulldown_cmark::html::push_html(&mut html, body_events.into_iter());
            html.push_str("<p class=\"endnote-back\">");
            let several = used.reference_ids.len() > 1;
            for (n, reference) in used.reference_ids.iter().enumerate() {
                let which = if several { format!(" ({})", n + 1) } else { String::new() };
                let _ = write!(
                    html,
                    "{}<a href=\"#{reference}\"><span aria-hidden=\"true\">↩</span> Back to the text{which}</a>",
                    if n > 0 { " " } else { "" }
                );
            }
            html.push_str("</p>\n</li>\n");
        }
        html.push_str("</ol>\n</section>\n");
        html
    }

    /// pulldown-cmark leaves `[^label]` as plain text when no definition exists; find those in runs
    /// of text (never in code). Attached to a word (`claim.[^source]`) or a near miss of a defined
    /// label, it is meant as a note: an error. Standing apart (`the regex [^abc]`), it may be text:
    /// a warning saying how to escape it. An escaped bracket (`\[^abc]`) is text.
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
        let source = self.input.text;
        let known: Vec<String> = self.footnotes.values().map(|note| note.label.clone()).collect();
        for run in runs {
            let Some(text) = source.get(run.clone()) else { continue };
            let mut from = 0;
            while let Some(start) = text[from..].find("[^").map(|i| from + i) {
                let rest = &text[start + 2..];
                let Some(len) = rest.find(']') else { break };
                let label = &rest[..len];
                from = start + 2;
                let at = run.start + start;
                if label.is_empty()
                    || label.contains(char::is_whitespace)
                    || label.contains('\\')
                    || is_escaped(source, at)
                    || self.footnotes.contains_key(&UniCase::new(label.to_string()))
                {
                    continue;
                }
                let range = at..at + len + 3;
                let attached = source[..at].chars().next_back().is_some_and(|c| !c.is_whitespace());
                let close = did_you_mean(label, known.iter().map(String::as_str));
                let message = format!("footnote `[^{label}]` has no definition");
                let diagnostic = match close {
                    Some(close) => {
                        let diagnostic = self.error(&range, message);
                        diagnostic.help = Some(format!("did you mean `[^{close}]`?"));
                        diagnostic
                    }
                    None if attached => {
                        let diagnostic = self.error(&range, message);
                        diagnostic.help =
                            Some(format!("add a line `[^{label}]: …` (the note's text) after the paragraph"));
                        diagnostic
                    }
                    None => {
                        let diagnostic = self.warning(&range, message);
                        diagnostic.help = Some(format!(
                            "if it is a note, add a line `[^{label}]: …` after the paragraph; if it is text, write `\\[^{label}]` to say so"
                        ));
                        diagnostic
                    }
                };
                diagnostic.label = Some("undefined footnote".to_string());
            }
        }
    }

    /// A second definition of a label would be dropped: labels ignore case, so `[^A]` is `[^a]`.
    fn report_duplicate_footnotes(&mut self, duplicates: &[Footnote<'_>]) {
        for duplicate in duplicates {
            let first = self.footnotes.get(&UniCase::new(duplicate.label.clone())).map(|n| n.label.clone());
            let label = &duplicate.label;
            let marker = self.definition_marker(&duplicate.range, label);
            let diagnostic = self.error(&marker, format!("footnote `[^{label}]` is defined twice"));
            diagnostic.label = Some("second definition".to_string());
            diagnostic.help = Some(match first {
                Some(first) if first != *label => format!(
                    "labels ignore case, so `[^{label}]` is the note `[^{first}]` defined above: rename one of them"
                ),
                _ => "rename one of them, or merge their text".to_string(),
            });
        }
    }

    /// The `[^label]:` that opens a footnote definition, rather than the whole definition (which
    /// runs on to the next block).
    fn definition_marker(&self, range: &Range<usize>, label: &str) -> Range<usize> {
        let marker = format!("[^{label}]:");
        match self.input.text.get(range.clone()) {
            Some(text) if text.starts_with(&marker) => range.start..range.start + marker.len(),
            _ => range.clone(),
        }
    }

    fn warn_unused_footnotes(&mut self) {
        let unused: Vec<(String, Range<usize>)> = self
            .footnotes
            .iter()
            .filter(|(label, _)| !self.note_numbers.contains_key(*label))
            .map(|(_, note)| (note.label.clone(), note.range.clone()))
            .collect();
        for (label, range) in unused {
            let marker = self.definition_marker(&range, &label);
            self.warning(&marker, format!("footnote `[^{label}]` is never referenced")).help =
                Some(format!("reference it with `[^{label}]` in the text, or delete it"));
        }
    }
}

/// A heading's `{#id .class key=value}`, as pulldown-cmark parsed it.
struct HeadingAttributes<'h, 'a> {
    id: Option<&'h str>,
    classes: &'h [CowStr<'a>],
    attrs: &'h [(CowStr<'a>, Option<CowStr<'a>>)],
}

/// `"a b"` or `'a b'` → `a b`: a heading attribute's value may be quoted, as in Pandoc.
fn unquote(value: &str) -> &str {
    ['"', '\''].into_iter().find_map(|q| value.strip_prefix(q).and_then(|v| v.strip_suffix(q))).unwrap_or(value)
}

/// `data-x`, `aria-label`, `lang`: names that keep the HTML well-formed.
fn is_attribute_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

/// The destination of a paragraph's only content when it is an image: an embed candidate.
fn standalone_embed<'a>(inner: &[Spanned<'a>]) -> Option<(CowStr<'a>, Range<usize>)> {
    let meaningful =
        |(e, _): &&Spanned<'a>| !matches!(e, Event::Text(t) if t.trim().is_empty()) && !matches!(e, Event::SoftBreak);
    let (Event::Start(Tag::Image { dest_url, .. }), range) = inner.iter().find(meaningful)? else {
        return None;
    };
    reference_scheme(dest_url)?;
    let image_end = inner.iter().position(|(e, _)| matches!(e, Event::End(TagEnd::Image))).unwrap_or(inner.len());
    let after_image = inner[image_end.saturating_add(1).min(inner.len())..].iter().any(|e| meaningful(&e));
    (!after_image).then(|| (dest_url.clone(), range.clone()))
}

/// The plain text of an image's description, as pulldown-cmark writes it into `alt`.
fn alt_text(events: &[Spanned<'_>]) -> String {
    let mut text = String::new();
    for (event, _) in events {
        match event {
            Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) => text.push_str(t),
            Event::InlineMath(t) => {
                let _ = write!(text, "${t}$");
            }
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::FootnoteReference(label) => {
                let _ = write!(text, "[^{label}]");
            }
            _ => {}
        }
    }
    text
}

/// The ids raw HTML gives its elements (`<a id="here">`), so links to them are not dead.
fn raw_html_ids(html: &str) -> impl Iterator<Item = String> + '_ {
    start_tag_attributes(html.as_bytes()).filter(|(name, _)| name == "id").map(|(_, value)| value)
}

/// Every attribute of every start tag in `html`, read with a WHATWG-compliant tokenizer (told that
/// `<script>` and `<style>` hold raw text, which a tokenizer alone cannot know).
pub fn start_tag_attributes(html: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    let mut emitter = html5gum::DefaultEmitter::default();
    emitter.naively_switch_states(true);
    html5gum::Tokenizer::new_with_emitter(html, emitter).flatten().flat_map(|token| {
        let html5gum::Token::StartTag(tag) = token else { return Vec::new() };
        tag.attributes
            .iter()
            .map(|(name, value)| {
                (String::from_utf8_lossy(name).into_owned(), String::from_utf8_lossy(value).into_owned())
            })
            .collect()
    })
}

/// Whether the byte at `at` is escaped by an odd number of backslashes before it.
fn is_escaped(text: &str, at: usize) -> bool {
    text[..at].bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// `quote`, `http`, `use_case`: what can stand before a `:` as a URL scheme or a record kind.
fn is_scheme(scheme: &str) -> bool {
    scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
}

/// The record kind (or `topic`) a scheme is a typo of: one edit away (two for the long ones,
/// `controversy` and `organization`), case aside. `resource:` and `content:` are not typos.
fn misspelt_scheme(scheme: &str) -> Option<&'static str> {
    let scheme = scheme.to_ascii_lowercase();
    Kind::ALL
        .map(|k| k.scheme())
        .into_iter()
        .chain(["topic"])
        .map(|known| (strsim::osa_distance(&scheme, known), known))
        .filter(|&(distance, known)| distance <= if known.len() >= 10 { 2 } else { 1 })
        .min()
        .map(|(_, known)| known)
}

/// The kind of annotation a link or image destination names, if any.
enum Scheme<'d> {
    Record(Kind, &'d str),
    Topic(&'d str),
}

fn reference_scheme(dest: &str) -> Option<Scheme<'_>> {
    let (scheme, id) = dest.split_once(':')?;
    if id.starts_with("//") {
        return None; // `source://…` is a URL: record ids have no slashes
    }
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

/// The root-relative output path a relative `path` from the page at `from` points at (a folder
/// means its `index.html`); `None` when it climbs above the root.
pub fn resolve_relative(from: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    let is_folder = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..") || path == "." || path == "..";
    if is_folder || parts.is_empty() {
        parts.push("index.html");
    }
    Some(parts.join("/"))
}

/// `https:`, `mailto:`, `data:`… — RFC 3986: a letter, then letters, digits, `+`, `-`, `.`, then `:`.
pub fn has_scheme(link: &str) -> bool {
    let Some((scheme, _)) = link.split_once(':') else { return false };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Decodes `%XX` escapes; invalid ones are kept as written.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) =
                (bytes.get(i + 1).and_then(|&b| hex(b)), bytes.get(i + 2).and_then(|&b| hex(b)))
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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

/// `fill_placeholders` where filling may fail: the first failure is returned, and the rest of the
/// HTML is not wanted then.
pub fn try_fill_placeholders<E>(
    html: &str,
    placeholders: &[Placeholder],
    mut fill: impl FnMut(&Placeholder) -> Result<String, E>,
) -> Result<String, E> {
    let mut error = None;
    let html = fill_placeholders(html, placeholders, |placeholder| {
        fill(placeholder).unwrap_or_else(|failure| {
            error.get_or_insert(failure);
            String::new()
        })
    });
    match error {
        Some(failure) => Err(failure),
        None => Ok(html),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_escapes_are_decoded_and_invalid_ones_kept() {
        assert_eq!(percent_decode("caf%C3%A9"), "café");
        assert_eq!(percent_decode("plain"), "plain");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%+1x%zz"), "%+1x%zz");
    }

    #[test]
    fn relative_file_links_resolve_from_the_page() {
        assert_eq!(resolve_relative("part/deep.html", "../img/a.svg").as_deref(), Some("img/a.svg"));
        assert_eq!(resolve_relative("part/deep.html", "img/a.svg").as_deref(), Some("part/img/a.svg"));
        assert_eq!(resolve_relative("part/deep.html", "./").as_deref(), Some("part/index.html"));
        assert_eq!(resolve_relative("part/deep.html", "..").as_deref(), Some("index.html"));
        assert_eq!(resolve_relative("index.html", "../x.svg"), None);
        assert!(
            has_scheme("https://x") && has_scheme("mailto:a@b") && !has_scheme("img/a:b.svg") && !has_scheme("1x:y")
        );
    }

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
            Placeholder::Preview { .. } | Placeholder::Link { .. } => String::new(),
        });
        assert_eq!(filled, "xaybz");
    }

    #[test]
    fn links_are_written_for_where_they_are_shown() {
        let anchor = |target: &str| format!("#print-{}", target.replace(['/', '.', '#'], "-"));
        let cases: [(LinkStyle, &str, Option<&str>, &str); 6] = [
            (LinkStyle::RelativeTo("part/a.html"), "stance.html#said", None, "../stance.html#said"),
            (LinkStyle::RelativeTo("part/a.html"), "part/a.html#x", Some("#x"), "#x"),
            (LinkStyle::RelativeTo("part/a.html"), "part/img/a b.svg", Some("img/a b.svg"), "img/a%20b.svg"),
            (
                LinkStyle::Absolute("https://example.org/b/"),
                "part/a.html#x",
                Some("#x"),
                "https://example.org/b/part/a.html#x",
            ),
            (
                LinkStyle::Absolute("https://example.org/b/"),
                "quotes/q.html",
                None,
                "https://example.org/b/quotes/q.html",
            ),
            (LinkStyle::InDocument(&anchor), "quotes/q.html", None, "#print-quotes-q-html"),
        ];
        for (style, target, written, expected) in cases {
            assert_eq!(style.href(target, written), expected, "{target}");
        }
    }

    #[test]
    fn only_near_misses_of_a_record_kind_are_scheme_typos() {
        assert_eq!(misspelt_scheme("qoute"), Some("quote"));
        assert_eq!(misspelt_scheme("use_case"), Some("use-case"));
        assert_eq!(misspelt_scheme("organisation"), Some("organization"));
        assert_eq!(misspelt_scheme("controversie"), Some("controversy"));
        assert_eq!(misspelt_scheme("Topic"), Some("topic"));
        for url_scheme in ["resource", "sourcetree", "content", "http", "mailto", "tel", "file", "data", "news"] {
            assert_eq!(misspelt_scheme(url_scheme), None, "{url_scheme}");
        }
    }

    #[test]
    fn a_bracket_after_an_odd_number_of_backslashes_is_escaped() {
        assert!(is_escaped("a \\[^x]", 3));
        assert!(!is_escaped("a \\\\[^x]", 4));
        assert!(!is_escaped("[^x]", 0));
    }

    #[test]
    fn ids_in_raw_html_are_found() {
        let ids: Vec<String> = raw_html_ids("<a id=\"one\"></a><div class=x id='two'><span id=three>").collect();
        assert_eq!(ids, ["one", "two", "three"]);
        assert_eq!(raw_html_ids("<a data-id=\"no\" grid=\"no\">").count(), 0);
    }

    #[test]
    fn quoted_attribute_values_are_unquoted() {
        assert_eq!(unquote("\"a&b\""), "a&b");
        assert_eq!(unquote("'x'"), "x");
        assert_eq!(unquote("\"x"), "\"x");
    }

    #[test]
    fn a_note_of_paragraphs_is_a_sidenote_and_any_other_block_makes_an_endnote() {
        let shape = |markdown: &str| {
            let events: Vec<Spanned<'_>> = Parser::new_ext(markdown, options()).into_offset_iter().collect();
            let (_, notes, _) = split_footnotes(events);
            notes.values().next().expect("a note").shape
        };
        assert_eq!(shape("[^a]: One *two*.\n\n    Three.\n"), NoteShape::Sidenote);
        assert_eq!(shape("[^a]: One.\n\n    - a list\n"), NoteShape::Endnote);
        assert_eq!(shape("[^a]: ```\n    code\n    ```\n"), NoteShape::Endnote);
        assert_eq!(shape("[^a]: <div>html</div>\n"), NoteShape::Endnote);
        assert_eq!(shape("[^a]: ![](quote:x)\n"), NoteShape::Endnote);
    }

    #[test]
    fn locate_finds_the_destination_inside_a_link() {
        let text = "see [x](quote:abc) now";
        assert_eq!(locate(text, &(4..18), "quote:abc"), 8..17);
    }
}
