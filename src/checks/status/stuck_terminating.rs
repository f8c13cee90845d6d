//! `stuck-terminating`: the pod is being deleted for longer than its grace period; names the
//! containers still running and preStop hooks longer than the grace period.

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::State;
use crate::model::finding::{Finding, Severity};

rule! {
    /// ## What it does
    /// Reports a pod that is still there after its grace period ended: the API server sets
    /// `metadata.deletionTimestamp` to the moment the grace period ends, and the rule fires once "now" is
    /// past it. Always critical. The summary says how long ago the grace period
    /// (`metadata.deletionGracePeriodSeconds`, else `spec.terminationGracePeriodSeconds`, else 30s) ended
    /// and names the containers whose status still says running; the evidence lists the finalizers and
    /// the pod's `status.reason`. The fix points at a finalizer when there is one, at the node when no
    /// container is running, and otherwise at processes that ignore SIGTERM or preStop hooks that hang.
    ///
    /// ## Why is this bad?
    /// A pod that does not go away keeps what it holds: its name (a StatefulSet does not create the
    /// replacement until it is gone) and its ReadWriteOnce volumes, which a replacement on another node
    /// cannot attach. The kubelet normally kills whatever is left with SIGKILL when the grace period
    /// ends, so a pod that outlives it is held by something else: a finalizer whose controller never
    /// removes it, a node whose kubelet no longer reports (its status is then stale), or a runtime that
    /// cannot stop a container.
    ///
    /// ## Example
    /// A migration Job pod that completed, was deleted 45 minutes ago, and is held by the Job
    /// controller's `batch.kubernetes.io/job-tracking` finalizer.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: db-migrate-29385060-8kq4v
    ///   namespace: billing
    ///   labels: {batch.kubernetes.io/job-name: db-migrate-29385060, job-name: db-migrate-29385060}
    ///   ownerReferences:
    ///   - {apiVersion: batch/v1, kind: Job, name: db-migrate-29385060, controller: true,
    ///      blockOwnerDeletion: true, uid: 0d7b3e9f-2a6c-4e1d-9b8f-5c3a7e1d9f42}
    ///   finalizers: [batch.kubernetes.io/job-tracking]
    ///   creationTimestamp: "2026-11-23T11:00:00Z"
    ///   deletionTimestamp: "2026-11-23T11:15:30Z"
    ///   deletionGracePeriodSeconds: 30
    /// spec:
    ///   restartPolicy: Never
    ///   initContainers:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, --exit-zero-on-sigterm, "acme-prod:europe-west1:billing"]
    ///     restartPolicy: Always
    ///   containers:
    ///   - name: migrate
    ///     image: ghcr.io/acme/billing-migrations:2026.11.2
    /// status:
    ///   phase: Succeeded
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:00:01Z"
    ///   initContainerStatuses:
    ///   - {name: cloud-sql-proxy, image: "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1",
    ///      imageID: "gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:1b7e3c9a5d2f8e4b6a0c9d1f3e7b5a2c8d4f6e0a9b3c1d7e5f2a8b6c4d0e9f1a",
    ///      ready: false, started: false, restartCount: 0,
    ///      state: {terminated: {exitCode: 0, reason: Completed, startedAt: "2026-11-23T11:00:03Z",
    ///        finishedAt: "2026-11-23T11:02:19Z"}}}
    ///   containerStatuses:
    ///   - {name: migrate, image: "ghcr.io/acme/billing-migrations:2026.11.2",
    ///      imageID: "ghcr.io/acme/billing-migrations@sha256:0a4c8e2b6d9f1a3c5e7b0d2f4a6c8e1b3d5f7a9c0e2b4d6f8a1c3e5b7d9f0a2c",
    ///      ready: false, started: false, restartCount: 0,
    ///      state: {terminated: {exitCode: 0, reason: Completed, startedAt: "2026-11-23T11:00:05Z",
    ///        finishedAt: "2026-11-23T11:02:18Z"}}}
    /// ```
    /// Not reported: the same pod deleted 10 seconds ago: its `deletionTimestamp`, the end of its grace
    /// period, is still ahead.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: db-migrate-29385060-8kq4v
    ///   namespace: billing
    ///   labels: {batch.kubernetes.io/job-name: db-migrate-29385060, job-name: db-migrate-29385060}
    ///   ownerReferences:
    ///   - {apiVersion: batch/v1, kind: Job, name: db-migrate-29385060, controller: true,
    ///      blockOwnerDeletion: true, uid: 0d7b3e9f-2a6c-4e1d-9b8f-5c3a7e1d9f42}
    ///   finalizers: [batch.kubernetes.io/job-tracking]
    ///   creationTimestamp: "2026-11-23T11:00:00Z"
    ///   deletionTimestamp: "2026-11-23T12:00:20Z"
    ///   deletionGracePeriodSeconds: 30
    /// spec:
    ///   restartPolicy: Never
    ///   initContainers:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, --exit-zero-on-sigterm, "acme-prod:europe-west1:billing"]
    ///     restartPolicy: Always
    ///   containers:
    ///   - name: migrate
    ///     image: ghcr.io/acme/billing-migrations:2026.11.2
    /// status:
    ///   phase: Succeeded
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:00:01Z"
    ///   initContainerStatuses:
    ///   - {name: cloud-sql-proxy, image: "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1",
    ///      imageID: "gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:1b7e3c9a5d2f8e4b6a0c9d1f3e7b5a2c8d4f6e0a9b3c1d7e5f2a8b6c4d0e9f1a",
    ///      ready: false, started: false, restartCount: 0,
    ///      state: {terminated: {exitCode: 0, reason: Completed, startedAt: "2026-11-23T11:00:03Z",
    ///        finishedAt: "2026-11-23T11:02:19Z"}}}
    ///   containerStatuses:
    ///   - {name: migrate, image: "ghcr.io/acme/billing-migrations:2026.11.2",
    ///      imageID: "ghcr.io/acme/billing-migrations@sha256:0a4c8e2b6d9f1a3c5e7b0d2f4a6c8e1b3d5f7a9c0e2b4d6f8a1c3e5b7d9f0a2c",
    ///      ready: false, started: false, restartCount: 0,
    ///      state: {terminated: {exitCode: 0, reason: Completed, startedAt: "2026-11-23T11:00:05Z",
    ///        finishedAt: "2026-11-23T11:02:18Z"}}}
    /// ```
    ///
    /// ## Fix
    /// - A finalizer holds the pod: find the controller that owns it (`batch.kubernetes.io/job-tracking`
    ///   is the Job controller's) and why it does not remove it; remove the finalizer by hand only if
    ///   that controller is gone.
    /// - No container is running: the kubelet may be unreachable (node `NotReady`): check the node.
    ///   `kubectl delete pod --force --grace-period=0` only removes the API object, not the containers.
    /// - Containers still running: make the processes exit on SIGTERM, and keep preStop hooks well within
    ///   `terminationGracePeriodSeconds`.
    pub const RULE = Rule {
        id: "stuck-terminating",
        group: Group::Status,
        title: "the pod has been terminating for longer than its grace period",
        patch: false,
        policy: Policy::Outage,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    let Some(deleting_since) = ctx.view.deleting_since else {
        return Vec::new();
    };
    let pod = &ctx.source.pod;
    let grace = pod
        .metadata
        .deletion_grace_period_seconds
        .or_else(|| pod.spec.as_ref()?.termination_grace_period_seconds)
        .unwrap_or(30);
    // deletionTimestamp is set to the moment the grace period ends.
    let overdue = ctx.now.duration_since(deleting_since).as_secs();
    if overdue <= 0 {
        return Vec::new();
    }
    let running: Vec<String> = ctx
        .containers()
        .filter(|c| {
            matches!(
                c.status.as_ref().map(|s| &s.state),
                Some(State::Running { .. })
            )
        })
        .map(label)
        .collect();
    let still = if running.is_empty() {
        "no container is running".to_string()
    } else {
        format!("still running: {}", running.join(", "))
    };
    let mut finding = Finding::new(
        RULE.id,
        Severity::Critical,
        format!(
            "pod still terminating {} after its {grace}s grace period ended; {still}",
            crate::render::human_duration(ctx.now.duration_since(deleting_since))
        ),
    )
    .evidence(format!("metadata.deletionTimestamp={deleting_since}"));
    if let Some(finalizers) = pod.metadata.finalizers.as_ref().filter(|f| !f.is_empty()) {
        finding = finding.evidence(format!("finalizers: {}", finalizers.join(", ")));
    }
    if let Some(reason) = &ctx.view.reason {
        finding = finding.evidence(format!("status.reason={reason}"));
    }
    let fix = if pod
        .metadata
        .finalizers
        .as_ref()
        .is_some_and(|f| !f.is_empty())
    {
        "a finalizer holds the pod: find the controller that owns it, or remove the finalizer if that controller is gone"
    } else if running.is_empty() {
        "the kubelet may be unreachable (node NotReady): check the node; `kubectl delete pod --force --grace-period=0` only removes the API object"
    } else {
        "a container ignores SIGTERM or a preStop hook hangs: check the preStop hooks and that the processes exit on SIGTERM"
    };
    vec![finding.fix(fix)]
}
