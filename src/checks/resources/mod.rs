//! Resources: requests and limits, and live memory usage (metrics API) against them, native
//! sidecars included. Usage findings say when the sample was taken, since usage moves.

pub mod memory_near_limit;
pub mod memory_over_request;
pub mod no_resources;

use super::{PodContext, label};
use crate::model::finding::{Finding, Severity};
use crate::model::metrics::PodUsage;
use crate::model::quantity::format_bytes;
use crate::model::{ContainerView, Role};

fn role_word(role: Role) -> &'static str {
    match role {
        Role::NativeSidecar => "native sidecar ",
        Role::Sidecar => "sidecar ",
        _ => "",
    }
}

/// Each container with a memory sample: the container, its usage in bytes and the sample.
pub(super) fn with_memory<'a>(
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
pub(super) fn usage_finding(
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
