//! What `logs --follow` knows about the selected pods, kept current with watches instead of
//! listing again and again: for each query of the selection, one list (the starting state and
//! its resourceVersion), then watches resumed from the last resourceVersion seen (events and
//! `BOOKMARK`s), each ending after [`WATCH_TIMEOUT`] like any kube-apiserver watch. Only
//! `410 Gone` (the version was compacted away) makes it list again.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, WatchEvent, WatchParams};
use tokio::sync::watch;

use super::{Cluster, PAGE_SIZE, compact};
use crate::error::Result;
use crate::options::{Scope, Selection};
use crate::source::selector::LabelSelector;
use crate::source::target::{Target, WorkloadKind};

/// Server-side timeout of each watch request (the API allows up to 295 s here); the watch is
/// then resumed from the last resourceVersion.
const WATCH_TIMEOUT: u32 = 290;
/// Wait before trying again after a failed request, and the least time between two watch
/// requests (a server that ends watches at once is not hammered).
const RETRY: Duration = Duration::from_secs(2);

/// One list-and-watch of pods: a namespace (or all) and server-side selectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodQuery {
    namespace: Option<String>,
    labels: Option<String>,
    fields: Option<String>,
}

/// The selected pods as the watches last saw them, or the last error; `None` until the first
/// lists are in.
pub type PodsState = Option<std::result::Result<Vec<Pod>, String>>;

/// How often the queries of a selection naming a CronJob are worked out again: the Jobs it
/// creates later bring pods under new selectors.
const RESOLVE_EVERY: Duration = Duration::from_secs(30);

/// Background tasks, stopped when dropped.
struct Tasks(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// The watches of a selection; they stop when this is dropped.
pub struct PodWatch {
    cluster: Cluster,
    selection: Selection,
    /// The selection names a CronJob: its queries are worked out again now and then.
    resolve_again: bool,
    resolved_at: Instant,
    queries: Vec<PodQuery>,
    _tasks: Tasks,
    state: watch::Receiver<PodsState>,
}

impl PodWatch {
    /// The pods as the watches see them now, once every query has been listed; or the last
    /// error. A selection naming a CronJob is worked out again every [`RESOLVE_EVERY`] (one
    /// get and one list of Jobs), and its watches start over when a new Job brings a new
    /// selector.
    pub async fn pods(&mut self) -> std::result::Result<Vec<Pod>, String> {
        if self.resolve_again && self.resolved_at.elapsed() >= RESOLVE_EVERY {
            self.resolved_at = Instant::now();
            let queries = self
                .cluster
                .pod_queries(&self.selection)
                .await
                .map_err(|e| e.message)?;
            if queries != self.queries {
                // Replacing the tasks stops the old watches.
                let (tasks, state) = self.cluster.spawn_watches(queries.clone());
                self._tasks = tasks;
                self.state = state;
                self.queries = queries;
            }
        }
        let mut state = self.state.clone();
        match state.wait_for(Option::is_some).await {
            Ok(state) => state.clone().unwrap_or_else(|| Ok(Vec::new())),
            Err(_) => Err("the pod watch stopped".to_string()),
        }
    }
}

/// Each query's pods by namespace/name, `None` until it is listed.
struct Slots {
    pods: Vec<Option<BTreeMap<String, Pod>>>,
    error: Option<String>,
}

impl Slots {
    fn publish(&self, sender: &watch::Sender<PodsState>) {
        let state = match (&self.error, self.pods.iter().all(Option::is_some)) {
            (Some(error), _) => Some(Err(error.clone())),
            (None, true) => Some(Ok(self
                .pods
                .iter()
                .flatten()
                .flat_map(|pods| pods.values().cloned())
                .collect())),
            (None, false) => None,
        };
        sender.send_replace(state);
    }
}

fn key(pod: &Pod) -> String {
    format!(
        "{}/{}",
        pod.metadata.namespace.as_deref().unwrap_or_default(),
        pod.metadata.name.as_deref().unwrap_or_default()
    )
}

impl Cluster {
    /// The list-and-watch queries that find a selection's pods: the listing itself, one per
    /// named pod (a `metadata.name` field selector), one per workload selector.
    pub async fn pod_queries(&self, selection: &Selection) -> Result<Vec<PodQuery>> {
        let namespace = match &selection.scope {
            Scope::Namespace(Some(ns)) => Some(ns.clone()),
            Scope::Namespace(None) => Some(self.default_namespace.clone()),
            Scope::AllNamespaces => None,
        };
        if selection.targets.is_empty() {
            return Ok(vec![PodQuery {
                namespace,
                labels: selection.label_selector.clone(),
                fields: selection.field_selector.clone(),
            }]);
        }
        let ns = namespace.unwrap_or_else(|| self.default_namespace.clone());
        let user = selection
            .label_selector
            .as_deref()
            .map(LabelSelector::parse)
            .transpose()
            .map_err(|e| crate::error::Error::usage(format!("invalid label selector: {e}")))?;
        let mut queries = Vec::new();
        for target in &selection.targets {
            match target {
                Target::Pod(name) => queries.push(PodQuery {
                    namespace: Some(ns.clone()),
                    labels: None,
                    fields: Some(format!("metadata.name={name}")),
                }),
                Target::Workload { kind, name } => {
                    for selector in self.workload_selectors(&ns, *kind, name).await? {
                        let selector = match &user {
                            Some(user) => selector.and(user),
                            None => selector,
                        };
                        queries.push(PodQuery {
                            namespace: Some(ns.clone()),
                            labels: Some(selector.to_string()),
                            fields: selection.field_selector.clone(),
                        });
                    }
                }
            }
        }
        queries.dedup();
        Ok(queries)
    }

    /// Starts watching the pods of `selection` in the background (see [`PodWatch::pods`]).
    pub async fn watch_pods(&self, selection: Selection) -> Result<PodWatch> {
        let queries = self.pod_queries(&selection).await?;
        let (tasks, state) = self.spawn_watches(queries.clone());
        let resolve_again = selection.targets.iter().any(|t| {
            matches!(
                t,
                Target::Workload {
                    kind: WorkloadKind::CronJob,
                    ..
                }
            )
        });
        Ok(PodWatch {
            cluster: self.clone(),
            selection,
            resolve_again,
            resolved_at: Instant::now(),
            queries,
            _tasks: tasks,
            state,
        })
    }

    /// One list-and-watch task per query, publishing the pods of all of them.
    fn spawn_watches(&self, queries: Vec<PodQuery>) -> (Tasks, watch::Receiver<PodsState>) {
        let (sender, state) = watch::channel(None);
        let sender = Arc::new(sender);
        let slots = Arc::new(Mutex::new(Slots {
            pods: vec![None; queries.len()],
            error: None,
        }));
        let tasks = queries
            .into_iter()
            .enumerate()
            .map(|(index, query)| {
                let cluster = self.clone();
                let sender = Arc::clone(&sender);
                let slots = Arc::clone(&slots);
                tokio::spawn(async move {
                    cluster.list_and_watch(&query, index, &slots, &sender).await;
                })
            })
            .collect();
        (Tasks(tasks), state)
    }

    /// Lists `query` once, then watches it for good, listing again only after `410 Gone`.
    async fn list_and_watch(
        &self,
        query: &PodQuery,
        index: usize,
        slots: &Mutex<Slots>,
        sender: &watch::Sender<PodsState>,
    ) {
        let update = |change: &mut dyn FnMut(&mut Slots)| {
            let mut slots = slots.lock().unwrap_or_else(|e| e.into_inner());
            change(&mut slots);
            slots.publish(sender);
        };
        let api = self.api::<Pod>(query.namespace.as_deref());
        let action = match &query.namespace {
            Some(ns) => format!("watch pods in namespace {ns}"),
            None => "watch pods in all namespaces".to_string(),
        };
        'listing: loop {
            // The starting state and its resourceVersion, a page at a time like every other
            // list (all pages of one list share the first page's snapshot); pods are kept
            // without managedFields, as the listings keep them.
            let mut list = ListParams::default().limit(PAGE_SIZE);
            if let Some(labels) = &query.labels {
                list = list.labels(labels);
            }
            if let Some(fields) = &query.fields {
                list = list.fields(fields);
            }
            let mut listed: BTreeMap<String, Pod> = BTreeMap::new();
            let mut version = loop {
                match api.list(&list).await {
                    Ok(page) => {
                        listed.extend(page.items.into_iter().map(|p| (key(&p), compact(p))));
                        match page.metadata.continue_.filter(|t| !t.is_empty()) {
                            Some(token) => list = list.continue_token(&token),
                            None => break page.metadata.resource_version.unwrap_or_default(),
                        }
                    }
                    Err(e) => {
                        let message = self.explain(&action, e).message;
                        update(&mut |slots| slots.error = Some(message.clone()));
                        tokio::time::sleep(RETRY).await;
                        continue 'listing;
                    }
                }
            };
            let mut pods = Some(listed);
            update(&mut |slots| {
                slots.pods[index] = pods.take();
                slots.error = None;
            });
            let mut params = WatchParams::default().timeout(WATCH_TIMEOUT);
            if let Some(labels) = &query.labels {
                params = params.labels(labels);
            }
            if let Some(fields) = &query.fields {
                params = params.fields(fields);
            }
            // Watch, resuming from the last version seen, until the version is gone.
            'watching: loop {
                let started = Instant::now();
                match api.watch(&params, &version).await {
                    Ok(events) => {
                        // The watch is open: an earlier failure is over.
                        update(&mut |slots| slots.error = None);
                        let mut events = std::pin::pin!(events);
                        while let Some(event) = events.next().await {
                            match event {
                                Ok(WatchEvent::Added(pod) | WatchEvent::Modified(pod)) => {
                                    version =
                                        pod.metadata.resource_version.clone().unwrap_or(version);
                                    let mut pod = Some(pod);
                                    update(&mut |slots| {
                                        if let (Some(pods), Some(pod)) =
                                            (&mut slots.pods[index], pod.take())
                                        {
                                            pods.insert(key(&pod), compact(pod));
                                        }
                                        slots.error = None;
                                    });
                                }
                                Ok(WatchEvent::Deleted(pod)) => {
                                    version =
                                        pod.metadata.resource_version.clone().unwrap_or(version);
                                    update(&mut |slots| {
                                        if let Some(pods) = &mut slots.pods[index] {
                                            pods.remove(&key(&pod));
                                        }
                                    });
                                }
                                Ok(WatchEvent::Bookmark(bookmark)) => {
                                    version = bookmark.metadata.resource_version;
                                }
                                // 410 Gone: the version was compacted; list again.
                                Ok(WatchEvent::Error(status)) if status.code == 410 => {
                                    break 'watching;
                                }
                                Ok(WatchEvent::Error(status)) => {
                                    let message = format!("{action}: {}", status.message);
                                    update(&mut |slots| slots.error = Some(message.clone()));
                                    break;
                                }
                                // A dropped connection or a garbled event: watch again.
                                Err(_) => break,
                            }
                        }
                    }
                    Err(e) => {
                        let message = self.explain(&action, e).message;
                        update(&mut |slots| slots.error = Some(message.clone()));
                    }
                }
                tokio::time::sleep(RETRY.saturating_sub(started.elapsed())).await;
            }
        }
    }
}
