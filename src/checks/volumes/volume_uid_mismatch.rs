use super::*;

rule! {
    /// ## What it does
    /// Reports a **warning** when two or more containers mount the same writable volume (emptyDir,
    /// persistentVolumeClaim, ephemeral, CSI, …; not hostPath, where `fsGroup` does not apply, and not
    /// configMap, secret, projected, downwardAPI or image), at least one of them read-write, they run
    /// with two or more different effective `runAsUser` values (the container's `securityContext`,
    /// else the pod's), and the pod sets no `spec.securityContext.fsGroup`. Containers without any
    /// `runAsUser` run as the image's user, which the spec does not tell: they are listed but do not
    /// count as a difference. With `fsGroup` set, the rule reports nothing.
    ///
    /// ## Why is this bad?
    /// Files belong to the user that creates them, with the process's umask (usually `644` for files
    /// and `755` for directories, `600` for anything created private). A second container running as
    /// another user can then read but not modify those files, nor create files in the directories the
    /// first one made, or cannot read them at all: the cache warmer fails with `permission denied` on
    /// the thumbnailer's files, the log shipper cannot open a `600` log file, and the failure only
    /// shows in the container's own logs. `fsGroup` makes
    /// the kubelet give the volume to a common group (setgid on the directory) and adds that group to
    /// every container's processes, so files created there are shared by group.
    ///
    /// ## Example
    /// The thumbnailer (uid 1000) and its cache warmer (uid 65534) both write the `thumb-cache`
    /// emptyDir, and the pod has no `fsGroup`.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: thumbnailer-6b7c9d5f8-q4wzr
    ///   namespace: media
    /// spec:
    ///   containers:
    ///   - name: thumbnailer
    ///     image: ghcr.io/acme/thumbnailer:2.4.1
    ///     args: ["--cache-dir=/var/cache/thumbs"]
    ///     securityContext:
    ///       runAsUser: 1000
    ///     volumeMounts:
    ///     - name: thumb-cache
    ///       mountPath: /var/cache/thumbs
    ///   - name: cache-warmer
    ///     image: ghcr.io/acme/cache-warmer:0.9.0
    ///     args: ["--cache-dir=/cache", "--source=http://thumbnailer.media.svc:8080/popular"]
    ///     securityContext:
    ///       runAsUser: 65534
    ///     volumeMounts:
    ///     - name: thumb-cache
    ///       mountPath: /cache
    ///   volumes:
    ///   - name: thumb-cache
    ///     emptyDir: {}
    /// ```
    /// Not reported: the pod sets `fsGroup`, so both containers share a group that owns the volume.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: thumbnailer-6b7c9d5f8-q4wzr
    ///   namespace: media
    /// spec:
    ///   securityContext:
    ///     fsGroup: 1000
    ///   containers:
    ///   - name: thumbnailer
    ///     image: ghcr.io/acme/thumbnailer:2.4.1
    ///     args: ["--cache-dir=/var/cache/thumbs"]
    ///     securityContext:
    ///       runAsUser: 1000
    ///     volumeMounts:
    ///     - name: thumb-cache
    ///       mountPath: /var/cache/thumbs
    ///   - name: cache-warmer
    ///     image: ghcr.io/acme/cache-warmer:0.9.0
    ///     args: ["--cache-dir=/cache", "--source=http://thumbnailer.media.svc:8080/popular"]
    ///     securityContext:
    ///       runAsUser: 65534
    ///     volumeMounts:
    ///     - name: thumb-cache
    ///       mountPath: /cache
    ///   volumes:
    ///   - name: thumb-cache
    ///     emptyDir: {}
    /// ```
    ///
    /// ## Fix
    /// - Set `spec.securityContext.fsGroup` (e.g. `1000`): the volume then belongs to that group and
    ///   every container is a member; for files one container must modify after another wrote them,
    ///   the writers also need a group-writable umask (`002`).
    /// - Or run the containers that share the volume with the same `runAsUser`.
    pub const RULE = Rule {
        id: "volume-uid-mismatch",
        group: Group::Volumes,
        title: "containers share writable storage as different users without fsGroup",
        patch: false,
        policy: Policy::Hazard,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    volume_uid_mismatch(ctx.volume_facts())
}

/// `volume-uid-mismatch`: containers that share writable storage as different users, with
/// no pod fsGroup to give them a common group: files one creates (mode 644/600) can be
/// unwritable or unreadable for the other. hostPath is left out: fsGroup does not apply.
fn volume_uid_mismatch(f: &VolumeFacts) -> Vec<Finding> {
    if f.fs_group.is_some() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for row in &f.rows {
        if !row.kind.is_storage() || row.kind == VolumeKind::HostPath || f.is_injected_volume(row) {
            continue;
        }
        let mounters = f.mounters(row);
        let someone_writes = mounters
            .iter()
            .any(|c| f.cells(row, c.name).iter().any(|m| !m.read_only));
        let mut uids: Vec<i64> = mounters
            .iter()
            .filter_map(|c| c.run_as_user.map(|u| u.0))
            .collect();
        uids.sort_unstable();
        uids.dedup();
        if mounters.len() < 2 || !someone_writes || uids.len() < 2 {
            continue;
        }
        let who: Vec<String> = mounters
            .iter()
            .map(|c| match c.run_as_user {
                Some((uid, _)) => format!("{} (uid {uid})", c.name),
                None => format!("{} (image user)", c.name),
            })
            .collect();
        let mut finding = Finding::new(
            RULE.id,
            Severity::Warning,
            format!(
                "{} share {} {} as different users and the pod sets no fsGroup: files one creates may be unwritable or unreadable for the other",
                who.join(" and "),
                row.kind.as_str(),
                row.name
            ),
        );
        for c in &mounters {
            let user = match c.run_as_user {
                Some((uid, from)) => format!("runs as uid {uid} ({from})"),
                None => "runs as the image's user (no runAsUser)".to_string(),
            };
            for cell in f.cells(row, c.name) {
                finding = finding.evidence(format!("{}; {user}", mount_evidence(row, cell)));
            }
        }
        let group = uids.first().copied().unwrap_or(1000);
        finding = finding
            .evidence("spec.securityContext.fsGroup is not set")
            .fix(format!(
                "set spec.securityContext.fsGroup (e.g. {group}) so the kubelet makes {} group-writable for every container, or run them with the same runAsUser",
                row.name
            ));
        let involved = mounters.iter().map(|c| c.name.to_string()).collect();
        out.push(found(finding, Some(&row.name), involved));
    }
    out
}
