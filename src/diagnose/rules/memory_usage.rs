//! `memory-near-limit` and `memory-over-request`: live memory usage (metrics API) against
//! the container's limit and request, native sidecars included. Each finding says when the
//! sample was taken, since usage moves.

use super::Rule;
use crate::diagnose::{PodContext, label};
use crate::model::finding::{Finding, Severity};
use crate::model::metrics::PodUsage;
use crate::model::metrics::percent;
use crate::model::quantity::format_bytes;
use crate::model::{ContainerView, Role};

pub const NEAR_LIMIT: Rule = Rule {
    id: "memory-near-limit",
    title: "a container's memory usage is at or above a share of its limit (default 90 %)",
    check: near_limit,
};

pub const OVER_REQUEST: Rule = Rule {
    id: "memory-over-request",
    title: "a container uses far more memory than it requests (first evicted under node pressure)",
    check: over_request,
};

/// Usage at or above this share of the request counts as "far above" it.
const OVER_REQUEST_PERCENT: u32 = 150;

fn role_word(role: Role) -> &'static str {
    match role {
        Role::NativeSidecar => "native sidecar ",
        Role::Sidecar => "sidecar ",
        _ => "",
    }
}

/// Each container with a memory sample: the container, its usage in bytes and the sample.
fn with_memory<'a>(
    ctx: &'a PodContext,
) -> impl Iterator<Item = (&'a ContainerView, f64, &'a PodUsage)> {
    ctx.usage.into_iter().flat_map(move |sample| {
        ctx.containers().filter_map(move |c| {
            let used = sample.container(&c.name)?.memory_bytes?;
            Some((c, used, sample))
        })
    })
}

/// `NAME (role): [sidecar ]uses X of memory, N% of its Q <what>`, with the sample as evidence.
fn usage_finding(
    rule: &'static str,
    severity: Severity,
    (c, used, sample): (&ContainerView, f64, &PodUsage),
    share: String,
) -> Finding {
    Finding::new(
        rule,
        severity,
        format!(
            "{}: {}uses {} of memory, {share}",
            label(c),
            role_word(c.role),
            format_bytes(used)
        ),
    )
    .container(&c.name)
    .evidence(format!(
        "metrics: memory {} {}",
        format_bytes(used),
        sample.sample_text()
    ))
}

fn near_limit(ctx: &PodContext) -> Vec<Finding> {
    let threshold = ctx.memory_threshold;
    with_memory(ctx)
        .filter_map(|(c, used, sample)| {
            let limit = c.resources.limits.get("memory")?;
            let share = percent(Some(used), Some(limit)).filter(|p| *p >= threshold)?;
            let finding = usage_finding(
                NEAR_LIMIT.id,
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

fn over_request(ctx: &PodContext) -> Vec<Finding> {
    with_memory(ctx)
        .filter_map(|(c, used, sample)| {
            let request = c.resources.requests.get("memory")?;
            let share = percent(Some(used), Some(request)).filter(|p| *p >= OVER_REQUEST_PERCENT)?;
            let finding = usage_finding(
                OVER_REQUEST.id,
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
