//! Live reload: the state of the build as JSON, sent to every open page over Server-Sent Events
//! (on connect, then on each change), and the script that reloads the page or shows the error overlay.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::WatchStream;

use super::App;
use super::http::{file_response, plain};
use super::site::OverlayDiagnostic;

/// The script every HTML page gets from `briefing serve` (and only from it).
const SCRIPT: &str = include_str!("live.js");

/// How soon a page's event stream reconnects after losing the server (a restart, say).
const RECONNECT: Duration = Duration::from_millis(500);

/// What a page is told: the build being served, and whether the latest rebuild failed and why.
#[derive(Debug, Serialize)]
pub struct Status<'a> {
    /// The id of the build being served; a page from another build reloads.
    pub build: &'a str,
    pub failed: Option<Failure<'a>>,
}

/// A failed rebuild: its counts and diagnostics, for the overlay.
#[derive(Debug, Serialize)]
pub struct Failure<'a> {
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: &'a [OverlayDiagnostic],
}

impl Status<'_> {
    pub fn to_json(&self) -> Arc<str> {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string()).into()
    }
}

/// Answers the paths under `__briefing/`.
pub fn respond(app: &App, path: &str) -> Response {
    match path {
        "live.js" => file_response(StatusCode::OK, "live.js", Bytes::from_static(SCRIPT.as_bytes())),
        "events" => events(app),
        _ => plain(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// The event stream of one page: the current status at once, then every new one. When the page
/// goes away the stream is dropped with its receiver; keep-alive comments find dead connections.
fn events(app: &App) -> Response {
    let statuses = WatchStream::new(app.status.subscribe());
    let events =
        statuses.map(|status| Ok::<_, Infallible>(Event::default().event("status").retry(RECONNECT).data(&*status)));
    Sse::new(events).keep_alive(KeepAlive::default()).into_response()
}
