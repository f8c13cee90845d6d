//! `image-pull`: the image cannot be pulled; the kubelet's message and Failed events say why.

use crate::checks::{Group, Policy};
use crate::checks::{PodContext, label};
use crate::model::State;
use crate::model::finding::{Finding, Severity};

rule! {
    pub const RULE = Rule {
        id: "image-pull",
        group: Group::Status,
        title: "an image cannot be pulled (ErrImagePull, ImagePullBackOff, InvalidImageName)",
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
