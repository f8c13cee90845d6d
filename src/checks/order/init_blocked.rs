use k8s_openapi::api::core::v1::Container;

use crate::checks::{Group, PodContext, Policy};
use crate::model::finding::{Finding, Severity};
use crate::model::order::*;
use crate::model::{Role, State};

rule! {
    /// ## What it does
    /// Names the init step that holds a pod in kubectl's `Init:N/M`: while the pod is not initialized
    /// (no regular container has run and the `Initialized` condition is not `True`), the first
    /// unfinished step in `initContainers` order, either an init container that has not exited 0 or a
    /// native sidecar (`restartPolicy: Always`) whose `started` is not `true`. It is critical when
    /// that step is failing (it restarted, terminated, or waits with a reason other than
    /// `PodInitializing`/`ContainerCreating`, such as `CrashLoopBackOff` or `ImagePullBackOff`) or is a
    /// plain init container that looks like a long-running sidecar, and a warning while it is
    /// merely still running or starting. For a native sidecar with a startupProbe the evidence adds how
    /// much of the probe's budget (`initialDelaySeconds + periodSeconds × failureThreshold`) its
    /// current run has used, and the finding is critical once that budget is spent. Pods that
    /// succeeded, pods being deleted and manifests without status are not checked.
    ///
    /// ## Why is this bad?
    /// The kubelet starts no app container until every init step is done: the pod stays `Pending`,
    /// never Ready, receives no Service traffic, and a rollout waiting for it stalls. Init steps run one
    /// at a time, so one stuck step blocks all the others behind it.
    ///
    /// A native sidecar releases the next step only once it has started: its startupProbe passed (or,
    /// without one, its process runs and its postStart hook returned). A startupProbe that fails
    /// `failureThreshold` times gets the sidecar killed and restarted, and the budget starts over, so a
    /// probe that never passes keeps the pod in Init forever.
    ///
    /// ## Example
    /// An Istio native sidecar whose startupProbe never passes: it was already killed once after its
    /// 600s budget and the pod has been in `Init:0/1` for 20 minutes.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: payments-api-7d4b9c8f6d-w9x2m
    ///   namespace: payments
    ///   labels: {app: payments-api, pod-template-hash: 7d4b9c8f6d}
    ///   creationTimestamp: "2026-11-23T11:39:58Z"
    /// spec:
    ///   initContainers:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     args: [proxy, sidecar, --domain, $(POD_NAMESPACE).svc.cluster.local]
    ///     restartPolicy: Always
    ///     startupProbe:
    ///       httpGet: {path: /healthz/ready, port: 15021, scheme: HTTP}
    ///       periodSeconds: 1
    ///       failureThreshold: 600
    ///       timeoutSeconds: 3
    ///   containers:
    ///   - name: payments-api
    ///     image: ghcr.io/acme/payments-api:4.7.0
    ///     ports:
    ///     - {name: http, containerPort: 8080, protocol: TCP}
    /// status:
    ///   phase: Pending
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:40:00Z"
    ///   conditions:
    ///   - type: Initialized
    ///     status: "False"
    ///     reason: ContainersNotInitialized
    ///     message: "containers with incomplete status: [istio-proxy]"
    ///     lastTransitionTime: "2026-11-23T11:40:00Z"
    ///   initContainerStatuses:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     imageID: docker.io/istio/proxyv2@sha256:d789304af09b6cc6542eea2a1ccc1011006e36d764c404a0ad49113487bdb5fc
    ///     ready: false
    ///     started: false
    ///     restartCount: 1
    ///     state:
    ///       running: {startedAt: "2026-11-23T11:50:16Z"}
    ///     lastState:
    ///       terminated: {exitCode: 137, reason: Error, startedAt: "2026-11-23T11:40:04Z", finishedAt: "2026-11-23T11:50:05Z"}
    ///   containerStatuses:
    ///   - name: payments-api
    ///     image: ghcr.io/acme/payments-api:4.7.0
    ///     imageID: ""
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       waiting: {reason: PodInitializing}
    ///     lastState: {}
    /// ```
    /// Not reported: the same pod once istio-proxy's startupProbe has passed (`started: true`): the pod
    /// is Initialized and payments-api runs.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: payments-api-7d4b9c8f6d-w9x2m
    ///   namespace: payments
    ///   labels: {app: payments-api, pod-template-hash: 7d4b9c8f6d}
    ///   creationTimestamp: "2026-11-23T11:39:58Z"
    /// spec:
    ///   initContainers:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     args: [proxy, sidecar, --domain, $(POD_NAMESPACE).svc.cluster.local]
    ///     restartPolicy: Always
    ///     startupProbe:
    ///       httpGet: {path: /healthz/ready, port: 15021, scheme: HTTP}
    ///       periodSeconds: 1
    ///       failureThreshold: 600
    ///       timeoutSeconds: 3
    ///   containers:
    ///   - name: payments-api
    ///     image: ghcr.io/acme/payments-api:4.7.0
    ///     ports:
    ///     - {name: http, containerPort: 8080, protocol: TCP}
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:40:00Z"
    ///   conditions:
    ///   - {type: Initialized, status: "True", lastTransitionTime: "2026-11-23T11:40:09Z"}
    ///   - {type: Ready, status: "True", lastTransitionTime: "2026-11-23T11:40:14Z"}
    ///   initContainerStatuses:
    ///   - name: istio-proxy
    ///     image: docker.io/istio/proxyv2:1.24.2
    ///     imageID: docker.io/istio/proxyv2@sha256:d789304af09b6cc6542eea2a1ccc1011006e36d764c404a0ad49113487bdb5fc
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state:
    ///       running: {startedAt: "2026-11-23T11:40:04Z"}
    ///     lastState: {}
    ///   containerStatuses:
    ///   - name: payments-api
    ///     image: ghcr.io/acme/payments-api:4.7.0
    ///     imageID: ghcr.io/acme/payments-api@sha256:3c1f9a7e5b2d8c4f6a0e1b3d5c7e9f2a4b6d8e0c1a3f5b7d9e2c4a6b8d0f1e3a
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state:
    ///       running: {startedAt: "2026-11-23T11:40:10Z"}
    ///     lastState: {}
    /// ```
    ///
    /// ## Fix
    /// Run the command the finding's fix names, then act on what it shows:
    /// - A native sidecar whose startupProbe does not pass: read the `Unhealthy` events
    ///   (`kubectl describe pod`) and `kubectl logs POD -c NAME`; if it only needs more time, raise
    ///   the probe's `failureThreshold` (budget: `initialDelaySeconds + periodSeconds × failureThreshold`).
    /// - A failing init container (`Init:Error`, `Init:CrashLoopBackOff`): read
    ///   `kubectl logs POD -c NAME --previous`; the pod starts only after it exits 0.
    /// - `ErrImagePull`/`ImagePullBackOff`: check the image name, tag and `imagePullSecrets`.
    /// - A proxy or agent declared as a plain init container never exits: give it
    ///   `restartPolicy: Always` (see `sidecar-as-init`).
    pub const RULE = Rule {
        id: "init-blocked",
        group: Group::Order,
        title: "an init container or an unstarted native sidecar holds the pod in Init",
        patch: false,
        policy: Policy::Outage,
        check,
    };
}

fn check(pod: &PodContext) -> Vec<Finding> {
    blocking_step(&pod.order_facts())
        .map(|finding| with_startup_budget(pod, finding))
        .into_iter()
        .collect()
}

/// The init container or native sidecar that keeps the pod from initializing.
fn blocking_step(ctx: &OrderFacts) -> Option<Finding> {
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
    let mut finding = Finding::new(RULE.id, severity, summary)
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
fn blocked_state(ctx: &OrderFacts, c: &Container, evidence: &mut Vec<String>) -> Blocked {
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
    ctx: &OrderFacts,
    name: &str,
    native: bool,
    looks_long_running: bool,
    blocked: &Blocked,
) -> String {
    let waiting = blocked.waiting.as_deref().unwrap_or("");
    let (namespace, pod) = (&ctx.view.namespace, &ctx.view.name);
    if looks_long_running {
        format!(
            "{name} never exits by design: make it a native sidecar (restartPolicy: Always), see {}",
            super::sidecar_as_init::RULE.id
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

/// With a clock, the check can say how much of a native sidecar's startupProbe budget is
/// spent: past the budget, or after a restart, the pod cannot start now, so it is critical.
fn with_startup_budget(pod: &PodContext, mut finding: Finding) -> Finding {
    let Some(c) = finding
        .container
        .as_deref()
        .and_then(|name| pod.containers().find(|c| c.name == name))
        .filter(|c| c.role == Role::NativeSidecar)
    else {
        return finding;
    };
    let Some(status) = &c.status else {
        return finding;
    };
    let State::Running {
        started_at: Some(started),
    } = status.state
    else {
        return finding;
    };
    let Some(probe) = pod.spec(&c.name).and_then(|s| s.startup_probe.as_ref()) else {
        return finding;
    };
    let (delay, threshold, period, budget) = crate::checks::status::probe_kill::kill_budget(probe);
    let used = pod.now.duration_since(started).as_secs().max(0);
    finding.evidence.push(format!(
        "{} has run {}s of its startupProbe budget of {budget}s (initialDelaySeconds {delay} + periodSeconds {period} × failureThreshold {threshold}); when it runs out the kubelet kills {} and starts it again, and the pod stays in Init",
        c.name, used, c.name
    ));
    if used > i64::from(budget) || status.restart_count > 0 {
        finding.severity = Severity::Critical;
    }
    finding
}
