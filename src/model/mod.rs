//! The container model: a pure view of a pod and its containers (roles, startup position,
//! state joined from status), built from a [`SourcePod`] without any I/O.
//!
//! These structs are also the `-o json|yaml` schema of `ls` (documented in
//! `docs/output-schema.md`); rename nothing without bumping the schema version.

pub mod events;
pub mod eviction;
pub mod finding;
pub mod kubectl;
pub mod metrics;
pub mod order;
pub mod patch;
pub mod quantity;
pub mod sidecar_kind;
pub mod termination;
mod view;
pub mod volumes;

pub use view::{build_pod_view, effective_requests_of};

use std::borrow::Cow;
use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{
    Container, ContainerState as ApiContainerState, ContainerStateTerminated, ContainerStatus, Pod,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde::Serialize;

use crate::source::target::WorkloadKind;
use crate::source::{SourcePod, pod_namespace};
use termination::{signal_name, termination_signal};

pub const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";

/// A container's part in the pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// An init container that runs to completion before the next one starts.
    Init,
    /// An init container with `restartPolicy: Always`: starts in init order, keeps running.
    NativeSidecar,
    /// The pod's default container (annotation, else the first regular container).
    Main,
    /// Every other regular container (a "classic" sidecar).
    Sidecar,
    /// Added by `kubectl debug`.
    Ephemeral,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Init => "init",
            Role::NativeSidecar => "native-sidecar",
            Role::Main => "main",
            Role::Sidecar => "sidecar",
            Role::Ephemeral => "ephemeral",
        }
    }
}

/// A termination as the runtime reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Termination {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub exit_code: i32,
    /// Signal number: the runtime's `signal`, else N for exit code 128+N.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal_name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
}

impl Termination {
    pub fn from_api(t: &ContainerStateTerminated) -> Self {
        let signal = termination_signal(t.exit_code, t.signal);
        // containerd reports a container that never started with startedAt = the Unix epoch.
        let real_time = |ts: &Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>| {
            ts.as_ref().map(|t| t.0).filter(|t| t.as_second() > 0)
        };
        Termination {
            reason: non_empty(&t.reason),
            exit_code: t.exit_code,
            signal,
            signal_name: signal.and_then(signal_name),
            message: non_empty(&t.message),
            started_at: real_time(&t.started_at),
            finished_at: real_time(&t.finished_at),
        }
    }

    pub fn is_oom(&self) -> bool {
        // OOM is read from the reason: OOMKilled has been seen with exit 0 and 2, and 137
        // alone is any SIGKILL (liveness probe, grace period, eviction).
        self.reason.as_deref() == Some("OOMKilled")
    }

    pub fn is_success(&self) -> bool {
        self.exit_code == 0 && !self.is_oom()
    }

    /// `migrate: terminated reason=Error exitCode=1 finishedAt=…`, for evidence lines.
    pub fn evidence(&self, container: &str) -> String {
        format!(
            "{container}: terminated reason={} exitCode={}{}",
            self.reason.as_deref().unwrap_or("-"),
            self.exit_code,
            self.finished_at
                .map(|at| format!(" finishedAt={at}"))
                .unwrap_or_default()
        )
    }
}

/// The current state of a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum State {
    #[serde(rename_all = "camelCase")]
    Running {
        #[serde(skip_serializing_if = "Option::is_none")]
        started_at: Option<Timestamp>,
    },
    #[serde(rename_all = "camelCase")]
    Waiting {
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    Terminated(Termination),
    /// The status exists but names no state (the kubelet has not reported one yet).
    Unknown,
}

impl State {
    fn from_api(state: Option<&ApiContainerState>) -> Self {
        let Some(state) = state else {
            return State::Unknown;
        };
        if let Some(t) = &state.terminated {
            State::Terminated(Termination::from_api(t))
        } else if let Some(r) = &state.running {
            State::Running {
                started_at: r.started_at.as_ref().map(|t| t.0),
            }
        } else if let Some(w) = &state.waiting {
            State::Waiting {
                reason: non_empty(&w.reason),
                message: non_empty(&w.message),
            }
        } else {
            State::Unknown
        }
    }
}

/// What the kubelet reports about a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatusView {
    #[serde(flatten)]
    pub state: State,
    pub ready: bool,
    /// `None` when the server did not send the field (older servers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<bool>,
    pub restart_count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_termination: Option<Termination>,
    /// The image actually running (resolved by the runtime), when it differs from the spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_id: Option<String>,
}

/// Requests and limits by resource name (`cpu`, `memory`, `ephemeral-storage`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Resources {
    #[serde(skip_serializing_if = "QuantityMap::is_empty")]
    pub requests: QuantityMap,
    #[serde(skip_serializing_if = "QuantityMap::is_empty")]
    pub limits: QuantityMap,
}

/// Resource name → quantity, in name order; serialized as a map. A sorted vector rather than
/// a `BTreeMap`: a container has two or three entries, and each map node costs ~500 bytes
/// (two maps per container were 30 MiB of 10,000 pods' views).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuantityMap(Vec<(Cow<'static, str>, String)>);

/// Resource names nearly every container uses: named without a copy of their own.
const COMMON_RESOURCES: [&str; 3] = ["cpu", "ephemeral-storage", "memory"];

impl QuantityMap {
    /// The API's map (already in name order, names unique), copied once into exactly sized
    /// storage: this runs for every container of every pod listed.
    pub fn from_api(map: &BTreeMap<String, Quantity>) -> Self {
        let mut entries = Vec::with_capacity(map.len());
        for (name, quantity) in map {
            let name = match COMMON_RESOURCES.iter().find(|common| **common == name) {
                Some(common) => Cow::Borrowed(*common),
                None => Cow::Owned(name.clone()),
            };
            entries.push((name, quantity.0.clone()));
        }
        QuantityMap(entries)
    }

    pub fn get(&self, resource: &str) -> Option<&String> {
        self.0
            .binary_search_by(|(name, _)| name.as_ref().cmp(resource))
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for QuantityMap {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, quantity) in &self.0 {
            map.serialize_entry(name, quantity)?;
        }
        map.end()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Port {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub container_port: i32,
    pub protocol: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerView {
    pub name: String,
    pub role: Role,
    /// 1-based startup position: init containers and native sidecars in declaration order,
    /// then regular containers in spec order. `None` for ephemeral containers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    pub image: String,
    /// `None` for a pod template (no status exists) or when the kubelet reported nothing for
    /// this container (e.g. evicted pods on servers before 1.22).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ContainerStatusView>,
    pub resources: Resources,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    pub has_startup_probe: bool,
    pub has_readiness_probe: bool,
    pub has_liveness_probe: bool,
    /// A short reason when this container needs attention (shown as `!` in tables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Live usage from the metrics API (`ls --metrics`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<metrics::UsageView>,
}

impl ContainerView {
    pub fn is_problem(&self) -> bool {
        self.problem.is_some()
    }
}

/// The workload a spec-only pod was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateRef {
    pub kind: &'static str,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodView {
    pub namespace: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Set when this is a workload's pod template from a manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_of: Option<TemplateRef>,
    /// True when there is no status to show: a workload template, or a pod manifest that
    /// was never applied. Status fields are then absent rather than guessed.
    pub spec_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// STATUS as `kubectl get pods` prints it (`Running`, `Init:1/3`, `CrashLoopBackOff`, …);
    /// `None` when spec-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Ready containers as kubectl counts them (native sidecars count); `None` when spec-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<u32>,
    /// Regular containers plus native sidecars (kubectl's READY denominator).
    pub total: u32,
    pub restarts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_restart: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qos_class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleting_since: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// What the scheduler reserves for the pod, native sidecars included (KEP-753).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_requests: Option<metrics::EffectiveRequestsView>,
    pub containers: Vec<ContainerView>,
}

impl PodView {
    pub fn is_problem(&self) -> bool {
        self.problem.is_some() || self.containers.iter().any(ContainerView::is_problem)
    }

    /// `pod/NAME`-style label used in headers and messages.
    pub fn display_name(&self) -> String {
        match &self.template_of {
            Some(t) => format!("{}/{} ({} template)", self.namespace, self.name, t.kind),
            None => format!("{}/{}", self.namespace, self.name),
        }
    }
}

fn is_native_sidecar(c: &Container) -> bool {
    c.restart_policy.as_deref() == Some("Always")
}

/// The default container: the annotation when it names a regular container, else the first.
pub fn main_container_name(pod: &Pod) -> Option<&str> {
    let containers = &pod.spec.as_ref()?.containers;
    let annotated = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION))
        .map(String::as_str)
        .filter(|name| containers.iter().any(|c| c.name == *name));
    // Injectors put their proxy first on purpose (its postStart hook gates the app), so the
    // first container is the app's only when it is not a known injected sidecar.
    let first_app = containers
        .iter()
        .find(|c| !INJECTED_SIDECAR_NAMES.contains(&c.name.as_str()));
    annotated
        .or(first_app.map(|c| c.name.as_str()))
        .or_else(|| containers.first().map(|c| c.name.as_str()))
}

/// Whether a pod belongs to a Job (owner, `job-name` label, or a Job/CronJob template): its
/// containers are meant to finish, so a classic sidecar that never exits keeps it running.
pub fn belongs_to_job(source: &SourcePod) -> bool {
    if let Some(template) = &source.template_of {
        return matches!(template.kind, WorkloadKind::Job | WorkloadKind::CronJob);
    }
    let meta = &source.pod.metadata;
    meta.owner_references
        .iter()
        .flatten()
        .any(|o| o.kind == "Job")
        || meta.labels.as_ref().is_some_and(|l| {
            l.contains_key("job-name") || l.contains_key("batch.kubernetes.io/job-name")
        })
}

/// An image's repository path, lowercased, without tag or digest:
/// `docker.io/fluent/fluent-bit:3.1@sha256:…` → `docker.io/fluent/fluent-bit`.
pub fn image_repository(image: &str) -> Cow<'_, str> {
    let without_digest = image.split('@').next().unwrap_or(image);
    // A tag is a colon after the last slash (a colon before it is a registry port).
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    let repository = match without_digest[last_slash..].find(':') {
        Some(colon) => &without_digest[..last_slash + colon],
        None => without_digest,
    };
    // Called for every container's kind: borrow the usual lower-case reference.
    if repository.chars().any(char::is_uppercase) {
        Cow::Owned(repository.to_lowercase())
    } else {
        Cow::Borrowed(repository)
    }
}

/// Container names that mesh and agent injectors add next to the application.
pub const INJECTED_SIDECAR_NAMES: &[&str] = &[
    "istio-proxy",
    "linkerd-proxy",
    "vault-agent",
    "consul-dataplane",
    "kuma-sidecar",
    "daprd",
];

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref().filter(|s| !s.is_empty()).cloned()
}

#[cfg(test)]
mod tests;
