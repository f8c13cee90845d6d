//! `ls`, `order`, `volumes`, `diagnose` and `logs` on the fixture scenarios, workload
//! targets, paging, RBAC and errors — against the real API server, judged by the same golden
//! files as the fake server (so the fake is checked too), and kubectl parity judged by the
//! server's own Table printer.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, OnceLock};

use regex::Regex;
use serde_json::{Value, json};

use crate::support::cli::{Output, sidecar_live};
use crate::support::envtest::{ControlPlane, LOAD_PODS, VIEWER_NS, control_plane};

/// The control plane with the kubelet's logs for these scenarios loaded once.
pub fn plane() -> Option<&'static ControlPlane> {
    static LOGS: OnceLock<()> = OnceLock::new();
    let cp = control_plane()?;
    LOGS.get_or_init(|| {
        let k = &cp.kubelet;
        k.log(
            "shop",
            "cart-5b7d9c6f48-7kq2m",
            "config-reloader",
            true,
            &[
                "2026-11-23T11:58:59.100000000Z cp: copied /config/app.yaml -> /shared/app.yaml",
                "2026-11-23T11:58:59.200000000Z done",
            ],
        );
        k.log(
            "shop",
            "checkout-6d8f9b7c4-q8zpl",
            "metrics-sidecar",
            true,
            &[
                "2026-11-23T09:58:00.000000000Z collecting",
                "2026-11-23T09:59:59.000000000Z fatal error: runtime: out of memory",
            ],
        );
        let agent = "agent-0";
        let ns = "observability";
        k.log(
            ns,
            agent,
            "init-config",
            false,
            &[
                "2026-11-23T10:00:00.100000000Z rendering /etc/agent/config.yaml",
                "2026-11-23T10:00:00.300000000Z config written",
            ],
        );
        k.log(
            ns,
            agent,
            "fluent-bit",
            false,
            &[
                "2026-11-23T10:00:01.000000000Z [info] fluent-bit started",
                "2026-11-23T10:00:02.500000000Z [info] flushed 12 records",
                "2026-11-23T10:00:04.000000000Z [warn] retrying output es",
            ],
        );
        k.log(
            ns,
            agent,
            "prometheus-exporter",
            false,
            &[
                "2026-11-23T10:00:01.000000000Z listening on :9100",
                "2026-11-23T10:00:03.000000000Z scrape ok",
            ],
        );
        k.log(
            ns,
            agent,
            "agent",
            false,
            &[
                "2026-11-23T10:00:01.200000000Z agent starting",
                "2026-11-23T10:00:02.000000000Z connected to collector",
                "2026-11-23T10:00:05.000000000Z heartbeat",
            ],
        );
    });
    Some(cp)
}

pub fn admin(cp: &ControlPlane, args: &[&str]) -> Output {
    sidecar_live(&cp.admin, args)
}

/// A pod's AGE comes from its creationTimestamp, which the server sets; every other time in
/// these outputs comes from the fixtures' statuses and the pinned "now".
fn without_pod_age(text: &str) -> String {
    static AGE: OnceLock<Regex> = OnceLock::new();
    let age = AGE.get_or_init(|| Regex::new(r"(?m)^(\S.*   AGE )\S+$").expect("regex"));
    age.replace_all(text, "${1}<age>").into_owned()
}

/// The output equals the golden file the fake-server tests check (pod ages aside).
fn same_as_golden(golden: &str, actual: &str) {
    let path = format!("{}/tests/golden/{golden}", env!("CARGO_MANIFEST_DIR"));
    let expected = std::fs::read_to_string(&path).expect("golden file");
    assert_eq!(
        without_pod_age(actual),
        without_pod_age(&expected),
        "the real API server's answer differs from {golden}"
    );
}

#[test]
fn ls_of_a_namespace_reads_like_the_fake_server() {
    let Some(cp) = plane() else { return };
    same_as_golden("ls/live-shop.txt", admin(cp, &["ls", "-n", "shop"]).ok());
}

#[test]
fn workload_targets_follow_real_owner_references() {
    let Some(cp) = plane() else { return };
    let cases = [
        (["ls", "-n", "shop", "deploy/web"], "ls/web-logs.txt"),
        (
            ["ls", "-n", "observability", "sts/agent"],
            "ls/agent-native.txt",
        ),
        (
            ["ls", "-n", "batch", "cronjob/nightly-report"],
            "ls/job-sidecar-never-exits.txt",
        ),
        (
            ["ls", "-n", "batch", "job/nightly-report-29384716"],
            "ls/job-sidecar-never-exits.txt",
        ),
    ];
    for (args, golden) in cases {
        same_as_golden(golden, admin(cp, &args).ok());
    }
}

#[test]
fn order_and_volumes_of_live_pods() {
    let Some(cp) = plane() else { return };
    let out = admin(cp, &["order", "-n", "shop", "reviews-v1-5d8c7b9f4-zt6wq"]);
    same_as_golden("order/live-istio-injected.txt", out.ok());
    let out = admin(cp, &["order", "-n", "observability", "agent-0"]);
    same_as_golden("order/agent-native.txt", out.ok());
    let out = admin(cp, &["volumes", "-n", "observability", "agent-0"]);
    same_as_golden("volumes/agent-native.txt", out.ok());
    let out = admin(cp, &["volumes", "-n", "shop", "web-7c9d8b6f5d-x2x4k"]);
    same_as_golden("volumes/web-logs.txt", out.ok());
}

#[test]
fn diagnose_reads_statuses_events_and_previous_logs() {
    let Some(cp) = plane() else { return };
    let out = admin(cp, &["diagnose", "-n", "shop"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    // A control plane without metrics-server: its aggregated API is a plain-text 404, said
    // in one warning line, and nothing else changes.
    assert_eq!(
        out.stderr,
        "warning: read pod metrics in namespace shop: Error from server (404): 404 page not found; usage is unknown (is metrics-server installed, and may you get pods.metrics.k8s.io?)\n"
    );
    same_as_golden("diagnose/shop-live.txt", &out.stdout);
}

#[test]
fn logs_merged_and_previous() {
    let Some(cp) = plane() else { return };
    let out = admin(cp, &["logs", "-n", "observability", "agent-0"]);
    same_as_golden("logs/merged.txt", out.ok());
    let out = admin(
        cp,
        &[
            "logs",
            "-n",
            "shop",
            "checkout-6d8f9b7c4-q8zpl",
            "--previous",
        ],
    );
    same_as_golden("logs/previous.txt", out.ok());
}

/// Held by the tests that page with continue tokens or compact etcd, so a compaction never
/// lands between the pages of another test's listing.
static PAGING: Mutex<()> = Mutex::new(());

#[test]
fn all_namespaces_pages_through_more_than_one_page() {
    let Some(cp) = plane() else { return };
    let _paging = PAGING.lock().unwrap_or_else(|e| e.into_inner());
    let out = admin(cp, &["ls", "-A", "-o", "json"]);
    let parsed: Value = serde_json::from_str(out.ok()).expect("json");
    let pods = parsed["pods"].as_array().expect("pods");
    let in_ns = |ns: &str| pods.iter().filter(|p| p["namespace"] == ns).count();
    assert_eq!(in_ns("load"), LOAD_PODS, "every pod of every page, once");
    assert_eq!(in_ns("shop"), 6);
    assert_eq!(
        in_ns("observability") + in_ns("batch") + in_ns("payments"),
        3
    );
    let names: BTreeSet<(&str, &str)> = pods
        .iter()
        .map(|p| {
            (
                p["namespace"].as_str().unwrap_or(""),
                p["name"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(names.len(), pods.len(), "no pod twice");
}

/// `410 Gone`, reason `Expired`, for a continue token whose revision etcd has compacted, as
/// the fake server answers an injected 410. A fresh server serves continue pages from its
/// watch cache's snapshots for a while, so the token is re-aimed at an early revision.
#[test]
fn an_expired_continue_token_is_410_gone() {
    let Some(cp) = plane() else { return };
    let _paging = PAGING.lock().unwrap_or_else(|e| e.into_inner());
    let first = cp.get_json("/api/v1/namespaces/load/pods?limit=2");
    let token = first["metadata"]["continue"]
        .as_str()
        .expect("continue token");
    let mut decoded: Value = serde_json::from_slice(&base64url_decode(token)).expect("token JSON");
    decoded["rv"] = json!(2);
    let old = base64url_encode(decoded.to_string().as_bytes());
    cp.compact_etcd();
    let gone = cp.get_json(&format!(
        "/api/v1/namespaces/load/pods?limit=2&continue={old}"
    ));
    assert_eq!(gone["kind"], "Status", "{gone}");
    assert_eq!(gone["code"], 410, "{gone}");
    assert_eq!(gone["reason"], "Expired", "{gone}");
    assert!(
        gone["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("The provided continue parameter is too old")),
        "{gone}"
    );
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url_decode(text: &str) -> Vec<u8> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = B64.iter().position(|b| *b == c).expect("base64url") as u32;
        bits = (bits << 6) | v;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[test]
fn namespace_scoped_user_works_in_its_namespace_only() {
    let Some(cp) = plane() else { return };
    let viewer = |args: &[&str]| sidecar_live(&cp.viewer, args);
    let own = viewer(&["ls"]);
    same_as_golden("ls/live-shop.txt", own.ok());

    let err = viewer(&["ls", "-A"]).failed(1).to_string();
    assert!(
        err.contains(
            "Error from server (Forbidden): pods is forbidden: User \"viewer\" cannot list resource \"pods\" in API group \"\" at the cluster scope"
        ),
        "{err}"
    );
    assert!(err.contains("\nhint: "), "{err}");
    assert_eq!(err.lines().count(), 2, "one line and a hint: {err}");

    // Events are denied: the findings come from the statuses, with a warning.
    let out = viewer(&["diagnose", "--fail-on", "never"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("events"), "{}", out.stderr);
    assert!(
        out.stdout
            .contains("CRITICAL  crash-loop  shop/cart-5b7d9c6f48-7kq2m"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("WARNING   oom-killed  shop/checkout-6d8f9b7c4-q8zpl")
    );
    assert!(!out.stdout.contains("evidence: event "), "{}", out.stdout);

    let err = viewer(&["ls", "-n", "batch"]).failed(1).to_string();
    assert!(err.contains("Forbidden"), "{err}");
    assert_eq!(VIEWER_NS, "shop");
}

#[test]
fn not_found_is_one_line_with_a_hint() {
    let Some(cp) = plane() else { return };
    let out = admin(cp, &["ls", "-n", "shop", "nope"]);
    let err = out.failed(1);
    assert!(
        err.starts_with("error: get pod nope in namespace shop: Error from server (NotFound): pods \"nope\" not found\nhint: "),
        "{err}"
    );
    let out = admin(cp, &["ls", "-n", "shop", "deploy/nope"]);
    assert!(
        out.failed(1)
            .contains("deployments.apps \"nope\" not found")
    );
}

/// Pods beyond the fixtures whose STATUS depends on the printer's version: read back from
/// the server, they must print as its Table says.
fn printer_probes(cp: &ControlPlane) {
    let done = json!({"terminated": {"exitCode": 0, "reason": "Completed",
        "startedAt": "2026-11-23T10:00:00Z", "finishedAt": "2026-11-23T10:05:00Z"}});
    let killed = json!({"terminated": {"exitCode": 143, "reason": "Error",
        "startedAt": "2026-11-23T10:00:00Z", "finishedAt": "2026-11-23T10:05:01Z"}});
    let running = json!({"running": {"startedAt": "2026-11-23T10:00:00Z"}});
    let status = |name: &str, state: &Value, ready: bool| {
        json!({"name": name, "image": "img", "imageID": "", "ready": ready, "restartCount": 0,
               "started": state.get("running").is_some(), "state": state})
    };
    // (name, main, sidecar, native sidecar?, Ready condition)
    let probes = [
        ("job-classic-sidecar-143", &done, &killed, false, "False"),
        (
            "job-classic-sidecar-running",
            &done,
            &running,
            false,
            "False",
        ),
        ("job-classic-sidecar-done", &done, &done, false, "False"),
        ("job-native-sidecar-143", &done, &killed, true, "False"),
        ("web-main-143-sidecar-up", &killed, &running, false, "False"),
    ];
    let pods = probes
        .iter()
        .map(|(name, _, _, native, _)| {
            let sidecar = json!({"name": "proxy", "image": "img"});
            let mut spec = json!({"nodeName": "worker-1", "restartPolicy": "Never",
                                  "containers": [{"name": "main", "image": "img"}]});
            if *native {
                let mut s = sidecar.clone();
                s["restartPolicy"] = json!("Always");
                spec["initContainers"] = json!([s]);
            } else {
                spec["containers"]
                    .as_array_mut()
                    .expect("list")
                    .push(sidecar);
            }
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": name, "namespace": "probe"}, "spec": spec})
        })
        .collect();
    cp.create(pods);
    for (name, main, sidecar, native, ready) in probes {
        let mut st = json!({"phase": "Running", "conditions": [
            {"type": "Initialized", "status": "True"}, {"type": "Ready", "status": ready}]});
        let side = status("proxy", sidecar, sidecar.get("running").is_some());
        if native {
            st["initContainerStatuses"] = json!([side]);
            st["containerStatuses"] = json!([status("main", main, false)]);
        } else {
            st["containerStatuses"] = json!([status("main", main, false), side]);
        }
        cp.set_status("pod", Some("probe"), name, &st);
    }
}

#[test]
fn ready_status_and_restarts_match_the_servers_table() {
    let Some(cp) = plane() else { return };
    printer_probes(cp);
    let mut compared = 0;
    let mut differences = Vec::new();
    for ns in [
        "shop",
        "observability",
        "batch",
        "payments",
        "probe",
        "load",
    ] {
        let table = cp.pod_table(ns);
        let out = admin(cp, &["ls", "-n", ns, "-o", "json"]);
        let parsed: Value = serde_json::from_str(out.ok()).expect("json");
        let ours: BTreeMap<String, (String, String, u32)> = parsed["pods"]
            .as_array()
            .expect("pods")
            .iter()
            .map(|p| {
                let name = p["name"].as_str().unwrap_or("").to_string();
                let ready = format!("{}/{}", p["ready"], p["total"]);
                let status = p["status"].as_str().unwrap_or("").to_string();
                let restarts = p["restarts"].as_u64().unwrap_or(0) as u32;
                (name, (ready, status, restarts))
            })
            .collect();
        assert_eq!(
            ours.keys().collect::<BTreeSet<_>>(),
            table.keys().collect::<BTreeSet<_>>(),
            "pods of {ns}"
        );
        for (name, row) in &table {
            compared += 1;
            if ours[name] != *row {
                differences.push(format!(
                    "{ns}/{name}: server {row:?}, ours {:?}",
                    ours[name]
                ));
            }
        }
    }
    assert!(compared >= 14, "compared {compared} pods");
    assert!(differences.is_empty(), "{differences:#?}");
}
