//! `briefing serve`: builds the site in memory, serves it over HTTP, rebuilds when its files change,
//! and tells open pages to reload, or shows them the build's errors; it writes nothing to disk.

mod http;
mod live;
mod path;
mod site;
mod watch;

use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, mpsc};
use std::time::Instant;

use tokio::sync::watch as channel;

use crate::BuildOptions;
use live::{Failure, Status};
use path::Mount;
use site::{Diff, Rebuilt, Snapshot};
use watch::{Changes, Watcher};

/// What `briefing serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub interface: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// The URL written where the site needs an absolute one; `None` means the served address.
    /// The site is served under its path (`/briefings/netflix/`), as it will be published.
    pub base_url: Option<crate::load::BaseUrl>,
    pub drafts: bool,
    /// Open the site in the default browser once it is served.
    pub open: bool,
}

/// Why serving could not start (a usage error: exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeError(pub String);

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// State shared by the server and the rebuilds: the build being served and what pages are told.
pub struct App {
    /// Where the site is served: every path of the build is under it.
    mount: Mount,
    site: RwLock<Arc<Snapshot>>,
    status: channel::Sender<Arc<str>>,
    /// Whether the latest rebuild failed: pages showing its errors reload when it is fixed.
    failing: AtomicBool,
    /// The engine, once the first build is done: a rebuild holds it from the build until its
    /// snapshot is served, so that whoever holds it sees the build the engine last made.
    engine: Mutex<Option<site::Engine>>,
    color: bool,
}

impl App {
    fn new(build: String, mount: Mount) -> Self {
        let status = Status { build: &build, failed: None }.to_json();
        let (status, _) = channel::channel(status);
        Self {
            mount,
            site: RwLock::new(Arc::new(Snapshot { build, ..Snapshot::default() })),
            status,
            failing: AtomicBool::new(false),
            engine: Mutex::new(None),
            color: false,
        }
    }

    /// Makes the pending files of the build being served (the files made from the whole site),
    /// once: what a request for one of them waits for. They are made lazily, on the first request
    /// after a change, and kept until the next change, rather than in the background after every
    /// rebuild: an edit's pages are then never delayed by the whole-site files (a background
    /// render would hold the engine for seconds at 10,000 sections, and the next edit would wait
    /// for it), nothing is rendered that nobody asks for, and there is one owner of the build state
    /// (the engine, under its lock), so nothing can be made from a build other than the one served.
    /// If they cannot be made (their templates fail, or the latest rebuild failed), the request is
    /// answered with an error page and the terminal says why.
    fn make_pending(&self) {
        let mut engine = self.engine.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(engine) = engine.as_mut() else { return };
        let current = self.current();
        if current.pending.is_empty() {
            return;
        }
        let started = Instant::now();
        match engine.wholes(self.color) {
            Ok(made) => {
                // The search index's files count as one, as its folder is one pending route.
                let index = made.iter().any(|(path, ..)| path.starts_with(crate::routes::SEARCH_PREFIX));
                let made_count =
                    made.iter().filter(|(path, ..)| !path.starts_with(crate::routes::SEARCH_PREFIX)).count()
                        + usize::from(index);
                *self.site.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(current.with_made(made));
                println!(
                    "{} made on request in {} ms",
                    count(made_count, "whole-site file"),
                    started.elapsed().as_millis()
                );
            }
            Err(why) => eprint!("{why}"),
        }
    }

    /// The build being served.
    fn current(&self) -> Arc<Snapshot> {
        self.site.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Serves a successful rebuild under a new build id, so open pages reload, unless nothing
    /// changed and nothing was failing; or keeps the last good build and tells open pages why the
    /// rebuild failed.
    fn apply(&self, rebuilt: Rebuilt, ids: &mut BuildIds) -> Result<Diff, ()> {
        let previous = self.current();
        let Some(files) = rebuilt.files else {
            let failure = Failure { errors: rebuilt.errors, warnings: rebuilt.warnings, diagnostics: &rebuilt.overlay };
            self.failing.store(true, Ordering::Relaxed);
            self.tell_pages(Status { build: &previous.build, failed: Some(failure) }.to_json());
            return Err(());
        };
        let (mut snapshot, diff) = Snapshot::new(String::new(), files, rebuilt.deferred, &previous);
        let was_failing = self.failing.swap(false, Ordering::Relaxed);
        snapshot.build = if diff.is_empty() && !was_failing { previous.build.clone() } else { ids.next() };
        let status = Status { build: &snapshot.build, failed: None }.to_json();
        *self.site.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(snapshot);
        self.tell_pages(status);
        Ok(diff)
    }

    /// Sends a status to every open page, unless it is the one they already have.
    fn tell_pages(&self, status: Arc<str>) {
        self.status.send_if_modified(|current| {
            let changed = *current != status;
            *current = status;
            changed
        });
    }
}

/// Build ids unique across restarts of the server, so a page from an earlier run reloads too.
struct BuildIds {
    run: String,
    next: u64,
}

impl BuildIds {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        Self { run: format!("{:x}", nanos ^ u128::from(std::process::id())), next: 0 }
    }

    fn next(&mut self) -> String {
        self.next += 1;
        format!("{}-{}", self.run, self.next)
    }
}

/// Serves the site until Ctrl-C or SIGTERM.
pub fn serve(options: ServeOptions) -> Result<(), ServeError> {
    let mount = mount_of(options.base_url.as_ref().map(crate::load::BaseUrl::as_str))?;
    let listener = bind(SocketAddr::new(options.interface, options.port))?;
    let address = listener.local_addr().map_err(|err| ServeError(format!("error: cannot listen: {err}")))?;
    let url = format!("http://{address}{}", mount.path());
    let served = || crate::load::BaseUrl::parse(&format!("http://{address}/"));
    let base_url = match &options.base_url {
        Some(base_url) => base_url.clone(),
        None => served().map_err(|problem| ServeError(format!("error: cannot serve at {address}: {problem}")))?,
    };
    let build_options =
        BuildOptions { base_url: Some(base_url), drafts: options.drafts, ..BuildOptions::new(&options.root) };
    let color = std::io::stderr().is_terminal();
    let mut ids = BuildIds::new();
    let app = Arc::new(App { color, ..App::new(ids.next(), mount) });

    let mut engine = site::Engine::start(build_options);
    let first = engine.rebuild(color);
    eprint!("{}", first.terminal);
    let (pages, records, elapsed, errors) = (first.pages, first.records, first.elapsed, first.errors);
    match app.apply(first, &mut ids) {
        Ok(_) => println!(
            "Built {pages} pages and {records} records in {} ms; serving at {url} (Ctrl-C to stop)",
            elapsed.as_millis()
        ),
        Err(()) => {
            eprintln!("error: {}; serving what there is at {url} until it builds", failed_with(errors));
            println!("Serving at {url} (Ctrl-C to stop)");
        }
    }
    *app.engine.lock().unwrap_or_else(PoisonError::into_inner) = Some(engine);

    let root = std::fs::canonicalize(&options.root).unwrap_or_else(|_| options.root.clone());
    let (sender, changes) = mpsc::channel();
    match Watcher::start(&root, sender) {
        Ok(watcher) => {
            let app = Arc::clone(&app);
            std::thread::spawn(move || rebuild_on_changes(&app, watcher, &changes, ids, color));
        }
        Err(err) => eprintln!("warning: cannot watch {} for changes ({err}); restart to see edits", root.display()),
    }
    if options.open
        && let Err(err) = opener::open_browser(&url)
    {
        eprintln!("warning: could not open a browser ({err}); open {url} yourself");
    }
    run_server(listener, app).map_err(|err| ServeError(format!("error: the server stopped: {err}")))
}

/// Where the site is served: at the path of `--base-url` (the site as it will be published), or at
/// `/` without one (the served address is then the base URL; site.toml's `base_url` plays no part).
fn mount_of(base_url: Option<&str>) -> Result<Mount, ServeError> {
    let Some(url) = base_url else {
        return Ok(Mount::root());
    };
    Mount::of_base_url(url).map_err(|problem| {
        ServeError(format!(
            "error: cannot serve the site under the path of --base-url `{url}`: {problem}; write the path as published, e.g. https://example.org/briefing/"
        ))
    })
}

/// Binds the listening socket, explaining the usual failures.
fn bind(address: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(address).map_err(|err| {
        let (ip, port) = (address.ip(), address.port());
        ServeError(match err.kind() {
            std::io::ErrorKind::AddrInUse => format!(
                "error: port {port} on {ip} is already in use (another `briefing serve`?); choose another with -p PORT, or -p 0 for any free port"
            ),
            std::io::ErrorKind::AddrNotAvailable => format!(
                "error: cannot listen on {ip}: it is not an address of this machine; pass one with -i INTERFACE (127.0.0.1, the default, is reachable from this machine only)"
            ),
            std::io::ErrorKind::PermissionDenied => format!(
                "error: not allowed to listen on port {port} of {ip} ({err}); choose a port above 1023 with -p PORT"
            ),
            _ => format!("error: cannot listen on {address}: {err}"),
        })
    })
}

/// Rebuilds once per burst of changes (those that come in during a rebuild make one more) and
/// prints one line for each.
fn rebuild_on_changes(
    app: &App,
    mut watcher: Watcher,
    changes: &mpsc::Receiver<Changes>,
    mut ids: BuildIds,
    color: bool,
) {
    while let Ok(mut batch) = changes.recv() {
        while let Ok(more) = changes.try_recv() {
            batch.merge(more);
        }
        let started = Instant::now();
        watcher.refresh(&batch);
        let mut engine = app.engine.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(engine) = engine.as_mut() else { return };
        engine.refresh(&batch.0.iter().cloned().collect::<Vec<_>>());
        let rebuilt = engine.rebuild(color);
        eprint!("{}", rebuilt.terminal);
        let errors = rebuilt.errors;
        let what = batch.summary(engine.root());
        match app.apply(rebuilt, &mut ids) {
            Ok(diff) => println!("{what}: {} in {} ms", rerendered(diff), started.elapsed().as_millis()),
            Err(()) => eprintln!(
                "error: {what}: {} in {} ms; still serving the last good build",
                failed_with(errors),
                started.elapsed().as_millis()
            ),
        }
    }
}

/// "3 pages re-rendered", "1 page re-rendered, 1 removed": output files whose bytes changed;
/// "(7 whole-site files on request)" when files that were served are now made on their next request
/// (the search index counts as one).
fn rerendered(diff: Diff) -> String {
    let mut line = format!("{} re-rendered", count(diff.rerendered, "page"));
    if diff.removed > 0 {
        line.push_str(&format!(", {} removed", diff.removed));
    }
    if diff.deferred > 0 {
        line.push_str(&format!(" ({} on request)", count(diff.deferred, "whole-site file")));
    }
    line
}

fn failed_with(errors: usize) -> String {
    format!("build failed with {}", count(errors, "error"))
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Runs the HTTP server on a single-threaded runtime (rebuilds have their own thread) until
/// Ctrl-C or SIGTERM.
fn run_server(listener: TcpListener, app: Arc<App>) -> std::io::Result<()> {
    serve_until(listener, app, stop_signal())
}

/// Serves until `stop` completes. Open event streams are simply dropped: there is nothing to flush.
fn serve_until(listener: TcpListener, app: Arc<App>, stop: impl Future<Output = ()>) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let result = runtime.block_on(async move {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let server = axum::serve(listener, http::router(app));
        tokio::select! {
            result = server.into_future() => result,
            () = stop => Ok(()),
        }
    });
    runtime.shutdown_background();
    result
}

/// Ctrl-C (SIGINT) or SIGTERM; if a signal cannot be listened for, it never arrives.
async fn stop_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    use super::*;

    fn rebuilt(files: Option<&[(&str, &str)]>) -> Rebuilt {
        Rebuilt {
            files: files.map(|files| {
                files.iter().map(|(p, t)| (p.to_string(), t.as_bytes().into(), blake3::hash(t.as_bytes()))).collect()
            }),
            deferred: Vec::new(),
            pages: 0,
            records: 0,
            errors: usize::from(files.is_none()),
            warnings: 0,
            terminal: String::new(),
            overlay: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }

    fn status(app: &App) -> String {
        app.status.borrow().to_string()
    }

    #[test]
    fn pages_reload_when_the_output_changed_or_a_failure_was_fixed() {
        let mut ids = BuildIds::new();
        let app = App::new(ids.next(), Mount::root());
        let first = app.current().build.clone();
        assert_eq!(
            app.apply(rebuilt(Some(&[("a.html", "1")])), &mut ids),
            Ok(Diff { rerendered: 1, ..Diff::default() })
        );
        let second = app.current().build.clone();
        assert_ne!(second, first);
        assert_eq!(status(&app), format!(r#"{{"build":"{second}","failed":null}}"#));
        // Nothing changed: same build, pages stay.
        assert_eq!(app.apply(rebuilt(Some(&[("a.html", "1")])), &mut ids), Ok(Diff::default()));
        assert_eq!(app.current().build, second);
        // A failure keeps the build and tells why.
        assert_eq!(app.apply(rebuilt(None), &mut ids), Err(()));
        assert_eq!(app.current().build, second);
        assert_eq!(app.current().get("a.html").map(|f| f.bytes.to_vec()), Some(b"1".to_vec()));
        assert_eq!(
            status(&app),
            format!(r#"{{"build":"{second}","failed":{{"errors":1,"warnings":0,"diagnostics":[]}}}}"#)
        );
        // Fixed back to the same output: a new build all the same, so pages showing the error reload.
        assert_eq!(app.apply(rebuilt(Some(&[("a.html", "1")])), &mut ids), Ok(Diff::default()));
        assert_ne!(app.current().build, second);
    }

    #[test]
    fn event_streams_of_pages_that_went_away_are_dropped() {
        let app = Arc::new(App::new("b1".to_string(), Mount::root()));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server_app = Arc::clone(&app);
        let server = std::thread::spawn(move || {
            serve_until(listener, server_app, async {
                let _ = stopped.await;
            })
        });
        let open = |_| {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            stream.write_all(b"GET /__briefing/events HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
            let mut first = [0u8; 512];
            let n = stream.read(&mut first).expect("read");
            assert!(String::from_utf8_lossy(&first[..n]).contains("text/event-stream"));
            stream
        };
        let streams: Vec<TcpStream> = (0..50).map(open).collect();
        let wait_for = |count: usize| {
            for _ in 0..1000 {
                if app.status.receiver_count() == count {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            panic!("{} event streams open, expected {count}", app.status.receiver_count());
        };
        wait_for(50);
        drop(streams);
        wait_for(0);
        let _ = stop.send(());
        server.join().expect("server thread").expect("served");
    }
}
