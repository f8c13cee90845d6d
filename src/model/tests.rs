//! Unit tests of the container model and the kubectl READY/STATUS port, on hand-built pods.

use serde_json::{Value, json};

use super::*;
use crate::source::target::WorkloadKind;
use crate::source::{SourcePod, WorkloadRef};

fn source(value: Value) -> SourcePod {
    SourcePod {
        pod: serde_json::from_value(value).expect("test pod is valid"),
        template_of: None,
    }
}

fn view(value: Value) -> PodView {
    build_pod_view(&source(value))
}

fn container<'a>(view: &'a PodView, name: &str) -> &'a ContainerView {
    view.containers
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no container {name}"))
}

fn running(name: &str, ready: bool, started: bool) -> Value {
    json!({"name": name, "image": "img", "imageID": "", "ready": ready, "started": started,
           "restartCount": 0, "state": {"running": {"startedAt": "2026-11-23T10:00:00Z"}}, "lastState": {}})
}

fn completed_init(name: &str) -> Value {
    json!({"name": name, "image": "img", "imageID": "", "ready": true, "started": false, "restartCount": 0,
           "state": {"terminated": {"exitCode": 0, "reason": "Completed",
               "startedAt": "2026-11-23T09:59:00Z", "finishedAt": "2026-11-23T09:59:30Z"}}, "lastState": {}})
}

fn waiting(name: &str, reason: &str) -> Value {
    json!({"name": name, "image": "img", "imageID": "", "ready": false, "started": false, "restartCount": 0,
           "state": {"waiting": {"reason": reason}}, "lastState": {}})
}

/// init → native sidecar → main → classic sidecar, all healthy.
fn four_roles() -> Value {
    json!({
        "metadata": {"name": "agent-0", "namespace": "obs"},
        "spec": {
            "initContainers": [
                {"name": "setup", "image": "busybox"},
                {"name": "proxy", "image": "envoy", "restartPolicy": "Always",
                 "startupProbe": {"tcpSocket": {"port": 9901}}}
            ],
            "containers": [
                {"name": "app", "image": "app", "resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "256Mi"}},
                 "ports": [{"containerPort": 8080}]},
                {"name": "shipper", "image": "fluent-bit"}
            ]
        },
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
            "initContainerStatuses": [completed_init("setup"), running("proxy", true, true)],
            "containerStatuses": [running("app", true, true), running("shipper", true, true)]
        }
    })
}

#[test]
fn roles_and_startup_positions() {
    let v = view(four_roles());
    let roles: Vec<(&str, Role, Option<u32>)> = v
        .containers
        .iter()
        .map(|c| (c.name.as_str(), c.role, c.position))
        .collect();
    assert_eq!(
        roles,
        vec![
            ("setup", Role::Init, Some(1)),
            ("proxy", Role::NativeSidecar, Some(2)),
            ("app", Role::Main, Some(3)),
            ("shipper", Role::Sidecar, Some(4)),
        ]
    );
    assert!(container(&v, "proxy").has_startup_probe);
    let app = container(&v, "app");
    assert_eq!(
        app.resources.requests.get("cpu").map(String::as_str),
        Some("100m")
    );
    assert_eq!(
        app.resources.limits.get("memory").map(String::as_str),
        Some("256Mi")
    );
    assert_eq!(app.ports[0].protocol, "TCP");
    assert!(!v.is_problem());
}

#[test]
fn native_sidecar_status_comes_from_init_container_statuses() {
    let v = view(four_roles());
    let proxy = container(&v, "proxy")
        .status
        .as_ref()
        .expect("status joined");
    assert!(proxy.ready);
    assert_eq!(proxy.started, Some(true));
    assert!(matches!(proxy.state, State::Running { .. }));
    // kubectl counts the native sidecar, not the finished init container.
    assert_eq!((v.ready, v.total), (Some(3), 3));
    assert_eq!(v.status.as_deref(), Some("Running"));
}

#[test]
fn default_container_annotation_picks_main() {
    let mut pod = four_roles();
    pod["metadata"]["annotations"] = json!({DEFAULT_CONTAINER_ANNOTATION: "shipper"});
    let v = view(pod);
    assert_eq!(container(&v, "shipper").role, Role::Main);
    assert_eq!(container(&v, "app").role, Role::Sidecar);
}

#[test]
fn annotation_naming_an_unknown_container_is_ignored() {
    let mut pod = four_roles();
    pod["metadata"]["annotations"] = json!({DEFAULT_CONTAINER_ANNOTATION: "nope"});
    assert_eq!(container(&view(pod), "app").role, Role::Main);
}

#[test]
fn injected_proxy_listed_first_is_not_main() {
    let pod = json!({
        "metadata": {"name": "vote-bot", "namespace": "emojivoto"},
        "spec": {"containers": [{"name": "linkerd-proxy", "image": "proxy"}, {"name": "vote-bot", "image": "bot"}]}
    });
    let v = view(pod);
    assert_eq!(container(&v, "vote-bot").role, Role::Main);
    assert_eq!(container(&v, "linkerd-proxy").role, Role::Sidecar);
}

#[test]
fn ephemeral_containers_have_no_position() {
    let mut pod = four_roles();
    pod["spec"]["ephemeralContainers"] = json!([{"name": "debugger", "image": "busybox"}]);
    pod["status"]["ephemeralContainerStatuses"] = json!([running("debugger", false, false)]);
    let v = view(pod);
    let debugger = container(&v, "debugger");
    assert_eq!(debugger.role, Role::Ephemeral);
    assert_eq!(debugger.position, None);
    assert!(debugger.status.is_some());
    assert!(
        !debugger.is_problem(),
        "ephemeral containers have no readiness"
    );
}

#[test]
fn missing_statuses_leave_status_empty() {
    let mut pod = four_roles();
    pod["status"]["containerStatuses"] = json!([running("app", true, true)]);
    let v = view(pod);
    assert!(container(&v, "shipper").status.is_none());
    assert!(!v.spec_only);
}

#[test]
fn pending_pod_without_container_statuses() {
    let pod = json!({
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"containers": [{"name": "app", "image": "app"}]},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}
    });
    let v = view(pod);
    assert_eq!(v.status.as_deref(), Some("Pending"));
    assert_eq!((v.ready, v.total), (Some(0), 1));
    assert!(v.containers[0].status.is_none());
    assert!(!v.spec_only);
}

#[test]
fn evicted_pod_before_1_22_has_no_container_statuses() {
    let pod = json!({
        "metadata": {"name": "sh", "namespace": "default"},
        "spec": {"containers": [{"name": "sh", "image": "busybox"}]},
        "status": {"phase": "Failed", "reason": "Evicted", "message": "The node was low on resource: memory. "}
    });
    let v = view(pod);
    assert_eq!(v.status.as_deref(), Some("Evicted"));
    assert_eq!(v.problem.as_deref(), Some("Evicted"));
    assert!(v.containers[0].status.is_none());
    assert!(v.is_problem());
}

#[test]
fn evicted_containers_are_not_oom() {
    let pod = json!({
        "metadata": {"name": "w", "namespace": "shop"},
        "spec": {"containers": [{"name": "w", "image": "w"}]},
        "status": {"phase": "Failed", "reason": "Evicted", "containerStatuses": [
            {"name": "w", "image": "w", "imageID": "", "ready": false, "started": false, "restartCount": 0,
             "state": {"terminated": {"exitCode": 137, "reason": "ContainerStatusUnknown",
                "message": "The container could not be located when the pod was terminated",
                "startedAt": null, "finishedAt": null}}, "lastState": {}}]}
    });
    let v = view(pod);
    let Some(ContainerStatusView {
        state: State::Terminated(t),
        ..
    }) = &v.containers[0].status
    else {
        panic!("terminated")
    };
    assert!(!t.is_oom());
    assert_eq!(t.signal_name, Some("SIGKILL"));
    assert_eq!(t.started_at, None);
}

#[test]
fn oom_is_read_from_reason_not_exit_code() {
    let mut pod = four_roles();
    pod["status"]["containerStatuses"][1]["restartCount"] = json!(27);
    pod["status"]["containerStatuses"][1]["lastState"] = json!({"terminated": {
        "exitCode": 0, "reason": "OOMKilled", "startedAt": "2026-11-23T09:00:00Z", "finishedAt": "2026-11-23T09:30:00Z"}});
    let v = view(pod);
    let shipper = container(&v, "shipper");
    let last = shipper
        .status
        .as_ref()
        .unwrap()
        .last_termination
        .as_ref()
        .unwrap();
    assert!(last.is_oom());
    assert!(!last.is_success());
    assert_eq!(shipper.problem.as_deref(), Some("OOMKilled, 27 restarts"));
    assert_eq!(v.restarts, 27);
}

#[test]
fn exit_137_with_error_reason_is_a_kill_not_oom() {
    let t = Termination::from_api(
        &serde_json::from_value(json!({"exitCode": 137, "reason": "Error"})).unwrap(),
    );
    assert!(!t.is_oom());
    assert_eq!(t.signal, Some(9));
}

#[test]
fn start_error_epoch_timestamps_are_dropped() {
    let t = Termination::from_api(
        &serde_json::from_value(json!({"exitCode": 128, "reason": "StartError",
            "startedAt": "1970-01-01T00:00:00Z", "finishedAt": "2024-05-01T10:00:00Z"}))
        .unwrap(),
    );
    assert_eq!(t.started_at, None);
    assert!(t.finished_at.is_some());
    assert_eq!(
        t.signal, None,
        "128 is containerd's StartError, not a signal"
    );
}

#[test]
fn init_blocked_shows_init_progress() {
    // setup done, migrate running between crashes, seed waiting: kubectl prints Init:1/3.
    let mut migrate = running("migrate", false, false);
    migrate["restartCount"] = json!(4);
    migrate["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error",
        "startedAt": "2026-11-23T11:58:00Z", "finishedAt": "2026-11-23T11:59:30Z"}});
    let pod = json!({
        "metadata": {"name": "ledger", "namespace": "payments"},
        "spec": {
            "initContainers": [{"name": "setup", "image": "b"}, {"name": "migrate", "image": "m"}, {"name": "seed", "image": "s"}],
            "containers": [{"name": "ledger", "image": "l"}]
        },
        "status": {"phase": "Pending",
            "conditions": [{"type": "Initialized", "status": "False"}],
            "initContainerStatuses": [completed_init("setup"), migrate, waiting("seed", "PodInitializing")],
            "containerStatuses": [waiting("ledger", "PodInitializing")]}
    });
    let v = view(pod);
    assert_eq!(v.status.as_deref(), Some("Init:1/3"));
    assert_eq!((v.ready, v.total), (Some(0), 1));
    assert_eq!(v.restarts, 4);
    assert_eq!(
        container(&v, "migrate").problem.as_deref(),
        Some("4 restarts, last Error")
    );
    assert!(
        !container(&v, "ledger").is_problem(),
        "PodInitializing is normal"
    );
}

#[test]
fn init_crash_loop_and_exit_codes_in_status() {
    let mut base = json!({
        "metadata": {"name": "p", "namespace": "n"},
        "spec": {"initContainers": [{"name": "i", "image": "i"}], "containers": [{"name": "c", "image": "c"}]},
        "status": {"phase": "Pending", "initContainerStatuses": [waiting("i", "CrashLoopBackOff")],
                   "containerStatuses": [waiting("c", "PodInitializing")]}
    });
    assert_eq!(
        view(base.clone()).status.as_deref(),
        Some("Init:CrashLoopBackOff")
    );
    base["status"]["initContainerStatuses"][0]["state"] = json!({"terminated": {"exitCode": 3}});
    assert_eq!(
        view(base.clone()).status.as_deref(),
        Some("Init:ExitCode:3")
    );
    base["status"]["initContainerStatuses"][0]["state"] =
        json!({"terminated": {"exitCode": 137, "signal": 9}});
    assert_eq!(view(base.clone()).status.as_deref(), Some("Init:Signal:9"));
    base["status"]["initContainerStatuses"][0]["state"] =
        json!({"terminated": {"exitCode": 1, "reason": "Error"}});
    assert_eq!(view(base).status.as_deref(), Some("Init:Error"));
}

#[test]
fn native_sidecar_not_started_blocks_init() {
    let pod = json!({
        "metadata": {"name": "p", "namespace": "n"},
        "spec": {"initContainers": [{"name": "proxy", "image": "p", "restartPolicy": "Always",
                                      "startupProbe": {"httpGet": {"path": "/ready", "port": 4191}}}],
                 "containers": [{"name": "app", "image": "a"}]},
        "status": {"phase": "Pending", "initContainerStatuses": [running("proxy", false, false)],
                   "containerStatuses": [waiting("app", "PodInitializing")]}
    });
    let v = view(pod);
    assert_eq!(v.status.as_deref(), Some("Init:0/1"));
    assert_eq!((v.ready, v.total), (Some(0), 2));
    assert_eq!(
        container(&v, "proxy").problem.as_deref(),
        Some("not started")
    );
}

#[test]
fn job_pod_with_running_classic_sidecar_is_not_ready() {
    let pod = json!({
        "metadata": {"name": "report-x", "namespace": "batch"},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "report", "image": "r"}, {"name": "cloud-sql-proxy", "image": "c"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [
                {"name": "report", "image": "r", "imageID": "", "ready": false, "started": false, "restartCount": 0,
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}, "lastState": {}},
                running("cloud-sql-proxy", true, true)]}
    });
    let v = view(pod);
    assert_eq!(v.status.as_deref(), Some("NotReady"));
    assert_eq!((v.ready, v.total), (Some(1), 2));
    assert!(!container(&v, "report").is_problem(), "exit 0 is success");
}

#[test]
fn restarts_after_init_count_sidecars_and_regular_containers_only() {
    let mut pod = four_roles();
    pod["status"]["initContainerStatuses"][0]["restartCount"] = json!(2);
    pod["status"]["initContainerStatuses"][1]["restartCount"] = json!(3);
    pod["status"]["initContainerStatuses"][1]["lastState"] = json!({"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "2026-11-23T11:00:00Z"}});
    pod["status"]["containerStatuses"][0]["restartCount"] = json!(1);
    pod["status"]["containerStatuses"][0]["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-11-23T11:30:00Z"}});
    let v = view(pod);
    assert_eq!(v.restarts, 4);
    assert_eq!(
        v.last_restart.map(|t| t.to_string()).as_deref(),
        Some("2026-11-23T11:30:00Z")
    );
}

#[test]
fn deleting_pod_is_terminating_and_sidecar_exits_are_expected() {
    let mut pod = four_roles();
    pod["metadata"]["deletionTimestamp"] = json!("2026-11-23T11:59:00Z");
    pod["status"]["containerStatuses"][1]["state"] =
        json!({"terminated": {"exitCode": 143, "reason": "Error"}});
    pod["status"]["containerStatuses"][1]["ready"] = json!(false);
    let v = view(pod);
    assert_eq!(v.status.as_deref(), Some("Terminating"));
    assert!(!container(&v, "shipper").is_problem());
}

#[test]
fn crash_looping_sidecar_that_exits_zero_is_a_problem() {
    let mut pod = four_roles();
    let mut reloader = waiting("shipper", "CrashLoopBackOff");
    reloader["restartCount"] = json!(5);
    reloader["lastState"] = json!({"terminated": {"exitCode": 0, "reason": "Completed"}});
    pod["status"]["containerStatuses"][1] = reloader;
    pod["status"]["conditions"][1]["status"] = json!("False");
    let v = view(pod);
    assert_eq!(
        container(&v, "shipper").problem.as_deref(),
        Some("CrashLoopBackOff")
    );
    assert_eq!(v.status.as_deref(), Some("CrashLoopBackOff"));
    assert_eq!(v.problem.as_deref(), Some("CrashLoopBackOff"));
    assert_eq!((v.ready, v.total), (Some(2), 3));
}

#[test]
fn running_but_not_ready_is_flagged() {
    let mut pod = four_roles();
    pod["status"]["containerStatuses"][0]["ready"] = json!(false);
    assert_eq!(
        container(&view(pod), "app").problem.as_deref(),
        Some("not ready")
    );
}

#[test]
fn manifests_are_spec_only() {
    let manifest = json!({
        "metadata": {"name": "hello"},
        "spec": {"containers": [{"name": "hello", "image": "h"}]},
        "status": {}
    });
    let v = view(manifest);
    assert!(v.spec_only);
    assert_eq!(v.status, None);
    assert_eq!(v.ready, None);
    assert_eq!(v.namespace, "default");
    assert!(!v.is_problem());

    let mut template = source(
        json!({"metadata": {"name": "api"}, "spec": {"containers": [{"name": "api", "image": "a"}]}}),
    );
    template.template_of = Some(WorkloadRef {
        kind: WorkloadKind::Deployment,
        name: "api".into(),
    });
    let v = build_pod_view(&template);
    assert!(v.spec_only);
    assert_eq!(v.display_name(), "default/api (Deployment template)");
}

#[test]
fn scheduling_gated_pod() {
    let pod = json!({
        "metadata": {"name": "p", "namespace": "n"},
        "spec": {"containers": [{"name": "c", "image": "c"}]},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}
    });
    assert_eq!(view(pod).status.as_deref(), Some("SchedulingGated"));
}

/// A pod of three regular containers `c0..c2` with the given states and pod conditions.
fn three_containers(states: [Value; 3], ready: [bool; 3], pod_ready: bool) -> Value {
    let statuses: Vec<Value> = states
        .into_iter()
        .zip(ready)
        .enumerate()
        .map(|(i, (state, ready))| {
            json!({"name": format!("c{i}"), "image": "x", "imageID": "", "ready": ready,
                   "restartCount": 0, "state": state, "lastState": {}})
        })
        .collect();
    json!({
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"restartPolicy": "Never", "containers": [
            {"name": "c0", "image": "x"}, {"name": "c1", "image": "x"}, {"name": "c2", "image": "x"}]},
        "status": {"phase": "Running",
            "conditions": [{"type": "Ready", "status": if pod_ready { "True" } else { "False" }}],
            "containerStatuses": statuses}
    })
}

fn exited(code: i32, reason: Option<&str>, signal: Option<i32>) -> Value {
    let mut t = json!({"exitCode": code, "startedAt": "2026-11-23T10:00:00Z",
                       "finishedAt": "2026-11-23T10:01:00Z"});
    if let Some(r) = reason {
        t["reason"] = json!(r);
    }
    if let Some(s) = signal {
        t["signal"] = json!(s);
    }
    json!({"terminated": t})
}

/// STATUS when the pod would otherwise read `Completed`: each case was read back from a
/// v1.36.2 API server's Table printer (`kubectl get pods`).
#[test]
fn completed_pod_shows_first_failing_container_like_server_1_36() {
    let done = || exited(0, Some("Completed"), None);
    let error = || exited(143, Some("Error"), None);
    let run = || json!({"running": {"startedAt": "2026-11-23T10:00:00Z"}});
    // (what, states, containers ready, pod Ready, expected STATUS)
    type Case = (&'static str, [Value; 3], [bool; 3], bool, &'static str);
    let cases: Vec<Case> = vec![
        (
            "sidecar after main exited 143",
            [done(), error(), done()],
            [false; 3],
            false,
            "Error",
        ),
        (
            "first failing wins",
            [done(), error(), exited(137, Some("OOMKilled"), None)],
            [false; 3],
            false,
            "Error",
        ),
        (
            "first failing wins (OOM)",
            [done(), exited(137, Some("OOMKilled"), None), error()],
            [false; 3],
            false,
            "OOMKilled",
        ),
        (
            "no reason",
            [done(), exited(143, None, None), done()],
            [false; 3],
            false,
            "ExitCode:143",
        ),
        (
            "signal",
            [done(), exited(137, None, Some(9)), done()],
            [false; 3],
            false,
            "Signal:9",
        ),
        (
            "signal with exit 0 is not failing",
            [done(), exited(0, None, Some(15)), done()],
            [false; 3],
            false,
            "Completed",
        ),
        (
            "reason Error with exit 0 is not failing",
            [done(), exited(0, Some("Error"), None), done()],
            [false; 3],
            false,
            "Completed",
        ),
        (
            "waiting is not failing",
            [
                done(),
                json!({"waiting": {"reason": "CrashLoopBackOff"}}),
                done(),
            ],
            [false; 3],
            false,
            "Completed",
        ),
        (
            "running and Ready wins",
            [done(), error(), run()],
            [false, false, true],
            true,
            "Running",
        ),
        (
            "failing beats NotReady",
            [done(), run(), error()],
            [false, true, false],
            false,
            "Error",
        ),
        (
            "NotReady without failing",
            [done(), run(), done()],
            [false, true, false],
            false,
            "NotReady",
        ),
        (
            "Ready pod with nothing running",
            [done(), error(), done()],
            [false; 3],
            true,
            "Error",
        ),
    ];
    for (what, states, ready, pod_ready, expected) in cases {
        let v = view(three_containers(states, ready, pod_ready));
        assert_eq!(v.status.as_deref(), Some(expected), "{what}");
    }
}

#[test]
fn failing_native_sidecar_does_not_replace_completed() {
    // Initialized pod: the native sidecar's exit 143 is not a regular container's failure.
    let pod = json!({
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"restartPolicy": "Never",
            "initContainers": [{"name": "side", "image": "x", "restartPolicy": "Always"}],
            "containers": [{"name": "main", "image": "x"}]},
        "status": {"phase": "Succeeded", "conditions": [{"type": "Initialized", "status": "True"}],
            "initContainerStatuses": [{"name": "side", "image": "x", "imageID": "", "ready": false,
                "started": false, "restartCount": 0, "state": exited(143, Some("Error"), None)}],
            "containerStatuses": [{"name": "main", "image": "x", "imageID": "", "ready": false,
                "restartCount": 0, "state": exited(0, Some("Completed"), None)}]}
    });
    assert_eq!(view(pod).status.as_deref(), Some("Completed"));
}
