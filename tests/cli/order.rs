//! `order` end to end: golden table and JSON output offline on pod fixtures and manifests,
//! the same output live through the fake API server (GET requests only), container
//! filtering, color, and timeline scaling to the terminal width.

use serde_json::Value;

use crate::support::cli::{
    Output, cluster_fixture, command, fake_cluster, fixture, run_command, sidecar, sidecar_live,
    temp_dir,
};
use crate::support::fake_api::FakeApi;
use crate::support::golden::assert_golden;

/// A pod fixture: its path and the golden name of its output.
struct PodFixture {
    path: String,
    golden: &'static str,
    /// Every finding expected, as (rule, severity, container).
    findings: &'static [(&'static str, &'static str, &'static str)],
}

fn pod_fixtures() -> Vec<PodFixture> {
    let cluster = |file: &str| cluster_fixture(file);
    let order = |file: &str| fixture(&format!("order/{file}"));
    vec![
        PodFixture {
            path: cluster("agent-native.json"),
            golden: "agent-native",
            findings: &[("startup-order", "info", "prometheus-exporter")],
        },
        PodFixture {
            path: cluster("init-stuck.json"),
            golden: "init-stuck",
            findings: &[("init-blocked", "critical", "migrate")],
        },
        PodFixture {
            path: cluster("istio-injected.json"),
            golden: "istio-injected",
            findings: &[
                ("startup-order", "warning", "istio-proxy"),
                ("shutdown-order", "info", "istio-proxy"),
            ],
        },
        PodFixture {
            path: cluster("oom-native-sidecar.json"),
            golden: "oom-native-sidecar",
            findings: &[("startup-order", "info", "metrics-sidecar")],
        },
        PodFixture {
            path: cluster("job-sidecar-never-exits.json"),
            golden: "job-sidecar-never-exits",
            // The Job never completing is diagnose's job-sidecar-never-exits, not ours.
            findings: &[("startup-order", "warning", "cloud-sql-proxy")],
        },
        PodFixture {
            path: order("native-startup-stuck.json"),
            golden: "native-startup-stuck",
            findings: &[("init-blocked", "critical", "istio-proxy")],
        },
        PodFixture {
            path: order("sidecar-as-init-stripped.json"),
            golden: "sidecar-as-init-stripped",
            findings: &[
                ("init-blocked", "critical", "cloud-sql-proxy"),
                ("sidecar-as-init", "critical", "cloud-sql-proxy"),
            ],
        },
        PodFixture {
            path: order("prestop-over-grace.json"),
            golden: "prestop-over-grace",
            findings: &[
                ("shutdown-order", "info", "storefront"),
                ("startup-order", "info", "fluent-bit"),
                ("shutdown-order", "info", "fluent-bit"),
            ],
        },
        PodFixture {
            path: order("linkerd-classic-await.json"),
            golden: "linkerd-classic-await",
            // linkerd-await holds the app: no start-up hazard.
            findings: &[("shutdown-order", "info", "linkerd-proxy")],
        },
        PodFixture {
            path: order("vault-native-no-startup-probe.json"),
            golden: "vault-native-no-startup-probe",
            findings: &[("startup-order", "warning", "vault-agent")],
        },
    ]
}

fn json(out: &Output) -> Value {
    serde_json::from_str(out.ok()).expect("valid JSON")
}

/// (rule, severity, container) of one finding in the JSON report.
type Found = (String, String, String);

fn findings_of(pod: &Value) -> Vec<Found> {
    pod["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap_or_default().to_string();
            (text("rule"), text("severity"), text("container"))
        })
        .collect()
}

/// Text without ANSI color sequences.
fn strip_ansi(text: &str) -> String {
    regex::Regex::new("\u{1b}\\[[0-9;]*m")
        .unwrap()
        .replace_all(text, "")
        .into_owned()
}

// ---------------------------------------------------------------- offline: golden output

#[test]
fn order_table_of_every_pod_fixture() {
    for f in pod_fixtures() {
        let out = sidecar(&["order", "-f", &f.path, "--color", "never"]);
        assert_golden(&format!("order/{}.txt", f.golden), out.ok());
        assert_eq!(out.stderr, "", "{}", f.path);
    }
}

#[test]
fn order_json_of_every_pod_fixture() {
    for f in pod_fixtures() {
        let out = sidecar(&["order", "-f", &f.path, "-o", "json"]);
        assert_golden(&format!("order/{}.json", f.golden), out.ok());
        let report = json(&out);
        assert_eq!(report["apiVersion"], "kubectl-sidecar/v1");
        assert_eq!(report["kind"], "OrderReport");
        let pod = &report["pods"][0];
        assert_eq!(pod["specOnly"], false, "{}", f.path);
        assert!(pod["timeline"]["startTime"].is_string(), "{}", f.path);
        let expected: Vec<Found> = f
            .findings
            .iter()
            .map(|(r, s, c)| (r.to_string(), s.to_string(), c.to_string()))
            .collect();
        assert_eq!(findings_of(pod), expected, "{}", f.path);
    }
}

#[test]
fn every_hazard_rule_has_a_triggering_fixture() {
    let mut seen = std::collections::BTreeSet::new();
    for f in pod_fixtures() {
        for (rule, _, _) in f.findings {
            seen.insert(*rule);
        }
    }
    let all = [
        "init-blocked",
        "shutdown-order",
        "sidecar-as-init",
        "startup-order",
    ];
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), all);
}

#[test]
fn timeline_numbers_are_offsets_from_pod_start() {
    let out = sidecar(&[
        "order",
        "-f",
        &fixture("order/native-startup-stuck.json"),
        "-o",
        "json",
    ]);
    let pod = &json(&out)["pods"][0];
    assert_eq!(pod["status"], "Init:1/2");
    let declared = &pod["declared"][1];
    assert_eq!(declared["container"], "istio-proxy");
    assert_eq!(declared["gate"]["kind"], "startupProbe");
    assert_eq!(declared["gate"]["budgetSeconds"], 600);
    let timeline = &pod["timeline"];
    assert_eq!(timeline["startTime"], "2026-11-23T11:40:00Z");
    assert_eq!(timeline["endOffsetSeconds"], 616);
    let proxy = &timeline["containers"][1];
    assert_eq!(proxy["started"], false);
    assert_eq!(proxy["runs"][0]["run"], "previous");
    assert_eq!(proxy["runs"][0]["startedOffsetSeconds"], 4);
    assert_eq!(proxy["runs"][0]["finishedOffsetSeconds"], 605);
    assert_eq!(proxy["runs"][0]["exitCode"], 137);
    assert_eq!(proxy["runs"][1]["startedAt"], "2026-11-23T11:50:16Z");
    assert_eq!(proxy["runs"][1]["running"], true);
    // Not yet started: no made-up times.
    let app = &timeline["containers"][2];
    assert_eq!(app["state"], "waiting");
    assert_eq!(app["runs"], serde_json::json!([]));
    let shutdown = &pod["shutdown"];
    assert_eq!(shutdown["gracePeriodSeconds"], 30);
    assert_eq!(
        shutdown["steps"][1]["containers"][0]["container"],
        "istio-proxy"
    );
    assert_eq!(
        shutdown["steps"][1]["containers"][0]["preStop"]["detail"],
        "pilot-agent request --debug-port=15020 POST drain"
    );
}

#[test]
fn manifests_show_the_declared_order_and_spec_hazards() {
    for (file, golden) in [
        ("files/multi-doc.yaml", "multi-doc"),
        ("files/workloads.yaml", "workloads"),
        ("files/pod-no-status.yaml", "pod-no-status"),
    ] {
        let table = sidecar(&["order", "-f", &fixture(file)]);
        assert_golden(&format!("order/{golden}.txt"), table.ok());
        let out = sidecar(&["order", "-f", &fixture(file), "-o", "json"]);
        assert_golden(&format!("order/{golden}.json"), out.ok());
        for pod in json(&out)["pods"].as_array().unwrap() {
            assert_eq!(pod["specOnly"], true, "{file}");
            assert!(pod.get("timeline").is_none(), "{file}: {pod}");
            assert!(pod.get("status").is_none(), "{file}: {pod}");
        }
    }
    // Skipped documents are reported like ls does, on stderr.
    let out = sidecar(&["order", "-f", &fixture("files/multi-doc.yaml")]);
    let warnings: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(warnings.len(), 2, "{}", out.stderr);
    assert!(warnings.iter().all(|w| w.starts_with("warning: ")));
}

#[test]
fn workload_templates_name_their_hazards() {
    let out = sidecar(&[
        "order",
        "-f",
        &fixture("files/workloads.yaml"),
        "-o",
        "json",
    ]);
    let report = json(&out);
    let by_name: Vec<(String, Vec<Found>)> = report["pods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_string(), findings_of(p)))
        .collect();
    let expect = |name: &str| {
        by_name
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f.clone())
            .unwrap_or_else(|| panic!("no pod {name}"))
    };
    // A native cloud-sql-proxy with a startupProbe in a Job: nothing to say.
    assert_eq!(expect("db-backup"), vec![]);
    // A classic one in a CronJob: the start-up race (info: no timeline shows it yet), but
    // not the never-ending Job.
    assert_eq!(
        expect("nightly-export"),
        vec![(
            "startup-order".to_string(),
            "info".to_string(),
            "cloud-sql-proxy".to_string()
        )]
    );
    // fluent-bit is the app of a log collector, not a sidecar of config-reloader.
    assert_eq!(expect("log-collector"), vec![]);
}

#[test]
fn yaml_output_has_the_same_schema() {
    let out = sidecar(&[
        "order",
        "-f",
        &cluster_fixture("agent-native.json"),
        "-o",
        "yaml",
    ]);
    let text = out.ok();
    assert!(
        text.starts_with("apiVersion: kubectl-sidecar/v1\nkind: OrderReport\n"),
        "{text}"
    );
    assert!(text.contains("budgetSeconds: 60"), "{text}");
    assert!(text.contains("rule: startup-order"), "{text}");
}

#[test]
fn container_filter_narrows_every_section() {
    let file = fixture("order/native-startup-stuck.json");
    let out = sidecar(&["order", "-f", &file, "-c", "^istio", "-o", "json"]);
    let pod = &json(&out)["pods"][0];
    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|s| s["container"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&pod["declared"]), ["istio-init", "istio-proxy"]);
    assert_eq!(
        names(&pod["timeline"]["containers"]),
        ["istio-init", "istio-proxy"]
    );
    assert_eq!(pod["shutdown"]["steps"].as_array().unwrap().len(), 1);
    assert_eq!(findings_of(pod).len(), 1);
    // Step numbers stay those of the whole pod.
    assert_eq!(pod["declared"][1]["step"], 2);

    let out = sidecar(&["order", "-f", &file, "-c", "^payments"]);
    let text = out.ok();
    assert!(text.contains("HAZARDS   none found"), "{text}");

    let none = sidecar(&["order", "-f", &file, "-c", "nothing-matches"]);
    assert_eq!(none.ok(), "");
    assert_eq!(
        none.stderr,
        "no container of the 1 selected pod matches -c/--container\n"
    );
}

#[test]
fn hazards_do_not_change_the_exit_code_and_errors_do() {
    let out = sidecar(&[
        "order",
        "-f",
        &fixture("order/sidecar-as-init-stripped.json"),
    ]);
    assert!(out.ok().contains("critical  sidecar-as-init"));
    let missing = sidecar(&[
        "order",
        "-f",
        &fixture("order/prestop-over-grace.json"),
        "nope",
    ]);
    assert!(
        missing
            .failed(1)
            .contains("pod/nope not found in the given files")
    );
    let bad = sidecar(&["order", "-f", &fixture("order"), "-c", "("]);
    assert!(bad.failed(2).contains("-c/--container"));
}

#[test]
fn color_is_emphasis_only() {
    let file = fixture("order/prestop-over-grace.json");
    let plain = sidecar(&["order", "-f", &file, "--color", "never"]);
    let colored = sidecar(&["order", "-f", &file, "--color", "always"]);
    assert!(!plain.ok().contains('\u{1b}'));
    assert!(colored.ok().contains("\u{1b}["));
    assert_eq!(strip_ansi(&colored.stdout), plain.stdout);
}

#[test]
fn several_pods_from_a_directory_are_separated_by_blank_lines() {
    let out = sidecar(&["order", "-f", &fixture("order"), "-A"]);
    let lines: Vec<&str> = out.ok().lines().collect();
    // Pod header lines are the only unindented lines with READY.
    let headers: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].starts_with(' ') && lines[i].contains("   READY "))
        .collect();
    assert_eq!(headers.len(), 5, "{}", out.stdout);
    assert_eq!(headers[0], 0);
    for &i in &headers[1..] {
        assert_eq!(lines[i - 1], "", "line {i}: {}", lines[i]);
    }
}

// ---------------------------------------------------------------- timeline width

/// The bar lines of the first timeline (`  NAME  |…|`).
fn bar_lines(text: &str) -> Vec<&str> {
    text.lines()
        .skip_while(|l| !l.starts_with("TIMELINE"))
        .skip(1)
        .take_while(|l| l.ends_with('|'))
        .collect()
}

#[test]
fn timeline_fills_the_default_width_of_100() {
    let out = sidecar(&["order", "-f", &cluster_fixture("agent-native.json")]);
    let lines = bar_lines(out.ok());
    assert_eq!(lines.len(), 5, "{}", out.stdout);
    for line in lines {
        assert_eq!(line.chars().count(), 100, "{line:?}");
    }
}

#[test]
fn timeline_scales_to_columns() {
    let mut cmd = command(crate::support::cli::BIN);
    cmd.env("COLUMNS", "60")
        .args(["order", "-f", &cluster_fixture("agent-native.json")]);
    let out = run_command(cmd, None);
    assert_golden("order/agent-native-60-columns.txt", out.ok());
    let lines = bar_lines(&out.stdout);
    assert_eq!(lines.len(), 5, "{}", out.stdout);
    for line in lines {
        assert_eq!(line.chars().count(), 60, "{line:?}");
    }
}

// ---------------------------------------------------------------- live: fake API server

#[test]
fn live_pod_matches_offline_output_with_get_requests_only() {
    let api = fake_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let live = sidecar_live(&kubeconfig, &["order", "reviews-v1-5d8c7b9f4-zt6wq"]);
    let offline = sidecar(&["order", "-f", &cluster_fixture("istio-injected.json")]);
    assert_eq!(live.ok(), offline.ok());
    assert_golden("order/live-istio-injected.txt", &live.stdout);
    assert_eq!(live.stderr, "");

    let requests = api.requests();
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:?}");
    assert!(
        requests
            .iter()
            .any(|r| r.path == "/api/v1/namespaces/shop/pods/reviews-v1-5d8c7b9f4-zt6wq"),
        "{requests:?}"
    );
}

#[test]
fn live_namespace_of_order_fixtures_matches_offline_json() {
    let api = FakeApi::builder().fixtures_dir(fixture("order")).start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), None);
    let live = sidecar_live(&kubeconfig, &["order", "-n", "payments", "-o", "json"]);
    let offline = sidecar(&[
        "order",
        "-f",
        &fixture("order/native-startup-stuck.json"),
        "-o",
        "json",
    ]);
    assert_eq!(live.ok(), offline.ok());
    let requests = api.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:?}");
    assert!(
        requests
            .iter()
            .any(|r| r.path == "/api/v1/namespaces/payments/pods"),
        "{requests:?}"
    );
}
