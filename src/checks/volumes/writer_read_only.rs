use super::*;

rule! {
    /// ## What it does
    /// Finds the container that writes to a volume and reports a **warning** when it mounts that
    /// volume read-only. A writer is a container that names an output path under its own mount of the
    /// volume in its command, args or env: a flag or variable such as `--log-file=`, `--output`,
    /// `--out-dir`, `--spool-dir`, `--export-dir`, `LOG_DIR=`, `DEST_PATH=`, or a shell `>` redirect.
    /// For an emptyDir shared with a log sidecar, the main container is the writer too, when it mounts
    /// the volume read-only while another mounter has it read-write. Only writable kinds of volume
    /// are checked (not configMap, secret, projected, downwardAPI or image); `read-only file system`
    /// status messages of the writer are quoted.
    ///
    /// ## Why is this bad?
    /// A read-only mount makes every write under it fail with `EROFS`, `read-only file system`. An
    /// app that cannot open its log file or output directory usually exits at start-up, so the main
    /// container crash-loops and the pod never becomes Ready; an app that only logs the error keeps
    /// running while the file its log sidecar ships, or the export its uploader picks up, never
    /// appears. `readOnly: true` on the reader is good practice; copied onto the writer it breaks the
    /// pod.
    ///
    /// ## Example
    /// The orders app writes its log file to the `app-logs` emptyDir that fluent-bit ships, but both
    /// containers mount it read-only.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: orders-5c8d7b9f6-tx2lp
    ///   namespace: shop
    ///   uid: 66dfe183-0eb4-46c4-a46c-06e77a1bd4e7
    ///   creationTimestamp: "2026-11-23T10:05:51Z"
    /// spec:
    ///   containers:
    ///   - name: orders
    ///     image: ghcr.io/acme/orders:1.18.4
    ///     args: ["--listen=:8080", "--log-file=/var/log/orders/orders.log"]
    ///     terminationMessagePolicy: FallbackToLogsOnError
    ///     volumeMounts:
    ///     - name: app-logs
    ///       mountPath: /var/log/orders
    ///       readOnly: true
    ///   - name: fluent-bit
    ///     image: docker.io/fluent/fluent-bit:3.1.9
    ///     args: ["-i", "tail", "-p", "path=/var/log/orders/*.log", "-o", "forward", "-p", "host=fluentd.logging"]
    ///     volumeMounts:
    ///     - name: app-logs
    ///       mountPath: /var/log/orders
    ///       readOnly: true
    ///   volumes:
    ///   - name: app-logs
    ///     emptyDir:
    ///       sizeLimit: 1Gi
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T10:05:51Z"
    ///   containerStatuses:
    ///   - name: fluent-bit
    ///     image: docker.io/fluent/fluent-bit:3.1.9
    ///     imageID: docker.io/fluent/fluent-bit@sha256:6ff8cc10b846b87333baf777a678c3c877e8c1eb9579d707bfee07e5ade8bca7
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     lastState: {}
    ///     state:
    ///       running:
    ///         startedAt: "2026-11-23T10:05:55Z"
    ///   - name: orders
    ///     image: ghcr.io/acme/orders:1.18.4
    ///     imageID: ghcr.io/acme/orders@sha256:51c2c65758abe7bb68ffe74963b547b15d1d2648360035728b0e4f66c35892c0
    ///     ready: false
    ///     started: false
    ///     restartCount: 24
    ///     state:
    ///       waiting:
    ///         reason: CrashLoopBackOff
    ///         message: back-off 5m0s restarting failed container=orders pod=orders-5c8d7b9f6-tx2lp_shop(66dfe183-0eb4-46c4-a46c-06e77a1bd4e7)
    ///     lastState:
    ///       terminated:
    ///         reason: Error
    ///         exitCode: 1
    ///         startedAt: "2026-11-23T11:56:40Z"
    ///         finishedAt: "2026-11-23T11:56:40Z"
    ///         message: |
    ///           {"level":"fatal","ts":"2026-11-23T11:56:40Z","msg":"cannot open log file","error":"open /var/log/orders/orders.log: read-only file system"}
    /// ```
    /// Not reported: the app mounts the volume read-write; fluent-bit, which only reads, keeps its
    /// read-only mount.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: orders-5c8d7b9f6-tx2lp
    ///   namespace: shop
    /// spec:
    ///   containers:
    ///   - name: orders
    ///     image: ghcr.io/acme/orders:1.18.4
    ///     args: ["--listen=:8080", "--log-file=/var/log/orders/orders.log"]
    ///     volumeMounts:
    ///     - name: app-logs
    ///       mountPath: /var/log/orders
    ///   - name: fluent-bit
    ///     image: docker.io/fluent/fluent-bit:3.1.9
    ///     args: ["-i", "tail", "-p", "path=/var/log/orders/*.log", "-o", "forward", "-p", "host=fluentd.logging"]
    ///     volumeMounts:
    ///     - name: app-logs
    ///       mountPath: /var/log/orders
    ///       readOnly: true
    ///   volumes:
    ///   - name: app-logs
    ///     emptyDir:
    ///       sizeLimit: 1Gi
    /// ```
    ///
    /// ## Fix
    /// Drop `readOnly: true` from the writer's mount of the volume (here `orders`' mount of `app-logs`
    /// at `/var/log/orders`). Containers that only read, like the log sidecar, can keep theirs.
    pub const RULE = Rule {
        id: "writer-read-only",
        group: Group::Volumes,
        title: "the container that writes a shared volume mounts it read-only",
        patch: false,
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
            .evidence(c.origin_text(r))
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
