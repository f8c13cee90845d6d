//! Where pods come from: the cluster (kube client) or files (`-f`). Both produce the same
//! list of [`SourcePod`]s; nothing downstream knows which one ran.

pub mod cluster;
pub mod files;
pub mod selector;
pub mod target;

use std::collections::BTreeMap;

use futures::StreamExt;
use futures::channel::mpsc;
use k8s_openapi::api::core::v1::{Event, Pod};

use crate::error::Result;
use crate::options::{Scope, Selection, SourceChoice};
use target::WorkloadKind;

/// A pod as every command sees it.
#[derive(Debug, Clone, Default)]
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
    /// PodMetrics read from files (`kubectl get --raw /apis/metrics.k8s.io/…` dumps).
    pub metrics: Vec<crate::model::metrics::PodUsage>,
    /// Workload objects read from files, as written (owners for `diagnose --fix`).
    pub objects: Vec<serde_json::Value>,
    pub warnings: Vec<String>,
    /// kubectl's `No resources found in NS namespace.` when a listing found nothing.
    pub nothing_found: Option<String>,
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

/// What a visit found besides the pods it handed over.
#[derive(Debug, Default)]
pub struct Visited {
    /// How many pods were selected (and visited).
    pub pods: usize,
    pub warnings: Vec<String>,
    /// kubectl's `No resources found in NS namespace.` when a listing found nothing.
    pub nothing_found: Option<String>,
}

/// Hands each selected pod to `visit`, then drops it: a command keeps only what it reduced the
/// pod to, so a cluster-wide listing never holds every pod at once.
pub async fn visit_pods(
    selection: &Selection,
    source: &SourceChoice,
    visit: &mut dyn FnMut(&mut SourcePod),
) -> Result<Visited> {
    match source {
        SourceChoice::Files(_) => {
            let mut loaded = load_pods(selection, source).await?;
            let pods = loaded.pods.len();
            loaded.pods.iter_mut().for_each(visit);
            Ok(Visited {
                pods,
                warnings: loaded.warnings,
                nothing_found: None,
            })
        }
        SourceChoice::Cluster(options) => {
            let cluster = cluster::Cluster::connect(options).await?;
            let pods = cluster.visit_pods(selection, visit).await?;
            Ok(Visited {
                pods,
                nothing_found: cluster.nothing_found(selection, pods),
                ..Visited::default()
            })
        }
    }
}

/// What `diagnose` reads besides pods. Live it comes from the cluster; offline only events
/// given in the files are known.
#[derive(Debug, Default)]
pub struct Extras {
    /// Events about pods, reduced to what the checks read.
    pub events: Vec<crate::model::events::PodEvent>,
    pub server_version: Option<(u32, u32)>,
    /// Whether events were read at all (live, or present in the files).
    pub have_events: bool,
    /// PodMetrics samples (live from the metrics API, or PodMetrics dumps among the files).
    pub metrics: Vec<crate::model::metrics::PodUsage>,
    pub warnings: Vec<String>,
}

/// The one line saying why usage is unknown: no metrics API is never a failure.
pub fn metrics_warning(e: &crate::error::Error) -> String {
    format!(
        "{}; usage is unknown (is metrics-server installed, and may you get pods.metrics.k8s.io?)",
        e.message
    )
}

/// Usage samples for `ls --metrics`: PodMetrics dumps among the files (not stdin, which the
/// pods are read from), or the metrics API. No metrics is a warning, never a failure.
pub async fn load_metrics(
    selection: &Selection,
    source: &SourceChoice,
) -> (Vec<crate::model::metrics::PodUsage>, Vec<String>) {
    match source {
        SourceChoice::Files(paths) => files::load_metrics(paths),
        SourceChoice::Cluster(options) => {
            let cluster = match cluster::Cluster::connect(options).await {
                Ok(cluster) => cluster,
                Err(e) => return (Vec::new(), vec![metrics_warning(&e)]),
            };
            let namespaces = match &selection.scope {
                Scope::AllNamespaces => None,
                Scope::Namespace(Some(ns)) => Some(vec![ns.clone()]),
                Scope::Namespace(None) => Some(vec![cluster.default_namespace.clone()]),
            };
            match cluster
                .pod_metrics(namespaces.as_deref(), selection.label_selector.as_deref())
                .await
            {
                Ok(samples) => (samples, Vec::new()),
                Err(e) => (Vec::new(), vec![metrics_warning(&e)]),
            }
        }
    }
}

/// How many pods' previous logs are read at once.
const LOG_CONCURRENCY: usize = 8;
/// Lines of a previous instance's log shown as evidence.
const PREVIOUS_LOG_LINES: i64 = 5;

/// Container name → last lines of its previous instance.
pub type PreviousLogs = BTreeMap<String, Vec<String>>;

/// A source opened for `diagnose`: files already read, or a connected cluster. Evidence
/// (events, server version) is read first so each pod can be diagnosed as it arrives.
pub enum Opened {
    Files(Loaded),
    Cluster(Box<cluster::Cluster>),
}

impl Opened {
    pub async fn open(selection: &Selection, source: &SourceChoice) -> Result<Opened> {
        Ok(match source {
            SourceChoice::Files(_) => Opened::Files(load_pods(selection, source).await?),
            SourceChoice::Cluster(options) => {
                Opened::Cluster(Box::new(cluster::Cluster::connect(options).await?))
            }
        })
    }

    /// Events of the selected namespaces and the server version. Failing to read them is a
    /// warning, not an error: the pods alone still give most findings.
    pub async fn extras(&mut self, selection: &Selection) -> Extras {
        let cluster = match self {
            Opened::Files(loaded) => {
                return Extras {
                    have_events: !loaded.events.is_empty(),
                    events: std::mem::take(&mut loaded.events)
                        .iter()
                        .filter_map(crate::model::events::PodEvent::from_api)
                        .collect(),
                    metrics: std::mem::take(&mut loaded.metrics),
                    ..Extras::default()
                };
            }
            Opened::Cluster(cluster) => cluster,
        };
        let namespaces = match &selection.scope {
            Scope::AllNamespaces => None,
            Scope::Namespace(Some(ns)) => Some(vec![ns.clone()]),
            Scope::Namespace(None) => Some(vec![cluster.default_namespace.clone()]),
        };
        let (events, version, metrics) = futures::join!(
            cluster.pod_events(namespaces.as_deref()),
            cluster.server_version(),
            cluster.pod_metrics(namespaces.as_deref(), selection.label_selector.as_deref())
        );
        let mut extras = Extras::default();
        match events {
            Ok(events) => {
                extras.events = events;
                extras.have_events = true;
            }
            Err(e) => extras
                .warnings
                .push(format!("{}; findings use pod status only", e.message)),
        }
        match version {
            Ok(version) => extras.server_version = Some(version),
            Err(e) => extras.warnings.push(e.message),
        }
        match metrics {
            Ok(metrics) => extras.metrics = metrics,
            Err(e) => extras.warnings.push(metrics_warning(&e)),
        }
        extras
    }

    /// Hands each selected pod to `visit` as it arrives, with its position in the listing
    /// and whether the previous logs of containers `wants_previous_log` names will follow;
    /// those logs are read while the listing goes on (at most [`LOG_CONCURRENCY`] pods at a
    /// time, on the runtime's workers) and handed to `logs` by position as they come, so a
    /// pod waits for its logs only as long as they take, not until the listing ends. Only
    /// names are kept for the reads, not the pods. Live only: files have no logs.
    pub async fn visit_with_previous_logs(
        self,
        selection: &Selection,
        wants_previous_log: fn(&SourcePod) -> Vec<String>,
        visit: &mut dyn FnMut(usize, &SourcePod, bool),
        logs: &mut dyn FnMut(usize, PreviousLogs),
    ) -> Result<Visited> {
        let cluster = match self {
            Opened::Files(loaded) => {
                for (position, pod) in loaded.pods.iter().enumerate() {
                    visit(position, pod, false);
                }
                return Ok(Visited {
                    pods: loaded.pods.len(),
                    warnings: loaded.warnings,
                    nothing_found: None,
                });
            }
            Opened::Cluster(cluster) => cluster,
        };
        // (position, namespace, pod, containers) in; (position, logs, warnings) out.
        let (wanted, requests) = mpsc::unbounded::<(usize, String, String, Vec<String>)>();
        let (read, done) = std::sync::mpsc::channel::<(usize, PreviousLogs, Vec<String>)>();
        let reader = (*cluster).clone();
        let reading = tokio::spawn(async move {
            requests
                .map(|(position, ns, name, containers)| {
                    let reader = &reader;
                    async move {
                        let (logs, warnings) =
                            read_previous_logs(reader, &ns, &name, containers).await;
                        (position, logs, warnings)
                    }
                })
                .buffer_unordered(LOG_CONCURRENCY)
                .for_each(|result| {
                    // The receiver outlives this task unless the listing failed.
                    let _ = read.send(result);
                    std::future::ready(())
                })
                .await;
        });
        let mut warnings = Vec::new();
        let mut deliver = |(position, pod_logs, failed): (usize, PreviousLogs, Vec<String>)| {
            warnings.extend(failed);
            logs(position, pod_logs);
        };
        let mut position = 0;
        let listed = cluster
            .visit_pods(selection, &mut |pod| {
                let containers = wants_previous_log(pod);
                visit(position, pod, !containers.is_empty());
                if !containers.is_empty() {
                    let ns = pod_namespace(&pod.pod).to_string();
                    let name = pod.pod.metadata.name.clone().unwrap_or_default();
                    let _ = wanted.unbounded_send((position, ns, name, containers));
                }
                done.try_iter().for_each(&mut deliver);
                position += 1;
            })
            .await;
        drop(wanted);
        let pods = match listed {
            Ok(pods) => pods,
            Err(e) => {
                reading.abort();
                return Err(e);
            }
        };
        // The reads still going on: the task ends when the last is done.
        let _ = reading.await;
        done.try_iter().for_each(&mut deliver);
        Ok(Visited {
            pods,
            warnings,
            nothing_found: cluster.nothing_found(selection, pods),
        })
    }
}

/// The last lines of each named container's previous instance, one after the other, and a
/// warning for each that failed. A missing previous instance (400) is common and not worth a
/// warning.
async fn read_previous_logs(
    cluster: &cluster::Cluster,
    namespace: &str,
    pod: &str,
    containers: Vec<String>,
) -> (PreviousLogs, Vec<String>) {
    let mut logs = PreviousLogs::new();
    let mut warnings = Vec::new();
    for container in containers {
        match cluster
            .previous_log(namespace, pod, &container, PREVIOUS_LOG_LINES)
            .await
        {
            Ok(text) => {
                logs.insert(container, text.lines().map(str::to_string).collect());
            }
            Err(e) if e.message.contains("(BadRequest)") => {}
            Err(e) => warnings.push(e.message),
        }
    }
    (logs, warnings)
}

/// Namespace a pod lives in; a manifest without one lands in "default" unless applied with -n.
pub fn pod_namespace(pod: &Pod) -> &str {
    pod.metadata.namespace.as_deref().unwrap_or("default")
}
