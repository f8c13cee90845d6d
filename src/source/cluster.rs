//! Live source: the cluster of the kubeconfig, through kube-rs.
//!
//! Read-only by construction: this module only issues GET requests (get, list). Lists are
//! paginated and selectors go to the server, so a big namespace is never filtered here.

mod lean;
mod pages;
mod reads;
mod retry;
pub mod watch;

use std::fmt::Debug;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Event, Namespace, Pod, ReplicationController};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector as ApiLabelSelector;
use kube::api::{Api, GetParams, ListParams, LogParams};
use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config, Resource};
use serde::de::DeserializeOwned;

use super::selector::LabelSelector;
use super::target::{Target, WorkloadKind};
use super::{Loaded, SourcePod};
use crate::error::{Error, Result, chain_message};
use crate::options::{ClusterOptions, Scope, Selection};

/// Items per list request: large enough to keep round trips few, small enough that the
/// server answers quickly (kubectl uses 500 too).
pub const PAGE_SIZE: u32 = 500;

const RBAC_HINT: &str = "kubectl-sidecar needs get/list/watch on pods, pods/log, events and the workload kinds (see docs/rbac.yaml); check with `kubectl auth can-i list pods -n NAMESPACE`";

/// A connected client plus what we need to explain failures.
#[derive(Clone)]
pub struct Cluster {
    client: Client,
    server: String,
    context: String,
    pub default_namespace: String,
    /// Bound on each attempt of a request (`--request-timeout`).
    request_timeout: Option<Duration>,
}

impl Cluster {
    pub async fn connect(options: &ClusterOptions) -> Result<Self> {
        let kubeconfig = match &options.kubeconfig {
            Some(path) => Kubeconfig::read_from(path),
            None => Kubeconfig::read(),
        }
        .map_err(|e| {
            let message = match &e {
                // kube's own text quotes the path twice (`from '"/x"'`): say it once.
                KubeconfigError::ReadConfig(io, path) => {
                    format!("cannot load kubeconfig from {}: {io}", path.display())
                }
                e => {
                    let from = options.kubeconfig.as_ref().map_or_else(
                        || "$KUBECONFIG or ~/.kube/config".to_string(),
                        |p| p.display().to_string(),
                    );
                    format!("cannot load kubeconfig from {from}: {}", chain_message(e))
                }
            };
            Error::runtime(message)
                .with_hint("pass --kubeconfig PATH or set KUBECONFIG, or work offline with -f FILE")
        })?;
        let context = options
            .context
            .clone()
            .or_else(|| kubeconfig.current_context.clone())
            .unwrap_or_default();
        let config_options = KubeConfigOptions {
            context: options.context.clone(),
            cluster: None,
            user: None,
        };
        let mut config = Config::from_custom_kubeconfig(kubeconfig, &config_options)
            .await
            .map_err(|e| {
                Error::runtime(format!(
                    "cannot use kubeconfig context \"{context}\": {}",
                    chain_message(&e)
                ))
                .with_hint(
                    "list contexts with `kubectl config get-contexts` and pick one with --context",
                )
            })?;
        if let Some(timeout) = options.request_timeout {
            config.connect_timeout = Some(timeout);
            config.read_timeout = Some(timeout);
            config.write_timeout = Some(timeout);
            config.reset_reader_on_write = true;
        }
        // GETs are retried by `fetch` (see retry.rs for why not by kube's layer).
        config.default_retry = false;
        let server = config.cluster_url.to_string();
        let default_namespace = config.default_namespace.clone();
        let client = Client::try_from(config).map_err(|e| {
            Error::runtime(format!(
                "cannot create a client for context \"{context}\": {}",
                chain_message(&e)
            ))
            .with_hint(
                "check the certificate and credential settings of this context in the kubeconfig",
            )
        })?;
        Ok(Cluster {
            client,
            server: server.trim_end_matches('/').to_string(),
            context,
            default_namespace,
            request_timeout: options.request_timeout,
        })
    }

    fn api<K>(&self, namespace: Option<&str>) -> Api<K>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as Resource>::DynamicType: Default,
    {
        match namespace {
            Some(ns) => Api::namespaced(self.client.clone(), ns),
            None => Api::all(self.client.clone()),
        }
    }

    /// Turns a kube error into one line that says what we were doing and why it failed.
    fn explain(&self, action: &str, err: kube::Error) -> Error {
        match err {
            kube::Error::Api(status) => {
                let reason = if status.reason.is_empty() {
                    status.code.to_string()
                } else {
                    status.reason.clone()
                };
                let line = format!(
                    "{action}: Error from server ({reason}): {}",
                    status.message
                );
                let code = status.code;
                let error = match status.code {
                    401 => Error::runtime(format!(
                        "{action}: the server at {} rejected the credentials of context \"{}\" (401 Unauthorized)",
                        self.server, self.context
                    ))
                    .with_hint("the token or certificate may have expired: log in again (refresh your cloud or OIDC credentials) and retry"),
                    403 => Error::runtime(line).with_hint(RBAC_HINT),
                    404 => Error::runtime(line)
                        .with_hint("check the name and namespace (-n); list pods with `kubectl sidecar ls`"),
                    400 => Error::runtime(line)
                        .with_hint("check -l/--selector and --field-selector syntax"),
                    _ => Error::runtime(line)
                        .with_hint("the API server reported a failure; retry, or check the server's health"),
                };
                error.with_status(code)
            }
            kube::Error::Auth(e) => Error::runtime(format!(
                "{action}: authentication for context \"{}\" failed: {}",
                self.context,
                chain_message(&e)
            ))
            .with_hint("run the context's credential plugin by hand to see why, or log in again"),
            kube::Error::SerdeError(e) => Error::runtime(format!(
                "{action}: unexpected response from {}: {e}",
                self.server
            ))
            .with_hint("the server did not answer like a Kubernetes API server; check the context's server URL"),
            other => {
                let cause = chain_message(&other);
                let timed_out = cause.to_ascii_lowercase().contains("timed out")
                    || cause.to_ascii_lowercase().contains("elapsed");
                let hint = if timed_out {
                    "the server did not answer in time; raise --request-timeout or check the network"
                } else {
                    "check that the cluster is running and reachable, and that --context/--kubeconfig select the right one"
                };
                Error::runtime(format!(
                    "{action}: cannot reach the cluster at {} (context \"{}\"): {}",
                    self.server,
                    self.context,
                    clean_cause(&cause)
                ))
                .with_hint(hint)
            }
        }
    }

    /// Fetches (with retries) and decodes one JSON answer.
    async fn get_json<T: DeserializeOwned>(
        &self,
        request: std::result::Result<http::Request<Vec<u8>>, kube::core::request::Error>,
        action: &str,
    ) -> Result<T> {
        let request = request.map_err(|e| self.explain(action, kube::Error::BuildRequest(e)))?;
        let bytes = self.fetch(request, action).await?;
        serde_json::from_slice(&bytes).map_err(|e| self.explain(action, kube::Error::SerdeError(e)))
    }

    pub async fn list_pods(
        &self,
        namespace: Option<&str>,
        labels: Option<&str>,
        fields: Option<&str>,
    ) -> Result<Vec<Pod>> {
        let mut pods = Vec::new();
        self.visit_pod_list(namespace, labels, fields, &mut |pod| {
            pods.push(std::mem::take(pod))
        })
        .await?;
        Ok(pods)
    }

    /// Lists pods with server-side selectors, handing each to `visit` as its page is decoded.
    async fn visit_pod_list(
        &self,
        namespace: Option<&str>,
        labels: Option<&str>,
        fields: Option<&str>,
        visit: &mut dyn FnMut(&mut Pod),
    ) -> Result<usize> {
        let mut params = ListParams::default();
        if let Some(l) = labels {
            params = params.labels(l);
        }
        if let Some(f) = fields {
            params = params.fields(f);
        }
        let action = match namespace {
            Some(ns) => format!("list pods in namespace {ns}"),
            None => "list pods in all namespaces".to_string(),
        };
        self.list_each(&self.api::<Pod>(namespace), params, &action, visit)
            .await
    }

    pub async fn get_pod(&self, namespace: &str, name: &str) -> Result<Pod> {
        let api = self.api::<Pod>(Some(namespace));
        let action = format!("get pod {name} in namespace {namespace}");
        self.get_json(api_request(&api).get(name, &GetParams::default()), &action)
            .await
    }

    /// The label selectors that find a workload's pods. A CronJob has one per Job it owns.
    pub async fn workload_selectors(
        &self,
        namespace: &str,
        kind: WorkloadKind,
        name: &str,
    ) -> Result<Vec<LabelSelector>> {
        let action = format!("get {} {name} in namespace {namespace}", kind.short());
        let ns = Some(namespace);
        let selector: Option<ApiLabelSelector> = match kind {
            WorkloadKind::Deployment => Some(
                self.get::<Deployment>(ns, name, &action)
                    .await?
                    .spec
                    .selector,
            ),
            WorkloadKind::ReplicaSet => Some(
                self.get::<ReplicaSet>(ns, name, &action)
                    .await?
                    .spec
                    .selector,
            ),
            WorkloadKind::StatefulSet => Some(
                self.get::<StatefulSet>(ns, name, &action)
                    .await?
                    .spec
                    .selector,
            ),
            WorkloadKind::DaemonSet => Some(
                self.get::<DaemonSet>(ns, name, &action)
                    .await?
                    .spec
                    .selector,
            ),
            WorkloadKind::Job => self
                .get::<Job>(ns, name, &action)
                .await?
                .spec
                .and_then(|s| s.selector),
            WorkloadKind::ReplicationController => self
                .get::<ReplicationController>(ns, name, &action)
                .await?
                .spec
                .and_then(|s| s.selector)
                .map(|labels| ApiLabelSelector {
                    match_labels: Some(labels),
                    match_expressions: None,
                }),
            WorkloadKind::CronJob => {
                let cronjob = self.get::<CronJob>(ns, name, &action).await?;
                let uid = cronjob.metadata.uid.unwrap_or_default();
                let jobs = self
                    .list_all(
                        &self.api::<Job>(ns),
                        ListParams::default(),
                        &format!("list jobs in namespace {namespace}"),
                    )
                    .await?;
                let selectors: Vec<LabelSelector> = jobs
                    .iter()
                    .filter(|job| {
                        job.metadata
                            .owner_references
                            .iter()
                            .flatten()
                            .any(|o| o.uid == uid)
                    })
                    .filter_map(|job| job.spec.as_ref()?.selector.as_ref())
                    .filter_map(LabelSelector::from_api)
                    .collect();
                if selectors.is_empty() {
                    return Err(Error::runtime(format!(
                        "cronjob/{name} in namespace {namespace} has no jobs (it has not run yet, or its jobs were cleaned up)"
                    ))
                    .with_hint("trigger a run with `kubectl create job --from=cronjob/NAME`, or inspect its template offline with -f"));
                }
                return Ok(selectors);
            }
        };
        match selector.as_ref().and_then(LabelSelector::from_api) {
            Some(s) => Ok(vec![s]),
            None => Err(Error::runtime(format!(
                "{}/{name} in namespace {namespace} has no pod selector",
                kind.short()
            ))),
        }
    }

    async fn get<K>(&self, namespace: Option<&str>, name: &str, action: &str) -> Result<K>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope> + Clone + DeserializeOwned + Debug,
        <K as Resource>::DynamicType: Default,
    {
        let api = self.api::<K>(namespace);
        self.get_json(api_request(&api).get(name, &GetParams::default()), action)
            .await
    }
}

/// Drops what no command reads but big clusters carry on every object: `managedFields` and
/// the `last-applied-configuration` annotation are often half of a pod's bytes. Done per page,
/// so memory holds only what is used.
fn compact<K: Resource>(mut object: K) -> K {
    let meta = object.meta_mut();
    meta.managed_fields = None;
    if let Some(annotations) = meta.annotations.as_mut() {
        annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
    object
}

/// A request builder for `api`'s resource URL; requests go through [`Cluster::fetch`].
fn api_request<K: Resource>(api: &Api<K>) -> kube::core::Request {
    kube::core::Request::new(api.resource_url())
}

fn names<K: Resource>(objects: Vec<K>) -> Vec<String> {
    objects
        .into_iter()
        .filter_map(|o| o.meta().name.clone())
        .collect()
}

/// kube prefixes causes with its own variant names ("ServiceError: client error (Connect)");
/// the user needs the last, concrete part.
fn clean_cause(cause: &str) -> String {
    let cause = cause
        .trim_start_matches("ServiceError: ")
        .trim_start_matches("HyperError: ");
    cause.to_string()
}

/// Loads the selected pods from the cluster.
pub async fn load(options: &ClusterOptions, selection: &Selection) -> Result<Loaded> {
    let cluster = Cluster::connect(options).await?;
    cluster.load_pods(selection).await
}
