//! The order group over realistic pods: the analysis it reads and the hazards it reports.

use serde_json::{Value, json};

use crate::model::finding::Severity;
use crate::model::order::*;
use crate::model::{Role, build_pod_view};
use crate::source::SourcePod;
use crate::source::WorkloadRef;
use crate::source::target::WorkloadKind;

const STARTUP_ORDER: &str = super::startup_order::RULE.id;
const SHUTDOWN_ORDER: &str = super::shutdown_order::RULE.id;
const INIT_BLOCKED: &str = super::init_blocked::RULE.id;
const SIDECAR_AS_INIT: &str = super::sidecar_as_init::RULE.id;

fn source(value: Value) -> SourcePod {
    SourcePod {
        pod: serde_json::from_value(value).expect("test pod is valid"),
        template_of: None,
    }
}

/// The report `kubectl sidecar order` prints: the analysis and the order group's findings.
fn order(value: Value) -> PodOrder {
    let pod = source(value);
    let mut order = analyze(&pod);
    let now = "2026-11-23T12:00:00Z".parse().expect("valid time");
    order.findings = super::findings(&pod, &build_pod_view(&pod), now);
    order
}

fn rules(order: &PodOrder) -> Vec<(&'static str, Severity, &str)> {
    order
        .findings
        .iter()
        .map(|f| (f.rule, f.severity, f.container.as_deref().unwrap_or("")))
        .collect()
}

fn gate_of_step(order: &PodOrder, name: &str) -> Gate {
    order
        .declared
        .iter()
        .find(|s| s.container == name)
        .unwrap_or_else(|| panic!("no step {name}"))
        .gate
        .clone()
}

fn running(name: &str, at: &str, started: bool, ready: bool) -> Value {
    json!({"name": name, "image": "img", "imageID": "", "ready": ready, "started": started,
           "restartCount": 0, "state": {"running": {"startedAt": at}}, "lastState": {}})
}

fn completed(name: &str, from: &str, to: &str) -> Value {
    json!({"name": name, "image": "img", "imageID": "", "ready": true, "started": false, "restartCount": 0,
           "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": from, "finishedAt": to}},
           "lastState": {}})
}

fn waiting(name: &str, reason: &str) -> Value {
    json!({"name": name, "image": "img", "imageID": "", "ready": false, "started": false, "restartCount": 0,
           "state": {"waiting": {"reason": reason}}, "lastState": {}})
}

fn condition(kind: &str, status: &str, at: &str) -> Value {
    json!({"type": kind, "status": status, "lastTransitionTime": at})
}

fn startup_probe(port: i32, failures: i32, period: i32) -> Value {
    json!({"httpGet": {"path": "/ready", "port": port}, "failureThreshold": failures, "periodSeconds": period})
}

/// setup (init) → envoy (native, startupProbe) → app, healthy and initialized.
fn healthy_native() -> Value {
    json!({
        "metadata": {"name": "web-0", "namespace": "shop"},
        "spec": {
            "terminationGracePeriodSeconds": 45,
            "initContainers": [
                {"name": "setup", "image": "busybox:1.36"},
                {"name": "envoy", "image": "envoyproxy/envoy:v1.32.1", "restartPolicy": "Always",
                 "startupProbe": startup_probe(9901, 30, 1),
                 "readinessProbe": {"httpGet": {"path": "/ready", "port": 9901}},
                 "lifecycle": {"preStop": {"sleep": {"seconds": 5}}}},
            ],
            "containers": [{"name": "app", "image": "ghcr.io/acme/app:1"}]
        },
        "status": {
            "phase": "Running",
            "startTime": "2026-11-23T10:00:00Z",
            "conditions": [
                condition("Initialized", "True", "2026-11-23T10:00:06Z"),
                condition("Ready", "True", "2026-11-23T10:00:09Z"),
            ],
            "initContainerStatuses": [
                completed("setup", "2026-11-23T10:00:02Z", "2026-11-23T10:00:03Z"),
                running("envoy", "2026-11-23T10:00:04Z", true, true),
            ],
            "containerStatuses": [running("app", "2026-11-23T10:00:07Z", true, true)]
        }
    })
}

#[test]
fn healthy_native_sidecar_pod_has_no_hazards() {
    let o = order(healthy_native());
    assert_eq!(rules(&o), vec![]);
    assert_eq!(gate_of_step(&o, "setup"), Gate::Completion);
    assert!(matches!(
        gate_of_step(&o, "envoy"),
        Gate::StartupProbe {
            budget_seconds: 30,
            post_start: None,
            ..
        }
    ));
    assert_eq!(gate_of_step(&o, "envoy").text(), "startupProbe (up to 30s)");
    assert_eq!(gate_of_step(&o, "app"), Gate::Nothing);
    let steps: Vec<(u32, &str, Role)> = o
        .declared
        .iter()
        .map(|s| (s.step, s.container.as_str(), s.role))
        .collect();
    assert_eq!(
        steps,
        vec![
            (1, "setup", Role::Init),
            (2, "envoy", Role::NativeSidecar),
            (3, "app", Role::Main)
        ]
    );
}

#[test]
fn startup_probe_budget_uses_api_defaults() {
    let mut pod = healthy_native();
    pod["spec"]["initContainers"][1]["startupProbe"] =
        json!({"tcpSocket": {"port": 9901}, "initialDelaySeconds": 5});
    let o = order(pod);
    // failureThreshold 3 × periodSeconds 10 + 5
    assert!(matches!(
        gate_of_step(&o, "envoy"),
        Gate::StartupProbe { budget_seconds: 35, ref probe, .. } if probe == "tcpSocket :9901"
    ));
}

#[test]
fn native_sidecar_without_startup_probe_is_released_at_process_start() {
    let mut pod = healthy_native();
    pod["spec"]["initContainers"][1]
        .as_object_mut()
        .unwrap()
        .remove("startupProbe");
    let o = order(pod);
    assert_eq!(gate_of_step(&o, "envoy"), Gate::ProcessStart);
    assert_eq!(rules(&o), vec![(STARTUP_ORDER, Severity::Info, "envoy")]);
    let f = &o.findings[0];
    assert!(
        f.summary.contains("app starts as soon as its process runs"),
        "{}",
        f.summary
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("readiness never gates"))
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e == "envoy started at +4s, app at +7s")
    );
}

#[test]
fn native_telemetry_sidecar_without_startup_probe_is_info() {
    let pod = json!({
        "metadata": {"name": "checkout", "namespace": "shop"},
        "spec": {
            "initContainers": [{"name": "metrics", "image": "otel/opentelemetry-collector-contrib:0.112.0",
                                "restartPolicy": "Always"}],
            "containers": [{"name": "checkout", "image": "acme/checkout"}]
        }
    });
    let o = order(pod);
    assert_eq!(rules(&o), vec![(STARTUP_ORDER, Severity::Info, "metrics")]);
    assert!(o.spec_only && o.timeline.is_none());
}

#[test]
fn native_sidecar_with_post_start_is_gated_by_it() {
    let mut pod = healthy_native();
    let envoy = &mut pod["spec"]["initContainers"][1];
    envoy.as_object_mut().unwrap().remove("startupProbe");
    envoy["lifecycle"]["postStart"] = json!({"exec": {"command": ["sh", "-c", "until wget -q localhost:9901/ready; do sleep 1; done"]}});
    let o = order(pod);
    assert_eq!(
        gate_of_step(&o, "envoy").text(),
        "postStart (sh -c 'until wget -q localhost:9901/ready; do sleep 1; done')"
    );
    assert_eq!(rules(&o), vec![]);
}

#[test]
fn post_start_on_a_regular_container_gates_the_next() {
    let pod = json!({
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"containers": [
            {"name": "linkerd-proxy", "image": "cr.l5d.io/linkerd/proxy:edge-24.1.1",
             "lifecycle": {"postStart": {"exec": {"command": ["/usr/lib/linkerd/linkerd-await", "--timeout=2m"]}}}},
            {"name": "web", "image": "acme/web"}
        ]}
    });
    let o = order(pod);
    assert_eq!(
        gate_of_step(&o, "linkerd-proxy").text(),
        "postStart (/usr/lib/linkerd/linkerd-await --timeout=2m)"
    );
    assert_eq!(gate_of_step(&o, "web"), Gate::Nothing);
    // Held by linkerd-await: no start-up hazard, only the shutdown one.
    assert_eq!(
        rules(&o),
        vec![(SHUTDOWN_ORDER, Severity::Info, "linkerd-proxy")]
    );
}

#[test]
fn shutdown_stops_regular_containers_then_natives_in_reverse() {
    let pod = json!({
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {
            "initContainers": [
                {"name": "setup", "image": "busybox"},
                {"name": "first", "image": "a", "restartPolicy": "Always", "startupProbe": startup_probe(1, 1, 1)},
                {"name": "second", "image": "b", "restartPolicy": "Always", "startupProbe": startup_probe(2, 1, 1),
                 "lifecycle": {"preStop": {"httpGet": {"path": "/drain", "port": 15000}}}}
            ],
            "containers": [
                {"name": "app", "image": "app", "lifecycle": {"preStop": {"exec": {"command": ["/bin/sleep", "10"]}}}},
                {"name": "helper", "image": "helper"}
            ]
        }
    });
    let o = order(pod);
    let steps: Vec<(u32, Vec<&str>)> = o
        .shutdown
        .steps
        .iter()
        .map(|s| {
            (
                s.step,
                s.containers.iter().map(|c| c.container.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            (1, vec!["app", "helper"]),
            (2, vec!["second"]),
            (3, vec!["first"])
        ]
    );
    assert_eq!(o.shutdown.grace_period_seconds, 30);
    assert!(o.shutdown.grace_period_defaulted);
    let app = &o.shutdown.steps[0].containers[0];
    assert_eq!(
        app.pre_stop,
        Some(Hook {
            action: "exec",
            detail: "/bin/sleep 10".into(),
            sleep_seconds: Some(10)
        })
    );
    let second = &o.shutdown.steps[1].containers[0];
    assert_eq!(
        second.pre_stop.as_ref().map(|h| h.detail.as_str()),
        Some("GET :15000/drain")
    );
    assert_eq!(rules(&o), vec![]);
}

fn pod_value_for_pre_stop() -> Value {
    json!({
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {
            "terminationGracePeriodSeconds": 30,
            "initContainers": [
                {"name": "envoy", "image": "envoyproxy/envoy:v1.32.1", "restartPolicy": "Always",
                 "startupProbe": startup_probe(9901, 30, 1),
                 "lifecycle": {"preStop": {"sleep": {"seconds": 30}}}}
            ],
            "containers": [
                {"name": "web", "image": "nginx", "lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", "sleep 60 && nginx -s quit"]}}}},
                {"name": "short", "image": "x", "lifecycle": {"preStop": {"exec": {"command": ["sleep", "29s"]}}}}
            ]
        }
    })
}

#[test]
fn pre_stop_longer_than_grace_period() {
    let pod = pod_value_for_pre_stop();
    let o = order(pod);
    assert_eq!(
        rules(&o),
        vec![
            (SHUTDOWN_ORDER, Severity::Info, "envoy"),
            (SHUTDOWN_ORDER, Severity::Info, "web"),
        ]
    );
    assert!(
        o.findings[0]
            .summary
            .contains("sleeps 30s, the whole 30s grace period")
    );
    let web = &o.findings[1];
    assert!(
        web.summary
            .contains("sleeps 60s, longer than the pod's 30s grace period")
    );
    // While the pod is being deleted the hazard hits: a warning (severity policy).
    let mut deleting = pod_value_for_pre_stop();
    deleting["metadata"]["deletionTimestamp"] = json!("2026-11-23T12:00:30Z");
    let o = order(deleting);
    assert!(
        o.findings
            .iter()
            .all(|f| f.rule == SHUTDOWN_ORDER && f.severity == Severity::Warning),
        "{:?}",
        rules(&o)
    );
    assert!(
        web.summary
            .contains("native sidecars, stopped after it, then get only 2s")
    );
    assert_eq!(
        web.evidence[0],
        "web preStop: exec sh -c 'sleep 60 && nginx -s quit'"
    );
}

/// wait-for-db done, migrate crash-looping, seed-cache not started: `Init:1/3`.
fn init_stuck() -> Value {
    json!({
        "metadata": {"name": "ledger", "namespace": "payments"},
        "spec": {
            "initContainers": [
                {"name": "wait-for-db", "image": "busybox"},
                {"name": "migrate", "image": "acme/migrate"},
                {"name": "seed-cache", "image": "acme/ledger"}
            ],
            "containers": [{"name": "ledger", "image": "acme/ledger"}]
        },
        "status": {
            "phase": "Pending",
            "startTime": "2026-11-23T11:52:05Z",
            "conditions": [{"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized",
                            "message": "containers with incomplete status: [migrate seed-cache]",
                            "lastTransitionTime": "2026-11-23T11:52:05Z"}],
            "initContainerStatuses": [
                completed("wait-for-db", "2026-11-23T11:52:08Z", "2026-11-23T11:52:31Z"),
                {"name": "migrate", "image": "img", "imageID": "", "ready": false, "started": true, "restartCount": 4,
                 "state": {"running": {"startedAt": "2026-11-23T11:59:40Z"}},
                 "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                    "startedAt": "2026-11-23T11:58:49Z", "finishedAt": "2026-11-23T11:59:30Z"}}},
                waiting("seed-cache", "PodInitializing")
            ],
            "containerStatuses": [waiting("ledger", "PodInitializing")]
        }
    })
}

#[test]
fn init_blocked_names_the_failing_init_container() {
    let o = order(init_stuck());
    assert_eq!(o.status.as_deref(), Some("Init:1/3"));
    assert_eq!(
        rules(&o),
        vec![(INIT_BLOCKED, Severity::Critical, "migrate")]
    );
    let f = &o.findings[0];
    assert_eq!(
        f.summary,
        "init container (init step 2 of 3) holding the pod in Init:1/3: running since +7m35s and has not exited; restarted 4 times, last Error (exit 1)"
    );
    assert!(f.evidence[0].contains("containers with incomplete status: [migrate seed-cache]"));
    assert!(
        f.evidence
            .iter()
            .any(|e| e == "migrate lastState: Error (exit 1) at +7m25s")
    );
    assert_eq!(
        f.fix.as_deref(),
        Some(
            "read why it fails: kubectl logs -n payments ledger -c migrate --previous; the pod starts only after it exits 0"
        )
    );
}

#[test]
fn a_restarting_native_sidecar_after_init_blocks_nothing() {
    let mut pod = healthy_native();
    pod["status"]["conditions"][0]["status"] = json!("False");
    pod["status"]["initContainerStatuses"][1] =
        running("envoy", "2026-11-23T11:00:00Z", false, false);
    pod["status"]["initContainerStatuses"][1]["restartCount"] = json!(3);
    let o = order(pod);
    assert!(
        o.findings.iter().all(|f| f.rule != INIT_BLOCKED),
        "{:?}",
        o.findings
    );
}

#[test]
fn init_blocked_on_an_image_pull_points_at_describe() {
    let mut pod = init_stuck();
    pod["status"]["initContainerStatuses"][1] = waiting("migrate", "ImagePullBackOff");
    let o = order(pod);
    assert_eq!(o.status.as_deref(), Some("Init:ImagePullBackOff"));
    assert_eq!(
        rules(&o),
        vec![(INIT_BLOCKED, Severity::Critical, "migrate")]
    );
    let f = &o.findings[0];
    assert!(
        f.summary.ends_with("waiting (ImagePullBackOff)"),
        "{}",
        f.summary
    );
    assert_eq!(
        f.fix.as_deref(),
        Some("check the image name and pull access: kubectl describe pod -n payments ledger")
    );
}

#[test]
fn init_blocked_on_a_slow_init_container_is_a_warning() {
    let mut pod = init_stuck();
    pod["status"]["initContainerStatuses"][1] =
        running("migrate", "2026-11-23T11:52:32Z", true, false);
    let o = order(pod);
    assert_eq!(
        rules(&o),
        vec![(INIT_BLOCKED, Severity::Warning, "migrate")]
    );
    assert!(
        o.findings[0]
            .fix
            .as_deref()
            .unwrap()
            .contains("kubectl logs -n payments ledger -c migrate")
    );
}

#[test]
fn init_blocked_picks_the_native_sidecar_whose_startup_probe_never_passes() {
    let pod = json!({
        "metadata": {"name": "api", "namespace": "shop"},
        "spec": {
            "initContainers": [
                {"name": "istio-init", "image": "docker.io/istio/proxyv2:1.24.2", "args": ["istio-iptables", "-p", "15001"]},
                {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.2", "restartPolicy": "Always",
                 "args": ["proxy", "sidecar"],
                 "startupProbe": {"httpGet": {"path": "/healthz/ready", "port": 15021}, "failureThreshold": 600, "periodSeconds": 1}}
            ],
            "containers": [{"name": "api", "image": "acme/api"}]
        },
        "status": {
            "phase": "Pending",
            "startTime": "2026-11-23T11:40:00Z",
            "conditions": [{"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized",
                            "message": "containers with incomplete status: [istio-proxy]",
                            "lastTransitionTime": "2026-11-23T11:40:00Z"}],
            "initContainerStatuses": [
                completed("istio-init", "2026-11-23T11:40:02Z", "2026-11-23T11:40:03Z"),
                {"name": "istio-proxy", "image": "img", "imageID": "", "ready": false, "started": false, "restartCount": 1,
                 "state": {"running": {"startedAt": "2026-11-23T11:50:16Z"}},
                 "lastState": {"terminated": {"exitCode": 137, "reason": "Error",
                    "startedAt": "2026-11-23T11:40:04Z", "finishedAt": "2026-11-23T11:50:05Z"}}}
            ],
            "containerStatuses": [waiting("api", "PodInitializing")]
        }
    });
    let o = order(pod);
    assert_eq!(o.status.as_deref(), Some("Init:1/2"));
    assert_eq!(
        rules(&o),
        vec![(INIT_BLOCKED, Severity::Critical, "istio-proxy")]
    );
    let f = &o.findings[0];
    assert!(
        f.summary.starts_with("native sidecar (init step 2 of 2) holding the pod in Init:1/2: running since +10m16s, but its startupProbe has not passed; restarted 1 time, last Error (exit 137)"),
        "{}",
        f.summary
    );
    assert!(f.evidence.iter().any(|e| {
        e.contains("failureThreshold 600 × periodSeconds 1 + initialDelaySeconds 0 = up to 600s")
    }));
    // istio-init shares the proxy image but is a one-shot: no sidecar-as-init.
    assert!(o.findings.iter().all(|f| f.rule != SIDECAR_AS_INIT));
    let timeline = o.timeline.as_ref().unwrap();
    let proxy = &timeline.containers[1];
    assert_eq!(proxy.runs.len(), 2);
    assert_eq!(proxy.runs[0].started_offset_seconds, Some(4));
    assert_eq!(proxy.runs[0].finished_offset_seconds, Some(605));
    assert_eq!(proxy.runs[1].started_offset_seconds, Some(616));
    assert!(proxy.runs[1].running);
}

fn stripped_cloud_sql_proxy(state: Value) -> Value {
    json!({
        "metadata": {"name": "reports", "namespace": "data"},
        "spec": {
            "initContainers": [
                {"name": "cloud-sql-proxy", "image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1",
                 "args": ["--port=5432", "acme:eu:db"], "ports": [{"containerPort": 9090}]}
            ],
            "containers": [{"name": "reports", "image": "acme/reports"}]
        },
        "status": {
            "phase": "Pending",
            "startTime": "2026-11-23T11:35:00Z",
            "conditions": [{"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized",
                            "message": "containers with incomplete status: [cloud-sql-proxy]",
                            "lastTransitionTime": "2026-11-23T11:35:00Z"}],
            "initContainerStatuses": [state],
            "containerStatuses": [waiting("reports", "PodInitializing")]
        }
    })
}

#[test]
fn sidecar_as_init_running_while_pod_is_in_init_was_stripped() {
    let o = order(stripped_cloud_sql_proxy(running(
        "cloud-sql-proxy",
        "2026-11-23T11:35:03Z",
        true,
        false,
    )));
    assert_eq!(
        rules(&o),
        vec![
            (INIT_BLOCKED, Severity::Critical, "cloud-sql-proxy"),
            (SIDECAR_AS_INIT, Severity::Critical, "cloud-sql-proxy"),
        ]
    );
    let f = &o.findings[1];
    assert!(
        f.summary.contains("probably stripped by an old API server"),
        "{}",
        f.summary
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e == "cloud-sql-proxy is running since +3s while the pod is Init:0/1")
    );
    assert!(f.evidence.iter().any(|e| e == "it serves port 9090"));
    assert!(
        o.findings[0]
            .summary
            .contains("it looks like a long-running sidecar, so it will never exit")
    );
}

#[test]
fn sidecar_as_init_without_status_is_a_warning_and_completed_ones_are_fine() {
    let mut spec_only = stripped_cloud_sql_proxy(json!({}));
    spec_only.as_object_mut().unwrap().remove("status");
    let o = order(spec_only);
    assert_eq!(
        rules(&o),
        vec![(SIDECAR_AS_INIT, Severity::Warning, "cloud-sql-proxy")]
    );
    assert!(
        o.findings[0]
            .fix
            .as_deref()
            .unwrap()
            .starts_with("add restartPolicy: Always")
    );

    let finished = order(stripped_cloud_sql_proxy(completed(
        "cloud-sql-proxy",
        "2026-11-23T11:35:03Z",
        "2026-11-23T11:35:09Z",
    )));
    assert!(finished.findings.iter().all(|f| f.rule != SIDECAR_AS_INIT));
}

#[test]
fn probes_on_a_plain_init_container_look_long_running() {
    let pod = json!({
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {
            "initContainers": [
                {"name": "agent", "image": "acme/agent", "readinessProbe": {"tcpSocket": {"port": 80}}},
                {"name": "vault-agent-init", "image": "hashicorp/vault:1.18", "args": ["agent", "-config=/c.hcl"]},
                {"name": "istio-validation", "image": "docker.io/istio/proxyv2:1.24.2"}
            ],
            "containers": [{"name": "app", "image": "app"}]
        }
    });
    let o = order(pod);
    assert_eq!(
        rules(&o),
        vec![(SIDECAR_AS_INIT, Severity::Warning, "agent")]
    );
    assert!(o.findings[0].evidence[1].contains("readinessProbe"));
}

#[test]
fn classic_proxy_after_the_app_races_it() {
    let pod = json!({
        "metadata": {"name": "reviews", "namespace": "shop",
                     "annotations": {"kubectl.kubernetes.io/default-container": "reviews"}},
        "spec": {"containers": [
            {"name": "reviews", "image": "acme/reviews"},
            {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.2", "args": ["proxy", "sidecar"]}
        ]},
        "status": {
            "phase": "Running",
            "startTime": "2026-11-20T16:30:12Z",
            "conditions": [condition("Initialized", "True", "2026-11-20T16:30:16Z")],
            "containerStatuses": [
                running("istio-proxy", "2026-11-20T16:30:18Z", true, true),
                running("reviews", "2026-11-20T16:30:17Z", true, true)
            ]
        }
    });
    let o = order(pod);
    assert_eq!(
        rules(&o),
        vec![
            (STARTUP_ORDER, Severity::Warning, "istio-proxy"),
            (SHUTDOWN_ORDER, Severity::Info, "istio-proxy"),
        ]
    );
    let startup = &o.findings[0];
    assert!(
        startup
            .summary
            .ends_with("(reviews started at +5s, istio-proxy at +6s)"),
        "{}",
        startup.summary
    );
    assert!(
        startup
            .fix
            .as_deref()
            .unwrap()
            .contains("holdApplicationUntilProxyStarts")
    );
}

#[test]
fn classic_proxy_that_never_started_is_named() {
    let pod = json!({
        "metadata": {"name": "search", "namespace": "shop"},
        "spec": {"containers": [
            {"name": "search", "image": "acme/search"},
            {"name": "envoy", "image": "envoyproxy/envoy:v1.32.1"}
        ]},
        "status": {
            "phase": "Running",
            "startTime": "2026-11-23T11:41:10Z",
            "containerStatuses": [
                running("search", "2026-11-23T11:41:14Z", true, true),
                waiting("envoy", "ImagePullBackOff")
            ]
        }
    });
    let o = order(pod);
    let startup = o.findings.iter().find(|f| f.rule == STARTUP_ORDER).unwrap();
    assert!(
        startup
            .summary
            .ends_with("(search started at +4s; envoy has not started: ImagePullBackOff)"),
        "{}",
        startup.summary
    );
}

#[test]
fn classic_proxy_before_the_app_without_hold_still_races() {
    let pod = json!({
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"containers": [
            {"name": "cloud-sql-proxy", "image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1",
             "lifecycle": {"preStop": {"exec": {"command": ["sleep", "20"]}}}},
            {"name": "app", "image": "acme/app"}
        ]}
    });
    let o = order(pod);
    assert_eq!(
        rules(&o),
        vec![
            (STARTUP_ORDER, Severity::Info, "cloud-sql-proxy"),
            (SHUTDOWN_ORDER, Severity::Info, "cloud-sql-proxy"),
        ]
    );
    assert!(
        o.findings[0]
            .summary
            .contains("without a postStart hold: app starts right after it")
    );
    assert!(o.findings[1].summary.contains("delays its SIGTERM by 20s"));
}

#[test]
fn job_pods_leave_the_classic_sidecar_to_diagnose() {
    let mut pod = json!({
        "metadata": {"name": "report-x", "namespace": "batch", "labels": {"job-name": "report"}},
        "spec": {"restartPolicy": "Never", "containers": [
            {"name": "report", "image": "acme/report"},
            {"name": "cloud-sql-proxy", "image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1"}
        ]}
    });
    let o = order(pod.clone());
    assert_eq!(
        rules(&o),
        vec![(STARTUP_ORDER, Severity::Info, "cloud-sql-proxy")]
    );
    assert!(
        o.findings
            .iter()
            .all(|f| f.rule != "job-sidecar-never-exits")
    );

    // The same pod read from a CronJob template.
    pod["metadata"].as_object_mut().unwrap().remove("labels");
    pod["spec"]["restartPolicy"] = json!("OnFailure");
    let template = SourcePod {
        pod: serde_json::from_value(pod).unwrap(),
        template_of: Some(WorkloadRef {
            kind: WorkloadKind::CronJob,
            name: "report".into(),
        }),
    };
    let now = "2026-11-23T12:00:00Z".parse().expect("valid time");
    assert_eq!(
        super::findings(&template, &build_pod_view(&template), now).len(),
        1
    );
}

#[test]
fn generic_classic_sidecars_raise_nothing() {
    let pod = json!({
        "metadata": {"name": "pg-0", "namespace": "data"},
        "spec": {"containers": [
            {"name": "postgres", "image": "postgres:17.2"},
            {"name": "postgres-exporter", "image": "quay.io/prometheuscommunity/postgres-exporter:v0.16.0"}
        ]}
    });
    assert_eq!(rules(&order(pod)), vec![]);
}

#[test]
fn timeline_offsets_and_start_error() {
    let pod = json!({
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"containers": [{"name": "app", "image": "a"}, {"name": "broken", "image": "b"}]},
        "status": {
            "phase": "Running",
            "startTime": "2026-11-23T10:00:00Z",
            "conditions": [condition("Ready", "False", "2026-11-23T10:00:00Z")],
            "containerStatuses": [
                running("app", "2026-11-23T10:00:03Z", true, true),
                {"name": "broken", "image": "b", "imageID": "", "ready": false, "restartCount": 2,
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"exitCode": 128, "reason": "StartError",
                    "startedAt": "1970-01-01T00:00:00Z", "finishedAt": "2026-11-23T10:01:00Z"}}}
            ]
        }
    });
    let o = order(pod);
    let t = o.timeline.as_ref().unwrap();
    assert_eq!(t.end_offset_seconds, Some(60));
    assert_eq!(t.conditions[0].offset_seconds, Some(0));
    let broken = &t.containers[1];
    assert_eq!(
        (broken.state, broken.reason.as_deref()),
        ("waiting", Some("CrashLoopBackOff"))
    );
    assert_eq!(broken.runs.len(), 1);
    let run = &broken.runs[0];
    assert!(run.never_started);
    assert_eq!((run.started_at, run.started_offset_seconds), (None, None));
    assert_eq!(run.finished_offset_seconds, Some(60));
    assert_eq!(run.exit_code, Some(128));
}

#[test]
fn unknown_start_time_keeps_offsets_unknown() {
    let mut pod = healthy_native();
    pod["status"].as_object_mut().unwrap().remove("startTime");
    let o = order(pod);
    let t = o.timeline.as_ref().unwrap();
    assert_eq!(t.start_time, None);
    assert_eq!(t.end_offset_seconds, None);
    assert!(t.containers[2].runs[0].started_at.is_some());
    assert_eq!(t.containers[2].runs[0].started_offset_seconds, None);
}

#[test]
fn container_filter_keeps_pod_level_findings() {
    let mut o = order(init_stuck());
    o.retain_containers(|n| n == "ledger");
    assert_eq!(o.declared.len(), 1);
    assert_eq!(o.shutdown.steps.len(), 1);
    assert!(o.findings.is_empty());
    assert_eq!(o.timeline.as_ref().unwrap().containers.len(), 1);
}

#[test]
fn offsets_read_exactly() {
    assert_eq!(offset_text(0), "+0s");
    assert_eq!(offset_text(59), "+59s");
    assert_eq!(offset_text(65), "+1m5s");
    assert_eq!(offset_text(600), "+10m");
    assert_eq!(offset_text(3600), "+1h");
    assert_eq!(offset_text(3605), "+1h0m5s");
    assert_eq!(offset_text(95_517), "+26h31m57s");
    assert_eq!(offset_text(-3), "-3s");
}

#[test]
fn image_repositories() {
    assert_eq!(
        crate::model::image_repository("docker.io/istio/proxyv2:1.24.2"),
        "docker.io/istio/proxyv2"
    );
    assert_eq!(
        crate::model::image_repository("localhost:5000/envoy@sha256:abc"),
        "localhost:5000/envoy"
    );
    assert_eq!(crate::model::image_repository("Envoy"), "envoy");
    assert_eq!(crate::model::image_repository(""), "");
}

#[test]
fn no_panic_on_an_empty_pod() {
    let o = order(json!({}));
    assert!(o.declared.is_empty() && o.shutdown.steps.is_empty() && o.findings.is_empty());
    let o = order(json!({"metadata": {"name": "x"}, "spec": {"containers": []}, "status": {}}));
    assert!(o.findings.is_empty());
}
