//! Usage against requests and limits: `ls --metrics` and the memory rules of `diagnose`, from
//! PodMetrics dumps offline and from the metrics API of the fake server, and a missing metrics
//! API (404, 503, 403) as one warning line, never a failure.

use crate::support::cli::{cluster_fixture, fixture, sidecar, sidecar_live, temp_dir};
use crate::support::fake_api::FakeApi;
use crate::support::golden::assert_golden;

const PODS: &[&str] = &[
    "oom-native-sidecar.json",
    "istio-injected.json",
    "web-logs.json",
];

fn offline(command: &str, extra: &[&str]) -> crate::support::cli::Output {
    let mut args = vec![command.to_string()];
    for file in PODS {
        args.push("-f".into());
        args.push(cluster_fixture(file));
    }
    args.push("-f".into());
    args.push(fixture("metrics/shop-podmetrics.json"));
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    sidecar(&args)
}

fn cluster() -> FakeApi {
    FakeApi::builder()
        .fixtures_dir(fixture("cluster"))
        .fixtures_dir(fixture("metrics"))
        .start()
}

#[test]
fn ls_metrics_offline_golden_table_and_json() {
    let out = offline("ls", &["--metrics"]);
    assert_eq!(out.stderr, "");
    assert_golden("ls/metrics.txt", out.ok());
    // The native sidecar at 95 % of its limit is marked, not only colored.
    assert!(
        out.stdout.contains("60.7Mi    190%/95% !"),
        "{}",
        out.stdout
    );

    let out = offline("ls", &["--metrics", "-o", "json"]);
    assert_golden("ls/metrics.json", out.ok());
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let sidecar_usage = &report["pods"][0]["containers"][0]["usage"];
    assert_eq!(
        report["pods"][0]["containers"][0]["name"],
        "metrics-sidecar"
    );
    assert_eq!(sidecar_usage["memoryOfLimit"], 95);
    assert_eq!(sidecar_usage["memoryOfRequest"], 190);
    assert_eq!(sidecar_usage["cpu"], "13m");
    assert_eq!(sidecar_usage["timestamp"], "2026-11-23T11:59:30Z");
    assert_eq!(sidecar_usage["window"], "30.104s");
    assert_eq!(
        report["pods"][0]["effectiveRequests"],
        serde_json::json!({"cpu": "300m", "memory": "288Mi", "sidecarsCpu": "50m", "sidecarsMemory": "32Mi"})
    );
}

#[test]
fn ls_metrics_offline_without_a_dump_says_usage_is_unknown() {
    let out = sidecar(&["ls", "--metrics", "-f", &cluster_fixture("web-logs.json")]);
    let text = out.ok();
    assert!(text.contains("nginx        main      1   yes     Running   0          -                  21h   -     -"), "{text}");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("no PodMetrics in the files"));
}

#[test]
fn ls_metrics_live_reads_one_list_per_namespace_with_the_selector() {
    let api = cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let out = sidecar_live(
        &kubeconfig,
        &["ls", "--metrics", "-l", "app in (checkout,web,reviews)"],
    );
    assert_eq!(out.stderr, "");
    let offline = offline("ls", &["--metrics"]);
    assert_eq!(out.ok(), offline.ok(), "live and offline agree");
    let metrics: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/apis/metrics.k8s.io"))
        .collect();
    assert_eq!(metrics.len(), 1, "{metrics:?}");
    assert_eq!(
        metrics[0].path,
        "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods"
    );
    assert_eq!(
        metrics[0].query_value("labelSelector"),
        Some("app in (checkout,web,reviews)")
    );
    assert!(api.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn no_metrics_api_is_one_warning_line_never_a_failure() {
    for (code, cause) in [
        (404, "Error from server (NotFound)"),
        (403, "Error from server (Forbidden)"),
        (503, "gave up after 4 attempts"),
    ] {
        let api = FakeApi::builder()
            .fixtures_dir(fixture("cluster"))
            .fail_path("/apis/metrics.k8s.io", code)
            .start();
        let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
        let out = sidecar_live(
            &kubeconfig,
            &["ls", "--metrics", "checkout-6d8f9b7c4-q8zpl"],
        );
        let text = out.ok();
        assert!(text.contains("metrics-sidecar"), "{code}: {text}");
        assert_eq!(out.stderr.lines().count(), 1, "{code}: {}", out.stderr);
        assert!(out.stderr.contains(cause), "{code}: {}", out.stderr);
        assert!(
            out.stderr.contains("usage is unknown"),
            "{code}: {}",
            out.stderr
        );

        let out = sidecar_live(
            &kubeconfig,
            &["diagnose", "checkout-6d8f9b7c4-q8zpl", "--fail-on", "never"],
        );
        out.ok();
        assert_eq!(out.stderr.lines().count(), 1, "{code}: {}", out.stderr);
        assert!(
            out.stderr.contains("usage is unknown"),
            "{code}: {}",
            out.stderr
        );
    }
}

#[test]
fn diagnose_reports_memory_near_its_limit_with_the_sample_time() {
    let out = offline("diagnose", &[]);
    assert_eq!(out.stderr, "");
    assert_golden("diagnose/metrics.txt", &out.stdout);
    assert!(out.stdout.contains(
        "WARNING   memory-near-limit  shop/checkout-6d8f9b7c4-q8zpl\n  metrics-sidecar (native-sidecar): native sidecar uses 60.7Mi of memory, 95% of its 64Mi limit"
    ));
    assert!(
        out.stdout
            .contains("sampled at 2026-11-23T11:59:30Z over 30.104s")
    );
    assert!(
        out.stdout
            .contains("INFO      memory-over-request  shop/checkout-6d8f9b7c4-q8zpl")
    );
    // Above the threshold: nothing near the limit.
    let out = offline("diagnose", &["--memory-threshold", "96"]);
    assert!(!out.stdout.contains("memory-near-limit"));

    // Live, the same sample comes from the metrics API.
    let api = cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let live = sidecar_live(&kubeconfig, &["diagnose", "checkout-6d8f9b7c4-q8zpl"]);
    assert_eq!(live.stderr, "");
    assert!(
        live.stdout.contains("95% of its 64Mi limit"),
        "{}",
        live.stdout
    );
}
