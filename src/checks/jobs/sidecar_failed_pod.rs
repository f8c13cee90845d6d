//! `sidecar-failed-pod`: the main container completed, but a classic sidecar exited non-zero
//! when the pod stopped it (143 on SIGTERM, 137 when SIGKILLed at the end of the grace
//! period), and that exit made the pod — and its Job — Failed. A classic sidecar's exit code
//! counts toward the pod's phase; a native sidecar's does not (KEP-753).

use crate::checks::remedies;
use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::finding::{Finding, Severity};
use crate::model::patch::{Place, PodPatch};
use crate::model::sidecar_kind::{Product, product_of};
use crate::model::{Role, State, belongs_to_job};

rule! {
    /// ## What it does
    /// Finds a pod in phase `Failed` whose main container terminated with exit 0 while a classic sidecar
    /// (another entry in `containers`) terminated with a non-zero exit code, and blames that sidecar:
    /// critical. The summary reads 143 as the exit on SIGTERM and 137 as a SIGKILL at the end of the
    /// grace period. The fix names the switch the sidecar's own project documents (Cloud SQL Auth Proxy,
    /// Istio, Linkerd) and otherwise a native sidecar. A failed main container is left to `pod-failed`,
    /// an OOMKilled sidecar to `oom-killed`, native sidecars never count, and manifests are not checked.
    ///
    /// ## Why is this bad?
    /// A pod's phase is decided by the exit codes of all its regular containers, classic sidecars
    /// included: with `restartPolicy: Never`, as in every Job, one non-zero exit makes the pod `Failed`
    /// even though the work is done. The Job counts a failure, starts the work again in a new pod until
    /// `backoffLimit` is used up and then fails the whole Job: the work runs again, alerts fire, and
    /// the app's logs show nothing wrong.
    ///
    /// Most proxies exit 143 when they get SIGTERM, and one that ignores it is SIGKILLed (137). A native
    /// sidecar's exit code does not decide the pod's phase (KEP-753), so the same exit is harmless there.
    ///
    /// ## Example
    /// A Job's pod whose report finished with exit 0 and then stopped its Cloud SQL Auth Proxy, which
    /// exited 143 and failed the pod.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: invoice-report-29385100-7d2xw
    ///   namespace: billing
    ///   labels: {batch.kubernetes.io/job-name: invoice-report-29385100, job-name: invoice-report-29385100}
    ///   ownerReferences:
    ///   - {apiVersion: batch/v1, kind: Job, name: invoice-report-29385100,
    ///      uid: 376c9911-3c43-41b1-8e39-21a501ddc4cc, controller: true, blockOwnerDeletion: true}
    ///   creationTimestamp: "2026-11-23T11:40:01Z"
    /// spec:
    ///   restartPolicy: Never
    ///   shareProcessNamespace: true
    ///   containers:
    ///   - name: report
    ///     image: ghcr.io/acme/invoice-report:1.4.2
    ///     command: [/bin/sh, -c, "invoice-report --month=2026-10 && pkill cloud-sql-proxy"]
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, "acme-prod:europe-west1:billing-db"]
    /// status:
    ///   phase: Failed
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:40:02Z"
    ///   containerStatuses:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     imageID: gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:980fed5c920f0aa317d13fb6ab4179c1f9fb3bf4d6e5d443b486c051fa1af4a9
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       terminated: {exitCode: 143, reason: Error, startedAt: "2026-11-23T11:40:03Z", finishedAt: "2026-11-23T11:47:40Z"}
    ///     lastState: {}
    ///   - name: report
    ///     image: ghcr.io/acme/invoice-report:1.4.2
    ///     imageID: ghcr.io/acme/invoice-report@sha256:6b2f8e4dcc88bfa536e05bab8151567ed8c73c643c03f315a6fa6da8efd4d1e0
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       terminated: {exitCode: 0, reason: Completed, startedAt: "2026-11-23T11:40:04Z", finishedAt: "2026-11-23T11:47:38Z"}
    ///     lastState: {}
    /// ```
    /// Not reported: the proxy is a native sidecar; the kubelet stopped it after report exited, and its
    /// 143 left the pod `Succeeded`.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: invoice-report-29385100-7d2xw
    ///   namespace: billing
    ///   labels: {batch.kubernetes.io/job-name: invoice-report-29385100, job-name: invoice-report-29385100}
    ///   ownerReferences:
    ///   - {apiVersion: batch/v1, kind: Job, name: invoice-report-29385100,
    ///      uid: 376c9911-3c43-41b1-8e39-21a501ddc4cc, controller: true, blockOwnerDeletion: true}
    ///   creationTimestamp: "2026-11-23T11:40:01Z"
    /// spec:
    ///   restartPolicy: Never
    ///   initContainers:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, "acme-prod:europe-west1:billing-db"]
    ///     restartPolicy: Always
    ///   containers:
    ///   - name: report
    ///     image: ghcr.io/acme/invoice-report:1.4.2
    ///     args: [--month=2026-10]
    /// status:
    ///   phase: Succeeded
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:40:02Z"
    ///   initContainerStatuses:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     imageID: gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:980fed5c920f0aa317d13fb6ab4179c1f9fb3bf4d6e5d443b486c051fa1af4a9
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       terminated: {exitCode: 143, reason: Error, startedAt: "2026-11-23T11:40:03Z", finishedAt: "2026-11-23T11:47:40Z"}
    ///     lastState: {}
    ///   containerStatuses:
    ///   - name: report
    ///     image: ghcr.io/acme/invoice-report:1.4.2
    ///     imageID: ghcr.io/acme/invoice-report@sha256:6b2f8e4dcc88bfa536e05bab8151567ed8c73c643c03f315a6fa6da8efd4d1e0
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       terminated: {exitCode: 0, reason: Completed, startedAt: "2026-11-23T11:40:04Z", finishedAt: "2026-11-23T11:47:38Z"}
    ///     lastState: {}
    /// ```
    ///
    /// ## Fix
    /// - Cloud SQL Auth Proxy (v2): add `--exit-zero-on-sigterm` to its args so SIGTERM ends it with
    ///   exit 0; or start it with `--quitquitquit` and have the main container
    ///   `POST http://localhost:9091/quitquitquit` when it is done.
    /// - Istio: use native sidecar mode (pod template annotation `sidecar.istio.io/nativeSidecar: "true"`,
    ///   or `ENABLE_NATIVE_SIDECARS=true` on istiod); with a classic proxy, have the main container run
    ///   `curl -fsS -X POST http://localhost:15020/quitquitquit` when it is done.
    /// - Linkerd: use native sidecar mode (annotation
    ///   `config.beta.linkerd.io/proxy-enable-native-sidecar: "true"`); with a classic proxy, wrap the
    ///   main command in `linkerd-await --shutdown -- CMD`.
    /// - Any sidecar: make it a native sidecar (`initContainers` with `restartPolicy: Always`,
    ///   Kubernetes ≥ 1.29); its exit code then does not decide the pod's phase.
    /// ```yaml
    ///   initContainers:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--port=5432, "acme-prod:europe-west1:billing-db"]
    ///     restartPolicy: Always
    /// ```
    pub const RULE = Rule {
        id: "sidecar-failed-pod",
        group: Group::Jobs,
        title: "the main container completed but a classic sidecar's exit code failed the pod (Job)",
        patch: true,
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
            let finding = finding.fix(remedy(product_of_spec(ctx, &c.name), &c.name, native_ok));
            finding.patch_if(ctx.patches, || ctx.spec(&c.name).map(exit_remedy))
        })
        .collect()
}

fn product_of_spec(ctx: &PodContext, name: &str) -> Option<Product> {
    ctx.spec(name).and_then(product_of)
}

/// Cloud SQL Auth Proxy has a flag for exactly this; other sidecars become native sidecars,
/// whose exit codes do not decide the pod's phase.
fn exit_remedy(c: &k8s_openapi::api::core::v1::Container) -> PodPatch {
    if product_of(c) != Some(Product::CloudSql) {
        return remedies::to_native(c);
    }
    let note = "cloud-sql-proxy v2 then exits 0 on SIGTERM; v1 (gce-proxy images) lacks the flag";
    // Flags go after the ones already there: in args, or in command when args are not used.
    let list = if c.args.is_none() && c.command.is_some() {
        "command"
    } else {
        "args"
    };
    PodPatch::new(note).append(
        Place::Container(c.name.clone()),
        &[list],
        serde_json::json!("--exit-zero-on-sigterm"),
    )
}
