//! The object that owns a pod's spec, and where the spec sits in it.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Paths, template_like};
use crate::source::SourcePod;

/// `apiVersion`, `kind`, namespace and name of a patch's target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerRef {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl OwnerRef {
    pub fn new(api_version: &str, kind: &str, namespace: &str, name: &str) -> Self {
        OwnerRef {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    /// `deployment/payments`
    pub fn describe(&self) -> String {
        format!("{}/{}", self.kind.to_ascii_lowercase(), self.name)
    }
}

/// A patch target, with the object when it was read (live) or written (a manifest).
#[derive(Debug, Clone)]
pub struct Owner {
    pub target: OwnerRef,
    pub object: Option<Value>,
    /// The pod's spec, standing in for the template's when the object was not read.
    pub stand_in: Value,
    /// How the target was found, when that is not plain (inferred, forbidden, bare pod).
    pub notes: Vec<String>,
}

impl Owner {
    /// The pod spec as the target holds it (or the best guess of it).
    pub fn pod_spec(&self) -> Value {
        let paths = template_paths(&self.target.kind);
        self.object
            .as_ref()
            .and_then(|o| o.pointer(paths.spec))
            .cloned()
            .unwrap_or_else(|| self.stand_in.clone())
    }

    /// The template's annotations: `None` when unknown, `Some(None)` when it has none.
    pub fn annotations(&self) -> Option<Option<&Map<String, Value>>> {
        let paths = template_paths(&self.target.kind);
        let object = self.object.as_ref()?;
        Some(
            object
                .pointer(&format!("{}/annotations", paths.metadata))
                .and_then(Value::as_object),
        )
    }
}

/// Where a kind keeps its pod template.
pub fn template_paths(kind: &str) -> Paths {
    match kind {
        "Pod" => Paths {
            spec: "/spec",
            metadata: "/metadata",
        },
        "CronJob" => Paths {
            spec: "/spec/jobTemplate/spec/template/spec",
            metadata: "/spec/jobTemplate/spec/template/metadata",
        },
        _ => Paths {
            spec: "/spec/template/spec",
            metadata: "/spec/template/metadata",
        },
    }
}

/// `apps/v1` for a Deployment, `batch/v1` for a Job, …
pub fn api_version_of(kind: &str) -> &'static str {
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => "apps/v1",
        "Job" | "CronJob" => "batch/v1",
        _ => "v1",
    }
}

/// The owner as far as the pod itself (and the objects read from files) tell, without a
/// cluster: a manifest is its own target; a pod names its controller, a ReplicaSet's
/// Deployment follows from the pod-template-hash; a bare pod is the target itself.
pub fn infer_owner(source: &SourcePod, objects: &[Value]) -> Owner {
    let pod = &source.pod;
    let namespace = pod
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());
    let stand_in = template_like(
        &pod.spec
            .as_ref()
            .and_then(|s| serde_json::to_value(s).ok())
            .unwrap_or(Value::Null),
    );
    let find = |kind: &str, name: &str| {
        objects
            .iter()
            .find(|o| {
                o["kind"] == kind
                    && o["metadata"]["name"] == name
                    && o["metadata"]["namespace"].as_str().unwrap_or("default") == namespace
            })
            .cloned()
    };
    if let Some(workload) = &source.template_of {
        let kind = workload.kind.kind();
        return Owner {
            target: OwnerRef::new(api_version_of(kind), kind, &namespace, &workload.name),
            object: find(kind, &workload.name),
            stand_in,
            notes: Vec::new(),
        };
    }
    let controller = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true));
    let Some(controller) = controller else {
        let name = pod.metadata.name.clone().unwrap_or_default();
        return Owner {
            target: OwnerRef::new("v1", "Pod", &namespace, &name),
            object: serde_json::to_value(pod).ok(),
            stand_in,
            notes: vec![
                "a bare pod: its containers cannot change in place, so the command recreates it with the change".to_string(),
            ],
        };
    };
    let (kind, name, how) = match controller.kind.as_str() {
        "ReplicaSet" => {
            let hash = pod
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("pod-template-hash"));
            match hash.and_then(|h| controller.name.strip_suffix(&format!("-{h}"))) {
                Some(deployment) => (
                    "Deployment",
                    deployment.to_string(),
                    format!(
                        "deployment/{deployment} inferred from replicaset/{} (pod-template-hash)",
                        controller.name
                    ),
                ),
                None => ("ReplicaSet", controller.name.clone(), String::new()),
            }
        }
        "Job" => (
            "Job",
            controller.name.clone(),
            "if a CronJob created this Job, patch the CronJob instead (same change under /spec/jobTemplate/spec/template)".to_string(),
        ),
        other => (other, controller.name.clone(), String::new()),
    };
    let object = find(kind, &name);
    let mut notes = Vec::new();
    if !how.is_empty() {
        notes.push(how);
    }
    if object.is_none() {
        notes.push(format!(
            "{} was not read (offline): container indexes come from the pod, injected containers left out, and the test operations fail the patch if they differ",
            OwnerRef::new("", kind, &namespace, &name).describe()
        ));
    }
    let api_version = if controller.api_version.is_empty() || kind != controller.kind {
        api_version_of(kind).to_string()
    } else {
        controller.api_version.clone()
    };
    Owner {
        target: OwnerRef::new(&api_version, kind, &namespace, &name),
        object,
        stand_in,
        notes,
    }
}
