use super::*;

rule! {
    pub const RULE = Rule {
        id: "log-volume-no-size-limit",
        group: Group::Volumes,
        title: "a log volume without sizeLimit (eviction risk)",
        policy: Policy::Hygiene,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    log_volume_no_size_limit(ctx.volume_facts())
}

/// `log-volume-no-size-limit` (§3.2.8, §3.2.12): a shared disk emptyDir a log sidecar reads
/// or ships, without sizeLimit: the logs grow on the node's disk until the kubelet evicts
/// the pod under disk pressure.
fn log_volume_no_size_limit(f: &VolumeFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in &f.rows {
        let memory = row
            .medium
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case("Memory"));
        if row.kind != VolumeKind::EmptyDir || memory || row.size_limit.is_some() {
            continue;
        }
        let mounters = f.mounters(row);
        let Some(shipper) = mounters.iter().find(|c| c.is_log_sidecar()) else {
            continue;
        };
        if mounters.len() < 2 {
            continue;
        }
        let mut finding = Finding::new(
            RULE.id,
            Severity::Info,
            format!(
                "reads logs from emptyDir {}, which has no sizeLimit: the files grow on the node's disk until the kubelet evicts the pod",
                row.name
            ),
        )
        .container(shipper.name);
        for cell in row
            .mounts
            .iter()
            .filter(|m| mounters.iter().any(|c| c.name == m.container))
        {
            finding = finding.evidence(mount_evidence(row, cell));
        }
        let writers: Vec<&str> = mounters
            .iter()
            .filter(|c| c.name != shipper.name && f.cells(row, c.name).iter().any(|m| !m.read_only))
            .map(|c| c.name)
            .collect();
        let rotate = match writers.as_slice() {
            [] => String::new(),
            w => format!(", and rotate the files in {}", w.join(", ")),
        };
        finding = finding.fix(format!(
            "set emptyDir.sizeLimit on {} (e.g. 1Gi) so the bound is explicit{rotate}",
            row.name
        ));
        let involved = std::iter::once(shipper.name)
            .chain(
                mounters
                    .iter()
                    .map(|c| c.name)
                    .filter(|n| *n != shipper.name),
            )
            .map(str::to_string)
            .collect();
        out.push(found(finding, Some(&row.name), involved));
    }
    out
}
