//! `config-error`: the kubelet or runtime could not create or start the container
//! (missing ConfigMap/Secret or key, bad mount, runtime start error).

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::State;
use crate::model::finding::{Finding, Severity};

rule! {
    pub const RULE = Rule {
        id: "config-error",
        group: Group::Status,
        title: "the container cannot be created or started (CreateContainerConfigError, StartError, …)",
        policy: Policy::Outage,
        check,
    };
}

const WAITING_REASONS: &[&str] = &[
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "PreCreateHookError",
    "PreStartHookError",
];

const TERMINATED_REASONS: &[&str] = &["StartError", "ContainerCannotRun"];

fn check(ctx: &PodContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for c in ctx.containers() {
        let Some(status) = &c.status else { continue };
        let (reason, message) = match &status.state {
            State::Waiting {
                reason: Some(r),
                message,
            } if WAITING_REASONS.contains(&r.as_str()) => (r.clone(), message.clone()),
            State::Terminated(t)
                if t.reason
                    .as_deref()
                    .is_some_and(|r| TERMINATED_REASONS.contains(&r)) =>
            {
                (t.reason.clone().unwrap_or_default(), t.message.clone())
            }
            _ => continue,
        };
        let message = message.unwrap_or_default();
        let short = message.lines().next().unwrap_or_default().trim();
        let mut finding = Finding::new(
            RULE.id,
            Severity::Critical,
            if short.is_empty() {
                format!("{}: {reason}", label(c))
            } else {
                format!("{}: {reason}: {}", label(c), truncate(short, 160))
            },
        )
        .container(&c.name)
        .evidence(format!("reason={reason}"));
        if !message.is_empty() {
            finding = finding.evidence(format!("message: {}", message.trim()));
        }
        let lower = message.to_ascii_lowercase();
        let fix = if lower.contains("not found")
            && (lower.contains("configmap") || lower.contains("secret"))
        {
            "create the missing ConfigMap/Secret (or key) in the pod's namespace, or fix the reference in env/envFrom/volumes".to_string()
        } else if lower.contains("read-only file system") || lower.contains("mount") {
            "a volume mount breaks the container's filesystem: check mountPath values (never mount over / or system paths) and subPath".to_string()
        } else if lower.contains("executable file not found") || lower.contains("no such file") {
            format!(
                "the command of {} does not exist in the image: fix command/args or the image",
                c.name
            )
        } else {
            format!(
                "read the full message with `kubectl describe pod` and fix the spec of {}",
                c.name
            )
        };
        findings.push(finding.fix(fix));
    }
    findings
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}…")
}
