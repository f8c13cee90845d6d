//! `restart-storm`: one side of the pod keeps restarting while the other is stable (a sidecar
//! restarting under a healthy app, or the reverse), with counts and the average interval.
//! Reported only when no rule in `EXPLAINED_BY` already explains that container's restarts.

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::finding::{Finding, Severity};
use crate::model::{Role, State};
use crate::render::human_duration;

rule! {
    pub const RULE = Rule {
        id: "restart-storm",
        group: Group::Status,
        title: "a sidecar keeps restarting while the main container is stable (or the reverse)",
        policy: Policy::Hazard,
        check,
    };
}

const STORM: u32 = 5;

/// Rules whose finding on the same container already explains its restarts; `run_all` drops
/// a restart-storm finding next to one of them.
pub const EXPLAINED_BY: &[&str] = &["crash-loop", "oom-killed", "probe-kill"];

fn check(ctx: &PodContext) -> Vec<Finding> {
    let Some(main) = ctx.main() else {
        return Vec::new();
    };
    let restarts =
        |c: &crate::model::ContainerView| c.status.as_ref().map_or(0, |s| s.restart_count);
    let main_restarts = restarts(main);
    let sidecars: Vec<_> = ctx
        .containers()
        .filter(|c| matches!(c.role, Role::NativeSidecar | Role::Sidecar))
        .collect();
    let since = ctx.view.start_time.or(ctx.view.created_at);
    let interval = |n: u32| {
        since
            .filter(|_| n > 0)
            .map(|start| {
                let elapsed = ctx.now.duration_since(start);
                format!(
                    " in {} (about every {})",
                    human_duration(elapsed),
                    human_duration(elapsed / i32::try_from(n).unwrap_or(i32::MAX))
                )
            })
            .unwrap_or_default()
    };
    let mut findings = Vec::new();
    for s in &sidecars {
        let n = restarts(s);
        if n >= STORM && main_restarts == 0 {
            let running = matches!(
                s.status.as_ref().map(|st| &st.state),
                Some(State::Running { .. })
            );
            findings.push(
                Finding::new(
                    RULE.id,
                    Severity::Warning,
                    format!(
                        "{} restarted {n} times{} while {} never restarted",
                        label(s),
                        interval(n),
                        main.name
                    ),
                )
                .container(&s.name)
                .evidence(format!("restartCount: {}={n}, {}=0", s.name, main.name))
                .evidence(if running {
                    "currently running again".to_string()
                } else {
                    "currently not running".to_string()
                })
                .fix(format!(
                    "the app depends on {} and loses it on every restart: see the oom-killed/crash-loop findings for why it exits",
                    s.name
                )),
            );
        }
    }
    let stable_sidecars = !sidecars.is_empty() && sidecars.iter().all(|s| restarts(s) == 0);
    if main_restarts >= STORM && stable_sidecars {
        findings.push(
            Finding::new(
                RULE.id,
                Severity::Warning,
                format!(
                    "{} restarted {main_restarts} times{} while its sidecars never restarted",
                    label(main),
                    interval(main_restarts)
                ),
            )
            .container(&main.name)
            .evidence(format!("restartCount: {}={main_restarts}", main.name))
            .fix(format!(
                "the sidecars are fine: look at {} itself (its previous log, probes and limits)",
                main.name
            )),
        );
    }
    findings
}
