//! Spec changes several rules propose, in the form each sidecar's project documents
//! (docs/remedies.md lists the annotations and where they are documented).

use k8s_openapi::api::core::v1::Container;
use serde_json::json;

use crate::model::patch::{Place, PodPatch};
use crate::model::sidecar_kind::{Product, product_of};

/// Istio's per-pod switch to a native sidecar proxy.
pub const ISTIO_NATIVE_SIDECAR: &str = "sidecar.istio.io/nativeSidecar";
/// Linkerd's per-pod switch to a native sidecar proxy.
pub const LINKERD_NATIVE_SIDECAR: &str = "config.beta.linkerd.io/proxy-enable-native-sidecar";

/// Makes a classic sidecar native: through its injector's annotation for an injected proxy
/// (the template does not contain it), else by moving it to `initContainers`.
pub fn to_native(c: &Container) -> PodPatch {
    match product_of(c) {
        Some(Product::Istio) => PodPatch::new(
            "Istio (≥ 1.24) then injects istio-proxy as a native sidecar: it starts before and stops after the app",
        )
        .annotate(ISTIO_NATIVE_SIDECAR, "true")
        .native(),
        Some(Product::Linkerd) => PodPatch::new(
            "Linkerd (≥ 2.19; 2.15–2.18 read config.alpha.linkerd.io/proxy-enable-native-sidecar) then injects linkerd-proxy as a native sidecar: it starts before and stops after the app",
        )
        .annotate(LINKERD_NATIVE_SIDECAR, "true")
        .native(),
        _ => {
            let mut note = format!(
                "{} moves to initContainers with restartPolicy: Always, keeping its probes, ports and mounts; the kubelet then starts it before the app and stops it after",
                c.name
            );
            let mut with = Vec::new();
            if c.startup_probe.is_none()
                && let Some((probe, from)) = startup_probe(c)
            {
                note.push_str(&format!(
                    "; with a startupProbe from {from} (every 1s, up to 60s), so the app starts once it is ready"
                ));
                with.push(("startupProbe".to_string(), probe));
            }
            PodPatch::new(note).make_native(&c.name, with)
        }
    }
}

/// [`to_native`] when the app then waits for the sidecar: an injector's native mode, or a
/// native sidecar with a startupProbe.
pub fn to_waited_for_native(c: &Container) -> Option<PodPatch> {
    let waits = matches!(product_of(c), Some(Product::Istio | Product::Linkerd))
        || c.startup_probe.is_some()
        || startup_probe(c).is_some();
    waits.then(|| to_native(c))
}

/// A startupProbe for a sidecar that has none: its readinessProbe's check, else a TCP check
/// of its first declared port (or, for cloud-sql-proxy, its `--port`). Polled every second
/// for up to a minute. `None` when there is nothing to derive it from: a guessed probe could
/// hold the pod in Init forever. Returns the probe and where it came from.
pub fn startup_probe(c: &Container) -> Option<(serde_json::Value, String)> {
    let (mut probe, from) = if let Some(readiness) = &c.readiness_probe {
        let mut check = serde_json::to_value(readiness).ok()?;
        check
            .as_object_mut()?
            .retain(|key, _| matches!(key.as_str(), "httpGet" | "tcpSocket" | "grpc" | "exec"));
        (check, "its readinessProbe's check".to_string())
    } else if let Some(port) = c.ports.as_ref().and_then(|p| p.first()) {
        (
            json!({"tcpSocket": {"port": port.container_port}}),
            format!("a TCP check of its port {}", port.container_port),
        )
    } else {
        let port = (product_of(c) == Some(Product::CloudSql))
            .then(|| listen_port(c))
            .flatten()?;
        (
            json!({"tcpSocket": {"port": port}}),
            format!("a TCP check of its --port {port}"),
        )
    };
    probe["periodSeconds"] = json!(1);
    probe["failureThreshold"] = json!(60);
    Some((probe, from))
}

/// `--port=5432` or `--port 5432` in a container's command line.
fn listen_port(c: &Container) -> Option<u16> {
    let words: Vec<&str> = c
        .command
        .iter()
        .flatten()
        .chain(c.args.iter().flatten())
        .map(String::as_str)
        .collect();
    words.iter().enumerate().find_map(|(i, word)| {
        word.strip_prefix("--port=")
            .or_else(|| {
                (*word == "--port")
                    .then(|| words.get(i + 1).copied())
                    .flatten()
            })
            .and_then(|p| p.parse().ok())
    })
}

/// The annotation an injector reads for its proxy's memory limit, when `c` is injected.
fn injected_memory_limit(c: &Container) -> Option<&'static str> {
    match (product_of(c), c.name.as_str()) {
        (Some(Product::Istio), "istio-proxy") => Some("sidecar.istio.io/proxyMemoryLimit"),
        (Some(Product::Linkerd), "linkerd-proxy") => Some("config.linkerd.io/proxy-memory-limit"),
        (_, "vault-agent") => Some("vault.hashicorp.com/agent-limits-mem"),
        _ => None,
    }
}

/// Raises a container's memory limit to `limit`, where its injector reads it if injected.
pub fn memory_limit(c: &Container, limit: &str, note: String) -> PodPatch {
    match injected_memory_limit(c) {
        Some(annotation) => {
            let mut patch = PodPatch::new(format!(
                "{note}; {} is injected, so its injector reads the limit from this annotation when it creates the pod",
                c.name
            ))
            .annotate(annotation, limit);
            if annotation.starts_with("sidecar.istio.io/") {
                // Once any of these is set Istio drops its default proxy resources: carry
                // the current ones over.
                patch.note.push_str("; Istio drops its default proxy resources once one of these annotations is set, so the current requests and CPU limit are set too");
                let resources = c.resources.as_ref();
                for (key, field, list) in [
                    ("sidecar.istio.io/proxyCPU", "cpu", "requests"),
                    ("sidecar.istio.io/proxyMemory", "memory", "requests"),
                    ("sidecar.istio.io/proxyCPULimit", "cpu", "limits"),
                ] {
                    let current = resources.and_then(|r| {
                        if list == "requests" {
                            r.requests.as_ref()
                        } else {
                            r.limits.as_ref()
                        }
                    });
                    if let Some(value) = current.and_then(|m| m.get(field)) {
                        patch = patch.annotate(key, &value.0);
                    }
                }
            }
            patch
        }
        None => PodPatch::new(note).set(
            Place::Container(c.name.clone()),
            &["resources", "limits", "memory"],
            json!(limit),
        ),
    }
}
