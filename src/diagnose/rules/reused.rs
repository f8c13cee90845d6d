//! Findings of `order` and `volumes`, reported by diagnose under their own IDs. The analyses
//! live in `model::order` and `model::volumes` (computed once per pod into the context); these
//! rules only select from them, so the two commands and diagnose can never disagree.

use super::Rule;
use crate::diagnose::PodContext;
use crate::model::finding::{Finding, Severity};
use crate::model::order::{INIT_BLOCKED, SHUTDOWN_ORDER, SIDECAR_AS_INIT, STARTUP_ORDER};
use crate::model::volumes as v;
use crate::model::{Role, State};

fn from_order(ctx: &PodContext, id: &str) -> Vec<Finding> {
    ctx.order_findings
        .iter()
        .filter(|f| f.rule == id)
        .cloned()
        .collect()
}

fn from_volumes(ctx: &PodContext, id: &str) -> Vec<Finding> {
    ctx.volume_findings
        .iter()
        .filter(|f| f.rule == id)
        .cloned()
        .collect()
}

/// `NAME = source(ID), "title";` → a rule that reports that analysis's findings with that ID.
macro_rules! reused_rules {
    ($($name:ident = $source:ident($id:path), $title:literal;)*) => {
        $(
            pub const $name: Rule = Rule {
                id: $id,
                title: $title,
                check: |ctx| $source(ctx, $id),
            };
        )*
    };
}

reused_rules! {
    STARTUP = from_order(STARTUP_ORDER), "the app may start before a sidecar it depends on (classic proxy after the app, native sidecar without startupProbe)";
    SHUTDOWN = from_order(SHUTDOWN_ORDER), "shutdown hazards: classic sidecars stopping with the app, preStop longer than the grace period";
    MOUNT_OVER_ROOT = from_volumes(v::MOUNT_OVER_ROOT), "a volume is mounted at / or over a system directory";
    UNDEFINED_VOLUME = from_volumes(v::UNDEFINED_VOLUME), "a mount names a volume the pod does not declare";
    DUPLICATE_MOUNT_PATH = from_volumes(v::DUPLICATE_MOUNT_PATH), "two mounts at the same path in one container";
    MOUNT_MISMATCH = from_volumes(v::MOUNT_MISMATCH), "a container names a path outside its mounts that another container shares";
    VOLUME_NO_WRITER = from_volumes(v::VOLUME_NO_WRITER), "a shared volume nobody mounts read-write";
    WRITER_READ_ONLY = from_volumes(v::WRITER_READ_ONLY), "the container that writes a shared volume mounts it read-only";
    MEMORY_EMPTYDIR = from_volumes(v::MEMORY_EMPTYDIR_NO_LIMIT), "a memory-backed emptyDir without sizeLimit (counts against the memory limit)";
    UID_MISMATCH = from_volumes(v::VOLUME_UID_MISMATCH), "containers share writable storage as different users without fsGroup";
    EMPTYDIR_NOT_SHARED = from_volumes(v::EMPTYDIR_NOT_SHARED), "a shared-looking emptyDir is mounted by one container only";
    VOLUME_UNUSED = from_volumes(v::VOLUME_UNUSED), "a volume is declared but mounted by no container";
    SUBPATH_NO_UPDATES = from_volumes(v::SUBPATH_NO_UPDATES), "a configMap/secret mounted with subPath never receives updates";
    LOG_VOLUME_NO_SIZE_LIMIT = from_volumes(v::LOG_VOLUME_NO_SIZE_LIMIT), "a log volume without sizeLimit (eviction risk)";
    LOG_SIDECAR_NO_STORAGE_LIMIT = from_volumes(v::LOG_SIDECAR_NO_STORAGE_LIMIT), "a log sidecar without an ephemeral-storage limit (eviction risk)";
    LOG_SIDECAR_NO_SHARED_VOLUME = from_volumes(v::LOG_SIDECAR_NO_SHARED_VOLUME), "a log sidecar shares no volume with the main container";
}

pub const AS_INIT: Rule = Rule {
    id: SIDECAR_AS_INIT,
    title: "a long-running sidecar declared as a plain init container (restartPolicy: Always missing)",
    check: as_init,
};

/// Live, the server version tells whether the field could even be kept.
fn as_init(ctx: &PodContext) -> Vec<Finding> {
    from_order(ctx, SIDECAR_AS_INIT)
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

pub const INIT_BLOCKED_RULE: Rule = Rule {
    id: INIT_BLOCKED,
    title: "an init container or an unstarted native sidecar holds the pod in Init",
    check: init_blocked,
};

/// With a clock, diagnose can say how much of a native sidecar's startupProbe budget is
/// spent (`order` has no "now"): past the budget, or after a restart, the pod cannot start
/// now, so the finding is critical.
fn init_blocked(ctx: &PodContext) -> Vec<Finding> {
    from_order(ctx, INIT_BLOCKED)
        .into_iter()
        .map(|mut finding| {
            let Some(c) = finding
                .container
                .as_deref()
                .and_then(|name| ctx.containers().find(|c| c.name == name))
                .filter(|c| c.role == Role::NativeSidecar)
            else {
                return finding;
            };
            let Some(status) = &c.status else {
                return finding;
            };
            let State::Running {
                started_at: Some(started),
            } = status.state
            else {
                return finding;
            };
            let Some(probe) = ctx.spec(&c.name).and_then(|s| s.startup_probe.as_ref()) else {
                return finding;
            };
            let (delay, threshold, period, budget) = super::probe_kill::kill_budget(probe);
            let used = ctx.now.duration_since(started).as_secs().max(0);
            finding.evidence.push(format!(
                "{} has run {}s of its startupProbe budget of {budget}s (initialDelaySeconds {delay} + periodSeconds {period} × failureThreshold {threshold}); when it runs out the kubelet kills {} and starts it again, and the pod stays in Init",
                c.name, used, c.name
            ));
            if used > i64::from(budget) || status.restart_count > 0 {
                finding.severity = Severity::Critical;
            }
            finding
        })
        .collect()
}
