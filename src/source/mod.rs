//! Where pods come from: the cluster (kube client) or files (`-f`). Both produce the same
//! list of [`SourcePod`]s; nothing downstream knows which one ran.

pub mod cluster;
pub mod files;
pub mod selector;
pub mod target;

use std::collections::BTreeMap;

use futures::{StreamExt, stream};
use k8s_openapi::api::core::v1::{Event, Pod};

use crate::error::Result;
use crate::options::{Scope, Selection, SourceChoice};
use target::WorkloadKind;

/// A pod as every command sees it.
#[derive(Debug, Clone)]
pub struct SourcePod {
    pub pod: Pod,
    /// Set when this "pod" is a workload's pod template read from a manifest: it has a spec
    /// but no status, and no pod of that name exists. Status columns must say so.
    pub template_of: Option<WorkloadRef>,
}

/// A workload named in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadRef {
    pub kind: WorkloadKind,
    pub name: String,
}

/// Pods plus the non-fatal things worth telling the user (skipped documents, …).
#[derive(Debug, Default)]
pub struct Loaded {
    pub pods: Vec<SourcePod>,
    /// Events read from files (`kubectl get events -o json` dumps); live events are fetched
    /// separately, only by the commands that use them.
    pub events: Vec<Event>,
    pub warnings: Vec<String>,
}

/// Loads the selected pods from the chosen source.
pub async fn load_pods(selection: &Selection, source: &SourceChoice) -> Result<Loaded> {
    match source {
        SourceChoice::Files(paths) => {
            let stdin = std::io::stdin();
            files::load(paths, selection, &mut stdin.lock())
        }
        SourceChoice::Cluster(options) => cluster::load(options, selection).await,
    }
}

/// What `diagnose` reads besides pods. Live it comes from the cluster; offline only events
/// given in the files are known.
#[derive(Debug, Default)]
pub struct Extras {
    pub events: Vec<Event>,
    /// (namespace, pod, container) → last lines of the previous instance.
    pub previous_logs: BTreeMap<(String, String, String), Vec<String>>,
    pub server_version: Option<(u32, u32)>,
    /// Whether events were read at all (live, or present in the files).
    pub have_events: bool,
}

/// How many previous logs are fetched at once.
const LOG_CONCURRENCY: usize = 8;
/// Lines of a previous instance's log shown as evidence.
const PREVIOUS_LOG_LINES: i64 = 5;

/// Loads pods plus events, the previous logs of the containers `wants_previous_log` names,
/// and the server version. Failing to read any of those extras is a warning, not an error:
/// the pods alone still give most findings.
pub async fn load_with_extras(
    selection: &Selection,
    source: &SourceChoice,
    wants_previous_log: fn(&SourcePod) -> Vec<String>,
) -> Result<(Loaded, Extras)> {
    let options = match source {
        SourceChoice::Files(_) => {
            let mut loaded = load_pods(selection, source).await?;
            let extras = Extras {
                have_events: !loaded.events.is_empty(),
                events: std::mem::take(&mut loaded.events),
                ..Extras::default()
            };
            return Ok((loaded, extras));
        }
        SourceChoice::Cluster(options) => options,
    };
    let cluster = cluster::Cluster::connect(options).await?;
    let mut loaded = cluster.load_pods(selection).await?;
    let mut extras = Extras::default();

    let namespaces: Option<Vec<String>> = match selection.scope {
        Scope::AllNamespaces => None,
        _ => {
            let mut list: Vec<String> = loaded
                .pods
                .iter()
                .map(|p| pod_namespace(&p.pod).to_string())
                .collect();
            list.sort();
            list.dedup();
            Some(list)
        }
    };
    match cluster.pod_events(namespaces.as_deref()).await {
        Ok(events) => {
            extras.events = events;
            extras.have_events = true;
        }
        Err(e) => loaded
            .warnings
            .push(format!("{}; findings use pod status only", e.message)),
    }

    let requests: Vec<(String, String, String)> = loaded
        .pods
        .iter()
        .flat_map(|sp| {
            let ns = pod_namespace(&sp.pod).to_string();
            let name = sp.pod.metadata.name.clone().unwrap_or_default();
            wants_previous_log(sp)
                .into_iter()
                .map(move |c| (ns.clone(), name.clone(), c))
        })
        .collect();
    let cluster_ref = &cluster;
    let results: Vec<_> = stream::iter(requests)
        .map(|(ns, pod, container)| async move {
            let log = cluster_ref
                .previous_log(&ns, &pod, &container, PREVIOUS_LOG_LINES)
                .await;
            ((ns, pod, container), log)
        })
        .buffer_unordered(LOG_CONCURRENCY)
        .collect()
        .await;
    for (key, log) in results {
        match log {
            Ok(text) => {
                let lines = text.lines().map(str::to_string).collect();
                extras.previous_logs.insert(key, lines);
            }
            // A missing previous instance (400) is common and not worth a warning.
            Err(e) if e.message.contains("(BadRequest)") => {}
            Err(e) => loaded.warnings.push(e.message),
        }
    }

    match cluster.server_version().await {
        Ok(version) => extras.server_version = Some(version),
        Err(e) => loaded.warnings.push(e.message),
    }
    Ok((loaded, extras))
}

/// Namespace a pod lives in; a manifest without one lands in "default" unless applied with -n.
pub fn pod_namespace(pod: &Pod) -> &str {
    pod.metadata.namespace.as_deref().unwrap_or("default")
}
