//! Verbatim text: folding for comparison, whole-word search in the site's source files, and the
//! quotation marks of the briefing's own prose, each of which must enclose words from a source.

use std::ops::Range;
use std::path::Path;

use crate::diagnostics::Diagnostic;
use crate::load::TextMap;

/// Folds whitespace, dashes and typographic quotes so a quote can be compared with its source text.
pub fn fold_for_comparison(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, |_, c| out.push(c));
    out
}

/// `fold_for_comparison`, with the offset in `text` of every byte of the folded text (and one
/// more entry: the end of `text`), to point back from the folded text into the file.
fn fold_mapped(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut offsets = Vec::with_capacity(text.len() + 1);
    fold_into(text, |at, c| {
        out.push(c);
        offsets.extend(std::iter::repeat_n(at, c.len_utf8()));
    });
    offsets.push(text.len());
    (out, offsets)
}

/// Calls `push` with each character of the folded text and where it comes from in `text`.
fn fold_into(text: &str, mut push: impl FnMut(usize, char)) {
    let mut space = None;
    let mut any = false;
    for (at, c) in text.char_indices() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{2033}' | '«' | '»' => '"',
            '\u{2013}' | '\u{2014}' => '-',
            '\u{a0}' => ' ',
            c => c,
        };
        if c.is_whitespace() {
            space = space.or(Some(at));
        } else {
            if let Some(space_at) = space.take()
                && any
            {
                push(space_at, ' ');
            }
            any = true;
            push(at, c);
        }
    }
}

/// Where a quote parts from the closest passage of its source: what a "not verbatim" error shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// The closest passage of the source (byte range in the source text), about as long as the quote.
    pub passage: Range<usize>,
    /// The first word of the quote that the passage does not have (byte range in the quote).
    pub quote_word: Range<usize>,
    /// The word the passage has in its place (byte range in the source), unless the source ends first.
    pub source_word: Option<Range<usize>>,
}

/// The passage of `source` that `quote` comes closest to, and the first word where they part
/// (both folded as `fold_for_comparison` folds them). The closest passage is the one that begins
/// (or, if that matches more, ends) with the longest run of the quote's words. Linear in the sizes
/// of both texts (the Z algorithm, once forwards and once backwards); `None` when no passage
/// shares even a word with the quote's start or end.
pub fn divergence(quote: &str, source: &str) -> Option<Divergence> {
    let (q, q_at) = fold_mapped(quote);
    let (s, s_at) = fold_mapped(source);
    let (q, s) = (q.as_bytes(), s.as_bytes());
    if q.is_empty() || s.is_empty() {
        return None;
    }
    let forward = closest(q, s);
    let (q_rev, s_rev): (Vec<u8>, Vec<u8>) = (q.iter().rev().copied().collect(), s.iter().rev().copied().collect());
    let backward = closest(&q_rev, &s_rev);
    let flip = |r: Range<usize>, len: usize| len - r.end..len - r.start;
    // In folded bytes: the passage, the quote's word and the source's word.
    let use_forward = match (&forward, &backward) {
        (Some(f), Some(b)) => f.matched >= b.matched,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (None, None) => return None,
    };
    // In folded bytes: the passage, the quote's word and the source's word.
    let (passage, quote_word, source_word) = match (forward, backward) {
        (Some(f), _) if use_forward => {
            let end = token_end(s, (f.start + q.len()).min(s.len()));
            (f.start..end, f.quote_word, f.source_word)
        }
        (_, Some(b)) => {
            let mut start = s.len() - token_end(&s_rev, (b.start + q.len()).min(s.len()));
            if s.get(start) == Some(&b' ') {
                start += 1;
            }
            let end = s.len() - b.start;
            (start..end, flip(b.quote_word, q.len()), b.source_word.map(|w| flip(w, s.len())))
        }
        _ => return None,
    };
    Some(Divergence {
        passage: s_at[passage.start]..s_at[passage.end],
        quote_word: q_at[quote_word.start]..end_in(quote, &q_at, quote_word.end),
        source_word: source_word.map(|w| s_at[w.start]..end_in(source, &s_at, w.end)),
    })
}

/// The end in the original text of a folded range ending at `end`: just after its last character.
fn end_in(text: &str, offsets: &[usize], end: usize) -> usize {
    if end == 0 {
        return offsets[0];
    }
    let last = offsets[end - 1];
    last + text[last..].chars().next().map_or(0, char::len_utf8)
}

/// The best alignment of a quote's start in a source (folded bytes).
struct Alignment {
    /// Where in the source the passage starts.
    start: usize,
    /// How many bytes of the quote match there, in whole words.
    matched: usize,
    quote_word: Range<usize>,
    source_word: Option<Range<usize>>,
}

/// Letters and digits (any non-ASCII byte is taken for part of a word: good enough to align).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// The end of the space-separated token that holds byte `at` (or `at`, at a space or the end).
fn token_end(text: &[u8], at: usize) -> usize {
    let at = at.min(text.len());
    if at > 0 && text[at - 1] != b' ' {
        return text[at..].iter().position(|&b| b == b' ').map_or(text.len(), |i| at + i);
    }
    at
}

/// The place in `s` where the longest prefix of `q` starts on a word boundary, found with the Z
/// algorithm in O(|q| + |s|) time and O(|q|) memory; `None` when not even a whole word of `q` matches.
fn closest(q: &[u8], s: &[u8]) -> Option<Alignment> {
    let z = z_array(q);
    let starts_word = |i: usize| i == 0 || !is_word_byte(s[i - 1]) || !is_word_byte(q[0]);
    let (mut l, mut r) = (0, 0);
    let mut best: Option<(usize, usize)> = None;
    for i in 0..s.len() {
        let mut k = if i < r { z[i - l].min(r - i) } else { 0 };
        if i + k >= r {
            while k < q.len() && i + k < s.len() && q[k] == s[i + k] {
                k += 1;
            }
            if i + k > r {
                (l, r) = (i, i + k);
            }
        }
        if k > best.map_or(0, |(_, len)| len) && starts_word(i) {
            best = Some((i, k));
        }
    }
    let (start, len) = best?;
    // Back to the start of the token the match stops in: that whole token differs (a match of every
    // byte that still failed ends inside a word of the source, so its last token differs).
    let mut stop = len;
    if stop == q.len() && start + stop < s.len() && is_word_byte(s[start + stop]) && is_word_byte(q[stop - 1]) {
        stop -= 1;
    }
    let word_start = if stop < q.len() && q[stop] == b' ' && start + stop == s.len() {
        stop + 1 // the source ends after a whole word of the quote
    } else {
        q[..stop].iter().rposition(|&b| b == b' ').map_or(0, |i| i + 1)
    };
    if word_start == 0 {
        return None; // not even the first word matches whole
    }
    let quote_word = word_start..token_end(q, word_start + 1);
    let at = start + word_start;
    let source_word = (at < s.len()).then(|| at..token_end(s, at + 1));
    Some(Alignment { start, matched: word_start, quote_word, source_word })
}

/// `z[i]`: the length of the longest common prefix of `text` and `text[i..]` (`z[0]` = its length).
fn z_array(text: &[u8]) -> Vec<usize> {
    let n = text.len();
    let mut z = vec![0; n];
    if n == 0 {
        return z;
    }
    z[0] = n;
    let (mut l, mut r) = (0, 0);
    for i in 1..n {
        let mut k = if i < r { z[i - l].min(r - i) } else { 0 };
        while i + k < n && text[k] == text[i + k] {
            k += 1;
        }
        if i + k > r {
            (l, r) = (i, i + k);
        }
        z[i] = k;
    }
    z
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

    fn diverging(quote: &str, source: &str) -> Option<(String, String, Option<String>)> {
        let found = divergence(quote, source)?;
        let source_word = found.source_word.map(|w| source[w].to_string());
        Some((source[found.passage].to_string(), quote[found.quote_word].to_string(), source_word))
    }

    #[test]
    fn a_quote_that_is_not_verbatim_is_shown_where_it_parts_from_its_source() {
        let source = "Intro.\nThe chief said: \u{201c}We are not too worried about it,\u{201d} and left.";
        let got = |quote: &str| diverging(quote, source);
        let passage = |text: &str| text.to_string();
        assert_eq!(
            got("We are not worried at all"),
            Some((passage("We are not too worried about"), "worried".into(), Some("too".into())))
        );
        // The first word differs: the passage is found by its end.
        assert_eq!(
            got("They are not too worried about it,"),
            Some((passage("\u{201c}We are not too worried about it,"), "They".into(), Some("\u{201c}We".into())))
        );
        // Cut inside a word of the source.
        assert_eq!(got("not too worr"), Some((passage("not too worried"), "worr".into(), Some("worried".into()))));
        // Longer than the source.
        assert_eq!(got("and left. Then more"), Some((passage("and left."), "Then".into(), None)));
        // Whitespace and typographic quotes are folded, and the words are shown as written.
        assert_eq!(
            got("said: \"We  are not so"),
            Some((passage("said: \u{201c}We are not too"), "so".into(), Some("too".into())))
        );
        assert_eq!(got("Nothing alike here"), None);
    }

    #[test]
    fn the_closest_passage_is_found_in_linear_time() {
        // Every position of the source matches a long prefix of the quote: a quadratic search
        // would compare about 10^10 bytes here.
        let source = "a ".repeat(100_000);
        let quote = format!("{}b", "a ".repeat(50_000));
        let started = std::time::Instant::now();
        let found = divergence(&quote, &source).expect("found");
        assert_eq!(&quote[found.quote_word], "b");
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
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
