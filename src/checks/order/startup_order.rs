use k8s_openapi::api::core::v1::Container;

use crate::checks::{Group, PodContext, Policy};
use crate::model::finding::{Finding, Severity};
use crate::model::order::*;
use crate::model::sidecar_kind::{self, SidecarKind};

rule! {
    pub const RULE = Rule {
        id: "startup-order",
        group: Group::Order,
        title: "the app may start before a sidecar it depends on (classic proxy after the app, native sidecar without startupProbe)",
        policy: Policy::Hazard,
        check,
    };
}

fn check(pod: &PodContext) -> Vec<Finding> {
    let facts = pod.order_facts();
    let mut findings = native_without_startup_probe(&facts);
    findings.extend(classic_dependency_not_waited_for(&facts));
    super::in_start_up_order(&facts, findings)
}

/// Native sidecars that release the next step as soon as their process runs.
fn native_without_startup_probe(ctx: &OrderFacts) -> Vec<Finding> {
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
        findings.push(finding.fix(format!(
            "add a startupProbe to {name} that passes only once it is ready{hint}; the kubelet then waits for it before starting {next}"
        )));
    }
    findings
}

/// Classic proxies and shippers the app does not wait for.
fn classic_dependency_not_waited_for(ctx: &OrderFacts) -> Vec<Finding> {
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
        findings.push(finding.fix(startup_fix(c, app)));
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
