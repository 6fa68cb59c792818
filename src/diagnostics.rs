//! Diagnostics: the one error type every stage produces, and its rendering at the edge.
//! Stages collect `Diagnostic`s and keep going; only the command line turns them into text.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// The text of every file a build read, so diagnostics can quote it.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: BTreeMap<PathBuf, Arc<str>>,
}

impl SourceMap {
    pub fn insert(&mut self, path: impl Into<PathBuf>, text: impl Into<Arc<str>>) {
        self.files.insert(path.into(), text.into());
    }

    pub fn get(&self, path: &Path) -> Option<&str> {
        self.files.get(path).map(|text| &**text)
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
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    LineCol { line, col }
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

/// Renders diagnostics for a terminal: `file:line:col`, the source line, a caret, the help.
pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&render_one(diagnostic, sources, &renderer));
        out.push_str("\n\n");
    }
    out
}

fn render_one(diagnostic: &Diagnostic, sources: &SourceMap, renderer: &Renderer) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let path = diagnostic.file.display().to_string();
    let text = sources.get(&diagnostic.file);
    let mut title = level.clone().primary_title(diagnostic.message.as_str());
    let report = match (text, &diagnostic.span) {
        (Some(text), Some(span)) => {
            let span = clamp_span(text, span.clone());
            let annotation = AnnotationKind::Primary.span(span).label(diagnostic.label.as_deref().unwrap_or(""));
            let group = title.element(Snippet::source(text).path(path.as_str()).annotation(annotation));
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
    let location = match (sources.get(&diagnostic.file), &diagnostic.span) {
        (Some(text), Some(span)) => format!(":{}", line_col(text, span.start)),
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
}
