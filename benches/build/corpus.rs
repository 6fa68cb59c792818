//! A deterministic, seeded generator of synthetic briefings in the real content format, in three
//! shapes: *flat* (N top-level sections, no records: the shape Zola, Hugo and mdBook are compared on),
//! *nested* (sections in folders of 100, like a long briefing in parts, no records) and
//! *record-heavy* (nested, with records of every kind and Markdown that references, embeds and
//! cites them). Every shape's Markdown uses headings, footnotes, callouts, tables and `.md` links.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A small xorshift generator: deterministic for a seed, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "studio",
    "streaming",
    "model",
    "production",
    "artists",
    "visual",
    "effects",
    "costs",
    "audience",
    "rights",
    "consent",
    "likeness",
    "investors",
    "quarter",
    "revenue",
    "forecast",
    "tools",
    "pipeline",
    "scene",
    "series",
    "union",
    "actors",
    "copyright",
    "training",
    "data",
    "policy",
    "efficiency",
    "creative",
    "writers",
    "budget",
    "the",
    "and",
    "of",
    "to",
    "in",
    "a",
    "for",
    "with",
    "on",
    "as",
    "that",
    "is",
    "by",
    "its",
    "from",
];
const TOPICS: &[&str] = &["generative-ai", "labour", "copyright", "business", "production", "deepfakes"];
const STAGES: &[&str] = &["concept", "pre-production", "production", "post-production", "marketing"];

/// The shape of a corpus: how its sections are arranged, and whether it has records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Flat,
    Nested,
    RecordHeavy,
}

impl Shape {
    pub const ALL: [Shape; 3] = [Shape::Flat, Shape::Nested, Shape::RecordHeavy];

    pub fn name(self) -> &'static str {
        match self {
            Shape::Flat => "flat",
            Shape::Nested => "nested",
            Shape::RecordHeavy => "record-heavy",
        }
    }

    pub fn parse(name: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|shape| shape.name() == name)
    }
}

/// How many records of each kind a corpus of `n` sections gets.
pub struct Counts {
    pub sections: usize,
    pub quotes: usize,
    pub people: usize,
    pub organizations: usize,
    pub use_cases: usize,
    pub controversies: usize,
    pub figures: usize,
}

impl Counts {
    pub fn for_sections(n: usize) -> Self {
        Self {
            sections: n,
            quotes: n.max(4),
            people: (n / 20).max(2),
            organizations: (n / 40).max(2),
            use_cases: (n / 10).max(2),
            controversies: (n / 20).max(2),
            figures: (n / 50).max(1),
        }
    }

    pub fn records(&self) -> usize {
        self.quotes + self.people + self.organizations + self.use_cases + self.controversies + self.figures + 1
    }
}

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(rng.pick(WORDS));
    }
    let mut chars = s.chars();
    chars.next().map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}

/// Writes a complete site of `n` sections in `shape` into `root`; returns the Markdown files written.
pub fn generate_shape(root: &Path, shape: Shape, n: usize, seed: u64) -> std::io::Result<Vec<PathBuf>> {
    match shape {
        Shape::RecordHeavy => generate(root, &Counts::for_sections(n), seed),
        Shape::Flat | Shape::Nested => generate_plain(root, n, shape == Shape::Flat, seed),
    }
}

/// A site of `n` sections and no records: top-level pages (`flat`), or folders of 100.
fn generate_plain(root: &Path, n: usize, flat: bool, seed: u64) -> std::io::Result<Vec<PathBuf>> {
    let mut rng = Rng::new(seed);
    let content = root.join("content");
    std::fs::create_dir_all(&content)?;
    std::fs::write(root.join("site.toml"), SITE_TOML)?;
    std::fs::write(
        content.join("_index.md"),
        "+++\ntitle = \"Synthetic briefing\"\ndek = \"A generated briefing.\"\n+++\nIntroduction.\n",
    )?;
    let mut md_files = vec![content.join("_index.md")];
    if flat {
        for page in 0..n {
            let path = content.join(format!("s-{page:05}.md"));
            let next = format!("s-{:05}.md", (page + 1) % n.max(1));
            std::fs::write(&path, plain_section(&mut rng, page, &next))?;
            md_files.push(path);
        }
        return Ok(md_files);
    }
    write_parts(&content, n, &mut rng, &mut md_files, |rng, page, in_part| {
        plain_section(rng, page, &format!("page-{:03}.md", (page + 1) % in_part.max(1)))
    })?;
    Ok(md_files)
}

/// Writes `n` sections into folders of up to 100 (`part-000/_index.md` and 99 pages), each folder
/// a top-level section; `page_text(rng, page, pages in the folder)` writes each page.
fn write_parts(
    content: &Path,
    n: usize,
    rng: &mut Rng,
    md_files: &mut Vec<PathBuf>,
    mut page_text: impl FnMut(&mut Rng, usize, usize) -> String,
) -> std::io::Result<()> {
    let mut written = 0;
    for part in 0..n.div_ceil(100).max(1) {
        let dir = content.join(format!("part-{part:03}"));
        std::fs::create_dir_all(&dir)?;
        let index = format!(
            "+++\ntitle = \"Part {part}\"\nweight = {part}\nsummary = \"{}.\"\n+++\n{}.\n",
            sentence(rng, 10),
            sentence(rng, 30)
        );
        std::fs::write(dir.join("_index.md"), index)?;
        md_files.push(dir.join("_index.md"));
        written += 1;
        let in_part = 100.min(n.saturating_sub(written)).min(99);
        for page in 0..in_part {
            let path = dir.join(format!("page-{page:03}.md"));
            std::fs::write(&path, page_text(rng, page, in_part))?;
            md_files.push(path);
            written += 1;
        }
        if written >= n {
            break;
        }
    }
    Ok(())
}

const SITE_TOML: &str = "title = \"Synthetic briefing\"\ndescription = \"A generated corpus for benchmarks.\"\nbase_url = \"https://example.org/bench/\"\n";

/// A section like `section`'s, without records: three headings, nine paragraphs, footnotes, a
/// callout, a table and a link to `next`.
fn plain_section(rng: &mut Rng, page: usize, next: &str) -> String {
    let mut md = format!(
        "+++\ntitle = \"{}\"\nweight = {page}\nsummary = \"{}.\"\ntopics = [\"{}\"]\n+++\n",
        sentence(rng, 4),
        sentence(rng, 12),
        rng.pick(TOPICS)
    );
    for h in 0..3 {
        writeln!(md, "## {} {{#h{h}}}\n", sentence(rng, 3)).ok();
        for _ in 0..3 {
            writeln!(
                md,
                "{} {} {}.[^n{h}] {} *{}* **{}**.\n",
                sentence(rng, 12),
                sentence(rng, 10),
                sentence(rng, 8),
                sentence(rng, 10),
                sentence(rng, 2),
                sentence(rng, 2)
            )
            .ok();
        }
        writeln!(md, "[^n{h}]: {}.\n", sentence(rng, 10)).ok();
    }
    writeln!(md, "> [!NOTE]\n> **Our analysis.** {}.\n", sentence(rng, 20)).ok();
    writeln!(md, "| Figure | Value |\n|---|---|\n| {} | {} |\n", sentence(rng, 2), rng.below(1000)).ok();
    writeln!(md, "See also [the next page]({next}#h1).").ok();
    md
}

/// Writes a complete site (site.toml, content/, sources/) for `counts` into `root`.
/// Returns the Markdown files written, for the parsing floor.
pub fn generate(root: &Path, counts: &Counts, seed: u64) -> std::io::Result<Vec<PathBuf>> {
    let mut rng = Rng::new(seed);
    let content = root.join("content");
    std::fs::create_dir_all(content.join("records"))?;
    std::fs::create_dir_all(root.join("sources"))?;
    std::fs::write(root.join("site.toml"), SITE_TOML)?;
    let mut md_files = Vec::new();

    // Quotes first: their texts make up the source document they are checked against.
    let mut quotes = String::new();
    let mut source_text = String::new();
    for i in 0..counts.quotes {
        let words = 8 + rng.below(10);
        let text = format!("{} number {i}", sentence(&mut rng, words));
        writeln!(source_text, "She said: \"{text}.\"").ok();
        let speaker = if i % 3 == 0 {
            format!("org-{}", i % counts.organizations)
        } else {
            format!("person-{}", i % counts.people)
        };
        write!(
            quotes,
            "[[quote]]\nid = \"q-{i}\"\nspeaker = \"{speaker}\"\ntext = \"{text}\"\ncontext = \"{}\"\nsource = \"corpus\"\nlocator = \"line {}\"\ntopics = [\"{}\"]\n",
            sentence(&mut rng, 6),
            i + 1,
            rng.pick(TOPICS)
        )
        .ok();
        if i % 7 == 0 {
            writeln!(
                quotes,
                "note = \"An annotation citing [a person](person:person-{}).[^n]\\n\\n[^n]: A note.\"",
                i % counts.people
            )
            .ok();
        }
        quotes.push('\n');
    }
    std::fs::write(root.join("sources/corpus.txt"), source_text)?;
    std::fs::write(content.join("records/quotes.toml"), quotes)?;

    let mut parties = String::new();
    for i in 0..counts.people {
        write!(
            parties,
            "[[person]]\nid = \"person-{i}\"\nname = \"Person {i}\"\nrole = \"{}\"\ndescription = \"{}.\"\n\n",
            sentence(&mut rng, 3),
            sentence(&mut rng, 14)
        )
        .ok();
    }
    for i in 0..counts.organizations {
        write!(
            parties,
            "[[organization]]\nid = \"org-{i}\"\nname = \"Organization {i}\"\nrole = \"{}\"\n\n",
            sentence(&mut rng, 3)
        )
        .ok();
    }
    std::fs::write(content.join("records/parties.toml"), parties)?;

    let mut other = String::from(
        "[[source]]\nid = \"corpus\"\ntitle = \"The corpus\"\npublisher = \"Generator\"\nfile = \"sources/corpus.txt\"\n\n",
    );
    for i in 0..counts.use_cases {
        write!(
            other,
            "[[use_case]]\nid = \"uc-{i}\"\ntitle = \"Use case {i}\"\nproduction = \"Series {i}\"\ncompany = \"org-{}\"\ntechnique = \"{}\"\nstage = \"{}\"\nsummary = \"{}.\"\nsource = \"corpus\"\n\n",
            i % counts.organizations,
            rng.pick(&["image generation", "de-ageing", "previsualisation", "voice"]),
            rng.pick(STAGES),
            sentence(&mut rng, 16)
        )
        .ok();
    }
    for i in 0..counts.controversies {
        write!(
            other,
            "[[controversy]]\nid = \"c-{i}\"\ntitle = \"Controversy {i}\"\nparties = [\"person-{}\", \"org-{}\"]\nsummary = \"{}.\"\nstatus = \"{}\"\nrelated = [\"quote:q-{}\", \"use-case:uc-{}\"]\n\n",
            i % counts.people,
            i % counts.organizations,
            sentence(&mut rng, 16),
            rng.pick(&["open", "settled", "in court"]),
            i % counts.quotes,
            i % counts.use_cases
        )
        .ok();
    }
    for i in 0..counts.figures {
        write!(other, "[[figure]]\nid = \"f-{i}\"\nlabel = \"Figure {i}\"\nvalue = \"${}.{} billion\"\nchange = \"+{}%\"\nsource = \"corpus\"\n\n", 1 + i % 20, i % 10, i % 30).ok();
    }
    std::fs::write(content.join("records/other.toml"), other)?;

    // Sections: folders of up to 100 pages, each folder a top-level section.
    let front = "+++\ntitle = \"Synthetic briefing\"\ndek = \"A generated briefing.\"\nkey_points = [\"One [quote](quote:q-0).\", \"Two.\", \"Three.\", \"Four.\"]\n+++\nIntroduction.\n";
    std::fs::write(content.join("_index.md"), front)?;
    md_files.push(content.join("_index.md"));
    write_parts(&content, counts.sections, &mut rng, &mut md_files, |rng, page, in_part| {
        section(rng, counts, page, in_part)
    })?;
    Ok(md_files)
}

fn section(rng: &mut Rng, counts: &Counts, page: usize, in_part: usize) -> String {
    let mut md = format!(
        "+++\ntitle = \"{}\"\nweight = {page}\nsummary = \"{}.\"\ntopics = [\"{}\"]\n+++\n",
        sentence(rng, 4),
        sentence(rng, 12),
        rng.pick(TOPICS)
    );
    for h in 0..3 {
        writeln!(md, "## {} {{#h{h}}}\n", sentence(rng, 3)).ok();
        for _ in 0..3 {
            let q = rng.below(counts.quotes);
            let p = rng.below(counts.people);
            writeln!(
                md,
                "{} [as quoted](quote:q-{q}) {} [Person {p}](person:person-{p}) {}.[^n{h}] {} *{}* **{}**.\n",
                sentence(rng, 12),
                sentence(rng, 10),
                sentence(rng, 8),
                sentence(rng, 10),
                sentence(rng, 2),
                sentence(rng, 2)
            )
            .ok();
        }
        writeln!(md, "[^n{h}]: {} [use case](use-case:uc-{}).\n", sentence(rng, 10), rng.below(counts.use_cases)).ok();
    }
    writeln!(md, "![](quote:q-{})\n", rng.below(counts.quotes)).ok();
    writeln!(
        md,
        "> [!NOTE]\n> **Our analysis.** {} [the controversy](controversy:c-{}).\n",
        sentence(rng, 20),
        rng.below(counts.controversies)
    )
    .ok();
    writeln!(
        md,
        "| Figure | Value |\n|---|---|\n| [{}](figure:f-{}) | {} |\n",
        sentence(rng, 2),
        rng.below(counts.figures),
        rng.below(1000)
    )
    .ok();
    let next = (page + 1) % in_part.max(1);
    writeln!(md, "See also [the next page](page-{next:03}.md#h1) and [the part](_index.md).").ok();
    md
}
