//! `diagnose --fix`: a rule's [`PodPatch`] turned into a JSON patch for the object that owns
//! the pod spec, with `test` guards on every container it touches, and the `kubectl patch`
//! command that applies it. Pure: the owner comes from `source::owner`, nothing is sent.

pub mod json_patch;
mod owner;

pub use owner::{Owner, OwnerRef, api_version_of, infer_owner, template_paths};

use serde::Serialize;
use serde_json::{Value, json};

use crate::model::INJECTED_SIDECAR_NAMES;
use crate::model::patch::{Change, Place, PodPatch};
use crate::model::volumes::INJECTED_INIT_NAMES;

/// The remedy of one finding (`-o json`: `findings[].remedy`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Remedy {
    pub target: OwnerRef,
    pub patch_type: &'static str,
    pub patch: Vec<Value>,
    pub command: String,
    pub note: String,
}

/// Where the pod spec and the pod's metadata sit in the target object.
pub struct Paths {
    pub spec: &'static str,
    pub metadata: &'static str,
}

/// Builds the remedy for `owner`: `test` operations on the name of every container and
/// volume it touches (at the index it has in the owner), then the changes. Or says why there
/// is none (a container the owner does not
/// declare, such as an injected proxy without an annotation remedy).
pub fn remedy(
    patch: &PodPatch,
    owner: &Owner,
    server: Option<(u32, u32)>,
) -> Result<Remedy, String> {
    let paths = template_paths(&owner.target.kind);
    let spec = owner.pod_spec();
    let annotations = owner.annotations();
    let mut ops = Vec::new();
    let mut guarded: Vec<(String, usize)> = Vec::new();
    let mut created_annotations = false;
    let mut guard = |ops: &mut Vec<Value>, list: &str, index: usize, name: &str| {
        if !guarded.contains(&(list.to_string(), index)) {
            guarded.push((list.to_string(), index));
            ops.insert(
                guarded.len() - 1,
                json!({"op": "test", "path": format!("{}/{list}/{index}/name", paths.spec), "value": name}),
            );
        }
    };
    for change in &patch.changes {
        match change {
            Change::Set { place, path, value } | Change::Append { place, path, value } => {
                let (base, node) = match place {
                    Place::Spec => (paths.spec.to_string(), Some(&spec)),
                    Place::Container(name) => {
                        let (list, index) = container_index(&spec, name).ok_or_else(|| {
                            format!("{} declares no container {name}", owner.target.describe())
                        })?;
                        guard(&mut ops, list, index, name);
                        (
                            format!("{}/{list}/{index}", paths.spec),
                            spec.get(list).and_then(|l| l.get(index)),
                        )
                    }
                    Place::Volume(name) => {
                        let index = spec
                            .get("volumes")
                            .and_then(Value::as_array)
                            .and_then(|v| v.iter().position(|v| v["name"] == name.as_str()))
                            .ok_or_else(|| {
                                format!("{} declares no volume {name}", owner.target.describe())
                            })?;
                        guard(&mut ops, "volumes", index, name);
                        (
                            format!("{}/volumes/{index}", paths.spec),
                            spec.get("volumes").and_then(|v| v.get(index)),
                        )
                    }
                };
                let append = matches!(change, Change::Append { .. });
                write_at(&mut ops, &base, node, path, value.clone(), append);
            }
            Change::MakeNative { container, with } => {
                let (list, index) = container_index(&spec, container)
                    .filter(|(list, _)| *list == "containers")
                    .ok_or_else(|| {
                        format!(
                            "{} declares no regular container {container}",
                            owner.target.describe()
                        )
                    })?;
                guard(&mut ops, list, index, container);
                // `move`, not remove + add of a copy: the container goes over as the owner
                // holds it when the patch is applied, with whatever changed since it was read
                // (an earlier patch adding a mount, a new image), never a stale copy of it.
                let at = match spec.get("initContainers").and_then(Value::as_array) {
                    Some(inits) => {
                        let at = inits
                            .iter()
                            .take_while(|c| {
                                c["name"]
                                    .as_str()
                                    .is_some_and(|n| INJECTED_INIT_NAMES.contains(&n))
                            })
                            .count();
                        for (i, c) in inits.iter().enumerate().take(at) {
                            if let Some(name) = c["name"].as_str() {
                                guard(&mut ops, "initContainers", i, name);
                            }
                        }
                        at
                    }
                    None => {
                        ops.push(json!({"op": "add", "path": format!("{}/initContainers", paths.spec), "value": []}));
                        0
                    }
                };
                let to = format!("{}/initContainers/{at}", paths.spec);
                ops.push(json!({"op": "move", "from": format!("{}/containers/{index}", paths.spec), "path": to}));
                ops.push(
                    json!({"op": "add", "path": format!("{to}/restartPolicy"), "value": "Always"}),
                );
                for (field, value) in with {
                    ops.push(json!({"op": "add", "path": format!("{to}/{}", escape(field)), "value": value}));
                }
            }
            Change::Annotate { key, value } => {
                let path = format!("{}/annotations", paths.metadata);
                if annotations == Some(None) && !created_annotations {
                    // The template has none: create the map (adding a key would fail).
                    created_annotations = true;
                    ops.push(json!({"op": "add", "path": path, "value": {key.as_str(): value}}));
                } else {
                    ops.push(json!({"op": "add", "path": format!("{path}/{}", escape(key)), "value": value}));
                }
            }
        }
    }
    let mut notes = vec![patch.note.clone()];
    if patch.needs_native_sidecars {
        notes.push(match server {
            Some((1, minor)) if minor < 29 => format!(
                "needs native sidecars (Kubernetes ≥ 1.29); this server is v1.{minor}: upgrade first"
            ),
            Some((major, minor)) => format!("native sidecars: this server (v{major}.{minor}) supports them"),
            None => "assumes the cluster supports native sidecars (Kubernetes ≥ 1.29)".to_string(),
        });
    }
    if owner.target.kind == "Job" {
        notes.push(format!(
            "a Job's pod template cannot change once created: the command writes job-{}.yaml; remove its spec.selector and controller-uid labels and re-create it (kubectl replace --force -f job-{}.yaml), and change the manifest or CronJob it comes from",
            owner.target.name, owner.target.name
        ));
    }
    if created_annotations {
        notes.push("the template had no annotations, so this patch creates them: apply it before any other patch that adds one, or run diagnose --fix again after it".to_string());
    }
    notes.extend(owner.notes.iter().cloned());
    if annotations.is_none()
        && patch
            .changes
            .iter()
            .any(|c| matches!(c, Change::Annotate { .. }))
    {
        notes.push("the template's annotations were not read: if it has none, add them first (the patch then fails at that operation and changes nothing)".to_string());
    }
    let command = command(owner, &ops);
    Ok(Remedy {
        target: owner.target.clone(),
        patch_type: "json",
        patch: ops,
        command,
        note: notes
            .into_iter()
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
    })
}

/// `(list, index)` of a container in a pod spec.
fn container_index(spec: &Value, name: &str) -> Option<(&'static str, usize)> {
    ["initContainers", "containers"]
        .into_iter()
        .find_map(|list| {
            let index = spec
                .get(list)?
                .as_array()?
                .iter()
                .position(|c| c["name"] == name)?;
            Some((list, index))
        })
}

/// Ops setting (or appending to) `path` below `base`, adding the maps that do not exist yet.
fn write_at(
    ops: &mut Vec<Value>,
    base: &str,
    node: Option<&Value>,
    path: &[String],
    value: Value,
    append: bool,
) {
    let mut pointer = base.to_string();
    let mut node = node;
    for (i, key) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        let child = node.and_then(|n| n.get(key.as_str()));
        pointer = format!("{pointer}/{}", escape(key));
        if last {
            match (append, child) {
                (true, Some(Value::Array(_))) => {
                    ops.push(json!({"op": "add", "path": format!("{pointer}/-"), "value": value}))
                }
                (true, _) => ops.push(json!({"op": "add", "path": pointer, "value": [value]})),
                (false, _) => ops.push(json!({"op": "add", "path": pointer, "value": value})),
            }
            return;
        }
        if child.is_none() {
            // Build the rest as one nested value: nothing below exists.
            let mut nested = if append { json!([value]) } else { value };
            for key in path[i + 1..].iter().rev() {
                nested = json!({ key.as_str(): nested });
            }
            ops.push(json!({"op": "add", "path": pointer, "value": nested}));
            return;
        }
        node = child;
    }
}

/// RFC 6901: `~` → `~0`, `/` → `~1`.
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The command that applies the patch; a bare pod's spec cannot change in place, so it is
/// patched locally and the pod recreated.
fn command(owner: &Owner, ops: &[Value]) -> String {
    let patch = serde_json::to_string(ops)
        .unwrap_or_default()
        .replace('\'', "'\\''");
    let t = &owner.target;
    if t.kind == "Job" {
        // A Job's pod template is immutable: patch a copy, to re-create it from.
        return format!(
            "kubectl get job {name} -n {ns} -o json | kubectl patch --local -f - --type=json -p '{patch}' -o yaml > job-{name}.yaml",
            name = t.name,
            ns = t.namespace
        );
    }
    if t.kind == "Pod" {
        format!(
            "kubectl get pod {name} -n {ns} -o json | kubectl patch --local -f - --type=json -p '{patch}' -o yaml | kubectl replace --force -f -",
            name = t.name,
            ns = t.namespace
        )
    } else {
        format!(
            "kubectl patch {}/{} -n {} --type=json -p '{patch}'",
            t.kind.to_ascii_lowercase(),
            t.name,
            t.namespace
        )
    }
}

/// The pod's spec as its template most likely holds it, when the template itself was not
/// read: injected containers are not in a template.
pub fn template_like(pod_spec: &Value) -> Value {
    let mut spec = pod_spec.clone();
    let injected =
        |name: &str| INJECTED_INIT_NAMES.contains(&name) || INJECTED_SIDECAR_NAMES.contains(&name);
    for list in ["initContainers", "containers"] {
        if let Some(items) = spec.get_mut(list).and_then(Value::as_array_mut) {
            items.retain(|c| !c["name"].as_str().is_some_and(injected));
        }
    }
    spec
}

#[cfg(test)]
mod tests;
