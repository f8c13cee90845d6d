//! What a rule sees about one pod: the pod, its view, and whatever evidence the command read.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Container;

use crate::model::events::PodEvent;
use crate::model::metrics::PodUsage;
use crate::model::order::OrderFacts;
use crate::model::volumes::VolumeFacts;
use crate::model::{ContainerView, PodView, Role};
use crate::render::age;
use crate::source::SourcePod;

/// The default of `--memory-threshold`.
pub const DEFAULT_MEMORY_THRESHOLD: u32 = 90;

/// Everything one rule sees about one pod.
pub struct PodContext<'a> {
    pub source: &'a SourcePod,
    pub view: &'a PodView,
    pub events: Vec<&'a PodEvent>,
    pub have_events: bool,
    pub previous_logs: BTreeMap<&'a str, &'a [String]>,
    pub server_version: Option<(u32, u32)>,
    pub now: Timestamp,
    /// The pod's usage sample, when metrics were read.
    pub usage: Option<&'a PodUsage>,
    pub memory_threshold: u32,
    /// Whether rules build `--fix` patches (see [`Finding::patch_if`]): only `diagnose
    /// --fix` turns it on; `order` and `volumes` never print them.
    pub patches: bool,
    /// The volume matrix, built on first use by a volume rule.
    volumes: OnceCell<VolumeFacts<'a>>,
}

impl<'a> PodContext<'a> {
    /// A context with the pod alone: no events, logs, metrics or server version. `order` and
    /// `volumes` run their rules in it; `diagnose` adds what it read.
    pub fn new(source: &'a SourcePod, view: &'a PodView, now: Timestamp) -> Self {
        PodContext {
            source,
            view,
            events: Vec::new(),
            have_events: false,
            previous_logs: BTreeMap::new(),
            server_version: None,
            now,
            usage: None,
            memory_threshold: DEFAULT_MEMORY_THRESHOLD,
            patches: false,
            volumes: OnceCell::new(),
        }
    }

    /// The volume matrix and each container's mounts and references.
    pub fn volume_facts(&self) -> &VolumeFacts<'a> {
        self.volumes
            .get_or_init(|| VolumeFacts::new(self.source, self.view))
    }

    /// The volume facts, built now if no rule needed them.
    pub fn into_volume_facts(self) -> VolumeFacts<'a> {
        let PodContext {
            source,
            view,
            volumes,
            ..
        } = self;
        volumes
            .into_inner()
            .unwrap_or_else(|| VolumeFacts::new(source, view))
    }

    /// The order facts: roles, gates, statuses by name, grace period.
    pub fn order_facts(&self) -> OrderFacts<'a> {
        OrderFacts::new(self.source, self.view)
    }

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

    /// The pod's Ready condition is True.
    pub fn pod_ready(&self) -> bool {
        self.source
            .pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
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
