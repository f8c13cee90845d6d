use super::*;

rule! {
    pub const RULE = Rule {
        id: "mount-mismatch",
        group: Group::Volumes,
        title: "a container names a path outside its mounts that another container shares",
        policy: Policy::Hazard,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    mount_mismatch(ctx.volume_facts())
}

/// `mount-mismatch` (§3.2.2): a container names an absolute path outside its own mounts
/// while another container mounts a shared volume there. The classic: the sidecar tails
/// /var/log/nginx/access.log but mounts the log volume at /logs.
fn mount_mismatch(f: &VolumeFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &f.ctrs {
        // Debug containers reach other containers' files through /proc/PID/root.
        if c.role == Role::Ephemeral {
            continue;
        }
        let mut reported: BTreeSet<&str> = BTreeSet::new();
        for r in c.path_refs() {
            if c.sees(&r.path) || is_pseudo(&r.path) {
                continue;
            }
            let Some(holder) = holder_of(f, c, &r.path) else {
                continue;
            };
            if !reported.insert(holder.row.name.as_str()) {
                continue;
            }
            out.push(mismatch_finding(f, c, &r, &holder));
        }
    }
    out
}

/// A mount of a shared volume in another container that shows the path a container names.
pub(super) struct Holder<'a, 'r> {
    pub(super) other: &'r Ctr<'a>,
    pub(super) row: &'r VolumeRow,
    pub(super) cell: &'r MountCell,
}

/// The other container's mount that shows `path`, when its volume is one `c` could share.
pub(super) fn holder_of<'a, 'r>(
    f: &'r VolumeFacts<'a>,
    c: &Ctr,
    path: &str,
) -> Option<Holder<'a, 'r>> {
    let mut best: Option<Holder> = None;
    for other in &f.ctrs {
        if other.name == c.name || other.role == Role::Ephemeral {
            continue;
        }
        let Some(m) = longest_mount(other.mounts.iter(), path) else {
            continue;
        };
        let Some(mount) = normalize(&m.mount_path).filter(|p| p != "/") else {
            continue;
        };
        let Some(row) = f.row(&m.name) else {
            continue;
        };
        let Some(cell) = row
            .mounts
            .iter()
            .find(|cell| cell.container == other.name && cell.mount_path == m.mount_path)
        else {
            continue;
        };
        if !is_shareable(f, c, row) {
            continue;
        }
        let better = best
            .as_ref()
            .is_none_or(|b| normalize(&b.cell.mount_path).map_or(0, |p| p.len()) < mount.len());
        if better {
            best = Some(Holder { other, row, cell });
        }
    }
    best
}

/// Whether `row` is a volume `c` is meant to share: it mounts the volume itself (elsewhere),
/// or the volume is shared storage (mounted by two or more, named for sharing, or `c` is a
/// log sidecar looking for log files). Scratch space like a private /tmp is not.
fn is_shareable(f: &VolumeFacts, c: &Ctr, row: &VolumeRow) -> bool {
    if row.kind == VolumeKind::Undefined {
        return false;
    }
    if !f.cells(row, c.name).is_empty() {
        return true;
    }
    if !row.kind.is_storage() || f.is_injected_volume(row) {
        return false;
    }
    f.mounters(row).len() >= 2 || suggests_sharing(&row.name) || c.is_log_sidecar()
}

fn mismatch_finding(f: &VolumeFacts, c: &Ctr, r: &PathRef, h: &Holder) -> Finding {
    let row = h.row;
    let own = f.cells(row, c.name);
    let mut finding = Finding::new(RULE.id, Severity::Warning, String::new()).container(c.name);
    finding = finding
        .evidence(c.origin_text(r))
        .evidence(mount_evidence(row, h.cell));
    if own.is_empty() {
        finding.summary = format!(
            "names {}, outside its own mounts: {} is mounted at {} in {}, not in {}",
            r.raw, row.name, h.cell.mount_path, h.other.name, c.name
        );
        finding = finding
            .evidence(format!(
                "{} does not mount {}: it sees its own image's {}, not {}'s files",
                c.name, row.name, h.cell.mount_path, h.other.name
            ))
            .fix(format!(
                "mount volume {} at {} in container {}",
                row.name, h.cell.mount_path, c.name
            ));
    } else {
        let at: Vec<&str> = own.iter().map(|m| m.mount_path.as_str()).collect();
        finding.summary = format!(
            "names {}, outside its own mounts: {} is mounted at {} in {} but at {} in {}",
            r.raw,
            row.name,
            h.cell.mount_path,
            h.other.name,
            at.join(", "),
            c.name
        );
        for cell in &own {
            finding = finding.evidence(mount_evidence(row, cell));
        }
        let translated = own.iter().find_map(|cell| translate(&r.full, h.cell, cell));
        let fix = match translated {
            Some(path) => format!(
                "point {} at {path} (where it mounts {}), or mount {} at {} in container {}",
                c.name, row.name, row.name, h.cell.mount_path, c.name
            ),
            None => {
                finding = finding.evidence(format!(
                    "{}'s subPath does not contain {}: the two containers see different directories of {}",
                    c.name, r.raw, row.name
                ));
                format!(
                    "mount {} at {} in container {} with the same subPath as {}",
                    row.name, h.cell.mount_path, c.name, h.other.name
                )
            }
        };
        finding = finding.fix(fix);
    }
    found(
        finding,
        Some(&row.name),
        vec![c.name.to_string(), h.other.name.to_string()],
    )
}
