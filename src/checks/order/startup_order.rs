use k8s_openapi::api::core::v1::Container;

use crate::checks::{Group, PodContext, Policy, remedies};
use crate::model::finding::{Finding, Severity};
use crate::model::order::*;
use crate::model::patch::{Place, PodPatch};
use crate::model::sidecar_kind::{self, SidecarKind};

rule! {
    /// ## What it does
    /// Two checks on what the app waits for at start-up. First, a native sidecar (init container with
    /// `restartPolicy: Always`) that has neither a startupProbe nor a postStart hook: the next init
    /// step, or the app containers, start as soon as its process runs (a readinessProbe does not gate
    /// start-up). Second, a classic proxy, secrets agent or log/telemetry shipper in `containers` that
    /// the app does not wait for: listed after the app, or before it without a postStart hold such as
    /// Istio's `holdApplicationUntilProxyStarts` or `linkerd-await`. Both are info, and a
    /// warning when the status shows the race hit: the first run of the container started next (the
    /// app, for a classic sidecar) failed (exactly one restart, last exit non-zero), or, for a classic
    /// proxy or secrets agent, the app started before it, in the same second, or while it had not
    /// started at all.
    ///
    /// ## Why is this bad?
    /// An app that starts before its proxy or secrets agent is ready fails its first connections
    /// (`connection refused` on `127.0.0.1`, istio#11130) or finds no secret file, exits and is
    /// restarted: errors and restarts in the first seconds of every pod, on every rollout and scale-up.
    ///
    /// Kubernetes orders start-up only through gates: an init container must exit 0, a native sidecar
    /// must be `started` (its startupProbe passed, or without one its process runs and its postStart
    /// hook returned), and a regular container's postStart hook must return before the next regular
    /// container starts. Regular containers without a hook start at once, whatever their readiness.
    ///
    /// ## Example
    /// A native Cloud SQL Auth Proxy without startupProbe: reports-api started while the proxy was still
    /// connecting, failed once with `connection refused`, and was restarted.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: reports-api-5c9f8d7b6-hx4lm
    ///   namespace: data
    ///   labels: {app: reports-api, pod-template-hash: 5c9f8d7b6}
    ///   creationTimestamp: "2026-11-23T11:34:58Z"
    /// spec:
    ///   initContainers:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, --health-check, --http-address=0.0.0.0, "acme-prod:europe-west1:reports-db"]
    ///     restartPolicy: Always
    ///   containers:
    ///   - name: reports-api
    ///     image: ghcr.io/acme/reports-api:2.3.4
    ///     args: [--db=127.0.0.1:5432]
    ///     terminationMessagePolicy: FallbackToLogsOnError
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:35:00Z"
    ///   initContainerStatuses:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     imageID: gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:8d2b6f4a1c9e7d3b5a0f2e4c6a8b1d3f5e7a9c2b4d6f8a0e1c3b5d7f9a2e4c6b
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state:
    ///       running: {startedAt: "2026-11-23T11:35:03Z"}
    ///     lastState: {}
    ///   containerStatuses:
    ///   - name: reports-api
    ///     image: ghcr.io/acme/reports-api:2.3.4
    ///     imageID: ghcr.io/acme/reports-api@sha256:5e7a9c1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d2f4a6c8e0b1d3f5a7c
    ///     ready: true
    ///     started: true
    ///     restartCount: 1
    ///     state:
    ///       running: {startedAt: "2026-11-23T11:35:06Z"}
    ///     lastState:
    ///       terminated:
    ///         exitCode: 1
    ///         reason: Error
    ///         message: "dial tcp 127.0.0.1:5432: connect: connection refused"
    ///         startedAt: "2026-11-23T11:35:04Z"
    ///         finishedAt: "2026-11-23T11:35:04Z"
    /// ```
    /// Not reported: cloud-sql-proxy has a startupProbe on its `/startup` health check, so the kubelet
    /// starts reports-api only once the proxy is ready.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: reports-api-5c9f8d7b6-hx4lm
    ///   namespace: data
    ///   labels: {app: reports-api, pod-template-hash: 5c9f8d7b6}
    ///   creationTimestamp: "2026-11-23T11:34:58Z"
    /// spec:
    ///   initContainers:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, --health-check, --http-address=0.0.0.0, "acme-prod:europe-west1:reports-db"]
    ///     restartPolicy: Always
    ///     startupProbe:
    ///       httpGet: {path: /startup, port: 9090, scheme: HTTP}
    ///       periodSeconds: 1
    ///       failureThreshold: 30
    ///   containers:
    ///   - name: reports-api
    ///     image: ghcr.io/acme/reports-api:2.3.4
    ///     args: [--db=127.0.0.1:5432]
    ///     terminationMessagePolicy: FallbackToLogsOnError
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:35:00Z"
    ///   initContainerStatuses:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     imageID: gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:8d2b6f4a1c9e7d3b5a0f2e4c6a8b1d3f5e7a9c2b4d6f8a0e1c3b5d7f9a2e4c6b
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state:
    ///       running: {startedAt: "2026-11-23T11:35:03Z"}
    ///     lastState: {}
    ///   containerStatuses:
    ///   - name: reports-api
    ///     image: ghcr.io/acme/reports-api:2.3.4
    ///     imageID: ghcr.io/acme/reports-api@sha256:5e7a9c1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d2f4a6c8e0b1d3f5a7c
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state:
    ///       running: {startedAt: "2026-11-23T11:35:06Z"}
    ///     lastState: {}
    /// ```
    ///
    /// ## Fix
    /// - Native sidecar: add a startupProbe that passes only once it is ready (often the same check as
    ///   its readinessProbe), e.g. cloud-sql-proxy's `--health-check` endpoint `/startup` on port 9090,
    ///   or Istio's `/healthz/ready` on port 15021; the kubelet then starts the next step only after it.
    /// - Classic `istio-proxy`: set `proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true}'`
    ///   on the pod template, or use Istio native sidecars (`ENABLE_NATIVE_SIDECARS=true`).
    /// - Classic `linkerd-proxy`: annotate the pod template with `config.linkerd.io/proxy-await: enabled`,
    ///   or use native sidecar mode (`config.linkerd.io/proxy-enable-native-sidecar: "true"`).
    /// - Any other classic proxy, agent or shipper: move it to `initContainers` with
    ///   `restartPolicy: Always` and a startupProbe (Kubernetes ≥ 1.29).
    /// ```yaml
    ///   initContainers:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     restartPolicy: Always
    ///     startupProbe:
    ///       httpGet: {path: /startup, port: 9090}
    ///       periodSeconds: 1
    ///       failureThreshold: 30
    /// ```
    pub const RULE = Rule {
        id: "startup-order",
        group: Group::Order,
        title: "the app may start before a sidecar it depends on (classic proxy after the app, native sidecar without startupProbe)",
        patch: true,
        policy: Policy::Hazard,
        check,
    };
}

fn check(pod: &PodContext) -> Vec<Finding> {
    let facts = pod.order_facts();
    let mut findings = native_without_startup_probe(&facts, pod.patches);
    findings.extend(classic_dependency_not_waited_for(&facts, pod.patches));
    super::in_start_up_order(&facts, findings)
}

/// Native sidecars that release the next step as soon as their process runs.
fn native_without_startup_probe(ctx: &OrderFacts, patches: bool) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, c) in ctx.spec.init_containers.iter().flatten().enumerate() {
        if !is_native(c) || c.startup_probe.is_some() || post_start(c).is_some() {
            continue;
        }
        let name = &c.name;
        let kind = sidecar_kind::kind_of(c);
        let next = next_after_init(ctx, index);
        // Hygiene (severity policy, docs/rules.md) until the timeline shows it hurt.
        let severity = Severity::Info;
        let what = match kind {
            SidecarKind::Other => "native sidecar".to_string(),
            k => format!("native sidecar ({})", k.noun()),
        };
        let summary = format!(
            "{what} without startupProbe: {next} start{} as soon as its process runs, before it is ready",
            if next.contains(", ") { "" } else { "s" }
        );
        let mut finding = Finding::new(RULE.id, severity, summary)
            .container(name)
            .evidence(format!(
                "initContainers[{index}] {name}: restartPolicy: Always, no startupProbe, no postStart hook"
            ));
        if c.readiness_probe.is_some() {
            finding = finding.evidence(format!(
                "{name} has a readinessProbe, but readiness never gates start-up"
            ));
        }
        let next_first = next.split(", ").next().unwrap_or_default();
        let next_init = index + 1 < ctx.spec.init_containers.as_ref().map_or(0, Vec::len);
        if let (Some(own), Some(theirs)) = (
            first_start(ctx, name, true),
            first_start(ctx, next_first, next_init),
        ) {
            finding = finding.evidence(format!(
                "{name} started at {}, {next_first} at {}",
                ctx.when(own),
                ctx.when(theirs)
            ));
        }
        if let Some(failure) = first_run_failure(ctx, next_first, next_init) {
            // The next step's first run failed right after it was released: the race hit.
            finding = finding.evidence(failure);
            finding.severity = Severity::Warning;
        }
        let hint = if c.readiness_probe.is_some() {
            " (often the same check as its readinessProbe)"
        } else {
            ""
        };
        let mut finding = finding.fix(format!(
            "add a startupProbe to {name} that passes only once it is ready{hint}; the kubelet then waits for it before starting {next}"
        ));
        finding = finding.patch_if(patches, || {
            remedies::startup_probe(c).map(|(probe, from)| {
                PodPatch::new(format!(
                    "startupProbe from {from}, every 1s for up to 60s; raise failureThreshold if {name} needs longer to start"
                ))
                .set(Place::Container(name.clone()), &["startupProbe"], probe)
            })
        });
        findings.push(finding);
    }
    findings
}

/// Classic proxies and shippers the app does not wait for.
fn classic_dependency_not_waited_for(ctx: &OrderFacts, patches: bool) -> Vec<Finding> {
    let Some(main) = ctx.app() else {
        return Vec::new();
    };
    let position = |name: &str| ctx.spec.containers.iter().position(|c| c.name == name);
    let main_index = position(&main.name).unwrap_or(0);
    let mut findings = Vec::new();
    for (index, c) in ctx.spec.containers.iter().enumerate() {
        let kind = sidecar_kind::kind_of(c);
        if c.name == main.name || kind == SidecarKind::Other {
            continue;
        }
        let before = index < main_index;
        if before && post_start(c).is_some() {
            continue; // a postStart hold (istio holdApplicationUntilProxyStarts, linkerd-await)
        }
        let (name, app) = (&c.name, &main.name);
        // Info until the timeline shows the race (severity policy, docs/rules.md).
        let mut severity = Severity::Info;
        let matters = matches!(kind, SidecarKind::Proxy | SidecarKind::SecretsAgent);
        let noun = kind.noun();
        let mut summary = if before {
            format!(
                "classic {noun} sidecar without a postStart hold: {app} starts right after it, without waiting until it is ready"
            )
        } else {
            format!(
                "classic {noun} sidecar listed after {app} with no postStart hold: {app} can start before it is ready"
            )
        };
        let order: Vec<&str> = ctx
            .spec
            .containers
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        let mut finding = Finding::new(RULE.id, Severity::Info, "")
            .container(name)
            .evidence(format!(
                "spec.containers order: {}; {name} has no lifecycle.postStart",
                order.join(", ")
            ));
        if let (Some(app_start), Some(own)) =
            (first_start(ctx, app, false), first_start(ctx, name, false))
        {
            let (a, o) = (ctx.when(app_start), ctx.when(own));
            if app_start <= own {
                summary.push_str(&format!(" ({app} started at {a}, {name} at {o})"));
                if matters {
                    severity = Severity::Warning;
                }
            }
            finding = finding.evidence(format!("{app} started at {a}, {name} at {o}"));
        } else if let Some(app_start) = first_start(ctx, app, false)
            && let Some(waiting) = waiting_reason(ctx, name, false)
        {
            let a = ctx.when(app_start);
            summary.push_str(&format!(
                " ({app} started at {a}; {name} has not started: {waiting})"
            ));
            if matters {
                severity = Severity::Warning;
            }
            finding = finding.evidence(format!(
                "{app} started at {a}; {name} is waiting: {waiting}"
            ));
        }
        if let Some(failure) = first_run_failure(ctx, app, false) {
            finding = finding.evidence(failure);
            severity = Severity::Warning;
        }
        finding.summary = summary;
        finding.severity = severity;
        findings.push(
            // Only a change that makes the app wait: an injector's native mode, or a native
            // sidecar with a startupProbe (without one the app still starts right away).
            finding
                .fix(startup_fix(c, app))
                .patch_if(patches, || remedies::to_waited_for_native(c)),
        );
    }
    findings
}

fn startup_fix(c: &Container, app: &str) -> String {
    let name = &c.name;
    match name.as_str() {
        "istio-proxy" => format!(
            "set proxy.istio.io/config: '{{\"holdApplicationUntilProxyStarts\": true}}' on the pod template (istio-proxy then starts first and {app} waits for it), or use Istio native sidecars (ENABLE_NATIVE_SIDECARS=true)"
        ),
        "linkerd-proxy" => format!(
            "annotate the pod template with config.linkerd.io/proxy-await: enabled (a postStart linkerd-await hold before {app}), or use native sidecar mode (config.linkerd.io/proxy-enable-native-sidecar: \"true\")"
        ),
        _ => format!(
            "make {name} a native sidecar: move it to initContainers with restartPolicy: Always and a startupProbe (Kubernetes ≥ 1.29), so {app} starts only once it is ready"
        ),
    }
}
