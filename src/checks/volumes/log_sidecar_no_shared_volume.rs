use super::*;

rule! {
    pub const RULE = Rule {
        id: "log-sidecar-no-shared-volume",
        group: Group::Volumes,
        title: "a log sidecar shares no volume with the main container",
        policy: Policy::Hygiene,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    log_sidecar_no_shared_volume(ctx.volume_facts())
}

/// A log sidecar mounting nothing the main container mounts (the service-account token does
/// not count) cannot read the app's log files; it only sees its own filesystem.
fn log_sidecar_no_shared_volume(f: &VolumeFacts) -> Vec<Finding> {
    let Some(main) = f.ctrs.iter().find(|c| c.role == Role::Main) else {
        return Vec::new();
    };
    let is_token = |m: &VolumeMount| m.mount_path.trim_end_matches('/') == SERVICE_ACCOUNT_PATH;
    f.ctrs
        .iter()
        .filter(|c| c.is_log_sidecar())
        .filter(|c| {
            !c.mounts
                .iter()
                .filter(|m| !is_token(m))
                .any(|m| main.mounts.iter().any(|mm| mm.name == m.name))
        })
        .map(|c| {
            let own: Vec<String> = c
                .mounts
                .iter()
                .filter(|m| !is_token(m))
                .map(|m| format!("{} at {}", m.name, m.mount_path))
                .collect();
            let own = if own.is_empty() {
                "only the service-account token".to_string()
            } else {
                own.join(", ")
            };
            let finding = Finding::new(
                RULE.id,
                Severity::Info,
                format!(
                    "log sidecar shares no volume with {}: it cannot read {}'s log files",
                    main.name, main.name
                ),
            )
            .container(c.name)
            .evidence(format!("{} mounts {own}", c.name))
            .fix(format!(
                "if {} writes log files, put them on an emptyDir mounted in both containers; if it logs to stdout, the node already keeps those logs (collect them with a DaemonSet, not a sidecar)",
                main.name
            ));
            found(finding, None, vec![c.name.to_string(), main.name.to_string()])
        })
        .collect()
}
