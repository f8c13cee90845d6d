//! `logs --follow` against the real API server: the logs come through its `pods/log` proxy
//! from the stand-in kubelet; a restart and a new pod are written through the status
//! subresource while the binary runs.

use serde_json::{Value, json};

use crate::scenarios::plane;
use crate::support::cli::sidecar_live;
use crate::support::envtest::ControlPlane;
use crate::support::following::Following;

const NS: &str = "live";

/// Container `app` running as instance `instance` after `restarts` restarts.
fn running_status(pod: &str, instance: u32, restarts: u32) -> Value {
    let mut app = json!({"name": "app", "image": "web:1", "imageID": "", "ready": true,
        "started": true, "restartCount": restarts,
        "containerID": format!("containerd://{pod}-app-{instance}"),
        "state": {"running": {"startedAt": "2026-11-23T10:00:00Z"}}});
    if restarts > 0 {
        app["lastState"] = json!({"terminated": {"exitCode": 137, "reason": "OOMKilled",
            "startedAt": "2026-11-23T10:00:00Z", "finishedAt": "2026-11-23T10:00:04Z",
            "containerID": format!("containerd://{pod}-app-{}", instance - 1)}});
    }
    json!({"phase": "Running", "startTime": "2026-11-23T10:00:00Z",
           "conditions": [{"type": "Ready", "status": "True"}],
           "containerStatuses": [app]})
}

fn create_pod(cp: &ControlPlane, name: &str) {
    cp.create(vec![json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": NS, "labels": {"app": "web"}},
        "spec": {"nodeName": "worker-1", "containers": [{"name": "app", "image": "web:1"}]}})]);
    cp.set_status("pod", Some(NS), name, &running_status(name, 1, 0));
}

#[test]
fn follow_sees_a_restart_and_a_new_pod_without_losing_or_repeating_lines() {
    let Some(cp) = plane() else { return };
    let k = &cp.kubelet;
    k.log(
        NS,
        "web-0",
        "app",
        false,
        &[
            "2026-11-23T10:00:01.000000000Z one",
            "2026-11-23T10:00:02.000000000Z two",
        ],
    );
    create_pod(cp, "web-0");
    let mut run = Following::spawn(&cp.admin, &["-n", NS, "-l", "app=web", "--follow"]);
    run.wait_for("web-0/app two");
    k.log(
        NS,
        "web-0",
        "app",
        false,
        &["2026-11-23T10:00:03.000000000Z three"],
    );
    run.wait_for("web-0/app three");

    // The container is OOM-killed and restarts; the new instance logs in the same second
    // as the old one's last line.
    k.log(
        NS,
        "web-0",
        "app",
        false,
        &["2026-11-23T10:00:04.000000000Z four (last words)"],
    );
    k.restart(NS, "web-0", "app");
    k.log(
        NS,
        "web-0",
        "app",
        false,
        &[
            "2026-11-23T10:00:04.500000000Z five (new instance)",
            "2026-11-23T10:00:05.000000000Z six",
        ],
    );
    cp.set_status("pod", Some(NS), "web-0", &running_status("web-0", 2, 1));
    run.wait_for("web-0/app six");

    // A new pod matching the selector is attached.
    k.log(
        NS,
        "web-1",
        "app",
        false,
        &["2026-11-23T10:00:06.000000000Z web-1 up"],
    );
    create_pod(cp, "web-1");
    run.wait_for("web-1/app web-1 up");
    let (lines, stderr) = run.stop();
    assert_eq!(
        lines,
        [
            "web-0/app one",
            "web-0/app two",
            "web-0/app three",
            "web-0/app four (last words)",
            "── web-0/app restarted: OOMKilled (137), restart 1 ──",
            "web-0/app five (new instance)",
            "web-0/app six",
            "web-1/app web-1 up",
        ]
    );
    assert_eq!(stderr, "");

    // Through the real log proxy: the old instance is the previous log.
    let previous = sidecar_live(&cp.admin, &["logs", "-n", NS, "web-0", "-p", "--no-prefix"]);
    assert_eq!(previous.ok(), "one\ntwo\nthree\nfour (last words)\n");
    let current = sidecar_live(&cp.admin, &["logs", "-n", NS, "web-0", "--no-prefix"]);
    assert_eq!(current.ok(), "five (new instance)\nsix\n");
    let tail = sidecar_live(
        &cp.admin,
        &["logs", "-n", NS, "web-0", "--tail", "1", "--no-prefix"],
    );
    assert_eq!(tail.ok(), "six\n");
}
