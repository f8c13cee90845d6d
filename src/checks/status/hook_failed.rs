//! `hook-failed`: a postStart or preStop hook failed. A failed postStart kills the container
//! (exit 137), which is exactly how a sidecar start-up gate (Istio
//! holdApplicationUntilProxyStarts, linkerd-await) breaks.

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::State;
use crate::model::finding::{Finding, Severity};

rule! {
    /// ## What it does
    /// Reports a container whose lifecycle hook failed: it waits with `reason: PostStartHookError`, or
    /// has `FailedPostStartHook` or `FailedPreStopHook` events. A failed postStart hook is critical, a
    /// failed preStop hook (seen only in events) a warning. The evidence quotes the waiting message, the
    /// last termination (a container killed for its postStart hook shows exit 137) and the hook events
    /// with their counts. Offline without an events file only the `PostStartHookError` state is seen.
    ///
    /// ## Why is this bad?
    /// The kubelet kills a container whose postStart hook fails, and restarts it according to the pod's
    /// `restartPolicy`. The kubelet starts the containers listed after it only once the hook has
    /// returned, which is exactly how sidecar start-up gates work: Istio's
    /// `holdApplicationUntilProxyStarts` puts a `pilot-agent wait` postStart hook on a classic
    /// istio-proxy listed first, classic Linkerd uses `linkerd-await`. When the proxy does not become
    /// ready before the hook's timeout (istiod unreachable, a bad mesh config), the gate fails, the proxy
    /// is killed and the pod is not Ready.
    ///
    /// A failed preStop hook means the container was stopped without its cleanup: a proxy that should
    /// drain connections, or a shipper that should flush its buffer, just gets SIGTERM.
    ///
    /// ## Example
    /// A classic Istio proxy with `holdApplicationUntilProxyStarts`: its `pilot-agent wait` hook timed
    /// out, so the kubelet killed it.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: reviews-v2-5b8c9d7f6-j4n8q
    ///   namespace: bookinfo
    ///   uid: 6a2d9f4c-1e7b-4a3d-8c5f-0b9e2d7a4c16
    ///   labels: {app: reviews, version: v2, pod-template-hash: 5b8c9d7f6}
    ///   creationTimestamp: "2026-11-23T11:54:02Z"
    /// spec:
    ///   containers:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     args: [proxy, sidecar]
    ///     lifecycle:
    ///       postStart: {exec: {command: [pilot-agent, wait]}}
    ///   - name: reviews
    ///     image: docker.io/istio/examples-bookinfo-reviews-v2:1.20.2
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:54:02Z"
    ///   conditions:
    ///   - {type: Ready, status: "False", reason: ContainersNotReady,
    ///      message: "containers with unready status: [istio-proxy]",
    ///      lastTransitionTime: "2026-11-23T11:54:02Z"}
    ///   containerStatuses:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     imageID: docker.io/istio/proxyv2@sha256:d789304af09b6cc6542eea2a1ccc1011006e36d764c404a0ad49113487bdb5fc
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       waiting:
    ///         reason: PostStartHookError
    ///         message: 'Exec lifecycle hook ([pilot-agent wait]) for Container "istio-proxy" in Pod
    ///           "reviews-v2-5b8c9d7f6-j4n8q_bookinfo(6a2d9f4c-1e7b-4a3d-8c5f-0b9e2d7a4c16)" failed -
    ///           error: command ''pilot-agent wait'' exited with 255: Error: timeout waiting for Envoy
    ///           proxy to become ready. Last error: HTTP status code 503, message: ""'
    ///     lastState:
    ///       terminated: {exitCode: 137, reason: Error, startedAt: "2026-11-23T11:54:05Z",
    ///         finishedAt: "2026-11-23T11:55:08Z"}
    ///   - name: reviews
    ///     image: docker.io/istio/examples-bookinfo-reviews-v2:1.20.2
    ///     imageID: docker.io/istio/examples-bookinfo-reviews-v2@sha256:8f0c2e6a4d1b9f7e3c5a0d8b6f4e2c1a9d7b5f3e0c8a6d4b2f1e9c7a5d3b0f8e
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T11:55:09Z"}}
    /// ```
    /// Not reported: the same pod once istiod is reachable: the hook returned and istio-proxy runs.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: reviews-v2-5b8c9d7f6-j4n8q
    ///   namespace: bookinfo
    ///   uid: 6a2d9f4c-1e7b-4a3d-8c5f-0b9e2d7a4c16
    ///   labels: {app: reviews, version: v2, pod-template-hash: 5b8c9d7f6}
    ///   creationTimestamp: "2026-11-23T11:54:02Z"
    /// spec:
    ///   containers:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     args: [proxy, sidecar]
    ///     lifecycle:
    ///       postStart: {exec: {command: [pilot-agent, wait]}}
    ///   - name: reviews
    ///     image: docker.io/istio/examples-bookinfo-reviews-v2:1.20.2
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:54:02Z"
    ///   conditions:
    ///   - {type: Ready, status: "True", lastTransitionTime: "2026-11-23T11:54:11Z"}
    ///   containerStatuses:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     imageID: docker.io/istio/proxyv2@sha256:d789304af09b6cc6542eea2a1ccc1011006e36d764c404a0ad49113487bdb5fc
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T11:54:05Z"}}
    ///   - name: reviews
    ///     image: docker.io/istio/examples-bookinfo-reviews-v2:1.20.2
    ///     imageID: docker.io/istio/examples-bookinfo-reviews-v2@sha256:8f0c2e6a4d1b9f7e3c5a0d8b6f4e2c1a9d7b5f3e0c8a6d4b2f1e9c7a5d3b0f8e
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T11:54:09Z"}}
    /// ```
    ///
    /// ## Fix
    /// Run the hook's command by hand in the image (`kubectl debug`) and fix what makes it fail. For a
    /// proxy start-up gate, find why the proxy is not ready before the hook's timeout (is the control
    /// plane reachable, is the mesh config valid), and consider a native sidecar (`initContainers` with
    /// `restartPolicy: Always` and a `startupProbe`, Kubernetes 1.29+), which gates the application
    /// without a postStart hook. For a preStop hook, make sure the command exists in the image and
    /// finishes well within `terminationGracePeriodSeconds`.
    pub const RULE = Rule {
        id: "hook-failed",
        group: Group::Status,
        title: "a postStart or preStop lifecycle hook failed",
        patch: false,
        policy: Policy::Outage,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for c in ctx.containers() {
        let waiting_hook = c.status.as_ref().and_then(|s| match &s.state {
            State::Waiting {
                reason: Some(r),
                message,
            } if r == "PostStartHookError" => Some(message.clone().unwrap_or_default()),
            _ => None,
        });
        let hook_events: Vec<_> = ctx
            .container_events(&c.name)
            .into_iter()
            .filter(|e| {
                matches!(
                    e.reason.as_str(),
                    "FailedPostStartHook" | "FailedPreStopHook"
                )
            })
            .collect();
        if waiting_hook.is_none() && hook_events.is_empty() {
            continue;
        }
        let which = if waiting_hook.is_some()
            || hook_events
                .iter()
                .any(|e| e.reason == "FailedPostStartHook")
        {
            "postStart"
        } else {
            "preStop"
        };
        let consequence = if which == "postStart" {
            "the kubelet kills a container whose postStart hook fails, and containers after it wait for the hook"
        } else {
            "the container was stopped without its preStop cleanup (e.g. connection draining)"
        };
        let mut finding = Finding::new(
            RULE.id,
            if which == "postStart" {
                Severity::Critical
            } else {
                Severity::Warning
            },
            format!("{}: {which} hook failed; {consequence}", label(c)),
        )
        .container(&c.name);
        if let Some(message) = waiting_hook.filter(|m| !m.is_empty()) {
            finding = finding.evidence(format!("state.waiting: PostStartHookError: {message}"));
        }
        if let Some(last) = c.status.as_ref().and_then(|s| s.last_termination.as_ref()) {
            finding = finding.evidence(format!(
                "lastState.terminated: reason={} exitCode={}",
                last.reason.as_deref().unwrap_or("-"),
                last.exit_code
            ));
        }
        for e in hook_events {
            finding = finding.evidence(format!("event {} x{}: {}", e.reason, e.count, e.message));
        }
        findings.push(finding.fix(format!(
            "run the {which} command of {} by hand in the image (kubectl debug) and fix it; for a proxy start-up gate, check that the proxy becomes ready before the hook's timeout",
            c.name
        )));
    }
    findings
}
