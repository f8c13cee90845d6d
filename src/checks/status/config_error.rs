//! `config-error`: the kubelet or runtime could not create or start the container
//! (missing ConfigMap/Secret or key, bad mount, runtime start error).

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::State;
use crate::model::finding::{Finding, Severity};

rule! {
    /// ## What it does
    /// Reports a container the kubelet or the runtime could not create or start: waiting with
    /// `CreateContainerConfigError`, `CreateContainerError`, `RunContainerError`, `PreCreateHookError` or
    /// `PreStartHookError`, or terminated with `StartError` or `ContainerCannotRun`. Always critical. The
    /// summary quotes the first line of the message (up to 160 characters) and the evidence the whole of
    /// it; the fix is matched to the message: a ConfigMap or Secret (or key) `not found`, a mount that
    /// breaks the filesystem (`read-only file system`, `mount`), or a command missing from the image
    /// (`executable file not found`, `no such file`). Next to a `mount-over-root` finding on the same
    /// container it is marked as that finding's consequence.
    ///
    /// ## Why is this bad?
    /// The container never runs: the kubelet retries creating it on every sync, and the pod stays
    /// `Pending` or not Ready, with no Service traffic, until the spec or the objects it references are
    /// fixed. A `StartError` in a Job pod with `restartPolicy: Never` fails the pod outright.
    ///
    /// These errors come from references the API server does not check when the pod is created: an `env`
    /// or `envFrom` entry naming a Secret or ConfigMap that does not exist in the namespace (often one a
    /// sidecar injector or chart expects someone else to create), a key missing from it, or a `command`
    /// the image does not contain.
    ///
    /// ## Example
    /// An OpenTelemetry Collector sidecar reads its API key from a Secret that was never created in the
    /// namespace.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: cart-7c5d9f8b6-q7hzn
    ///   namespace: shop
    ///   labels: {app: cart, pod-template-hash: 7c5d9f8b6}
    ///   creationTimestamp: "2026-11-23T11:52:20Z"
    /// spec:
    ///   containers:
    ///   - name: cart
    ///     image: ghcr.io/acme/cart:1.14.0
    ///   - name: otel-collector
    ///     image: otel/opentelemetry-collector-contrib:0.112.0
    ///     args: [--config=/conf/otel-collector.yaml]
    ///     env:
    ///     - name: HONEYCOMB_API_KEY
    ///       valueFrom: {secretKeyRef: {name: honeycomb, key: api-key}}
    /// status:
    ///   phase: Pending
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:52:20Z"
    ///   containerStatuses:
    ///   - name: cart
    ///     image: ghcr.io/acme/cart:1.14.0
    ///     imageID: ghcr.io/acme/cart@sha256:6b0d2f8a4c9e1b7d5f3a0c8e6b4d2f9a7c5e3b1d0f8a6c4e2b9d7f5a3c1e0b8d
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T11:52:24Z"}}
    ///   - name: otel-collector
    ///     image: otel/opentelemetry-collector-contrib:0.112.0
    ///     imageID: ""
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       waiting: {reason: CreateContainerConfigError, message: secret "honeycomb" not found}
    /// ```
    /// Not reported: the same Secret mounted as a volume instead: the pod waits in `ContainerCreating`
    /// with `FailedMount` events, which the `events` rule reports.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: cart-7c5d9f8b6-q7hzn
    ///   namespace: shop
    ///   uid: 9e3c7a1f-5b2d-4c8e-b6f0-3a9d1e7c5b24
    ///   labels: {app: cart, pod-template-hash: 7c5d9f8b6}
    ///   creationTimestamp: "2026-11-23T11:52:20Z"
    /// spec:
    ///   containers:
    ///   - name: cart
    ///     image: ghcr.io/acme/cart:1.14.0
    ///   - name: otel-collector
    ///     image: otel/opentelemetry-collector-contrib:0.112.0
    ///     args: [--config=/conf/otel-collector.yaml]
    ///     volumeMounts:
    ///     - {name: honeycomb, mountPath: /etc/honeycomb, readOnly: true}
    ///   volumes:
    ///   - name: honeycomb
    ///     secret: {secretName: honeycomb}
    /// status:
    ///   phase: Pending
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:52:20Z"
    ///   containerStatuses:
    ///   - {name: cart, image: "ghcr.io/acme/cart:1.14.0", imageID: "", ready: false, started: false,
    ///      restartCount: 0, state: {waiting: {reason: ContainerCreating}}}
    ///   - {name: otel-collector, image: "otel/opentelemetry-collector-contrib:0.112.0", imageID: "",
    ///      ready: false, started: false, restartCount: 0, state: {waiting: {reason: ContainerCreating}}}
    /// ---
    /// apiVersion: v1
    /// kind: Event
    /// metadata: {name: cart-7c5d9f8b6-q7hzn.1879a3b5d2e4f6a1, namespace: shop}
    /// involvedObject: {apiVersion: v1, kind: Pod, name: cart-7c5d9f8b6-q7hzn, namespace: shop,
    ///   uid: 9e3c7a1f-5b2d-4c8e-b6f0-3a9d1e7c5b24}
    /// reason: FailedMount
    /// message: 'MountVolume.SetUp failed for volume "honeycomb" : secret "honeycomb" not found'
    /// type: Warning
    /// count: 5
    /// firstTimestamp: "2026-11-23T11:52:20Z"
    /// lastTimestamp: "2026-11-23T11:52:51Z"
    /// source: {component: kubelet, host: worker-1}
    /// ```
    ///
    /// ## Fix
    /// - `not found` for a ConfigMap or Secret (or key): create it in the pod's namespace, or fix the
    ///   reference in `env[].valueFrom`, `envFrom` or `volumes`; mark it `optional: true` only if the
    ///   container can run without it.
    /// - A mount that breaks the filesystem (`read-only file system`): check `mountPath` (never `/` or a
    ///   system directory) and `subPath`.
    /// - `executable file not found` or `no such file`: fix `command`/`args` or the image.
    /// - Anything else: read the full message in `kubectl describe pod` and fix that container's spec.
    pub const RULE = Rule {
        id: "config-error",
        group: Group::Status,
        title: "the container cannot be created or started (CreateContainerConfigError, StartError, …)",
        patch: false,
        policy: Policy::Outage,
        check,
    };
}

const WAITING_REASONS: &[&str] = &[
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "PreCreateHookError",
    "PreStartHookError",
];

const TERMINATED_REASONS: &[&str] = &["StartError", "ContainerCannotRun"];

fn check(ctx: &PodContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for c in ctx.containers() {
        let Some(status) = &c.status else { continue };
        let (reason, message) = match &status.state {
            State::Waiting {
                reason: Some(r),
                message,
            } if WAITING_REASONS.contains(&r.as_str()) => (r.clone(), message.clone()),
            State::Terminated(t)
                if t.reason
                    .as_deref()
                    .is_some_and(|r| TERMINATED_REASONS.contains(&r)) =>
            {
                (t.reason.clone().unwrap_or_default(), t.message.clone())
            }
            _ => continue,
        };
        let message = message.unwrap_or_default();
        let short = message.lines().next().unwrap_or_default().trim();
        let mut finding = Finding::new(
            RULE.id,
            Severity::Critical,
            if short.is_empty() {
                format!("{}: {reason}", label(c))
            } else {
                format!("{}: {reason}: {}", label(c), truncate(short, 160))
            },
        )
        .container(&c.name)
        .evidence(format!("reason={reason}"));
        if !message.is_empty() {
            finding = finding.evidence(format!("message: {}", message.trim()));
        }
        let lower = message.to_ascii_lowercase();
        let fix = if lower.contains("not found")
            && (lower.contains("configmap") || lower.contains("secret"))
        {
            "create the missing ConfigMap/Secret (or key) in the pod's namespace, or fix the reference in env/envFrom/volumes".to_string()
        } else if lower.contains("read-only file system") || lower.contains("mount") {
            "a volume mount breaks the container's filesystem: check mountPath values (never mount over / or system paths) and subPath".to_string()
        } else if lower.contains("executable file not found") || lower.contains("no such file") {
            format!(
                "the command of {} does not exist in the image: fix command/args or the image",
                c.name
            )
        } else {
            format!(
                "read the full message with `kubectl describe pod` and fix the spec of {}",
                c.name
            )
        };
        findings.push(finding.fix(fix));
    }
    findings
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}…")
}
