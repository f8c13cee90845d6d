use super::*;

rule! {
    /// ## What it does
    /// Reports as **info** every mount of a `configMap`, `secret`, `projected` or `downwardAPI` volume
    /// that uses `subPath` or `subPathExpr`, one finding per mount. Mounts by injected mesh containers
    /// (`istio-proxy`, `linkerd-proxy`, `istio-init`, …) are skipped; subPath mounts of other volume
    /// types (emptyDir, claims) are not reported.
    ///
    /// ## Why is this bad?
    /// The kubelet updates ConfigMap and Secret volumes in place: it writes the new content into a
    /// fresh directory and swaps a symlink, so a container that mounts the volume as a directory sees
    /// the change after the kubelet's next sync, usually within a minute or two. A `subPath` mount is
    /// a bind mount of one file as it was when the container started; it never follows the swap.
    /// After a ConfigMap edit or a certificate rotation the container keeps the old configuration or
    /// the expired certificate until it restarts, while `kubectl get configmap` shows the new one,
    /// and replicas that restarted for other reasons quietly run a different configuration than the
    /// rest.
    ///
    /// ## Example
    /// nginx gets its `nginx.conf` from a ConfigMap through a `subPath` mount.
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
    ///     volumeMounts:
    ///     - name: nginx-conf
    ///       mountPath: /etc/nginx/nginx.conf
    ///       subPath: nginx.conf
    ///       readOnly: true
    ///   volumes:
    ///   - name: nginx-conf
    ///     configMap:
    ///       name: web-nginx-conf
    /// ```
    /// Not reported: the ConfigMap's server block is mounted as a directory, `conf.d`, which the
    /// image's `nginx.conf` includes.
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
    ///     volumeMounts:
    ///     - name: nginx-conf
    ///       mountPath: /etc/nginx/conf.d
    ///       readOnly: true
    ///   volumes:
    ///   - name: nginx-conf
    ///     configMap:
    ///       name: web-nginx-conf
    ///       items:
    ///       - key: default.conf
    ///         path: default.conf
    /// ```
    ///
    /// ## Fix
    /// - Mount the volume as a directory of its own (choose the keys with `items`) and point the
    ///   program at the file there, e.g. through an include directory such as `/etc/nginx/conf.d`.
    /// - Or accept the fixed file and roll the pods whenever the ConfigMap or Secret changes, e.g.
    ///   with a checksum of its content in a pod template annotation.
    /// - The program still has to reload the file when it changes (nginx needs `nginx -s reload`).
    pub const RULE = Rule {
        id: "subpath-no-updates",
        group: Group::Volumes,
        title: "a configMap/secret mounted with subPath never receives updates",
        patch: false,
        policy: Policy::Hygiene,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    subpath_no_updates(ctx.volume_facts())
}

/// `subpath-no-updates` (§3.2.6): a subPath bind-mounts a fixed file, so ConfigMap, Secret,
/// projected and downward API updates never reach the container.
fn subpath_no_updates(f: &VolumeFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in &f.rows {
        if !row.kind.is_api_content() {
            continue;
        }
        for cell in row
            .mounts
            .iter()
            .filter(|m| m.sub_path.is_some() || m.sub_path_expr.is_some())
        {
            if f.ctr(&cell.container).is_some_and(|c| c.is_injected()) {
                continue;
            }
            let what = match row.kind {
                VolumeKind::ConfigMap => "ConfigMap",
                VolumeKind::Secret => "Secret",
                VolumeKind::DownwardApi => "pod metadata",
                _ => "source",
            };
            let finding = Finding::new(
                RULE.id,
                Severity::Info,
                format!(
                    "mounts {} with subPath at {}: changes to the {what} never reach this container",
                    describe(row),
                    cell.mount_path
                ),
            )
            .container(&cell.container)
            .evidence(mount_evidence(row, cell))
            .fix(format!(
                "mount {} as a directory (pick keys with items) and read the file from there, or restart the pods when the {what} changes (e.g. a checksum annotation on the pod template)",
                row.name
            ));
            out.push(found(
                finding,
                Some(&row.name),
                vec![cell.container.clone()],
            ));
        }
    }
    out
}
