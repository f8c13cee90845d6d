//! The verdict: one headline per pod that is not healthy, saying what happened to it (its
//! outcome), which container is responsible, and why in one sentence. It is read off the
//! pod's state and its findings after the rules ran: the findings are the evidence, ordered
//! cause first, and findings that are consequences of another one are linked to it.

use jiff::Timestamp;
use serde::Serialize;

use crate::checks::{PodContext, label};
use crate::model::finding::{Finding, Severity};
use crate::model::{Role, State};
use crate::render::human_duration;

/// What happened to the pod, most final first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Evicted,
    Failed,
    /// The node stopped reporting the pod.
    Unknown,
    /// Still being deleted after its grace period ended.
    Terminating,
    StuckInInit,
    Pending,
    /// Running, but out of its Services' endpoints.
    NotReady,
    /// Ready, but a container keeps being restarted.
    Restarting,
    /// Running or finished, with a problem that has already hit (warning findings).
    Degraded,
    /// A manifest (no status) that cannot start as written (critical findings).
    Invalid,
    /// A manifest with a hazard that will hit once it runs (warning findings).
    AtRisk,
}

impl Outcome {
    /// The table's first column.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Evicted => "EVICTED",
            Outcome::Failed => "FAILED",
            Outcome::Unknown => "UNKNOWN",
            Outcome::Terminating => "STUCK",
            Outcome::StuckInInit => "STUCK",
            Outcome::Pending => "PENDING",
            Outcome::NotReady => "NOT READY",
            Outcome::Restarting => "RESTARTING",
            Outcome::Degraded => "DEGRADED",
            Outcome::Invalid => "INVALID",
            Outcome::AtRisk => "AT RISK",
        }
    }

    /// Whether a pod with this outcome is down whatever its findings say: such a pod is
    /// never listed as healthy, not even when filters hide its findings.
    pub fn is_down(self) -> bool {
        matches!(
            self,
            Outcome::Evicted | Outcome::Failed | Outcome::Unknown | Outcome::Terminating
        )
    }
}

/// One pod's verdict (`-o json`: the `verdict` of a `pods` entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub outcome: Outcome,
    /// The outcome in words, with how long: `stuck in Init for 12m`.
    pub state: String,
    /// Since when the outcome holds, when the status says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
    /// The container responsible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The cause in one sentence (the summary of the finding that is the cause).
    pub cause: String,
    /// The rule whose finding is the cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
}

/// Rules that explain restarts (a pod with one of these while Ready is `restarting`).
const RESTART_RULES: &[&str] = &["crash-loop", "oom-killed", "probe-kill", "restart-storm"];

/// Marks findings that are consequences of another finding on the same pod: they say so,
/// and lose a fix that would not apply. Returns nothing; edits in place.
pub fn link_consequences(ctx: &PodContext, findings: &mut [Finding]) {
    let has = |findings: &[Finding], rule: &str, container: &Option<String>| {
        findings
            .iter()
            .any(|f| f.rule == rule && &f.container == container)
    };
    for i in 0..findings.len() {
        let (rule, container) = (findings[i].rule, findings[i].container.clone());
        let Some(name) = container.as_deref() else {
            continue;
        };
        let because = match rule {
            // A native sidecar that has not started is never probed for readiness: its
            // readiness is only the shadow of its startup.
            "sidecar-not-ready"
                if has(findings, "init-blocked", &container) && not_started_native(ctx, name) =>
            {
                Some(("init-blocked", startup_reason(ctx, name)))
            }
            // The kubelet restarts a native sidecar whose startupProbe runs out: those
            // restarts are the probe's doing, not a crash of their own.
            "crash-loop"
                if has(findings, "init-blocked", &container)
                    && not_started_native(ctx, name)
                    && ctx.spec(name).is_some_and(|c| c.startup_probe.is_some())
                    && running(ctx, name) =>
            {
                Some((
                    "init-blocked",
                    format!("the kubelet restarts {name} each time its startupProbe runs out"),
                ))
            }
            // A start error on a container that mounts something over its root filesystem.
            "config-error" if has(findings, "mount-over-root", &container) => Some((
                "mount-over-root",
                format!("a volume is mounted over {name}'s root filesystem"),
            )),
            _ => None,
        };
        if let Some((cause, reason)) = because {
            let f = &mut findings[i];
            f.summary = format!("{}; because {reason}", f.summary);
            f.caused_by = Some(cause);
            f.fix = None;
        }
    }
}

fn not_started_native(ctx: &PodContext, name: &str) -> bool {
    ctx.containers().any(|c| {
        c.name == name
            && c.role == Role::NativeSidecar
            && c.status.as_ref().is_some_and(|s| s.started != Some(true))
    })
}

fn running(ctx: &PodContext, name: &str) -> bool {
    ctx.containers().any(|c| {
        c.name == name
            && c.status
                .as_ref()
                .is_some_and(|s| matches!(s.state, State::Running { .. }))
    })
}

fn startup_reason(ctx: &PodContext, name: &str) -> String {
    match ctx.spec(name).and_then(|c| c.startup_probe.as_ref()) {
        Some(_) => format!("{name}'s startupProbe has not passed"),
        None => format!("{name} has not started"),
    }
}

/// Cause first: findings that are not consequences, most severe first, in registry order
/// (which lists root causes before their effects); consequences after what they follow.
pub fn order_cause_first(findings: &mut [Finding], registry_index: impl Fn(&str) -> usize) {
    findings.sort_by_key(|f| (f.caused_by.is_some(), f.severity, registry_index(f.rule)));
}

/// The pod's verdict, or `None` for a pod with nothing broken (at most hygiene findings).
/// `findings` must already be ordered cause first.
pub fn verdict(ctx: &PodContext, findings: &[Finding]) -> Option<Verdict> {
    let view = ctx.view;
    let any = |rules: &[&str]| findings.iter().any(|f| rules.contains(&f.rule));
    let worst = findings.iter().map(|f| f.severity).min();
    let phase = view.phase.as_deref();
    // A manifest has no state: it is judged by what would happen once applied.
    let (outcome, state, since) = if view.spec_only {
        match worst {
            Some(Severity::Critical) => (
                Outcome::Invalid,
                "spec only, cannot start as written".to_string(),
                None,
            ),
            Some(Severity::Warning) => (
                Outcome::AtRisk,
                "spec only, will misbehave once it runs".to_string(),
                None,
            ),
            _ => return None,
        }
    } else if any(&["evicted"]) {
        let since = condition_since(ctx, "DisruptionTarget");
        (Outcome::Evicted, with_ago(ctx, "Evicted", since), since)
    } else if any(&["stuck-terminating"]) {
        let since = view.deleting_since;
        let past = since
            .map(|t| {
                format!(
                    ", {} past its grace period",
                    human_duration(ctx.now.duration_since(t))
                )
            })
            .unwrap_or_default();
        (
            Outcome::Terminating,
            format!("stuck Terminating{past}"),
            since,
        )
    } else if phase == Some("Failed") {
        let since = last_finish(ctx);
        (Outcome::Failed, with_ago(ctx, "Failed", since), since)
    } else if phase == Some("Unknown") {
        (Outcome::Unknown, "phase Unknown".to_string(), None)
    } else if phase == Some("Pending") && initializing(ctx) {
        let since = view.start_time.or(view.created_at);
        (
            Outcome::StuckInInit,
            with_for(ctx, "stuck in Init", since),
            since,
        )
    } else if phase == Some("Pending") && worst.is_some_and(|s| s <= Severity::Warning) {
        // startTime when the kubelet took the pod, else its creation.
        let since = view.start_time.or(view.created_at);
        (Outcome::Pending, with_for(ctx, "Pending", since), since)
    } else if phase == Some("Running")
        && view.deleting_since.is_none()
        && condition_status(ctx, "Ready") == Some(false)
    {
        let since = condition_since(ctx, "Ready");
        (Outcome::NotReady, with_for(ctx, "not Ready", since), since)
    } else if any(RESTART_RULES) && phase == Some("Running") {
        let state = format!(
            "Running {}/{}, restarting",
            view.ready.unwrap_or(0),
            view.total
        );
        (Outcome::Restarting, state, None)
    } else if worst.is_some_and(|s| s <= Severity::Warning) {
        let state = format!(
            "{} {}/{}, degraded",
            view.status.as_deref().unwrap_or("-"),
            view.ready.unwrap_or(0),
            view.total
        );
        (Outcome::Degraded, state, None)
    } else {
        return None;
    };
    // Hygiene (info) never explains an outcome: without a warning, the status names the
    // container (a not-ready app with only a no-resources note on its proxy).
    let cause = findings
        .iter()
        .find(|f| f.caused_by.is_none() && f.severity <= Severity::Warning);
    let blamed = match cause {
        Some(f) => f
            .container
            .as_deref()
            .and_then(|name| ctx.containers().find(|c| c.name == name)),
        // Not Ready with no finding: the first running container that is not ready.
        None => ctx.containers().find(|c| {
            c.status
                .as_ref()
                .is_some_and(|s| !s.ready && matches!(s.state, State::Running { .. }))
        }),
    };
    let sentence = match cause {
        Some(f) => {
            // Summaries of container findings often start with `name (role): `.
            let prefix = blamed.map(|c| format!("{}: ", label(c)));
            prefix
                .as_deref()
                .and_then(|p| f.summary.strip_prefix(p))
                .unwrap_or(&f.summary)
                .to_string()
        }
        None => match blamed {
            Some(c) => format!(
                "{} is running but not ready, and no finding says why",
                label(c)
            ),
            None => fallback_cause(ctx),
        },
    };
    Some(Verdict {
        outcome,
        state,
        since,
        container: blamed.map(|c| c.name.clone()),
        role: blamed.map(|c| c.role),
        cause: sentence,
        rule: cause.map(|f| f.rule),
    })
}

/// A down pod with no finding left (filters): what its status says.
fn fallback_cause(ctx: &PodContext) -> String {
    match (&ctx.view.reason, &ctx.view.message) {
        (Some(r), Some(m)) => format!("{r}: {m}"),
        (Some(r), None) => r.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => "no finding explains it".to_string(),
    }
}

fn with_ago(ctx: &PodContext, what: &str, since: Option<Timestamp>) -> String {
    match since.filter(|t| *t <= ctx.now) {
        Some(t) => format!("{what} {}", ctx.ago(t)),
        None => what.to_string(),
    }
}

/// `what for 12m`; without the duration when the clock is behind the timestamp.
fn with_for(ctx: &PodContext, what: &str, since: Option<Timestamp>) -> String {
    match since.filter(|t| *t <= ctx.now) {
        Some(t) => format!("{what} for {}", human_duration(ctx.now.duration_since(t))),
        None => what.to_string(),
    }
}

/// Init containers or native sidecars still hold the pod (`Initialized=False`, `Init:…`).
fn initializing(ctx: &PodContext) -> bool {
    condition_status(ctx, "Initialized") == Some(false)
        || ctx
            .view
            .status
            .as_deref()
            .is_some_and(|s| s.starts_with("Init:"))
}

fn condition<'a>(
    ctx: &PodContext<'a>,
    type_: &str,
) -> Option<&'a k8s_openapi::api::core::v1::PodCondition> {
    ctx.source
        .pod
        .status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == type_)
}

fn condition_status(ctx: &PodContext, type_: &str) -> Option<bool> {
    condition(ctx, type_).map(|c| c.status == "True")
}

fn condition_since(ctx: &PodContext, type_: &str) -> Option<Timestamp> {
    condition(ctx, type_)
        .and_then(|c| c.last_transition_time.as_ref())
        .map(|t| t.0)
}

/// When the last container finished (a failed pod's end).
fn last_finish(ctx: &PodContext) -> Option<Timestamp> {
    ctx.containers()
        .filter_map(|c| match c.status.as_ref().map(|s| &s.state) {
            Some(State::Terminated(t)) => t.finished_at,
            _ => None,
        })
        .max()
}
