//! `events`: warning events about the pod or a container that no other rule explains
//! (FailedMount, FailedScheduling, FailedCreatePodSandBox, …), with counts and when last seen.

use std::collections::BTreeMap;

use crate::checks::PodContext;
use crate::checks::{Group, Policy};
use crate::model::finding::{Finding, Severity};

rule! {
    /// ## What it does
    /// Reports `type: Warning` events about the pod or one of its containers that no other rule reads
    /// (`FailedMount`, `FailedScheduling`, `FailedCreatePodSandBox`, …), grouped by container and reason,
    /// with the summed count, when last seen and the latest message. Reasons other rules read are
    /// skipped: `BackOff`, `Failed`, `Unhealthy`, `Killing`, `Evicted`, `FailedPostStartHook` and
    /// `FailedPreStopHook`. A warning, except `FailedScheduling` of a `Pending` pod, which is critical
    /// (it cannot start now); when the message says `Insufficient`, the evidence gives the pod's
    /// effective request and how much of it the sidecars add. Events come from the cluster live, or from
    /// files given with `-f`; events of an older pod with the same name (another uid) are ignored.
    ///
    /// ## Why is this bad?
    /// Many failures never reach the pod's status: a volume that cannot be mounted, a pod no node can
    /// take, a sandbox or network the node cannot set up. The pod just waits in `Pending` or
    /// `ContainerCreating`, and the only explanation is in its events, which the API server keeps for
    /// about an hour.
    ///
    /// For scheduling, sidecars count: the scheduler reserves the sum of the regular containers' and
    /// native sidecars' requests (or, if higher, the largest init container's plus the native sidecars
    /// started before it), so a sidecar's request can be what no node has room for.
    ///
    /// ## Example
    /// A pod whose native Istio sidecar requests 1Gi on top of the application's 6Gi: no node has 7Gi
    /// free.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: ledger-7f6c5d9b8-w2k9j
    ///   namespace: billing
    ///   uid: 4c8e2a6f-0b3d-4f7a-9e1c-5d7b3f9a1e28
    ///   labels: {app: ledger, pod-template-hash: 7f6c5d9b8}
    ///   creationTimestamp: "2026-11-23T11:45:00Z"
    /// spec:
    ///   initContainers:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     restartPolicy: Always
    ///     resources: {requests: {cpu: 100m, memory: 1Gi}, limits: {memory: 1Gi}}
    ///   containers:
    ///   - name: ledger
    ///     image: ghcr.io/acme/ledger:4.1.0
    ///     resources: {requests: {cpu: "1", memory: 6Gi}, limits: {memory: 6Gi}}
    /// status:
    ///   phase: Pending
    ///   qosClass: Burstable
    ///   conditions:
    ///   - type: PodScheduled
    ///     status: "False"
    ///     reason: Unschedulable
    ///     message: '0/6 nodes are available: 6 Insufficient memory. preemption: 0/6 nodes are
    ///       available: 6 No preemption victims found for incoming pod.'
    ///     lastTransitionTime: "2026-11-23T11:45:00Z"
    /// ---
    /// apiVersion: v1
    /// kind: Event
    /// metadata: {name: ledger-7f6c5d9b8-w2k9j.1879a4e6c8b0d2f3, namespace: billing}
    /// involvedObject: {apiVersion: v1, kind: Pod, name: ledger-7f6c5d9b8-w2k9j, namespace: billing,
    ///   uid: 4c8e2a6f-0b3d-4f7a-9e1c-5d7b3f9a1e28}
    /// reason: FailedScheduling
    /// message: '0/6 nodes are available: 6 Insufficient memory. preemption: 0/6 nodes are available:
    ///   6 No preemption victims found for incoming pod.'
    /// type: Warning
    /// count: 4
    /// firstTimestamp: "2026-11-23T11:45:00Z"
    /// lastTimestamp: "2026-11-23T11:55:02Z"
    /// source: {component: default-scheduler}
    /// ```
    /// Not reported: a `BackOff` warning, here of the same pod scheduled and crash-looping: `crash-loop`
    /// reads that reason, so `events` does not repeat it.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: ledger-7f6c5d9b8-w2k9j
    ///   namespace: billing
    ///   uid: 4c8e2a6f-0b3d-4f7a-9e1c-5d7b3f9a1e28
    ///   labels: {app: ledger, pod-template-hash: 7f6c5d9b8}
    ///   creationTimestamp: "2026-11-23T11:45:00Z"
    /// spec:
    ///   initContainers:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     restartPolicy: Always
    ///     resources: {requests: {cpu: 100m, memory: 1Gi}, limits: {memory: 1Gi}}
    ///   containers:
    ///   - name: ledger
    ///     image: ghcr.io/acme/ledger:4.1.0
    ///     resources: {requests: {cpu: "1", memory: 6Gi}, limits: {memory: 6Gi}}
    /// status:
    ///   phase: Running
    ///   qosClass: Burstable
    ///   startTime: "2026-11-23T11:45:01Z"
    ///   conditions:
    ///   - {type: Ready, status: "False", reason: ContainersNotReady,
    ///      message: "containers with unready status: [ledger]", lastTransitionTime: "2026-11-23T11:45:01Z"}
    ///   initContainerStatuses:
    ///   - {name: istio-proxy, image: "docker.io/istio/proxyv2:1.24.2", imageID: "docker.io/istio/proxyv2@sha256:d789304af09b6cc6542eea2a1ccc1011006e36d764c404a0ad49113487bdb5fc",
    ///      ready: true, started: true, restartCount: 0, state: {running: {startedAt: "2026-11-23T11:45:03Z"}}}
    ///   containerStatuses:
    ///   - {name: ledger, image: "ghcr.io/acme/ledger:4.1.0", imageID: "ghcr.io/acme/ledger@sha256:8b2d6f0a4c1e9b7d5f3a0c8e6b4d2f9a1c7e5b3d0f8a6c4e2b1d9f7a5c3e0b8d",
    ///      ready: false, started: false, restartCount: 4,
    ///      state: {waiting: {reason: CrashLoopBackOff, message: "back-off 1m20s restarting failed container=ledger pod=ledger-7f6c5d9b8-w2k9j_billing(4c8e2a6f-0b3d-4f7a-9e1c-5d7b3f9a1e28)"}},
    ///      lastState: {terminated: {exitCode: 1, reason: Error, startedAt: "2026-11-23T11:57:31Z", finishedAt: "2026-11-23T11:57:34Z"}}}
    /// ---
    /// apiVersion: v1
    /// kind: Event
    /// metadata: {name: ledger-7f6c5d9b8-w2k9j.1879a5f7d9c1e3a4, namespace: billing}
    /// involvedObject: {apiVersion: v1, kind: Pod, name: ledger-7f6c5d9b8-w2k9j, namespace: billing,
    ///   uid: 4c8e2a6f-0b3d-4f7a-9e1c-5d7b3f9a1e28, fieldPath: "spec.containers{ledger}"}
    /// reason: BackOff
    /// message: Back-off restarting failed container ledger in pod
    ///   ledger-7f6c5d9b8-w2k9j_billing(4c8e2a6f-0b3d-4f7a-9e1c-5d7b3f9a1e28)
    /// type: Warning
    /// count: 11
    /// firstTimestamp: "2026-11-23T11:52:10Z"
    /// lastTimestamp: "2026-11-23T11:58:55Z"
    /// source: {component: kubelet, host: worker-4}
    /// ```
    ///
    /// ## Fix
    /// Read the event (`kubectl describe pod`,
    /// `kubectl get events --field-selector involvedObject.name=POD`), then by reason:
    /// - `FailedMount`, `FailedAttachVolume`: check that the ConfigMap, Secret or PVC exists in the
    ///   namespace and that the volume is not attached to another node.
    /// - `FailedScheduling`: no node fits the pod. Sidecar requests add up with the application's (and
    ///   the largest init container's request is a floor), so lower oversized sidecar requests, or add
    ///   nodes that fit the total.
    /// - `FailedCreatePodSandBox`, `NetworkNotReady`: the node cannot set up the pod's sandbox or
    ///   network: check the CNI plugin on that node.
    pub const RULE = Rule {
        id: "events",
        group: Group::Status,
        title: "warning events not covered by another rule",
        patch: false,
        policy: Policy::Outage,
        check,
    };
}

/// Reasons the other rules already read (pulls, back-off, probes, hooks, eviction).
const EXPLAINED: &[&str] = &[
    "BackOff",
    "Failed",
    "Unhealthy",
    "Killing",
    "Evicted",
    "FailedPostStartHook",
    "FailedPreStopHook",
];

/// (total count, last seen, latest message) of one (container, reason).
type Aggregate<'a> = (u32, Option<jiff::Timestamp>, &'a str);

fn check(ctx: &PodContext) -> Vec<Finding> {
    let mut grouped: BTreeMap<(Option<&str>, &str), Aggregate> = BTreeMap::new();
    for e in &ctx.events {
        if !e.warning || EXPLAINED.contains(&e.reason.as_str()) {
            continue;
        }
        let entry = grouped
            .entry((e.container.as_deref(), e.reason.as_str()))
            .or_insert((0, None, e.message.as_str()));
        entry.0 += e.count;
        if e.last_seen > entry.1 {
            entry.1 = e.last_seen;
            entry.2 = e.message.as_str();
        }
    }
    grouped
        .into_iter()
        .map(|((container, reason), (count, last, message))| {
            let when = last.map(|at| format!(", last {}", ctx.ago(at))).unwrap_or_default();
            let about = container.map(|c| format!("{c}: ")).unwrap_or_default();
            // An unschedulable pod cannot start now: critical (severity policy).
            let severity = if reason == "FailedScheduling" && ctx.view.phase.as_deref() == Some("Pending") {
                Severity::Critical
            } else {
                Severity::Warning
            };
            let mut finding = Finding::new(
                RULE.id,
                severity,
                format!("{about}{reason} x{count}{when}: {message}"),
            )
            .evidence(format!("event type=Warning reason={reason} count={count}"));
            if reason == "FailedScheduling"
                && message.contains("Insufficient")
                && let Some(r) = crate::model::effective_requests_of(&ctx.source.pod)
            {
                // The scheduler fits the effective request, which sidecars enlarge.
                finding = finding.evidence(format!(
                    "the pod's effective request is cpu {} (sidecars add {}), memory {} (sidecars add {})",
                    r.cpu, r.sidecars_cpu, r.memory, r.sidecars_memory
                ));
            }
            if let Some(c) = container {
                finding = finding.container(c);
            }
            finding.fix(match reason {
                "FailedMount" | "FailedAttachVolume" => {
                    "a volume cannot be mounted: check that the ConfigMap/Secret/PVC exists and the volume is not attached elsewhere"
                }
                "FailedScheduling" => {
                    "no node fits the pod: remember that sidecar requests add up with the app's (and init containers' max) in the pod's request"
                }
                "FailedCreatePodSandBox" | "NetworkNotReady" => {
                    "the node could not set up the pod sandbox or network: check the CNI on that node"
                }
                _ => "read the event with `kubectl describe pod` or `kubectl get events`",
            })
        })
        .collect()
}
