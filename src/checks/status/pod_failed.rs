//! `pod-failed`: the pod ended in phase Failed (or the node stopped reporting it: Unknown),
//! and no more specific rule (eviction, OOM kill, start error, a sidecar's exit) explains it.
//! Blames the container whose exit failed the pod: the main container first, since in a Job
//! pod the main container's exit code is what decides success; sidecars are not at fault.

use super::crash_loop::explain_exit;
use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::finding::{Finding, Severity};
use crate::model::{ContainerView, Role, State, Termination, belongs_to_job};

rule! {
    /// ## What it does
    /// Reports a pod in phase `Failed`, or `Unknown` (its node stopped reporting), that no more specific
    /// critical finding explains: it is dropped next to `evicted` or `sidecar-failed-pod`, and next to a
    /// critical finding on the same container (`oom-killed`, `config-error`, …). For a failed pod it
    /// blames the container whose exit failed it: the main container first, since in a Job pod its exit
    /// code decides the outcome (the sidecars are then said not to be at fault), then classic sidecars
    /// and init containers; native sidecars never decide the phase. The exit code is explained and the
    /// termination message quoted; with no failed container it gives the pod's own `status.reason`
    /// (`DeadlineExceeded`: `activeDeadlineSeconds`). Always critical; manifests without status are not
    /// checked.
    ///
    /// ## Why is this bad?
    /// A `Failed` pod is final: nothing in it is restarted, and a Job counts it against its
    /// `backoffLimit`, creating new pods until it gives up. `kubectl get pods` only shows `Error`, and
    /// with several containers in the pod it is easy to chase the sidecar (a proxy that exited 143 when
    /// the pod stopped it) instead of the container whose exit code actually failed the pod.
    ///
    /// A pod in phase `Unknown` has lost its node: nothing is known about its containers, and it is
    /// replaced only once the node comes back or is removed.
    ///
    /// ## Example
    /// A report Job pod whose main container exited 1; its native Cloud SQL proxy exited 143 when it was
    /// stopped, which does not count.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: invoice-report-29385100-7d2xw
    ///   namespace: billing
    ///   labels: {batch.kubernetes.io/job-name: invoice-report-29385100, job-name: invoice-report-29385100}
    ///   ownerReferences:
    ///   - {apiVersion: batch/v1, kind: Job, name: invoice-report-29385100, controller: true,
    ///      blockOwnerDeletion: true, uid: 8e1f4c2a-6b3d-4a9e-b7c5-2d0f9e8a1b63}
    ///   creationTimestamp: "2026-11-23T11:00:00Z"
    /// spec:
    ///   restartPolicy: Never
    ///   initContainers:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, "acme-prod:europe-west1:billing"]
    ///     restartPolicy: Always
    ///   containers:
    ///   - name: report
    ///     image: ghcr.io/acme/invoice-report:1.9.3
    ///     terminationMessagePolicy: FallbackToLogsOnError
    /// status:
    ///   phase: Failed
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:00:01Z"
    ///   initContainerStatuses:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     imageID: gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:1b7e3c9a5d2f8e4b6a0c9d1f3e7b5a2c8d4f6e0a9b3c1d7e5f2a8b6c4d0e9f1a
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       terminated: {exitCode: 143, reason: Error, startedAt: "2026-11-23T11:00:03Z",
    ///         finishedAt: "2026-11-23T11:07:42Z"}
    ///   containerStatuses:
    ///   - name: report
    ///     image: ghcr.io/acme/invoice-report:1.9.3
    ///     imageID: ghcr.io/acme/invoice-report@sha256:7f3a9c1e5b2d8f4a6c0e9b7d3f1a5c8e2b6d4f0a9c7e1b3d5f8a2c6e4b0d9f7a
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       terminated: {exitCode: 1, reason: Error, startedAt: "2026-11-23T11:00:05Z",
    ///         finishedAt: "2026-11-23T11:07:40Z", message: "psql: error: connection to server at
    ///           \"127.0.0.1\", port 5432 failed: FATAL: password authentication failed for user \"report\""}
    /// ```
    /// Not reported: the same pod when `report` was OOM-killed: `oom-killed` explains the failure on that
    /// container and says more.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: invoice-report-29385100-7d2xw
    ///   namespace: billing
    ///   labels: {batch.kubernetes.io/job-name: invoice-report-29385100, job-name: invoice-report-29385100}
    ///   ownerReferences:
    ///   - {apiVersion: batch/v1, kind: Job, name: invoice-report-29385100, controller: true,
    ///      blockOwnerDeletion: true, uid: 8e1f4c2a-6b3d-4a9e-b7c5-2d0f9e8a1b63}
    ///   creationTimestamp: "2026-11-23T11:00:00Z"
    /// spec:
    ///   restartPolicy: Never
    ///   initContainers:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, "acme-prod:europe-west1:billing"]
    ///     restartPolicy: Always
    ///   containers:
    ///   - name: report
    ///     image: ghcr.io/acme/invoice-report:1.9.3
    ///     resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {memory: 1Gi}}
    /// status:
    ///   phase: Failed
    ///   qosClass: Burstable
    ///   startTime: "2026-11-23T11:00:01Z"
    ///   initContainerStatuses:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     imageID: gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:1b7e3c9a5d2f8e4b6a0c9d1f3e7b5a2c8d4f6e0a9b3c1d7e5f2a8b6c4d0e9f1a
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       terminated: {exitCode: 143, reason: Error, startedAt: "2026-11-23T11:00:03Z",
    ///         finishedAt: "2026-11-23T11:07:42Z"}
    ///   containerStatuses:
    ///   - name: report
    ///     image: ghcr.io/acme/invoice-report:1.9.3
    ///     imageID: ghcr.io/acme/invoice-report@sha256:7f3a9c1e5b2d8f4a6c0e9b7d3f1a5c8e2b6d4f0a9c7e1b3d5f8a2c6e4b0d9f7a
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       terminated: {exitCode: 137, reason: OOMKilled, startedAt: "2026-11-23T11:00:05Z",
    ///         finishedAt: "2026-11-23T11:07:40Z"}
    /// ```
    ///
    /// ## Fix
    /// - Read the blamed container's log (`kubectl logs -n NS POD -c CONTAINER`) and its termination
    ///   message, and fix what made it exit non-zero. Exit 126, 127 or 128 means the command or image is
    ///   wrong: fix `command`/`args` or the image.
    /// - Set `terminationMessagePolicy: FallbackToLogsOnError` on one-shot containers, so the last log
    ///   lines are kept in the status after the pod is gone.
    /// - `DeadlineExceeded`: the pod ran past `activeDeadlineSeconds`: raise it or make the work finish
    ///   sooner.
    /// - Phase `Unknown`: check the node (`kubectl get node NODE`); the pod is replaced only once the
    ///   node is back or removed.
    pub const RULE = Rule {
        id: "pod-failed",
        group: Group::Status,
        title: "the pod failed (phase Failed or Unknown): names the container whose exit failed it",
        patch: false,
        policy: Policy::Outage,
        check,
    };
}

/// The current termination of a container, when it terminated with a failure.
pub fn failed_exit(c: &ContainerView) -> Option<&Termination> {
    match c.status.as_ref().map(|s| &s.state) {
        Some(State::Terminated(t)) if !t.is_success() => Some(t),
        _ => None,
    }
}

/// What a failed one-shot exit means (the crash-loop wording assumes a long-running process).
fn explain_failed_exit(t: &Termination, role: Role) -> String {
    match t.exit_code {
        0 => "exit 0 but the runtime reported a failure".to_string(),
        _ => explain_exit(t, role),
    }
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    let phase = ctx.view.phase.as_deref();
    if ctx.view.spec_only || !matches!(phase, Some("Failed" | "Unknown")) {
        return Vec::new();
    }
    if phase == Some("Unknown") {
        let node = ctx.view.node.as_deref().unwrap_or("its node");
        return vec![
            Finding::new(
                RULE.id,
                Severity::Critical,
                format!("pod phase Unknown: {node} stopped reporting its status"),
            )
            .evidence(format!(
                "status.phase=Unknown{}",
                ctx.view
                    .message
                    .as_deref()
                    .map(|m| format!(", message: {m}"))
                    .unwrap_or_default()
            ))
            .fix(format!(
                "check the node: kubectl get node {node}; the pod is replaced only once the node is back or removed"
            )),
        ];
    }
    let job = belongs_to_job(ctx.source);
    let what = if job { "Job pod" } else { "pod" };
    // Main first: its exit decides a Job's outcome. Then classic sidecars and init
    // containers; native sidecars' exit codes never decide the phase.
    let culprit = ctx
        .main()
        .and_then(|m| failed_exit(m).map(|t| (m, t)))
        .or_else(|| {
            ctx.containers()
                .filter(|c| matches!(c.role, Role::Init | Role::Sidecar))
                .find_map(|c| failed_exit(c).map(|t| (c, t)))
        });
    let Some((c, t)) = culprit else {
        // Nothing exited with a failure: the pod-level reason says why (DeadlineExceeded…).
        let reason = ctx.view.reason.as_deref().unwrap_or("no reason recorded");
        let mut finding = Finding::new(
            RULE.id,
            Severity::Critical,
            format!("{what} failed: {reason}"),
        )
        .evidence(format!("status.phase=Failed, status.reason={reason}"));
        if let Some(message) = &ctx.view.message {
            finding = finding.evidence(format!("status.message: {message}"));
        }
        let fix = if reason == "DeadlineExceeded" {
            "the pod ran past activeDeadlineSeconds: raise it or make the work finish sooner"
                .to_string()
        } else {
            format!(
                "read the pod's events: kubectl describe pod -n {} {}",
                ctx.view.namespace, ctx.view.name
            )
        };
        return vec![finding.fix(fix)];
    };
    let mut finding = Finding::new(
        RULE.id,
        Severity::Critical,
        format!(
            "{}: {}; it failed the {what}",
            label(c),
            explain_failed_exit(t, c.role)
        ),
    )
    .container(&c.name)
    .evidence(t.evidence(&c.name));
    if let Some(message) = &t.message {
        finding = finding.evidence(format!("{}: termination message: {message}", c.name));
    }
    let innocent: Vec<String> = ctx
        .containers()
        .filter(|s| matches!(s.role, Role::NativeSidecar | Role::Sidecar) && s.name != c.name)
        .map(|s| s.name.clone())
        .collect();
    if c.role == Role::Main && !innocent.is_empty() {
        finding = finding.evidence(format!(
            "{} exited on its own: the sidecar{} ({}) did not fail the pod",
            c.name,
            if innocent.len() == 1 { "" } else { "s" },
            innocent.join(", ")
        ));
    }
    finding = finding.evidence(format!(
        "pod phase Failed, restartPolicy {}",
        ctx.view.restart_policy.as_deref().unwrap_or("Always")
    ));
    let logs = format!(
        "kubectl logs -n {} {} -c {}",
        ctx.view.namespace, ctx.view.name, c.name
    );
    let fix = match t.exit_code {
        126..=128 => format!("fix the command or image of {}; {logs}", c.name),
        _ => format!("read why {} failed: {logs}", c.name),
    };
    vec![finding.fix(fix)]
}
