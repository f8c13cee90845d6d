//! Start-up and shutdown order of a pod's containers, and the actual timeline read from its
//! status. Pure: no I/O, no clock.
//!
//! The rules follow the sidecar rulebook (shared docs, sidecar-semantics §1.3, §1.7, §1.12,
//! §1.13): init steps run one at a time; a native sidecar releases the next step once it has
//! *started* (startupProbe passed, or its process runs and its postStart finished); a
//! readinessProbe never gates start-up; regular containers start in spec order, each waiting
//! only for the previous one's postStart hook. On shutdown every regular container (classic
//! sidecars included) gets SIGTERM at once, then native sidecars one by one in reverse order,
//! all within one grace period.
//!
//! These structs are the `-o json|yaml` schema of `order` (docs/order.md). The hazards are
//! the `order` group of the check catalog (`crate::checks::order`), which fills `findings`.

mod declared;
mod facts;
mod timeline;

pub use declared::{hook_of, probe_budget, probe_text};
pub use facts::*;

use jiff::Timestamp;
use serde::Serialize;

use super::finding::Finding;
use super::{PodView, Role, TemplateRef, build_pod_view};
use crate::source::SourcePod;
use declared::{declared_order, shutdown_order};
use timeline::timeline;

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

/// Analyses one pod: declared order, shutdown order and timeline; `findings` stays empty
/// for the catalog's `order` group to fill.
pub fn analyze(source: &SourcePod) -> PodOrder {
    let view = build_pod_view(source);
    let ctx = OrderFacts::new(source, &view);
    let declared = declared_order(&ctx);
    let shutdown = shutdown_order(&ctx);
    let timeline = (!view.spec_only).then(|| timeline(&ctx));
    PodOrder {
        namespace: view.namespace.clone(),
        name: view.name.clone(),
        template_of: view.template_of.clone(),
        spec_only: view.spec_only,
        status: view.status.clone(),
        declared,
        shutdown,
        timeline,
        findings: Vec::new(),
        view,
    }
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
