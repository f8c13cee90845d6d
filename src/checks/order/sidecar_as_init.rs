use crate::checks::{Group, PodContext, Policy};
use crate::model::finding::{Finding, Severity};
use crate::model::order::*;
use crate::model::patch::{Place, PodPatch};
use serde_json::json;

rule! {
    /// ## What it does
    /// Finds a plain init container (no `restartPolicy: Always`) that looks long-running: a known proxy,
    /// secrets agent or log/telemetry shipper by name or image (`cloud-sql-proxy`, `istio-proxy`,
    /// `vault-agent`, `fluent-bit`, …), or one with a startupProbe, readinessProbe or livenessProbe, or
    /// with `ports`. It is critical when that container is running while the pod is not initialized,
    /// and a warning otherwise (a manifest, or a container that has not run yet or exited non-zero);
    /// an init container that exited 0 is never reported, and one-shot helpers that share a sidecar's
    /// image (`istio-init`, names ending in `-init` or `-validation`, `istio-iptables` or
    /// `-exit-after-auth` in the command or args) are not taken for that sidecar. Live, the evidence
    /// adds the server version: below 1.29 native sidecars need the `SidecarContainers` feature gate
    /// (1.28) and older servers drop the field; on a newer one, a mutating webhook may have dropped it.
    ///
    /// ## Why is this bad?
    /// Init containers run one at a time and each must exit 0 before the next step starts. A proxy or
    /// agent never exits, so the app containers never start: the pod shows `Init:0/1` until someone
    /// deletes it, and a rollout of it never progresses.
    ///
    /// `restartPolicy: Always` is what makes an init container a native sidecar, and it is easy to
    /// lose even when the manifest has it: an API server older than 1.28 (or with the
    /// `SidecarContainers` gate off) drops the unknown field, and so can a mutating webhook built with
    /// older Kubernetes types that re-serializes the pod.
    ///
    /// ## Example
    /// A Cloud SQL Auth Proxy meant as a native sidecar, whose `restartPolicy: Always` an admission
    /// webhook dropped: it runs, and the pod stays in `Init:0/1`.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: reports-api-5c9f8d7b6-hx4lm
    ///   namespace: data
    ///   labels: {app: reports-api, pod-template-hash: 5c9f8d7b6}
    ///   annotations: {policies.acme.io/mutated-by: acme-defaults-webhook}
    ///   creationTimestamp: "2026-11-23T11:34:58Z"
    /// spec:
    ///   initContainers:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     args: [--structured-logs, --port=5432, --health-check, --http-address=0.0.0.0,
    ///            "acme-prod:europe-west1:reports-db"]
    ///     ports:
    ///     - {name: health, containerPort: 9090, protocol: TCP}
    ///     resources:
    ///       requests: {cpu: 50m, memory: 64Mi}
    ///       limits: {memory: 128Mi}
    ///   containers:
    ///   - name: reports-api
    ///     image: ghcr.io/acme/reports-api:2.3.4
    ///     args: [--db=127.0.0.1:5432]
    ///     resources:
    ///       requests: {cpu: 500m, memory: 512Mi}
    ///       limits: {memory: 1Gi}
    /// status:
    ///   phase: Pending
    ///   qosClass: Burstable
    ///   startTime: "2026-11-23T11:35:00Z"
    ///   conditions:
    ///   - {type: Initialized, status: "False", reason: ContainersNotInitialized,
    ///      message: "containers with incomplete status: [cloud-sql-proxy]",
    ///      lastTransitionTime: "2026-11-23T11:35:00Z"}
    ///   initContainerStatuses:
    ///   - name: cloud-sql-proxy
    ///     image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
    ///     imageID: gcr.io/cloud-sql-connectors/cloud-sql-proxy@sha256:8d2b6f4a1c9e7d3b5a0f2e4c6a8b1d3f5e7a9c2b4d6f8a0e1c3b5d7f9a2e4c6b
    ///     ready: false
    ///     started: true
    ///     restartCount: 0
    ///     state:
    ///       running: {startedAt: "2026-11-23T11:35:03Z"}
    ///     lastState: {}
    ///   containerStatuses:
    ///   - name: reports-api
    ///     image: ghcr.io/acme/reports-api:2.3.4
    ///     imageID: ""
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       waiting: {reason: PodInitializing}
    ///     lastState: {}
    /// ```
    /// Not reported: the same pod with `restartPolicy: Always` kept on cloud-sql-proxy, which is then a
    /// native sidecar: the pod initializes and reports-api runs.
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
    ///     args: [--structured-logs, --port=5432, --health-check, --http-address=0.0.0.0,
    ///            "acme-prod:europe-west1:reports-db"]
    ///     restartPolicy: Always
    ///     ports:
    ///     - {name: health, containerPort: 9090, protocol: TCP}
    ///     startupProbe:
    ///       httpGet: {path: /startup, port: 9090, scheme: HTTP}
    ///       periodSeconds: 1
    ///       failureThreshold: 30
    ///     resources:
    ///       requests: {cpu: 50m, memory: 64Mi}
    ///       limits: {memory: 128Mi}
    ///   containers:
    ///   - name: reports-api
    ///     image: ghcr.io/acme/reports-api:2.3.4
    ///     args: [--db=127.0.0.1:5432]
    ///     resources:
    ///       requests: {cpu: 500m, memory: 512Mi}
    ///       limits: {memory: 1Gi}
    /// status:
    ///   phase: Running
    ///   qosClass: Burstable
    ///   startTime: "2026-11-23T11:35:00Z"
    ///   conditions:
    ///   - {type: Initialized, status: "True", lastTransitionTime: "2026-11-23T11:35:06Z"}
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
    ///       running: {startedAt: "2026-11-23T11:35:07Z"}
    ///     lastState: {}
    /// ```
    ///
    /// ## Fix
    /// - In the manifest, add `restartPolicy: Always` to the init container (Kubernetes ≥ 1.29, or 1.28
    ///   with the `SidecarContainers` feature gate), ideally with a startupProbe; or move it to
    ///   `containers`.
    /// - When the manifest already has it, check that it survives admission:
    ///   `kubectl get pod -n NS POD -o jsonpath='{.spec.initContainers[0].restartPolicy}'`; if it is
    ///   empty, upgrade the API server or fix the webhook that drops it.
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
        id: "sidecar-as-init",
        group: Group::Order,
        title: "a long-running sidecar declared as a plain init container (restartPolicy: Always missing)",
        patch: true,
        policy: Policy::Outage,
        check,
    };
}

fn check(pod: &PodContext) -> Vec<Finding> {
    plain_init_sidecars(&pod.order_facts(), pod.patches)
        .into_iter()
        .map(|finding| with_server_version(pod, finding))
        .collect()
}

/// Plain init containers that look like long-running sidecars (§1.12).
fn plain_init_sidecars(ctx: &OrderFacts, patches: bool) -> Vec<Finding> {
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
        // Stuck, the field was stripped on the way in: patching it again changes nothing.
        finding = finding.patch_if(patches && !stuck, || {
            PodPatch::new(format!(
                "{name} becomes a native sidecar in place: it starts at this init step and keeps running beside the app"
            ))
            .set(Place::Container(name.clone()), &["restartPolicy"], json!("Always"))
            .native()
        });
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
