//! `memory-near-limit` and `memory-over-request`: live memory usage (metrics API) against
//! the container's limit and request, native sidecars included. Each finding says when the
//! sample was taken, since usage moves.

use super::Rule;
use crate::diagnose::{PodContext, label};
use crate::model::Role;
use crate::model::finding::{Finding, Severity};
use crate::model::metrics::percent;
use crate::model::quantity::format_bytes;

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

fn near_limit(ctx: &PodContext) -> Vec<Finding> {
    let Some(sample) = ctx.usage else {
        return Vec::new();
    };
    let threshold = ctx.memory_threshold;
    let mut findings = Vec::new();
    for c in ctx.containers() {
        let Some(used) = sample.container(&c.name).and_then(|u| u.memory_bytes) else {
            continue;
        };
        let Some(limit) = c.resources.limits.get("memory") else {
            continue;
        };
        let Some(share) = percent(Some(used), Some(limit)).filter(|p| *p >= threshold) else {
            continue;
        };
        findings.push(
            Finding::new(
                NEAR_LIMIT.id,
                Severity::Warning,
                format!(
                    "{}: {}uses {} of memory, {share}% of its {limit} limit: at the limit the kernel OOM-kills it",
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
            .evidence(format!(
                "resources: requests.memory={} limits.memory={limit}; threshold {threshold}%",
                c.resources.requests.get("memory").map_or("none", String::as_str)
            ))
            .fix(format!(
                "raise the memory limit of {} above its working set (e.g. 1.5 × {limit}), or find what grows its memory; watch it with kubectl sidecar ls --metrics",
                c.name
            )),
        );
    }
    findings
}

fn over_request(ctx: &PodContext) -> Vec<Finding> {
    let Some(sample) = ctx.usage else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    for c in ctx.containers() {
        let Some(used) = sample.container(&c.name).and_then(|u| u.memory_bytes) else {
            continue;
        };
        let request = c.resources.requests.get("memory");
        let Some(share) = percent(Some(used), request).filter(|p| *p >= OVER_REQUEST_PERCENT)
        else {
            continue;
        };
        let request = request.map_or("-", String::as_str);
        findings.push(
            Finding::new(
                OVER_REQUEST.id,
                Severity::Info,
                format!(
                    "{}: {}uses {} of memory, {share}% of its {request} request: under node memory pressure the kubelet evicts the pods furthest above their requests first",
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
            .fix(format!(
                "set {}'s memory request near its real use ({})",
                c.name,
                format_bytes(used)
            )),
        );
    }
    findings
}
