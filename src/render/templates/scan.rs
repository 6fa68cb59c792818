//! A light scan of template text for what some Tera errors name but do not locate: `{% include %}`
//! and `{% extends %}` tags, component definitions and component calls, each with its byte span.

use std::ops::Range;

/// A `{{ … }}` or `{% … %}` tag: where it is, and where its content is (delimiters and `-` trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tag {
    range: Range<usize>,
    inner: Range<usize>,
}

/// Every `{{ … }}` and `{% … %}` tag, in order; comments and `{% raw %}` blocks are skipped.
fn tags(text: &str) -> Vec<Tag> {
    let bytes = text.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while let Some(found) = text.get(i..).and_then(|rest| rest.find('{')) {
        let start = i + found;
        let close = match bytes.get(start + 1) {
            Some(b'{') => "}}",
            Some(b'%') => "%}",
            Some(b'#') => {
                i = text[start + 2..].find("#}").map_or(text.len(), |end| start + 2 + end + 2);
                continue;
            }
            _ => {
                i = start + 1;
                continue;
            }
        };
        let Some(end) = tag_end(text, start + 2, close) else { break };
        let tag = Tag { range: start..end, inner: trim_inner(text, start + 2..end - 2) };
        i = end;
        if close == "%}" && &text[tag.inner.clone()] == "raw" {
            i = skip_raw(text, end);
        }
        tags.push(tag);
    }
    tags
}

/// The end (past `close`) of a tag whose content starts at `from`, stepping over string literals.
fn tag_end(text: &str, from: usize, close: &str) -> Option<usize> {
    let mut quote = None;
    for (offset, c) in text[from..].char_indices() {
        let at = from + offset;
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, '"' | '\'' | '`') => quote = Some(c),
            None if text[at..].starts_with(close) => return Some(at + close.len()),
            None => {}
        }
    }
    None
}

/// A tag's content without its whitespace-control marks and surrounding spaces.
fn trim_inner(text: &str, inner: Range<usize>) -> Range<usize> {
    let raw = &text[inner.clone()];
    let trimmed_start = raw.trim_start_matches(['-', '+']).trim_start();
    let start = inner.start + (raw.len() - trimmed_start.len());
    let trimmed = trimmed_start.trim_end_matches(['-', '+']).trim_end();
    start..start + trimmed.len()
}

/// Past the `{% endraw %}` that closes a raw block starting at `from`.
fn skip_raw(text: &str, from: usize) -> usize {
    let mut i = from;
    while let Some(found) = text[i..].find("{%") {
        let start = i + found;
        let Some(end) = tag_end(text, start + 2, "%}") else { break };
        if &text[trim_inner(text, start + 2..end - 2)] == "endraw" {
            return end;
        }
        i = end;
    }
    text.len()
}

/// The statement `{% keyword … %}`'s arguments, if `tag` is one.
fn statement_args<'t>(text: &'t str, tag: &Tag, keyword: &str) -> Option<(&'t str, usize)> {
    if !text[tag.range.clone()].starts_with("{%") {
        return None;
    }
    let inner = &text[tag.inner.clone()];
    let rest = inner.strip_prefix(keyword)?;
    let args = rest.trim_start();
    (args.len() < rest.len()).then(|| (args, tag.inner.end - args.len()))
}

/// A tag `{% keyword "name" %}` (`include` or `extends`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedTag {
    pub name: String,
    /// The whole tag, delimiters included.
    pub tag: Range<usize>,
    /// The name, inside its quotes.
    pub name_span: Range<usize>,
}

/// Every `{% keyword "name" %}` tag, in order.
pub fn named_tags(text: &str, keyword: &str) -> Vec<NamedTag> {
    tags(text)
        .into_iter()
        .filter_map(|tag| {
            let (args, at) = statement_args(text, &tag, keyword)?;
            let quote = args.chars().next().filter(|c| matches!(c, '"' | '\'' | '`'))?;
            let name = args[1..].split(quote).next()?;
            Some(NamedTag { name: name.to_string(), tag: tag.range, name_span: at + 1..at + 1 + name.len() })
        })
        .collect()
}

/// The first `{% keyword "name" %}` tag naming `name`: its whole span and the name's.
pub fn named_tag(text: &str, keyword: &str, name: &str) -> Option<(Range<usize>, Range<usize>)> {
    named_tags(text, keyword).into_iter().find(|tag| tag.name == name).map(|tag| (tag.tag, tag.name_span))
}

/// A `{% component name(…) %} … {% endcomponent name %}` definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentDefinition {
    pub name: String,
    pub name_span: Range<usize>,
    /// The text between the two tags.
    pub body: Range<usize>,
    /// From the opening tag to the end of the closing one.
    pub whole: Range<usize>,
}

pub fn component_definitions(text: &str) -> Vec<ComponentDefinition> {
    let tags = tags(text);
    let mut definitions = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        let Some((args, at)) = statement_args(text, tag, "component") else { continue };
        let name = identifier(args);
        if name.is_empty() {
            continue;
        }
        let Some(end_tag) = tags[i + 1..].iter().find(|t| statement_args(text, t, "endcomponent").is_some()) else {
            continue;
        };
        definitions.push(ComponentDefinition {
            name: name.to_string(),
            name_span: at..at + name.len(),
            body: tag.range.end..end_tag.range.start,
            whole: tag.range.start..end_tag.range.end,
        });
    }
    definitions
}

/// Every component call, `{{ <name … /> }}` or `{% <name …> %}`: the name and its span.
pub fn component_calls(text: &str) -> Vec<(String, Range<usize>)> {
    let mut calls = Vec::new();
    for tag in tags(text) {
        let inner = &text[tag.inner.clone()];
        let mut quote = None;
        let mut previous = None;
        for (offset, c) in inner.char_indices() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if matches!(c, '"' | '\'' | '`') => quote = Some(c),
                // `<` starts a call where a value may start, not after one (`a<b` compares).
                None if c == '<' && !previous.is_some_and(ends_a_value) => {
                    let name = identifier(&inner[offset + 1..]);
                    if !name.is_empty() {
                        let start = tag.inner.start + offset + 1;
                        calls.push((name.to_string(), start..start + name.len()));
                    }
                }
                None => {}
            }
            if quote.is_none() && !c.is_whitespace() {
                previous = Some(c);
            }
        }
    }
    calls
}

fn ends_a_value(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | ')' | ']' | '}' | '"' | '\'' | '`')
}

/// The (dotted) identifier at the start of `text`.
fn identifier(text: &str) -> &str {
    if !text.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        return "";
    }
    let end = text.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).unwrap_or(text.len());
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_and_extends_tags_are_found_by_name() {
        let text =
            "{# {% include \"a.html\" %} #}\n{% raw %}{% include \"a.html\" %}{% endraw %}\n{%- include 'a.html' -%}";
        let tag_start = text.find("{%- include").expect("tag");
        let name_start = text.find("'a.html'").expect("name") + 1;
        assert_eq!(named_tag(text, "include", "a.html"), Some((tag_start..text.len(), name_start..name_start + 6)));
        assert_eq!(named_tag(text, "extends", "a.html"), None);
        assert_eq!(named_tag("{% includes \"a\" %}", "include", "a"), None);
    }

    #[test]
    fn component_definitions_and_calls_are_found() {
        let text = "{% component card(r) %}\n{{ <card r={r} /> }}{{ \"<nope\" }}{% if a<b %}{% endif %}\n{% endcomponent card %}\n{% <box> %}x{% </box> %}";
        let definitions = component_definitions(text);
        assert_eq!(definitions.len(), 1);
        let card = &definitions[0];
        assert_eq!((card.name.as_str(), &text[card.name_span.clone()]), ("card", "card"));
        assert!(text[card.body.clone()].starts_with("\n{{ <card"));
        assert!(text[card.whole.clone()].ends_with("{% endcomponent card %}"));
        let calls: Vec<(String, &str)> =
            component_calls(text).into_iter().map(|(name, span)| (name, &text[span])).collect();
        assert_eq!(calls, vec![("card".to_string(), "card"), ("box".to_string(), "box")]);
    }

    #[test]
    fn unfinished_tags_end_the_scan_without_panicking() {
        for text in ["{{", "{%", "{#", "{% raw %}", "{% include \"a", "{% component", "{{ <", "é{%é"] {
            let _ = (tags(text), component_definitions(text), component_calls(text), named_tag(text, "include", "a"));
        }
    }
}
