//! `no-resources`: sidecars without requests or limits, and sidecars allowed more memory than
//! the app. Sidecars with tiny or no requests are the first OOM victims (kubernetes#111356).

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::Role;
use crate::model::finding::{Finding, Severity};
use crate::model::quantity;

rule! {
    pub const RULE = Rule {
        id: "no-resources",
        group: Group::Resources,
        title: "a sidecar has no requests/limits, or more memory than the main container",
        policy: Policy::Hygiene,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    let main_limit = ctx
        .main()
        .and_then(|m| m.resources.limits.get("memory"))
        .and_then(|l| quantity::parse(l));
    let mut findings = Vec::new();
    for c in ctx.containers() {
        if !matches!(c.role, Role::NativeSidecar | Role::Sidecar) {
            continue;
        }
        if c.resources.requests.is_empty() && c.resources.limits.is_empty() {
            findings.push(
                Finding::new(
                    RULE.id,
                    Severity::Info,
                    format!("{} has no CPU or memory requests or limits", label(c)),
                )
                .container(&c.name)
                .evidence("resources: {}")
                .fix(format!(
                    "set requests (and a memory limit) on {} from its real use: without them it is scheduled as if free and is among the first killed under memory pressure",
                    c.name
                )),
            );
            continue;
        }
        let limit = c.resources.limits.get("memory");
        if let (Some(limit), Some(main_limit)) =
            (limit.and_then(|l| quantity::parse(l)), main_limit)
            && limit > main_limit
        {
            findings.push(
                Finding::new(
                    RULE.id,
                    Severity::Info,
                    format!(
                        "{} may use more memory ({}) than the main container ({})",
                        label(c),
                        quantity::format_bytes(limit),
                        quantity::format_bytes(main_limit)
                    ),
                )
                .container(&c.name)
                .fix("check that the sidecar's limit is intended; a sidecar rarely needs more than the app"),
            );
        }
    }
    findings
}
