//! Start-up and shutdown order of a pod's containers, the actual timeline read from its
//! status, and the ordering hazards. Pure: no I/O, no clock.
//!
//! The rules follow the sidecar rulebook (shared docs, sidecar-semantics §1.3, §1.7, §1.12,
//! §1.13): init steps run one at a time; a native sidecar releases the next step once it has
//! *started* (startupProbe passed, or its process runs and its postStart finished); a
//! readinessProbe never gates start-up; regular containers start in spec order, each waiting
//! only for the previous one's postStart hook. On shutdown every regular container (classic
//! sidecars included) gets SIGTERM at once, then native sidecars one by one in reverse order,
//! all within one grace period.
//!
//! These structs are the `-o json|yaml` schema of `order` (docs/order.md); the findings are
//! reused by `diagnose` through [`order_findings`], under the rule IDs below.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStatus, LifecycleHandler, Pod, PodSpec, Probe,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use super::finding::{Finding, Severity};
use super::sidecar_kind::{self, SidecarKind};
use super::{DEFAULT_CONTAINER_ANNOTATION, PodView, Role, TemplateRef, build_pod_view};
use crate::source::SourcePod;

/// A dependency (proxy, log shipper) started without anything making the app wait for it.
pub const STARTUP_ORDER: &str = "startup-order";
/// The init container or native sidecar that holds the pod in `Init:N/M`.
pub const INIT_BLOCKED: &str = "init-blocked";
/// A long-running sidecar declared as a plain init container: the pod never leaves Init.
pub const SIDECAR_AS_INIT: &str = "sidecar-as-init";
/// Shutdown risks: a classic sidecar stopped together with the app, preStop ≥ grace period.
pub const SHUTDOWN_ORDER: &str = "shutdown-order";

/// Every rule ID this analysis can emit.
#[allow(dead_code, reason = "read by diagnose's rule registry")]
pub const RULE_IDS: &[&str] = &[STARTUP_ORDER, INIT_BLOCKED, SIDECAR_AS_INIT, SHUTDOWN_ORDER];

/// The API server's default `terminationGracePeriodSeconds`.
pub const DEFAULT_GRACE_PERIOD_SECONDS: i64 = 30;

/// The order analysis of one pod.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodOrder {
    pub namespace: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_of: Option<TemplateRef>,
    pub spec_only: bool,
    /// STATUS as `kubectl get pods` prints it; `None` when spec-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Start-up steps in the order the kubelet runs them.
    pub declared: Vec<Step>,
    pub shutdown: Shutdown,
    /// What the status says actually happened; `None` when spec-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Timeline>,
    pub findings: Vec<Finding>,
    /// The container model of the pod, for the renderer's header line (not part of the schema).
    #[serde(skip)]
    pub view: PodView,
}

/// One start-up step: a container and what the next step waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// 1-based position in the start-up sequence.
    pub step: u32,
    pub container: String,
    pub role: Role,
    pub gate: Gate,
}

/// What the kubelet waits for before it starts the next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Gate {
    /// A regular init container: the next step starts once it exits 0.
    Completion,
    /// A native sidecar with a startupProbe: the next step starts once the probe passed.
    #[serde(rename_all = "camelCase")]
    StartupProbe {
        probe: String,
        /// failureThreshold × periodSeconds + initialDelaySeconds: how long the kubelet
        /// keeps trying before it restarts the container.
        budget_seconds: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        post_start: Option<Hook>,
    },
    /// A native sidecar without startupProbe or postStart: released as soon as it runs.
    ProcessStart,
    /// A postStart hook: the next container starts once the hook returned.
    #[serde(rename_all = "camelCase")]
    PostStart { hook: Hook },
    /// A regular container without postStart: the next one starts right away.
    Nothing,
}

/// A lifecycle hook as declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hook {
    /// `exec`, `httpGet`, `tcpSocket` or `sleep`.
    pub action: &'static str,
    /// The command, request or duration, as a user would write it.
    pub detail: String,
    /// How long the hook sleeps, when that can be read from it (`sleep N` in an exec
    /// command, or the `sleep` action).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sleep_seconds: Option<i64>,
}

/// The shutdown sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shutdown {
    pub grace_period_seconds: i64,
    /// True when the spec does not set it and the API server's default applies.
    pub grace_period_defaulted: bool,
    /// Step 1: every regular container at once; then each native sidecar, last declared first.
    pub steps: Vec<ShutdownStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShutdownStep {
    pub step: u32,
    /// Containers that get SIGTERM together in this step.
    pub containers: Vec<ShutdownContainer>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShutdownContainer {
    pub container: String,
    pub role: Role,
    /// Runs when deletion begins (for native sidecars too), before this container's SIGTERM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_stop: Option<Hook>,
}

/// What happened, from the pod's status. Offsets are seconds from the pod's `startTime`;
/// a time the status does not give stays absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Timestamp>,
    /// The latest known offset: where the drawn timeline ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_offset_seconds: Option<i64>,
    /// The pod's `Initialized` and `Ready` conditions, when reported.
    pub conditions: Vec<ConditionMark>,
    pub containers: Vec<ContainerTimeline>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionMark {
    #[serde(rename = "type")]
    pub condition: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerTimeline {
    pub container: String,
    pub role: Role,
    /// `running`, `waiting`, `terminated`, `unknown`, or `none` when the kubelet reported
    /// nothing for this container.
    pub state: &'static str,
    /// The waiting or termination reason of the current state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_count: Option<u32>,
    /// The previous run (`lastState`) then the current one; earlier runs are not reported.
    pub runs: Vec<Run>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RunKind {
    Previous,
    Current,
}

/// One run of a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub run: RunKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_offset_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_offset_seconds: Option<i64>,
    /// Still running (current run only).
    pub running: bool,
    /// The runtime reported `startedAt: 1970-01-01` (StartError): the process never ran.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub never_started: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
}

impl PodOrder {
    /// Keeps only the containers `keep` accepts in every section; findings about other
    /// containers go too (pod-level findings stay). The analysis itself saw every container.
    pub fn retain_containers(&mut self, keep: impl Fn(&str) -> bool) {
        self.declared.retain(|s| keep(&s.container));
        for step in &mut self.shutdown.steps {
            step.containers.retain(|c| keep(&c.container));
        }
        self.shutdown.steps.retain(|s| !s.containers.is_empty());
        if let Some(timeline) = &mut self.timeline {
            timeline.containers.retain(|c| keep(&c.container));
        }
        self.findings
            .retain(|f| f.container.as_deref().is_none_or(&keep));
    }
}

/// The findings `diagnose` reuses, under [`RULE_IDS`].
pub fn order_findings(source: &SourcePod) -> Vec<Finding> {
    analyze(source).findings
}

/// Analyses one pod: declared order, shutdown order, timeline and hazards.
pub fn analyze(source: &SourcePod) -> PodOrder {
    let view = build_pod_view(source);
    let pod = &source.pod;
    let empty = PodSpec::default();
    let spec = pod.spec.as_ref().unwrap_or(&empty);
    let start = pod
        .status
        .as_ref()
        .and_then(|s| s.start_time.as_ref())
        .map(|t| t.0);
    let ctx = Ctx {
        source,
        pod,
        spec,
        view: &view,
        start,
    };
    let declared = declared_order(&ctx);
    let shutdown = shutdown_order(&ctx);
    let timeline = (!view.spec_only).then(|| timeline(&ctx));
    let findings = hazards(&ctx);
    PodOrder {
        namespace: view.namespace.clone(),
        name: view.name.clone(),
        template_of: view.template_of.clone(),
        spec_only: view.spec_only,
        status: view.status.clone(),
        declared,
        shutdown,
        timeline,
        findings,
        view,
    }
}

/// Everything the analysis steps read.
struct Ctx<'a> {
    source: &'a SourcePod,
    pod: &'a Pod,
    spec: &'a PodSpec,
    view: &'a PodView,
    start: Option<Timestamp>,
}

impl<'a> Ctx<'a> {
    fn role(&self, name: &str) -> Role {
        self.view
            .containers
            .iter()
            .find(|c| c.name == name)
            .map_or(Role::Sidecar, |c| c.role)
    }

    fn main(&self) -> Option<&'a Container> {
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
    fn app(&self) -> Option<&'a Container> {
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

    fn status_of(&self, name: &str, init: bool) -> Option<&'a ContainerStatus> {
        let status = self.pod.status.as_ref()?;
        let list = if init {
            status.init_container_statuses.as_ref()
        } else {
            status.container_statuses.as_ref()
        };
        list?.iter().find(|s| s.name == name)
    }

    fn offset(&self, at: Timestamp) -> Option<i64> {
        self.start.map(|s| at.duration_since(s).as_secs())
    }

    /// `+7m35s`, or the timestamp when the pod's start time is unknown.
    fn when(&self, at: Timestamp) -> String {
        self.offset(at).map_or_else(|| at.to_string(), offset_text)
    }

    /// The pod belongs to a Job (or CronJob): its containers are meant to finish.
    fn job_pod(&self) -> bool {
        // Run-to-completion pods count too: they are meant to finish, not to be stopped.
        super::belongs_to_job(self.source)
            || matches!(
                self.spec.restart_policy.as_deref(),
                Some("Never" | "OnFailure")
            )
    }

    fn grace_period(&self) -> (i64, bool) {
        match self.spec.termination_grace_period_seconds {
            Some(s) => (s.max(0), false),
            None => (DEFAULT_GRACE_PERIOD_SECONDS, true),
        }
    }

    fn condition(&self, kind: &str) -> Option<&'a k8s_openapi::api::core::v1::PodCondition> {
        self.pod
            .status
            .as_ref()?
            .conditions
            .as_ref()?
            .iter()
            .find(|c| c.type_ == kind)
    }

    /// Whether the pod got past its init steps (`None` when spec-only).
    fn initialized(&self) -> Option<bool> {
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
    fn init_done(&self, c: &Container) -> bool {
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

fn is_native(c: &Container) -> bool {
    c.restart_policy.as_deref() == Some("Always")
}

fn post_start(c: &Container) -> Option<&LifecycleHandler> {
    c.lifecycle.as_ref()?.post_start.as_ref()
}

fn pre_stop(c: &Container) -> Option<&LifecycleHandler> {
    c.lifecycle.as_ref()?.pre_stop.as_ref()
}

// ---------------------------------------------------------------- declared order

fn declared_order(ctx: &Ctx) -> Vec<Step> {
    let init = ctx.spec.init_containers.iter().flatten();
    init.chain(ctx.spec.containers.iter())
        .zip(1u32..)
        .map(|(c, step)| Step {
            step,
            container: c.name.clone(),
            role: ctx.role(&c.name),
            gate: gate_of(c, ctx.role(&c.name)),
        })
        .collect()
}

fn gate_of(c: &Container, role: Role) -> Gate {
    let post_start = post_start(c).map(hook_of);
    match role {
        Role::Init => Gate::Completion,
        Role::NativeSidecar => match &c.startup_probe {
            Some(probe) => Gate::StartupProbe {
                probe: probe_text(probe),
                budget_seconds: probe_budget(probe),
                post_start,
            },
            None => match post_start {
                Some(hook) => Gate::PostStart { hook },
                None => Gate::ProcessStart,
            },
        },
        _ => match post_start {
            Some(hook) => Gate::PostStart { hook },
            None => Gate::Nothing,
        },
    }
}

impl Gate {
    /// `startupProbe (up to 600s)`, `postStart (linkerd-await --timeout=2m)`, …
    pub fn text(&self) -> String {
        match self {
            Gate::Completion => "completion".to_string(),
            Gate::StartupProbe {
                budget_seconds,
                post_start,
                ..
            } => {
                let hook = if post_start.is_some() {
                    " + postStart"
                } else {
                    ""
                };
                format!("startupProbe (up to {budget_seconds}s){hook}")
            }
            Gate::ProcessStart => "process start".to_string(),
            Gate::PostStart { hook } => format!("postStart ({})", hook.detail),
            Gate::Nothing => "nothing".to_string(),
        }
    }
}

/// How long the kubelet probes before it gives up and restarts the container.
fn probe_budget(p: &Probe) -> i64 {
    let failures = i64::from(p.failure_threshold.unwrap_or(3).max(1));
    let period = i64::from(p.period_seconds.unwrap_or(10).max(1));
    let delay = i64::from(p.initial_delay_seconds.unwrap_or(0).max(0));
    failures * period + delay
}

fn port_text(port: &IntOrString) -> String {
    match port {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

/// `httpGet :15021/healthz/ready`, `tcpSocket :9901`, `exec cat /tmp/ready`
fn probe_text(p: &Probe) -> String {
    if let Some(h) = &p.http_get {
        format!(
            "httpGet {}:{}{}",
            h.host.as_deref().unwrap_or(""),
            port_text(&h.port),
            h.path.as_deref().unwrap_or("/")
        )
    } else if let Some(t) = &p.tcp_socket {
        format!("tcpSocket :{}", port_text(&t.port))
    } else if let Some(g) = &p.grpc {
        format!("grpc :{}", g.port)
    } else if let Some(e) = &p.exec {
        format!("exec {}", command_text(e.command.as_deref().unwrap_or(&[])))
    } else {
        "probe".to_string()
    }
}

fn hook_of(h: &LifecycleHandler) -> Hook {
    if let Some(e) = &h.exec {
        let command = e.command.as_deref().unwrap_or(&[]);
        Hook {
            action: "exec",
            detail: command_text(command),
            sleep_seconds: sleep_in_command(command),
        }
    } else if let Some(s) = &h.sleep {
        Hook {
            action: "sleep",
            detail: format!("{}s", s.seconds),
            sleep_seconds: Some(s.seconds.max(0)),
        }
    } else if let Some(g) = &h.http_get {
        Hook {
            action: "httpGet",
            detail: format!(
                "GET {}:{}{}",
                g.host.as_deref().unwrap_or(""),
                port_text(&g.port),
                g.path.as_deref().unwrap_or("/")
            ),
            sleep_seconds: None,
        }
    } else if let Some(t) = &h.tcp_socket {
        Hook {
            action: "tcpSocket",
            detail: format!(":{}", port_text(&t.port)),
            sleep_seconds: None,
        }
    } else {
        Hook {
            action: "none",
            detail: String::new(),
            sleep_seconds: None,
        }
    }
}

/// A command as a shell user would type it: `sh -c 'sleep 60'`.
fn command_text(command: &[String]) -> String {
    command
        .iter()
        .map(|arg| {
            if arg.is_empty() || arg.chars().any(char::is_whitespace) {
                format!("'{}'", arg.replace('\'', r"'\''"))
            } else {
                arg.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Total of the `sleep N` calls in an exec hook (`["sleep", "60"]`, `["sh", "-c", "sleep 5
/// && nginx -s quit"]`); `None` when it does not sleep a readable time.
fn sleep_in_command(command: &[String]) -> Option<i64> {
    let text = command.join(" ");
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || ";&|()`".contains(c))
        .filter(|w| !w.is_empty())
        .collect();
    let mut total = 0.0;
    let mut found = false;
    for pair in words.windows(2) {
        let program = pair[0].rsplit('/').next().unwrap_or(pair[0]);
        if program == "sleep"
            && let Some(seconds) = sleep_duration(pair[1])
        {
            total += seconds;
            found = true;
        }
    }
    // Saturating float-to-int conversion: a silly `sleep 1e300` cannot overflow.
    found.then(|| total.ceil() as i64)
}

/// `60`, `60s`, `1.5m`, `2h` as seconds.
fn sleep_duration(word: &str) -> Option<f64> {
    let word = word.trim_matches(|c| c == '"' || c == '\'');
    let (number, unit) = match word.char_indices().last()? {
        (i, 's') => (&word[..i], 1.0),
        (i, 'm') => (&word[..i], 60.0),
        (i, 'h') => (&word[..i], 3600.0),
        (i, 'd') => (&word[..i], 86400.0),
        _ => (word, 1.0),
    };
    if !number.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some(value * unit)
}

// ---------------------------------------------------------------- shutdown order

fn shutdown_order(ctx: &Ctx) -> Shutdown {
    let (grace, defaulted) = ctx.grace_period();
    let entry = |c: &Container| ShutdownContainer {
        container: c.name.clone(),
        role: ctx.role(&c.name),
        pre_stop: pre_stop(c).map(hook_of),
    };
    let mut steps = Vec::new();
    if !ctx.spec.containers.is_empty() {
        steps.push(ShutdownStep {
            step: 1,
            containers: ctx.spec.containers.iter().map(entry).collect(),
        });
    }
    let natives = ctx
        .spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| is_native(c))
        .rev();
    for c in natives {
        steps.push(ShutdownStep {
            step: steps.len() as u32 + 1,
            containers: vec![entry(c)],
        });
    }
    Shutdown {
        grace_period_seconds: grace,
        grace_period_defaulted: defaulted,
        steps,
    }
}

// ---------------------------------------------------------------- timeline

fn timeline(ctx: &Ctx) -> Timeline {
    let mut containers = Vec::new();
    let init = ctx.spec.init_containers.iter().flatten().map(|c| (c, true));
    for (c, is_init) in init.chain(ctx.spec.containers.iter().map(|c| (c, false))) {
        containers.push(container_timeline(ctx, c, is_init));
    }
    let conditions: Vec<ConditionMark> = ["Initialized", "Ready"]
        .into_iter()
        .filter_map(|kind| ctx.condition(kind))
        .map(|c| {
            let at = c.last_transition_time.as_ref().map(|t| t.0);
            ConditionMark {
                condition: c.type_.clone(),
                status: c.status.clone(),
                at,
                offset_seconds: at.and_then(|t| ctx.offset(t)),
                reason: c.reason.clone().filter(|r| !r.is_empty()),
                message: c.message.clone().filter(|m| !m.is_empty()),
            }
        })
        .collect();
    let run_offsets = containers
        .iter()
        .flat_map(|c| &c.runs)
        .flat_map(|r| [r.started_offset_seconds, r.finished_offset_seconds]);
    let end_offset_seconds = run_offsets
        .chain(conditions.iter().map(|c| c.offset_seconds))
        .flatten()
        .max();
    Timeline {
        start_time: ctx.start,
        end_offset_seconds,
        conditions,
        containers,
    }
}

fn container_timeline(ctx: &Ctx, c: &Container, is_init: bool) -> ContainerTimeline {
    let role = ctx.role(&c.name);
    let Some(status) = ctx.status_of(&c.name, is_init) else {
        return ContainerTimeline {
            container: c.name.clone(),
            role,
            state: "none",
            reason: None,
            ready: None,
            started: None,
            restart_count: None,
            runs: Vec::new(),
        };
    };
    let runs = [
        (RunKind::Previous, status.last_state.as_ref()),
        (RunKind::Current, status.state.as_ref()),
    ]
    .into_iter()
    .filter_map(|(kind, state)| run_of(ctx, kind, state?))
    .collect();
    let (state, reason) = match status.state.as_ref() {
        Some(s) if s.running.is_some() => ("running", None),
        Some(s) if s.terminated.is_some() => (
            "terminated",
            s.terminated.as_ref().and_then(|t| t.reason.clone()),
        ),
        Some(s) if s.waiting.is_some() => {
            ("waiting", s.waiting.as_ref().and_then(|w| w.reason.clone()))
        }
        _ => ("unknown", None),
    };
    ContainerTimeline {
        container: c.name.clone(),
        role,
        state,
        reason: reason.filter(|r| !r.is_empty()),
        ready: Some(status.ready),
        started: status.started,
        restart_count: Some(u32::try_from(status.restart_count).unwrap_or(0)),
        runs,
    }
}

fn run_of(ctx: &Ctx, kind: RunKind, state: &ContainerState) -> Option<Run> {
    // containerd reports a container that never started with startedAt = the Unix epoch.
    let real = |t: &Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>| {
        t.as_ref().map(|t| t.0).filter(|t| t.as_second() > 0)
    };
    let make = |started_at: Option<Timestamp>, finished_at: Option<Timestamp>| Run {
        run: kind,
        started_at,
        started_offset_seconds: started_at.and_then(|t| ctx.offset(t)),
        finished_at,
        finished_offset_seconds: finished_at.and_then(|t| ctx.offset(t)),
        running: false,
        never_started: false,
        reason: None,
        exit_code: None,
    };
    if let Some(t) = &state.terminated {
        let epoch = t.started_at.as_ref().is_some_and(|s| s.0.as_second() <= 0);
        return Some(Run {
            never_started: epoch,
            reason: t.reason.clone().filter(|r| !r.is_empty()),
            exit_code: Some(t.exit_code),
            ..make(real(&t.started_at), real(&t.finished_at))
        });
    }
    if let Some(r) = &state.running {
        return Some(Run {
            running: true,
            ..make(real(&r.started_at), None)
        });
    }
    None
}

/// `+7m35s`: an exact offset from pod start, largest unit first (`+0s`, `+1h0m5s`, `-3s`).
pub fn offset_text(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "+" };
    let total = seconds.unsigned_abs();
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let text = if h > 0 {
        match (m, s) {
            (0, 0) => format!("{h}h"),
            (_, 0) => format!("{h}h{m}m"),
            _ => format!("{h}h{m}m{s}s"),
        }
    } else if m > 0 {
        if s == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{s}s")
        }
    } else {
        format!("{s}s")
    };
    format!("{sign}{text}")
}

// ---------------------------------------------------------------- what a container is

/// Why an init container looks like it runs forever (empty: it does not).
fn long_running_signs(c: &Container) -> Vec<String> {
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

// ---------------------------------------------------------------- hazards

fn hazards(ctx: &Ctx) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(init_blocked(ctx));
    findings.extend(sidecar_as_init(ctx));
    findings.extend(native_without_startup_probe(ctx));
    findings.extend(classic_dependency_not_waited_for(ctx));
    findings.extend(classic_sidecar_stopped_with_app(ctx));
    findings.extend(pre_stop_exceeds_grace(ctx));
    // Most severe first, then in start-up order; stable, so rules keep their order.
    let position = |f: &Finding| {
        f.container
            .as_deref()
            .and_then(|n| ctx.view.containers.iter().find(|c| c.name == n))
            .and_then(|c| c.position)
            .unwrap_or(u32::MAX)
    };
    findings.sort_by_key(|f| (f.severity, position(f)));
    findings
}

/// `kubectl logs -n NS POD -c NAME`
fn logs_command(ctx: &Ctx, container: &str, previous: bool) -> String {
    format!(
        "kubectl logs -n {} {} -c {container}{}",
        ctx.view.namespace,
        ctx.view.name,
        if previous { " --previous" } else { "" }
    )
}

fn termination_text(reason: Option<&str>, exit_code: i32) -> String {
    format!("{} (exit {exit_code})", reason.unwrap_or("terminated"))
}

/// The init container or native sidecar that keeps the pod from initializing.
fn init_blocked(ctx: &Ctx) -> Option<Finding> {
    if ctx.initialized() != Some(false)
        || ctx.view.phase.as_deref() == Some("Succeeded")
        || ctx.pod.metadata.deletion_timestamp.is_some()
    {
        return None;
    }
    let inits: Vec<&Container> = ctx.spec.init_containers.iter().flatten().collect();
    let (index, blocker) = inits.iter().enumerate().find(|(_, c)| !ctx.init_done(c))?;
    let native = is_native(blocker);
    let name = blocker.name.as_str();
    let pod_status = ctx.view.status.as_deref().unwrap_or("Pending");
    let looks_long_running = !native && !long_running_signs(blocker).is_empty();

    let mut evidence = vec![match ctx.condition("Initialized") {
        Some(c) if c.status != "True" => format!(
            "pod status {pod_status}; Initialized={}{}",
            c.status,
            c.message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ),
        _ => format!("pod status {pod_status}"),
    }];
    let blocked = blocked_state(ctx, blocker, &mut evidence);
    let mut why = blocked.why.clone();
    if looks_long_running {
        why.push_str("; it looks like a long-running sidecar, so it will never exit");
    }
    let role = if native {
        "native sidecar"
    } else {
        "init container"
    };
    let summary = format!(
        "{role} (init step {} of {}) holding the pod in {pod_status}: {why}",
        index + 1,
        inits.len()
    );
    let severity = if blocked.failing || looks_long_running {
        Severity::Critical
    } else {
        Severity::Warning
    };
    let fix = init_blocked_fix(ctx, name, native, looks_long_running, &blocked);
    let mut finding = Finding::new(INIT_BLOCKED, severity, summary)
        .container(name)
        .fix(fix);
    finding.evidence = evidence;
    Some(finding)
}

/// What a blocking init step is doing, in words.
struct Blocked {
    why: String,
    /// Restarting, erroring or waiting on an error (not merely slow).
    failing: bool,
    /// The current waiting reason, if any.
    waiting: Option<String>,
    restarted: bool,
    /// Its process runs now (a native sidecar waiting for its startup to pass).
    running: bool,
}

/// Describes the blocking container's state and adds the status fields behind it.
fn blocked_state(ctx: &Ctx, c: &Container, evidence: &mut Vec<String>) -> Blocked {
    let name = c.name.as_str();
    let native = is_native(c);
    let status = ctx.status_of(name, true);
    let restarts = status.map_or(0, |s| s.restart_count.max(0));
    let mut failing = restarts > 0;
    let mut waiting_reason = None;
    let mut why = match status.and_then(|s| s.state.as_ref()) {
        None => "the kubelet has reported no state for it yet".to_string(),
        Some(s) => {
            if let Some(r) = &s.running {
                let since = r.started_at.as_ref().map(|t| {
                    evidence.push(format!(
                        "{name}: running since {} ({}), started: {}, restartCount {restarts}",
                        t.0,
                        ctx.when(t.0),
                        status
                            .and_then(|s| s.started)
                            .map_or("unset".to_string(), |b| b.to_string()),
                    ));
                    format!(" since {}", ctx.when(t.0))
                });
                let since = since.unwrap_or_default();
                if native && c.startup_probe.is_some() {
                    format!("running{since}, but its startupProbe has not passed")
                } else if native {
                    format!(
                        "running{since}, but not started yet (no startupProbe: its postStart hook has not returned)"
                    )
                } else {
                    format!("running{since} and has not exited")
                }
            } else if let Some(t) = &s.terminated {
                failing = true;
                let text = termination_text(t.reason.as_deref(), t.exit_code);
                evidence.push(format!(
                    "{name}: terminated {text}, restartCount {restarts}"
                ));
                format!("exited {text}")
            } else {
                let waiting = s.waiting.as_ref();
                let reason = waiting
                    .and_then(|w| w.reason.as_deref())
                    .filter(|r| !r.is_empty())
                    .unwrap_or("Waiting");
                if !matches!(reason, "PodInitializing" | "ContainerCreating") {
                    failing = true;
                }
                evidence.push(format!(
                    "{name}: waiting {reason}{}, restartCount {restarts}",
                    waiting
                        .and_then(|w| w.message.as_deref())
                        .filter(|m| !m.is_empty())
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                ));
                waiting_reason = Some(reason.to_string());
                format!("waiting ({reason})")
            }
        }
    };
    let last = status
        .and_then(|s| s.last_state.as_ref())
        .and_then(|s| s.terminated.as_ref());
    if let Some(t) = last {
        let text = termination_text(t.reason.as_deref(), t.exit_code);
        let finished = t
            .finished_at
            .as_ref()
            .map(|f| format!(" at {}", ctx.when(f.0)))
            .unwrap_or_default();
        evidence.push(format!("{name} lastState: {text}{finished}"));
        why.push_str(&format!(
            "; restarted {restarts} time{}, last {text}",
            if restarts == 1 { "" } else { "s" }
        ));
    }
    if native && let Some(probe) = &c.startup_probe {
        evidence.push(format!(
            "{name} startupProbe: {}, failureThreshold {} × periodSeconds {} + initialDelaySeconds {} = up to {}s before a restart",
            probe_text(probe),
            probe.failure_threshold.unwrap_or(3),
            probe.period_seconds.unwrap_or(10),
            probe.initial_delay_seconds.unwrap_or(0),
            probe_budget(probe)
        ));
    }
    let running = status
        .and_then(|s| s.state.as_ref())
        .is_some_and(|s| s.running.is_some());
    Blocked {
        why,
        failing,
        waiting: waiting_reason,
        restarted: last.is_some(),
        running,
    }
}

/// The command to run next for a blocking init step.
fn init_blocked_fix(
    ctx: &Ctx,
    name: &str,
    native: bool,
    looks_long_running: bool,
    blocked: &Blocked,
) -> String {
    let waiting = blocked.waiting.as_deref().unwrap_or("");
    let (namespace, pod) = (&ctx.view.namespace, &ctx.view.name);
    if looks_long_running {
        format!(
            "{name} never exits by design: make it a native sidecar (restartPolicy: Always), see {SIDECAR_AS_INIT}"
        )
    } else if waiting.contains("Image") || waiting == "InvalidImageName" {
        format!("check the image name and pull access: kubectl describe pod -n {namespace} {pod}")
    } else if native && blocked.running {
        let container = ctx
            .spec
            .init_containers
            .iter()
            .flatten()
            .find(|c| c.name == name);
        match container.and_then(|c| c.startup_probe.as_ref()) {
            Some(probe) => format!(
                "find out why {name}'s startupProbe ({}) fails: Unhealthy events in kubectl describe pod -n {namespace} {pod}, and {}; if it only needs longer, raise failureThreshold (budget now {}s); the next steps start only once it passes",
                probe_text(probe),
                logs_command(ctx, name, false),
                probe_budget(probe)
            ),
            None => format!(
                "{name} has no startupProbe, so it counts as started once its process runs and its postStart hook returns: check that hook (kubectl describe pod -n {namespace} {pod}) and {}",
                logs_command(ctx, name, false)
            ),
        }
    } else if native && blocked.failing {
        let has_probe = ctx
            .spec
            .init_containers
            .iter()
            .flatten()
            .any(|c| c.name == name && c.startup_probe.is_some());
        format!(
            "read why {name} exits: {}; as a native sidecar it must keep running, and the next steps start only once it runs{}",
            logs_command(ctx, name, blocked.restarted),
            if has_probe {
                " and its startupProbe passes"
            } else {
                " (it has no startupProbe, so no probe is involved)"
            }
        )
    } else if blocked.failing {
        format!(
            "read why it fails: {}; the pod starts only after it exits 0",
            logs_command(ctx, name, blocked.restarted)
        )
    } else {
        format!(
            "see what it is waiting for: {}",
            logs_command(ctx, name, false)
        )
    }
}

/// Plain init containers that look like long-running sidecars (§1.12).
fn sidecar_as_init(ctx: &Ctx) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, c) in ctx.spec.init_containers.iter().flatten().enumerate() {
        if is_native(c) {
            continue;
        }
        let signs = long_running_signs(c);
        if signs.is_empty() {
            continue;
        }
        let status = ctx.status_of(&c.name, true);
        let state = status.and_then(|s| s.state.as_ref());
        if state
            .and_then(|s| s.terminated.as_ref())
            .is_some_and(|t| t.exit_code == 0)
        {
            // It finished: whatever it looks like, it is a one-shot init container.
            continue;
        }
        let running_since = state
            .and_then(|s| s.running.as_ref())
            .map(|r| r.started_at.as_ref().map(|t| t.0));
        let stuck = running_since.is_some() && ctx.initialized() == Some(false);
        let name = &c.name;
        let policy = match c.restart_policy.as_deref() {
            Some(p) => format!("restartPolicy: {p}"),
            None => "no restartPolicy".to_string(),
        };
        let mut evidence = vec![format!(
            "initContainers[{index}] {name}: {policy} (a native sidecar needs restartPolicy: Always)"
        )];
        evidence.extend(signs);
        let (severity, summary) = if stuck {
            let since = running_since
                .flatten()
                .map(|t| format!(" since {}", ctx.when(t)))
                .unwrap_or_default();
            evidence.push(format!(
                "{name} is running{since} while the pod is {}",
                ctx.view.status.as_deref().unwrap_or("initializing")
            ));
            (
                Severity::Critical,
                "runs like a sidecar but is a plain init container, so the pod can never leave Init; restartPolicy: Always was probably stripped by an old API server (< 1.28, or the SidecarContainers gate off) or by a mutating webhook built with older Kubernetes types".to_string(),
            )
        } else {
            (
                Severity::Warning,
                "looks like a long-running sidecar but lacks restartPolicy: Always: as a plain init container it never exits, so the pod would never leave Init".to_string(),
            )
        };
        let fix = if stuck {
            format!(
                "check that restartPolicy: Always survives admission (kubectl get pod -n {} {} -o jsonpath='{{.spec.initContainers[{index}].restartPolicy}}'); upgrade the API server to ≥ 1.29 or fix the webhook that drops the field",
                ctx.view.namespace, ctx.view.name
            )
        } else {
            format!(
                "add restartPolicy: Always to {name} to make it a native sidecar (Kubernetes ≥ 1.29), or move it to containers"
            )
        };
        let mut finding = Finding::new(SIDECAR_AS_INIT, severity, summary)
            .container(name)
            .fix(fix);
        finding.evidence = evidence;
        findings.push(finding);
    }
    findings
}

/// The names of the containers that start right after init step `index` (0-based).
fn next_after_init(ctx: &Ctx, index: usize) -> String {
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
fn first_start(ctx: &Ctx, name: &str, init: bool) -> Option<Timestamp> {
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
fn waiting_reason(ctx: &Ctx, name: &str, init: bool) -> Option<String> {
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
fn first_run_failure(ctx: &Ctx, name: &str, init: bool) -> Option<String> {
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

/// Native sidecars that release the next step as soon as their process runs.
fn native_without_startup_probe(ctx: &Ctx) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, c) in ctx.spec.init_containers.iter().flatten().enumerate() {
        if !is_native(c) || c.startup_probe.is_some() || post_start(c).is_some() {
            continue;
        }
        let name = &c.name;
        let kind = sidecar_kind::kind_of(c);
        let next = next_after_init(ctx, index);
        // Hygiene (severity policy, docs/rules.md) until the timeline shows it hurt.
        let severity = Severity::Info;
        let what = match kind {
            SidecarKind::Other => "native sidecar".to_string(),
            k => format!("native sidecar ({})", k.noun()),
        };
        let summary = format!(
            "{what} without startupProbe: {next} start{} as soon as its process runs, before it is ready",
            if next.contains(", ") { "" } else { "s" }
        );
        let mut finding = Finding::new(STARTUP_ORDER, severity, summary)
            .container(name)
            .evidence(format!(
                "initContainers[{index}] {name}: restartPolicy: Always, no startupProbe, no postStart hook"
            ));
        if c.readiness_probe.is_some() {
            finding = finding.evidence(format!(
                "{name} has a readinessProbe, but readiness never gates start-up"
            ));
        }
        let next_first = next.split(", ").next().unwrap_or_default();
        let next_init = index + 1 < ctx.spec.init_containers.as_ref().map_or(0, Vec::len);
        if let (Some(own), Some(theirs)) = (
            first_start(ctx, name, true),
            first_start(ctx, next_first, next_init),
        ) {
            finding = finding.evidence(format!(
                "{name} started at {}, {next_first} at {}",
                ctx.when(own),
                ctx.when(theirs)
            ));
        }
        if let Some(failure) = first_run_failure(ctx, next_first, next_init) {
            // The next step's first run failed right after it was released: the race hit.
            finding = finding.evidence(failure);
            finding.severity = Severity::Warning;
        }
        let hint = if c.readiness_probe.is_some() {
            " (often the same check as its readinessProbe)"
        } else {
            ""
        };
        findings.push(finding.fix(format!(
            "add a startupProbe to {name} that passes only once it is ready{hint}; the kubelet then waits for it before starting {next}"
        )));
    }
    findings
}

/// Classic proxies and shippers the app does not wait for.
fn classic_dependency_not_waited_for(ctx: &Ctx) -> Vec<Finding> {
    let Some(main) = ctx.app() else {
        return Vec::new();
    };
    let position = |name: &str| ctx.spec.containers.iter().position(|c| c.name == name);
    let main_index = position(&main.name).unwrap_or(0);
    let mut findings = Vec::new();
    for (index, c) in ctx.spec.containers.iter().enumerate() {
        let kind = sidecar_kind::kind_of(c);
        if c.name == main.name || kind == SidecarKind::Other {
            continue;
        }
        let before = index < main_index;
        if before && post_start(c).is_some() {
            continue; // a postStart hold (istio holdApplicationUntilProxyStarts, linkerd-await)
        }
        let (name, app) = (&c.name, &main.name);
        // Info until the timeline shows the race (severity policy, docs/rules.md).
        let mut severity = Severity::Info;
        let matters = matches!(kind, SidecarKind::Proxy | SidecarKind::SecretsAgent);
        let noun = kind.noun();
        let mut summary = if before {
            format!(
                "classic {noun} sidecar without a postStart hold: {app} starts right after it, without waiting until it is ready"
            )
        } else {
            format!(
                "classic {noun} sidecar listed after {app} with no postStart hold: {app} can start before it is ready"
            )
        };
        let order: Vec<&str> = ctx
            .spec
            .containers
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        let mut finding = Finding::new(STARTUP_ORDER, Severity::Info, "")
            .container(name)
            .evidence(format!(
                "spec.containers order: {}; {name} has no lifecycle.postStart",
                order.join(", ")
            ));
        if let (Some(app_start), Some(own)) =
            (first_start(ctx, app, false), first_start(ctx, name, false))
        {
            let (a, o) = (ctx.when(app_start), ctx.when(own));
            if app_start <= own {
                summary.push_str(&format!(" ({app} started at {a}, {name} at {o})"));
                if matters {
                    severity = Severity::Warning;
                }
            }
            finding = finding.evidence(format!("{app} started at {a}, {name} at {o}"));
        } else if let Some(app_start) = first_start(ctx, app, false)
            && let Some(waiting) = waiting_reason(ctx, name, false)
        {
            let a = ctx.when(app_start);
            summary.push_str(&format!(
                " ({app} started at {a}; {name} has not started: {waiting})"
            ));
            if matters {
                severity = Severity::Warning;
            }
            finding = finding.evidence(format!(
                "{app} started at {a}; {name} is waiting: {waiting}"
            ));
        }
        if let Some(failure) = first_run_failure(ctx, app, false) {
            finding = finding.evidence(failure);
            severity = Severity::Warning;
        }
        finding.summary = summary;
        finding.severity = severity;
        findings.push(finding.fix(startup_fix(c, app)));
    }
    findings
}

fn startup_fix(c: &Container, app: &str) -> String {
    let name = &c.name;
    match name.as_str() {
        "istio-proxy" => format!(
            "set proxy.istio.io/config: '{{\"holdApplicationUntilProxyStarts\": true}}' on the pod template (istio-proxy then starts first and {app} waits for it), or use Istio native sidecars (ENABLE_NATIVE_SIDECARS=true)"
        ),
        "linkerd-proxy" => format!(
            "annotate the pod template with config.linkerd.io/proxy-await: enabled (a postStart linkerd-await hold before {app}), or use native sidecar mode (config.linkerd.io/proxy-enable-native-sidecar: \"true\")"
        ),
        _ => format!(
            "make {name} a native sidecar: move it to initContainers with restartPolicy: Always and a startupProbe (Kubernetes ≥ 1.29), so {app} starts only once it is ready"
        ),
    }
}

/// Classic sidecars the app still needs while it drains, stopped at the same moment.
fn classic_sidecar_stopped_with_app(ctx: &Ctx) -> Vec<Finding> {
    // A Job's pod is meant to finish, not to be stopped; a classic sidecar there keeps the
    // pod from completing, which is diagnose's own rule (job-sidecar-never-exits).
    if ctx.job_pod() {
        return Vec::new();
    }
    let Some(main) = ctx.app() else {
        return Vec::new();
    };
    let (grace, _) = ctx.grace_period();
    let mut findings = Vec::new();
    for c in &ctx.spec.containers {
        let kind = sidecar_kind::kind_of(c);
        if c.name == main.name || !matches!(kind, SidecarKind::Proxy | SidecarKind::Telemetry) {
            continue;
        }
        let (name, app) = (&c.name, &main.name);
        let hook = pre_stop(c).map(hook_of);
        let delay = hook
            .as_ref()
            .and_then(|h| h.sleep_seconds)
            .filter(|s| *s > 0);
        let (severity, summary) = match (kind, delay) {
            // Info: the pod runs fine today; the race bites on rollouts (severity policy).
            (SidecarKind::Proxy, None) => (
                Severity::Info,
                format!(
                    "classic proxy sidecar: gets SIGTERM together with {app} and may exit while {app} is still draining, failing its in-flight and new outbound calls"
                ),
            ),
            (SidecarKind::Proxy, Some(s)) => (
                Severity::Info,
                format!(
                    "classic proxy sidecar stopped together with {app}: its preStop only delays its SIGTERM by {s}s, so {app} must finish draining within that"
                ),
            ),
            _ => (
                Severity::Info,
                format!(
                    "classic {} sidecar: gets SIGTERM together with {app}, so what {app} logs or sends while shutting down may be lost",
                    kind.noun()
                ),
            ),
        };
        let pre_stop_text = hook.as_ref().map_or("no preStop".to_string(), |h| {
            format!("preStop {} {}", h.action, h.detail)
        });
        let fix = match name.as_str() {
            "istio-proxy" => format!(
                "use Istio native sidecars (ENABLE_NATIVE_SIDECARS=true, Kubernetes ≥ 1.29): the kubelet then stops istio-proxy only after {app} has exited; until then set EXIT_ON_ZERO_ACTIVE_CONNECTIONS: \"true\" in proxy.istio.io/config proxyMetadata"
            ),
            "linkerd-proxy" => format!(
                "use linkerd native sidecar mode (config.linkerd.io/proxy-enable-native-sidecar: \"true\"): it is then stopped only after {app} has exited; or set config.alpha.linkerd.io/proxy-wait-before-exit-seconds below the {grace}s grace period"
            ),
            _ => format!(
                "make {name} a native sidecar (initContainers with restartPolicy: Always, Kubernetes ≥ 1.29): native sidecars get SIGTERM only after {app} has exited"
            ),
        };
        findings.push(
            Finding::new(SHUTDOWN_ORDER, severity, summary)
                .container(name)
                .evidence(format!(
                    "{name} is in spec.containers (classic sidecar), {pre_stop_text}; terminationGracePeriodSeconds {grace}"
                ))
                .fix(fix),
        );
    }
    findings
}

/// preStop hooks that sleep through the whole grace period.
fn pre_stop_exceeds_grace(ctx: &Ctx) -> Vec<Finding> {
    let (grace, defaulted) = ctx.grace_period();
    let has_natives = ctx.spec.init_containers.iter().flatten().any(is_native);
    let running = ctx
        .spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| is_native(c))
        .chain(ctx.spec.containers.iter());
    let mut findings = Vec::new();
    for c in running {
        let Some(hook) = pre_stop(c).map(hook_of) else {
            continue;
        };
        let Some(sleep) = hook.sleep_seconds.filter(|s| *s >= grace) else {
            continue;
        };
        let name = &c.name;
        let native = is_native(c);
        let consumed = if sleep == grace {
            format!("preStop sleeps {sleep}s, the whole {grace}s grace period")
        } else {
            format!("preStop sleeps {sleep}s, longer than the pod's {grace}s grace period")
        };
        let then = if !native && has_natives {
            "; the native sidecars, stopped after it, then get only 2s each"
        } else {
            ""
        };
        let summary = format!(
            "{consumed}: the hook is cut off and the container gets SIGTERM with 2s left before SIGKILL, so it never shuts down gracefully{then}"
        );
        let grace_source = if defaulted {
            "not set (default 30s)".to_string()
        } else {
            format!("{grace}s")
        };
        // It hits at every shutdown, but has hurt only once the pod is being deleted.
        let severity = if ctx.pod.metadata.deletion_timestamp.is_some() {
            Severity::Warning
        } else {
            Severity::Info
        };
        findings.push(
            Finding::new(SHUTDOWN_ORDER, severity, summary)
                .container(name)
                .evidence(format!("{name} preStop: {} {}", hook.action, hook.detail))
                .evidence(format!("terminationGracePeriodSeconds: {grace_source}"))
                .fix(format!(
                    "raise terminationGracePeriodSeconds above the preStop sleep plus the time {name} needs after SIGTERM (e.g. {}s), or shorten the sleep",
                    sleep + 30
                )),
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::source::WorkloadRef;
    use crate::source::target::WorkloadKind;

    fn source(value: Value) -> SourcePod {
        SourcePod {
            pod: serde_json::from_value(value).expect("test pod is valid"),
            template_of: None,
        }
    }

    fn order(value: Value) -> PodOrder {
        analyze(&source(value))
    }

    fn rules(order: &PodOrder) -> Vec<(&'static str, Severity, &str)> {
        order
            .findings
            .iter()
            .map(|f| (f.rule, f.severity, f.container.as_deref().unwrap_or("")))
            .collect()
    }

    fn gate_of_step(order: &PodOrder, name: &str) -> Gate {
        order
            .declared
            .iter()
            .find(|s| s.container == name)
            .unwrap_or_else(|| panic!("no step {name}"))
            .gate
            .clone()
    }

    fn running(name: &str, at: &str, started: bool, ready: bool) -> Value {
        json!({"name": name, "image": "img", "imageID": "", "ready": ready, "started": started,
               "restartCount": 0, "state": {"running": {"startedAt": at}}, "lastState": {}})
    }

    fn completed(name: &str, from: &str, to: &str) -> Value {
        json!({"name": name, "image": "img", "imageID": "", "ready": true, "started": false, "restartCount": 0,
               "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": from, "finishedAt": to}},
               "lastState": {}})
    }

    fn waiting(name: &str, reason: &str) -> Value {
        json!({"name": name, "image": "img", "imageID": "", "ready": false, "started": false, "restartCount": 0,
               "state": {"waiting": {"reason": reason}}, "lastState": {}})
    }

    fn condition(kind: &str, status: &str, at: &str) -> Value {
        json!({"type": kind, "status": status, "lastTransitionTime": at})
    }

    fn startup_probe(port: i32, failures: i32, period: i32) -> Value {
        json!({"httpGet": {"path": "/ready", "port": port}, "failureThreshold": failures, "periodSeconds": period})
    }

    /// setup (init) → envoy (native, startupProbe) → app, healthy and initialized.
    fn healthy_native() -> Value {
        json!({
            "metadata": {"name": "web-0", "namespace": "shop"},
            "spec": {
                "terminationGracePeriodSeconds": 45,
                "initContainers": [
                    {"name": "setup", "image": "busybox:1.36"},
                    {"name": "envoy", "image": "envoyproxy/envoy:v1.32.1", "restartPolicy": "Always",
                     "startupProbe": startup_probe(9901, 30, 1),
                     "readinessProbe": {"httpGet": {"path": "/ready", "port": 9901}},
                     "lifecycle": {"preStop": {"sleep": {"seconds": 5}}}},
                ],
                "containers": [{"name": "app", "image": "ghcr.io/acme/app:1"}]
            },
            "status": {
                "phase": "Running",
                "startTime": "2026-11-23T10:00:00Z",
                "conditions": [
                    condition("Initialized", "True", "2026-11-23T10:00:06Z"),
                    condition("Ready", "True", "2026-11-23T10:00:09Z"),
                ],
                "initContainerStatuses": [
                    completed("setup", "2026-11-23T10:00:02Z", "2026-11-23T10:00:03Z"),
                    running("envoy", "2026-11-23T10:00:04Z", true, true),
                ],
                "containerStatuses": [running("app", "2026-11-23T10:00:07Z", true, true)]
            }
        })
    }

    #[test]
    fn healthy_native_sidecar_pod_has_no_hazards() {
        let o = order(healthy_native());
        assert_eq!(rules(&o), vec![]);
        assert_eq!(gate_of_step(&o, "setup"), Gate::Completion);
        assert!(matches!(
            gate_of_step(&o, "envoy"),
            Gate::StartupProbe {
                budget_seconds: 30,
                post_start: None,
                ..
            }
        ));
        assert_eq!(gate_of_step(&o, "envoy").text(), "startupProbe (up to 30s)");
        assert_eq!(gate_of_step(&o, "app"), Gate::Nothing);
        let steps: Vec<(u32, &str, Role)> = o
            .declared
            .iter()
            .map(|s| (s.step, s.container.as_str(), s.role))
            .collect();
        assert_eq!(
            steps,
            vec![
                (1, "setup", Role::Init),
                (2, "envoy", Role::NativeSidecar),
                (3, "app", Role::Main)
            ]
        );
    }

    #[test]
    fn startup_probe_budget_uses_api_defaults() {
        let mut pod = healthy_native();
        pod["spec"]["initContainers"][1]["startupProbe"] =
            json!({"tcpSocket": {"port": 9901}, "initialDelaySeconds": 5});
        let o = order(pod);
        // failureThreshold 3 × periodSeconds 10 + 5
        assert!(matches!(
            gate_of_step(&o, "envoy"),
            Gate::StartupProbe { budget_seconds: 35, ref probe, .. } if probe == "tcpSocket :9901"
        ));
    }

    #[test]
    fn native_sidecar_without_startup_probe_is_released_at_process_start() {
        let mut pod = healthy_native();
        pod["spec"]["initContainers"][1]
            .as_object_mut()
            .unwrap()
            .remove("startupProbe");
        let o = order(pod);
        assert_eq!(gate_of_step(&o, "envoy"), Gate::ProcessStart);
        assert_eq!(rules(&o), vec![(STARTUP_ORDER, Severity::Info, "envoy")]);
        let f = &o.findings[0];
        assert!(
            f.summary.contains("app starts as soon as its process runs"),
            "{}",
            f.summary
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("readiness never gates"))
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e == "envoy started at +4s, app at +7s")
        );
    }

    #[test]
    fn native_telemetry_sidecar_without_startup_probe_is_info() {
        let pod = json!({
            "metadata": {"name": "checkout", "namespace": "shop"},
            "spec": {
                "initContainers": [{"name": "metrics", "image": "otel/opentelemetry-collector-contrib:0.112.0",
                                    "restartPolicy": "Always"}],
                "containers": [{"name": "checkout", "image": "acme/checkout"}]
            }
        });
        let o = order(pod);
        assert_eq!(rules(&o), vec![(STARTUP_ORDER, Severity::Info, "metrics")]);
        assert!(o.spec_only && o.timeline.is_none());
    }

    #[test]
    fn native_sidecar_with_post_start_is_gated_by_it() {
        let mut pod = healthy_native();
        let envoy = &mut pod["spec"]["initContainers"][1];
        envoy.as_object_mut().unwrap().remove("startupProbe");
        envoy["lifecycle"]["postStart"] = json!({"exec": {"command": ["sh", "-c", "until wget -q localhost:9901/ready; do sleep 1; done"]}});
        let o = order(pod);
        assert_eq!(
            gate_of_step(&o, "envoy").text(),
            "postStart (sh -c 'until wget -q localhost:9901/ready; do sleep 1; done')"
        );
        assert_eq!(rules(&o), vec![]);
    }

    #[test]
    fn post_start_on_a_regular_container_gates_the_next() {
        let pod = json!({
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"containers": [
                {"name": "linkerd-proxy", "image": "cr.l5d.io/linkerd/proxy:edge-24.1.1",
                 "lifecycle": {"postStart": {"exec": {"command": ["/usr/lib/linkerd/linkerd-await", "--timeout=2m"]}}}},
                {"name": "web", "image": "acme/web"}
            ]}
        });
        let o = order(pod);
        assert_eq!(
            gate_of_step(&o, "linkerd-proxy").text(),
            "postStart (/usr/lib/linkerd/linkerd-await --timeout=2m)"
        );
        assert_eq!(gate_of_step(&o, "web"), Gate::Nothing);
        // Held by linkerd-await: no start-up hazard, only the shutdown one.
        assert_eq!(
            rules(&o),
            vec![(SHUTDOWN_ORDER, Severity::Info, "linkerd-proxy")]
        );
    }

    #[test]
    fn shutdown_stops_regular_containers_then_natives_in_reverse() {
        let pod = json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {
                "initContainers": [
                    {"name": "setup", "image": "busybox"},
                    {"name": "first", "image": "a", "restartPolicy": "Always", "startupProbe": startup_probe(1, 1, 1)},
                    {"name": "second", "image": "b", "restartPolicy": "Always", "startupProbe": startup_probe(2, 1, 1),
                     "lifecycle": {"preStop": {"httpGet": {"path": "/drain", "port": 15000}}}}
                ],
                "containers": [
                    {"name": "app", "image": "app", "lifecycle": {"preStop": {"exec": {"command": ["/bin/sleep", "10"]}}}},
                    {"name": "helper", "image": "helper"}
                ]
            }
        });
        let o = order(pod);
        let steps: Vec<(u32, Vec<&str>)> = o
            .shutdown
            .steps
            .iter()
            .map(|s| {
                (
                    s.step,
                    s.containers.iter().map(|c| c.container.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            steps,
            vec![
                (1, vec!["app", "helper"]),
                (2, vec!["second"]),
                (3, vec!["first"])
            ]
        );
        assert_eq!(o.shutdown.grace_period_seconds, 30);
        assert!(o.shutdown.grace_period_defaulted);
        let app = &o.shutdown.steps[0].containers[0];
        assert_eq!(
            app.pre_stop,
            Some(Hook {
                action: "exec",
                detail: "/bin/sleep 10".into(),
                sleep_seconds: Some(10)
            })
        );
        let second = &o.shutdown.steps[1].containers[0];
        assert_eq!(
            second.pre_stop.as_ref().map(|h| h.detail.as_str()),
            Some("GET :15000/drain")
        );
        assert_eq!(rules(&o), vec![]);
    }

    fn pod_value_for_pre_stop() -> Value {
        json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {
                "terminationGracePeriodSeconds": 30,
                "initContainers": [
                    {"name": "envoy", "image": "envoyproxy/envoy:v1.32.1", "restartPolicy": "Always",
                     "startupProbe": startup_probe(9901, 30, 1),
                     "lifecycle": {"preStop": {"sleep": {"seconds": 30}}}}
                ],
                "containers": [
                    {"name": "web", "image": "nginx", "lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", "sleep 60 && nginx -s quit"]}}}},
                    {"name": "short", "image": "x", "lifecycle": {"preStop": {"exec": {"command": ["sleep", "29s"]}}}}
                ]
            }
        })
    }

    #[test]
    fn pre_stop_longer_than_grace_period() {
        let pod = pod_value_for_pre_stop();
        let o = order(pod);
        assert_eq!(
            rules(&o),
            vec![
                (SHUTDOWN_ORDER, Severity::Info, "envoy"),
                (SHUTDOWN_ORDER, Severity::Info, "web"),
            ]
        );
        assert!(
            o.findings[0]
                .summary
                .contains("sleeps 30s, the whole 30s grace period")
        );
        let web = &o.findings[1];
        assert!(
            web.summary
                .contains("sleeps 60s, longer than the pod's 30s grace period")
        );
        // While the pod is being deleted the hazard hits: a warning (severity policy).
        let mut deleting = pod_value_for_pre_stop();
        deleting["metadata"]["deletionTimestamp"] = json!("2026-11-23T12:00:30Z");
        let o = order(deleting);
        assert!(
            o.findings
                .iter()
                .all(|f| f.rule == SHUTDOWN_ORDER && f.severity == Severity::Warning),
            "{:?}",
            rules(&o)
        );
        assert!(
            web.summary
                .contains("native sidecars, stopped after it, then get only 2s")
        );
        assert_eq!(
            web.evidence[0],
            "web preStop: exec sh -c 'sleep 60 && nginx -s quit'"
        );
    }

    #[test]
    fn sleep_parsing() {
        let cmd = |args: &[&str]| args.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(sleep_in_command(&cmd(&["sleep", "60"])), Some(60));
        assert_eq!(
            sleep_in_command(&cmd(&["/bin/sh", "-c", "sleep 5; sleep 1.5m"])),
            Some(95)
        );
        assert_eq!(sleep_in_command(&cmd(&["sh", "-c", "sleep 0.5"])), Some(1));
        assert_eq!(
            sleep_in_command(&cmd(&["sh", "-c", "sleep infinity"])),
            None
        );
        assert_eq!(sleep_in_command(&cmd(&["sh", "-c", "sleep $DELAY"])), None);
        assert_eq!(sleep_in_command(&cmd(&["nginx", "-s", "quit"])), None);
        assert_eq!(sleep_in_command(&cmd(&["sleep", "1e400"])), None);
        assert_eq!(sleep_in_command(&[]), None);
    }

    /// wait-for-db done, migrate crash-looping, seed-cache not started: `Init:1/3`.
    fn init_stuck() -> Value {
        json!({
            "metadata": {"name": "ledger", "namespace": "payments"},
            "spec": {
                "initContainers": [
                    {"name": "wait-for-db", "image": "busybox"},
                    {"name": "migrate", "image": "acme/migrate"},
                    {"name": "seed-cache", "image": "acme/ledger"}
                ],
                "containers": [{"name": "ledger", "image": "acme/ledger"}]
            },
            "status": {
                "phase": "Pending",
                "startTime": "2026-11-23T11:52:05Z",
                "conditions": [{"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized",
                                "message": "containers with incomplete status: [migrate seed-cache]",
                                "lastTransitionTime": "2026-11-23T11:52:05Z"}],
                "initContainerStatuses": [
                    completed("wait-for-db", "2026-11-23T11:52:08Z", "2026-11-23T11:52:31Z"),
                    {"name": "migrate", "image": "img", "imageID": "", "ready": false, "started": true, "restartCount": 4,
                     "state": {"running": {"startedAt": "2026-11-23T11:59:40Z"}},
                     "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                        "startedAt": "2026-11-23T11:58:49Z", "finishedAt": "2026-11-23T11:59:30Z"}}},
                    waiting("seed-cache", "PodInitializing")
                ],
                "containerStatuses": [waiting("ledger", "PodInitializing")]
            }
        })
    }

    #[test]
    fn init_blocked_names_the_failing_init_container() {
        let o = order(init_stuck());
        assert_eq!(o.status.as_deref(), Some("Init:1/3"));
        assert_eq!(
            rules(&o),
            vec![(INIT_BLOCKED, Severity::Critical, "migrate")]
        );
        let f = &o.findings[0];
        assert_eq!(
            f.summary,
            "init container (init step 2 of 3) holding the pod in Init:1/3: running since +7m35s and has not exited; restarted 4 times, last Error (exit 1)"
        );
        assert!(f.evidence[0].contains("containers with incomplete status: [migrate seed-cache]"));
        assert!(
            f.evidence
                .iter()
                .any(|e| e == "migrate lastState: Error (exit 1) at +7m25s")
        );
        assert_eq!(
            f.fix.as_deref(),
            Some(
                "read why it fails: kubectl logs -n payments ledger -c migrate --previous; the pod starts only after it exits 0"
            )
        );
    }

    #[test]
    fn a_restarting_native_sidecar_after_init_blocks_nothing() {
        let mut pod = healthy_native();
        pod["status"]["conditions"][0]["status"] = json!("False");
        pod["status"]["initContainerStatuses"][1] =
            running("envoy", "2026-11-23T11:00:00Z", false, false);
        pod["status"]["initContainerStatuses"][1]["restartCount"] = json!(3);
        let o = order(pod);
        assert!(
            o.findings.iter().all(|f| f.rule != INIT_BLOCKED),
            "{:?}",
            o.findings
        );
    }

    #[test]
    fn init_blocked_on_an_image_pull_points_at_describe() {
        let mut pod = init_stuck();
        pod["status"]["initContainerStatuses"][1] = waiting("migrate", "ImagePullBackOff");
        let o = order(pod);
        assert_eq!(o.status.as_deref(), Some("Init:ImagePullBackOff"));
        assert_eq!(
            rules(&o),
            vec![(INIT_BLOCKED, Severity::Critical, "migrate")]
        );
        let f = &o.findings[0];
        assert!(
            f.summary.ends_with("waiting (ImagePullBackOff)"),
            "{}",
            f.summary
        );
        assert_eq!(
            f.fix.as_deref(),
            Some("check the image name and pull access: kubectl describe pod -n payments ledger")
        );
    }

    #[test]
    fn init_blocked_on_a_slow_init_container_is_a_warning() {
        let mut pod = init_stuck();
        pod["status"]["initContainerStatuses"][1] =
            running("migrate", "2026-11-23T11:52:32Z", true, false);
        let o = order(pod);
        assert_eq!(
            rules(&o),
            vec![(INIT_BLOCKED, Severity::Warning, "migrate")]
        );
        assert!(
            o.findings[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("kubectl logs -n payments ledger -c migrate")
        );
    }

    #[test]
    fn init_blocked_picks_the_native_sidecar_whose_startup_probe_never_passes() {
        let pod = json!({
            "metadata": {"name": "api", "namespace": "shop"},
            "spec": {
                "initContainers": [
                    {"name": "istio-init", "image": "docker.io/istio/proxyv2:1.24.2", "args": ["istio-iptables", "-p", "15001"]},
                    {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.2", "restartPolicy": "Always",
                     "args": ["proxy", "sidecar"],
                     "startupProbe": {"httpGet": {"path": "/healthz/ready", "port": 15021}, "failureThreshold": 600, "periodSeconds": 1}}
                ],
                "containers": [{"name": "api", "image": "acme/api"}]
            },
            "status": {
                "phase": "Pending",
                "startTime": "2026-11-23T11:40:00Z",
                "conditions": [{"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized",
                                "message": "containers with incomplete status: [istio-proxy]",
                                "lastTransitionTime": "2026-11-23T11:40:00Z"}],
                "initContainerStatuses": [
                    completed("istio-init", "2026-11-23T11:40:02Z", "2026-11-23T11:40:03Z"),
                    {"name": "istio-proxy", "image": "img", "imageID": "", "ready": false, "started": false, "restartCount": 1,
                     "state": {"running": {"startedAt": "2026-11-23T11:50:16Z"}},
                     "lastState": {"terminated": {"exitCode": 137, "reason": "Error",
                        "startedAt": "2026-11-23T11:40:04Z", "finishedAt": "2026-11-23T11:50:05Z"}}}
                ],
                "containerStatuses": [waiting("api", "PodInitializing")]
            }
        });
        let o = order(pod);
        assert_eq!(o.status.as_deref(), Some("Init:1/2"));
        assert_eq!(
            rules(&o),
            vec![(INIT_BLOCKED, Severity::Critical, "istio-proxy")]
        );
        let f = &o.findings[0];
        assert!(
            f.summary.starts_with("native sidecar (init step 2 of 2) holding the pod in Init:1/2: running since +10m16s, but its startupProbe has not passed; restarted 1 time, last Error (exit 137)"),
            "{}",
            f.summary
        );
        assert!(f.evidence.iter().any(|e| e.contains(
            "failureThreshold 600 × periodSeconds 1 + initialDelaySeconds 0 = up to 600s"
        )));
        // istio-init shares the proxy image but is a one-shot: no sidecar-as-init.
        assert!(o.findings.iter().all(|f| f.rule != SIDECAR_AS_INIT));
        let timeline = o.timeline.as_ref().unwrap();
        let proxy = &timeline.containers[1];
        assert_eq!(proxy.runs.len(), 2);
        assert_eq!(proxy.runs[0].started_offset_seconds, Some(4));
        assert_eq!(proxy.runs[0].finished_offset_seconds, Some(605));
        assert_eq!(proxy.runs[1].started_offset_seconds, Some(616));
        assert!(proxy.runs[1].running);
    }

    fn stripped_cloud_sql_proxy(state: Value) -> Value {
        json!({
            "metadata": {"name": "reports", "namespace": "data"},
            "spec": {
                "initContainers": [
                    {"name": "cloud-sql-proxy", "image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1",
                     "args": ["--port=5432", "acme:eu:db"], "ports": [{"containerPort": 9090}]}
                ],
                "containers": [{"name": "reports", "image": "acme/reports"}]
            },
            "status": {
                "phase": "Pending",
                "startTime": "2026-11-23T11:35:00Z",
                "conditions": [{"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized",
                                "message": "containers with incomplete status: [cloud-sql-proxy]",
                                "lastTransitionTime": "2026-11-23T11:35:00Z"}],
                "initContainerStatuses": [state],
                "containerStatuses": [waiting("reports", "PodInitializing")]
            }
        })
    }

    #[test]
    fn sidecar_as_init_running_while_pod_is_in_init_was_stripped() {
        let o = order(stripped_cloud_sql_proxy(running(
            "cloud-sql-proxy",
            "2026-11-23T11:35:03Z",
            true,
            false,
        )));
        assert_eq!(
            rules(&o),
            vec![
                (INIT_BLOCKED, Severity::Critical, "cloud-sql-proxy"),
                (SIDECAR_AS_INIT, Severity::Critical, "cloud-sql-proxy"),
            ]
        );
        let f = &o.findings[1];
        assert!(
            f.summary.contains("probably stripped by an old API server"),
            "{}",
            f.summary
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e == "cloud-sql-proxy is running since +3s while the pod is Init:0/1")
        );
        assert!(f.evidence.iter().any(|e| e == "it serves port 9090"));
        assert!(
            o.findings[0]
                .summary
                .contains("it looks like a long-running sidecar, so it will never exit")
        );
    }

    #[test]
    fn sidecar_as_init_without_status_is_a_warning_and_completed_ones_are_fine() {
        let mut spec_only = stripped_cloud_sql_proxy(json!({}));
        spec_only.as_object_mut().unwrap().remove("status");
        let o = order(spec_only);
        assert_eq!(
            rules(&o),
            vec![(SIDECAR_AS_INIT, Severity::Warning, "cloud-sql-proxy")]
        );
        assert!(
            o.findings[0]
                .fix
                .as_deref()
                .unwrap()
                .starts_with("add restartPolicy: Always")
        );

        let finished = order(stripped_cloud_sql_proxy(completed(
            "cloud-sql-proxy",
            "2026-11-23T11:35:03Z",
            "2026-11-23T11:35:09Z",
        )));
        assert!(finished.findings.iter().all(|f| f.rule != SIDECAR_AS_INIT));
    }

    #[test]
    fn probes_on_a_plain_init_container_look_long_running() {
        let pod = json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {
                "initContainers": [
                    {"name": "agent", "image": "acme/agent", "readinessProbe": {"tcpSocket": {"port": 80}}},
                    {"name": "vault-agent-init", "image": "hashicorp/vault:1.18", "args": ["agent", "-config=/c.hcl"]},
                    {"name": "istio-validation", "image": "docker.io/istio/proxyv2:1.24.2"}
                ],
                "containers": [{"name": "app", "image": "app"}]
            }
        });
        let o = order(pod);
        assert_eq!(
            rules(&o),
            vec![(SIDECAR_AS_INIT, Severity::Warning, "agent")]
        );
        assert!(o.findings[0].evidence[1].contains("readinessProbe"));
    }

    #[test]
    fn classic_proxy_after_the_app_races_it() {
        let pod = json!({
            "metadata": {"name": "reviews", "namespace": "shop",
                         "annotations": {"kubectl.kubernetes.io/default-container": "reviews"}},
            "spec": {"containers": [
                {"name": "reviews", "image": "acme/reviews"},
                {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.2", "args": ["proxy", "sidecar"]}
            ]},
            "status": {
                "phase": "Running",
                "startTime": "2026-11-20T16:30:12Z",
                "conditions": [condition("Initialized", "True", "2026-11-20T16:30:16Z")],
                "containerStatuses": [
                    running("istio-proxy", "2026-11-20T16:30:18Z", true, true),
                    running("reviews", "2026-11-20T16:30:17Z", true, true)
                ]
            }
        });
        let o = order(pod);
        assert_eq!(
            rules(&o),
            vec![
                (STARTUP_ORDER, Severity::Warning, "istio-proxy"),
                (SHUTDOWN_ORDER, Severity::Info, "istio-proxy"),
            ]
        );
        let startup = &o.findings[0];
        assert!(
            startup
                .summary
                .ends_with("(reviews started at +5s, istio-proxy at +6s)"),
            "{}",
            startup.summary
        );
        assert!(
            startup
                .fix
                .as_deref()
                .unwrap()
                .contains("holdApplicationUntilProxyStarts")
        );
    }

    #[test]
    fn classic_proxy_that_never_started_is_named() {
        let pod = json!({
            "metadata": {"name": "search", "namespace": "shop"},
            "spec": {"containers": [
                {"name": "search", "image": "acme/search"},
                {"name": "envoy", "image": "envoyproxy/envoy:v1.32.1"}
            ]},
            "status": {
                "phase": "Running",
                "startTime": "2026-11-23T11:41:10Z",
                "containerStatuses": [
                    running("search", "2026-11-23T11:41:14Z", true, true),
                    waiting("envoy", "ImagePullBackOff")
                ]
            }
        });
        let o = order(pod);
        let startup = o.findings.iter().find(|f| f.rule == STARTUP_ORDER).unwrap();
        assert!(
            startup
                .summary
                .ends_with("(search started at +4s; envoy has not started: ImagePullBackOff)"),
            "{}",
            startup.summary
        );
    }

    #[test]
    fn classic_proxy_before_the_app_without_hold_still_races() {
        let pod = json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"containers": [
                {"name": "cloud-sql-proxy", "image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1",
                 "lifecycle": {"preStop": {"exec": {"command": ["sleep", "20"]}}}},
                {"name": "app", "image": "acme/app"}
            ]}
        });
        let o = order(pod);
        assert_eq!(
            rules(&o),
            vec![
                (STARTUP_ORDER, Severity::Info, "cloud-sql-proxy"),
                (SHUTDOWN_ORDER, Severity::Info, "cloud-sql-proxy"),
            ]
        );
        assert!(
            o.findings[0]
                .summary
                .contains("without a postStart hold: app starts right after it")
        );
        assert!(o.findings[1].summary.contains("delays its SIGTERM by 20s"));
    }

    #[test]
    fn job_pods_leave_the_classic_sidecar_to_diagnose() {
        let mut pod = json!({
            "metadata": {"name": "report-x", "namespace": "batch", "labels": {"job-name": "report"}},
            "spec": {"restartPolicy": "Never", "containers": [
                {"name": "report", "image": "acme/report"},
                {"name": "cloud-sql-proxy", "image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1"}
            ]}
        });
        let o = order(pod.clone());
        assert_eq!(
            rules(&o),
            vec![(STARTUP_ORDER, Severity::Info, "cloud-sql-proxy")]
        );
        assert!(
            o.findings
                .iter()
                .all(|f| f.rule != "job-sidecar-never-exits")
        );

        // The same pod read from a CronJob template.
        pod["metadata"].as_object_mut().unwrap().remove("labels");
        pod["spec"]["restartPolicy"] = json!("OnFailure");
        let template = SourcePod {
            pod: serde_json::from_value(pod).unwrap(),
            template_of: Some(WorkloadRef {
                kind: WorkloadKind::CronJob,
                name: "report".into(),
            }),
        };
        assert_eq!(order_findings(&template).len(), 1);
    }

    #[test]
    fn generic_classic_sidecars_raise_nothing() {
        let pod = json!({
            "metadata": {"name": "pg-0", "namespace": "data"},
            "spec": {"containers": [
                {"name": "postgres", "image": "postgres:17.2"},
                {"name": "postgres-exporter", "image": "quay.io/prometheuscommunity/postgres-exporter:v0.16.0"}
            ]}
        });
        assert_eq!(rules(&order(pod)), vec![]);
    }

    #[test]
    fn timeline_offsets_and_start_error() {
        let pod = json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"containers": [{"name": "app", "image": "a"}, {"name": "broken", "image": "b"}]},
            "status": {
                "phase": "Running",
                "startTime": "2026-11-23T10:00:00Z",
                "conditions": [condition("Ready", "False", "2026-11-23T10:00:00Z")],
                "containerStatuses": [
                    running("app", "2026-11-23T10:00:03Z", true, true),
                    {"name": "broken", "image": "b", "imageID": "", "ready": false, "restartCount": 2,
                     "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                     "lastState": {"terminated": {"exitCode": 128, "reason": "StartError",
                        "startedAt": "1970-01-01T00:00:00Z", "finishedAt": "2026-11-23T10:01:00Z"}}}
                ]
            }
        });
        let o = order(pod);
        let t = o.timeline.as_ref().unwrap();
        assert_eq!(t.end_offset_seconds, Some(60));
        assert_eq!(t.conditions[0].offset_seconds, Some(0));
        let broken = &t.containers[1];
        assert_eq!(
            (broken.state, broken.reason.as_deref()),
            ("waiting", Some("CrashLoopBackOff"))
        );
        assert_eq!(broken.runs.len(), 1);
        let run = &broken.runs[0];
        assert!(run.never_started);
        assert_eq!((run.started_at, run.started_offset_seconds), (None, None));
        assert_eq!(run.finished_offset_seconds, Some(60));
        assert_eq!(run.exit_code, Some(128));
    }

    #[test]
    fn unknown_start_time_keeps_offsets_unknown() {
        let mut pod = healthy_native();
        pod["status"].as_object_mut().unwrap().remove("startTime");
        let o = order(pod);
        let t = o.timeline.as_ref().unwrap();
        assert_eq!(t.start_time, None);
        assert_eq!(t.end_offset_seconds, None);
        assert!(t.containers[2].runs[0].started_at.is_some());
        assert_eq!(t.containers[2].runs[0].started_offset_seconds, None);
    }

    #[test]
    fn container_filter_keeps_pod_level_findings() {
        let mut o = order(init_stuck());
        o.retain_containers(|n| n == "ledger");
        assert_eq!(o.declared.len(), 1);
        assert_eq!(o.shutdown.steps.len(), 1);
        assert!(o.findings.is_empty());
        assert_eq!(o.timeline.as_ref().unwrap().containers.len(), 1);
    }

    #[test]
    fn offsets_read_exactly() {
        assert_eq!(offset_text(0), "+0s");
        assert_eq!(offset_text(59), "+59s");
        assert_eq!(offset_text(65), "+1m5s");
        assert_eq!(offset_text(600), "+10m");
        assert_eq!(offset_text(3600), "+1h");
        assert_eq!(offset_text(3605), "+1h0m5s");
        assert_eq!(offset_text(95_517), "+26h31m57s");
        assert_eq!(offset_text(-3), "-3s");
    }

    #[test]
    fn image_repositories() {
        assert_eq!(
            crate::model::image_repository("docker.io/istio/proxyv2:1.24.2"),
            "docker.io/istio/proxyv2"
        );
        assert_eq!(
            crate::model::image_repository("localhost:5000/envoy@sha256:abc"),
            "localhost:5000/envoy"
        );
        assert_eq!(crate::model::image_repository("Envoy"), "envoy");
        assert_eq!(crate::model::image_repository(""), "");
    }

    #[test]
    fn no_panic_on_an_empty_pod() {
        let o = order(json!({}));
        assert!(o.declared.is_empty() && o.shutdown.steps.is_empty() && o.findings.is_empty());
        let o = order(json!({"metadata": {"name": "x"}, "spec": {"containers": []}, "status": {}}));
        assert!(o.findings.is_empty());
    }
}
