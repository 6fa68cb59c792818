//! Templates: the theme embedded in the binary merged with the site's `templates/`, compiled once
//! into Tera 2, with every template error turned into a diagnostic that points into its file.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::PathBuf;

use tera::{Context, ErrorKind, Tera};

use crate::diagnostics::{Diagnostic, SourceMap, did_you_mean};
use crate::load::TemplateFile;

mod scan;

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
/// A hash of the merged template set: names, files and texts. Pages rendered with another set
/// are rendered again.
pub fn template_set_hash(templates: &[TemplateFile]) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new();
    for template in templates {
        for part in [template.name.as_bytes(), template.file.as_os_str().as_encoded_bytes(), template.text.as_bytes()] {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
    }
    hasher.finalize()
}

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
    /// Templates from which a component can call itself: rendered on a thread with a deep stack.
    recursive: BTreeSet<String>,
    /// That stack's size: room for Tera's 20 levels of components, each through every include.
    deep_stack: usize,
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
        let mut texts = BTreeMap::new();
        for template in templates {
            // Parsed one by one first so that every broken template is reported, not only the first.
            match Tera::new().add_raw_template(&template.name, &template.text) {
                Err(err) if matches!(err.kind(), ErrorKind::SyntaxError(_)) => {
                    let view = TemplateView { files: &files, texts: BTreeMap::new(), names: &names };
                    diagnostics.push(template_error(&err, &view, None));
                }
                _ => {
                    texts.insert(template.name.as_str(), template.text.clone());
                }
            }
        }
        if texts.len() != templates.len() {
            return None;
        }
        let mut failed = false;
        // Tera stops at the first cycle or missing parent of the set; each round blanks the tag at
        // fault (bytes and lines kept) and asks again, so every such error is reported at once.
        for _ in 0..MAX_ROUNDS {
            let mut tera = Tera::new();
            tera.autoescape_on(vec![".html", ".xml"]);
            tera.set_escape_fn(escape_html);
            let Err(err) = tera.add_raw_templates(texts.iter().map(|(name, text)| (*name, text.as_str()))) else {
                return (!failed).then(|| Self::new(tera, files, &texts));
            };
            failed = true;
            let view = TemplateView {
                files: &files,
                texts: texts.iter().map(|(n, t)| (*n, t.as_str())).collect(),
                names: &names,
            };
            let (found, fault) = set_errors(&err, &view);
            diagnostics.extend(found);
            let (name, range) = fault?;
            match texts.get_mut(name.as_str()) {
                Some(text) if text.get(range.clone()).is_some_and(|tag| !tag.trim().is_empty()) => blank(text, range),
                _ => return None,
            }
        }
        None
    }

    fn new(tera: Tera, files: BTreeMap<String, PathBuf>, texts: &BTreeMap<&str, String>) -> Self {
        let names: Vec<&str> = files.keys().map(String::as_str).collect();
        let view =
            TemplateView { files: &files, texts: texts.iter().map(|(n, t)| (*n, t.as_str())).collect(), names: &names };
        let graph = ComponentGraph::new(&view);
        let recursive = texts
            .keys()
            .filter(|name| graph.circle_from(&ComponentGraph::roots(name, &view)).is_some())
            .map(|name| name.to_string())
            .collect();
        let deep_stack = (STACK_PER_NESTING * 21 * (texts.len() + 2)).clamp(MIN_DEEP_STACK, MAX_DEEP_STACK);
        Self { tera, files, recursive, deep_stack }
    }

    pub(super) fn render(&self, name: &str, context: &Context, sources: &SourceMap) -> Result<String, Diagnostic> {
        let rendered = if self.recursive.contains(name) {
            self.render_on_deep_stack(name, context)
        } else {
            self.tera.render(name, context)
        };
        rendered.map_err(|err| {
            let names: Vec<&str> = self.files.keys().map(String::as_str).collect();
            let texts = self.files.iter().filter_map(|(n, file)| Some((n.as_str(), sources.get(file)?))).collect();
            let view = TemplateView { files: &self.files, texts, names: &names };
            match err.kind() {
                ErrorKind::Msg(message) if message.starts_with(COMPONENT_DEPTH_ERROR) => {
                    component_recursion(name, &view)
                }
                _ => template_error(&err, &view, Some(name)),
            }
        })
    }

    /// Components that call themselves nest Tera's interpreter up to 20 levels deep, each level
    /// through every template included on the way: more than a worker thread's stack holds.
    fn render_on_deep_stack(&self, name: &str, context: &Context) -> Result<String, tera::Error> {
        std::thread::scope(|scope| {
            let worker = std::thread::Builder::new()
                .name(format!("render {name}"))
                .stack_size(self.deep_stack)
                .spawn_scoped(scope, || self.tera.render(name, context));
            match worker {
                Ok(worker) => worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(err) => Err(tera::Error::message(format!("could not start a thread to render `{name}`: {err}"))),
            }
        })
    }
}

/// Stack for one level of template nesting, generous for unoptimised builds, and the bounds of the
/// deep stack (reserved, not used, until a render goes deep).
const STACK_PER_NESTING: usize = 256 << 10;
const MIN_DEEP_STACK: usize = 64 << 20;
const MAX_DEEP_STACK: usize = 1 << 30;

/// Rounds of [`Templates::compile`] before it gives up (each round finds one more error).
const MAX_ROUNDS: usize = 50;

/// Replaces a range of a template with spaces, keeping its line breaks, so every other byte, line and
/// column stays where it was.
fn blank(text: &mut String, range: Range<usize>) {
    let blanked: String = text[range.clone()].bytes().map(|b| if b == b'\n' { '\n' } else { ' ' }).collect();
    text.replace_range(range, &blanked);
}

/// The templates by name, as Tera was given them, with the files they came from: what an error
/// needs to find its place.
struct TemplateView<'a> {
    files: &'a BTreeMap<String, PathBuf>,
    texts: BTreeMap<&'a str, &'a str>,
    names: &'a [&'a str],
}

impl TemplateView<'_> {
    fn file(&self, name: &str) -> PathBuf {
        self.files.get(name).cloned().unwrap_or_else(|| PathBuf::from("templates").join(name))
    }

    fn text(&self, name: &str) -> &str {
        self.texts.get(name).copied().unwrap_or("")
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

/// Turns a Tera error into a diagnostic pointing into the template file that caused it. `rendering`
/// names the template being rendered, if any: the place of last resort for an error Tera does not locate.
fn template_error(err: &tera::Error, view: &TemplateView, rendering: Option<&str>) -> Diagnostic {
    match err.kind() {
        ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
            let file = view.file(report.filename());
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
        ErrorKind::MissingParent { current, parent } => {
            let span = scan::named_tag(view.text(current), "extends", parent).map(|(_, name)| name);
            missing_template(view, view.file(current), span, parent, "the parent template")
        }
        ErrorKind::TemplateNotFound(name) => {
            // The `{% include %}` naming it, else any quoted mention of it.
            let find = |locate: &dyn Fn(&str) -> Option<Range<usize>>| {
                view.texts.iter().find_map(|(includer, text)| Some((view.file(includer), locate(text)?)))
            };
            let includer = find(&|text| scan::named_tag(text, "include", name).map(|(_, span)| span))
                .or_else(|| find(&|text| quoted_span(text, name)));
            match includer {
                Some((file, span)) => missing_template(view, file, Some(span), name, "the template"),
                None => missing_template(view, view.file(rendering.unwrap_or(name)), None, name, "the template"),
            }
        }
        ErrorKind::CircularExtend { tpl, inheritance_chain } => circular_extend(tpl, inheritance_chain, view).0,
        ErrorKind::CircularInclude { tpl, include_chain } => circular_include(tpl, include_chain, view).0,
        other => {
            let file = rendering.map_or_else(|| PathBuf::from("templates"), |name| view.file(name));
            Diagnostic::error(file, None, format!("template error: {other}"))
        }
    }
}

/// "the template `x` does not exist", with the closest name or the list of them.
fn missing_template(
    view: &TemplateView,
    file: PathBuf,
    span: Option<Range<usize>>,
    wanted: &str,
    what: &str,
) -> Diagnostic {
    let help = match did_you_mean(wanted, view.names.iter().copied()) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!("add `templates/{wanted}`, or use one of: {}", view.names.join(", ")),
    };
    Diagnostic::error(file, span, format!("{what} `{wanted}` does not exist"))
        .with_label("no such template")
        .with_help(help)
}

/// The errors of a whole set of templates that Tera stops at, each located; and, when the fault is
/// one tag (template name, byte range), that tag, so that it can be blanked to look for more.
type Fault = Option<(String, Range<usize>)>;

fn set_errors(err: &tera::Error, view: &TemplateView) -> (Vec<Diagnostic>, Fault) {
    match err.kind() {
        ErrorKind::CircularExtend { tpl, inheritance_chain } => {
            let (diagnostic, fault) = circular_extend(tpl, inheritance_chain, view);
            (vec![diagnostic], fault)
        }
        ErrorKind::CircularInclude { tpl, include_chain } => {
            let (diagnostic, fault) = circular_include(tpl, include_chain, view);
            (vec![diagnostic], fault)
        }
        ErrorKind::MissingParent { current, parent } => {
            let fault = scan::named_tag(view.text(current), "extends", parent).map(|(tag, _)| (current.clone(), tag));
            (vec![template_error(err, view, None)], fault)
        }
        ErrorKind::Msg(message) => match duplicate_component(message, view) {
            Some((diagnostic, fault)) => (vec![diagnostic], fault),
            None => (reference_errors(err, view), None),
        },
        _ => (vec![template_error(err, view, None)], None),
    }
}

/// Where a circle of templates closes: the last link of `chain` (`chain[n-2]` names `chain[n-1]`),
/// and the circle itself, from the first appearance of the template it closes on.
fn close_of_circle(chain: &[String]) -> Option<(&str, &str, Vec<&str>)> {
    let [.., from, to] = chain else { return None };
    let first = chain.iter().position(|name| name == to).unwrap_or(0);
    Some((from, to, chain[first..].iter().map(String::as_str).collect()))
}

/// The words for one kind of template cycle.
struct Cycle {
    /// The tag that makes the cycle: `extends` or `include`.
    tag: &'static str,
    /// "extends" / "includes", for the messages.
    verb: &'static str,
    /// "extend" / "include": templates … each other.
    plural_verb: &'static str,
    help_itself: &'static str,
    help_circle: &'static str,
}

const EXTENDS: Cycle = Cycle {
    tag: "extends",
    verb: "extends",
    plural_verb: "extend",
    help_itself: "remove this `{% extends %}`, or name another parent (the theme's pages extend `base.html`)",
    help_circle: "one of them must not use `{% extends %}`; the theme's `base.html` extends nothing",
};

const INCLUDES: Cycle = Cycle {
    tag: "include",
    verb: "includes",
    plural_verb: "include",
    help_itself: "remove this `{% include %}`: a template that includes itself never ends",
    help_circle: "remove one of the `{% include %}` tags of the circle",
};

/// A template that extends itself, or templates that extend each other: at the `{% extends %}` that
/// closes the circle.
fn circular_extend(tpl: &str, chain: &[String], view: &TemplateView) -> (Diagnostic, Fault) {
    // Tera's chain holds the parents it followed from `tpl`, ending with the one seen twice.
    let full: Vec<String> = std::iter::once(tpl.to_string()).chain(chain.iter().cloned()).collect();
    circular(&EXTENDS, tpl, &full, view)
}

/// A template that includes itself, or templates that include each other: at the `{% include %}`
/// that closes the circle.
fn circular_include(tpl: &str, chain: &[String], view: &TemplateView) -> (Diagnostic, Fault) {
    // Tera's chain runs from the template it started at to the one included a second time.
    circular(&INCLUDES, tpl, chain, view)
}

/// A cycle of `{% extends %}` or `{% include %}` tags along `chain`, at the tag that closes it.
fn circular(cycle: &Cycle, tpl: &str, chain: &[String], view: &TemplateView) -> (Diagnostic, Fault) {
    let Some((from, to, circle)) = close_of_circle(chain) else {
        let diagnostic = Diagnostic::error(view.file(tpl), None, format!("template `{tpl}` {} itself", cycle.verb));
        return (diagnostic, None);
    };
    let tag = scan::named_tag(view.text(from), cycle.tag, to);
    let (message, label, help) = if from == to {
        (format!("template `{from}` {} itself", cycle.verb), format!("{} itself", cycle.verb), cycle.help_itself)
    } else {
        (
            format!("templates {} each other in a circle: {}", cycle.plural_verb, circle.join(" → ")),
            "closes the circle".to_string(),
            cycle.help_circle,
        )
    };
    let diagnostic = Diagnostic::error(view.file(from), tag.as_ref().map(|(_, name)| name.clone()), message)
        .with_label(label)
        .with_help(help);
    (diagnostic, tag.map(|(tag, _)| (from.to_string(), tag)))
}

/// "Component `x` is defined in both `a` and `b`": at the definition in the site's own template (the
/// later one if both are), which is blanked to look for more errors.
fn duplicate_component(message: &str, view: &TemplateView) -> Option<(Diagnostic, Fault)> {
    let rest = message.strip_prefix("Component `")?;
    let (component, rest) = rest.split_once("` is defined in both `")?;
    let (first, rest) = rest.split_once("` and `")?;
    let second = rest.strip_suffix('`')?;
    let is_theme = |name: &str| view.file(name).starts_with(THEME_DIR);
    let (here, other) = if is_theme(second) && !is_theme(first) { (first, second) } else { (second, first) };
    let definition = scan::component_definitions(view.text(here)).into_iter().find(|d| d.name == component);
    let diagnostic = Diagnostic::error(
        view.file(here),
        definition.as_ref().map(|d| d.name_span.clone()),
        format!("component `{component}` is defined twice: here and in {}", describe(&view.file(other))),
    )
    .with_label("defined again here")
    .with_help(
        "components are shared by every template, so each name can be defined once: rename one of them (and its calls)",
    );
    Some((diagnostic, definition.map(|d| (here.to_string(), d.whole))))
}

/// "`templates/a.html`", or "the built-in theme's `a.html`".
fn describe(file: &std::path::Path) -> String {
    match file.strip_prefix(THEME_DIR) {
        Ok(name) => format!("the built-in theme's `{}`", name.display()),
        Err(_) => format!("`{}`", file.display()),
    }
}

/// Tera's message when component calls nest too deep (Tera 2.4 stops at 20 levels), with no place.
const COMPONENT_DEPTH_ERROR: &str = "Maximum render recursion depth for components";

/// Components that call themselves, directly or through others, without end: found by following
/// the calls from the template being rendered, and reported at the call that closes the circle.
fn component_recursion(rendering: &str, view: &TemplateView) -> Diagnostic {
    let graph = ComponentGraph::new(view);
    let circle =
        graph.circle_from(&ComponentGraph::roots(rendering, view)).or_else(|| graph.circle_from(graph.calls.keys()));
    let Some(circle) = circle else {
        return Diagnostic::error(view.file(rendering), None, "component calls are nested more than 20 levels deep");
    };
    let members = &circle.members;
    let message = match members.as_slice() {
        [one] => format!("component `{one}` calls itself more than 20 levels deep"),
        _ => format!("components call each other more than 20 levels deep: {} → {}", members.join(" → "), members[0]),
    };
    let caller = &members[members.len() - 1];
    let label = match &circle.call.through {
        None if members.len() == 1 => "calls itself".to_string(),
        None => format!("`{caller}` calls `{}` here", members[0]),
        Some(through) => format!("`{caller}` calls `{}` here, through `{{% include \"{through}\" %}}`", members[0]),
    };
    Diagnostic::error(view.file(&circle.call.template), Some(circle.call.span), message)
        .with_label(label)
        .with_help("a component that calls itself, directly or through others, needs a condition that ends the recursion (an `{% if … %}` around a call); Tera stops after 20 nested component calls")
}

/// Where a component is called: which template, where in it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Call {
    template: String,
    span: Range<usize>,
    /// The template included from the caller's body that leads to this call, if it is not in the body.
    through: Option<String>,
}

/// A circle of components, starting at the first by name, and the call that closes it.
#[derive(Debug, PartialEq, Eq)]
struct Circle {
    members: Vec<String>,
    call: Call,
}

impl Circle {
    /// From a walk's path (each component with the call that entered it) and the call back to the
    /// first one, turned to start at the first component by name so every walk reports it alike.
    fn new(path: &[(String, Option<Call>)], closing: Call) -> Self {
        let start = (0..path.len()).min_by_key(|&i| &path[i].0).unwrap_or(0);
        // Only the first component of the path was entered without a call (from the page).
        let call = path[start].1.clone().filter(|_| start > 0).unwrap_or(closing);
        let members = path[start..].iter().chain(&path[..start]).map(|(name, _)| name.clone()).collect();
        Self { members, call }
    }
}

/// Which components each component calls, directly or through a template it includes.
struct ComponentGraph {
    calls: BTreeMap<String, Vec<(String, Call)>>,
}

impl ComponentGraph {
    fn new(view: &TemplateView) -> Self {
        let mut calls: BTreeMap<String, Vec<(String, Call)>> = BTreeMap::new();
        for (template, text) in &view.texts {
            for definition in scan::component_definitions(text) {
                let edges = calls_in(template, definition.body.clone(), view, &mut BTreeSet::new());
                calls.entry(definition.name).or_default().extend(edges);
            }
        }
        Self { calls }
    }

    /// The components that `template` and its parents call outside any definition.
    fn roots(template: &str, view: &TemplateView) -> Vec<String> {
        let mut roots = Vec::new();
        let mut seen = BTreeSet::new();
        let mut current = Some(template.to_string());
        while let Some(name) = current.take().filter(|name| seen.insert(name.clone())) {
            let text = view.text(&name);
            roots.extend(calls_in(&name, 0..text.len(), view, &mut BTreeSet::new()).into_iter().map(|(c, _)| c));
            current = scan::named_tags(text, "extends").into_iter().next().map(|tag| tag.name);
        }
        roots
    }

    /// The first circle reachable from `roots`, depth first, in order.
    fn circle_from<'r>(&self, roots: impl IntoIterator<Item = &'r String>) -> Option<Circle> {
        let mut done = BTreeSet::new();
        roots.into_iter().find_map(|root| self.walk(root, None, &mut Vec::new(), &mut done))
    }

    /// Follows the calls of `component`, entered by `call`; `path` holds the components being called.
    fn walk(
        &self,
        component: &str,
        call: Option<Call>,
        path: &mut Vec<(String, Option<Call>)>,
        done: &mut BTreeSet<String>,
    ) -> Option<Circle> {
        if done.contains(component) {
            return None;
        }
        path.push((component.to_string(), call));
        for (callee, call) in self.calls.get(component).into_iter().flatten() {
            if let Some(at) = path.iter().position(|(name, _)| name == callee) {
                return Some(Circle::new(&path[at..], call.clone()));
            }
            if let Some(circle) = self.walk(callee, Some(call.clone()), path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(component.to_string());
        None
    }
}

/// The component calls in `range` of a template, outside the definitions it holds, and those of
/// the templates it includes there; `seen` keeps each template followed once.
fn calls_in(
    template: &str,
    range: Range<usize>,
    view: &TemplateView,
    seen: &mut BTreeSet<String>,
) -> Vec<(String, Call)> {
    let text = view.text(template);
    let definitions = scan::component_definitions(text);
    let counts = |at: usize| {
        range.contains(&at)
            && !definitions
                .iter()
                .any(|d| range.start <= d.whole.start && d.whole.end <= range.end && d.whole.contains(&at))
    };
    let mut found: Vec<(String, Call)> = scan::component_calls(text)
        .into_iter()
        .filter(|(_, span)| counts(span.start))
        .map(|(name, span)| (name, Call { template: template.to_string(), span, through: None }))
        .collect();
    for include in scan::named_tags(text, "include") {
        if counts(include.tag.start) && seen.insert(include.name.clone()) {
            let length = view.text(&include.name).len();
            let through = calls_in(&include.name, 0..length, view, seen)
                .into_iter()
                .map(|(name, call)| (name, Call { through: Some(include.name.clone()), ..call }));
            found.extend(through);
        }
    }
    found
}

/// Tera reports unknown filters, tests, functions, components and includes of all templates at once,
/// as one message of rustc-style reports; each becomes its own diagnostic.
fn reference_errors(err: &tera::Error, view: &TemplateView) -> Vec<Diagnostic> {
    let ErrorKind::Msg(message) = err.kind() else {
        return vec![template_error(err, view, None)];
    };
    let reports = parse_reports(message);
    if reports.is_empty() {
        return vec![template_error(err, view, None)];
    }
    let components: Vec<String> =
        view.texts.values().flat_map(|text| scan::component_definitions(text)).map(|d| d.name).collect();
    reports
        .into_iter()
        .map(|report| {
            // Positions are in the text Tera was given, whose bytes are the file's (see `blank`).
            let text = view.text(&report.template);
            let start = crate::diagnostics::offset_of(text, report.line, report.col.saturating_sub(1));
            let span = view.texts.contains_key(report.template.as_str()).then(|| start..start + report.width.max(1));
            let wanted = report.message.split('`').nth(1).unwrap_or("");
            let help = if report.message.starts_with("Unknown template") {
                did_you_mean(wanted, view.names.iter().copied()).map(|c| format!("did you mean `{c}`?"))
            } else if report.message.starts_with("Unknown filter") {
                did_you_mean(wanted, TERA_FILTERS).map(|c| format!("did you mean `{c}`?"))
            } else if report.message.starts_with("Unknown component") {
                did_you_mean(wanted, components.iter().map(String::as_str)).map(|c| format!("did you mean `{c}`?"))
            } else {
                None
            };
            Diagnostic::error(view.file(&report.template), span, format!("template error: {}", report.message))
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

    fn compile(templates: &[(&str, &str)]) -> (Option<Templates>, Vec<Diagnostic>, SourceMap) {
        let files: Vec<TemplateFile> = templates
            .iter()
            .map(|(name, text)| TemplateFile {
                name: name.to_string(),
                file: PathBuf::from("templates").join(name),
                text: text.to_string(),
            })
            .collect();
        let mut sources = SourceMap::default();
        let mut diagnostics = Vec::new();
        let compiled = Templates::compile(&files, &mut sources, &mut diagnostics);
        (compiled, diagnostics, sources)
    }

    #[test]
    fn components_that_call_each_other_are_reported_where_the_circle_closes() {
        let pair = "{% component ping(n) %}{{ <pong n={n} /> }}{% endcomponent ping %}\n{% component pong(n) %}<b>{{ <ping n={n} /> }}</b>{% endcomponent pong %}";
        let (compiled, diagnostics, sources) = compile(&[("page.html", "{{ <pong n={1} /> }}"), ("pair.html", pair)]);
        assert_eq!(diagnostics, vec![]);
        let templates = compiled.expect("compiles");
        assert!(templates.recursive.contains("page.html"));
        let err = templates.render("page.html", &Context::new(), &sources).expect_err("never ends");
        let ping_call = pair.rfind("ping n").expect("call");
        assert_eq!(
            err,
            Diagnostic::error(
                "templates/pair.html",
                Some(ping_call..ping_call + 4),
                "components call each other more than 20 levels deep: ping → pong → ping"
            )
            .with_label("`pong` calls `ping` here")
            .with_help("a component that calls itself, directly or through others, needs a condition that ends the recursion (an `{% if … %}` around a call); Tera stops after 20 nested component calls")
        );
    }

    #[test]
    fn a_component_that_ends_its_recursion_renders_on_the_deep_stack() {
        let count =
            "{% component count(n) %}{{ n }}{% if n > 0 %}{{ <count n={n - 1} /> }}{% endif %}{% endcomponent count %}";
        let (compiled, diagnostics, sources) =
            compile(&[("page.html", "{{ <count n={19} /> }}"), ("count.html", count), ("plain.html", "x")]);
        assert_eq!(diagnostics, vec![]);
        let templates = compiled.expect("compiles");
        // `count.html` only defines the component; rendering it calls nothing.
        assert_eq!(templates.recursive, BTreeSet::from(["page.html".to_string()]));
        let html = templates.render("page.html", &Context::new(), &sources).expect("renders");
        assert_eq!(html, "191817161514131211109876543210");
    }

    #[test]
    fn quoted_template_names_are_found() {
        let text = "{% extends \"bse.html\" %}";
        assert_eq!(quoted_span(text, "bse.html"), Some(12..20));
    }
}
