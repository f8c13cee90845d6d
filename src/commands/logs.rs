//! `kubectl sidecar logs`: every selected container's log, merged in timestamp order.

use std::io::Write;
use std::time::Duration;

use futures::StreamExt;
use jiff::{RoundMode, SignedDuration, Timestamp, TimestampRound, Unit};
use kube::api::LogParams;
use regex::Regex;

use crate::cli::{LogsArgs, OutputFormat, PrefixArg, RoleArg};
use crate::error::{Error, ErrorKind, Result};
use crate::logs::format::{Format, Prefix};
use crate::logs::tail::ChunkReader;
use crate::logs::target::{Filter, LogTarget, Pick, select};
use crate::logs::{Chunk, Followed, follow, print_history};
use crate::model::{Role, build_pod_view};
use crate::options::{Options, Scope, SourceChoice};
use crate::render::structured::write_error;
use crate::source::SourcePod;
use crate::source::cluster::Cluster;

/// Where the lines start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    Start,
    /// `--since`: whole seconds, rounded up.
    Seconds(i64),
    /// `--since-time`: exact; the API gets it truncated to the second.
    Time(Timestamp),
}

/// The validated flags of `logs`.
#[derive(Debug, Clone)]
pub struct LogsOptions {
    pub filter: Filter,
    pub since: Since,
    pub tail: Option<i64>,
    pub max_requests: usize,
    pub follow: bool,
    pub format: Format,
}

/// How often `--follow` looks at the watched pods (restarts, new and deleted pods) and at the
/// streams that ended; the pods come from watches, so a look costs the API server nothing.
const FOLLOW_POLL: Duration = Duration::from_secs(2);

impl LogsOptions {
    /// Checks the flags before any request: offline files, output format, durations, times.
    pub fn from_args(args: &LogsArgs, options: &Options) -> Result<Self> {
        if !args.filename.is_empty() {
            return Err(Error::usage(
                "logs need a cluster: --filename reads pod manifests and dumps, which hold no logs",
            )
            .with_hint("drop --filename to read the logs from the cluster of your kubeconfig (--context, --kubeconfig); -f means --follow here, as in kubectl logs"));
        }
        let exclude = args
            .exclude_container
            .as_deref()
            .map(|re| {
                Regex::new(re).map_err(|e| {
                    Error::usage(format!(
                        "invalid -E/--exclude-container regular expression \"{re}\": {e}"
                    ))
                })
            })
            .transpose()?;
        let since = match (&args.since, &args.since_time) {
            (Some(text), _) => Since::Seconds(parse_since(text)?),
            (None, Some(text)) => Since::Time(text.parse::<Timestamp>().map_err(|e| {
                Error::usage(format!("invalid --since-time \"{text}\": {e}"))
                    .with_hint("use an RFC 3339 time such as 2026-11-23T10:00:00Z")
            })?),
            (None, None) => Since::Start,
        };
        if args.max_log_requests == 0 {
            return Err(Error::usage("--max-log-requests must be at least 1"));
        }
        let mut roles: Vec<Role> = args.roles.iter().map(|r| role(*r)).collect();
        roles.sort();
        roles.dedup();
        let prefix = match (args.no_prefix, args.prefix) {
            (true, _) | (_, PrefixArg::None) => Prefix::None,
            (_, PrefixArg::Pod) => Prefix::Pod,
            (_, PrefixArg::Role) => Prefix::Role,
        };
        Ok(LogsOptions {
            filter: Filter {
                container: options.selection.container.clone(),
                exclude,
                roles,
                previous: args.previous,
            },
            since,
            tail: args.tail.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
            max_requests: args.max_log_requests,
            follow: args.follow,
            format: Format {
                prefix,
                namespaces: options.selection.scope == Scope::AllNamespaces,
                color: options.color,
                timestamps: args.timestamps,
                json: options.output == OutputFormat::Json,
                width: 0,
            },
        })
    }

    /// The request for one target: always with timestamps, to merge by them.
    fn params(&self, target: &LogTarget) -> LogParams {
        let since_time = match self.since {
            Since::Time(time) => time
                .round(
                    TimestampRound::new()
                        .smallest(Unit::Second)
                        .mode(RoundMode::Trunc),
                )
                .ok(),
            _ => None,
        };
        LogParams {
            container: Some(target.container.clone()),
            previous: target.previous,
            timestamps: true,
            tail_lines: self.tail,
            since_seconds: match self.since {
                Since::Seconds(seconds) => Some(seconds),
                _ => None,
            },
            since_time,
            ..LogParams::default()
        }
    }
}

impl LogsOptions {
    /// The request that follows a container from where its printed lines end.
    fn follow_params(&self, followed: &Followed) -> LogParams {
        let mut params = LogParams {
            container: Some(followed.target.container.clone()),
            follow: true,
            timestamps: true,
            ..LogParams::default()
        };
        match followed.resume.since() {
            Some(last) => params.since_time = whole_second(last),
            None if followed.initial => {
                let first = self.params(&followed.target);
                params.since_seconds = first.since_seconds;
                params.since_time = first.since_time;
                params.tail_lines = first.tail_lines;
            }
            None => {}
        }
        params
    }
}

/// The API takes `sinceTime` in whole seconds (kube would round up and lose lines): truncate.
fn whole_second(time: Timestamp) -> Option<Timestamp> {
    time.round(
        TimestampRound::new()
            .smallest(Unit::Second)
            .mode(RoundMode::Trunc),
    )
    .ok()
}

fn role(arg: RoleArg) -> Role {
    match arg {
        RoleArg::Init => Role::Init,
        RoleArg::NativeSidecar => Role::NativeSidecar,
        RoleArg::Main => Role::Main,
        RoleArg::Sidecar => Role::Sidecar,
        RoleArg::Ephemeral => Role::Ephemeral,
    }
}

/// `--since 90s`, `5m`, `1h30m`: whole seconds, rounded up (the API takes seconds).
fn parse_since(text: &str) -> Result<i64> {
    let invalid = |why: String| {
        Error::usage(format!("invalid --since \"{text}\": {why}"))
            .with_hint("use a duration such as 30s, 5m or 1h30m")
    };
    let duration = text
        .trim()
        .parse::<SignedDuration>()
        .map_err(|e| invalid(e.to_string()))?;
    if duration <= SignedDuration::ZERO {
        return Err(invalid("must be positive".to_string()));
    }
    let seconds = duration.as_secs() + i64::from(duration.subsec_nanos() > 0);
    Ok(seconds)
}

pub async fn run(
    options: &Options,
    logs: &LogsOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    if !logs.follow {
        return read_logs(options, logs, out, err).await;
    }
    // Following only ends by itself for Jobs: Ctrl-C is the usual way out. Every line is
    // written whole and flushed as it is printed; the read in progress is dropped and main
    // flushes the output and exits 130.
    tokio::select! {
        biased;
        () = interrupted() => Err(Error {
            kind: ErrorKind::Interrupted,
            message: "interrupted".to_string(),
            hint: None,
        status: None,
        }),
        result = read_logs(options, logs, out, err) => result,
    }
}

/// Resolves at the first Ctrl-C (SIGINT). If the handler cannot be installed, never: Ctrl-C
/// then keeps its default action (the process stops at once).
async fn interrupted() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

async fn read_logs(
    options: &Options,
    logs: &LogsOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    let SourceChoice::Cluster(cluster_options) = &options.source else {
        return Err(Error::usage("logs need a cluster"));
    };
    let loaded = super::load_with_warnings(options, err).await?;
    if let Some(note) = &loaded.nothing_found {
        // As kubectl logs -l: a note, exit 0.
        writeln!(err, "{note}").map_err(write_error)?;
        return Ok(());
    }
    let views: Vec<_> = loaded.pods.iter().map(build_pod_view).collect();
    let picks = select(&views, &logs.filter);
    if picks.is_empty() {
        return Err(Error::runtime(format!(
            "no container of the {} matches the container filters",
            crate::render::count(views.len(), "selected pod", "selected pods")
        ))
        .with_hint("check -c/--container, -E/--exclude-container and --role (ephemeral containers need --role ephemeral)"));
    }
    let mut format = logs.format.clone();
    format.align(picks.iter().map(Pick::target));

    let cluster = Cluster::connect(cluster_options).await?;
    let since_time = match logs.since {
        Since::Time(time) => Some(time),
        _ => None,
    };
    // Each container is read and parsed in its own task, so every worker thread parses;
    // `print_history` opens at most `max_requests` of them at once.
    let open =
        |target: LogTarget| read_chunks(cluster.clone(), logs.params(&target), target, since_time);
    let summary = print_history(picks, logs.max_requests, open, &format, out, err)
        .await
        .map_err(write_error)?;
    let cluster = &cluster;
    if logs.follow {
        let open = |followed: &Followed| {
            let params = logs.follow_params(followed);
            let target = followed.target.clone();
            async move {
                cluster
                    .log_body(&target.namespace, &target.pod, &params)
                    .await
                    .map_err(|e| e.message)
            }
        };
        // New pods, restarts and deletions come from watches (one list per query, then
        // watches resumed from the last resourceVersion); each poll reads their current state
        // and asks the API server nothing.
        let pod_watch =
            tokio::sync::Mutex::new(cluster.watch_pods(options.selection.clone()).await?);
        let list = || async {
            let pods = pod_watch.lock().await.pods().await?;
            Ok(pods
                .into_iter()
                .map(|pod| {
                    build_pod_view(&SourcePod {
                        pod,
                        template_of: None,
                    })
                })
                .collect())
        };
        return follow(
            summary.history,
            &logs.filter,
            since_time,
            logs.max_requests,
            FOLLOW_POLL,
            open,
            list,
            &format,
            out,
            err,
        )
        .await
        .map_err(write_error);
    }
    if summary.read == 0 && summary.failed > 0 {
        return Err(Error::runtime(format!(
            "no log could be read: {} failed (see the markers above)",
            match summary.failed {
                1 => "the one request".to_string(),
                n => format!("all {n} requests"),
            }
        )));
    }
    Ok(())
}

/// Chunks of a log a task buffers ahead of the merge: enough to keep the task reading while
/// the merge prints the previous ones, few enough that memory stays small per container
/// (measured: 4 is no faster than 2, 1 is slower).
const CHUNKS_AHEAD: usize = 2;

/// Reads one container's log in its own task (so every worker thread parses), handing the
/// merge its lines chunk by chunk through a bounded channel: the task waits when the merge is
/// behind, and stops when the merge is gone.
fn read_chunks(
    cluster: Cluster,
    params: LogParams,
    target: LogTarget,
    since: Option<Timestamp>,
) -> impl futures::Stream<Item = Chunk> {
    let (sender, mut receiver) = tokio::sync::mpsc::channel(CHUNKS_AHEAD);
    let task = tokio::spawn(async move {
        let body = match cluster
            .log_body(&target.namespace, &target.pod, &params)
            .await
        {
            Ok(body) => body,
            Err(e) => {
                let _ = sender.send(Err(e.message)).await;
                return;
            }
        };
        let mut chunks = ChunkReader::new(body, since);
        while let Some(chunk) = chunks.next_chunk().await {
            let chunk = chunk.map_err(|e| e.to_string());
            let last = chunk.is_err();
            if sender.send(chunk).await.is_err() || last {
                return;
            }
        }
    });
    let chunks = futures::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    // A task that panicked ends its log with the reason instead of cutting it silently.
    let failure = futures::stream::once(task).filter_map(|joined| async move {
        joined.err().map(|e| Err(format!("log reader failed: {e}")))
    });
    chunks.chain(failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_durations() {
        assert_eq!(parse_since("30s").unwrap(), 30);
        assert_eq!(parse_since("1h30m").unwrap(), 5400);
        assert_eq!(parse_since("1500ms").unwrap(), 2);
        for bad in ["", "0s", "-5m", "soon"] {
            assert!(parse_since(bad).is_err(), "{bad}");
        }
    }
}
