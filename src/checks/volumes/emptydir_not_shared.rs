use super::mount_mismatch::holder_of;
use super::*;

rule! {
    /// ## What it does
    /// In a pod with more than one container (ephemeral debug containers aside), reports as **info**
    /// an `emptyDir` whose name says it exists to be shared, with a whole word `log`, `logs`, `shared`,
    /// `share`, `socket`, `sockets`, `sock`, `uds`, `workdir`, `spool`, `exchange`, `ipc` or `handoff`,
    /// that only one container mounts. Scratch space (`tmp`, `cache`, `postgres-data`) is a
    /// container's own business and is not reported, nor are volumes that only injected mesh
    /// containers mount. When another container names a path under the volume, `mount-mismatch`
    /// reports it instead.
    ///
    /// ## Why is this bad?
    /// An emptyDir is the usual way containers of a pod share files or a Unix socket: each container
    /// sees it only where it mounts it. A volume named for sharing that one container mounts is
    /// usually a forgotten `volumeMounts` entry in the other container. The Cloud SQL proxy creates
    /// its socket in `cloudsql-socket`, the app looks for it in its own empty directory and fails every
    /// connection with `no such file or directory`, although both containers are Running.
    ///
    /// ## Example
    /// cloud-sql-proxy, a native sidecar, creates its Unix socket in the `cloudsql-socket` emptyDir,
    /// which the app does not mount.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: billing-api-5f7d9c6b8-m3z7q
    ///   namespace: billing
    ///   creationTimestamp: "2026-11-23T08:14:02Z"
    /// spec:
    ///   initContainers:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     restartPolicy: Always
    ///     args: ["--unix-socket=/cloudsql", "acme-prod:europe-west1:billing"]
    ///     volumeMounts:
    ///     - name: cloudsql-socket
    ///       mountPath: /cloudsql
    ///   containers:
    ///   - name: billing-api
    ///     image: ghcr.io/acme/billing-api:2.7.0
    ///   volumes:
    ///   - name: cloudsql-socket
    ///     emptyDir: {}
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T08:14:02Z"
    ///   initContainerStatuses:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     imageID: gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:8b0e2d4f6a1c3e5b7d9f0a2c4e6b8d1f3a5c7e9b2d4f6a8c0e1b3d5f7a9c2e4d
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     lastState: {}
    ///     state:
    ///       running:
    ///         startedAt: "2026-11-23T08:14:04Z"
    ///   containerStatuses:
    ///   - name: billing-api
    ///     image: ghcr.io/acme/billing-api:2.7.0
    ///     imageID: ghcr.io/acme/billing-api@sha256:3e9b1c7d5a2f4e6b8d0c1a3f5e7b9d2c4a6e8f0b1d3c5a7e9f2b4d6c8a0e1f3b
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     lastState: {}
    ///     state:
    ///       running:
    ///         startedAt: "2026-11-23T08:14:06Z"
    /// ```
    /// Not reported: the app mounts the socket directory too.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: billing-api-5f7d9c6b8-m3z7q
    ///   namespace: billing
    /// spec:
    ///   initContainers:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     restartPolicy: Always
    ///     args: ["--unix-socket=/cloudsql", "acme-prod:europe-west1:billing"]
    ///     volumeMounts:
    ///     - name: cloudsql-socket
    ///       mountPath: /cloudsql
    ///   containers:
    ///   - name: billing-api
    ///     image: ghcr.io/acme/billing-api:2.7.0
    ///     volumeMounts:
    ///     - name: cloudsql-socket
    ///       mountPath: /cloudsql
    ///   volumes:
    ///   - name: cloudsql-socket
    ///     emptyDir: {}
    /// ```
    ///
    /// ## Fix
    /// Mount the volume in the container that should read or write its files too (here
    /// `cloudsql-socket` at `/cloudsql` in `billing-api`). If it really is one container's private
    /// scratch space, ignore the finding, or give it a name without a sharing word (`scratch`).
    pub const RULE = Rule {
        id: "emptydir-not-shared",
        group: Group::Volumes,
        title: "a shared-looking emptyDir is mounted by one container only",
        patch: false,
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
