use super::*;

rule! {
    /// ## What it does
    /// Looks at every `emptyDir` volume (a volume declared with no source counts as one) and reports a
    /// **warning** when every container that mounts it (ephemeral debug containers aside) mounts it
    /// with `readOnly: true`. Status messages of the mounters that contain `read-only file system`
    /// are quoted as evidence, and the fix names the likely producer: the app when a log sidecar reads
    /// the volume, else the only other mounter (a config renderer, a downloader). Volumes mounted only
    /// by injected mesh containers are skipped, and so is a volume under which a container names an
    /// output path (`writer-read-only` reports that one). ConfigMaps, Secrets and other read-only
    /// volumes are never reported.
    ///
    /// ## Why is this bad?
    /// An emptyDir starts empty when the pod is created, and only containers can fill it. If every
    /// mount is read-only, nothing can ever be written there: the container meant to produce the
    /// files fails with `read-only file system` (often a native sidecar or init container that then
    /// crash-loops and holds the pod out of Ready), and the consumers wait for a config file,
    /// socket or log file that never appears.
    ///
    /// ## Example
    /// A consul-template image with the templates built in renders the app's configuration into the
    /// `rendered-config` emptyDir, but both containers mount it read-only.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: ledger-api-7d5f9c8b6-h8k2m
    ///   namespace: payments
    ///   uid: 3fa8a5c6-11b2-412e-a6d9-13aa893d81a2
    ///   creationTimestamp: "2026-11-23T09:20:15Z"
    /// spec:
    ///   initContainers:
    ///   - name: config-renderer
    ///     image: ghcr.io/acme/ledger-config-renderer:1.4.0
    ///     restartPolicy: Always
    ///     args: ["-template=/templates/ledger.hcl.tmpl:/etc/ledger/rendered/ledger.hcl"]
    ///     terminationMessagePolicy: FallbackToLogsOnError
    ///     volumeMounts:
    ///     - name: rendered-config
    ///       mountPath: /etc/ledger/rendered
    ///       readOnly: true
    ///   containers:
    ///   - name: ledger-api
    ///     image: ghcr.io/acme/ledger-api:3.2.0
    ///     args: ["--config=/etc/ledger/rendered/ledger.hcl"]
    ///     volumeMounts:
    ///     - name: rendered-config
    ///       mountPath: /etc/ledger/rendered
    ///       readOnly: true
    ///   volumes:
    ///   - name: rendered-config
    ///     emptyDir: {}
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T09:20:15Z"
    ///   initContainerStatuses:
    ///   - name: config-renderer
    ///     image: ghcr.io/acme/ledger-config-renderer:1.4.0
    ///     imageID: ghcr.io/acme/ledger-config-renderer@sha256:d2102b343860ad5d80763adc32b429ed9335f7b88cfeb04eb58dde737342d9c9
    ///     ready: false
    ///     started: false
    ///     restartCount: 29
    ///     state:
    ///       waiting:
    ///         reason: CrashLoopBackOff
    ///         message: back-off 5m0s restarting failed container=config-renderer pod=ledger-api-7d5f9c8b6-h8k2m_payments(3fa8a5c6-11b2-412e-a6d9-13aa893d81a2)
    ///     lastState:
    ///       terminated:
    ///         reason: Error
    ///         exitCode: 12
    ///         startedAt: "2026-11-23T11:57:51Z"
    ///         finishedAt: "2026-11-23T11:57:52Z"
    ///         message: |
    ///           2026/11/23 11:57:52.118 [ERR] (cli) error rendering "/templates/ledger.hcl.tmpl" => "/etc/ledger/rendered/ledger.hcl": failed writing file: open /etc/ledger/rendered/.ledger.hcl2731460598: read-only file system
    ///   containerStatuses:
    ///   - name: ledger-api
    ///     image: ghcr.io/acme/ledger-api:3.2.0
    ///     imageID: ghcr.io/acme/ledger-api@sha256:53e4626a88aca309ed0da79791f984fc58558705f52e3bbc5ba049b07e782316
    ///     ready: false
    ///     started: true
    ///     restartCount: 0
    ///     lastState: {}
    ///     state:
    ///       running:
    ///         startedAt: "2026-11-23T09:20:19Z"
    /// ```
    /// Not reported: the renderer, which writes the files, mounts the volume read-write; the app keeps
    /// its read-only mount.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: ledger-api-7d5f9c8b6-h8k2m
    ///   namespace: payments
    /// spec:
    ///   initContainers:
    ///   - name: config-renderer
    ///     image: ghcr.io/acme/ledger-config-renderer:1.4.0
    ///     restartPolicy: Always
    ///     args: ["-template=/templates/ledger.hcl.tmpl:/etc/ledger/rendered/ledger.hcl"]
    ///     volumeMounts:
    ///     - name: rendered-config
    ///       mountPath: /etc/ledger/rendered
    ///   containers:
    ///   - name: ledger-api
    ///     image: ghcr.io/acme/ledger-api:3.2.0
    ///     args: ["--config=/etc/ledger/rendered/ledger.hcl"]
    ///     volumeMounts:
    ///     - name: rendered-config
    ///       mountPath: /etc/ledger/rendered
    ///       readOnly: true
    ///   volumes:
    ///   - name: rendered-config
    ///     emptyDir: {}
    /// ```
    ///
    /// ## Fix
    /// Drop `readOnly: true` from the mount of the container that produces the files (here
    /// `config-renderer`); the containers that only read can keep their read-only mounts.
    /// ```yaml
    ///     volumeMounts:
    ///     - name: rendered-config
    ///       mountPath: /etc/ledger/rendered
    /// ```
    pub const RULE = Rule {
        id: "volume-no-writer",
        group: Group::Volumes,
        title: "a shared volume nobody mounts read-write",
        patch: false,
        policy: Policy::Hazard,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    volume_no_writer(ctx.volume_facts())
}

/// `volume-no-writer` (§3.2.3): an emptyDir that every container mounts read-only starts
/// empty and stays empty.
fn volume_no_writer(f: &VolumeFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in &f.rows {
        if row.kind != VolumeKind::EmptyDir || f.is_injected_volume(row) {
            continue;
        }
        let mounters = f.mounters(row);
        let cells: Vec<&MountCell> = row
            .mounts
            .iter()
            .filter(|m| mounters.iter().any(|c| c.name == m.container))
            .collect();
        if cells.is_empty() || cells.iter().any(|m| !m.read_only) {
            continue;
        }
        // A container that names an output path under it is reported by writer-read-only.
        if !output_writers(f, row).is_empty() {
            continue;
        }
        let mut finding = Finding::new(
            RULE.id,
            Severity::Warning,
            format!(
                "emptyDir {} is mounted read-only by every container that mounts it ({}): nothing can write to it, so it stays empty",
                row.name,
                names(&mounters)
            ),
        );
        if let [only] = mounters.as_slice() {
            finding = finding.container(only.name);
        }
        for cell in &cells {
            finding = finding.evidence(mount_evidence(row, cell));
        }
        for c in &mounters {
            for message in read_only_errors(c) {
                finding = finding.evidence(format!("{} status: {message}", c.name));
            }
        }
        let producer = match likely_producer(&mounters) {
            Some(c) => format!(", most likely {}", c.name),
            None if mounters.len() > 1 => format!(" (one of {})", names(&mounters)),
            None => String::new(),
        };
        finding = finding.fix(format!(
            "drop readOnly: true from the mount of {} in the container that produces its files{producer}",
            row.name
        ));
        let involved = mounters.iter().map(|c| c.name.to_string()).collect();
        out.push(found(finding, Some(&row.name), involved));
    }
    out
}

/// The mounter that most likely writes a shared volume: the app when a log sidecar reads it,
/// else the only mounter besides the app (a renderer, downloader, agent).
fn likely_producer<'c, 'a>(mounters: &[&'c Ctr<'a>]) -> Option<&'c Ctr<'a>> {
    let main = mounters.iter().find(|c| c.role == Role::Main);
    if mounters.iter().any(|c| c.is_log_sidecar()) {
        return main.copied();
    }
    match mounters
        .iter()
        .filter(|c| c.role != Role::Main && !c.is_injected())
        .collect::<Vec<_>>()
        .as_slice()
    {
        [only] if main.is_some() => Some(**only),
        _ => None,
    }
}
