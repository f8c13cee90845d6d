//! Volumes × containers of a pod, and the mount findings. Pure: no I/O, no clock.
//!
//! The rules follow the sidecar rulebook (shared docs, sidecar-semantics §3 "Volume-mount
//! mismatch classes", and §1.11 / §3.2.7: files in a memory-backed emptyDir count against the
//! memory limit of the container that writes them). Most are spec-level, so they work the
//! same on live pods and on manifests; the two the API server would reject
//! (`undefined-volume`, `duplicate-mount-path`) only ever show up in manifests.
//!
//! These structs are the `-o json|yaml` schema of `volumes` (docs/volumes.md); `diagnose`
//! reuses the findings through [`volume_findings`], under the rule IDs below.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{
    Container, ContainerStatus, EnvVar, PodSpec, ResourceRequirements, SecurityContext, Volume,
    VolumeDevice, VolumeMount,
};
use serde::{Serialize, Serializer};

use super::finding::{Finding, Severity};
use super::sidecar_kind::{self, words};
use super::{INJECTED_SIDECAR_NAMES, PodView, Role, TemplateRef, build_pod_view};
use crate::source::SourcePod;
use crate::source::target::WorkloadKind;

/// A declared volume that no container mounts.
pub const VOLUME_UNUSED: &str = "volume-unused";
/// An emptyDir meant for sharing (by its name) that only one container mounts.
pub const EMPTYDIR_NOT_SHARED: &str = "emptydir-not-shared";
/// A container names a path where another container mounts a shared volume, outside its own
/// mounts: it looks in its own filesystem and never sees the files.
pub const MOUNT_MISMATCH: &str = "mount-mismatch";
/// An emptyDir every mounter mounts read-only: nothing can write to it.
pub const VOLUME_NO_WRITER: &str = "volume-no-writer";
/// The container that writes to a volume mounts it read-only.
pub const WRITER_READ_ONLY: &str = "writer-read-only";
/// A subPath mount of ConfigMap/Secret/projected/downwardAPI content: never updated.
pub const SUBPATH_NO_UPDATES: &str = "subpath-no-updates";
/// A memory-backed emptyDir without sizeLimit: its files count against the writer's memory.
pub const MEMORY_EMPTYDIR_NO_LIMIT: &str = "memory-emptydir-no-limit";
/// A shared emptyDir used by a log sidecar, without sizeLimit.
pub const LOG_VOLUME_NO_SIZE_LIMIT: &str = "log-volume-no-size-limit";
/// A log sidecar without an ephemeral-storage limit.
pub const LOG_SIDECAR_NO_STORAGE_LIMIT: &str = "log-sidecar-no-storage-limit";
/// Two mounts at the same path in one container.
pub const DUPLICATE_MOUNT_PATH: &str = "duplicate-mount-path";
/// A mount naming a volume the pod does not declare.
pub const UNDEFINED_VOLUME: &str = "undefined-volume";
/// Containers sharing a writable volume as different users, with no pod fsGroup.
pub const VOLUME_UID_MISMATCH: &str = "volume-uid-mismatch";
/// A volume mounted over `/` or over a system directory.
pub const MOUNT_OVER_ROOT: &str = "mount-over-root";
/// A log sidecar that shares no volume with the main container (it can only read its own files).
pub const LOG_SIDECAR_NO_SHARED_VOLUME: &str = "log-sidecar-no-shared-volume";

/// Every rule ID this analysis can emit.
#[cfg(test)]
pub const RULE_IDS: &[&str] = &[
    VOLUME_UNUSED,
    EMPTYDIR_NOT_SHARED,
    MOUNT_MISMATCH,
    VOLUME_NO_WRITER,
    WRITER_READ_ONLY,
    SUBPATH_NO_UPDATES,
    MEMORY_EMPTYDIR_NO_LIMIT,
    LOG_VOLUME_NO_SIZE_LIMIT,
    LOG_SIDECAR_NO_STORAGE_LIMIT,
    DUPLICATE_MOUNT_PATH,
    UNDEFINED_VOLUME,
    VOLUME_UID_MISMATCH,
    MOUNT_OVER_ROOT,
    LOG_SIDECAR_NO_SHARED_VOLUME,
];

/// Where the API server mounts the automatic service account token.
pub const SERVICE_ACCOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Init containers that mesh injectors add (they share nothing with the app).
const INJECTED_INIT_NAMES: &[&str] = &[
    "istio-init",
    "istio-validation",
    "linkerd-init",
    "linkerd-network-validator",
];

/// Volumes injectors declare for their proxy alone (sidecar-semantics §3.2.1).
const INJECTED_VOLUME_NAMES: &[&str] = &[
    "istio-envoy",
    "istio-data",
    "istio-token",
    "istio-podinfo",
    "istiod-ca-cert",
    "workload-socket",
    "credential-socket",
    "workload-certs",
    "linkerd-identity-end-entity",
    "linkerd-identity-token",
    "linkerd-proxy-init-xtables-lock",
];

/// Words in a volume name that say it exists to be shared (§3.2.1). Not `data` or `work`:
/// `postgres-data`, `filebeat-data` are one container's private state far more often.
const SHARING_WORDS: &[&str] = &[
    "log", "logs", "shared", "share", "socket", "sockets", "sock", "uds", "workdir", "spool",
    "exchange", "ipc", "handoff",
];

/// Directories a volume must not hide (`/` itself is worse: see [`MOUNT_OVER_ROOT`]).
const SYSTEM_PATHS: &[&str] = &[
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/sbin", "/sys", "/usr",
    "/var",
];
// Not /run or /var/run: images leave them empty and tools mount tmpfs there on purpose
// (linkerd-init's xtables lock), so hiding them breaks nothing.

/// Pseudo filesystems: paths under them are never files another container shares.
const PSEUDO_PATHS: &[&str] = &["/dev", "/proc", "/sys"];

/// Longest command or env excerpt quoted in evidence.
const MAX_EXCERPT: usize = 120;
/// Longest status message quoted in evidence.
const MAX_MESSAGE: usize = 240;

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
    fn is_api_content(self) -> bool {
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
    fn always_read_only(self) -> bool {
        self.is_api_content() || self == VolumeKind::Image
    }

    /// Storage containers can write to and share files through.
    fn is_storage(self) -> bool {
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

/// The findings of one pod, as `diagnose` reports them.
#[allow(dead_code, reason = "called by diagnose's rule registry")]
pub fn volume_findings(source: &SourcePod) -> Vec<Finding> {
    analyze(source)
        .findings
        .into_iter()
        .map(|f| f.finding)
        .collect()
}

/// Builds the volumes × containers matrix of a pod and its findings.
pub fn analyze(source: &SourcePod) -> PodVolumes {
    let view = build_pod_view(source);
    let pod = &source.pod;
    let empty = PodSpec::default();
    let spec = pod.spec.as_ref().unwrap_or(&empty);
    let fs_group = spec.security_context.as_ref().and_then(|s| s.fs_group);
    let is_statefulset = source
        .template_of
        .as_ref()
        .is_some_and(|w| w.kind == WorkloadKind::StatefulSet);

    let ctrs = containers(source, &view);
    let mut rows = build_rows(
        spec.volumes.as_deref().unwrap_or_default(),
        &ctrs,
        is_statefulset,
    );
    let facts = Facts {
        ctrs: &ctrs,
        rows: &rows,
        fs_group,
    };
    let mut findings = Vec::new();
    for rule in RULES {
        findings.extend(rule(&facts));
    }
    // A mount-mismatch already says the log sidecar looks where it mounts nothing.
    let mismatched: Vec<Option<String>> = findings
        .iter()
        .filter(|f| f.finding.rule == MOUNT_MISMATCH)
        .map(|f| f.finding.container.clone())
        .collect();
    findings.retain(|f| {
        f.finding.rule != LOG_SIDECAR_NO_SHARED_VOLUME || !mismatched.contains(&f.finding.container)
    });
    // Most severe first; rules keep their registry order within a severity.
    findings.sort_by_key(|f: &VolumeFinding| f.finding.severity);

    for row in &mut rows {
        let about = findings
            .iter()
            .filter(|f| f.volume.as_deref() == Some(row.name.as_str()));
        let mut rules: Vec<&'static str> = Vec::new();
        for f in about {
            row.problem |= f.finding.severity <= Severity::Warning;
            if !rules.contains(&f.finding.rule) {
                rules.push(f.finding.rule);
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
        containers: ctrs
            .iter()
            .map(|c| ContainerRef {
                name: c.name.to_string(),
                role: c.role,
                run_as_user: c.run_as_user.map(|(uid, _)| uid),
            })
            .collect(),
        volumes: rows,
        findings,
        view,
    }
}

type Rule = fn(&Facts) -> Vec<VolumeFinding>;

/// Every check, in the order their findings are listed within a severity.
const RULES: &[Rule] = &[
    mount_over_root,
    undefined_volume,
    duplicate_mount_path,
    mount_mismatch,
    volume_no_writer,
    writer_read_only,
    memory_emptydir_no_limit,
    volume_uid_mismatch,
    emptydir_not_shared,
    volume_unused,
    subpath_no_updates,
    log_volume_no_size_limit,
    log_sidecar_no_storage_limit,
    log_sidecar_no_shared_volume,
];

// ---------------------------------------------------------------- facts

/// One container as the volume rules see it: init, native sidecar, regular or ephemeral.
struct Ctr<'a> {
    name: &'a str,
    role: Role,
    /// `spec.containers[1]`, so evidence can point at the field.
    field: String,
    image: &'a str,
    mounts: &'a [VolumeMount],
    devices: &'a [VolumeDevice],
    /// command + args with `$(VAR)` expanded from the container's env.
    argv: Vec<String>,
    /// The container sets `command` (else `argv` is only args after the image's entrypoint).
    has_command: bool,
    /// Literal env values (after `$(VAR)` expansion); `valueFrom` entries are unknown.
    env: Vec<(&'a str, String)>,
    /// Effective runAsUser and where it comes from.
    run_as_user: Option<(i64, &'static str)>,
    memory_limit: Option<String>,
    ephemeral_storage_limit: Option<String>,
    /// Messages of the current and last state (runtime start errors, crash logs with
    /// `FallbackToLogsOnError`), clipped.
    messages: Vec<String>,
    /// Restart count when the current or last termination was an OOM kill.
    oom_killed: Option<i32>,
}

impl Ctr<'_> {
    fn is_injected(&self) -> bool {
        INJECTED_SIDECAR_NAMES.contains(&self.name) || INJECTED_INIT_NAMES.contains(&self.name)
    }

    fn is_log_sidecar(&self) -> bool {
        matches!(self.role, Role::Sidecar | Role::NativeSidecar)
            && !self.is_injected()
            && sidecar_kind::ships_logs(self.name, self.image)
    }

    fn label(&self) -> String {
        format!("{} ({})", self.name, self.role.as_str())
    }

    /// Every absolute path the container names in its command, args or env values.
    fn path_refs(&self) -> Vec<PathRef<'_>> {
        let mut refs = Vec::new();
        let script = self.argv.join(" ");
        scan_paths(&script, None, &Origin::Command, &self.env, &mut refs);
        for (name, value) in &self.env {
            scan_paths(value, Some(name), &Origin::Env(name), &self.env, &mut refs);
        }
        let mut seen = BTreeSet::new();
        refs.retain(|r| seen.insert(r.raw.clone()));
        refs
    }

    /// The container's own mount that shows `path` (longest mount path wins).
    fn mount_for(&self, path: &str) -> Option<&VolumeMount> {
        longest_mount(self.mounts.iter(), path)
    }

    fn sees(&self, path: &str) -> bool {
        self.mount_for(path).is_some() || self.devices.iter().any(|d| d.device_path == path)
    }

    /// Where a path the container names came from, quoted for evidence.
    fn origin_text(&self, r: &PathRef) -> String {
        match &r.origin {
            Origin::Command => format!(
                "{} {}: {}",
                self.name,
                if self.has_command { "command" } else { "args" },
                excerpt(&shell_words(&self.argv), &r.raw, MAX_EXCERPT)
            ),
            Origin::Env(name) => {
                let value = self
                    .env
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or("", |(_, v)| v.as_str());
                format!(
                    "{} env {name}={}",
                    self.name,
                    excerpt(value, &r.raw, MAX_EXCERPT)
                )
            }
        }
    }
}

/// The pod facts every rule reads.
struct Facts<'a> {
    ctrs: &'a [Ctr<'a>],
    rows: &'a [VolumeRow],
    fs_group: Option<i64>,
}

impl Facts<'_> {
    fn row(&self, name: &str) -> Option<&VolumeRow> {
        self.rows.iter().find(|r| r.name == name)
    }

    fn ctr(&self, name: &str) -> Option<&Ctr<'_>> {
        self.ctrs.iter().find(|c| c.name == name)
    }

    /// Containers (not ephemeral ones) that mount the volume, in container order.
    fn mounters(&self, row: &VolumeRow) -> Vec<&Ctr<'_>> {
        self.ctrs
            .iter()
            .filter(|c| {
                c.role != Role::Ephemeral && row.mounts.iter().any(|m| m.container == c.name)
            })
            .collect()
    }

    /// Volumes an injector declared for its proxy alone: expected to look unshared.
    fn is_injected_volume(&self, row: &VolumeRow) -> bool {
        let mounters = self.mounters(row);
        if mounters.is_empty() {
            INJECTED_VOLUME_NAMES.contains(&row.name.as_str())
        } else {
            mounters.iter().all(|c| c.is_injected())
        }
    }

    /// The pod runs more than one container (ephemeral debug containers aside).
    fn multi_container(&self) -> bool {
        self.ctrs
            .iter()
            .filter(|c| c.role != Role::Ephemeral)
            .count()
            > 1
    }

    fn cells<'r>(&self, row: &'r VolumeRow, container: &str) -> Vec<&'r MountCell> {
        row.mounts
            .iter()
            .filter(|m| m.container == container && !m.device)
            .collect()
    }
}

/// Where a path a container names came from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin<'a> {
    Command,
    Env(&'a str),
}

/// An absolute path named in a command, args or env value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PathRef<'a> {
    /// As written (after variable expansion), for messages.
    raw: String,
    /// Normalized, glob segments kept: what suggestions are computed from.
    full: String,
    /// Normalized and cut before the first glob segment: what is compared with mounts.
    path: String,
    origin: Origin<'a>,
    /// The flag or variable naming it (`--log-file`, `LOG_DIR`), or `>` for a shell redirect.
    key: Option<String>,
}

impl PathRef<'_> {
    /// Named as something the container writes: an output flag or variable, or a redirect.
    fn is_output(&self) -> bool {
        self.key.as_deref().is_some_and(is_output_key)
    }
}

fn containers<'a>(source: &'a SourcePod, view: &PodView) -> Vec<Ctr<'a>> {
    let Some(spec) = source.pod.spec.as_ref() else {
        return Vec::new();
    };
    let status = source.pod.status.as_ref();
    let pod_uid = spec.security_context.as_ref().and_then(|s| s.run_as_user);
    let role_of = |name: &str, fallback: Role| {
        view.containers
            .iter()
            .find(|c| c.name == name)
            .map_or(fallback, |c| c.role)
    };
    let mut out = Vec::new();
    let init_statuses = status.and_then(|s| s.init_container_statuses.as_deref());
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        out.push(ctr_from_container(
            c,
            role_of(&c.name, Role::Init),
            format!("spec.initContainers[{i}]"),
            pod_uid,
            find_status(init_statuses, &c.name),
        ));
    }
    let statuses = status.and_then(|s| s.container_statuses.as_deref());
    for (i, c) in spec.containers.iter().enumerate() {
        out.push(ctr_from_container(
            c,
            role_of(&c.name, Role::Sidecar),
            format!("spec.containers[{i}]"),
            pod_uid,
            find_status(statuses, &c.name),
        ));
    }
    let ephemeral_statuses = status.and_then(|s| s.ephemeral_container_statuses.as_deref());
    for (i, e) in spec.ephemeral_containers.iter().flatten().enumerate() {
        let parts = Parts {
            name: &e.name,
            image: e.image.as_deref(),
            command: e.command.as_deref(),
            args: e.args.as_deref(),
            env: e.env.as_deref(),
            mounts: e.volume_mounts.as_deref(),
            devices: e.volume_devices.as_deref(),
            security: e.security_context.as_ref(),
            resources: e.resources.as_ref(),
        };
        out.push(build_ctr(
            parts,
            Role::Ephemeral,
            format!("spec.ephemeralContainers[{i}]"),
            pod_uid,
            find_status(ephemeral_statuses, &e.name),
        ));
    }
    out
}

/// The fields of a container or an ephemeral container the rules need.
struct Parts<'a> {
    name: &'a str,
    image: Option<&'a str>,
    command: Option<&'a [String]>,
    args: Option<&'a [String]>,
    env: Option<&'a [EnvVar]>,
    mounts: Option<&'a [VolumeMount]>,
    devices: Option<&'a [VolumeDevice]>,
    security: Option<&'a SecurityContext>,
    resources: Option<&'a ResourceRequirements>,
}

fn ctr_from_container<'a>(
    c: &'a Container,
    role: Role,
    field: String,
    pod_uid: Option<i64>,
    status: Option<&ContainerStatus>,
) -> Ctr<'a> {
    let parts = Parts {
        name: &c.name,
        image: c.image.as_deref(),
        command: c.command.as_deref(),
        args: c.args.as_deref(),
        env: c.env.as_deref(),
        mounts: c.volume_mounts.as_deref(),
        devices: c.volume_devices.as_deref(),
        security: c.security_context.as_ref(),
        resources: c.resources.as_ref(),
    };
    build_ctr(parts, role, field, pod_uid, status)
}

fn build_ctr<'a>(
    p: Parts<'a>,
    role: Role,
    field: String,
    pod_uid: Option<i64>,
    status: Option<&ContainerStatus>,
) -> Ctr<'a> {
    // The kubelet expands $(VAR) in env values from the variables defined before them, and
    // in command/args from the whole list (pkg/kubelet/container/helpers.go).
    let mut env: Vec<(&str, String)> = Vec::new();
    for var in p.env.unwrap_or_default() {
        if let Some(value) = &var.value {
            let expanded = expand_kubelet_vars(value, &env);
            env.push((var.name.as_str(), expanded));
        }
    }
    let argv = p
        .command
        .unwrap_or_default()
        .iter()
        .chain(p.args.unwrap_or_default())
        .map(|s| expand_kubelet_vars(s, &env))
        .collect();
    let run_as_user = p
        .security
        .and_then(|s| s.run_as_user)
        .map(|uid| (uid, "securityContext.runAsUser"))
        .or(pod_uid.map(|uid| (uid, "pod securityContext.runAsUser")));
    let limit = |name: &str| {
        p.resources
            .and_then(|r| r.limits.as_ref())
            .and_then(|l| l.get(name))
            .map(|q| q.0.clone())
    };
    Ctr {
        name: p.name,
        role,
        field,
        image: p.image.unwrap_or_default(),
        mounts: p.mounts.unwrap_or_default(),
        devices: p.devices.unwrap_or_default(),
        argv,
        has_command: p.command.is_some_and(|c| !c.is_empty()),
        env,
        run_as_user,
        memory_limit: limit("memory"),
        ephemeral_storage_limit: limit("ephemeral-storage"),
        messages: status.map(state_messages).unwrap_or_default(),
        oom_killed: status.and_then(oom_killed),
    }
}

fn find_status<'a>(list: Option<&'a [ContainerStatus]>, name: &str) -> Option<&'a ContainerStatus> {
    list.and_then(|l| l.iter().find(|s| s.name == name))
}

/// Messages of the current and last state, as `Reason (exit): message`.
fn state_messages(status: &ContainerStatus) -> Vec<String> {
    let mut out = Vec::new();
    let states = [status.state.as_ref(), status.last_state.as_ref()];
    for state in states.into_iter().flatten() {
        let text = if let Some(w) = &state.waiting {
            w.message
                .as_ref()
                .map(|m| format!("{}: {m}", w.reason.as_deref().unwrap_or("Waiting")))
        } else if let Some(t) = &state.terminated {
            t.message.as_ref().map(|m| {
                format!(
                    "{} ({}): {m}",
                    t.reason.as_deref().unwrap_or("Terminated"),
                    t.exit_code
                )
            })
        } else {
            None
        };
        if let Some(text) = text {
            let text = clip_middle(text.trim(), MAX_MESSAGE);
            if !out.contains(&text) {
                out.push(text);
            }
        }
    }
    out
}

fn oom_killed(status: &ContainerStatus) -> Option<i32> {
    let states = [status.state.as_ref(), status.last_state.as_ref()];
    states
        .into_iter()
        .flatten()
        .filter_map(|s| s.terminated.as_ref())
        .any(|t| t.reason.as_deref() == Some("OOMKilled"))
        .then_some(status.restart_count)
}

/// Status messages that say a write hit a read-only mount.
fn read_only_errors<'c>(c: &'c Ctr) -> impl Iterator<Item = &'c String> {
    c.messages
        .iter()
        .filter(|m| m.contains("read-only file system"))
}

// ---------------------------------------------------------------- the matrix

fn build_rows(volumes: &[Volume], ctrs: &[Ctr], is_statefulset: bool) -> Vec<VolumeRow> {
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

// ---------------------------------------------------------------- rules

fn found(finding: Finding, volume: Option<&str>, containers: Vec<String>) -> VolumeFinding {
    VolumeFinding {
        finding,
        volume: volume.map(str::to_string),
        containers,
    }
}

fn describe(row: &VolumeRow) -> String {
    match &row.source {
        Some(source) => format!("{} {} ({source})", row.kind.as_str(), row.name),
        None => format!("{} {}", row.kind.as_str(), row.name),
    }
}

fn rw(read_only: bool) -> &'static str {
    if read_only { "ro" } else { "rw" }
}

fn mount_text(cell: &MountCell) -> String {
    let mut text = format!("{} ({})", cell.mount_path, rw(cell.read_only));
    if let Some(s) = &cell.sub_path {
        text.push_str(&format!(" subPath={s}"));
    }
    if let Some(s) = &cell.sub_path_expr {
        text.push_str(&format!(" subPathExpr={s}"));
    }
    text
}

/// `app mounts cache at /cache (rw)`
fn mount_evidence(row: &VolumeRow, cell: &MountCell) -> String {
    format!(
        "{} mounts {} at {}",
        cell.container,
        row.name,
        mount_text(cell)
    )
}

fn names(ctrs: &[&Ctr]) -> String {
    ctrs.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
}

/// `mount-over-root`: a volume over `/` (critical: the runtime cannot create the kubelet's
/// /etc/hosts, /etc/resolv.conf mount points on it) or over a system directory.
fn mount_over_root(f: &Facts) -> Vec<VolumeFinding> {
    let mut out = Vec::new();
    for c in f.ctrs {
        for (index, m) in c.mounts.iter().enumerate() {
            let Some(path) = normalize(&m.mount_path) else {
                continue;
            };
            let row = f.row(&m.name);
            let what = row.map_or_else(|| format!("volume {}", m.name), describe);
            let finding = if path == "/" {
                Finding::new(
                    MOUNT_OVER_ROOT,
                    Severity::Critical,
                    format!("mounts {what} over / (the whole root filesystem)"),
                )
                .fix(format!(
                    "mount {} at a directory of its own (e.g. /etc/{}); to drop single files into an existing directory use subPath (those files then never update)",
                    m.name, m.name
                ))
            } else if SYSTEM_PATHS.contains(&path.as_str()) {
                Finding::new(
                    MOUNT_OVER_ROOT,
                    Severity::Warning,
                    format!("mounts {what} over the system directory {path}: everything the image has there is hidden"),
                )
                .fix(format!(
                    "mount {} at a dedicated subdirectory (e.g. {path}/{}), or use subPath to add single files",
                    m.name, c.name
                ))
            } else {
                continue;
            };
            let mut finding = finding.container(c.name).evidence(format!(
                "{}.volumeMounts[{index}]: {} at {}",
                c.field, m.name, m.mount_path
            ));
            if path == "/" {
                let read_only = row.is_some_and(|r| {
                    r.mounts.iter().any(|cell| {
                        cell.container == c.name
                            && cell.mount_path == m.mount_path
                            && cell.read_only
                    })
                });
                finding = finding.evidence(if read_only {
                    "the runtime cannot create the /etc/hosts and /etc/resolv.conf mount points on a read-only volume: StartError \"read-only file system\""
                } else {
                    "the volume replaces the image's whole filesystem: its binaries and /etc are gone"
                });
            }
            let errors = c
                .messages
                .iter()
                .filter(|m| m.contains("mount") || m.contains("read-only file system"));
            for message in errors {
                finding = finding.evidence(format!("status: {message}"));
            }
            out.push(found(finding, Some(&m.name), vec![c.name.to_string()]));
        }
    }
    out
}

/// `undefined-volume`: a mount naming a volume the pod does not declare. The API server
/// rejects such a pod (`Not found`), so only manifests have it.
fn undefined_volume(f: &Facts) -> Vec<VolumeFinding> {
    let declared: Vec<&str> = f
        .rows
        .iter()
        .filter(|r| !matches!(r.kind, VolumeKind::Undefined | VolumeKind::ClaimTemplate))
        .map(|r| r.name.as_str())
        .collect();
    let mut out = Vec::new();
    for c in f.ctrs {
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
                UNDEFINED_VOLUME,
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

/// `duplicate-mount-path`: two mounts at one path in one container. Identical strings are
/// rejected by the API server ("must be unique"); paths equal only after normalisation
/// (`/data` and `/data/`) are accepted and the last mount hides the first.
fn duplicate_mount_path(f: &Facts) -> Vec<VolumeFinding> {
    let mut out = Vec::new();
    for c in f.ctrs {
        // (volume, field, path as written, normalized path) of every mount and device.
        let entries: Vec<(&str, String, &str, String)> = c
            .mounts
            .iter()
            .enumerate()
            .map(|(i, m)| {
                (
                    m.name.as_str(),
                    format!("volumeMounts[{i}]"),
                    m.mount_path.as_str(),
                )
            })
            .chain(c.devices.iter().enumerate().map(|(i, d)| {
                (
                    d.name.as_str(),
                    format!("volumeDevices[{i}]"),
                    d.device_path.as_str(),
                )
            }))
            .filter_map(|(name, field, raw)| normalize(raw).map(|n| (name, field, raw, n)))
            .collect();
        let mut reported: BTreeSet<&str> = BTreeSet::new();
        for (_, _, _, path) in &entries {
            if !reported.insert(path.as_str()) {
                continue;
            }
            let same: Vec<&(&str, String, &str, String)> =
                entries.iter().filter(|e| &e.3 == path).collect();
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
                DUPLICATE_MOUNT_PATH,
                severity,
                format!(
                    "mounts {} volumes at {path}: {}",
                    volumes.len(),
                    volumes.join(", ")
                ),
            )
            .container(c.name);
            for (name, field, raw, _) in &same {
                finding = finding.evidence(format!("{}.{field}: {name} at {raw}", c.field));
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

/// A mount of a shared volume in another container that shows the path a container names.
struct Holder<'a, 'r> {
    other: &'a Ctr<'a>,
    row: &'r VolumeRow,
    cell: &'r MountCell,
}

/// `mount-mismatch` (§3.2.2): a container names an absolute path outside its own mounts
/// while another container mounts a shared volume there. The classic: the sidecar tails
/// /var/log/nginx/access.log but mounts the log volume at /logs.
fn mount_mismatch(f: &Facts) -> Vec<VolumeFinding> {
    let mut out = Vec::new();
    for c in f.ctrs {
        // Debug containers reach other containers' files through /proc/PID/root.
        if c.role == Role::Ephemeral {
            continue;
        }
        let mut reported: BTreeSet<&str> = BTreeSet::new();
        for r in c.path_refs() {
            if c.sees(&r.path) || is_pseudo(&r.path) {
                continue;
            }
            let Some(holder) = holder_of(f, c, &r.path) else {
                continue;
            };
            if !reported.insert(holder.row.name.as_str()) {
                continue;
            }
            out.push(mismatch_finding(f, c, &r, &holder));
        }
    }
    out
}

/// The other container's mount that shows `path`, when its volume is one `c` could share.
fn holder_of<'a, 'r>(f: &'r Facts<'a>, c: &Ctr, path: &str) -> Option<Holder<'a, 'r>> {
    let mut best: Option<Holder> = None;
    for other in f.ctrs {
        if other.name == c.name || other.role == Role::Ephemeral {
            continue;
        }
        let Some(m) = longest_mount(other.mounts.iter(), path) else {
            continue;
        };
        let Some(mount) = normalize(&m.mount_path).filter(|p| p != "/") else {
            continue;
        };
        let Some(row) = f.row(&m.name) else {
            continue;
        };
        let Some(cell) = row
            .mounts
            .iter()
            .find(|cell| cell.container == other.name && cell.mount_path == m.mount_path)
        else {
            continue;
        };
        if !is_shareable(f, c, row) {
            continue;
        }
        let better = best
            .as_ref()
            .is_none_or(|b| normalize(&b.cell.mount_path).map_or(0, |p| p.len()) < mount.len());
        if better {
            best = Some(Holder { other, row, cell });
        }
    }
    best
}

/// Whether `row` is a volume `c` is meant to share: it mounts the volume itself (elsewhere),
/// or the volume is shared storage (mounted by two or more, named for sharing, or `c` is a
/// log sidecar looking for log files). Scratch space like a private /tmp is not.
fn is_shareable(f: &Facts, c: &Ctr, row: &VolumeRow) -> bool {
    if row.kind == VolumeKind::Undefined {
        return false;
    }
    if !f.cells(row, c.name).is_empty() {
        return true;
    }
    if !row.kind.is_storage() || f.is_injected_volume(row) {
        return false;
    }
    f.mounters(row).len() >= 2 || suggests_sharing(&row.name) || c.is_log_sidecar()
}

fn mismatch_finding(f: &Facts, c: &Ctr, r: &PathRef, h: &Holder) -> VolumeFinding {
    let row = h.row;
    let own = f.cells(row, c.name);
    let mut finding =
        Finding::new(MOUNT_MISMATCH, Severity::Warning, String::new()).container(c.name);
    finding = finding
        .evidence(c.origin_text(r))
        .evidence(mount_evidence(row, h.cell));
    if own.is_empty() {
        finding.summary = format!(
            "names {}, outside its own mounts: {} is mounted at {} in {}, not in {}",
            r.raw, row.name, h.cell.mount_path, h.other.name, c.name
        );
        finding = finding
            .evidence(format!(
                "{} does not mount {}: it sees its own image's {}, not {}'s files",
                c.name, row.name, h.cell.mount_path, h.other.name
            ))
            .fix(format!(
                "mount volume {} at {} in container {}",
                row.name, h.cell.mount_path, c.name
            ));
    } else {
        let at: Vec<&str> = own.iter().map(|m| m.mount_path.as_str()).collect();
        finding.summary = format!(
            "names {}, outside its own mounts: {} is mounted at {} in {} but at {} in {}",
            r.raw,
            row.name,
            h.cell.mount_path,
            h.other.name,
            at.join(", "),
            c.name
        );
        for cell in &own {
            finding = finding.evidence(mount_evidence(row, cell));
        }
        let translated = own.iter().find_map(|cell| translate(&r.full, h.cell, cell));
        let fix = match translated {
            Some(path) => format!(
                "point {} at {path} (where it mounts {}), or mount {} at {} in container {}",
                c.name, row.name, row.name, h.cell.mount_path, c.name
            ),
            None => {
                finding = finding.evidence(format!(
                    "{}'s subPath does not contain {}: the two containers see different directories of {}",
                    c.name, r.raw, row.name
                ));
                format!(
                    "mount {} at {} in container {} with the same subPath as {}",
                    row.name, h.cell.mount_path, c.name, h.other.name
                )
            }
        };
        finding = finding.fix(fix);
    }
    found(
        finding,
        Some(&row.name),
        vec![c.name.to_string(), h.other.name.to_string()],
    )
}

/// `volume-no-writer` (§3.2.3): an emptyDir that every container mounts read-only starts
/// empty and stays empty.
fn volume_no_writer(f: &Facts) -> Vec<VolumeFinding> {
    let mut out = Vec::new();
    for row in f.rows {
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
            VOLUME_NO_WRITER,
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

/// Containers that name an output path (`--log-file=…`, `LOG_DIR=…`, `> file`) under their
/// own mount of `row`, with the reference and the mount.
fn output_writers<'a, 'r>(
    f: &'r Facts<'a>,
    row: &'r VolumeRow,
) -> Vec<(&'r Ctr<'a>, PathRef<'a>, &'r MountCell)> {
    let mut out = Vec::new();
    for c in f.ctrs.iter().filter(|c| c.role != Role::Ephemeral) {
        for r in c.path_refs() {
            if !r.is_output() {
                continue;
            }
            let Some(m) = c.mount_for(&r.path) else {
                continue;
            };
            if m.name != row.name {
                continue;
            }
            let cell = row
                .mounts
                .iter()
                .find(|cell| cell.container == c.name && cell.mount_path == m.mount_path);
            if let Some(cell) = cell {
                out.push((c, r, cell));
                break;
            }
        }
    }
    out
}

/// `writer-read-only` (§3.2.3): the container that writes to a volume mounts it read-only:
/// it names an output path there (`--log-file`, `LOG_DIR`, a shell redirect), or it is the
/// main container sharing a log volume with a log sidecar, which only reads.
fn writer_read_only(f: &Facts) -> Vec<VolumeFinding> {
    let mut out = Vec::new();
    for row in f.rows {
        if !row.kind.is_storage() || f.is_injected_volume(row) {
            continue;
        }
        let mut reported: BTreeSet<&str> = BTreeSet::new();
        for (c, r, cell) in output_writers(f, row) {
            if !cell.read_only || !reported.insert(c.name) {
                continue;
            }
            let key = r.key.as_deref().unwrap_or_default();
            let finding = Finding::new(
                WRITER_READ_ONLY,
                Severity::Warning,
                format!(
                    "writes to {} ({key}) but mounts {} there read-only: writes fail with \"read-only file system\"",
                    r.raw, row.name
                ),
            )
            .container(c.name)
            .evidence(c.origin_text(&r))
            .evidence(mount_evidence(row, cell));
            let mut finding = finding;
            for message in read_only_errors(c) {
                finding = finding.evidence(format!("status: {message}"));
            }
            let finding = finding.fix(format!(
                "drop readOnly: true from {}'s mount of {} at {}",
                c.name, row.name, cell.mount_path
            ));
            out.push(found(finding, Some(&row.name), vec![c.name.to_string()]));
        }
        if row.kind != VolumeKind::EmptyDir {
            continue;
        }
        // The app writes the logs a log sidecar ships: it needs the volume read-write.
        let mounters = f.mounters(row);
        let Some(main) = mounters.iter().find(|c| c.role == Role::Main) else {
            continue;
        };
        let main_cells = f.cells(row, main.name);
        let shippers: Vec<&&Ctr> = mounters.iter().filter(|c| c.is_log_sidecar()).collect();
        let someone_writes = row.mounts.iter().any(|m| !m.read_only);
        if main_cells.is_empty()
            || main_cells.iter().any(|m| !m.read_only)
            || shippers.is_empty()
            || !someone_writes
            || reported.contains(main.name)
        {
            continue;
        }
        let shipper_names: Vec<&str> = shippers.iter().map(|c| c.name).collect();
        let mut finding = Finding::new(
            WRITER_READ_ONLY,
            Severity::Warning,
            format!(
                "mounts {} read-only at {}, but shares it with log sidecar {}: the app cannot write the logs it is meant to ship",
                row.name,
                main_cells[0].mount_path,
                shipper_names.join(", ")
            ),
        )
        .container(main.name);
        for cell in row
            .mounts
            .iter()
            .filter(|m| mounters.iter().any(|c| c.name == m.container))
        {
            finding = finding.evidence(mount_evidence(row, cell));
        }
        finding = finding.fix(format!(
            "drop readOnly: true from {}'s mount of {} (the log sidecar can keep its read-only mount)",
            main.name, row.name
        ));
        let mut involved = vec![main.name.to_string()];
        involved.extend(shipper_names.iter().map(|n| n.to_string()));
        out.push(found(finding, Some(&row.name), involved));
    }
    out
}

/// `memory-emptydir-no-limit` (§3.2.7, §1.11): tmpfs files count against the memory limit of
/// the container that writes them; with no sizeLimit the volume is sized to the node's
/// allocatable memory, so the writer is OOMKilled while its heap looks small.
fn memory_emptydir_no_limit(f: &Facts) -> Vec<VolumeFinding> {
    let mut out = Vec::new();
    for row in f.rows {
        let memory = row
            .medium
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case("Memory"));
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
            MEMORY_EMPTYDIR_NO_LIMIT,
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
        let involved = writers.iter().map(|c| c.name.to_string()).collect();
        out.push(found(finding, Some(&row.name), involved));
    }
    out
}

/// `volume-uid-mismatch`: containers that share writable storage as different users, with
/// no pod fsGroup to give them a common group: files one creates (mode 644/600) can be
/// unwritable or unreadable for the other. hostPath is left out: fsGroup does not apply.
fn volume_uid_mismatch(f: &Facts) -> Vec<VolumeFinding> {
    if f.fs_group.is_some() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for row in f.rows {
        if !row.kind.is_storage() || row.kind == VolumeKind::HostPath || f.is_injected_volume(row) {
            continue;
        }
        let mounters = f.mounters(row);
        let someone_writes = mounters
            .iter()
            .any(|c| f.cells(row, c.name).iter().any(|m| !m.read_only));
        let mut uids: Vec<i64> = mounters
            .iter()
            .filter_map(|c| c.run_as_user.map(|u| u.0))
            .collect();
        uids.sort_unstable();
        uids.dedup();
        if mounters.len() < 2 || !someone_writes || uids.len() < 2 {
            continue;
        }
        let who: Vec<String> = mounters
            .iter()
            .map(|c| match c.run_as_user {
                Some((uid, _)) => format!("{} (uid {uid})", c.name),
                None => format!("{} (image user)", c.name),
            })
            .collect();
        let mut finding = Finding::new(
            VOLUME_UID_MISMATCH,
            Severity::Warning,
            format!(
                "{} share {} {} as different users and the pod sets no fsGroup: files one creates may be unwritable or unreadable for the other",
                who.join(" and "),
                row.kind.as_str(),
                row.name
            ),
        );
        for c in &mounters {
            let user = match c.run_as_user {
                Some((uid, from)) => format!("runs as uid {uid} ({from})"),
                None => "runs as the image's user (no runAsUser)".to_string(),
            };
            for cell in f.cells(row, c.name) {
                finding = finding.evidence(format!("{}; {user}", mount_evidence(row, cell)));
            }
        }
        let group = uids.first().copied().unwrap_or(1000);
        finding = finding
            .evidence("spec.securityContext.fsGroup is not set")
            .fix(format!(
                "set spec.securityContext.fsGroup (e.g. {group}) so the kubelet makes {} group-writable for every container, or run them with the same runAsUser",
                row.name
            ));
        let involved = mounters.iter().map(|c| c.name.to_string()).collect();
        out.push(found(finding, Some(&row.name), involved));
    }
    out
}

/// `emptydir-not-shared` (§3.2.1): an emptyDir whose name says it is for sharing (logs,
/// shared, data, socket, spool, …) that only one container of a multi-container pod mounts.
/// Private scratch space (`tmp`, `cache`) and injected proxies' volumes are expected to be
/// unshared. When another container names a path under it, `mount-mismatch` says more.
fn emptydir_not_shared(f: &Facts) -> Vec<VolumeFinding> {
    if !f.multi_container() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for row in f.rows {
        if row.kind != VolumeKind::EmptyDir
            || !suggests_sharing(&row.name)
            || f.is_injected_volume(row)
        {
            continue;
        }
        let mounters = f.mounters(row);
        let [only] = mounters.as_slice() else {
            continue;
        };
        let mismatched = f.ctrs.iter().any(|c| {
            c.name != only.name
                && c.role != Role::Ephemeral
                && c.path_refs().iter().any(|r| {
                    !c.sees(&r.path)
                        && holder_of(f, c, &r.path).is_some_and(|h| h.row.name == row.name)
                })
        });
        if mismatched {
            continue;
        }
        let others: Vec<String> = f
            .ctrs
            .iter()
            .filter(|c| c.name != only.name && c.role != Role::Ephemeral)
            .map(Ctr::label)
            .collect();
        let mut finding = Finding::new(
            EMPTYDIR_NOT_SHARED,
            Severity::Info,
            format!(
                "is the only container that mounts emptyDir {}: no other container sees its files",
                row.name
            ),
        )
        .container(only.name);
        for cell in f.cells(row, only.name) {
            finding = finding.evidence(mount_evidence(row, cell));
        }
        finding = finding
            .evidence(format!("not mounted by: {}", others.join(", ")))
            .fix(format!(
                "mount {} in the container that should read or write its files too, or ignore this if it is {}'s private scratch space",
                row.name, only.name
            ));
        out.push(found(finding, Some(&row.name), vec![only.name.to_string()]));
    }
    out
}

/// `volume-unused` (§3.2.1): declared, mounted by no container.
fn volume_unused(f: &Facts) -> Vec<VolumeFinding> {
    let mut out = Vec::new();
    for row in f.rows {
        if !row.mounts.is_empty()
            || matches!(row.kind, VolumeKind::Undefined | VolumeKind::ClaimTemplate)
            || f.is_injected_volume(row)
        {
            continue;
        }
        let finding = Finding::new(
            VOLUME_UNUSED,
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

/// `subpath-no-updates` (§3.2.6): a subPath bind-mounts a fixed file, so ConfigMap, Secret,
/// projected and downward API updates never reach the container.
fn subpath_no_updates(f: &Facts) -> Vec<VolumeFinding> {
    let mut out = Vec::new();
    for row in f.rows {
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
                SUBPATH_NO_UPDATES,
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

/// `log-volume-no-size-limit` (§3.2.8, §3.2.12): a shared disk emptyDir a log sidecar reads
/// or ships, without sizeLimit: the logs grow on the node's disk until the kubelet evicts
/// the pod under disk pressure.
fn log_volume_no_size_limit(f: &Facts) -> Vec<VolumeFinding> {
    let mut out = Vec::new();
    for row in f.rows {
        let memory = row
            .medium
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case("Memory"));
        if row.kind != VolumeKind::EmptyDir || memory || row.size_limit.is_some() {
            continue;
        }
        let mounters = f.mounters(row);
        let Some(shipper) = mounters.iter().find(|c| c.is_log_sidecar()) else {
            continue;
        };
        if mounters.len() < 2 {
            continue;
        }
        let mut finding = Finding::new(
            LOG_VOLUME_NO_SIZE_LIMIT,
            Severity::Info,
            format!(
                "reads logs from emptyDir {}, which has no sizeLimit: the files grow on the node's disk until the kubelet evicts the pod",
                row.name
            ),
        )
        .container(shipper.name);
        for cell in row
            .mounts
            .iter()
            .filter(|m| mounters.iter().any(|c| c.name == m.container))
        {
            finding = finding.evidence(mount_evidence(row, cell));
        }
        let writers: Vec<&str> = mounters
            .iter()
            .filter(|c| c.name != shipper.name && f.cells(row, c.name).iter().any(|m| !m.read_only))
            .map(|c| c.name)
            .collect();
        let rotate = match writers.as_slice() {
            [] => String::new(),
            w => format!(", and rotate the files in {}", w.join(", ")),
        };
        finding = finding.fix(format!(
            "set emptyDir.sizeLimit on {} (e.g. 1Gi) so the bound is explicit{rotate}",
            row.name
        ));
        let involved = std::iter::once(shipper.name)
            .chain(
                mounters
                    .iter()
                    .map(|c| c.name)
                    .filter(|n| *n != shipper.name),
            )
            .map(str::to_string)
            .collect();
        out.push(found(finding, Some(&row.name), involved));
    }
    out
}

/// `log-sidecar-no-storage-limit` (§3.2.12): a log sidecar without an ephemeral-storage
/// limit; its buffers and writable layer are unbounded, and evictions name the container
/// with the larger consumption, often the shipper.
fn log_sidecar_no_storage_limit(f: &Facts) -> Vec<VolumeFinding> {
    f.ctrs
        .iter()
        .filter(|c| c.is_log_sidecar() && c.ephemeral_storage_limit.is_none())
        .map(|c| {
            let limits = match &c.memory_limit {
                Some(m) => format!("limits memory {m}, no ephemeral-storage"),
                None => "no resource limits".to_string(),
            };
            let finding = Finding::new(
                LOG_SIDECAR_NO_STORAGE_LIMIT,
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
            ));
            found(finding, None, vec![c.name.to_string()])
        })
        .collect()
}

/// A log sidecar mounting nothing the main container mounts (the service-account token does
/// not count) cannot read the app's log files; it only sees its own filesystem.
fn log_sidecar_no_shared_volume(f: &Facts) -> Vec<VolumeFinding> {
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
            let own = if own.is_empty() {
                "only the service-account token".to_string()
            } else {
                own.join(", ")
            };
            let finding = Finding::new(
                LOG_SIDECAR_NO_SHARED_VOLUME,
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

// ---------------------------------------------------------------- names

/// Lower-case words of a name or image (`fluent-bit` → `fluent`, `bit`).
fn suggests_sharing(volume: &str) -> bool {
    words(volume).any(|w| SHARING_WORDS.contains(&w.as_str()))
}

/// `--log-file`, `LOG_DIR`, `output`, `>`: a flag or variable naming something written.
fn is_output_key(key: &str) -> bool {
    if key == ">" {
        return true;
    }
    let words: Vec<String> = words(key).collect();
    let has = |w: &str| words.iter().any(|x| x == w);
    const OUTPUT: &[&str] = &[
        "output",
        "out",
        "outdir",
        "dest",
        "destination",
        "write",
        "spool",
        "dump",
        "export",
        "logfile",
        "logdir",
        "logpath",
    ];
    OUTPUT.iter().any(|w| has(w)) || (has("log") && (has("file") || has("dir") || has("path")))
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

/// At most `max` characters, with `…` when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// At most `max` characters, cutting the middle: runtime errors put the cause at the end.
fn clip_middle(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let head = max * 2 / 5;
    let tail = max.saturating_sub(head + 1);
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(count - tail).collect();
    format!("{start}…{end}")
}

/// A window of `text` around `needle`, at most about `max` characters.
fn excerpt(text: &str, needle: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let Some(at) = text.find(needle) else {
        return clip(&text, max);
    };
    let before = text[..at].chars().count();
    let start = before.saturating_sub(max / 3);
    let body: String = text.chars().skip(start).take(max).collect();
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(&body);
    if start + max < text.chars().count() {
        out.push('…');
    }
    out
}

/// argv as a shell would read it back: words with spaces quoted.
fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.is_empty() || a.contains(char::is_whitespace) {
                format!("\"{}\"", a.replace('"', "\\\""))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------- paths

/// `/var//log/./nginx/` → `/var/log/nginx`; `..` is resolved lexically. Relative paths give
/// `None`: they depend on the working directory, so they are ignored.
pub fn normalize(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// Whether normalized `path` is `mount` or inside it: `/var/log` holds `/var/log/x` but not
/// `/var/logs`.
pub fn is_under(path: &str, mount: &str) -> bool {
    mount == "/"
        || path == mount
        || path
            .strip_prefix(mount)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The mount that shows `path`: nested mounts shadow their parents, so the longest wins.
fn longest_mount<'m>(
    mounts: impl Iterator<Item = &'m VolumeMount>,
    path: &str,
) -> Option<&'m VolumeMount> {
    mounts
        .filter_map(|m| normalize(&m.mount_path).map(|p| (m, p)))
        .filter(|(_, p)| is_under(path, p))
        .max_by_key(|(_, p)| p.len())
        .map(|(m, _)| m)
}

fn is_pseudo(path: &str) -> bool {
    path == "/" || PSEUDO_PATHS.iter().any(|p| is_under(path, p))
}

/// `/var/log/*/app.log` → `/var/log`: what a glob can match lies under its fixed prefix.
fn cut_at_glob(path: &str) -> String {
    let mut out = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        if segment.contains(['*', '?', '[']) {
            break;
        }
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() { "/".to_string() } else { out }
}

/// Where `path` (seen through mount `from` of a volume) appears through mount `to` of the
/// same volume, taking subPaths into account; `None` when `to` shows another part of it.
fn translate(path: &str, from: &MountCell, to: &MountCell) -> Option<String> {
    if from.sub_path_expr.is_some() || to.sub_path_expr.is_some() {
        return None;
    }
    let from_mount = normalize(&from.mount_path)?;
    let rest = if path == from_mount {
        ""
    } else {
        path.strip_prefix(&from_mount)?.strip_prefix('/')?
    };
    let join = |a: &str, b: &str| {
        [a.trim_matches('/'), b.trim_matches('/')]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("/")
    };
    let in_volume = join(from.sub_path.as_deref().unwrap_or_default(), rest);
    let to_sub = to.sub_path.as_deref().unwrap_or_default().trim_matches('/');
    let inner = if to_sub.is_empty() {
        in_volume.as_str()
    } else if in_volume == to_sub {
        ""
    } else {
        in_volume.strip_prefix(to_sub)?.strip_prefix('/')?
    };
    let to_mount = normalize(&to.mount_path)?;
    Some(if inner.is_empty() {
        to_mount
    } else if to_mount == "/" {
        format!("/{inner}")
    } else {
        format!("{to_mount}/{inner}")
    })
}

/// Expands `$(VAR)` like the kubelet: defined variables are replaced, `$$` escapes a `$`,
/// anything else stays as written.
pub fn expand_kubelet_vars(text: &str, env: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(') {
            match inner.find(')') {
                Some(close) => {
                    let name = &inner[..close];
                    match lookup(env, name) {
                        Some(value) => out.push_str(value),
                        None => {
                            out.push_str("$(");
                            out.push_str(name);
                            out.push(')');
                        }
                    }
                    rest = &inner[close + 1..];
                }
                None => {
                    out.push_str("$(");
                    rest = inner;
                }
            }
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Expands `$VAR` and `${VAR}` from the container's env, as a shell in the container would.
fn expand_shell_vars(text: &str, env: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, tail) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(close) => (&inner[..close], &inner[close + 1..]),
                None => ("", after),
            }
        } else {
            let len = after
                .char_indices()
                .find(|(i, c)| {
                    !(c.is_ascii_alphanumeric() || *c == '_') || (*i == 0 && c.is_ascii_digit())
                })
                .map_or(after.len(), |(i, _)| i);
            (&after[..len], &after[len..])
        };
        match lookup(env, name).filter(|_| !name.is_empty()) {
            Some(value) => {
                out.push_str(value);
                rest = tail;
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn lookup<'e>(env: &'e [(&str, String)], name: &str) -> Option<&'e str> {
    env.iter()
        .rev()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
}

/// Finds absolute paths in a command line, shell script or env value: plain words,
/// `--flag=/path`, `key=/path`, `--flag /path`, `a:/b` and `a,/b` lists, shell redirects.
/// URLs and relative paths are skipped.
fn scan_paths<'a>(
    text: &str,
    outer_key: Option<&str>,
    origin: &Origin<'a>,
    env: &[(&str, String)],
    out: &mut Vec<PathRef<'a>>,
) {
    let text = expand_shell_vars(text, env);
    let mut pending_key: Option<String> = None;
    let mut redirect = false;
    let mut word = String::new();
    let mut words: Vec<(String, bool)> = Vec::new();
    for ch in text.chars() {
        let separator = ch.is_whitespace()
            || matches!(
                ch,
                ';' | '|' | '&' | '(' | ')' | '`' | '\'' | '"' | '<' | '>'
            );
        if separator {
            if !word.is_empty() {
                words.push((std::mem::take(&mut word), redirect));
                redirect = false;
            }
            if ch == '>' {
                redirect = true;
            }
        } else {
            word.push(ch);
        }
    }
    if !word.is_empty() {
        words.push((word, redirect));
    }
    for (word, redirected) in words {
        let (key, value) = match word.split_once('=') {
            Some((k, v)) if !k.is_empty() && !k.contains('/') => {
                (Some(k.to_string()), v.to_string())
            }
            _ => {
                let key = if redirected {
                    Some(">".to_string())
                } else {
                    pending_key.take().or(outer_key.map(str::to_string))
                };
                (key, word.clone())
            }
        };
        if word.starts_with('-') && !word.contains('=') {
            pending_key = Some(word.clone());
            continue;
        }
        pending_key = None;
        if value.contains("://") {
            continue;
        }
        for part in value.split([':', ',']) {
            if !part.starts_with('/') || part.starts_with("//") {
                continue;
            }
            let Some(full) = normalize(part) else {
                continue;
            };
            out.push(PathRef {
                raw: part.to_string(),
                path: cut_at_glob(&full),
                full,
                origin: origin.clone(),
                key: key.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::source::WorkloadRef;

    fn source(value: Value) -> SourcePod {
        SourcePod {
            pod: serde_json::from_value(value).expect("test pod is valid"),
            template_of: None,
        }
    }

    fn pod(containers: Value, volumes: Value) -> Value {
        json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"containers": containers, "volumes": volumes}
        })
    }

    fn findings(value: Value, rule: &str) -> Vec<Finding> {
        analyze(&source(value))
            .findings
            .into_iter()
            .map(|f| f.finding)
            .filter(|f| f.rule == rule)
            .collect()
    }

    fn one(value: Value, rule: &str) -> Finding {
        let mut found = findings(value, rule);
        assert_eq!(found.len(), 1, "{rule}: {found:#?}");
        found.remove(0)
    }

    fn none(value: Value, rule: &str) {
        let found = findings(value, rule);
        assert!(found.is_empty(), "{rule} should not fire: {found:#?}");
    }

    fn mount(name: &str, path: &str) -> Value {
        json!({"name": name, "mountPath": path})
    }

    fn ro(name: &str, path: &str) -> Value {
        json!({"name": name, "mountPath": path, "readOnly": true})
    }

    fn empty_dir(name: &str) -> Value {
        json!({"name": name, "emptyDir": {}})
    }

    /// nginx writes /var/log/nginx; the sidecar tails `target` with `reader_mount`.
    fn nginx_and_tail(target: &str, reader_mount: Value) -> Value {
        pod(
            json!([
                {"name": "nginx", "image": "nginx:1.27", "volumeMounts": [mount("nginx-logs", "/var/log/nginx")]},
                {"name": "log-reader", "image": "busybox:1.36",
                 "command": ["sh", "-c", format!("tail -F {target}")],
                 "volumeMounts": [reader_mount]}
            ]),
            json!([empty_dir("nginx-logs")]),
        )
    }

    #[test]
    fn rule_ids_are_unique_kebab_case_and_each_has_a_check() {
        let unique: BTreeSet<&str> = RULE_IDS.iter().copied().collect();
        assert_eq!(unique.len(), RULE_IDS.len());
        assert_eq!(RULES.len(), RULE_IDS.len());
        for id in RULE_IDS {
            assert!(
                id.split('-')
                    .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase())),
                "{id}"
            );
        }
    }

    // ------------------------------------------------------------ paths

    #[test]
    fn normalize_handles_trailing_and_double_slashes_dots_and_relative_paths() {
        assert_eq!(
            normalize("/var/log/nginx/").as_deref(),
            Some("/var/log/nginx")
        );
        assert_eq!(
            normalize("/var//log/./nginx").as_deref(),
            Some("/var/log/nginx")
        );
        assert_eq!(normalize("/var/log/../lib").as_deref(), Some("/var/lib"));
        assert_eq!(normalize("/../..").as_deref(), Some("/"));
        assert_eq!(normalize("/").as_deref(), Some("/"));
        assert_eq!(normalize("logs/access.log"), None);
        assert_eq!(normalize("./x"), None);
        assert_eq!(normalize(""), None);
    }

    #[test]
    fn is_under_matches_whole_segments_only() {
        assert!(is_under("/var/log/x.log", "/var/log"));
        assert!(is_under("/var/log", "/var/log"));
        assert!(!is_under("/var/logs/x.log", "/var/log"));
        assert!(!is_under("/var/logx", "/var/log"));
        assert!(!is_under("/var", "/var/log"));
        assert!(is_under("/anything", "/"));
    }

    #[test]
    fn nested_mounts_longest_prefix_wins() {
        let mounts: Vec<VolumeMount> = serde_json::from_value(json!([
            mount("data", "/data"),
            mount("cache", "/data/cache/"),
            mount("other", "/data/cache-old")
        ]))
        .unwrap();
        let pick = |p: &str| longest_mount(mounts.iter(), p).map(|m| m.name.as_str());
        assert_eq!(pick("/data/cache/x"), Some("cache"));
        assert_eq!(pick("/data/cache"), Some("cache"));
        assert_eq!(pick("/data/cache-old/y"), Some("other"));
        assert_eq!(pick("/data/cachex"), Some("data"));
        assert_eq!(pick("/srv"), None);
    }

    #[test]
    fn kubelet_var_expansion() {
        let env = vec![
            ("LOG_DIR", "/var/log/app".to_string()),
            ("N", "1".to_string()),
        ];
        assert_eq!(
            expand_kubelet_vars("$(LOG_DIR)/a.log", &env),
            "/var/log/app/a.log"
        );
        assert_eq!(expand_kubelet_vars("$$(LOG_DIR)", &env), "$(LOG_DIR)");
        assert_eq!(expand_kubelet_vars("$(MISSING)/x", &env), "$(MISSING)/x");
        assert_eq!(expand_kubelet_vars("cost $5 $(N", &env), "cost $5 $(N");
        assert_eq!(expand_kubelet_vars("$", &env), "$");
        assert_eq!(
            expand_shell_vars("${LOG_DIR}/a $LOG_DIR/b $NOPE/c $1", &env),
            "/var/log/app/a /var/log/app/b $NOPE/c $1"
        );
    }

    fn scanned(text: &str, key: Option<&str>) -> Vec<(String, String, Option<String>)> {
        let mut out = Vec::new();
        scan_paths(text, key, &Origin::Command, &[], &mut out);
        out.into_iter().map(|r| (r.raw, r.path, r.key)).collect()
    }

    #[test]
    fn paths_are_found_in_shell_strings_flags_and_key_value_forms() {
        let found = scanned(
            "tail -F /var/log/a.log; cat '/srv/x' | grep y --path=/data/in --output /data/out key=/etc/k.conf echo hi >> /logs/out.log",
            None,
        );
        let raws: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            raws,
            [
                "/var/log/a.log",
                "/srv/x",
                "/data/in",
                "/data/out",
                "/etc/k.conf",
                "/logs/out.log"
            ]
        );
        assert_eq!(found[0].2.as_deref(), Some("-F"));
        assert_eq!(found[2].2.as_deref(), Some("--path"));
        assert_eq!(found[3].2.as_deref(), Some("--output"));
        assert_eq!(found[4].2.as_deref(), Some("key"));
        assert_eq!(found[5].2.as_deref(), Some(">"));
    }

    #[test]
    fn urls_relative_paths_and_globs() {
        assert!(
            scanned(
                "--endpoint=http://collector:4318/v1/logs kubernetes://apis/apps",
                None
            )
            .is_empty()
        );
        assert!(scanned("tail -F logs/access.log ./x ../y", None).is_empty());
        let found = scanned("/var/log/app/*.log,/srv/**/x.log:/opt/a", Some("PATHS"));
        let paths: Vec<(&str, &str)> = found.iter().map(|f| (f.0.as_str(), f.1.as_str())).collect();
        assert_eq!(
            paths,
            [
                ("/var/log/app/*.log", "/var/log/app"),
                ("/srv/**/x.log", "/srv"),
                ("/opt/a", "/opt/a")
            ]
        );
        assert!(found.iter().all(|f| f.2.as_deref() == Some("PATHS")));
    }

    #[test]
    fn long_messages_keep_their_start_and_their_cause() {
        let message = format!(
            "StartError (128): {} rootfs/etc/hosts: read-only file system",
            "x".repeat(300)
        );
        let clipped = clip_middle(&message, 100);
        assert_eq!(clipped.chars().count(), 100);
        assert!(
            clipped.starts_with("StartError (128)") && clipped.ends_with("read-only file system"),
            "{clipped}"
        );
        assert_eq!(clip_middle("short", 100), "short");
        let text = format!("{} /var/log/x.log {}", "a ".repeat(100), "b ".repeat(100));
        let cut = excerpt(&text, "/var/log/x.log", 60);
        assert!(
            cut.contains("/var/log/x.log") && cut.starts_with('…') && cut.ends_with('…'),
            "{cut}"
        );
    }

    #[test]
    fn output_keys() {
        for key in [
            "--log-file",
            "LOG_DIR",
            "--output",
            "out",
            "--spool-dir",
            ">",
            "DEST_PATH",
        ] {
            assert!(is_output_key(key), "{key}");
        }
        for key in ["--config", "-F", "--timeout", "CONFIG_PATH", "--layout"] {
            assert!(!is_output_key(key), "{key}");
        }
    }

    #[test]
    fn translate_follows_sub_paths() {
        let cell = |path: &str, sub: Option<&str>| MountCell {
            container: "c".into(),
            mount_path: path.into(),
            read_only: false,
            sub_path: sub.map(str::to_string),
            sub_path_expr: None,
            mount_propagation: None,
            recursive_read_only: None,
            device: false,
        };
        let from = cell("/var/log/nginx/", None);
        assert_eq!(
            translate("/var/log/nginx/access.log", &from, &cell("/logs", None)).as_deref(),
            Some("/logs/access.log")
        );
        let from = cell("/var/log/nginx", Some("nginx"));
        assert_eq!(
            translate("/var/log/nginx/a.log", &from, &cell("/logs", None)).as_deref(),
            Some("/logs/nginx/a.log")
        );
        assert_eq!(
            translate("/var/log/nginx/a.log", &from, &cell("/n", Some("nginx/"))).as_deref(),
            Some("/n/a.log")
        );
        assert_eq!(
            translate("/var/log/nginx/a.log", &from, &cell("/x", Some("other"))),
            None
        );
    }

    // ------------------------------------------------------------ mount-mismatch

    #[test]
    fn mount_mismatch_fires_on_the_classic_tail_of_the_wrong_path() {
        let f = one(
            nginx_and_tail("/var/log/nginx/access.log", ro("nginx-logs", "/logs")),
            MOUNT_MISMATCH,
        );
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.container.as_deref(), Some("log-reader"));
        for needle in [
            "/var/log/nginx/access.log",
            "nginx-logs",
            "/var/log/nginx",
            "/logs",
            "nginx",
            "log-reader",
        ] {
            assert!(f.summary.contains(needle), "{needle}: {}", f.summary);
        }
        assert_eq!(
            f.evidence[0],
            "log-reader command: sh -c \"tail -F /var/log/nginx/access.log\""
        );
        let fix = f.fix.unwrap();
        assert!(
            fix.contains("/logs/access.log")
                && fix.contains("mount nginx-logs at /var/log/nginx in container log-reader"),
            "{fix}"
        );
    }

    #[test]
    fn mount_mismatch_is_quiet_when_the_path_is_under_the_own_mount() {
        none(
            nginx_and_tail("/logs/access.log", ro("nginx-logs", "/logs")),
            MOUNT_MISMATCH,
        );
        // Trailing slashes on either side.
        none(
            nginx_and_tail(
                "/var/log/nginx/access.log",
                ro("nginx-logs", "/var/log/nginx/"),
            ),
            MOUNT_MISMATCH,
        );
        none(
            nginx_and_tail(
                "/var/log/nginx//access.log",
                ro("nginx-logs", "/var/log/nginx"),
            ),
            MOUNT_MISMATCH,
        );
        // /var/logs is not under /var/log.
        none(
            nginx_and_tail("/var/logs/nginx/access.log", ro("nginx-logs", "/logs")),
            MOUNT_MISMATCH,
        );
        // Relative paths depend on the working directory: ignored.
        none(
            nginx_and_tail("nginx/access.log", ro("nginx-logs", "/logs")),
            MOUNT_MISMATCH,
        );
    }

    #[test]
    fn mount_mismatch_expands_vars_from_the_container_env() {
        let value = pod(
            json!([
                {"name": "nginx", "image": "nginx", "volumeMounts": [mount("nginx-logs", "/var/log/nginx/")]},
                {"name": "exporter", "image": "nginx-log-exporter",
                 "args": ["--input=$(LOG_DIR)/access.log"],
                 "env": [{"name": "LOG_DIR", "value": "/var/log/nginx"}],
                 "volumeMounts": [ro("nginx-logs", "/logs")]}
            ]),
            json!([empty_dir("nginx-logs")]),
        );
        let f = one(value.clone(), MOUNT_MISMATCH);
        assert!(
            f.summary.contains("/var/log/nginx/access.log"),
            "{}",
            f.summary
        );
        assert_eq!(
            f.evidence[0],
            "exporter args: --input=/var/log/nginx/access.log"
        );

        // Expanded to a path under its own mount: fine.
        let mut own = value;
        own["spec"]["containers"][1]["env"][0]["value"] = json!("/logs");
        none(own, MOUNT_MISMATCH);
    }

    #[test]
    fn mount_mismatch_when_the_reader_does_not_mount_the_volume_at_all() {
        let value = pod(
            json!([
                {"name": "billing", "image": "billing", "volumeMounts": [mount("billing-logs", "/var/log/billing")]},
                {"name": "filebeat", "image": "elastic/filebeat:8.15.0",
                 "env": [{"name": "LOG_PATHS", "value": "/var/log/billing/*.log"}]}
            ]),
            json!([empty_dir("billing-logs")]),
        );
        let f = one(value.clone(), MOUNT_MISMATCH);
        assert_eq!(f.container.as_deref(), Some("filebeat"));
        assert!(
            f.summary.contains("/var/log/billing/*.log"),
            "{}",
            f.summary
        );
        assert!(
            f.evidence[0].contains("env LOG_PATHS=/var/log/billing/*.log"),
            "{:?}",
            f.evidence
        );
        assert_eq!(
            f.fix.as_deref(),
            Some("mount volume billing-logs at /var/log/billing in container filebeat")
        );
        // The lone mount is explained by the mismatch, not reported twice.
        none(value, EMPTYDIR_NOT_SHARED);
    }

    #[test]
    fn mount_mismatch_picks_the_nested_mount_and_names_it() {
        let value = pod(
            json!([
                {"name": "app", "image": "app", "volumeMounts": [mount("data", "/data"), mount("shared-cache", "/data/cache")]},
                {"name": "warmer", "image": "warmer", "args": ["--dir", "/data/cache/thumbs"],
                 "volumeMounts": [mount("shared-cache", "/cache")]}
            ]),
            json!([empty_dir("data"), empty_dir("shared-cache")]),
        );
        let f = one(value, MOUNT_MISMATCH);
        assert!(
            f.summary
                .contains("shared-cache is mounted at /data/cache in app but at /cache in warmer"),
            "{}",
            f.summary
        );
        assert!(f.fix.unwrap().contains("/cache/thumbs"));
    }

    #[test]
    fn private_scratch_space_of_another_container_is_not_a_mismatch() {
        // Each container has its own /tmp: the proxy's /tmp file is not the app's.
        let value = pod(
            json!([
                {"name": "app", "image": "app", "volumeMounts": [mount("tmp", "/tmp")]},
                {"name": "proxy", "image": "envoy", "args": ["--log-path", "/tmp/envoy.log"]}
            ]),
            json!([empty_dir("tmp")]),
        );
        none(value, MOUNT_MISMATCH);
    }

    #[test]
    fn mount_mismatch_with_different_sub_paths_says_so() {
        let value = pod(
            json!([
                {"name": "app", "image": "app", "volumeMounts": [{"name": "logs", "mountPath": "/var/log/app", "subPath": "app"}]},
                {"name": "shipper", "image": "fluent-bit", "args": ["-i", "tail", "-p", "path=/var/log/app/app.log"],
                 "volumeMounts": [{"name": "logs", "mountPath": "/logs", "subPath": "proxy", "readOnly": true}]}
            ]),
            json!([empty_dir("logs")]),
        );
        let f = one(value, MOUNT_MISMATCH);
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("see different directories")),
            "{:?}",
            f.evidence
        );
        assert!(f.fix.unwrap().contains("same subPath as app"));
    }

    // ------------------------------------------------------------ writers

    #[test]
    fn volume_no_writer_fires_when_every_mount_is_read_only() {
        let mounts = |reader_ro: bool| {
            pod(
                json!([
                    {"name": "app", "image": "app", "volumeMounts": [ro("rendered", "/etc/app")]},
                    {"name": "renderer", "image": "consul-template",
                     "volumeMounts": [{"name": "rendered", "mountPath": "/out", "readOnly": reader_ro}]}
                ]),
                json!([empty_dir("rendered")]),
            )
        };
        let f = one(mounts(true), VOLUME_NO_WRITER);
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.summary.contains("(app, renderer)"), "{}", f.summary);
        assert!(f.fix.unwrap().ends_with("most likely renderer"));
        none(mounts(false), VOLUME_NO_WRITER);
        // A read-only configMap is normal.
        none(
            pod(
                json!([{"name": "app", "image": "app", "volumeMounts": [ro("cfg", "/etc/app")]}]),
                json!([{"name": "cfg", "configMap": {"name": "cfg"}}]),
            ),
            VOLUME_NO_WRITER,
        );
    }

    #[test]
    fn writer_read_only_fires_on_an_output_flag_under_a_read_only_mount() {
        let value = |read_only: bool| {
            pod(
                json!([
                    {"name": "orders", "image": "orders", "args": ["--log-file=/var/log/orders/orders.log"],
                     "volumeMounts": [{"name": "app-logs", "mountPath": "/var/log/orders", "readOnly": read_only}]},
                    {"name": "uploader", "image": "uploader", "volumeMounts": [mount("app-logs", "/logs")]}
                ]),
                json!([empty_dir("app-logs")]),
            )
        };
        let f = one(value(true), WRITER_READ_ONLY);
        assert_eq!(f.container.as_deref(), Some("orders"));
        assert!(
            f.summary
                .contains("/var/log/orders/orders.log (--log-file)"),
            "{}",
            f.summary
        );
        none(value(false), WRITER_READ_ONLY);
    }

    #[test]
    fn writer_read_only_reads_shell_redirects() {
        let value = pod(
            json!([{"name": "job", "image": "busybox", "command": ["sh", "-c", "date >> /out/run.log"],
                    "volumeMounts": [ro("out", "/out")]},
                   {"name": "ship", "image": "aws-cli", "volumeMounts": [mount("out", "/data")]}]),
            json!([empty_dir("out")]),
        );
        let f = one(value, WRITER_READ_ONLY);
        assert!(f.summary.contains("/out/run.log (>)"), "{}", f.summary);
    }

    #[test]
    fn writer_read_only_fires_for_main_sharing_logs_with_a_shipper() {
        let value = |main_ro: bool, sidecar: &str| {
            pod(
                json!([
                    {"name": "orders", "image": "orders",
                     "volumeMounts": [{"name": "app-logs", "mountPath": "/var/log/orders", "readOnly": main_ro}]},
                    {"name": sidecar, "image": format!("example/{sidecar}:1"), "volumeMounts": [mount("app-logs", "/var/log/orders")]}
                ]),
                json!([empty_dir("app-logs")]),
            )
        };
        let f = one(value(true, "fluent-bit"), WRITER_READ_ONLY);
        assert_eq!(f.container.as_deref(), Some("orders"));
        assert!(
            f.summary.contains("log sidecar fluent-bit"),
            "{}",
            f.summary
        );
        none(value(false, "fluent-bit"), WRITER_READ_ONLY);
        // A secrets agent writing for the app, which reads: normal.
        none(value(true, "secrets-agent"), WRITER_READ_ONLY);
    }

    // ------------------------------------------------------------ subPath, memory, logs

    #[test]
    fn subpath_of_api_content_never_updates() {
        let value = |sub: Option<&str>, config_map: bool| {
            let mut m = mount("cfg", "/etc/app/app.yaml");
            if let Some(sub) = sub {
                m["subPath"] = json!(sub);
            }
            let volume = if config_map {
                json!({"name": "cfg", "configMap": {"name": "app-config"}})
            } else {
                empty_dir("cfg")
            };
            pod(
                json!([{"name": "app", "image": "app", "volumeMounts": [m]}]),
                json!([volume]),
            )
        };
        let f = one(value(Some("app.yaml"), true), SUBPATH_NO_UPDATES);
        assert_eq!(f.severity, Severity::Info);
        assert!(
            f.summary.contains("configMap cfg (app-config)") && f.summary.contains("ConfigMap"),
            "{}",
            f.summary
        );
        none(value(None, true), SUBPATH_NO_UPDATES);
        none(value(Some("app.yaml"), false), SUBPATH_NO_UPDATES);
    }

    #[test]
    fn memory_emptydir_without_size_limit_names_the_writer_limit() {
        let value = |size_limit: Option<&str>| {
            let mut volume = json!({"name": "cache", "emptyDir": {"medium": "Memory"}});
            if let Some(limit) = size_limit {
                volume["emptyDir"]["sizeLimit"] = json!(limit);
            }
            pod(
                json!([
                    {"name": "thumbnailer", "image": "app", "resources": {"limits": {"memory": "512Mi"}},
                     "volumeMounts": [mount("cache", "/cache")]},
                    {"name": "reader", "image": "r", "volumeMounts": [ro("cache", "/cache")]}
                ]),
                json!([volume]),
            )
        };
        let f = one(value(None), MEMORY_EMPTYDIR_NO_LIMIT);
        // Hygiene until an OOM kill of a writer shows it hurt.
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(f.container.as_deref(), Some("thumbnailer"));
        assert!(f.summary.contains("thumbnailer (512Mi)"), "{}", f.summary);
        none(value(Some("64Mi")), MEMORY_EMPTYDIR_NO_LIMIT);

        // An OOM kill of the writer is named as evidence.
        let mut oom = value(None);
        oom["status"] = json!({"phase": "Running", "containerStatuses": [{
            "name": "thumbnailer", "image": "app", "imageID": "", "ready": true, "restartCount": 3,
            "state": {"running": {}},
            "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]});
        let f = one(oom, MEMORY_EMPTYDIR_NO_LIMIT);
        assert!(
            f.evidence
                .iter()
                .any(|e| e.starts_with("thumbnailer was OOMKilled (3 restarts)")),
            "{:?}",
            f.evidence
        );
    }

    #[test]
    fn injected_proxy_volumes_are_expected() {
        let value = pod(
            json!([
                {"name": "app", "image": "app"},
                {"name": "istio-proxy", "image": "istio/proxyv2",
                 "volumeMounts": [mount("istio-envoy", "/etc/istio/proxy"), mount("istio-data", "/var/lib/istio/data")]}
            ]),
            json!([{"name": "istio-envoy", "emptyDir": {"medium": "Memory"}}, empty_dir("istio-data"), empty_dir("workload-socket")]),
        );
        assert!(analyze(&source(value)).findings.is_empty());
    }

    #[test]
    fn log_volume_without_size_limit() {
        let value = |size_limit: Option<&str>| {
            let mut volume = empty_dir("app-logs");
            if let Some(limit) = size_limit {
                volume["emptyDir"]["sizeLimit"] = json!(limit);
            }
            pod(
                json!([
                    {"name": "app", "image": "app", "volumeMounts": [mount("app-logs", "/var/log/app")]},
                    {"name": "shipper", "image": "fluent/fluent-bit:3.1", "volumeMounts": [ro("app-logs", "/var/log/app")],
                     "resources": {"limits": {"ephemeral-storage": "1Gi"}}}
                ]),
                json!([volume]),
            )
        };
        let f = one(value(None), LOG_VOLUME_NO_SIZE_LIMIT);
        assert_eq!(f.container.as_deref(), Some("shipper"));
        assert!(f.fix.unwrap().contains("rotate the files in app"));
        none(value(Some("1Gi")), LOG_VOLUME_NO_SIZE_LIMIT);
        none(value(None), LOG_SIDECAR_NO_STORAGE_LIMIT);
    }

    #[test]
    fn log_sidecar_sharing_nothing_with_the_app() {
        let token = json!({"name": "kube-api-access-x", "mountPath": SERVICE_ACCOUNT_PATH, "readOnly": true});
        let alone = pod(
            json!([
                {"name": "main", "image": "busybox", "volumeMounts": [token]},
                {"name": "log-collector", "image": "busybox", "volumeMounts": [token]}
            ]),
            json!([{"name": "kube-api-access-x", "projected": {"sources": []}}]),
        );
        let f = one(alone, LOG_SIDECAR_NO_SHARED_VOLUME);
        assert_eq!(f.container.as_deref(), Some("log-collector"));
        assert_eq!(
            f.evidence,
            ["log-collector mounts only the service-account token"]
        );

        let shared = pod(
            json!([
                {"name": "main", "image": "busybox", "volumeMounts": [{"name": "logs", "mountPath": "/var/log/app"}]},
                {"name": "log-collector", "image": "busybox", "volumeMounts": [{"name": "logs", "mountPath": "/logs"}]}
            ]),
            json!([{"name": "logs", "emptyDir": {}}]),
        );
        none(shared, LOG_SIDECAR_NO_SHARED_VOLUME);
    }

    #[test]
    fn log_sidecar_without_ephemeral_storage_limit() {
        let value = |name: &str, image: &str, limits: Value| {
            pod(
                json!([
                    {"name": "app", "image": "app"},
                    {"name": name, "image": image, "resources": {"limits": limits}}
                ]),
                json!([]),
            )
        };
        let f = one(
            value("shipper", "grafana/promtail:3.0", json!({"memory": "64Mi"})),
            LOG_SIDECAR_NO_STORAGE_LIMIT,
        );
        assert_eq!(f.container.as_deref(), Some("shipper"));
        assert!(
            f.evidence[0].contains("limits memory 64Mi, no ephemeral-storage"),
            "{:?}",
            f.evidence
        );
        one(
            value("log-tailer", "busybox", json!({})),
            LOG_SIDECAR_NO_STORAGE_LIMIT,
        );
        none(
            value(
                "shipper",
                "grafana/promtail:3.0",
                json!({"ephemeral-storage": "1Gi"}),
            ),
            LOG_SIDECAR_NO_STORAGE_LIMIT,
        );
        // Words, not substrings: a catalog or login service is no log shipper.
        none(
            value("catalog", "acme/login-service", json!({})),
            LOG_SIDECAR_NO_STORAGE_LIMIT,
        );
        // The main container is the app, whatever its name.
        none(
            pod(json!([{"name": "fluentd", "image": "fluentd"}]), json!([])),
            LOG_SIDECAR_NO_STORAGE_LIMIT,
        );
    }

    // ------------------------------------------------------------ manifest errors

    #[test]
    fn duplicate_mount_paths() {
        let value = |second: &str| {
            pod(
                json!([{"name": "app", "image": "app",
                        "volumeMounts": [mount("config", "/etc/app"), mount("overrides", second)]}]),
                json!([empty_dir("config"), empty_dir("overrides")]),
            )
        };
        let f = one(value("/etc/app"), DUPLICATE_MOUNT_PATH);
        assert_eq!(f.severity, Severity::Critical);
        assert!(
            f.summary
                .contains("mounts 2 volumes at /etc/app: config, overrides"),
            "{}",
            f.summary
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e == "spec.containers[0].volumeMounts[1]: overrides at /etc/app"),
            "{:?}",
            f.evidence
        );
        assert_eq!(
            one(value("/etc/app/"), DUPLICATE_MOUNT_PATH).severity,
            Severity::Warning
        );
        none(value("/etc/app/overrides"), DUPLICATE_MOUNT_PATH);
    }

    #[test]
    fn undefined_volume_in_a_manifest() {
        let value = pod(
            json!([{"name": "app", "image": "app", "volumeMounts": [mount("config", "/etc/app"), mount("app-secrets", "/etc/secrets")]}]),
            json!([empty_dir("config")]),
        );
        let f = one(value.clone(), UNDEFINED_VOLUME);
        assert_eq!(f.severity, Severity::Critical);
        assert!(
            f.fix
                .as_deref()
                .is_some_and(|fix| fix.starts_with("add volume app-secrets")),
            "{f:?}"
        );
        assert!(
            f.evidence[0]
                .contains("spec.containers[0].volumeMounts[1].name: Not found: \"app-secrets\""),
            "{:?}",
            f.evidence
        );
        let report = analyze(&source(value));
        let row = report
            .volumes
            .iter()
            .find(|r| r.name == "app-secrets")
            .unwrap();
        assert_eq!(row.kind, VolumeKind::Undefined);
        assert!(row.problem);
        none(
            pod(
                json!([{"name": "app", "image": "app", "volumeMounts": [mount("config", "/etc/app")]}]),
                json!([empty_dir("config")]),
            ),
            UNDEFINED_VOLUME,
        );
    }

    #[test]
    fn statefulset_claim_templates_are_not_undefined() {
        let mut sp = source(pod(
            json!([{"name": "db", "image": "postgres", "volumeMounts": [mount("data", "/var/lib/postgresql/data")]}]),
            json!([]),
        ));
        sp.template_of = Some(WorkloadRef {
            kind: WorkloadKind::StatefulSet,
            name: "db".into(),
        });
        let report = analyze(&sp);
        assert!(report.findings.is_empty(), "{:#?}", report.findings);
        assert_eq!(report.volumes[0].kind, VolumeKind::ClaimTemplate);
    }

    // ------------------------------------------------------------ users, root, unused, sharing

    #[test]
    fn uid_mismatch_without_fs_group() {
        let value = |uid: i64, fs_group: Option<i64>| {
            let mut v = pod(
                json!([
                    {"name": "thumbnailer", "image": "app", "securityContext": {"runAsUser": 1000},
                     "volumeMounts": [mount("cache", "/cache")]},
                    {"name": "warmer", "image": "warmer", "volumeMounts": [mount("cache", "/cache")]}
                ]),
                json!([empty_dir("cache")]),
            );
            v["spec"]["securityContext"] = json!({"runAsUser": uid});
            if let Some(g) = fs_group {
                v["spec"]["securityContext"]["fsGroup"] = json!(g);
            }
            v
        };
        let f = one(value(65534, None), VOLUME_UID_MISMATCH);
        assert!(
            f.summary
                .contains("thumbnailer (uid 1000) and warmer (uid 65534)"),
            "{}",
            f.summary
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("pod securityContext.runAsUser")),
            "{:?}",
            f.evidence
        );
        none(value(65534, Some(2000)), VOLUME_UID_MISMATCH);
        none(value(1000, None), VOLUME_UID_MISMATCH);
    }

    #[test]
    fn mount_over_root_and_system_paths() {
        let value = |path: &str| {
            let mut v = pod(
                json!([{"name": "app", "image": "app", "volumeMounts": [mount("tls", path)]}]),
                json!([{"name": "tls", "secret": {"secretName": "app-tls"}}]),
            );
            v["status"] = json!({"phase": "Pending", "containerStatuses": [{
                "name": "app", "image": "app", "imageID": "", "ready": false, "restartCount": 1,
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s restarting failed container"}},
                "lastState": {"terminated": {"exitCode": 128, "reason": "StartError",
                    "message": "failed to create containerd task: error mounting \"/var/lib/kubelet/pods/x/etc-hosts\" to rootfs at \"/etc/hosts\": read-only file system"}}}]});
            v
        };
        let f = one(value("/"), MOUNT_OVER_ROOT);
        assert_eq!(f.severity, Severity::Critical);
        assert!(
            f.summary.contains("secret tls (app-tls) over /"),
            "{}",
            f.summary
        );
        assert!(
            f.evidence.iter().any(
                |e| e.starts_with("status: StartError (128): failed to create containerd task")
            ),
            "{:?}",
            f.evidence
        );
        assert_eq!(
            one(value("/etc/"), MOUNT_OVER_ROOT).severity,
            Severity::Warning
        );
        // Runtime directories are empty in images: a tmpfs there hides nothing.
        none(value("/var/run"), MOUNT_OVER_ROOT);
        none(value("/run"), MOUNT_OVER_ROOT);
        none(value("/etc/tls"), MOUNT_OVER_ROOT);
        none(value("/variable"), MOUNT_OVER_ROOT);
    }

    #[test]
    fn unused_volume() {
        let value = |mounted: bool| {
            let mounts = if mounted {
                json!([mount("legacy-certs", "/certs")])
            } else {
                json!([])
            };
            pod(
                json!([{"name": "app", "image": "app", "volumeMounts": mounts}]),
                json!([{"name": "legacy-certs", "secret": {"secretName": "old-tls"}}]),
            )
        };
        let f = one(value(false), VOLUME_UNUSED);
        assert_eq!(f.severity, Severity::Info);
        assert!(
            f.summary.contains("secret legacy-certs (old-tls)"),
            "{}",
            f.summary
        );
        none(value(true), VOLUME_UNUSED);
        // Volume devices count as use.
        none(
            pod(
                json!([{"name": "db", "image": "db", "volumeDevices": [{"name": "raw", "devicePath": "/dev/xvdb"}]}]),
                json!([{"name": "raw", "persistentVolumeClaim": {"claimName": "raw-0"}}]),
            ),
            VOLUME_UNUSED,
        );
    }

    #[test]
    fn emptydir_named_for_sharing_but_mounted_once() {
        let value = |name: &str, both: bool, second: bool| {
            let sidecar_mounts = if both {
                json!([mount(name, "/in")])
            } else {
                json!([])
            };
            let mut containers =
                vec![json!({"name": "app", "image": "app", "volumeMounts": [mount(name, "/out")]})];
            if second {
                containers
                    .push(json!({"name": "sidecar", "image": "s", "volumeMounts": sidecar_mounts}));
            }
            pod(Value::Array(containers), json!([empty_dir(name)]))
        };
        let f = one(value("shared-data", false, true), EMPTYDIR_NOT_SHARED);
        assert_eq!(f.container.as_deref(), Some("app"));
        assert!(
            f.evidence
                .iter()
                .any(|e| e == "not mounted by: sidecar (sidecar)"),
            "{:?}",
            f.evidence
        );
        none(value("shared-data", true, true), EMPTYDIR_NOT_SHARED);
        none(value("tmp", false, true), EMPTYDIR_NOT_SHARED);
        none(value("shared-data", false, false), EMPTYDIR_NOT_SHARED);
    }

    // ------------------------------------------------------------ matrix

    #[test]
    fn matrix_lists_every_container_role_and_mount_detail() {
        let value = json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {
                "initContainers": [
                    {"name": "setup", "image": "busybox", "volumeMounts": [mount("work", "/work")]},
                    {"name": "proxy", "image": "envoy", "restartPolicy": "Always"}
                ],
                "containers": [{"name": "app", "image": "app", "volumeMounts": [
                    {"name": "work", "mountPath": "/srv/work", "subPathExpr": "$(POD_NAME)", "mountPropagation": "HostToContainer"},
                    {"name": "cfg", "mountPath": "/etc/app", "recursiveReadOnly": "Enabled", "readOnly": true},
                    {"name": "claim", "mountPath": "/data"}
                ]}],
                "ephemeralContainers": [{"name": "debugger", "image": "busybox", "volumeMounts": [ro("work", "/work")]}],
                "volumes": [
                    empty_dir("work"),
                    {"name": "cfg", "projected": {"sources": [{"configMap": {"name": "a"}}, {"secret": {"name": "b"}}, {"serviceAccountToken": {"path": "t", "audience": "vault"}}]}},
                    {"name": "claim", "persistentVolumeClaim": {"claimName": "data-0", "readOnly": true}},
                    {"name": "scratch"}
                ]
            }
        });
        let report = analyze(&source(value));
        let roles: Vec<(&str, Role)> = report
            .containers
            .iter()
            .map(|c| (c.name.as_str(), c.role))
            .collect();
        assert_eq!(
            roles,
            [
                ("setup", Role::Init),
                ("proxy", Role::NativeSidecar),
                ("app", Role::Main),
                ("debugger", Role::Ephemeral)
            ]
        );
        let work = &report.volumes[0];
        assert_eq!(work.mounts.len(), 3);
        assert_eq!(work.mounts[1].sub_path_expr.as_deref(), Some("$(POD_NAME)"));
        assert_eq!(
            work.mounts[1].mount_propagation.as_deref(),
            Some("HostToContainer")
        );
        assert_eq!(work.mounts[2].container, "debugger");
        let cfg = &report.volumes[1];
        assert_eq!(
            cfg.source.as_deref(),
            Some("configMap/a, secret/b, token(aud=vault)")
        );
        assert_eq!(
            cfg.mounts[0].recursive_read_only.as_deref(),
            Some("Enabled")
        );
        // A read-only claim is read-only in every mount.
        let claim = &report.volumes[2];
        assert_eq!(claim.source.as_deref(), Some("data-0 (readOnly)"));
        assert!(claim.mounts[0].read_only);
        // A volume without a source is an emptyDir (API server default).
        assert_eq!(report.volumes[3].kind, VolumeKind::EmptyDir);
    }

    #[test]
    fn container_filter_keeps_involved_findings_and_mounted_volumes() {
        let mut report = analyze(&source(nginx_and_tail(
            "/var/log/nginx/access.log",
            ro("nginx-logs", "/logs"),
        )));
        let mut only_nginx = report.clone();
        only_nginx.retain_containers(|n| n == "nginx");
        assert_eq!(only_nginx.containers.len(), 1);
        assert_eq!(only_nginx.volumes[0].mounts.len(), 1);
        // The mismatch involves nginx's mount, so it stays.
        assert!(
            only_nginx
                .findings
                .iter()
                .any(|f| f.finding.rule == MOUNT_MISMATCH)
        );
        report.retain_containers(|n| n == "nobody");
        assert!(
            report.containers.is_empty() && report.volumes.is_empty() && report.findings.is_empty()
        );
    }

    #[test]
    fn odd_input_never_panics() {
        let odd = [
            "",
            "$",
            "$(",
            "$$",
            "${",
            "${}",
            "/",
            "//",
            "/é/ü/…",
            "a=b=c",
            "=/x",
            "--=/y",
            ">",
            "ß:/ä,/ö",
            "\u{0}/x",
        ];
        for text in odd {
            let value = pod(
                json!([
                    {"name": "a", "image": text, "command": [text], "args": [text, text],
                     "env": [{"name": text, "value": text}, {"name": "X", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                     "volumeMounts": [{"name": text, "mountPath": text, "subPath": text}]},
                    {"name": "b", "image": "", "volumeMounts": [{"name": "v", "mountPath": format!("/{text}")}]}
                ]),
                json!([{"name": "v", "emptyDir": {"medium": text}}, {"name": text}]),
            );
            let _ = analyze(&source(value));
        }
        let _ = analyze(&source(json!({"metadata": {"name": "bare"}})));
    }
}
