//! Building a pod's view: each container's role, position, status and problem, and the pod's
//! own columns (kubectl's READY and STATUS).

use super::*;

fn find_status<'a>(
    statuses: Option<&'a Vec<ContainerStatus>>,
    name: &str,
) -> Option<&'a ContainerStatus> {
    statuses.and_then(|list| list.iter().find(|s| s.name == name))
}

fn resources_of(c: &Container) -> Resources {
    let to_map = |m: &Option<BTreeMap<String, Quantity>>| {
        m.as_ref().map(QuantityMap::from_api).unwrap_or_default()
    };
    c.resources
        .as_ref()
        .map(|r| Resources {
            requests: to_map(&r.requests),
            limits: to_map(&r.limits),
        })
        .unwrap_or_default()
}

fn status_view(cs: &ContainerStatus) -> ContainerStatusView {
    let last_termination = cs
        .last_state
        .as_ref()
        .and_then(|s| s.terminated.as_ref())
        .map(Termination::from_api);
    ContainerStatusView {
        state: State::from_api(cs.state.as_ref()),
        ready: cs.ready,
        started: cs.started,
        restart_count: u32::try_from(cs.restart_count).unwrap_or(0),
        last_termination,
        image_id: Some(cs.image_id.clone()).filter(|i| !i.is_empty()),
        container_id: non_empty(&cs.container_id),
    }
}

/// Waiting reasons that are part of a normal start, not a problem.
const NORMAL_WAITING: &[&str] = &["ContainerCreating", "PodInitializing"];

/// Pod-level facts the per-container problem check needs.
struct PodContext {
    /// The pod is being deleted or has finished: sidecar exit codes are expected then.
    shutting_down: bool,
}

fn container_problem(role: Role, status: &ContainerStatusView, ctx: &PodContext) -> Option<String> {
    let last_oom = status
        .last_termination
        .as_ref()
        .filter(|t| t.is_oom())
        .map(|_| {
            format!(
                "OOMKilled, {}",
                crate::render::count(status.restart_count, "restart", "restarts")
            )
        });
    match &status.state {
        State::Waiting { reason, .. } => {
            let reason = reason.as_deref().unwrap_or("Waiting");
            if NORMAL_WAITING.contains(&reason) {
                last_oom
            } else {
                Some(reason.to_string())
            }
        }
        State::Terminated(t) => {
            let sidecar = matches!(role, Role::NativeSidecar | Role::Sidecar);
            if t.is_oom() {
                Some("OOMKilled".to_string())
            } else if t.exit_code == 0 || (sidecar && ctx.shutting_down) {
                // Non-zero sidecar exits during pod shutdown are normal (sidecar docs).
                last_oom
            } else {
                Some(
                    t.reason
                        .clone()
                        .unwrap_or_else(|| format!("exit {}", t.exit_code)),
                )
            }
        }
        State::Running { .. } => {
            let failed_before = status
                .last_termination
                .as_ref()
                .filter(|t| !t.is_success() && status.restart_count > 0);
            if let Some(oom) = last_oom {
                Some(oom)
            } else if let Some(t) = failed_before {
                Some(format!(
                    "{}, last {}",
                    crate::render::count(status.restart_count, "restart", "restarts"),
                    t.reason.as_deref().unwrap_or("exit")
                ))
            } else if role == Role::NativeSidecar && status.started != Some(true) {
                Some("not started".to_string())
            } else if matches!(role, Role::Main | Role::Sidecar | Role::NativeSidecar)
                && !status.ready
                && !ctx.shutting_down
            {
                Some("not ready".to_string())
            } else {
                None
            }
        }
        State::Unknown => None,
    }
}

/// Builds the view of one pod. Pure: no clock, no I/O.
pub fn build_pod_view(source: &SourcePod) -> PodView {
    let pod = &source.pod;
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    // A manifest's pod (no status, or `status: {}`) is shown like a template: spec only.
    let spec_only = source.template_of.is_some()
        || status.is_none_or(|s| {
            s.phase.is_none()
                && s.container_statuses.is_none()
                && s.init_container_statuses.is_none()
        });
    let main = main_container_name(pod);

    let phase = status.and_then(|s| non_empty(&s.phase));
    let shutting_down = pod.metadata.deletion_timestamp.is_some()
        || matches!(phase.as_deref(), Some("Succeeded" | "Failed"));
    let ctx = PodContext { shutting_down };

    let declared = spec.map_or(0, |s| {
        s.init_containers.as_ref().map_or(0, Vec::len)
            + s.containers.len()
            + s.ephemeral_containers.as_ref().map_or(0, Vec::len)
    });
    let mut containers = Vec::with_capacity(declared);
    let mut position = 0u32;
    let mut push = |c: &Container, role: Role, cs: Option<&ContainerStatus>, positioned: bool| {
        let status = cs.map(status_view);
        let problem = status
            .as_ref()
            .and_then(|s| container_problem(role, s, &ctx));
        let position = positioned.then(|| {
            position += 1;
            position
        });
        containers.push(ContainerView {
            name: c.name.clone(),
            role,
            position,
            image: c.image.clone().unwrap_or_default(),
            status,
            resources: resources_of(c),
            ports: c
                .ports
                .iter()
                .flatten()
                .map(|p| Port {
                    name: p.name.clone(),
                    container_port: p.container_port,
                    protocol: p.protocol.clone().unwrap_or_else(|| "TCP".to_string()),
                })
                .collect(),
            has_startup_probe: c.startup_probe.is_some(),
            has_readiness_probe: c.readiness_probe.is_some(),
            has_liveness_probe: c.liveness_probe.is_some(),
            problem,
            usage: None,
        });
    };

    if let Some(spec) = spec {
        let init_statuses = status.and_then(|s| s.init_container_statuses.as_ref());
        for c in spec.init_containers.iter().flatten() {
            let role = if is_native_sidecar(c) {
                Role::NativeSidecar
            } else {
                Role::Init
            };
            push(c, role, find_status(init_statuses, &c.name), true);
        }
        let statuses = status.and_then(|s| s.container_statuses.as_ref());
        for c in &spec.containers {
            let role = if Some(c.name.as_str()) == main {
                Role::Main
            } else {
                Role::Sidecar
            };
            push(c, role, find_status(statuses, &c.name), true);
        }
        let ephemeral_statuses = status.and_then(|s| s.ephemeral_container_statuses.as_ref());
        for e in spec.ephemeral_containers.iter().flatten() {
            // Ephemeral containers share Container's shape for the fields we show.
            let as_container = Container {
                name: e.name.clone(),
                image: e.image.clone(),
                ports: e.ports.clone(),
                resources: e.resources.clone(),
                ..Container::default()
            };
            push(
                &as_container,
                Role::Ephemeral,
                find_status(ephemeral_statuses, &e.name),
                false,
            );
        }
    }

    // Views of big listings are kept until output: no spare capacity.
    containers.shrink_to_fit();
    let summary = kubectl::summarize(pod);
    let reason = status.and_then(|s| non_empty(&s.reason));
    let message = status.and_then(|s| non_empty(&s.message));
    let problem = if spec_only {
        None
    } else {
        pod_problem(phase.as_deref(), reason.as_deref(), &summary.status)
    };

    PodView {
        namespace: pod_namespace(pod).to_string(),
        name: pod.metadata.name.clone().unwrap_or_default(),
        uid: non_empty(&pod.metadata.uid),
        template_of: source.template_of.as_ref().map(|w| TemplateRef {
            kind: w.kind.kind(),
            name: w.name.clone(),
        }),
        phase,
        reason,
        message,
        spec_only,
        status: (!spec_only).then(|| summary.status.clone()),
        ready: (!spec_only).then_some(summary.ready),
        total: summary.total,
        restarts: summary.restarts,
        last_restart: summary.last_restart,
        node: spec.and_then(|s| non_empty(&s.node_name)),
        qos_class: status.and_then(|s| non_empty(&s.qos_class)),
        restart_policy: spec.and_then(|s| non_empty(&s.restart_policy)),
        created_at: pod.metadata.creation_timestamp.as_ref().map(|t| t.0),
        start_time: status.and_then(|s| s.start_time.as_ref()).map(|t| t.0),
        deleting_since: pod.metadata.deletion_timestamp.as_ref().map(|t| t.0),
        problem,
        // Only `ls` shows it (see `effective_requests_of`); parsing and formatting it for
        // every pod was a fifth of building a view that `diagnose` never prints.
        effective_requests: None,
        containers,
    }
}

/// The pod's effective requests (what the scheduler fits) and the sidecars' share.
pub fn effective_requests_of(pod: &Pod) -> Option<metrics::EffectiveRequestsView> {
    let main = main_container_name(pod);
    pod.spec
        .as_ref()
        .map(|spec| metrics::effective_requests_view(spec, main))
}

/// Pod-level trouble that is not visible on any single container.
fn pod_problem(phase: Option<&str>, reason: Option<&str>, kubectl_status: &str) -> Option<String> {
    if let Some(reason) = reason {
        return Some(reason.to_string());
    }
    if phase == Some("Failed") {
        return Some("Failed".to_string());
    }
    match kubectl_status {
        "Running" | "Completed" | "Succeeded" | "Pending" | "PodInitializing"
        | "ContainerCreating" | "Terminating" => None,
        s if s.starts_with("Init:") && s[5..].contains('/') => None,
        other => Some(other.to_string()),
    }
}
