//! CommonMark conformance: the 652 examples of the CommonMark spec 0.31.2 (npm `commonmark-spec`,
//! installed by `bash scripts/setup`) run through the project's Markdown pass, compared with the
//! spec's HTML after folding what the pass adds on purpose (see `normalize`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use briefing::markdown::{LinkStyle, MarkdownInput, Placeholder, fill_placeholders, render};
use briefing::model::{ModelOptions, Site, build_model};

use crate::support::fixtures;

/// Examples whose HTML differs from the spec on purpose, with the reason. None: all conform.
const EXPECTED_DIFFERENCES: &[(usize, &str)] = &[];

/// Examples the pass reports on purpose (its HTML still matches the spec), with what it reports and why.
const EXPECTED_DIAGNOSTICS: &[(usize, &str, &str)] = &[(
    484,
    "error: no page `target.md`",
    "a link to a `.md` file is a link to a page of the site, and the fixture has no `target.md`",
)];

/// One example of the spec: its number, section, Markdown and expected HTML.
struct Example {
    number: usize,
    section: String,
    markdown: String,
    html: String,
}

fn spec_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/commonmark-spec/spec.txt")
}

/// Reads the examples as the package's own `index.js` does: fenced by 32 backticks and `example`,
/// Markdown and HTML separated by a line `.`, `→` standing for a tab, sections named by headings.
fn examples(spec: &str) -> Vec<Example> {
    let fence = "`".repeat(32);
    let opening = format!("{fence} example");
    let spec = spec.split("\n<!-- END TESTS -->").next().unwrap_or(spec);
    let mut examples = Vec::new();
    let mut section = String::new();
    let mut lines = spec.lines();
    while let Some(line) = lines.next() {
        if line == opening {
            let mut markdown = String::new();
            let mut html = String::new();
            let mut in_html = false;
            for line in lines.by_ref() {
                if line == fence {
                    break;
                } else if line == "." && !in_html {
                    in_html = true;
                } else {
                    let part = if in_html { &mut html } else { &mut markdown };
                    part.push_str(&line.replace('→', "\t"));
                    part.push('\n');
                }
            }
            examples.push(Example { number: examples.len() + 1, section: section.clone(), markdown, html });
        } else if let Some(heading) = heading(line) {
            section = heading.to_string();
        }
    }
    examples
}

fn heading(line: &str) -> Option<&str> {
    let hashes = line.chars().take_while(|&c| c == '#').count();
    ((1..=6).contains(&hashes) && line[hashes..].starts_with(' ')).then(|| line[hashes..].trim())
}

/// The base fixture's model: records and pages the pass resolves references against.
fn fixture_site() -> Site {
    let mut loaded = briefing::load::load_site(&briefing::Inputs::read(&fixtures().join("base")));
    let sources = std::mem::take(&mut loaded.sources);
    let mut diagnostics = Vec::new();
    let options = ModelOptions { include_drafts: false, base_url: None };
    build_model(loaded, &sources, &options, &mut diagnostics).expect("the base fixture builds")
}

/// Renders an example as the body of a page at the site root; its diagnostics as text.
fn render_example(site: &Site, markdown: &str) -> (String, Vec<String>) {
    let input = MarkdownInput {
        text: markdown,
        file: Path::new("content/example.md"),
        map: briefing::load::TextMap::Exact { start: 0 },
        page_url: "example.html",
        rel_dir: Path::new(""),
        id_prefix: "",
    };
    let rendered = render(&input, site);
    // Whether quoted words come from a source is a check of content, not of Markdown: the spec's
    // examples quote nothing the fixture's source holds.
    let diagnostics = rendered
        .diagnostics
        .iter()
        .filter(|d| !d.message.starts_with("words in quotation marks") && !d.message.starts_with("these quoted words"))
        .map(|d| format!("{}: {}", if d.is_error() { "error" } else { "warning" }, d.message))
        .collect();
    // Links are placeholders until it is known where the Markdown is shown: here, on its page.
    let style = LinkStyle::RelativeTo("example.html");
    let html = fill_placeholders(&rendered.html, &rendered.placeholders, |placeholder| match placeholder {
        Placeholder::Link { target, written } => style.href(target, written.as_deref()),
        Placeholder::Embed { .. } | Placeholder::Preview { .. } => String::new(),
    });
    (html, diagnostics)
}

/// Folds what the pass adds to CommonMark on purpose, on both the expected and the actual HTML:
/// - smart punctuation: curly quotes, dashes and ellipses back to ASCII (`“` → `"`, `’` → `'`,
///   `–` → `--`, `—` → `---`, `…` → `...`), and `&quot;` to `"` (pulldown-cmark leaves `"` in text
///   and code unescaped, where both mean the same);
/// - the ids of paragraphs (`p-N`), list items (`li-N`) and headings (generated from their text):
///   the pass writes those tags itself, so a newline between two tags (`>\n<`) is folded too, as
///   the spec's own `normalize.py` folds whitespace between block tags.
///
/// The GFM extensions are on (tables, task lists, footnotes, alerts); no example triggers them, so
/// their markup (table wrappers, checkboxes, notes, callouts) needs no folding.
fn normalize(html: &str) -> String {
    let mut out = html
        .replace("&quot;", "\"")
        .replace(['“', '”'], "\"")
        .replace(['‘', '’'], "'")
        .replace('—', "---")
        .replace('–', "--")
        .replace('…', "...");
    for tag in ["p", "li", "h1", "h2", "h3", "h4", "h5", "h6"] {
        out = strip_id(&out, tag);
    }
    out.replace(">\n<", "><")
}

/// `<tag id="…">` → `<tag>`, and `<tag id="…" class=…>` → `<tag class=…>`.
fn strip_id(html: &str, tag: &str) -> String {
    let needle = format!("<{tag} id=\"");
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(&needle) {
        out.push_str(&rest[..at]);
        out.push('<');
        out.push_str(tag);
        let after = &rest[at + needle.len()..];
        let end = after.find('"').map_or(after.len(), |i| i + 1);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_commonmark_spec_examples_render_as_the_spec_says() {
    let path = spec_path();
    let spec = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}): run `bash scripts/setup` to install the npm package commonmark-spec",
            path.display()
        )
    });
    let examples = examples(&spec);
    assert_eq!(examples.len(), 652, "commonmark-spec 0.31.2 has 652 examples");
    let site = fixture_site();
    let mut failing = BTreeSet::new();
    let mut report = String::new();
    for example in &examples {
        let (html, diagnostics) = render_example(&site, &example.markdown);
        let expected_diagnostics: Vec<String> = EXPECTED_DIAGNOSTICS
            .iter()
            .filter(|(n, _, _)| *n == example.number)
            .map(|(_, diagnostic, _)| diagnostic.to_string())
            .collect();
        if normalize(&html) != normalize(&example.html) || diagnostics != expected_diagnostics {
            failing.insert(example.number);
            report.push_str(&format!(
                "── example {} ({})\n{}── expected\n{}── got\n{}── diagnostics {diagnostics:?}\n",
                example.number, example.section, example.markdown, example.html, html
            ));
        }
    }
    let expected: BTreeSet<usize> = EXPECTED_DIFFERENCES.iter().map(|(n, _)| *n).collect();
    assert_eq!(failing, expected, "examples that differ from the spec:\n{report}");
}

#[test]
fn the_normalisation_folds_only_what_the_pass_adds() {
    assert_eq!(
        normalize("<h2 id=\"a-b\" class=\"x\">“Hi” – it’s…</h2>\n<p id=\"p-1\">x</p>\n<li id=\"li-2\">y</li>"),
        "<h2 class=\"x\">\"Hi\" -- it's...</h2><p>x</p><li>y</li>"
    );
    assert_eq!(
        normalize("<p>a &quot;b&quot;</p>\n<pre><code>x\n</code></pre>"),
        "<p>a \"b\"</p><pre><code>x\n</code></pre>"
    );
}
