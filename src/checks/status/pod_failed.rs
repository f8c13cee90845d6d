//! `pod-failed`: the pod ended in phase Failed (or the node stopped reporting it: Unknown),
//! and no more specific rule (eviction, OOM kill, start error, a sidecar's exit) explains it.
//! Blames the container whose exit failed the pod: the main container first, since in a Job
//! pod the main container's exit code is what decides success; sidecars are not at fault.

use super::crash_loop::explain_exit;
use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::finding::{Finding, Severity};
use crate::model::{ContainerView, Role, State, Termination, belongs_to_job};

rule! {
    pub const RULE = Rule {
        id: "pod-failed",
        group: Group::Status,
        title: "the pod failed (phase Failed or Unknown): names the container whose exit failed it",
        policy: Policy::Outage,
        check,
    };
}

/// The current termination of a container, when it terminated with a failure.
pub fn failed_exit(c: &ContainerView) -> Option<&Termination> {
    match c.status.as_ref().map(|s| &s.state) {
        Some(State::Terminated(t)) if !t.is_success() => Some(t),
        _ => None,
    }
}

/// What a failed one-shot exit means (the crash-loop wording assumes a long-running process).
fn explain_failed_exit(t: &Termination, role: Role) -> String {
    match t.exit_code {
        0 => "exit 0 but the runtime reported a failure".to_string(),
        _ => explain_exit(t, role),
    }
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    let phase = ctx.view.phase.as_deref();
    if ctx.view.spec_only || !matches!(phase, Some("Failed" | "Unknown")) {
        return Vec::new();
    }
    if phase == Some("Unknown") {
        let node = ctx.view.node.as_deref().unwrap_or("its node");
        return vec![
            Finding::new(
                RULE.id,
                Severity::Critical,
                format!("pod phase Unknown: {node} stopped reporting its status"),
            )
            .evidence(format!(
                "status.phase=Unknown{}",
                ctx.view
                    .message
                    .as_deref()
                    .map(|m| format!(", message: {m}"))
                    .unwrap_or_default()
            ))
            .fix(format!(
                "check the node: kubectl get node {node}; the pod is replaced only once the node is back or removed"
            )),
        ];
    }
    let job = belongs_to_job(ctx.source);
    let what = if job { "Job pod" } else { "pod" };
    // Main first: its exit decides a Job's outcome. Then classic sidecars and init
    // containers; native sidecars' exit codes never decide the phase.
    let culprit = ctx
        .main()
        .and_then(|m| failed_exit(m).map(|t| (m, t)))
        .or_else(|| {
            ctx.containers()
                .filter(|c| matches!(c.role, Role::Init | Role::Sidecar))
                .find_map(|c| failed_exit(c).map(|t| (c, t)))
        });
    let Some((c, t)) = culprit else {
        // Nothing exited with a failure: the pod-level reason says why (DeadlineExceeded…).
        let reason = ctx.view.reason.as_deref().unwrap_or("no reason recorded");
        let mut finding = Finding::new(
            RULE.id,
            Severity::Critical,
            format!("{what} failed: {reason}"),
        )
        .evidence(format!("status.phase=Failed, status.reason={reason}"));
        if let Some(message) = &ctx.view.message {
            finding = finding.evidence(format!("status.message: {message}"));
        }
        let fix = if reason == "DeadlineExceeded" {
            "the pod ran past activeDeadlineSeconds: raise it or make the work finish sooner"
                .to_string()
        } else {
            format!(
                "read the pod's events: kubectl describe pod -n {} {}",
                ctx.view.namespace, ctx.view.name
            )
        };
        return vec![finding.fix(fix)];
    };
    let mut finding = Finding::new(
        RULE.id,
        Severity::Critical,
        format!(
            "{}: {}; it failed the {what}",
            label(c),
            explain_failed_exit(t, c.role)
        ),
    )
    .container(&c.name)
    .evidence(t.evidence(&c.name));
    if let Some(message) = &t.message {
        finding = finding.evidence(format!("{}: termination message: {message}", c.name));
    }
    let innocent: Vec<String> = ctx
        .containers()
        .filter(|s| matches!(s.role, Role::NativeSidecar | Role::Sidecar) && s.name != c.name)
        .map(|s| s.name.clone())
        .collect();
    if c.role == Role::Main && !innocent.is_empty() {
        finding = finding.evidence(format!(
            "{} exited on its own: the sidecar{} ({}) did not fail the pod",
            c.name,
            if innocent.len() == 1 { "" } else { "s" },
            innocent.join(", ")
        ));
    }
    finding = finding.evidence(format!(
        "pod phase Failed, restartPolicy {}",
        ctx.view.restart_policy.as_deref().unwrap_or("Always")
    ));
    let logs = format!(
        "kubectl logs -n {} {} -c {}",
        ctx.view.namespace, ctx.view.name, c.name
    );
    let fix = match t.exit_code {
        126..=128 => format!("fix the command or image of {}; {logs}", c.name),
        _ => format!("read why {} failed: {logs}", c.name),
    };
    vec![finding.fix(fix)]
}
