use super::*;
use std::borrow::Cow;

rule! {
    /// ## What it does
    /// Compares the `mountPath` of every `volumeMounts[]` entry and the `devicePath` of every
    /// `volumeDevices[]` entry within each container. Two entries with the identical path are
    /// **critical**: the API server rejects the pod, so this only appears in manifests read with `-f`.
    /// Two paths that are equal only after normalisation (`/data` and `/data/`, `/data//x` and
    /// `/data/x`) are a **warning**: the API server accepts them. Mounts at the same path in different
    /// containers are fine.
    ///
    /// ## Why is this bad?
    /// With identical paths the pod can never exist: the API server answers
    /// `spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/etc/report-api": must be
    /// unique`, and for a Deployment the apply fails the same way. When the paths differ only in
    /// spelling, validation lets them through and the runtime mounts both at one place: the last mount
    /// hides the first, and the container silently misses the files it was meant to see (usually a
    /// config file or certificate it then fails to find).
    ///
    /// ## Example
    /// A manifest that mounts a second ConfigMap of overrides at the same directory as the main
    /// configuration.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: report-api
    ///   namespace: reports
    ///   labels:
    ///     app: report-api
    /// spec:
    ///   containers:
    ///   - name: report-api
    ///     image: ghcr.io/acme/report-api:0.14.0
    ///     args: ["--config=/etc/report-api/config.yaml"]
    ///     volumeMounts:
    ///     - name: config
    ///       mountPath: /etc/report-api
    ///       readOnly: true
    ///     - name: overrides
    ///       mountPath: /etc/report-api
    ///       readOnly: true
    ///   volumes:
    ///   - name: config
    ///     configMap:
    ///       name: report-api-config
    ///   - name: overrides
    ///     configMap:
    ///       name: report-api-overrides
    /// ```
    /// Not reported: both ConfigMaps are combined into one projected volume at that directory.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: report-api
    ///   namespace: reports
    ///   labels:
    ///     app: report-api
    /// spec:
    ///   containers:
    ///   - name: report-api
    ///     image: ghcr.io/acme/report-api:0.14.0
    ///     args: ["--config=/etc/report-api/config.yaml"]
    ///     volumeMounts:
    ///     - name: config
    ///       mountPath: /etc/report-api
    ///       readOnly: true
    ///   volumes:
    ///   - name: config
    ///     projected:
    ///       sources:
    ///       - configMap:
    ///           name: report-api-config
    ///       - configMap:
    ///           name: report-api-overrides
    /// ```
    ///
    /// ## Fix
    /// Give each volume its own path (`/etc/report-api/overrides`), or combine the ConfigMaps and
    /// Secrets that belong in one directory into a single `projected` volume, as above (their keys
    /// must not collide). For the warning, remove the duplicate entry or correct its path.
    pub const RULE = Rule {
        id: "duplicate-mount-path",
        group: Group::Volumes,
        title: "two mounts at the same path in one container",
        patch: false,
        policy: Policy::Broken,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    duplicate_mount_path(ctx.volume_facts())
}

type Entry<'a> = (&'a str, (&'static str, usize), &'a str, Cow<'a, str>);

/// `duplicate-mount-path`: two mounts at one path in one container. Identical strings are
/// rejected by the API server ("must be unique"); paths equal only after normalisation
/// (`/data` and `/data/`) are accepted and the last mount hides the first.
fn duplicate_mount_path(f: &VolumeFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &f.ctrs {
        // (volume, (list, index), path as written, normalized path) of every mount and
        // device; the field is spelled out only for evidence.
        let entries: Vec<Entry> = c
            .mounts
            .iter()
            .enumerate()
            .map(|(i, m)| (m.name.as_str(), ("volumeMounts", i), m.mount_path.as_str()))
            .chain(c.devices.iter().enumerate().map(|(i, d)| {
                (
                    d.name.as_str(),
                    ("volumeDevices", i),
                    d.device_path.as_str(),
                )
            }))
            .filter_map(|(name, field, raw)| normalize(raw).map(|n| (name, field, raw, n)))
            .collect();
        let mut reported: BTreeSet<&str> = BTreeSet::new();
        for (_, _, _, path) in &entries {
            if !reported.insert(path.as_ref()) {
                continue;
            }
            let same: Vec<&Entry> = entries.iter().filter(|e| &e.3 == path).collect();
            if same.len() < 2 {
                continue;
            }
            let exact = same
                .iter()
                .enumerate()
                .any(|(j, a)| same.iter().skip(j + 1).any(|b| a.2 == b.2));
            let volumes: Vec<&str> = same.iter().map(|e| e.0).collect();
            let (severity, consequence) = if exact {
                (
                    Severity::Critical,
                    "the API server rejects the pod: mountPath must be unique",
                )
            } else {
                (
                    Severity::Warning,
                    "the paths differ only in spelling, so the API server accepts them and the last mount hides the others",
                )
            };
            let mut finding = Finding::new(
                RULE.id,
                severity,
                format!(
                    "mounts {} volumes at {path}: {}",
                    volumes.len(),
                    volumes.join(", ")
                ),
            )
            .container(c.name);
            for (name, (list, index), raw, _) in &same {
                finding = finding.evidence(format!("{}.{list}[{index}]: {name} at {raw}", c.field));
            }
            finding = finding.evidence(consequence).fix(format!(
                "give each volume its own path (e.g. {path}/{}), or combine them into one projected volume",
                volumes.last().copied().unwrap_or_default()
            ));
            out.push(found(
                finding,
                volumes.first().copied(),
                vec![c.name.to_string()],
            ));
        }
    }
    out
}
