//! `diagnose`: a registry of small rules run over each pod (and, live, its events and the
//! previous logs of crash-looping containers). Pure: everything it reads is passed in.

pub mod events;
pub mod eviction;
pub mod rules;

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Container;
use serde::Serialize;

use crate::model::finding::{Finding, Severity};
use crate::model::{ContainerView, PodView, Role, build_pod_view};
use crate::render::age;
use crate::source::SourcePod;
use events::PodEvent;

/// What the rules may read besides the pod itself. Offline, `live` is false and events come
/// only from files, so rules that need events or logs stay silent instead of guessing.
#[derive(Debug, Default)]
pub struct Evidence {
    pub events: Vec<PodEvent>,
    /// `(major, minor)` of the API server, when live.
    pub server_version: Option<(u32, u32)>,
    /// Whether events were available at all (live, or events given in files).
    pub have_events: bool,
}

/// Everything one rule sees about one pod.
pub struct PodContext<'a> {
    pub source: &'a SourcePod,
    pub view: &'a PodView,
    pub events: Vec<&'a PodEvent>,
    pub have_events: bool,
    pub previous_logs: BTreeMap<&'a str, &'a [String]>,
    pub server_version: Option<(u32, u32)>,
    pub now: Timestamp,
    /// The hazards of `order` and the findings of `volumes`, computed once per pod for the
    /// rules that report them.
    pub order_findings: Vec<Finding>,
    pub volume_findings: Vec<Finding>,
}

impl<'a> PodContext<'a> {
    /// The spec of a container (init, regular or ephemeral) by name.
    pub fn spec(&self, name: &str) -> Option<&'a Container> {
        let spec = self.source.pod.spec.as_ref()?;
        spec.init_containers
            .iter()
            .flatten()
            .chain(spec.containers.iter())
            .find(|c| c.name == name)
    }

    pub fn containers(&self) -> impl Iterator<Item = &'a ContainerView> {
        self.view.containers.iter()
    }

    pub fn main(&self) -> Option<&'a ContainerView> {
        self.view.containers.iter().find(|c| c.role == Role::Main)
    }

    /// Events about one container, most frequent first.
    pub fn container_events(&self, container: &str) -> Vec<&'a PodEvent> {
        let mut found: Vec<&PodEvent> = self
            .events
            .iter()
            .copied()
            .filter(|e| e.container.as_deref() == Some(container))
            .collect();
        // Deterministic whatever order the events arrived in.
        found.sort_by(|a, b| {
            (b.count, &a.reason, &a.message).cmp(&(a.count, &b.reason, &b.message))
        });
        found
    }

    /// `3m ago`-style age of a timestamp at this context's "now".
    pub fn ago(&self, at: Timestamp) -> String {
        format!("{} ago", age(self.now, at))
    }

    pub fn deleting_or_finished(&self) -> bool {
        self.view.deleting_since.is_some()
            || matches!(self.view.phase.as_deref(), Some("Succeeded" | "Failed"))
    }
}

/// `metrics-sidecar (native-sidecar)`.
pub fn label(c: &ContainerView) -> String {
    format!("{} ({})", c.name, c.role.as_str())
}

/// A finding placed on its pod, as reported.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodFinding {
    pub namespace: String,
    pub pod: String,
    /// The workload the pod belongs to (`deploy/checkout`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Every pod with this finding when replicas were grouped (first one is `pod`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pods: Vec<String>,
    /// How many selected pods the owner has, when grouped (`3/3 pods of deploy/x`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub of_pods: Option<usize>,
    #[serde(flatten)]
    pub finding: Finding,
}

/// The workload a pod belongs to, from its controller owner reference.
pub fn owner_of(source: &SourcePod) -> Option<String> {
    if let Some(template) = &source.template_of {
        return Some(format!("{}/{}", template.kind.short(), template.name));
    }
    let meta = &source.pod.metadata;
    let owner = meta
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))?;
    let short = match owner.kind.as_str() {
        "ReplicaSet" => {
            // A Deployment's ReplicaSet is named DEPLOYMENT-HASH, HASH being the pod's label.
            let hash = meta
                .labels
                .as_ref()
                .and_then(|l| l.get("pod-template-hash"));
            if let Some(deployment) = hash.and_then(|h| owner.name.strip_suffix(&format!("-{h}"))) {
                return Some(format!("deploy/{deployment}"));
            }
            "rs"
        }
        "StatefulSet" => "sts",
        "DaemonSet" => "ds",
        "Job" => "job",
        "ReplicationController" => "rc",
        other => return Some(format!("{}/{}", other.to_ascii_lowercase(), owner.name)),
    };
    Some(format!("{short}/{}", owner.name))
}

/// Diagnoses pods one at a time, as they arrive, keeping only their findings and summaries:
/// a cluster-wide run never holds every pod. Pods may be added out of their listing order
/// (those waiting for previous logs come last); `add` takes the position to restore it.
pub struct Diagnoser<'e> {
    evidence: &'e Evidence,
    now: Timestamp,
    /// Events by pod, built once: scanning all events for every pod was quadratic
    /// (30,000 pods with 3,000 events took 30 s). Each group keeps the events' order.
    events_by_pod: HashMap<(&'e str, &'e str), Vec<&'e PodEvent>>,
    /// Per pod, by position: its summary and its findings.
    checked: Vec<(usize, HealthyPod, Vec<PodFinding>)>,
    /// Selected pods per owning workload, for "3/3 pods of deploy/x".
    pub pods_per_owner: BTreeMap<String, usize>,
}

impl<'e> Diagnoser<'e> {
    pub fn new(evidence: &'e Evidence, now: Timestamp) -> Self {
        let mut events_by_pod: HashMap<(&str, &str), Vec<&PodEvent>> = HashMap::new();
        for event in &evidence.events {
            events_by_pod
                .entry((event.namespace.as_str(), event.pod.as_str()))
                .or_default()
                .push(event);
        }
        Diagnoser {
            evidence,
            now,
            events_by_pod,
            checked: Vec::new(),
            pods_per_owner: BTreeMap::new(),
        }
    }

    /// Runs every rule over the pod at `position` in the listing, given its containers'
    /// previous logs.
    pub fn add(
        &mut self,
        position: usize,
        source: &SourcePod,
        previous_logs: BTreeMap<&str, &[String]>,
    ) {
        let view = build_pod_view(source);
        let events: Vec<&PodEvent> = self
            .events_by_pod
            .get(&(view.namespace.as_str(), view.name.as_str()))
            .into_iter()
            .flatten()
            .copied()
            .filter(|e| match (&e.pod_uid, &view.uid) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            })
            .collect();
        let ctx = PodContext {
            source,
            view: &view,
            events,
            have_events: self.evidence.have_events,
            previous_logs,
            server_version: self.evidence.server_version,
            now: self.now,
            order_findings: crate::model::order::order_findings(source),
            volume_findings: crate::model::volumes::volume_findings(source),
        };
        let pod_findings = rules::run_all(&ctx);
        let owner = owner_of(source);
        if let Some(owner) = &owner {
            *self.pods_per_owner.entry(owner.clone()).or_default() += 1;
        }
        let findings = pod_findings
            .into_iter()
            .map(|finding| {
                let role = finding
                    .container
                    .as_ref()
                    .and_then(|name| view.containers.iter().find(|c| &c.name == name))
                    .map(|c| c.role);
                PodFinding {
                    namespace: view.namespace.clone(),
                    pod: view.name.clone(),
                    owner: owner.clone(),
                    role,
                    pods: Vec::new(),
                    of_pods: None,
                    finding,
                }
            })
            .collect();
        let summary = HealthyPod {
            ready: view.ready.map(|r| format!("{r}/{}", view.total)),
            spec_only: view.spec_only,
            status: view.status,
            namespace: view.namespace,
            pod: view.name,
        };
        self.checked.push((position, summary, findings));
    }

    /// The diagnosis of every pod added, in listing order.
    pub fn finish(mut self) -> Diagnosis {
        self.checked.sort_by_key(|(position, _, _)| *position);
        let mut diagnosis = Diagnosis {
            pods_checked: self.checked.len(),
            findings: Vec::new(),
            healthy: Vec::new(),
            pods: Vec::with_capacity(self.checked.len()),
        };
        for (_, summary, findings) in self.checked {
            diagnosis.pods.push(summary);
            diagnosis.findings.extend(findings);
        }
        diagnosis.update_healthy();
        diagnosis
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthyPod {
    pub namespace: String,
    pub pod: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<String>,
    pub spec_only: bool,
}

#[derive(Debug)]
pub struct Diagnosis {
    pub pods_checked: usize,
    pub findings: Vec<PodFinding>,
    /// Pods with no finding left (after `--severity`): listed as OK.
    pub healthy: Vec<HealthyPod>,
    /// Every pod checked, to recompute `healthy` after filtering.
    pods: Vec<HealthyPod>,
}

impl Diagnosis {
    fn update_healthy(&mut self) {
        // A set of flagged pods, not a scan of all findings per pod (quadratic on big clusters).
        let flagged: HashSet<(&str, &str)> = self
            .findings
            .iter()
            .flat_map(|f| {
                std::iter::once(f.pod.as_str())
                    .chain(f.pods.iter().map(String::as_str))
                    .map(|pod| (f.namespace.as_str(), pod))
            })
            .collect();
        self.healthy = self
            .pods
            .iter()
            .filter(|p| !flagged.contains(&(p.namespace.as_str(), p.pod.as_str())))
            .cloned()
            .collect();
    }

    /// Merges the same finding (rule, container) across replicas of one workload, so three
    /// OOMKilled proxies read as one line about `3/3 pods of deploy/checkout`.
    pub fn group_replicas(mut self, pods_per_owner: &BTreeMap<String, usize>) -> Self {
        type Key = (String, String, &'static str, Option<String>, Severity);
        let mut grouped: Vec<PodFinding> = Vec::new();
        // Groups by (owner, namespace, rule, container, severity), in creation order, so each
        // finding looks only at its own candidates instead of every group so far.
        let mut candidates: HashMap<Key, Vec<usize>> = HashMap::new();
        for f in self.findings {
            let Some(owner) = f.owner.clone() else {
                grouped.push(f);
                continue;
            };
            let key: Key = (
                owner,
                f.namespace.clone(),
                f.finding.rule,
                f.finding.container.clone(),
                f.finding.severity,
            );
            let indices = candidates.entry(key).or_default();
            let existing = indices
                .iter()
                .copied()
                .find(|&i| grouped[i].pod != f.pod && !grouped[i].pods.contains(&f.pod));
            match existing {
                Some(i) => {
                    let group = &mut grouped[i];
                    if group.pods.is_empty() {
                        group.pods.push(group.pod.clone());
                    }
                    group.pods.push(f.pod);
                }
                None => {
                    indices.push(grouped.len());
                    grouped.push(f);
                }
            }
        }
        for g in &mut grouped {
            if !g.pods.is_empty() {
                g.of_pods = g
                    .owner
                    .as_ref()
                    .and_then(|o| pods_per_owner.get(o))
                    .copied();
            }
        }
        self.findings = grouped;
        self
    }

    /// Keeps findings at or above `min`; most severe first, then by pod, stable otherwise.
    pub fn filter_and_sort(mut self, min: Severity) -> Self {
        self.findings.retain(|f| f.finding.severity <= min);
        self.update_healthy();
        self.findings.sort_by(|a, b| {
            (a.finding.severity, &a.namespace, &a.pod).cmp(&(
                b.finding.severity,
                &b.namespace,
                &b.pod,
            ))
        });
        self
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.finding.severity == severity)
            .count()
    }
}

#[cfg(test)]
mod tests;
