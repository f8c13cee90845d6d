//! READY, STATUS and RESTARTS exactly as `kubectl get pods` prints them.
//!
//! A port of `printPod` (kubernetes `pkg/printers/internalversion/printers.go`). Many UIs got
//! native sidecars wrong (showing `Init:1/2` for a running pod); users compare us with
//! kubectl, so we follow its logic step by step rather than re-deriving it.
//!
//! `kubectl get pods` prints the rows the API server's own Table printer returns, so the
//! rules are the server's: those of v1.29–v1.35 (native sidecars in READY and RESTARTS) plus
//! the v1.36 rule that a pod which would read `Completed` shows the reason of the first
//! regular container that exited non-zero (`Error`, `OOMKilled`, `ExitCode:N`), unless a
//! container still runs and the pod is Ready. The envtest tier (`tests/envtest/`) checks
//! every scenario pod against a real v1.36.2 server's Table rows.

use std::collections::HashMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

/// What `kubectl get pods` shows for a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubectlSummary {
    pub ready: u32,
    pub total: u32,
    pub status: String,
    pub restarts: u32,
    pub last_restart: Option<Timestamp>,
}

fn restarts_of(cs: &ContainerStatus) -> u32 {
    u32::try_from(cs.restart_count).unwrap_or(0)
}

fn last_finished(cs: &ContainerStatus) -> Option<Timestamp> {
    cs.last_state
        .as_ref()?
        .terminated
        .as_ref()?
        .finished_at
        .as_ref()
        .map(|t| t.0)
}

fn later(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn condition_true(pod: &Pod, condition: &str) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.type_ == condition && c.status == "True")
        })
}

pub fn summarize(pod: &Pod) -> KubectlSummary {
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let init_specs: HashMap<&str, bool> = spec
        .and_then(|s| s.init_containers.as_ref())
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    (
                        c.name.as_str(),
                        c.restart_policy.as_deref() == Some("Always"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let init_count = spec
        .and_then(|s| s.init_containers.as_ref())
        .map_or(0, Vec::len);
    let restartable_count = init_specs.values().filter(|r| **r).count();
    let total = (spec.map_or(0, |s| s.containers.len()) + restartable_count) as u32;

    let mut reason = status
        .and_then(|s| s.reason.clone())
        .filter(|r| !r.is_empty())
        .or_else(|| status.and_then(|s| s.phase.clone()))
        .unwrap_or_default();
    let scheduling_gated = status
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated")
            })
        });
    if scheduling_gated {
        reason = "SchedulingGated".to_string();
    }

    let mut ready = 0u32;
    let mut restarts = 0u32;
    let mut last_restart = None;
    let mut restartable_restarts = 0u32;
    let mut restartable_last_restart = None;
    let mut initializing = false;

    let init_statuses = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or_default();
    for (i, cs) in init_statuses.iter().enumerate() {
        restarts += restarts_of(cs);
        last_restart = later(last_restart, last_finished(cs));
        let restartable = init_specs.get(cs.name.as_str()).copied().unwrap_or(false);
        if restartable {
            restartable_restarts += restarts_of(cs);
            restartable_last_restart = later(restartable_last_restart, last_finished(cs));
        }
        let state = cs.state.as_ref();
        let terminated = state.and_then(|s| s.terminated.as_ref());
        let waiting = state.and_then(|s| s.waiting.as_ref());
        if terminated.is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if restartable && cs.started == Some(true) {
            if cs.ready {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = terminated {
            reason = match t.reason.as_deref().filter(|r| !r.is_empty()) {
                Some(r) => format!("Init:{r}"),
                None => match t.signal.filter(|s| *s != 0) {
                    Some(signal) => format!("Init:Signal:{signal}"),
                    None => format!("Init:ExitCode:{}", t.exit_code),
                },
            };
        } else if let Some(r) = waiting
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{r}");
        } else {
            reason = format!("Init:{i}/{init_count}");
        }
        initializing = true;
        break;
    }

    if !initializing || condition_true(pod, "Initialized") {
        restarts = restartable_restarts;
        last_restart = restartable_last_restart;
        let mut has_running = false;
        // The reason of the first regular container (in spec order) that exited non-zero.
        let mut failing: Option<String> = None;
        let statuses = status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or_default();
        for cs in statuses.iter().rev() {
            restarts += restarts_of(cs);
            last_restart = later(last_restart, last_finished(cs));
            let state = cs.state.as_ref();
            let terminated = state.and_then(|s| s.terminated.as_ref());
            let waiting_reason = state
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.as_deref())
                .filter(|r| !r.is_empty());
            if let Some(r) = waiting_reason {
                reason = r.to_string();
            } else if let Some(t) = terminated {
                reason = match t.reason.as_deref().filter(|r| !r.is_empty()) {
                    Some(r) => r.to_string(),
                    None => match t.signal.filter(|s| *s != 0) {
                        Some(signal) => format!("Signal:{signal}"),
                        None => format!("ExitCode:{}", t.exit_code),
                    },
                };
                if t.exit_code != 0 {
                    failing = Some(reason.clone());
                }
            } else if cs.ready && state.is_some_and(|s| s.running.is_some()) {
                has_running = true;
                ready += 1;
            }
        }
        // A pod that would read `Completed` shows a failing container's reason instead,
        // unless a container still runs and the pod is Ready (the v1.36 server printer).
        if reason == "Completed" {
            if has_running && condition_true(pod, "Ready") {
                reason = "Running".to_string();
            } else if let Some(failing) = failing {
                reason = failing;
            } else if has_running {
                reason = "NotReady".to_string();
            }
        }
    }

    if pod.metadata.deletion_timestamp.is_some() {
        let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or_default();
        if status.and_then(|s| s.reason.as_deref()) == Some("NodeLost") {
            reason = "Unknown".to_string();
        } else if phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating".to_string();
        }
    }

    KubectlSummary {
        ready,
        total,
        status: reason,
        restarts,
        last_restart,
    }
}
