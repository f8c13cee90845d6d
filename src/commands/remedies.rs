//! `diagnose --fix`: finds each pod's owner (live: one GET per owner, cached for the run;
//! offline: the manifests given, or what the pod's ownerReferences name) and attaches to
//! every finding that proposes a spec change its patch of that owner.

use std::collections::HashMap;
use std::io::Write;

use serde_json::Value;

use crate::diagnose::{Diagnosis, FixSubject};
use crate::error::Result;
use crate::fix::{self, Owner, OwnerRef, json_patch};
use crate::model::patch::Change;
use crate::render::sanitize::neutralise;
use crate::render::structured::{write_error, write_yaml};
use crate::source::cluster::Cluster;

/// Owner objects read during this run, by `(kind, namespace, name)`: replicas share them.
type Cache = HashMap<(String, String, String), std::result::Result<Value, String>>;

pub async fn attach(
    diagnosis: &mut Diagnosis,
    cluster: Option<&Cluster>,
    server: Option<(u32, u32)>,
    err: &mut dyn Write,
) {
    let mut cache = Cache::new();
    for pod in &mut diagnosis.pods {
        let Some(subject) = pod.fix.as_deref() else {
            continue;
        };
        let owner = match cluster {
            Some(cluster) => resolve_live(cluster, subject, &mut cache).await,
            None => subject.inferred.clone(),
        };
        for f in &mut pod.findings {
            let Some(patch) = &f.finding.patch else {
                continue;
            };
            match fix::remedy(patch, &owner, server) {
                Ok(remedy) => f.remedy = Some(remedy),
                Err(why) => {
                    let _ = writeln!(
                        err,
                        "warning: no patch for {} on {}/{}: {}",
                        f.finding.rule,
                        neutralise(&f.namespace),
                        neutralise(&f.pod),
                        neutralise(&why)
                    );
                }
            }
        }
        pod.fix = Some(Box::new(FixSubject {
            inferred: owner,
            controller: None,
            pod: Value::Null,
        }));
    }
}

/// Follows the pod's controller up to the object that owns its template: ReplicaSet →
/// Deployment, Job → CronJob. When an owner cannot be read (RBAC, deleted), the target
/// falls back to the pod and says why.
async fn resolve_live(cluster: &Cluster, subject: &FixSubject, cache: &mut Cache) -> Owner {
    let inferred = &subject.inferred;
    let Some((kind, name)) = &subject.controller else {
        return inferred.clone();
    };
    let namespace = inferred.target.namespace.clone();
    let mut current = (kind.clone(), name.clone());
    let object = loop {
        let object = match get(cluster, cache, &current.0, &namespace, &current.1).await {
            Ok(object) => object,
            Err(why) => return on_the_pod(subject, &why),
        };
        let next = object["metadata"]["ownerReferences"]
            .as_array()
            .and_then(|refs| refs.iter().find(|r| r["controller"] == true))
            .and_then(|r| {
                Some((
                    r["kind"].as_str()?.to_string(),
                    r["name"].as_str()?.to_string(),
                ))
            })
            .filter(|(kind, _)| matches!(kind.as_str(), "Deployment" | "CronJob"));
        match next {
            Some(owner) => current = owner,
            None => break object,
        }
    };
    let target = OwnerRef::new(
        object["apiVersion"]
            .as_str()
            .unwrap_or_else(|| fix::api_version_of(&current.0)),
        &current.0,
        &namespace,
        &current.1,
    );
    Owner {
        target,
        object: Some(object),
        stand_in: inferred.stand_in.clone(),
        notes: Vec::new(),
    }
}

async fn get(
    cluster: &Cluster,
    cache: &mut Cache,
    kind: &str,
    namespace: &str,
    name: &str,
) -> std::result::Result<Value, String> {
    let key = (kind.to_string(), namespace.to_string(), name.to_string());
    if let Some(known) = cache.get(&key) {
        return known.clone();
    }
    let read = cluster
        .owner_object(kind, namespace, name)
        .await
        .map(|mut object| {
            // Typed reads drop apiVersion/kind; the patched object needs them.
            object["apiVersion"] = Value::from(fix::api_version_of(kind));
            object["kind"] = Value::from(kind);
            object
        })
        .map_err(|e| {
            let what = match e.status {
                Some(403) => "forbidden",
                Some(404) => "not found",
                _ => "unreadable",
            };
            format!(
                "{}/{name} is {what} ({})",
                kind.to_ascii_lowercase(),
                e.message
            )
        });
    cache.insert(key, read.clone());
    read
}

fn on_the_pod(subject: &FixSubject, why: &str) -> Owner {
    let meta = &subject.pod["metadata"];
    let target = OwnerRef::new(
        "v1",
        "Pod",
        meta["namespace"].as_str().unwrap_or("default"),
        meta["name"].as_str().unwrap_or_default(),
    );
    Owner {
        target,
        object: Some(subject.pod.clone()),
        stand_in: subject.pod["spec"].clone(),
        notes: vec![format!(
            "{why}: the patch targets the pod instead, which must be recreated to change; apply the same change to its owner's template"
        )],
    }
}

/// `--fix -o yaml`: every owner with a remedy, patched, one YAML document each, ready for
/// `kubectl diff -f -`. The remedies of one owner are applied one after another, each built
/// again on the owner as the earlier ones left it (a moved container has a new index, a
/// created annotations map must not be created again), and each change once however many
/// replicas or findings propose it. One that no longer applies is skipped with a warning.
pub fn write_patched_owners(
    diagnosis: &Diagnosis,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    // Per target: the object as patched so far and the changes applied to it.
    let mut owners: Vec<(OwnerRef, Value, Vec<&[Change]>)> = Vec::new();
    for pod in &diagnosis.pods {
        let Some(owner) = pod.fix.as_deref().map(|s| &s.inferred) else {
            continue;
        };
        for f in &pod.findings {
            let (Some(remedy), Some(patch)) = (&f.remedy, &f.finding.patch) else {
                continue;
            };
            let position = match owners.iter().position(|(t, ..)| *t == remedy.target) {
                Some(i) => i,
                None => match &owner.object {
                    Some(object) => {
                        owners.push((remedy.target.clone(), clean(object.clone()), Vec::new()));
                        owners.len() - 1
                    }
                    None => {
                        let _ = writeln!(
                            err,
                            "warning: {} was not read, so it cannot be printed patched: pass its manifest with -f, or run against the cluster",
                            neutralise(&remedy.target.describe())
                        );
                        continue;
                    }
                },
            };
            let (_, current, applied) = &mut owners[position];
            if applied.contains(&patch.changes.as_slice()) {
                continue;
            }
            let staged = Owner {
                object: Some(current.clone()),
                ..owner.clone()
            };
            match fix::remedy(patch, &staged, None)
                .and_then(|again| json_patch::apply(current, &again.patch))
            {
                Ok(patched) => {
                    *current = patched;
                    applied.push(&patch.changes);
                }
                Err(why) => {
                    let _ = writeln!(
                        err,
                        "warning: {} for {} not applied: {}",
                        f.finding.rule,
                        neutralise(&remedy.target.describe()),
                        neutralise(&why)
                    );
                }
            }
        }
    }
    for (i, (_, object, _)) in owners.iter().enumerate() {
        if i > 0 {
            out.write_all(b"---\n").map_err(write_error)?;
        }
        write_yaml(out, object)?;
    }
    Ok(())
}

/// The object as one would write it: no status, no server-managed metadata.
fn clean(mut object: Value) -> Value {
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
    }
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in [
            "managedFields",
            "resourceVersion",
            "uid",
            "generation",
            "creationTimestamp",
            "selfLink",
        ] {
            meta.remove(field);
        }
    }
    object
}
