//! The matrix rows: each declared volume with its kind, source and mounts.

use k8s_openapi::api::core::v1::Volume;

use super::*;

// ---------------------------------------------------------------- the matrix

pub fn build_rows(volumes: &[Volume], ctrs: &[Ctr], is_statefulset: bool) -> Vec<VolumeRow> {
    let mut rows: Vec<VolumeRow> = volumes.iter().map(volume_row).collect();
    let forced_ro: Vec<bool> = volumes
        .iter()
        .map(|v| {
            v.persistent_volume_claim
                .as_ref()
                .is_some_and(|c| c.read_only == Some(true))
        })
        .collect();
    for c in ctrs {
        for m in c.mounts {
            let index = row_index(&mut rows, &m.name, is_statefulset);
            let row = &mut rows[index];
            let read_only = m.read_only == Some(true)
                || row.kind.always_read_only()
                || forced_ro.get(index).copied().unwrap_or(false);
            row.mounts.push(MountCell {
                container: c.name.to_string(),
                mount_path: m.mount_path.clone(),
                read_only,
                sub_path: non_empty(m.sub_path.as_deref()),
                sub_path_expr: non_empty(m.sub_path_expr.as_deref()),
                mount_propagation: non_empty(m.mount_propagation.as_deref()),
                recursive_read_only: non_empty(m.recursive_read_only.as_deref()),
                device: false,
            });
        }
        for d in c.devices {
            let index = row_index(&mut rows, &d.name, is_statefulset);
            rows[index].mounts.push(MountCell {
                container: c.name.to_string(),
                mount_path: d.device_path.clone(),
                read_only: false,
                sub_path: None,
                sub_path_expr: None,
                mount_propagation: None,
                recursive_read_only: None,
                device: true,
            });
        }
    }
    for row in &mut rows {
        row.service_account_token &= row
            .mounts
            .iter()
            .all(|m| m.mount_path.trim_end_matches('/') == SERVICE_ACCOUNT_PATH && m.read_only);
    }
    rows
}

/// The row of volume `name`, added (as undefined, or a StatefulSet claim template) when the
/// pod does not declare it.
fn row_index(rows: &mut Vec<VolumeRow>, name: &str, is_statefulset: bool) -> usize {
    if let Some(i) = rows.iter().position(|r| r.name == name) {
        return i;
    }
    let kind = if is_statefulset {
        VolumeKind::ClaimTemplate
    } else {
        VolumeKind::Undefined
    };
    rows.push(VolumeRow {
        name: name.to_string(),
        kind,
        source: None,
        medium: None,
        size_limit: None,
        service_account_token: false,
        mounts: Vec::new(),
        rules: Vec::new(),
        problem: false,
    });
    rows.len() - 1
}

fn volume_row(v: &Volume) -> VolumeRow {
    let (kind, source) = volume_source(v);
    let empty_dir = v.empty_dir.as_ref();
    VolumeRow {
        name: v.name.clone(),
        kind,
        source,
        medium: empty_dir.and_then(|e| non_empty(e.medium.as_deref())),
        size_limit: empty_dir.and_then(|e| e.size_limit.as_ref().map(|q| q.0.clone())),
        service_account_token: v.name.starts_with("kube-api-access-")
            && v.projected.as_ref().is_some_and(|p| {
                p.sources
                    .iter()
                    .flatten()
                    .any(|s| s.service_account_token.is_some())
            }),
        mounts: Vec::new(),
        rules: Vec::new(),
        problem: false,
    }
}

/// The volume's type and a short description of where its content comes from.
fn volume_source(v: &Volume) -> (VolumeKind, Option<String>) {
    if let Some(c) = &v.config_map {
        return (VolumeKind::ConfigMap, Some(c.name.clone()));
    }
    if let Some(s) = &v.secret {
        return (VolumeKind::Secret, s.secret_name.clone());
    }
    if let Some(c) = &v.persistent_volume_claim {
        let ro = if c.read_only == Some(true) {
            " (readOnly)"
        } else {
            ""
        };
        return (
            VolumeKind::PersistentVolumeClaim,
            Some(format!("{}{ro}", c.claim_name)),
        );
    }
    if let Some(h) = &v.host_path {
        let source = match non_empty(h.type_.as_deref()) {
            Some(t) => format!("{} ({t})", h.path),
            None => h.path.clone(),
        };
        return (VolumeKind::HostPath, Some(source));
    }
    if let Some(p) = &v.projected {
        let parts: Vec<String> = p
            .sources
            .iter()
            .flatten()
            .filter_map(|s| {
                if let Some(t) = &s.service_account_token {
                    Some(match non_empty(t.audience.as_deref()) {
                        Some(aud) => format!("token(aud={aud})"),
                        None => "token".to_string(),
                    })
                } else if let Some(c) = &s.config_map {
                    Some(format!("configMap/{}", c.name))
                } else if let Some(c) = &s.secret {
                    Some(format!("secret/{}", c.name))
                } else if s.downward_api.is_some() {
                    Some("downwardAPI".to_string())
                } else if let Some(b) = &s.cluster_trust_bundle {
                    let name = b.name.clone().or(b.signer_name.clone()).unwrap_or_default();
                    Some(format!("clusterTrustBundle/{name}"))
                } else if s.pod_certificate.is_some() {
                    Some("podCertificate".to_string())
                } else {
                    None
                }
            })
            .collect();
        return (VolumeKind::Projected, non_empty(Some(&parts.join(", "))));
    }
    if let Some(d) = &v.downward_api {
        let fields: Vec<String> = d
            .items
            .iter()
            .flatten()
            .map(|item| {
                item.field_ref
                    .as_ref()
                    .map(|f| f.field_path.clone())
                    .or(item.resource_field_ref.as_ref().map(|r| r.resource.clone()))
                    .unwrap_or_else(|| item.path.clone())
            })
            .collect();
        return (VolumeKind::DownwardApi, non_empty(Some(&fields.join(", "))));
    }
    if let Some(e) = &v.ephemeral {
        let spec = e.volume_claim_template.as_ref().map(|t| &t.spec);
        let class = spec.and_then(|s| s.storage_class_name.clone());
        let size = spec
            .and_then(|s| s.resources.as_ref())
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get("storage"))
            .map(|q| q.0.clone());
        let parts: Vec<String> = [
            class.map(|c| format!("class={c}")),
            size.map(|s| format!("size={s}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        return (VolumeKind::Ephemeral, non_empty(Some(&parts.join(" "))));
    }
    if let Some(c) = &v.csi {
        return (VolumeKind::Csi, Some(c.driver.clone()));
    }
    if let Some(i) = &v.image {
        return (VolumeKind::Image, i.reference.clone());
    }
    if let Some(n) = &v.nfs {
        return (VolumeKind::Nfs, Some(format!("{}:{}", n.server, n.path)));
    }
    let other = [
        ("awsElasticBlockStore", v.aws_elastic_block_store.is_some()),
        ("azureDisk", v.azure_disk.is_some()),
        ("azureFile", v.azure_file.is_some()),
        ("cephfs", v.cephfs.is_some()),
        ("cinder", v.cinder.is_some()),
        ("fc", v.fc.is_some()),
        ("flexVolume", v.flex_volume.is_some()),
        ("flocker", v.flocker.is_some()),
        ("gcePersistentDisk", v.gce_persistent_disk.is_some()),
        ("gitRepo", v.git_repo.is_some()),
        ("glusterfs", v.glusterfs.is_some()),
        ("iscsi", v.iscsi.is_some()),
        ("photonPersistentDisk", v.photon_persistent_disk.is_some()),
        ("portworxVolume", v.portworx_volume.is_some()),
        ("quobyte", v.quobyte.is_some()),
        ("rbd", v.rbd.is_some()),
        ("scaleIO", v.scale_io.is_some()),
        ("storageos", v.storageos.is_some()),
        ("vsphereVolume", v.vsphere_volume.is_some()),
    ];
    if let Some((name, _)) = other.iter().find(|(_, set)| *set) {
        return (VolumeKind::Other(name), None);
    }
    // A volume with no source is defaulted to `emptyDir: {}` by the API server (§3.2.10).
    (VolumeKind::EmptyDir, None)
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}
