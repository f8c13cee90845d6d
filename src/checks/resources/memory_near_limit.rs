use super::{usage_finding, with_memory};
use crate::checks::{Group, PodContext, Policy};
use crate::model::finding::{Finding, Severity};
use crate::model::metrics::percent;

rule! {
    pub const RULE = Rule {
        id: "memory-near-limit",
        group: Group::Resources,
        title: "a container's memory usage is at or above a share of its limit (default 90 %)",
        policy: Policy::Hazard,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    let threshold = ctx.memory_threshold;
    with_memory(ctx)
        .filter_map(|(c, used, sample)| {
            let limit = c.resources.limits.get("memory")?;
            let share = percent(Some(used), Some(limit)).filter(|p| *p >= threshold)?;
            let finding = usage_finding(
                RULE.id,
                Severity::Warning,
                (c, used, sample),
                format!("{share}% of its {limit} limit: at the limit the kernel OOM-kills it"),
            );
            Some(
                finding
                    .evidence(format!(
                        "resources: requests.memory={} limits.memory={limit}; threshold {threshold}%",
                        c.resources.requests.get("memory").map_or("none", String::as_str)
                    ))
                    .fix(format!(
                        "raise the memory limit of {} above its working set (e.g. 1.5 × {limit}), or find what grows its memory; watch it with kubectl sidecar ls --metrics",
                        c.name
                    )),
            )
        })
        .collect()
}
