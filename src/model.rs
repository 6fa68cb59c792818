//! Model: typed settings, pages and records, joined and validated (ids, duplicates, references,
//! verbatim quotes). Built once from what `load` read; later stages only read it.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

use crate::diagnostics::{Diagnostic, SourceMap, did_you_mean, line_col, suggestion};
pub use crate::format::{
    Config, Controversy, DateValue, Figure, FrontMatter, Kind, PARTY, Party, PlainText, Quote, Record, RecordData,
    RecordKey, Ref, STAGES, Source, UseCase, is_language_tag, parse_typed_ref, shorten,
};
use crate::load::{BaseUrl, LoadedSite, PageSource, TextMap, slash_path, url_problem};
use crate::verbatim::{QuotableTexts, fold_for_comparison, found_patterns, may_hold_marks, unsourced_quotations};

/// Groups of kinds whose ids must not collide, because one untyped reference field may name any
/// of them. Every other reference field names one kind, or is typed (`quote:id`).
const ID_NAMESPACES: &[&[Kind]] = &[PARTY];

/// The longest id or topic slug: each becomes a file name, and file systems refuse long ones.
pub const MAX_ID_LEN: usize = 80;

/// A page of the site: the front page, a section, or a page inside a section folder.
#[derive(Debug, Clone)]
pub struct Page {
    pub source: PageSource,
    /// Root-relative output URL: `stance.html`, `practice/index.html`, `practice/vfx.html`.
    pub url: String,
    /// Set for pages inside a section folder: the section's `rel` path (`practice/_index.md`).
    pub parent: Option<PathBuf>,
}

impl Page {
    pub fn title(&self) -> &str {
        self.source.front.title.get_ref()
    }

    pub fn is_front(&self) -> bool {
        self.source.rel == Path::new("_index.md")
    }

    /// A top-level section: `x.md` or `x/_index.md` directly under `content/`.
    pub fn is_section(&self) -> bool {
        !self.is_front() && self.parent.is_none()
    }
}

/// A topic, named by slug, with its display name and what carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub slug: String,
    pub name: String,
    /// The pages that list this topic, in site order (the front page first).
    pub pages: Vec<PageId>,
    /// The records that list this topic, in key order.
    pub records: Vec<RecordKey>,
}

/// A page of the site: the front page, or one of `Site::pages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageId {
    Front,
    Page(usize),
}

/// The order a reader goes through the pages (previous/next): each section followed by the pages
/// inside it, then any page left over; and the pages inside each section folder.
#[derive(Debug, Default)]
pub struct ReadingOrder {
    sequence: Vec<usize>,
    /// `position[page index]` = where that page is in `sequence`.
    position: Vec<usize>,
    /// Section `rel` path → the pages inside it, in order.
    children: std::collections::HashMap<PathBuf, Vec<usize>>,
}

impl ReadingOrder {
    fn new(pages: &[Page]) -> Self {
        let mut children: std::collections::HashMap<PathBuf, Vec<usize>> = std::collections::HashMap::new();
        for (i, page) in pages.iter().enumerate() {
            if let Some(parent) = &page.parent {
                children.entry(parent.clone()).or_default().push(i);
            }
        }
        let mut sequence = Vec::with_capacity(pages.len());
        let mut placed = vec![false; pages.len()];
        for (i, section) in pages.iter().enumerate().filter(|(_, p)| p.is_section()) {
            for j in std::iter::once(i).chain(children.get(&section.source.rel).into_iter().flatten().copied()) {
                if !placed[j] {
                    placed[j] = true;
                    sequence.push(j);
                }
            }
        }
        sequence.extend((0..pages.len()).filter(|&i| !placed[i]));
        let mut position = vec![0; pages.len()];
        for (at, &i) in sequence.iter().enumerate() {
            position[i] = at;
        }
        Self { sequence, position, children }
    }

    /// Every page (by index in `Site::pages`) in reading order.
    pub fn sequence(&self) -> &[usize] {
        &self.sequence
    }

    /// Where page `index` is in reading order, from 0.
    pub fn position(&self, index: usize) -> Option<usize> {
        self.position.get(index).copied()
    }

    /// The page `offset` places from page `index` in reading order.
    pub fn neighbour(&self, index: usize, offset: isize) -> Option<usize> {
        let at = self.position.get(index)?.checked_add_signed(offset)?;
        self.sequence.get(at).copied()
    }

    /// The pages inside the section folder whose index is `rel`, in order.
    pub fn children(&self, rel: &Path) -> &[usize] {
        self.children.get(rel).map_or(&[], Vec::as_slice)
    }
}

impl Topic {
    pub fn url(slug: &str) -> String {
        format!("topics/{slug}.html")
    }
}

/// The validated site: everything later stages read.
#[derive(Debug)]
pub struct Site {
    pub root: PathBuf,
    pub config: Config,
    /// The front page (`content/_index.md`).
    pub front: Page,
    /// Top-level sections, ordered by weight then title, then the pages under section folders.
    pub pages: Vec<Page>,
    /// `content/`-relative path → index in `pages`.
    pub page_index: std::collections::HashMap<PathBuf, usize>,
    pub records: BTreeMap<RecordKey, Record>,
    /// Records that failed to parse (already reported): references to them are not errors.
    pub broken: BTreeSet<RecordKey>,
    /// Pages (`content/`-relative) whose file or front matter failed (already reported): they are
    /// still pages of the site for links, which are not reported again.
    pub broken_pages: BTreeSet<PathBuf>,
    pub topics: BTreeMap<String, Topic>,
    /// The site's source files, which words in quotation marks in its prose must come from.
    pub quotable: QuotableTexts,
    /// The text of each source's local copy, by `file` as written (see `LoadedSite::source_texts`).
    pub source_texts: BTreeMap<String, String>,
    /// For each record, the records that name it (a speaker, a party, a source, a related record).
    pub named_by: BTreeMap<RecordKey, BTreeSet<RecordKey>>,
    pub reading_order: ReadingOrder,
}

impl Site {
    pub fn record(&self, key: &RecordKey) -> Option<&Record> {
        self.records.get(key)
    }

    pub fn sections(&self) -> impl Iterator<Item = &Page> {
        self.pages.iter().filter(|p| p.is_section())
    }

    /// The page a `content/`-relative Markdown path names.
    pub fn page_by_rel(&self, rel: &Path) -> Option<&Page> {
        if self.front.source.rel == rel {
            return Some(&self.front);
        }
        self.page_index.get(rel).map(|&i| &self.pages[i])
    }

    pub fn records_of(&self, kind: Kind) -> impl Iterator<Item = &Record> {
        self.records
            .range(RecordKey::new(kind, String::new())..)
            .take_while(move |(k, _)| k.kind == kind)
            .map(|(_, r)| r)
    }

    pub fn page(&self, id: PageId) -> &Page {
        match id {
            PageId::Front => &self.front,
            PageId::Page(i) => &self.pages[i],
        }
    }

    pub fn topic_name(&self, slug: &str) -> String {
        self.topics.get(slug).map_or_else(|| topic_display_name(slug, &self.config), |t| t.name.clone())
    }
}

fn topic_display_name(slug: &str, config: &Config) -> String {
    config.topics.get(slug).cloned().unwrap_or_else(|| {
        let words = slug.replace('-', " ");
        let mut chars = words.chars();
        chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
    })
}

/// An error for an id or topic slug (`what`) that is not a slug or is longer than `MAX_ID_LEN`.
fn slug_error(file: &Path, span: Range<usize>, slug: &str, what: &str) -> Option<Diagnostic> {
    if !is_slug(slug) {
        let example = slug::slugify(slug).chars().take(MAX_ID_LEN).collect::<String>();
        return Some(
            Diagnostic::error(file, Some(span), format!("`{}` is not a valid {what}", slug.escape_debug()))
                .with_label("not a lowercase slug")
                .with_help(format!("use lowercase letters, digits and hyphens, e.g. `{example}`")),
        );
    }
    (slug.len() > MAX_ID_LEN).then(|| {
        Diagnostic::error(
            file,
            Some(span),
            format!("this {what} is {} characters long; the limit is {MAX_ID_LEN}", slug.len()),
        )
        .with_label("too long")
        .with_help(format!("shorten it: each {what} becomes a file name in the output"))
    })
}

/// Whether `id` is a lowercase slug: `a-z`, `0-9`, single hyphens between.
pub fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// site.toml's `base_url`, when `--base-url` does not replace it: required, and absolute.
fn site_base_url(config: &Config, diagnostics: &mut Vec<Diagnostic>) -> Option<BaseUrl> {
    let file = Path::new("site.toml");
    let written = &config.base_url;
    let example = "`base_url = \"https://example.org/briefing/\"`";
    if written.span().is_empty() {
        // Pointed at the title, which every site.toml has, rather than at line 1 (often a comment).
        diagnostics.push(
            Diagnostic::error(file, Some(config.title.span()), "site.toml has no `base_url`")
                .with_label("add `base_url` next to the title")
                .with_help(format!(
                    "write the address the site is published at, e.g. {example}, or pass it with --base-url"
                )),
        );
        return None;
    }
    BaseUrl::parse(written.get_ref())
        .map_err(|problem| {
            diagnostics.push(
                Diagnostic::error(
                    file,
                    Some(written.span()),
                    format!("`base_url` must be an absolute http(s) URL, not `{}`", written.get_ref().escape_debug()),
                )
                .with_label(problem)
                .with_help(format!(
                    "write the address the site is published at, e.g. {example}; links between pages stay relative"
                )),
            );
        })
        .ok()
}

/// Options that change what the model keeps.
#[derive(Debug, Clone, Default)]
pub struct ModelOptions {
    pub include_drafts: bool,
    pub base_url: Option<BaseUrl>,
}

/// Joins and validates what was loaded. Returns the site when nothing fatal is missing,
/// and adds every problem found to `diagnostics`. `sources` (the files' texts) only serves to
/// name a line in messages that point at two places.
pub fn build_model(
    loaded: LoadedSite,
    sources: &SourceMap,
    options: &ModelOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Site> {
    let LoadedSite { root, config, pages, records, broken_records, source_texts, broken_pages, .. } = loaded;
    let mut broken: BTreeSet<RecordKey> = broken_records.into_iter().collect();
    let records = index_records(records, sources, &mut broken, diagnostics);
    let quotable = QuotableTexts::new(source_texts.values().map(String::as_str));
    let checked = RecordChecks {
        records: &records,
        broken: &broken,
        source_texts: &source_texts,
        quotable: &quotable,
        declared_topics: config.as_ref().map(|config| &config.topics),
    };
    checked.run(None, sources, diagnostics);
    check_page_titles(&pages, diagnostics);
    check_quotation_marks(&quotable, config.as_ref(), &pages, sources, diagnostics);
    let (front, pages) = arrange_pages(pages, options, diagnostics);
    if let Some(front) = &front {
        check_key_points(&front.source, sources, diagnostics);
    }
    let mut config = config?;
    let base_url = match &options.base_url {
        Some(base_url) => base_url.clone(),
        None => site_base_url(&config, diagnostics)?,
    };
    config.base_url = Spanned::new(config.base_url.span(), base_url.as_str().to_string());
    let mut topics = collect_topics(&config, front.as_ref(), &pages, &records, diagnostics);
    add_topic_members(&mut topics, front.as_ref(), &pages, &records);
    let page_index = pages.iter().enumerate().map(|(i, p)| (p.source.rel.clone(), i)).collect();
    let named_by = named_by(&records);
    let reading_order = ReadingOrder::new(&pages);
    Some(Site {
        root,
        config,
        front: front?,
        pages,
        page_index,
        records,
        broken,
        broken_pages: broken_pages.into_iter().collect(),
        topics,
        quotable,
        source_texts,
        named_by,
        reading_order,
    })
}

/// Keys records by kind and id, refusing invalid, overlong and duplicate ids (a refused record's
/// key joins `broken`: its error is reported once, not again at every reference to it).
fn index_records(
    mut records: Vec<Record>,
    sources: &SourceMap,
    broken: &mut BTreeSet<RecordKey>,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<RecordKey, Record> {
    // Document order, so "the first" of two definitions is the one written first.
    records.sort_by(|a, b| (&a.file, a.id().span().start).cmp(&(&b.file, b.id().span().start)));
    let mut index: BTreeMap<RecordKey, Record> = BTreeMap::new();
    for record in records {
        let id = record.id();
        let key = record.key();
        if let Some(diagnostic) = slug_error(&record.file, id.span(), id.get_ref(), "id") {
            diagnostics.push(diagnostic);
            broken.insert(key);
            continue;
        }
        let namespace = ID_NAMESPACES.iter().copied().find(|kinds| kinds.contains(&key.kind));
        let rivals = namespace.unwrap_or(&[]).iter().filter(|&&kind| kind != key.kind);
        if let Some(first) = index.get(&key) {
            let first_at = located(sources, first);
            diagnostics.push(
                Diagnostic::error(
                    &record.file,
                    Some(id.span()),
                    format!("duplicate {} id `{}`", key.kind.title().to_lowercase(), key.id),
                )
                .with_label("already used")
                .with_help(format!(
                    "ids must be unique within a kind; the first `{key}` is at {first_at}; rename one of them"
                )),
            );
            continue;
        }
        if let Some(first) = rivals.filter_map(|&kind| index.get(&RecordKey::new(kind, key.id.as_str()))).next() {
            let other = first.kind().title().to_lowercase();
            diagnostics.push(
                Diagnostic::error(
                    &record.file,
                    Some(id.span()),
                    format!("`{}` is already the id of {}", key.id, with_article(&other)),
                )
                .with_label("already used")
                .with_help(format!(
                    "people and organizations share ids, because `speaker` and `parties` may name either; the {other} `{}` is at {}; rename one of them",
                    key.id,
                    located(sources, first)
                )),
            );
            broken.insert(key);
            continue;
        }
        index.insert(key, record);
    }
    index
}

/// "a person", "an organization".
fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {noun}")
}

/// `content/records.toml:12:6`: where a record's id is written.
fn located(sources: &SourceMap, record: &Record) -> String {
    let file = record.file.display();
    match sources.get(&record.file) {
        Some(text) => format!("{file}:{}", line_col(text, record.id().span().start)),
        None => file.to_string(),
    }
}

/// Resolves an id that may name a record of any of `kinds`.
pub fn resolve_any(records: &BTreeMap<RecordKey, Record>, id: &str, kinds: &[Kind]) -> Option<RecordKey> {
    kinds.iter().map(|&kind| RecordKey::new(kind, id)).find(|key| records.contains_key(key))
}

fn ids_of<'a>(records: &'a BTreeMap<RecordKey, Record>, kinds: &'a [Kind]) -> impl Iterator<Item = &'a str> {
    records.keys().filter(|k| kinds.contains(&k.kind)).map(|k| k.id.as_str())
}

fn kinds_phrase(kinds: &[Kind]) -> String {
    kinds.iter().map(|k| k.title().to_lowercase()).collect::<Vec<_>>().join(" or ")
}

/// The checks each record gets on its own (references are resolved against all records).
pub struct RecordChecks<'a> {
    pub records: &'a BTreeMap<RecordKey, Record>,
    pub broken: &'a BTreeSet<RecordKey>,
    pub source_texts: &'a BTreeMap<String, String>,
    pub quotable: &'a QuotableTexts,
    /// site.toml's `[topics]`: when it declares any, every topic slug must be one of them.
    pub declared_topics: Option<&'a BTreeMap<Spanned<String>, String>>,
}

impl RecordChecks<'_> {
    /// Checks every record, or only those written in `file`, adding what is wrong to `diagnostics`.
    pub fn run(&self, file: Option<&Path>, sources: &SourceMap, diagnostics: &mut Vec<Diagnostic>) {
        let selected: Vec<&Record> = self.records.values().filter(|r| file.is_none_or(|f| r.file == f)).collect();
        check_references(self.records, &selected, self.broken, diagnostics);
        check_required_text(&selected, diagnostics);
        check_urls(&selected, diagnostics);
        check_quotes_verbatim(self.source_texts, self.records, &selected, sources, diagnostics);
        check_stages(&selected, diagnostics);
        check_record_quotation_marks(self.quotable, &selected, sources, diagnostics);
        if let Some(declared) = self.declared_topics {
            for record in &selected {
                for topic in record.topics() {
                    diagnostics.extend(undeclared_topic(declared, &record.file, topic.span(), topic.get_ref()));
                }
            }
        }
    }
}

/// A warning for a topic slug that site.toml's `[topics]` does not declare, when it declares any
/// (without `[topics]`, any slug is a topic). A misspelt slug would otherwise make a topic of its own.
fn undeclared_topic(
    declared: &BTreeMap<Spanned<String>, String>,
    file: &Path,
    span: Range<usize>,
    slug: &str,
) -> Option<Diagnostic> {
    // A slug that is not one is an error already (`slug_error`).
    let invalid = !is_slug(slug) || slug.len() > MAX_ID_LEN;
    if declared.is_empty() || invalid || declared.keys().any(|key| key.get_ref() == slug) {
        return None;
    }
    let slugs = || declared.keys().map(|key| key.get_ref().as_str());
    // `privacy` for `surveillance-privacy`: a slug whose words are all words of a declared one.
    let words_of = |slug: &str| slug.split('-').map(str::to_string).collect::<BTreeSet<String>>();
    let wider = || slugs().find(|declared| words_of(slug).is_subset(&words_of(declared)));
    let help = match did_you_mean(slug, slugs()).or_else(wider) {
        Some(close) => {
            format!("did you mean `{close}`? site.toml declares [topics], and each topic must be one of them")
        }
        None => {
            let listed: Vec<String> = slugs().take(8).map(|s| format!("`{s}`")).collect();
            let more = if declared.len() > listed.len() { ", …" } else { "" };
            format!(
                "use one of the topics site.toml declares ({}{more}), or add `{slug} = \"…\"` under [topics] in site.toml",
                listed.join(", ")
            )
        }
    };
    Some(
        Diagnostic::warning(file, Some(span), format!("topic `{slug}` is not declared in site.toml"))
            .with_label("undeclared topic")
            .with_help(help),
    )
}

fn check_references(
    records: &BTreeMap<RecordKey, Record>,
    selected: &[&Record],
    broken: &BTreeSet<RecordKey>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for record in selected {
        for (reference, kinds) in record.references() {
            let id = reference.get_ref();
            let is_broken = kinds.iter().any(|&k| broken.contains(&RecordKey::new(k, id.as_str())));
            if resolve_any(records, id, kinds).is_none() && !is_broken {
                diagnostics.push(
                    Diagnostic::error(
                        &record.file,
                        Some(reference.span()),
                        format!("no {} with id `{id}`", kinds_phrase(kinds)),
                    )
                    .with_label("dangling reference")
                    .with_help(suggestion(id, ids_of(records, kinds)).unwrap_or_else(|| {
                        let tables =
                            kinds.iter().map(|k| format!("[[{}]]", k.table_name())).collect::<Vec<_>>().join(" or ");
                        format!("add a {tables} record with id = \"{id}\", or fix the id")
                    })),
                );
            }
        }
        if let RecordData::Controversy(c) = &record.data {
            for related in &c.related {
                check_typed_ref(records, broken, &record.file, related, diagnostics);
            }
        }
    }
}

fn check_typed_ref(
    records: &BTreeMap<RecordKey, Record>,
    broken: &BTreeSet<RecordKey>,
    file: &Path,
    reference: &Ref,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let text = reference.get_ref();
    match parse_typed_ref(text) {
        None => {
            let schemes = Kind::ALL.map(|k| k.scheme()).join(", ");
            diagnostics.push(
                Diagnostic::error(file, Some(reference.span()), format!("`{text}` is not a typed reference"))
                    .with_help(format!("write `kind:id`, where kind is one of {schemes}, e.g. `quote:great-artists`")),
            );
        }
        Some((kind, id))
            if !records.contains_key(&RecordKey::new(kind, id)) && !broken.contains(&RecordKey::new(kind, id)) =>
        {
            diagnostics.push(
                Diagnostic::error(
                    file,
                    Some(reference.span()),
                    format!("no {} with id `{id}`", kind.title().to_lowercase()),
                )
                .with_label("dangling reference")
                .with_optional_help(
                    did_you_mean(id, ids_of(records, &[kind]))
                        .map(|c| format!("did you mean `{}:{c}`?", kind.scheme())),
                ),
            );
        }
        Some(_) => {}
    }
}

fn check_stages(selected: &[&Record], diagnostics: &mut Vec<Diagnostic>) {
    for record in selected {
        if let RecordData::UseCase(u) = &record.data
            && let Some(stage) = &u.stage
            && !STAGES.contains(&stage.get_ref().as_str())
        {
            diagnostics.push(
                Diagnostic::error(&record.file, Some(stage.span()), format!("unknown stage `{}`", stage.get_ref()))
                    .with_help(
                        suggestion(stage.get_ref(), STAGES)
                            .unwrap_or_else(|| format!("stages are: {}", STAGES.join(", "))),
                    ),
            );
        }
    }
}

/// Checks every quote citing a source with a local copy against that copy (its text read by
/// `load`, by `file` as written; a copy that could not be read was reported there).
fn check_quotes_verbatim(
    source_texts: &BTreeMap<String, String>,
    records: &BTreeMap<RecordKey, Record>,
    selected: &[&Record],
    sources: &SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Per source id: its file as written, its text, and the text folded for comparison.
    let mut texts: BTreeMap<&str, (&str, &str, String)> = BTreeMap::new();
    for record in records.values() {
        let RecordData::Source(source) = &record.data else { continue };
        if let Some(file) = &source.file
            && let Some(text) = source_texts.get(file.get_ref())
        {
            texts.insert(source.id.get_ref(), (file.get_ref(), text, fold_for_comparison(text)));
        }
    }
    // Per source, every quote citing it is searched for in one pass over its text.
    let mut by_source: BTreeMap<&str, Vec<(&Record, &Quote, String)>> = BTreeMap::new();
    for record in selected.iter().copied() {
        let RecordData::Quote(quote) = &record.data else { continue };
        let folded = fold_for_comparison(quote.text.get_ref());
        // An empty quote is reported by `check_required_text`.
        if texts.contains_key(quote.source.get_ref().as_str()) && !folded.is_empty() {
            by_source.entry(quote.source.get_ref()).or_default().push((record, quote, folded));
        }
    }
    for (source, quotes) in by_source {
        let Some((file, text, folded_text)) = texts.get(source) else { continue };
        let found = found_patterns(folded_text, quotes.iter().map(|(_, _, folded)| folded.as_str()));
        for ((record, quote, _), found) in quotes.iter().zip(found) {
            if !found {
                diagnostics.push(not_verbatim(record, quote, source, file, text, sources));
            }
        }
    }
}

/// The error for a quote not found in its source's file (`file`, holding `text`): at the first word
/// where the quote parts from the closest passage of the source, which the help shows.
fn not_verbatim(
    record: &Record,
    quote: &Quote,
    source: &str,
    file: &str,
    text: &str,
    sources: &SourceMap,
) -> Diagnostic {
    let message = "quote does not appear verbatim in its source";
    let copy =
        format!("copy whole words exactly from the file of source `{source}` (whitespace and curly quotes may differ)");
    let written = quote.text.get_ref();
    let Some(found) = crate::verbatim::divergence(written, text) else {
        return Diagnostic::error(&record.file, Some(quote.text.span()), message)
            .with_label("not found in the source text")
            .with_help(format!("no passage of `{file}` begins or ends with the quote's first or last word; {copy}"));
    };
    let toml_text = sources.get(&record.file).unwrap_or("");
    let span = TextMap::of_toml_string(toml_text, quote.text.span(), written).span(found.quote_word);
    let label = match &found.source_word {
        Some(word) => format!("the source has `{}` here", &text[word.clone()]),
        None => "the source ends before this word".to_string(),
    };
    let at = found.source_word.as_ref().map_or(found.passage.end, |word| word.start);
    let passage = shown_passage(&text[found.passage]);
    Diagnostic::error(&record.file, Some(span), message)
        .with_label(label)
        .with_help(format!("the closest passage is at {file}:{}: `{passage}`; {copy}", line_col(text, at).line))
}

/// A passage of a source as a help shows it: on one line, at most 30 words.
fn shown_passage(passage: &str) -> String {
    const MAX_WORDS: usize = 30;
    let words: Vec<&str> = passage.split_whitespace().collect();
    let more = if words.len() > MAX_WORDS { " …" } else { "" };
    format!("{}{more}", words[..words.len().min(MAX_WORDS)].join(" "))
}

/// Required text fields must say something: a title, name or label of spaces is as good as none.
fn check_required_text(selected: &[&Record], diagnostics: &mut Vec<Diagnostic>) {
    for record in selected {
        let required: Vec<(&str, &Spanned<String>)> = match &record.data {
            RecordData::Quote(q) => vec![("text", &q.text)],
            RecordData::UseCase(u) => vec![("title", &u.title)],
            RecordData::Controversy(c) => vec![("title", &c.title)],
            RecordData::Person(p) | RecordData::Organization(p) => vec![("name", &p.name)],
            RecordData::Figure(f) => vec![("label", &f.label), ("value", &f.value)],
            RecordData::Source(s) => vec![("title", &s.title)],
        };
        for (field, value) in required {
            if value.get_ref().trim().is_empty() {
                diagnostics.push(blank_error(&record.file, field, value.span()));
            }
        }
    }
}

fn check_page_titles(pages: &[PageSource], diagnostics: &mut Vec<Diagnostic>) {
    for page in pages {
        let title = &page.front.title;
        if title.get_ref().trim().is_empty() {
            let span = title.span().start + page.front_offset..title.span().end + page.front_offset;
            diagnostics.push(blank_error(&page.file, "title", span));
        }
    }
}

/// Words in quotation marks in the plain-text fields of the site's settings and pages' front matter
/// must come from a source file (Markdown fields are checked as they are rendered).
fn check_quotation_marks(
    quotable: &QuotableTexts,
    config: Option<&Config>,
    pages: &[PageSource],
    sources: &SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if let Some(config) = config {
        let site_toml = Path::new("site.toml");
        check_marks(quotable, sources, site_toml, config.title.get_ref(), config.title.span(), diagnostics);
        check_marks(quotable, sources, site_toml, &config.description, config.description.span(), diagnostics);
    }
    for page in pages {
        let shift = |span: Range<usize>| span.start + page.front_offset..span.end + page.front_offset;
        let title = &page.front.title;
        check_marks(quotable, sources, &page.file, title.get_ref(), shift(title.span()), diagnostics);
        let summary = &page.front.summary;
        check_marks(quotable, sources, &page.file, summary, shift(summary.span()), diagnostics);
    }
}

/// `check_quotation_marks` for the plain-text fields of records.
fn check_record_quotation_marks(
    quotable: &QuotableTexts,
    selected: &[&Record],
    sources: &SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for record in selected {
        for (value, span) in record.prose_fields() {
            check_marks(quotable, sources, &record.file, value, span, diagnostics);
        }
    }
}

/// Words in quotation marks in `value` (at `span` of `file`) must come from a source file.
fn check_marks(
    quotable: &QuotableTexts,
    sources: &SourceMap,
    file: &Path,
    value: &str,
    span: Range<usize>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if may_hold_marks(value) {
        let text = sources.get(file).unwrap_or("");
        diagnostics.extend(unsourced_quotations(quotable, file, text, span, value));
    }
}

fn blank_error(file: &Path, field: &str, span: Range<usize>) -> Diagnostic {
    Diagnostic::error(file, Some(span), format!("`{field}` is empty"))
        .with_label(format!("a {field} is required"))
        .with_help(format!("write the {field}; it cannot be blank"))
}

/// Record URLs become links readers follow: only `http`, `https` and `mailto` ones are allowed
/// (`javascript:` and `data:` links would run or show whatever they hold).
fn check_urls(selected: &[&Record], diagnostics: &mut Vec<Diagnostic>) {
    for record in selected {
        let url = match &record.data {
            RecordData::Person(p) | RecordData::Organization(p) => p.url.as_ref(),
            RecordData::Source(s) => s.url.as_ref(),
            _ => None,
        };
        let Some(url) = url else { continue };
        if let Some(problem) = url_problem(url.get_ref(), &["https", "http", "mailto"]) {
            diagnostics.push(
                Diagnostic::error(
                    &record.file,
                    Some(url.span()),
                    format!("`url` must be an http, https or mailto URL, not `{}`", url.get_ref().escape_debug()),
                )
                .with_label(problem)
                .with_help("write a full address such as `https://example.org/page` or `mailto:desk@example.org`, or remove the field"),
            );
        }
    }
}

/// Sorts pages, drops drafts, checks front matter that only one kind of page may use,
/// and gives each page its URL.
fn arrange_pages(
    sources: Vec<PageSource>,
    options: &ModelOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Option<Page>, Vec<Page>) {
    let mut front = None;
    let mut pages = Vec::new();
    for source in sources {
        if source.front.draft && !options.include_drafts {
            continue;
        }
        let rel = slash_path(&source.rel);
        if rel == "_index.md" {
            front = Some(Page { url: "index.html".to_string(), parent: None, source });
            continue;
        }
        check_front_only_fields(&source, diagnostics);
        check_page_name(&source, &rel, diagnostics);
        let (url, parent) = page_url(&rel);
        if let Some(reserved) = reserved_prefix(&url) {
            diagnostics.push(
                Diagnostic::error(
                    &source.file,
                    Some(0..3),
                    format!("`{rel}` would be written to `{url}`, which is reserved for {reserved}"),
                )
                .with_help("rename the file or folder"),
            );
            continue;
        }
        pages.push(Page { url, parent, source });
    }
    if front.is_none() {
        diagnostics.push(
            Diagnostic::error("content/_index.md", None, "the site has no front page")
                .with_help("create `content/_index.md` with a `title` in its front matter"),
        );
    }
    pages.sort_by(|a, b| {
        (a.parent.is_some(), &a.parent, a.source.front.weight, &a.source.front.title, &a.url).cmp(&(
            b.parent.is_some(),
            &b.parent,
            b.source.front.weight,
            &b.source.front.title,
            &b.url,
        ))
    });
    (front, pages)
}

/// The longest file or folder name a page may have: its output name must fit in every file system.
const MAX_PAGE_NAME: usize = 100;

/// Page paths become URLs as they are: each file and folder name must be safe in a URL and on every
/// file system (letters, digits, `-`, `_`, `.`), so no link ever needs encoding.
fn check_page_name(source: &PageSource, rel: &str, diagnostics: &mut Vec<Diagnostic>) {
    let stem = rel.strip_suffix(".md").unwrap_or(rel);
    for name in stem.split('/') {
        let mut unsafe_chars: Vec<String> = Vec::new();
        for c in name.chars().filter(|&c| !is_url_safe(c)) {
            let shown = if c.is_whitespace() { "a space".to_string() } else { format!("`{c}`") };
            if !unsafe_chars.contains(&shown) {
                unsafe_chars.push(shown);
            }
        }
        let problem = if !unsafe_chars.is_empty() {
            format!("{}, which cannot be part of a URL as is", unsafe_chars.join(" and "))
        } else if name.len() > MAX_PAGE_NAME {
            format!("a name of more than {MAX_PAGE_NAME} characters")
        } else {
            continue;
        };
        let safe = |n: &str| n.chars().all(is_url_safe);
        let names: Vec<String> = stem
            .split('/')
            .map(|n| if safe(n) && n.len() <= MAX_PAGE_NAME { n.to_string() } else { page_name_suggestion(n) })
            .collect();
        let suggested = format!("{}.md", names.join("/"));
        diagnostics.push(
            Diagnostic::error(&source.file, Some(0..3), format!("the page name `{rel}` has {problem}"))
                .with_label("page paths become URLs")
                .with_help(format!(
                    "use letters, digits, `-`, `_` and `.` in file and folder names (at most {MAX_PAGE_NAME} characters), e.g. `{suggested}`"
                )),
        );
        return;
    }
}

fn is_url_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

fn page_name_suggestion(name: &str) -> String {
    let mut slug = slug::slugify(name);
    slug.truncate(MAX_PAGE_NAME);
    if slug.is_empty() { "page".to_string() } else { slug.trim_end_matches('-').to_string() }
}

fn check_front_only_fields(source: &PageSource, diagnostics: &mut Vec<Diagnostic>) {
    let front = &source.front;
    let misplaced =
        front.dek.iter().map(|d| ("dek", d.span())).chain(front.key_points.first().map(|k| ("key_points", k.span())));
    for (field, span) in misplaced {
        let span = span.start + source.front_offset..span.end + source.front_offset;
        diagnostics.push(
            Diagnostic::error(&source.file, Some(span), format!("`{field}` belongs in the front page only"))
                .with_help("move it to `content/_index.md`, or use `summary` for a section"),
        );
    }
}

/// How many key points the front page may list (docs/FORMAT.md): fewer say too little to stand
/// for the briefing, more stop being a summary.
pub const KEY_POINTS: std::ops::RangeInclusive<usize> = 4..=6;

/// The front page's `key_points`, when written, are 4 to 6: a warning at the field otherwise.
fn check_key_points(front: &PageSource, sources: &SourceMap, diagnostics: &mut Vec<Diagnostic>) {
    let points = &front.front.key_points;
    if KEY_POINTS.contains(&points.len()) {
        return;
    }
    let text = sources.get(&front.file).unwrap_or("");
    let Some(span) = front_matter_key(text, "key_points") else { return };
    let (min, max) = (KEY_POINTS.start(), KEY_POINTS.end());
    let (count, help) = match points.len() {
        0 => ("no key points".to_string(), format!("write {min} to {max} key points, or remove the field")),
        1 => ("1 key point".to_string(), format!("add key points until there are {min} to {max}")),
        n if n < *min => (format!("{n} key points"), format!("add key points until there are {min} to {max}")),
        n => (
            format!("{n} key points"),
            format!("keep the {max} that matter most, or merge some: the front page lists every one"),
        ),
    };
    diagnostics.push(
        Diagnostic::warning(
            &front.file,
            Some(span),
            format!("the front page has {count}; the format asks for {min} to {max}"),
        )
        .with_label(count)
        .with_help(help),
    );
}

/// The span in `text` (a page's file) of the top-level `key` of its front matter.
fn front_matter_key(text: &str, key: &str) -> Option<Range<usize>> {
    let (front, front_offset, _) = crate::load::split_front_matter(text).ok()?;
    let table = toml::de::DeTable::parse(front).ok()?;
    let (name, _) = table.get_ref().iter().find(|(name, _)| name.get_ref().as_ref() == key)?;
    Some(name.span().start + front_offset..name.span().end + front_offset)
}

/// `x.md` → `x.html`; `d/_index.md` → `d/index.html`; `d/x.md` → `d/x.html` under section `d`.
fn page_url(rel: &str) -> (String, Option<PathBuf>) {
    let without_ext = rel.strip_suffix(".md").unwrap_or(rel);
    let url = match without_ext.strip_suffix("_index") {
        Some(dir) => format!("{dir}index.html"),
        None => format!("{without_ext}.html"),
    };
    let parent = match rel.rsplit_once('/') {
        Some((dir, file)) if file != "_index.md" => Some(PathBuf::from(format!("{dir}/_index.md"))),
        Some((dir, _)) if dir.contains('/') => {
            let (up, _) = dir.rsplit_once('/').unwrap_or((dir, ""));
            Some(PathBuf::from(format!("{up}/_index.md")))
        }
        _ => None,
    };
    (url, parent)
}

fn reserved_prefix(url: &str) -> Option<String> {
    let first = url.split('/').next().unwrap_or("");
    if first == "topics" || url == "topics.html" {
        return Some("topic pages".to_string());
    }
    if url == "404.html" {
        return Some("the not-found page".to_string());
    }
    Kind::ALL
        .into_iter()
        .find(|k| first == k.dir() && url.contains('/'))
        .map(|k| format!("{} pages (the `{}/` folder)", k.title().to_lowercase(), k.dir()))
}

fn collect_topics(
    config: &Config,
    front: Option<&Page>,
    pages: &[Page],
    records: &BTreeMap<RecordKey, Record>,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Topic> {
    let mut slugs: BTreeSet<String> = BTreeSet::new();
    for slug in config.topics.keys() {
        match slug_error(Path::new("site.toml"), slug.span(), slug.get_ref(), "topic slug") {
            Some(diagnostic) => diagnostics.push(diagnostic),
            None => {
                slugs.insert(slug.get_ref().clone());
            }
        }
    }
    let page_topics = front
        .into_iter()
        .chain(pages)
        .flat_map(|p| p.source.front.topics.iter().map(move |t| (&p.source.file, t, p.source.front_offset, true)));
    let record_topics = records.values().flat_map(|r| r.topics().iter().map(move |t| (&r.file, t, 0, false)));
    for (file, topic, offset, on_page) in page_topics.chain(record_topics) {
        let slug = topic.get_ref();
        let span = topic.span().start + offset..topic.span().end + offset;
        match slug_error(file, span.clone(), slug, "topic slug") {
            Some(diagnostic) => diagnostics.push(diagnostic),
            None => {
                slugs.insert(slug.clone());
            }
        }
        // A record's topics are checked with the record (`RecordChecks`), also after an edit.
        if on_page {
            diagnostics.extend(undeclared_topic(&config.topics, file, span, slug));
        }
    }
    slugs
        .into_iter()
        .map(|slug| {
            let name = topic_display_name(&slug, config);
            (slug.clone(), Topic { slug, name, pages: Vec::new(), records: Vec::new() })
        })
        .collect()
}

/// Notes on each topic the pages and records that carry it, in one pass over each.
fn add_topic_members(
    topics: &mut BTreeMap<String, Topic>,
    front: Option<&Page>,
    pages: &[Page],
    records: &BTreeMap<RecordKey, Record>,
) {
    let ids = front.map(|page| (PageId::Front, page)).into_iter();
    for (id, page) in ids.chain(pages.iter().enumerate().map(|(i, page)| (PageId::Page(i), page))) {
        for slug in unique(page.source.front.topics.iter().map(|t| t.get_ref())) {
            if let Some(topic) = topics.get_mut(slug) {
                topic.pages.push(id);
            }
        }
    }
    for (key, record) in records {
        for slug in unique(record.topics().iter().map(|t| t.get_ref())) {
            if let Some(topic) = topics.get_mut(slug) {
                topic.records.push(key.clone());
            }
        }
    }
}

/// Each slug once, in first-seen order (a page may list a topic twice).
fn unique<'a>(slugs: impl Iterator<Item = &'a String>) -> Vec<&'a String> {
    let mut seen: Vec<&String> = Vec::new();
    for slug in slugs {
        if !seen.contains(&slug) {
            seen.push(slug);
        }
    }
    seen
}

/// Who names whom: for each record, the records whose references resolve to it.
fn named_by(records: &BTreeMap<RecordKey, Record>) -> BTreeMap<RecordKey, BTreeSet<RecordKey>> {
    let mut map: BTreeMap<RecordKey, BTreeSet<RecordKey>> = BTreeMap::new();
    for (key, record) in records {
        let mut named: Vec<RecordKey> = record
            .references()
            .into_iter()
            .filter_map(|(reference, kinds)| resolve_any(records, reference.get_ref(), kinds))
            .collect();
        if let RecordData::Controversy(c) = &record.data {
            named.extend(
                c.related
                    .iter()
                    .filter_map(|r| parse_typed_ref(r.get_ref()))
                    .map(|(kind, id)| RecordKey::new(kind, id))
                    .filter(|k| matches!(k.kind, Kind::Person | Kind::Organization | Kind::Source)),
            );
        }
        for target in named {
            if target != *key {
                map.entry(target).or_default().insert(key.clone());
            }
        }
    }
    map
}

/// The folder of a content-relative path, for resolving relative `.md` links.
pub fn rel_dir(rel: &Path) -> &Path {
    rel.parent().unwrap_or(Path::new(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_joined_by_single_hyphens() {
        assert!(is_slug("great-artists"));
        assert!(is_slug("q3-2025"));
        assert!(!is_slug("Great"));
        assert!(!is_slug("a--b"));
        assert!(!is_slug("-a"));
        assert!(!is_slug(""));
    }

    #[test]
    fn page_urls_follow_the_content_tree() {
        assert_eq!(page_url("stance.md"), ("stance.html".to_string(), None));
        assert_eq!(page_url("practice/_index.md"), ("practice/index.html".to_string(), None));
        assert_eq!(
            page_url("practice/vfx.md"),
            ("practice/vfx.html".to_string(), Some(PathBuf::from("practice/_index.md")))
        );
    }

    #[test]
    fn long_ids_are_refused_with_their_length() {
        let long = "a".repeat(MAX_ID_LEN + 1);
        let error = slug_error(Path::new("x.toml"), 0..1, &long, "id").expect("too long");
        assert_eq!(error.message, format!("this id is {} characters long; the limit is {MAX_ID_LEN}", MAX_ID_LEN + 1));
        assert!(slug_error(Path::new("x.toml"), 0..1, &"a".repeat(MAX_ID_LEN), "id").is_none());
    }

    #[test]
    fn reserved_urls_are_detected() {
        assert_eq!(reserved_prefix("quotes/index.html").as_deref(), Some("quote pages (the `quotes/` folder)"));
        assert_eq!(reserved_prefix("quotes.html"), None);
        assert_eq!(reserved_prefix("topics/x.html").as_deref(), Some("topic pages"));
    }
}
