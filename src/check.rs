//! Check: reads rendered pages back with an HTML5 tokenizer and verifies what readers rely on —
//! every internal link and `#fragment` resolves, ids are unique, and every id reference points at an id.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use crate::markdown::{has_scheme, percent_decode, resolve_relative, start_tag_attributes};
use crate::output::OutputFile;

/// Attributes holding a URL that may point inside the site.
const URL_ATTRIBUTES: [&str; 3] = ["href", "src", "poster"];

/// Attributes holding space-separated ids of elements on the same page.
const IDREF_ATTRIBUTES: [&str; 5] = ["for", "aria-describedby", "aria-labelledby", "aria-controls", "aria-owns"];

/// Something wrong with one page's links or ids.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The page, as a root-relative output path.
    pub page: String,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProblemKind {
    /// A link to a file the build did not write.
    MissingFile { link: String, file: String },
    /// A link whose `#fragment` names no element of its target page.
    MissingFragment { link: String, file: String, fragment: String },
    /// Two elements of the page share an id.
    DuplicateId { id: String },
    /// A `for`/`aria-*` attribute names an id the page does not have.
    MissingIdRef { attribute: String, id: String },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let page = &self.page;
        match &self.kind {
            ProblemKind::MissingFile { link, file } => {
                write!(f, "{page}: `{link}` points at `{file}`, which is not in the output")
            }
            ProblemKind::MissingFragment { link, file, fragment } => {
                write!(f, "{page}: `{link}` points at `#{fragment}`, which `{file}` does not have")
            }
            ProblemKind::DuplicateId { id } => write!(f, "{page}: the id `{id}` is used more than once"),
            ProblemKind::MissingIdRef { attribute, id } => {
                write!(f, "{page}: `{attribute}` names the id `{id}`, which the page does not have")
            }
        }
    }
}

/// The ids and outgoing references of one HTML page.
#[derive(Debug, Default)]
struct PageFacts {
    ids: BTreeSet<String>,
    duplicate_ids: BTreeSet<String>,
    links: Vec<String>,
    idrefs: Vec<(String, String)>,
}

/// Checks every HTML page among `files`; returns the problems found, sorted.
pub fn check_pages(files: &[OutputFile]) -> Vec<Problem> {
    let paths: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let facts: BTreeMap<&str, PageFacts> =
        files.iter().filter(|f| is_html(&f.path)).map(|f| (f.path.as_str(), page_facts(&f.bytes))).collect();
    let mut problems = Vec::new();
    for (&page, page_facts) in &facts {
        let problem = |kind| Problem { page: page.to_string(), kind };
        for id in &page_facts.duplicate_ids {
            problems.push(problem(ProblemKind::DuplicateId { id: id.clone() }));
        }
        for (attribute, id) in &page_facts.idrefs {
            if !page_facts.ids.contains(id) {
                problems.push(problem(ProblemKind::MissingIdRef { attribute: attribute.clone(), id: id.clone() }));
            }
        }
        for link in &page_facts.links {
            let Some((file, fragment)) = resolve(page, link) else { continue };
            if !paths.contains(file.as_str()) {
                problems.push(problem(ProblemKind::MissingFile { link: link.clone(), file }));
                continue;
            }
            let Some(fragment) = fragment else { continue };
            let target_ids = facts.get(file.as_str()).map(|f| &f.ids);
            if let Some(ids) = target_ids
                && !ids.contains(&fragment)
                && fragment != "top"
            {
                problems.push(problem(ProblemKind::MissingFragment { link: link.clone(), file, fragment }));
            }
        }
    }
    problems.sort();
    problems
}

fn is_html(path: &str) -> bool {
    path.ends_with(".html")
}

fn page_facts(html: &[u8]) -> PageFacts {
    let mut facts = PageFacts::default();
    for (name, value) in start_tag_attributes(html) {
        if name == "id" {
            if !facts.ids.insert(value.clone()) {
                facts.duplicate_ids.insert(value);
            }
        } else if URL_ATTRIBUTES.contains(&name.as_str()) {
            facts.links.push(value);
        } else if IDREF_ATTRIBUTES.contains(&name.as_str()) {
            facts.idrefs.extend(value.split_ascii_whitespace().map(|id| (name.clone(), id.to_string())));
        }
    }
    facts
}

/// The output file and fragment a link from `page` points at, or `None` when it leaves the site
/// (a scheme, `//host`, or a path from the host's root, which only the host can resolve).
fn resolve(page: &str, link: &str) -> Option<(String, Option<String>)> {
    let link = link.trim();
    if link.starts_with('/') || has_scheme(link) {
        return None;
    }
    let (rest, fragment) = match link.split_once('#') {
        Some((rest, fragment)) => (rest, Some(percent_decode(fragment)).filter(|f| !f.is_empty())),
        None => (link, None),
    };
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() {
        return Some((page.to_string(), fragment));
    }
    // A link that climbs above the root stays at the root, as browsers resolve it.
    let file = resolve_relative(page, &percent_decode(path)).unwrap_or_else(|| "index.html".to_string());
    let fragment = fragment.filter(|_| is_html(&file));
    Some((file, fragment))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &str, html: &str) -> OutputFile {
        OutputFile { path: path.to_string(), bytes: html.as_bytes().into() }
    }

    #[test]
    fn links_resolve_relative_to_their_page() {
        assert_eq!(resolve("quotes/a.html", "../one.html#p-2"), Some(("one.html".into(), Some("p-2".into()))));
        assert_eq!(resolve("a/b/c.html", "../d.html"), Some(("a/d.html".into(), None)));
        assert_eq!(resolve("a/b.html", "./"), Some(("a/index.html".into(), None)));
        assert_eq!(resolve("index.html", "#main"), Some(("index.html".into(), Some("main".into()))));
        assert_eq!(resolve("index.html", "caf%C3%A9.html"), Some(("café.html".into(), None)));
        assert_eq!(resolve("index.html", "briefing.css#x"), Some(("briefing.css".into(), None)));
        for external in ["https://example.org/", "mailto:a@b.c", "/fixture/index.html", "//cdn.example/x.js", "data:,x"]
        {
            assert_eq!(resolve("index.html", external), None, "{external}");
        }
    }

    #[test]
    fn every_kind_of_problem_is_found() {
        let files = [
            page(
                "index.html",
                "<a href=\"one.html#there\">ok</a><a href=\"one.html#gone\">x</a><a href=\"two.html\">x</a>\
                 <p id=\"d\"></p><span id=\"d\"></span><label for=\"nope\">x</label>\
                 <script>let s = '<a href=\"script.html\">';</script>",
            ),
            page("one.html", "<h2 id=\"there\">There</h2><a href=\"index.html#top\">top</a>"),
        ];
        let problems: Vec<String> = check_pages(&files).iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "index.html: `two.html` points at `two.html`, which is not in the output",
                "index.html: `one.html#gone` points at `#gone`, which `one.html` does not have",
                "index.html: the id `d` is used more than once",
                "index.html: `for` names the id `nope`, which the page does not have",
            ]
        );
    }
}
