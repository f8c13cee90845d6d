use super::*;

rule! {
    pub const RULE = Rule {
        id: "subpath-no-updates",
        group: Group::Volumes,
        title: "a configMap/secret mounted with subPath never receives updates",
        policy: Policy::Hygiene,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    subpath_no_updates(ctx.volume_facts())
}

/// `subpath-no-updates` (§3.2.6): a subPath bind-mounts a fixed file, so ConfigMap, Secret,
/// projected and downward API updates never reach the container.
fn subpath_no_updates(f: &VolumeFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in &f.rows {
        if !row.kind.is_api_content() {
            continue;
        }
        for cell in row
            .mounts
            .iter()
            .filter(|m| m.sub_path.is_some() || m.sub_path_expr.is_some())
        {
            if f.ctr(&cell.container).is_some_and(|c| c.is_injected()) {
                continue;
            }
            let what = match row.kind {
                VolumeKind::ConfigMap => "ConfigMap",
                VolumeKind::Secret => "Secret",
                VolumeKind::DownwardApi => "pod metadata",
                _ => "source",
            };
            let finding = Finding::new(
                RULE.id,
                Severity::Info,
                format!(
                    "mounts {} with subPath at {}: changes to the {what} never reach this container",
                    describe(row),
                    cell.mount_path
                ),
            )
            .container(&cell.container)
            .evidence(mount_evidence(row, cell))
            .fix(format!(
                "mount {} as a directory (pick keys with items) and read the file from there, or restart the pods when the {what} changes (e.g. a checksum annotation on the pod template)",
                row.name
            ));
            out.push(found(
                finding,
                Some(&row.name),
                vec![cell.container.clone()],
            ));
        }
    }
    out
}
