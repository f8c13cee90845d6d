//! `image-pull`: the image cannot be pulled; the kubelet's message and Failed events say why.

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::State;
use crate::model::finding::{Finding, Severity};

rule! {
    /// ## What it does
    /// Reports a container waiting with one of the image-pull reasons: `ErrImagePull`,
    /// `ImagePullBackOff`, `InvalidImageName`, `ErrImageNeverPull`, `ImageInspectError`,
    /// `RegistryUnavailable` or `SignatureValidationFailed`. Always critical. It names the image and
    /// quotes the kubelet's waiting message and the container's `Failed` events; the fix is chosen from
    /// the pull errors in those events: the tag or image does not exist (`not found`,
    /// `manifest unknown`), the registry refused the credentials (`unauthorized`, `denied`, 401, 403), or
    /// the node cannot reach the registry (`timeout`, `no such host`, `connection refused`). Without
    /// events (offline, no events file) it still reports the waiting reason.
    ///
    /// ## Why is this bad?
    /// A container whose image cannot be pulled never starts, and the kubelet retries with a growing
    /// back-off (up to 5 minutes between attempts). The pod stays `Pending` and never becomes Ready, even
    /// when the application container itself is running: every container of the pod must be ready for the
    /// pod to receive Service traffic.
    ///
    /// Sidecar images are often the ones that break: they are pinned and bumped by a mesh or agent
    /// injector, or come from a registry that needs its own pull secret, so the application's image pulls
    /// fine while the sidecar's does not.
    ///
    /// ## Example
    /// An Envoy sidecar pinned to a tag that does not exist, with the kubelet's `Failed` event.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: search-6d9b8c7f5-m2vkp
    ///   namespace: shop
    ///   uid: 2b7e4d1a-9c3f-4e8b-a5d6-1f0c8e9b7a32
    ///   labels: {app: search, pod-template-hash: 6d9b8c7f5}
    ///   creationTimestamp: "2026-11-23T11:50:03Z"
    /// spec:
    ///   containers:
    ///   - name: search
    ///     image: ghcr.io/acme/search:5.0.2
    ///   - name: envoy
    ///     image: envoyproxy/envoy:v1.32.9
    /// status:
    ///   phase: Pending
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:50:03Z"
    ///   containerStatuses:
    ///   - name: envoy
    ///     image: envoyproxy/envoy:v1.32.9
    ///     imageID: ""
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       waiting: {reason: ImagePullBackOff, message: Back-off pulling image "envoyproxy/envoy:v1.32.9"}
    ///   - name: search
    ///     image: ghcr.io/acme/search:5.0.2
    ///     imageID: ghcr.io/acme/search@sha256:3d8f1a6c9e2b5d7f0a4c8e1b6d9f3a5c7e0b2d4f6a8c1e3b5d7f9a2c4e6b8d0f
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T11:50:08Z"}}
    /// ---
    /// apiVersion: v1
    /// kind: Event
    /// metadata: {name: search-6d9b8c7f5-m2vkp.1879a2c4e1d0b7f3, namespace: shop}
    /// involvedObject: {apiVersion: v1, kind: Pod, name: search-6d9b8c7f5-m2vkp, namespace: shop,
    ///   uid: 2b7e4d1a-9c3f-4e8b-a5d6-1f0c8e9b7a32, fieldPath: "spec.containers{envoy}"}
    /// reason: Failed
    /// message: 'Failed to pull image "envoyproxy/envoy:v1.32.9": rpc error: code = NotFound desc =
    ///   failed to pull and unpack image "docker.io/envoyproxy/envoy:v1.32.9": failed to resolve
    ///   reference "docker.io/envoyproxy/envoy:v1.32.9": docker.io/envoyproxy/envoy:v1.32.9: not found'
    /// type: Warning
    /// count: 4
    /// firstTimestamp: "2026-11-23T11:50:09Z"
    /// lastTimestamp: "2026-11-23T11:51:41Z"
    /// source: {component: kubelet, host: worker-2}
    /// ```
    /// Not reported: the same container while the kubelet is still pulling: `ContainerCreating` is part
    /// of a normal start, and a `Pulling` event is not a warning.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: search-6d9b8c7f5-m2vkp
    ///   namespace: shop
    ///   uid: 2b7e4d1a-9c3f-4e8b-a5d6-1f0c8e9b7a32
    ///   labels: {app: search, pod-template-hash: 6d9b8c7f5}
    ///   creationTimestamp: "2026-11-23T11:59:40Z"
    /// spec:
    ///   containers:
    ///   - name: search
    ///     image: ghcr.io/acme/search:5.0.2
    ///   - name: envoy
    ///     image: envoyproxy/envoy:v1.32.2
    /// status:
    ///   phase: Pending
    ///   qosClass: BestEffort
    ///   startTime: "2026-11-23T11:59:40Z"
    ///   containerStatuses:
    ///   - name: envoy
    ///     image: envoyproxy/envoy:v1.32.2
    ///     imageID: ""
    ///     ready: false
    ///     started: false
    ///     restartCount: 0
    ///     state:
    ///       waiting: {reason: ContainerCreating}
    ///   - name: search
    ///     image: ghcr.io/acme/search:5.0.2
    ///     imageID: ghcr.io/acme/search@sha256:3d8f1a6c9e2b5d7f0a4c8e1b6d9f3a5c7e0b2d4f6a8c1e3b5d7f9a2c4e6b8d0f
    ///     ready: true
    ///     started: true
    ///     restartCount: 0
    ///     state: {running: {startedAt: "2026-11-23T11:59:45Z"}}
    /// ---
    /// apiVersion: v1
    /// kind: Event
    /// metadata: {name: search-6d9b8c7f5-m2vkp.1879a6f0b3c2d9e1, namespace: shop}
    /// involvedObject: {apiVersion: v1, kind: Pod, name: search-6d9b8c7f5-m2vkp, namespace: shop,
    ///   uid: 2b7e4d1a-9c3f-4e8b-a5d6-1f0c8e9b7a32, fieldPath: "spec.containers{envoy}"}
    /// reason: Pulling
    /// message: Pulling image "envoyproxy/envoy:v1.32.2"
    /// type: Normal
    /// count: 1
    /// firstTimestamp: "2026-11-23T11:59:46Z"
    /// lastTimestamp: "2026-11-23T11:59:46Z"
    /// source: {component: kubelet, host: worker-2}
    /// ```
    ///
    /// ## Fix
    /// - The tag or image does not exist: check the reference in the registry and fix `image` (here
    ///   `envoyproxy/envoy:v1.32.2`).
    /// - The registry refused the credentials: add or fix `imagePullSecrets` on the pod (or its service
    ///   account), and check that the secret is for that registry.
    /// - The node cannot reach the registry: check DNS, egress rules and any registry mirror.
    /// - `InvalidImageName`: fix the image reference's syntax.
    pub const RULE = Rule {
        id: "image-pull",
        group: Group::Status,
        title: "an image cannot be pulled (ErrImagePull, ImagePullBackOff, InvalidImageName)",
        patch: false,
        policy: Policy::Outage,
        check,
    };
}

const PULL_REASONS: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "ImageInspectError",
    "RegistryUnavailable",
    "SignatureValidationFailed",
];

fn check(ctx: &PodContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for c in ctx.containers() {
        let Some(status) = &c.status else { continue };
        let State::Waiting {
            reason: Some(reason),
            message,
        } = &status.state
        else {
            continue;
        };
        if !PULL_REASONS.contains(&reason.as_str()) {
            continue;
        }
        let mut finding = Finding::new(
            RULE.id,
            Severity::Critical,
            format!("{}: {reason} for image {}", label(c), c.image),
        )
        .container(&c.name);
        if let Some(message) = message {
            finding = finding.evidence(format!("state.waiting.message: {message}"));
        }
        let failures: Vec<String> = ctx
            .container_events(&c.name)
            .into_iter()
            .filter(|e| e.reason == "Failed" && e.message.starts_with("Failed to pull image"))
            .map(|e| e.message.clone())
            .collect();
        for event in ctx.container_events(&c.name) {
            if event.reason == "Failed" {
                finding =
                    finding.evidence(format!("event Failed x{}: {}", event.count, event.message));
            }
        }
        let text = failures.join(" ").to_ascii_lowercase();
        let fix = if reason == "InvalidImageName" {
            format!("fix the image reference \"{}\"", c.image)
        } else if text.contains("not found") || text.contains("manifest unknown") {
            format!(
                "the tag or image does not exist: check \"{}\" in the registry",
                c.image
            )
        } else if ["unauthorized", "denied", "401", "403", "authentication"]
            .iter()
            .any(|w| text.contains(w))
        {
            "the registry refused the credentials: check imagePullSecrets and the pull secret's registry".to_string()
        } else if ["timeout", "no such host", "connection refused"]
            .iter()
            .any(|w| text.contains(w))
        {
            "the node cannot reach the registry: check DNS, egress and any registry mirror"
                .to_string()
        } else {
            format!(
                "check that \"{}\" exists and that the node may pull it (imagePullSecrets); `kubectl describe pod` shows the pull errors",
                c.image
            )
        };
        findings.push(finding.fix(fix));
    }
    findings
}
