use super::*;

rule! {
    /// ## What it does
    /// Reports as **info** a log sidecar that mounts no volume the main container also mounts; the
    /// service-account token at `/var/run/secrets/kubernetes.io/serviceaccount` does not count. A log
    /// sidecar is a sidecar or native sidecar, never the main container and never an injected mesh proxy,
    /// whose name or image has a whole word `log`, `logs`, `logger`, `logging`, `logrotate`, `logshipper`,
    /// `logstash`, `logagent`, `fluent`, `fluentd`, `fluentbit`, `filebeat`, `vector`, `promtail`, `otel`,
    /// `otelcol`, `opentelemetry` or `alloy` (`catalog` and `login` do not count). The evidence lists the
    /// volumes the sidecar does mount. When the same sidecar already has a `mount-mismatch` finding, that
    /// finding says more and this one is left out.
    ///
    /// ## Why is this bad?
    /// Containers of a pod do not share a filesystem: a file the app writes to `/var/log/orders` in its
    /// own root filesystem exists only there. A log sidecar without a volume in common with the app
    /// can read nothing but its own files, so it tails an empty or missing path forever, stays
    /// Running and Ready, and ships nothing, while the app's log files pile up in its writable layer.
    /// If the app logs to stdout and stderr instead, the container runtime already writes those logs
    /// on the node, and a sidecar that tries to read them from inside the pod cannot see them either.
    ///
    /// ## Example
    /// fluent-bit tails `/var/log/orders/*.log`, but the orders app writes that directory in its own
    /// filesystem: the two containers share no volume.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: orders-5c8d7b9f6-tx2lp
    ///   namespace: shop
    ///   creationTimestamp: "2026-11-23T10:05:51Z"
    /// spec:
    ///   initContainers:
    ///   - name: fluent-bit
    ///     image: docker.io/fluent/fluent-bit:3.1.9
    ///     restartPolicy: Always
    ///     args: ["-i", "tail", "-p", "path=/var/log/orders/*.log", "-o", "forward", "-p", "host=fluentd.logging"]
    ///   containers:
    ///   - name: orders
    ///     image: ghcr.io/acme/orders:1.18.4
    ///     args: ["--listen=:8080", "--log-file=/var/log/orders/orders.log"]
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T10:05:51Z"
    ///   initContainerStatuses:
    ///   - name: fluent-bit
    ///     image: docker.io/fluent/fluent-bit:3.1.9
    ///     imageID: docker.io/fluent/fluent-bit@sha256:6ff8cc10b846b87333baf777a678c3c877e8c1eb9579d707bfee07e5ade8bca7
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     lastState: {}
    ///     state:
    ///       running:
    ///         startedAt: "2026-11-23T10:05:53Z"
    ///   containerStatuses:
    ///   - name: orders
    ///     image: ghcr.io/acme/orders:1.18.4
    ///     imageID: ghcr.io/acme/orders@sha256:51c2c65758abe7bb68ffe74963b547b15d1d2648360035728b0e4f66c35892c0
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     lastState: {}
    ///     state:
    ///       running:
    ///         startedAt: "2026-11-23T10:05:55Z"
    /// ```
    /// Not reported: the log directory is an emptyDir that both containers mount.
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
    /// - If the app writes log files, put their directory on an emptyDir (with a `sizeLimit`) and
    ///   mount it in both containers, read-write in the app and read-only in the sidecar.
    /// - If the app logs to stdout and stderr, drop the sidecar: the node already keeps those logs,
    ///   and a node-level DaemonSet collector (fluent-bit, Vector, Alloy) ships them better.
    pub const RULE = Rule {
        id: "log-sidecar-no-shared-volume",
        group: Group::Volumes,
        title: "a log sidecar shares no volume with the main container",
        patch: false,
        policy: Policy::Hygiene,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    log_sidecar_no_shared_volume(ctx.volume_facts())
}

/// A log sidecar mounting nothing the main container mounts (the service-account token does
/// not count) cannot read the app's log files; it only sees its own filesystem.
fn log_sidecar_no_shared_volume(f: &VolumeFacts) -> Vec<Finding> {
    let Some(main) = f.ctrs.iter().find(|c| c.role == Role::Main) else {
        return Vec::new();
    };
    let is_token = |m: &VolumeMount| m.mount_path.trim_end_matches('/') == SERVICE_ACCOUNT_PATH;
    f.ctrs
        .iter()
        .filter(|c| c.is_log_sidecar())
        .filter(|c| {
            !c.mounts
                .iter()
                .filter(|m| !is_token(m))
                .any(|m| main.mounts.iter().any(|mm| mm.name == m.name))
        })
        .map(|c| {
            let own: Vec<String> = c
                .mounts
                .iter()
                .filter(|m| !is_token(m))
                .map(|m| format!("{} at {}", m.name, m.mount_path))
                .collect();
            let own = if own.is_empty() && c.mounts.iter().any(is_token) {
                "only the service-account token".to_string()
            } else if own.is_empty() {
                "no volume".to_string()
            } else {
                own.join(", ")
            };
            let finding = Finding::new(
                RULE.id,
                Severity::Info,
                format!(
                    "log sidecar shares no volume with {}: it cannot read {}'s log files",
                    main.name, main.name
                ),
            )
            .container(c.name)
            .evidence(format!("{} mounts {own}", c.name))
            .fix(format!(
                "if {} writes log files, put them on an emptyDir mounted in both containers; if it logs to stdout, the node already keeps those logs (collect them with a DaemonSet, not a sidecar)",
                main.name
            ));
            found(finding, None, vec![c.name.to_string(), main.name.to_string()])
        })
        .collect()
}
