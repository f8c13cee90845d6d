//! The start-up and shutdown hazards of `order`, reported by diagnose under the same IDs:
//! `startup-order`, `init-blocked`, `sidecar-as-init`, `shutdown-order`. The analysis lives in
//! `model::order` (computed once per pod into the context); these rules select from it.

use super::Rule;
use crate::diagnose::PodContext;
use crate::model::finding::Finding;
use crate::model::order::{INIT_BLOCKED, SHUTDOWN_ORDER, SIDECAR_AS_INIT, STARTUP_ORDER};

pub const STARTUP: Rule = Rule {
    id: STARTUP_ORDER,
    title: "the app may start before a sidecar it depends on (classic proxy after the app, native sidecar without startupProbe)",
    check: startup,
};

pub const BLOCKED: Rule = Rule {
    id: INIT_BLOCKED,
    title: "an init container or an unstarted native sidecar holds the pod in Init",
    check: blocked,
};

pub const AS_INIT: Rule = Rule {
    id: SIDECAR_AS_INIT,
    title: "a long-running sidecar declared as a plain init container (restartPolicy: Always missing)",
    check: as_init,
};

pub const SHUTDOWN: Rule = Rule {
    id: SHUTDOWN_ORDER,
    title: "shutdown hazards: classic sidecars stopping with the app, preStop longer than the grace period",
    check: shutdown,
};

fn select(ctx: &PodContext, id: &str) -> Vec<Finding> {
    ctx.order_findings
        .iter()
        .filter(|f| f.rule == id)
        .cloned()
        .collect()
}

fn startup(ctx: &PodContext) -> Vec<Finding> {
    select(ctx, STARTUP_ORDER)
}

fn blocked(ctx: &PodContext) -> Vec<Finding> {
    select(ctx, INIT_BLOCKED)
}

fn shutdown(ctx: &PodContext) -> Vec<Finding> {
    select(ctx, SHUTDOWN_ORDER)
}

/// Live, the server version tells whether the field could even be kept.
fn as_init(ctx: &PodContext) -> Vec<Finding> {
    select(ctx, SIDECAR_AS_INIT)
        .into_iter()
        .map(|finding| match ctx.server_version {
            Some((1, minor)) if minor < 29 => finding.evidence(format!(
                "the server is v1.{minor}: native sidecars need 1.29 (beta, on by default) or 1.28 with the SidecarContainers feature gate; older servers drop restartPolicy from init containers"
            )),
            Some((major, minor)) => finding.evidence(format!(
                "the server is v{major}.{minor}, which supports native sidecars: if the manifest sets restartPolicy: Always, a mutating webhook may have dropped it"
            )),
            None => finding,
        })
        .collect()
}
