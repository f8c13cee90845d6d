use super::*;

rule! {
    pub const RULE = Rule {
        id: "writer-read-only",
        group: Group::Volumes,
        title: "the container that writes a shared volume mounts it read-only",
        policy: Policy::Hazard,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    writer_read_only(ctx.volume_facts())
}

/// `writer-read-only` (§3.2.3): the container that writes to a volume mounts it read-only:
/// it names an output path there (`--log-file`, `LOG_DIR`, a shell redirect), or it is the
/// main container sharing a log volume with a log sidecar, which only reads.
fn writer_read_only(f: &VolumeFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in &f.rows {
        if !row.kind.is_storage() || f.is_injected_volume(row) {
            continue;
        }
        let mut reported: BTreeSet<&str> = BTreeSet::new();
        for (c, r, cell) in output_writers(f, row) {
            if !cell.read_only || !reported.insert(c.name) {
                continue;
            }
            let key = r.key.as_deref().unwrap_or_default();
            let finding = Finding::new(
                RULE.id,
                Severity::Warning,
                format!(
                    "writes to {} ({key}) but mounts {} there read-only: writes fail with \"read-only file system\"",
                    r.raw, row.name
                ),
            )
            .container(c.name)
            .evidence(c.origin_text(&r))
            .evidence(mount_evidence(row, cell));
            let mut finding = finding;
            for message in read_only_errors(c) {
                finding = finding.evidence(format!("status: {message}"));
            }
            let finding = finding.fix(format!(
                "drop readOnly: true from {}'s mount of {} at {}",
                c.name, row.name, cell.mount_path
            ));
            out.push(found(finding, Some(&row.name), vec![c.name.to_string()]));
        }
        if row.kind != VolumeKind::EmptyDir {
            continue;
        }
        // The app writes the logs a log sidecar ships: it needs the volume read-write.
        let mounters = f.mounters(row);
        let Some(main) = mounters.iter().find(|c| c.role == Role::Main) else {
            continue;
        };
        let main_cells = f.cells(row, main.name);
        let shippers: Vec<&&Ctr> = mounters.iter().filter(|c| c.is_log_sidecar()).collect();
        let someone_writes = row.mounts.iter().any(|m| !m.read_only);
        if main_cells.is_empty()
            || main_cells.iter().any(|m| !m.read_only)
            || shippers.is_empty()
            || !someone_writes
            || reported.contains(main.name)
        {
            continue;
        }
        let shipper_names: Vec<&str> = shippers.iter().map(|c| c.name).collect();
        let mut finding = Finding::new(
            RULE.id,
            Severity::Warning,
            format!(
                "mounts {} read-only at {}, but shares it with log sidecar {}: the app cannot write the logs it is meant to ship",
                row.name,
                main_cells[0].mount_path,
                shipper_names.join(", ")
            ),
        )
        .container(main.name);
        for cell in row
            .mounts
            .iter()
            .filter(|m| mounters.iter().any(|c| c.name == m.container))
        {
            finding = finding.evidence(mount_evidence(row, cell));
        }
        finding = finding.fix(format!(
            "drop readOnly: true from {}'s mount of {} (the log sidecar can keep its read-only mount)",
            main.name, row.name
        ));
        let mut involved = vec![main.name.to_string()];
        involved.extend(shipper_names.iter().map(|n| n.to_string()));
        out.push(found(finding, Some(&row.name), involved));
    }
    out
}
