//! `logs` end to end against the fake API server: merge order across init, native sidecar
//! and main containers, line selection (--tail, --since-time, --previous), per-container
//! failures as markers, output modes (prefixes, color, JSON), broken pipe, offline refusal.

use std::io::Read;
use std::process::Stdio;

use crate::support::cli::{
    BIN, cluster_fixture, command, fixture, sidecar, sidecar_live, temp_dir,
};
use crate::support::fake_api::{FakeApi, FakeApiBuilder};
use crate::support::golden::assert_golden;

const AGENT: &str = "agent-0";

/// agent-0 (namespace observability): init-config (init), fluent-bit and prometheus-exporter
/// (native sidecars), agent (main), with interleaved lines; lines at the same instant in two
/// containers show the stable order (startup order).
fn agent_logs(builder: FakeApiBuilder) -> FakeApiBuilder {
    builder
        .log(
            "observability",
            AGENT,
            "init-config",
            false,
            &[
                "2026-11-23T10:00:00.100000000Z rendering /etc/agent/config.yaml",
                "2026-11-23T10:00:00.300000000Z config written",
            ],
        )
        .log(
            "observability",
            AGENT,
            "fluent-bit",
            false,
            &[
                "2026-11-23T10:00:01.000000000Z [info] fluent-bit started",
                "2026-11-23T10:00:02.500000000Z [info] flushed 12 records",
                "2026-11-23T10:00:04.000000000Z [warn] retrying output es",
            ],
        )
        .log(
            "observability",
            AGENT,
            "prometheus-exporter",
            false,
            &[
                "2026-11-23T10:00:01.000000000Z listening on :9100",
                "2026-11-23T10:00:03.000000000Z scrape ok",
            ],
        )
        .log(
            "observability",
            AGENT,
            "agent",
            false,
            &[
                "2026-11-23T10:00:01.200000000Z agent starting",
                "2026-11-23T10:00:02.000000000Z connected to collector",
                "2026-11-23T10:00:05.000000000Z heartbeat",
            ],
        )
}

fn agent_cluster() -> FakeApi {
    agent_logs(FakeApi::builder().fixtures_dir(fixture("cluster"))).start()
}

fn run(api: &FakeApi, args: &[&str]) -> crate::support::cli::Output {
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("observability"));
    let mut full = vec!["logs"];
    full.extend_from_slice(args);
    sidecar_live(&kubeconfig, &full)
}

#[test]
fn merges_every_container_in_timestamp_order() {
    let api = agent_cluster();
    let out = run(&api, &[AGENT]);
    assert_golden("logs/merged.txt", out.ok());

    // Every request asked for timestamps, one container at a time.
    let logs: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/log"))
        .collect();
    assert_eq!(logs.len(), 4);
    for request in &logs {
        assert_eq!(request.query_value("timestamps"), Some("true"));
        assert!(request.query_value("container").is_some());
    }
}

#[test]
fn timestamps_and_prefix_modes() {
    let api = agent_cluster();
    assert_golden(
        "logs/timestamps-role.txt",
        run(&api, &[AGENT, "--timestamps", "--prefix", "role"]).ok(),
    );
    let raw = run(&api, &[AGENT, "--no-prefix"]);
    assert_golden("logs/no-prefix.txt", raw.ok());
    assert_eq!(raw.stdout, run(&api, &[AGENT, "--prefix", "none"]).stdout);
}

#[test]
fn role_and_container_filters() {
    let api = agent_cluster();
    let natives = run(&api, &[AGENT, "--role", "native-sidecar", "--no-prefix"]);
    assert_eq!(
        natives.ok(),
        "[info] fluent-bit started\nlistening on :9100\n[info] flushed 12 records\n\
         scrape ok\n[warn] retrying output es\n"
    );
    let excluded = run(
        &api,
        &[AGENT, "-c", "^(agent|fluent|prom)", "-E", "^(fluent|prom)"],
    );
    let containers: Vec<&str> = excluded
        .ok()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        containers.iter().all(|c| *c == "agent-0/agent"),
        "{containers:?}"
    );
    assert_eq!(containers.len(), 3);
    // Nothing left to read is an error that says which flags filtered it all.
    let none = run(&api, &[AGENT, "--role", "ephemeral"]);
    assert!(
        none.failed(1)
            .contains("no container of the 1 selected pod(s)")
    );
}

#[test]
fn tail_and_since_time_are_per_container_and_exact() {
    let api = agent_cluster();
    let tail = run(&api, &[AGENT, "--tail", "1"]);
    assert_golden("logs/tail-1.txt", tail.ok());
    assert!(
        api.requests()
            .iter()
            .filter(|r| r.path.ends_with("/log"))
            .all(|r| r.query_value("tailLines") == Some("1"))
    );

    // The API takes whole seconds: 10:00:01.100 is sent as 10:00:01 and the lines stamped
    // 10:00:01.000 are dropped here.
    let api = agent_cluster();
    let since = run(&api, &[AGENT, "--since-time", "2026-11-23T10:00:01.100Z"]);
    assert_golden("logs/since-time.txt", since.ok());
    assert!(
        api.requests()
            .iter()
            .filter(|r| r.path.ends_with("/log"))
            .all(|r| r.query_value("sinceTime") == Some("2026-11-23T10:00:01Z"))
    );
}

#[test]
fn previous_notes_containers_without_one() {
    let api = FakeApi::builder()
        .fixtures_dir(fixture("cluster"))
        .log(
            "shop",
            "checkout-6d8f9b7c4-q8zpl",
            "metrics-sidecar",
            true,
            &[
                "2026-11-23T09:58:00.000000000Z collecting",
                "2026-11-23T09:59:59.000000000Z fatal error: runtime: out of memory",
            ],
        )
        .start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let out = sidecar_live(
        &kubeconfig,
        &["logs", "checkout-6d8f9b7c4-q8zpl", "--previous"],
    );
    assert_golden("logs/previous.txt", out.ok());
    // The container without a previous instance was not even asked for.
    let logs: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/log"))
        .collect();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].query_value("previous"), Some("true"));
}

#[test]
fn a_failing_container_is_a_marker_and_the_others_are_printed() {
    // ledger: wait-for-db done, migrate running, seed-cache and ledger waiting (400).
    let api = FakeApi::builder()
        .fixtures_dir(fixture("cluster"))
        .log(
            "payments",
            "ledger-5f7b9c6d8-kp4zn",
            "wait-for-db",
            false,
            &["2026-11-23T11:00:00.000000000Z db is up"],
        )
        .log(
            "payments",
            "ledger-5f7b9c6d8-kp4zn",
            "migrate",
            false,
            &["2026-11-23T11:00:01.000000000Z applying 0042_add_index"],
        )
        .start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("payments"));
    let out = sidecar_live(&kubeconfig, &["logs", "ledger-5f7b9c6d8-kp4zn"]);
    assert_golden("logs/waiting-markers.txt", out.ok());

    // Every request failing (403 on pods/log) is an error after the markers.
    let api = FakeApi::builder()
        .fixtures_dir(fixture("cluster"))
        .fail_path("/api/v1/namespaces/observability/pods/agent-0/log", 403)
        .start();
    let out = run(&api, &[AGENT]);
    assert!(out.failed(1).contains("no log could be read"));
    assert_eq!(out.stdout.lines().count(), 4, "{}", out.stdout);
    assert!(out.stdout.lines().all(|l| l.starts_with("── agent-0/")));
}

#[test]
fn json_lines_and_markers_on_stderr() {
    let api = agent_cluster();
    let out = run(
        &api,
        &[AGENT, "-o", "json", "--tail", "1", "--color", "always"],
    );
    assert_golden("logs/tail-1.jsonl", out.ok());
    for line in out.stdout.lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("one object per line");
        for key in [
            "timestamp",
            "namespace",
            "pod",
            "container",
            "role",
            "previous",
            "message",
        ] {
            assert!(value.get(key).is_some(), "{key} missing in {line}");
        }
    }
    assert!(!out.stdout.contains('\u{1b}'), "JSON is never colored");
}

#[test]
fn color_only_when_asked() {
    let api = agent_cluster();
    let plain = run(&api, &[AGENT]);
    assert!(!plain.ok().contains('\u{1b}'));
    let colored = run(&api, &[AGENT, "--color", "always"]);
    assert_golden("logs/merged-color.txt", colored.ok());
    // Same container, same color on every line.
    let agent_lines: Vec<&str> = colored
        .stdout
        .lines()
        .filter(|l| l.contains("agent-0/agent\u{1b}"))
        .collect();
    assert_eq!(agent_lines.len(), 3);
    let color = |l: &str| l.split("agent-0").next().map(str::to_string);
    assert!(
        agent_lines
            .iter()
            .all(|l| color(l) == color(agent_lines[0]))
    );
}

#[test]
fn all_namespaces_prefix_has_the_namespace() {
    let api = agent_cluster();
    let out = run(
        &api,
        &["-A", "-l", "app=agent", "--tail", "1", "-c", "^agent$"],
    );
    assert_eq!(out.ok(), "observability/agent-0/agent heartbeat\n");
}

#[test]
fn broken_pipe_exits_quietly() {
    let lines: Vec<String> = (0..20_000)
        .map(|i| {
            format!(
                "2026-11-23T10:{:02}:{:02}.{:09}Z line {i} {}",
                i / 3600 % 60,
                i / 60 % 60,
                i % 60,
                "x".repeat(60)
            )
        })
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let api = FakeApi::builder()
        .fixtures_dir(fixture("cluster"))
        .log("observability", AGENT, "agent", false, &refs)
        .start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("observability"));
    let mut cmd = command(BIN);
    cmd.args(["logs", "--kubeconfig"])
        .arg(&kubeconfig)
        .args([AGENT, "-c", "^agent$"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn offline_files_are_refused_with_a_hint() {
    let out = sidecar(&["logs", "-f", &cluster_fixture("agent-native.json")]);
    let stderr = out.failed(2);
    assert!(stderr.contains("error: logs need a cluster"), "{stderr}");
    assert!(stderr.contains("hint: drop -f"), "{stderr}");
    assert_eq!(stderr.lines().count(), 2);
}

#[test]
fn since_asks_the_server_for_seconds() {
    let now = jiff::Timestamp::now();
    let stamp = |ago: i64| {
        (now - jiff::SignedDuration::from_secs(ago))
            .strftime("%Y-%m-%dT%H:%M:%S.%NZ")
            .to_string()
    };
    let (old, recent) = (
        format!("{} two hours ago", stamp(7200)),
        format!("{} a minute ago", stamp(60)),
    );
    let api = FakeApi::builder()
        .fixtures_dir(fixture("cluster"))
        .log("observability", AGENT, "agent", false, &[&old, &recent])
        .start();
    let out = run(
        &api,
        &[AGENT, "-c", "^agent$", "--since", "1h", "--no-prefix"],
    );
    assert_eq!(out.ok(), "a minute ago\n");
    let request = api
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/log"))
        .expect("a log request");
    assert_eq!(request.query_value("sinceSeconds"), Some("3600"));

    let bad = run(&api, &[AGENT, "--since", "yesterday"]);
    assert!(bad.failed(2).contains("invalid --since \"yesterday\""));
    let both = run(
        &api,
        &[
            AGENT,
            "--since",
            "1h",
            "--since-time",
            "2026-11-23T10:00:00Z",
        ],
    );
    both.failed(2);
}

#[test]
fn crlf_and_very_long_lines() {
    let long = format!("2026-11-23T10:00:02.000000000Z {}", "y".repeat(150_000));
    let api = FakeApi::builder()
        .fixtures_dir(fixture("cluster"))
        .log(
            "observability",
            AGENT,
            "agent",
            false,
            &["2026-11-23T10:00:01.000000000Z windows line\r", &long],
        )
        .start();
    let out = run(&api, &[AGENT, "-c", "^agent$"]);
    let lines: Vec<&str> = out.ok().lines().collect();
    assert_eq!(lines[0], "agent-0/agent windows line");
    // 150 000 bytes come out as pieces of at most 64 KiB, each with the prefix.
    assert_eq!(lines.len(), 1 + 3);
    assert!(lines[1..].iter().all(|l| l.starts_with("agent-0/agent y")));
    let total: usize = lines[1..]
        .iter()
        .map(|l| l.len() - "agent-0/agent ".len())
        .sum();
    assert_eq!(total, 150_000);
}

#[test]
fn bad_flags_fail_before_any_request() {
    let api = agent_cluster();
    for (args, message) in [
        (&[AGENT, "-o", "yaml"][..], "not -o yaml"),
        (&[AGENT, "-E", "("][..], "invalid -E/--exclude-container"),
        (&[AGENT, "--max-log-requests", "0"][..], "at least 1"),
        (&[AGENT, "--since-time", "10am"][..], "invalid --since-time"),
    ] {
        let out = run(&api, args);
        assert!(out.failed(2).contains(message), "{args:?}: {}", out.stderr);
    }
    assert!(api.requests().is_empty());
}

#[test]
fn one_request_at_a_time_still_reads_everything() {
    let api = agent_logs(
        FakeApi::builder()
            .fixtures_dir(fixture("cluster"))
            .latency(std::time::Duration::from_millis(20)),
    )
    .start();
    let out = run(&api, &[AGENT, "--max-log-requests", "1"]);
    assert_eq!(out.ok(), run(&agent_cluster(), &[AGENT]).ok());
}

#[test]
fn all_is_the_default() {
    let api = agent_cluster();
    assert_eq!(run(&api, &[AGENT, "--all"]).ok(), run(&api, &[AGENT]).ok());
    run(&api, &[AGENT, "--all", "-c", "agent"]).failed(2);
}

/// A Job's pod that is done: init, native sidecar and main container all terminated.
fn job_cluster() -> FakeApi {
    let pod: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("logs/job-pod-done.json")).expect("fixture"),
    )
    .expect("valid JSON");
    let pod_name = "export-29123400-q7x2k";
    FakeApi::builder()
        .object(pod)
        .log(
            "batch",
            pod_name,
            "fetch-config",
            false,
            &["2026-11-23T10:00:01.500000000Z fetched config v12"],
        )
        .log(
            "batch",
            pod_name,
            "cloud-sql-proxy",
            false,
            &[
                "2026-11-23T10:00:03.100000000Z ready for new connections",
                "2026-11-23T10:00:10.500000000Z SIGTERM received, shutting down",
            ],
        )
        .log(
            "batch",
            pod_name,
            "export",
            false,
            &[
                "2026-11-23T10:00:04.000000000Z exporting 3 tables",
                "2026-11-23T10:00:09.000000000Z done: 1204 rows",
                "2026-11-23T10:00:09.000000000Z done: 1204 rows",
            ],
        )
        .start()
}

#[test]
fn follow_stops_when_the_job_pod_is_done_without_repeating_lines() {
    let api = job_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("batch"));
    let out = sidecar_live(&kubeconfig, &["logs", "export-29123400-q7x2k", "-F"]);
    // Each stream was read twice (history, then followed from the last second): the
    // repeated lines are skipped, the two identical lines of `export` are both kept.
    assert_golden("logs/follow-job-done.txt", out.ok());
    let followed: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/log") && r.query_value("follow") == Some("true"))
        .collect();
    assert_eq!(followed.len(), 3);
    assert!(
        followed
            .iter()
            .all(|r| r.query_value("sinceTime").is_some())
    );
}

#[test]
fn follow_keeps_running_pods_resumes_without_repeats_and_marks_finished_init() {
    let api = agent_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("observability"));
    let mut cmd = command(BIN);
    cmd.args(["logs", "--kubeconfig"])
        .arg(&kubeconfig)
        .args([AGENT, "--follow"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    // Long enough for one pod poll (2s): the ended streams of running containers are
    // reopened from their last timestamp, and init-config gets its marker.
    std::thread::sleep(std::time::Duration::from_millis(4500));
    assert!(
        child.try_wait().expect("status").is_none(),
        "a running pod is followed until interrupted"
    );
    child.kill().expect("kill");
    let output = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let history = run(&api, &[AGENT]);
    let expected = format!(
        "{}── agent-0/init-config: terminated: Completed (0) ──\n",
        history.ok()
    );
    assert_eq!(stdout, expected);
    let reopened = api
        .requests()
        .iter()
        .filter(|r| {
            r.query_value("follow") == Some("true") && r.query_value("container") == Some("agent")
        })
        .count();
    assert!(
        reopened >= 2,
        "the agent stream was resumed ({reopened} follow requests)"
    );
}

#[test]
fn follow_json_keeps_markers_on_stderr() {
    let api = job_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("batch"));
    let out = sidecar_live(
        &kubeconfig,
        &[
            "logs",
            "export-29123400-q7x2k",
            "-F",
            "-o",
            "json",
            "--role",
            "main",
        ],
    );
    let lines: Vec<serde_json::Value> = out
        .ok()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one object per line"))
        .collect();
    let messages: Vec<&str> = lines.iter().filter_map(|v| v["message"].as_str()).collect();
    assert_eq!(
        messages,
        ["exporting 3 tables", "done: 1204 rows", "done: 1204 rows"]
    );
    assert_eq!(
        out.stderr,
        "── export-29123400-q7x2k/export: terminated: Completed (0) ──\n"
    );
}
