//! Where the text of a value decoded from a file lies in that file, byte by byte, so that a
//! diagnostic about a word inside a TOML string points at that word, escapes and all.

use std::ops::Range;

/// Maps byte offsets inside a decoded value (a TOML string, a page body) to offsets in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMap {
    /// The value is a verbatim slice of the file starting here.
    Exact { start: usize },
    /// Offset in the file of each byte of the value, and of its end (the value has escapes).
    Mapped(Vec<usize>),
    /// The value could not be matched with the file: every span points at `at`.
    Unknown { at: usize },
}

impl TextMap {
    /// Locates a TOML string `value` whose literal (delimiters included) spans `span` of `file_text`.
    pub fn of_toml_string(file_text: &str, span: Range<usize>, value: &str) -> Self {
        let unknown = TextMap::Unknown { at: span.start };
        let Some(raw) = file_text.get(span.clone()) else { return unknown };
        for delimiter in ["\"\"\"", "'''", "\"", "'"] {
            let d = delimiter.len();
            if raw.len() < 2 * d || !raw.starts_with(delimiter) || !raw.ends_with(delimiter) {
                continue;
            }
            let inner = &raw[d..raw.len() - d];
            // A newline right after the opening delimiter of a multi-line string is not part of it.
            let skip = match inner.strip_prefix("\r\n").or_else(|| inner.strip_prefix('\n')) {
                Some(rest) if d == 3 => inner.len() - rest.len(),
                _ => 0,
            };
            let start = span.start + d + skip;
            let inner = &inner[skip..];
            if inner == value {
                return TextMap::Exact { start };
            }
            if delimiter.starts_with('\'') {
                return unknown;
            }
            return match decode_basic(inner, start, d == 3) {
                Some((decoded, offsets)) if decoded == value => TextMap::Mapped(offsets),
                _ => unknown,
            };
        }
        unknown
    }

    /// The file span of `range` inside the value.
    pub fn span(&self, range: Range<usize>) -> Range<usize> {
        match self {
            TextMap::Exact { start } => start + range.start..start + range.end,
            TextMap::Mapped(offsets) => {
                let at = |i: usize| offsets.get(i).or(offsets.last()).copied().unwrap_or(0);
                at(range.start)..at(range.end).max(at(range.start))
            }
            TextMap::Unknown { at } => *at..at + 1,
        }
    }

    /// The file span of the whole value.
    pub fn whole(&self, value: &str) -> Range<usize> {
        self.span(0..value.len())
    }
}

/// Decodes the body of a TOML basic string (`"…"` or `"""…"""`), noting for every byte of the
/// result, and for its end, the offset in the file of the character or escape it came from.
/// `None` for an escape the decoder does not know (the caller then gives up on exact offsets).
fn decode_basic(body: &str, start: usize, multiline: bool) -> Option<(String, Vec<usize>)> {
    let mut decoded = String::with_capacity(body.len());
    let mut offsets = Vec::with_capacity(body.len() + 1);
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let at = start + i;
        if c != '\\' {
            push_mapped(&mut decoded, &mut offsets, c, at);
            continue;
        }
        let (_, escape) = chars.next()?;
        let simple = match escape {
            'b' => Some('\u{8}'),
            't' => Some('\t'),
            'n' => Some('\n'),
            'f' => Some('\u{c}'),
            'r' => Some('\r'),
            'e' => Some('\u{1b}'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            _ => None,
        };
        if let Some(c) = simple {
            push_mapped(&mut decoded, &mut offsets, c, at);
            continue;
        }
        let digits = match escape {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            c if multiline && c.is_whitespace() => {
                // A line-ending backslash: the line break and the whitespace after it vanish.
                while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
                continue;
            }
            _ => return None,
        };
        let hex: String = (0..digits).filter_map(|_| chars.next().map(|(_, c)| c)).collect();
        let c = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)?;
        push_mapped(&mut decoded, &mut offsets, c, at);
    }
    offsets.push(start + body.len());
    Some((decoded, offsets))
}

fn push_mapped(decoded: &mut String, offsets: &mut Vec<usize>, c: char, at: usize) {
    decoded.push(c);
    offsets.extend(std::iter::repeat_n(at, c.len_utf8()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_strings_are_exact() {
        let text = "note = \"see *this*\"";
        assert_eq!(TextMap::of_toml_string(text, 7..19, "see *this*"), TextMap::Exact { start: 8 });
        let triple = "note = \"\"\"\nline\"\"\"";
        assert_eq!(TextMap::of_toml_string(triple, 7..18, "line"), TextMap::Exact { start: 11 });
        let literal = "note = 'a \\b'";
        assert_eq!(TextMap::of_toml_string(literal, 7..13, "a \\b"), TextMap::Exact { start: 8 });
    }

    #[test]
    fn escapes_are_mapped_to_where_they_are_written() {
        //          0123456789012345678 9
        let text = r#"note = "a \"tool\" é""#;
        let map = TextMap::of_toml_string(text, 7..text.len(), "a \"tool\" é");
        // `"tool"` in the value is bytes 2..8; in the file it runs from the first `\` to after `\"`.
        assert_eq!(map.span(2..8), 10..18);
        assert_eq!(&text[map.span(3..7)], "tool");
        assert_eq!(&text[map.span(9..11)], "é");
    }

    #[test]
    fn unicode_escapes_and_line_continuations_are_mapped() {
        let text = "note = \"\"\"\nsaid \\u201Cyes\\u201D \\\n   then\"\"\"";
        let value = "said \u{201c}yes\u{201d} then";
        let map = TextMap::of_toml_string(text, 7..text.len(), value);
        let yes = value.find("yes").unwrap_or(0);
        assert_eq!(&text[map.span(yes..yes + 3)], "yes");
        let then = value.find("then").unwrap_or(0);
        assert_eq!(&text[map.span(then..then + 4)], "then");
    }

    #[test]
    fn a_value_that_does_not_match_its_literal_points_at_the_literal() {
        let text = "note = \"abc\"";
        let map = TextMap::of_toml_string(text, 7..12, "xyz");
        assert_eq!(map, TextMap::Unknown { at: 7 });
        assert_eq!(map.span(1..2), 7..8);
    }
}
