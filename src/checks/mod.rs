//! The check catalog: every rule `diagnose`, `order` and `volumes` report, one file per rule,
//! grouped by topic. A rule's file holds everything about it: its stable ID, group, title,
//! severity policy, the check, its wording and fix, and its documentation (the doc comment,
//! in a fixed shape, printed by `kubectl sidecar explain` and rendered into docs/rules.md).
//!
//! Rules read facts, they do not compute them: the pod model (`crate::model`), the order
//! timeline (`model::order`) and the volume matrix (`model::volumes`) are built once per pod
//! and shared with the renderers, so a command and `diagnose` can never disagree.

/// Declares a rule: its doc comment becomes both rustdoc and the text `explain` prints.
macro_rules! rule {
    ($(#[doc = $doc:literal])* pub const $name:ident = Rule { $($field:ident $(: $value:expr)?),* $(,)? };) => {
        $(#[doc = $doc])*
        pub const $name: $crate::checks::Rule = $crate::checks::Rule {
            doc: concat!($($doc, "\n"),*),
            $($field $(: $value)?),*
        };
    };
}

pub mod context;
pub mod doc;
pub mod jobs;
pub mod order;
mod remedies;
pub mod resources;
pub mod status;
#[cfg(test)]
mod tests;
pub mod volumes;

pub use context::{PodContext, label};

use serde::Serialize;

use crate::model::finding::{Finding, Severity};

/// The topics rules are grouped by; `order` and `volumes` run their group, `diagnose` all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    /// What the status says happened to a container or the pod.
    Status,
    /// Jobs and their sidecars.
    Jobs,
    /// Start-up and shutdown order (`kubectl sidecar order`).
    Order,
    /// Volumes and mounts (`kubectl sidecar volumes`).
    Volumes,
    /// Requests, limits and usage.
    Resources,
}

impl Group {
    pub const ALL: [Group; 5] = [
        Group::Status,
        Group::Jobs,
        Group::Order,
        Group::Volumes,
        Group::Resources,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Status => "status",
            Group::Jobs => "jobs",
            Group::Order => "order",
            Group::Volumes => "volumes",
            Group::Resources => "resources",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Group::Status => "what the status says happened to a container or the pod",
            Group::Jobs => "Job pods and their sidecars",
            Group::Order => "start-up and shutdown order (also shown by `kubectl sidecar order`)",
            Group::Volumes => "volumes and mounts (also shown by `kubectl sidecar volumes`)",
            Group::Resources => "requests, limits and memory usage",
        }
    }
}

/// The severity policy a rule follows (docs/rules.md, "Severity policy"): which severities it
/// may report. Checked on every finding in debug builds and by the registry tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Something is down, failed or cannot start now: critical, or a warning once it runs
    /// again. Read from the status, so a manifest alone is never critical.
    Outage,
    /// The spec cannot work as written: critical even on a manifest (a warning when it only
    /// breaks part of the pod).
    Broken,
    /// A hazard: a warning once it has hit, info before.
    Hazard,
    /// Hygiene that has not hurt yet: info.
    Hygiene,
}

impl Policy {
    pub fn allows(self, severity: Severity) -> bool {
        match self {
            Policy::Outage | Policy::Broken => severity != Severity::Info,
            Policy::Hazard => severity != Severity::Critical,
            Policy::Hygiene => severity == Severity::Info,
        }
    }

    /// `critical or warning`, as the docs print it.
    pub fn severities(self) -> &'static str {
        match self {
            Policy::Outage | Policy::Broken => "critical or warning",
            Policy::Hazard => "warning or info",
            Policy::Hygiene => "info",
        }
    }
}

pub struct Rule {
    /// Stable kebab-case ID: never renamed, since users filter and alert on it.
    pub id: &'static str,
    pub group: Group,
    /// One line: `--list-rules`, the explain header and the docs' index.
    pub title: &'static str,
    pub policy: Policy,
    /// Its findings can carry a spec change (`diagnose --fix` prints it as a patch).
    pub patch: bool,
    /// The doc comment: `## What it does`, `## Why is this bad?`, `## Example`, `## Fix`.
    pub doc: &'static str,
    pub check: fn(&PodContext) -> Vec<Finding>,
}

/// Every rule, in the order findings of equal severity are listed: root causes first.
pub const CATALOG: &[Rule] = &[
    status::evicted::RULE,
    jobs::sidecar_failed_pod::RULE,
    volumes::mount_over_root::RULE,
    status::oom_killed::RULE,
    status::crash_loop::RULE,
    status::image_pull::RULE,
    status::config_error::RULE,
    status::hook_failed::RULE,
    status::sidecar_not_ready::RULE,
    jobs::job_sidecar_never_exits::RULE,
    status::probe_kill::RULE,
    status::restart_storm::RULE,
    status::stuck_terminating::RULE,
    order::init_blocked::RULE,
    status::pod_failed::RULE,
    order::sidecar_as_init::RULE,
    volumes::undefined_volume::RULE,
    volumes::duplicate_mount_path::RULE,
    volumes::mount_mismatch::RULE,
    volumes::volume_no_writer::RULE,
    volumes::writer_read_only::RULE,
    volumes::memory_emptydir_no_limit::RULE,
    volumes::volume_uid_mismatch::RULE,
    resources::memory_near_limit::RULE,
    order::startup_order::RULE,
    order::shutdown_order::RULE,
    resources::no_resources::RULE,
    resources::memory_over_request::RULE,
    volumes::emptydir_not_shared::RULE,
    volumes::volume_unused::RULE,
    volumes::subpath_no_updates::RULE,
    volumes::log_volume_no_size_limit::RULE,
    volumes::log_sidecar_no_storage_limit::RULE,
    volumes::log_sidecar_no_shared_volume::RULE,
    // Last: it reports warning events no other rule explained.
    status::events::RULE,
];

/// The rule with this ID.
pub fn find(id: &str) -> Option<&'static Rule> {
    CATALOG.iter().find(|r| r.id == id)
}

/// Runs the rules of the selected groups over one pod, in catalog order, then drops the
/// findings another finding already explains.
pub fn run(ctx: &PodContext, groups: &[Group]) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    for rule in CATALOG.iter().filter(|r| groups.contains(&r.group)) {
        for finding in (rule.check)(ctx) {
            debug_assert_eq!(finding.rule, rule.id, "rules report under their own ID");
            debug_assert!(
                rule.patch || finding.patch.is_none(),
                "{} proposes a patch but is not marked patch: true",
                rule.id
            );
            debug_assert!(
                rule.policy.allows(finding.severity),
                "{} reported {:?} against its policy {:?}",
                rule.id,
                finding.severity,
                rule.policy
            );
            findings.push(finding);
        }
    }
    drop_explained(&mut findings);
    findings
}

/// Runs every rule.
pub fn run_all(ctx: &PodContext) -> Vec<Finding> {
    run(ctx, &Group::ALL)
}

/// Findings that only repeat what a more specific finding on the same pod says.
fn drop_explained(findings: &mut Vec<Finding>) {
    // A restart storm is context for restarts no other rule explains; next to a crash-loop
    // or OOM finding on the same container it would only repeat them.
    let explained: Vec<Option<String>> = findings
        .iter()
        .filter(|f| status::restart_storm::EXPLAINED_BY.contains(&f.rule))
        .map(|f| f.container.clone())
        .collect();
    findings
        .retain(|f| f.rule != status::restart_storm::RULE.id || !explained.contains(&f.container));
    // `pod-failed` is the fallback for a failed pod: a more specific finding (the eviction,
    // a sidecar's exit, an OOM kill or start error of the same container) says more.
    let specific: Vec<(&str, Option<String>)> = findings
        .iter()
        .filter(|f| f.rule != status::pod_failed::RULE.id && f.severity == Severity::Critical)
        .map(|f| (f.rule, f.container.clone()))
        .collect();
    findings.retain(|f| {
        f.rule != status::pod_failed::RULE.id
            || !specific.iter().any(|(rule, container)| {
                POD_FAILED_EXPLAINED_BY_POD.contains(rule)
                    || (container == &f.container && f.container.is_some())
            })
    });
    // A mount-mismatch already says the log sidecar looks where it mounts nothing.
    let mismatched: Vec<Option<String>> = findings
        .iter()
        .filter(|f| f.rule == volumes::mount_mismatch::RULE.id)
        .map(|f| f.container.clone())
        .collect();
    findings.retain(|f| {
        f.rule != volumes::log_sidecar_no_shared_volume::RULE.id
            || !mismatched.contains(&f.container)
    });
}

/// Findings that explain a failed pod whatever container they name.
const POD_FAILED_EXPLAINED_BY_POD: &[&str] = &["evicted", "sidecar-failed-pod"];

/// A rule's place in the catalog: the order in which a pod's findings of equal severity are
/// listed, root causes first.
pub fn registry_index(id: &str) -> usize {
    CATALOG
        .iter()
        .position(|r| r.id == id)
        .unwrap_or(CATALOG.len())
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
