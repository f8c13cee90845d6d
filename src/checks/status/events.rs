//! `events`: warning events about the pod or a container that no other rule explains
//! (FailedMount, FailedScheduling, FailedCreatePodSandBox, …), with counts and when last seen.

use std::collections::BTreeMap;

use crate::checks::PodContext;
use crate::checks::{Group, Policy};
use crate::model::finding::{Finding, Severity};

rule! {
    pub const RULE = Rule {
        id: "events",
        group: Group::Status,
        title: "warning events not covered by another rule",
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
                && let Some(r) = &ctx.view.effective_requests
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
