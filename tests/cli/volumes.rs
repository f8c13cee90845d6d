//! `volumes` end to end: the volumes × containers matrix and the mount findings, offline on
//! files and live against the fake API server, with golden files of whole command output.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::cli::{
    Output, cluster_fixture, fake_cluster, fixture, sidecar, sidecar_live, temp_dir,
};
use crate::support::fake_api::FakeApi;
use crate::support::golden::assert_golden;

/// Every rule ID `volumes` can report (src/model/volumes.rs `RULE_IDS`).
const RULES: &[&str] = &[
    "volume-unused",
    "emptydir-not-shared",
    "mount-mismatch",
    "volume-no-writer",
    "writer-read-only",
    "subpath-no-updates",
    "memory-emptydir-no-limit",
    "log-volume-no-size-limit",
    "log-sidecar-no-storage-limit",
    "duplicate-mount-path",
    "undefined-volume",
    "volume-uid-mismatch",
    "mount-over-root",
];

/// Shared cluster fixtures: (file, golden name).
const CLUSTER_FIXTURES: &[(&str, &str)] = &[
    ("web-logs.json", "web-logs"),
    ("agent-native.json", "agent-native"),
    ("istio-injected.json", "istio-injected"),
    ("evicted.json", "evicted"),
];

/// Fixtures written for `volumes`: (file under tests/fixtures/volumes, namespace, pod).
const VOLUME_FIXTURES: &[(&str, &str, &str)] = &[
    ("thumbnailer.json", "media", "thumbnailer-6b7c9d5f8-q4wzr"),
    (
        "config-renderer.json",
        "payments",
        "ledger-api-7d5f9c8b6-h8k2m",
    ),
    ("orders-logs.json", "shop", "orders-5c8d7b9f6-tx2lp"),
    (
        "billing-filebeat.json",
        "billing",
        "billing-api-6f9b8c7d5-wm4rk",
    ),
    ("edge-gateway.json", "edge", "edge-gateway-7b9d6c5f4-pj8vn"),
];

const MANIFEST: &str = "volumes/report-api.yaml";

fn volumes_fixture(file: &str) -> String {
    fixture(&format!("volumes/{file}"))
}

fn golden_name(file: &str) -> &str {
    file.trim_end_matches(".json").trim_end_matches(".yaml")
}

fn json(out: &Output) -> Value {
    serde_json::from_str(out.ok()).expect("valid JSON")
}

/// (rule, severity, container) of every finding of a report's first pod.
fn findings(report: &Value) -> Vec<(String, String, String)> {
    report["pods"][0]["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (text("rule"), text("severity"), text("container"))
        })
        .collect()
}

// ---------------------------------------------------------------- offline: golden output

#[test]
fn table_and_json_of_the_shared_cluster_fixtures() {
    for (file, name) in CLUSTER_FIXTURES {
        let path = cluster_fixture(file);
        let table = sidecar(&["volumes", "-f", &path, "--color", "never"]);
        assert_golden(&format!("volumes/{name}.txt"), table.ok());
        assert_eq!(table.stderr, "", "{file}");
        let out = sidecar(&["volumes", "-f", &path, "-o", "json"]);
        assert_golden(&format!("volumes/{name}.json"), out.ok());
    }
}

#[test]
fn table_and_json_of_the_volume_fixtures() {
    let files = VOLUME_FIXTURES
        .iter()
        .map(|(file, _, _)| format!("volumes/{file}"))
        .chain(std::iter::once(MANIFEST.to_string()));
    for file in files {
        let path = fixture(&file);
        let name = golden_name(file.trim_start_matches("volumes/"));
        let table = sidecar(&["volumes", "-f", &path, "--color", "never"]);
        assert_golden(&format!("volumes/{name}.txt"), table.ok());
        assert_eq!(table.stderr, "", "{file}");
        let out = sidecar(&["volumes", "-f", &path, "-o", "json"]);
        assert_golden(&format!("volumes/{name}.json"), out.ok());
    }
}

#[test]
fn every_rule_has_a_triggering_fixture_and_is_documented() {
    let mut paths: Vec<String> = VOLUME_FIXTURES
        .iter()
        .map(|(file, _, _)| volumes_fixture(file))
        .collect();
    paths.push(fixture(MANIFEST));
    paths.push(cluster_fixture("web-logs.json"));
    paths.push(cluster_fixture("evicted.json"));
    let mut args = vec!["volumes".to_string(), "-o".into(), "json".into()];
    for path in &paths {
        args.push("-f".into());
        args.push(path.clone());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let report = json(&sidecar(&args));
    let fired: BTreeSet<&str> = report["pods"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["findings"].as_array().unwrap())
        .filter_map(|f| f["rule"].as_str())
        .collect();
    let expected: BTreeSet<&str> = RULES.iter().copied().collect();
    assert_eq!(fired, expected);

    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/volumes.md"))
        .expect("docs/volumes.md");
    for rule in RULES {
        assert!(
            docs.contains(&format!("### `{rule}`")),
            "{rule} is not documented"
        );
    }
}

#[test]
fn the_classic_mismatch_names_both_containers_both_paths_and_the_file() {
    let report = json(&sidecar(&[
        "volumes",
        "-f",
        &cluster_fixture("web-logs.json"),
        "-o",
        "json",
    ]));
    let pod = &report["pods"][0];
    let mismatch = pod["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "mount-mismatch")
        .expect("mount-mismatch");
    assert_eq!(mismatch["severity"], "warning");
    assert_eq!(mismatch["container"], "log-reader");
    assert_eq!(mismatch["volume"], "nginx-logs");
    assert_eq!(
        mismatch["containers"],
        serde_json::json!(["log-reader", "nginx"])
    );
    let summary = mismatch["summary"].as_str().unwrap();
    for needle in [
        "/var/log/nginx/access.log",
        "/var/log/nginx in nginx",
        "/logs in log-reader",
    ] {
        assert!(summary.contains(needle), "{needle}: {summary}");
    }
    assert!(
        mismatch["fix"]
            .as_str()
            .unwrap()
            .contains("/logs/access.log")
    );
    // The matrix: nginx-logs rw in nginx, ro at /logs in the reader.
    let row = &pod["volumes"][0];
    assert_eq!(row["name"], "nginx-logs");
    assert_eq!(row["type"], "emptyDir");
    assert_eq!(row["problem"], true);
    assert_eq!(row["mounts"][0]["container"], "nginx");
    assert_eq!(row["mounts"][0]["readOnly"], false);
    assert_eq!(row["mounts"][1]["mountPath"], "/logs");
    assert_eq!(row["mounts"][1]["readOnly"], true);
    assert_eq!(pod["volumes"][1]["serviceAccountToken"], true);
}

#[test]
fn healthy_sharing_and_injected_proxies_raise_no_warnings() {
    let istio = json(&sidecar(&[
        "volumes",
        "-f",
        &cluster_fixture("istio-injected.json"),
        "-o",
        "json",
    ]));
    assert_eq!(findings(&istio), []);

    // agent-native shares its log and config volumes correctly: only hygiene notes remain.
    let agent = json(&sidecar(&[
        "volumes",
        "-f",
        &cluster_fixture("agent-native.json"),
        "-o",
        "json",
    ]));
    let found = findings(&agent);
    assert!(!found.is_empty());
    assert!(
        found.iter().all(|(_, severity, _)| severity == "info"),
        "{found:?}"
    );
    let roles: Vec<(&str, &str)> = agent["pods"][0]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["role"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [
            ("init-config", "init"),
            ("fluent-bit", "native-sidecar"),
            ("prometheus-exporter", "native-sidecar"),
            ("agent", "main")
        ]
    );
}

/// (rule, severity, container) of an expected finding.
type Expected = (&'static str, &'static str, &'static str);

#[test]
fn findings_carry_severity_container_and_status_evidence() {
    let cases: &[(&str, &[Expected])] = &[
        (
            "thumbnailer.json",
            &[
                ("memory-emptydir-no-limit", "warning", "thumbnailer"),
                ("volume-uid-mismatch", "warning", ""),
                ("volume-unused", "info", ""),
                ("subpath-no-updates", "info", "thumbnailer"),
            ],
        ),
        (
            "config-renderer.json",
            &[("volume-no-writer", "warning", "")],
        ),
        (
            "orders-logs.json",
            &[
                ("writer-read-only", "warning", "orders"),
                ("emptydir-not-shared", "info", "orders"),
            ],
        ),
        (
            "billing-filebeat.json",
            &[
                ("mount-mismatch", "warning", "filebeat"),
                ("log-sidecar-no-storage-limit", "info", "filebeat"),
            ],
        ),
        (
            "edge-gateway.json",
            &[
                ("mount-over-root", "critical", "cert-reloader"),
                ("mount-over-root", "warning", "gateway"),
            ],
        ),
    ];
    for (file, expected) in cases {
        let report = json(&sidecar(&[
            "volumes",
            "-f",
            &volumes_fixture(file),
            "-o",
            "json",
        ]));
        let found = findings(&report);
        let expected: Vec<(String, String, String)> = expected
            .iter()
            .map(|(r, s, c)| (r.to_string(), s.to_string(), c.to_string()))
            .collect();
        assert_eq!(found, expected, "{file}");
    }

    // Status corroborates the spec: the OOM kill, the runtime's read-only errors.
    let text = sidecar(&["volumes", "-f", &volumes_fixture("thumbnailer.json")]);
    assert!(text.ok().contains("thumbnailer was OOMKilled (3 restarts)"));
    let text = sidecar(&["volumes", "-f", &volumes_fixture("edge-gateway.json")]);
    assert!(text.ok().contains("read-only file system: unknown"));
    let text = sidecar(&["volumes", "-f", &volumes_fixture("config-renderer.json")]);
    assert!(
        text.ok()
            .contains("config-renderer status: Error (12): 2026/11/23 11:57:52.118 [ERR]")
    );
}

#[test]
fn manifests_are_checked_before_the_api_server_would_reject_them() {
    let out = sidecar(&["volumes", "-f", &fixture(MANIFEST), "-o", "json"]);
    let report = json(&out);
    let pod = &report["pods"][0];
    assert_eq!(pod["specOnly"], true);
    assert_eq!(pod["templateOf"]["kind"], "Deployment");
    assert_eq!(pod["fsGroup"], 2000);
    let found = findings(&report);
    assert_eq!(
        found[0],
        (
            "undefined-volume".into(),
            "critical".into(),
            "report-api".into()
        )
    );
    assert_eq!(
        found[1],
        (
            "duplicate-mount-path".into(),
            "critical".into(),
            "report-api".into()
        )
    );
    let undefined = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "app-secrets")
        .unwrap();
    assert_eq!(undefined["type"], "undefined");

    // A StatefulSet's claim templates are not in its pod template: not undefined.
    let out = sidecar(&[
        "volumes",
        "-f",
        &fixture("files/workloads.yaml"),
        "-o",
        "json",
    ]);
    let report = json(&out);
    let postgres = report["pods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "postgres")
        .expect("postgres template");
    assert_eq!(postgres["volumes"][0]["type"], "volumeClaimTemplate");
    assert!(
        postgres["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] != "undefined-volume")
    );
}

#[test]
fn wide_shows_the_token_users_and_every_mount_option() {
    let out = sidecar(&[
        "volumes",
        "-f",
        &cluster_fixture("web-logs.json"),
        "-f",
        &volumes_fixture("thumbnailer.json"),
        "-o",
        "wide",
    ]);
    let text = out.ok();
    assert_golden("volumes/wide.txt", text);
    assert!(text.contains("kube-api-access-9v45p   projected"), "{text}");
    assert!(text.contains("thumbnailer (main, uid 1000)"), "{text}");
}

#[test]
fn yaml_has_the_json_schema() {
    let out = sidecar(&[
        "volumes",
        "-f",
        &volumes_fixture("orders-logs.json"),
        "-o",
        "yaml",
    ]);
    let text = out.ok();
    assert_golden("volumes/orders-logs.yaml", text);
    assert!(
        text.starts_with("apiVersion: kubectl-sidecar/v1\nkind: VolumeReport\n"),
        "{text}"
    );
}

#[test]
fn container_filter_narrows_columns_rows_and_findings() {
    let file = cluster_fixture("web-logs.json");
    let report = json(&sidecar(&[
        "volumes", "-f", &file, "-c", "^log-", "-o", "json",
    ]));
    let pod = &report["pods"][0];
    assert_eq!(pod["containers"].as_array().unwrap().len(), 1);
    assert_eq!(pod["containers"][0]["name"], "log-reader");
    assert!(
        pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["mounts"].as_array().unwrap().len() == 1)
    );
    assert!(findings(&report).iter().any(|f| f.0 == "mount-mismatch"));

    // Volumes only another container mounts, and findings about them, are hidden.
    let report = json(&sidecar(&[
        "volumes",
        "-f",
        &volumes_fixture("thumbnailer.json"),
        "-c",
        "cache-warmer",
        "-o",
        "json",
    ]));
    let names: Vec<&str> = report["pods"][0]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["thumb-cache", "kube-api-access-r7x2m"]);
    let rules: Vec<String> = findings(&report).into_iter().map(|f| f.0).collect();
    assert_eq!(rules, ["volume-uid-mismatch"]);

    let out = sidecar(&["volumes", "-f", &file, "-c", "nothing-matches"]);
    assert_eq!(out.ok(), "");
    assert_eq!(
        out.stderr,
        "no container of the 1 selected pod matches -c/--container\n"
    );
}

#[test]
fn findings_never_change_the_exit_code_and_errors_do() {
    // A critical finding is still a successful run: diagnose --fail-on is the gate.
    let out = sidecar(&["volumes", "-f", &volumes_fixture("edge-gateway.json")]);
    assert!(out.ok().contains("critical  mount-over-root"));

    let out = sidecar(&["volumes", "-f", "does/not/exist.yaml"]);
    assert!(out.failed(1).contains("cannot read does/not/exist.yaml"));
    let out = sidecar(&["volumes", "-o", "xml"]);
    out.failed(2);
}

#[test]
fn color_is_emphasis_only() {
    let file = cluster_fixture("web-logs.json");
    let plain = sidecar(&["volumes", "-f", &file, "--color", "never"]);
    let colored = sidecar(&["volumes", "-f", &file, "--color", "always"]);
    assert!(!plain.ok().contains('\u{1b}'));
    assert!(colored.ok().contains("\u{1b}["));
    // The marker and the severity are words, not colors.
    assert!(plain.stdout.lines().any(|l| l.starts_with("! nginx-logs")));
    assert!(plain.stdout.contains("  warning   mount-mismatch"));
}

#[test]
fn several_pods_are_separated_by_blank_lines() {
    let out = sidecar(&["volumes", "-f", &fixture("volumes"), "--color", "never"]);
    let text = out.ok();
    assert_golden("volumes/directory.txt", text);
    let headers = text.lines().filter(|l| l.contains("   READY ")).count();
    assert_eq!(headers, VOLUME_FIXTURES.len() + 1);
    assert!(!text.contains("\n\n\n"));
}

// ---------------------------------------------------------------- live: fake API server

#[test]
fn live_pods_match_offline_output_with_get_requests_only() {
    let api = FakeApi::builder().fixtures_dir(fixture("volumes")).start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), None);
    for (file, namespace, pod) in VOLUME_FIXTURES {
        let live = sidecar_live(&kubeconfig, &["volumes", "-n", namespace, pod]);
        let offline = sidecar(&["volumes", "-f", &volumes_fixture(file)]);
        assert_eq!(live.ok(), offline.ok(), "{file}");
        assert_eq!(live.stderr, "", "{file}");
        let live = sidecar_live(
            &kubeconfig,
            &["volumes", "-n", namespace, pod, "-o", "json"],
        );
        let offline = sidecar(&["volumes", "-f", &volumes_fixture(file), "-o", "json"]);
        assert_eq!(live.ok(), offline.ok(), "{file}");
    }
    let live = sidecar_live(
        &kubeconfig,
        &["volumes", "-n", "media", "thumbnailer-6b7c9d5f8-q4wzr"],
    );
    assert_golden("volumes/thumbnailer.txt", live.ok());

    let requests = api.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:?}");
    assert!(
        requests
            .iter()
            .any(|r| r.path == "/api/v1/namespaces/edge/pods/edge-gateway-7b9d6c5f4-pj8vn"),
        "{requests:?}"
    );
}

#[test]
fn live_workload_target_matches_the_offline_golden() {
    let api = fake_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let live = sidecar_live(&kubeconfig, &["volumes", "deploy/web"]);
    assert_golden("volumes/web-logs.txt", live.ok());
    let requests = api.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:?}");
    let list = requests
        .iter()
        .find(|r| r.path == "/api/v1/namespaces/shop/pods")
        .expect("listed the deployment's pods");
    assert_eq!(list.query_value("labelSelector"), Some("app=web"));
}
