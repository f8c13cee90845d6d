//! Following: what a followed container's stream ending means (restart, completion, deletion,
//! a dropped connection), decided from a fresh pod list, and how a resumed stream skips the
//! lines already printed. Pure: the orchestrator in `mod.rs` does the I/O.

use jiff::Timestamp;

use super::tail::Line;
use super::target::LogTarget;
use crate::model::{PodView, State};

/// Where the printed lines of one container end. The API resumes with second precision
/// (`sinceTime`), so a resumed stream repeats lines; those at or before the last printed
/// (timestamp, message) are skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resume {
    last: Option<Timestamp>,
    /// Messages printed at exactly `last` (a handful: timestamps have nanoseconds).
    seen: Vec<String>,
}

/// Messages remembered at one instant; beyond this, equal lines may repeat after a resume.
const MAX_SEEN: usize = 256;

impl Resume {
    /// The resume point after `lines` (one container's, in order) were all printed.
    #[cfg(test)]
    pub fn after(lines: &[Line]) -> Resume {
        Resume::after_lines(lines.iter().map(|l| (l.time, l.message.as_str())))
    }

    /// The resume point after `lines` (one container's, in order, as `(time, message)`) were
    /// all printed.
    pub fn after_lines<'a>(
        lines: impl DoubleEndedIterator<Item = (Option<Timestamp>, &'a str)>,
    ) -> Resume {
        let mut lines = lines.rev().peekable();
        let Some(last) = lines.peek().and_then(|(time, _)| *time) else {
            return Resume::default();
        };
        let mut seen: Vec<String> = lines
            .take_while(|(time, _)| *time == Some(last))
            .take(MAX_SEEN)
            .map(|(_, message)| message.to_string())
            .collect();
        seen.reverse();
        Resume {
            last: Some(last),
            seen,
        }
    }

    /// The resume point after `self` and then `lines` (the same container's next lines, in
    /// order) were printed: the history keeps this per chunk instead of every line.
    pub fn then_lines<'a>(
        self,
        lines: impl DoubleEndedIterator<Item = (Option<Timestamp>, &'a str)> + ExactSizeIterator,
    ) -> Resume {
        let count = lines.len();
        if count == 0 {
            return self;
        }
        let tail = Resume::after_lines(lines);
        // The whole batch is at the instant the printed lines ended at: both sets were seen.
        if tail.last.is_some() && tail.last == self.last && tail.seen.len() == count {
            let mut seen = self.seen;
            seen.extend(tail.seen);
            seen.drain(..seen.len().saturating_sub(MAX_SEEN));
            return Resume {
                last: tail.last,
                seen,
            };
        }
        tail
    }

    /// The time to resume from (`sinceTime`), if anything was printed.
    pub fn since(&self) -> Option<Timestamp> {
        self.last
    }

    /// Whether `line` has not been printed yet.
    pub fn is_new(&self, line: &Line) -> bool {
        match (self.last, line.time) {
            (Some(last), Some(time)) => {
                time > last || (time == last && !self.seen.contains(&line.message))
            }
            _ => true,
        }
    }

    pub fn printed(&mut self, line: &Line) {
        if line.time != self.last {
            self.last = line.time;
            self.seen.clear();
        }
        if self.seen.len() < MAX_SEEN {
            self.seen.push(line.message.clone());
        }
    }
}

/// What to do once a followed container's stream has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Same instance, still running: the connection dropped; open it again.
    Reattach,
    /// A new instance (new container ID): print the marker, then read it.
    NewInstance { marker: String, target: LogTarget },
    /// The instance terminated and no new one runs yet: print the marker, stop following
    /// unless a new instance appears later.
    Finished { marker: String },
    /// The pod (or the container) is gone.
    Deleted,
    /// Not started yet, or waiting to restart: check again at the next poll.
    Wait,
}

/// Decides from the current pods what a target whose stream ended becomes.
pub fn after_end(target: &LogTarget, pods: &[PodView]) -> Step {
    let pod = pods.iter().find(|p| match (&p.uid, &target.pod_uid) {
        (Some(uid), Some(old)) => uid == old,
        _ => p.namespace == target.namespace && p.name == target.pod,
    });
    let Some(container) =
        pod.and_then(|p| p.containers.iter().find(|c| c.name == target.container))
    else {
        return Step::Deleted;
    };
    let Some(status) = &container.status else {
        return Step::Wait;
    };
    let started = matches!(status.state, State::Running { .. } | State::Terminated(_));
    match &status.container_id {
        Some(id) if started && target.container_id.as_ref() != Some(id) => {
            let marker = match (&target.container_id, &status.last_termination) {
                (None, _) => ": started".to_string(),
                (Some(_), Some(last)) => format!(
                    " restarted: {} ({}), restart {}",
                    last.reason.as_deref().unwrap_or("Terminated"),
                    last.exit_code,
                    status.restart_count
                ),
                (Some(_), None) => format!(" restarted, restart {}", status.restart_count),
            };
            let target = LogTarget {
                container_id: Some(id.clone()),
                ..target.clone()
            };
            Step::NewInstance { marker, target }
        }
        _ => match &status.state {
            State::Running { .. } if target.container_id.is_some() => Step::Reattach,
            State::Terminated(t) => Step::Finished {
                marker: format!(
                    ": terminated: {} ({})",
                    t.reason.as_deref().unwrap_or("Terminated"),
                    t.exit_code
                ),
            },
            _ => Step::Wait,
        },
    }
}

/// Whether a pod will not run anything again (a Job's pod that is done).
pub fn pod_is_done(pod: &PodView) -> bool {
    matches!(pod.phase.as_deref(), Some("Succeeded" | "Failed"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Role, build_pod_view};
    use crate::source::SourcePod;

    fn as_items(lines: &[(Option<Timestamp>, String)]) -> Vec<(Option<Timestamp>, &str)> {
        lines.iter().map(|(t, m)| (*t, m.as_str())).collect()
    }

    /// Resume points built chunk by chunk equal the one built from all lines at once, for any
    /// cut: runs at one instant longer than a chunk, longer than [`MAX_SEEN`], untimed lines.
    #[test]
    fn resume_after_chunks_equals_resume_after_all_lines() {
        let at = |second: i64| Timestamp::from_second(1_800_000_000 + second).ok();
        let mut lines: Vec<(Option<Timestamp>, String)> = vec![(None, "untimed".into())];
        lines.extend((0..5).map(|i| (at(1), format!("one {i}"))));
        lines.push((at(0), "backwards".into()));
        lines.extend((0..MAX_SEEN + 7).map(|i| (at(2), format!("two {i}"))));
        lines.extend((0..3).map(|i| (at(3), format!("three {i}"))));
        for end in 0..=lines.len() {
            let whole = Resume::after_lines(as_items(&lines[..end]).into_iter());
            for size in [1, 2, 3, 5, MAX_SEEN - 1, MAX_SEEN + 1] {
                let chunked = lines[..end]
                    .chunks(size)
                    .fold(Resume::default(), |resume, chunk| {
                        resume.then_lines(as_items(chunk).into_iter())
                    });
                assert_eq!(chunked, whole, "first {end} lines in chunks of {size}");
            }
        }
    }

    fn view(
        id: &str,
        state: serde_json::Value,
        restarts: i32,
        last: Option<serde_json::Value>,
    ) -> PodView {
        let mut status = serde_json::json!({
            "name": "sidecar", "image": "i", "imageID": "", "ready": true,
            "restartCount": restarts, "containerID": id, "state": state
        });
        if let Some(last) = last {
            status["lastState"] = serde_json::json!({ "terminated": last });
        }
        let pod = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "ns", "uid": "u1"},
            "spec": {"containers": [{"name": "sidecar", "image": "i"}]},
            "status": {"phase": "Running", "containerStatuses": [status]}
        });
        build_pod_view(&SourcePod {
            pod: serde_json::from_value(pod).expect("valid pod"),
            template_of: None,
        })
    }

    fn target(id: Option<&str>) -> LogTarget {
        LogTarget {
            namespace: "ns".into(),
            pod: "p".into(),
            pod_uid: Some("u1".into()),
            container: "sidecar".into(),
            role: Role::Main,
            previous: false,
            container_id: id.map(str::to_string),
        }
    }

    fn running() -> serde_json::Value {
        serde_json::json!({"running": {}})
    }

    #[test]
    fn new_container_id_is_a_restart_with_the_reason() {
        let pods = [view(
            "containerd://b",
            running(),
            8,
            Some(
                serde_json::json!({"exitCode": 137, "reason": "OOMKilled", "containerID": "containerd://a"}),
            ),
        )];
        let Step::NewInstance { marker, target } =
            after_end(&target(Some("containerd://a")), &pods)
        else {
            panic!("a restart");
        };
        assert_eq!(marker, " restarted: OOMKilled (137), restart 8");
        assert_eq!(target.container_id.as_deref(), Some("containerd://b"));
    }

    #[test]
    fn same_instance_running_reattaches_terminated_finishes() {
        let pods = [view("containerd://a", running(), 0, None)];
        assert_eq!(
            after_end(&target(Some("containerd://a")), &pods),
            Step::Reattach
        );
        let done = [view(
            "containerd://a",
            serde_json::json!({"terminated": {"exitCode": 0, "reason": "Completed"}}),
            0,
            None,
        )];
        assert_eq!(
            after_end(&target(Some("containerd://a")), &done),
            Step::Finished {
                marker: ": terminated: Completed (0)".into()
            }
        );
    }

    #[test]
    fn waiting_containers_wait_and_started_ones_attach() {
        let waiting = [view(
            "",
            serde_json::json!({"waiting": {"reason": "PodInitializing"}}),
            0,
            None,
        )];
        assert_eq!(after_end(&target(None), &waiting), Step::Wait);
        let started = [view("containerd://a", running(), 0, None)];
        assert!(matches!(
            after_end(&target(None), &started),
            Step::NewInstance { marker, .. } if marker == ": started"
        ));
    }

    #[test]
    fn a_missing_pod_is_deleted() {
        assert_eq!(after_end(&target(Some("x")), &[]), Step::Deleted);
    }

    #[test]
    fn resume_skips_lines_already_printed() {
        let line = |second: u32, message: &str| Line {
            time: format!("2026-11-23T10:00:{second:02}Z").parse().ok(),
            message: message.into(),
        };
        let mut resume = Resume::default();
        assert!(resume.is_new(&line(1, "a")));
        resume.printed(&line(1, "a"));
        resume.printed(&line(2, "b"));
        resume.printed(&line(2, "c"));
        assert_eq!(resume.since(), line(2, "").time);
        assert!(!resume.is_new(&line(1, "a")));
        assert!(!resume.is_new(&line(2, "b")));
        assert!(!resume.is_new(&line(2, "c")));
        assert!(resume.is_new(&line(2, "d")));
        assert!(resume.is_new(&line(3, "a")));
    }
}
