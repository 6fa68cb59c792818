//! The records a page reads: every record lookup of render goes through the accessors here, which
//! note each record whose data the page may show, so a record edit finds every page it can change.

use std::cell::RefCell;
use std::collections::BTreeSet;

use super::context::Views;
use crate::model::{Kind, Record, RecordKey, Site, resolve_any};

/// The records one render job (a page, or a card or preview) has read so far. A job runs on one
/// thread, so each job has its own set and no lock is needed.
#[derive(Debug, Default)]
pub struct Reads(RefCell<BTreeSet<RecordKey>>);

impl Reads {
    pub fn note(&self, key: &RecordKey) {
        let mut keys = self.0.borrow_mut();
        if !keys.contains(key) {
            keys.insert(key.clone());
        }
    }

    /// Adds what another job read (a card taken from the shared cache) to this one.
    pub fn extend(&self, other: &BTreeSet<RecordKey>) {
        let mut keys = self.0.borrow_mut();
        for key in other {
            if !keys.contains(key) {
                keys.insert(key.clone());
            }
        }
    }

    pub fn into_keys(self) -> BTreeSet<RecordKey> {
        self.0.into_inner()
    }
}

impl<'a> Views<'a> {
    /// The record `key` names, noted as read.
    pub fn get(&self, key: &RecordKey) -> Option<&'a Record> {
        let record = self.site.records.get(key)?;
        self.reads.note(key);
        Some(record)
    }

    /// Every record of `kind`, each noted as read (a list shows, and sorts by, each of them).
    pub fn all_of(&self, kind: Kind) -> Vec<(&'a RecordKey, &'a Record)> {
        let of_kind: Vec<(&RecordKey, &Record)> = self
            .site
            .records
            .range(RecordKey::new(kind, String::new())..)
            .take_while(|(key, _)| key.kind == kind)
            .collect();
        for (key, _) in &of_kind {
            self.reads.note(key);
        }
        of_kind
    }

    /// The key of the record `id` names among `kinds` (the first kind that has it), noted as read.
    pub fn resolve(&self, id: &str, kinds: &[Kind]) -> Option<RecordKey> {
        let key = resolve_any(&self.site.records, id, kinds)?;
        self.reads.note(&key);
        Some(key)
    }

    /// The record whose page is at `url`, if any, noted as read: a record page that cites another
    /// record shows up in that record's "cited in" under its own title.
    pub fn record_at_url(&self, url: &str) -> Option<&'a Record> {
        let (dir, file) = url.split_once('/')?;
        let id = file.strip_suffix(".html")?;
        let kind = Kind::ALL.into_iter().find(|kind| kind.dir() == dir)?;
        self.get(&RecordKey::new(kind, id))
    }
}

/// How many records of `kind` there are: shown in the navigation, which says nothing a record
/// says, so this is not a read. (A record added or removed changes the routes, not one page.)
pub fn count_of(site: &Site, kind: Kind) -> usize {
    site.records_of(kind).count()
}

#[cfg(test)]
mod tests {
    /// Render code reads records only through the accessors above, so no read goes unnoted.
    #[test]
    fn render_code_reads_records_only_through_the_tracked_accessors() {
        let files = [("mod.rs", include_str!("mod.rs")), ("context.rs", include_str!("context.rs"))];
        for (name, text) in files {
            for direct in [
                "site.record(",
                "records_of(",
                "resolve_any(",
                "site.records.get",
                "site.records.range",
                "site.records.iter",
                "site.records.values",
            ] {
                let uses: Vec<&str> = text.lines().filter(|line| line.contains(direct)).collect();
                assert_eq!(uses, Vec::<&str>::new(), "{name} reads `{direct}` directly; use `Views::get` and friends");
            }
        }
    }
}
