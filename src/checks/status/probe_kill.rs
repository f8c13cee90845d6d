//! `probe-kill`: exit 137 that is not OOMKilled, with liveness probe failures in the events:
//! the liveness probe killed the container. Needs events, so it is silent offline.

use k8s_openapi::api::core::v1::Probe;

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::State;
use crate::model::finding::{Finding, Severity};

rule! {
    /// ## What it does
    /// Reports a container killed by its liveness probe: its current or last termination has exit code
    /// 137 without `reason: OOMKilled`, and its events include `Unhealthy` events starting with
    /// `Liveness probe failed` or `Killing` events mentioning `failed liveness probe`. Always a warning.
    /// The finding counts the liveness failures and restarts and, when the container declares a
    /// `livenessProbe`, gives its kill budget: `initialDelaySeconds + failureThreshold × periodSeconds`
    /// (defaults 0, 3 and 10). It needs events: offline without an events file it stays silent. A
    /// liveness kill the process answered by exiting on SIGTERM (exit 143 or 0) is not reported here.
    ///
    /// ## Why is this bad?
    /// When a liveness probe fails `failureThreshold` times in a row, the kubelet kills the container and
    /// restarts it: an overloaded or slow container that would have recovered is restarted instead, often
    /// under the load that made it slow, and every restart drops its in-flight requests.
    ///
    /// Exit 137 rather than 143 also says the process ignored SIGTERM and was SIGKILLed at the end of its
    /// grace period: it had no chance to finish requests or flush anything. A Node.js or shell process
    /// running as PID 1 without a signal handler behaves this way.
    ///
    /// ## Example
    /// A Node.js app that stops answering `/livez` under load is killed twice by its liveness probe.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: checkout-6d8f9b7c4-q8zpl
    ///   namespace: shop
    ///   uid: 5fda9db3-e06a-4eb2-9148-f057cf0d29bc
    ///   labels: {app: checkout, pod-template-hash: 6d8f9b7c4}
    ///   creationTimestamp: "2026-11-23T09:12:40Z"
    /// spec:
    ///   containers:
    ///   - name: checkout
    ///     image: ghcr.io/acme/checkout:3.2.1
    ///     command: [node, server.js]
    ///     livenessProbe:
    ///       httpGet: {path: /livez, port: 8080}
    ///       periodSeconds: 10
    ///       timeoutSeconds: 1
    ///       failureThreshold: 3
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T09:12:40Z"
    ///   conditions:
    ///   - {type: Ready, status: "True", lastTransitionTime: "2026-11-23T11:52:09Z"}
    ///   containerStatuses:
    ///   - name: checkout
    ///     image: ghcr.io/acme/checkout:3.2.1
    ///     imageID: ghcr.io/acme/checkout@sha256:5e2f8a1c9b7d3e6f0a4c2b8d1e9f7a5c3b0d6e4f2a8c1b9d7e5f3a0c6b4d2e8f
    ///     ready: true
    ///     started: true
    ///     restartCount: 2
    ///     state: {running: {startedAt: "2026-11-23T11:52:04Z"}}
    ///     lastState:
    ///       terminated: {exitCode: 137, reason: Error, startedAt: "2026-11-23T11:20:54Z",
    ///         finishedAt: "2026-11-23T11:52:03Z"}
    /// ---
    /// apiVersion: v1
    /// kind: Event
    /// metadata: {name: checkout-6d8f9b7c4-q8zpl.1879a0c2b4d6e8f1, namespace: shop}
    /// involvedObject: {apiVersion: v1, kind: Pod, name: checkout-6d8f9b7c4-q8zpl, namespace: shop,
    ///   uid: 5fda9db3-e06a-4eb2-9148-f057cf0d29bc, fieldPath: "spec.containers{checkout}"}
    /// reason: Unhealthy
    /// message: 'Liveness probe failed: Get "http://10.244.1.23:8080/livez": context deadline exceeded
    ///   (Client.Timeout exceeded while awaiting headers)'
    /// type: Warning
    /// count: 6
    /// firstTimestamp: "2026-11-23T11:20:03Z"
    /// lastTimestamp: "2026-11-23T11:51:33Z"
    /// source: {component: kubelet, host: worker-1}
    /// ```
    /// Not reported: the same status without the liveness events (offline, or the events expired after
    /// their default hour): exit 137 alone could be any SIGKILL.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: checkout-6d8f9b7c4-q8zpl
    ///   namespace: shop
    ///   uid: 5fda9db3-e06a-4eb2-9148-f057cf0d29bc
    ///   labels: {app: checkout, pod-template-hash: 6d8f9b7c4}
    ///   creationTimestamp: "2026-11-23T09:12:40Z"
    /// spec:
    ///   containers:
    ///   - name: checkout
    ///     image: ghcr.io/acme/checkout:3.2.1
    ///     command: [node, server.js]
    ///     livenessProbe:
    ///       httpGet: {path: /livez, port: 8080}
    ///       periodSeconds: 10
    ///       timeoutSeconds: 1
    ///       failureThreshold: 3
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T09:12:40Z"
    ///   conditions:
    ///   - {type: Ready, status: "True", lastTransitionTime: "2026-11-23T11:52:09Z"}
    ///   containerStatuses:
    ///   - name: checkout
    ///     image: ghcr.io/acme/checkout:3.2.1
    ///     imageID: ghcr.io/acme/checkout@sha256:5e2f8a1c9b7d3e6f0a4c2b8d1e9f7a5c3b0d6e4f2a8c1b9d7e5f3a0c6b4d2e8f
    ///     ready: true
    ///     started: true
    ///     restartCount: 2
    ///     state: {running: {startedAt: "2026-11-23T11:52:04Z"}}
    ///     lastState:
    ///       terminated: {exitCode: 137, reason: Error, startedAt: "2026-11-23T11:20:54Z",
    ///         finishedAt: "2026-11-23T11:52:03Z"}
    /// ```
    ///
    /// ## Fix
    /// - Fix what makes the liveness check fail (a blocked event loop, a dependency checked from the
    ///   liveness endpoint), or give it more room: a higher `failureThreshold` or `timeoutSeconds`, and a
    ///   `startupProbe` for slow starts instead of a long `initialDelaySeconds`.
    /// - Make the process exit on SIGTERM (a signal handler, or an init such as `tini` as PID 1), so a
    ///   kill drains requests instead of waiting for SIGKILL.
    /// ```yaml
    ///     livenessProbe:
    ///       httpGet: {path: /livez, port: 8080}
    ///       periodSeconds: 10
    ///       timeoutSeconds: 5
    ///       failureThreshold: 6
    /// ```
    pub const RULE = Rule {
        id: "probe-kill",
        group: Group::Status,
        title: "the liveness probe killed a container (exit 137 without OOMKilled)",
        patch: false,
        policy: Policy::Hazard,
        check,
    };
}

/// Seconds from the first failed check to the kill: initialDelay + failureThreshold × period.
pub fn kill_budget(probe: &Probe) -> (i32, i32, i32, i32) {
    let delay = probe.initial_delay_seconds.unwrap_or(0);
    let threshold = probe.failure_threshold.unwrap_or(3);
    let period = probe.period_seconds.unwrap_or(10);
    (delay, threshold, period, delay + threshold * period)
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for c in ctx.containers() {
        let Some(status) = &c.status else { continue };
        let killed = [
            match &status.state {
                State::Terminated(t) => Some(t),
                _ => None,
            },
            status.last_termination.as_ref(),
        ]
        .into_iter()
        .flatten()
        .find(|t| t.exit_code == 137 && !t.is_oom());
        let Some(killed) = killed else { continue };
        let liveness_failures: Vec<_> = ctx
            .container_events(&c.name)
            .into_iter()
            .filter(|e| {
                (e.reason == "Unhealthy" && e.message.starts_with("Liveness probe failed"))
                    || (e.reason == "Killing" && e.message.contains("failed liveness probe"))
            })
            .collect();
        if liveness_failures.is_empty() {
            continue;
        }
        let total: u32 = liveness_failures
            .iter()
            .filter(|e| e.reason == "Unhealthy")
            .map(|e| e.count)
            .sum();
        let budget = ctx
            .spec(&c.name)
            .and_then(|spec| spec.liveness_probe.as_ref())
            .map(kill_budget);
        let budget_text = budget.map_or(String::new(), |(delay, threshold, period, total)| {
            format!("; kill budget {delay}s + {threshold} × {period}s = {total}s")
        });
        let mut finding = Finding::new(
            RULE.id,
            Severity::Warning,
            format!(
                "{}: killed by its liveness probe (exit 137 SIGKILL, not OOM), {}, {}{budget_text}",
                label(c),
                crate::render::count(total, "liveness failure", "liveness failures"),
                crate::render::count(status.restart_count, "restart", "restarts")
            ),
        )
        .container(&c.name)
        .evidence(format!(
            "terminated: reason={} exitCode=137",
            killed.reason.as_deref().unwrap_or("-")
        ));
        for e in liveness_failures {
            finding = finding.evidence(format!("event {} x{}: {}", e.reason, e.count, e.message));
        }
        findings.push(finding.fix(format!(
            "fix what makes {}'s liveness check fail, or give it more room (failureThreshold, timeoutSeconds; a startupProbe for slow starts). Exit 137 rather than 143 means it also ignored SIGTERM until the grace period ran out",
            c.name
        )));
    }
    findings
}
