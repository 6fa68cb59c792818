//! Diagnostics: the one error type every stage produces, and its rendering at the edge.
//! Stages collect `Diagnostic`s and keep going; only the command line turns them into text.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// How bad a diagnostic is. Errors fail the build; warnings are printed and the build goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in the user's files: where it is, what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file, relative to the site root where possible (`content/quotes.toml`).
    pub file: PathBuf,
    /// Byte range in the file; `None` when the problem is about the whole file.
    pub span: Option<Range<usize>>,
    pub message: String,
    /// A short label under the caret ("no quote with this id").
    pub label: Option<String>,
    /// How to fix it ("did you mean `great-artists`?").
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(file: impl Into<PathBuf>, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Error, file: file.into(), span, message: message.into(), label: None, help: None }
    }

    pub fn warning(file: impl Into<PathBuf>, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, ..Self::error(file, span, message) }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds help only when there is some (a did-you-mean may find nothing).
    pub fn with_optional_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The text of every file a build read, so diagnostics can quote it. Cheap to clone: clones share
/// the files until one of them changes (an incremental rebuild hands out one after each edit).
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Arc<BTreeMap<PathBuf, SourceFile>>,
}

/// A file's text and, built on first use, where its lines start.
#[derive(Debug, Clone)]
struct SourceFile {
    text: Arc<str>,
    lines: OnceLock<LineIndex>,
}

impl SourceMap {
    pub fn insert(&mut self, path: impl Into<PathBuf>, text: impl Into<Arc<str>>) {
        Arc::make_mut(&mut self.files).insert(path.into(), SourceFile { text: text.into(), lines: OnceLock::new() });
    }

    pub fn get(&self, path: &Path) -> Option<&str> {
        self.files.get(path).map(|file| &*file.text)
    }

    /// The file's text with its line index, which is built once however many diagnostics quote it.
    fn get_indexed(&self, path: &Path) -> Option<(&str, &LineIndex)> {
        let file = self.files.get(path)?;
        Some((&file.text, file.lines.get_or_init(|| LineIndex::new(&file.text))))
    }
}

/// Where each line of a text starts, so a byte offset becomes a line number by binary search
/// instead of a scan from the start of the file (20,000 diagnostics in a 1 MB file would otherwise
/// scan 20 GB).
#[derive(Debug, Clone, PartialEq, Eq)]
struct LineIndex {
    /// Byte offset of each line's first byte: 0, then one past every `\n`.
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Self { starts, len: text.len() }
    }

    /// The 0-based number of the line holding `offset` (a `\n` belongs to the line it ends).
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    /// The same as [`line_col`], without scanning the text before `offset`.
    fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_char_boundary(text, offset);
        let line = self.line_of(offset);
        let col = text[self.starts[line]..offset].chars().count() + 1;
        LineCol { line: line + 1, col }
    }

    /// The line the excerpt renderer puts `offset` on: the one holding it, except that the end of a
    /// text ending in a newline is shown at the end of the last line, not on an empty line after it.
    fn shown_line_of(&self, offset: usize) -> usize {
        let line = self.line_of(offset);
        if line > 0 && self.starts[line] == self.len { line - 1 } else { line }
    }

    /// Byte range of a 0-based line, with its line ending.
    fn line_range(&self, line: usize) -> Range<usize> {
        self.starts[line]..self.starts.get(line + 1).copied().unwrap_or(self.len)
    }
}

/// A 1-based line and column (in characters) inside a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// Converts a byte offset to a line and column; offsets past the end clamp to the end.
pub fn line_col(text: &str, offset: usize) -> LineCol {
    let offset = floor_char_boundary(text, offset);
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    LineCol { line, col }
}

/// `offset` clamped to the text and moved back onto a character boundary.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Converts a 1-based line and 0-based column (as Tera reports them) to a byte offset.
pub fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_text = &text[start..];
    let line_end = line_text.find('\n').unwrap_or(line_text.len());
    start + line_text[..line_end].char_indices().nth(col).map_or(line_end, |(i, _)| i)
}

/// The closest candidate to `wanted`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(wanted, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, candidate)| candidate)
}

/// "did you mean `x`?" for the closest candidate, if any.
pub fn suggestion<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    did_you_mean(wanted, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The label of the warning for a record nothing cites: while a build has errors, a broken
/// reference may be what leaves a record uncited, so these warnings wait until the errors are fixed.
pub const UNCITED_LABEL: &str = "no page, note or record refers to it";

/// Drops the warnings that may only follow from errors (`UNCITED_LABEL`) when there are errors.
pub fn drop_follow_ons(diagnostics: &mut Vec<Diagnostic>) {
    if diagnostics.iter().any(Diagnostic::is_error) {
        diagnostics.retain(|d| d.is_error() || d.label.as_deref() != Some(UNCITED_LABEL));
    }
}

/// How many diagnostics are rendered; past that one line says how many more there are. Nobody
/// reads thousands of them, and the first ones usually explain the rest.
pub const MAX_SHOWN: usize = 200;

/// Puts diagnostics in the order users read them: by file, then by position in the file (a problem
/// with the whole file first), whatever stage found them. The order is total, so it does not
/// depend on the order the stages ran in (an incremental rebuild reports exactly what a full one does).
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let span = |d: &Diagnostic| d.span.as_ref().map(|s| (s.start, s.end));
        (&a.file, span(a), a.severity, &a.message, &a.label, &a.help).cmp(&(
            &b.file,
            span(b),
            b.severity,
            &b.message,
            &b.label,
            &b.help,
        ))
    });
}

/// Renders diagnostics for a terminal: `file:line:col`, the source line, a caret, the help.
/// Errors come before warnings (errors are what fails the build, and must not scroll away behind
/// warnings); at most [`MAX_SHOWN`] are rendered, then "… and N more errors (M warnings)".
pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let errors = diagnostics.iter().filter(|d| d.is_error());
    let warnings = diagnostics.iter().filter(|d| !d.is_error());
    let mut out = String::new();
    let mut hidden = (0, 0);
    for (i, diagnostic) in errors.chain(warnings).enumerate() {
        if i < MAX_SHOWN {
            out.push_str(&render_one(diagnostic, sources, &renderer));
            out.push_str("\n\n");
        } else if diagnostic.is_error() {
            hidden.0 += 1;
        } else {
            hidden.1 += 1;
        }
    }
    if let Some(line) = more_line(hidden.0, hidden.1) {
        out.push_str(&line);
        out.push_str("\n\n");
    }
    out
}

/// "… and 4800 more errors (3 warnings)", or `None` when nothing was left out.
fn more_line(errors: usize, warnings: usize) -> Option<String> {
    let more = match (errors, warnings) {
        (0, 0) => return None,
        (0, w) => count(w, "more warning"),
        (e, 0) => count(e, "more error"),
        (e, w) => format!("{} ({})", count(e, "more error"), count(w, "warning")),
    };
    Some(format!("… and {more}"))
}

/// "1 error", "2 errors".
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn render_one(diagnostic: &Diagnostic, sources: &SourceMap, renderer: &Renderer) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let path = diagnostic.file.display().to_string();
    let mut title = level.clone().primary_title(diagnostic.message.as_str());
    let report = match (sources.get_indexed(&diagnostic.file), &diagnostic.span) {
        (Some((text, lines)), Some(span)) => {
            let excerpt = Excerpt::new(text, lines, span.clone());
            let annotation =
                AnnotationKind::Primary.span(excerpt.span).label(diagnostic.label.as_deref().unwrap_or(""));
            let snippet = Snippet::source(excerpt.text).line_start(excerpt.first_line).path(path.as_str());
            let group = title.element(snippet.annotation(annotation));
            with_help(vec![group], diagnostic)
        }
        _ => {
            let header = format!("{} ({path})", diagnostic.message);
            title = level.primary_title(header);
            with_help(vec![Group::with_title(title)], diagnostic)
        }
    };
    renderer.render(&report)
}

/// The whole lines of a file that a span touches: what the renderer shows, and all it is given,
/// so the cost of a diagnostic does not grow with the size of its file.
#[derive(Debug, PartialEq, Eq)]
struct Excerpt<'a> {
    text: &'a str,
    /// The 1-based number of the excerpt's first line in the file.
    first_line: usize,
    /// The span, relative to the excerpt.
    span: Range<usize>,
}

impl<'a> Excerpt<'a> {
    fn new(text: &'a str, lines: &LineIndex, span: Range<usize>) -> Self {
        let span = clamp_span(text, span);
        let first = lines.shown_line_of(span.start);
        let last = lines.shown_line_of(span.end);
        let range = lines.line_range(first).start..lines.line_range(last).end;
        Self {
            text: &text[range.clone()],
            first_line: first + 1,
            span: span.start - range.start..span.end - range.start,
        }
    }
}

fn with_help<'a>(mut groups: Vec<Group<'a>>, diagnostic: &'a Diagnostic) -> Vec<Group<'a>> {
    if let Some(help) = &diagnostic.help {
        groups.push(Group::with_title(Level::HELP.secondary_title(help.as_str())));
    }
    groups
}

/// Keeps a span inside the text and on character boundaries, and never empty at the very end,
/// so the renderer always has a caret to draw.
fn clamp_span(text: &str, span: Range<usize>) -> Range<usize> {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// A one-line form: `content/quotes.toml:3:9: error: unknown field `speakr``.
pub fn short(diagnostic: &Diagnostic, sources: &SourceMap) -> String {
    let severity = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let location = match (sources.get_indexed(&diagnostic.file), &diagnostic.span) {
        (Some((text, lines)), Some(span)) => format!(":{}", lines.line_col(text, span.start)),
        _ => String::new(),
    };
    format!("{}{location}: {severity}: {}", diagnostic.file.display(), diagnostic.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_lines_and_characters() {
        let text = "ab\ncé d\n";
        assert_eq!(line_col(text, 0), LineCol { line: 1, col: 1 });
        assert_eq!(line_col(text, 3), LineCol { line: 2, col: 1 });
        assert_eq!(line_col(text, 6), LineCol { line: 2, col: 3 });
        assert_eq!(line_col(text, 999), LineCol { line: 3, col: 1 });
    }

    #[test]
    fn offset_of_inverts_tera_positions() {
        let text = "one\ntwo {{ x }}\n";
        assert_eq!(offset_of(text, 2, 4), 8);
        assert_eq!(offset_of(text, 9, 0), text.len());
    }

    #[test]
    fn did_you_mean_finds_close_ids_only() {
        let ids = ["great-artists", "becoming-reasonable", "not-too-worried"];
        assert_eq!(did_you_mean("great-artist", ids), Some("great-artists"));
        assert_eq!(did_you_mean("zzz", ids), None);
    }

    #[test]
    fn rendering_shows_location_excerpt_and_help() {
        let mut sources = SourceMap::default();
        sources.insert("content/a.toml", "[[quote]]\nspeakr = \"x\"\n");
        let diagnostic = Diagnostic::error("content/a.toml", Some(10..16), "unknown field `speakr`")
            .with_help("did you mean `speaker`?");
        let text = render(std::slice::from_ref(&diagnostic), &sources, false);
        assert!(text.contains("content/a.toml:2:1"), "{text}");
        assert!(text.contains("speakr = \"x\""), "{text}");
        assert!(text.contains("did you mean `speaker`?"), "{text}");
        assert_eq!(short(&diagnostic, &sources), "content/a.toml:2:1: error: unknown field `speakr`");
    }

    #[test]
    fn the_line_index_agrees_with_line_col_everywhere() {
        for text in ["", "\n", "a", "ab\ncé d\n", "x\r\ny\r\n\n😀z", "\n\nend"] {
            let lines = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                assert_eq!(lines.line_col(text, offset), line_col(text, offset), "{text:?} at {offset}");
            }
        }
    }

    /// A file of `n` numbered lines: "line 1\n" … "line n\n".
    fn numbered_lines(n: usize) -> String {
        (1..=n).map(|i| format!("line {i}\n")).collect()
    }

    #[test]
    fn an_excerpt_is_the_lines_around_its_span_with_their_number() {
        let text = numbered_lines(20_000);
        let start = text.find("line 10000\n").expect("line 10000");
        let span = start + 5..start + 10;
        let excerpt = Excerpt::new(&text, &LineIndex::new(&text), span);
        assert_eq!(excerpt, Excerpt { text: "line 10000\n", first_line: 10_000, span: 5..10 });

        let mut sources = SourceMap::default();
        sources.insert("content/big.md", text.as_str());
        let diagnostic =
            Diagnostic::error("content/big.md", Some(start + 5..start + 10), "bad number").with_label("this one");
        assert_eq!(
            render(&[diagnostic], &sources, false),
            "error: bad number\n     --> content/big.md:10000:6\n      |\n10000 | line 10000\n      |      ^^^^^ this one\n\n"
        );
    }

    #[test]
    fn an_excerpt_spans_every_line_its_span_touches() {
        let text = numbered_lines(5);
        let lines = LineIndex::new(&text);
        let excerpt = Excerpt::new(&text, &lines, 9..16);
        assert_eq!(excerpt, Excerpt { text: "line 2\nline 3\n", first_line: 2, span: 2..9 });
        let at_end = Excerpt::new(&text, &lines, text.len()..text.len() + 4);
        assert_eq!(at_end, Excerpt { text: "line 5\n", first_line: 5, span: 7..7 });
    }

    fn errors_and_warnings(errors: usize, warnings: usize) -> (Vec<Diagnostic>, SourceMap) {
        let mut sources = SourceMap::default();
        sources.insert("content/a.md", "one\ntwo\n");
        let error = |i: usize| Diagnostic::error("content/a.md", Some(4..7), format!("error number {i}"));
        let warning = |i: usize| Diagnostic::warning("content/a.md", Some(0..3), format!("warning number {i}"));
        // Warnings first in the list, as a stage that runs early could leave them.
        let diagnostics = (0..warnings).map(warning).chain((0..errors).map(error)).collect();
        (diagnostics, sources)
    }

    fn shown_messages(text: &str) -> Vec<&str> {
        text.lines().filter(|l| l.starts_with("error: ") || l.starts_with("warning: ")).collect()
    }

    #[test]
    fn at_most_200_diagnostics_are_shown_errors_first_then_how_many_more() {
        let (diagnostics, sources) = errors_and_warnings(203, 2);
        let text = render(&diagnostics, &sources, false);
        let shown = shown_messages(&text);
        let expected: Vec<String> = (0..200).map(|i| format!("error: error number {i}")).collect();
        assert_eq!(shown, expected);
        let first_200_errors = render(&diagnostics[2..202], &sources, false);
        assert_eq!(text, format!("{first_200_errors}… and 3 more errors (2 warnings)\n\n"));
    }

    #[test]
    fn warnings_fill_the_list_after_the_errors() {
        let (diagnostics, sources) = errors_and_warnings(150, 60);
        let text = render(&diagnostics, &sources, false);
        let shown = shown_messages(&text);
        assert_eq!(shown.len(), 200);
        assert_eq!(shown[149], "error: error number 149");
        assert_eq!(shown[150], "warning: warning number 0");
        assert_eq!(shown[199], "warning: warning number 49");
        assert!(text.ends_with("^^^\n\n… and 10 more warnings\n\n"), "{text}");
    }

    #[test]
    fn nothing_is_said_to_be_left_out_when_nothing_is() {
        let (diagnostics, sources) = errors_and_warnings(200, 0);
        let text = render(&diagnostics, &sources, false);
        assert_eq!(shown_messages(&text).len(), 200);
        assert!(!text.contains("… and"), "{text}");
        assert_eq!(more_line(1, 0).as_deref(), Some("… and 1 more error"));
        assert_eq!(more_line(1, 1).as_deref(), Some("… and 1 more error (1 warning)"));
        assert_eq!(more_line(0, 0), None);
    }

    /// What rendering did before excerpts: the whole file handed to the renderer.
    fn render_with_whole_file(text: &str, span: Range<usize>) -> String {
        let span = clamp_span(text, span);
        let annotation = AnnotationKind::Primary.span(span).label("here");
        let snippet = Snippet::source(text).path("f.md").annotation(annotation);
        Renderer::plain().render(&[Level::ERROR.primary_title("m").element(snippet)])
    }

    fn render_with_excerpt(text: &str, span: Range<usize>) -> String {
        let mut sources = SourceMap::default();
        sources.insert("f.md", text);
        let diagnostic = Diagnostic::error("f.md", Some(span), "m").with_label("here");
        render_one(&diagnostic, &sources, &Renderer::plain())
    }

    proptest::proptest! {
        #[test]
        fn excerpts_render_exactly_as_the_whole_file_did(
            text in "([a-zé😀\t ]{0,6}(\n|\r\n|\r)?){0,8}",
            start in 0usize..80,
            len in 0usize..40,
        ) {
            let span = start..start + len;
            proptest::prop_assert_eq!(render_with_excerpt(&text, span.clone()), render_with_whole_file(&text, span));
        }
    }
}
