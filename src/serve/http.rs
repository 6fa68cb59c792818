//! HTTP: GET and HEAD on the in-memory build under its mount — files by their route, `index.html` for
//! folders, the site's 404 page for anything else — with the live-reload script put into every HTML page.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::path::{Mount, Wanted, resolve};
use super::{App, live};
use crate::routes::SERVE_PREFIX;

/// Every request goes to one handler: the paths are those of the build, which change as it does.
pub fn router(app: Arc<App>) -> Router {
    Router::new().fallback(handle).with_state(app)
}

async fn handle(State(app): State<Arc<App>>, method: Method, uri: Uri) -> Response {
    let mut response = if method == Method::GET || method == Method::HEAD {
        // A file of the build not made yet: made now (off the runtime: it takes seconds on a
        // large site), then served like the rest.
        if let Wanted::File(key) = resolve(uri.path(), &app.mount)
            && app.current().is_pending(&key)
        {
            let maker = Arc::clone(&app);
            let _ = tokio::task::spawn_blocking(move || maker.make_pending()).await;
        }
        respond(&app, &uri)
    } else {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "briefing serve answers GET and HEAD only\n");
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if method == Method::HEAD {
        // Same headers (Content-Length included), no body.
        *response.body_mut() = Body::empty();
    }
    response
}

fn respond(app: &App, uri: &Uri) -> Response {
    let site = app.current();
    let key = match resolve(uri.path(), &app.mount) {
        Wanted::File(key) => key,
        Wanted::Mount => return redirect(StatusCode::TEMPORARY_REDIRECT, &app.mount.path(), uri.query()),
        Wanted::Outside | Wanted::Refused => return not_found(app),
    };
    if let Some(own) = key.strip_prefix(SERVE_PREFIX) {
        return live::respond(app, own);
    }
    if let Some(file) = site.get(&key) {
        return build_file(app, StatusCode::OK, &key, file.bytes.clone(), &site.build);
    }
    if site.is_pending(&key) {
        return plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "this file of the build could not be made: the terminal running briefing serve says why\n",
        );
    }
    if site.is_empty() {
        return build_file(
            app,
            StatusCode::SERVICE_UNAVAILABLE,
            "index.html",
            Bytes::from_static(NO_BUILD_YET),
            &site.build,
        );
    }
    // `/quotes` is the folder `/quotes/`: redirect, so the page's relative links resolve from it.
    if !key.ends_with("index.html") && site.get(&format!("{key}/index.html")).is_some() {
        return redirect(StatusCode::FOUND, &format!("{}/", uri.path()), uri.query());
    }
    not_found(app)
}

/// A redirect to `path`, keeping the request's query.
fn redirect(status: StatusCode, path: &str, query: Option<&str>) -> Response {
    let location = match query {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    };
    let mut response = plain(status, "");
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The site's own 404 page with status 404 (plain text if the site has none).
fn not_found(app: &App) -> Response {
    let site = app.current();
    match site.get("404.html") {
        Some(page) => build_file(app, StatusCode::NOT_FOUND, "404.html", page.bytes.clone(), &site.build),
        None => plain(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// What every path answers while no build has succeeded: the overlay on it shows why.
const NO_BUILD_YET: &[u8] = b"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>The briefing has not built yet</title>\n\
</head>\n<body>\n<main>\n<h1>The briefing has not built yet</h1>\n<p>Fix the errors listed in the terminal; \
this page reloads by itself when the build succeeds.</p>\n</main>\n</body>\n</html>\n";

/// A file of the build (or the page standing in for one); HTML gets the live-reload script.
fn build_file(app: &App, status: StatusCode, path: &str, bytes: Bytes, build: &str) -> Response {
    let bytes = if is_html(path) { Bytes::from(inject(&bytes, build, &app.mount)) } else { bytes };
    file_response(status, path, bytes)
}

fn is_html(path: &str) -> bool {
    content_type(path).starts_with("text/html")
}

pub(super) fn file_response(status: StatusCode, path: &str, bytes: Bytes) -> Response {
    let content_type = content_type(path);
    let length = bytes.len();
    let mut response = (status, bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    response
}

pub(super) fn plain(status: StatusCode, text: &'static str) -> Response {
    file_response(status, "message.txt", Bytes::from_static(text.as_bytes()))
}

/// The `Content-Type` for a file of the build, by its extension; text is UTF-8.
pub fn content_type(path: &str) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let essence = mime.essence_str();
    let is_text = mime.type_() == mime_guess::mime::TEXT
        || matches!(
            essence,
            "application/javascript"
                | "application/json"
                | "application/xml"
                | "image/svg+xml"
                | "application/manifest+json"
        );
    if is_text { format!("{essence}; charset=utf-8") } else { essence.to_string() }
}

/// The live-reload script tag, put before the page's last `</body>` (at the end if it has none).
/// The tag names the build the page came from, so the page knows when a newer one is served, and
/// the script under the mount, so the script finds its event stream beside it.
pub fn inject(html: &[u8], build: &str, mount: &Mount) -> Vec<u8> {
    let tag = format!(r#"<script src="{}{SERVE_PREFIX}live.js" data-build="{build}" defer></script>"#, mount.path());
    let at = html.windows(7).rposition(|window| window.eq_ignore_ascii_case(b"</body>")).unwrap_or(html.len());
    [&html[..at], tag.as_bytes(), &html[at..]].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_the_extension() {
        let cases = [
            ("index.html", "text/html; charset=utf-8"),
            ("briefing.9545ceb46a.css", "text/css; charset=utf-8"),
            ("briefing.f1447df6ec.js", "text/javascript; charset=utf-8"),
            ("favicon.svg", "image/svg+xml; charset=utf-8"),
            ("atom.xml", "text/xml; charset=utf-8"),
            ("briefing.json", "application/json; charset=utf-8"),
            ("robots.txt", "text/plain; charset=utf-8"),
            ("img/chart.png", "image/png"),
            ("img/photo.jpg", "image/jpeg"),
            ("img/photo.webp", "image/webp"),
            ("fonts/body.woff2", "font/woff2"),
            ("data.bin", "application/octet-stream"),
            ("LICENSE", "application/octet-stream"),
        ];
        for (path, expected) in cases {
            assert_eq!(content_type(path), expected, "{path}");
        }
    }

    #[test]
    fn the_script_goes_before_the_last_closing_body_tag() {
        let tag = r#"<script src="/__briefing/live.js" data-build="b1" defer></script>"#;
        let root = Mount::root();
        assert_eq!(
            String::from_utf8(inject(b"<p>x</p></body></html>", "b1", &root)).expect("utf-8"),
            format!("<p>x</p>{tag}</body></html>")
        );
        assert_eq!(
            String::from_utf8(inject(b"<p></body> in text</p></BODY>\n", "b1", &root)).expect("utf-8"),
            format!("<p></body> in text</p>{tag}</BODY>\n")
        );
        assert_eq!(String::from_utf8(inject(b"<p>no body", "b1", &root)).expect("utf-8"), format!("<p>no body{tag}"));
    }

    #[test]
    fn under_a_mount_the_script_is_the_mounts() {
        let mount = Mount::of_base_url("https://example.org/briefings/caf%C3%A9/").expect("mount");
        assert_eq!(
            String::from_utf8(inject(b"<p>x</p></body>", "b2", &mount)).expect("utf-8"),
            r#"<p>x</p><script src="/briefings/caf%C3%A9/__briefing/live.js" data-build="b2" defer></script></body>"#
        );
    }
}
