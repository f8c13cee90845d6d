//! `probe-kill`: exit 137 that is not OOMKilled, with liveness probe failures in the events:
//! the liveness probe killed the container. Needs events, so it is silent offline.

use k8s_openapi::api::core::v1::Probe;

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::State;
use crate::model::finding::{Finding, Severity};

rule! {
    pub const RULE = Rule {
        id: "probe-kill",
        group: Group::Status,
        title: "the liveness probe killed a container (exit 137 without OOMKilled)",
        policy: Policy::Hazard,
        check,
    };
}

/// Seconds from the first failed check to the kill: initialDelay + failureThreshold × period.
pub fn kill_budget(probe: &Probe) -> (i32, i32, i32, i32) {
    let delay = probe.initial_delay_seconds.unwrap_or(0);
    let threshold = probe.failure_threshold.unwrap_or(3);
    let period = probe.period_seconds.unwrap_or(10);
    (delay, threshold, period, delay + threshold * period)
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for c in ctx.containers() {
        let Some(status) = &c.status else { continue };
        let killed = [
            match &status.state {
                State::Terminated(t) => Some(t),
                _ => None,
            },
            status.last_termination.as_ref(),
        ]
        .into_iter()
        .flatten()
        .find(|t| t.exit_code == 137 && !t.is_oom());
        let Some(killed) = killed else { continue };
        let liveness_failures: Vec<_> = ctx
            .container_events(&c.name)
            .into_iter()
            .filter(|e| {
                (e.reason == "Unhealthy" && e.message.starts_with("Liveness probe failed"))
                    || (e.reason == "Killing" && e.message.contains("failed liveness probe"))
            })
            .collect();
        if liveness_failures.is_empty() {
            continue;
        }
        let total: u32 = liveness_failures
            .iter()
            .filter(|e| e.reason == "Unhealthy")
            .map(|e| e.count)
            .sum();
        let budget = ctx
            .spec(&c.name)
            .and_then(|spec| spec.liveness_probe.as_ref())
            .map(kill_budget);
        let budget_text = budget.map_or(String::new(), |(delay, threshold, period, total)| {
            format!("; kill budget {delay}s + {threshold} × {period}s = {total}s")
        });
        let mut finding = Finding::new(
            RULE.id,
            Severity::Warning,
            format!(
                "{}: killed by its liveness probe (exit 137 SIGKILL, not OOM), {}, {}{budget_text}",
                label(c),
                crate::render::count(total, "liveness failure", "liveness failures"),
                crate::render::count(status.restart_count, "restart", "restarts")
            ),
        )
        .container(&c.name)
        .evidence(format!(
            "terminated: reason={} exitCode=137",
            killed.reason.as_deref().unwrap_or("-")
        ));
        for e in liveness_failures {
            finding = finding.evidence(format!("event {} x{}: {}", e.reason, e.count, e.message));
        }
        findings.push(finding.fix(format!(
            "fix what makes {}'s liveness check fail, or give it more room (failureThreshold, timeoutSeconds; a startupProbe for slow starts). Exit 137 rather than 143 means it also ignored SIGTERM until the grace period ran out",
            c.name
        )));
    }
    findings
}
