//! The values templates see (see docs/TEMPLATES.md): plain serializable views built from the model
//! and the rendered Markdown. Every key is always present, because Tera 2 treats undefined as an error.

use serde::Serialize;

use super::reads::Reads;
use crate::markdown::site::{CitedAt, SiteText};
use crate::model::{Kind, PARTY, Page, Record, RecordData, RecordKey, Site, Topic, parse_typed_ref};

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
    /// The top-level sections, or none when there are more than the header shows.
    pub sections: Vec<NavLink>,
    pub section_count: usize,
    pub contents_url: &'static str,
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
    /// How many there are, shown or not.
    pub total: usize,
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
    /// How many places cite the record, shown in `cited_in` or not.
    pub cited_total: usize,
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

/// How much of a record to show: its page (whose lists of what cites and involves it stop at
/// `LIST_LIMIT` each, so that no record page grows with the site), everything (the print edition),
/// or a summary inside lists, cards and previews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Full,
    Complete,
    Summary,
}

/// The most entries a record page lists under "Cited in", and under "Involved in" (all kinds together).
pub const LIST_LIMIT: usize = super::listing::PAGE_SIZE;

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
        let limit = match detail {
            Detail::Full => LIST_LIMIT,
            Detail::Complete => usize::MAX,
            Detail::Summary => 0,
        };
        // The note's record cards and previews are filled in by the page renderer.
        let note = String::new();
        let cited_in = self.cited_in(&key, limit);
        let cited_total = if limit == 0 { 0 } else { self.text.cited_in.get(&key).map_or(0, Vec::len) };
        let involved = self.involved(&key, limit);
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
            cited_total,
            involved,
            fields: self.fields(record),
        }
    }

    fn cited_in(&self, key: &RecordKey, limit: usize) -> Vec<CitationView> {
        self.text
            .cited_in
            .get(key)
            .into_iter()
            .flatten()
            .take(limit)
            .map(|at: &CitedAt| {
                // A citing record's title is shown here: note it as read.
                self.record_at_url(&at.page_url);
                CitationView { page_title: at.page_title.clone(), page_url: at.page_url.clone(), url: at.url() }
            })
            .collect()
    }

    /// The records that name `key`, by kind: at most `limit` in all, shared fairly between kinds.
    fn involved(&self, key: &RecordKey, limit: usize) -> Vec<InvolvedGroup> {
        let Some(keys) = self.site.named_by.get(key).filter(|_| limit > 0) else { return Vec::new() };
        let by_kind: Vec<(Kind, Vec<&RecordKey>)> = Kind::ALL
            .into_iter()
            .map(|kind| (kind, keys.iter().filter(|k| k.kind == kind).collect::<Vec<_>>()))
            .filter(|(_, keys)| !keys.is_empty())
            .collect();
        let shown = fair_shares(&by_kind.iter().map(|(_, keys)| keys.len()).collect::<Vec<_>>(), limit);
        by_kind
            .into_iter()
            .zip(shown)
            .map(|((kind, keys), shown)| InvolvedGroup {
                kind_title: kind.plural_title(),
                total: keys.len(),
                records: keys
                    .into_iter()
                    .take(shown)
                    .filter_map(|k| self.get(k))
                    .map(|r| self.record(r, Detail::Summary))
                    .collect(),
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

    pub fn page_link(&self, page: &Page) -> Link {
        Link { title: page.title().to_string(), url: page.url.clone(), kind_title: "" }
    }
}

/// How many of each list to show so that at most `limit` are shown in all: every list gets an equal
/// share, and what a short list leaves goes to the longer ones (`[100, 10, 2]`, 100 → `[88, 10, 2]`).
fn fair_shares(lengths: &[usize], limit: usize) -> Vec<usize> {
    let mut shares = vec![0; lengths.len()];
    let mut left = limit;
    let mut open: Vec<usize> = (0..lengths.len()).filter(|&i| lengths[i] > 0).collect();
    while left > 0 && !open.is_empty() {
        let each = (left / open.len()).max(1);
        for &i in &open {
            let more = each.min(lengths[i] - shares[i]).min(left);
            shares[i] += more;
            left -= more;
        }
        open.retain(|&i| shares[i] < lengths[i]);
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::fair_shares;

    #[test]
    fn short_lists_are_shown_whole_and_long_ones_share_the_rest() {
        assert_eq!(fair_shares(&[100, 10, 2], 100), [88, 10, 2]);
        assert_eq!(fair_shares(&[1000, 100, 20], 100), [40, 40, 20]);
        assert_eq!(fair_shares(&[3, 4], 100), [3, 4]);
        assert_eq!(fair_shares(&[50, 50, 50], 100), [34, 33, 33]);
        assert_eq!(fair_shares(&[5], 0), [0]);
    }
}
