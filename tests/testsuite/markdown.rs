//! What the Markdown pass writes for notes, headings and images, and what it accepts without
//! complaint: sidenote and endnote markup, heading attributes, plain alt text, NUL replaced,
//! text that only looks like a footnote or a reference, fragments that resolve.

use crate::support::{TestSite, rendered};

/// The HTML of a section page's Markdown (between the theme's `<div class="prose">` and `</div>`).
fn prose(page: &str) -> &str {
    let start = page.find("<div class=\"prose\">\n").expect("prose") + "<div class=\"prose\">\n".len();
    let end = start + page[start..].find("\n  </div>").expect("end of prose");
    &page[start..end]
}

fn page_with(body: &str) -> TestSite {
    let site = TestSite::base();
    site.write("content/notes.md", &format!("+++\ntitle = \"Notes\"\nweight = 3\n+++\n{body}"));
    site
}

#[test]
fn every_footnote_reference_gets_its_own_id_and_shows_the_note_number() {
    let site = page_with("One[^a] two[^b] three[^A] four[^a].\n\n[^a]: Alpha.\n\n[^b]: Beta.\n");
    site.build_ok();
    let note = |id: &str, n: &str, text: &str| {
        format!(
            "<label for=\"{id}\" class=\"sidenote-number\"><span class=\"visually-hidden\">Note </span>{n}</label>\
             <input type=\"checkbox\" id=\"{id}\" class=\"margin-toggle\">\
             <span class=\"sidenote\" role=\"note\"><span class=\"sidenote-label\">{n}</span> \
             <span class=\"sidenote-para\">{text}</span></span>"
        )
    };
    let expected = format!(
        "<p id=\"p-1\">One{} two{} three{} four{}.</p>\n",
        note("sn-1", "1", "Alpha."),
        note("sn-2", "2", "Beta."),
        note("sn-3", "1", "Alpha."),
        note("sn-4", "1", "Alpha."),
    );
    assert_eq!(prose(&site.page("notes.html")), expected);
}

#[test]
fn a_note_of_several_paragraphs_stays_a_sidenote_with_a_line_per_paragraph() {
    let site = page_with("Text.[^a]\n\n[^a]: First *one*.\n\n    Second [link](https://example.org/).\n");
    site.build_ok();
    let page = site.page("notes.html");
    let html = prose(&page);
    let note = "<span class=\"sidenote\" role=\"note\"><span class=\"sidenote-label\">1</span> \
                <span class=\"sidenote-para\">First <em>one</em>.</span>\
                <span class=\"sidenote-para\">Second <a href=\"https://example.org/\">link</a>.</span></span></p>\n";
    assert!(html.ends_with(note), "{html}");
}

#[test]
fn a_note_with_blocks_becomes_an_endnote_after_the_text() {
    let body = "Plain[^s] and blocks[^t], again[^t].\n\n[^s]: A sidenote.\n\n\
                [^t]: A table and code:\n\n    | h1 | h2 |\n    |----|----|\n    | c1 | c2 |\n\n    ```\n    let x = 1;\n    ```\n\n    <div>html</div>\n";
    let site = page_with(body);
    site.build_ok();
    let page = site.page("notes.html");
    let html = prose(&page);
    let (text, notes) = html.split_at(html.find("<section").expect("endnotes"));
    assert!(
        text.ends_with(
            " and blocks<sup class=\"endnote-ref\"><a href=\"#fn-2\" id=\"fnref-2\"><span class=\"visually-hidden\">Note </span>2</a></sup>, \
             again<sup class=\"endnote-ref\"><a href=\"#fn-2\" id=\"fnref-3\"><span class=\"visually-hidden\">Note </span>2</a></sup>.</p>\n"
        ),
        "{text}"
    );
    assert_eq!(
        notes,
        "<section class=\"endnotes\" aria-labelledby=\"fn-notes\">\n\
         <h2 class=\"endnotes-title\" id=\"fn-notes\">Notes</h2>\n\
         <ol class=\"endnotes-list\">\n\
         <li id=\"fn-2\" value=\"2\">\n\
         <p id=\"p-2\">A table and code:</p>\n\
         <div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Table 1\">\n\
         <table><thead><tr><th>h1</th><th>h2</th></tr></thead><tbody>\n\
         <tr><td>c1</td><td>c2</td></tr>\n\
         </tbody></table>\n\
         </div>\n\
         <pre><code>let x = 1;\n</code></pre>\n\
         <div>html</div>\n\
         <p class=\"endnote-back\"><a href=\"#fnref-2\"><span aria-hidden=\"true\">↩</span> Back to the text (1)</a> \
         <a href=\"#fnref-3\"><span aria-hidden=\"true\">↩</span> Back to the text (2)</a></p>\n\
         </li>\n\
         </ol>\n\
         </section>\n"
    );
}

#[test]
fn sidenotes_in_front_page_fields_carry_the_field_prefix() {
    let site = TestSite::base();
    site.edit(
        "content/_index.md",
        "key_points = [\n",
        "key_points = [\n  \"Noted.[^n]\\n\\n[^n]: A key point note.\",\n",
    );
    site.build_ok();
    let page = site.page("index.html");
    assert!(
        page.contains(
            "<li>Noted.<label for=\"sn-kp1-1\" class=\"sidenote-number\"><span class=\"visually-hidden\">Note </span>1</label>\
             <input type=\"checkbox\" id=\"sn-kp1-1\" class=\"margin-toggle\">"
        ),
        "{page}"
    );
}

#[test]
fn heading_attributes_are_kept_and_escaped() {
    let site = page_with("## Sources {#src .wide data-x=\"a&b\" hidden}\n\n# Plain {id=\"other\" .x class=y}\n");
    site.build_ok();
    assert_eq!(
        prose(&site.page("notes.html")),
        "<h2 id=\"src\" class=\"wide\" data-x=\"a&amp;b\" hidden>Sources</h2>\n<h1 id=\"other\" class=\"x y\">Plain</h1>\n"
    );
}

#[test]
fn alt_text_is_plain_text_and_a_reference_in_it_is_not_a_citation() {
    let site = page_with("![a [link](https://example.org) and [a quote](quote:reasonable) *em*](/img.png)\n");
    site.build_ok();
    let page = site.page("notes.html");
    assert_eq!(prose(&page), "<p id=\"p-1\"><img src=\"/img.png\" alt=\"a link and a quote em\" /></p>\n");
    assert!(!page.contains("Cited here"), "a reference inside alt text cites nothing");
}

#[test]
fn a_nul_byte_becomes_a_replacement_character_with_a_warning() {
    let site = page_with("Before\0after, `co\0de`, <b title=\"a\0b\">x</b> and [l](/a\0b).\n\nNext.\n");
    site.edit("content/records.toml", "note = \"She said it", "note = \"A\\u0000B. She said it");
    let outcome = site.build_ok();
    assert_eq!(
        rendered(&outcome),
        "warning: a NUL byte was replaced with U+FFFD (�) (and 3 more in this file)\n \
         --> content/notes.md:5:7\n  |\n5 | Before�after, `co�de`, <b title=\"a�b\">x</b> and [l](/a�b).\n  \
         |       ^ NUL byte (U+0000)\n  |\n\
         help: delete it: a NUL byte is not text (it often comes from pasting binary data)\n\n\
         warning: this string contains a NUL character (`\\u0000`)\n  \
         --> content/records.toml:26:10\n   |\n26 | note = \"A\\u0000B. She said it *calmly*, like [the studio](organization:studio).[^tone]\\n\\n[^tone]: Tone as reported.\"\n   \
         |          ^^^^^^ NUL replaced by U+FFFD\n   |\n\
         help: remove the `\\u0000` escape: NUL cannot appear in a page\n\n"
    );
    assert_eq!(
        prose(&site.page("notes.html")),
        "<p id=\"p-1\">Before\u{FFFD}after, <code>co\u{FFFD}de</code>, <b title=\"a\u{FFFD}b\">x</b> and <a href=\"/a%EF%BF%BDb\">l</a>.</p>\n\
         <p id=\"p-2\">Next.</p>\n"
    );
    let quote = site.page("quotes/not-worried.html");
    assert!(quote.contains("<p id=\"p-1\">A\u{FFFD}B. She said it <em>calmly</em>"), "{quote}");
    assert!(!quote.contains('\0'));
}

#[test]
fn text_that_only_looks_like_a_footnote_or_a_reference_is_text() {
    let site = page_with(
        "The regex \\[^abc\\] matches; so does `[^abc]`.\n\n\
         See <content://com.example/x>, [r](resource:x), [s](sourcetree:y) and [q](quote://example.org/).\n",
    );
    let outcome = site.build_ok();
    assert_eq!(rendered(&outcome), "");
    assert_eq!(
        prose(&site.page("notes.html")),
        "<p id=\"p-1\">The regex [^abc] matches; so does <code>[^abc]</code>.</p>\n\
         <p id=\"p-2\">See <a href=\"content://com.example/x\">content://com.example/x</a>, <a href=\"resource:x\">r</a>, \
         <a href=\"sourcetree:y\">s</a> and <a href=\"quote://example.org/\">q</a>.</p>\n"
    );
}

#[test]
fn a_detached_undefined_footnote_is_a_warning_that_says_how_to_escape_it() {
    let site = page_with("The regex [^abc] matches.\n");
    let outcome = site.build_ok();
    assert_eq!(
        rendered(&outcome),
        "warning: footnote `[^abc]` has no definition\n \
         --> content/notes.md:5:11\n  |\n5 | The regex [^abc] matches.\n  |           ^^^^^^ undefined footnote\n  |\n\
         help: if it is a note, add a line `[^abc]: …` after the paragraph; if it is text, write `\\[^abc]` to say so\n\n"
    );
}

#[test]
fn fragments_that_name_an_id_of_their_page_resolve() {
    let site = page_with(
        "## Here {#here}\n\n<a id=\"raw\"></a>[a](#here), [b](#raw), [c](one.md#said), [d](one.md#p-1), \
         [e](#main), [f](_index.md#b-key-points), [g](#fn-2), [h](#sn-1).[^n][^m]\n\n\
         [^n]: Side.\n\n[^m]: - a list\n",
    );
    site.edit(
        "content/records.toml",
        "[^tone]: Tone",
        "[^tone]: See [the note](#b-note) and [two](two.md#practice). Tone",
    );
    let outcome = site.build_ok();
    assert_eq!(rendered(&outcome), "");
}

#[test]
fn an_email_autolink_is_an_address_not_a_file() {
    let site = page_with("Write to <desk@example.org> or [the desk](mailto:desk@example.org).\n");
    site.build_ok();
    assert_eq!(
        prose(&site.page("notes.html")),
        "<p id=\"p-1\">Write to <a href=\"mailto:desk@example.org\">desk@example.org</a> or <a href=\"mailto:desk@example.org\">the desk</a>.</p>\n"
    );
}
