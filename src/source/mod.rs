//! Where pods come from: the cluster (kube client) or files (`-f`). Both produce the same
//! list of [`SourcePod`]s; nothing downstream knows which one ran.

pub mod cluster;
pub mod files;
pub mod selector;
pub mod target;

use k8s_openapi::api::core::v1::Pod;

use crate::error::Result;
use crate::options::{Selection, SourceChoice};
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

/// Namespace a pod lives in; a manifest without one lands in "default" unless applied with -n.
pub fn pod_namespace(pod: &Pod) -> &str {
    pod.metadata.namespace.as_deref().unwrap_or("default")
}
