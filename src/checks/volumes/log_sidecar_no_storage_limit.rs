use super::*;

rule! {
    /// ## What it does
    /// Reports as **info** every log sidecar without `resources.limits.ephemeral-storage`, whether or not
    /// it sets other limits. A log sidecar is a sidecar or native sidecar, never the main container and
    /// never an injected mesh proxy, whose name or image has a whole word `log`, `logs`, `logger`,
    /// `logging`, `logrotate`, `logshipper`, `logstash`, `logagent`, `fluent`, `fluentd`, `fluentbit`,
    /// `filebeat`, `vector`, `promtail`, `otel`, `otelcol`, `opentelemetry` or `alloy` (`catalog` and
    /// `login` do not count). The evidence shows its role, image and the limits it has.
    ///
    /// ## Why is this bad?
    /// A log shipper buffers to disk when its destination is slow or down: fluent-bit's filesystem
    /// storage, Vector's disk buffers, filebeat's registry and disk queue all grow in the container's
    /// writable layer or in a volume. Without an `ephemeral-storage` limit nothing bounds that growth
    /// until the node runs short of disk; the kubelet then evicts pods under disk pressure, ranking
    /// them by their use above their requests, and names the container with the larger consumption in
    /// the eviction message, often the shipper. With a limit, the kubelet evicts only this pod as
    /// soon as the shipper's writable layer and logs exceed it, before the node is short of disk, and
    /// the request makes the scheduler count the space.
    ///
    /// ## Example
    /// fluent-bit ships the app's log files with a memory limit, but no ephemeral-storage limit.
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
    ///       requests:
    ///         cpu: 20m
    ///         memory: 32Mi
    ///       limits:
    ///         memory: 64Mi
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
    /// Not reported: fluent-bit requests and limits ephemeral storage.
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
    ///       requests:
    ///         cpu: 20m
    ///         memory: 32Mi
    ///         ephemeral-storage: 128Mi
    ///       limits:
    ///         memory: 64Mi
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
    /// Set `ephemeral-storage` in the log sidecar's `resources.requests` and `resources.limits`
    /// (e.g. `128Mi` and `512Mi`), and bound its on-disk buffer in its own configuration below that
    /// limit (fluent-bit `storage.total_limit_size`, Vector `buffer.max_size`).
    /// ```yaml
    ///     resources:
    ///       requests:
    ///         ephemeral-storage: 128Mi
    ///       limits:
    ///         ephemeral-storage: 512Mi
    /// ```
    pub const RULE = Rule {
        id: "log-sidecar-no-storage-limit",
        group: Group::Volumes,
        title: "a log sidecar without an ephemeral-storage limit (eviction risk)",
        patch: true,
        policy: Policy::Hygiene,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    log_sidecar_no_storage_limit(ctx.volume_facts(), ctx.patches)
}

/// `log-sidecar-no-storage-limit` (§3.2.12): a log sidecar without an ephemeral-storage
/// limit; its buffers and writable layer are unbounded, and evictions name the container
/// with the larger consumption, often the shipper.
fn log_sidecar_no_storage_limit(f: &VolumeFacts, patches: bool) -> Vec<Finding> {
    f.ctrs
        .iter()
        .filter(|c| c.is_log_sidecar() && c.ephemeral_storage_limit.is_none())
        .map(|c| {
            let limits = match &c.memory_limit {
                Some(m) => format!("limits memory {m}, no ephemeral-storage"),
                None => "no resource limits".to_string(),
            };
            let finding = Finding::new(
                RULE.id,
                Severity::Info,
                "log sidecar without an ephemeral-storage limit: its disk buffers and writable layer are unbounded (disk-pressure eviction risk)",
            )
            .container(c.name)
            .evidence(format!(
                "{} ({}, image {}): {limits}",
                c.name,
                c.role.as_str(),
                c.image
            ))
            .fix(format!(
                "set resources.requests and limits for ephemeral-storage on {} (e.g. 1Gi), and bound its on-disk buffer in its configuration",
                c.name
            ))
            .patch_if(patches, || {
                PodPatch::new(
                    "starting point: request 256Mi, limit 1Gi of disk; bound the shipper's own buffer below the limit",
                )
                .set(
                    Place::Container(c.name.to_string()),
                    &["resources", "requests", "ephemeral-storage"],
                    serde_json::json!("256Mi"),
                )
                .set(
                    Place::Container(c.name.to_string()),
                    &["resources", "limits", "ephemeral-storage"],
                    serde_json::json!("1Gi"),
                )
            });
            found(finding, None, vec![c.name.to_string()])
        })
        .collect()
}
