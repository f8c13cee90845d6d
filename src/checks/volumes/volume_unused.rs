use super::*;

rule! {
    pub const RULE = Rule {
        id: "volume-unused",
        group: Group::Volumes,
        title: "a volume is declared but mounted by no container",
        policy: Policy::Hygiene,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    volume_unused(ctx.volume_facts())
}

/// `volume-unused` (§3.2.1): declared, mounted by no container.
fn volume_unused(f: &VolumeFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in &f.rows {
        if !row.mounts.is_empty()
            || matches!(row.kind, VolumeKind::Undefined | VolumeKind::ClaimTemplate)
            || f.is_injected_volume(row)
        {
            continue;
        }
        let finding = Finding::new(
            RULE.id,
            Severity::Info,
            format!(
                "volume {} is declared but no container mounts it",
                describe(row)
            ),
        )
        .evidence(format!(
            "spec.volumes has {}; no volumeMounts or volumeDevices name it",
            row.name
        ))
        .fix(format!(
            "remove {} from spec.volumes, or add the volumeMount a container was meant to have",
            row.name
        ));
        out.push(found(finding, Some(&row.name), Vec::new()));
    }
    out
}
