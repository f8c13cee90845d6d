//! What the commands read through a connected cluster: the selected pods, and the evidence
//! beside them (events, metrics, previous logs, names for completion, the server version).

use super::*;
use crate::model::events::PodEvent;

impl Cluster {
    /// The pods a selection names: a listing, named pods, or workloads' pods.
    pub async fn load_pods(&self, selection: &Selection) -> Result<Loaded> {
        let mut pods = Vec::new();
        self.visit_pods(selection, &mut |pod| pods.push(std::mem::take(pod)))
            .await?;
        Ok(Loaded {
            nothing_found: self.nothing_found(selection, pods.len()),
            pods,
            ..Loaded::default()
        })
    }

    /// kubectl's note for a listing that found nothing (`No resources found in shop
    /// namespace.`, `No resources found` with -A): not an error, as in kubectl. `None` when
    /// pods were found or named (a named pod or workload that does not exist is an error).
    pub fn nothing_found(&self, selection: &Selection, found: usize) -> Option<String> {
        if found > 0 || !selection.targets.is_empty() {
            return None;
        }
        Some(match &selection.scope {
            Scope::AllNamespaces => "No resources found".to_string(),
            Scope::Namespace(ns) => format!(
                "No resources found in {} namespace.",
                ns.as_deref().unwrap_or(&self.default_namespace)
            ),
        })
    }

    /// The pods a selection names, each handed to `visit` as it arrives (a big listing is never
    /// held whole). `visit` may take the pod; what it leaves is dropped on the decoding thread.
    /// Returns how many there were.
    pub async fn visit_pods(
        &self,
        selection: &Selection,
        visit: &mut dyn FnMut(&mut SourcePod),
    ) -> Result<usize> {
        let namespace = match &selection.scope {
            Scope::Namespace(Some(ns)) => Some(ns.clone()),
            Scope::Namespace(None) => Some(self.default_namespace.clone()),
            Scope::AllNamespaces => None,
        };
        let labels = selection.label_selector.as_deref();
        let fields = selection.field_selector.as_deref();

        if selection.targets.is_empty() {
            let mut to_source = |pod: &mut Pod| {
                let mut source = SourcePod {
                    pod: std::mem::take(pod),
                    template_of: None,
                };
                visit(&mut source);
                *pod = source.pod;
            };
            // An empty listing is not an error (see `nothing_found`).
            return self
                .visit_pod_list(namespace.as_deref(), labels, fields, &mut to_source)
                .await;
        }

        // Targets are validated to come without -A, so a namespace is always known here.
        let ns = namespace.unwrap_or_else(|| self.default_namespace.clone());
        let user_selector = labels
            .map(LabelSelector::parse)
            .transpose()
            .map_err(|e| Error::usage(format!("invalid label selector: {e}")))?;
        let mut pods: Vec<Pod> = Vec::new();
        for target in &selection.targets {
            let found = match target {
                Target::Pod(name) => vec![self.get_pod(&ns, name).await?],
                Target::Workload { kind, name } => {
                    let mut found = Vec::new();
                    for selector in self.workload_selectors(&ns, *kind, name).await? {
                        let selector = match &user_selector {
                            Some(user) => selector.and(user),
                            None => selector,
                        };
                        let text = selector.to_string();
                        found.extend(self.list_pods(Some(&ns), Some(&text), fields).await?);
                    }
                    if found.is_empty() {
                        return Err(Error::runtime(format!(
                            "{target} in namespace {ns} has no pods"
                        ))
                        .with_hint("it may be scaled to zero or its pods may not be created yet; check `kubectl get TARGET`"));
                    }
                    found
                }
            };
            for pod in found {
                let duplicate = pods
                    .iter()
                    .any(|p| p.metadata.uid.is_some() && p.metadata.uid == pod.metadata.uid);
                if !duplicate {
                    pods.push(pod);
                }
            }
        }
        let count = pods.len();
        for pod in pods {
            visit(&mut SourcePod {
                pod,
                template_of: None,
            });
        }
        Ok(count)
    }

    /// Pod events: one field-selected list per namespace (or one cluster-wide list), never one
    /// call per pod, so a big namespace costs a few paged requests.
    pub async fn pod_events(&self, namespaces: Option<&[String]>) -> Result<Vec<PodEvent>> {
        let params = ListParams::default().fields("involvedObject.kind=Pod");
        // Reduced as they are decoded: a big cluster's events are never all held as objects.
        let mut events = Vec::new();
        let mut keep = |event: &mut Event| events.extend(PodEvent::from_api(event));
        match namespaces {
            None => {
                self.list_each(
                    &self.api::<Event>(None),
                    params,
                    "list events in all namespaces",
                    &mut keep,
                )
                .await?;
            }
            Some(namespaces) => {
                for ns in namespaces {
                    let action = format!("list events in namespace {ns}");
                    self.list_each(
                        &self.api::<Event>(Some(ns)),
                        params.clone(),
                        &action,
                        &mut keep,
                    )
                    .await?;
                }
            }
        }
        Ok(events)
    }

    /// PodMetrics (`metrics.k8s.io/v1beta1`) of the selected namespaces, one list per
    /// namespace (one cluster-wide list for `-A`), the label selector passed through.
    pub async fn pod_metrics(
        &self,
        namespaces: Option<&[String]>,
        label_selector: Option<&str>,
    ) -> Result<Vec<crate::model::metrics::PodUsage>> {
        const BASE: &str = "/apis/metrics.k8s.io/v1beta1";
        let targets: Vec<(String, String)> = match namespaces {
            None => vec![(format!("{BASE}/pods"), "in all namespaces".to_string())],
            Some(namespaces) => namespaces
                .iter()
                .map(|ns| {
                    (
                        format!("{BASE}/namespaces/{ns}/pods"),
                        format!("in namespace {ns}"),
                    )
                })
                .collect(),
        };
        let mut params = ListParams::default();
        if let Some(selector) = label_selector {
            params = params.labels(selector);
        }
        let mut samples = Vec::new();
        for (url, scope) in targets {
            let action = format!("read pod metrics {scope}");
            let request = kube::core::Request::new(&url)
                .list(&params)
                .map_err(|e| self.explain(&action, kube::Error::BuildRequest(e)))?;
            let body = self.fetch(request, &action).await?;
            let list: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| self.explain(&action, kube::Error::SerdeError(e)))?;
            samples.extend(
                list.get("items")
                    .and_then(serde_json::Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(crate::model::metrics::PodUsage::from_api),
            );
        }
        Ok(samples)
    }

    /// The last `tail` lines of a container's previous instance.
    pub async fn previous_log(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        tail: i64,
    ) -> Result<String> {
        let params = LogParams {
            container: Some(container.to_string()),
            previous: true,
            tail_lines: Some(tail),
            limit_bytes: Some(16 * 1024),
            ..LogParams::default()
        };
        self.api::<Pod>(Some(namespace))
            .logs(pod, &params)
            .await
            .map_err(|e| {
                self.explain(
                    &format!("read previous log of {namespace}/{pod} container {container}"),
                    e,
                )
            })
    }

    /// Names of all namespaces (for completion).
    pub async fn namespace_names(&self) -> Result<Vec<String>> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        let list = self
            .list_all(&api, ListParams::default(), "list namespaces")
            .await?;
        Ok(list.into_iter().filter_map(|n| n.metadata.name).collect())
    }

    /// Names of the workloads of one kind in a namespace (for completion).
    pub async fn workload_names(&self, namespace: &str, kind: WorkloadKind) -> Result<Vec<String>> {
        let ns = Some(namespace);
        let action = format!("list {} in namespace {namespace}", kind.kind());
        let params = ListParams::default;
        Ok(match kind {
            WorkloadKind::Deployment => names(
                self.list_all(&self.api::<Deployment>(ns), params(), &action)
                    .await?,
            ),
            WorkloadKind::ReplicaSet => names(
                self.list_all(&self.api::<ReplicaSet>(ns), params(), &action)
                    .await?,
            ),
            WorkloadKind::StatefulSet => names(
                self.list_all(&self.api::<StatefulSet>(ns), params(), &action)
                    .await?,
            ),
            WorkloadKind::DaemonSet => names(
                self.list_all(&self.api::<DaemonSet>(ns), params(), &action)
                    .await?,
            ),
            WorkloadKind::Job => names(
                self.list_all(&self.api::<Job>(ns), params(), &action)
                    .await?,
            ),
            WorkloadKind::CronJob => names(
                self.list_all(&self.api::<CronJob>(ns), params(), &action)
                    .await?,
            ),
            WorkloadKind::ReplicationController => names(
                self.list_all(&self.api::<ReplicationController>(ns), params(), &action)
                    .await?,
            ),
        })
    }

    /// `major.minor` of the API server, parsed leniently (`"28+"` on some distributions).
    pub async fn server_version(&self) -> Result<(u32, u32)> {
        let info = self
            .client
            .apiserver_version()
            .await
            .map_err(|e| self.explain("read the server version", e))?;
        let number = |s: &str| {
            s.trim_end_matches(|c: char| !c.is_ascii_digit())
                .parse::<u32>()
                .ok()
        };
        match (number(&info.major), number(&info.minor)) {
            (Some(major), Some(minor)) => Ok((major, minor)),
            _ => Err(Error::runtime(format!(
                "the server reported an unreadable version {}.{}",
                info.major, info.minor
            ))),
        }
    }
}

/// A container log body as it arrives, for `logs`.
pub type LogBody = std::pin::Pin<Box<dyn futures::AsyncBufRead + Send>>;

impl Cluster {
    /// Opens one container's log (`params` say which instance and which lines). An error
    /// reads `Error from server (BadRequest): …` without our action in front: `logs` shows
    /// it in a marker that already names the container.
    pub async fn log_body(
        &self,
        namespace: &str,
        pod: &str,
        params: &LogParams,
    ) -> Result<LogBody> {
        const ACTION: &str = "read log";
        match self
            .api::<Pod>(Some(namespace))
            .log_stream(pod, params)
            .await
        {
            Ok(body) => Ok(Box::pin(body)),
            Err(e) => {
                let mut error = self.explain(ACTION, e);
                if let Some(rest) = error
                    .message
                    .strip_prefix(ACTION)
                    .and_then(|m| m.strip_prefix(": "))
                {
                    error.message = rest.to_string();
                }
                Err(error)
            }
        }
    }
}

/// The owners `diagnose --fix` patches.
impl Cluster {
    /// One owner object by kind, namespace and name (as JSON, without managedFields): a
    /// patch's target, and the step to its own controller.
    pub async fn owner_object(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<serde_json::Value> {
        use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
        use k8s_openapi::api::batch::v1::{CronJob, Job};
        let action = format!("get {} {namespace}/{name}", kind.to_ascii_lowercase());
        let ns = Some(namespace);
        let value = match kind {
            "Deployment" => {
                serde_json::to_value(compact(self.get::<Deployment>(ns, name, &action).await?))
            }
            "ReplicaSet" => {
                serde_json::to_value(compact(self.get::<ReplicaSet>(ns, name, &action).await?))
            }
            "StatefulSet" => {
                serde_json::to_value(compact(self.get::<StatefulSet>(ns, name, &action).await?))
            }
            "DaemonSet" => {
                serde_json::to_value(compact(self.get::<DaemonSet>(ns, name, &action).await?))
            }
            "Job" => serde_json::to_value(compact(self.get::<Job>(ns, name, &action).await?)),
            "CronJob" => {
                serde_json::to_value(compact(self.get::<CronJob>(ns, name, &action).await?))
            }
            "ReplicationController" => serde_json::to_value(compact(
                self.get::<ReplicationController>(ns, name, &action).await?,
            )),
            "Pod" => serde_json::to_value(compact(self.get::<Pod>(ns, name, &action).await?)),
            other => {
                return Err(Error::runtime(format!(
                    "{action}: {other} is not a kind kubectl-sidecar patches"
                )));
            }
        };
        value.map_err(|e| Error::runtime(format!("{action}: {e}")))
    }
}
