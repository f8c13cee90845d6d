//! `evicted`: the kubelet evicted the pod under node pressure or a local-storage limit. The
//! message names the resource and the containers that used more than they requested; a log
//! sidecar filling an emptyDir is the classic culprit.

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::eviction::{self, EvictionFacts};
use crate::model::finding::{Finding, Severity};
use crate::model::quantity::readable_bytes;
use crate::model::{State, Termination};

rule! {
    /// ## What it does
    /// Reports a pod the kubelet evicted: `status.reason: Evicted`, or, since an evicted pod may lack the
    /// reason, a `DisruptionTarget` or `PendingTermination` condition with status `True`, reason
    /// `TerminationByKubelet` or `EvictionByKubelet` and an eviction message. The message is parsed in
    /// its current and legacy formats: the resource the node was low on, the threshold and what was
    /// available, each container the kubelet named with its usage and request, an emptyDir over its
    /// `sizeLimit` or a container over its ephemeral-storage limit. Always critical; the evidence adds
    /// emptyDirs without `sizeLimit` mounted by a named container (storage evictions), containers whose
    /// `ContainerStatusUnknown` (137) is a side effect of the eviction rather than an OOM kill, and a
    /// note when no container status was synced (servers before 1.22).
    ///
    /// ## Why is this bad?
    /// When a node runs short of memory, disk or inodes, the kubelet kills pods to protect the node,
    /// starting with those that use the most above their requests. The evicted pod stays `Failed` and is
    /// never restarted in place; its controller creates a replacement, which is evicted again on the next
    /// node if the cause is in the pod.
    ///
    /// A log sidecar is the classic culprit: a shipper that buffers to an emptyDir without `sizeLimit`,
    /// or writes to its own filesystem, and has no ephemeral-storage request counts as zero on the
    /// scheduler's books while it fills the node's disk, and takes the application down with it.
    ///
    /// ## Example
    /// A pod whose fluent-bit sidecar buffers logs in an emptyDir without `sizeLimit` was evicted under
    /// disk pressure.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: orders-api-6c9f7d8b5-k2x7q
    ///   namespace: shop
    ///   creationTimestamp: "2026-11-22T18:04:11Z"
    /// spec:
    ///   nodeName: worker-3
    ///   containers:
    ///   - name: orders-api
    ///     image: ghcr.io/acme/orders-api:2.8.0
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.1.9
    ///     volumeMounts:
    ///     - {name: flb-storage, mountPath: /var/fluent-bit/state}
    ///   volumes:
    ///   - name: flb-storage
    ///     emptyDir: {}
    /// status:
    ///   phase: Failed
    ///   reason: Evicted
    ///   message: "The node was low on resource: ephemeral-storage. Threshold quantity: 10120387126,
    ///     available: 9582812Ki. Container fluent-bit was using 14208932Ki, request is 0, has larger
    ///     consumption of ephemeral-storage. "
    ///   qosClass: Burstable
    ///   startTime: "2026-11-22T18:04:11Z"
    ///   conditions:
    ///   - type: DisruptionTarget
    ///     status: "True"
    ///     reason: TerminationByKubelet
    ///     message: "The node was low on resource: ephemeral-storage. Threshold quantity: 10120387126,
    ///       available: 9582812Ki. Container fluent-bit was using 14208932Ki, request is 0, has larger
    ///       consumption of ephemeral-storage. "
    ///     lastTransitionTime: "2026-11-23T11:31:52Z"
    ///   containerStatuses:
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.1.9
    ///     imageID: ""
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       terminated: {exitCode: 137, reason: ContainerStatusUnknown, message: The container could
    ///           not be located when the pod was terminated, startedAt: null, finishedAt: null}
    ///   - name: orders-api
    ///     image: ghcr.io/acme/orders-api:2.8.0
    ///     imageID: ""
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       terminated: {exitCode: 137, reason: ContainerStatusUnknown, message: The container could
    ///           not be located when the pod was terminated, startedAt: null, finishedAt: null}
    /// ```
    /// Not reported: the same `TerminationByKubelet` condition from a graceful node shutdown is not an
    /// eviction message (`pod-failed` reports the failed pod instead).
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: orders-api-6c9f7d8b5-k2x7q
    ///   namespace: shop
    ///   creationTimestamp: "2026-11-22T18:04:11Z"
    /// spec:
    ///   nodeName: worker-3
    ///   containers:
    ///   - name: orders-api
    ///     image: ghcr.io/acme/orders-api:2.8.0
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.1.9
    ///     volumeMounts:
    ///     - {name: flb-storage, mountPath: /var/fluent-bit/state}
    ///   volumes:
    ///   - name: flb-storage
    ///     emptyDir: {}
    /// status:
    ///   phase: Failed
    ///   reason: Terminated
    ///   message: Pod was terminated in response to imminent node shutdown.
    ///   qosClass: Burstable
    ///   startTime: "2026-11-22T18:04:11Z"
    ///   conditions:
    ///   - type: DisruptionTarget
    ///     status: "True"
    ///     reason: TerminationByKubelet
    ///     message: Pod was terminated in response to imminent node shutdown.
    ///     lastTransitionTime: "2026-11-23T11:31:52Z"
    ///   containerStatuses:
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.1.9
    ///     imageID: cr.fluentbit.io/fluent/fluent-bit@sha256:4a0b6c1e8f3d2a7b9c5e1f0d8a6b4c2e9f7a5d3b1c8e6f4a2d0b9c7e5a3f1d8b
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       terminated: {exitCode: 0, reason: Completed, startedAt: "2026-11-22T18:04:19Z",
    ///         finishedAt: "2026-11-23T11:31:55Z"}
    ///   - name: orders-api
    ///     image: ghcr.io/acme/orders-api:2.8.0
    ///     imageID: ghcr.io/acme/orders-api@sha256:9c1d7e3b5a8f2c4e6d0b1a9f7e5c3d2b8a6f4e0c2d9b7a5e3c1f8d6b4a2e0c9f
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       terminated: {exitCode: 143, reason: Error, startedAt: "2026-11-22T18:04:18Z",
    ///         finishedAt: "2026-11-23T11:32:04Z"}
    /// ```
    ///
    /// ## Fix
    /// - Storage: give the named container `resources.requests` and `limits` for `ephemeral-storage`, set
    ///   `sizeLimit` on the emptyDir it writes, and ship or rotate its logs instead of keeping them on
    ///   the node.
    /// - Memory: set memory requests close to real use, so the scheduler does not overcommit the node and
    ///   the pod is not the furthest above its request.
    /// - Other resources: set requests that match real use, so the pod lands on a node with room.
    /// ```yaml
    ///   - name: fluent-bit
    ///     resources:
    ///       requests: {ephemeral-storage: 1Gi}
    ///       limits: {ephemeral-storage: 3Gi}
    ///   volumes:
    ///   - name: flb-storage
    ///     emptyDir: {sizeLimit: 2Gi}
    /// ```
    pub const RULE = Rule {
        id: "evicted",
        group: Group::Status,
        title: "the kubelet evicted the pod (node pressure or a local storage limit)",
        patch: false,
        policy: Policy::Outage,
        check,
    };
}

/// The eviction message: `status.reason: Evicted`, or (an evicted pod may lack the reason)
/// a DisruptionTarget/PendingTermination condition set by the kubelet.
fn eviction_message(ctx: &PodContext) -> Option<(String, String)> {
    let status = ctx.source.pod.status.as_ref()?;
    if status.reason.as_deref() == Some("Evicted") {
        return Some((
            "status.reason=Evicted".to_string(),
            status.message.clone().unwrap_or_default(),
        ));
    }
    status.conditions.iter().flatten().find_map(|c| {
        let by_kubelet = matches!(
            c.reason.as_deref(),
            Some("TerminationByKubelet" | "EvictionByKubelet")
        );
        let message = c.message.clone().unwrap_or_default();
        (matches!(c.type_.as_str(), "DisruptionTarget" | "PendingTermination")
            && c.status == "True"
            && by_kubelet
            && eviction::is_eviction_message(&message))
        .then(|| {
            (
                format!(
                    "condition {}={} reason={}",
                    c.type_,
                    c.status,
                    c.reason.as_deref().unwrap_or_default()
                ),
                message,
            )
        })
    })
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    let Some((source_field, message)) = eviction_message(ctx) else {
        return Vec::new();
    };
    let facts = eviction::parse(&message);
    let resource = facts
        .resource
        .clone()
        .unwrap_or_else(|| "a resource".to_string());
    let culprit = culprit_text(ctx, &facts);
    let mut finding = Finding::new(
        RULE.id,
        Severity::Critical,
        format!("pod evicted: node low on {resource}{culprit}"),
    )
    .evidence(source_field)
    .evidence(format!("message: {}", message.trim()));
    if let Some(first) = facts.offenders.first() {
        finding = finding.container(&first.container);
    } else if let Some((container, _)) = &facts.container_limit {
        finding = finding.container(container);
    }
    if let Some((threshold, available)) = &facts.threshold {
        finding = finding.evidence(format!(
            "node threshold {} with {} available",
            readable_bytes(threshold),
            readable_bytes(available)
        ));
    }
    if let Some((volume, limit)) = &facts.empty_dir {
        finding = finding.evidence(format!("emptyDir {volume} went over its sizeLimit {limit}"));
    }
    let has_statuses = ctx.view.containers.iter().any(|c| c.status.is_some());
    if !has_statuses {
        finding = finding.evidence(
            "no container status was synced (servers before 1.22 did not): no per-container verdict, and no OOM verdict",
        );
    }
    let unknown: Vec<&str> = ctx
        .containers()
        .filter(|c| {
            matches!(&c.status, Some(s) if matches!(&s.state,
                State::Terminated(Termination { reason: Some(r), .. }) if r == "ContainerStatusUnknown"))
        })
        .map(|c| c.name.as_str())
        .collect();
    if !unknown.is_empty() {
        finding = finding.evidence(format!(
            "{}: ContainerStatusUnknown (137) is a side effect of the eviction, not an OOM kill",
            unknown.join(", ")
        ));
    }
    for (volume, mounted_by) in unlimited_empty_dirs(ctx, &facts) {
        finding = finding.evidence(format!(
            "emptyDir {volume} (mounted by {mounted_by}) has no sizeLimit"
        ));
    }
    let fix = match resource.as_str() {
        "ephemeral-storage" => {
            "give the offending container ephemeral-storage requests and limits, set sizeLimit on the emptyDir it writes, and rotate or ship its logs instead of keeping them on the node"
        }
        "memory" => {
            "set memory requests close to real use so the scheduler does not overcommit the node; the pods using most above their request are evicted first"
        }
        _ => "set requests that match real use so the scheduler places the pod on a node with room",
    };
    vec![finding.fix(fix)]
}

/// `; log-shipper (sidecar) used 13.7Gi with request 0`
fn culprit_text(ctx: &PodContext, facts: &EvictionFacts) -> String {
    let describe = |name: &str| {
        ctx.containers()
            .find(|c| c.name == name)
            .map_or_else(|| name.to_string(), label)
    };
    if let Some((container, limit)) = &facts.container_limit {
        return format!(
            "; {} exceeded its ephemeral-storage limit {limit}",
            describe(container)
        );
    }
    if let Some((volume, limit)) = &facts.empty_dir {
        return format!("; emptyDir {volume} exceeded its sizeLimit {limit}");
    }
    let parts: Vec<String> = facts
        .offenders
        .iter()
        .map(|o| {
            format!(
                "{} used {} with request {}",
                describe(&o.container),
                readable_bytes(&o.usage),
                o.request
            )
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join(", "))
    }
}

/// emptyDirs without sizeLimit mounted by an offending container (storage evictions only).
fn unlimited_empty_dirs(ctx: &PodContext, facts: &EvictionFacts) -> Vec<(String, String)> {
    if facts.resource.as_deref() != Some("ephemeral-storage") {
        return Vec::new();
    }
    let Some(spec) = ctx.source.pod.spec.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for volume in spec.volumes.iter().flatten() {
        let Some(empty_dir) = &volume.empty_dir else {
            continue;
        };
        if empty_dir.size_limit.is_some() || empty_dir.medium.as_deref() == Some("Memory") {
            continue;
        }
        let mounted_by: Vec<&str> = facts
            .offenders
            .iter()
            .map(|o| o.container.as_str())
            .filter(|name| {
                ctx.spec(name).is_some_and(|c| {
                    c.volume_mounts
                        .iter()
                        .flatten()
                        .any(|m| m.name == volume.name)
                })
            })
            .collect();
        if !mounted_by.is_empty() {
            out.push((volume.name.clone(), mounted_by.join(", ")));
        }
    }
    out
}
