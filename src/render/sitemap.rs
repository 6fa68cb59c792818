//! `sitemap.xml` (every page but the 404, with absolute URLs and the `lastmod` a page's front
//! matter gives) and `robots.txt` (allow all, and where the sitemap is).

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, Event};

use super::RenderInput;
use super::feed::{absolute_url, text_element};
use crate::diagnostics::Diagnostic;
use crate::model::{Page, Site};
use crate::routes::{Route, Target};

const SITEMAP_NAMESPACE: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// The bytes of `sitemap.xml`: the pages in route order.
pub fn sitemap(input: &RenderInput<'_>) -> Result<Vec<u8>, Diagnostic> {
    let site = input.site;
    let base = site.config.base_url.get_ref();
    // Every page a reader may land on: those rendered one by one, and the print edition.
    let is_page = |route: &Route, target: &Target| match target {
        Target::NotFound => false,
        Target::Whole(_) => route.as_str().ends_with(".html"),
        _ => target.is_page(),
    };
    let pages: Vec<(String, Option<String>)> = input
        .routes
        .iter()
        .filter(|(route, target)| is_page(route, target))
        .map(|(route, target)| (absolute_url(base, route.as_str()), last_modified(site, target)))
        .collect();
    write_sitemap(&pages)
        .map_err(|error| Diagnostic::error("sitemap.xml", None, format!("could not write the sitemap: {error}")))
}

/// The bytes of `robots.txt`.
pub fn robots(input: &RenderInput<'_>) -> Vec<u8> {
    let base = input.site.config.base_url.get_ref();
    format!("User-agent: *\nAllow: /\n\nSitemap: {base}sitemap.xml\n").into_bytes()
}

/// A page's `updated`, else its `date`, as the day it starts on (`YYYY-MM-DD`); unknown for
/// records, indexes and topics (a quote's date says when it was said, not when its page changed).
fn last_modified(site: &Site, target: &Target) -> Option<String> {
    let page: &Page = match target {
        Target::Front => &site.front,
        Target::Page(i) => site.pages.get(*i)?,
        _ => return None,
    };
    let front = &page.source.front;
    front.updated.as_ref().or(front.date.as_ref()).map(|date| date.start().to_string())
}

fn write_sitemap(pages: &[(String, Option<String>)]) -> io::Result<Vec<u8>> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    writer.create_element("urlset").with_attribute(("xmlns", SITEMAP_NAMESPACE)).write_inner_content(|w| {
        for (url, lastmod) in pages {
            w.create_element("url").write_inner_content(|w| {
                text_element(w, "loc", url)?;
                if let Some(lastmod) = lastmod {
                    text_element(w, "lastmod", lastmod)?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })?;
    let mut bytes = writer.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}
