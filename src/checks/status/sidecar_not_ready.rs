//! `sidecar-not-ready`: the pod is not Ready (so it gets no Service traffic) because a
//! sidecar is running but failing readiness.

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::finding::{Finding, Severity};
use crate::model::{Role, State};

rule! {
    pub const RULE = Rule {
        id: "sidecar-not-ready",
        group: Group::Status,
        title: "the pod is not Ready because a sidecar is not ready",
        policy: Policy::Outage,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    if ctx.view.spec_only || ctx.deleting_or_finished() || ctx.pod_ready() {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for c in ctx.containers() {
        if !matches!(c.role, Role::NativeSidecar | Role::Sidecar) {
            continue;
        }
        let Some(status) = &c.status else { continue };
        // Only running containers: crash loops and pull errors have their own rules.
        if status.ready || !matches!(status.state, State::Running { .. }) {
            continue;
        }
        let not_started = c.role == Role::NativeSidecar && status.started != Some(true);
        let probe_failures: Vec<_> = ctx
            .container_events(&c.name)
            .into_iter()
            .filter(|e| {
                e.reason == "Unhealthy"
                    && (e.message.starts_with("Readiness probe failed")
                        || e.message.starts_with("Startup probe failed"))
            })
            .collect();
        let failures_text = if probe_failures.is_empty() {
            String::new()
        } else {
            let total: u32 = probe_failures.iter().map(|e| e.count).sum();
            format!("; {total} probe failures")
        };
        let state = if not_started {
            "running but not started (startupProbe not passed)"
        } else {
            "running but not ready"
        };
        let mut finding = Finding::new(
            RULE.id,
            Severity::Critical,
            format!(
                "pod not Ready (READY {}/{}): {} is {state}{failures_text}",
                ctx.view.ready.unwrap_or(0),
                ctx.view.total,
                label(c)
            ),
        )
        .container(&c.name)
        .evidence(format!(
            "containerStatus: ready=false started={}",
            status
                .started
                .map_or("unset".to_string(), |s| s.to_string())
        ));
        for e in probe_failures {
            finding = finding.evidence(format!("event Unhealthy x{}: {}", e.count, e.message));
        }
        if !ctx.have_events {
            finding = finding.evidence("no events available (offline): probe failures unknown");
        }
        findings.push(finding.fix(format!(
            "find why {}'s readiness probe fails (its endpoint, port, or what it waits for); the whole pod is out of Service endpoints until it passes",
            c.name
        )));
    }
    findings
}
