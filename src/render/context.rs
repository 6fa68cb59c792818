//! The values templates see (see docs/TEMPLATES.md): plain serializable views built from the model
//! and the rendered Markdown. Every key is always present, because Tera 2 treats undefined as an error.

use std::collections::BTreeMap;

use serde::Serialize;

use super::reads::Reads;
use crate::markdown::site::{CitedAt, SiteText};
use crate::model::{Kind, PARTY, Page, Record, RecordData, RecordKey, STAGES, Site, Topic, parse_typed_ref};

#[derive(Debug, Clone, Serialize)]
pub struct SiteView<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub language: &'a str,
    pub author: &'a str,
    pub base_url: &'a str,
}

impl<'a> SiteView<'a> {
    pub fn new(site: &'a Site) -> Self {
        let c = &site.config;
        Self {
            title: c.title.get_ref(),
            description: &c.description,
            language: c.language(),
            author: &c.author,
            base_url: c.base_url.get_ref(),
        }
    }
}

/// A link to a page or record; `kind_title` is `""` for pages.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Link {
    pub title: String,
    pub url: String,
    pub kind_title: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct NavLink {
    pub title: String,
    pub url: String,
    pub current: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct KindLink {
    pub kind: &'static str,
    pub title: &'static str,
    pub url: String,
    pub count: usize,
    pub current: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Nav {
    pub sections: Vec<NavLink>,
    pub kinds: Vec<KindLink>,
    pub topics_url: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopicLink {
    pub slug: String,
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CitationView {
    pub page_title: String,
    pub page_url: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct InvolvedGroup {
    pub kind_title: &'static str,
    pub records: Vec<RecordView>,
}

/// A record as templates see it: common fields plus the fields of its kind.
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    pub kind: &'static str,
    pub kind_title: &'static str,
    pub kind_plural: &'static str,
    pub kind_url: String,
    pub id: String,
    pub key: String,
    pub title: String,
    pub url: String,
    pub topics: Vec<TopicLink>,
    pub note: String,
    pub cited_in: Vec<CitationView>,
    pub involved: Vec<InvolvedGroup>,
    #[serde(flatten)]
    pub fields: Fields,
}

/// The fields particular to each kind. Optional strings are `""`, optional links `none`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Fields {
    Quote {
        text: String,
        speaker: Link,
        context: String,
        framing: String,
        date: String,
        source: Option<Link>,
        locator: String,
    },
    UseCase {
        production: String,
        company: Option<Link>,
        technique: String,
        stage: String,
        summary: String,
        impact: String,
        source: Option<Link>,
    },
    Controversy {
        parties: Vec<Link>,
        summary: String,
        stakes: String,
        status: String,
        related: Vec<Link>,
    },
    Party {
        name: String,
        role: String,
        description: String,
        external_url: String,
    },
    Figure {
        label: String,
        value: String,
        unit: String,
        change: String,
        period: String,
        source: Option<Link>,
    },
    Source {
        publisher: String,
        external_url: String,
        date: String,
        file: String,
    },
}

/// How much of a record to show: the full page view, or a summary inside lists, cards and previews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Full,
    Summary,
}

/// Everything context building needs, for one render job: the site, its Markdown, and the set
/// of records the job reads (every record is looked up through `Views::get` and its siblings in
/// `reads.rs`, which note it there).
pub struct Views<'a> {
    pub site: &'a Site,
    pub text: &'a SiteText,
    pub reads: &'a Reads,
}

impl<'a> Views<'a> {
    pub fn new(site: &'a Site, text: &'a SiteText, reads: &'a Reads) -> Self {
        Self { site, text, reads }
    }

    pub fn topic_link(&self, slug: &str) -> TopicLink {
        TopicLink { slug: slug.to_string(), name: self.site.topic_name(slug), url: Topic::url(slug) }
    }

    pub fn record_link(&self, key: &RecordKey) -> Link {
        Link {
            title: self.get(key).map_or_else(|| key.id.clone(), Record::title),
            url: key.url(),
            kind_title: key.kind.title(),
        }
    }

    fn link_to_any(&self, id: &str, kinds: &[Kind]) -> Option<Link> {
        self.resolve(id, kinds).map(|key| self.record_link(&key))
    }

    pub fn record(&self, record: &Record, detail: Detail) -> RecordView {
        let key = record.key();
        // Whoever shows a record reads it, however it was found.
        self.reads.note(&key);
        let full = detail == Detail::Full;
        // The note's record cards and previews are filled in by the page renderer.
        let note = String::new();
        let cited_in = if full { self.cited_in(&key) } else { Vec::new() };
        let involved = if full { self.involved(&key) } else { Vec::new() };
        RecordView {
            kind: key.kind.table_name(),
            kind_title: key.kind.title(),
            kind_plural: key.kind.plural_title(),
            kind_url: format!("{}/index.html", key.kind.dir()),
            id: key.id.clone(),
            key: key.to_string(),
            title: record.title(),
            url: key.url(),
            topics: record.topics().iter().map(|t| self.topic_link(t.get_ref())).collect(),
            note,
            cited_in,
            involved,
            fields: self.fields(record),
        }
    }

    fn cited_in(&self, key: &RecordKey) -> Vec<CitationView> {
        self.text
            .cited_in
            .get(key)
            .into_iter()
            .flatten()
            .map(|at: &CitedAt| {
                // A citing record's title is shown here: note it as read.
                self.record_at_url(&at.page_url);
                CitationView { page_title: at.page_title.clone(), page_url: at.page_url.clone(), url: at.url() }
            })
            .collect()
    }

    fn involved(&self, key: &RecordKey) -> Vec<InvolvedGroup> {
        let Some(keys) = self.site.named_by.get(key) else { return Vec::new() };
        Kind::ALL
            .into_iter()
            .filter_map(|kind| {
                let records: Vec<RecordView> = keys
                    .iter()
                    .filter(|k| k.kind == kind)
                    .filter_map(|k| self.get(k))
                    .map(|r| self.record(r, Detail::Summary))
                    .collect();
                (!records.is_empty()).then(|| InvolvedGroup { kind_title: kind.plural_title(), records })
            })
            .collect()
    }

    fn fields(&self, record: &Record) -> Fields {
        let source = |id: Option<&String>| id.and_then(|id| self.link_to_any(id, &[Kind::Source]));
        let date = |d: &Option<crate::model::DateValue>| d.as_ref().map(|d| d.as_str().to_string()).unwrap_or_default();
        match &record.data {
            RecordData::Quote(q) => Fields::Quote {
                text: q.text.get_ref().clone(),
                speaker: self.link_to_any(q.speaker.get_ref(), PARTY).unwrap_or_else(|| Link {
                    title: q.speaker.get_ref().clone(),
                    url: String::new(),
                    kind_title: "",
                }),
                context: q.context.to_string(),
                framing: q.framing.to_string(),
                date: date(&q.date),
                source: source(Some(q.source.get_ref())),
                locator: q.locator.to_string(),
            },
            RecordData::UseCase(u) => Fields::UseCase {
                production: u.production.to_string(),
                company: u.company.as_ref().and_then(|c| self.link_to_any(c.get_ref(), &[Kind::Organization])),
                technique: u.technique.to_string(),
                stage: u.stage.as_ref().map(|s| s.get_ref().clone()).unwrap_or_default(),
                summary: u.summary.to_string(),
                impact: u.impact.to_string(),
                source: source(u.source.as_ref().map(|s| s.get_ref())),
            },
            RecordData::Controversy(c) => Fields::Controversy {
                parties: c.parties.iter().filter_map(|p| self.link_to_any(p.get_ref(), PARTY)).collect(),
                summary: c.summary.to_string(),
                stakes: c.stakes.to_string(),
                status: c.status.to_string(),
                related: c
                    .related
                    .iter()
                    .filter_map(|r| parse_typed_ref(r.get_ref()))
                    .map(|(kind, id)| RecordKey::new(kind, id))
                    .filter(|key| self.get(key).is_some())
                    .map(|key| self.record_link(&key))
                    .collect(),
            },
            RecordData::Person(p) | RecordData::Organization(p) => Fields::Party {
                name: p.name.get_ref().clone(),
                role: p.role.to_string(),
                description: p.description.to_string(),
                external_url: p.url.as_ref().map(|url| url.get_ref().clone()).unwrap_or_default(),
            },
            RecordData::Figure(f) => Fields::Figure {
                label: f.label.get_ref().clone(),
                value: f.value.get_ref().clone(),
                unit: f.unit.to_string(),
                change: f.change.to_string(),
                period: f.period.to_string(),
                source: source(f.source.as_ref().map(|s| s.get_ref())),
            },
            RecordData::Source(s) => Fields::Source {
                publisher: s.publisher.to_string(),
                external_url: s.url.as_ref().map(|url| url.get_ref().clone()).unwrap_or_default(),
                date: date(&s.date),
                file: s.file.as_ref().map(|f| f.get_ref().clone()).unwrap_or_default(),
            },
        }
    }

    /// Records of `kind`, sorted by title for lists.
    pub fn sorted_records(&self, kind: Kind) -> Vec<&'a Record> {
        let mut records: Vec<&Record> = self.all_of(kind).into_iter().map(|(_, record)| record).collect();
        records.sort_by_cached_key(|r| (r.title().to_lowercase(), r.id().get_ref().clone()));
        records
    }

    /// The sub-indexes of a kind's index page: quotes by speaker, use cases by stage and
    /// technique, controversies by status and party.
    pub fn groupings(&self, kind: Kind) -> Vec<Grouping> {
        let ways: &[(&str, GroupBy)] = match kind {
            Kind::Quote => &[("By speaker", GroupBy::Party)],
            Kind::UseCase => &[("By stage", GroupBy::Stage), ("By technique", GroupBy::Technique)],
            Kind::Controversy => &[("By status", GroupBy::Status), ("By party", GroupBy::Party)],
            _ => &[],
        };
        let records = self.sorted_records(kind);
        // A way of grouping that puts every record under "Unspecified" tells the reader nothing.
        ways.iter()
            .map(|(title, by)| self.grouping(title, *by, &records))
            .filter(|grouping| !matches!(grouping.groups.as_slice(), [only] if only.title == UNSPECIFIED))
            .collect()
    }

    fn grouping(&self, title: &str, by: GroupBy, records: &[&Record]) -> Grouping {
        let mut groups: BTreeMap<(usize, String), Vec<RecordView>> = BTreeMap::new();
        for record in records {
            let mut labels = self.group_labels(record, by);
            if labels.is_empty() {
                labels.push(UNSPECIFIED.to_string());
            }
            for label in labels {
                let rank = match by {
                    GroupBy::Stage => STAGES.iter().position(|s| *s == label).unwrap_or(STAGES.len()),
                    _ => usize::from(label == UNSPECIFIED),
                };
                groups.entry((rank, label)).or_default().push(self.record(record, Detail::Summary));
            }
        }
        Grouping {
            title: title.to_string(),
            groups: groups.into_iter().map(|((_, title), records)| Group { title, records }).collect(),
        }
    }

    fn group_labels(&self, record: &Record, by: GroupBy) -> Vec<String> {
        let name = |id: &str| self.link_to_any(id, PARTY).map(|l| l.title);
        let labels: Vec<String> = match (&record.data, by) {
            (RecordData::Quote(q), GroupBy::Party) => name(q.speaker.get_ref()).into_iter().collect(),
            (RecordData::Controversy(c), GroupBy::Party) => {
                c.parties.iter().filter_map(|p| name(p.get_ref())).collect()
            }
            (RecordData::Controversy(c), GroupBy::Status) => vec![c.status.to_string()],
            (RecordData::UseCase(u), GroupBy::Stage) => u.stage.iter().map(|s| s.get_ref().clone()).collect(),
            (RecordData::UseCase(u), GroupBy::Technique) => vec![u.technique.to_string()],
            _ => Vec::new(),
        };
        labels.into_iter().filter(|l| !l.trim().is_empty()).collect()
    }

    pub fn page_link(&self, page: &Page) -> Link {
        Link { title: page.title().to_string(), url: page.url.clone(), kind_title: "" }
    }
}

const UNSPECIFIED: &str = "Unspecified";

#[derive(Debug, Clone, Copy)]
enum GroupBy {
    Party,
    Stage,
    Technique,
    Status,
}

#[derive(Debug, Clone, Serialize)]
pub struct Grouping {
    pub title: String,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub title: String,
    pub records: Vec<RecordView>,
}
