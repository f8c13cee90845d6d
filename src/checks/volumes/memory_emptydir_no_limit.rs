use super::*;

rule! {
    /// ## What it does
    /// Reports an `emptyDir` with `medium: Memory` and no `sizeLimit` that at least one container
    /// mounts read-write (its writers). It is **info**, and becomes a **warning** once a writer's
    /// current or last termination has reason `OOMKilled`. The finding names each writer's memory
    /// limit (or says it has none) and the OOM kill with the restart count. Memory-backed volumes that
    /// only injected mesh containers mount (Istio's `istio-envoy`, …) are skipped.
    ///
    /// ## Why is this bad?
    /// A memory-backed emptyDir is a tmpfs: the files written to it are memory, charged to the memory
    /// cgroup of the container that writes them. A thumbnailer with a 512Mi limit and a 300Mi heap
    /// that leaves 250Mi of temporary files in `/scratch` is OOM-killed, although its own metrics show
    /// a small heap, and the kill repeats on every large batch. Without `sizeLimit` the tmpfs is
    /// sized to the pod's memory limit, or to the node's allocatable memory when a container has no
    /// limit, so nothing caps the files before the writer is killed; and emptyDir files survive a
    /// container restart, so the kill does not even free their memory.
    ///
    /// ## Example
    /// The thumbnailer keeps its work files on a tmpfs with no `sizeLimit` and was just OOM-killed.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: thumbnailer-6b7c9d5f8-q4wzr
    ///   namespace: media
    ///   creationTimestamp: "2026-11-23T06:12:40Z"
    /// spec:
    ///   containers:
    ///   - name: thumbnailer
    ///     image: ghcr.io/acme/thumbnailer:2.4.1
    ///     args: ["--work-dir=/scratch"]
    ///     resources:
    ///       requests:
    ///         cpu: 250m
    ///         memory: 384Mi
    ///       limits:
    ///         memory: 512Mi
    ///     volumeMounts:
    ///     - name: scratch
    ///       mountPath: /scratch
    ///   volumes:
    ///   - name: scratch
    ///     emptyDir:
    ///       medium: Memory
    /// status:
    ///   phase: Running
    ///   qosClass: Burstable
    ///   startTime: "2026-11-23T06:12:40Z"
    ///   conditions:
    ///   - type: Ready
    ///     status: "True"
    ///     lastTransitionTime: "2026-11-23T11:41:09Z"
    ///   containerStatuses:
    ///   - name: thumbnailer
    ///     image: ghcr.io/acme/thumbnailer:2.4.1
    ///     imageID: ghcr.io/acme/thumbnailer@sha256:9c1f4e0b2a7d3c5e8f6a1b4d7e0c3f5a8b2d4e6f9a1c3e5b7d9f0a2c4e6b8d0f
    ///     ready: true
    ///     started: true
    ///     restartCount: 3
    ///     state:
    ///       running:
    ///         startedAt: "2026-11-23T11:41:07Z"
    ///     lastState:
    ///       terminated:
    ///         reason: OOMKilled
    ///         exitCode: 137
    ///         startedAt: "2026-11-23T10:02:51Z"
    ///         finishedAt: "2026-11-23T11:41:05Z"
    /// ```
    /// Not reported: the tmpfs has a `sizeLimit` well below the container's memory limit.
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
    ///     args: ["--work-dir=/scratch"]
    ///     resources:
    ///       requests:
    ///         cpu: 250m
    ///         memory: 768Mi
    ///       limits:
    ///         memory: 1Gi
    ///     volumeMounts:
    ///     - name: scratch
    ///       mountPath: /scratch
    ///   volumes:
    ///   - name: scratch
    ///     emptyDir:
    ///       medium: Memory
    ///       sizeLimit: 256Mi
    /// ```
    ///
    /// ## Fix
    /// - Set `emptyDir.sizeLimit` well below the writer's memory limit, and size the memory limit for
    ///   the process plus the files it keeps there.
    /// - Or drop `medium: Memory` if the files need not live in RAM: a disk-backed emptyDir is not
    ///   charged to the container's memory.
    pub const RULE = Rule {
        id: "memory-emptydir-no-limit",
        group: Group::Volumes,
        title: "a memory-backed emptyDir without sizeLimit (counts against the memory limit)",
        patch: true,
        policy: Policy::Hazard,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    memory_emptydir_no_limit(ctx.volume_facts(), ctx.patches)
}

/// `memory-emptydir-no-limit` (§3.2.7, §1.11): tmpfs files count against the memory limit of
/// the container that writes them; with no sizeLimit the volume is sized to the node's
/// allocatable memory, so the writer is OOMKilled while its heap looks small.
fn memory_emptydir_no_limit(f: &VolumeFacts, patches: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in &f.rows {
        let memory = row.is_memory_backed();
        if row.kind != VolumeKind::EmptyDir
            || !memory
            || row.size_limit.is_some()
            || f.is_injected_volume(row)
        {
            continue;
        }
        let writers: Vec<&Ctr> = f
            .mounters(row)
            .into_iter()
            .filter(|c| f.cells(row, c.name).iter().any(|m| !m.read_only))
            .collect();
        if writers.is_empty() {
            continue;
        }
        let limits: Vec<String> = writers
            .iter()
            .map(|c| match &c.memory_limit {
                Some(limit) => format!("{} ({limit})", c.name),
                None => format!("{} (no memory limit)", c.name),
            })
            .collect();
        let mut finding = Finding::new(
            RULE.id,
            Severity::Info,
            format!(
                "emptyDir {} is memory-backed (medium: Memory) with no sizeLimit: its files count against the memory limit of {}",
                row.name,
                limits.join(", ")
            ),
        );
        if let [only] = writers.as_slice() {
            finding = finding.container(only.name);
        }
        finding = finding.evidence(format!(
            "volume {}: emptyDir medium=Memory, no sizeLimit",
            row.name
        ));
        for c in &writers {
            for cell in f.cells(row, c.name).into_iter().filter(|m| !m.read_only) {
                let limit = match &c.memory_limit {
                    Some(limit) => format!("memory limit {limit}"),
                    None => "no memory limit: the volume can grow to the node's allocatable memory"
                        .to_string(),
                };
                finding = finding.evidence(format!("{}; {limit}", mount_evidence(row, cell)));
            }
            if let Some(restarts) = c.oom_killed {
                finding = finding.evidence(format!(
                    "{} was OOMKilled ({}): files in {} are part of its memory usage",
                    c.name,
                    crate::render::count(restarts, "restart", "restarts"),
                    row.name
                ));
                // The hazard has hit: a warning (severity policy, docs/rules.md).
                finding.severity = Severity::Warning;
            }
        }
        let below = match writers.iter().find_map(|c| c.memory_limit.as_deref()) {
            Some(limit) => format!(" well below {limit}"),
            None => String::new(),
        };
        finding = finding.fix(format!(
            "set emptyDir.sizeLimit on {}{below} and size the memory limit for process + files; or drop medium: Memory if the files need not live in RAM",
            row.name
        ));
        let smallest = writers
            .iter()
            .filter_map(|c| c.memory_limit.as_deref())
            .filter_map(|l| Some((l, crate::model::quantity::parse(l)?)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let (size, note) = match smallest {
            Some((limit, bytes)) => (
                raised_memory(bytes, 0.5),
                format!(
                    "starting point: half of {limit}, the smallest memory limit of a container writing it, leaving the other half to the process"
                ),
            ),
            None => (
                "256Mi".to_string(),
                "starting point: 256Mi; size it to what the files need and give the writers a memory limit that covers process + files".to_string(),
            ),
        };
        finding = finding.patch_if(patches, || {
            PodPatch::new(note).set(
                Place::Volume(row.name.clone()),
                &["emptyDir", "sizeLimit"],
                serde_json::json!(size),
            )
        });
        let involved = writers.iter().map(|c| c.name.to_string()).collect();
        out.push(found(finding, Some(&row.name), involved));
    }
    out
}
