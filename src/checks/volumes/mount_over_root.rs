use super::*;

rule! {
    /// ## What it does
    /// Checks every `volumeMounts[].mountPath` of every container (init, native sidecar, regular and
    /// ephemeral), after normalising the path (`/etc/` is `/etc`). A volume mounted at `/` is
    /// **critical**; a volume mounted exactly over a system directory (`/bin`, `/boot`, `/dev`, `/etc`,
    /// `/lib`, `/lib32`, `/lib64`, `/proc`, `/sbin`, `/sys`, `/usr`, `/var`) is a **warning**.
    /// Subdirectories such as `/etc/app` are fine, and so are `/run` and `/var/run`. Status messages
    /// that mention a mount or a `read-only file system` are quoted as evidence.
    ///
    /// ## Why is this bad?
    /// A mount replaces what the image has at that path. At `/` the volume becomes the container's
    /// whole filesystem: the binaries and `/etc` are gone, and when the volume is read-only (a Secret,
    /// ConfigMap, projected volume, or `readOnly: true`) the runtime cannot even create the mount
    /// points for the kubelet's `/etc/hosts` and `/etc/resolv.conf`: containerd fails the container
    /// with `StartError`, exit code 128, `read-only file system`, and the Job pod fails without running
    /// a single line of its command.
    ///
    /// Over a system directory the container may start, but everything the image put there is hidden:
    /// a ConfigMap at `/etc` takes `/etc/passwd` and the CA bundle in `/etc/ssl` with it, a volume at
    /// `/usr` or `/lib` takes the shared libraries. The failures then look like unrelated TLS, user
    /// lookup or "not found" errors.
    ///
    /// ## Example
    /// A migration Job mounts its Secret of scripts at `/`, and the container never starts.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: run-migrations-jn647
    ///   namespace: billing
    ///   uid: 0c6f1e2a-5d43-4b8e-9f0a-2b7c1d9e8f34
    ///   labels:
    ///     batch.kubernetes.io/job-name: run-migrations
    ///   ownerReferences:
    ///   - apiVersion: batch/v1
    ///     kind: Job
    ///     name: run-migrations
    ///     uid: 618cf7f3-e982-4087-b385-f6f224709d75
    ///     controller: true
    ///     blockOwnerDeletion: true
    ///   creationTimestamp: "2026-11-23T11:40:02Z"
    /// spec:
    ///   restartPolicy: Never
    ///   containers:
    ///   - name: migrations
    ///     image: docker.io/liquibase/liquibase:4.30
    ///     args: ["--search-path=/", "--changelog-file=changelog.xml", "update"]
    ///     volumeMounts:
    ///     - name: migrations
    ///       mountPath: /
    ///   volumes:
    ///   - name: migrations
    ///     secret:
    ///       secretName: migration-scripts
    /// status:
    ///   phase: Failed
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:40:02Z"
    ///   containerStatuses:
    ///   - name: migrations
    ///     image: docker.io/liquibase/liquibase:4.30
    ///     imageID: docker.io/liquibase/liquibase@sha256:488147049b0a23ad04940c80b88385af1e0d9e67ce5dc7b3fbdb76281d620401
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     lastState: {}
    ///     state:
    ///       terminated:
    ///         reason: StartError
    ///         exitCode: 128
    ///         startedAt: "1970-01-01T00:00:00Z"
    ///         finishedAt: "2026-11-23T11:40:06Z"
    ///         message: 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting "/var/lib/kubelet/pods/0c6f1e2a-5d43-4b8e-9f0a-2b7c1d9e8f34/etc-hosts" to rootfs at "/etc/hosts": create mount destination for /etc/hosts mount: make parent dir of file bind-mount: mkdirat /run/containerd/io.containerd.runtime.v2.task/k8s.io/5b1f0c7e9a2d84c6e3f1a0b9d7c5e2f4a6b8c0d1e3f5a7b9c2d4e6f8a0b1c3d5/rootfs/etc: read-only file system: unknown'
    /// ```
    /// Not reported: the same Job with the Secret mounted at a directory of its own.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: run-migrations-8xk2d
    ///   namespace: billing
    ///   labels:
    ///     batch.kubernetes.io/job-name: run-migrations
    ///   ownerReferences:
    ///   - apiVersion: batch/v1
    ///     kind: Job
    ///     name: run-migrations
    ///     uid: 618cf7f3-e982-4087-b385-f6f224709d75
    ///     controller: true
    ///     blockOwnerDeletion: true
    ///   creationTimestamp: "2026-11-23T11:40:02Z"
    /// spec:
    ///   restartPolicy: Never
    ///   containers:
    ///   - name: migrations
    ///     image: docker.io/liquibase/liquibase:4.30
    ///     args: ["--search-path=/liquibase/changelog", "--changelog-file=changelog.xml", "update"]
    ///     volumeMounts:
    ///     - name: migrations
    ///       mountPath: /liquibase/changelog
    ///       readOnly: true
    ///   volumes:
    ///   - name: migrations
    ///     secret:
    ///       secretName: migration-scripts
    /// status:
    ///   phase: Succeeded
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:40:02Z"
    ///   containerStatuses:
    ///   - name: migrations
    ///     image: docker.io/liquibase/liquibase:4.30
    ///     imageID: docker.io/liquibase/liquibase@sha256:488147049b0a23ad04940c80b88385af1e0d9e67ce5dc7b3fbdb76281d620401
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     lastState: {}
    ///     state:
    ///       terminated:
    ///         reason: Completed
    ///         exitCode: 0
    ///         startedAt: "2026-11-23T11:40:05Z"
    ///         finishedAt: "2026-11-23T11:40:31Z"
    /// ```
    ///
    /// ## Fix
    /// Mount the volume at a directory of its own (`/liquibase/changelog`, `/etc/migrations`, …) and
    /// point the program there. To drop a single file into an existing directory such as `/etc`, use
    /// `subPath` (the file then never receives ConfigMap or Secret updates).
    /// ```yaml
    ///     volumeMounts:
    ///     - name: migrations
    ///       mountPath: /liquibase/changelog
    ///       readOnly: true
    /// ```
    pub const RULE = Rule {
        id: "mount-over-root",
        group: Group::Volumes,
        title: "a volume is mounted at / or over a system directory",
        patch: false,
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
            let over_root = path == "/";
            if !over_root && !SYSTEM_PATHS.contains(&path.as_ref()) {
                continue;
            }
            let row = f.row(&m.name);
            let what = row.map_or_else(|| format!("volume {}", m.name), describe);
            let finding = if over_root {
                Finding::new(
                    RULE.id,
                    Severity::Critical,
                    format!("mounts {what} over / (the whole root filesystem)"),
                )
                .fix(format!(
                    "mount {} at a directory of its own (e.g. /etc/{}); to drop single files into an existing directory use subPath (those files then never update)",
                    m.name, m.name
                ))
            } else {
                Finding::new(
                    RULE.id,
                    Severity::Warning,
                    format!("mounts {what} over the system directory {path}: everything the image has there is hidden"),
                )
                .fix(format!(
                    "mount {} at a dedicated subdirectory (e.g. {path}/{}), or use subPath to add single files",
                    m.name, c.name
                ))
            };
            let mut finding = finding.container(c.name).evidence(format!(
                "{}.volumeMounts[{index}]: {} at {}",
                c.field, m.name, m.mount_path
            ));
            if over_root {
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
