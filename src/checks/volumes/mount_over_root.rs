use super::*;

rule! {
    pub const RULE = Rule {
        id: "mount-over-root",
        group: Group::Volumes,
        title: "a volume is mounted at / or over a system directory",
        policy: Policy::Broken,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    mount_over_root(ctx.volume_facts())
}

/// `mount-over-root`: a volume over `/` (critical: the runtime cannot create the kubelet's
/// /etc/hosts, /etc/resolv.conf mount points on it) or over a system directory.
fn mount_over_root(f: &VolumeFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &f.ctrs {
        for (index, m) in c.mounts.iter().enumerate() {
            let Some(path) = normalize(&m.mount_path) else {
                continue;
            };
            let row = f.row(&m.name);
            let what = row.map_or_else(|| format!("volume {}", m.name), describe);
            let finding = if path == "/" {
                Finding::new(
                    RULE.id,
                    Severity::Critical,
                    format!("mounts {what} over / (the whole root filesystem)"),
                )
                .fix(format!(
                    "mount {} at a directory of its own (e.g. /etc/{}); to drop single files into an existing directory use subPath (those files then never update)",
                    m.name, m.name
                ))
            } else if SYSTEM_PATHS.contains(&path.as_str()) {
                Finding::new(
                    RULE.id,
                    Severity::Warning,
                    format!("mounts {what} over the system directory {path}: everything the image has there is hidden"),
                )
                .fix(format!(
                    "mount {} at a dedicated subdirectory (e.g. {path}/{}), or use subPath to add single files",
                    m.name, c.name
                ))
            } else {
                continue;
            };
            let mut finding = finding.container(c.name).evidence(format!(
                "{}.volumeMounts[{index}]: {} at {}",
                c.field, m.name, m.mount_path
            ));
            if path == "/" {
                let read_only = row.is_some_and(|r| {
                    r.mounts.iter().any(|cell| {
                        cell.container == c.name
                            && cell.mount_path == m.mount_path
                            && cell.read_only
                    })
                });
                finding = finding.evidence(if read_only {
                    "the runtime cannot create the /etc/hosts and /etc/resolv.conf mount points on a read-only volume: StartError \"read-only file system\""
                } else {
                    "the volume replaces the image's whole filesystem: its binaries and /etc are gone"
                });
            }
            let errors = c
                .messages
                .iter()
                .filter(|m| m.contains("mount") || m.contains("read-only file system"));
            for message in errors {
                finding = finding.evidence(format!("status: {message}"));
            }
            out.push(found(finding, Some(&m.name), vec![c.name.to_string()]));
        }
    }
    out
}
