//! Every rendered page knows which records it read: in the shipped briefing, an edit of any text
//! field of any record changes only pages that the render cache names as readers of that record,
//! and every record's own page is among its readers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use briefing::model::{Kind, RecordKey};
use briefing::{BuildOptions, Cache, Inputs, Outcome};
use toml::Spanned;

use crate::support::rendered;

/// The text fields edited, where a record has them: `name` and `title` (and a figure's `label`)
/// show on other records' cards and in every list; the others on the record's own page.
const FIELDS: [&str; 7] = ["name", "title", "label", "summary", "context", "role", "note"];

/// One record's field with " Edited." appended, as the whole edited file.
struct Edit {
    file: PathBuf,
    key: RecordKey,
    field: &'static str,
    text: String,
}

/// The record tables of one TOML file, with the span of every value.
type Tables = BTreeMap<String, Vec<BTreeMap<String, Spanned<toml::Value>>>>;

/// Every edit of every record of the site: one per record and text field it has.
fn edits(inputs: &Inputs) -> Vec<Edit> {
    let mut edits = Vec::new();
    for (path, file) in inputs.files_under(Path::new("content")) {
        if path.extension().is_none_or(|ext| ext != "toml") {
            continue;
        }
        let text = std::str::from_utf8(&file.bytes).expect("UTF-8");
        let tables: Tables = toml::from_str(text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (table, records) in &tables {
            let kind = Kind::from_table_name(table).unwrap_or_else(|| panic!("[[{table}]] is not a kind"));
            for record in records {
                let id = record["id"].get_ref().as_str().expect("id is a string");
                for field in FIELDS {
                    let Some(value) = record.get(field).filter(|v| v.get_ref().is_str()) else { continue };
                    edits.push(Edit {
                        file: path.to_path_buf(),
                        key: RecordKey::new(kind, id),
                        field,
                        text: append_to_string(text, value.span(), " Edited."),
                    });
                }
            }
        }
    }
    edits
}

/// `text` with `words` added at the end of the TOML string at `span` (quotes included).
fn append_to_string(text: &str, span: std::ops::Range<usize>, words: &str) -> String {
    let written = &text[span.clone()];
    let closing = ["\"\"\"", "'''", "\"", "'"].into_iter().find(|q| written.ends_with(q)).expect("a quoted string");
    let at = span.end - closing.len();
    format!("{}{words}{}", &text[..at], &text[at..])
}

/// The HTML pages of a successful build, by path; not the print edition, which is made from the
/// whole site in every build (`routes::Whole`) and so has no readers to list.
fn pages(outcome: &Outcome) -> BTreeMap<String, Arc<[u8]>> {
    let site = outcome.site.as_ref().unwrap_or_else(|| panic!("the build failed:\n{}", rendered(outcome)));
    let is_page = |path: &str| path.ends_with(".html") && path != briefing::render::PRINT_URL;
    site.files.iter().filter(|f| is_page(&f.path)).map(|f| (f.path.clone(), f.bytes.clone())).collect()
}

/// The paths whose bytes differ between two builds, or that only one of them has.
fn changed(before: &BTreeMap<String, Arc<[u8]>>, after: &BTreeMap<String, Arc<[u8]>>) -> BTreeSet<String> {
    let paths: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    paths.into_iter().filter(|path| before.get(*path) != after.get(*path)).cloned().collect()
}

#[test]
fn an_edit_of_any_record_changes_only_the_pages_that_read_it() {
    let options = BuildOptions::new(env!("CARGO_MANIFEST_DIR"));
    let inputs = Inputs::read(&options.root);
    let mut cache = Cache::default();
    let built = briefing::render_cached(&inputs, &options, &mut cache);
    let before = pages(&built);
    let edits = edits(&inputs);
    let records: BTreeSet<&RecordKey> = edits.iter().map(|edit| &edit.key).collect();
    assert_eq!(records.len(), built.site.as_ref().map_or(0, |site| site.records), "every record is edited");
    for key in &records {
        let readers = cache.pages.readers_of(&BTreeSet::from([(*key).clone()]));
        assert!(readers.contains(&key.url()), "{key}'s own page is not among its readers {readers:?}");
    }
    for edit in &edits {
        let mut edited = inputs.clone();
        edited.insert(&edit.file, edit.text.clone().into_bytes());
        let after = pages(&briefing::render_cached(&edited, &options, &mut Cache::default()));
        let changed = changed(&before, &after);
        let readers = cache.pages.readers_of(&BTreeSet::from([edit.key.clone()]));
        let unlisted: Vec<&String> = changed.difference(&readers).collect();
        let what = format!("{} of {} in {}", edit.field, edit.key, edit.file.display());
        assert!(!changed.is_empty(), "editing the {what} changed no page");
        assert!(unlisted.is_empty(), "editing the {what} changed {unlisted:?}, which do not list it as read");
    }
}
