use super::*;

rule! {
    pub const RULE = Rule {
        id: "volume-no-writer",
        group: Group::Volumes,
        title: "a shared volume nobody mounts read-write",
        policy: Policy::Hazard,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    volume_no_writer(ctx.volume_facts())
}

/// `volume-no-writer` (§3.2.3): an emptyDir that every container mounts read-only starts
/// empty and stays empty.
fn volume_no_writer(f: &VolumeFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in &f.rows {
        if row.kind != VolumeKind::EmptyDir || f.is_injected_volume(row) {
            continue;
        }
        let mounters = f.mounters(row);
        let cells: Vec<&MountCell> = row
            .mounts
            .iter()
            .filter(|m| mounters.iter().any(|c| c.name == m.container))
            .collect();
        if cells.is_empty() || cells.iter().any(|m| !m.read_only) {
            continue;
        }
        // A container that names an output path under it is reported by writer-read-only.
        if !output_writers(f, row).is_empty() {
            continue;
        }
        let mut finding = Finding::new(
            RULE.id,
            Severity::Warning,
            format!(
                "emptyDir {} is mounted read-only by every container that mounts it ({}): nothing can write to it, so it stays empty",
                row.name,
                names(&mounters)
            ),
        );
        if let [only] = mounters.as_slice() {
            finding = finding.container(only.name);
        }
        for cell in &cells {
            finding = finding.evidence(mount_evidence(row, cell));
        }
        for c in &mounters {
            for message in read_only_errors(c) {
                finding = finding.evidence(format!("{} status: {message}", c.name));
            }
        }
        let producer = match likely_producer(&mounters) {
            Some(c) => format!(", most likely {}", c.name),
            None if mounters.len() > 1 => format!(" (one of {})", names(&mounters)),
            None => String::new(),
        };
        finding = finding.fix(format!(
            "drop readOnly: true from the mount of {} in the container that produces its files{producer}",
            row.name
        ));
        let involved = mounters.iter().map(|c| c.name.to_string()).collect();
        out.push(found(finding, Some(&row.name), involved));
    }
    out
}

/// The mounter that most likely writes a shared volume: the app when a log sidecar reads it,
/// else the only mounter besides the app (a renderer, downloader, agent).
fn likely_producer<'c, 'a>(mounters: &[&'c Ctr<'a>]) -> Option<&'c Ctr<'a>> {
    let main = mounters.iter().find(|c| c.role == Role::Main);
    if mounters.iter().any(|c| c.is_log_sidecar()) {
        return main.copied();
    }
    match mounters
        .iter()
        .filter(|c| c.role != Role::Main && !c.is_injected())
        .collect::<Vec<_>>()
        .as_slice()
    {
        [only] if main.is_some() => Some(**only),
        _ => None,
    }
}
