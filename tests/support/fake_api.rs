//! A fake kube-apiserver on 127.0.0.1 for integration tests.
//!
//! It answers like a real v1.36 server (see docs/api-behaviour.md): lists with paging and
//! selectors, gets, watches (from a resourceVersion, with bookmarks and `410 Gone`, on a live
//! server), container logs, `Status` errors, token authentication and
//! RBAC denials, over plain HTTP/1.1 with keep-alive. Every request is recorded.
//!
//! ```ignore
//! let api = FakeApi::builder()
//!     .fixtures_dir("tests/fixtures/cluster")
//!     .log("shop", "web-1", "app", false, &["2026-11-23T10:00:01.5Z started"])
//!     .start();
//! let kubeconfig = api.write_kubeconfig(tmp.path(), Some("shop"));
//! // run the binary with KUBECONFIG=kubeconfig, then inspect api.requests()
//! ```
//!
//! The state can change while the server runs ([`FakeApi::put`], [`FakeApi::delete`],
//! [`FakeApi::append_log`], [`FakeApi::restart_container`]): each request is answered from
//! one consistent revision, and with [`FakeApiBuilder::live_follow`] followed logs stay open
//! and deliver the lines added later.
//!
//! Layout: `http` (wire format), `routes` (auth, RBAC, endpoints), `store` (objects, paging),
//! `live` (the changing state), `selector` (label/field selectors), `logs`, `resources`
//! (served types), `params` (query decoding), `status` (errors), `faults` (injected latency,
//! throttling, failures, drops).

mod discovery;
mod faults;
mod http;
mod live;
mod logs;
mod params;
mod resources;
mod routes;
mod selector;
mod status;
mod store;
mod watch;

use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::{Value, json};

use self::faults::{Fault, FaultAction, Faults};
use self::http::{Connection, ReadError};
use self::live::Live;
use self::logs::{LogKey, LogLine, LogStore};
use self::resources::Resource;
use self::routes::{Config, Server};
use self::status::ApiError;
pub use self::store::Generate;
use self::store::{Generated, Store};

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// Percent-decoded path without the query string.
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// The raw `Authorization` header.
    pub authorization: Option<String>,
}

impl RecordedRequest {
    /// The first value of a query parameter.
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Configures a [`FakeApi`]; finish with [`FakeApiBuilder::start`].
#[derive(Debug)]
pub struct FakeApiBuilder {
    objects: Vec<Value>,
    generated: Vec<(&'static Resource, Generated)>,
    logs: LogStore,
    config: Config,
    faults: Faults,
}

impl FakeApiBuilder {
    /// Loads every `*.json` file under `dir`, recursively and in path order. Each file holds one
    /// object with `kind` and `apiVersion`, or a list (`List`, `PodList`, ...) of them.
    /// Panics on unreadable or malformed files: a broken fixture should fail the test loudly.
    pub fn fixtures_dir(mut self, dir: impl AsRef<Path>) -> Self {
        let mut files = Vec::new();
        collect_json_files(dir.as_ref(), &mut files);
        files.sort();
        for file in files {
            let text = fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("reading fixture {}: {e}", file.display()));
            let value: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("parsing fixture {}: {e}", file.display()));
            self = self.add(value, &file.display().to_string());
        }
        self
    }

    /// Serves `resource` (a plural such as `pods`) from `make` instead of stored objects:
    /// `keys[i]` (`namespace/name`) is the key of object `make(i)`, which must be complete
    /// (namespace, name, uid, resourceVersion) and the same every time. Objects are made when a
    /// request reads them, so a benchmark can serve more of them than would fit in memory;
    /// they cannot be changed while the server runs.
    pub fn generated(mut self, resource: &str, keys: Vec<String>, make: Generate) -> Self {
        self.generated
            .push((served(resource), Generated::new(keys, make)));
        self
    }

    /// [`FakeApiBuilder::generated`], with every object made once at startup and kept as JSON
    /// bytes (a few KiB each): list pages without selectors are then cut from those bytes, as
    /// fast as pages of stored objects; everything else still makes objects on demand.
    pub fn generated_serialized(
        mut self,
        resource: &str,
        keys: Vec<String>,
        make: Generate,
    ) -> Self {
        self.generated
            .push((served(resource), Generated::new(keys, make).serialized()));
        self
    }

    /// Adds one object (with `kind` and `apiVersion`) or a list of objects. An object with the
    /// same kind, namespace and name as an earlier one replaces it.
    pub fn object(self, obj: Value) -> Self {
        self.add(obj, "FakeApiBuilder::object")
    }

    /// Records the log of one container instance (`previous` = the instance before the last
    /// restart). Each line is `"<RFC3339 timestamp> <message>"`. Panics on a malformed line.
    ///
    /// Like the kubelet, the server decides from the pod's status whether an instance has logs:
    /// `previous=true` needs `lastState.terminated.containerID`, the current instance needs a
    /// running or terminated state (a waiting container answers 400 "is waiting to start").
    /// Recorded lines only supply the content; an instance with no recorded lines logs nothing.
    pub fn log(
        mut self,
        namespace: &str,
        pod: &str,
        container: &str,
        previous: bool,
        lines: &[&str],
    ) -> Self {
        let parsed = lines
            .iter()
            .map(|line| LogLine::parse(line).unwrap_or_else(|e| panic!("FakeApiBuilder::log: {e}")))
            .collect();
        self.logs
            .insert(log_key(namespace, pod, container, previous), parsed);
        self
    }

    /// Like [`FakeApiBuilder::log`], with lines as raw bytes: `b"<RFC3339 timestamp> <message>"`
    /// where the message may be anything a container writes (not UTF-8, control bytes).
    pub fn log_bytes(
        mut self,
        namespace: &str,
        pod: &str,
        container: &str,
        previous: bool,
        lines: &[&[u8]],
    ) -> Self {
        let parsed = lines
            .iter()
            .map(|line| {
                LogLine::parse_bytes(line)
                    .unwrap_or_else(|e| panic!("FakeApiBuilder::log_bytes: {e}"))
            })
            .collect();
        self.logs
            .insert(log_key(namespace, pod, container, previous), parsed);
        self
    }

    /// Followed logs (`follow=true`) stay open like the kubelet's: lines added later with
    /// [`FakeApi::append_log`] are sent as they come, and the stream ends when the container
    /// instance ends (its state becomes `terminated`, or a restart replaces it: the lines it
    /// wrote until then are still sent), when the pod is deleted, or when the server stops.
    ///
    /// Without it a followed log ends after the lines recorded when it was requested, like a
    /// connection the kubelet dropped (clients must resume it).
    pub fn live_follow(mut self) -> Self {
        self.config.live_follow = true;
        self
    }

    /// The (non-followed) log of this container's current instance sends its first `sent`
    /// lines, then holds the connection open until [`FakeApi::release_logs`] (or the server
    /// stops) before sending the rest: a slow container, to show what a client prints while
    /// one log is still coming.
    pub fn hold_log(mut self, namespace: &str, pod: &str, container: &str, sent: usize) -> Self {
        let key = log_key(namespace, pod, container, false);
        self.config.held_logs.push((key, sent));
        self
    }

    /// The bearer token the server accepts (default `fake-token`).
    pub fn token(mut self, token: &str) -> Self {
        self.config.token = token.to_string();
        self
    }

    /// Also serves requests that carry no token at all, as the user `system:anonymous` with
    /// the usual RBAC (kubectl sends no bearer token over plain HTTP).
    pub fn allow_anonymous(mut self) -> Self {
        self.config.allow_anonymous = true;
        self
    }

    /// Denies every request in namespace `ns` with RBAC's 403.
    pub fn forbid_namespace(mut self, ns: &str) -> Self {
        self.config.forbidden_namespaces.insert(ns.to_string());
        self
    }

    /// Denies every request on a resource (plural `deployments` or kind `Deployment`), in any
    /// namespace, with RBAC's 403: a viewer allowed pods but not, say, their owners.
    pub fn forbid_resource(mut self, resource: &str) -> Self {
        self.config
            .forbidden_resources
            .insert(served(resource).group_resource());
        self
    }

    /// Denies cluster-wide requests (lists across all namespaces, namespace lists) with 403.
    pub fn forbid_cluster_scope(mut self) -> Self {
        self.config.forbid_cluster_scope = true;
        self
    }

    /// Answers requests whose path starts with `path_prefix` with a `Status` of that code
    /// (500 → `InternalError`, "Internal error occurred: injected failure").
    pub fn fail_path(mut self, path_prefix: &str, code: u16) -> Self {
        self.config.fail_paths.push((path_prefix.to_string(), code));
        self
    }

    /// Caps every list page at `max` items, whatever `limit` the client sent.
    pub fn max_page_size(mut self, max: usize) -> Self {
        self.config.max_page_size = Some(max);
        self
    }

    /// Waits `delay` before answering each request (after reading it), like a slow server.
    pub fn latency(mut self, delay: Duration) -> Self {
        self.faults.latency = Some(delay);
        self
    }

    /// Answers the first `n` requests whose path starts with `path_prefix` with
    /// `429 TooManyRequests` and `Retry-After: 1`, like API priority and fairness does.
    pub fn throttle_first(self, path_prefix: &str, n: usize) -> Self {
        self.fail_first(path_prefix, n, 429)
    }

    /// Answers the first `n` requests whose path starts with `path_prefix` with a `Status` of
    /// `code` (as [`FakeApiBuilder::fail_path`] words it); later requests are served normally.
    pub fn fail_first(mut self, path_prefix: &str, n: usize, code: u16) -> Self {
        let fault = Fault::new(path_prefix, n, FaultAction::Status(code));
        self.faults.faults.push(fault);
        self
    }

    /// Closes the connection without any response for the first `n` requests whose path starts
    /// with `path_prefix` (a crashed or restarting server, a proxy cutting the connection).
    pub fn drop_first(mut self, path_prefix: &str, n: usize) -> Self {
        let fault = Fault::new(path_prefix, n, FaultAction::Drop);
        self.faults.faults.push(fault);
        self
    }

    /// Binds 127.0.0.1 on a free port and starts serving.
    pub fn start(self) -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake API server");
        let addr = listener
            .local_addr()
            .expect("local address of the fake API server");
        let shared = Arc::new(Shared {
            live: Arc::new(Live::new(Server {
                store: Store::build(self.objects, self.generated),
                logs: self.logs,
                config: self.config,
                generation: 0,
            })),
            faults: self.faults,
            requests: Mutex::new(Vec::new()),
        });
        let accept_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name("fake-api-accept".into())
            .spawn(move || accept_loop(&listener, &accept_shared))
            .expect("spawn the fake API server");
        FakeApi {
            shared,
            addr,
            accept_thread: Some(accept_thread),
        }
    }

    /// Adds an object or expands a list; `origin` names the source in panic messages.
    fn add(mut self, value: Value, origin: &str) -> Self {
        let kind = value["kind"].as_str().unwrap_or_default().to_string();
        let api_version = value["apiVersion"].as_str().unwrap_or_default().to_string();
        if kind.is_empty() || api_version.is_empty() {
            panic!("{origin}: a fixture needs `kind` and `apiVersion`");
        }
        let Some(item_kind) = kind.strip_suffix("List") else {
            self.objects.push(value);
            return self;
        };
        let items = value["items"].as_array().cloned().unwrap_or_default();
        for mut item in items {
            // Items of a typed list (`PodList`) may omit kind and apiVersion, as the server sends them.
            if let (false, Some(fields)) = (item_kind.is_empty(), item.as_object_mut()) {
                fields.entry("kind").or_insert_with(|| item_kind.into());
                fields
                    .entry("apiVersion")
                    .or_insert_with(|| api_version.clone().into());
            }
            self = self.add(item, origin);
        }
        self
    }
}

/// A running fake API server. Dropping it stops the server.
pub struct FakeApi {
    shared: Arc<Shared>,
    addr: SocketAddr,
    accept_thread: Option<JoinHandle<()>>,
}

/// State shared by the accept loop and the connection threads.
struct Shared {
    /// The objects, logs and configuration, and the stop flag.
    live: Arc<Live>,
    faults: Faults,
    requests: Mutex<Vec<RecordedRequest>>,
}

impl Shared {
    fn requests(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        // A panicking test thread must not hide the log from the others.
        self.requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl FakeApi {
    pub fn builder() -> FakeApiBuilder {
        FakeApiBuilder {
            objects: Vec::new(),
            generated: Vec::new(),
            logs: LogStore::new(),
            config: Config {
                token: "fake-token".into(),
                ..Config::default()
            },
            faults: Faults::default(),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests().clone()
    }

    /// Writes `dir/kubeconfig`: cluster, user and current context `fake` for this server (with
    /// `namespace` if given), plus a context `other` whose server (127.0.0.1:1) is unreachable.
    pub fn write_kubeconfig(&self, dir: &Path, namespace: Option<&str>) -> PathBuf {
        // JSON strings are valid YAML double-quoted scalars.
        let q = |s: &str| Value::from(s).to_string();
        let namespace_line = namespace
            .map(|ns| format!("    namespace: {}\n", q(ns)))
            .unwrap_or_default();
        let yaml = format!(
            "apiVersion: v1\n\
             kind: Config\n\
             clusters:\n\
             - name: fake\n  cluster:\n    server: {server}\n\
             - name: other\n  cluster:\n    server: \"http://127.0.0.1:1\"\n\
             users:\n\
             - name: fake-user\n  user:\n    token: {token}\n\
             contexts:\n\
             - name: fake\n  context:\n    cluster: fake\n    user: fake-user\n{namespace_line}\
             - name: other\n  context:\n    cluster: other\n    user: fake-user\n\
             current-context: fake\n\
             preferences: {{}}\n",
            server = q(&self.url()),
            token = q(&self.shared.live.snapshot().config.token),
        );
        let path = dir.join("kubeconfig");
        fs::write(&path, yaml).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        path
    }
}

impl FakeApi {
    /// Creates or replaces an object (with `kind` and `apiVersion`) while the server runs, like
    /// `kubectl apply`: it gets the next resourceVersion, keeps the uid of the object it
    /// replaces unless it names one, and later requests see it. Returns the stored object.
    /// Panics on a kind the fake does not serve.
    pub fn put(&self, obj: Value) -> Value {
        self.shared
            .live
            .update(|server| server.store.put(obj))
            .unwrap_or_else(|e| panic!("FakeApi::put: {e}"))
    }

    /// Compacts the history like etcd: a watch from any resourceVersion before the current one
    /// gets `410 Gone` (an `ERROR` event with an `Expired` Status) and must list again.
    pub fn compact(&self) {
        self.shared.live.compact();
    }

    /// The stored object of a resource (plural `pods` or kind `Pod`), if there is one.
    pub fn get(&self, resource: &str, namespace: &str, name: &str) -> Option<Value> {
        let resource = served(resource);
        self.shared
            .live
            .snapshot()
            .store
            .get(resource, Some(namespace), name)
            .map(std::borrow::Cow::into_owned)
    }

    /// Deletes an object of a resource (plural `pods` or kind `Pod`; `namespace` is ignored for
    /// cluster-scoped ones) and returns it, None when there was none. A deleted pod's logs go
    /// with it; its followed logs end.
    pub fn delete(&self, resource: &str, namespace: &str, name: &str) -> Option<Value> {
        let resource = served(resource);
        self.shared.live.update(|server| {
            let removed = server.store.delete(resource, Some(namespace), name)?;
            if resource.plural == "pods" {
                server
                    .logs
                    .retain(|key, _| key.namespace != namespace || key.pod != name);
            }
            Some(removed)
        })
    }

    /// Appends lines (`"<RFC3339 timestamp> <message>"`) to a container instance's log (see
    /// [`FakeApiBuilder::log`]); clients following it receive them (with
    /// [`FakeApiBuilder::live_follow`]).
    pub fn append_log(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        previous: bool,
        lines: &[&str],
    ) {
        let bytes: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        self.append_log_bytes(namespace, pod, container, previous, &bytes);
    }

    /// [`FakeApi::append_log`] with lines as raw bytes (see [`FakeApiBuilder::log_bytes`]).
    pub fn append_log_bytes(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        previous: bool,
        lines: &[&[u8]],
    ) {
        let parsed: Vec<LogLine> = lines
            .iter()
            .map(|line| {
                LogLine::parse_bytes(line).unwrap_or_else(|e| panic!("FakeApi::append_log: {e}"))
            })
            .collect();
        self.shared.live.update(|server| {
            server
                .logs
                .entry(log_key(namespace, pod, container, previous))
                .or_default()
                .extend(parsed);
        });
    }

    /// Lets every log held by [`FakeApiBuilder::hold_log`] send the rest of its lines.
    pub fn release_logs(&self) {
        self.shared
            .live
            .update(|server| server.config.held_logs.clear());
    }

    /// Restarts a container, in one step as the kubelet reports it: the current instance
    /// terminated with `reason` and `exit_code` (now `lastState`, its log the previous one),
    /// and a new instance `new_id` runs with `restartCount` one higher and an empty log.
    /// Followed logs of the old instance end after its last lines. Panics when the pod or the
    /// container's status does not exist.
    pub fn restart_container(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        reason: &str,
        exit_code: i32,
        new_id: &str,
    ) {
        let now = jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        self.shared.live.update(|server| {
            let mut obj = server
                .store
                .get(Resource::pods(), Some(namespace), pod)
                .map(std::borrow::Cow::into_owned)
                .unwrap_or_else(|| panic!("FakeApi::restart_container: no pod {namespace}/{pod}"));
            let status = obj["status"]
                .as_object_mut()
                .into_iter()
                .flat_map(|status| status.iter_mut())
                .filter(|(field, _)| {
                    matches!(
                        field.as_str(),
                        "containerStatuses" | "initContainerStatuses"
                    )
                })
                .filter_map(|(_, statuses)| statuses.as_array_mut())
                .flatten()
                .find(|s| s["name"].as_str() == Some(container))
                .unwrap_or_else(|| {
                    panic!("FakeApi::restart_container: no status of {pod}/{container}")
                });
            let old_id = status["containerID"].clone();
            let started = status["state"]["running"]["startedAt"].clone();
            status["lastState"] = json!({"terminated": {
                "exitCode": exit_code,
                "reason": reason,
                "startedAt": started,
                "finishedAt": now,
                "containerID": old_id,
            }});
            status["state"] = json!({"running": {"startedAt": now}});
            status["containerID"] = json!(new_id);
            status["restartCount"] = json!(status["restartCount"].as_i64().unwrap_or(0) + 1);
            status["started"] = json!(true);
            server
                .store
                .put(obj)
                .unwrap_or_else(|e| panic!("FakeApi::restart_container: {e}"));
            let current = server
                .logs
                .remove(&log_key(namespace, pod, container, false))
                .unwrap_or_default();
            server
                .logs
                .insert(log_key(namespace, pod, container, true), current);
        });
    }
}

fn log_key(namespace: &str, pod: &str, container: &str, previous: bool) -> LogKey {
    LogKey {
        namespace: namespace.into(),
        pod: pod.into(),
        container: container.into(),
        previous,
    }
}

/// A served resource by plural or kind; panics on anything else (a broken test).
fn served(resource: &str) -> &'static Resource {
    Resource::named(resource).unwrap_or_else(|| panic!("the fake API does not serve {resource:?}"))
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.shared.live.stop();
        // Wake the accept loop; it sees the flag and exits. Connection threads notice the flag
        // within their read poll interval.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(handle) = self.accept_thread.take() {
            let _ = handle.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.live.stopping() {
            return;
        }
        match stream {
            Ok(stream) => {
                let shared = Arc::clone(shared);
                let spawned = thread::Builder::new()
                    .name("fake-api-conn".into())
                    .spawn(move || serve_connection(stream, &shared));
                if spawned.is_err() {
                    thread::sleep(Duration::from_millis(10));
                }
            }
            // E.g. too many open files: back off instead of spinning.
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Serves requests on one connection until the client closes it, asks to close, or errs.
fn serve_connection(stream: TcpStream, shared: &Shared) {
    let stop = &shared.live.stop;
    let Ok(mut connection) = Connection::new(stream, stop) else {
        return;
    };
    loop {
        let request = match connection.read_request() {
            Ok(request) => request,
            Err(ReadError::Closed) => return,
            Err(ReadError::Malformed(message)) => {
                let mut response = ApiError::bad_request(message).into_response();
                let _ = http::write_response(connection.stream(), &mut response, true, stop);
                return;
            }
        };
        shared.requests().push(RecordedRequest {
            method: request.method.clone(),
            path: request.path.clone(),
            query: request.query.clone(),
            authorization: request.header("authorization").map(String::from),
        });
        if let Some(delay) = shared.faults.latency {
            thread::sleep(delay);
        }
        let mut response = match shared.faults.take(&request.path) {
            Some(FaultAction::Drop) => {
                let _ = connection.stream().shutdown(std::net::Shutdown::Both);
                return;
            }
            Some(FaultAction::Status(code)) => ApiError::injected(code).into_response(),
            None => shared.live.snapshot().handle(&request, &shared.live),
        };
        let close = request.wants_close();
        if http::write_response(connection.stream(), &mut response, close, stop).is_err() || close {
            return;
        }
    }
}

fn collect_json_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("reading fixtures dir {}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("reading fixtures dir {}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            collect_json_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            files.push(path);
        }
    }
}
