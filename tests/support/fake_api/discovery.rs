//! Legacy discovery documents (`/api`, `/apis`, `/api/v1`, `/apis/GROUP/VERSION`), so that
//! kubectl can be pointed at the fake server (the scale benchmark compares against it).

use serde_json::{Value, json};

use super::resources::RESOURCES;

/// The discovery document at `path`, if it is one.
pub(super) fn document(path: &str) -> Option<Value> {
    let path = path.trim_end_matches('/');
    if path == "/api" {
        return Some(json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
        }));
    }
    if path == "/apis" {
        let mut groups: Vec<(&str, &str)> = RESOURCES
            .iter()
            .map(|r| (r.group, r.version))
            .filter(|(g, _)| !g.is_empty())
            .collect();
        groups.dedup();
        let groups: Vec<Value> = groups
            .iter()
            .map(|(g, v)| {
                let version = json!({"groupVersion": format!("{g}/{v}"), "version": v});
                json!({"name": g, "versions": [version], "preferredVersion": version})
            })
            .collect();
        return Some(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}));
    }
    let group_version = match path.strip_prefix("/api/") {
        Some(version) => version.to_string(),
        None => path.strip_prefix("/apis/")?.to_string(),
    };
    let (group, version) = group_version
        .split_once('/')
        .unwrap_or(("", group_version.as_str()));
    let resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .map(|r| {
            json!({
                "name": r.plural,
                "singularName": r.kind.to_ascii_lowercase(),
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": ["get", "list", "watch"],
            })
        })
        .collect();
    (!resources.is_empty()).then(|| {
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
    })
}
