//! `ls` end to end: offline on files and live against the fake API server, with golden files
//! of whole command output; also the behaviour every subcommand shares (errors, color, exit
//! codes, plugin dispatch).

use std::io::Read;
use std::process::Stdio;

use crate::support::cli::{
    BIN, cluster_fixture, command, fake_cluster, fixture, run_command, sidecar, sidecar_live,
    sidecar_stdin, temp_dir,
};
use crate::support::fake_api::FakeApi;
use crate::support::golden::assert_golden;

/// The pod fixtures, each with the golden name of its `ls` output.
const POD_FIXTURES: &[(&str, &str)] = &[
    ("web-logs.json", "web-logs"),
    ("agent-native.json", "agent-native"),
    ("init-stuck.json", "init-stuck"),
    ("oom-native-sidecar.json", "oom-native-sidecar"),
    ("evicted.json", "evicted"),
    ("crashloop-exit0-sidecar.json", "crashloop-exit0-sidecar"),
    ("job-sidecar-never-exits.json", "job-sidecar-never-exits"),
    ("istio-injected.json", "istio-injected"),
    ("image-pull.json", "image-pull"),
];

// ---------------------------------------------------------------- offline: golden output

#[test]
fn ls_table_of_every_pod_fixture() {
    for (file, name) in POD_FIXTURES {
        let out = sidecar(&["ls", "-f", &cluster_fixture(file), "--color", "never"]);
        assert_golden(&format!("ls/{name}.txt"), out.ok());
        assert_eq!(out.stderr, "", "{file}");
    }
}

#[test]
fn ls_wide_adds_image_resources_and_ports() {
    let out = sidecar(&[
        "ls",
        "-f",
        &cluster_fixture("oom-native-sidecar.json"),
        "-f",
        &cluster_fixture("agent-native.json"),
        "-o",
        "wide",
    ]);
    assert_golden("ls/wide.txt", out.ok());
}

#[test]
fn ls_json_and_yaml_schema() {
    let out = sidecar(&[
        "ls",
        "-f",
        &cluster_fixture("oom-native-sidecar.json"),
        "-f",
        &cluster_fixture("evicted.json"),
        "-o",
        "json",
    ]);
    let text = out.ok();
    assert_golden("ls/oom-and-evicted.json", text);
    let parsed: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
    assert_eq!(parsed["apiVersion"], "kubectl-sidecar/v1");
    let native = &parsed["pods"][0]["containers"][0];
    assert_eq!(native["role"], "native-sidecar");
    assert_eq!(native["status"]["lastTermination"]["reason"], "OOMKilled");
    assert_eq!(native["status"]["lastTermination"]["signalName"], "SIGKILL");

    let out = sidecar(&[
        "ls",
        "-f",
        &cluster_fixture("agent-native.json"),
        "-o",
        "yaml",
    ]);
    assert_golden("ls/agent-native.yaml", out.ok());
}

#[test]
fn kubectl_list_dumps_in_json_and_yaml_read_the_same() {
    let json = sidecar(&["ls", "-f", &fixture("files/pods-list.json")]);
    let yaml = sidecar(&["ls", "-f", &fixture("files/pods-list.yaml")]);
    assert_golden("ls/pods-list.txt", json.ok());
    assert_eq!(json.stdout, yaml.ok());
}

#[test]
fn manifests_become_spec_only_pods_and_unknown_kinds_are_skipped() {
    let out = sidecar(&["ls", "-f", &fixture("files/multi-doc.yaml")]);
    assert_golden("ls/multi-doc.txt", out.ok());
    let warnings: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(warnings.len(), 2, "{}", out.stderr);
    assert!(warnings[0].starts_with("warning: ") && warnings[0].contains("multi-doc.yaml"));
    assert!(warnings[0].contains("skipping Service"));
    assert!(warnings[1].contains("skipping ConfigMap"));

    let out = sidecar(&["ls", "-f", &fixture("files/workloads.yaml")]);
    assert_golden("ls/workloads.txt", out.ok());
    let out = sidecar(&["ls", "-f", &fixture("files/pod-no-status.yaml")]);
    assert_golden("ls/pod-no-status.txt", out.ok());
}

#[test]
fn stdin_reads_like_a_file() {
    let text = std::fs::read_to_string(fixture("files/pods-list.yaml")).unwrap();
    let out = sidecar_stdin(&["ls", "-f", "-"], &text);
    let from_file = sidecar(&["ls", "-f", &fixture("files/pods-list.yaml")]);
    assert_eq!(out.ok(), from_file.ok());
}

#[test]
fn directory_reads_every_manifest_in_name_order() {
    let out = sidecar(&["ls", "-f", &fixture("cluster"), "--only-problems"]);
    assert_golden("ls/cluster-dir-only-problems.txt", out.ok());
    // Event objects in the directory are not pods: none are there (events/ is a subdirectory).
    assert_eq!(out.stderr, "");
}

#[test]
fn only_problems_hides_healthy_pods_and_containers() {
    let out = sidecar(&[
        "ls",
        "-f",
        &cluster_fixture("agent-native.json"),
        "-f",
        &cluster_fixture("oom-native-sidecar.json"),
        "--only-problems",
    ]);
    let text = out.ok();
    assert!(!text.contains("agent-0"), "{text}");
    assert!(text.contains("metrics-sidecar"), "{text}");
    assert!(!text.contains("  checkout "), "{text}");

    let out = sidecar(&[
        "ls",
        "-f",
        &cluster_fixture("agent-native.json"),
        "--only-problems",
    ]);
    assert_eq!(out.ok(), "");
    assert_eq!(out.stderr, "no problems found in 1 pod\n");
}

#[test]
fn container_filter_keeps_matching_containers() {
    let out = sidecar(&[
        "ls",
        "-f",
        &cluster_fixture("agent-native.json"),
        "-c",
        "^(fluent|prom)",
        "-o",
        "json",
    ]);
    let parsed: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    let names: Vec<&str> = parsed["pods"][0]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["fluent-bit", "prometheus-exporter"]);
}

#[test]
fn targets_and_selectors_work_offline() {
    let dump = fixture("files/pods-list.json");
    let out = sidecar(&["ls", "-f", &dump, "cart-5b7d9c6f48-7kq2m", "-o", "json"]);
    let parsed: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    assert_eq!(parsed["pods"].as_array().unwrap().len(), 1);

    let out = sidecar(&["ls", "-f", &dump, "-l", "app=web", "-o", "json"]);
    let parsed: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    assert_eq!(parsed["pods"][0]["name"], "web-7c9d8b6f5d-x2x4k");

    let out = sidecar(&["ls", "-f", &dump, "nope"]);
    assert!(
        out.failed(1)
            .contains("pod/nope not found in the given files")
    );
}

#[test]
fn color_is_opt_in_off_a_terminal_and_never_the_only_signal() {
    let file = cluster_fixture("oom-native-sidecar.json");
    let plain = sidecar(&["ls", "-f", &file]);
    assert!(!plain.ok().contains('\u{1b}'));
    let colored = sidecar(&["ls", "-f", &file, "--color", "always"]);
    assert!(colored.ok().contains("\u{1b}["));
    // The problem marker is text, so nothing is lost without color.
    assert!(
        plain
            .stdout
            .lines()
            .any(|l| l.starts_with("! metrics-sidecar"))
    );

    let mut cmd = command(BIN);
    cmd.args(["ls", "-f", &file, "--color", "auto"])
        .env("NO_COLOR", "1");
    assert!(!run_command(cmd, None).ok().contains('\u{1b}'));
}

#[test]
fn help_reads_kubectl_sidecar() {
    let out = sidecar(&["ls", "--help"]);
    let text = out.ok();
    assert!(text.contains("Usage: kubectl sidecar ls"), "{text}");
    assert!(text.contains("kubectl sidecar ls -f pods.json"));
    let version = sidecar(&["--version"]);
    assert!(version.ok().starts_with("kubectl-sidecar "));
}

// ---------------------------------------------------------------- offline: bad input

#[test]
fn malformed_yaml_names_file_and_line() {
    let out = sidecar(&["ls", "-f", &fixture("files/malformed.yaml")]);
    let err = out.failed(1);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("malformed.yaml:7:"), "{err}");
    assert!(err.contains("invalid YAML"), "{err}");
    assert!(err.contains("\nhint: "), "{err}");
    assert_eq!(err.lines().count(), 2, "one error line and one hint: {err}");
}

#[test]
fn malformed_json_names_file_and_line() {
    let out = sidecar(&["ls", "-f", &fixture("files/malformed.json")]);
    let err = out.failed(1);
    assert!(err.contains("malformed.json:6:"), "{err}");
    assert!(err.contains("invalid JSON"), "{err}");
}

#[test]
fn empty_stdin_and_missing_files_are_clear_errors() {
    let out = sidecar_stdin(&["ls", "-f", "-"], "");
    assert!(
        out.failed(1)
            .starts_with("error: <stdin>: no Kubernetes objects found")
    );

    let out = sidecar(&["ls", "-f", "does/not/exist.yaml"]);
    assert!(out.failed(1).contains("cannot read does/not/exist.yaml"));

    let out = sidecar_stdin(
        &["ls", "-f", "-"],
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n",
    );
    let err = out.failed(1);
    assert!(
        err.contains("no pods or workloads found in <stdin> (skipped Service \"web\")"),
        "{err}"
    );

    let out = sidecar_stdin(&["ls", "-f", "-"], "\u{0}\u{1}binary");
    out.failed(1);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["ls", "-o", "xml"][..],
        &["ls", "-A", "web-0"],
        &["ls", "svc/web"],
        &["ls", "-c", "("],
        &["ls", "-l", "app in (a"],
        &["ls", "--request-timeout", "soon"],
        &["ls", "web-0", "-l", "app=web"],
        &["frobnicate"],
    ] {
        let out = sidecar(args);
        out.failed(2);
        assert!(out.stderr.contains("error"), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn closed_pipe_is_not_an_error() {
    // Enough output to fill the pipe: a List of 400 pods.
    let pod: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(cluster_fixture("agent-native.json")).unwrap(),
    )
    .unwrap();
    let items: Vec<serde_json::Value> = (0..400)
        .map(|i| {
            let mut p = pod.clone();
            p["metadata"]["name"] = format!("agent-{i}").into();
            p
        })
        .collect();
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
    let dir = temp_dir("pipe");
    let path = dir.join("many.json");
    std::fs::write(&path, list.to_string()).unwrap();

    let mut cmd = command(BIN);
    cmd.args(["ls", "-f", path.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "");
}

// ---------------------------------------------------------------- live: fake API server

#[test]
fn live_namespace_listing_matches_offline_output() {
    let api = fake_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let live = sidecar_live(&kubeconfig, &["ls"]);
    // The server lists by name; give the files in the same order.
    let files = [
        "crashloop-exit0-sidecar.json",
        "oom-native-sidecar.json",
        "evicted.json",
        "istio-injected.json",
        "image-pull.json",
        "web-logs.json",
    ];
    let mut args = vec!["ls".to_string()];
    for f in files {
        args.push("-f".into());
        args.push(cluster_fixture(f));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let offline = sidecar(&args);
    assert_eq!(live.ok(), offline.ok());
    assert_golden("ls/live-shop.txt", &live.stdout);

    let requests = api.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:?}");
    let list = requests
        .iter()
        .find(|r| r.path == "/api/v1/namespaces/shop/pods")
        .expect("listed pods in the context's namespace");
    assert_eq!(list.query_value("limit"), Some("500"));
    assert_eq!(list.authorization.as_deref(), Some("Bearer fake-token"));
}

#[test]
fn live_all_namespaces_follows_continue_tokens() {
    let api = FakeApi::builder()
        .fixtures_dir(fixture("cluster"))
        .max_page_size(4)
        .start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), None);
    let out = sidecar_live(&kubeconfig, &["ls", "-A", "-o", "json"]);
    let parsed: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    assert_eq!(parsed["pods"].as_array().unwrap().len(), POD_FIXTURES.len());

    let pages: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/pods")
        .collect();
    assert_eq!(pages.len(), 3, "9 pods at 4 per page: {pages:?}");
    assert_eq!(pages[0].query_value("continue"), None);
    assert!(pages[1].query_value("continue").is_some());
    assert!(pages[2].query_value("continue").is_some());
}

#[test]
fn live_selectors_are_sent_to_the_server() {
    let api = fake_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let out = sidecar_live(
        &kubeconfig,
        &[
            "ls",
            "-l",
            "app=web",
            "--field-selector",
            "status.phase=Running",
            "-o",
            "json",
        ],
    );
    let parsed: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    let names: Vec<&str> = parsed["pods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["web-7c9d8b6f5d-x2x4k"]);
    let list = api
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v1/namespaces/shop/pods")
        .unwrap();
    assert_eq!(list.query_value("labelSelector"), Some("app=web"));
    assert_eq!(
        list.query_value("fieldSelector"),
        Some("status.phase=Running")
    );
}

#[test]
fn live_pod_by_name_and_namespace_flag() {
    let api = fake_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let out = sidecar_live(
        &kubeconfig,
        &[
            "ls",
            "-n",
            "payments",
            "pod/ledger-5f7b9c6d8-kp4zn",
            "--color",
            "never",
        ],
    );
    assert_golden("ls/init-stuck.txt", out.ok());
    assert!(
        api.requests()
            .iter()
            .any(|r| r.path == "/api/v1/namespaces/payments/pods/ledger-5f7b9c6d8-kp4zn")
    );
}

#[test]
fn live_workload_targets_resolve_through_selectors() {
    let api = fake_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));

    let out = sidecar_live(&kubeconfig, &["ls", "deploy/web"]);
    assert_golden("ls/web-logs.txt", out.ok());
    let requests = api.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.path == "/apis/apps/v1/namespaces/shop/deployments/web")
    );
    let list = requests
        .iter()
        .find(|r| r.path == "/api/v1/namespaces/shop/pods")
        .unwrap();
    assert_eq!(list.query_value("labelSelector"), Some("app=web"));

    let out = sidecar_live(&kubeconfig, &["ls", "-n", "observability", "sts/agent"]);
    assert_golden("ls/agent-native.txt", out.ok());

    let out = sidecar_live(
        &kubeconfig,
        &["ls", "-n", "batch", "cronjob/nightly-report"],
    );
    assert_golden("ls/job-sidecar-never-exits.txt", out.ok());
    let requests = api.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.path == "/apis/batch/v1/namespaces/batch/cronjobs/nightly-report")
    );
    assert!(
        requests
            .iter()
            .any(|r| r.path == "/apis/batch/v1/namespaces/batch/jobs")
    );
    assert!(requests.iter().all(|r| r.method == "GET"));
}

#[test]
fn live_missing_pod_and_workload() {
    let api = fake_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let out = sidecar_live(&kubeconfig, &["ls", "nope"]);
    let err = out.failed(1);
    assert!(
        err.starts_with("error: get pod nope in namespace shop: Error from server (NotFound): pods \"nope\" not found\nhint: "),
        "{err}"
    );
    let out = sidecar_live(&kubeconfig, &["ls", "deploy/nope"]);
    assert!(
        out.failed(1)
            .contains("deployments.apps \"nope\" not found")
    );
}

/// As kubectl: a selection that matches nothing is a note on stderr and exit 0 (a named pod
/// or workload that does not exist stays an error, above); JSON and YAML print the empty
/// report without the note.
#[test]
fn live_empty_selection_is_kubectls_note_not_an_error() {
    let api = fake_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    for command in ["ls", "order", "volumes", "diagnose", "logs"] {
        let out = sidecar_live(&kubeconfig, &[command, "-l", "app=nothing"]);
        assert_eq!(out.ok(), "", "{command}");
        assert_eq!(
            out.stderr, "No resources found in shop namespace.\n",
            "{command}"
        );
        let out = sidecar_live(&kubeconfig, &[command, "-n", "empty"]);
        assert_eq!(
            out.stderr, "No resources found in empty namespace.\n",
            "{command}"
        );
        let out = sidecar_live(&kubeconfig, &[command, "-A", "-l", "app=nothing"]);
        assert_eq!(out.stderr, "No resources found\n", "{command}");
        assert_eq!(out.code, 0, "{command}");
    }
    // Only kubectl's note, not also "no problems found in 0 pods".
    let out = sidecar_live(&kubeconfig, &["ls", "--only-problems", "-l", "app=nothing"]);
    assert_eq!(out.stderr, "No resources found in shop namespace.\n");
    for command in ["ls", "order", "volumes", "diagnose"] {
        let out = sidecar_live(&kubeconfig, &[command, "-l", "app=nothing", "-o", "json"]);
        let report: serde_json::Value = serde_json::from_str(out.ok()).expect("JSON");
        assert_eq!(out.stderr, "", "{command}");
        let empty = report
            .get("pods")
            .or_else(|| report.get("findings"))
            .and_then(|v| v.as_array())
            .is_some_and(|items| items.is_empty());
        assert!(empty, "{command}: {report}");
    }
}

#[test]
fn live_forbidden_names_what_was_denied() {
    let api = FakeApi::builder()
        .fixtures_dir(fixture("cluster"))
        .forbid_namespace("shop")
        .forbid_cluster_scope()
        .start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let err = sidecar_live(&kubeconfig, &["ls"]).failed(1).to_string();
    assert!(
        err.contains(
            "list pods in namespace shop: Error from server (Forbidden): pods is forbidden"
        ),
        "{err}"
    );
    assert!(
        err.contains("hint: ") && err.contains("docs/rbac.yaml"),
        "{err}"
    );
    let err = sidecar_live(&kubeconfig, &["ls", "-A"])
        .failed(1)
        .to_string();
    assert!(err.contains("at the cluster scope"), "{err}");
}

#[test]
fn live_bad_credentials_and_server_errors() {
    let api = FakeApi::builder()
        .fixtures_dir(fixture("cluster"))
        .token("current-token")
        .start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    // The user's kubeconfig still holds a token the server no longer accepts.
    let text = std::fs::read_to_string(&kubeconfig).unwrap();
    std::fs::write(&kubeconfig, text.replace("current-token", "expired-token")).unwrap();
    let err = sidecar_live(&kubeconfig, &["ls"]).failed(1).to_string();
    assert!(
        err.contains("rejected the credentials of context \"fake\" (401 Unauthorized)"),
        "{err}"
    );
    assert!(
        err.contains("hint: the token or certificate may have expired"),
        "{err}"
    );

    let api = FakeApi::builder()
        .fixtures_dir(fixture("cluster"))
        .fail_path("/api/v1/namespaces/shop/pods", 500)
        .start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let err = sidecar_live(&kubeconfig, &["ls"]).failed(1).to_string();
    assert!(err.contains("Error from server (InternalError)"), "{err}");
}

#[test]
fn live_unreachable_cluster_and_bad_kubeconfig() {
    let api = fake_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let err = sidecar_live(&kubeconfig, &["ls", "--context", "other"])
        .failed(1)
        .to_string();
    assert!(
        err.starts_with("error: list pods in namespace default: cannot reach the cluster at http://127.0.0.1:1 (context \"other\")"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 2, "{err}");

    let err = sidecar_live(&kubeconfig, &["ls", "--context", "nope"])
        .failed(1)
        .to_string();
    assert!(
        err.contains("cannot use kubeconfig context \"nope\""),
        "{err}"
    );

    let err = sidecar(&["ls", "--kubeconfig", "/does/not/exist"])
        .failed(1)
        .to_string();
    // The path is named once, unquoted (kube's own text quoted it twice).
    assert_eq!(
        err.lines().next(),
        Some(
            "error: cannot load kubeconfig from /does/not/exist: No such file or directory (os error 2)"
        ),
        "{err}"
    );

    // No kubeconfig anywhere: say so, and point at offline mode.
    let err = sidecar(&["ls"]).failed(1).to_string();
    assert!(err.contains("cannot load kubeconfig"), "{err}");
    assert!(err.contains("-f FILE"), "{err}");
}

#[test]
fn kubeconfig_env_with_several_paths() {
    let api = fake_cluster();
    let dir = temp_dir("kc-multi");
    let kubeconfig = api.write_kubeconfig(&dir, Some("payments"));
    let extra = dir.join("extra.yaml");
    std::fs::write(
        &extra,
        "apiVersion: v1\nkind: Config\npreferences: {}\nclusters: []\ncontexts: []\nusers: []\n",
    )
    .unwrap();
    let joined = std::env::join_paths([&extra, &kubeconfig]).unwrap();
    let mut cmd = command(BIN);
    cmd.args(["ls", "-o", "json"]).env("KUBECONFIG", joined);
    let out = run_command(cmd, None);
    let parsed: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    assert_eq!(parsed["pods"][0]["namespace"], "payments");
}

// ---------------------------------------------------------------- kubectl plugin dispatch

#[test]
fn kubectl_dispatches_to_the_plugin() {
    let Some(kubectl) = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "kubectl is expected on CI machines"
        );
        eprintln!("kubectl not installed; skipping the dispatch test");
        return;
    };
    let bin_dir = std::path::Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = command(kubectl);
    cmd.args([
        "sidecar",
        "ls",
        "-f",
        &cluster_fixture("oom-native-sidecar.json"),
    ])
    .env("PATH", path);
    let out = run_command(cmd, None);
    assert_golden("ls/oom-native-sidecar.txt", out.ok());
}

/// Tables are printed a chunk of 500 pods at a time as pages arrive; across chunk
/// boundaries every pod must appear once, each block separated by one blank line, in the
/// server's order, for every per-pod command.
#[test]
fn big_listings_print_every_pod_once_across_table_chunks() {
    const PODS: usize = 1203;
    let template: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cluster_fixture("web-logs.json")).unwrap())
            .unwrap();
    let mut builder = FakeApi::builder();
    let mut names = Vec::new();
    for i in 0..PODS {
        let mut pod = template.clone();
        let name = format!("web-{i:05}");
        pod["metadata"]["name"] = serde_json::json!(name);
        pod["metadata"]["uid"] = serde_json::json!(format!("uid-{i}"));
        names.push(format!("shop/{name}"));
        builder = builder.object(pod);
    }
    let api = builder.start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), None);
    for command in ["ls", "order", "volumes"] {
        let out = sidecar_live(&kubeconfig, &[command, "-A"]);
        let text = out.ok();
        let lines: Vec<&str> = text.lines().collect();
        let mut heads = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let Some(head) = line.trim_start_matches("! ").split_whitespace().next() else {
                continue;
            };
            if !head.starts_with("shop/") {
                continue;
            }
            if i > 0 {
                assert!(
                    lines[i - 1].is_empty() && !lines[i - 2].is_empty(),
                    "{command}: one blank line before {head}"
                );
            }
            heads.push(head);
        }
        assert_eq!(heads, names, "{command}: every pod once, in order");
        assert!(
            !text.contains("\n\n\n"),
            "{command}: one blank line between pods"
        );
    }
    // JSON and YAML are streamed a pod at a time: still one valid document with the
    // report's schema, every pod once in order, and the same content in both formats.
    for (command, kind) in [
        ("ls", "ContainerReport"),
        ("order", "OrderReport"),
        ("volumes", "VolumeReport"),
    ] {
        let json_out = sidecar_live(&kubeconfig, &[command, "-A", "-o", "json"]);
        let json: serde_json::Value = serde_json::from_str(json_out.ok())
            .unwrap_or_else(|e| panic!("{command} -o json: one JSON document: {e}"));
        let yaml_out = sidecar_live(&kubeconfig, &[command, "-A", "-o", "yaml"]);
        let yaml: serde_json::Value = serde_saphyr::from_str(yaml_out.ok())
            .unwrap_or_else(|e| panic!("{command} -o yaml: one YAML document: {e}"));
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["apiVersion", "kind", "pods"], "{command}");
        assert_eq!(json["apiVersion"], "kubectl-sidecar/v1", "{command}");
        assert_eq!(json["kind"], kind, "{command}");
        let listed: Vec<String> = json["pods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{}/{}",
                    p["namespace"].as_str().unwrap(),
                    p["name"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(listed, names, "{command} -o json: every pod once, in order");
        assert_eq!(yaml, json, "{command}: YAML holds what JSON holds");
        // Every pod has the shape of the first one (same fields), whatever its chunk.
        let anonymous = |pod: &serde_json::Value| {
            let mut pod = pod.as_object().unwrap().clone();
            pod.remove("name");
            pod.remove("uid");
            pod
        };
        let first = anonymous(&json["pods"][0]);
        for pod in json["pods"].as_array().unwrap() {
            assert_eq!(
                anonymous(pod),
                first,
                "{command}: same schema for every pod"
            );
        }
    }
}
