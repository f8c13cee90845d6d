use crate::checks::{Group, PodContext, Policy};
use crate::model::finding::{Finding, Severity};
use crate::model::order::*;
use crate::model::sidecar_kind::{self, SidecarKind};

rule! {
    pub const RULE = Rule {
        id: "shutdown-order",
        group: Group::Order,
        title: "shutdown hazards: classic sidecars stopping with the app, preStop longer than the grace period",
        policy: Policy::Hazard,
        check,
    };
}

fn check(pod: &PodContext) -> Vec<Finding> {
    let facts = pod.order_facts();
    let mut findings = classic_sidecar_stopped_with_app(&facts);
    findings.extend(pre_stop_exceeds_grace(&facts));
    super::in_start_up_order(&facts, findings)
}

/// Classic sidecars the app still needs while it drains, stopped at the same moment.
fn classic_sidecar_stopped_with_app(ctx: &OrderFacts) -> Vec<Finding> {
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
                .fix(fix),
        );
    }
    findings
}

/// preStop hooks that sleep through the whole grace period.
fn pre_stop_exceeds_grace(ctx: &OrderFacts) -> Vec<Finding> {
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
                )),
        );
    }
    findings
}
