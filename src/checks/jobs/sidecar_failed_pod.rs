//! `sidecar-failed-pod`: the main container completed, but a classic sidecar exited non-zero
//! when the pod stopped it (143 on SIGTERM, 137 when SIGKILLed at the end of the grace
//! period), and that exit made the pod — and its Job — Failed. A classic sidecar's exit code
//! counts toward the pod's phase; a native sidecar's does not (KEP-753).

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::finding::{Finding, Severity};
use crate::model::sidecar_kind::{Product, product_of};
use crate::model::{Role, State, belongs_to_job};

rule! {
    pub const RULE = Rule {
        id: "sidecar-failed-pod",
        group: Group::Jobs,
        title: "the main container completed but a classic sidecar's exit code failed the pod (Job)",
        policy: Policy::Outage,
        check,
    };
}

fn why(exit_code: i32) -> &'static str {
    match exit_code {
        143 => "exited 143 on SIGTERM when the pod stopped it",
        137 => {
            "was SIGKILLed (137) at the end of the grace period because it did not exit on SIGTERM"
        }
        _ => "exited non-zero when the pod stopped it",
    }
}

/// The remedy the sidecar's own project documents, then the general one.
fn remedy(product: Option<Product>, name: &str, native_ok: bool) -> String {
    let native = format!(
        "make {name} a native sidecar (initContainers with restartPolicy: Always): a native sidecar's exit code does not decide the pod's phase"
    );
    let specific = match product {
        Some(Product::CloudSql) => Some(format!(
            "add --exit-zero-on-sigterm to {name}'s args (cloud-sql-proxy v2) so SIGTERM ends it with exit 0; or start it with --quitquitquit and have the main container POST to http://localhost:9091/quitquitquit when it is done"
        )),
        Some(Product::Istio) => Some(
            "use Istio's native sidecar mode: annotate the pod template with sidecar.istio.io/nativeSidecar: \"true\" (or set ENABLE_NATIVE_SIDECARS=true on istiod); with a classic proxy, have the main container call curl -fsS -X POST http://localhost:15020/quitquitquit when it is done".to_string(),
        ),
        Some(Product::Linkerd) => Some(
            "use Linkerd's native sidecar mode: annotate the pod template with config.beta.linkerd.io/proxy-enable-native-sidecar: \"true\"; with a classic proxy, wrap the main command in linkerd-await --shutdown -- CMD so the proxy is shut down cleanly when it ends".to_string(),
        ),
        None => None,
    };
    let general = if native_ok {
        native
    } else {
        format!("{native} once the server is ≥ 1.29")
    };
    match specific {
        Some(specific) => format!("{specific}; in general, {general}"),
        None => general,
    }
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    if ctx.view.spec_only || ctx.view.phase.as_deref() != Some("Failed") {
        return Vec::new();
    }
    let Some(main) = ctx.main() else {
        return Vec::new();
    };
    let Some(State::Terminated(done)) = main.status.as_ref().map(|s| &s.state) else {
        return Vec::new();
    };
    if !done.is_success() {
        return Vec::new(); // the main container failed on its own: pod-failed blames it
    }
    let native_ok = !matches!(ctx.server_version, Some((1, minor)) if minor < 29);
    let what = if belongs_to_job(ctx.source) {
        "the Job pod"
    } else {
        "the pod"
    };
    ctx.containers()
        .filter(|c| c.role == Role::Sidecar)
        .filter_map(|c| match c.status.as_ref().map(|s| &s.state) {
            Some(State::Terminated(t)) if !t.is_success() && !t.is_oom() => Some((c, t)),
            _ => None,
        })
        .map(|(c, t)| {
            let mut finding = Finding::new(
                RULE.id,
                Severity::Critical,
                format!(
                    "{} completed (exit 0), but classic sidecar {} {}, which failed {what}",
                    main.name,
                    label(c),
                    why(t.exit_code)
                ),
            )
            .container(&c.name)
            .evidence(format!(
                "{}: terminated reason={} exitCode=0",
                main.name,
                done.reason.as_deref().unwrap_or("-")
            ))
            .evidence(t.evidence(&c.name))
            .evidence(format!(
                "pod phase Failed, restartPolicy {}: every regular container's exit code counts",
                ctx.view.restart_policy.as_deref().unwrap_or("Always")
            ));
            if let Some((1, minor)) = ctx.server_version {
                finding = finding.evidence(format!(
                    "server v1.{minor}: native sidecars {}",
                    if native_ok {
                        "are available"
                    } else {
                        "need ≥ 1.29"
                    }
                ));
            }
            finding.fix(remedy(product_of_spec(ctx, &c.name), &c.name, native_ok))
        })
        .collect()
}

fn product_of_spec(ctx: &PodContext, name: &str) -> Option<Product> {
    ctx.spec(name).and_then(product_of)
}
