//! Order: start-up and shutdown hazards, read off the declared order and the timeline of
//! `model::order`. `kubectl sidecar order` shows these findings under its timeline.

pub mod init_blocked;
pub mod shutdown_order;
pub mod sidecar_as_init;
pub mod startup_order;
#[cfg(test)]
mod tests;

use jiff::Timestamp;

use super::{Group, PodContext};
use crate::model::PodView;
use crate::model::finding::Finding;
use crate::model::order::OrderFacts;
use crate::source::SourcePod;

/// The `order` group's findings for `kubectl sidecar order`: most severe first, then in
/// start-up order (stable, so rules keep their catalog order).
pub fn findings(source: &SourcePod, view: &PodView, now: Timestamp) -> Vec<Finding> {
    let ctx = PodContext::new(source, view, now);
    let mut findings = super::run(&ctx, &[Group::Order]);
    let facts = ctx.order_facts();
    findings.sort_by_key(|f| (f.severity, position(&facts, f)));
    findings
}

/// A rule's findings in the start-up order of their containers.
fn in_start_up_order(facts: &OrderFacts, mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by_key(|f| position(facts, f));
    findings
}

fn position(facts: &OrderFacts, finding: &Finding) -> u32 {
    finding
        .container
        .as_deref()
        .and_then(|n| facts.view.containers.iter().find(|c| c.name == n))
        .and_then(|c| c.position)
        .unwrap_or(u32::MAX)
}
