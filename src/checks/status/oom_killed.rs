//! `oom-killed`: the current or last termination was OOMKilled. Read from the reason only:
//! OOMKilled has been reported with exit codes 0 and 2, and 137 alone is any SIGKILL.

use crate::checks::{Group, Policy, remedies, restart_impact};
use crate::checks::{PodContext, label};
use crate::model::State;
use crate::model::finding::{Finding, Severity};
use crate::model::patch::raised_memory;

rule! {
    /// ## What it does
    /// Reports a container whose current state or last termination (`lastState.terminated`) has
    /// `reason: OOMKilled`. The reason is all it reads: OOMKilled has been reported with exit codes 0 and
    /// 2, and exit 137 alone is any SIGKILL. It is a warning when the kill is only in `lastState` and the
    /// container runs again, ready, in a Running pod whose Ready condition is `True` (or the pod has
    /// `Succeeded` since); otherwise it is critical: the container is still terminated by the kill or in
    /// back-off, or the pod is not Ready or `Failed`. The finding names the memory limit and request, the
    /// restart count, when the kill happened and how long the killed instance ran.
    ///
    /// ## Why is this bad?
    /// The kernel kills a container the moment its memory use reaches its `limits.memory` (or, without a
    /// limit, when the node runs out of memory), with no SIGTERM and no chance to flush anything. The
    /// kubelet restarts it with an exponential back-off, so a container that grows past its limit under
    /// load is killed again and again.
    ///
    /// For a sidecar the pod keeps running while the application loses what the sidecar does: with the
    /// proxy down every outbound call fails, with the log shipper down logs are dropped. Sidecars are
    /// often given tight limits sized for idle traffic, so this is where OOM kills appear first.
    ///
    /// ## Example
    /// A fluent-bit sidecar with a 64Mi limit, OOM-killed six times and now in back-off.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: checkout-7b9d6c5f4-xk2pq
    ///   namespace: shop
    ///   labels: {app: checkout, pod-template-hash: 7b9d6c5f4}
    ///   creationTimestamp: "2026-11-23T09:12:40Z"
    /// spec:
    ///   containers:
    ///   - name: checkout
    ///     image: ghcr.io/acme/checkout:3.2.1
    ///     resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {memory: 512Mi}}
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.1.9
    ///     resources: {requests: {cpu: 20m, memory: 32Mi}, limits: {memory: 64Mi}}
    /// status:
    ///   phase: Running
    ///   qosClass: Burstable
    ///   startTime: "2026-11-23T09:12:40Z"
    ///   conditions:
    ///   - {type: Ready, status: "False", reason: ContainersNotReady,
    ///      message: "containers with unready status: [fluent-bit]",
    ///      lastTransitionTime: "2026-11-23T11:51:02Z"}
    ///   containerStatuses:
    ///   - name: checkout
    ///     image: ghcr.io/acme/checkout:3.2.1
    ///     imageID: ghcr.io/acme/checkout@sha256:5e2f8a1c9b7d3e6f0a4c2b8d1e9f7a5c3b0d6e4f2a8c1b9d7e5f3a0c6b4d2e8f
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T09:12:44Z"}}
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.1.9
    ///     imageID: cr.fluentbit.io/fluent/fluent-bit@sha256:4a0b6c1e8f3d2a7b9c5e1f0d8a6b4c2e9f7a5d3b1c8e6f4a2d0b9c7e5a3f1d8b
    ///     ready: false
    ///     started: false
    ///     restartCount: 6
    ///     state:
    ///       waiting: {reason: CrashLoopBackOff, message: back-off 2m40s restarting failed
    ///           container=fluent-bit pod=checkout-7b9d6c5f4-xk2pq_shop(0c6f2a9e-4b1d-4e8a-9f3c-7d5b2e1a8c46)}
    ///     lastState:
    ///       terminated: {exitCode: 137, reason: OOMKilled, startedAt: "2026-11-23T11:48:31Z",
    ///         finishedAt: "2026-11-23T11:51:02Z"}
    /// ```
    /// Not reported: the same exit 137 with `reason: Error` is a SIGKILL from elsewhere (a liveness
    /// probe, the end of a grace period); `crash-loop` reports it instead.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: checkout-7b9d6c5f4-xk2pq
    ///   namespace: shop
    ///   labels: {app: checkout, pod-template-hash: 7b9d6c5f4}
    ///   creationTimestamp: "2026-11-23T09:12:40Z"
    /// spec:
    ///   containers:
    ///   - name: checkout
    ///     image: ghcr.io/acme/checkout:3.2.1
    ///     resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {memory: 512Mi}}
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.1.9
    ///     resources: {requests: {cpu: 20m, memory: 32Mi}, limits: {memory: 64Mi}}
    /// status:
    ///   phase: Running
    ///   qosClass: Burstable
    ///   startTime: "2026-11-23T09:12:40Z"
    ///   conditions:
    ///   - {type: Ready, status: "False", reason: ContainersNotReady,
    ///      message: "containers with unready status: [fluent-bit]",
    ///      lastTransitionTime: "2026-11-23T11:51:02Z"}
    ///   containerStatuses:
    ///   - name: checkout
    ///     image: ghcr.io/acme/checkout:3.2.1
    ///     imageID: ghcr.io/acme/checkout@sha256:5e2f8a1c9b7d3e6f0a4c2b8d1e9f7a5c3b0d6e4f2a8c1b9d7e5f3a0c6b4d2e8f
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T09:12:44Z"}}
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.1.9
    ///     imageID: cr.fluentbit.io/fluent/fluent-bit@sha256:4a0b6c1e8f3d2a7b9c5e1f0d8a6b4c2e9f7a5d3b1c8e6f4a2d0b9c7e5a3f1d8b
    ///     ready: false
    ///     started: false
    ///     restartCount: 6
    ///     state:
    ///       waiting: {reason: CrashLoopBackOff, message: back-off 2m40s restarting failed
    ///           container=fluent-bit pod=checkout-7b9d6c5f4-xk2pq_shop(0c6f2a9e-4b1d-4e8a-9f3c-7d5b2e1a8c46)}
    ///     lastState:
    ///       terminated: {exitCode: 137, reason: Error, startedAt: "2026-11-23T11:48:31Z",
    ///         finishedAt: "2026-11-23T11:51:02Z"}
    /// ```
    ///
    /// ## Fix
    /// - With a memory limit: raise `resources.limits.memory` of the killed container above the level it
    ///   was killed at (and its request with it), or find what makes its memory grow (buffers, a leak,
    ///   traffic it was not sized for).
    /// - Without a memory limit the node itself ran out of memory: give the container a memory request
    ///   close to its real use, and a limit, so it is scheduled and ranked correctly.
    /// ```yaml
    ///   - name: fluent-bit
    ///     resources: {requests: {cpu: 20m, memory: 96Mi}, limits: {memory: 192Mi}}
    /// ```
    pub const RULE = Rule {
        id: "oom-killed",
        group: Group::Status,
        title: "a container was killed for exceeding its memory limit (OOMKilled)",
        patch: true,
        policy: Policy::Outage,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for c in ctx.containers() {
        let Some(status) = &c.status else { continue };
        let current = match &status.state {
            State::Terminated(t) if t.is_oom() => Some(t),
            _ => None,
        };
        let Some(t) = current.or(status.last_termination.as_ref().filter(|t| t.is_oom())) else {
            continue;
        };
        let limit = c.resources.limits.get("memory");
        let request = c.resources.requests.get("memory");
        let when = t
            .finished_at
            .map(|at| format!(", last {}", ctx.ago(at)))
            .unwrap_or_default();
        let restarts = if status.restart_count > 0 {
            format!(
                ", {}",
                crate::render::count(status.restart_count, "restart", "restarts")
            )
        } else {
            String::new()
        };
        let limit_text = limit.map_or("no memory limit".to_string(), |l| {
            format!("memory limit {l}")
        });
        // Critical while it is down or takes the pod down; once it runs again in a Ready
        // (or finished) pod, the kill has hurt but the pod works: a warning.
        let up_again = matches!(status.state, State::Running { .. }) && status.ready;
        let pod_fine = matches!(ctx.view.phase.as_deref(), Some("Succeeded"))
            || (ctx.view.phase.as_deref() == Some("Running") && ctx.pod_ready());
        let severity = if current.is_none()
            && (up_again || ctx.view.phase.as_deref() == Some("Succeeded"))
            && pod_fine
        {
            Severity::Warning
        } else {
            Severity::Critical
        };
        let mut finding = Finding::new(
            RULE.id,
            severity,
            format!(
                "{}: OOMKilled (exit {}){restarts}{when}; {limit_text}",
                label(c),
                t.exit_code
            ),
        )
        .container(&c.name)
        .evidence(format!(
            "{}.terminated: reason=OOMKilled exitCode={}{}",
            if current.is_some() {
                "state"
            } else {
                "lastState"
            },
            t.exit_code,
            t.finished_at
                .map(|at| format!(" finishedAt={at}"))
                .unwrap_or_default()
        ))
        .evidence(format!(
            "resources: requests.memory={} limits.memory={}",
            request.map_or("none", String::as_str),
            limit.map_or("none", String::as_str)
        ));
        if let (Some(start), Some(end)) = (t.started_at, t.finished_at) {
            finding = finding.evidence(format!(
                "the killed instance ran for {}",
                crate::render::human_duration(end.duration_since(start))
            ));
        }
        let phase = ctx.view.phase.as_deref().unwrap_or("unknown");
        finding = finding.evidence(format!(
            "pod phase {phase}, READY {}/{}: {}",
            ctx.view.ready.unwrap_or(0),
            ctx.view.total,
            restart_impact(c.role)
        ));
        let fix = match limit {
            Some(l) => format!(
                "raise the memory limit of {} above {l} (it was killed at the limit), or find what grows its memory",
                c.name
            ),
            None => format!(
                "the node ran out of memory: give {} a memory request close to its real use (and a limit) so it is scheduled and ranked correctly",
                c.name
            ),
        };
        let mut finding = finding.fix(fix);
        let raised = limit.and_then(|l| Some((l, crate::model::quantity::parse(l)?)));
        if let (Some((l, bytes)), Some(spec)) = (raised, ctx.spec(&c.name)) {
            let new_limit = raised_memory(bytes, 1.5);
            finding = finding.patch_if(ctx.patches, || {
                remedies::memory_limit(
                    spec,
                    &new_limit,
                    format!(
                        "starting point: 1.5 × the {l} limit it was killed at, rounded up; watch its usage with kubectl sidecar ls --metrics"
                    ),
                )
            });
        }
        findings.push(finding);
    }
    findings
}
