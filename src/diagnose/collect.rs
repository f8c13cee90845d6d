//! What a run holds: up to [`KEEP`] pods are held and sorted at the end (most severe first,
//! then by namespace and name). Past that, every pod goes to a [`Sink`] as it is checked,
//! grouped with the replicas listed next to it, into the bucket of its worst severity
//! (critical, warning, info; healthy pods apart), and the buckets are printed in that order.
//! A run over 150,000 pods then holds one owner's replicas at a time, not every pod.
//!
//! Within a bucket, streamed entries keep the listing order, which for a live listing is
//! namespace then name: the order the report sorts them in. Replicas are grouped when their
//! pods are listed together (pods of one ReplicaSet always are). Pods that wait for their
//! previous logs are added when their logs arrive (while the listing goes on), so they come
//! a little later in their bucket than their listing position. Below [`KEEP`], nothing is
//! streamed and the report is exactly as if everything had been held.

use regex::Regex;

use super::{Diagnosis, HealthyPod, OwnerCounts, PodDiagnosis};
use crate::error::Result;
use crate::model::finding::Severity;

/// Pods held before streaming starts.
pub const KEEP: usize = 2000;

/// Where streamed entries go: rendered now, printed by bucket, most severe first.
pub trait Sink {
    /// `rank`: the entry's worst severity (a down pod counts as critical).
    fn reported(&mut self, entry: &PodDiagnosis, rank: Severity) -> Result<()>;
    fn healthy(&mut self, entry: &HealthyPod) -> Result<()>;
}

/// What the command line asked for, applied to every pod as it comes.
pub struct Filters {
    pub container: Option<Regex>,
    pub min_severity: Severity,
    pub fail_on: Option<Severity>,
    pub group: bool,
}

/// Counts of what was streamed, for the summary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Streamed {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
    pub healthy: usize,
    /// Rule IDs of the streamed findings, first seen first.
    pub rules: Vec<&'static str>,
}

pub struct Collector<S: Sink> {
    filters: Filters,
    /// Pods held before streaming starts ([`KEEP`]).
    keep: usize,
    held: Vec<(usize, PodDiagnosis)>,
    sink: Option<S>,
    make_sink: Option<Box<dyn FnOnce() -> Result<S>>>,
    /// Streamed pods of the owner being listed, waiting for its other replicas.
    run: Vec<PodDiagnosis>,
    pub streamed: Streamed,
    pub pods_checked: usize,
    /// Findings at or above `--fail-on` (after `-c`, whatever `--severity` hides).
    pub failing: usize,
    error: Option<crate::error::Error>,
}

impl<S: Sink> Collector<S> {
    /// `make_sink` is called once, when streaming starts; `None` never streams (`--fix`
    /// reads the owners at the end, so it holds everything).
    pub fn new(filters: Filters, make_sink: Option<Box<dyn FnOnce() -> Result<S>>>) -> Self {
        Collector {
            filters,
            keep: KEEP,
            held: Vec::new(),
            sink: None,
            make_sink,
            run: Vec::new(),
            streamed: Streamed::default(),
            pods_checked: 0,
            failing: 0,
            error: None,
        }
    }

    /// Streams past `keep` held pods instead of [`KEEP`] (tests).
    #[cfg(test)]
    pub fn keep(mut self, keep: usize) -> Self {
        self.keep = keep;
        self
    }

    pub fn add(&mut self, position: usize, mut entry: PodDiagnosis, owners: &OwnerCounts) {
        self.pods_checked += 1;
        if let Some(re) = &self.filters.container {
            entry.findings.retain(|f| {
                f.finding
                    .container
                    .as_deref()
                    .is_none_or(|c| re.is_match(c))
            });
        }
        if let Some(threshold) = self.filters.fail_on {
            self.failing += entry
                .findings
                .iter()
                .filter(|f| f.finding.severity <= threshold)
                .count();
        }
        if self.sink.is_none() {
            self.held.push((position, entry));
            if self.held.len() > self.keep && self.make_sink.is_some() {
                self.start_streaming(owners);
            }
            return;
        }
        self.stream(entry, owners);
    }

    /// Moves the held pods to the sink, in listing order.
    fn start_streaming(&mut self, owners: &OwnerCounts) {
        let Some(make) = self.make_sink.take() else {
            return;
        };
        match make() {
            Ok(sink) => self.sink = Some(sink),
            Err(e) => {
                self.error = Some(e);
                return;
            }
        }
        let mut held = std::mem::take(&mut self.held);
        held.sort_by_key(|(position, _)| *position);
        for (_, entry) in held {
            self.stream(entry, owners);
        }
    }

    fn stream(&mut self, entry: PodDiagnosis, owners: &OwnerCounts) {
        if self
            .run
            .first()
            .is_some_and(|first| first.owner != entry.owner || entry.owner.is_none())
        {
            self.flush_run(owners);
        }
        self.run.push(entry);
    }

    /// Groups the replicas of the owner just listed and hands them to the sink.
    fn flush_run(&mut self, owners: &OwnerCounts) {
        let run = std::mem::take(&mut self.run);
        if run.is_empty() {
            return;
        }
        let mut batch = Diagnosis {
            pods_checked: run.len(),
            pods: run,
            healthy: Vec::new(),
        };
        if self.filters.group {
            batch = batch.group_replicas(owners);
        }
        let min = self.filters.min_severity;
        for mut entry in batch.pods {
            entry.findings.retain(|f| f.finding.severity <= min);
            if self.error.is_some() {
                return;
            }
            let Some(sink) = self.sink.as_mut() else {
                return;
            };
            let written = if entry.is_healthy() {
                self.streamed.healthy += 1;
                sink.healthy(&entry.as_healthy())
            } else {
                for f in &entry.findings {
                    match f.finding.severity {
                        Severity::Critical => self.streamed.critical += 1,
                        Severity::Warning => self.streamed.warning += 1,
                        Severity::Info => self.streamed.info += 1,
                    }
                    if !self.streamed.rules.contains(&f.finding.rule) {
                        self.streamed.rules.push(f.finding.rule);
                    }
                }
                sink.reported(&entry, entry.worst().unwrap_or(Severity::Info))
            };
            if let Err(e) = written {
                self.error = Some(e);
            }
        }
    }

    /// The held pods (in listing order, as `Diagnoser::finish` gives them), the sink if the
    /// run streamed, and the first error writing to it.
    pub fn finish(
        mut self,
        owners: &OwnerCounts,
    ) -> Result<(Diagnosis, Option<S>, Streamed, usize, usize)> {
        self.flush_run(owners);
        if let Some(e) = self.error {
            return Err(e);
        }
        self.held.sort_by_key(|(position, _)| *position);
        let mut diagnosis = Diagnosis {
            pods_checked: self.pods_checked,
            pods: self.held.into_iter().map(|(_, e)| e).collect(),
            healthy: Vec::new(),
        };
        diagnosis.update_healthy();
        Ok((
            diagnosis,
            self.sink,
            self.streamed,
            self.pods_checked,
            self.failing,
        ))
    }
}

#[cfg(test)]
pub mod tests {
    use std::collections::BTreeMap;

    use serde_json::{Value, json};

    use super::*;
    use crate::diagnose::{Diagnoser, Evidence};
    use crate::source::SourcePod;

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/cluster/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// `pod` renamed and re-owned: replicas of `owner` (a ReplicaSet of deployment `owner`).
    fn replica(mut pod: Value, owner: &str, name: &str) -> SourcePod {
        pod["metadata"]["name"] = json!(name);
        pod["metadata"]["namespace"] = json!("shop");
        pod["metadata"]["labels"] = json!({"pod-template-hash": "5d8c7b9f4"});
        pod["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "name": format!("{owner}-5d8c7b9f4"), "uid": "u", "controller": true}]);
        SourcePod {
            pod: serde_json::from_value(pod).unwrap(),
            template_of: None,
        }
    }

    /// A listing sorted like a live one: by name, replicas of one owner next to each other;
    /// `hygiene` pods with info findings only, and one OOM-killed pod in the middle.
    fn listing(hygiene: usize) -> Vec<SourcePod> {
        let plain = fixture("agent-native.json");
        let mut pods: Vec<SourcePod> = (0..hygiene)
            .map(|i| {
                replica(
                    plain.clone(),
                    &format!("svc-{:03}", i / 3),
                    &format!("svc-{:03}-5d8c7b9f4-{i:05}", i / 3),
                )
            })
            .collect();
        pods.insert(
            hygiene / 2,
            replica(
                fixture("oom-native-sidecar.json"),
                "checkout",
                "svc-000-checkout",
            ),
        );
        pods
    }

    fn run(pods: &[SourcePod], keep: usize, group: bool) -> (Diagnosis, Option<Memory>, Streamed) {
        let evidence = Evidence::default();
        let mut diagnoser = Diagnoser::new(&evidence, "2026-11-23T12:00:00Z".parse().unwrap());
        let make: Box<dyn FnOnce() -> Result<Memory>> = Box::new(|| Ok(Memory::default()));
        let mut collector = Collector::new(
            Filters {
                container: None,
                min_severity: Severity::Info,
                fail_on: Some(Severity::Critical),
                group,
            },
            Some(make),
        )
        .keep(keep);
        for (position, pod) in pods.iter().enumerate() {
            let entry = diagnoser.check(pod, BTreeMap::new());
            collector.add(position, entry, &diagnoser.pods_per_owner);
        }
        let owners = diagnoser.pods_per_owner.clone();
        let (mut held, sink, streamed, checked, _) = collector.finish(&owners).unwrap();
        assert_eq!(checked, pods.len());
        if group {
            held = held.group_replicas(&owners);
        }
        (held.filter_and_sort(Severity::Info), sink, streamed)
    }

    /// What the report lists, in order: held pods first, then the streamed ones.
    fn listed(held: &Diagnosis, sink: &Option<Memory>) -> Vec<(String, Vec<String>, usize)> {
        let entry = |p: &PodDiagnosis| (p.pod.clone(), p.pods.clone(), p.findings.len());
        held.reported()
            .map(entry)
            .chain(sink.iter().flat_map(|s| s.reported.iter().map(entry)))
            .collect()
    }

    #[test]
    fn a_streamed_run_lists_what_a_held_run_lists() {
        let pods = listing(30);
        let (held_all, none, _) = run(&pods, usize::MAX, true);
        assert!(none.is_none(), "under the limit nothing streams");
        let (held, sink, streamed) = run(&pods, 4, true);
        let sink_ref = sink.as_ref().expect("past the limit the run streams");
        // Nothing stays in memory; the serious pod leads, in its own bucket.
        assert!(held.pods.is_empty());
        assert_eq!(sink_ref.reported[0].pod, "svc-000-checkout");
        assert_eq!(listed(&held_all, &None), listed(&held, &sink));
        // Replicas were grouped in the stream too: 10 owners of 3 pods.
        assert_eq!(sink_ref.reported.len(), 11);
        assert!(
            sink_ref.reported[1..]
                .iter()
                .all(|p| p.pods.len() == 3 && p.of_pods == Some(3))
        );
        let counted = streamed.critical + streamed.warning + streamed.info;
        assert_eq!(
            counted,
            sink_ref
                .reported
                .iter()
                .map(|p| p.findings.len())
                .sum::<usize>()
        );
        assert!(!streamed.rules.is_empty());
    }

    #[test]
    fn ungrouped_streams_every_pod_in_listing_order() {
        let pods = listing(12);
        let (held, sink, _) = run(&pods, 2, false);
        let names: Vec<String> = sink.unwrap().reported[1..]
            .iter()
            .map(|p| p.pod.clone())
            .collect();
        let expected: Vec<String> = pods
            .iter()
            .map(|p| p.pod.metadata.name.clone().unwrap())
            .filter(|n| n != "svc-000-checkout")
            .collect();
        assert_eq!(names, expected);
        assert!(held.pods.is_empty());
    }

    /// A sink that keeps what it is given, to look at.
    #[derive(Default)]
    pub struct Memory {
        pub reported: Vec<PodDiagnosis>,
        pub healthy: Vec<HealthyPod>,
    }

    impl Sink for Memory {
        fn reported(&mut self, entry: &PodDiagnosis, rank: Severity) -> Result<()> {
            // Printed by bucket: most severe first, listing order within a bucket.
            let at = self
                .reported
                .partition_point(|e| e.worst().unwrap_or(Severity::Info) <= rank);
            self.reported.insert(at, entry.clone());
            Ok(())
        }

        fn healthy(&mut self, entry: &HealthyPod) -> Result<()> {
            self.healthy.push(entry.clone());
            Ok(())
        }
    }
}
