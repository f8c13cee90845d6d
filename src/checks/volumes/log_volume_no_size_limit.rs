use super::*;

rule! {
    /// ## What it does
    /// Reports as **info** a disk-backed `emptyDir` (no `medium: Memory`) without `sizeLimit` that two or
    /// more containers mount, one of them a log sidecar. A log sidecar is a sidecar or native sidecar,
    /// never the main container and never an injected mesh proxy, whose name or image has a whole word
    /// `log`, `logs`, `logger`, `logging`, `logrotate`, `logshipper`, `logstash`, `logagent`, `fluent`,
    /// `fluentd`, `fluentbit`, `filebeat`, `vector`, `promtail`, `otel`, `otelcol`, `opentelemetry` or
    /// `alloy` (`catalog` and `login` do not count). The finding is about the log sidecar; its fix names
    /// the other read-write mounters, whose files need rotating.
    ///
    /// ## Why is this bad?
    /// A disk emptyDir lives on the node's root or kubelet filesystem, and by default nothing limits
    /// how much it may hold. An app that writes log files there without rotation, or a shipper that
    /// falls behind while its destination is down, fills the node's disk: under disk pressure the
    /// kubelet evicts pods from the node, often this one, and the logs that were still waiting to be
    /// shipped are lost with the volume. With `sizeLimit` the bound is explicit: only this pod is
    /// evicted when it exceeds it (`Usage of EmptyDir volume "app-logs" exceeds the limit "1Gi"`),
    /// and its neighbours keep running.
    ///
    /// ## Example
    /// The orders app writes its log file to the `app-logs` emptyDir that fluent-bit ships; the volume
    /// has no `sizeLimit`.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: orders-5c8d7b9f6-tx2lp
    ///   namespace: shop
    /// spec:
    ///   initContainers:
    ///   - name: fluent-bit
    ///     image: docker.io/fluent/fluent-bit:3.1.9
    ///     restartPolicy: Always
    ///     args: ["-i", "tail", "-p", "path=/var/log/orders/*.log", "-o", "forward", "-p", "host=fluentd.logging"]
    ///     resources:
    ///       limits:
    ///         ephemeral-storage: 512Mi
    ///     volumeMounts:
    ///     - name: app-logs
    ///       mountPath: /var/log/orders
    ///       readOnly: true
    ///   containers:
    ///   - name: orders
    ///     image: ghcr.io/acme/orders:1.18.4
    ///     args: ["--listen=:8080", "--log-file=/var/log/orders/orders.log"]
    ///     volumeMounts:
    ///     - name: app-logs
    ///       mountPath: /var/log/orders
    ///   volumes:
    ///   - name: app-logs
    ///     emptyDir: {}
    /// ```
    /// Not reported: the same pod with `sizeLimit` on the log volume.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: orders-5c8d7b9f6-tx2lp
    ///   namespace: shop
    /// spec:
    ///   initContainers:
    ///   - name: fluent-bit
    ///     image: docker.io/fluent/fluent-bit:3.1.9
    ///     restartPolicy: Always
    ///     args: ["-i", "tail", "-p", "path=/var/log/orders/*.log", "-o", "forward", "-p", "host=fluentd.logging"]
    ///     resources:
    ///       limits:
    ///         ephemeral-storage: 512Mi
    ///     volumeMounts:
    ///     - name: app-logs
    ///       mountPath: /var/log/orders
    ///       readOnly: true
    ///   containers:
    ///   - name: orders
    ///     image: ghcr.io/acme/orders:1.18.4
    ///     args: ["--listen=:8080", "--log-file=/var/log/orders/orders.log"]
    ///     volumeMounts:
    ///     - name: app-logs
    ///       mountPath: /var/log/orders
    ///   volumes:
    ///   - name: app-logs
    ///     emptyDir:
    ///       sizeLimit: 1Gi
    /// ```
    ///
    /// ## Fix
    /// Set `emptyDir.sizeLimit` on the log volume (e.g. `1Gi`) and rotate the files in the container
    /// that writes them, so the volume stays well below the limit.
    /// ```yaml
    ///   volumes:
    ///   - name: app-logs
    ///     emptyDir:
    ///       sizeLimit: 1Gi
    /// ```
    pub const RULE = Rule {
        id: "log-volume-no-size-limit",
        group: Group::Volumes,
        title: "a log volume without sizeLimit (eviction risk)",
        patch: true,
        policy: Policy::Hygiene,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    log_volume_no_size_limit(ctx.volume_facts(), ctx.patches)
}

/// `log-volume-no-size-limit` (§3.2.8, §3.2.12): a shared disk emptyDir a log sidecar reads
/// or ships, without sizeLimit: the logs grow on the node's disk until the kubelet evicts
/// the pod under disk pressure.
fn log_volume_no_size_limit(f: &VolumeFacts, patches: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in &f.rows {
        let memory = row.is_memory_backed();
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
        ))
        .patch_if(patches, || {
            PodPatch::new(
                "starting point: 1Gi; past it the kubelet evicts the pod, so keep rotation well below",
            )
            .set(
                Place::Volume(row.name.clone()),
                &["emptyDir", "sizeLimit"],
                serde_json::json!("1Gi"),
            )
        });
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
