use super::*;

rule! {
    /// ## What it does
    /// Checks that every `volumeMounts[].name` and `volumeDevices[].name` of every container names a
    /// volume declared in `spec.volumes`. A mount of an undeclared volume is **critical**. The API
    /// server rejects such a pod, so the rule only fires on manifests read with `-f`. In a
    /// StatefulSet manifest every undeclared name is taken for one of its `volumeClaimTemplates` and
    /// not reported. The evidence lists the declared volumes, and the fix suggests the declared
    /// volumes that nothing mounts.
    ///
    /// ## Why is this bad?
    /// The pod can never exist: the API server rejects it with
    /// `spec.containers[0].volumeMounts[1].name: Not found: "app-secrets"`, and for a Deployment or
    /// any other workload the apply fails the same way, since its pod template is validated too.
    /// Nothing runs until the manifest is fixed, and a GitOps sync of it fails every time.
    /// It is usually a rename done in one place: the volume was renamed in `spec.volumes` but not in
    /// the mount, or the other way round.
    ///
    /// ## Example
    /// A manifest whose Secret volume was renamed to `report-api-secrets`, but whose mount still says
    /// `app-secrets`.
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
    ///     - name: app-secrets
    ///       mountPath: /etc/report-api/secrets
    ///       readOnly: true
    ///   volumes:
    ///   - name: config
    ///     configMap:
    ///       name: report-api-config
    ///   - name: report-api-secrets
    ///     secret:
    ///       secretName: report-api
    /// ```
    /// Not reported: the mount names the volume the pod declares.
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
    ///     - name: report-api-secrets
    ///       mountPath: /etc/report-api/secrets
    ///       readOnly: true
    ///   volumes:
    ///   - name: config
    ///     configMap:
    ///       name: report-api-config
    ///   - name: report-api-secrets
    ///     secret:
    ///       secretName: report-api
    /// ```
    ///
    /// ## Fix
    /// Make the names agree: correct the `name` of the mount to a volume in `spec.volumes` (the finding
    /// lists the declared volumes that nothing mounts), or add the missing volume to `spec.volumes`.
    pub const RULE = Rule {
        id: "undefined-volume",
        group: Group::Volumes,
        title: "a mount names a volume the pod does not declare",
        patch: false,
        policy: Policy::Broken,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    undefined_volume(ctx.volume_facts())
}

/// `undefined-volume`: a mount naming a volume the pod does not declare. The API server
/// rejects such a pod (`Not found`), so only manifests have it.
fn undefined_volume(f: &VolumeFacts) -> Vec<Finding> {
    let declared: Vec<&str> = f
        .rows
        .iter()
        .filter(|r| !matches!(r.kind, VolumeKind::Undefined | VolumeKind::ClaimTemplate))
        .map(|r| r.name.as_str())
        .collect();
    let mut out = Vec::new();
    for c in &f.ctrs {
        let mounts = c
            .mounts
            .iter()
            .map(|m| (m.name.as_str(), "volumeMounts", &m.mount_path));
        let devices = c
            .devices
            .iter()
            .map(|d| (d.name.as_str(), "volumeDevices", &d.device_path));
        for (i, (name, list, path)) in mounts.chain(devices).enumerate() {
            if f.row(name).is_none_or(|r| r.kind != VolumeKind::Undefined) {
                continue;
            }
            let index = if list == "volumeMounts" {
                i
            } else {
                i - c.mounts.len()
            };
            let unmounted: Vec<&str> = f
                .rows
                .iter()
                .filter(|r| r.mounts.is_empty() && r.kind != VolumeKind::Undefined)
                .map(|r| r.name.as_str())
                .collect();
            let declared_text = if declared.is_empty() {
                "the pod declares no volumes".to_string()
            } else {
                format!("declared volumes: {}", declared.join(", "))
            };
            let finding = Finding::new(
                RULE.id,
                Severity::Critical,
                format!("mounts volume {name} at {path}, but the pod declares no volume of that name"),
            )
            .container(c.name)
            .evidence(format!(
                "{}.{list}[{index}].name: Not found: \"{name}\" (the API server rejects the pod)",
                c.field
            ))
            .evidence(declared_text)
            .fix(match unmounted.as_slice() {
                [] => format!(
                    "add volume {name} to spec.volumes, or correct the name in {}'s mount",
                    c.name
                ),
                list => format!(
                    "correct the name in {}'s mount (declared but unmounted: {}), or add volume {name} to spec.volumes",
                    c.name,
                    list.join(", ")
                ),
            });
            out.push(found(finding, Some(name), vec![c.name.to_string()]));
        }
    }
    out
}
