//! `sidecar-not-ready`: the pod is not Ready (so it gets no Service traffic) because a
//! sidecar is running but failing readiness.

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::finding::{Finding, Severity};
use crate::model::{Role, State};

rule! {
    /// ## What it does
    /// Reports a pod whose `Ready` condition is not `True` because a native or classic sidecar is running
    /// with `ready: false`; for a native sidecar whose `started` is not `true` it says the startupProbe
    /// has not passed (and, next to an `init-blocked` finding, marks itself as its consequence). Always
    /// critical. The evidence gives the container's `ready` and `started` fields and its `Unhealthy`
    /// events for failed readiness and startup probes, with their counts; without events (offline) it
    /// says the probe failures are unknown. Only running sidecars are checked (a crash-looping or
    /// image-pull-failing sidecar is left to its own rule), and pods that are being deleted, have
    /// finished, or are manifests without status are skipped.
    ///
    /// ## Why is this bad?
    /// A pod is Ready only when all its containers are ready, native sidecars included (finished init
    /// containers aside). A pod that is not Ready is removed from the endpoints of every Service that
    /// selects it, so the application gets no traffic even though it runs fine, and a rolling update
    /// waiting for Ready pods stalls.
    ///
    /// The application's own probes and logs look healthy, so the cause is easy to miss: a proxy that
    /// cannot reach its control plane, or an agent still waiting for a credential, keeps the whole pod
    /// out of rotation.
    ///
    /// ## Example
    /// An Istio native sidecar fails its readiness probe while the application itself is ready.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: payments-6f7c9d8b5-r8wzt
    ///   namespace: shop
    ///   uid: 374c803b-8ea4-4fc2-8d7d-17a1b2f56899
    ///   labels: {app: payments, pod-template-hash: 6f7c9d8b5}
    ///   creationTimestamp: "2026-11-23T11:30:14Z"
    /// spec:
    ///   initContainers:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     restartPolicy: Always
    ///     readinessProbe: {httpGet: {path: /healthz/ready, port: 15021}, periodSeconds: 15}
    ///     startupProbe: {httpGet: {path: /healthz/ready, port: 15021}, periodSeconds: 1,
    ///                    failureThreshold: 600}
    ///   containers:
    ///   - name: payments
    ///     image: ghcr.io/acme/payments:7.3.0
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:30:14Z"
    ///   conditions:
    ///   - {type: Initialized, status: "True", lastTransitionTime: "2026-11-23T11:30:19Z"}
    ///   - {type: Ready, status: "False", reason: ContainersNotReady,
    ///      message: "containers with unready status: [istio-proxy]",
    ///      lastTransitionTime: "2026-11-23T11:48:02Z"}
    ///   initContainerStatuses:
    ///   - {name: istio-proxy, image: "docker.io/istio/proxyv2:1.24.2", imageID: "docker.io/istio/proxyv2@sha256:d789304af09b6cc6542eea2a1ccc1011006e36d764c404a0ad49113487bdb5fc",
    ///      ready: false, started: true, restartCount: 0,
    ///      state: {running: {startedAt: "2026-11-23T11:30:16Z"}}}
    ///   containerStatuses:
    ///   - {name: payments, image: "ghcr.io/acme/payments:7.3.0", imageID: "ghcr.io/acme/payments@sha256:2c6e0a8d4f1b9e7c5a3d0f8b6e4c2a1d9f7b5e3c0a8d6f4b2e1c9a7d5f3b0e8c",
    ///      ready: true, started: true, restartCount: 0,
    ///      state: {running: {startedAt: "2026-11-23T11:30:20Z"}}}
    /// ---
    /// apiVersion: v1
    /// kind: Event
    /// metadata: {name: payments-6f7c9d8b5-r8wzt.1879a1d3c5e7f9b2, namespace: shop}
    /// involvedObject: {apiVersion: v1, kind: Pod, name: payments-6f7c9d8b5-r8wzt, namespace: shop,
    ///   uid: 374c803b-8ea4-4fc2-8d7d-17a1b2f56899, fieldPath: "spec.initContainers{istio-proxy}"}
    /// reason: Unhealthy
    /// message: 'Readiness probe failed: HTTP probe failed with statuscode: 503'
    /// type: Warning
    /// count: 48
    /// firstTimestamp: "2026-11-23T11:48:02Z"
    /// lastTimestamp: "2026-11-23T11:59:47Z"
    /// source: {component: kubelet, host: worker-2}
    /// ```
    /// Not reported: the same pod when the application is the container that is not ready: the rule
    /// blames sidecars only.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: payments-6f7c9d8b5-r8wzt
    ///   namespace: shop
    ///   uid: 374c803b-8ea4-4fc2-8d7d-17a1b2f56899
    ///   labels: {app: payments, pod-template-hash: 6f7c9d8b5}
    ///   creationTimestamp: "2026-11-23T11:30:14Z"
    /// spec:
    ///   initContainers:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     restartPolicy: Always
    ///     readinessProbe: {httpGet: {path: /healthz/ready, port: 15021}, periodSeconds: 15}
    ///     startupProbe: {httpGet: {path: /healthz/ready, port: 15021}, periodSeconds: 1,
    ///                    failureThreshold: 600}
    ///   containers:
    ///   - name: payments
    ///     image: ghcr.io/acme/payments:7.3.0
    ///     readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 10}
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:30:14Z"
    ///   conditions:
    ///   - {type: Initialized, status: "True", lastTransitionTime: "2026-11-23T11:30:19Z"}
    ///   - {type: Ready, status: "False", reason: ContainersNotReady,
    ///      message: "containers with unready status: [payments]",
    ///      lastTransitionTime: "2026-11-23T11:48:02Z"}
    ///   initContainerStatuses:
    ///   - {name: istio-proxy, image: "docker.io/istio/proxyv2:1.24.2", imageID: "docker.io/istio/proxyv2@sha256:d789304af09b6cc6542eea2a1ccc1011006e36d764c404a0ad49113487bdb5fc",
    ///      ready: true, started: true, restartCount: 0,
    ///      state: {running: {startedAt: "2026-11-23T11:30:16Z"}}}
    ///   containerStatuses:
    ///   - {name: payments, image: "ghcr.io/acme/payments:7.3.0", imageID: "ghcr.io/acme/payments@sha256:2c6e0a8d4f1b9e7c5a3d0f8b6e4c2a1d9f7b5e3c0a8d6f4b2e1c9a7d5f3b0e8c",
    ///      ready: false, started: true, restartCount: 0,
    ///      state: {running: {startedAt: "2026-11-23T11:30:20Z"}}}
    /// ```
    ///
    /// ## Fix
    /// Find why the sidecar's readiness probe fails: its endpoint and port, and what it waits for (for
    /// Istio, `/healthz/ready` on 15021 stays 503 until Envoy has its configuration from istiod; check
    /// istiod's reachability and `istioctl proxy-status`). The whole pod stays out of its Services'
    /// endpoints until the probe passes. If the sidecar is not yet `started`, fix its startupProbe first:
    /// a native sidecar is not probed for readiness before it has started.
    pub const RULE = Rule {
        id: "sidecar-not-ready",
        group: Group::Status,
        title: "the pod is not Ready because a sidecar is not ready",
        patch: false,
        policy: Policy::Outage,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    if ctx.view.spec_only || ctx.deleting_or_finished() || ctx.pod_ready() {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for c in ctx.containers() {
        if !matches!(c.role, Role::NativeSidecar | Role::Sidecar) {
            continue;
        }
        let Some(status) = &c.status else { continue };
        // Only running containers: crash loops and pull errors have their own rules.
        if status.ready || !matches!(status.state, State::Running { .. }) {
            continue;
        }
        let not_started = c.role == Role::NativeSidecar && status.started != Some(true);
        let probe_failures: Vec<_> = ctx
            .container_events(&c.name)
            .into_iter()
            .filter(|e| {
                e.reason == "Unhealthy"
                    && (e.message.starts_with("Readiness probe failed")
                        || e.message.starts_with("Startup probe failed"))
            })
            .collect();
        let failures_text = if probe_failures.is_empty() {
            String::new()
        } else {
            let total: u32 = probe_failures.iter().map(|e| e.count).sum();
            format!("; {total} probe failures")
        };
        let state = if not_started {
            "running but not started (startupProbe not passed)"
        } else {
            "running but not ready"
        };
        let mut finding = Finding::new(
            RULE.id,
            Severity::Critical,
            format!(
                "pod not Ready (READY {}/{}): {} is {state}{failures_text}",
                ctx.view.ready.unwrap_or(0),
                ctx.view.total,
                label(c)
            ),
        )
        .container(&c.name)
        .evidence(format!(
            "containerStatus: ready=false started={}",
            status
                .started
                .map_or("unset".to_string(), |s| s.to_string())
        ));
        for e in probe_failures {
            finding = finding.evidence(format!("event Unhealthy x{}: {}", e.count, e.message));
        }
        if !ctx.have_events {
            finding = finding.evidence("no events available (offline): probe failures unknown");
        }
        findings.push(finding.fix(format!(
            "find why {}'s readiness probe fails (its endpoint, port, or what it waits for); the whole pod is out of Service endpoints until it passes",
            c.name
        )));
    }
    findings
}
