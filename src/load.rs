//! Load: walk the site folder, read every file once (sources' local copies too, confined to the
//! site), split front matter, and parse TOML into typed values that keep the span of every value.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
mod inputs;
mod text_map;
pub use inputs::{FOLDERS, InputFile, Inputs, Refused, SOURCE_FILE_LIMIT, is_ignored};
pub use text_map::TextMap;

use crate::diagnostics::{Diagnostic, SourceMap, did_you_mean, suggestion};
use crate::format::{Config, FrontMatter, Kind, Record, RecordData, RecordKey, is_language_tag};

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
    /// The text of each source's local copy (`file = "…"`), keyed by the path as written.
    /// Files that could not be read safely are missing (and reported at their `file` value).
    pub source_texts: BTreeMap<String, String>,
    /// Pages (`content/`-relative) that could not be read or whose front matter failed (already
    /// reported): links to them are not reported again.
    pub broken_pages: Vec<PathBuf>,
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
    /// Where it was read from, as shown to users (`static/logo.svg`).
    pub file: PathBuf,
}

/// Parses the site's inputs (see `Inputs::read`). Problems become diagnostics; loading never
/// stops early. Pure: everything it reads is in `inputs`.
pub fn load_site(inputs: &Inputs) -> LoadedSite {
    let mut site = LoadedSite { root: inputs.root().to_path_buf(), ..LoadedSite::default() };
    site.diagnostics.extend(inputs.problems());
    load_config(&mut site, inputs);
    let content = Path::new("content");
    if inputs.is_dir(content) {
        for (path, file) in inputs.files_under(content) {
            match path.extension().and_then(|e| e.to_str()) {
                Some("md") => load_page(&mut site, path, file),
                Some("toml") => load_record_file(&mut site, path, file),
                _ => {}
            }
        }
    } else {
        site.diagnostics.push(
            Diagnostic::error("content", None, "the site has no `content/` folder")
                .with_help("create `content/_index.md` (run `briefing init DIR` for a starting point)"),
        );
    }
    load_source_files(&mut site, inputs);
    load_templates(&mut site, inputs);
    load_statics(&mut site, inputs);
    site
}

/// A file's text, recorded for diagnostics; an invalid UTF-8 file is an error at its first bad byte.
fn read_text(site: &mut LoadedSite, path: &Path, file: &InputFile) -> Option<(PathBuf, String)> {
    let shown = path.to_path_buf();
    match String::from_utf8(file.bytes.to_vec()) {
        Ok(text) => {
            let text = replace_nul(text, &shown, &mut site.diagnostics);
            site.sources.insert(shown.clone(), text.as_str());
            Some((shown, text))
        }
        Err(err) => {
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

fn load_config(site: &mut LoadedSite, inputs: &Inputs) {
    let path = Path::new("site.toml");
    let Some(input) = inputs.get(path) else {
        site.diagnostics.push(
            Diagnostic::error("site.toml", None, "the site has no `site.toml`")
                .with_help("create it with at least `title = \"…\"` and `base_url = \"https://…/\"`"),
        );
        return;
    };
    let Some((file, text)) = read_text(site, path, input) else { return };
    site.config = parse_toml::<Config>(&file, &text, 0, &mut site.diagnostics);
    if let Some(config) = &site.config {
        check_config(&file, config, &mut site.diagnostics);
    }
}

/// The settings that serde cannot check by type: a non-blank title, a language tag and a feed
/// limit of at least 1. Each error
/// points at the value. (`base_url` is checked by the model, which knows whether `--base-url`
/// replaces it.)
fn check_config(file: &Path, config: &Config, diagnostics: &mut Vec<Diagnostic>) {
    if config.title.get_ref().trim().is_empty() {
        diagnostics.push(
            Diagnostic::error(file, Some(config.title.span()), "the site `title` is empty")
                .with_label("empty title")
                .with_help("write the briefing's title, e.g. `title = \"Netflix and generative AI\"`"),
        );
    }
    if let Some(language) = &config.language
        && !is_language_tag(language.get_ref())
    {
        let written = language.get_ref();
        let help = match written.replace('_', "-") {
            fixed if fixed != *written && is_language_tag(&fixed) => format!("did you mean `{fixed}`?"),
            _ => "write a BCP 47 language tag such as `en`, `en-GB`, `pt-BR` or `zh-Hant`".to_string(),
        };
        let message = match written.trim() {
            "" => "`language` is empty".to_string(),
            _ => format!("`{}` is not a language tag", written.escape_debug()),
        };
        diagnostics.push(
            Diagnostic::error(file, Some(language.span()), message).with_label("not a BCP 47 tag").with_help(help),
        );
    }
    if let Some(limit) = &config.feed_limit
        && *limit.get_ref() < 1
    {
        diagnostics.push(
            Diagnostic::error(
                file,
                Some(limit.span()),
                format!("`feed_limit` is {}; the feed needs at least one entry", limit.get_ref()),
            )
            .with_label("not a positive number")
            .with_help(format!(
                "write how many of the newest entries the feed holds, e.g. `feed_limit = {}` (the default)",
                crate::format::DEFAULT_FEED_LIMIT
            )),
        );
    }
}

/// The absolute URL a site is published at (`--base-url`, or `base_url` in site.toml): checked
/// once, here, and always ending with `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        match base_url_problem(url) {
            Some(problem) => Err(problem),
            None if url.ends_with('/') => Ok(Self(url.to_string())),
            None => Ok(Self(format!("{url}/"))),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for BaseUrl {
    type Err = String;

    /// For `--base-url`: the message says what an absolute URL looks like.
    fn from_str(url: &str) -> Result<Self, Self::Err> {
        Self::parse(url)
            .map_err(|problem| format!("{problem}; it must be an absolute URL such as https://example.org/briefing/"))
    }
}

impl std::fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What is wrong with `url` as a base URL, if anything: it must be `https://host/…` or
/// `http://host/…`, as canonical links, feeds and sitemaps need. The one check for `base_url` in
/// site.toml and `--base-url`.
pub fn base_url_problem(url: &str) -> Option<String> {
    url_problem(url, &["https", "http"])
        .or_else(|| url.contains(['?', '#']).then(|| "a base URL has no `?query` or `#fragment`".to_string()))
}

/// What is wrong with `url` as an absolute URL with one of `schemes` (lowercase names), if
/// anything. `http` and `https` URLs need `//` and a host. No URL may hold whitespace, control
/// characters, or the characters that are never valid unencoded in a URL.
pub fn url_problem(url: &str, schemes: &[&str]) -> Option<String> {
    if url.is_empty() {
        return Some("empty".to_string());
    }
    if url.starts_with(char::is_whitespace) || url.ends_with(char::is_whitespace) {
        return Some("space around the URL".to_string());
    }
    if let Some(c) = url.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Some(match c {
            ' ' => "contains a space (write `%20`)".to_string(),
            c if c.is_whitespace() => "contains whitespace".to_string(),
            c => format!("contains the control character U+{:04X}", u32::from(c)),
        });
    }
    if let Some(c) = url.chars().find(|c| "\"<>\\^`{|}".contains(*c)) {
        return Some(format!("contains `{c}`, which must be percent-encoded"));
    }
    let scheme = url.split_once(':').map(|(scheme, _)| scheme).filter(|s| is_scheme(s));
    let Some(scheme) = scheme else {
        return Some(format!("not an absolute URL: it needs a scheme such as `{}:`", schemes[0]));
    };
    let rest = &url[scheme.len() + 1..];
    let scheme = scheme.to_ascii_lowercase();
    if !schemes.contains(&scheme.as_str()) {
        return Some(format!("`{scheme}:` URLs are not allowed here"));
    }
    match scheme.as_str() {
        "http" | "https" => host_problem(rest),
        _ if rest.is_empty() => Some(format!("nothing follows `{scheme}:`")),
        _ => None,
    }
}

/// `[a-zA-Z][a-zA-Z0-9+.-]*`, as RFC 3986 defines a scheme.
fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// What is wrong with the `//host:port/…` part of an http(s) URL, if anything.
fn host_problem(rest: &str) -> Option<String> {
    let Some(after) = rest.strip_prefix("//") else {
        return Some("`//` and a host must follow the scheme".to_string());
    };
    let authority = after.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host_port)| host_port);
    let (host, port) = match host_port.rfind(':') {
        Some(i) if !host_port[i..].contains(']') => (&host_port[..i], Some(&host_port[i + 1..])),
        _ => (host_port, None),
    };
    if let Some(port) = port
        && port.parse::<u16>().is_err()
    {
        return Some(format!("the port `{port}` is not a number from 0 to 65535"));
    }
    if host.is_empty() {
        return Some("no host".to_string());
    }
    let valid = match host.strip_prefix('[') {
        Some(ipv6) => ipv6.strip_suffix(']').is_some_and(|inner| {
            inner.contains(':') && inner.chars().all(|c| c.is_ascii_hexdigit() || ":.".contains(c))
        }),
        None => host
            .strip_suffix('.')
            .unwrap_or(host)
            .split('.')
            .all(|label| !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')),
    };
    (!valid).then(|| format!("`{host}` is not a host name"))
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
    let mut value = Spanned::new(span, DeValue::Table(table.into_inner()));
    replace_nul_characters(&mut value, file, text, offset, diagnostics);
    deserialize_value(file, value, offset, diagnostics)
}

/// A `\u0000` escape would put NUL into pages (and the renderer reserves NUL for its own
/// markers): every NUL in a string value becomes U+FFFD, with a warning at the string.
fn replace_nul_characters(
    value: &mut Spanned<DeValue<'_>>,
    file: &Path,
    text: &str,
    offset: usize,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut replaced = Vec::new();
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        let span = value.span();
        match value.get_mut() {
            DeValue::String(text) if text.contains('\0') => {
                *text = Cow::Owned(text.replace('\0', "\u{fffd}"));
                replaced.push(span);
            }
            DeValue::Array(items) => stack.extend(items.iter_mut()),
            DeValue::Table(table) => stack.extend(table.iter_mut().map(|(_, value)| value)),
            _ => {}
        }
    }
    replaced.sort_by_key(|span| span.start);
    for span in replaced {
        let span = nul_escape_in(text, span);
        diagnostics.push(
            Diagnostic::warning(file, shift(Some(span), offset), "this string contains a NUL character (`\\u0000`)")
                .with_label("NUL replaced by U+FFFD")
                .with_help("remove the `\\u0000` escape: NUL cannot appear in a page"),
        );
    }
}

/// The first `\u0000` (or `\U00000000`) escape inside a string's span, or the whole span.
fn nul_escape_in(text: &str, span: Range<usize>) -> Range<usize> {
    let raw = text.get(span.clone()).unwrap_or("");
    ["\\u0000", "\\U00000000"]
        .iter()
        .filter_map(|escape| raw.find(escape).map(|i| span.start + i..span.start + i + escape.len()))
        .min_by_key(|found| found.start)
        .unwrap_or(span)
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
    let message = error.message().trim();
    let help = if message.starts_with("invalid date") {
        "write a day that exists, e.g. `2025-10-21`; for only a month or a year, write a string: `\"2025-10\"` or `\"2025\"`"
    } else {
        "check the quotes, brackets and `=` signs near the caret (strings need \"…\", arrays […])"
    };
    Diagnostic::error(file, shift(error.span(), offset), format!("invalid TOML: {message}")).with_help(help)
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
    } else if message.contains("is not a date") || message.contains("is not a day") {
        diagnostic = diagnostic.with_help("write a day that exists, e.g. `2025-10-21`, or only `2025-10` or `2025`");
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

fn load_page(site: &mut LoadedSite, path: &Path, input: &InputFile) {
    let rel = path.strip_prefix("content").unwrap_or(path).to_path_buf();
    let Some((file, text)) = read_text(site, path, input) else {
        site.broken_pages.push(rel);
        return;
    };
    let (front_text, front_offset, body_offset) = match split_front_matter(&text) {
        Ok(parts) => parts,
        Err(mut diagnostic) => {
            diagnostic.file = file;
            site.diagnostics.push(diagnostic);
            site.broken_pages.push(rel);
            return;
        }
    };
    let Some(front) = parse_toml::<FrontMatter>(&file, front_text, front_offset, &mut site.diagnostics) else {
        site.broken_pages.push(rel);
        return;
    };
    site.pages.push(PageSource { file, rel, front, front_offset, body: text[body_offset..].to_string(), body_offset });
}

/// Parses a records file: every top-level key must be a record kind holding an array of tables;
/// each table is deserialized on its own so one bad record does not hide the others.
pub(crate) fn load_record_file(site: &mut LoadedSite, path: &Path, input: &InputFile) {
    let Some((file, text)) = read_text(site, path, input) else {
        // Still keep quiet about references to the records this file declares.
        let declared = site.sources.get(path).map(declared_record_keys).unwrap_or_default();
        site.broken_records.extend(declared);
        return;
    };
    let (table, errors) = DeTable::parse_recoverable(&text);
    if !errors.is_empty() {
        for error in &errors {
            site.diagnostics.push(syntax_error(&file, error, 0));
        }
        site.broken_records.extend(declared_record_keys(&text));
        return;
    }
    let span = table.span();
    let mut document = Spanned::new(span, DeValue::Table(table.into_inner()));
    replace_nul_characters(&mut document, &file, &text, 0, &mut site.diagnostics);
    let DeValue::Table(table) = document.into_inner() else { return };
    for (key, value) in table {
        let name = key.get_ref().as_ref();
        let Some(kind) = Kind::from_table_name(name) else {
            let names = Kind::ALL.iter().map(|k| k.table_name());
            // `[[quotes]]` for `[[quote]]`: one error here, none for every reference to its records.
            if let Some(meant) = did_you_mean(name, names.clone()).and_then(Kind::from_table_name)
                && let DeValue::Array(items) = value.get_ref()
            {
                site.broken_records.extend(items.iter().filter_map(record_id).map(|id| RecordKey::new(meant, id)));
            }
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

/// The records a TOML file declares, found by a lenient line scan (`[[kind]]` headers and
/// `id = "…"` lines) for a file that does not parse: its records are reported broken once, by
/// the syntax error, and references to them elsewhere are not reported again.
fn declared_record_keys(text: &str) -> Vec<RecordKey> {
    let mut keys = Vec::new();
    let mut kind = None;
    for line in text.lines().map(str::trim) {
        if let Some(header) = line.strip_prefix("[[").and_then(|rest| rest.split_once("]]")) {
            kind = Kind::from_table_name(header.0.trim());
        } else if line.starts_with('[') {
            kind = None;
        } else if let Some(kind) = kind
            && let Some((key, value)) = line.split_once('=')
            && key.trim() == "id"
            && let Some(id) = quoted_prefix(value.trim())
        {
            keys.push(RecordKey::new(kind, id));
        }
    }
    keys
}

/// The text of a `"…"` or `'…'` string at the start of `text` (escapes are not interpreted: ids
/// are plain slugs).
fn quoted_prefix(text: &str) -> Option<&str> {
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &text[1..];
    rest.find(quote).map(|end| &rest[..end])
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

/// The most a source's local copy may hold: far more than an article, and a bound on what a
/// build reads (documented in docs/FORMAT.md).
/// Finds the local copy of every source that names a `file`: a regular file in `sources/` (after
/// following symbolic links that stay inside the site), at most `SOURCE_FILE_LIMIT` bytes, valid
/// UTF-8. Anything else is an error at the `file` value. A path named by several sources is
/// decoded once.
fn load_source_files(site: &mut LoadedSite, inputs: &Inputs) {
    let mut read: BTreeMap<String, Result<String, SourceFileProblem>> = BTreeMap::new();
    for record in &site.records {
        let RecordData::Source(source) = &record.data else { continue };
        let Some(file) = &source.file else { continue };
        let written = file.get_ref();
        let result = read.entry(written.clone()).or_insert_with(|| read_source_file(inputs, written));
        if let Err(problem) = result {
            site.diagnostics.push(problem.diagnostic(&record.file, file));
        }
    }
    site.source_texts = read.into_iter().filter_map(|(path, text)| Some((path, text.ok()?))).collect();
}

/// Why a source's `file` was not read.
#[derive(Debug)]
enum SourceFileProblem {
    Empty,
    Absolute,
    OutsideRoot,
    ThroughLink,
    Missing { suggestion: Option<String> },
    NotInSources,
    Unreadable(String),
    Folder,
    NotRegular,
    TooLarge(u64),
    NotUtf8 { at: usize },
}

impl SourceFileProblem {
    fn diagnostic(&self, record_file: &Path, file: &Spanned<String>) -> Diagnostic {
        let written = file.get_ref().escape_debug().to_string();
        let inside = "the path is relative to the site root (the folder holding site.toml); copy the file into the site, e.g. into `sources/`";
        let (message, label, help) = match self {
            Self::Empty => ("the source `file` is empty".to_string(), "empty path", inside.to_string()),
            Self::Absolute => {
                (format!("source file `{written}` is an absolute path"), "absolute path", inside.to_string())
            }
            Self::OutsideRoot => (
                format!("source file `{written}` is outside the site folder"),
                "leaves the site folder",
                inside.to_string(),
            ),
            Self::ThroughLink => (
                format!("source file `{written}` leads outside the site folder through a symbolic link"),
                "links outside the site",
                "copy the file into the site instead of linking to it".to_string(),
            ),
            Self::Missing { suggestion } => (
                format!("source file `{written}` does not exist"),
                "no such file",
                suggestion.clone().unwrap_or_else(|| inside.to_string()),
            ),
            Self::NotInSources => (
                format!("source file `{written}` is not in the `sources/` folder"),
                "not in sources/",
                "briefing reads source files from `sources/`: move the file there and name it `sources/…`".to_string(),
            ),
            Self::Unreadable(err) => (
                format!("cannot read source file `{written}`: {err}"),
                "unreadable",
                "check the file's permissions".to_string(),
            ),
            Self::Folder => (
                format!("source file `{written}` is a folder"),
                "a folder, not a file",
                "name the text file inside it, e.g. `sources/article.txt`".to_string(),
            ),
            Self::NotRegular => (
                format!("source file `{written}` is not a regular file"),
                "not a regular file",
                "a source file must be a plain text file (not a pipe, socket or device)".to_string(),
            ),
            Self::TooLarge(size) => (
                format!(
                    "source file `{written}` is too large ({}; the limit is {} MiB)",
                    human_size(*size),
                    SOURCE_FILE_LIMIT / (1024 * 1024)
                ),
                "too large",
                "keep only the text of the article the quotes come from".to_string(),
            ),
            Self::NotUtf8 { at } => (
                format!("source file `{written}` is not valid UTF-8 (byte {at})"),
                "not UTF-8",
                "save the file as UTF-8 plain text".to_string(),
            ),
        };
        Diagnostic::error(record_file, Some(file.span()), message).with_label(label).with_help(help)
    }
}

/// `16.0 MiB`, `812 KiB`, `300 bytes`.
fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

/// Finds the source file named `written` (relative to the site root) in `inputs`, refusing
/// anything outside `sources/`, anything but a regular file, and more than `SOURCE_FILE_LIMIT` bytes.
fn read_source_file(inputs: &Inputs, written: &str) -> Result<String, SourceFileProblem> {
    let path = Path::new(written);
    if written.trim().is_empty() {
        return Err(SourceFileProblem::Empty);
    }
    if path.has_root() || path.is_absolute() || matches!(path.components().next(), Some(Component::Prefix(_))) {
        return Err(SourceFileProblem::Absolute);
    }
    if escapes_upward(path) {
        return Err(SourceFileProblem::OutsideRoot);
    }
    let path = normalize_path(path);
    if let Some(file) = inputs.get(&path) {
        return String::from_utf8(file.bytes.to_vec())
            .map_err(|err| SourceFileProblem::NotUtf8 { at: err.utf8_error().valid_up_to() });
    }
    if let Some(refused) = inputs.refused(&path) {
        return Err(match refused {
            Refused::ThroughLink => SourceFileProblem::ThroughLink,
            Refused::NotRegular => SourceFileProblem::NotRegular,
            Refused::TooLarge(size) => SourceFileProblem::TooLarge(*size),
            Refused::Unreadable(err) => SourceFileProblem::Unreadable(err.clone()),
        });
    }
    if inputs.is_dir(&path) {
        return Err(SourceFileProblem::Folder);
    }
    if !path.starts_with("sources") {
        return Err(SourceFileProblem::NotInSources);
    }
    Err(SourceFileProblem::Missing { suggestion: sibling_suggestion(inputs, &path) })
}

/// Whether a relative path climbs above its starting folder with `..` (`a/../../b` does).
fn escapes_upward(path: &Path) -> bool {
    let mut depth = 0usize;
    for component in path.components() {
        match component {
            Component::ParentDir if depth == 0 => return true,
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
    }
    false
}

/// "did you mean `sources/article.txt`?" when a file beside the one named has a close name.
fn sibling_suggestion(inputs: &Inputs, path: &Path) -> Option<String> {
    let dir = path.parent().unwrap_or(Path::new(""));
    let siblings: Vec<String> = inputs.entries_of(dir).iter().map(|p| slash_path(p)).collect();
    suggestion(&slash_path(path), siblings.iter().map(String::as_str))
}

fn load_templates(site: &mut LoadedSite, inputs: &Inputs) {
    let dir = Path::new("templates");
    for (path, input) in inputs.files_under(dir) {
        let name = slash_path(path.strip_prefix(dir).unwrap_or(path));
        if let Some((file, text)) = read_text(site, path, input) {
            site.templates.push(TemplateFile { name, file, text });
        }
    }
}

fn load_statics(site: &mut LoadedSite, inputs: &Inputs) {
    let dir = Path::new("static");
    for (path, input) in inputs.files_under(dir) {
        let name = slash_path(path.strip_prefix(dir).unwrap_or(path));
        site.statics.push(StaticFile { name, bytes: input.bytes.to_vec(), file: path.to_path_buf() });
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
    use crate::diagnostics::Severity;

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
        // The value is missing at byte 8 of the front matter (the newline), 12 in the file.
        assert_eq!(diagnostics[0].span, Some(12..12), "{:?}", diagnostics[0]);
    }

    #[test]
    fn nul_characters_in_strings_are_replaced_with_a_warning() {
        let mut diagnostics = Vec::new();
        let text = "title = \"a\\u0000b\"\ntopics = [\"x\", \"\\u0000\"]\n";
        let parsed: FrontMatter = parse_toml(Path::new("a.md"), text, 4, &mut diagnostics).expect("parses");
        assert_eq!(parsed.title.get_ref(), "a\u{fffd}b");
        assert_eq!(parsed.topics[1].get_ref(), "\u{fffd}");
        let spans: Vec<_> = diagnostics.iter().map(|d| (d.severity, d.span.clone())).collect();
        assert_eq!(spans, vec![(Severity::Warning, Some(14..20)), (Severity::Warning, Some(39..45))], "at the escapes");
    }

    #[test]
    fn urls_are_checked_for_scheme_host_and_characters() {
        let web = ["https", "http", "mailto"];
        for good in [
            "https://example.org/",
            "HTTPS://Example.org",
            "http://localhost:8080/a?b=c#d",
            "https://[::1]/",
            "https://bücher.example/",
            "mailto:desk@example.org",
        ] {
            assert_eq!(url_problem(good, &web), None, "{good}");
        }
        for (bad, problem) in [
            ("javascript:alert(1)", "`javascript:` URLs are not allowed here"),
            ("JavaScript:alert(1)", "`javascript:` URLs are not allowed here"),
            (" https://example.org/", "space around the URL"),
            ("https://example.org/\n", "space around the URL"),
            ("https://example.org/a b", "contains a space (write `%20`)"),
            ("https://example.org/a\u{2003}b", "contains whitespace"),
            ("https://exa\u{7}mple.org/", "contains the control character U+0007"),
            ("https://example.org/<x>", "contains `<`, which must be percent-encoded"),
            ("example.org", "not an absolute URL: it needs a scheme such as `https:`"),
            ("https:example.org", "`//` and a host must follow the scheme"),
            ("https:///path", "no host"),
            ("https://exa..mple.org/", "`exa..mple.org` is not a host name"),
            ("https://example.org:99999/", "the port `99999` is not a number from 0 to 65535"),
            ("mailto:", "nothing follows `mailto:`"),
            ("", "empty"),
        ] {
            assert_eq!(url_problem(bad, &web).as_deref(), Some(problem), "{bad}");
        }
    }

    #[test]
    fn base_urls_are_http_with_a_host_and_no_query() {
        assert_eq!(base_url_problem("https://example.org/briefing/"), None);
        assert_eq!(base_url_problem("http://example.org"), None);
        assert!(base_url_problem("https://exa mple.org/").is_some());
        assert!(base_url_problem("/briefing/").is_some());
        assert!(base_url_problem("mailto:desk@example.org").is_some());
        assert!(base_url_problem("https://example.org/?page=1").is_some());
    }

    #[test]
    fn the_records_a_broken_file_declares_are_recovered() {
        let text = "[[quote]]\nid = \"a\"\ntext = \"unterminated\n\n[[person]]\n  id = 'b'\n[site]\nid = \"c\"\n[[nope]]\nid = \"d\"\n";
        assert_eq!(
            declared_record_keys(text),
            vec![RecordKey::new(Kind::Quote, "a"), RecordKey::new(Kind::Person, "b")]
        );
    }

    #[test]
    fn source_paths_may_not_climb_out() {
        assert!(escapes_upward(Path::new("../x")));
        assert!(escapes_upward(Path::new("a/../../x")));
        assert!(!escapes_upward(Path::new("a/../x")));
        assert!(!escapes_upward(Path::new("./sources/x.txt")));
    }
}
