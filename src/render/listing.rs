//! Listings: the entries of a page whose job is to list (a kind's index, a topic, the topics, the
//! contents), split into pages of at most `PAGE_SIZE` entries so that no page grows with the site.
//!
//! A listing is a sequence of entries under headings (`All quotes`, then `By speaker` › `Ada`…). Each
//! page of it repeats, marked as continued, the headings that an entry at its top falls under.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Kind, PARTY, PageId, Record, RecordData, RecordKey, STAGES, Site, Topic, resolve_any};

/// The most entries one page of a listing shows.
pub const PAGE_SIZE: usize = 100;

/// How many numbered page links a pager shows around the current page (plus the first and last).
const PAGER_REACH: usize = 2;

/// A heading of a listing: `level` 2 or 3, an `id` unique in the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// The entries of a listing, in order, each under the headings open when it was added.
#[derive(Debug, Clone)]
pub struct Listing<T> {
    headings: Vec<Heading>,
    /// Entries under each heading (counting those under its subheadings).
    counts: Vec<usize>,
    /// The index of each heading's first entry.
    firsts: Vec<Option<usize>>,
    /// The distinct heading paths, outermost first; `entries` point into it.
    paths: Vec<Vec<usize>>,
    open: Vec<usize>,
    entries: Vec<(usize, T)>,
}

impl<T> Default for Listing<T> {
    fn default() -> Self {
        Self {
            headings: Vec::new(),
            counts: Vec::new(),
            firsts: Vec::new(),
            paths: Vec::new(),
            open: Vec::new(),
            entries: Vec::new(),
        }
    }
}

impl<T> Listing<T> {
    /// Opens a heading: it closes the open ones of its level or deeper.
    pub fn heading(&mut self, level: u8, id: impl Into<String>, title: impl Into<String>) {
        self.open.retain(|&h| self.headings[h].level < level);
        self.open.push(self.headings.len());
        self.headings.push(Heading { level, id: id.into(), title: title.into() });
        self.counts.push(0);
        self.firsts.push(None);
    }

    /// Adds an entry under the headings open now.
    pub fn push(&mut self, item: T) {
        if self.paths.last() != Some(&self.open) {
            self.paths.push(self.open.clone());
        }
        for &h in &self.open {
            self.counts[h] += 1;
            self.firsts[h].get_or_insert(self.entries.len());
        }
        self.entries.push((self.paths.len() - 1, item));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many pages the listing takes: at least one, which may be empty.
    pub fn page_count(&self) -> usize {
        page_count(self.len())
    }

    /// Page `number` (from 1) of the listing first shown at `first_url`, its entries made by `view`.
    pub fn page<U>(&self, number: usize, first_url: &str, mut view: impl FnMut(&T) -> U) -> ListingPage<U> {
        let start = (number.max(1) - 1) * PAGE_SIZE;
        let slice = self.entries.get(start..(start + PAGE_SIZE).min(self.len())).unwrap_or(&[]);
        let mut runs: Vec<Run<U>> = Vec::new();
        let mut shown: Vec<usize> = Vec::new();
        let mut current_path = None;
        for (path, item) in slice {
            if current_path != Some(*path) {
                current_path = Some(*path);
                let headings: Vec<HeadingView> = self.paths[*path]
                    .iter()
                    .filter(|h| !shown.contains(h))
                    .map(|&h| {
                        let heading = &self.headings[h];
                        HeadingView {
                            level: heading.level,
                            id: heading.id.clone(),
                            title: heading.title.clone(),
                            count: self.counts[h],
                            continued: self.first_page_of(h) < number,
                        }
                    })
                    .collect();
                shown.extend(self.paths[*path].iter().copied());
                let labelled_by = self.paths[*path].last().map(|&h| self.headings[h].id.clone()).unwrap_or_default();
                runs.push(Run { headings, labelled_by, items: Vec::new() });
            }
            if let Some(run) = runs.last_mut() {
                run.items.push(view(item));
            }
        }
        let outline = self
            .headings
            .iter()
            .enumerate()
            .filter(|(_, heading)| heading.level == 2)
            .map(|(h, heading)| {
                let page = self.first_page_of(h);
                let url = if page == number { String::new() } else { paged_url(first_url, page) };
                OutlineLink { id: heading.id.clone(), title: heading.title.clone(), url }
            })
            .collect();
        ListingPage {
            runs,
            total: self.len(),
            first_entry: start + 1,
            last_entry: start + slice.len(),
            outline,
            pagination: Pagination::new(number, self.page_count(), first_url),
        }
    }

    /// The page a heading's first entry is on.
    fn first_page_of(&self, heading: usize) -> usize {
        self.firsts[heading].map_or(1, page_of)
    }
}

/// How many pages `entries` entries take: at least one.
pub fn page_count(entries: usize) -> usize {
    entries.div_ceil(PAGE_SIZE).max(1)
}

/// The page of an entry at `index` (from 0) in a listing.
pub fn page_of(index: usize) -> usize {
    index / PAGE_SIZE + 1
}

/// The URL of page `number` of a listing whose first page is `first_url`: the first page keeps it;
/// the others go into a `page/` folder beside it (`quotes/index.html` → `quotes/page/2.html`,
/// `topics/ai.html` → `topics/ai/page/2.html`), where no page or record of a site can be.
pub fn paged_url(first_url: &str, number: usize) -> String {
    if number <= 1 {
        return first_url.to_string();
    }
    let stem = first_url.strip_suffix(".html").unwrap_or(first_url);
    let folder = stem.strip_suffix("index").unwrap_or(&format!("{stem}/")).to_string();
    format!("{folder}page/{number}.html")
}

/// One page of a listing, as templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct ListingPage<U> {
    /// The entries of this page, grouped by the headings they fall under.
    pub runs: Vec<Run<U>>,
    /// Entries in the whole listing.
    pub total: usize,
    /// The positions of this page's first and last entries in the whole listing, from 1.
    pub first_entry: usize,
    pub last_entry: usize,
    /// Every level-2 heading of the whole listing, with the URL of the page where it starts (`""`
    /// when it starts on this page).
    pub outline: Vec<OutlineLink>,
    pub pagination: Pagination,
}

/// Entries under the same headings; `headings` are those that open here.
#[derive(Debug, Clone, Serialize)]
pub struct Run<U> {
    pub headings: Vec<HeadingView>,
    /// The id of the innermost heading the entries fall under (`""` for none), to label their list.
    pub labelled_by: String,
    pub items: Vec<U>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HeadingView {
    pub level: u8,
    pub id: String,
    pub title: String,
    /// Entries under the heading in the whole listing.
    pub count: usize,
    /// Whether the heading began on an earlier page.
    pub continued: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OutlineLink {
    pub id: String,
    pub title: String,
    pub url: String,
}

/// Where a page is among the pages of its listing, with links to a bounded number of the others.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Pagination {
    pub number: usize,
    pub count: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// The first, the last and the pages near this one; `None` marks a gap.
    pub pages: Vec<Option<PageLink>>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PageLink {
    pub number: usize,
    pub url: String,
    pub current: bool,
}

impl Pagination {
    pub fn new(number: usize, count: usize, first_url: &str) -> Self {
        let link = |n: usize| PageLink { number: n, url: paged_url(first_url, n), current: n == number };
        let mut pages = Vec::new();
        let mut last_shown = 0;
        for n in 1..=count {
            let near = n.abs_diff(number) <= PAGER_REACH;
            if n == 1 || n == count || near {
                if n > last_shown + 1 {
                    pages.push(None);
                }
                pages.push(Some(link(n)));
                last_shown = n;
            }
        }
        Self {
            number,
            count,
            prev: (number > 1).then(|| paged_url(first_url, number - 1)),
            next: (number < count).then(|| paged_url(first_url, number + 1)),
            pages,
        }
    }
}

/// One entry of a listing of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A page with its summary and topics (a topic's sections).
    Page(PageId),
    /// A page in the contents, by index in `Site::pages`.
    Contents(usize),
    Record(RecordKey),
    Topic(String),
}

/// The listings of a site. Their structure (order, groups, and so how many pages each takes) comes
/// from titles, topics, references and group labels, which an incremental rebuild never patches
/// (`incremental::same_shape`); so building one is not a read of the records it orders, and each page
/// reads only the records it shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListingOf {
    Kind(Kind),
    Topic(String),
    Topics,
    Contents,
}

impl ListingOf {
    /// The URL of the listing's first page.
    pub fn url(&self) -> String {
        match self {
            ListingOf::Kind(kind) => crate::routes::kind_index_url(*kind),
            ListingOf::Topic(slug) => Topic::url(slug),
            ListingOf::Topics => TOPICS_URL.to_string(),
            ListingOf::Contents => CONTENTS_URL.to_string(),
        }
    }

    /// The listing's entries; `None` for a topic the site does not have.
    pub fn build(&self, site: &Site) -> Option<Listing<Entry>> {
        Some(match self {
            ListingOf::Kind(kind) => kind_listing(site, *kind),
            ListingOf::Topic(slug) => topic_listing(site.topics.get(slug)?),
            ListingOf::Topics => {
                let mut listing = Listing::default();
                site.topics.keys().for_each(|slug| listing.push(Entry::Topic(slug.clone())));
                listing
            }
            ListingOf::Contents => {
                let mut listing = Listing::default();
                site.reading_order.sequence().iter().for_each(|&i| listing.push(Entry::Contents(i)));
                listing
            }
        })
    }
}

pub const TOPICS_URL: &str = "topics/index.html";
pub const CONTENTS_URL: &str = "contents/index.html";

/// Every listing of `site`.
pub fn listings(site: &Site) -> impl Iterator<Item = ListingOf> + '_ {
    let kinds = Kind::ALL.into_iter().filter(|&kind| site.records_of(kind).next().is_some()).map(ListingOf::Kind);
    let topics = site.topics.keys().map(|slug| ListingOf::Topic(slug.clone()));
    kinds.chain([ListingOf::Topics, ListingOf::Contents]).chain(topics)
}

/// A kind's records sorted by title under "All …", then each way of grouping them that tells the
/// reader something: quotes by speaker, use cases by stage and technique, controversies by status
/// and party.
fn kind_listing(site: &Site, kind: Kind) -> Listing<Entry> {
    let mut records: Vec<(String, RecordKey, &Record)> =
        site.records_of(kind).map(|record| (record.title().to_lowercase(), record.key(), record)).collect();
    records.sort_by(|a, b| (&a.0, &a.1.id).cmp(&(&b.0, &b.1.id)));
    let mut listing = Listing::default();
    listing.heading(2, "all", format!("All {}", kind.plural_title().to_lowercase()));
    for (_, key, _) in &records {
        listing.push(Entry::Record(key.clone()));
    }
    let ways: &[(&str, GroupBy)] = match kind {
        Kind::Quote => &[("By speaker", GroupBy::Party)],
        Kind::UseCase => &[("By stage", GroupBy::Stage), ("By technique", GroupBy::Technique)],
        Kind::Controversy => &[("By status", GroupBy::Status), ("By party", GroupBy::Party)],
        _ => &[],
    };
    let mut shown = 0;
    for (title, by) in ways {
        let mut groups: BTreeMap<(usize, String), Vec<&RecordKey>> = BTreeMap::new();
        for (_, key, record) in &records {
            let mut labels = group_labels(site, record, *by);
            if labels.is_empty() {
                labels.push(UNSPECIFIED.to_string());
            }
            for label in labels {
                let rank = match by {
                    GroupBy::Stage => STAGES.iter().position(|s| *s == label).unwrap_or(STAGES.len()),
                    _ => usize::from(label == UNSPECIFIED),
                };
                groups.entry((rank, label)).or_default().push(key);
            }
        }
        // A way of grouping that puts every record under "Unspecified" tells the reader nothing.
        if groups.len() == 1 && groups.keys().all(|(_, label)| label == UNSPECIFIED) {
            continue;
        }
        shown += 1;
        listing.heading(2, format!("grouping-{shown}"), *title);
        for (i, ((_, label), keys)) in groups.into_iter().enumerate() {
            listing.heading(3, format!("grouping-{shown}-{}", i + 1), label);
            keys.into_iter().for_each(|key| listing.push(Entry::Record(key.clone())));
        }
    }
    listing
}

const UNSPECIFIED: &str = "Unspecified";

#[derive(Debug, Clone, Copy)]
enum GroupBy {
    Party,
    Stage,
    Technique,
    Status,
}

fn group_labels(site: &Site, record: &Record, by: GroupBy) -> Vec<String> {
    let name =
        |id: &str| resolve_any(&site.records, id, PARTY).and_then(|key| site.records.get(&key)).map(Record::title);
    let labels: Vec<String> = match (&record.data, by) {
        (RecordData::Quote(q), GroupBy::Party) => name(q.speaker.get_ref()).into_iter().collect(),
        (RecordData::Controversy(c), GroupBy::Party) => c.parties.iter().filter_map(|p| name(p.get_ref())).collect(),
        (RecordData::Controversy(c), GroupBy::Status) => vec![c.status.to_string()],
        (RecordData::UseCase(u), GroupBy::Stage) => u.stage.iter().map(|s| s.get_ref().clone()).collect(),
        (RecordData::UseCase(u), GroupBy::Technique) => vec![u.technique.to_string()],
        _ => Vec::new(),
    };
    labels.into_iter().filter(|l| !l.trim().is_empty()).collect()
}

/// A topic's sections, then its records.
fn topic_listing(topic: &Topic) -> Listing<Entry> {
    let mut listing = Listing::default();
    if !topic.pages.is_empty() {
        listing.heading(2, "b-pages", "Sections");
        topic.pages.iter().for_each(|&id| listing.push(Entry::Page(id)));
    }
    if !topic.records.is_empty() {
        listing.heading(2, "b-records", "Records");
        topic.records.iter().for_each(|key| listing.push(Entry::Record(key.clone())));
    }
    listing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(n: usize) -> Listing<usize> {
        let mut listing = Listing::default();
        listing.heading(2, "all", "All");
        for i in 0..n {
            listing.push(i);
        }
        listing
    }

    #[test]
    fn later_pages_go_into_a_page_folder_beside_the_first() {
        assert_eq!(paged_url("quotes/index.html", 1), "quotes/index.html");
        assert_eq!(paged_url("quotes/index.html", 2), "quotes/page/2.html");
        assert_eq!(paged_url("topics/ai.html", 3), "topics/ai/page/3.html");
        assert_eq!(paged_url("index.html", 2), "page/2.html");
    }

    #[test]
    fn no_page_holds_more_than_a_page_of_entries_and_none_is_lost() {
        let listing = numbers(2 * PAGE_SIZE + 1);
        assert_eq!(listing.page_count(), 3);
        let mut seen = Vec::new();
        for number in 1..=3 {
            let page = listing.page(number, "quotes/index.html", |&i| i);
            let items: Vec<usize> = page.runs.iter().flat_map(|r| r.items.clone()).collect();
            assert!(items.len() <= PAGE_SIZE);
            assert_eq!(page.first_entry, seen.len() + 1);
            seen.extend(items);
        }
        assert_eq!(seen, (0..2 * PAGE_SIZE + 1).collect::<Vec<_>>());
        assert_eq!(numbers(0).page_count(), 1);
    }

    #[test]
    fn a_page_repeats_the_headings_it_continues_and_opens_the_new_ones() {
        let mut listing = Listing::default();
        listing.heading(2, "all", "All");
        for i in 0..PAGE_SIZE + 5 {
            listing.push(i);
        }
        listing.heading(2, "by", "By speaker");
        listing.heading(3, "by-1", "Ada");
        listing.push(1000);
        listing.heading(3, "by-2", "Grace");
        listing.push(1001);
        let second = listing.page(2, "quotes/index.html", |&i| i);
        let opened: Vec<(&str, bool, usize)> =
            second.runs.iter().flat_map(|r| r.headings.iter().map(|h| (h.id.as_str(), h.continued, h.count))).collect();
        assert_eq!(opened, [("all", true, PAGE_SIZE + 5), ("by", false, 2), ("by-1", false, 1), ("by-2", false, 1)]);
        assert_eq!(second.runs[2].labelled_by, "by-2");
        let first = listing.page(1, "quotes/index.html", |&i| i);
        assert_eq!(first.outline[1].url, "quotes/page/2.html");
        assert_eq!(second.outline[1].url, "");
    }

    #[test]
    fn the_pager_links_the_ends_and_the_neighbours_with_gaps_between() {
        let pager = Pagination::new(6, 12, "quotes/index.html");
        let shown: Vec<Option<usize>> = pager.pages.iter().map(|p| p.as_ref().map(|p| p.number)).collect();
        assert_eq!(shown, [Some(1), None, Some(4), Some(5), Some(6), Some(7), Some(8), None, Some(12)]);
        assert_eq!(pager.prev.as_deref(), Some("quotes/page/5.html"));
        assert_eq!(pager.next.as_deref(), Some("quotes/page/7.html"));
        let only = Pagination::new(1, 1, "quotes/index.html");
        assert_eq!((only.prev, only.next, only.pages.len()), (None, None, 1));
    }
}
