//! Watches from a resourceVersion on a live server, like a kube-apiserver's watch cache: the
//! changes since that version as `ADDED`/`MODIFIED`/`DELETED` events, then each later change
//! as it happens, `BOOKMARK`s carrying the new resourceVersion (with `allowWatchBookmarks`)
//! when a revision changes nothing this watch selects, and the end of the stream after
//! `timeoutSeconds`. A version older than the compaction point gets one `ERROR` event with a
//! `410 Expired` Status, and the client must list again.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::http::{Body, Request, Response};
use super::live::Live;
use super::params::query_bool;
use super::resources::Resource;
use super::routes::Server;
use super::selector::{FieldSelector, LabelSelector};

/// How long a watch stays open without `timeoutSeconds` (the real server picks 30–60 min).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);
/// How often a waiting watch looks at the stop flag and its deadline.
const WAIT: Duration = Duration::from_millis(200);

/// What one watch selects.
struct Filter {
    resource: &'static Resource,
    namespace: Option<String>,
    name: Option<String>,
    labels: String,
    fields: String,
}

impl Filter {
    /// The selected objects of a revision, by store key.
    fn select(&self, server: &Server) -> BTreeMap<String, Value> {
        let labels = LabelSelector::parse(&self.labels).unwrap_or_default();
        let fields = FieldSelector::parse(&self.fields).unwrap_or_default();
        server
            .store
            .list(self.resource, self.namespace.as_deref(), None)
            .filter(|(_, obj)| {
                self.name.as_deref().is_none_or(|n| {
                    obj.pointer("/metadata/name").and_then(Value::as_str) == Some(n)
                }) && labels.matches(obj.pointer("/metadata/labels").and_then(Value::as_object))
                    && fields.matches(self.resource, obj)
            })
            .map(|(key, obj)| (key, obj.into_owned()))
            .collect()
    }
}

fn event(kind: &str, object: &Value) -> Vec<u8> {
    format!("{}\n", json!({"type": kind, "object": object})).into_bytes()
}

/// The `ERROR` event of a watch whose version is gone.
fn gone(resource_version: u64, current: u64) -> Vec<u8> {
    let status = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": format!("too old resource version: {resource_version} ({current})"),
        "reason": "Expired",
        "code": 410,
    });
    event("ERROR", &status)
}

/// The watch response for `resource_version` (already checked to be a number).
pub(super) fn serve(
    live: &Arc<Live>,
    resource: &'static Resource,
    namespace: Option<&str>,
    name: Option<&str>,
    resource_version: u64,
    request: &Request,
) -> Response {
    let current = live.snapshot();
    let body = match live.at_version(resource_version) {
        None => Body::Chunked {
            chunks: vec![gone(resource_version, current.store.resource_version())],
            pause: Duration::ZERO,
        },
        Some(base) => {
            let timeout = request
                .query_value("timeoutSeconds")
                .and_then(|t| t.parse::<u64>().ok())
                .map_or(DEFAULT_TIMEOUT, Duration::from_secs);
            let filter = Filter {
                resource,
                namespace: namespace.map(str::to_string),
                name: name.map(str::to_string),
                labels: request
                    .query_value("labelSelector")
                    .unwrap_or("")
                    .to_string(),
                fields: request
                    .query_value("fieldSelector")
                    .unwrap_or("")
                    .to_string(),
            };
            let mut watcher = Watcher {
                live: Arc::clone(live),
                view: filter.select(&base),
                filter,
                generation: base.generation,
                version: resource_version,
                compactions: live.compactions.load(Ordering::SeqCst),
                ended: false,
                bookmarks: query_bool(request, "allowWatchBookmarks"),
                deadline: Instant::now() + timeout,
                pending: VecDeque::new(),
            };
            // What changed between the requested version and now.
            watcher.walk();
            Body::Stream(Box::new(watcher))
        }
    };
    Response {
        status: 200,
        content_type: "application/json",
        extra_headers: Vec::new(),
        body,
    }
}

struct Watcher {
    live: Arc<Live>,
    filter: Filter,
    /// The selected objects as the client knows them.
    view: BTreeMap<String, Value>,
    generation: u64,
    /// The resourceVersion the client is up to date with.
    version: u64,
    /// Compactions before the watch started; a later one ends it with `410 Gone`.
    compactions: u64,
    ended: bool,
    bookmarks: bool,
    deadline: Instant,
    pending: VecDeque<Vec<u8>>,
}

impl Watcher {
    /// Queues the events of every revision after the last one looked at, in order.
    fn walk(&mut self) {
        for server in self.live.revisions_after(self.generation) {
            self.generation = server.generation;
            self.catch_up(&server, true);
        }
    }

    /// Queues the events that take the view to `server`'s state, or a bookmark when nothing
    /// selected changed (and `bookmark` is asked for).
    fn catch_up(&mut self, server: &Server, bookmark: bool) {
        let now = self.filter.select(server);
        let before = self.pending.len();
        for (key, old) in &self.view {
            if !now.contains_key(key) {
                self.pending.push_back(event("DELETED", old));
            }
        }
        for (key, obj) in &now {
            match self.view.get(key) {
                None => self.pending.push_back(event("ADDED", obj)),
                Some(old) if old != obj => self.pending.push_back(event("MODIFIED", obj)),
                Some(_) => {}
            }
        }
        self.view = now;
        self.version = server.store.resource_version();
        if bookmark && self.bookmarks && self.pending.len() == before {
            let mark = json!({
                "kind": self.filter.resource.kind,
                "apiVersion": self.filter.resource.api_version(),
                "metadata": {"resourceVersion": server.store.resource_version().to_string()},
            });
            self.pending.push_back(event("BOOKMARK", &mark));
        }
    }
}

impl Iterator for Watcher {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(chunk) = self.pending.pop_front() {
                return Some(chunk);
            }
            let left = self.deadline.saturating_duration_since(Instant::now());
            if self.ended || left.is_zero() || self.live.stopping() {
                return None;
            }
            if self.live.compactions.load(Ordering::SeqCst) != self.compactions {
                self.ended = true;
                let current = self.live.snapshot().store.resource_version();
                self.pending.push_back(gone(self.version, current));
                continue;
            }
            let server = self.live.wait_change(self.generation, left.min(WAIT));
            if server.generation != self.generation {
                self.walk();
            }
        }
    }
}
