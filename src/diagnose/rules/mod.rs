//! The rule registry. Each rule is a small module with a stable ID, a one-line title (the
//! docs/rules.md entry) and a check function; tests over the registry keep IDs unique and
//! documented.

mod config_error;
mod crash_loop;
mod events;
mod evicted;
mod hook_failed;
mod image_pull;
mod job_sidecar;
mod memory_usage;
mod no_resources;
mod oom_killed;
mod pod_failed;
mod probe_kill;
mod restart_storm;
mod reused;
mod sidecar_failed_pod;

#[cfg(test)]
pub use crash_loop::explain_exit as crash_loop_explain;
mod sidecar_not_ready;
mod stuck_terminating;

use super::PodContext;
use crate::model::finding::{Finding, Severity};

pub struct Rule {
    /// Stable kebab-case ID: never renamed, since users filter and alert on it.
    pub id: &'static str,
    pub title: &'static str,
    pub check: fn(&PodContext) -> Vec<Finding>,
}

/// Every rule, in the order findings of equal severity are listed.
pub const RULES: &[Rule] = &[
    evicted::RULE,
    sidecar_failed_pod::RULE,
    reused::MOUNT_OVER_ROOT,
    oom_killed::RULE,
    crash_loop::RULE,
    image_pull::RULE,
    config_error::RULE,
    hook_failed::RULE,
    sidecar_not_ready::RULE,
    job_sidecar::RULE,
    probe_kill::RULE,
    restart_storm::RULE,
    stuck_terminating::RULE,
    reused::INIT_BLOCKED_RULE,
    pod_failed::RULE,
    reused::AS_INIT,
    reused::UNDEFINED_VOLUME,
    reused::DUPLICATE_MOUNT_PATH,
    reused::MOUNT_MISMATCH,
    reused::VOLUME_NO_WRITER,
    reused::WRITER_READ_ONLY,
    reused::MEMORY_EMPTYDIR,
    reused::UID_MISMATCH,
    memory_usage::NEAR_LIMIT,
    reused::STARTUP,
    reused::SHUTDOWN,
    no_resources::RULE,
    memory_usage::OVER_REQUEST,
    reused::EMPTYDIR_NOT_SHARED,
    reused::VOLUME_UNUSED,
    reused::SUBPATH_NO_UPDATES,
    reused::LOG_VOLUME_NO_SIZE_LIMIT,
    reused::LOG_SIDECAR_NO_STORAGE_LIMIT,
    reused::LOG_SIDECAR_NO_SHARED_VOLUME,
    // Last: it reports warning events no other rule explained.
    events::RULE,
];

/// Runs every rule over one pod.
pub fn run_all(ctx: &PodContext) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    for rule in RULES {
        for finding in (rule.check)(ctx) {
            debug_assert_eq!(finding.rule, rule.id, "rules report under their own ID");
            findings.push(finding);
        }
    }
    // A restart storm is context for restarts no other rule explains; next to a crash-loop
    // or OOM finding on the same container it would only repeat them.
    let explained: Vec<Option<String>> = findings
        .iter()
        .filter(|f| restart_storm::EXPLAINED_BY.contains(&f.rule))
        .map(|f| f.container.clone())
        .collect();
    findings.retain(|f| f.rule != restart_storm::RULE.id || !explained.contains(&f.container));
    // `pod-failed` is the fallback for a failed pod: a more specific finding (the eviction,
    // a sidecar's exit, an OOM kill or start error of the same container) says more.
    let specific: Vec<(&str, Option<String>)> = findings
        .iter()
        .filter(|f| f.rule != pod_failed::RULE.id && f.severity == Severity::Critical)
        .map(|f| (f.rule, f.container.clone()))
        .collect();
    findings.retain(|f| {
        f.rule != pod_failed::RULE.id
            || !specific.iter().any(|(rule, container)| {
                POD_FAILED_EXPLAINED_BY_POD.contains(rule)
                    || (container == &f.container && f.container.is_some())
            })
    });
    findings
}

/// Findings that explain a failed pod whatever container they name.
const POD_FAILED_EXPLAINED_BY_POD: &[&str] = &["evicted", "sidecar-failed-pod"];

/// A rule's place in the registry: the order in which a pod's findings of equal severity
/// are listed, root causes first.
pub fn registry_index(id: &str) -> usize {
    RULES.iter().position(|r| r.id == id).unwrap_or(RULES.len())
}

/// What a sidecar restart costs, for summaries and fixes.
fn restart_impact(role: crate::model::Role) -> &'static str {
    use crate::model::Role;
    match role {
        Role::NativeSidecar | Role::Sidecar => {
            "the sidecar restarts on its own, so the pod stays up but loses what the sidecar does while it restarts"
        }
        Role::Main => "the application itself restarted",
        Role::Init => "pod initialization fails and starts over",
        Role::Ephemeral => "the debug container was killed",
    }
}
