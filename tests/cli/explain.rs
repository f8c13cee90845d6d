//! `kubectl sidecar explain`: the catalog's documentation in the terminal.

use crate::support::cli::*;
use crate::support::golden::assert_golden;

#[test]
fn explain_prints_a_rules_documentation() {
    let out = sidecar(&["explain", "mount-mismatch"]);
    assert_golden("explain/mount-mismatch.txt", out.ok());
    let text = out.ok();
    for section in ["WHAT IT DOES", "WHY IS THIS BAD?", "EXAMPLE", "FIX"] {
        assert!(
            text.contains(&format!("\n{section}\n")),
            "{section}: {text}"
        );
    }
}

#[test]
fn explain_without_a_rule_lists_the_catalog_by_group() {
    let out = sidecar(&["explain"]);
    assert_golden("explain/list.txt", out.ok());
    let listed = sidecar(&["diagnose", "--list-rules"]);
    // Every rule of --list-rules is explained under its group.
    for line in listed.ok().lines() {
        let id = line.split_whitespace().next().unwrap();
        assert!(out.ok().contains(&format!("  {id} ")), "{id} is not listed");
        let explained = sidecar(&["explain", id]);
        assert!(
            explained.ok().starts_with(&format!("{id} (")),
            "{id}: {}",
            explained.stderr
        );
    }
}

#[test]
fn explain_wraps_prose_to_the_terminal_width() {
    let mut cmd = command(BIN);
    cmd.args(["explain", "oom-killed"]).env("COLUMNS", "60");
    let narrow = run_command(cmd, None);
    let text = narrow.ok();
    let prose_too_long = text
        .lines()
        .filter(|l| !l.starts_with("    ")) // example yaml is kept as written
        .filter(|l| l.split_whitespace().count() > 1) // one long word may overflow
        .find(|l| l.chars().count() > 60);
    assert_eq!(prose_too_long, None, "{text}");
    let wide = sidecar(&["explain", "oom-killed"]).ok().to_string();
    assert!(wide.lines().count() < text.lines().count());
}

#[test]
fn an_unknown_rule_is_a_usage_error_with_a_suggestion() {
    let out = sidecar(&["explain", "oom-kiled"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("'oom-killed'"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn diagnose_points_at_explain_for_the_rules_it_reported() {
    let out = sidecar(&[
        "diagnose",
        "-f",
        &cluster_fixture("oom-native-sidecar.json"),
    ]);
    let last = out.stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("rules above: ")
            && last.contains("oom-killed")
            && last.ends_with("kubectl sidecar explain RULE"),
        "{}",
        out.stdout
    );
    let healthy = sidecar_stdin(&["diagnose", "-f", "-"], HEALTHY_POD);
    assert!(healthy.ok().starts_with("OK "), "{}", healthy.stdout);
    assert!(
        !healthy.stdout.contains("kubectl sidecar explain"),
        "{}",
        healthy.stdout
    );
}

const HEALTHY_POD: &str = r#"{
  "apiVersion": "v1", "kind": "Pod",
  "metadata": {"name": "web-0", "namespace": "shop", "uid": "6c1d2f1e-5b8a-4c3e-9d7f-1a2b3c4d5e6f",
               "creationTimestamp": "2026-11-23T10:00:00Z"},
  "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
           "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}}}]},
  "status": {"phase": "Running", "qosClass": "Burstable", "startTime": "2026-11-23T10:00:01Z",
    "conditions": [{"type": "Initialized", "status": "True", "lastTransitionTime": "2026-11-23T10:00:01Z"},
                   {"type": "Ready", "status": "True", "lastTransitionTime": "2026-11-23T10:00:04Z"},
                   {"type": "ContainersReady", "status": "True", "lastTransitionTime": "2026-11-23T10:00:04Z"},
                   {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-11-23T10:00:00Z"}],
    "containerStatuses": [{"name": "web", "image": "docker.io/library/nginx:1.27",
      "imageID": "docker.io/library/nginx@sha256:124b44bfc9ccd1f3cedf4b592d4d1e8bddb78b51ec2ed5056c52d3692baebc19",
      "containerID": "containerd://5f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100",
      "ready": true, "started": true, "restartCount": 0,
      "state": {"running": {"startedAt": "2026-11-23T10:00:03Z"}}, "lastState": {}}]}
}"#;
