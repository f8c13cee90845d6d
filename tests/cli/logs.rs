//! `logs` end to end against the fake API server: merge order across init, native sidecar
//! and main containers, line selection (--tail, --since-time, --previous), per-container
//! failures as markers, output modes (prefixes, color, JSON), broken pipe, offline refusal.

use std::io::Read;
use std::process::Stdio;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::cli::{
    BIN, cluster_fixture, command, fixture, read_stderr, sidecar, sidecar_live, temp_dir,
};
use crate::support::fake_api::{FakeApi, FakeApiBuilder};
use crate::support::following::{FOLLOW_WAIT, Following};
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
            .contains("no container of the 1 selected pod matches")
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
    let stderr = read_stderr(&mut child);
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn offline_files_are_refused_with_a_hint() {
    let out = sidecar(&["logs", "--filename", &cluster_fixture("agent-native.json")]);
    let stderr = out.failed(2);
    assert!(stderr.contains("error: logs need a cluster"), "{stderr}");
    assert!(stderr.contains("hint: drop --filename"), "{stderr}");
    assert!(stderr.contains("-f means --follow"), "{stderr}");
    assert_eq!(stderr.lines().count(), 2);
    // -o offers what logs print: text (the default) and json, not yaml or wide.
    for format in ["yaml", "wide", "table"] {
        let out = sidecar(&["logs", "web-0", "-o", format]);
        assert!(out.failed(2).contains("invalid value"), "{}", out.stderr);
    }
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
        (&[AGENT, "-o", "yaml"][..], "invalid value 'yaml'"),
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
    // Four containers cannot be merged as they stream in with one request at a time: said once.
    assert_eq!(
        out.stderr,
        "warning: 4 containers, more than --max-log-requests 1: their logs are read 1 at a time \
         and held in a temporary file until all are read, then merged (--max-log-requests 4 \
         merges them as they arrive)\n"
    );
}

/// The history is streamed: while the server holds one container's log open (after its first
/// line), every line the merge can already place is printed and flushed; the rest comes once
/// the log is released. Nothing is timed: the test waits for the lines (a deadline only turns
/// a hang into a failure), and the held log cannot end before the test releases it.
#[test]
fn history_lines_are_printed_while_a_slow_log_is_still_coming() {
    let api = agent_logs(FakeApi::builder().fixtures_dir(fixture("cluster")))
        .hold_log("observability", AGENT, "agent", 1)
        .start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("observability"));
    let mut child = command(BIN)
        .args(["logs", "--kubeconfig"])
        .arg(&kubeconfig)
        .arg(AGENT)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, received) = std::sync::mpsc::channel();
    let reader = thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
            if lines.send(line.expect("utf-8 output")).is_err() {
                break;
            }
        }
    });
    // Up to agent's first line (10:00:01.2): its next line could come before any later one.
    let decidable = [
        "agent-0/init-config         rendering /etc/agent/config.yaml",
        "agent-0/init-config         config written",
        "agent-0/fluent-bit          [info] fluent-bit started",
        "agent-0/prometheus-exporter listening on :9100",
        "agent-0/agent               agent starting",
    ];
    let mut early = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while early.len() < decidable.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(left) {
            Ok(line) => early.push(line),
            Err(_) => break,
        }
    }
    api.release_logs();
    assert_eq!(early, decidable, "printed while agent's log was held");

    let status = child.wait().expect("wait");
    reader.join().expect("reader");
    let mut all = early;
    all.extend(received.try_iter());
    let stderr = read_stderr(&mut child);
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert_golden("logs/merged.txt", &(all.join("\n") + "\n"));
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
    let out = sidecar_live(&kubeconfig, &["logs", "export-29123400-q7x2k", "-f"]);
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
    // Without `live_follow` the fake ends each followed log after its lines, like a dropped
    // connection: the running containers are reopened from their last timestamp at each pod
    // poll, and the repeated lines must not be printed again.
    let api = agent_cluster();
    let follow_requests = || {
        api.requests()
            .iter()
            .filter(|r| {
                r.query_value("follow") == Some("true")
                    && r.query_value("container") == Some("agent")
            })
            .count()
    };
    let mut following = follow(&api, "observability", &[AGENT, "--follow"]);
    following.wait_for("── agent-0/init-config: terminated: Completed (0) ──");
    // Two resumes: the second poll only reopens a stream that has ended, so every line the
    // first resume repeated has been read (and skipped) by then.
    let deadline = Instant::now() + FOLLOW_WAIT;
    while follow_requests() < 3 {
        if Instant::now() > deadline {
            following.fail(&format!(
                "the agent stream was not resumed twice ({} follow requests)",
                follow_requests()
            ));
        }
        thread::sleep(Duration::from_millis(50));
    }
    let (lines, stderr) = following.stop();
    let history = run(&api, &[AGENT]);
    let expected: Vec<&str> = history
        .ok()
        .lines()
        .chain(["── agent-0/init-config: terminated: Completed (0) ──"])
        .collect();
    assert_eq!(lines, expected);
    assert_eq!(stderr, "");
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

// ---------------------------------------------------------------------------------------------
// --follow end to end: the real binary against a fake server whose state changes mid-run
// ---------------------------------------------------------------------------------------------

/// `logs ARGS --follow`-style run against the fake server, current namespace `namespace`.
fn follow(api: &FakeApi, namespace: &str, args: &[&str]) -> Following {
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some(namespace));
    Following::spawn(&kubeconfig, args)
}

const LIVE_NS: &str = "live";

/// A scheduled pod `name` (label app=web) in namespace `live` whose containers run, instance
/// IDs `containerd://NAME-CONTAINER-1`.
fn running_pod(name: &str, containers: &[&str]) -> Value {
    let spec: Vec<Value> = containers
        .iter()
        .map(|c| json!({"name": c, "image": "registry.example.com/web:1.0"}))
        .collect();
    let statuses: Vec<Value> = containers
        .iter()
        .map(|c| {
            json!({
                "name": c, "image": "registry.example.com/web:1.0", "imageID": "",
                "ready": true, "started": true, "restartCount": 0,
                "containerID": format!("containerd://{name}-{c}-1"),
                "state": {"running": {"startedAt": "2026-11-23T10:00:00Z"}}
            })
        })
        .collect();
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": name, "namespace": LIVE_NS, "uid": format!("uid-{name}"),
            "labels": {"app": "web"}, "creationTimestamp": "2026-11-23T10:00:00Z"
        },
        "spec": {"nodeName": "worker-1", "containers": spec},
        "status": {"phase": "Running", "startTime": "2026-11-23T10:00:00Z",
                   "containerStatuses": statuses}
    })
}

/// `running_pod` whose containers are still being created (no instance yet).
fn creating_pod(name: &str, containers: &[&str]) -> Value {
    let mut pod = running_pod(name, containers);
    pod["status"]["phase"] = json!("Pending");
    for status in pod["status"]["containerStatuses"]
        .as_array_mut()
        .expect("statuses")
    {
        status["ready"] = json!(false);
        status["started"] = json!(false);
        status["state"] = json!({"waiting": {"reason": "ContainerCreating"}});
        if let Some(fields) = status.as_object_mut() {
            fields.remove("containerID");
        }
    }
    pod
}

/// A live server (followed logs stay open) with these pods.
fn live_api(pods: &[Value], logs: &[(&str, &str, &[&str])]) -> FakeApi {
    let mut builder = FakeApi::builder().live_follow();
    for pod in pods {
        builder = builder.object(pod.clone());
    }
    for (pod, container, lines) in logs {
        builder = builder.log(LIVE_NS, pod, container, false, lines);
    }
    builder.start()
}

#[test]
fn follow_e2e_a_restart_mid_run_prints_a_marker_and_loses_or_repeats_nothing() {
    let api = live_api(
        &[running_pod("web-0", &["app"])],
        &[(
            "web-0",
            "app",
            &[
                "2026-11-23T10:00:01.000000000Z one",
                "2026-11-23T10:00:02.000000000Z two",
            ],
        )],
    );
    let mut run = follow(&api, LIVE_NS, &["web-0", "--follow", "--no-prefix"]);
    run.wait_for("two");
    // Delivered on the open stream.
    api.append_log(
        LIVE_NS,
        "web-0",
        "app",
        false,
        &["2026-11-23T10:00:03.000000000Z three"],
    );
    run.wait_for("three");
    // The last line of the old instance and the restart in quick succession; the new
    // instance's first line is in the same second as the old one's last (the resume's
    // sinceTime repeats that second).
    api.append_log(
        LIVE_NS,
        "web-0",
        "app",
        false,
        &["2026-11-23T10:00:04.000000000Z four (last words)"],
    );
    api.restart_container(
        LIVE_NS,
        "web-0",
        "app",
        "OOMKilled",
        137,
        "containerd://web-0-app-2",
    );
    api.append_log(
        LIVE_NS,
        "web-0",
        "app",
        false,
        &[
            "2026-11-23T10:00:04.500000000Z five (new instance)",
            "2026-11-23T10:00:05.000000000Z six",
        ],
    );
    run.wait_for("six");
    api.append_log(
        LIVE_NS,
        "web-0",
        "app",
        false,
        &["2026-11-23T10:00:06.000000000Z seven"],
    );
    run.wait_for("seven");
    let (lines, stderr) = run.stop();
    assert_eq!(
        lines,
        [
            "one",
            "two",
            "three",
            "four (last words)",
            "── web-0/app restarted: OOMKilled (137), restart 1 ──",
            "five (new instance)",
            "six",
            "seven"
        ]
    );
    assert_eq!(stderr, "");
    // The new instance was read from where the old one's printed lines end.
    let reopened: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/log") && r.query_value("follow") == Some("true"))
        .collect();
    assert_eq!(
        reopened.last().and_then(|r| r.query_value("sinceTime")),
        Some("2026-11-23T10:00:04Z")
    );

    // The old instance is now the previous log; the new one is the current log.
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some(LIVE_NS));
    let previous = sidecar_live(&kubeconfig, &["logs", "web-0", "-p", "--no-prefix"]);
    assert_eq!(previous.ok(), "one\ntwo\nthree\nfour (last words)\n");
    let current = sidecar_live(&kubeconfig, &["logs", "web-0", "--no-prefix"]);
    assert_eq!(current.ok(), "five (new instance)\nsix\nseven\n");
}

#[test]
fn follow_e2e_new_pods_matching_the_selector_are_attached() {
    let api = live_api(
        &[running_pod("web-0", &["app"])],
        &[("web-0", "app", &["2026-11-23T10:00:01.000000000Z web-0 up"])],
    );
    let mut run = follow(&api, LIVE_NS, &["-l", "app=web", "--follow"]);
    run.wait_for("web-0/app web-0 up");

    // A rollout: web-1 runs and has logged already, web-2 is still being created; a pod of
    // another app must not be attached.
    api.append_log(
        LIVE_NS,
        "web-1",
        "app",
        false,
        &["2026-11-23T10:00:02.000000000Z web-1 up"],
    );
    api.put(running_pod("web-1", &["app"]));
    api.put(creating_pod("web-2", &["app"]));
    let mut other = running_pod("db-0", &["app"]);
    other["metadata"]["labels"] = json!({"app": "db"});
    api.append_log(
        LIVE_NS,
        "db-0",
        "app",
        false,
        &["2026-11-23T10:00:02.000000000Z not selected"],
    );
    api.put(other);
    run.wait_for("web-1/app web-1 up");
    api.append_log(
        LIVE_NS,
        "web-1",
        "app",
        false,
        &["2026-11-23T10:00:03.000000000Z web-1 live"],
    );
    run.wait_for("web-1/app web-1 live");

    // web-2 starts: a marker, then its lines from its start.
    api.append_log(
        LIVE_NS,
        "web-2",
        "app",
        false,
        &["2026-11-23T10:00:04.000000000Z web-2 up"],
    );
    api.put(running_pod("web-2", &["app"]));
    run.wait_for("web-2/app web-2 up");
    let (lines, stderr) = run.stop();
    assert_eq!(
        lines,
        [
            "web-0/app web-0 up",
            "web-1/app web-1 up",
            "web-1/app web-1 live",
            "── web-2/app: started ──",
            "web-2/app web-2 up"
        ]
    );
    assert_eq!(stderr, "");
}

/// Pod list and watch requests a followed run sent to the fake server, in order.
fn pod_requests(api: &FakeApi) -> Vec<&'static str> {
    api.requests()
        .into_iter()
        .filter(|r| r.path == format!("/api/v1/namespaces/{LIVE_NS}/pods"))
        .map(|r| {
            if r.query_value("watch").is_some() {
                "watch"
            } else {
                "list"
            }
        })
        .collect()
}

/// Following spares the API server: the pods are listed for the history and once more as the
/// watch's starting point, then only watched (resumed from the last resourceVersion, with
/// bookmarks), however long the run and however many pods change; only `410 Gone` (the
/// version compacted away) makes it list again.
#[test]
fn follow_e2e_watches_instead_of_listing_and_relists_only_on_410() {
    let api = live_api(
        &[running_pod("web-0", &["app"])],
        &[("web-0", "app", &["2026-11-23T10:00:01.000000000Z web-0 up"])],
    );
    let mut run = follow(&api, LIVE_NS, &["-l", "app=web", "--follow"]);
    run.wait_for("web-0/app web-0 up");
    // Well over two of the old 2-second polls, with changes: a new pod, a restart.
    for n in 1..=3 {
        let name = format!("web-{n}");
        api.append_log(
            LIVE_NS,
            &name,
            "app",
            false,
            &[&format!("2026-11-23T10:00:0{n}.500000000Z {name} up")],
        );
        api.put(running_pod(&name, &["app"]));
        run.wait_for(&format!("{name}/app {name} up"));
    }
    std::thread::sleep(Duration::from_secs(3));
    let requests = pod_requests(&api);
    assert_eq!(&requests[..2], ["list", "list"], "{requests:?}");
    assert!(requests[2..].iter().all(|r| *r == "watch"), "{requests:?}");
    // Both lists are paged, like every list the plugin sends.
    let lists: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/pods") && r.query_value("watch").is_none())
        .collect();
    assert!(
        lists.iter().all(|r| r.query_value("limit") == Some("500")),
        "{lists:?}"
    );
    let watches: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|r| r.query_value("watch").is_some())
        .collect();
    assert!(!watches.is_empty());
    for watch in &watches {
        assert_eq!(watch.query_value("labelSelector"), Some("app=web"));
        assert_eq!(watch.query_value("allowWatchBookmarks"), Some("true"));
        assert!(
            watch
                .query_value("resourceVersion")
                .is_some_and(|rv| !rv.is_empty())
        );
        assert!(watch.query_value("timeoutSeconds").is_some());
    }

    // Compaction: the server ends the open watch with 410 Gone; the client lists once more,
    // watches again, and still sees new pods.
    let before = requests.len();
    api.compact();
    std::thread::sleep(Duration::from_secs(3));
    api.append_log(
        LIVE_NS,
        "web-4",
        "app",
        false,
        &["2026-11-23T10:00:05.000000000Z web-4 up"],
    );
    api.put(running_pod("web-4", &["app"]));
    run.wait_for("web-4/app web-4 up");
    let (_, stderr) = run.stop();
    assert_eq!(stderr, "");
    let after = pod_requests(&api);
    assert_eq!(
        after[before..].iter().filter(|r| **r == "list").count(),
        1,
        "{after:?}"
    );
    assert_eq!(after.last(), Some(&"watch"), "{after:?}");
}

/// A Job `report-N` of CronJob `report` in namespace `live`, and its running pod.
fn report_job(n: u32) -> (Value, Value) {
    let job = json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {
            "name": format!("report-{n}"), "namespace": LIVE_NS, "uid": format!("job-{n}"),
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "report",
                                 "uid": "cronjob-report", "controller": true}]
        },
        "spec": {
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": format!("job-{n}")}},
            "template": {"spec": {"restartPolicy": "Never",
                                  "containers": [{"name": "app", "image": "registry.example.com/report:1"}]}}
        }
    });
    let mut pod = running_pod(&format!("report-{n}-x"), &["app"]);
    pod["metadata"]["labels"] = json!({"batch.kubernetes.io/controller-uid": format!("job-{n}")});
    (job, pod)
}

/// The Jobs a CronJob creates while it is followed are found (its selection is worked out
/// again every 30 s) and their pods attached.
#[test]
fn follow_e2e_a_cronjobs_new_job_is_attached() {
    let cronjob = json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "report", "namespace": LIVE_NS, "uid": "cronjob-report"},
        "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": {"spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "app", "image": "registry.example.com/report:1"}]}}}}}
    });
    let (job, pod) = report_job(1);
    let api = live_api(
        &[cronjob, job, pod],
        &[(
            "report-1-x",
            "app",
            &["2026-11-23T10:00:01.000000000Z first run"],
        )],
    );
    let mut run = follow(&api, LIVE_NS, &["cronjob/report", "-f"]);
    run.wait_for("report-1-x/app first run");
    // Once the watches run, the selection is fixed until it is worked out again.
    let started = Instant::now();
    while !api
        .requests()
        .iter()
        .any(|r| r.query_value("watch").is_some())
    {
        assert!(started.elapsed() < FOLLOW_WAIT, "no watch request");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (job, pod) = report_job(2);
    api.append_log(
        LIVE_NS,
        "report-2-x",
        "app",
        false,
        &["2026-11-23T10:05:01.000000000Z second run"],
    );
    api.put(job);
    api.put(pod);
    // Found at the next resolution, at most 30 s after the start.
    std::thread::sleep(Duration::from_secs(15));
    run.wait_for("report-2-x/app second run");
    let (_, stderr) = run.stop();
    assert_eq!(stderr, "");
    let jobs_lists = api
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/jobs"))
        .count();
    assert_eq!(jobs_lists, 3, "history, watch start, one re-resolution");
}

#[test]
fn follow_e2e_a_deleted_pod_gets_a_marker_and_the_others_are_still_followed() {
    let api = live_api(
        &[
            running_pod("web-0", &["app"]),
            running_pod("web-1", &["app", "proxy"]),
        ],
        &[
            ("web-0", "app", &["2026-11-23T10:00:01.000000000Z web-0 up"]),
            ("web-1", "app", &["2026-11-23T10:00:02.000000000Z web-1 up"]),
            (
                "web-1",
                "proxy",
                &["2026-11-23T10:00:03.000000000Z proxy up"],
            ),
        ],
    );
    let mut run = follow(&api, LIVE_NS, &["-l", "app=web", "--follow"]);
    run.wait_for("web-1/proxy proxy up");
    run.wait_for("web-0/app   web-0 up");

    assert!(api.delete("pods", LIVE_NS, "web-1").is_some());
    run.wait_for("── web-1/app: pod deleted ──");
    run.wait_for("── web-1/proxy: pod deleted ──");
    api.append_log(
        LIVE_NS,
        "web-0",
        "app",
        false,
        &["2026-11-23T10:00:05.000000000Z web-0 still here"],
    );
    run.wait_for("web-0/app   web-0 still here");
    run.assert_running();
    let (lines, stderr) = run.stop();
    // The two markers come in either order (one per ended stream).
    let mut markers = lines.get(3..5).map(<[String]>::to_vec).unwrap_or_default();
    markers.sort();
    assert_eq!(
        [&lines[..3], &markers[..], &lines[5..]].concat(),
        [
            "web-0/app   web-0 up",
            "web-1/app   web-1 up",
            "web-1/proxy proxy up",
            "── web-1/app: pod deleted ──",
            "── web-1/proxy: pod deleted ──",
            "web-0/app   web-0 still here"
        ],
        "{lines:#?}"
    );
    assert_eq!(stderr, "");
}

#[test]
fn follow_e2e_ends_by_itself_when_a_running_job_pod_finishes() {
    let mut pod = running_pod("export-0", &["export"]);
    pod["spec"]["restartPolicy"] = json!("Never");
    let api = live_api(
        std::slice::from_ref(&pod),
        &[(
            "export-0",
            "export",
            &["2026-11-23T10:00:01.000000000Z exporting"],
        )],
    );
    let mut run = follow(&api, LIVE_NS, &["export-0", "--follow"]);
    run.wait_for("export-0/export exporting");
    api.append_log(
        LIVE_NS,
        "export-0",
        "export",
        false,
        &["2026-11-23T10:00:02.000000000Z done: 1204 rows"],
    );
    // The container exits and the pod is done.
    pod["status"]["phase"] = json!("Succeeded");
    pod["status"]["containerStatuses"][0]["ready"] = json!(false);
    pod["status"]["containerStatuses"][0]["state"] = json!({"terminated": {
        "exitCode": 0, "reason": "Completed", "containerID": "containerd://export-0-export-1",
        "startedAt": "2026-11-23T10:00:00Z", "finishedAt": "2026-11-23T10:00:02Z"
    }});
    api.put(pod);
    assert_eq!(run.wait_exit(FOLLOW_WAIT), Some(0));
    let (lines, stderr) = run.finish();
    assert_eq!(
        lines,
        [
            "export-0/export exporting",
            "export-0/export done: 1204 rows",
            "── export-0/export: terminated: Completed (0) ──"
        ]
    );
    assert_eq!(stderr, "");
}

#[test]
fn non_utf8_log_bytes_are_printed_lossily_merged_and_followed() {
    let api = FakeApi::builder()
        .live_follow()
        .object(running_pod("web-0", &["app"]))
        .log_bytes(
            LIVE_NS,
            "web-0",
            "app",
            false,
            &[
                b"2026-11-23T10:00:01.000000000Z caf\xe9 \xff\xfe end",
                // A UTF-8 character cut short, then a valid one.
                b"2026-11-23T10:00:02.000000000Z cut \xe2\x82 then \xe2\x82\xac",
            ],
        )
        .start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some(LIVE_NS));
    let merged = sidecar_live(&kubeconfig, &["logs", "web-0", "--no-prefix"]);
    assert_eq!(
        merged.ok(),
        "caf\u{FFFD} \u{FFFD}\u{FFFD} end\ncut \u{FFFD} then \u{20AC}\n"
    );
    assert_eq!(merged.stderr, "");
    let json = sidecar_live(&kubeconfig, &["logs", "web-0", "-o", "json", "--tail", "1"]);
    let line: Value = serde_json::from_str(json.ok().trim_end()).expect("a JSON line");
    assert_eq!(line["message"], "cut \u{FFFD} then \u{20AC}");

    let mut run = follow(&api, LIVE_NS, &["web-0", "--follow", "--no-prefix"]);
    run.wait_for("cut \u{FFFD} then \u{20AC}");
    api.append_log_bytes(
        LIVE_NS,
        "web-0",
        "app",
        false,
        &[b"2026-11-23T10:00:03.000000000Z \x80live\xc0 bytes"],
    );
    run.wait_for("\u{FFFD}live\u{FFFD} bytes");
    let (lines, stderr) = run.stop();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert_eq!(stderr, "");
}

#[test]
fn follow_e2e_ctrl_c_exits_130_promptly_with_every_printed_line_intact() {
    let api = live_api(
        &[running_pod("web-0", &["app", "proxy"])],
        &[
            (
                "web-0",
                "app",
                &[
                    "2026-11-23T10:00:01.000000000Z one",
                    "2026-11-23T10:00:02.000000000Z two",
                ],
            ),
            (
                "web-0",
                "proxy",
                &["2026-11-23T10:00:01.500000000Z proxy ready"],
            ),
        ],
    );
    let mut run = follow(&api, LIVE_NS, &["web-0", "--follow"]);
    run.wait_for("web-0/app   two");
    api.append_log(
        LIVE_NS,
        "web-0",
        "app",
        false,
        &["2026-11-23T10:00:03.000000000Z three"],
    );
    run.wait_for("web-0/app   three");
    let sent = Instant::now();
    run.interrupt();
    let code = run.wait_exit(Duration::from_secs(2));
    let took = sent.elapsed();
    assert_eq!(code, Some(130), "exit code after SIGINT");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    let (lines, stderr) = run.finish();
    assert_eq!(
        lines,
        [
            "web-0/app   one",
            "web-0/proxy proxy ready",
            "web-0/app   two",
            "web-0/app   three"
        ]
    );
    assert_eq!(stderr, "");
}

#[test]
fn fake_api_changes_make_new_revisions() {
    let api = live_api(&[running_pod("web-0", &["app"])], &[]);
    let rv = |obj: &Value| {
        obj["metadata"]["resourceVersion"]
            .as_str()
            .and_then(|rv| rv.parse::<u64>().ok())
            .expect("a resourceVersion")
    };
    let before = api.get("pods", LIVE_NS, "web-0").expect("stored");
    // An update without uid keeps the pod's; the resourceVersion moves on.
    let mut changed = running_pod("web-0", &["app"]);
    changed["metadata"]
        .as_object_mut()
        .expect("metadata")
        .remove("uid");
    changed["status"]["phase"] = json!("Failed");
    let after = api.put(changed);
    assert_eq!(after["metadata"]["uid"], before["metadata"]["uid"]);
    assert!(rv(&after) > rv(&before));
    assert_eq!(
        api.get("Pod", LIVE_NS, "web-0").expect("stored")["status"]["phase"],
        "Failed"
    );
    // A pod in a new namespace brings its namespace.
    let mut elsewhere = running_pod("web-9", &["app"]);
    elsewhere["metadata"]["namespace"] = json!("elsewhere");
    assert!(rv(&api.put(elsewhere)) > rv(&after));
    assert!(api.get("namespaces", "", "elsewhere").is_some());
    // The binary sees the change at once.
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("elsewhere"));
    assert!(sidecar_live(&kubeconfig, &["ls"]).ok().contains("web-9"));
    assert!(api.delete("pods", LIVE_NS, "web-0").is_some());
    assert!(api.get("pods", LIVE_NS, "web-0").is_none());
    assert!(api.delete("pods", LIVE_NS, "web-0").is_none());
}
