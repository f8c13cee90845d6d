use super::{usage_finding, with_memory};
use crate::checks::{Group, PodContext, Policy};
use crate::model::finding::{Finding, Severity};
use crate::model::metrics::percent;
use crate::model::quantity::format_bytes;

rule! {
    pub const RULE = Rule {
        id: "memory-over-request",
        group: Group::Resources,
        title: "a container uses far more memory than it requests (first evicted under node pressure)",
        policy: Policy::Hygiene,
        check,
    };
}

/// Usage at or above this share of the request counts as "far above" it.
const OVER_REQUEST_PERCENT: u32 = 150;

fn check(ctx: &PodContext) -> Vec<Finding> {
    with_memory(ctx)
        .filter_map(|(c, used, sample)| {
            let request = c.resources.requests.get("memory")?;
            let share = percent(Some(used), Some(request)).filter(|p| *p >= OVER_REQUEST_PERCENT)?;
            let finding = usage_finding(
                RULE.id,
                Severity::Info,
                (c, used, sample),
                format!(
                    "{share}% of its {request} request: under node memory pressure the kubelet evicts the pods furthest above their requests first"
                ),
            );
            Some(finding.fix(format!(
                "set {}'s memory request near its real use ({})",
                c.name,
                format_bytes(used)
            )))
        })
        .collect()
}
