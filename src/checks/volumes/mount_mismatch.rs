use super::*;

rule! {
    /// ## What it does
    /// Reads the absolute paths a container names in its `command`, `args` and literal `env` values
    /// (after `$(VAR)`, `$VAR` and `${VAR}` expansion, split out of shell scripts, `--flag=/path` and
    /// `a:/b` lists; globs cut at their first wildcard). It reports a **warning** when such a path lies
    /// outside all of the container's own mounts while another container mounts a volume there that
    /// this container is meant to share: one it mounts itself elsewhere, or writable storage that is
    /// mounted by two or more containers or is named for sharing (`logs`, `shared`, `socket`,
    /// `spool`, …), or any writable storage when this container is a log sidecar. The most specific
    /// mount wins when mounts nest. URLs, relative paths, `/dev`, `/proc`, `/sys` and ephemeral debug
    /// containers are ignored.
    ///
    /// ## Why is this bad?
    /// Every container has its own root filesystem; a volume only appears where that container mounts
    /// it. A sidecar that runs `tail -F /var/log/nginx/access.log` while mounting the log volume at
    /// `/logs` looks at its own image's empty `/var/log/nginx`: `tail -F` waits for the file forever,
    /// without an error, the sidecar stays Running and Ready, and no log line is ever shipped. Nobody
    /// notices until the logs are needed during an incident.
    ///
    /// ## Example
    /// nginx writes its logs to the `nginx-logs` emptyDir at `/var/log/nginx`; the sidecar mounts the
    /// same volume at `/logs` but tails the nginx path.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web-7c9d8b6f5d-x2x4k
    ///   namespace: shop
    ///   labels:
    ///     app: web
    ///   creationTimestamp: "2026-11-22T15:02:11Z"
    /// spec:
    ///   containers:
    ///   - name: nginx
    ///     image: docker.io/library/nginx:1.27.3
    ///     volumeMounts:
    ///     - name: nginx-logs
    ///       mountPath: /var/log/nginx
    ///   - name: log-reader
    ///     image: docker.io/library/busybox:1.37
    ///     command: ["sh", "-c", "tail -F /var/log/nginx/access.log"]
    ///     volumeMounts:
    ///     - name: nginx-logs
    ///       mountPath: /logs
    ///       readOnly: true
    ///   volumes:
    ///   - name: nginx-logs
    ///     emptyDir: {}
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-22T15:02:11Z"
    ///   containerStatuses:
    ///   - name: log-reader
    ///     image: docker.io/library/busybox:1.37
    ///     imageID: docker.io/library/busybox@sha256:2919d0172f7524b2d8df9e50066a682669e6d170ac0f6a49676d54358fe970b5
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     lastState: {}
    ///     state:
    ///       running:
    ///         startedAt: "2026-11-22T15:02:14Z"
    ///   - name: nginx
    ///     image: docker.io/library/nginx:1.27.3
    ///     imageID: docker.io/library/nginx@sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     lastState: {}
    ///     state:
    ///       running:
    ///         startedAt: "2026-11-22T15:02:13Z"
    /// ```
    /// Not reported: the sidecar reads the file through its own mount, `/logs/access.log`.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web-7c9d8b6f5d-x2x4k
    ///   namespace: shop
    ///   labels:
    ///     app: web
    ///   creationTimestamp: "2026-11-22T15:02:11Z"
    /// spec:
    ///   containers:
    ///   - name: nginx
    ///     image: docker.io/library/nginx:1.27.3
    ///     volumeMounts:
    ///     - name: nginx-logs
    ///       mountPath: /var/log/nginx
    ///   - name: log-reader
    ///     image: docker.io/library/busybox:1.37
    ///     command: ["sh", "-c", "tail -F /logs/access.log"]
    ///     volumeMounts:
    ///     - name: nginx-logs
    ///       mountPath: /logs
    ///       readOnly: true
    ///   volumes:
    ///   - name: nginx-logs
    ///     emptyDir: {}
    /// ```
    ///
    /// ## Fix
    /// Point the container at the same file through its own mount (here `/logs/access.log`; with a
    /// `subPath`, the path inside that subdirectory), or mount the volume at the path the other
    /// container uses (`mountPath: /var/log/nginx` in `log-reader`). When the container does not mount
    /// the volume at all, add the mount at that path.
    pub const RULE = Rule {
        id: "mount-mismatch",
        group: Group::Volumes,
        title: "a container names a path outside its mounts that another container shares",
        patch: true,
        policy: Policy::Hazard,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    mount_mismatch(ctx.volume_facts(), ctx.patches)
}

/// `mount-mismatch` (§3.2.2): a container names an absolute path outside its own mounts
/// while another container mounts a shared volume there. The classic: the sidecar tails
/// /var/log/nginx/access.log but mounts the log volume at /logs.
fn mount_mismatch(f: &VolumeFacts, patches: bool) -> Vec<Finding> {
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
            out.push(mismatch_finding(f, c, r, &holder, patches));
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

fn mismatch_finding(f: &VolumeFacts, c: &Ctr, r: &PathRef, h: &Holder, patches: bool) -> Finding {
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
    let finding = finding.patch_if(patches, || shared_mount(c, r, h));
    found(
        finding,
        Some(&row.name),
        vec![c.name.to_string(), h.other.name.to_string()],
    )
}

/// Mounts the volume in `c` where the other container has it (same subPath), read-only
/// unless `c` writes there.
fn shared_mount(c: &Ctr, r: &PathRef, h: &Holder) -> PodPatch {
    let mut mount = serde_json::json!({"name": h.row.name, "mountPath": h.cell.mount_path});
    if let Some(sub_path) = &h.cell.sub_path {
        mount["subPath"] = serde_json::json!(sub_path);
    }
    let writes = r.is_output();
    if !writes {
        mount["readOnly"] = serde_json::json!(true);
    }
    PodPatch::new(format!(
        "{} then sees {}'s files at {}{}",
        c.name,
        h.other.name,
        h.cell.mount_path,
        if writes {
            ""
        } else {
            " (read-only: it only reads them)"
        }
    ))
    .append(
        Place::Container(c.name.to_string()),
        &["volumeMounts"],
        mount,
    )
}
