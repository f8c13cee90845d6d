use crate::checks::{Group, PodContext, Policy, remedies};
use crate::model::finding::{Finding, Severity};
use crate::model::order::*;
use crate::model::patch::{Place, PodPatch};
use crate::model::sidecar_kind::{self, SidecarKind};
use serde_json::json;

rule! {
    /// ## What it does
    /// Two checks on how the pod stops, read from the spec. First, a classic proxy or log/telemetry
    /// shipper in `containers`: it gets SIGTERM together with the app (a proxy whose preStop sleeps only
    /// delays its own SIGTERM by that sleep); Job pods and pods with `restartPolicy: Never` or
    /// `OnFailure` are left out, since they are meant to finish (see `job-sidecar-never-exits`).
    /// Second, any regular container or native sidecar whose preStop hook sleeps at least the pod's
    /// `terminationGracePeriodSeconds` (30 when unset): the `sleep` action, or the `sleep N` calls of an
    /// exec command, summed. Every finding is info, except a preStop sleep on a pod that is being
    /// deleted (`deletionTimestamp` set), which is a warning.
    ///
    /// ## Why is this bad?
    /// When a pod is deleted, every preStop hook starts and the grace period starts counting. Each
    /// regular container gets SIGTERM as soon as its own preStop returns, classic sidecars included,
    /// and native sidecars only after every regular container has exited, last declared first. A
    /// classic proxy can therefore exit while the app is still draining: its in-flight and new outbound
    /// calls fail, and each rollout or scale-down shows a burst of 503s (istio#7136). A classic log
    /// shipper loses what the app writes while it shuts down.
    ///
    /// A preStop hook still running when the grace period ends is cut off: the container gets SIGTERM
    /// with only 2 more seconds before SIGKILL, so it never shuts down cleanly, and native sidecars
    /// stopped after it get 2 seconds each.
    ///
    /// ## Example
    /// A storefront with a classic Envoy sidecar and a 45s preStop sleep, under the default 30s grace
    /// period.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: storefront-6b7c8d9f5-k3p8r
    ///   namespace: shop
    ///   labels: {app: storefront, pod-template-hash: 6b7c8d9f5}
    ///   creationTimestamp: "2026-11-23T09:14:30Z"
    /// spec:
    ///   restartPolicy: Always
    ///   containers:
    ///   - name: storefront
    ///     image: ghcr.io/acme/storefront:5.1.0
    ///     ports:
    ///     - {name: http, containerPort: 8080, protocol: TCP}
    ///     lifecycle:
    ///       preStop:
    ///         exec:
    ///           command: [/bin/sh, -c, sleep 45]
    ///   - name: envoy
    ///     image: envoyproxy/envoy:v1.32.1
    ///     args: [-c, /etc/envoy/envoy.yaml]
    ///     ports:
    ///     - {name: admin, containerPort: 9901, protocol: TCP}
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T09:14:31Z"
    ///   containerStatuses:
    ///   - name: envoy
    ///     image: docker.io/envoyproxy/envoy:v1.32.1
    ///     imageID: docker.io/envoyproxy/envoy@sha256:1b5b7f0c8d3a2e4f6a9c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state:
    ///       running: {startedAt: "2026-11-23T09:14:33Z"}
    ///     lastState: {}
    ///   - name: storefront
    ///     image: ghcr.io/acme/storefront:5.1.0
    ///     imageID: ghcr.io/acme/storefront@sha256:7a9c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state:
    ///       running: {startedAt: "2026-11-23T09:14:32Z"}
    ///     lastState: {}
    /// ```
    /// Not reported: Envoy is a native sidecar, stopped only after storefront has exited, and the grace
    /// period of 75s outlasts the 45s preStop sleep.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: storefront-6b7c8d9f5-k3p8r
    ///   namespace: shop
    ///   labels: {app: storefront, pod-template-hash: 6b7c8d9f5}
    ///   creationTimestamp: "2026-11-23T09:14:30Z"
    /// spec:
    ///   restartPolicy: Always
    ///   terminationGracePeriodSeconds: 75
    ///   initContainers:
    ///   - name: envoy
    ///     image: envoyproxy/envoy:v1.32.1
    ///     args: [-c, /etc/envoy/envoy.yaml]
    ///     restartPolicy: Always
    ///     ports:
    ///     - {name: admin, containerPort: 9901, protocol: TCP}
    ///     startupProbe:
    ///       httpGet: {path: /ready, port: 9901}
    ///       periodSeconds: 1
    ///       failureThreshold: 30
    ///   containers:
    ///   - name: storefront
    ///     image: ghcr.io/acme/storefront:5.1.0
    ///     ports:
    ///     - {name: http, containerPort: 8080, protocol: TCP}
    ///     lifecycle:
    ///       preStop:
    ///         exec:
    ///           command: [/bin/sh, -c, sleep 45]
    /// status:
    ///   phase: Running
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T09:14:31Z"
    ///   initContainerStatuses:
    ///   - name: envoy
    ///     image: docker.io/envoyproxy/envoy:v1.32.1
    ///     imageID: docker.io/envoyproxy/envoy@sha256:1b5b7f0c8d3a2e4f6a9c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state:
    ///       running: {startedAt: "2026-11-23T09:14:32Z"}
    ///     lastState: {}
    ///   containerStatuses:
    ///   - name: storefront
    ///     image: ghcr.io/acme/storefront:5.1.0
    ///     imageID: ghcr.io/acme/storefront@sha256:7a9c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state:
    ///       running: {startedAt: "2026-11-23T09:14:35Z"}
    ///     lastState: {}
    /// ```
    ///
    /// ## Fix
    /// - Make the proxy or shipper a native sidecar (`initContainers` with `restartPolicy: Always`,
    ///   Kubernetes ≥ 1.29): it gets SIGTERM only after the app has exited.
    /// - With Istio, use native sidecars (`ENABLE_NATIVE_SIDECARS=true`), or until then set
    ///   `EXIT_ON_ZERO_ACTIVE_CONNECTIONS: "true"` in the `proxyMetadata` of `proxy.istio.io/config`.
    /// - With Linkerd, annotate `config.linkerd.io/proxy-enable-native-sidecar: "true"`, or keep
    ///   `config.alpha.linkerd.io/proxy-wait-before-exit-seconds` below the grace period.
    /// - Raise `terminationGracePeriodSeconds` above the preStop sleep plus the time the container needs
    ///   after SIGTERM (e.g. sleep + 30s), or shorten the sleep.
    /// ```yaml
    /// spec:
    ///   terminationGracePeriodSeconds: 75
    ///   initContainers:
    ///   - name: envoy
    ///     image: envoyproxy/envoy:v1.32.1
    ///     restartPolicy: Always
    /// ```
    pub const RULE = Rule {
        id: "shutdown-order",
        group: Group::Order,
        title: "shutdown hazards: classic sidecars stopping with the app, preStop longer than the grace period",
        patch: true,
        policy: Policy::Hazard,
        check,
    };
}

fn check(pod: &PodContext) -> Vec<Finding> {
    let facts = pod.order_facts();
    let mut findings = classic_sidecar_stopped_with_app(&facts, pod.patches);
    findings.extend(pre_stop_exceeds_grace(&facts, pod.patches));
    super::in_start_up_order(&facts, findings)
}

/// Classic sidecars the app still needs while it drains, stopped at the same moment.
fn classic_sidecar_stopped_with_app(ctx: &OrderFacts, patches: bool) -> Vec<Finding> {
    // A Job's pod is meant to finish, not to be stopped; a classic sidecar there keeps the
    // pod from completing, which is diagnose's own rule (job-sidecar-never-exits).
    if ctx.job_pod() {
        return Vec::new();
    }
    let Some(main) = ctx.app() else {
        return Vec::new();
    };
    let (grace, _) = ctx.grace_period();
    let mut findings = Vec::new();
    for c in &ctx.spec.containers {
        let kind = sidecar_kind::kind_of(c);
        if c.name == main.name || !matches!(kind, SidecarKind::Proxy | SidecarKind::Telemetry) {
            continue;
        }
        let (name, app) = (&c.name, &main.name);
        let hook = pre_stop(c).map(hook_of);
        let delay = hook
            .as_ref()
            .and_then(|h| h.sleep_seconds)
            .filter(|s| *s > 0);
        let (severity, summary) = match (kind, delay) {
            // Info: the pod runs fine today; the race bites on rollouts (severity policy).
            (SidecarKind::Proxy, None) => (
                Severity::Info,
                format!(
                    "classic proxy sidecar: gets SIGTERM together with {app} and may exit while {app} is still draining, failing its in-flight and new outbound calls"
                ),
            ),
            (SidecarKind::Proxy, Some(s)) => (
                Severity::Info,
                format!(
                    "classic proxy sidecar stopped together with {app}: its preStop only delays its SIGTERM by {s}s, so {app} must finish draining within that"
                ),
            ),
            _ => (
                Severity::Info,
                format!(
                    "classic {} sidecar: gets SIGTERM together with {app}, so what {app} logs or sends while shutting down may be lost",
                    kind.noun()
                ),
            ),
        };
        let pre_stop_text = hook.as_ref().map_or("no preStop".to_string(), |h| {
            format!("preStop {} {}", h.action, h.detail)
        });
        let fix = match name.as_str() {
            "istio-proxy" => format!(
                "use Istio native sidecars (ENABLE_NATIVE_SIDECARS=true, Kubernetes ≥ 1.29): the kubelet then stops istio-proxy only after {app} has exited; until then set EXIT_ON_ZERO_ACTIVE_CONNECTIONS: \"true\" in proxy.istio.io/config proxyMetadata"
            ),
            "linkerd-proxy" => format!(
                "use linkerd native sidecar mode (config.linkerd.io/proxy-enable-native-sidecar: \"true\"): it is then stopped only after {app} has exited; or set config.alpha.linkerd.io/proxy-wait-before-exit-seconds below the {grace}s grace period"
            ),
            _ => format!(
                "make {name} a native sidecar (initContainers with restartPolicy: Always, Kubernetes ≥ 1.29): native sidecars get SIGTERM only after {app} has exited"
            ),
        };
        findings.push(
            Finding::new(RULE.id, severity, summary)
                .container(name)
                .evidence(format!(
                    "{name} is in spec.containers (classic sidecar), {pre_stop_text}; terminationGracePeriodSeconds {grace}"
                ))
                .fix(fix)
                .patch_if(patches, || remedies::to_native(c)),
        );
    }
    findings
}

/// preStop hooks that sleep through the whole grace period.
fn pre_stop_exceeds_grace(ctx: &OrderFacts, patches: bool) -> Vec<Finding> {
    let (grace, defaulted) = ctx.grace_period();
    let has_natives = ctx.spec.init_containers.iter().flatten().any(is_native);
    let running = ctx
        .spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| is_native(c))
        .chain(ctx.spec.containers.iter());
    let mut findings = Vec::new();
    for c in running {
        let Some(hook) = pre_stop(c).map(hook_of) else {
            continue;
        };
        let Some(sleep) = hook.sleep_seconds.filter(|s| *s >= grace) else {
            continue;
        };
        let name = &c.name;
        let native = is_native(c);
        let consumed = if sleep == grace {
            format!("preStop sleeps {sleep}s, the whole {grace}s grace period")
        } else {
            format!("preStop sleeps {sleep}s, longer than the pod's {grace}s grace period")
        };
        let then = if !native && has_natives {
            "; the native sidecars, stopped after it, then get only 2s each"
        } else {
            ""
        };
        let summary = format!(
            "{consumed}: the hook is cut off and the container gets SIGTERM with 2s left before SIGKILL, so it never shuts down gracefully{then}"
        );
        let grace_source = if defaulted {
            "not set (default 30s)".to_string()
        } else {
            format!("{grace}s")
        };
        // It hits at every shutdown, but has hurt only once the pod is being deleted.
        let severity = if ctx.pod.metadata.deletion_timestamp.is_some() {
            Severity::Warning
        } else {
            Severity::Info
        };
        findings.push(
            Finding::new(RULE.id, severity, summary)
                .container(name)
                .evidence(format!("{name} preStop: {} {}", hook.action, hook.detail))
                .evidence(format!("terminationGracePeriodSeconds: {grace_source}"))
                .fix(format!(
                    "raise terminationGracePeriodSeconds above the preStop sleep plus the time {name} needs after SIGTERM (e.g. {}s), or shorten the sleep",
                    sleep + 30
                ))
                .patch_if(patches, || {
                    PodPatch::new(format!(
                        "starting point: {name}'s preStop sleep of {sleep}s plus 30s for it to stop after SIGTERM"
                    ))
                    .set(Place::Spec, &["terminationGracePeriodSeconds"], json!(sleep + 30))
                }),
        );
    }
    findings
}
