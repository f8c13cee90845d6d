//! Request handling: authentication, RBAC, URL routing, and the list/get/watch/log endpoints.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::discovery;
use super::http::{Body, Request, Response};
use super::live::Live;
use super::logs::{self, LogStore};
use super::params::{query_bool, query_int};
use super::resources::Resource;
use super::selector::{FieldSelector, LabelSelector};
use super::status::ApiError;
use super::store::{Store, decode_continue, encode_continue};
use super::watch;

/// Behaviour switches set through the builder.
#[derive(Debug, Default, Clone)]
pub(super) struct Config {
    pub token: String,
    pub forbidden_namespaces: BTreeSet<String>,
    /// Resources (`deployments.apps`, as the server names them) denied in every namespace.
    pub forbidden_resources: BTreeSet<String>,
    pub forbid_cluster_scope: bool,
    /// (path prefix, HTTP code) pairs; the first matching prefix wins.
    pub fail_paths: Vec<(String, u16)>,
    /// Accept requests without a token (kubectl sends none over plain HTTP).
    pub allow_anonymous: bool,
    /// Serve at most this many items per page even when the client asks for more (the
    /// real server may return fewer than `limit`); lets tests exercise paging on few pods.
    pub max_page_size: Option<usize>,
    /// Followed logs stay open like the kubelet's (see `FakeApiBuilder::live_follow`).
    pub live_follow: bool,
    /// Logs that send this many lines, then wait for `FakeApi::release_logs` (see
    /// `FakeApiBuilder::hold_log`).
    pub held_logs: Vec<(super::logs::LogKey, usize)>,
}

/// Everything needed to answer requests: one revision of the server's state. A revision is
/// immutable; tests change the state through [`Live::update`], which makes the next one.
#[derive(Debug, Clone)]
pub(super) struct Server {
    pub store: Store,
    pub logs: LogStore,
    pub config: Config,
    /// Counts the revisions, so that followed logs notice changes.
    pub generation: u64,
}

/// What a resource URL points at.
#[derive(Debug)]
struct Route {
    resource: &'static Resource,
    namespace: Option<String>,
    name: Option<String>,
    /// `/pods/NAME/log`.
    log: bool,
}

impl Route {
    /// Parses `/api/v1/...` and `/apis/GROUP/VERSION/...`; None for anything the fake does not serve.
    fn parse(path: &str) -> Option<Route> {
        let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        let (group, version, rest) = match segments.as_slice() {
            ["api", version, rest @ ..] => ("", *version, rest),
            ["apis", group, version, rest @ ..] => (*group, *version, rest),
            _ => return None,
        };
        if rest.iter().any(|s| s.is_empty()) {
            return None;
        }
        let find = |plural: &str| Resource::find(group, version, plural);
        let route = |resource, namespace: Option<&str>, name: Option<&str>, log| Route {
            resource,
            namespace: namespace.map(String::from),
            name: name.map(String::from),
            log,
        };
        match rest {
            [plural] => Some(route(find(plural)?, None, None, false)),
            [plural, name] => Some(route(
                find(plural).filter(|r| !r.namespaced)?,
                None,
                Some(name),
                false,
            )),
            ["namespaces", ns, plural] => Some(route(
                find(plural).filter(|r| r.namespaced)?,
                Some(ns),
                None,
                false,
            )),
            ["namespaces", ns, plural, name] => Some(route(
                find(plural).filter(|r| r.namespaced)?,
                Some(ns),
                Some(name),
                false,
            )),
            ["namespaces", ns, "pods", name, "log"] => {
                Some(route(find("pods")?, Some(ns), Some(name), true))
            }
            _ => None,
        }
    }

    /// The namespace RBAC sees: for `namespaces/NAME` it is the name itself.
    fn authz_namespace(&self) -> Option<&str> {
        match (&self.namespace, &self.name) {
            (Some(ns), _) => Some(ns),
            (None, Some(name)) if self.resource.plural == "namespaces" => Some(name),
            _ => None,
        }
    }
}

impl Server {
    /// Answers one request from this revision; errors become `Status` responses. `live` is
    /// where followed logs wait for later revisions.
    pub fn handle(&self, request: &Request, live: &Arc<Live>) -> Response {
        let mut response = self
            .try_handle(request, live)
            .unwrap_or_else(ApiError::into_response);
        if wants_pretty_json(request) {
            pretty_print(&mut response);
        }
        response
    }

    fn try_handle(&self, request: &Request, live: &Arc<Live>) -> Result<Response, ApiError> {
        self.authenticate(request)?;
        if let Some((_, code)) = self
            .config
            .fail_paths
            .iter()
            .find(|(prefix, _)| request.path.starts_with(prefix))
        {
            return Err(ApiError::injected(*code));
        }
        if request.method != "GET" {
            return Err(ApiError::method_not_allowed());
        }
        if request.path == "/version" {
            return Ok(Response::json(200, &version()));
        }
        if let Some(document) = discovery::document(&request.path) {
            return Ok(Response::json(200, &document));
        }
        let route = Route::parse(&request.path).ok_or_else(ApiError::unknown_path)?;
        self.authorize(&route, request)?;

        let namespace = route.namespace.as_deref();
        match (&route.name, route.log) {
            (Some(name), true) => {
                let pod = self.store.get(route.resource, namespace, name);
                logs::serve(self, route.resource, pod.as_deref(), name, request, live)
            }
            // A watch on a named object is a watch filtered to that name.
            (Some(name), false) if query_bool(request, "watch") => {
                self.list(route.resource, namespace, Some(name), request, live)
            }
            (Some(name), false) => match self.store.get(route.resource, namespace, name) {
                Some(obj) => Ok(Response::json(200, &obj)),
                None => Err(ApiError::not_found(route.resource, name)),
            },
            (None, _) => self.list(route.resource, namespace, None, request, live),
        }
    }

    /// Requires `Authorization: Bearer <token>`.
    fn authenticate(&self, request: &Request) -> Result<(), ApiError> {
        let presented = request.header("authorization").and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
        if presented == Some(self.config.token.as_str())
            || (self.config.allow_anonymous && presented.is_none())
        {
            Ok(())
        } else {
            Err(ApiError::unauthorized())
        }
    }

    /// RBAC for the user "viewer": forbidden namespaces and resources and, optionally, the
    /// cluster scope.
    fn authorize(&self, route: &Route, request: &Request) -> Result<(), ApiError> {
        let verb = match (&route.name, route.log) {
            (_, true) => "get",
            _ if query_bool(request, "watch") => "watch",
            (Some(_), _) => "get",
            (None, _) => "list",
        };
        let namespace = route.authz_namespace();
        let denied = match namespace {
            Some(ns) => self.config.forbidden_namespaces.contains(ns),
            None => self.config.forbid_cluster_scope,
        } || self
            .config
            .forbidden_resources
            .contains(&route.resource.group_resource());
        if !denied {
            return Ok(());
        }
        let subresource = route.log.then_some("log");
        Err(ApiError::forbidden(
            route.resource,
            subresource,
            verb,
            namespace,
            route.name.as_deref(),
        ))
    }

    /// A list (paged with `limit`/`continue`) or, with `watch`, an event stream.
    fn list(
        &self,
        resource: &'static Resource,
        namespace: Option<&str>,
        name: Option<&str>,
        request: &Request,
        live: &Arc<Live>,
    ) -> Result<Response, ApiError> {
        let labels = LabelSelector::parse(request.query_value("labelSelector").unwrap_or(""))
            .map_err(ApiError::bad_request)?;
        let fields = FieldSelector::parse(request.query_value("fieldSelector").unwrap_or(""))
            .map_err(ApiError::bad_request)?;
        let limit = query_int(request, "limit")?;
        fields
            .check_supported(resource)
            .map_err(ApiError::bad_request)?;

        let matches = |obj: &Value| {
            name.is_none_or(|n| obj.pointer("/metadata/name").and_then(Value::as_str) == Some(n))
                && labels.matches(obj.pointer("/metadata/labels").and_then(Value::as_object))
                && fields.matches(resource, obj)
        };

        // A watch from a resourceVersion on a live server: the changes since then, and each
        // later change as it happens (watch.rs).
        let since = request
            .query_value("resourceVersion")
            .filter(|rv| !rv.is_empty() && *rv != "0");
        if query_bool(request, "watch")
            && self.config.live_follow
            && let Some(since) = since
        {
            let since = since
                .parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version: {since}")))?;
            return Ok(watch::serve(
                live, resource, namespace, name, since, request,
            ));
        }
        if query_bool(request, "watch") {
            let items: Vec<(String, Cow<'_, Value>)> = self
                .store
                .list(resource, namespace, None)
                .filter(|(_, obj)| matches(obj))
                .collect();
            return Ok(self.watch(resource, &items, request));
        }

        let mut resource_version = self.store.resource_version();
        let mut start = None;
        if let Some(token) = request.query_value("continue").filter(|t| !t.is_empty()) {
            if request
                .query_value("resourceVersion")
                .is_some_and(|rv| !rv.is_empty())
            {
                return Err(ApiError::bad_request(
                    "specifying resource version is not allowed when using continue",
                ));
            }
            let (start_key, token_rv) = decode_continue(token)
                .map_err(|e| ApiError::bad_request(format!("invalid continue token: {e}")))?;
            resource_version = token_rv;
            start = Some(start_key);
        }

        let page_len = match limit {
            Some(limit) if limit > 0 => usize::try_from(limit).unwrap_or(usize::MAX),
            _ => usize::MAX,
        };
        let page_len = self
            .config
            .max_page_size
            .map_or(page_len, |max| page_len.min(max));
        // A benchmark's pre-serialised objects: the same page, cut from their bytes.
        if name.is_none()
            && labels.is_empty()
            && fields.is_empty()
            && let Some(mut rest) =
                self.store
                    .list_serialized(resource, namespace, start.as_deref())
        {
            let page: Vec<(String, &[u8])> = rest.by_ref().take(page_len).collect();
            let more = rest.next().is_some();
            let last_key = page.last().filter(|_| more).map(|(key, _)| key.as_str());
            let metadata =
                self.list_metadata(resource, namespace, resource_version, last_key, true);
            let mut body = list_head(resource, &metadata);
            for (i, (_, item)) in page.iter().enumerate() {
                if i > 0 {
                    body.push(b',');
                }
                body.extend_from_slice(item);
            }
            body.extend_from_slice(b"]}");
            return Ok(Response::json_bytes(200, body));
        }
        // Walks the key range from the continue point, like etcd: a page costs its own items,
        // not a scan of the whole resource.
        let mut rest = self
            .store
            .list(resource, namespace, start.as_deref())
            .filter(|(_, obj)| matches(obj));
        let page: Vec<(String, Cow<'_, Value>)> = rest.by_ref().take(page_len).collect();
        let more = rest.next().is_some();
        let last_key = page.last().filter(|_| more).map(|(key, _)| key.as_str());
        let unfiltered = labels.is_empty() && fields.is_empty();
        let metadata =
            self.list_metadata(resource, namespace, resource_version, last_key, unfiltered);
        Ok(Response::json_bytes(
            200,
            list_body(resource, &metadata, page.iter().map(|(_, obj)| &**obj)),
        ))
    }

    /// A list's `metadata`: its resourceVersion, and the continue token after `last_key` when
    /// more items follow, with what is left when no selector filters the list (the server can
    /// only count then).
    fn list_metadata(
        &self,
        resource: &Resource,
        namespace: Option<&str>,
        resource_version: u64,
        last_key: Option<&str>,
        unfiltered: bool,
    ) -> Value {
        let mut metadata = json!({"resourceVersion": resource_version.to_string()});
        if let Some(last_key) = last_key {
            metadata["continue"] = json!(encode_continue(resource_version, last_key));
            if unfiltered {
                let left = self
                    .store
                    .count(resource, namespace, Some(&format!("{last_key}\u{0}")));
                metadata["remainingItemCount"] = json!(left);
            }
        }
        metadata
    }

    /// A watch: one `ADDED` event per matching object, then the stream ends.
    ///
    /// Simplification: `resourceVersion` is ignored (every watch starts with the current state)
    /// and the stream ends right after the last event instead of after `timeoutSeconds`.
    /// With `sendInitialEvents=true&allowWatchBookmarks=true` the initial events are closed by the
    /// `k8s.io/initial-events-end` bookmark, like a real watch-list.
    fn watch(
        &self,
        resource: &Resource,
        items: &[(String, Cow<'_, Value>)],
        request: &Request,
    ) -> Response {
        let event = |kind: &str, object: &Value| {
            format!("{}\n", json!({"type": kind, "object": object})).into_bytes()
        };
        let mut chunks: Vec<Vec<u8>> = items.iter().map(|(_, obj)| event("ADDED", obj)).collect();
        if query_bool(request, "sendInitialEvents") && query_bool(request, "allowWatchBookmarks") {
            let bookmark = json!({
                "kind": resource.kind,
                "apiVersion": resource.api_version(),
                "metadata": {
                    "resourceVersion": self.store.resource_version().to_string(),
                    "annotations": {"k8s.io/initial-events-end": "true"},
                },
            });
            chunks.push(event("BOOKMARK", &bookmark));
        }
        Response {
            status: 200,
            content_type: "application/json",
            extra_headers: Vec::new(),
            body: Body::Chunked {
                chunks,
                pause: Duration::ZERO,
            },
        }
    }
}

/// The server indents JSON for `?pretty=true` and for curl-like user agents (`isPrettyPrint`).
fn wants_pretty_json(request: &Request) -> bool {
    if let Some(pretty) = request.query_value("pretty").filter(|p| !p.is_empty()) {
        return matches!(pretty, "1" | "t" | "T" | "true" | "TRUE" | "True");
    }
    let agent = request.header("user-agent").unwrap_or_default();
    ["curl", "Wget", "Mozilla/5.0"]
        .iter()
        .any(|prefix| agent.starts_with(prefix))
}

/// Re-renders a complete JSON body with two-space indentation.
fn pretty_print(response: &mut Response) {
    if response.content_type != "application/json" {
        return;
    }
    if let Body::Full(bytes) = &mut response.body
        && let Ok(value) = serde_json::from_slice::<Value>(bytes)
        && let Ok(pretty) = serde_json::to_vec_pretty(&value)
    {
        *bytes = pretty;
    }
}

/// A list body in the real server's key order (`kind`, `apiVersion`, `metadata`, `items`),
/// written item by item: pages of thousands of big pods cost no copies of the objects.
fn list_body<'a>(
    resource: &Resource,
    metadata: &Value,
    items: impl Iterator<Item = &'a Value>,
) -> Vec<u8> {
    let mut body = list_head(resource, metadata);
    for (i, obj) in items.enumerate() {
        if i > 0 {
            body.push(b',');
        }
        // Writing JSON into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut body, &ListItem(obj));
    }
    body.extend_from_slice(b"]}");
    body
}

/// A list up to its first item: kind, apiVersion, metadata, `"items":[`.
fn list_head(resource: &Resource, metadata: &Value) -> Vec<u8> {
    format!(
        "{{\"kind\":{},\"apiVersion\":{},\"metadata\":{metadata},\"items\":[",
        json!(resource.list_kind()),
        json!(resource.api_version())
    )
    .into_bytes()
}

/// Items in a list carry no `kind`/`apiVersion`.
pub(super) struct ListItem<'a>(pub(super) &'a Value);

impl serde::Serialize for ListItem<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Some(map) = self.0.as_object() else {
            return self.0.serialize(serializer);
        };
        let mut out = serializer.serialize_map(None)?;
        for (key, value) in map {
            if key != "kind" && key != "apiVersion" {
                out.serialize_entry(key, value)?;
            }
        }
        out.end()
    }
}

/// `GET /version` of a v1.36.2 server.
fn version() -> Value {
    json!({
        "major": "1",
        "minor": "36",
        "emulationMajor": "1",
        "emulationMinor": "36",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "35",
        "gitVersion": "v1.36.2",
        "gitCommit": "5d4b0c2d8c0e6f1a9b3e7c4f2a1d0e9b8c7f6a5e",
        "gitTreeState": "clean",
        "buildDate": "2026-10-14T09:12:31Z",
        "goVersion": "go1.25.1",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}
