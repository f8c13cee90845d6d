use super::*;

rule! {
    /// ## What it does
    /// Reports as **info** every volume in `spec.volumes` that no container mounts: no
    /// `volumeMounts[]` or `volumeDevices[]` entry of any init, native sidecar, regular or ephemeral
    /// container names it. Volumes that mesh injectors declare for their proxy (`istio-envoy`,
    /// `istio-data`, `istio-token`, `workload-socket`, `linkerd-identity-end-entity`, …) are not
    /// reported.
    ///
    /// ## Why is this bad?
    /// An unused volume does no harm by itself, but it is almost always half of a change: the
    /// ConfigMap, Secret or claim was added to the pod, and the `volumeMounts` entry that was meant to
    /// bring it into a container was forgotten, or went to another container of the template. The
    /// app then runs with the defaults baked into its image, and nothing fails loudly: the pod is
    /// Running and Ready, and the settings that were meant to change simply never apply.
    ///
    /// ## Example
    /// The nginx pod declares its `nginx-conf` ConfigMap, but nginx never mounts it and serves the
    /// image's default site.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web-7c9d8b6f5d-x2x4k
    ///   namespace: shop
    ///   creationTimestamp: "2026-11-22T15:02:11Z"
    /// spec:
    ///   containers:
    ///   - name: nginx
    ///     image: docker.io/library/nginx:1.27.3
    ///     ports:
    ///     - containerPort: 8080
    ///   volumes:
    ///   - name: nginx-conf
    ///     configMap:
    ///       name: web-nginx-conf
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-22T15:02:11Z"
    ///   containerStatuses:
    ///   - name: nginx
    ///     image: docker.io/library/nginx:1.27.3
    ///     imageID: docker.io/library/nginx@sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     lastState: {}
    ///     state:
    ///       running:
    ///         startedAt: "2026-11-22T15:02:13Z"
    /// ```
    /// Not reported: nginx mounts the ConfigMap where it reads its server blocks.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web-7c9d8b6f5d-x2x4k
    ///   namespace: shop
    /// spec:
    ///   containers:
    ///   - name: nginx
    ///     image: docker.io/library/nginx:1.27.3
    ///     ports:
    ///     - containerPort: 8080
    ///     volumeMounts:
    ///     - name: nginx-conf
    ///       mountPath: /etc/nginx/conf.d
    ///       readOnly: true
    ///   volumes:
    ///   - name: nginx-conf
    ///     configMap:
    ///       name: web-nginx-conf
    /// ```
    ///
    /// ## Fix
    /// Add the `volumeMounts` entry the volume was meant for (in the right container), or remove the
    /// volume from `spec.volumes` if nothing needs it.
    pub const RULE = Rule {
        id: "volume-unused",
        group: Group::Volumes,
        title: "a volume is declared but mounted by no container",
        patch: false,
        policy: Policy::Hygiene,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    volume_unused(ctx.volume_facts())
}

/// `volume-unused` (§3.2.1): declared, mounted by no container.
fn volume_unused(f: &VolumeFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in &f.rows {
        if !row.mounts.is_empty()
            || matches!(row.kind, VolumeKind::Undefined | VolumeKind::ClaimTemplate)
            || f.is_injected_volume(row)
        {
            continue;
        }
        let finding = Finding::new(
            RULE.id,
            Severity::Info,
            format!(
                "volume {} is declared but no container mounts it",
                describe(row)
            ),
        )
        .evidence(format!(
            "spec.volumes has {}; no volumeMounts or volumeDevices name it",
            row.name
        ))
        .fix(format!(
            "remove {} from spec.volumes, or add the volumeMount a container was meant to have",
            row.name
        ));
        out.push(found(finding, Some(&row.name), Vec::new()));
    }
    out
}
