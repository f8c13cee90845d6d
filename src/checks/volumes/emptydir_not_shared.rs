use super::mount_mismatch::holder_of;
use super::*;

rule! {
    pub const RULE = Rule {
        id: "emptydir-not-shared",
        group: Group::Volumes,
        title: "a shared-looking emptyDir is mounted by one container only",
        policy: Policy::Hygiene,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    emptydir_not_shared(ctx.volume_facts())
}

/// `emptydir-not-shared` (§3.2.1): an emptyDir whose name says it is for sharing (logs,
/// shared, data, socket, spool, …) that only one container of a multi-container pod mounts.
/// Private scratch space (`tmp`, `cache`) and injected proxies' volumes are expected to be
/// unshared. When another container names a path under it, `mount-mismatch` says more.
fn emptydir_not_shared(f: &VolumeFacts) -> Vec<Finding> {
    if !f.multi_container() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for row in &f.rows {
        if row.kind != VolumeKind::EmptyDir
            || !suggests_sharing(&row.name)
            || f.is_injected_volume(row)
        {
            continue;
        }
        let mounters = f.mounters(row);
        let [only] = mounters.as_slice() else {
            continue;
        };
        let mismatched = f.ctrs.iter().any(|c| {
            c.name != only.name
                && c.role != Role::Ephemeral
                && c.path_refs().iter().any(|r| {
                    !c.sees(&r.path)
                        && holder_of(f, c, &r.path).is_some_and(|h| h.row.name == row.name)
                })
        });
        if mismatched {
            continue;
        }
        let others: Vec<String> = f
            .ctrs
            .iter()
            .filter(|c| c.name != only.name && c.role != Role::Ephemeral)
            .map(Ctr::label)
            .collect();
        let mut finding = Finding::new(
            RULE.id,
            Severity::Info,
            format!(
                "is the only container that mounts emptyDir {}: no other container sees its files",
                row.name
            ),
        )
        .container(only.name);
        for cell in f.cells(row, only.name) {
            finding = finding.evidence(mount_evidence(row, cell));
        }
        finding = finding
            .evidence(format!("not mounted by: {}", others.join(", ")))
            .fix(format!(
                "mount {} in the container that should read or write its files too, or ignore this if it is {}'s private scratch space",
                row.name, only.name
            ));
        out.push(found(finding, Some(&row.name), vec![only.name.to_string()]));
    }
    out
}
