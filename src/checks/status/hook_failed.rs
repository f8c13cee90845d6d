//! `hook-failed`: a postStart or preStop hook failed. A failed postStart kills the container
//! (exit 137), which is exactly how a sidecar start-up gate (Istio
//! holdApplicationUntilProxyStarts, linkerd-await) breaks.

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::State;
use crate::model::finding::{Finding, Severity};

rule! {
    pub const RULE = Rule {
        id: "hook-failed",
        group: Group::Status,
        title: "a postStart or preStop lifecycle hook failed",
        policy: Policy::Outage,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for c in ctx.containers() {
        let waiting_hook = c.status.as_ref().and_then(|s| match &s.state {
            State::Waiting {
                reason: Some(r),
                message,
            } if r == "PostStartHookError" => Some(message.clone().unwrap_or_default()),
            _ => None,
        });
        let hook_events: Vec<_> = ctx
            .container_events(&c.name)
            .into_iter()
            .filter(|e| {
                matches!(
                    e.reason.as_str(),
                    "FailedPostStartHook" | "FailedPreStopHook"
                )
            })
            .collect();
        if waiting_hook.is_none() && hook_events.is_empty() {
            continue;
        }
        let which = if waiting_hook.is_some()
            || hook_events
                .iter()
                .any(|e| e.reason == "FailedPostStartHook")
        {
            "postStart"
        } else {
            "preStop"
        };
        let consequence = if which == "postStart" {
            "the kubelet kills a container whose postStart hook fails, and containers after it wait for the hook"
        } else {
            "the container was stopped without its preStop cleanup (e.g. connection draining)"
        };
        let mut finding = Finding::new(
            RULE.id,
            if which == "postStart" {
                Severity::Critical
            } else {
                Severity::Warning
            },
            format!("{}: {which} hook failed; {consequence}", label(c)),
        )
        .container(&c.name);
        if let Some(message) = waiting_hook.filter(|m| !m.is_empty()) {
            finding = finding.evidence(format!("state.waiting: PostStartHookError: {message}"));
        }
        if let Some(last) = c.status.as_ref().and_then(|s| s.last_termination.as_ref()) {
            finding = finding.evidence(format!(
                "lastState.terminated: reason={} exitCode={}",
                last.reason.as_deref().unwrap_or("-"),
                last.exit_code
            ));
        }
        for e in hook_events {
            finding = finding.evidence(format!("event {} x{}: {}", e.reason, e.count, e.message));
        }
        findings.push(finding.fix(format!(
            "run the {which} command of {} by hand in the image (kubectl debug) and fix it; for a proxy start-up gate, check that the proxy becomes ready before the hook's timeout",
            c.name
        )));
    }
    findings
}
