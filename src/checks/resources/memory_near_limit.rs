use super::{usage_finding, with_memory};
use crate::checks::{Group, PodContext, Policy};
use crate::model::finding::{Finding, Severity};
use crate::model::metrics::percent;

rule! {
    /// ## What it does
    /// Compares each container's memory usage from a `metrics.k8s.io/v1beta1` PodMetrics sample (the
    /// metrics API live, or a PodMetrics dump given with `-f`) with its `resources.limits.memory`, and
    /// reports a warning when the usage is at or above `--memory-threshold` percent of the limit
    /// (default 90, the share rounded to a whole percent). Every container in the sample counts: the
    /// main container, classic sidecars and native sidecars, which the summary names as such. A
    /// container without a memory limit, or without metrics, is never reported. The evidence gives the
    /// usage with the sample's `timestamp` and `window`, the request, the limit and the threshold.
    ///
    /// ## Why is this bad?
    /// At its memory limit the kernel OOM-kills the container (reason `OOMKilled`, exit 137) and the
    /// kubelet restarts it. For a proxy sidecar every connection of the pod drops with it; for the app
    /// it is a crash; repeated kills turn into `CrashLoopBackOff`. The usage metrics-server reports is
    /// the container's working set, memory the kernel cannot simply reclaim, so a container that sits
    /// near its limit is one burst away from the kill.
    ///
    /// ## Example
    /// A native Istio proxy using 241Mi of its 256Mi limit (94 %).
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: reviews-v1-5d8c7b9f4-zt6wq
    ///   namespace: shop
    ///   labels: {app: reviews, version: v1, pod-template-hash: 5d8c7b9f4}
    ///   creationTimestamp: "2026-11-23T08:12:40Z"
    /// spec:
    ///   initContainers:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     args: [proxy, sidecar, --domain, $(POD_NAMESPACE).svc.cluster.local]
    ///     restartPolicy: Always
    ///     startupProbe: {httpGet: {path: /healthz/ready, port: 15021}, periodSeconds: 1, failureThreshold: 600}
    ///     resources:
    ///       requests: {cpu: 100m, memory: 192Mi}
    ///       limits: {cpu: "2", memory: 256Mi}
    ///   containers:
    ///   - name: reviews
    ///     image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.2
    ///     resources:
    ///       requests: {cpu: 250m, memory: 512Mi}
    ///       limits: {memory: 768Mi}
    /// status:
    ///   phase: Running
    ///   qosClass: Burstable
    ///   startTime: "2026-11-23T08:12:41Z"
    ///   initContainerStatuses:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     imageID: docker.io/istio/proxyv2@sha256:d789304af09b6cc6542eea2a1ccc1011006e36d764c404a0ad49113487bdb5fc
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T08:12:43Z"}}
    ///     lastState: {}
    ///   containerStatuses:
    ///   - name: reviews
    ///     image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.2
    ///     imageID: docker.io/istio/examples-bookinfo-reviews-v1@sha256:4b7e2a9c1d3f5e7a9b2c4d6e8f0a1b3c5d7e9f2a4b6c8d0e1f3a5b7c9d2e4f6a
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T08:12:44Z"}}
    ///     lastState: {}
    /// ---
    /// apiVersion: metrics.k8s.io/v1beta1
    /// kind: PodMetrics
    /// metadata:
    ///   name: reviews-v1-5d8c7b9f4-zt6wq
    ///   namespace: shop
    /// timestamp: "2026-11-23T11:59:30Z"
    /// window: 30.104s
    /// containers:
    /// - name: istio-proxy
    ///   usage: {cpu: 4312877n, memory: 246784Ki}
    /// - name: reviews
    ///   usage: {cpu: 35120987n, memory: 388812Ki}
    /// ```
    /// Not reported: the same usage against a 384Mi limit is 63 %, under the default 90 % threshold.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: reviews-v1-5d8c7b9f4-zt6wq
    ///   namespace: shop
    ///   labels: {app: reviews, version: v1, pod-template-hash: 5d8c7b9f4}
    ///   creationTimestamp: "2026-11-23T08:12:40Z"
    /// spec:
    ///   initContainers:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     args: [proxy, sidecar, --domain, $(POD_NAMESPACE).svc.cluster.local]
    ///     restartPolicy: Always
    ///     startupProbe: {httpGet: {path: /healthz/ready, port: 15021}, periodSeconds: 1, failureThreshold: 600}
    ///     resources:
    ///       requests: {cpu: 100m, memory: 192Mi}
    ///       limits: {cpu: "2", memory: 384Mi}
    ///   containers:
    ///   - name: reviews
    ///     image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.2
    ///     resources:
    ///       requests: {cpu: 250m, memory: 512Mi}
    ///       limits: {memory: 768Mi}
    /// status:
    ///   phase: Running
    ///   qosClass: Burstable
    ///   startTime: "2026-11-23T08:12:41Z"
    ///   initContainerStatuses:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     imageID: docker.io/istio/proxyv2@sha256:d789304af09b6cc6542eea2a1ccc1011006e36d764c404a0ad49113487bdb5fc
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T08:12:43Z"}}
    ///     lastState: {}
    ///   containerStatuses:
    ///   - name: reviews
    ///     image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.2
    ///     imageID: docker.io/istio/examples-bookinfo-reviews-v1@sha256:4b7e2a9c1d3f5e7a9b2c4d6e8f0a1b3c5d7e9f2a4b6c8d0e1f3a5b7c9d2e4f6a
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T08:12:44Z"}}
    ///     lastState: {}
    /// ---
    /// apiVersion: metrics.k8s.io/v1beta1
    /// kind: PodMetrics
    /// metadata:
    ///   name: reviews-v1-5d8c7b9f4-zt6wq
    ///   namespace: shop
    /// timestamp: "2026-11-23T11:59:30Z"
    /// window: 30.104s
    /// containers:
    /// - name: istio-proxy
    ///   usage: {cpu: 4312877n, memory: 246784Ki}
    /// - name: reviews
    ///   usage: {cpu: 35120987n, memory: 388812Ki}
    /// ```
    ///
    /// ## Fix
    /// Raise the container's memory limit above its working set with headroom (e.g. 1.5 × the current
    /// limit), or find what grows its memory (a leak, an unbounded buffer or cache). Watch the trend with
    /// `kubectl sidecar ls --metrics`; `--memory-threshold` changes the share reported.
    /// ```yaml
    ///     resources:
    ///       requests: {cpu: 100m, memory: 192Mi}
    ///       limits: {cpu: "2", memory: 384Mi}
    /// ```
    pub const RULE = Rule {
        id: "memory-near-limit",
        group: Group::Resources,
        title: "a container's memory usage is at or above a share of its limit (default 90 %)",
        patch: false,
        policy: Policy::Hazard,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    let threshold = ctx.memory_threshold;
    with_memory(ctx)
        .filter_map(|(c, used, sample)| {
            let limit = c.resources.limits.get("memory")?;
            let share = percent(Some(used), Some(limit)).filter(|p| *p >= threshold)?;
            let finding = usage_finding(
                RULE.id,
                Severity::Warning,
                (c, used, sample),
                format!("{share}% of its {limit} limit: at the limit the kernel OOM-kills it"),
            );
            Some(
                finding
                    .evidence(format!(
                        "resources: requests.memory={} limits.memory={limit}; threshold {threshold}%",
                        c.resources.requests.get("memory").map_or("none", String::as_str)
                    ))
                    .fix(format!(
                        "raise the memory limit of {} above its working set (e.g. 1.5 × {limit}), or find what grows its memory; watch it with kubectl sidecar ls --metrics",
                        c.name
                    )),
            )
        })
        .collect()
}
