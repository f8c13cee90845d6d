//! The actual timeline: each container's runs, read from its status.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Container, ContainerState};

use super::*;

// ---------------------------------------------------------------- timeline

pub fn timeline(ctx: &OrderFacts) -> Timeline {
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

fn container_timeline(ctx: &OrderFacts, c: &Container, is_init: bool) -> ContainerTimeline {
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

fn run_of(ctx: &OrderFacts, kind: RunKind, state: &ContainerState) -> Option<Run> {
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
