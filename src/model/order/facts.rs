//! What the order analysis and the `order` rules read: roles, statuses by name, gates met,
//! grace period, first starts.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Container, ContainerStatus, LifecycleHandler, Pod, PodSpec};

use super::{DEFAULT_GRACE_PERIOD_SECONDS, offset_text};
use crate::model::sidecar_kind::{self, SidecarKind};
use crate::model::{DEFAULT_CONTAINER_ANNOTATION, PodView, Role};
use crate::source::SourcePod;

/// The facts the order analysis and the `order` rules read about one pod.
pub struct OrderFacts<'a> {
    pub source: &'a SourcePod,
    pub pod: &'a Pod,
    pub spec: &'a PodSpec,
    pub view: &'a PodView,
    pub start: Option<Timestamp>,
}

/// A pod without a spec (a bare status) reads as one with no containers.
static EMPTY_SPEC: std::sync::LazyLock<PodSpec> = std::sync::LazyLock::new(PodSpec::default);

impl<'a> OrderFacts<'a> {
    pub fn new(source: &'a SourcePod, view: &'a PodView) -> Self {
        let pod = &source.pod;
        OrderFacts {
            source,
            pod,
            spec: pod.spec.as_ref().unwrap_or(&EMPTY_SPEC),
            view,
            start: pod
                .status
                .as_ref()
                .and_then(|s| s.start_time.as_ref())
                .map(|t| t.0),
        }
    }

    pub fn role(&self, name: &str) -> Role {
        self.view
            .containers
            .iter()
            .find(|c| c.name == name)
            .map_or(Role::Sidecar, |c| c.role)
    }

    pub fn main(&self) -> Option<&'a Container> {
        let name = &self
            .view
            .containers
            .iter()
            .find(|c| c.role == Role::Main)?
            .name;
        self.spec.containers.iter().find(|c| &c.name == name)
    }

    /// The app the sidecars serve: the main container, unless that is a known proxy or
    /// secrets agent merely listed first (the model only skips injected mesh proxies) and no
    /// annotation chose it. A log shipper stays the app: log-collector pods are made of one.
    pub fn app(&self) -> Option<&'a Container> {
        let main = self.main()?;
        let annotated = self
            .pod
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION))
            .is_some_and(|name| *name == main.name);
        if annotated
            || !matches!(
                sidecar_kind::kind_of(main),
                SidecarKind::Proxy | SidecarKind::SecretsAgent
            )
        {
            return Some(main);
        }
        let other = self
            .spec
            .containers
            .iter()
            .find(|c| sidecar_kind::kind_of(c) == SidecarKind::Other);
        Some(other.unwrap_or(main))
    }

    pub fn status_of(&self, name: &str, init: bool) -> Option<&'a ContainerStatus> {
        let status = self.pod.status.as_ref()?;
        let list = if init {
            status.init_container_statuses.as_ref()
        } else {
            status.container_statuses.as_ref()
        };
        list?.iter().find(|s| s.name == name)
    }

    pub fn offset(&self, at: Timestamp) -> Option<i64> {
        self.start.map(|s| at.duration_since(s).as_secs())
    }

    /// `+7m35s`, or the timestamp when the pod's start time is unknown.
    pub fn when(&self, at: Timestamp) -> String {
        self.offset(at).map_or_else(|| at.to_string(), offset_text)
    }

    /// The pod belongs to a Job (or CronJob): its containers are meant to finish.
    pub fn job_pod(&self) -> bool {
        // Run-to-completion pods count too: they are meant to finish, not to be stopped.
        crate::model::belongs_to_job(self.source)
            || matches!(
                self.spec.restart_policy.as_deref(),
                Some("Never" | "OnFailure")
            )
    }

    pub fn grace_period(&self) -> (i64, bool) {
        match self.spec.termination_grace_period_seconds {
            Some(s) => (s.max(0), false),
            None => (DEFAULT_GRACE_PERIOD_SECONDS, true),
        }
    }

    pub fn condition(&self, kind: &str) -> Option<&'a k8s_openapi::api::core::v1::PodCondition> {
        self.pod
            .status
            .as_ref()?
            .conditions
            .as_ref()?
            .iter()
            .find(|c| c.type_ == kind)
    }

    /// Whether the pod got past its init steps (`None` when spec-only).
    pub fn initialized(&self) -> Option<bool> {
        if self.view.spec_only {
            return None;
        }
        // A regular container running or finished means init is over, whatever a stale
        // condition says (the kubelet's own HasAnyRegularContainerStarted rule); after a
        // sandbox restart they are waiting again and init really runs anew.
        let regular_ran = self.spec.containers.iter().any(|c| {
            self.status_of(&c.name, false)
                .and_then(|s| s.state.as_ref())
                .is_some_and(|s| s.running.is_some() || s.terminated.is_some())
        });
        if regular_ran {
            return Some(true);
        }
        if let Some(c) = self.condition("Initialized") {
            return Some(c.status == "True");
        }
        // No condition (old or hand-written status): every init step must be done.
        Some(
            self.spec
                .init_containers
                .iter()
                .flatten()
                .all(|c| self.init_done(c)),
        )
    }

    /// An init step is done: a regular init container exited 0, a native sidecar started.
    pub fn init_done(&self, c: &Container) -> bool {
        let Some(status) = self.status_of(&c.name, true) else {
            return false;
        };
        if is_native(c) {
            status.started == Some(true)
        } else {
            status
                .state
                .as_ref()
                .and_then(|s| s.terminated.as_ref())
                .is_some_and(|t| t.exit_code == 0)
        }
    }
}

pub fn is_native(c: &Container) -> bool {
    c.restart_policy.as_deref() == Some("Always")
}

pub fn post_start(c: &Container) -> Option<&LifecycleHandler> {
    c.lifecycle.as_ref()?.post_start.as_ref()
}

pub fn pre_stop(c: &Container) -> Option<&LifecycleHandler> {
    c.lifecycle.as_ref()?.pre_stop.as_ref()
}

// ---------------------------------------------------------------- what a container is

/// Why an init container looks like it runs forever (empty: it does not).
pub fn long_running_signs(c: &Container) -> Vec<String> {
    let mut signs = Vec::new();
    let kind = sidecar_kind::kind_of(c);
    if kind != SidecarKind::Other {
        signs.push(format!(
            "{} (image {}) is a long-running {}",
            c.name,
            c.image.as_deref().unwrap_or("-"),
            kind.noun()
        ));
    }
    let probes: Vec<&str> = [
        ("startupProbe", c.startup_probe.is_some()),
        ("readinessProbe", c.readiness_probe.is_some()),
        ("livenessProbe", c.liveness_probe.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    if !probes.is_empty() {
        signs.push(format!(
            "it has a {}: only long-running containers are probed, and the API server rejects probes on init containers without restartPolicy: Always",
            probes.join(" and a ")
        ));
    }
    let ports: Vec<String> = c
        .ports
        .iter()
        .flatten()
        .map(|p| p.container_port.to_string())
        .collect();
    if !ports.is_empty() {
        signs.push(format!("it serves port {}", ports.join(", ")));
    }
    signs
}

/// `kubectl logs -n NS POD -c NAME`
pub fn logs_command(ctx: &OrderFacts, container: &str, previous: bool) -> String {
    format!(
        "kubectl logs -n {} {} -c {container}{}",
        ctx.view.namespace,
        ctx.view.name,
        if previous { " --previous" } else { "" }
    )
}

pub fn termination_text(reason: Option<&str>, exit_code: i32) -> String {
    format!("{} (exit {exit_code})", reason.unwrap_or("terminated"))
}

/// The names of the containers that start right after init step `index` (0-based).
pub fn next_after_init(ctx: &OrderFacts, index: usize) -> String {
    let inits: Vec<&Container> = ctx.spec.init_containers.iter().flatten().collect();
    match inits.get(index + 1) {
        Some(next) => next.name.clone(),
        None => {
            let names: Vec<&str> = ctx
                .spec
                .containers
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            names.join(", ")
        }
    }
}

/// When a container first started. Ordering is about the first start; the status reports
/// only the current run and the one before, so it is known up to one restart.
pub fn first_start(ctx: &OrderFacts, name: &str, init: bool) -> Option<Timestamp> {
    let status = ctx.status_of(name, init)?;
    let state = match status.restart_count {
        0 => status.state.as_ref()?,
        1 => status.last_state.as_ref()?,
        _ => return None,
    };
    state
        .running
        .as_ref()
        .and_then(|r| r.started_at.as_ref())
        .or_else(|| {
            state
                .terminated
                .as_ref()
                .and_then(|t| t.started_at.as_ref())
        })
        .map(|t| t.0)
        .filter(|t| t.as_second() > 0)
}

/// The waiting reason of a container that has never run (no previous run either).
pub fn waiting_reason(ctx: &OrderFacts, name: &str, init: bool) -> Option<String> {
    let status = ctx.status_of(name, init)?;
    if status
        .last_state
        .as_ref()
        .is_some_and(|s| s.terminated.is_some())
    {
        return None;
    }
    let waiting = status.state.as_ref()?.waiting.as_ref()?;
    Some(
        waiting
            .reason
            .clone()
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "Waiting".to_string()),
    )
}

/// The failure of a container's first run, when that is what its `lastState` holds (exactly
/// one restart): an app that raced a dependency typically fails right there.
pub fn first_run_failure(ctx: &OrderFacts, name: &str, init: bool) -> Option<String> {
    let status = ctx.status_of(name, init).filter(|s| s.restart_count == 1)?;
    let t = status.last_state.as_ref()?.terminated.as_ref()?;
    if t.exit_code == 0 {
        return None;
    }
    let at = t
        .finished_at
        .as_ref()
        .map(|f| format!(" at {}", ctx.when(f.0)))
        .unwrap_or_default();
    let message = t
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    Some(format!(
        "{name}'s first run failed with {}{at}{message}",
        termination_text(t.reason.as_deref(), t.exit_code)
    ))
}
