//! Per-pod verdicts end to end: Job pods failed by their main container or by a classic
//! sidecar's SIGTERM exit, native sidecars holding the pod in Init (a failing startupProbe, a
//! crash loop without one), each next to its healthy twin; offline and through the fake API
//! server, table and JSON.

use crate::support::cli::{fixture, sidecar, sidecar_live, temp_dir};
use crate::support::fake_api::FakeApi;
use crate::support::golden::assert_golden;

/// Broken pods and their healthy twins, in listing order.
const PODS: &[&str] = &[
    "job-main-failed-native-proxy.json",
    "job-succeeded-native-proxy-143.json",
    "job-classic-proxy-sigterm-143.json",
    "job-classic-proxy-exit-zero.json",
    "native-envoy-startup-probe-failing.json",
    "native-envoy-started.json",
    "native-vault-agent-crashloop.json",
    "native-vault-agent-running.json",
];

fn offline(extra: &[&str]) -> crate::support::cli::Output {
    let mut args = vec!["diagnose".to_string()];
    for file in PODS {
        args.push("-f".into());
        args.push(fixture(&format!("verdict/{file}")));
    }
    args.push("-f".into());
    args.push(fixture("verdict/events"));
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    sidecar(&args)
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("valid JSON")
}

/// `(pod, outcome, blamed container, cause rule)` of every pod entry with a verdict.
fn verdicts(report: &serde_json::Value) -> Vec<(String, String, String, String)> {
    report["pods"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p.get("verdict").is_some())
        .map(|p| {
            let v = &p["verdict"];
            let s = |x: &serde_json::Value| x.as_str().unwrap_or("-").to_string();
            (
                s(&p["pod"]),
                s(&v["outcome"]),
                s(&v["container"]),
                s(&v["rule"]),
            )
        })
        .collect()
}

fn expected_verdicts() -> Vec<(String, String, String, String)> {
    [
        (
            "db-migrate-29385110-4kq8t",
            "failed",
            "migrate",
            "pod-failed",
        ),
        (
            "invoice-report-29385100-7d2xw",
            "failed",
            "cloud-sql-proxy",
            "sidecar-failed-pod",
        ),
        (
            "orders-7b9f6c4d8-h5s9k",
            "stuck-in-init",
            "vault-agent",
            "crash-loop",
        ),
        (
            "payments-6f7c9d8b5-r8wzt",
            "stuck-in-init",
            "envoy",
            "init-blocked",
        ),
    ]
    .iter()
    .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
    .collect()
}

#[test]
fn offline_verdicts_golden_table_and_json() {
    let out = offline(&[]);
    assert_eq!(out.code, 3, "critical findings exit 3: {}", out.stderr);
    assert_eq!(out.stderr, "");
    assert_golden("diagnose/verdicts-offline.txt", &out.stdout);
    // The headline comes before the pod's findings and names the container to blame.
    let failed = out
        .stdout
        .find("POD FAILED     billing/invoice-report-29385100-7d2xw")
        .expect("headline");
    let finding = out
        .stdout
        .find("CRITICAL  sidecar-failed-pod  billing/invoice-report-29385100-7d2xw")
        .expect("finding");
    assert!(failed < finding);

    let out = offline(&["-o", "json"]);
    assert_eq!(out.code, 3);
    assert_golden("diagnose/verdicts-offline.json", &out.stdout);
    let report = json(&out.stdout);
    assert_eq!(report["apiVersion"], "kubectl-sidecar/v1");
    assert_eq!(verdicts(&report), expected_verdicts());
    // The healthy twins: a native sidecar's 143 in a Succeeded Job pod, a started envoy.
    let healthy: Vec<&str> = report["healthy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["pod"].as_str().unwrap())
        .collect();
    assert_eq!(
        healthy,
        vec!["db-migrate-29385050-x2m7c", "payments-6f7c9d8b5-m4c2j"]
    );
    // The other twins have hygiene findings only: no verdict, nothing above info.
    for twin in ["invoice-report-29385040-q9v4n", "orders-7b9f6c4d8-w2p6x"] {
        let entry = report["pods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["pod"] == twin)
            .expect("listed with its hygiene findings");
        assert!(entry.get("verdict").is_none(), "{twin}");
        assert!(
            report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["pod"] == twin)
                .all(|f| f["severity"] == "info"),
            "{twin}"
        );
    }
    // A consequence names its cause and carries no fix.
    let not_ready = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "sidecar-not-ready")
        .expect("sidecar-not-ready");
    assert_eq!(not_ready["causedBy"], "init-blocked");
    assert!(not_ready.get("fix").is_none());
}

#[test]
fn severity_filter_hides_hygiene_but_never_a_down_pod() {
    let out = offline(&["--severity", "critical", "--fail-on", "never"]);
    let text = out.ok();
    assert!(text.contains("POD FAILED     billing/db-migrate-29385110-4kq8t"));
    assert!(!text.contains("INFO "), "{text}");
    // Twins with hygiene findings only are healthy at this level.
    assert!(text.contains("OK        billing/invoice-report-29385040-q9v4n"));
}

#[test]
fn live_verdicts_golden_table_and_json() {
    let api = FakeApi::builder().fixtures_dir(fixture("verdict")).start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("billing"));
    let out = sidecar_live(&kubeconfig, &["diagnose", "-A"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    assert_golden("diagnose/verdicts-live.txt", &out.stdout);

    let out = sidecar_live(&kubeconfig, &["diagnose", "-A", "-o", "json"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_golden("diagnose/verdicts-live.json", &out.stdout);
    let report = json(&out.stdout);
    assert_eq!(verdicts(&report), expected_verdicts());
    // Live, the startup probe's Unhealthy events are evidence of the consequence.
    assert!(
        out.stdout
            .contains("event Unhealthy x24: Startup probe failed")
    );
    assert!(api.requests().iter().all(|r| r.method == "GET"));
}
