use super::{usage_finding, with_memory};
use crate::checks::{Group, PodContext, Policy};
use crate::model::finding::{Finding, Severity};
use crate::model::metrics::percent;
use crate::model::quantity::format_bytes;

rule! {
    /// ## What it does
    /// Compares each container's memory usage from a `metrics.k8s.io/v1beta1` PodMetrics sample (the
    /// metrics API live, or a PodMetrics dump given with `-f`) with its `resources.requests.memory`, and
    /// reports it as info when the usage is 150 % of the request or more (rounded to a whole
    /// percent). Every container in the sample counts, the main container and classic and native
    /// sidecars alike; a container without a memory request, or without metrics, is never reported.
    /// The evidence gives the usage and when it was sampled (`timestamp`, `window`).
    ///
    /// ## Why is this bad?
    /// The scheduler places pods by their requests, so memory used far above the request is memory the
    /// node never promised: enough such containers and the node runs short. When it does, the kubelet
    /// evicts first the pods whose usage exceeds their requests (summed over their containers), ranked
    /// by priority and then by how far above their requests they are. A sidecar that requests 32Mi and
    /// uses 118Mi puts the whole pod, app included, over its requests and ahead of its better-sized
    /// neighbours in that line.
    ///
    /// ## Example
    /// A web pod whose classic Fluent Bit sidecar requests 32Mi and uses 118Mi (369 %).
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web-7c9d8b6f5d-x2x4k
    ///   namespace: shop
    ///   labels: {app: web, pod-template-hash: 7c9d8b6f5d}
    ///   creationTimestamp: "2026-11-23T10:02:11Z"
    /// spec:
    ///   containers:
    ///   - name: nginx
    ///     image: docker.io/library/nginx:1.27.3
    ///     resources:
    ///       requests: {cpu: 100m, memory: 128Mi}
    ///       limits: {memory: 256Mi}
    ///     volumeMounts: [{name: nginx-logs, mountPath: /var/log/nginx}]
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.2.2
    ///     resources:
    ///       requests: {cpu: 20m, memory: 32Mi}
    ///       limits: {memory: 192Mi}
    ///     volumeMounts: [{name: nginx-logs, mountPath: /var/log/nginx, readOnly: true}]
    ///   volumes: [{name: nginx-logs, emptyDir: {sizeLimit: 1Gi}}]
    /// status:
    ///   phase: Running
    ///   qosClass: Burstable
    ///   startTime: "2026-11-23T10:02:12Z"
    ///   containerStatuses:
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.2.2
    ///     imageID: cr.fluentbit.io/fluent/fluent-bit@sha256:9e4a2c6b8d0f1e3a5c7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T10:02:14Z"}}
    ///     lastState: {}
    ///   - name: nginx
    ///     image: docker.io/library/nginx:1.27.3
    ///     imageID: docker.io/library/nginx@sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T10:02:13Z"}}
    ///     lastState: {}
    /// ---
    /// apiVersion: metrics.k8s.io/v1beta1
    /// kind: PodMetrics
    /// metadata:
    ///   name: web-7c9d8b6f5d-x2x4k
    ///   namespace: shop
    /// timestamp: "2026-11-23T11:59:30Z"
    /// window: 30.104s
    /// containers:
    /// - name: fluent-bit
    ///   usage: {cpu: 1209331n, memory: 120832Ki}
    /// - name: nginx
    ///   usage: {cpu: 2871042n, memory: 122880Ki}
    /// ```
    /// Not reported: fluent-bit requests 128Mi, close to the 118Mi it uses (92 %).
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web-7c9d8b6f5d-x2x4k
    ///   namespace: shop
    ///   labels: {app: web, pod-template-hash: 7c9d8b6f5d}
    ///   creationTimestamp: "2026-11-23T10:02:11Z"
    /// spec:
    ///   containers:
    ///   - name: nginx
    ///     image: docker.io/library/nginx:1.27.3
    ///     resources:
    ///       requests: {cpu: 100m, memory: 128Mi}
    ///       limits: {memory: 256Mi}
    ///     volumeMounts: [{name: nginx-logs, mountPath: /var/log/nginx}]
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.2.2
    ///     resources:
    ///       requests: {cpu: 20m, memory: 128Mi}
    ///       limits: {memory: 192Mi}
    ///     volumeMounts: [{name: nginx-logs, mountPath: /var/log/nginx, readOnly: true}]
    ///   volumes: [{name: nginx-logs, emptyDir: {sizeLimit: 1Gi}}]
    /// status:
    ///   phase: Running
    ///   qosClass: Burstable
    ///   startTime: "2026-11-23T10:02:12Z"
    ///   containerStatuses:
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.2.2
    ///     imageID: cr.fluentbit.io/fluent/fluent-bit@sha256:9e4a2c6b8d0f1e3a5c7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T10:02:14Z"}}
    ///     lastState: {}
    ///   - name: nginx
    ///     image: docker.io/library/nginx:1.27.3
    ///     imageID: docker.io/library/nginx@sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T10:02:13Z"}}
    ///     lastState: {}
    /// ---
    /// apiVersion: metrics.k8s.io/v1beta1
    /// kind: PodMetrics
    /// metadata:
    ///   name: web-7c9d8b6f5d-x2x4k
    ///   namespace: shop
    /// timestamp: "2026-11-23T11:59:30Z"
    /// window: 30.104s
    /// containers:
    /// - name: fluent-bit
    ///   usage: {cpu: 1209331n, memory: 120832Ki}
    /// - name: nginx
    ///   usage: {cpu: 2871042n, memory: 122880Ki}
    /// ```
    ///
    /// ## Fix
    /// Set the container's memory request near its real use (the usage in the finding;
    /// `kubectl sidecar ls --metrics` shows it over time), and keep the limit above it with headroom.
    /// ```yaml
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.2.2
    ///     resources:
    ///       requests: {cpu: 20m, memory: 128Mi}
    ///       limits: {memory: 192Mi}
    /// ```
    pub const RULE = Rule {
        id: "memory-over-request",
        group: Group::Resources,
        title: "a container uses far more memory than it requests (first evicted under node pressure)",
        patch: false,
        policy: Policy::Hygiene,
        check,
    };
}

/// Usage at or above this share of the request counts as "far above" it.
const OVER_REQUEST_PERCENT: u32 = 150;

fn check(ctx: &PodContext) -> Vec<Finding> {
    with_memory(ctx)
        .filter_map(|(c, used, sample)| {
            let request = c.resources.requests.get("memory")?;
            let share = percent(Some(used), Some(request)).filter(|p| *p >= OVER_REQUEST_PERCENT)?;
            let finding = usage_finding(
                RULE.id,
                Severity::Info,
                (c, used, sample),
                format!(
                    "{share}% of its {request} request: under node memory pressure the kubelet evicts the pods furthest above their requests first"
                ),
            );
            Some(finding.fix(format!(
                "set {}'s memory request near its real use ({})",
                c.name,
                format_bytes(used)
            )))
        })
        .collect()
}
