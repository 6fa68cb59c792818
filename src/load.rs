//! Load: walk the site folder, read every file once, split front matter, and parse TOML
//! (settings, front matter, records) into typed values that keep the span of every id and reference.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use walkdir::WalkDir;

use crate::diagnostics::{Diagnostic, SourceMap, suggestion};
use crate::model::{Config, FrontMatter, Kind, Record, RecordData, RecordKey};

/// Everything read from a site folder, parsed but not yet cross-checked.
#[derive(Debug, Default)]
pub struct LoadedSite {
    pub root: PathBuf,
    pub sources: SourceMap,
    pub config: Option<Config>,
    pub pages: Vec<PageSource>,
    pub records: Vec<Record>,
    pub templates: Vec<TemplateFile>,
    pub statics: Vec<StaticFile>,
    pub diagnostics: Vec<Diagnostic>,
    /// Records that failed to parse but whose id could be read: references to them are not
    /// reported again (the parse error already is).
    pub broken_records: Vec<RecordKey>,
}

/// A Markdown page: its front matter, parsed, and its body with the body's offset in the file.
#[derive(Debug, Clone)]
pub struct PageSource {
    /// Path relative to the site root, e.g. `content/stance.md`.
    pub file: PathBuf,
    /// Path relative to `content/`, e.g. `stance.md`.
    pub rel: PathBuf,
    pub front: FrontMatter,
    /// Where the front matter text starts in the file; spans inside `front` are relative to it.
    pub front_offset: usize,
    pub body: String,
    pub body_offset: usize,
}

/// A template from the site's `templates/` folder, named as Tera will know it.
#[derive(Debug, Clone)]
pub struct TemplateFile {
    pub name: String,
    pub file: PathBuf,
    pub text: String,
}

/// A file from `static/`, to be copied to the output.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// Path relative to `static/`, with `/` separators.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Reads and parses the site at `root`. Problems become diagnostics; loading never stops early.
pub fn load_site(root: &Path) -> LoadedSite {
    let mut site = LoadedSite { root: root.to_path_buf(), ..LoadedSite::default() };
    load_config(&mut site);
    let content = root.join("content");
    if content.is_dir() {
        for path in walk_files(&content, &mut site.diagnostics) {
            match path.extension().and_then(|e| e.to_str()) {
                Some("md") => load_page(&mut site, &content, &path),
                Some("toml") => load_record_file(&mut site, &path),
                _ => {}
            }
        }
    } else {
        site.diagnostics.push(
            Diagnostic::error(root.join("content"), None, "the site has no `content/` folder")
                .with_help("create `content/_index.md` (run `briefing init DIR` for a starting point)"),
        );
    }
    load_templates(&mut site);
    load_statics(&mut site);
    site
}

/// Files under `dir`, sorted, skipping hidden files and editor leftovers.
fn walk_files(dir: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let walker = WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_ignored(entry.file_name()));
    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_file() => files.push(entry.into_path()),
            Ok(_) => {}
            Err(err) => {
                let path = err.path().unwrap_or(dir).to_path_buf();
                diagnostics.push(Diagnostic::error(path, None, format!("cannot read: {err}")));
            }
        }
    }
    files
}

fn is_ignored(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') || name.starts_with('#') || name.ends_with('~') || name.ends_with(".swp")
}

/// The path as shown to users: relative to the site root when it is inside it.
fn display_path(site: &LoadedSite, path: &Path) -> PathBuf {
    path.strip_prefix(&site.root).unwrap_or(path).to_path_buf()
}

fn read_text(site: &mut LoadedSite, path: &Path) -> Option<(PathBuf, String)> {
    let shown = display_path(site, path);
    match std::fs::read(path).map(String::from_utf8) {
        Ok(Ok(text)) => {
            let text = replace_nul(text, &shown, &mut site.diagnostics);
            site.sources.insert(shown.clone(), text.as_str());
            Some((shown, text))
        }
        Ok(Err(err)) => {
            let at = err.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
            site.sources.insert(shown.clone(), text.as_str());
            site.diagnostics.push(
                Diagnostic::error(shown, Some(at..at + 1), "this file is not valid UTF-8")
                    .with_label("invalid byte")
                    .with_help("save the file as UTF-8 (most editors have an “encoding” option)"),
            );
            None
        }
        Err(err) => {
            site.diagnostics.push(Diagnostic::error(shown, None, format!("cannot read this file: {err}")));
            None
        }
    }
}

/// A NUL byte is never text: it would collide with the Markdown pass's placeholders and browsers
/// drop it. Like CommonMark, replace it with U+FFFD, and warn at the first one.
fn replace_nul(text: String, file: &Path, diagnostics: &mut Vec<Diagnostic>) -> String {
    let Some(first) = text.find('\0') else { return text };
    let count = text.matches('\0').count();
    let more = if count > 1 { format!(" (and {} more in this file)", count - 1) } else { String::new() };
    diagnostics.push(
        Diagnostic::warning(
            file,
            Some(first..first + '\u{FFFD}'.len_utf8()),
            format!("a NUL byte was replaced with U+FFFD (�){more}"),
        )
        .with_label("NUL byte (U+0000)")
        .with_help("delete it: a NUL byte is not text (it often comes from pasting binary data)"),
    );
    text.replace('\0', "\u{FFFD}")
}

fn load_config(site: &mut LoadedSite) {
    let path = site.root.join("site.toml");
    if !path.is_file() {
        site.diagnostics.push(
            Diagnostic::error("site.toml", None, "the site has no `site.toml`")
                .with_help("create it with at least `title = \"…\"` and `base_url = \"https://…/\"`"),
        );
        return;
    }
    let Some((file, text)) = read_text(site, &path) else { return };
    site.config = parse_toml::<Config>(&file, &text, 0, &mut site.diagnostics);
    if let Some(config) = &site.config
        && !is_absolute_url(&config.base_url)
    {
        let span =
            text.find("base_url").map(|start| start..text[start..].find('\n').map_or(text.len(), |end| start + end));
        site.diagnostics.push(
            Diagnostic::error(file, span, format!("`base_url` must be an absolute URL, not `{}`", config.base_url))
                .with_help("write the address the site is published at, e.g. `base_url = \"https://example.org/briefing/\"`; links between pages stay relative"),
        );
    }
}

/// `https://host/…` or `http://host/…`: what canonical links, feeds and sitemaps need.
pub fn is_absolute_url(url: &str) -> bool {
    ["https://", "http://"]
        .iter()
        .any(|scheme| url.strip_prefix(scheme).is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/')))
}

/// Deserializes one TOML document, reporting syntax errors (all of them) and type errors with spans.
/// `offset` is where `text` starts inside the file (front matter sits after the `+++` line).
pub fn parse_toml<T: DeserializeOwned>(
    file: &Path,
    text: &str,
    offset: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<T> {
    let (table, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        for error in errors {
            diagnostics.push(syntax_error(file, &error, offset));
        }
        return None;
    }
    let span = table.span();
    let value = Spanned::new(span, DeValue::Table(table.into_inner()));
    deserialize_value(file, value, offset, diagnostics)
}

fn deserialize_value<T: DeserializeOwned>(
    file: &Path,
    value: Spanned<DeValue<'_>>,
    offset: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<T> {
    match T::deserialize(ValueDeserializer::from(value)) {
        Ok(parsed) => Some(parsed),
        Err(error) => {
            diagnostics.push(data_error(file, &error, offset));
            None
        }
    }
}

fn shift(span: Option<Range<usize>>, offset: usize) -> Option<Range<usize>> {
    span.map(|s| s.start + offset..s.end + offset)
}

fn syntax_error(file: &Path, error: &toml::de::Error, offset: usize) -> Diagnostic {
    Diagnostic::error(file, shift(error.span(), offset), format!("invalid TOML: {}", error.message().trim()))
        .with_help("check the quotes, brackets and `=` signs near the caret (strings need \"…\", arrays […])")
}

/// A type or field error from serde, with a did-you-mean when the field name is a near miss.
fn data_error(file: &Path, error: &toml::de::Error, offset: usize) -> Diagnostic {
    let message = humanize(error.message().trim());
    let mut diagnostic = Diagnostic::error(file, shift(error.span(), offset), message.clone());
    if let Some((unknown, expected)) = parse_unknown_field(&message) {
        let help = suggestion(&unknown, expected.iter().map(String::as_str))
            .unwrap_or_else(|| format!("the fields allowed here are: {}", expected.join(", ")));
        diagnostic = diagnostic.with_label("unknown field").with_help(help);
    } else if message.starts_with("missing field") {
        diagnostic = diagnostic.with_help("add the field to this table");
    } else if message.starts_with("invalid type") {
        diagnostic = diagnostic.with_help("change the value to the expected type");
    }
    diagnostic
}

/// serde speaks Rust ("expected i64", "a sequence"); users write TOML.
fn humanize(message: &str) -> String {
    [
        ("expected i64", "expected an integer"),
        ("expected u64", "expected a positive integer"),
        ("expected f64", "expected a number"),
        ("expected a sequence", "expected an array"),
        ("expected a map", "expected a table"),
        ("expected struct", "expected a table for"),
        ("expected a borrowed string", "expected a string"),
    ]
    .iter()
    .fold(message.to_string(), |text, (from, to)| text.replace(from, to))
}

/// Pulls the field name and the allowed names out of serde's "unknown field" message.
fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).map(str::to_string).collect();
    Some((unknown.to_string(), expected))
}

/// Splits `+++` TOML front matter from a Markdown body. Returns (front matter, its offset, body offset).
pub fn split_front_matter(text: &str) -> Result<(&str, usize, usize), Diagnostic> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[bom..];
    let Some(after_open) = rest.strip_prefix("+++") else {
        return Err(Diagnostic::error(PathBuf::new(), Some(bom..bom + rest.len().min(3)), "missing front matter")
            .with_label("expected `+++` here")
            .with_help("start the file with TOML front matter between `+++` lines, e.g.\n+++\ntitle = \"…\"\n+++"));
    };
    let open_line_end = after_open.find('\n').map_or(after_open.len(), |i| i + 1);
    if !after_open[..open_line_end].trim().is_empty() {
        return Err(Diagnostic::error(
            PathBuf::new(),
            Some(bom..bom + 3 + open_line_end),
            "the opening `+++` must be alone on its line",
        ));
    }
    let front_start = bom + 3 + open_line_end;
    let mut line_start = front_start;
    while line_start < text.len() {
        let line_end = text[line_start..].find('\n').map_or(text.len(), |i| line_start + i + 1);
        if text[line_start..line_end].trim_end() == "+++" {
            return Ok((&text[front_start..line_start], front_start, line_end));
        }
        line_start = line_end;
    }
    Err(Diagnostic::error(PathBuf::new(), Some(bom..bom + 3), "front matter is never closed")
        .with_label("opened here")
        .with_help("add a line containing only `+++` after the front matter"))
}

fn load_page(site: &mut LoadedSite, content: &Path, path: &Path) {
    let Some((file, text)) = read_text(site, path) else { return };
    let (front_text, front_offset, body_offset) = match split_front_matter(&text) {
        Ok(parts) => parts,
        Err(mut diagnostic) => {
            diagnostic.file = file;
            site.diagnostics.push(diagnostic);
            return;
        }
    };
    let Some(front) = parse_toml::<FrontMatter>(&file, front_text, front_offset, &mut site.diagnostics) else {
        return;
    };
    let rel = path.strip_prefix(content).unwrap_or(path).to_path_buf();
    site.pages.push(PageSource { file, rel, front, front_offset, body: text[body_offset..].to_string(), body_offset });
}

/// Parses a records file: every top-level key must be a record kind holding an array of tables;
/// each table is deserialized on its own so one bad record does not hide the others.
fn load_record_file(site: &mut LoadedSite, path: &Path) {
    let Some((file, text)) = read_text(site, path) else { return };
    let (table, errors) = DeTable::parse_recoverable(&text);
    if !errors.is_empty() {
        for error in &errors {
            site.diagnostics.push(syntax_error(&file, error, 0));
        }
        return;
    }
    for (key, value) in table.into_inner() {
        let name = key.get_ref().as_ref();
        let Some(kind) = Kind::from_table_name(name) else {
            let names = Kind::ALL.iter().map(|k| k.table_name());
            site.diagnostics.push(
                Diagnostic::error(&file, Some(key.span()), format!("unknown record kind `{name}`"))
                    .with_label("not a record kind")
                    .with_help(suggestion(name, names).map_or_else(
                        || {
                            format!(
                                "record tables are: {}",
                                Kind::ALL.map(|k| format!("[[{}]]", k.table_name())).join(", ")
                            )
                        },
                        |s| s.replace("did you mean `", "did you mean `[[").replace("`?", "]]`?"),
                    )),
            );
            continue;
        };
        let span = value.span();
        let DeValue::Array(items) = value.into_inner() else {
            site.diagnostics.push(
                Diagnostic::error(&file, Some(span), format!("`{name}` must be an array of tables"))
                    .with_help(format!("write each record as a `[[{name}]]` table")),
            );
            continue;
        };
        for item in items {
            if !item.get_ref().is_table() {
                site.diagnostics.push(
                    Diagnostic::error(&file, Some(item.span()), format!("each `{name}` must be a table"))
                        .with_help(format!("write each record as a `[[{name}]]` table")),
                );
                continue;
            }
            let id = record_id(&item);
            match deserialize_record(kind, &file, item, &mut site.diagnostics) {
                Some(data) => site.records.push(Record { file: file.clone(), data }),
                None => site.broken_records.extend(id.map(|id| RecordKey::new(kind, id))),
            }
        }
    }
}

/// The `id` of a record table, if it has a string one.
fn record_id(item: &Spanned<DeValue<'_>>) -> Option<String> {
    let DeValue::Table(table) = item.get_ref() else { return None };
    table.iter().find(|(key, _)| key.get_ref().as_ref() == "id").and_then(|(_, value)| match value.get_ref() {
        DeValue::String(id) => Some(id.to_string()),
        _ => None,
    })
}

fn deserialize_record(
    kind: Kind,
    file: &Path,
    item: Spanned<DeValue<'_>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<RecordData> {
    fn de<T: for<'de> Deserialize<'de>>(
        file: &Path,
        item: Spanned<DeValue<'_>>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<T> {
        deserialize_value(file, item, 0, diagnostics)
    }
    Some(match kind {
        Kind::Quote => RecordData::Quote(de(file, item, diagnostics)?),
        Kind::UseCase => RecordData::UseCase(de(file, item, diagnostics)?),
        Kind::Controversy => RecordData::Controversy(de(file, item, diagnostics)?),
        Kind::Person => RecordData::Person(de(file, item, diagnostics)?),
        Kind::Organization => RecordData::Organization(de(file, item, diagnostics)?),
        Kind::Figure => RecordData::Figure(de(file, item, diagnostics)?),
        Kind::Source => RecordData::Source(de(file, item, diagnostics)?),
    })
}

fn load_templates(site: &mut LoadedSite) {
    let dir = site.root.join("templates");
    if !dir.is_dir() {
        return;
    }
    for path in walk_files(&dir, &mut site.diagnostics) {
        let name = slash_path(path.strip_prefix(&dir).unwrap_or(&path));
        if let Some((file, text)) = read_text(site, &path) {
            site.templates.push(TemplateFile { name, file, text });
        }
    }
}

fn load_statics(site: &mut LoadedSite) {
    let dir = site.root.join("static");
    if !dir.is_dir() {
        return;
    }
    for path in walk_files(&dir, &mut site.diagnostics) {
        let name = slash_path(path.strip_prefix(&dir).unwrap_or(&path));
        match std::fs::read(&path) {
            Ok(bytes) => site.statics.push(StaticFile { name, bytes }),
            Err(err) => {
                let shown = display_path(site, &path);
                site.diagnostics.push(Diagnostic::error(shown, None, format!("cannot read this file: {err}")));
            }
        }
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system (the path need not exist).
pub fn normalize_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// A relative path with `/` separators on every platform.
pub fn slash_path(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_split_with_offsets() {
        let text = "+++\ntitle = \"A\"\n+++\nBody\n";
        let (front, front_offset, body_offset) = split_front_matter(text).expect("valid");
        assert_eq!(front, "title = \"A\"\n");
        assert_eq!(front_offset, 4);
        assert_eq!(&text[body_offset..], "Body\n");
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let err = split_front_matter("+++\ntitle = \"A\"\nBody\n").expect_err("unclosed");
        assert_eq!(err.message, "front matter is never closed");
    }

    #[test]
    fn missing_front_matter_is_an_error() {
        let err = split_front_matter("# Title\n").expect_err("missing");
        assert_eq!(err.message, "missing front matter");
    }

    #[test]
    fn unknown_field_message_is_parsed() {
        let (field, expected) =
            parse_unknown_field("unknown field `speakr`, expected one of `id`, `speaker`").expect("parsed");
        assert_eq!(field, "speakr");
        assert_eq!(expected, vec!["id", "speaker"]);
    }

    #[test]
    fn toml_errors_are_shifted_by_the_offset() {
        let mut diagnostics = Vec::new();
        let parsed: Option<FrontMatter> = parse_toml(Path::new("a.md"), "title = \n", 4, &mut diagnostics);
        assert!(parsed.is_none());
        let span = diagnostics[0].span.clone().expect("span");
        assert!(span.start >= 4, "{span:?}");
    }
}
