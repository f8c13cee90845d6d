//! `restart-storm`: one side of the pod keeps restarting while the other is stable (a sidecar
//! restarting under a healthy app, or the reverse), with counts and the average interval.
//! Reported only when no rule in `EXPLAINED_BY` already explains that container's restarts.

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::finding::{Finding, Severity};
use crate::model::{Role, State};
use crate::render::human_duration;

rule! {
    /// ## What it does
    /// Reports one side of the pod restarting while the other is stable: a native or classic sidecar with
    /// 5 or more restarts (`restartCount`) while the main container never restarted, or the main
    /// container with 5 or more restarts while every sidecar has 0. Always a warning. The summary gives
    /// the count and the average interval since the pod started, and whether the sidecar is running
    /// again. It is dropped when `crash-loop`, `oom-killed` or `probe-kill` reports the same container,
    /// since those already explain its restarts: in practice it is left for restarts no other rule reads,
    /// such as a sidecar whose last exit was 0.
    ///
    /// ## Why is this bad?
    /// Every restart of a sidecar takes away what it does for the application until it is back: the
    /// proxy's connections are cut, the log shipper's buffer is lost, the secrets agent stops renewing.
    /// The pod stays Ready most of the time, so nothing alerts, while the application sees errors at
    /// every restart.
    ///
    /// Restarts that end with exit 0 leave no error behind: the container was stopped from outside (a
    /// liveness probe, a process that exits on SIGTERM with 0) or exits on its own, and the restart count
    /// is the only trace.
    ///
    /// ## Example
    /// A Cloud SQL proxy with `--exit-zero-on-sigterm` restarted 6 times in 6 hours by a failing liveness
    /// probe, while the application never restarted.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: orders-api-5f8c7d9b6-t4wzr
    ///   namespace: shop
    ///   labels: {app: orders-api, pod-template-hash: 5f8c7d9b6}
    ///   creationTimestamp: "2026-11-23T06:00:00Z"
    /// spec:
    ///   containers:
    ///   - name: orders-api
    ///     image: ghcr.io/acme/orders-api:2.8.0
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, --health-check, --http-address=0.0.0.0, --exit-zero-on-sigterm,
    ///            "acme-prod:europe-west1:orders"]
    ///     livenessProbe: {httpGet: {path: /liveness, port: 9090}, periodSeconds: 10, failureThreshold: 3}
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T06:00:00Z"
    ///   conditions:
    ///   - {type: Ready, status: "True", lastTransitionTime: "2026-11-23T11:41:37Z"}
    ///   containerStatuses:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     imageID: gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:1b7e3c9a5d2f8e4b6a0c9d1f3e7b5a2c8d4f6e0a9b3c1d7e5f2a8b6c4d0e9f1a
    ///     ready: true
    ///     started: true
    ///     restartCount: 6
    ///     state: {running: {startedAt: "2026-11-23T11:41:35Z"}}
    ///     lastState:
    ///       terminated: {exitCode: 0, reason: Completed, startedAt: "2026-11-23T10:38:12Z",
    ///         finishedAt: "2026-11-23T11:41:34Z"}
    ///   - name: orders-api
    ///     image: ghcr.io/acme/orders-api:2.8.0
    ///     imageID: ghcr.io/acme/orders-api@sha256:9c1d7e3b5a8f2c4e6d0b1a9f7e5c3d2b8a6f4e0c2d9b7a5e3c1f8d6b4a2e0c9f
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T06:00:04Z"}}
    /// ```
    /// Not reported: the same proxy when the application restarted too (once): restarts on both sides are
    /// not one side failing under a stable other.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: orders-api-5f8c7d9b6-t4wzr
    ///   namespace: shop
    ///   labels: {app: orders-api, pod-template-hash: 5f8c7d9b6}
    ///   creationTimestamp: "2026-11-23T06:00:00Z"
    /// spec:
    ///   containers:
    ///   - name: orders-api
    ///     image: ghcr.io/acme/orders-api:2.8.0
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, --health-check, --http-address=0.0.0.0, --exit-zero-on-sigterm,
    ///            "acme-prod:europe-west1:orders"]
    ///     livenessProbe: {httpGet: {path: /liveness, port: 9090}, periodSeconds: 10, failureThreshold: 3}
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T06:00:00Z"
    ///   conditions:
    ///   - {type: Ready, status: "True", lastTransitionTime: "2026-11-23T11:41:37Z"}
    ///   containerStatuses:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     imageID: gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:1b7e3c9a5d2f8e4b6a0c9d1f3e7b5a2c8d4f6e0a9b3c1d7e5f2a8b6c4d0e9f1a
    ///     ready: true
    ///     started: true
    ///     restartCount: 6
    ///     state: {running: {startedAt: "2026-11-23T11:41:35Z"}}
    ///     lastState:
    ///       terminated: {exitCode: 0, reason: Completed, startedAt: "2026-11-23T10:38:12Z",
    ///         finishedAt: "2026-11-23T11:41:34Z"}
    ///   - name: orders-api
    ///     image: ghcr.io/acme/orders-api:2.8.0
    ///     imageID: ghcr.io/acme/orders-api@sha256:9c1d7e3b5a8f2c4e6d0b1a9f7e5c3d2b8a6f4e0c2d9b7a5e3c1f8d6b4a2e0c9f
    ///     ready: true
    ///     started: true
    ///     restartCount: 1
    ///     state: {running: {startedAt: "2026-11-23T08:17:45Z"}}
    ///     lastState:
    ///       terminated: {exitCode: 1, reason: Error, startedAt: "2026-11-23T06:00:04Z",
    ///         finishedAt: "2026-11-23T08:17:44Z"}
    /// ```
    ///
    /// ## Fix
    /// - A restarting sidecar: find what stops it: its `Killing` and `Unhealthy` events (a liveness probe
    ///   that fails under load), its previous log (`kubectl logs --previous -c CONTAINER`), its memory
    ///   limit. Here: fix the proxy's health or give its `livenessProbe` a higher `failureThreshold`.
    /// - A restarting main container next to stable sidecars: the sidecars are fine; look at the
    ///   application itself (its previous log, probes and limits).
    pub const RULE = Rule {
        id: "restart-storm",
        group: Group::Status,
        title: "a sidecar keeps restarting while the main container is stable (or the reverse)",
        patch: false,
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
