use crate::checks::{Group, PodContext, Policy};
use crate::model::finding::{Finding, Severity};
use crate::model::order::*;

rule! {
    pub const RULE = Rule {
        id: "sidecar-as-init",
        group: Group::Order,
        title: "a long-running sidecar declared as a plain init container (restartPolicy: Always missing)",
        policy: Policy::Outage,
        check,
    };
}

fn check(pod: &PodContext) -> Vec<Finding> {
    plain_init_sidecars(&pod.order_facts())
        .into_iter()
        .map(|finding| with_server_version(pod, finding))
        .collect()
}

/// Plain init containers that look like long-running sidecars (§1.12).
fn plain_init_sidecars(ctx: &OrderFacts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, c) in ctx.spec.init_containers.iter().flatten().enumerate() {
        if is_native(c) {
            continue;
        }
        let signs = long_running_signs(c);
        if signs.is_empty() {
            continue;
        }
        let status = ctx.status_of(&c.name, true);
        let state = status.and_then(|s| s.state.as_ref());
        if state
            .and_then(|s| s.terminated.as_ref())
            .is_some_and(|t| t.exit_code == 0)
        {
            // It finished: whatever it looks like, it is a one-shot init container.
            continue;
        }
        let running_since = state
            .and_then(|s| s.running.as_ref())
            .map(|r| r.started_at.as_ref().map(|t| t.0));
        let stuck = running_since.is_some() && ctx.initialized() == Some(false);
        let name = &c.name;
        let policy = match c.restart_policy.as_deref() {
            Some(p) => format!("restartPolicy: {p}"),
            None => "no restartPolicy".to_string(),
        };
        let mut evidence = vec![format!(
            "initContainers[{index}] {name}: {policy} (a native sidecar needs restartPolicy: Always)"
        )];
        evidence.extend(signs);
        let (severity, summary) = if stuck {
            let since = running_since
                .flatten()
                .map(|t| format!(" since {}", ctx.when(t)))
                .unwrap_or_default();
            evidence.push(format!(
                "{name} is running{since} while the pod is {}",
                ctx.view.status.as_deref().unwrap_or("initializing")
            ));
            (
                Severity::Critical,
                "runs like a sidecar but is a plain init container, so the pod can never leave Init; restartPolicy: Always was probably stripped by an old API server (< 1.28, or the SidecarContainers gate off) or by a mutating webhook built with older Kubernetes types".to_string(),
            )
        } else {
            (
                Severity::Warning,
                "looks like a long-running sidecar but lacks restartPolicy: Always: as a plain init container it never exits, so the pod would never leave Init".to_string(),
            )
        };
        let fix = if stuck {
            format!(
                "check that restartPolicy: Always survives admission (kubectl get pod -n {} {} -o jsonpath='{{.spec.initContainers[{index}].restartPolicy}}'); upgrade the API server to ≥ 1.29 or fix the webhook that drops the field",
                ctx.view.namespace, ctx.view.name
            )
        } else {
            format!(
                "add restartPolicy: Always to {name} to make it a native sidecar (Kubernetes ≥ 1.29), or move it to containers"
            )
        };
        let mut finding = Finding::new(RULE.id, severity, summary)
            .container(name)
            .fix(fix);
        finding.evidence = evidence;
        findings.push(finding);
    }
    findings
}

/// Live, the server version tells whether the field could even be kept.
fn with_server_version(pod: &PodContext, finding: Finding) -> Finding {
    match pod.server_version {
        Some((1, minor)) if minor < 29 => finding.evidence(format!(
            "the server is v1.{minor}: native sidecars need 1.29 (beta, on by default) or 1.28 with the SidecarContainers feature gate; older servers drop restartPolicy from init containers"
        )),
        Some((major, minor)) => finding.evidence(format!(
            "the server is v{major}.{minor}, which supports native sidecars: if the manifest sets restartPolicy: Always, a mutating webhook may have dropped it"
        )),
        None => finding,
    }
}
