//! `diagnose` end to end: a namespace with several broken pods, offline (pods and an events
//! dump) and live (events and previous logs from the fake API server), golden table and JSON,
//! grouping of replicas, and the `--fail-on` exit codes.

use crate::support::cli::{cluster_fixture, fixture, sidecar, sidecar_live, temp_dir};
use crate::support::fake_api::FakeApi;
use crate::support::golden::assert_golden;

/// The shop namespace's pods, in the order the API server lists them.
const SHOP: &[&str] = &[
    "crashloop-exit0-sidecar.json",
    "oom-native-sidecar.json",
    "evicted.json",
    "istio-injected.json",
    "image-pull.json",
    "web-logs.json",
];

fn shop_args(extra: &[&str]) -> Vec<String> {
    let mut args = vec!["diagnose".to_string()];
    for file in SHOP {
        args.push("-f".into());
        args.push(cluster_fixture(file));
    }
    args.push("-f".into());
    args.push(fixture("cluster/events"));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn run_offline(extra: &[&str]) -> crate::support::cli::Output {
    let args = shop_args(extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    sidecar(&args)
}

fn shop_cluster() -> FakeApi {
    FakeApi::builder()
        .fixtures_dir(fixture("cluster"))
        .log(
            "shop",
            "cart-5b7d9c6f48-7kq2m",
            "config-reloader",
            true,
            &[
                "2026-11-23T11:58:59.100000000Z cp: copied /config/app.yaml -> /shared/app.yaml",
                "2026-11-23T11:58:59.200000000Z done",
            ],
        )
        .start()
}

#[test]
fn offline_namespace_golden_table_and_json() {
    let out = run_offline(&[]);
    assert_eq!(out.code, 3, "critical findings exit 3: {}", out.stderr);
    assert_eq!(out.stderr, "");
    assert_golden("diagnose/shop-offline.txt", &out.stdout);

    let out = run_offline(&["-o", "json"]);
    assert_eq!(out.code, 3);
    assert_golden("diagnose/shop-offline.json", &out.stdout);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["kind"], "DiagnoseReport");
    assert_eq!(report["summary"]["podsChecked"], 6);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for rule in [
        "crash-loop",
        "oom-killed",
        "evicted",
        "image-pull",
        "no-resources",
    ] {
        assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
    }
}

#[test]
fn live_namespace_uses_events_and_previous_logs() {
    let api = shop_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let out = sidecar_live(&kubeconfig, &["diagnose"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    assert_golden("diagnose/shop-live.txt", &out.stdout);
    assert!(
        out.stdout
            .contains("previous log: cp: copied /config/app.yaml -> /shared/app.yaml")
    );

    // Apart from the log lines only a live run can read, live and offline agree.
    let without_logs = |text: &str| {
        text.lines()
            .filter(|l| !l.contains("previous log:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        without_logs(&out.stdout),
        without_logs(&run_offline(&[]).stdout)
    );

    let requests = api.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:?}");
    let events: Vec<_> = requests
        .iter()
        .filter(|r| r.path == "/api/v1/namespaces/shop/events")
        .collect();
    assert_eq!(events.len(), 1, "one events list per namespace");
    assert_eq!(
        events[0].query_value("fieldSelector"),
        Some("involvedObject.kind=Pod")
    );
    let logs: Vec<_> = requests
        .iter()
        .filter(|r| r.path.ends_with("/log"))
        .collect();
    assert!(!logs.is_empty());
    for log in &logs {
        assert_eq!(log.query_value("previous"), Some("true"));
        assert_eq!(log.query_value("tailLines"), Some("5"));
    }
    assert!(logs.iter().any(|r| r.path
        == "/api/v1/namespaces/shop/pods/cart-5b7d9c6f48-7kq2m/log"
        && r.query_value("container") == Some("config-reloader")));
    assert!(requests.iter().any(|r| r.path == "/version"));
}

#[test]
fn live_json_golden() {
    let api = shop_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let out = sidecar_live(&kubeconfig, &["diagnose", "-o", "json"]);
    assert_eq!(out.code, 3);
    assert_golden("diagnose/shop-live.json", &out.stdout);
}

#[test]
fn forbidden_events_are_a_warning_not_a_failure() {
    let api = FakeApi::builder()
        .fixtures_dir(fixture("cluster"))
        .fail_path("/api/v1/namespaces/shop/events", 403)
        .start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let out = sidecar_live(&kubeconfig, &["diagnose", "--fail-on", "never"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("warning: list events in namespace shop: Error from server"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("findings use pod status only"));
    assert!(out.stdout.contains("oom-killed"));
}

/// agent-0 with the three design notes diagnose makes about it addressed: a startupProbe on
/// the exporter, a sizeLimit on the shared log volume, an ephemeral-storage limit on fluent-bit.
fn tidy_agent() -> std::path::PathBuf {
    let mut pod: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(cluster_fixture("agent-native.json")).unwrap(),
    )
    .unwrap();
    for c in pod["spec"]["initContainers"].as_array_mut().unwrap() {
        if c["name"] == "prometheus-exporter" {
            c["startupProbe"] = c["readinessProbe"].clone();
        }
        if c["name"] == "fluent-bit" {
            c["resources"]["limits"]["ephemeral-storage"] = "1Gi".into();
            c["resources"]["requests"]["ephemeral-storage"] = "256Mi".into();
        }
    }
    for v in pod["spec"]["volumes"].as_array_mut().unwrap() {
        if v["name"] == "agent-logs" {
            v["emptyDir"]["sizeLimit"] = "1Gi".into();
        }
    }
    let path = temp_dir("tidy").join("agent-0.json");
    std::fs::write(&path, pod.to_string()).unwrap();
    path
}

#[test]
fn healthy_pod_prints_one_line() {
    let out = sidecar(&["diagnose", "-f", tidy_agent().to_str().unwrap()]);
    assert_eq!(
        out.ok(),
        "OK        observability/agent-0: Running 3/3, no findings\n\n1 pod checked: 0 critical, 0 warning, 0 info; 1 healthy\n"
    );
}

#[test]
fn fail_on_and_severity_set_exit_code_and_output() {
    // Default --fail-on critical.
    assert_eq!(run_offline(&[]).code, 3);
    assert_eq!(run_offline(&["--fail-on", "never"]).code, 0);
    // Only warning/info findings: exit 0 by default, 3 with --fail-on warning.
    let workloads = fixture("files/workloads.yaml");
    assert_eq!(sidecar(&["diagnose", "-f", &workloads]).code, 0);
    assert_eq!(
        sidecar(&["diagnose", "-f", &workloads, "--fail-on", "warning"]).code,
        3
    );
    // --severity hides findings but not the exit code.
    let out = run_offline(&["--severity", "critical"]);
    assert_eq!(out.code, 3);
    assert!(!out.stdout.contains("INFO"), "{}", out.stdout);
    assert!(out.stdout.contains("CRITICAL"));
    let out = sidecar(&["diagnose", "--fail-on", "sometimes"]);
    assert_eq!(out.code, 2);
}

#[test]
fn manifests_get_a_pre_deploy_check() {
    let out = sidecar(&["diagnose", "-f", &fixture("files/workloads.yaml")]);
    assert_golden("diagnose/workloads.txt", out.ok());
    assert!(
        out.stdout
            .contains("job-sidecar-never-exits  batch/nightly-export")
    );
}

#[test]
fn replicas_with_the_same_finding_are_grouped() {
    let pod: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(cluster_fixture("oom-native-sidecar.json")).unwrap(),
    )
    .unwrap();
    let items: Vec<serde_json::Value> = ["q8zpl", "x7k2m", "b9c4d"]
        .iter()
        .enumerate()
        .map(|(i, suffix)| {
            let mut p = pod.clone();
            p["metadata"]["name"] = format!("checkout-6d8f9b7c4-{suffix}").into();
            p["metadata"]["uid"] = format!("00000000-0000-0000-0000-00000000000{i}").into();
            p
        })
        .collect();
    let dir = temp_dir("replicas");
    let path = dir.join("replicas.json");
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
    std::fs::write(&path, list.to_string()).unwrap();
    let out = sidecar(&["diagnose", "-f", path.to_str().unwrap()]);
    assert_golden("diagnose/replicas.txt", &out.stdout);
    assert!(
        out.stdout.contains(
            "POD RESTARTING 3/3 pods of deploy/checkout in shop: Running 2/2, restarting"
        )
    );
    assert!(
        out.stdout
            .contains("WARNING   oom-killed  3/3 pods of deploy/checkout in shop")
    );
    let ungrouped = sidecar(&["diagnose", "-f", path.to_str().unwrap(), "--no-group"]);
    let headers = |text: &str| {
        text.lines()
            .filter(|l| l.starts_with("WARNING   oom-killed  "))
            .count()
    };
    assert_eq!(headers(&ungrouped.stdout), 3);
    assert_eq!(headers(&out.stdout), 1);
}

#[test]
fn list_rules_prints_the_catalog() {
    let out = sidecar(&["diagnose", "--list-rules"]);
    let text = out.ok();
    for id in [
        "oom-killed",
        "evicted",
        "crash-loop",
        "job-sidecar-never-exits",
    ] {
        assert!(text.lines().any(|l| l.starts_with(id)), "{id}: {text}");
    }
    // Every title starts in one column: two spaces after the longest rule ID.
    let longest = text
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or_default().len())
        .max()
        .unwrap();
    for line in text.lines() {
        let id = line.split_whitespace().next().unwrap();
        assert!(
            line[id.len()..].starts_with(&" ".repeat(longest + 2 - id.len())),
            "{line:?}"
        );
        assert_ne!(line.as_bytes()[longest + 2], b' ', "{line:?}");
    }
}

#[test]
fn pods_with_only_hidden_findings_count_as_healthy() {
    let agent = cluster_fixture("agent-native.json");
    let out = sidecar(&["diagnose", "-f", &agent, "--severity", "warning"]);
    assert_eq!(
        out.ok(),
        "OK        observability/agent-0: Running 3/3, no warning or higher findings\n\n1 pod checked: 0 critical, 0 warning, 0 info; 1 healthy\n"
    );
    let out = sidecar(&["diagnose", "-f", &agent]);
    assert!(out.ok().contains("0 healthy"), "{}", out.stdout);
}

/// Past 2,000 pods with nothing serious, diagnose streams them (held pods first, then the
/// streamed ones in listing order): every pod still appears once, the JSON and YAML are one
/// document with the same content and counts that add up, and the serious pod comes first.
#[test]
fn a_cluster_wide_run_streams_past_its_memory_limit_and_reports_every_pod_once() {
    const PODS: usize = 2100;
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(cluster_fixture(name)).unwrap()).unwrap()
    };
    let plain = read("agent-native.json");
    let mut builder = FakeApi::builder();
    let mut names = Vec::new();
    for i in 0..PODS {
        let mut pod = if i == 1500 {
            read("oom-native-sidecar.json")
        } else {
            plain.clone()
        };
        let name = format!("agent-{i:05}");
        pod["metadata"]["name"] = serde_json::json!(name);
        pod["metadata"]["namespace"] = serde_json::json!("shop");
        pod["metadata"]["uid"] = serde_json::json!(format!("uid-{i}"));
        pod["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("ownerReferences");
        names.push(format!("shop/{name}"));
        builder = builder.object(pod);
    }
    let api = builder.start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), None);

    let table = sidecar_live(&kubeconfig, &["diagnose", "-A", "--fail-on", "never"]);
    let text = table.ok();
    let heads: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("POD "))
        .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("shop/")))
        .map(|w| w.trim_end_matches(':'))
        .collect();
    assert_eq!(heads.len(), PODS, "every pod once");
    assert_eq!(
        heads[0], "shop/agent-01500",
        "the pod that needs attention comes first"
    );
    let rest: Vec<&str> = heads[1..].to_vec();
    let mut expected: Vec<&str> = names.iter().map(String::as_str).collect();
    expected.retain(|n| *n != "shop/agent-01500");
    assert_eq!(rest, expected, "then the others in listing order");
    assert!(
        text.contains(&format!("{PODS} pods checked: ")),
        "{}",
        &text[text.len() - 300..]
    );

    let json_out = sidecar_live(
        &kubeconfig,
        &["diagnose", "-A", "-o", "json", "--fail-on", "never"],
    );
    let json: serde_json::Value = serde_json::from_str(json_out.ok()).expect("one JSON document");
    let yaml_out = sidecar_live(
        &kubeconfig,
        &["diagnose", "-A", "-o", "yaml", "--fail-on", "never"],
    );
    let yaml: serde_json::Value = serde_saphyr::from_str(yaml_out.ok()).expect("one YAML document");
    assert_eq!(json, yaml);
    let mut keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "apiVersion",
            "findings",
            "healthy",
            "kind",
            "pods",
            "summary"
        ]
    );
    let pods = json["pods"].as_array().unwrap();
    assert_eq!(pods.len(), PODS);
    let findings = json["findings"].as_array().unwrap();
    let summary = &json["summary"];
    let count = |severity: &str| {
        findings
            .iter()
            .filter(|f| f["severity"] == severity)
            .count()
    };
    assert_eq!(summary["podsChecked"], PODS);
    assert_eq!(summary["info"], count("info"));
    assert_eq!(summary["warning"], count("warning"));
    assert_eq!(summary["critical"], count("critical"));
    assert_eq!(pods[0]["pod"], "agent-01500");
}
