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
    pub const RULE = Rule {
        id: "evicted",
        group: Group::Status,
        title: "the kubelet evicted the pod (node pressure or a local storage limit)",
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
