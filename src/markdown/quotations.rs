//! Quotation marks in Markdown: each block's inline text flattened, with where every byte came
//! from and which links and emphasis it holds, so `verbatim` can pair the marks and judge the words.

use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};

use super::{Scheme, Spanned, reference_scheme};
use crate::model::Kind;
use crate::verbatim::{may_hold_marks, quotations};

/// A span of Markdown in quotation marks, marks included, and what it encloses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct QuotedSpan {
    /// Byte range in the Markdown text, from the opening mark to the end of the closing one.
    pub span: Range<usize>,
    pub content: Quoted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Quoted {
    /// Exactly one link to a quote record: `“[words](quote:id)”`.
    QuoteLink { id: String, words: String },
    /// Exactly one emphasised span: the title of a work, not a quotation.
    Title,
    /// Anything else: words that must come from a source.
    Words(String),
}

/// Every outermost quotation in the blocks of `events` (parsed from `markdown`).
pub(super) fn quoted_spans(markdown: &str, events: &[Spanned<'_>]) -> Vec<QuotedSpan> {
    let mut found = Vec::new();
    let mut run = Run::default();
    let mut images = 0usize;
    let mut code_blocks = 0usize;
    for (event, range) in events {
        match event {
            Event::Start(Tag::Image { .. }) => images += 1,
            Event::End(TagEnd::Image) => images = images.saturating_sub(1),
            _ if images > 0 => {}
            Event::Start(Tag::CodeBlock(_)) => code_blocks += 1,
            Event::End(TagEnd::CodeBlock) => code_blocks = code_blocks.saturating_sub(1),
            _ if code_blocks > 0 => {}
            Event::Text(t) | Event::InlineMath(t) => run.push(t, range),
            Event::Code(code) => {
                let start = run.len;
                run.push(code, range);
                run.code.push(start..run.len);
            }
            Event::SoftBreak | Event::HardBreak => run.push(" ", range),
            Event::Start(Tag::Link { dest_url, .. }) => run.open.push((run.len, Some(dest_url))),
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Superscript | Tag::Subscript) => {
                run.open.push((run.len, None));
            }
            Event::End(TagEnd::Link) => run.close(true),
            Event::End(TagEnd::Emphasis | TagEnd::Strong) => run.close(false),
            Event::End(TagEnd::Strikethrough | TagEnd::Superscript | TagEnd::Subscript) => {
                run.open.pop();
            }
            Event::Start(_) | Event::End(_) => found.extend(std::mem::take(&mut run).quoted_spans(markdown)),
            _ => {}
        }
    }
    found.extend(run.quoted_spans(markdown));
    found
}

/// The inline text of one block, as the pieces of the events it is made of: joined into one
/// string only when some piece may hold a quotation mark (most blocks hold none).
#[derive(Debug, Default)]
struct Run<'e> {
    /// Each piece with where it starts in the joined text and in the Markdown.
    pieces: Vec<(&'e str, usize, Range<usize>)>,
    /// The length of the joined text.
    len: usize,
    has_marks: bool,
    /// Ranges of the joined text that are code: no quotation marks there.
    code: Vec<Range<usize>>,
    links: Vec<(Range<usize>, &'e str)>,
    emphasis: Vec<Range<usize>>,
    /// Open links (with their destination) and emphasis: where they start in the joined text.
    open: Vec<(usize, Option<&'e str>)>,
}

/// The joined text of a run, and where each of its bytes lies in the Markdown.
struct Joined {
    text: String,
    /// Start in `text`, start in the Markdown, and whether the piece is written there byte for
    /// byte (not an entity, an escape, or a typographic quote made from a straight one).
    pieces: Vec<(usize, usize, bool)>,
}

impl Joined {
    /// The offset in the Markdown of byte `at` of the text.
    fn offset(&self, at: usize) -> usize {
        let piece = self.pieces.partition_point(|&(start, _, _)| start <= at).saturating_sub(1);
        match self.pieces.get(piece) {
            Some(&(start, markdown, true)) => markdown + (at - start),
            Some(&(_, markdown, false)) => markdown,
            None => 0,
        }
    }
}

impl<'e> Run<'e> {
    fn push(&mut self, text: &'e str, range: &Range<usize>) {
        self.pieces.push((text, self.len, range.clone()));
        self.len += text.len();
        self.has_marks = self.has_marks || may_hold_marks(text);
    }

    fn close(&mut self, link: bool) {
        match self.open.pop() {
            Some((start, Some(dest))) if link => self.links.push((start..self.len, dest)),
            Some((start, None)) if !link => self.emphasis.push(start..self.len),
            _ => {}
        }
    }

    fn join(&self, markdown: &str) -> Joined {
        let mut text = String::with_capacity(self.len);
        let mut pieces = Vec::with_capacity(self.pieces.len());
        for (piece, start, range) in &self.pieces {
            pieces.push((*start, range.start, markdown.get(range.clone()) == Some(*piece)));
            text.push_str(piece);
        }
        Joined { text, pieces }
    }

    fn quoted_spans(self, markdown: &str) -> Vec<QuotedSpan> {
        if !self.has_marks {
            return Vec::new();
        }
        let joined = self.join(markdown);
        let in_code = |at: usize| self.code.iter().any(|code| code.contains(&at));
        quotations(&joined.text, &in_code)
            .into_iter()
            .filter_map(|quotation| {
                let inner = trimmed(&joined.text, quotation.inner.clone());
                if inner.is_empty() {
                    return None;
                }
                let span = joined.offset(quotation.outer.start)..joined.offset(quotation.outer.end - 1) + 1;
                Some(QuotedSpan { span, content: self.content(&joined.text, inner) })
            })
            .collect()
    }

    fn content(&self, text: &str, inner: Range<usize>) -> Quoted {
        // `“[words](quote:id),”`: punctuation after the link may sit inside the marks.
        let without_punctuation =
            inner.start..inner.start + text[inner.clone()].trim_end_matches([',', '.', ';', ':', '!', '?']).len();
        for (range, dest) in &self.links {
            if (*range == inner || *range == without_punctuation)
                && let Some(Scheme::Record(Kind::Quote, id)) = reference_scheme(dest)
            {
                return Quoted::QuoteLink { id: id.to_string(), words: text[range.clone()].to_string() };
            }
        }
        if self.emphasis.iter().any(|range| *range == inner || *range == without_punctuation) {
            return Quoted::Title;
        }
        Quoted::Words(text[inner].to_string())
    }
}

/// `range` of `text` without the whitespace at either end.
fn trimmed(text: &str, range: Range<usize>) -> Range<usize> {
    let inner = &text[range.clone()];
    let start = range.start + (inner.len() - inner.trim_start().len());
    start..start + inner.trim().len()
}

#[cfg(test)]
mod tests {
    use pulldown_cmark::Parser;

    use super::*;

    fn spans(markdown: &str) -> Vec<(&str, Quoted)> {
        let events: Vec<Spanned<'_>> = Parser::new_ext(markdown, super::super::options()).into_offset_iter().collect();
        quoted_spans(markdown, &events).into_iter().map(|q| (&markdown[q.span], q.content)).collect()
    }

    fn words(text: &str) -> Quoted {
        Quoted::Words(text.to_string())
    }

    #[test]
    fn straight_and_typographic_quotations_are_found_with_their_spans() {
        assert_eq!(
            spans(r#"He said "it is *very* late" and left."#),
            [(r#""it is *very* late""#, words("it is very late"))]
        );
        assert_eq!(
            spans("He said “so”,\nthen “more\nwords”."),
            [("“so”", words("so")), ("“more\nwords”", words("more words"))]
        );
    }

    #[test]
    fn a_quotation_that_is_one_quote_link_names_the_quote() {
        let link = Quoted::QuoteLink { id: "great-artists".to_string(), words: "great artists".to_string() };
        assert_eq!(
            spans("“[great artists](quote:great-artists)”"),
            [("“[great artists](quote:great-artists)”", link.clone())]
        );
        assert_eq!(
            spans("\"[great artists](quote:great-artists),\" he said"),
            [("\"[great artists](quote:great-artists),\"", link)]
        );
        assert_eq!(spans("“[great artists](person:x)”"), [("“[great artists](person:x)”", words("great artists"))]);
        assert_eq!(
            spans("“the [great artists](quote:great-artists)”"),
            [("“the [great artists](quote:great-artists)”", words("the great artists"))]
        );
    }

    #[test]
    fn emphasis_alone_in_quotation_marks_is_a_title() {
        assert_eq!(spans("the episode “*Pilot*” aired"), [("“*Pilot*”", Quoted::Title)]);
        assert!(spans("*Billionaires' Bunker* and *The Eternaut*").is_empty());
    }

    #[test]
    fn code_images_and_blocks_are_not_prose() {
        assert!(spans("use `\"x\"` and ![“alt”](a.png)").is_empty());
        assert!(spans("```\n\"code\"\n```\n").is_empty());
        assert!(spans("“one\n\nparagraph”").is_empty(), "marks in different blocks do not pair");
    }

    #[test]
    fn quotations_in_headings_lists_and_tables_are_found() {
        assert_eq!(spans("## “Great works” {#x}"), [("“Great works”", words("Great works"))]);
        assert_eq!(spans("- “a”\n- “b”"), [("“a”", words("a")), ("“b”", words("b"))]);
        assert_eq!(spans("| h |\n|---|\n| “c” |"), [("“c”", words("c"))]);
    }
}
