//! `diagnose`: a registry of small rules run over each pod (and, live, its events and the
//! previous logs of crash-looping containers). Pure: everything it reads is passed in.

pub mod collect;
pub mod verdict;

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use serde::Serialize;

use crate::checks::{self, PodContext};
use crate::fix::{Owner, infer_owner};
use crate::model::events::PodEvent;
use crate::model::finding::{Finding, Severity};
use crate::model::metrics::{MetricsIndex, PodUsage};
use crate::model::{Role, build_pod_view};
use crate::source::SourcePod;
use verdict::Verdict;

/// What the rules may read besides the pod itself. Offline, `live` is false and events come
/// only from files, so rules that need events or logs stay silent instead of guessing.
#[derive(Debug, Default)]
pub struct Evidence {
    pub events: Vec<PodEvent>,
    /// `(major, minor)` of the API server, when live.
    pub server_version: Option<(u32, u32)>,
    /// Whether events were available at all (live, or events given in files).
    pub have_events: bool,
    /// Usage samples (metrics API, or PodMetrics dumps in files).
    pub metrics: Vec<PodUsage>,
    /// `--memory-threshold`: percent of the limit at which memory usage is reported.
    pub memory_threshold: Option<u32>,
}

pub use crate::checks::context::DEFAULT_MEMORY_THRESHOLD;

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
    /// `diagnose --fix`: the finding's fix as a patch of the pod's owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remedy: Option<crate::fix::Remedy>,
}

/// What `--fix` needs to find a pod's owner once the pod itself is gone from memory.
#[derive(Debug, Clone)]
pub struct FixSubject {
    /// The owner as the pod and the files tell (live, the starting point of the lookup).
    pub inferred: Owner,
    /// The pod's controller (`ReplicaSet`, `web-6f7c9d8b5`), the first owner to read live.
    pub controller: Option<(String, String)>,
    /// The pod as read, the target when its owners cannot be read.
    pub pod: serde_json::Value,
}

fn fix_subject(source: &SourcePod, objects: &[serde_json::Value]) -> FixSubject {
    let controller = source
        .pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
        .map(|o| (o.kind.clone(), o.name.clone()));
    FixSubject {
        inferred: infer_owner(source, objects),
        controller: controller.filter(|_| source.template_of.is_none()),
        pod: serde_json::to_value(&source.pod).unwrap_or_default(),
    }
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

/// How many selected pods each workload owns, by namespace and owner (`deploy/x`): one entry
/// per owner however long their names, as a cluster-wide run counts every owner it meets
/// (150,000 Job pods are 150,000 owners). Keys are 64-bit hashes of the pair: a collision
/// among a cluster's owners is vanishingly unlikely and would only misstate an "N/M pods".
#[derive(Debug, Default, Clone)]
pub struct OwnerCounts(HashMap<u64, u32>);

impl OwnerCounts {
    fn key(namespace: &str, owner: &str) -> u64 {
        use std::hash::{Hash, Hasher};
        // SipHash with fixed keys: the same pair always gives the same key.
        let mut hasher = std::hash::DefaultHasher::new();
        (namespace, owner).hash(&mut hasher);
        hasher.finish()
    }

    pub fn add(&mut self, namespace: &str, owner: &str) {
        *self.0.entry(Self::key(namespace, owner)).or_default() += 1;
    }

    pub fn get(&self, namespace: &str, owner: &str) -> Option<usize> {
        let count = *self.0.get(&Self::key(namespace, owner))?;
        usize::try_from(count).ok()
    }
}

/// Diagnoses pods one at a time, as they arrive, keeping only their findings and summaries:
/// a cluster-wide run never holds every pod. Pods may be added out of their listing order
/// (those waiting for previous logs come when their logs arrive); `add` takes the position
/// to restore it.
pub struct Diagnoser<'e> {
    evidence: &'e Evidence,
    now: Timestamp,
    /// Events by pod, built once: scanning all events for every pod was quadratic
    /// (30,000 pods with 3,000 events took 30 s). Each group keeps the events' order.
    events_by_pod: HashMap<(&'e str, &'e str), Vec<&'e PodEvent>>,
    metrics: MetricsIndex,
    /// `--fix`: the workload objects read from files (empty live); `None` without `--fix`.
    fix_objects: Option<&'e [serde_json::Value]>,
    /// Per pod, by position: its verdict and findings (tests; runs use a `Collector`).
    #[cfg(test)]
    checked: Vec<(usize, PodDiagnosis)>,
    /// Selected pods per owning workload, for "3/3 pods of deploy/x".
    pub pods_per_owner: OwnerCounts,
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
            metrics: MetricsIndex::new(evidence.metrics.iter().cloned()),
            #[cfg(test)]
            checked: Vec::new(),
            fix_objects: None,
            pods_per_owner: OwnerCounts::default(),
        }
    }

    /// `--fix`: keep what finding the pods' owners needs; `objects` are the workload objects
    /// read from files.
    pub fn with_fix(mut self, objects: &'e [serde_json::Value]) -> Self {
        self.fix_objects = Some(objects);
        self
    }

    /// Runs every rule over the pod at `position` in the listing, given its containers'
    /// previous logs, and reads the pod's verdict off its findings.
    #[cfg(test)]
    pub fn add(
        &mut self,
        position: usize,
        source: &SourcePod,
        previous_logs: BTreeMap<&str, &[String]>,
    ) {
        let entry = self.check(source, previous_logs);
        self.checked.push((position, entry));
    }

    /// One pod's diagnosis, not kept: the caller decides what to hold (a cluster-wide run
    /// sets the pods with nothing serious aside as they come, see [`collect`]).
    pub fn check(
        &mut self,
        source: &SourcePod,
        previous_logs: BTreeMap<&str, &[String]>,
    ) -> PodDiagnosis {
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
        let mut ctx = PodContext::new(source, &view, self.now);
        ctx.events = events;
        ctx.have_events = self.evidence.have_events;
        ctx.previous_logs = previous_logs;
        ctx.server_version = self.evidence.server_version;
        ctx.usage = self.metrics.get(&view.namespace, &view.name);
        ctx.patches = self.fix_objects.is_some();
        ctx.memory_threshold = self
            .evidence
            .memory_threshold
            .unwrap_or(DEFAULT_MEMORY_THRESHOLD);
        let mut pod_findings = checks::run_all(&ctx);
        verdict::link_consequences(&ctx, &mut pod_findings);
        verdict::order_cause_first(&mut pod_findings, checks::registry_index);
        let verdict = verdict::verdict(&ctx, &pod_findings);
        let owner = owner_of(source);
        if let Some(owner) = &owner {
            self.pods_per_owner.add(&view.namespace, owner);
        }
        let findings: Vec<PodFinding> = pod_findings
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
                    remedy: None,
                }
            })
            .collect();
        let fix = match self.fix_objects {
            Some(objects)
                if findings
                    .iter()
                    .any(|f: &PodFinding| f.finding.patch.is_some()) =>
            {
                Some(Box::new(fix_subject(source, objects)))
            }
            _ => None,
        };
        PodDiagnosis {
            ready: view.ready.map(|r| format!("{r}/{}", view.total)),
            spec_only: view.spec_only,
            status: view.status,
            namespace: view.namespace,
            pod: view.name,
            owner,
            verdict,
            pods: Vec::new(),
            of_pods: None,
            findings,
            fix,
        }
    }

    /// The diagnosis of every pod added, in listing order.
    #[cfg(test)]
    pub fn finish(mut self) -> Diagnosis {
        self.checked.sort_by_key(|(position, _)| *position);
        let mut diagnosis = Diagnosis {
            pods_checked: self.checked.len(),
            pods: self.checked.into_iter().map(|(_, entry)| entry).collect(),
            healthy: Vec::new(),
        };
        diagnosis.update_healthy();
        diagnosis
    }
}

/// `diagnose --fix -f -` in process, for tests: the pods of `text` (YAML or JSON documents),
/// with the Events and PodMetrics documents beside them as evidence, at the golden tests'
/// clock. Every pod is held, in listing order.
#[cfg(test)]
pub fn diagnose_text(text: &str) -> Result<Diagnosis, crate::error::Error> {
    diagnose_text_with(text, true)
}

/// [`diagnose_text`], with or without `--fix`.
#[cfg(test)]
pub fn diagnose_text_with(text: &str, fix: bool) -> Result<Diagnosis, crate::error::Error> {
    use crate::options::{Scope, Selection};
    let selection = Selection {
        scope: Scope::AllNamespaces,
        targets: Vec::new(),
        label_selector: None,
        field_selector: None,
        container: None,
    };
    let loaded = crate::source::files::load(
        &[std::path::PathBuf::from("-")],
        &selection,
        &mut text.as_bytes(),
    )?;
    let evidence = Evidence {
        events: loaded
            .events
            .iter()
            .filter_map(PodEvent::from_api)
            .collect(),
        have_events: !loaded.events.is_empty(),
        metrics: loaded.metrics,
        ..Evidence::default()
    };
    let now = "2026-11-23T12:00:00Z".parse().expect("valid time");
    let mut diagnoser = Diagnoser::new(&evidence, now);
    if fix {
        diagnoser = diagnoser.with_fix(&loaded.objects);
    }
    for (position, pod) in loaded.pods.iter().enumerate() {
        diagnoser.add(position, pod, BTreeMap::new());
    }
    Ok(diagnoser.finish())
}

/// A pod with nothing to report at the chosen `--severity`.
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

/// One pod's diagnosis (or, grouped, several replicas with the same one): `-o json` lists
/// those with a verdict or findings under `pods`; their findings are under `findings`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodDiagnosis {
    pub namespace: String,
    pub pod: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<String>,
    pub spec_only: bool,
    /// `None`: nothing is broken (at most hygiene findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// Every pod with this diagnosis when replicas were grouped (first one is `pod`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pods: Vec<String>,
    /// How many selected pods the owner has, when grouped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub of_pods: Option<usize>,
    /// Cause first (consequences after what they follow).
    #[serde(skip)]
    pub findings: Vec<PodFinding>,
    /// With `--fix`, for a pod with a finding that proposes a patch.
    #[serde(skip)]
    pub fix: Option<Box<FixSubject>>,
}

impl PodDiagnosis {
    pub fn is_healthy(&self) -> bool {
        self.findings.is_empty() && self.verdict.is_none()
    }

    /// The most severe finding; a down pod counts as critical even without findings.
    pub fn worst(&self) -> Option<Severity> {
        let down = self
            .verdict
            .as_ref()
            .is_some_and(|v| v.outcome.is_down())
            .then_some(Severity::Critical);
        self.findings
            .iter()
            .map(|f| f.finding.severity)
            .chain(down)
            .min()
    }

    pub fn as_healthy(&self) -> HealthyPod {
        HealthyPod {
            namespace: self.namespace.clone(),
            pod: self.pod.clone(),
            status: self.status.clone(),
            ready: self.ready.clone(),
            spec_only: self.spec_only,
        }
    }

    /// What replicas must share to be shown as one: owner, verdict and findings.
    fn group_key(&self) -> Option<GroupKey> {
        let owner = self.owner.clone()?;
        let verdict = self
            .verdict
            .as_ref()
            .map(|v| (v.outcome, v.container.clone(), v.rule));
        let findings = self
            .findings
            .iter()
            .map(|f| {
                (
                    f.finding.rule,
                    f.finding.container.clone(),
                    f.finding.severity,
                )
            })
            .collect();
        Some((owner, self.namespace.clone(), verdict, findings))
    }
}

type GroupKey = (
    String,
    String,
    Option<(verdict::Outcome, Option<String>, Option<&'static str>)>,
    Vec<(&'static str, Option<String>, Severity)>,
);

#[derive(Debug)]
pub struct Diagnosis {
    pub pods_checked: usize,
    /// Every pod checked (or group of replicas), listing order until sorted.
    pub pods: Vec<PodDiagnosis>,
    /// Pods with no verdict and no finding left (after `--severity`): listed as OK.
    pub healthy: Vec<HealthyPod>,
}

impl Diagnosis {
    pub fn update_healthy(&mut self) {
        self.healthy = self
            .pods
            .iter()
            .filter(|p| p.is_healthy())
            .map(PodDiagnosis::as_healthy)
            .collect();
    }

    /// Every finding, pod by pod, cause first within a pod.
    pub fn findings(&self) -> impl Iterator<Item = &PodFinding> {
        self.pods.iter().flat_map(|p| p.findings.iter())
    }

    /// Merges replicas of one workload with the same verdict and findings, so three
    /// OOMKilled proxies read as one block about `3/3 pods of deploy/checkout`.
    pub fn group_replicas(mut self, pods_per_owner: &OwnerCounts) -> Self {
        let mut grouped: Vec<PodDiagnosis> = Vec::new();
        // Each key points at its group, so a pod looks only at its own candidate.
        let mut groups: HashMap<GroupKey, usize> = HashMap::new();
        for p in self.pods {
            if p.is_healthy() {
                grouped.push(p);
                continue;
            }
            let Some(key) = p.group_key() else {
                grouped.push(p);
                continue;
            };
            match groups.get(&key) {
                Some(&i) => {
                    let group = &mut grouped[i];
                    if group.pods.is_empty() {
                        group.pods.push(group.pod.clone());
                    }
                    group.pods.push(p.pod);
                }
                None => {
                    groups.insert(key, grouped.len());
                    grouped.push(p);
                }
            }
        }
        for g in &mut grouped {
            if g.pods.is_empty() {
                continue;
            }
            g.of_pods = g
                .owner
                .as_ref()
                .and_then(|o| pods_per_owner.get(&g.namespace, o));
            for f in &mut g.findings {
                f.pods = g.pods.clone();
                f.of_pods = g.of_pods;
            }
        }
        self.pods = grouped;
        self
    }

    /// Keeps findings at or above `min`; pods most severe first, then by namespace and
    /// name; each pod's findings stay cause first.
    pub fn filter_and_sort(mut self, min: Severity) -> Self {
        for p in &mut self.pods {
            p.findings.retain(|f| f.finding.severity <= min);
        }
        self.update_healthy();
        self.pods.sort_by(|a, b| {
            let rank = |p: &PodDiagnosis| p.worst().unwrap_or(Severity::Info);
            (rank(a), &a.namespace, &a.pod).cmp(&(rank(b), &b.namespace, &b.pod))
        });
        self
    }

    /// Pods to report: a verdict or findings.
    pub fn reported(&self) -> impl Iterator<Item = &PodDiagnosis> {
        self.pods.iter().filter(|p| !p.is_healthy())
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings()
            .filter(|f| f.finding.severity == severity)
            .count()
    }
}

#[cfg(test)]
mod tests;
