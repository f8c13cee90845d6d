//! Pod events reduced to what the rules read: which pod and container, reason, message, how
//! often and when.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodEvent {
    pub namespace: String,
    pub pod: String,
    pub pod_uid: Option<String>,
    /// From `involvedObject.fieldPath` (`spec.containers{name}`, `spec.initContainers{name}`).
    pub container: Option<String>,
    pub reason: String,
    pub message: String,
    pub warning: bool,
    pub count: u32,
    pub last_seen: Option<Timestamp>,
}

impl PodEvent {
    /// `None` for events about anything but a pod.
    pub fn from_api(event: &Event) -> Option<Self> {
        let object = &event.involved_object;
        if object.kind.as_deref() != Some("Pod") {
            return None;
        }
        let last_seen = event
            .last_timestamp
            .as_ref()
            .map(|t| t.0)
            .or_else(|| event.event_time.as_ref().map(|t| t.0))
            .or_else(|| event.first_timestamp.as_ref().map(|t| t.0));
        // Newer events count repetitions in `series` instead of `count`.
        let count = event
            .series
            .as_ref()
            .and_then(|s| s.count)
            .or(event.count)
            .unwrap_or(1)
            .max(1);
        Some(PodEvent {
            namespace: object
                .namespace
                .clone()
                .or_else(|| event.metadata.namespace.clone())
                .unwrap_or_default(),
            pod: object.name.clone().unwrap_or_default(),
            pod_uid: object.uid.clone(),
            container: object.field_path.as_deref().and_then(container_of),
            reason: event.reason.clone().unwrap_or_default(),
            message: event.message.clone().unwrap_or_default().trim().to_string(),
            warning: event.type_.as_deref() == Some("Warning"),
            count: u32::try_from(count).unwrap_or(1),
            last_seen,
        })
    }
}

/// `spec.containers{app}` → `app`.
pub fn container_of(field_path: &str) -> Option<String> {
    let start = field_path.find('{')?;
    let end = field_path.rfind('}')?;
    (end > start + 1).then(|| field_path[start + 1..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn container_from_field_path() {
        assert_eq!(container_of("spec.containers{app}").as_deref(), Some("app"));
        assert_eq!(
            container_of("spec.initContainers{istio-proxy}").as_deref(),
            Some("istio-proxy")
        );
        assert_eq!(container_of("spec.containers{}"), None);
        assert_eq!(container_of(""), None);
    }

    #[test]
    fn series_count_and_event_time() {
        let event: Event = serde_json::from_value(json!({
            "metadata": {"name": "e", "namespace": "shop"},
            "involvedObject": {"kind": "Pod", "name": "web", "namespace": "shop",
                               "fieldPath": "spec.containers{nginx}"},
            "reason": "Unhealthy", "message": "Readiness probe failed: 503 ",
            "type": "Warning", "eventTime": "2026-11-23T11:59:00.000000Z",
            "series": {"count": 12, "lastObservedTime": "2026-11-23T11:59:00.000000Z"}
        }))
        .unwrap();
        let e = PodEvent::from_api(&event).unwrap();
        assert_eq!(e.count, 12);
        assert_eq!(e.container.as_deref(), Some("nginx"));
        assert_eq!(e.message, "Readiness probe failed: 503");
        assert!(e.warning);
        assert!(e.last_seen.is_some());

        let node_event: Event = serde_json::from_value(json!({
            "metadata": {"name": "n"}, "involvedObject": {"kind": "Node", "name": "n1"}
        }))
        .unwrap();
        assert!(PodEvent::from_api(&node_event).is_none());
    }
}
