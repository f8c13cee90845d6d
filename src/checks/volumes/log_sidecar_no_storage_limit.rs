use super::*;

rule! {
    pub const RULE = Rule {
        id: "log-sidecar-no-storage-limit",
        group: Group::Volumes,
        title: "a log sidecar without an ephemeral-storage limit (eviction risk)",
        policy: Policy::Hygiene,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    log_sidecar_no_storage_limit(ctx.volume_facts())
}

/// `log-sidecar-no-storage-limit` (§3.2.12): a log sidecar without an ephemeral-storage
/// limit; its buffers and writable layer are unbounded, and evictions name the container
/// with the larger consumption, often the shipper.
fn log_sidecar_no_storage_limit(f: &VolumeFacts) -> Vec<Finding> {
    f.ctrs
        .iter()
        .filter(|c| c.is_log_sidecar() && c.ephemeral_storage_limit.is_none())
        .map(|c| {
            let limits = match &c.memory_limit {
                Some(m) => format!("limits memory {m}, no ephemeral-storage"),
                None => "no resource limits".to_string(),
            };
            let finding = Finding::new(
                RULE.id,
                Severity::Info,
                "log sidecar without an ephemeral-storage limit: its disk buffers and writable layer are unbounded (disk-pressure eviction risk)",
            )
            .container(c.name)
            .evidence(format!(
                "{} ({}, image {}): {limits}",
                c.name,
                c.role.as_str(),
                c.image
            ))
            .fix(format!(
                "set resources.requests and limits for ephemeral-storage on {} (e.g. 1Gi), and bound its on-disk buffer in its configuration",
                c.name
            ));
            found(finding, None, vec![c.name.to_string()])
        })
        .collect()
}
