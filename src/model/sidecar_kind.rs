//! What a sidecar is for, as far as its name, image and arguments tell: one catalog for
//! every analysis (`order`'s hazards, `volumes`' log-sharing findings, and `diagnose`,
//! which reports both).

use k8s_openapi::api::core::v1::Container;

use super::INJECTED_SIDECAR_NAMES;

/// What a sidecar does for the app, as far as its name or image tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SidecarKind {
    /// The app's network path (mesh proxy, database proxy).
    Proxy,
    /// Renders secrets the app reads at start.
    SecretsAgent,
    /// Ships the app's logs, metrics or traces.
    Telemetry,
    Other,
}

impl SidecarKind {
    pub fn noun(self) -> &'static str {
        match self {
            SidecarKind::Proxy => "proxy",
            SidecarKind::SecretsAgent => "secrets agent",
            SidecarKind::Telemetry => "log/telemetry shipper",
            SidecarKind::Other => "sidecar",
        }
    }
}

const PROXY_NAMES: &[&str] = &[
    "envoy",
    "envoy-sidecar",
    "cloud-sql-proxy",
    "cloudsql-proxy",
    "alloydb-auth-proxy",
];
const PROXY_IMAGES: &[&str] = &[
    "envoy",
    "proxyv2",
    "cloud-sql-proxy",
    "gce-proxy",
    "alloydb-auth-proxy",
    "consul-dataplane",
    "kuma-dp",
    "daprd",
    "aws-appmesh-envoy",
    "linkerd2-proxy",
];
const SECRETS_NAMES: &[&str] = &["vault-agent", "vault-agent-sidecar"];
const TELEMETRY_NAMES: &[&str] = &[
    "fluent-bit",
    "fluentbit",
    "fluentd",
    "vector",
    "promtail",
    "filebeat",
    "otel-collector",
    "otel-agent",
    "otelcol",
    "opentelemetry-collector",
    "log-shipper",
];
const TELEMETRY_IMAGES: &[&str] = &[
    "fluent-bit",
    "aws-for-fluent-bit",
    "fluentd",
    "vector",
    "promtail",
    "filebeat",
    "opentelemetry-collector",
    "opentelemetry-collector-contrib",
    "otelcol",
    "otelcol-contrib",
];

/// One-shot helpers that share an image with a long-running sidecar (`istio-init` runs
/// proxyv2, `vault-agent-init` runs vault): the image says nothing about them.
fn one_shot_by_name_or_args(c: &Container) -> bool {
    let name = c.name.as_str();
    let args = c.command.iter().chain(c.args.iter()).flatten();
    name.ends_with("-init")
        || name.ends_with("-validation")
        || args
            .clone()
            .any(|a| a.contains("istio-iptables") || a.contains("exit-after-auth"))
}

/// The kind of sidecar `c` is.
pub fn kind_of(c: &Container) -> SidecarKind {
    let name = c.name.as_str();
    if SECRETS_NAMES.contains(&name) {
        return SidecarKind::SecretsAgent;
    }
    if INJECTED_SIDECAR_NAMES.contains(&name) || PROXY_NAMES.contains(&name) {
        return SidecarKind::Proxy;
    }
    if TELEMETRY_NAMES.contains(&name) {
        return SidecarKind::Telemetry;
    }
    if one_shot_by_name_or_args(c) {
        return SidecarKind::Other;
    }
    let repo = super::image_repository(c.image.as_deref().unwrap_or(""));
    let last = repo.rsplit('/').next().unwrap_or(&repo);
    let args = || c.command.iter().chain(c.args.iter()).flatten();
    if PROXY_IMAGES.contains(&last) || repo.ends_with("linkerd/proxy") {
        SidecarKind::Proxy
    } else if last == "vault" && args().any(|a| a.split_whitespace().any(|w| w == "agent")) {
        SidecarKind::SecretsAgent
    } else if TELEMETRY_IMAGES.contains(&last) {
        SidecarKind::Telemetry
    } else {
        SidecarKind::Other
    }
}

/// Sidecars whose own shutdown switches the tool knows by name (checked against each
/// project's documentation; listed in docs/rules.md under `sidecar-failed-pod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    /// Cloud SQL Auth Proxy (v2 flags; v1 `gce-proxy` images lack them).
    CloudSql,
    Istio,
    Linkerd,
}

/// Which known sidecar `c` is, by image first (names are free), then by injected name.
pub fn product_of(c: &Container) -> Option<Product> {
    let repo = super::image_repository(c.image.as_deref().unwrap_or(""));
    let last = repo.rsplit('/').next().unwrap_or(&repo);
    match (last, c.name.as_str()) {
        ("cloud-sql-proxy" | "gce-proxy", _) | (_, "cloud-sql-proxy" | "cloudsql-proxy") => {
            Some(Product::CloudSql)
        }
        ("proxyv2", _) | (_, "istio-proxy") => Some(Product::Istio),
        _ if repo.ends_with("linkerd/proxy") || c.name == "linkerd-proxy" => Some(Product::Linkerd),
        _ => None,
    }
}

/// Words in a sidecar's name or image that make it a log shipper or tailer.
const LOG_WORDS: &[&str] = &[
    "log",
    "logs",
    "logger",
    "logging",
    "logrotate",
    "logshipper",
    "logstash",
    "logagent",
    "fluent",
    "fluentd",
    "fluentbit",
    "filebeat",
    "vector",
    "promtail",
    "otel",
    "otelcol",
    "opentelemetry",
    "alloy",
];

/// Whether a sidecar ships or tails logs: a known log/telemetry shipper, or a log word in its
/// name or image (`app-log-tailer`, `acme/logrotate`).
pub fn ships_logs(name: &str, image: &str) -> bool {
    let repo = super::image_repository(image);
    let last = repo.rsplit('/').next().unwrap_or(&repo);
    TELEMETRY_NAMES.contains(&name)
        || TELEMETRY_IMAGES.contains(&last)
        || has_log_word(name)
        || has_log_word(&repo)
}

/// Whether one of `text`'s words (as [`words`] splits them) is a [`LOG_WORDS`] entry; runs
/// for every container, so it compares in place instead of lower-casing each word.
fn has_log_word(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| LOG_WORDS.iter().any(|l| l.eq_ignore_ascii_case(w)))
}

/// Lower-case alphanumeric words of a name, path or image (`fluent-bit` → `fluent`, `bit`).
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(name: &str, image: &str, args: &[&str]) -> Container {
        Container {
            name: name.to_string(),
            image: Some(image.to_string()),
            args: Some(args.iter().map(|a| a.to_string()).collect()),
            ..Container::default()
        }
    }

    #[test]
    fn kinds_come_from_names_images_and_arguments() {
        let kind = |name, image, args: &[&str]| kind_of(&container(name, image, args));
        assert_eq!(
            kind("istio-proxy", "docker.io/istio/proxyv2:1.24.1", &[]),
            SidecarKind::Proxy
        );
        assert_eq!(
            kind(
                "db",
                "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14",
                &[]
            ),
            SidecarKind::Proxy
        );
        assert_eq!(
            kind("vault-agent", "hashicorp/vault:1.18", &[]),
            SidecarKind::SecretsAgent
        );
        assert_eq!(
            kind("secrets", "hashicorp/vault:1.18", &["agent", "-config=/v"]),
            SidecarKind::SecretsAgent
        );
        assert_eq!(
            kind("shipper", "fluent/fluent-bit:3.2", &[]),
            SidecarKind::Telemetry
        );
        // One-shot helpers share an image with a long-running sidecar: the image says nothing.
        assert_eq!(
            kind("istio-init", "docker.io/istio/proxyv2:1.24.1", &[]),
            SidecarKind::Other
        );
        assert_eq!(kind("migrate", "acme/migrate:1", &[]), SidecarKind::Other);
    }

    #[test]
    fn known_products_by_image_then_name() {
        let product = |name, image| product_of(&container(name, image, &[]));
        assert_eq!(
            product("db", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1"),
            Some(Product::CloudSql)
        );
        assert_eq!(
            product("cloudsql-proxy", "acme/mirror:1"),
            Some(Product::CloudSql)
        );
        assert_eq!(
            product("istio-proxy", "docker.io/istio/proxyv2:1.24.1"),
            Some(Product::Istio)
        );
        assert_eq!(
            product("linkerd-proxy", "cr.l5d.io/linkerd/proxy:edge-24.11.8"),
            Some(Product::Linkerd)
        );
        assert_eq!(product("envoy", "envoyproxy/envoy:v1.32.1"), None);
    }

    #[test]
    fn log_shippers_by_catalog_or_by_word() {
        assert!(ships_logs(
            "fluent-bit",
            "cr.fluentbit.io/fluent/fluent-bit:3.2"
        ));
        assert!(ships_logs(
            "collector",
            "otel/opentelemetry-collector-contrib:0.115.0"
        ));
        assert!(ships_logs("app-log-tailer", "busybox:1.37"));
        assert!(ships_logs("rotate", "acme/logrotate:2"));
        assert!(!ships_logs("istio-proxy", "docker.io/istio/proxyv2:1.24.1"));
        assert!(!ships_logs("catalog", "acme/catalog:1"));
        // Words match whole and in any case: `Log-Tailer` ships logs, `blog` does not.
        assert!(ships_logs("Log-Tailer", "busybox:1.37"));
        assert!(!ships_logs("blog", "acme/blog:1"));
    }
}
