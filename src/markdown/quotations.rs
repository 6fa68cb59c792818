//! Quotation marks in Markdown: each block's inline text flattened, with where every byte came
//! from and which links and emphasis it holds, so `verbatim` can pair the marks and judge the words.

use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};

use super::{Scheme, Spanned, reference_scheme};
use crate::model::Kind;
use crate::verbatim::quotations;

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

/// Every outermost quotation in the blocks of `events` (parsed from `text`).
pub(super) fn quoted_spans(text: &str, events: &[Spanned<'_>]) -> Vec<QuotedSpan> {
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
            Event::Text(t) | Event::InlineMath(t) => run.push(text, t, range),
            Event::Code(code) => {
                let start = run.text.len();
                run.push(text, code, range);
                run.code.push(start..run.text.len());
            }
            Event::SoftBreak | Event::HardBreak => run.push(text, " ", range),
            Event::Start(Tag::Link { dest_url, .. }) => run.open.push((run.text.len(), Some(dest_url.to_string()))),
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Superscript | Tag::Subscript) => {
                run.open.push((run.text.len(), None));
            }
            Event::End(TagEnd::Link) => run.close(true),
            Event::End(TagEnd::Emphasis | TagEnd::Strong) => run.close(false),
            Event::End(TagEnd::Strikethrough | TagEnd::Superscript | TagEnd::Subscript) => {
                run.open.pop();
            }
            Event::Start(_) | Event::End(_) => found.extend(std::mem::take(&mut run).quoted_spans()),
            _ => {}
        }
    }
    found.extend(run.quoted_spans());
    found
}

/// The inline text of one block.
#[derive(Debug, Default)]
struct Run {
    text: String,
    /// For each byte of `text`: its offset in the Markdown.
    at: Vec<usize>,
    /// Ranges of `text` that are code: no quotation marks there.
    code: Vec<Range<usize>>,
    links: Vec<(Range<usize>, String)>,
    emphasis: Vec<Range<usize>>,
    /// Open links (with their destination) and emphasis: where they start in `text`.
    open: Vec<(usize, Option<String>)>,
}

impl Run {
    /// Appends the text of an event at `range`: byte for byte where it is written as is, otherwise
    /// (an entity, an escape, a typographic quote made from a straight one) all at its start.
    fn push(&mut self, markdown: &str, text: &str, range: &Range<usize>) {
        let verbatim = markdown.get(range.clone()) == Some(text);
        self.at.extend((0..text.len()).map(|i| if verbatim { range.start + i } else { range.start }));
        self.text.push_str(text);
    }

    fn close(&mut self, link: bool) {
        match self.open.pop() {
            Some((start, Some(dest))) if link => self.links.push((start..self.text.len(), dest)),
            Some((start, None)) if !link => self.emphasis.push(start..self.text.len()),
            _ => {}
        }
    }

    fn quoted_spans(self) -> Vec<QuotedSpan> {
        if !self.text.contains(['"', '\'', '“', '”', '‘', '’', '„', '«', '»']) {
            return Vec::new();
        }
        let in_code = |at: usize| self.code.iter().any(|code| code.contains(&at));
        quotations(&self.text, &in_code)
            .into_iter()
            .filter_map(|quotation| {
                let inner = trimmed(&self.text, quotation.inner.clone());
                if inner.is_empty() {
                    return None;
                }
                let end = self.at.get(quotation.outer.end - 1).map_or(0, |&at| at + 1);
                let span = self.at.get(quotation.outer.start).copied().unwrap_or(0)..end;
                Some(QuotedSpan { span, content: self.content(inner) })
            })
            .collect()
    }

    fn content(&self, inner: Range<usize>) -> Quoted {
        // `“[words](quote:id),”`: punctuation after the link may sit inside the marks.
        let without_punctuation =
            inner.start..inner.start + self.text[inner.clone()].trim_end_matches([',', '.', ';', ':', '!', '?']).len();
        for (range, dest) in &self.links {
            if (*range == inner || *range == without_punctuation)
                && let Some(Scheme::Record(Kind::Quote, id)) = reference_scheme(dest)
            {
                return Quoted::QuoteLink { id: id.to_string(), words: self.text[range.clone()].to_string() };
            }
        }
        if self.emphasis.iter().any(|range| *range == inner || *range == without_punctuation) {
            return Quoted::Title;
        }
        Quoted::Words(self.text[inner].to_string())
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
