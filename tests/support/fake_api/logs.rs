//! Container logs: `/api/v1/namespaces/NS/pods/POD/log`, with the apiserver's validation and
//! container resolution and the kubelet's filtering (since, tail, timestamps, limitBytes), and
//! followed logs that stay open while the container instance runs (`live_follow`).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::http::{Body, Request, Response};
use super::live::Live;
use super::params::{query_bool, query_int};
use super::resources::Resource;
use super::routes::Server;
use super::status::{ApiError, FieldCause};

/// Pause between lines of a followed log, so that clients see them arrive one by one.
const FOLLOW_PAUSE: Duration = Duration::from_millis(10);

/// How often an idle followed log checks whether the server is stopping.
const FOLLOW_POLL: Duration = Duration::from_millis(100);

/// One recorded log line. The message is bytes: a container may write anything.
#[derive(Debug, Clone)]
pub(super) struct LogLine {
    pub time: Timestamp,
    pub message: Vec<u8>,
    /// `time` as the kubelet prints it, formatted once when recorded: big logs are served
    /// many times (the logs benchmark streams 5 million lines a run).
    stamp: String,
}

impl LogLine {
    /// Parses `"<RFC3339 timestamp> <message>"`.
    pub fn parse(raw: &str) -> Result<LogLine, String> {
        LogLine::parse_bytes(raw.as_bytes())
    }

    /// Parses `b"<RFC3339 timestamp> <message bytes>"`; the message need not be UTF-8.
    pub fn parse_bytes(raw: &[u8]) -> Result<LogLine, String> {
        let space = raw.iter().position(|&b| b == b' ').unwrap_or(raw.len());
        let (stamp, message) = (&raw[..space], raw.get(space + 1..).unwrap_or_default());
        let time = std::str::from_utf8(stamp)
            .map_err(|e| e.to_string())
            .and_then(|s| s.parse::<Timestamp>().map_err(|e| e.to_string()))
            .map_err(|e| {
                format!(
                    "log line {:?} does not start with an RFC3339 timestamp: {e}",
                    String::from_utf8_lossy(raw)
                )
            })?;
        Ok(LogLine {
            time,
            message: message.to_vec(),
            // The kubelet always prints nine fractional digits.
            stamp: time.strftime("%Y-%m-%dT%H:%M:%S.%NZ").to_string(),
        })
    }

    /// The line as the kubelet sends it, with its newline.
    fn render(&self, timestamps: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.stamp.len() + self.message.len() + 2);
        self.render_into(&mut out, timestamps);
        out
    }

    fn render_into(&self, out: &mut Vec<u8>, timestamps: bool) {
        if timestamps {
            out.extend_from_slice(self.stamp.as_bytes());
            out.push(b' ');
        }
        out.extend_from_slice(&self.message);
        out.push(b'\n');
    }
}

/// Identifies one container instance's log.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct LogKey {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub previous: bool,
}

pub(super) type LogStore = HashMap<LogKey, Vec<LogLine>>;

/// The query parameters of a log request (`PodLogOptions`).
#[derive(Debug, Default)]
struct LogOptions {
    container: String,
    follow: bool,
    previous: bool,
    timestamps: bool,
    since_seconds: Option<i64>,
    since_time: Option<Timestamp>,
    tail_lines: Option<i64>,
    limit_bytes: Option<i64>,
}

impl LogOptions {
    /// Decodes and validates the options like the apiserver (400 for undecodable values,
    /// 422 for invalid ones).
    fn from_request(request: &Request, pod: &str) -> Result<LogOptions, ApiError> {
        let options = LogOptions {
            container: request
                .query_value("container")
                .unwrap_or_default()
                .to_string(),
            follow: query_bool(request, "follow"),
            previous: query_bool(request, "previous"),
            timestamps: query_bool(request, "timestamps"),
            since_seconds: query_int(request, "sinceSeconds")?,
            since_time: match request.query_value("sinceTime") {
                None | Some("") => None,
                Some(raw) => Some(parse_since_time(raw)?),
            },
            tail_lines: query_int(request, "tailLines")?,
            limit_bytes: query_int(request, "limitBytes")?,
        };

        let mut causes = Vec::new();
        if let Some(tail) = options.tail_lines.filter(|t| *t < 0) {
            causes.push(FieldCause::invalid(
                "tailLines",
                tail,
                "must be greater than or equal to 0",
            ));
        }
        if let Some(limit) = options.limit_bytes.filter(|l| *l < 1) {
            causes.push(FieldCause::invalid(
                "limitBytes",
                limit,
                "must be greater than 0",
            ));
        }
        match (options.since_seconds, options.since_time) {
            (Some(_), Some(_)) => causes.push(FieldCause::forbidden(
                "",
                "at most one of `sinceTime` or `sinceSeconds` may be specified",
            )),
            (Some(since), None) if since < 1 => {
                causes.push(FieldCause::invalid(
                    "sinceSeconds",
                    since,
                    "must be greater than 0",
                ));
            }
            _ => {}
        }
        if !causes.is_empty() {
            return Err(ApiError::invalid("PodLogOptions", pod, &causes));
        }
        Ok(options)
    }

    /// The earliest timestamp to keep, if any.
    fn since(&self) -> Option<Timestamp> {
        if let Some(seconds) = self.since_seconds {
            return Timestamp::now()
                .checked_sub(SignedDuration::from_secs(seconds))
                .ok();
        }
        self.since_time
    }
}

/// Serves a log request for pod `name` (`pod` is None when it does not exist) from the
/// revision `server`. Checks run in the server's order: options, pod lookup, container name,
/// then the kubelet's container state.
pub(super) fn serve(
    server: &Server,
    pods: &Resource,
    pod: Option<&Value>,
    name: &str,
    request: &Request,
    live: &Arc<Live>,
) -> Result<Response, ApiError> {
    let options = LogOptions::from_request(request, name)?;
    let pod = pod.ok_or_else(|| ApiError::not_found(pods, name))?;
    let namespace = pod
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let container = resolve_container(pod, name, &options.container)?;

    // An unscheduled pod has no kubelet to ask: the server answers with an empty log.
    let scheduled = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    if !scheduled {
        return Ok(text_response(Vec::new(), Duration::ZERO));
    }
    check_container_status(pod, name, &container, options.previous)?;

    let key = LogKey {
        namespace: namespace.to_string(),
        pod: name.to_string(),
        container: container.clone(),
        previous: options.previous,
    };
    // The pod status decided above whether this instance exists; a log nobody recorded is empty.
    let recorded = server.logs.get(&key).map_or(&[][..], Vec::as_slice);
    let since = options.since();
    let mut lines: Vec<&LogLine> = recorded.iter().collect();
    if let Some(since) = since {
        lines.retain(|line| line.time >= since);
    }
    if let Some(tail) = options.tail_lines {
        let keep = usize::try_from(tail).unwrap_or(0);
        lines.drain(..lines.len().saturating_sub(keep));
    }
    let limit = options
        .limit_bytes
        .map(|limit| usize::try_from(limit).unwrap_or(usize::MAX));
    let held = server.config.held_logs.iter().find(|(k, _)| *k == key);
    if let (false, Some((_, sent))) = (options.follow, held) {
        let mut chunks: Vec<Vec<u8>> = lines.iter().map(|l| l.render(options.timestamps)).collect();
        if let Some(limit) = limit {
            truncate_chunks(&mut chunks, limit);
        }
        let rest = chunks.split_off((*sent).min(chunks.len()));
        let held = Held {
            live: Arc::clone(live),
            key,
            generation: server.generation,
            first: Some(chunks.concat()),
            rest: Some(rest.concat()),
        };
        return Ok(Response {
            status: 200,
            content_type: "text/plain",
            extra_headers: Vec::new(),
            body: Body::Stream(Box::new(held)),
        });
    }
    if !options.follow {
        // One buffer, not a piece per line: logs of 100,000 lines are common in benchmarks.
        let mut body = Vec::new();
        for line in &lines {
            line.render_into(&mut body, options.timestamps);
            if limit.is_some_and(|limit| body.len() >= limit) {
                break;
            }
        }
        if let Some(limit) = limit {
            body.truncate(limit);
        }
        return Ok(text_response(vec![body], Duration::ZERO));
    }
    let mut chunks: Vec<Vec<u8>> = lines.iter().map(|l| l.render(options.timestamps)).collect();
    if let Some(limit) = limit {
        truncate_chunks(&mut chunks, limit);
    }
    // The previous instance has ended: its followed log ends with its lines.
    if !server.config.live_follow || options.previous {
        return Ok(text_response(chunks, FOLLOW_PAUSE));
    }
    let sent: usize = chunks.iter().map(Vec::len).sum();
    let bytes_left = limit.map(|limit| limit.saturating_sub(sent));
    // Only a running instance writes more: the log of one that has ended (terminated, or
    // waiting to restart) ends with what it wrote.
    let running = container_status(pod, &container)
        .is_some_and(|status| status["state"]["running"].is_object());
    let follower = Follower {
        live: Arc::clone(live),
        key,
        uid: text(pod, "/metadata/uid"),
        instance: instance_id(pod, &container),
        read: recorded.len(),
        pending: chunks.into(),
        generation: server.generation,
        since,
        timestamps: options.timestamps,
        bytes_left,
        ended: !running || bytes_left == Some(0),
        first: true,
    };
    Ok(Response {
        status: 200,
        content_type: "text/plain",
        extra_headers: Vec::new(),
        body: Body::Stream(Box::new(follower)),
    })
}

/// A followed log that stays open like the kubelet's: lines added to the container instance
/// later are sent as they come; the stream ends when the instance ends (terminated, or
/// replaced by a restart: the lines it wrote until then are still sent), when the pod is
/// deleted, when `limitBytes` is reached, or when the server stops.
struct Follower {
    live: Arc<Live>,
    /// The current instance's log.
    key: LogKey,
    /// The pod followed: one deleted and created again under the same name is another pod.
    uid: String,
    /// The container ID of the instance followed.
    instance: Option<String>,
    /// Lines of the instance's log already looked at (sent or filtered out).
    read: usize,
    /// Chunks to send.
    pending: VecDeque<Vec<u8>>,
    /// The revision the stream is up to date with.
    generation: u64,
    since: Option<Timestamp>,
    timestamps: bool,
    bytes_left: Option<usize>,
    /// Nothing more will come once `pending` is sent.
    ended: bool,
    first: bool,
}

impl Iterator for Follower {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(chunk) = self.pending.pop_front() {
                if !std::mem::take(&mut self.first) {
                    thread::sleep(FOLLOW_PAUSE);
                }
                return Some(chunk);
            }
            if self.ended || self.live.stopping() {
                return None;
            }
            let server = self.live.wait_change(self.generation, FOLLOW_POLL);
            if server.generation != self.generation {
                self.generation = server.generation;
                self.catch_up(&server);
            }
        }
    }
}

impl Follower {
    /// Queues what revision `server` added to the instance's log and notices its end.
    fn catch_up(&mut self, server: &Server) {
        let pod = server
            .store
            .get(Resource::pods(), Some(&self.key.namespace), &self.key.pod)
            .filter(|pod| text(pod, "/metadata/uid") == self.uid);
        let Some(pod) = pod else {
            // Deleted: the kubelet stops the containers, the stream ends.
            self.ended = true;
            return;
        };
        let status = container_status(&pod, &self.key.container);
        let instance = status.and_then(status_instance_id);
        let key = if instance == self.instance {
            // Still the same instance; it may have terminated.
            self.ended = status.is_some_and(|s| s["state"]["terminated"].is_object());
            self.key.clone()
        } else {
            // Restarted: what the old instance wrote last is now the previous log.
            self.ended = true;
            let previous_id = status.and_then(|s| {
                s["lastState"]["terminated"]["containerID"]
                    .as_str()
                    .map(String::from)
            });
            if previous_id.is_none() || previous_id != self.instance {
                return;
            }
            LogKey {
                previous: true,
                ..self.key.clone()
            }
        };
        let recorded = server.logs.get(&key).map_or(&[][..], Vec::as_slice);
        for line in recorded.iter().skip(self.read) {
            if self.since.is_some_and(|since| line.time < since) {
                continue;
            }
            let mut chunk = line.render(self.timestamps);
            if let Some(left) = &mut self.bytes_left {
                chunk.truncate(*left);
                *left -= chunk.len();
            }
            if !chunk.is_empty() {
                self.pending.push_back(chunk);
            }
            if self.bytes_left == Some(0) {
                self.ended = true;
                break;
            }
        }
        self.read = self.read.max(recorded.len());
    }
}

/// A log held by `FakeApiBuilder::hold_log`: its first lines, then, once the hold is released
/// (or the server stops), the others.
struct Held {
    live: Arc<Live>,
    key: LogKey,
    generation: u64,
    first: Option<Vec<u8>>,
    rest: Option<Vec<u8>>,
}

impl Iterator for Held {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        let rest = self.rest.take()?;
        loop {
            let server = self.live.wait_change(self.generation, FOLLOW_POLL);
            self.generation = server.generation;
            let released = !server.config.held_logs.iter().any(|(k, _)| *k == self.key);
            if released || self.live.stopping() {
                return Some(rest);
            }
        }
    }
}

/// The status of one container (init, regular or ephemeral).
fn container_status<'a>(pod: &'a Value, container: &str) -> Option<&'a Value> {
    [
        "containerStatuses",
        "initContainerStatuses",
        "ephemeralContainerStatuses",
    ]
    .iter()
    .filter_map(|field| {
        pod.pointer(&format!("/status/{field}"))
            .and_then(Value::as_array)
    })
    .flatten()
    .find(|s| s["name"].as_str() == Some(container))
}

/// The container ID of a container's current instance.
fn instance_id(pod: &Value, container: &str) -> Option<String> {
    container_status(pod, container).and_then(status_instance_id)
}

fn status_instance_id(status: &Value) -> Option<String> {
    status["containerID"]
        .as_str()
        .or_else(|| status["state"]["terminated"]["containerID"].as_str())
        .filter(|id| !id.is_empty())
        .map(String::from)
}

fn text(obj: &Value, pointer: &str) -> String {
    obj.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The apiserver's container resolution (`validateContainer`): the only container when there is
/// one, otherwise the name is required; init and ephemeral containers count as valid names.
fn resolve_container(pod: &Value, name: &str, requested: &str) -> Result<String, ApiError> {
    let names = |field: &str| -> Vec<String> {
        pod.pointer(&format!("/spec/{field}"))
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| c["name"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let regular = names("containers");
    // The order in which the server visits containers: init, regular, ephemeral.
    let all: Vec<String> = [
        names("initContainers"),
        regular.clone(),
        names("ephemeralContainers"),
    ]
    .concat();
    if requested.is_empty() {
        return match regular.as_slice() {
            [only] => Ok(only.clone()),
            [] => Err(ApiError::bad_request(format!(
                "a container name must be specified for pod {name}"
            ))),
            _ => Err(ApiError::bad_request(format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                all.join(" ")
            ))),
        };
    }
    if all.iter().any(|c| c == requested) {
        Ok(requested.to_string())
    } else {
        Err(ApiError::bad_request(format!(
            "container {requested} is not valid for pod {name}"
        )))
    }
}

/// The kubelet's `validateContainerLogStatus`: which container instance has logs to show.
fn check_container_status(
    pod: &Value,
    name: &str,
    container: &str,
    previous: bool,
) -> Result<(), ApiError> {
    let status = container_status(pod, container);
    let fail = |what: String| {
        Err(ApiError::bad_request(format!(
            "container {container:?} in pod {name:?} {what}"
        )))
    };
    let Some(status) = status else {
        return fail("is not available".into());
    };
    let has_id = |state: &Value| {
        state["containerID"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    };
    let last_terminated = &status["lastState"]["terminated"];
    let state = &status["state"];
    if previous {
        if !has_id(last_terminated) {
            return Err(ApiError::bad_request(format!(
                "previous terminated container {container:?} in pod {name:?} not found"
            )));
        }
        return Ok(());
    }
    if state["running"].is_object() {
        return Ok(());
    }
    if state["terminated"].is_object() {
        if has_id(&state["terminated"]) || has_id(last_terminated) {
            return Ok(());
        }
        return fail("is terminated".into());
    }
    if last_terminated.is_object() {
        if has_id(last_terminated) {
            return Ok(());
        }
        return fail("is terminated".into());
    }
    if let Some(waiting) = state["waiting"].as_object() {
        let reason = waiting
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return match reason {
            "ErrImagePull" => fail("is waiting to start: image can't be pulled".into()),
            "ImagePullBackOff" => {
                fail("is waiting to start: trying and failing to pull image".into())
            }
            _ => fail(format!("is waiting to start: {reason}")),
        };
    }
    fail("is waiting to start - no logs yet".into())
}

/// Cuts the chunks so that together they hold at most `limit` bytes.
fn truncate_chunks(chunks: &mut Vec<Vec<u8>>, limit: usize) {
    let mut remaining = limit;
    chunks.retain_mut(|chunk| {
        let keep = chunk.len().min(remaining);
        chunk.truncate(keep);
        remaining -= keep;
        keep > 0
    });
}

/// Logs are plain text, always chunked like the real server.
fn text_response(chunks: Vec<Vec<u8>>, pause: Duration) -> Response {
    Response {
        status: 200,
        content_type: "text/plain",
        extra_headers: Vec::new(),
        body: Body::Chunked { chunks, pause },
    }
}

/// `sinceTime` is RFC3339. The apiserver forwards it to the kubelet formatted with
/// `time.RFC3339`, which drops fractional seconds, so the effective bound is the whole second.
fn parse_since_time(raw: &str) -> Result<Timestamp, ApiError> {
    let parsed = raw.parse::<Timestamp>().map_err(|_| {
        ApiError::bad_request(format!(
            "parsing time {raw:?} as \"2006-01-02T15:04:05Z07:00\": cannot parse {raw:?} as \"2006\""
        ))
    })?;
    Timestamp::from_second(parsed.as_second())
        .map_err(|e| ApiError::bad_request(format!("invalid sinceTime {raw:?}: {e}")))
}
