//! Container logs: `/api/v1/namespaces/NS/pods/POD/log`, with the apiserver's validation and
//! container resolution and the kubelet's filtering (since, tail, timestamps, limitBytes).

use std::collections::HashMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::http::{Body, Request, Response};
use super::params::{query_bool, query_int};
use super::resources::Resource;
use super::status::{ApiError, FieldCause};

/// Pause between lines of a followed log, so that clients see them arrive one by one.
const FOLLOW_PAUSE: Duration = Duration::from_millis(10);

/// One recorded log line.
#[derive(Debug, Clone)]
pub(super) struct LogLine {
    pub time: Timestamp,
    pub message: String,
}

impl LogLine {
    /// Parses `"<RFC3339 timestamp> <message>"`.
    pub fn parse(raw: &str) -> Result<LogLine, String> {
        let (stamp, message) = raw.split_once(' ').unwrap_or((raw, ""));
        let time = stamp.parse::<Timestamp>().map_err(|e| {
            format!("log line {raw:?} does not start with an RFC3339 timestamp: {e}")
        })?;
        Ok(LogLine {
            time,
            message: message.to_string(),
        })
    }

    /// The line as the kubelet sends it, with its newline.
    fn render(&self, timestamps: bool) -> String {
        if timestamps {
            // The kubelet always prints nine fractional digits.
            format!(
                "{} {}\n",
                self.time.strftime("%Y-%m-%dT%H:%M:%S.%NZ"),
                self.message
            )
        } else {
            format!("{}\n", self.message)
        }
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

/// Serves a log request for pod `name` (`pod` is None when it does not exist). Checks run in the
/// server's order: options, pod lookup, container name, then the kubelet's container state.
pub(super) fn serve(
    logs: &LogStore,
    pods: &Resource,
    pod: Option<&Value>,
    name: &str,
    request: &Request,
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
    let mut lines: Vec<&LogLine> = logs
        .get(&key)
        .map(|l| l.iter().collect())
        .unwrap_or_default();
    if let Some(since) = options.since() {
        lines.retain(|line| line.time >= since);
    }
    if let Some(tail) = options.tail_lines {
        let keep = usize::try_from(tail).unwrap_or(0);
        lines.drain(..lines.len().saturating_sub(keep));
    }
    let mut chunks: Vec<Vec<u8>> = lines
        .iter()
        .map(|l| l.render(options.timestamps).into_bytes())
        .collect();
    if let Some(limit) = options.limit_bytes {
        truncate_chunks(&mut chunks, usize::try_from(limit).unwrap_or(usize::MAX));
    }
    if options.follow {
        Ok(text_response(chunks, FOLLOW_PAUSE))
    } else {
        Ok(text_response(vec![chunks.concat()], Duration::ZERO))
    }
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
    let status = [
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
    .find(|s| s["name"].as_str() == Some(container));
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
