//! `oom-killed`: the current or last termination was OOMKilled. Read from the reason only:
//! OOMKilled has been reported with exit codes 0 and 2, and 137 alone is any SIGKILL.

use crate::checks::{Group, Policy, restart_impact};
use crate::checks::{PodContext, label};
use crate::model::State;
use crate::model::finding::{Finding, Severity};

rule! {
    pub const RULE = Rule {
        id: "oom-killed",
        group: Group::Status,
        title: "a container was killed for exceeding its memory limit (OOMKilled)",
        policy: Policy::Outage,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for c in ctx.containers() {
        let Some(status) = &c.status else { continue };
        let current = match &status.state {
            State::Terminated(t) if t.is_oom() => Some(t),
            _ => None,
        };
        let Some(t) = current.or(status.last_termination.as_ref().filter(|t| t.is_oom())) else {
            continue;
        };
        let limit = c.resources.limits.get("memory");
        let request = c.resources.requests.get("memory");
        let when = t
            .finished_at
            .map(|at| format!(", last {}", ctx.ago(at)))
            .unwrap_or_default();
        let restarts = if status.restart_count > 0 {
            format!(
                ", {}",
                crate::render::count(status.restart_count, "restart", "restarts")
            )
        } else {
            String::new()
        };
        let limit_text = limit.map_or("no memory limit".to_string(), |l| {
            format!("memory limit {l}")
        });
        // Critical while it is down or takes the pod down; once it runs again in a Ready
        // (or finished) pod, the kill has hurt but the pod works: a warning.
        let up_again = matches!(status.state, State::Running { .. }) && status.ready;
        let pod_fine = matches!(ctx.view.phase.as_deref(), Some("Succeeded"))
            || (ctx.view.phase.as_deref() == Some("Running") && ctx.pod_ready());
        let severity = if current.is_none()
            && (up_again || ctx.view.phase.as_deref() == Some("Succeeded"))
            && pod_fine
        {
            Severity::Warning
        } else {
            Severity::Critical
        };
        let mut finding = Finding::new(
            RULE.id,
            severity,
            format!(
                "{}: OOMKilled (exit {}){restarts}{when}; {limit_text}",
                label(c),
                t.exit_code
            ),
        )
        .container(&c.name)
        .evidence(format!(
            "{}.terminated: reason=OOMKilled exitCode={}{}",
            if current.is_some() {
                "state"
            } else {
                "lastState"
            },
            t.exit_code,
            t.finished_at
                .map(|at| format!(" finishedAt={at}"))
                .unwrap_or_default()
        ))
        .evidence(format!(
            "resources: requests.memory={} limits.memory={}",
            request.map_or("none", String::as_str),
            limit.map_or("none", String::as_str)
        ));
        if let (Some(start), Some(end)) = (t.started_at, t.finished_at) {
            finding = finding.evidence(format!(
                "the killed instance ran for {}",
                crate::render::human_duration(end.duration_since(start))
            ));
        }
        let phase = ctx.view.phase.as_deref().unwrap_or("unknown");
        finding = finding.evidence(format!(
            "pod phase {phase}, READY {}/{}: {}",
            ctx.view.ready.unwrap_or(0),
            ctx.view.total,
            restart_impact(c.role)
        ));
        let fix = match limit {
            Some(l) => format!(
                "raise the memory limit of {} above {l} (it was killed at the limit), or find what grows its memory",
                c.name
            ),
            None => format!(
                "the node ran out of memory: give {} a memory request close to its real use (and a limit) so it is scheduled and ranked correctly",
                c.name
            ),
        };
        findings.push(finding.fix(fix));
    }
    findings
}
