//! Reading the kubelet's eviction messages (`pkg/kubelet/eviction/helpers.go` formats, current
//! and legacy) into structured facts: which resource, which container used how much.

/// One container the kubelet named as using more than it requested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offender {
    pub container: String,
    pub usage: String,
    pub request: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvictionFacts {
    /// `memory`, `ephemeral-storage`, `inodes`, `pids`, … from "The node was low on resource".
    pub resource: Option<String>,
    /// (threshold, available) from "Threshold quantity: X, available: Y".
    pub threshold: Option<(String, String)>,
    pub offenders: Vec<Offender>,
    /// (volume, limit) from "Usage of EmptyDir volume "v" exceeds the limit "l"".
    pub empty_dir: Option<(String, String)>,
    /// (container, limit) from "Container c exceeded its local ephemeral storage limit "l"".
    pub container_limit: Option<(String, String)>,
    /// Total limit from "Pod ephemeral local storage usage exceeds the total limit of containers".
    pub pod_limit: Option<String>,
    /// From "The node had condition: [DiskPressure]".
    pub node_condition: Option<String>,
}

/// Text between `start` and the first `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let rest = &text[from..];
    let to = rest.find(end)?;
    Some(&rest[..to])
}

pub fn parse(message: &str) -> EvictionFacts {
    let mut facts = EvictionFacts {
        resource: between(message, "The node was low on resource: ", ".")
            .map(|r| r.trim().to_string()),
        node_condition: between(message, "The node had condition: ", ".")
            .map(|c| c.trim().to_string()),
        ..EvictionFacts::default()
    };
    if let (Some(threshold), Some(available)) = (
        between(message, "Threshold quantity: ", ","),
        between(message, "available: ", "."),
    ) {
        facts.threshold = Some((threshold.trim().to_string(), available.trim().to_string()));
    }
    // Current: "Container X was using Y, request is Z, has larger consumption of R."
    // Legacy:  "Container X was using Y, which exceeds its request of Z."
    let mut rest = message;
    while let Some(at) = rest.find("Container ") {
        rest = &rest[at + "Container ".len()..];
        let Some((name, after)) = rest.split_once(" was using ") else {
            continue;
        };
        let Some((usage, after)) = after.split_once(", ") else {
            continue;
        };
        let request = if let Some(r) = after.strip_prefix("request is ") {
            r.split([',', '.']).next()
        } else if let Some(r) = after.strip_prefix("which exceeds its request of ") {
            r.split(['.', ' ']).next()
        } else {
            None
        };
        if let Some(request) = request {
            facts.offenders.push(Offender {
                container: name.trim().to_string(),
                usage: usage.trim().to_string(),
                request: request.trim().to_string(),
            });
        }
    }
    if let Some(volume) = between(message, "Usage of EmptyDir volume \"", "\"") {
        let limit = between(message, "exceeds the limit \"", "\"").unwrap_or_default();
        facts.empty_dir = Some((volume.to_string(), limit.to_string()));
    }
    if let Some(limit) = between(
        message,
        "exceeded its local ephemeral storage limit \"",
        "\"",
    ) {
        let container = between(message, "Container ", " exceeded").unwrap_or_default();
        facts.container_limit = Some((container.to_string(), limit.to_string()));
        facts
            .resource
            .get_or_insert_with(|| "ephemeral-storage".to_string());
    }
    if let Some(limit) = between(
        message,
        "Pod ephemeral local storage usage exceeds the total limit of containers ",
        ".",
    ) {
        facts.pod_limit = Some(limit.trim().to_string());
        facts
            .resource
            .get_or_insert_with(|| "ephemeral-storage".to_string());
    }
    if facts.empty_dir.is_some() {
        facts
            .resource
            .get_or_insert_with(|| "ephemeral-storage".to_string());
    }
    facts
}

/// Whether a message is one of the kubelet's eviction messages.
pub fn is_eviction_message(message: &str) -> bool {
    [
        "The node was low on resource",
        "Usage of EmptyDir volume",
        "exceeded its local ephemeral storage limit",
        "Pod ephemeral local storage usage",
        "The node had condition",
    ]
    .iter()
    .any(|marker| message.contains(marker))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_format_with_threshold_and_two_containers() {
        let facts = parse(
            "The node was low on resource: ephemeral-storage. Threshold quantity: 2146223340, available: 1883424Ki. Container api was using 10304Ki, request is 10Mi, has larger consumption of ephemeral-storage. Container ui was using 52676Ki, request is 10Mi, has larger consumption of ephemeral-storage. ",
        );
        assert_eq!(facts.resource.as_deref(), Some("ephemeral-storage"));
        assert_eq!(
            facts.threshold,
            Some(("2146223340".to_string(), "1883424Ki".to_string()))
        );
        assert_eq!(facts.offenders.len(), 2);
        assert_eq!(facts.offenders[1].container, "ui");
        assert_eq!(facts.offenders[1].usage, "52676Ki");
        assert_eq!(facts.offenders[1].request, "10Mi");
    }

    #[test]
    fn legacy_format() {
        let facts = parse(
            "The node was low on resource: ephemeral-storage. Container shipper was using 92Ki, which exceeds its request of 0.",
        );
        assert_eq!(
            facts.offenders,
            vec![Offender {
                container: "shipper".into(),
                usage: "92Ki".into(),
                request: "0".into()
            }]
        );
        assert_eq!(facts.threshold, None);
    }

    #[test]
    fn node_clause_only_and_threshold_only() {
        let facts = parse("The node was low on resource: memory. ");
        assert_eq!(facts.resource.as_deref(), Some("memory"));
        assert!(facts.offenders.is_empty());
        let facts = parse(
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: 91084Ki. ",
        );
        assert_eq!(facts.threshold.unwrap().1, "91084Ki");
    }

    #[test]
    fn local_storage_limit_evictions() {
        let facts = parse("Usage of EmptyDir volume \"spool\" exceeds the limit \"1Gi\". ");
        assert_eq!(facts.empty_dir, Some(("spool".into(), "1Gi".into())));
        assert_eq!(facts.resource.as_deref(), Some("ephemeral-storage"));
        let facts = parse("Container shipper exceeded its local ephemeral storage limit \"2Gi\". ");
        assert_eq!(
            facts.container_limit,
            Some(("shipper".into(), "2Gi".into()))
        );
        assert!(is_eviction_message(
            "Pod The node had condition: [DiskPressure]. "
        ));
        assert!(!is_eviction_message("Pod was preempted by Kubelet"));
    }
}
