//! The resource types the fake server serves, and the fields each one supports in
//! `fieldSelector` (the apiserver's field label conversion functions and selectable fields).

use serde_json::Value;

/// One served resource type, e.g. `pods` in the core group or `deployments` in `apps`.
#[derive(Debug)]
pub(super) struct Resource {
    /// API group, empty for the core group.
    pub group: &'static str,
    pub version: &'static str,
    /// Lower-case plural as it appears in URLs and RBAC messages.
    pub plural: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
}

const fn resource(
    group: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> Resource {
    Resource {
        group,
        version: "v1",
        plural,
        kind,
        namespaced,
    }
}

/// Everything the fake serves. Add a row here to serve another type.
pub(super) const RESOURCES: &[Resource] = &[
    resource("", "namespaces", "Namespace", false),
    resource("", "pods", "Pod", true),
    resource("", "events", "Event", true),
    resource("apps", "deployments", "Deployment", true),
    resource("apps", "replicasets", "ReplicaSet", true),
    resource("apps", "statefulsets", "StatefulSet", true),
    resource("apps", "daemonsets", "DaemonSet", true),
    resource("batch", "jobs", "Job", true),
    resource("batch", "cronjobs", "CronJob", true),
    // metrics-server's PodMetrics: an empty list unless fixtures add some.
    Resource {
        group: "metrics.k8s.io",
        version: "v1beta1",
        plural: "pods",
        kind: "PodMetrics",
        namespaced: true,
    },
];

impl Resource {
    /// The resource behind a URL: `("", "v1", "pods")`, `("apps", "v1", "deployments")`.
    pub fn find(group: &str, version: &str, plural: &str) -> Option<&'static Resource> {
        RESOURCES
            .iter()
            .find(|r| r.group == group && r.version == version && r.plural == plural)
    }

    /// The resource an object belongs to, from its `apiVersion` and `kind`.
    pub fn for_object(api_version: &str, kind: &str) -> Option<&'static Resource> {
        RESOURCES
            .iter()
            .find(|r| r.kind == kind && r.api_version() == api_version)
    }

    pub fn namespaces() -> &'static Resource {
        &RESOURCES[0]
    }

    pub fn pods() -> &'static Resource {
        &RESOURCES[1]
    }

    /// The resource named by its plural (`pods`) or kind (`Pod`), in any group.
    pub fn named(name: &str) -> Option<&'static Resource> {
        RESOURCES
            .iter()
            .find(|r| r.plural == name || r.kind == name)
    }

    /// The store's name for this type: its plural, group-qualified where a plural repeats
    /// (metrics-server's `pods`).
    pub fn store_key(&self) -> &'static str {
        match (self.group, self.plural) {
            ("metrics.k8s.io", "pods") => "pods.metrics.k8s.io",
            (_, plural) => plural,
        }
    }

    /// `v1`, `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `PodList`.
    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// How the server names the resource in messages: `pods`, `deployments.apps`.
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// Whether `fieldSelector` may use `label` on this resource.
    pub fn supports_field(&self, label: &str) -> bool {
        self.field_value(&Value::Null, label).is_some()
    }

    /// The value of a selectable field, or None when the server does not support the label.
    /// Missing fields read as "" (or the Go zero value), like the server's field sets.
    pub fn field_value(&self, obj: &Value, label: &str) -> Option<String> {
        match label {
            "metadata.name" => return Some(text(obj, "/metadata/name")),
            "metadata.namespace" if self.namespaced => {
                return Some(text(obj, "/metadata/namespace"));
            }
            _ => {}
        }
        let value = match (self.plural, label) {
            // `spec.host` is an old alias the server still converts to `spec.nodeName`.
            ("pods", "spec.nodeName" | "spec.host") => text(obj, "/spec/nodeName"),
            ("pods", "spec.restartPolicy") => text(obj, "/spec/restartPolicy"),
            ("pods", "spec.schedulerName") => text(obj, "/spec/schedulerName"),
            ("pods", "spec.serviceAccountName") => text(obj, "/spec/serviceAccountName"),
            ("pods", "spec.hostNetwork") => {
                let host_network = obj.pointer("/spec/hostNetwork").and_then(Value::as_bool);
                host_network.unwrap_or(false).to_string()
            }
            ("pods", "status.phase") => text(obj, "/status/phase"),
            // The server reads the primary IP from `status.podIPs[0]`, which conversion fills
            // from `status.podIP` when only that is set.
            ("pods", "status.podIP") => match text(obj, "/status/podIPs/0/ip") {
                ip if ip.is_empty() => text(obj, "/status/podIP"),
                ip => ip,
            },
            ("pods", "status.nominatedNodeName") => text(obj, "/status/nominatedNodeName"),
            ("events", "involvedObject.kind") => text(obj, "/involvedObject/kind"),
            ("events", "involvedObject.namespace") => text(obj, "/involvedObject/namespace"),
            ("events", "involvedObject.name") => text(obj, "/involvedObject/name"),
            ("events", "involvedObject.uid") => text(obj, "/involvedObject/uid"),
            ("events", "involvedObject.apiVersion") => text(obj, "/involvedObject/apiVersion"),
            ("events", "involvedObject.resourceVersion") => {
                text(obj, "/involvedObject/resourceVersion")
            }
            ("events", "involvedObject.fieldPath") => text(obj, "/involvedObject/fieldPath"),
            ("events", "reason") => text(obj, "/reason"),
            ("events", "reportingComponent") => text(obj, "/reportingComponent"),
            ("events", "type") => text(obj, "/type"),
            // `source` is `source.component`, falling back to the reporting controller.
            ("events", "source") => match text(obj, "/source/component") {
                component if component.is_empty() => text(obj, "/reportingComponent"),
                component => component,
            },
            ("namespaces", "status.phase") => text(obj, "/status/phase"),
            ("replicasets", "status.replicas") => number(obj, "/status/replicas"),
            ("jobs", "status.successful") => number(obj, "/status/successful"),
            _ => return None,
        };
        Some(value)
    }
}

/// A scalar at `pointer` as text, "" when absent.
fn text(obj: &Value, pointer: &str) -> String {
    match obj.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// An integer at `pointer` as text, "0" when absent (Go's zero value).
fn number(obj: &Value, pointer: &str) -> String {
    match text(obj, pointer) {
        s if s.is_empty() => "0".to_string(),
        s => s,
    }
}
