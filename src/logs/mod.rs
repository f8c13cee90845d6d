//! `logs`: the containers' logs, merged in timestamp order. Split like stern: `target` picks
//! what to read, `tail` reads one stream (in [`lines`] chunks), `merge` orders lines, `format`
//! prints them; `history` streams the merge of the logs so far (holding them in a `spill` when
//! not every stream can be open at once), and this module follows the containers afterwards.
//! Per-container failures become marker lines.

pub mod follow;
pub mod format;
pub mod history;
pub mod lines;
pub mod merge;
pub mod spill;
pub mod tail;
pub mod target;

use std::future::Future;
use std::io::Write;

use futures::{StreamExt, stream};

pub use history::{Chunk, print_history};

use follow::{Resume, Step, after_end, pod_is_done};
use format::Format;
use tail::Line;
use target::LogTarget;

/// How a run went, for the exit code.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Every read container with where its printed lines end, for `--follow`.
    pub history: Vec<Followed>,
    /// Containers whose log was read (even partly).
    pub read: usize,
    /// Containers whose log request failed outright.
    pub failed: usize,
    /// `-p` containers without a previous instance.
    pub no_previous: usize,
}

/// A read container and where its printed lines end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    pub target: LogTarget,
    pub resume: Resume,
    /// Why the last read failed: repeated failures print one marker, not one per poll.
    pub error: Option<String>,
    /// Why the stream just ended, when it failed: reported at the next poll unless the pod
    /// turns out to be deleted or the container not started (a 404 or a "waiting to start"
    /// answer then says nothing the poll's own marker does not).
    pub unreported: Option<String>,
    /// Still the instance the run started with: with nothing printed yet, it is read with the
    /// user's --since/--tail; new instances and new pods are read from their start.
    pub initial: bool,
    /// Failed attempts in a row on the same instance; at [`MAX_FAILURES`] it is given up.
    pub failures: u32,
}

/// Failed reads in a row (403, a dropped connection, …) before a running container is given up.
pub const MAX_FAILURES: u32 = 5;

/// One event of a followed stream.
enum Event {
    Line(Line),
    /// The stream ended, with the reason when it failed.
    End(Option<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a free request slot.
    Queued,
    Streaming,
    /// The stream ended; the next pod poll decides what follows.
    Ended,
    /// Finished or deleted: nothing more will come.
    Done,
}

/// `--follow` after the history: one stream per container (at most `max_requests` at once,
/// the rest queued), lines printed as they arrive, whole lines only. Every `poll` the current
/// pods are looked at (`list()`; live, they come from watches, see
/// `source::cluster::watch`): ended streams are resumed, restarted containers get a marker and their
/// new instance, new pods are attached, deleted ones get a marker. Returns when every
/// container is done and every pod has finished (a Job), else runs until interrupted.
///
/// `open(followed)` opens a followed stream where `followed` left off; `list()` gives the
/// pods as they are now. Lines stamped before `not_before` (`--since-time`) are skipped.
#[allow(clippy::too_many_arguments)]
pub async fn follow<'a, O, OF, B, L, LF>(
    history: Vec<Followed>,
    filter: &target::Filter,
    not_before: Option<jiff::Timestamp>,
    max_requests: usize,
    poll: std::time::Duration,
    open: O,
    list: L,
    format: &Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<()>
where
    O: Fn(&Followed) -> OF,
    OF: Future<Output = Result<B, String>> + 'a,
    B: futures::AsyncBufRead + Unpin + 'a,
    L: Fn() -> LF,
    LF: Future<Output = Result<Vec<crate::model::PodView>, String>>,
{
    let mut tracked: Vec<(Followed, Phase)> =
        history.into_iter().map(|f| (f, Phase::Queued)).collect();
    if tracked.len() > max_requests {
        writeln!(
            err,
            "note: following {} containers, {} at a time (--max-log-requests): the others wait for a stream to end",
            tracked.len(),
            max_requests
        )?;
    }
    let mut streams = stream::SelectAll::new();
    let mut ticker = tokio::time::interval(poll);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    let mut list_error: Option<String> = None;
    loop {
        let mut open_now = max_requests.max(1).saturating_sub(streams.len());
        for (index, (followed, phase)) in tracked.iter_mut().enumerate() {
            if open_now == 0 {
                break;
            }
            if *phase == Phase::Queued {
                *phase = Phase::Streaming;
                open_now -= 1;
                let opening = open(followed);
                streams.push(follow_stream(index, opening));
            }
        }
        tokio::select! {
            // Lines first: a poll never waits behind output that is ready.
            biased;
            Some((index, event)) = streams.next(), if !streams.is_empty() => {
                let (followed, phase) = &mut tracked[index];
                match event {
                    Event::Line(line) => {
                        followed.failures = 0;
                        let wanted = not_before.is_none_or(|nb| line.time.is_none_or(|t| t >= nb));
                        if wanted && followed.resume.is_new(&line) {
                            format.write_line(out, &followed.target, &line)?;
                            out.flush()?;
                            followed.resume.printed(&line);
                        }
                    }
                    Event::End(error) => {
                        *phase = Phase::Ended;
                        if error.is_some() {
                            followed.failures += 1;
                        }
                        followed.unreported = error;
                    }
                }
            }
            _ = ticker.tick() => {
                let pods = match list().await {
                    Ok(pods) => pods,
                    Err(error) => {
                        if list_error.as_ref() != Some(&error) {
                            writeln!(
                                err,
                                "warning: {}; retrying",
                                crate::render::sanitize::neutralise(&error.to_string())
                            )?;
                            list_error = Some(error);
                        }
                        continue;
                    }
                };
                list_error = None;
                let sink: &mut dyn Write = if format.json { &mut *err } else { &mut *out };
                on_poll(&mut tracked, &pods, filter, format, sink)?;
                out.flush()?;
                let all_done = tracked.iter().all(|(_, p)| *p == Phase::Done);
                if all_done && streams.is_empty() && pods.iter().all(pod_is_done) {
                    return Ok(());
                }
            }
        }
    }
}

/// After a pod poll: decides what each ended container becomes (see [`Step`]), notices
/// finished containers that started again, and adds the containers of new pods.
fn on_poll(
    tracked: &mut Vec<(Followed, Phase)>,
    pods: &[crate::model::PodView],
    filter: &target::Filter,
    format: &Format,
    sink: &mut dyn Write,
) -> std::io::Result<()> {
    for (followed, phase) in tracked.iter_mut().filter(|(_, p)| *p == Phase::Ended) {
        let step = after_end(&followed.target, pods);
        let unreported = followed.unreported.take();
        if let Some(error) = unreported.filter(|e| followed.error.as_ref() != Some(e))
            && !matches!(step, Step::Deleted | Step::Wait)
        {
            format.write_marker(sink, &followed.target, &format!(": {error}"))?;
            followed.error = Some(error);
        }
        match step {
            Step::Reattach if followed.failures >= MAX_FAILURES => {
                let marker = format!(": giving up after {MAX_FAILURES} failed attempts");
                format.write_marker(sink, &followed.target, &marker)?;
                *phase = Phase::Done;
            }
            Step::Reattach => *phase = Phase::Queued,
            Step::NewInstance { marker, target } => {
                format.write_marker(sink, &followed.target, &marker)?;
                followed.target = target;
                followed.error = None;
                followed.initial = false;
                followed.failures = 0;
                *phase = Phase::Queued;
            }
            Step::Finished { marker } => {
                format.write_marker(sink, &followed.target, &marker)?;
                *phase = Phase::Done;
            }
            Step::Deleted => {
                format.write_marker(sink, &followed.target, ": pod deleted")?;
                *phase = Phase::Done;
            }
            Step::Wait => {}
        }
    }
    // A finished container that started again (a restarted Job pod's container).
    for (followed, phase) in tracked.iter_mut().filter(|(_, p)| *p == Phase::Done) {
        if let Step::NewInstance { marker, target } = after_end(&followed.target, pods) {
            format.write_marker(sink, &followed.target, &marker)?;
            followed.target = target;
            followed.initial = false;
            followed.failures = 0;
            *phase = Phase::Queued;
        }
    }
    // New pods (rollout, Job retry) are read from their beginning; a container that has not
    // started yet waits for its start (no request that could only fail).
    for pick in target::select(pods, filter) {
        let target::Pick::Read(target) = pick else {
            continue;
        };
        let known = tracked.iter().any(|(f, _)| {
            f.target.container == target.container
                && f.target.namespace == target.namespace
                && f.target.pod == target.pod
                && f.target.pod_uid == target.pod_uid
        });
        if !known {
            let phase = if target.container_id.is_some() {
                Phase::Queued
            } else {
                Phase::Ended
            };
            let followed = Followed {
                target,
                resume: Resume::default(),
                error: None,
                unreported: None,
                initial: false,
                failures: 0,
            };
            tracked.push((followed, phase));
        }
    }
    Ok(())
}

/// Opens one followed stream and turns it into events, ending with [`Event::End`].
fn follow_stream<'a, OF, B>(
    index: usize,
    opening: OF,
) -> futures::stream::LocalBoxStream<'a, (usize, Event)>
where
    OF: Future<Output = Result<B, String>> + 'a,
    B: futures::AsyncBufRead + Unpin + 'a,
{
    stream::once(opening)
        .flat_map(|opened| match opened {
            Ok(body) => {
                let reader = tail::LineReader::new(body, tail::MAX_LINE_BYTES);
                stream::unfold(Some((reader, Vec::new(), None)), |state| async move {
                    let (mut reader, mut buf, last) = state?;
                    match reader.next_piece(&mut buf).await {
                        Ok(Some(continued)) => {
                            let line = tail::parse_line(&buf, continued, last);
                            let time = line.time;
                            Some((Event::Line(line), Some((reader, buf, time))))
                        }
                        Ok(None) => Some((Event::End(None), None)),
                        Err(e) => Some((Event::End(Some(e.to_string())), None)),
                    }
                })
                .left_stream()
            }
            Err(error) => stream::once(async move { Event::End(Some(error)) }).right_stream(),
        })
        .map(move |event| (index, event))
        .boxed_local()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::format::Prefix;
    use super::*;
    use crate::model::Role;

    /// A sidecar's log target in pod obs/p (shared by the logs tests).
    pub(crate) fn target(container: &str) -> LogTarget {
        LogTarget {
            namespace: "obs".into(),
            pod: "p".into(),
            pod_uid: None,
            container: container.into(),
            role: Role::Sidecar,
            previous: false,
            container_id: None,
        }
    }

    fn line(second: u32, message: &str) -> Line {
        Line {
            time: format!("2026-11-23T10:00:{second:02}Z").parse().ok(),
            message: message.into(),
        }
    }

    /// A pod `name` (uid `uid`) with one container `app` in `state`, as `list()` returns it.
    fn pod(
        name: &str,
        uid: &str,
        phase: &str,
        id: &str,
        state: serde_json::Value,
        last: Option<serde_json::Value>,
    ) -> crate::model::PodView {
        let mut status = serde_json::json!({
            "name": "app", "image": "i", "imageID": "", "ready": true,
            "restartCount": i32::from(last.is_some()), "containerID": id, "state": state
        });
        if let Some(last) = last {
            status["lastState"] = serde_json::json!({ "terminated": last });
        }
        let pod = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "ns", "uid": uid},
            "spec": {"containers": [{"name": "app", "image": "i"}]},
            "status": {"phase": phase, "containerStatuses": [status]}
        });
        crate::model::build_pod_view(&crate::source::SourcePod {
            pod: serde_json::from_value(pod).expect("valid pod"),
            template_of: None,
        })
    }

    /// What the follow tests start from: container `app` of pod `ns/p`, instance `a`.
    fn followed_p_app(resume: Resume) -> Vec<Followed> {
        let mut first = target("app");
        first.pod = "p".into();
        first.namespace = "ns".into();
        first.pod_uid = Some("u1".into());
        first.container_id = Some("a".into());
        vec![Followed {
            target: first,
            resume,
            error: None,
            unreported: None,
            initial: true,
            failures: 0,
        }]
    }

    /// Runs `follow` to its end with plain `pod/container` text output, polling every
    /// `poll_ms`; returns what went to stdout and to stderr.
    fn run_follow<'a, O, OF, B, L, LF>(
        history: Vec<Followed>,
        open: O,
        list: L,
        poll_ms: u64,
    ) -> (Vec<u8>, Vec<u8>)
    where
        O: Fn(&Followed) -> OF,
        OF: Future<Output = Result<B, String>> + 'a,
        B: futures::AsyncBufRead + Unpin + 'a,
        L: Fn() -> LF,
        LF: Future<Output = Result<Vec<crate::model::PodView>, String>>,
    {
        let format = Format::plain(Prefix::Pod);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime
            .block_on(follow(
                history,
                &target::Filter::default(),
                None,
                10,
                std::time::Duration::from_millis(poll_ms),
                open,
                list,
                &format,
                &mut out,
                &mut err,
            ))
            .unwrap();
        (out, err)
    }

    #[test]
    fn follow_handles_restart_new_pod_deletion_and_job_end() {
        let running = || serde_json::json!({"running": {}});
        let done = || serde_json::json!({"terminated": {"exitCode": 0, "reason": "Completed"}});
        let oom = serde_json::json!({"exitCode": 137, "reason": "OOMKilled", "containerID": "a"});
        let polls = std::cell::RefCell::new(vec![
            // 2nd poll: p is gone, q has finished: the run ends.
            vec![pod("q", "u2", "Succeeded", "c", done(), None)],
            // 1st poll: p restarted (new ID b), q appeared.
            vec![
                pod("p", "u1", "Running", "b", running(), Some(oom)),
                pod("q", "u2", "Running", "c", running(), None),
            ],
        ]);
        let list = || {
            let next = polls.borrow_mut().pop().unwrap_or_default();
            async move { Ok::<_, String>(next) }
        };
        let open = |f: &Followed| {
            let body: &[u8] = match (f.target.pod.as_str(), f.target.container_id.as_deref()) {
                // Resumed from the second of the last printed line: "one" comes again.
                ("p", Some("a")) => b"2026-11-23T10:00:01Z one\n2026-11-23T10:00:02Z two\n",
                ("p", Some("b")) => b"2026-11-23T10:00:03Z three\n",
                ("q", _) => b"2026-11-23T10:00:04Z q-line\n",
                _ => b"",
            };
            let since = f.resume.since();
            async move {
                assert!(since.is_some() || body.starts_with(b"2026-11-23T10:00:04Z"));
                Ok::<_, String>(futures::io::Cursor::new(body))
            }
        };
        let history = followed_p_app(Resume::after(&[line(1, "one")]));
        let (out, err) = run_follow(history, open, list, 20);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[..2],
            [
                "p/app two",
                "── p/app restarted: OOMKilled (137), restart 1 ──"
            ],
            "{text}"
        );
        let mut middle = lines[2..4].to_vec();
        middle.sort();
        assert_eq!(middle, ["p/app three", "q/app q-line"], "{text}");
        let mut end = lines[4..].to_vec();
        end.sort();
        assert_eq!(
            end,
            [
                "── p/app: pod deleted ──",
                "── q/app: terminated: Completed (0) ──"
            ],
            "{text}"
        );
        assert!(err.is_empty());
    }

    #[test]
    fn follow_reports_a_deleted_pod_once_and_waits_for_new_pods_to_start() {
        let running = || serde_json::json!({"running": {}});
        let waiting = || serde_json::json!({"waiting": {"reason": "ContainerCreating"}});
        let done = || serde_json::json!({"terminated": {"exitCode": 0, "reason": "Completed"}});
        let polls = std::cell::RefCell::new(vec![
            // 3rd poll: q has finished: the run ends.
            vec![pod("q", "u2", "Succeeded", "c", done(), None)],
            // 2nd poll: q runs.
            vec![pod("q", "u2", "Running", "c", running(), None)],
            // 1st poll: p is gone, q is being created.
            vec![pod("q", "u2", "Pending", "", waiting(), None)],
        ]);
        let list = || {
            let next = polls.borrow_mut().pop().unwrap_or_default();
            async move { Ok::<_, String>(next) }
        };
        let opened = std::cell::RefCell::new(Vec::new());
        let open = |f: &Followed| {
            opened
                .borrow_mut()
                .push((f.target.pod.clone(), f.target.container_id.clone()));
            let result = match f.target.pod.as_str() {
                // Deleted between the history and the follow request.
                "p" => Err("Error from server (NotFound): pods \"p\" not found".to_string()),
                _ => Ok(futures::io::Cursor::new(
                    &b"2026-11-23T10:00:04Z q-line\n"[..],
                )),
            };
            async move { result }
        };
        let history = followed_p_app(Resume::after(&[line(1, "one")]));
        let (out, err) = run_follow(history, open, list, 20);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "── p/app: pod deleted ──\n\
             ── q/app: started ──\n\
             q/app q-line\n\
             ── q/app: terminated: Completed (0) ──\n"
        );
        assert!(err.is_empty());
        // q was not asked for before it started.
        assert_eq!(
            opened.into_inner(),
            [
                ("p".to_string(), Some("a".to_string())),
                ("q".to_string(), Some("c".to_string()))
            ]
        );
    }

    #[test]
    fn follow_gives_up_on_a_container_that_keeps_failing() {
        let history = followed_p_app(Resume::default());
        let opened = std::cell::Cell::new(0);
        let open = |_: &Followed| {
            opened.set(opened.get() + 1);
            async {
                Err::<futures::io::Cursor<&[u8]>, _>(
                    "Error from server (Forbidden): no".to_string(),
                )
            }
        };
        // Running while the retries last, then gone: the run ends.
        let polls = std::cell::Cell::new(0);
        let list = || {
            polls.set(polls.get() + 1);
            let pods = if polls.get() <= MAX_FAILURES as usize + 1 {
                vec![pod(
                    "p",
                    "u1",
                    "Running",
                    "a",
                    serde_json::json!({"running": {}}),
                    None,
                )]
            } else {
                Vec::new()
            };
            async move { Ok::<_, String>(pods) }
        };
        let (out, _) = run_follow(history, open, list, 5);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "── p/app: Error from server (Forbidden): no ──\n\
             ── p/app: giving up after 5 failed attempts ──\n"
        );
        assert_eq!(opened.get(), MAX_FAILURES as usize);
    }
}
