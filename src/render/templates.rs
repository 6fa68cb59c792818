//! Templates: the theme embedded in the binary merged with the site's `templates/`, compiled once
//! into Tera 2, with every template error turned into a diagnostic that points into its file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use tera::{Context, ErrorKind, Tera};

use crate::diagnostics::{Diagnostic, SourceMap, did_you_mean};
use crate::load::TemplateFile;

mod theme {
    include!(concat!(env!("OUT_DIR"), "/theme.rs"));
}

/// Where the built-in theme's files are shown in diagnostics.
pub const THEME_DIR: &str = "<built-in theme>";

/// The theme's static files (`briefing.css`, `briefing.js`, …), name and bytes.
pub fn theme_statics() -> impl Iterator<Item = (&'static str, &'static [u8])> {
    theme::THEME_STATIC.iter().copied()
}

/// The theme's templates with the site's files of the same name put in their place.
pub fn merge_templates(site_templates: Vec<TemplateFile>) -> Vec<TemplateFile> {
    let mut by_name: BTreeMap<String, TemplateFile> = theme::THEME_TEMPLATES
        .iter()
        .map(|(name, bytes)| {
            let template = TemplateFile {
                name: (*name).to_string(),
                file: PathBuf::from(THEME_DIR).join(name),
                text: String::from_utf8_lossy(bytes).into_owned(),
            };
            ((*name).to_string(), template)
        })
        .collect();
    for template in site_templates {
        by_name.insert(template.name.clone(), template);
    }
    by_name.into_values().collect()
}

/// A compiled set of templates and where each came from, for error messages.
pub struct Templates {
    tera: Tera,
    files: BTreeMap<String, PathBuf>,
}

impl Templates {
    /// Parses every template, reporting every syntax error and inheritance problem found.
    pub fn compile(
        templates: &[TemplateFile],
        sources: &mut SourceMap,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Self> {
        let files: BTreeMap<String, PathBuf> = templates.iter().map(|t| (t.name.clone(), t.file.clone())).collect();
        for template in templates {
            if sources.get(&template.file).is_none() {
                sources.insert(template.file.clone(), template.text.as_str());
            }
        }
        let names: Vec<&str> = files.keys().map(String::as_str).collect();
        let mut valid = Vec::new();
        for template in templates {
            // Parsed one by one first so that every broken template is reported, not only the first.
            match Tera::new().add_raw_template(&template.name, &template.text) {
                Err(err) if matches!(err.kind(), ErrorKind::SyntaxError(_)) => {
                    diagnostics.push(template_error(&err, &files, sources, &names));
                }
                _ => valid.push((template.name.as_str(), template.text.as_str())),
            }
        }
        if valid.len() != templates.len() {
            return None;
        }
        let mut tera = Tera::new();
        tera.autoescape_on(vec![".html", ".xml"]);
        tera.set_escape_fn(escape_html);
        if let Err(err) = tera.add_raw_templates(valid) {
            diagnostics.extend(reference_errors(&err, &files, sources, &names));
            return None;
        }
        Some(Self { tera, files })
    }

    pub(super) fn render(&self, name: &str, context: &Context, sources: &SourceMap) -> Result<String, Diagnostic> {
        self.tera.render(name, context).map_err(|err| {
            let names: Vec<&str> = self.files.keys().map(String::as_str).collect();
            template_error(&err, &self.files, sources, &names)
        })
    }
}

/// HTML escaping for template output. Apostrophes are left alone (the theme double-quotes every
/// attribute), so verbatim quotations such as "don't" stay byte-for-byte the same in the HTML.
fn escape_html(input: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let bytes = input.as_bytes();
    let mut last = 0;
    for (i, byte) in bytes.iter().enumerate() {
        let replacement: &[u8] = match byte {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            _ => continue,
        };
        out.write_all(&bytes[last..i])?;
        out.write_all(replacement)?;
        last = i + 1;
    }
    out.write_all(&bytes[last..])
}

/// Turns a Tera error into a diagnostic pointing into the template file that caused it.
fn template_error(
    err: &tera::Error,
    files: &BTreeMap<String, PathBuf>,
    sources: &SourceMap,
    names: &[&str],
) -> Diagnostic {
    let file_of = |name: &str| files.get(name).cloned().unwrap_or_else(|| PathBuf::from("templates").join(name));
    let missing = |file: PathBuf, wanted: &str, what: &str| {
        let span = sources.get(&file).and_then(|text| quoted_span(text, wanted));
        let help = match did_you_mean(wanted, names.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("add `templates/{wanted}`, or use one of: {}", names.join(", ")),
        };
        Diagnostic::error(file, span, format!("{what} `{wanted}` does not exist"))
            .with_label("no such template")
            .with_help(help)
    };
    match err.kind() {
        ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
            let file = file_of(report.filename());
            let span = report.span().range.clone();
            let syntax = matches!(err.kind(), ErrorKind::SyntaxError(_));
            let message = if syntax {
                format!("template syntax error: {}", report.message())
            } else {
                format!("template error: {}", report.message())
            };
            let help = if syntax {
                "check the `{{ … }}` and `{% … %}` tags near the caret; see docs/TEMPLATES.md"
            } else {
                "every variable a template uses must exist in its context (Tera 2 is strict); see docs/TEMPLATES.md for what each template gets, and use `{% if x is defined %}` for optional ones"
            };
            Diagnostic::error(file, Some(span), message).with_help(help)
        }
        ErrorKind::MissingParent { current, parent } => missing(file_of(current), parent, "the parent template"),
        ErrorKind::TemplateNotFound(name) => {
            let includer = files
                .iter()
                .find(|(_, file)| sources.get(file).is_some_and(|text| quoted_span(text, name).is_some()))
                .map(|(n, _)| n.clone());
            match includer {
                Some(includer) => missing(file_of(&includer), name, "the template"),
                None => missing(PathBuf::from("templates").join(name), name, "the template"),
            }
        }
        ErrorKind::CircularExtend { tpl, inheritance_chain } => Diagnostic::error(
            file_of(tpl),
            None,
            format!("templates extend each other in a circle: {}", inheritance_chain.join(" → ")),
        )
        .with_help("one of them must not use `{% extends %}`"),
        other => Diagnostic::error(PathBuf::from("templates"), None, format!("template error: {other}")),
    }
}

/// Tera reports unknown filters, tests, functions, components and includes of all templates at once,
/// as one message of rustc-style reports; each becomes its own diagnostic.
fn reference_errors(
    err: &tera::Error,
    files: &BTreeMap<String, PathBuf>,
    sources: &SourceMap,
    names: &[&str],
) -> Vec<Diagnostic> {
    let ErrorKind::Msg(message) = err.kind() else {
        return vec![template_error(err, files, sources, names)];
    };
    let reports = parse_reports(message);
    if reports.is_empty() {
        return vec![template_error(err, files, sources, names)];
    }
    let components: Vec<String> = files
        .values()
        .filter_map(|file| sources.get(file))
        .flat_map(|text| text.match_indices("{% component ").map(move |(i, m)| &text[i + m.len()..]))
        .filter_map(|rest| rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next())
        .map(str::to_string)
        .collect();
    reports
        .into_iter()
        .map(|report| {
            let file = files.get(&report.template).cloned().unwrap_or_else(|| PathBuf::from("templates").join(&report.template));
            let span = sources.get(&file).map(|text| {
                let start = crate::diagnostics::offset_of(text, report.line, report.col.saturating_sub(1));
                start..start + report.width.max(1)
            });
            let wanted = report.message.split('`').nth(1).unwrap_or("");
            let help = if report.message.starts_with("Unknown template") {
                did_you_mean(wanted, names.iter().copied()).map(|c| format!("did you mean `{c}`?"))
            } else if report.message.starts_with("Unknown filter") {
                did_you_mean(wanted, TERA_FILTERS).map(|c| format!("did you mean `{c}`?"))
            } else if report.message.starts_with("Unknown component") {
                did_you_mean(wanted, components.iter().map(String::as_str)).map(|c| format!("did you mean `{c}`?"))
            } else {
                None
            };
            Diagnostic::error(file, span, format!("template error: {}", report.message))
                .with_help(help.unwrap_or_else(|| "see Tera 2's documentation for the built-in filters, tests and functions, and docs/TEMPLATES.md for the theme's templates and components".to_string()))
        })
        .collect()
}

/// Tera 2.4's built-in filters, for suggestions (Tera does not list them publicly).
const TERA_FILTERS: [&str; 37] = [
    "safe",
    "default",
    "upper",
    "lower",
    "wordcount",
    "escape",
    "escape_html",
    "escape_xml",
    "newlines_to_br",
    "pluralize",
    "trim",
    "trim_start",
    "trim_end",
    "replace",
    "capitalize",
    "title",
    "truncate",
    "indent",
    "str",
    "int",
    "float",
    "length",
    "reverse",
    "split",
    "abs",
    "round",
    "first",
    "last",
    "nth",
    "join",
    "sort",
    "unique",
    "get",
    "values",
    "keys",
    "pairs",
    "group_by",
];

/// One report inside a Tera message: what, which template, where.
#[derive(Debug, PartialEq, Eq)]
struct Report {
    message: String,
    template: String,
    line: usize,
    col: usize,
    width: usize,
}

/// Parses `error: MESSAGE\n --> NAME:LINE:COL\n |\n N | source\n | ^^^^` blocks.
fn parse_reports(text: &str) -> Vec<Report> {
    let mut reports = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(message) = line.trim().strip_prefix("error: ") else { continue };
        let Some(location) = lines.next().and_then(|l| l.trim().strip_prefix("--> ")) else { continue };
        let mut parts = location.rsplitn(3, ':');
        let (Some(col), Some(line_no), Some(template)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let (Ok(col), Ok(line_no)) = (col.parse::<usize>(), line_no.parse::<usize>()) else { continue };
        let mut width = 1;
        while let Some(next) = lines.peek() {
            if next.trim().starts_with("error: ") {
                break;
            }
            if let Some(carets) = next.split('|').nth(1).filter(|rest| rest.contains('^')) {
                width = carets.chars().filter(|&c| c == '^').count();
            }
            lines.next();
        }
        reports.push(Report {
            message: message.trim().to_string(),
            template: template.to_string(),
            line: line_no,
            col,
            width,
        });
    }
    reports
}

/// The span of `"name"` or `'name'` in a template, to point at a missing template's name.
fn quoted_span(text: &str, name: &str) -> Option<std::ops::Range<usize>> {
    ['"', '\''].into_iter().find_map(|q| {
        let needle = format!("{q}{name}{q}");
        text.find(&needle).map(|i| i + 1..i + 1 + name.len())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_apostrophes_and_escapes_markup() {
        let mut out = Vec::new();
        escape_html("don't <b> & \"x\"", &mut out).expect("write to a Vec");
        assert_eq!(String::from_utf8_lossy(&out), "don't &lt;b&gt; &amp; &quot;x&quot;");
    }

    #[test]
    fn tera_reports_are_split_into_positions() {
        let text = "error: Unknown filter `nope`\n --> 404.html:2:17\n  |\n2 | {{ x | nope }}\n  |        ^^^^\n\nerror: Unknown template `p.html`\n --> a.html:1:12\n";
        let reports = parse_reports(text);
        assert_eq!(reports.len(), 2);
        assert_eq!(
            reports[0],
            Report { message: "Unknown filter `nope`".into(), template: "404.html".into(), line: 2, col: 17, width: 4 }
        );
        assert_eq!(reports[1].template, "a.html");
    }

    #[test]
    fn quoted_template_names_are_found() {
        let text = "{% extends \"bse.html\" %}";
        assert_eq!(quoted_span(text, "bse.html"), Some(12..20));
    }
}
