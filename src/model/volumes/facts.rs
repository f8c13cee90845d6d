//! Each container as the volume rules see it: its mounts, the paths it names, its user,
//! limits and the messages its status holds.

use std::cell::OnceCell;
use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{
    Container, ContainerStatus, EnvVar, ResourceRequirements, SecurityContext, VolumeDevice,
    VolumeMount,
};

use super::*;
use crate::model::sidecar_kind::{self};
use crate::model::{INJECTED_SIDECAR_NAMES, PodView, Role};
use crate::source::SourcePod;

/// Init containers that mesh injectors add (they share nothing with the app).
pub const INJECTED_INIT_NAMES: &[&str] = &[
    "istio-init",
    "istio-validation",
    "linkerd-init",
    "linkerd-network-validator",
];

/// Volumes injectors declare for their proxy alone (sidecar-semantics §3.2.1).
pub const INJECTED_VOLUME_NAMES: &[&str] = &[
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

/// Longest status message quoted in evidence.
pub const MAX_MESSAGE: usize = 240;

// ---------------------------------------------------------------- facts

/// Where a container is declared (`spec.containers[1]`), so evidence can point at the
/// field; written out only when a finding cites it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub list: &'static str,
    pub index: usize,
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "spec.{}[{}]", self.list, self.index)
    }
}

/// One container as the volume rules see it: init, native sidecar, regular or ephemeral.
pub struct Ctr<'a> {
    pub name: &'a str,
    pub role: Role,
    /// `spec.containers[1]`, so evidence can point at the field.
    pub field: Field,
    pub image: &'a str,
    pub mounts: &'a [VolumeMount],
    pub devices: &'a [VolumeDevice],
    /// command + args with `$(VAR)` expanded from the container's env.
    pub argv: Vec<String>,
    /// The container sets `command` (else `argv` is only args after the image's entrypoint).
    pub has_command: bool,
    /// Literal env values (after `$(VAR)` expansion); `valueFrom` entries are unknown.
    pub env: Vec<(&'a str, String)>,
    /// Effective runAsUser and where it comes from.
    pub run_as_user: Option<(i64, &'static str)>,
    pub memory_limit: Option<String>,
    pub ephemeral_storage_limit: Option<String>,
    /// Messages of the current and last state (runtime start errors, crash logs with
    /// `FallbackToLogsOnError`), clipped.
    pub messages: Vec<String>,
    /// Restart count when the current or last termination was an OOM kill.
    pub oom_killed: Option<i32>,
    /// [`Ctr::path_refs`], scanned on first use: several rules ask, some once per volume.
    refs: OnceCell<Vec<PathRef<'a>>>,
}

impl<'a> Ctr<'a> {
    pub fn is_injected(&self) -> bool {
        INJECTED_SIDECAR_NAMES.contains(&self.name) || INJECTED_INIT_NAMES.contains(&self.name)
    }

    pub fn is_log_sidecar(&self) -> bool {
        matches!(self.role, Role::Sidecar | Role::NativeSidecar)
            && !self.is_injected()
            && sidecar_kind::ships_logs(self.name, self.image)
    }

    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.role.as_str())
    }

    /// Every absolute path the container names in its command, args or env values.
    pub fn path_refs(&self) -> &[PathRef<'a>] {
        self.refs.get_or_init(|| {
            let mut refs = Vec::new();
            let script = self.argv.join(" ");
            scan_paths(&script, None, &Origin::Command, &self.env, &mut refs);
            for &(name, ref value) in &self.env {
                scan_paths(value, Some(name), &Origin::Env(name), &self.env, &mut refs);
            }
            let mut seen = BTreeSet::new();
            refs.retain(|r| seen.insert(r.raw.clone()));
            refs
        })
    }

    /// The container's own mount that shows `path` (longest mount path wins).
    pub fn mount_for(&self, path: &str) -> Option<&VolumeMount> {
        longest_mount(self.mounts.iter(), path)
    }

    pub fn sees(&self, path: &str) -> bool {
        self.mount_for(path).is_some() || self.devices.iter().any(|d| d.device_path == path)
    }

    /// Where a path the container names came from, quoted for evidence.
    pub fn origin_text(&self, r: &PathRef) -> String {
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

impl<'a> VolumeFacts<'a> {
    pub fn row(&self, name: &str) -> Option<&VolumeRow> {
        self.rows.iter().find(|r| r.name == name)
    }

    pub fn ctr(&self, name: &str) -> Option<&Ctr<'a>> {
        self.ctrs.iter().find(|c| c.name == name)
    }

    /// Containers (not ephemeral ones) that mount the volume, in container order.
    pub fn mounters(&self, row: &VolumeRow) -> Vec<&Ctr<'a>> {
        self.ctrs
            .iter()
            .filter(|c| {
                c.role != Role::Ephemeral && row.mounts.iter().any(|m| m.container == c.name)
            })
            .collect()
    }

    /// Volumes an injector declared for its proxy alone: expected to look unshared.
    pub fn is_injected_volume(&self, row: &VolumeRow) -> bool {
        let mounters = self.mounters(row);
        if mounters.is_empty() {
            INJECTED_VOLUME_NAMES.contains(&row.name.as_str())
        } else {
            mounters.iter().all(|c| c.is_injected())
        }
    }

    /// The pod runs more than one container (ephemeral debug containers aside).
    pub fn multi_container(&self) -> bool {
        self.ctrs
            .iter()
            .filter(|c| c.role != Role::Ephemeral)
            .count()
            > 1
    }

    pub fn cells<'r>(&self, row: &'r VolumeRow, container: &str) -> Vec<&'r MountCell> {
        row.mounts
            .iter()
            .filter(|m| m.container == container && !m.device)
            .collect()
    }
}

/// Where a path a container names came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin<'a> {
    Command,
    Env(&'a str),
}

/// An absolute path named in a command, args or env value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRef<'a> {
    /// As written (after variable expansion), for messages.
    pub raw: String,
    /// Normalized, glob segments kept: what suggestions are computed from.
    pub full: String,
    /// Normalized and cut before the first glob segment: what is compared with mounts.
    pub path: String,
    pub origin: Origin<'a>,
    /// The flag or variable naming it (`--log-file`, `LOG_DIR`), or `>` for a shell redirect.
    pub key: Option<String>,
}

impl PathRef<'_> {
    /// Named as something the container writes: an output flag or variable, or a redirect.
    pub fn is_output(&self) -> bool {
        self.key.as_deref().is_some_and(is_output_key)
    }
}

pub fn containers<'a>(source: &'a SourcePod, view: &PodView) -> Vec<Ctr<'a>> {
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
            Field {
                list: "initContainers",
                index: i,
            },
            pod_uid,
            find_status(init_statuses, &c.name),
        ));
    }
    let statuses = status.and_then(|s| s.container_statuses.as_deref());
    for (i, c) in spec.containers.iter().enumerate() {
        out.push(ctr_from_container(
            c,
            role_of(&c.name, Role::Sidecar),
            Field {
                list: "containers",
                index: i,
            },
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
            Field {
                list: "ephemeralContainers",
                index: i,
            },
            pod_uid,
            find_status(ephemeral_statuses, &e.name),
        ));
    }
    out
}

/// The fields of a container or an ephemeral container the rules need.
pub struct Parts<'a> {
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

pub fn ctr_from_container<'a>(
    c: &'a Container,
    role: Role,
    field: Field,
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

pub fn build_ctr<'a>(
    p: Parts<'a>,
    role: Role,
    field: Field,
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
        refs: OnceCell::new(),
    }
}

pub fn find_status<'a>(
    list: Option<&'a [ContainerStatus]>,
    name: &str,
) -> Option<&'a ContainerStatus> {
    list.and_then(|l| l.iter().find(|s| s.name == name))
}

/// Messages of the current and last state, as `Reason (exit): message`.
pub fn state_messages(status: &ContainerStatus) -> Vec<String> {
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

pub fn oom_killed(status: &ContainerStatus) -> Option<i32> {
    let states = [status.state.as_ref(), status.last_state.as_ref()];
    states
        .into_iter()
        .flatten()
        .filter_map(|s| s.terminated.as_ref())
        .any(|t| t.reason.as_deref() == Some("OOMKilled"))
        .then_some(status.restart_count)
}

/// Status messages that say a write hit a read-only mount.
pub fn read_only_errors<'c>(c: &'c Ctr) -> impl Iterator<Item = &'c String> {
    c.messages
        .iter()
        .filter(|m| m.contains("read-only file system"))
}
