//! `job-sidecar-never-exits`: a Job pod whose main container finished while a classic
//! sidecar keeps running, so the Job never completes (kubernetes#25908). Native sidecars
//! (Kubernetes ≥ 1.29) are stopped after the main container exits.

use crate::checks::remedies;
use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::finding::{Finding, Severity};
use crate::model::{Role, State, belongs_to_job};

rule! {
    /// ## What it does
    /// Finds a Job's pod (an owner of kind `Job`, or a `job-name` or `batch.kubernetes.io/job-name`
    /// label) whose main container has terminated, with any exit code, while a classic sidecar (another
    /// entry in `containers`) is still running: critical. In a Job or CronJob pod template read from
    /// a manifest, or a Job pod manifest without status, every classic sidecar is reported as a
    /// warning before it is deployed. Native sidecars are never reported. Live, on a server older than
    /// 1.29 the fix adds a way to stop the sidecar from the main container.
    ///
    /// ## Why is this bad?
    /// A pod completes only when all its regular containers have exited, and a proxy or log shipper
    /// never exits on its own. The pod stays `Running` (READY `1/2`) after the work is done: the Job
    /// never reaches `Complete`, so `ttlSecondsAfterFinished` never cleans it up, a CronJob with
    /// `concurrencyPolicy: Forbid` skips its next runs, and the pod keeps its requests on the node
    /// (kubernetes#25908).
    ///
    /// The kubelet stops native sidecars once every regular container has exited, so in native form the
    /// same sidecar ends with the Job.
    ///
    /// ## Example
    /// A Job's pod whose report finished three hours ago while its classic Cloud SQL Auth Proxy still
    /// runs.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: nightly-report-29385060-q7ztd
    ///   namespace: billing
    ///   labels: {batch.kubernetes.io/job-name: nightly-report-29385060, job-name: nightly-report-29385060}
    ///   ownerReferences:
    ///   - {apiVersion: batch/v1, kind: Job, name: nightly-report-29385060,
    ///      uid: 8f3c2a1e-6b4d-4e9a-b7c5-2d1e0f9a8b7c, controller: true, blockOwnerDeletion: true}
    ///   creationTimestamp: "2026-11-23T08:00:00Z"
    /// spec:
    ///   restartPolicy: Never
    ///   containers:
    ///   - name: report
    ///     image: ghcr.io/acme/nightly-report:3.0.1
    ///     args: [--date=2026-11-22]
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, "acme-prod:europe-west1:billing-db"]
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T08:00:01Z"
    ///   conditions:
    ///   - {type: Ready, status: "False", reason: ContainersNotReady, lastTransitionTime: "2026-11-23T08:58:42Z",
    ///      message: "containers with unready status: [report]"}
    ///   containerStatuses:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     imageID: gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:980fed5c920f0aa317d13fb6ab4179c1f9fb3bf4d6e5d443b486c051fa1af4a9
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state:
    ///       running: {startedAt: "2026-11-23T08:00:04Z"}
    ///     lastState: {}
    ///   - name: report
    ///     image: ghcr.io/acme/nightly-report:3.0.1
    ///     imageID: ghcr.io/acme/nightly-report@sha256:c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       terminated: {exitCode: 0, reason: Completed, startedAt: "2026-11-23T08:00:05Z", finishedAt: "2026-11-23T08:58:41Z"}
    ///     lastState: {}
    /// ```
    /// Not reported: the proxy is a native sidecar, which the kubelet stopped after report exited, and the
    /// pod `Succeeded`.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: nightly-report-29385060-q7ztd
    ///   namespace: billing
    ///   labels: {batch.kubernetes.io/job-name: nightly-report-29385060, job-name: nightly-report-29385060}
    ///   ownerReferences:
    ///   - {apiVersion: batch/v1, kind: Job, name: nightly-report-29385060,
    ///      uid: 8f3c2a1e-6b4d-4e9a-b7c5-2d1e0f9a8b7c, controller: true, blockOwnerDeletion: true}
    ///   creationTimestamp: "2026-11-23T08:00:00Z"
    /// spec:
    ///   restartPolicy: Never
    ///   initContainers:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, --exit-zero-on-sigterm, "acme-prod:europe-west1:billing-db"]
    ///     restartPolicy: Always
    ///   containers:
    ///   - name: report
    ///     image: ghcr.io/acme/nightly-report:3.0.1
    ///     args: [--date=2026-11-22]
    /// status:
    ///   phase: Succeeded
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T08:00:01Z"
    ///   initContainerStatuses:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     imageID: gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:980fed5c920f0aa317d13fb6ab4179c1f9fb3bf4d6e5d443b486c051fa1af4a9
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       terminated: {exitCode: 0, reason: Completed, startedAt: "2026-11-23T08:00:03Z", finishedAt: "2026-11-23T08:58:42Z"}
    ///     lastState: {}
    ///   containerStatuses:
    ///   - name: report
    ///     image: ghcr.io/acme/nightly-report:3.0.1
    ///     imageID: ghcr.io/acme/nightly-report@sha256:c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       terminated: {exitCode: 0, reason: Completed, startedAt: "2026-11-23T08:00:05Z", finishedAt: "2026-11-23T08:58:41Z"}
    ///     lastState: {}
    /// ```
    ///
    /// ## Fix
    /// Make the sidecar a native sidecar: move it from `containers` to `initContainers` with
    /// `restartPolicy: Always` (Kubernetes ≥ 1.29); the kubelet then stops it once the main container
    /// has exited. On an older server, have the main container stop the sidecar when it is done (Istio's
    /// `POST localhost:15020/quitquitquit`, cloud-sql-proxy's `--quitquitquit` endpoint).
    /// ```yaml
    ///   initContainers:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, --exit-zero-on-sigterm, "acme-prod:europe-west1:billing-db"]
    ///     restartPolicy: Always
    /// ```
    pub const RULE = Rule {
        id: "job-sidecar-never-exits",
        group: Group::Jobs,
        title: "a Job pod's classic sidecar keeps running after the main container finished",
        patch: true,
        policy: Policy::Outage,
        check,
    };
}

fn native_sidecar_advice(ctx: &PodContext, sidecar: &str) -> String {
    let base = format!(
        "make {sidecar} a native sidecar: move it to initContainers with restartPolicy: Always (Kubernetes ≥ 1.29); it is then stopped once the main container exits"
    );
    match ctx.server_version {
        Some((1, minor)) if minor < 29 => format!(
            "{base}. This server is v1.{minor}, too old for that: until you upgrade, have the main container stop the sidecar when done (e.g. Istio's /quitquitquit, cloud-sql-proxy's --quitquitquit)"
        ),
        _ => base,
    }
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    if !belongs_to_job(ctx.source) {
        return Vec::new();
    }
    let Some(main) = ctx.main() else {
        return Vec::new();
    };
    let classic: Vec<_> = ctx
        .containers()
        .filter(|c| c.role == Role::Sidecar)
        .collect();
    if classic.is_empty() {
        return Vec::new();
    }
    if ctx.view.spec_only {
        // A pre-deploy check: the template already has the problem.
        return classic
            .iter()
            .map(|s| {
                Finding::new(
                    RULE.id,
                    Severity::Warning,
                    format!(
                        "{} is a classic sidecar in a Job's pod template: once {} finishes it keeps running and the Job never completes",
                        label(s),
                        main.name
                    ),
                )
                .container(&s.name)
                .evidence(format!("spec.containers: {} and {}; restartPolicy {}", main.name, s.name,
                    ctx.view.restart_policy.as_deref().unwrap_or("Always")))
                .fix(native_sidecar_advice(ctx, &s.name))
                .patch_if(ctx.patches, || ctx.spec(&s.name).map(remedies::to_native))
            })
            .collect();
    }
    let Some(State::Terminated(done)) = main.status.as_ref().map(|s| &s.state) else {
        return Vec::new();
    };
    classic
        .iter()
        .filter(|s| matches!(s.status.as_ref().map(|st| &st.state), Some(State::Running { .. })))
        .map(|s| {
            let finished = done
                .finished_at
                .map(|at| format!(" {}", ctx.ago(at)))
                .unwrap_or_default();
            let mut finding = Finding::new(
                RULE.id,
                Severity::Critical,
                format!(
                    "{} finished{finished} (exit {}) but classic sidecar {} still runs: the Job never completes",
                    main.name,
                    done.exit_code,
                    label(s)
                ),
            )
            .container(&s.name)
            .evidence(format!(
                "{}: terminated reason={} exitCode={}",
                main.name,
                done.reason.as_deref().unwrap_or("-"),
                done.exit_code
            ));
            if let Some(State::Running {
                started_at: Some(at),
            }) = s.status.as_ref().map(|st| &st.state)
            {
                finding = finding.evidence(format!("{}: running since {at}", s.name));
            }
            finding
                .evidence(format!(
                    "pod phase {}, restartPolicy {}",
                    ctx.view.phase.as_deref().unwrap_or("-"),
                    ctx.view.restart_policy.as_deref().unwrap_or("-")
                ))
                .fix(native_sidecar_advice(ctx, &s.name))
                .patch_if(ctx.patches, || ctx.spec(&s.name).map(remedies::to_native))
        })
        .collect()
}
