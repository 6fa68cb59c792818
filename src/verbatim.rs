//! Verbatim text: folding for comparison, whole-word search in the site's source files, and the
//! quotation marks of the briefing's own prose, each of which must enclose words from a source.

use std::ops::Range;
use std::path::Path;

use crate::diagnostics::Diagnostic;
use crate::load::TextMap;

/// Folds whitespace, dashes and typographic quotes so a quote can be compared with its source text.
pub fn fold_for_comparison(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{2033}' | '«' | '»' => '"',
            '\u{2013}' | '\u{2014}' => '-',
            '\u{a0}' => ' ',
            c => c,
        };
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// Which of `patterns` occur in `text` as whole words, found in a single pass (Aho-Corasick):
/// an occurrence counts when it neither starts nor ends inside a word of `text`.
pub fn found_patterns<'p>(text: &str, patterns: impl Iterator<Item = &'p str>) -> Vec<bool> {
    let patterns: Vec<&str> = patterns.collect();
    let mut found = vec![false; patterns.len()];
    let Ok(automaton) = aho_corasick::AhoCorasick::new(&patterns) else {
        return patterns.iter().map(|p| find_whole_words(text, p, 0).is_some()).collect();
    };
    for hit in automaton.find_overlapping_iter(text) {
        if !hit.is_empty() && is_whole_words(text, hit.range()) {
            found[hit.pattern().as_usize()] = true;
        }
    }
    found
}

/// The first occurrence of `pattern` in `text` at or after `from` that is whole words.
fn find_whole_words(text: &str, pattern: &str, from: usize) -> Option<Range<usize>> {
    if pattern.is_empty() {
        return None;
    }
    let rest = text.get(from..)?;
    rest.match_indices(pattern)
        .map(|(at, _)| from + at..from + at + pattern.len())
        .find(|range| is_whole_words(text, range.clone()))
}

/// Whether `text[range]` starts and ends on word boundaries: a letter or digit at either end of
/// the match is not next to another one (`advanc` in `advances` is not; `"tool"` in `a "tool",` is).
fn is_whole_words(text: &str, range: Range<usize>) -> bool {
    let (Some(before), Some(inner), Some(after)) =
        (text.get(..range.start), text.get(range.clone()), text.get(range.end..))
    else {
        return false;
    };
    let alphanumeric = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let starts_mid_word = alphanumeric(inner.chars().next()) && alphanumeric(before.chars().next_back());
    let ends_mid_word = alphanumeric(inner.chars().next_back()) && alphanumeric(after.chars().next());
    !starts_mid_word && !ends_mid_word
}

/// The texts quoted words may come from, folded once for every search: the site's source files
/// for the briefing's prose, or one quote record's text for a quotation linked to it.
#[derive(Debug, Clone, Default)]
pub struct QuotableTexts {
    folded: Vec<String>,
}

impl QuotableTexts {
    pub fn new<'t>(texts: impl IntoIterator<Item = &'t str>) -> Self {
        Self { folded: texts.into_iter().map(fold_quotable).collect() }
    }

    /// Feeds what `contain` depends on to `hasher` (for caches of checked text).
    pub fn hash_into(&self, hasher: &mut blake3::Hasher) {
        for text in &self.folded {
            hasher.update(&(text.len() as u64).to_le_bytes());
            hasher.update(text.as_bytes());
        }
    }

    /// Whether `quoted` (the words between a pair of quotation marks) appears in one of the texts.
    /// Besides whitespace, dashes and the style of quotation marks, the editor's usual liberties
    /// are allowed: an ellipsis (`…`, `...`, `[…]`) for words left out and words of the editor's
    /// in square brackets — the parts around them must then occur in order in one text —, the case
    /// of each part's first letter, and punctuation at its end.
    /// Nothing left once those are set aside (`“…”`) counts as found.
    pub fn contain(&self, quoted: &str) -> bool {
        let folded = fold_quotable(quoted);
        let parts: Vec<&str> = split_at_gaps(&folded)
            .into_iter()
            .map(|part| part.trim().trim_end_matches([',', '.', ';', ':', '!', '?']).trim())
            .filter(|part| !part.is_empty())
            .collect();
        parts.is_empty() || self.folded.iter().any(|text| contains_in_order(text, &parts))
    }
}

/// `fold_for_comparison`, and every quotation mark made one: nested quotes may be single in the
/// briefing and double in the source.
fn fold_quotable(text: &str) -> String {
    fold_for_comparison(text).replace('\'', "\"")
}

/// The parts of a quotation between its gaps: an ellipsis (`…`, `...`) stands for words left
/// out, and words in square brackets (`[…]`, `[the company]`) are the editor's, not the source's.
fn split_at_gaps(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(gap) = rest.find(['…', '[']).into_iter().chain(rest.find("...")).min() {
        parts.push(&rest[..gap]);
        let after = &rest[gap..];
        let skip = if after.starts_with('[') {
            after.find(']').map_or(after.len(), |end| end + 1)
        } else if after.starts_with("...") {
            3
        } else {
            '…'.len_utf8()
        };
        rest = &after[skip..];
    }
    parts.push(rest);
    parts
}

/// Whether every part occurs in `text` as whole words, each after the one before it. A part may
/// differ from the text in the case of its first letter (a quotation may open a sentence).
fn contains_in_order(text: &str, parts: &[&str]) -> bool {
    let mut from = 0;
    for part in parts {
        let found = find_whole_words(text, part, from).or_else(|| find_whole_words(text, &swap_first_case(part), from));
        match found {
            Some(range) => from = range.end,
            None => return false,
        }
    }
    true
}

fn swap_first_case(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) if c.is_uppercase() => c.to_lowercase().chain(chars).collect(),
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A pair of quotation marks in a text: byte ranges of the whole span and of the words inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quotation {
    pub outer: Range<usize>,
    pub inner: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Double,
    Single,
}

/// The outermost quotations of `text`, paired as a reader pairs them. Double marks: `“…”`, `„…“`,
/// `«…»` and straight `"…"` (opening after a space or an opening bracket, closing otherwise).
/// Single marks: `‘…’` and `'…'`, told apart from apostrophes (`don’t`, `’90s`) by what follows,
/// and from a plural possessive (`artists’`) by whether a single mark is open. A mark left open at the end of the text (a quotation running on into the next
/// paragraph) pairs with nothing. Positions in `skip` (code) are never marks.
pub fn quotations(text: &str, skip: &dyn Fn(usize) -> bool) -> Vec<Quotation> {
    let mut open: Vec<(Mark, Range<usize>)> = Vec::new();
    let mut found = Vec::new();
    let mut previous: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, c)| c);
        let here = at..at + c.len_utf8();
        let opens_after = |p: Option<char>| p.is_none_or(|p| p.is_whitespace() || "([{—–-/“‘\"'«„".contains(p));
        let action = if skip(at) {
            None
        } else {
            match c {
                // `„…“` is German style: there `“` closes.
                '“' => {
                    let innermost = open.iter().rev().find(|(m, _)| *m == Mark::Double);
                    Some((Mark::Double, innermost.is_none_or(|(_, r)| &text[r.clone()] != "„")))
                }
                '„' | '«' => Some((Mark::Double, true)),
                '”' | '»' => Some((Mark::Double, false)),
                '"' => Some((Mark::Double, opens_after(previous) && next.is_some_and(|n| !n.is_whitespace()))),
                '‘' if !previous.is_some_and(char::is_alphanumeric) => Some((Mark::Single, true)),
                '\'' if opens_after(previous) && next.is_some_and(char::is_alphanumeric) => Some((Mark::Single, true)),
                '’' | '\'' if !next.is_some_and(char::is_alphanumeric) => Some((Mark::Single, false)),
                _ => None,
            }
        };
        match action {
            Some((mark, true)) => open.push((mark, here)),
            Some((mark, false)) => {
                // A closing single mark with no single open inside the innermost double quotation
                // is an apostrophe (`the artists’ union`); a closing double closes the innermost
                // double, dropping single marks left open inside it.
                let innermost = open.iter().rposition(|(m, _)| *m == mark);
                let crosses_double = innermost
                    .is_some_and(|i| mark == Mark::Single && open[i + 1..].iter().any(|(m, _)| *m == Mark::Double));
                if let Some(i) = innermost.filter(|_| !crosses_double) {
                    let (_, opened) = open[i].clone();
                    open.truncate(i);
                    if open.is_empty() {
                        found.push(Quotation { outer: opened.start..here.end, inner: opened.end..here.start });
                    }
                }
            }
            None => {}
        }
        previous = Some(c);
    }
    found
}

/// Whether `text` may hold a quotation mark: a cheap byte scan that lets most text skip pairing.
/// Every mark is `"`, `'`, or starts with byte 0xE2 (`“ ” ‘ ’ „`) or 0xC2 (`« »`).
pub fn may_hold_marks(text: &str) -> bool {
    text.bytes().any(|b| matches!(b, b'"' | b'\'' | 0xE2 | 0xC2))
}

/// A warning for every quotation in the plain-text TOML string `value`, written at `span` of
/// `file_text`, whose words are not in `quotable`.
pub fn unsourced_quotations(
    quotable: &QuotableTexts,
    file: &Path,
    file_text: &str,
    span: Range<usize>,
    value: &str,
) -> Vec<Diagnostic> {
    if !may_hold_marks(value) {
        return Vec::new();
    }
    let found = quotations(value, &|_| false);
    if found.is_empty() {
        return Vec::new();
    }
    let map = TextMap::of_toml_string(file_text, span, value);
    found
        .into_iter()
        .filter(|quotation| !quotable.contain(&value[quotation.inner.clone()]))
        .map(|quotation| unsourced_quotation(file, map.span(quotation.outer)))
        .collect()
}

/// The warning for words in quotation marks that are found in no source.
pub fn unsourced_quotation(file: &Path, span: Range<usize>) -> Diagnostic {
    Diagnostic::warning(file, Some(span), "words in quotation marks that are not in any source")
        .with_label("not found verbatim in the site's source files")
        .with_help("link it to a quote record (“[…](quote:id)”), or drop the quotation marks if these are the briefing's own words")
}

/// The warning for a quotation linked to a quote record whose text does not hold its words.
pub fn misquoted(file: &Path, span: Range<usize>, id: &str) -> Diagnostic {
    Diagnostic::warning(file, Some(span), format!("these quoted words are not in quote `{id}`"))
        .with_label("not in the quote's text")
        .with_help(format!(
            "quote the words of `{id}` exactly (an ellipsis … may stand for words left out), or drop the quotation marks if these are the briefing's own words"
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(text: &str) -> Vec<&str> {
        quotations(text, &|_| false).into_iter().map(|q| &text[q.inner]).collect()
    }

    #[test]
    fn double_marks_pair_in_every_style() {
        assert_eq!(quoted("He said “yes” and „ja“ and «oui»."), ["yes", "ja", "oui"]);
        assert_eq!(quoted(r#"a "tool", not a "replacement.""#), ["tool", "replacement."]);
    }

    #[test]
    fn apostrophes_are_not_quotation_marks() {
        assert_eq!(quoted("Billionaires’ Bunker and Netflix’s don’t ’90s"), Vec::<&str>::new());
        assert_eq!(quoted("Billionaires' Bunker, novelty's sake"), Vec::<&str>::new());
        assert_eq!(quoted("the ‘tool’ framing, the 'replacement' one"), ["tool", "replacement"]);
    }

    #[test]
    fn only_the_outermost_quotation_is_returned() {
        assert_eq!(quoted("“a ‘b’ c” then “the ‘artists’ union”"), ["a ‘b’ c", "the ‘artists’ union"]);
        // A plural possessive inside single marks is read as their end, as a reader might.
        assert_eq!(quoted("‘the artists’ union’"), ["the artists"]);
    }

    #[test]
    fn a_mark_left_open_pairs_with_nothing() {
        assert_eq!(quoted("“runs on into the next paragraph"), Vec::<&str>::new());
        assert_eq!(quoted("5\" screen"), Vec::<&str>::new());
    }

    #[test]
    fn skipped_positions_are_not_marks() {
        let text = "use `\"x\"` here";
        let code = 4..9;
        assert!(quotations(text, &|at| code.contains(&at)).is_empty());
    }

    #[test]
    fn quoted_words_are_found_with_an_editor_s_liberties() {
        let texts = QuotableTexts::new([
            "He said it was \"becoming reasonable\" for content creators. We believe AI will help us tell stories better and faster, and in new ways.",
        ]);
        assert!(texts.contain("becoming reasonable"));
        assert!(texts.contain("Becoming reasonable,"));
        assert!(texts.contain("tell stories better … in new ways"));
        assert!(texts.contain("tell stories better [...] in new ways."));
        assert!(texts.contain("‘becoming reasonable’ for content creators"));
        assert!(texts.contain("…"));
        assert!(texts.contain("[Sarandos] said it was “becoming reasonable”"));
        assert!(!texts.contain("in new ways … tell stories"), "parts must come in order");
        assert!(!texts.contain("becoming reason"), "parts are whole words");
        assert!(!texts.contain("tool, not replacement"));
    }

    #[test]
    fn matches_must_be_whole_words() {
        assert!(!is_whole_words("advances", 0..6));
        assert!(is_whole_words("a \"tool\",", 3..7));
        assert_eq!(found_patterns("one two three", ["two", "thr", ""].into_iter()), [true, false, false]);
    }
    #[test]
    fn folding_ignores_whitespace_and_typographic_quotes() {
        assert_eq!(fold_for_comparison("We don\u{2019}t  worry\n that"), "We don't worry that");
        assert_eq!(fold_for_comparison("\u{201c}tool\u{201d}"), "\"tool\"");
    }

    #[test]
    fn all_quote_patterns_are_found_in_one_pass() {
        let found =
            found_patterns("we are not too worried at all", ["not too worried", "too", "absent", ""].into_iter());
        assert_eq!(found, vec![true, true, false, false]);
    }

    #[test]
    fn quotes_must_start_and_end_on_word_boundaries() {
        let text = "to leverage ongoing advances, a \"tool\", said the co-chief.";
        let patterns = [
            "leverage ongoing advanc",
            "everage ongoing",
            "leverage ongoing advances",
            "leverage ongoing advances,",
            "\"tool\"",
            "tool\", sa",
            "co-chief",
            "chief.",
            "o",
        ];
        let found = found_patterns(text, patterns.into_iter());
        assert_eq!(found, vec![false, false, true, true, true, false, true, true, false]);
    }

    #[test]
    fn a_later_occurrence_on_word_boundaries_is_enough() {
        assert_eq!(found_patterns("tools and tool use", ["tool"].into_iter()), vec![true]);
        assert_eq!(found_patterns("tools and toolkits", ["tool"].into_iter()), vec![false]);
    }
}
