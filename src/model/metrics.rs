//! Live usage from the metrics API (`metrics.k8s.io/v1beta1` PodMetrics) joined to the
//! container model by name — native sidecars included, since their usage is reported like any
//! container's — and the pod's effective request as the scheduler computes it with native
//! sidecars. Pure: the source layer fetches or reads the PodMetrics objects.

use std::collections::HashMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Container, PodSpec};
use serde::Serialize;
use serde_json::Value;

use super::quantity::{self, format_bytes, format_cores};
use super::{ContainerView, Resources};

/// One container's usage in one sample.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerUsage {
    pub cpu_cores: Option<f64>,
    pub memory_bytes: Option<f64>,
}

/// One PodMetrics sample.
#[derive(Debug, Clone, PartialEq)]
pub struct PodUsage {
    pub namespace: String,
    pub pod: String,
    /// When the sample was taken, and over which window (`30s`, `1m0s`).
    pub timestamp: Option<Timestamp>,
    pub window: Option<String>,
    pub containers: Vec<(String, ContainerUsage)>,
}

impl PodUsage {
    /// Reads a `PodMetrics` object (items of a `PodMetricsList` carry no `kind`).
    pub fn from_api(object: &Value) -> Option<PodUsage> {
        let meta = object.get("metadata")?;
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
        let containers = object
            .get("containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| {
                let name = text(c, "name")?;
                let usage = c.get("usage");
                let read = |key: &str| {
                    usage
                        .and_then(|u| u.get(key))
                        .and_then(Value::as_str)
                        .and_then(quantity::parse)
                };
                Some((
                    name,
                    ContainerUsage {
                        cpu_cores: read("cpu"),
                        memory_bytes: read("memory"),
                    },
                ))
            })
            .collect();
        Some(PodUsage {
            namespace: text(meta, "namespace").unwrap_or_else(|| "default".to_string()),
            pod: text(meta, "name")?,
            timestamp: text(object, "timestamp").and_then(|t| t.parse().ok()),
            window: text(object, "window"),
            containers,
        })
    }

    pub fn container(&self, name: &str) -> Option<&ContainerUsage> {
        self.containers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, u)| u)
    }

    /// `sampled at 2026-11-23T11:59:30Z over 30s`.
    pub fn sample_text(&self) -> String {
        let at = self
            .timestamp
            .map_or("an unknown time".to_string(), |t| t.to_string());
        match &self.window {
            Some(w) => format!("sampled at {at} over {w}"),
            None => format!("sampled at {at}"),
        }
    }
}

/// PodMetrics by `(namespace, pod)`.
#[derive(Debug, Default)]
pub struct MetricsIndex(HashMap<(String, String), PodUsage>);

impl MetricsIndex {
    pub fn new(samples: impl IntoIterator<Item = PodUsage>) -> Self {
        MetricsIndex(
            samples
                .into_iter()
                .map(|s| ((s.namespace.clone(), s.pod.clone()), s))
                .collect(),
        )
    }

    pub fn get(&self, namespace: &str, pod: &str) -> Option<&PodUsage> {
        self.0.get(&(namespace.to_string(), pod.to_string()))
    }
}

/// A container's usage as shown (`ls --metrics`, `-o json`): readable quantities and whole
/// percentages of its request and limit, when it has them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_of_request: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_of_limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_of_request: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_of_limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
}

/// `used` as a whole percentage of the quantity `of`, when `of` is set and not zero.
pub fn percent(used: Option<f64>, of: Option<&String>) -> Option<u32> {
    let of = of.and_then(|q| quantity::parse(q)).filter(|v| *v > 0.0)?;
    Some((used? / of * 100.0).round().clamp(0.0, u32::MAX as f64) as u32)
}

pub fn usage_view(resources: &Resources, usage: &ContainerUsage, sample: &PodUsage) -> UsageView {
    UsageView {
        cpu: usage.cpu_cores.map(format_cores),
        cpu_of_request: percent(usage.cpu_cores, resources.requests.get("cpu")),
        cpu_of_limit: percent(usage.cpu_cores, resources.limits.get("cpu")),
        memory: usage.memory_bytes.map(format_bytes),
        memory_of_request: percent(usage.memory_bytes, resources.requests.get("memory")),
        memory_of_limit: percent(usage.memory_bytes, resources.limits.get("memory")),
        timestamp: sample.timestamp,
        window: sample.window.clone(),
    }
}

/// Adds the sample's usage to every container it names.
pub fn join(containers: &mut [ContainerView], sample: &PodUsage) {
    for c in containers {
        if let Some(usage) = sample.container(&c.name) {
            c.usage = Some(usage_view(&c.resources, usage, sample));
        }
    }
}

/// The pod's effective request of one resource (KEP-753, as the scheduler and kubelet
/// compute it): the larger of (a) every regular container plus every native sidecar, which
/// all run together, and (b) for each plain init container, its own request plus the native
/// sidecars started before it (they keep running while it runs); plus the pod overhead.
/// `sidecars` is how much of it the sidecars (native and classic) account for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveRequest {
    pub total: f64,
    pub sidecars: f64,
}

/// Requests of `resource` (`cpu`: cores, `memory`: bytes) as the scheduler sums them.
pub fn effective_request(spec: &PodSpec, main: Option<&str>, resource: &str) -> EffectiveRequest {
    let total = effective(spec, resource, |_| true);
    // The same pod without its sidecars: the difference is what they add.
    let without = effective(spec, resource, |c| match c {
        Member::Native => false,
        Member::Regular(c) => main.is_none_or(|m| m == c.name),
        Member::Init => true,
    });
    EffectiveRequest {
        total,
        sidecars: (total - without).max(0.0),
    }
}

enum Member<'a> {
    Init,
    Native,
    Regular(&'a Container),
}

fn request(c: &Container, resource: &str) -> f64 {
    c.resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get(resource))
        .and_then(|q| quantity::parse(&q.0))
        .unwrap_or(0.0)
}

fn effective(spec: &PodSpec, resource: &str, keep: impl Fn(&Member) -> bool) -> f64 {
    let mut sidecars_running = 0.0_f64;
    let mut init_peak = 0.0_f64;
    for c in spec.init_containers.iter().flatten() {
        if c.restart_policy.as_deref() == Some("Always") {
            if keep(&Member::Native) {
                sidecars_running += request(c, resource);
                // Starting it needs what runs already plus itself.
                init_peak = init_peak.max(sidecars_running);
            }
        } else if keep(&Member::Init) {
            init_peak = init_peak.max(sidecars_running + request(c, resource));
        }
    }
    let regular: f64 = spec
        .containers
        .iter()
        .filter(|c| keep(&Member::Regular(c)))
        .map(|c| request(c, resource))
        .sum::<f64>()
        + sidecars_running;
    let overhead = spec
        .overhead
        .as_ref()
        .and_then(|o| o.get(resource))
        .and_then(|q| quantity::parse(&q.0))
        .unwrap_or(0.0);
    regular.max(init_peak) + overhead
}

/// `{"cpu": "333m", "memory": "333Mi"}` with the sidecars' share, for wide and JSON output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveRequestsView {
    pub cpu: String,
    pub memory: String,
    /// What the native and classic sidecars add to each.
    pub sidecars_cpu: String,
    pub sidecars_memory: String,
}

pub fn effective_requests_view(spec: &PodSpec, main: Option<&str>) -> EffectiveRequestsView {
    let cpu = effective_request(spec, main, "cpu");
    let memory = effective_request(spec, main, "memory");
    EffectiveRequestsView {
        cpu: format_cores(cpu.total),
        memory: format_bytes(memory.total),
        sidecars_cpu: format_cores(cpu.sidecars),
        sidecars_memory: format_bytes(memory.sidecars),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QuantityMap;
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn spec(value: Value) -> PodSpec {
        serde_json::from_value(value).unwrap()
    }

    fn c(name: &str, cpu: &str, memory: &str) -> Value {
        json!({"name": name, "image": "x", "resources": {"requests": {"cpu": cpu, "memory": memory}}})
    }

    fn native(name: &str, cpu: &str, memory: &str) -> Value {
        let mut v = c(name, cpu, memory);
        v["restartPolicy"] = json!("Always");
        v
    }

    const MI: f64 = 1024.0 * 1024.0;

    #[test]
    fn a_big_init_container_sets_the_footprint() {
        // The Kubernetes docs' rule (Resource sharing within containers): the higher of the
        // sum of app and sidecar containers and the effective init request. Here (the k9s
        // fixture's shape): init 333m/333Mi, then sidecar + main 50m/50Mi together.
        let s = spec(json!({
            "initContainers": [c("init", "333m", "333Mi"), native("sidecar", "25m", "25Mi")],
            "containers": [c("sleep", "25m", "25Mi")]
        }));
        let cpu = effective_request(&s, Some("sleep"), "cpu");
        assert!((cpu.total - 0.333).abs() < 1e-9, "{cpu:?}");
        let memory = effective_request(&s, Some("sleep"), "memory");
        assert_eq!(memory.total, 333.0 * MI);
        // Without the sidecar the init container still dominates: it adds nothing.
        assert_eq!(memory.sidecars, 0.0);
    }

    #[test]
    fn native_sidecars_add_to_every_step_after_them() {
        // sidecar 100m runs from the start; init 200m runs beside it (300m); then main
        // 150m with the sidecar (250m): the init step decides, 300m, of which the sidecar
        // adds 100m.
        let s = spec(json!({
            "initContainers": [native("proxy", "100m", "64Mi"), c("migrate", "200m", "128Mi")],
            "containers": [c("app", "150m", "256Mi")]
        }));
        let cpu = effective_request(&s, Some("app"), "cpu");
        assert!((cpu.total - 0.3).abs() < 1e-9, "{cpu:?}");
        assert!((cpu.sidecars - 0.1).abs() < 1e-9, "{cpu:?}");
        // Memory: init 64+128 = 192Mi < regular 64+256 = 320Mi.
        let memory = effective_request(&s, Some("app"), "memory");
        assert_eq!(memory.total, 320.0 * MI);
        assert_eq!(memory.sidecars, 64.0 * MI);
    }

    #[test]
    fn a_sidecar_declared_after_an_init_container_does_not_add_to_it() {
        let s = spec(json!({
            "initContainers": [c("migrate", "500m", "64Mi"), native("proxy", "100m", "64Mi")],
            "containers": [c("app", "100m", "64Mi"), c("shipper", "50m", "32Mi")],
            "overhead": {"cpu": "10m"}
        }));
        let cpu = effective_request(&s, Some("app"), "cpu");
        // max(500m, 100m + 100m + 50m) + 10m overhead.
        assert!((cpu.total - 0.51).abs() < 1e-9, "{cpu:?}");
        let memory = effective_request(&s, Some("app"), "memory");
        assert_eq!(memory.total, 160.0 * MI);
        // proxy 64Mi and shipper 32Mi on top of app's 64Mi (migrate's 64Mi is below).
        assert_eq!(memory.sidecars, 96.0 * MI);
    }

    #[test]
    fn pod_metrics_join_by_container_name() {
        let sample = PodUsage::from_api(&json!({
            "metadata": {"name": "web-1", "namespace": "shop"},
            "timestamp": "2026-11-23T11:59:30Z",
            "window": "30s",
            "containers": [
                {"name": "web", "usage": {"cpu": "12345678n", "memory": "120Mi"}},
                {"name": "istio-proxy", "usage": {"cpu": "3m", "memory": "121856Ki"}}
            ]
        }))
        .unwrap();
        assert_eq!(
            sample.sample_text(),
            "sampled at 2026-11-23T11:59:30Z over 30s"
        );
        let proxy = sample.container("istio-proxy").unwrap();
        let resources = Resources {
            requests: QuantityMap::from_api(&BTreeMap::from([(
                "memory".to_string(),
                Quantity("64Mi".to_string()),
            )])),
            limits: QuantityMap::from_api(&BTreeMap::from([(
                "memory".to_string(),
                Quantity("128Mi".to_string()),
            )])),
        };
        let view = usage_view(&resources, proxy, &sample);
        assert_eq!(view.memory.as_deref(), Some("119Mi"));
        assert_eq!(view.memory_of_limit, Some(93));
        assert_eq!(view.memory_of_request, Some(186));
        assert_eq!(view.cpu.as_deref(), Some("3m"));
        assert_eq!(view.cpu_of_request, None);
    }
}
