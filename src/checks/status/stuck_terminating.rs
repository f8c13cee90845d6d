//! `stuck-terminating`: the pod is being deleted for longer than its grace period; names the
//! containers still running and preStop hooks longer than the grace period.

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::State;
use crate::model::finding::{Finding, Severity};

rule! {
    pub const RULE = Rule {
        id: "stuck-terminating",
        group: Group::Status,
        title: "the pod has been terminating for longer than its grace period",
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
