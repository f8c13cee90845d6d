//! Volumes × containers of a pod: the matrix `kubectl sidecar volumes` prints and the facts
//! the `volumes` group of the check catalog (`crate::checks::volumes`) reads. Pure: no I/O,
//! no clock.
//!
//! The facts follow the sidecar rulebook (shared docs, sidecar-semantics §3 "Volume-mount
//! mismatch classes"): which container mounts what where, read-only or not, as which user,
//! and which paths each container names in its command, args and env.
//!
//! These structs are the `-o json|yaml` schema of `volumes` (docs/volumes.md).

mod facts;
mod paths;
mod rows;

pub use facts::*;
pub use paths::*;

use k8s_openapi::api::core::v1::PodSpec;
use serde::{Serialize, Serializer};

use super::finding::{Finding, Severity};
use super::{PodView, Role, TemplateRef};
use crate::source::SourcePod;
use crate::source::target::WorkloadKind;

/// Where the API server mounts the automatic service account token.
pub const SERVICE_ACCOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The volume analysis of one pod.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodVolumes {
    pub namespace: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_of: Option<TemplateRef>,
    pub spec_only: bool,
    /// STATUS as `kubectl get pods` prints it; `None` when spec-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `spec.securityContext.fsGroup`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fs_group: Option<i64>,
    /// The matrix columns, in start-up order (ephemeral containers last).
    pub containers: Vec<ContainerRef>,
    /// The matrix rows, in declaration order; mounts of undeclared volumes come last.
    pub volumes: Vec<VolumeRow>,
    /// Most severe first.
    pub findings: Vec<VolumeFinding>,
    /// The container model of the pod, for the renderer's header line (not part of the schema).
    #[serde(skip)]
    pub view: PodView,
}

/// A matrix column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerRef {
    pub name: String,
    pub role: Role,
    /// Effective `runAsUser`: the container's securityContext, else the pod's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_as_user: Option<i64>,
}

/// What kind of volume a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeKind {
    EmptyDir,
    ConfigMap,
    Secret,
    PersistentVolumeClaim,
    HostPath,
    Projected,
    DownwardApi,
    Ephemeral,
    Csi,
    Image,
    Nfs,
    /// Another in-tree source, named by its field (`awsElasticBlockStore`, `iscsi`, …).
    Other(&'static str),
    /// A StatefulSet manifest's mount of one of its volumeClaimTemplates (not in the pod
    /// template; the controller adds the claim).
    ClaimTemplate,
    /// Named by a mount but not declared (only possible in manifests).
    Undefined,
}

impl VolumeKind {
    /// The `spec.volumes[]` field name, as users know it.
    pub fn as_str(self) -> &'static str {
        match self {
            VolumeKind::EmptyDir => "emptyDir",
            VolumeKind::ConfigMap => "configMap",
            VolumeKind::Secret => "secret",
            VolumeKind::PersistentVolumeClaim => "persistentVolumeClaim",
            VolumeKind::HostPath => "hostPath",
            VolumeKind::Projected => "projected",
            VolumeKind::DownwardApi => "downwardAPI",
            VolumeKind::Ephemeral => "ephemeral",
            VolumeKind::Csi => "csi",
            VolumeKind::Image => "image",
            VolumeKind::Nfs => "nfs",
            VolumeKind::Other(name) => name,
            VolumeKind::ClaimTemplate => "volumeClaimTemplate",
            VolumeKind::Undefined => "undefined",
        }
    }

    /// Content the kubelet writes from API objects; never updated through a subPath.
    pub fn is_api_content(self) -> bool {
        matches!(
            self,
            VolumeKind::ConfigMap
                | VolumeKind::Secret
                | VolumeKind::Projected
                | VolumeKind::DownwardApi
        )
    }

    /// "A Secret is always mounted as readOnly"; so are the other API-content and image
    /// volumes, whatever the mount says.
    pub fn always_read_only(self) -> bool {
        self.is_api_content() || self == VolumeKind::Image
    }

    /// Storage containers can write to and share files through.
    pub fn is_storage(self) -> bool {
        !self.always_read_only() && self != VolumeKind::Undefined
    }
}

impl Serialize for VolumeKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A matrix row: one volume and every mount of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeRow {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: VolumeKind,
    /// The ConfigMap/Secret/claim name, host path, image, CSI driver, projected sources or
    /// downward API fields. Names only: secret values are never read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// emptyDir `medium` (`Memory` for tmpfs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medium: Option<String>,
    /// emptyDir `sizeLimit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_limit: Option<String>,
    /// The API server's automatic token volume (`kube-api-access-*`) at its default path:
    /// in every pod, so tables hide it unless `-o wide`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub service_account_token: bool,
    /// Mounts (and block devices) of this volume, in container order.
    pub mounts: Vec<MountCell>,
    /// IDs of the findings about this volume.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<&'static str>,
    /// A warning or critical finding is about this volume.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub problem: bool,
}

impl VolumeRow {
    /// An emptyDir with `medium: Memory` (tmpfs): its files count against a memory limit.
    pub fn is_memory_backed(&self) -> bool {
        self.kind == VolumeKind::EmptyDir
            && self
                .medium
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case("Memory"))
    }
}

/// A matrix cell: how one container mounts the volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MountCell {
    pub container: String,
    /// The mount path, or the device path of a `volumeDevices` entry.
    pub mount_path: String,
    /// Effective: the mount's `readOnly`, a read-only claim, or a volume type that is always
    /// read-only (configMap, secret, projected, downwardAPI, image).
    pub read_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_path_expr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount_propagation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recursive_read_only: Option<String>,
    /// A raw block device (`volumeDevices`), not a filesystem mount.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub device: bool,
}

/// A finding with the volume and containers it involves, so `-c` can keep the findings of the
/// containers shown and tables can mark the volume's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeFinding {
    #[serde(flatten)]
    pub finding: Finding,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
    /// Every container involved, the one the finding is about first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<String>,
}

impl PodVolumes {
    /// Keeps the containers `keep` accepts, the volumes they mount and the findings that
    /// involve them. The analysis ran on the whole pod: sharing is about the neighbours.
    pub fn retain_containers(&mut self, keep: impl Fn(&str) -> bool) {
        self.containers.retain(|c| keep(&c.name));
        for row in &mut self.volumes {
            row.mounts.retain(|m| keep(&m.container));
        }
        self.volumes.retain(|row| !row.mounts.is_empty());
        self.findings
            .retain(|f| f.containers.iter().any(|name| keep(name)));
    }
}

/// What the matrix and the volume rules read about one pod.
pub struct VolumeFacts<'a> {
    /// Every container, in start-up order (ephemeral containers last).
    pub ctrs: Vec<Ctr<'a>>,
    pub rows: Vec<VolumeRow>,
    pub fs_group: Option<i64>,
}

impl<'a> VolumeFacts<'a> {
    pub fn new(source: &'a SourcePod, view: &PodView) -> Self {
        let empty = PodSpec::default();
        let spec = source.pod.spec.as_ref().unwrap_or(&empty);
        let is_statefulset = source
            .template_of
            .as_ref()
            .is_some_and(|w| w.kind == WorkloadKind::StatefulSet);
        let ctrs = containers(source, view);
        let rows = rows::build_rows(
            spec.volumes.as_deref().unwrap_or_default(),
            &ctrs,
            is_statefulset,
        );
        VolumeFacts {
            ctrs,
            rows,
            fs_group: spec.security_context.as_ref().and_then(|s| s.fs_group),
        }
    }
}

/// The owned part of the facts: what a report keeps once the rules have run.
pub struct Matrix {
    pub containers: Vec<ContainerRef>,
    pub rows: Vec<VolumeRow>,
    pub fs_group: Option<i64>,
}

impl VolumeFacts<'_> {
    pub fn into_matrix(self) -> Matrix {
        Matrix {
            containers: self
                .ctrs
                .iter()
                .map(|c| ContainerRef {
                    name: c.name.to_string(),
                    role: c.role,
                    run_as_user: c.run_as_user.map(|(uid, _)| uid),
                })
                .collect(),
            rows: self.rows,
            fs_group: self.fs_group,
        }
    }
}

impl PodVolumes {
    /// The matrix of one pod with its findings (the catalog's `volumes` group), most severe
    /// first; rules keep their catalog order within a severity.
    pub fn new(view: PodView, matrix: Matrix, mut findings: Vec<Finding>) -> Self {
        findings.sort_by_key(|f| f.severity);
        let Matrix {
            containers,
            mut rows,
            fs_group,
        } = matrix;
        for row in &mut rows {
            let about = findings
                .iter()
                .filter(|f| f.volume.as_deref() == Some(row.name.as_str()));
            let mut rules: Vec<&'static str> = Vec::new();
            for f in about {
                row.problem |= f.severity <= Severity::Warning;
                if !rules.contains(&f.rule) {
                    rules.push(f.rule);
                }
            }
            row.rules = rules;
        }
        PodVolumes {
            namespace: view.namespace.clone(),
            name: view.name.clone(),
            template_of: view.template_of.clone(),
            spec_only: view.spec_only,
            status: view.status.clone(),
            fs_group,
            containers,
            volumes: rows,
            findings: findings
                .into_iter()
                .map(|finding| VolumeFinding {
                    volume: finding.volume.clone(),
                    containers: finding.containers.clone(),
                    finding,
                })
                .collect(),
            view,
        }
    }
}
