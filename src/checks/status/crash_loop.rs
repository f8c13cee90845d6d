//! `crash-loop`: CrashLoopBackOff, or restarts piling up; explains the last exit code and,
//! live, shows the last lines of the previous instance's log. OOM kills are left to
//! `oom-killed`, which says more about them.

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::finding::{Finding, Severity};
use crate::model::termination::signal_name;
use crate::model::{ContainerView, Role, State, Termination};

rule! {
    /// ## What it does
    /// Reports a container (init, native sidecar, main or classic sidecar) that keeps exiting and being
    /// restarted: critical while it waits in `CrashLoopBackOff`, a warning when it is running again after
    /// 3 or more restarts and its last termination was a failure (non-zero exit). It explains the last
    /// exit code from `lastState.terminated`: 0 (the process finishes by design, but it must keep
    /// running), 1 and 2 (application or usage error), 126 (not executable), 127 (command not found), 128
    /// (the runtime could not start it), 137 without OOMKilled (a liveness probe, the end of a grace
    /// period or a kill from outside), 139 (SIGSEGV), 143 (SIGTERM), other signals by name. Evidence: the
    /// termination message, the back-off message, `BackOff` events, the liveness probe's kill budget for
    /// a 137, and live, the last lines of the previous instance's log. A last termination with
    /// `reason: OOMKilled` is left to `oom-killed`.
    ///
    /// ## Why is this bad?
    /// The kubelet restarts a failing container with an exponential back-off (10s, 20s, 40s, up to 5
    /// minutes), so a container that cannot start spends most of its time down, and a pod whose container
    /// is in back-off is not Ready and gets no Service traffic.
    ///
    /// A crash-looping sidecar hurts the application even when the application is fine: with the database
    /// proxy or mesh proxy down every call that goes through it fails, and `kubectl get pods` shows the
    /// pod as `CrashLoopBackOff` without saying which container, or why.
    ///
    /// ## Example
    /// A Cloud SQL proxy sidecar whose service account may not read the instance: it exits 1 at start and
    /// is in back-off after 5 restarts.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: orders-api-5f8c7d9b6-t4wzr
    ///   namespace: shop
    ///   labels: {app: orders-api, pod-template-hash: 5f8c7d9b6}
    ///   creationTimestamp: "2026-11-23T11:41:12Z"
    /// spec:
    ///   serviceAccountName: orders-api
    ///   containers:
    ///   - name: orders-api
    ///     image: ghcr.io/acme/orders-api:2.8.0
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, --structured-logs, "acme-prod:europe-west1:orders"]
    ///     terminationMessagePolicy: FallbackToLogsOnError
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:41:12Z"
    ///   conditions:
    ///   - {type: Ready, status: "False", reason: ContainersNotReady,
    ///      message: "containers with unready status: [cloud-sql-proxy]",
    ///      lastTransitionTime: "2026-11-23T11:41:12Z"}
    ///   containerStatuses:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     imageID: gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:1b7e3c9a5d2f8e4b6a0c9d1f3e7b5a2c8d4f6e0a9b3c1d7e5f2a8b6c4d0e9f1a
    ///     ready: false
    ///     started: false
    ///     restartCount: 5
    ///     state:
    ///       waiting: {reason: CrashLoopBackOff, message: back-off 2m40s restarting failed
    ///           container=cloud-sql-proxy pod=orders-api-5f8c7d9b6-t4wzr_shop(5d2e8b1f-3c7a-4f9e-a6b0-9c4d1e7f2a85)}
    ///     lastState:
    ///       terminated: {exitCode: 1, reason: Error, startedAt: "2026-11-23T11:55:31Z",
    ///         finishedAt: "2026-11-23T11:55:33Z", message: "googleapi: Error 403: boss::NOT_AUTHORIZED:
    ///           Not authorized to access resource. Possibly missing permission cloudsql.instances.get"}
    ///   - name: orders-api
    ///     image: ghcr.io/acme/orders-api:2.8.0
    ///     imageID: ghcr.io/acme/orders-api@sha256:9c1d7e3b5a8f2c4e6d0b1a9f7e5c3d2b8a6f4e0c2d9b7a5e3c1f8d6b4a2e0c9f
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T11:41:15Z"}}
    /// ```
    /// Not reported: the proxy running and ready again after 2 failed restarts (the threshold is 3).
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: orders-api-5f8c7d9b6-t4wzr
    ///   namespace: shop
    ///   labels: {app: orders-api, pod-template-hash: 5f8c7d9b6}
    ///   creationTimestamp: "2026-11-23T11:41:12Z"
    /// spec:
    ///   serviceAccountName: orders-api
    ///   containers:
    ///   - name: orders-api
    ///     image: ghcr.io/acme/orders-api:2.8.0
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, --structured-logs, "acme-prod:europe-west1:orders"]
    ///     terminationMessagePolicy: FallbackToLogsOnError
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:41:12Z"
    ///   conditions:
    ///   - {type: Ready, status: "True", lastTransitionTime: "2026-11-23T11:42:03Z"}
    ///   containerStatuses:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     imageID: gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:1b7e3c9a5d2f8e4b6a0c9d1f3e7b5a2c8d4f6e0a9b3c1d7e5f2a8b6c4d0e9f1a
    ///     ready: true
    ///     started: true
    ///     restartCount: 2
    ///     state: {running: {startedAt: "2026-11-23T11:42:01Z"}}
    ///     lastState:
    ///       terminated: {exitCode: 1, reason: Error, startedAt: "2026-11-23T11:41:31Z",
    ///         finishedAt: "2026-11-23T11:41:33Z", message: "googleapi: Error 403: boss::NOT_AUTHORIZED:
    ///           Not authorized to access resource. Possibly missing permission cloudsql.instances.get"}
    ///   - name: orders-api
    ///     image: ghcr.io/acme/orders-api:2.8.0
    ///     imageID: ghcr.io/acme/orders-api@sha256:9c1d7e3b5a8f2c4e6d0b1a9f7e5c3d2b8a6f4e0c2d9b7a5e3c1f8d6b4a2e0c9f
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T11:41:15Z"}}
    /// ```
    ///
    /// ## Fix
    /// Read why it exits: the termination message, then `kubectl logs --previous -c CONTAINER`. Then, by
    /// exit code:
    /// - 0: give the container a long-running command; if it is a one-shot task, make it an init
    ///   container.
    /// - 126, 127, 128: fix `command`/`args` or the image.
    /// - 137 without OOMKilled: check its `livenessProbe` and `terminationGracePeriodSeconds`, and look
    ///   for `Unhealthy`/`Killing` events.
    /// - Anything else: fix what the log names (here: grant the pod's service account the
    ///   `roles/cloudsql.client` role).
    pub const RULE = Rule {
        id: "crash-loop",
        group: Group::Status,
        title: "a container keeps exiting and being restarted (CrashLoopBackOff)",
        patch: false,
        policy: Policy::Outage,
        check,
    };
}

/// Restarts at which a running container counts as crash-looping between back-offs.
const RESTARTS_THRESHOLD: u32 = 3;

/// What an exit code means for a container that is supposed to keep running.
pub fn explain_exit(t: &Termination, role: Role) -> String {
    match t.exit_code {
        0 => {
            let what = match role {
                Role::Sidecar | Role::NativeSidecar => "a sidecar",
                _ => "the container",
            };
            format!(
                "exit 0: the process finishes by design, but {what} must keep running (restartPolicy Always), so it is restarted forever: the image has no long-running command"
            )
        }
        1 => "exit 1: application error; its log says why".to_string(),
        2 => "exit 2: application or usage error (bad flags, arguments or config)".to_string(),
        126 => "exit 126: the command exists but is not executable (permissions)".to_string(),
        127 => "exit 127: the command was not found in the image".to_string(),
        128 => format!(
            "exit 128: the runtime could not start the process{}",
            t.message
                .as_deref()
                .map(|m| format!(" ({})", m.trim()))
                .unwrap_or_default()
        ),
        137 => "exit 137 (SIGKILL) without OOMKilled: killed by a failed liveness probe, an expired grace period, or from outside; not an OOM".to_string(),
        139 => "exit 139 (SIGSEGV): the process crashed (segmentation fault)".to_string(),
        143 => "exit 143 (SIGTERM): it was asked to stop and did (a probe, a preStop hook, or it exits on SIGTERM)".to_string(),
        code if code > 128 => format!(
            "exit {code}: killed by {}",
            signal_name(code - 128).unwrap_or("a signal")
        ),
        code => format!("exit {code}: application error; its log says why"),
    }
}

/// `(in back-off now, last termination if recorded)` for a crash-looping container.
fn crash_looping(c: &ContainerView) -> Option<(bool, Option<&Termination>)> {
    let status = c.status.as_ref()?;
    let last = status.last_termination.as_ref();
    let back_off =
        matches!(&status.state, State::Waiting { reason: Some(r), .. } if r == "CrashLoopBackOff");
    let storm = status.restart_count >= RESTARTS_THRESHOLD
        && matches!(status.state, State::Running { .. })
        && last.is_some_and(|t| !t.is_success());
    if !(back_off || storm) || last.is_some_and(Termination::is_oom) {
        return None;
    }
    Some((back_off, last))
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for c in ctx.containers() {
        let Some((back_off, last)) = crash_looping(c) else {
            continue;
        };
        let Some(status) = &c.status else { continue };
        let what = if back_off {
            "CrashLoopBackOff"
        } else {
            "restarting repeatedly"
        };
        let explanation = match last {
            Some(t) => {
                let when = t
                    .finished_at
                    .map(|at| format!(", last exit {}", ctx.ago(at)))
                    .unwrap_or_default();
                format!("{when}; {}", explain_exit(t, c.role))
            }
            // Seen in hand-edited or half-synced statuses: say so instead of guessing.
            None => "; no last termination recorded, so the exit reason is unknown".to_string(),
        };
        let severity = if back_off {
            Severity::Critical
        } else {
            Severity::Warning
        };
        let mut finding = Finding::new(
            RULE.id,
            severity,
            format!(
                "{}: {what}, {}{explanation}",
                label(c),
                crate::render::count(status.restart_count, "restart", "restarts")
            ),
        )
        .container(&c.name);
        if let Some(t) = last {
            finding = finding.evidence(format!(
                "lastState.terminated: reason={} exitCode={}",
                t.reason.as_deref().unwrap_or("-"),
                t.exit_code
            ));
            // What the process wrote to its termination log is often the whole story.
            if let Some(message) = &t.message {
                finding = finding.evidence(format!("lastState.terminated.message: {message}"));
            }
        }
        if let State::Waiting {
            message: Some(message),
            ..
        } = &status.state
        {
            finding = finding.evidence(format!("state.waiting.message: {message}"));
        }
        if last.is_some_and(|t| t.exit_code == 137)
            && let Some(probe) = ctx.spec(&c.name).and_then(|s| s.liveness_probe.as_ref())
        {
            let (delay, threshold, period, total) = super::probe_kill::kill_budget(probe);
            finding = finding.evidence(format!(
                "livenessProbe declared: kill budget {delay}s + {threshold} × {period}s = {total}s; look for Unhealthy/Killing events"
            ));
        }
        for event in ctx.container_events(&c.name) {
            if event.reason == "BackOff" {
                finding =
                    finding.evidence(format!("event BackOff x{}: {}", event.count, event.message));
            }
        }
        if let Some(lines) = ctx.previous_logs.get(c.name.as_str()) {
            finding.evidence.extend(previous_log_evidence(lines));
        }
        let fix = match last.map(|t| t.exit_code) {
            Some(0) => format!(
                "give {} a long-running command (or, if it is a one-shot job, make it an init container)",
                c.name
            ),
            Some(126..=128) => format!("fix the command or image of {}", c.name),
            Some(137) => format!(
                "check its liveness probe and terminationGracePeriodSeconds; read `kubectl logs --previous -c {}`",
                c.name
            ),
            _ => format!("read why it exits: `kubectl logs --previous -c {}`", c.name),
        };
        findings.push(finding.fix(fix));
    }
    findings
}

/// The evidence lines of a crash-looping container's previous log: its last lines, always
/// the last evidence of the finding (so they can follow once the logs are read).
pub fn previous_log_evidence(lines: &[String]) -> Vec<String> {
    if lines.is_empty() {
        return vec!["previous instance logged nothing".to_string()];
    }
    lines
        .iter()
        .map(|line| format!("previous log: {line}"))
        .collect()
}

/// Adds previous logs read after the pod was diagnosed to its crash-loop findings.
pub fn add_previous_logs(
    findings: &mut [crate::diagnose::PodFinding],
    logs: &crate::source::PreviousLogs,
) {
    for f in findings.iter_mut().filter(|f| f.finding.rule == RULE.id) {
        if let Some(lines) = f.finding.container.as_ref().and_then(|c| logs.get(c)) {
            f.finding.evidence.extend(previous_log_evidence(lines));
        }
    }
}
