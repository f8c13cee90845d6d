use super::*;

rule! {
    pub const RULE = Rule {
        id: "undefined-volume",
        group: Group::Volumes,
        title: "a mount names a volume the pod does not declare",
        policy: Policy::Broken,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    undefined_volume(ctx.volume_facts())
}

/// `undefined-volume`: a mount naming a volume the pod does not declare. The API server
/// rejects such a pod (`Not found`), so only manifests have it.
fn undefined_volume(f: &VolumeFacts) -> Vec<Finding> {
    let declared: Vec<&str> = f
        .rows
        .iter()
        .filter(|r| !matches!(r.kind, VolumeKind::Undefined | VolumeKind::ClaimTemplate))
        .map(|r| r.name.as_str())
        .collect();
    let mut out = Vec::new();
    for c in &f.ctrs {
        let mounts = c
            .mounts
            .iter()
            .map(|m| (m.name.as_str(), "volumeMounts", &m.mount_path));
        let devices = c
            .devices
            .iter()
            .map(|d| (d.name.as_str(), "volumeDevices", &d.device_path));
        for (i, (name, list, path)) in mounts.chain(devices).enumerate() {
            if f.row(name).is_none_or(|r| r.kind != VolumeKind::Undefined) {
                continue;
            }
            let index = if list == "volumeMounts" {
                i
            } else {
                i - c.mounts.len()
            };
            let unmounted: Vec<&str> = f
                .rows
                .iter()
                .filter(|r| r.mounts.is_empty() && r.kind != VolumeKind::Undefined)
                .map(|r| r.name.as_str())
                .collect();
            let declared_text = if declared.is_empty() {
                "the pod declares no volumes".to_string()
            } else {
                format!("declared volumes: {}", declared.join(", "))
            };
            let finding = Finding::new(
                RULE.id,
                Severity::Critical,
                format!("mounts volume {name} at {path}, but the pod declares no volume of that name"),
            )
            .container(c.name)
            .evidence(format!(
                "{}.{list}[{index}].name: Not found: \"{name}\" (the API server rejects the pod)",
                c.field
            ))
            .evidence(declared_text)
            .fix(match unmounted.as_slice() {
                [] => format!(
                    "add volume {name} to spec.volumes, or correct the name in {}'s mount",
                    c.name
                ),
                list => format!(
                    "correct the name in {}'s mount (declared but unmounted: {}), or add volume {name} to spec.volumes",
                    c.name,
                    list.join(", ")
                ),
            });
            out.push(found(finding, Some(name), vec![c.name.to_string()]));
        }
    }
    out
}
