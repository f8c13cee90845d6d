//! `job-sidecar-never-exits`: a Job pod whose main container finished while a classic
//! sidecar keeps running, so the Job never completes (kubernetes#25908). Native sidecars
//! (Kubernetes ≥ 1.29) are stopped after the main container exits.

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::finding::{Finding, Severity};
use crate::model::{Role, State, belongs_to_job};

rule! {
    pub const RULE = Rule {
        id: "job-sidecar-never-exits",
        group: Group::Jobs,
        title: "a Job pod's classic sidecar keeps running after the main container finished",
        policy: Policy::Outage,
        check,
    };
}

fn native_sidecar_advice(ctx: &PodContext, sidecar: &str) -> String {
    let base = format!(
        "make {sidecar} a native sidecar: move it to initContainers with restartPolicy: Always (Kubernetes ≥ 1.29); it is then stopped once the main container exits"
    );
    match ctx.server_version {
        Some((1, minor)) if minor < 29 => format!(
            "{base}. This server is v1.{minor}, too old for that: until you upgrade, have the main container stop the sidecar when done (e.g. Istio's /quitquitquit, cloud-sql-proxy's --quitquitquit)"
        ),
        _ => base,
    }
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    if !belongs_to_job(ctx.source) {
        return Vec::new();
    }
    let Some(main) = ctx.main() else {
        return Vec::new();
    };
    let classic: Vec<_> = ctx
        .containers()
        .filter(|c| c.role == Role::Sidecar)
        .collect();
    if classic.is_empty() {
        return Vec::new();
    }
    if ctx.view.spec_only {
        // A pre-deploy check: the template already has the problem.
        return classic
            .iter()
            .map(|s| {
                Finding::new(
                    RULE.id,
                    Severity::Warning,
                    format!(
                        "{} is a classic sidecar in a Job's pod template: once {} finishes it keeps running and the Job never completes",
                        label(s),
                        main.name
                    ),
                )
                .container(&s.name)
                .evidence(format!("spec.containers: {} and {}; restartPolicy {}", main.name, s.name,
                    ctx.view.restart_policy.as_deref().unwrap_or("Always")))
                .fix(native_sidecar_advice(ctx, &s.name))
            })
            .collect();
    }
    let Some(State::Terminated(done)) = main.status.as_ref().map(|s| &s.state) else {
        return Vec::new();
    };
    classic
        .iter()
        .filter(|s| matches!(s.status.as_ref().map(|st| &st.state), Some(State::Running { .. })))
        .map(|s| {
            let finished = done
                .finished_at
                .map(|at| format!(" {}", ctx.ago(at)))
                .unwrap_or_default();
            let mut finding = Finding::new(
                RULE.id,
                Severity::Critical,
                format!(
                    "{} finished{finished} (exit {}) but classic sidecar {} still runs: the Job never completes",
                    main.name,
                    done.exit_code,
                    label(s)
                ),
            )
            .container(&s.name)
            .evidence(format!(
                "{}: terminated reason={} exitCode={}",
                main.name,
                done.reason.as_deref().unwrap_or("-"),
                done.exit_code
            ));
            if let Some(State::Running {
                started_at: Some(at),
            }) = s.status.as_ref().map(|st| &st.state)
            {
                finding = finding.evidence(format!("{}: running since {at}", s.name));
            }
            finding
                .evidence(format!(
                    "pod phase {}, restartPolicy {}",
                    ctx.view.phase.as_deref().unwrap_or("-"),
                    ctx.view.restart_policy.as_deref().unwrap_or("-")
                ))
                .fix(native_sidecar_advice(ctx, &s.name))
        })
        .collect()
}
