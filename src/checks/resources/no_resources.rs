//! `no-resources`: sidecars without requests or limits, and sidecars allowed more memory than
//! the app. Sidecars with tiny or no requests are the first OOM victims (kubernetes#111356).

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::Role;
use crate::model::finding::{Finding, Severity};
use crate::model::quantity;

rule! {
    /// ## What it does
    /// Checks the `resources` of every native sidecar (init container with `restartPolicy: Always`) and
    /// classic sidecar (a regular container other than the main one), in running pods and in manifests
    /// alike. It reports, as info, a sidecar with no requests and no limits at all, and a sidecar
    /// whose memory limit is higher than the main container's memory limit (compared only when both are
    /// set). A sidecar with any request or limit, even CPU only, does not count as having none; init
    /// containers and the main container are not checked.
    ///
    /// ## Why is this bad?
    /// A container without requests is invisible to the scheduler: the pod is placed as if the sidecar
    /// used nothing. When the node then runs short of memory, a classic sidecar without a memory request
    /// is the kernel's first OOM victim, because the kubelet derives a container's OOM score from its
    /// request (kubernetes#111356; native sidecars get at most the app's score). A proxy killed that way
    /// drops every connection of the pod; without a limit, a leaking sidecar can instead grow until it
    /// takes the node's memory from the app.
    ///
    /// A sidecar allowed more memory than the app it serves is rarely intended (a copied `1Gi`, a
    /// forgotten default) and lets the sidecar, not the app, decide when the pod hits memory pressure.
    ///
    /// ## Example
    /// A web pod whose classic Fluent Bit sidecar has no requests or limits.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web-7c9d8b6f5d-x2x4k
    ///   namespace: shop
    ///   labels: {app: web, pod-template-hash: 7c9d8b6f5d}
    ///   creationTimestamp: "2026-11-23T10:02:11Z"
    /// spec:
    ///   containers:
    ///   - name: nginx
    ///     image: docker.io/library/nginx:1.27.3
    ///     resources:
    ///       requests: {cpu: 100m, memory: 128Mi}
    ///       limits: {memory: 256Mi}
    ///     volumeMounts:
    ///     - {name: nginx-logs, mountPath: /var/log/nginx}
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.2.2
    ///     volumeMounts:
    ///     - {name: nginx-logs, mountPath: /var/log/nginx, readOnly: true}
    ///   volumes:
    ///   - name: nginx-logs
    ///     emptyDir: {sizeLimit: 1Gi}
    /// status:
    ///   phase: Running
    ///   qosClass: Burstable
    ///   startTime: "2026-11-23T10:02:12Z"
    ///   containerStatuses:
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.2.2
    ///     imageID: cr.fluentbit.io/fluent/fluent-bit@sha256:9e4a2c6b8d0f1e3a5c7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state:
    ///       running: {startedAt: "2026-11-23T10:02:14Z"}
    ///     lastState: {}
    ///   - name: nginx
    ///     image: docker.io/library/nginx:1.27.3
    ///     imageID: docker.io/library/nginx@sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state:
    ///       running: {startedAt: "2026-11-23T10:02:13Z"}
    ///     lastState: {}
    /// ```
    /// Not reported: fluent-bit requests CPU and memory and may use at most 64Mi, less than nginx's
    /// 256Mi.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web-7c9d8b6f5d-x2x4k
    ///   namespace: shop
    ///   labels: {app: web, pod-template-hash: 7c9d8b6f5d}
    ///   creationTimestamp: "2026-11-23T10:02:11Z"
    /// spec:
    ///   containers:
    ///   - name: nginx
    ///     image: docker.io/library/nginx:1.27.3
    ///     resources:
    ///       requests: {cpu: 100m, memory: 128Mi}
    ///       limits: {memory: 256Mi}
    ///     volumeMounts:
    ///     - {name: nginx-logs, mountPath: /var/log/nginx}
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.2.2
    ///     resources:
    ///       requests: {cpu: 20m, memory: 32Mi}
    ///       limits: {memory: 64Mi}
    ///     volumeMounts:
    ///     - {name: nginx-logs, mountPath: /var/log/nginx, readOnly: true}
    ///   volumes:
    ///   - name: nginx-logs
    ///     emptyDir: {sizeLimit: 1Gi}
    /// status:
    ///   phase: Running
    ///   qosClass: Burstable
    ///   startTime: "2026-11-23T10:02:12Z"
    ///   containerStatuses:
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.2.2
    ///     imageID: cr.fluentbit.io/fluent/fluent-bit@sha256:9e4a2c6b8d0f1e3a5c7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state:
    ///       running: {startedAt: "2026-11-23T10:02:14Z"}
    ///     lastState: {}
    ///   - name: nginx
    ///     image: docker.io/library/nginx:1.27.3
    ///     imageID: docker.io/library/nginx@sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state:
    ///       running: {startedAt: "2026-11-23T10:02:13Z"}
    ///     lastState: {}
    /// ```
    ///
    /// ## Fix
    /// Set requests from the sidecar's real use (`kubectl sidecar ls --metrics` shows it) and a memory
    /// limit with some headroom; keep a sidecar's memory limit below the app's unless it really needs
    /// more.
    /// ```yaml
    ///   - name: fluent-bit
    ///     image: cr.fluentbit.io/fluent/fluent-bit:3.2.2
    ///     resources:
    ///       requests: {cpu: 20m, memory: 32Mi}
    ///       limits: {memory: 64Mi}
    /// ```
    pub const RULE = Rule {
        id: "no-resources",
        group: Group::Resources,
        title: "a sidecar has no requests/limits, or more memory than the main container",
        patch: false,
        policy: Policy::Hygiene,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    let main_limit = ctx
        .main()
        .and_then(|m| m.resources.limits.get("memory"))
        .and_then(|l| quantity::parse(l));
    let mut findings = Vec::new();
    for c in ctx.containers() {
        if !matches!(c.role, Role::NativeSidecar | Role::Sidecar) {
            continue;
        }
        if c.resources.requests.is_empty() && c.resources.limits.is_empty() {
            findings.push(
                Finding::new(
                    RULE.id,
                    Severity::Info,
                    format!("{} has no CPU or memory requests or limits", label(c)),
                )
                .container(&c.name)
                .evidence("resources: {}")
                .fix(format!(
                    "set requests (and a memory limit) on {} from its real use: without them it is scheduled as if free and is among the first killed under memory pressure",
                    c.name
                )),
            );
            continue;
        }
        let limit = c.resources.limits.get("memory");
        if let (Some(limit), Some(main_limit)) =
            (limit.and_then(|l| quantity::parse(l)), main_limit)
            && limit > main_limit
        {
            findings.push(
                Finding::new(
                    RULE.id,
                    Severity::Info,
                    format!(
                        "{} may use more memory ({}) than the main container ({})",
                        label(c),
                        quantity::format_bytes(limit),
                        quantity::format_bytes(main_limit)
                    ),
                )
                .container(&c.name)
                .fix("check that the sidecar's limit is intended; a sidecar rarely needs more than the app"),
            );
        }
    }
    findings
}
