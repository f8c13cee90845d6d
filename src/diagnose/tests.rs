//! Per-rule tests: a fixture that triggers the rule, and a close one that must not.
//! Fixtures are the realistic pods under tests/fixtures/cluster, edited where a variant helps.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::*;
use crate::model::events::PodEvent;
use crate::source::target::WorkloadKind;
use crate::source::{SourcePod, WorkloadRef};

const NOW: &str = "2026-11-23T12:00:00Z";

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/cluster/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture exists")).unwrap()
}

fn source(value: Value) -> SourcePod {
    SourcePod {
        pod: serde_json::from_value(value).expect("valid pod"),
        template_of: None,
    }
}

fn event(pod: &Value, container: &str, reason: &str, message: &str, count: u32) -> PodEvent {
    PodEvent {
        namespace: pod["metadata"]["namespace"].as_str().unwrap().to_string(),
        pod: pod["metadata"]["name"].as_str().unwrap().to_string(),
        pod_uid: pod["metadata"]["uid"].as_str().map(str::to_string),
        container: Some(container.to_string()),
        reason: reason.to_string(),
        message: message.to_string(),
        warning: reason != "Pulled",
        count,
        last_seen: Some("2026-11-23T11:59:00Z".parse().unwrap()),
    }
}

/// Every pod diagnosed in order, without previous logs.
fn diagnose(pods: &[SourcePod], evidence: &Evidence, now: Timestamp) -> Diagnosis {
    let mut diagnoser = Diagnoser::new(evidence, now);
    for (position, pod) in pods.iter().enumerate() {
        diagnoser.add(position, pod, BTreeMap::new());
    }
    diagnoser.finish()
}

/// [`diagnose`] without evidence, with the pods per owner it counted (for grouping).
fn diagnose_counting_owners(pods: &[SourcePod]) -> (Diagnosis, OwnerCounts) {
    let evidence = Evidence::default();
    let mut diagnoser = Diagnoser::new(&evidence, now());
    for (position, pod) in pods.iter().enumerate() {
        diagnoser.add(position, pod, BTreeMap::new());
    }
    let per_owner = diagnoser.pods_per_owner.clone();
    (diagnoser.finish(), per_owner)
}

fn run_with(pods: Vec<SourcePod>, evidence: &Evidence) -> Vec<PodFinding> {
    diagnose(&pods, evidence, now())
        .findings()
        .cloned()
        .collect()
}

fn run(pod: Value) -> Vec<PodFinding> {
    run_with(vec![source(pod)], &Evidence::default())
}

fn with_rule<'a>(findings: &'a [PodFinding], rule: &str) -> Vec<&'a PodFinding> {
    findings.iter().filter(|f| f.finding.rule == rule).collect()
}

fn only<'a>(findings: &'a [PodFinding], rule: &str) -> &'a PodFinding {
    let matching = with_rule(findings, rule);
    assert_eq!(
        matching.len(),
        1,
        "one {rule} finding expected: {findings:#?}"
    );
    matching[0]
}

#[test]
fn volume_findings_are_reported_under_their_own_ids() {
    let findings = run(fixture("web-logs.json"));
    let f = only(&findings, "mount-mismatch");
    assert_eq!(f.finding.container.as_deref(), Some("log-reader"));
    assert_eq!(f.finding.severity, Severity::Warning);
}

#[test]
fn healthy_pods_have_no_findings() {
    // Running fine, with only design notes: no warning or worse about agent-0.
    let findings = run(fixture("agent-native.json"));
    assert!(
        findings
            .iter()
            .all(|f| f.finding.severity == Severity::Info),
        "{findings:#?}"
    );
}

#[test]
fn order_hazards_are_reported_under_their_own_ids() {
    let findings = run(fixture("istio-injected.json"));
    let f = only(&findings, "shutdown-order");
    assert_eq!(f.finding.container.as_deref(), Some("istio-proxy"));
    // The shutdown race has not hit a running pod yet: hygiene (severity policy).
    assert_eq!(f.finding.severity, Severity::Info);
    assert_eq!(
        only(&findings, "startup-order")
            .finding
            .container
            .as_deref(),
        Some("istio-proxy")
    );

    let findings = run(fixture("init-stuck.json"));
    let f = only(&findings, "init-blocked");
    assert_eq!(f.finding.container.as_deref(), Some("migrate"));
    assert_eq!(f.finding.severity, Severity::Critical);
}

// ---------------------------------------------------------------- oom-killed

#[test]
fn oom_killed_native_sidecar() {
    let findings = run(fixture("oom-native-sidecar.json"));
    let f = only(&findings, "oom-killed");
    // Running again in a Ready pod: the kill hurt, the pod works (severity policy).
    assert_eq!(f.finding.severity, Severity::Warning);
    assert_eq!(f.finding.container.as_deref(), Some("metrics-sidecar"));
    assert_eq!(f.role, Some(Role::NativeSidecar));
    assert_eq!(
        f.finding.summary,
        "metrics-sidecar (native-sidecar): OOMKilled (exit 137), 7 restarts, last 4m ago; memory limit 64Mi"
    );
    assert!(
        f.finding
            .evidence
            .iter()
            .any(|e| e.contains("the pod stays up"))
    );
    // The restarts are explained by the OOM kill: no separate restart-storm finding.
    assert!(with_rule(&findings, "restart-storm").is_empty());
}

#[test]
fn oom_is_read_from_reason_even_with_exit_0() {
    let mut pod = fixture("oom-native-sidecar.json");
    pod["status"]["initContainerStatuses"][0]["lastState"]["terminated"]["exitCode"] = json!(0);
    let findings = run(pod);
    assert!(
        only(&findings, "oom-killed")
            .finding
            .summary
            .contains("OOMKilled (exit 0)")
    );
}

#[test]
fn exit_137_without_oom_reason_is_not_oom() {
    let mut pod = fixture("oom-native-sidecar.json");
    pod["status"]["initContainerStatuses"][0]["lastState"]["terminated"]["reason"] = json!("Error");
    let findings = run(pod);
    assert!(
        with_rule(&findings, "oom-killed").is_empty(),
        "{findings:#?}"
    );
}

// ---------------------------------------------------------------- evicted

#[test]
fn evicted_names_the_log_sidecar_and_its_usage() {
    let findings = run(fixture("evicted.json"));
    let f = only(&findings, "evicted");
    assert_eq!(f.finding.severity, Severity::Critical);
    assert_eq!(f.finding.container.as_deref(), Some("log-shipper"));
    assert_eq!(
        f.finding.summary,
        "pod evicted: node low on ephemeral-storage; log-shipper (sidecar) used 13.7Gi with request 0"
    );
    let evidence = f.finding.evidence.join("\n");
    assert!(evidence.contains("not an OOM kill"), "{evidence}");
    assert!(evidence.contains("emptyDir spool (mounted by log-shipper) has no sizeLimit"));
    assert!(with_rule(&findings, "oom-killed").is_empty());
}

#[test]
fn eviction_detected_from_disruption_condition_without_reason() {
    let mut pod = fixture("evicted.json");
    pod["status"].as_object_mut().unwrap().remove("reason");
    let findings = run(pod);
    let f = only(&findings, "evicted");
    assert!(f.finding.evidence[0].starts_with("condition DisruptionTarget=True"));
}

#[test]
fn eviction_without_container_statuses_gives_no_oom_verdict() {
    let mut pod = fixture("evicted.json");
    let status = pod["status"].as_object_mut().unwrap();
    status.remove("containerStatuses");
    status.remove("conditions");
    status.insert(
        "message".into(),
        json!("The node was low on resource: memory. "),
    );
    let findings = run(pod);
    let f = only(&findings, "evicted");
    assert_eq!(f.finding.summary, "pod evicted: node low on memory");
    assert!(
        f.finding
            .evidence
            .iter()
            .any(|e| e.contains("no OOM verdict"))
    );
}

#[test]
fn other_pod_failures_are_not_evictions() {
    let mut pod = fixture("evicted.json");
    pod["status"]["reason"] = json!("DeadlineExceeded");
    pod["status"]["conditions"] = json!([{"type": "DisruptionTarget", "status": "True",
        "reason": "PreemptionByScheduler", "message": "default-scheduler: preempting to accommodate a higher priority pod"}]);
    assert!(with_rule(&run(pod), "evicted").is_empty());
}

// ---------------------------------------------------------------- crash-loop

#[test]
fn crash_loop_exit_0_sidecar() {
    let findings = run(fixture("crashloop-exit0-sidecar.json"));
    let f = only(&findings, "crash-loop");
    assert_eq!(f.finding.severity, Severity::Critical);
    assert_eq!(f.finding.container.as_deref(), Some("config-reloader"));
    assert!(f.finding.summary.contains("CrashLoopBackOff, 5 restarts"));
    assert!(
        f.finding
            .summary
            .contains("exit 0: the process finishes by design")
    );
    assert!(
        f.finding
            .fix
            .as_deref()
            .unwrap()
            .contains("long-running command")
    );
}

#[test]
fn crash_loop_shows_previous_log_lines() {
    let pod = fixture("crashloop-exit0-sidecar.json");
    let evidence = Evidence::default();
    let lines = vec!["copied 3 files".to_string()];
    let mut diagnoser = Diagnoser::new(&evidence, now());
    diagnoser.add(
        0,
        &source(pod),
        BTreeMap::from([("config-reloader", lines.as_slice())]),
    );
    let findings: Vec<PodFinding> = diagnoser.finish().findings().cloned().collect();
    let f = only(&findings, "crash-loop");
    assert!(
        f.finding
            .evidence
            .contains(&"previous log: copied 3 files".to_string())
    );
}

#[test]
fn exit_codes_are_explained() {
    let t = |code| crate::model::Termination {
        reason: Some("Error".into()),
        exit_code: code,
        signal: None,
        signal_name: None,
        message: None,
        started_at: None,
        finished_at: None,
    };
    let explain = |code| crate::checks::status::crash_loop::explain_exit(&t(code), Role::Main);
    assert!(explain(127).contains("not found"));
    assert!(explain(126).contains("not executable"));
    assert!(explain(137).contains("not an OOM"));
    assert!(explain(139).contains("SIGSEGV"));
    assert!(explain(143).contains("SIGTERM"));
    assert!(explain(134).contains("SIGABRT"));
    assert!(explain(3).contains("application error"));
}

#[test]
fn init_container_restarting_is_a_crash_loop_warning() {
    let findings = run(fixture("init-stuck.json"));
    let f = only(&findings, "crash-loop");
    assert_eq!(f.finding.severity, Severity::Warning);
    assert_eq!(f.finding.container.as_deref(), Some("migrate"));
    assert_eq!(f.role, Some(Role::Init));
}

// ---------------------------------------------------------------- image-pull

#[test]
fn image_pull_uses_the_pull_errors() {
    let pod = fixture("image-pull.json");
    let not_found = event(
        &pod,
        "envoy",
        "Failed",
        "Failed to pull image \"envoyproxy/envoy:v1.99.0\": rpc error: code = NotFound desc = docker.io/envoyproxy/envoy:v1.99.0: not found",
        8,
    );
    let evidence = Evidence {
        events: vec![not_found],
        have_events: true,
        ..Evidence::default()
    };
    let findings = run_with(vec![source(pod.clone())], &evidence);
    let f = only(&findings, "image-pull");
    assert_eq!(f.finding.container.as_deref(), Some("envoy"));
    assert_eq!(
        f.finding.summary,
        "envoy (sidecar): ImagePullBackOff for image envoyproxy/envoy:v1.99.0"
    );
    assert!(f.finding.fix.as_deref().unwrap().contains("does not exist"));
    // Without events the advice stays general.
    let findings = run(pod);
    assert!(
        only(&findings, "image-pull")
            .finding
            .fix
            .as_deref()
            .unwrap()
            .contains("imagePullSecrets")
    );
}

// ---------------------------------------------------------------- config-error and hooks

fn waiting_pod(reason: &str, message: &str) -> Value {
    let mut pod = fixture("web-logs.json");
    pod["status"]["containerStatuses"][0]["state"] =
        json!({"waiting": {"reason": reason, "message": message}});
    pod["status"]["containerStatuses"][0]["ready"] = json!(false);
    pod
}

#[test]
fn config_error_with_missing_secret() {
    let findings = run(waiting_pod(
        "CreateContainerConfigError",
        "secret \"log-reader-token\" not found",
    ));
    let f = only(&findings, "config-error");
    assert_eq!(f.finding.container.as_deref(), Some("log-reader"));
    assert!(
        f.finding
            .summary
            .contains("secret \"log-reader-token\" not found")
    );
    assert!(
        f.finding
            .fix
            .as_deref()
            .unwrap()
            .contains("create the missing")
    );
}

#[test]
fn start_error_from_a_bad_mount() {
    let mut pod = fixture("web-logs.json");
    pod["status"]["containerStatuses"][1]["state"] = json!({"terminated": {"exitCode": 128,
        "reason": "StartError", "startedAt": "1970-01-01T00:00:00Z", "finishedAt": "2026-11-23T11:00:00Z",
        "message": "failed to create containerd task: error mounting \"/etc/hosts\": read-only file system"}});
    let findings = run(pod);
    let f = only(&findings, "config-error");
    assert_eq!(f.finding.container.as_deref(), Some("nginx"));
    assert!(f.finding.fix.as_deref().unwrap().contains("mountPath"));
}

#[test]
fn normal_waiting_reasons_are_not_errors() {
    let findings = run(waiting_pod("ContainerCreating", ""));
    assert!(with_rule(&findings, "config-error").is_empty());
    assert!(with_rule(&findings, "image-pull").is_empty());
}

#[test]
fn post_start_hook_failure() {
    let findings = run(waiting_pod(
        "PostStartHookError",
        "Exec lifecycle hook ([/usr/lib/linkerd/linkerd-await --timeout=2m]) for Container \"log-reader\" failed - error: command terminated with exit code 1",
    ));
    let f = only(&findings, "hook-failed");
    assert_eq!(f.finding.severity, Severity::Critical);
    assert!(f.finding.summary.contains("postStart hook failed"));
}

// ---------------------------------------------------------------- sidecar-not-ready

fn unready_sidecar_pod() -> Value {
    let mut pod = fixture("web-logs.json");
    pod["status"]["containerStatuses"][0]["ready"] = json!(false);
    for condition in pod["status"]["conditions"].as_array_mut().unwrap() {
        if condition["type"] == "Ready" || condition["type"] == "ContainersReady" {
            condition["status"] = json!("False");
        }
    }
    pod
}

#[test]
fn sidecar_not_ready_with_probe_events() {
    let pod = unready_sidecar_pod();
    let failures = event(
        &pod,
        "log-reader",
        "Unhealthy",
        "Readiness probe failed: HTTP probe failed with statuscode: 503",
        12,
    );
    let evidence = Evidence {
        events: vec![failures],
        have_events: true,
        ..Evidence::default()
    };
    let findings = run_with(vec![source(pod)], &evidence);
    let f = only(&findings, "sidecar-not-ready");
    assert_eq!(f.finding.container.as_deref(), Some("log-reader"));
    assert!(f.finding.summary.contains("READY 1/2"));
    assert!(f.finding.summary.contains("12 probe failures"));
}

#[test]
fn ready_pod_or_unready_main_is_not_a_sidecar_problem() {
    let mut pod = unready_sidecar_pod();
    pod["status"]["containerStatuses"][0]["ready"] = json!(true);
    pod["status"]["containerStatuses"][1]["ready"] = json!(false);
    assert!(with_rule(&run(pod), "sidecar-not-ready").is_empty());
    assert!(with_rule(&run(fixture("web-logs.json")), "sidecar-not-ready").is_empty());
}

// ---------------------------------------------------------------- job-sidecar-never-exits

#[test]
fn job_with_running_classic_sidecar() {
    let findings = run(fixture("job-sidecar-never-exits.json"));
    let f = only(&findings, "job-sidecar-never-exits");
    assert_eq!(f.finding.severity, Severity::Critical);
    assert_eq!(f.finding.container.as_deref(), Some("cloud-sql-proxy"));
    assert!(
        f.finding
            .summary
            .starts_with("report finished 3h ago (exit 0)")
    );
    assert!(
        f.finding
            .fix
            .as_deref()
            .unwrap()
            .contains("restartPolicy: Always")
    );
    assert_eq!(f.owner.as_deref(), Some("job/nightly-report-29384716"));
}

#[test]
fn old_server_gets_a_different_fix() {
    let evidence = Evidence {
        server_version: Some((1, 27)),
        ..Evidence::default()
    };
    let findings = run_with(
        vec![source(fixture("job-sidecar-never-exits.json"))],
        &evidence,
    );
    let fix = only(&findings, "job-sidecar-never-exits")
        .finding
        .fix
        .clone()
        .unwrap();
    assert!(fix.contains("v1.27, too old"), "{fix}");
}

#[test]
fn finished_sidecar_or_non_job_pod_is_fine() {
    let mut pod = fixture("job-sidecar-never-exits.json");
    pod["status"]["containerStatuses"][0]["state"] =
        json!({"terminated": {"exitCode": 0, "reason": "Completed"}});
    assert!(with_rule(&run(pod), "job-sidecar-never-exits").is_empty());

    let mut pod = fixture("job-sidecar-never-exits.json");
    pod["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("ownerReferences");
    pod["metadata"].as_object_mut().unwrap().remove("labels");
    assert!(with_rule(&run(pod), "job-sidecar-never-exits").is_empty());
}

#[test]
fn job_template_with_classic_sidecar_is_a_pre_deploy_warning() {
    let mut template = source(json!({
        "metadata": {"name": "nightly", "namespace": "batch"},
        "spec": {"restartPolicy": "Never", "containers": [
            {"name": "export", "image": "e", "resources": {"requests": {"cpu": "1"}}},
            {"name": "cloud-sql-proxy", "image": "p", "resources": {"requests": {"cpu": "10m"}}}]}
    }));
    template.template_of = Some(WorkloadRef {
        kind: WorkloadKind::CronJob,
        name: "nightly".into(),
    });
    let findings = run_with(vec![template], &Evidence::default());
    let f = only(&findings, "job-sidecar-never-exits");
    assert_eq!(f.finding.severity, Severity::Warning);
    assert_eq!(f.owner.as_deref(), Some("cronjob/nightly"));
}

// ---------------------------------------------------------------- probe-kill and restart-storm

fn liveness_killed_pod() -> Value {
    let mut pod = fixture("web-logs.json");
    pod["spec"]["containers"][0]["livenessProbe"] = json!({"exec": {"command": ["false"]},
        "failureThreshold": 2, "periodSeconds": 5, "initialDelaySeconds": 1});
    let status = &mut pod["status"]["containerStatuses"][1];
    status["restartCount"] = json!(3);
    status["lastState"] = json!({"terminated": {"exitCode": 137, "reason": "Error",
        "startedAt": "2026-11-23T11:58:00Z", "finishedAt": "2026-11-23T11:58:12Z"}});
    pod
}

#[test]
fn liveness_probe_kill_needs_events() {
    let pod = liveness_killed_pod();
    assert!(
        with_rule(&run(pod.clone()), "probe-kill").is_empty(),
        "silent offline"
    );
    let evidence = Evidence {
        events: vec![event(
            &pod,
            "nginx",
            "Unhealthy",
            "Liveness probe failed: ",
            9,
        )],
        have_events: true,
        ..Evidence::default()
    };
    let findings = run_with(vec![source(pod)], &evidence);
    let f = only(&findings, "probe-kill");
    assert_eq!(f.finding.container.as_deref(), Some("nginx"));
    assert!(f.finding.summary.contains("kill budget 1s + 2 × 5s = 11s"));
    assert!(f.finding.summary.contains("9 liveness failures"));
}

#[test]
fn sidecar_restarting_under_a_stable_app() {
    let mut pod = fixture("web-logs.json");
    let status = &mut pod["status"]["containerStatuses"][0];
    status["restartCount"] = json!(6);
    status["lastState"] = json!({"terminated": {"exitCode": 0, "reason": "Completed",
        "finishedAt": "2026-11-23T11:00:00Z"}});
    let findings = run(pod);
    let f = only(&findings, "restart-storm");
    assert_eq!(f.finding.container.as_deref(), Some("log-reader"));
    assert!(
        f.finding.summary.contains("restarted 6 times in"),
        "{}",
        f.finding.summary
    );
    assert!(f.finding.summary.contains("while nginx never restarted"));
}

// ---------------------------------------------------------------- stuck-terminating, no-resources, events

#[test]
fn stuck_terminating_after_the_grace_period() {
    let mut pod = fixture("web-logs.json");
    pod["metadata"]["deletionTimestamp"] = json!("2026-11-23T11:48:00Z");
    pod["metadata"]["deletionGracePeriodSeconds"] = json!(30);
    let f = run(pod.clone());
    let f = only(&f, "stuck-terminating");
    assert!(
        f.finding
            .summary
            .starts_with("pod still terminating 12m after its 30s grace period")
    );
    assert!(f.finding.summary.contains("nginx (main)"));

    pod["metadata"]["deletionTimestamp"] = json!("2026-11-23T12:00:20Z");
    assert!(with_rule(&run(pod), "stuck-terminating").is_empty());
}

#[test]
fn sidecars_without_resources() {
    let findings = run(fixture("evicted.json"));
    let f = only(&findings, "no-resources");
    assert_eq!(f.finding.severity, Severity::Info);
    assert_eq!(f.finding.container.as_deref(), Some("log-shipper"));
}

#[test]
fn unexplained_warning_events_are_aggregated() {
    let pod = fixture("web-logs.json");
    let evidence = Evidence {
        events: vec![
            event(
                &pod,
                "log-reader",
                "FailedMount",
                "MountVolume.SetUp failed for volume \"x\"",
                4,
            ),
            event(
                &pod,
                "log-reader",
                "BackOff",
                "Back-off restarting failed container",
                9,
            ),
        ],
        have_events: true,
        ..Evidence::default()
    };
    let findings = run_with(vec![source(pod)], &evidence);
    let f = only(&findings, "events");
    assert!(
        f.finding
            .summary
            .starts_with("log-reader: FailedMount x4, last 60s ago")
    );
}

// ---------------------------------------------------------------- grouping

#[test]
fn replicas_with_the_same_finding_are_grouped() {
    let pods: Vec<SourcePod> = (0..3)
        .map(|i| {
            let mut pod = fixture("oom-native-sidecar.json");
            pod["metadata"]["name"] = json!(format!("checkout-6d8f9b7c4-{i}"));
            pod["metadata"]["uid"] = json!(format!("uid-{i}"));
            source(pod)
        })
        .collect();
    let (diagnosis, per_owner) = diagnose_counting_owners(&pods);
    let grouped = diagnosis.group_replicas(&per_owner);
    let findings: Vec<PodFinding> = grouped.findings().cloned().collect();
    let oom = with_rule(&findings, "oom-killed");
    assert_eq!(oom.len(), 1);
    assert_eq!(oom[0].pods.len(), 3);
    assert_eq!(oom[0].of_pods, Some(3));
    assert_eq!(oom[0].owner.as_deref(), Some("deploy/checkout"));
}

#[test]
fn workloads_of_the_same_name_in_two_namespaces_are_counted_apart() {
    // `-A` over two namespaces that each run a deploy/checkout: 3 pods in shop, 2 in staging.
    let pods: Vec<SourcePod> = [("shop", 3), ("staging", 2)]
        .into_iter()
        .flat_map(|(namespace, replicas)| {
            (0..replicas).map(move |i| {
                let mut pod = fixture("oom-native-sidecar.json");
                pod["metadata"]["namespace"] = json!(namespace);
                pod["metadata"]["name"] = json!(format!("checkout-6d8f9b7c4-{i}"));
                pod["metadata"]["uid"] = json!(format!("uid-{namespace}-{i}"));
                source(pod)
            })
        })
        .collect();
    let (diagnosis, per_owner) = diagnose_counting_owners(&pods);
    assert_eq!(per_owner.get("shop", "deploy/checkout"), Some(3));
    assert_eq!(per_owner.get("staging", "deploy/checkout"), Some(2));
    assert_eq!(per_owner.get("prod", "deploy/checkout"), None);
    let grouped = diagnosis.group_replicas(&per_owner);
    let findings: Vec<PodFinding> = grouped.findings().cloned().collect();
    let oom = with_rule(&findings, "oom-killed");
    let counts: Vec<(&str, usize, Option<usize>)> = oom
        .iter()
        .map(|f| (f.namespace.as_str(), f.pods.len(), f.of_pods))
        .collect();
    assert_eq!(counts, [("shop", 3, Some(3)), ("staging", 2, Some(2))]);
}

#[test]
fn crash_loop_without_a_recorded_termination_says_so() {
    let mut pod = fixture("crashloop-exit0-sidecar.json");
    pod["status"]["containerStatuses"][1]["lastState"] = json!({});
    let findings = run(pod);
    let f = only(&findings, "crash-loop");
    assert!(
        f.finding
            .summary
            .ends_with("no last termination recorded, so the exit reason is unknown")
    );
}

#[test]
fn liveness_budget_is_evidence_for_a_137_crash_loop_offline() {
    let mut pod = liveness_killed_pod();
    pod["status"]["containerStatuses"][1]["state"] = json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container=nginx"}});
    let findings = run(pod);
    let f = only(&findings, "crash-loop");
    assert!(
        f.finding
            .summary
            .contains("exit 137 (SIGKILL) without OOMKilled")
    );
    assert!(
        f.finding
            .evidence
            .iter()
            .any(|e| e.contains("kill budget 1s + 2 × 5s = 11s"))
    );
}

#[test]
fn hooks_that_succeed_or_other_waiting_reasons_are_not_hook_failures() {
    assert!(with_rule(&run(fixture("web-logs.json")), "hook-failed").is_empty());
    let findings = run(waiting_pod(
        "CreateContainerConfigError",
        "configmap \"x\" not found",
    ));
    assert!(with_rule(&findings, "hook-failed").is_empty());
    // A failed preStop only shows in events, and is a warning.
    let pod = fixture("web-logs.json");
    let evidence = Evidence {
        events: vec![event(
            &pod,
            "log-reader",
            "FailedPreStopHook",
            "PreStopHook failed",
            1,
        )],
        have_events: true,
        ..Evidence::default()
    };
    let findings = run_with(vec![source(pod)], &evidence);
    assert_eq!(
        only(&findings, "hook-failed").finding.severity,
        Severity::Warning
    );
}

#[test]
fn sidecars_with_resources_or_a_main_without_them_are_fine() {
    let mut pod = fixture("evicted.json");
    pod["spec"]["containers"][1]["resources"] =
        json!({"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}});
    // The main container has none either, but the rule is about sidecars.
    assert!(with_rule(&run(pod.clone()), "no-resources").is_empty());
    // A sidecar allowed more memory than the app is worth a note.
    pod["spec"]["containers"][0]["resources"] = json!({"limits": {"memory": "32Mi"}});
    let findings = run(pod);
    assert!(
        only(&findings, "no-resources")
            .finding
            .summary
            .contains("(64Mi) than the main container (32Mi)")
    );
}

// ---------------------------------------------------------------- verdicts

fn verdict_fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/verdict/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture exists")).unwrap()
}

/// The one pod's diagnosis.
fn diagnose_one(pod: Value, evidence: &Evidence) -> PodDiagnosis {
    let mut diagnosis = diagnose(&[source(pod)], evidence, now());
    assert_eq!(diagnosis.pods.len(), 1);
    diagnosis.pods.remove(0)
}

fn rules_of(p: &PodDiagnosis) -> Vec<(&'static str, Severity)> {
    p.findings
        .iter()
        .map(|f| (f.finding.rule, f.finding.severity))
        .collect()
}

/// Verdict outcome, blamed container, cause rule.
fn headline(p: &PodDiagnosis) -> (verdict::Outcome, Option<&str>, Option<&'static str>) {
    let v = p.verdict.as_ref().expect("a verdict");
    (v.outcome, v.container.as_deref(), v.rule)
}

#[test]
fn job_pod_whose_main_failed_blames_main_not_the_native_sidecar() {
    let p = diagnose_one(
        verdict_fixture("job-main-failed-native-proxy.json"),
        &Evidence::default(),
    );
    assert_eq!(
        headline(&p),
        (
            verdict::Outcome::Failed,
            Some("migrate"),
            Some("pod-failed")
        )
    );
    let f = &p.findings[0].finding;
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.summary.contains("exit 1: application error"),
        "{}",
        f.summary
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("the sidecar (cloud-sql-proxy) did not fail the pod")),
        "{:#?}",
        f.evidence
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("relation \"invoices\" does not exist")),
        "the termination message is evidence"
    );
    assert!(!p.is_healthy(), "a failed pod is never OK");
}

#[test]
fn succeeded_job_pod_with_native_sidecar_143_is_healthy() {
    let p = diagnose_one(
        verdict_fixture("job-succeeded-native-proxy-143.json"),
        &Evidence::default(),
    );
    assert!(p.verdict.is_none(), "{:#?}", p.verdict);
    assert_eq!(rules_of(&p), vec![], "a native sidecar's 143 is normal");
}

#[test]
fn classic_sidecar_exiting_143_fails_the_job_pod_and_is_blamed() {
    let p = diagnose_one(
        verdict_fixture("job-classic-proxy-sigterm-143.json"),
        &Evidence::default(),
    );
    assert_eq!(
        headline(&p),
        (
            verdict::Outcome::Failed,
            Some("cloud-sql-proxy"),
            Some("sidecar-failed-pod")
        )
    );
    assert!(
        !rules_of(&p).iter().any(|(r, _)| *r == "pod-failed"),
        "the specific finding replaces the fallback"
    );
    let fix = p.findings[0].finding.fix.as_deref().unwrap();
    assert!(fix.contains("--exit-zero-on-sigterm"), "{fix}");
    assert!(fix.contains("native sidecar"), "{fix}");
    // Its healthy twin (the proxy started with --exit-zero-on-sigterm) has nothing broken.
    let twin = diagnose_one(
        verdict_fixture("job-classic-proxy-exit-zero.json"),
        &Evidence::default(),
    );
    assert!(twin.verdict.is_none());
    assert!(
        rules_of(&twin).iter().all(|(_, s)| *s == Severity::Info),
        "{:?}",
        rules_of(&twin)
    );
}

#[test]
fn sidecar_failed_pod_remedies_follow_the_product_and_server() {
    let mut pod = verdict_fixture("job-classic-proxy-sigterm-143.json");
    pod["spec"]["containers"][1]["name"] = json!("istio-proxy");
    pod["spec"]["containers"][1]["image"] = json!("docker.io/istio/proxyv2:1.24.1");
    pod["status"]["containerStatuses"][1]["name"] = json!("istio-proxy");
    let old_server = Evidence {
        server_version: Some((1, 28)),
        ..Evidence::default()
    };
    let p = diagnose_one(pod, &old_server);
    let f = &p.findings[0].finding;
    assert_eq!(f.rule, "sidecar-failed-pod");
    let fix = f.fix.as_deref().unwrap();
    assert!(fix.contains("sidecar.istio.io/nativeSidecar"), "{fix}");
    assert!(fix.contains("once the server is ≥ 1.29"), "{fix}");
}

#[test]
fn failed_pod_without_a_failed_container_names_the_pod_reason() {
    let mut pod = verdict_fixture("job-main-failed-native-proxy.json");
    pod["status"]["containerStatuses"][0]["state"] = json!({"terminated": {
        "exitCode": 0, "reason": "Completed",
        "startedAt": "2026-11-23T11:50:09Z", "finishedAt": "2026-11-23T11:52:37Z"}});
    pod["status"]["reason"] = json!("DeadlineExceeded");
    pod["status"]["message"] =
        json!("Pod was active on the node longer than the specified deadline");
    let p = diagnose_one(pod, &Evidence::default());
    assert_eq!(
        headline(&p),
        (verdict::Outcome::Failed, None, Some("pod-failed"))
    );
    assert!(
        p.findings[0]
            .finding
            .fix
            .as_deref()
            .unwrap()
            .contains("activeDeadlineSeconds")
    );
}

#[test]
fn native_sidecar_failing_its_startup_probe_is_the_cause_not_its_readiness() {
    let pod = verdict_fixture("native-envoy-startup-probe-failing.json");
    let events: Vec<PodEvent> = [
        "payments-envoy-unhealthy.json",
        "payments-envoy-killing.json",
    ]
    .iter()
    .map(|name| {
        let event: k8s_openapi::api::core::v1::Event =
            serde_json::from_value(verdict_fixture(&format!("events/{name}"))).unwrap();
        PodEvent::from_api(&event).expect("a pod event")
    })
    .collect();
    let evidence = Evidence {
        events,
        have_events: true,
        ..Evidence::default()
    };
    let p = diagnose_one(pod, &evidence);
    assert_eq!(
        headline(&p),
        (
            verdict::Outcome::StuckInInit,
            Some("envoy"),
            Some("init-blocked")
        )
    );
    let blocked = &p.findings[0].finding;
    assert_eq!(blocked.rule, "init-blocked");
    assert_eq!(blocked.severity, Severity::Critical);
    assert!(
        blocked
            .evidence
            .iter()
            .any(|e| e.contains("has run 39s of its startupProbe budget of 30s")),
        "{:#?}",
        blocked.evidence
    );
    let fix = blocked.fix.as_deref().unwrap();
    assert!(
        fix.contains("envoy's startupProbe (httpGet :9901/ready) fails"),
        "{fix}"
    );
    // Readiness is only the shadow of the startup probe: linked, no readiness fix.
    let not_ready = only(&p.findings, "sidecar-not-ready");
    assert_eq!(not_ready.finding.caused_by, Some("init-blocked"));
    assert_eq!(not_ready.finding.fix, None);
    assert!(
        not_ready
            .finding
            .summary
            .ends_with("because envoy's startupProbe has not passed")
    );
    let restarts = only(&p.findings, "crash-loop");
    assert_eq!(restarts.finding.caused_by, Some("init-blocked"));
    // Consequences come after their cause.
    assert!(
        p.findings[1..]
            .iter()
            .all(|f| f.finding.caused_by.is_some())
    );

    let twin = diagnose_one(
        verdict_fixture("native-envoy-started.json"),
        &Evidence::default(),
    );
    assert!(twin.verdict.is_none());
    assert_eq!(rules_of(&twin), vec![]);
}

#[test]
fn native_sidecar_within_its_startup_budget_is_a_warning() {
    let mut pod = verdict_fixture("native-envoy-startup-probe-failing.json");
    let envoy = &mut pod["status"]["initContainerStatuses"][0];
    envoy["restartCount"] = json!(0);
    envoy["lastState"] = json!({});
    envoy["state"] = json!({"running": {"startedAt": "2026-11-23T11:59:50Z"}});
    let p = diagnose_one(pod, &Evidence::default());
    let blocked = only(&p.findings, "init-blocked");
    assert_eq!(blocked.finding.severity, Severity::Warning);
    assert!(
        blocked
            .finding
            .evidence
            .iter()
            .any(|e| e.contains("has run 10s of its startupProbe budget of 30s"))
    );
}

#[test]
fn crash_looping_native_sidecar_without_startup_probe_gets_no_probe_advice() {
    let p = diagnose_one(
        verdict_fixture("native-vault-agent-crashloop.json"),
        &Evidence::default(),
    );
    assert_eq!(
        headline(&p),
        (
            verdict::Outcome::StuckInInit,
            Some("vault-agent"),
            Some("crash-loop")
        )
    );
    let blocked = only(&p.findings, "init-blocked");
    let fix = blocked.finding.fix.as_deref().unwrap();
    assert!(!fix.contains("startupProbe fails"), "{fix}");
    assert!(fix.contains("--previous"), "{fix}");
    assert!(fix.contains("it has no startupProbe"), "{fix}");
    let crash = only(&p.findings, "crash-loop");
    assert!(
        crash
            .finding
            .evidence
            .iter()
            .any(|e| e.contains("role \"orders\" not found")),
        "the termination message is evidence"
    );
    let twin = diagnose_one(
        verdict_fixture("native-vault-agent-running.json"),
        &Evidence::default(),
    );
    assert!(twin.verdict.is_none());
    assert!(rules_of(&twin).iter().all(|(_, s)| *s == Severity::Info));
}

#[test]
fn oom_kill_is_critical_while_the_container_is_down() {
    let mut pod = fixture("oom-native-sidecar.json");
    let sidecar = &mut pod["status"]["initContainerStatuses"][0];
    sidecar["ready"] = json!(false);
    sidecar["state"] = json!({"waiting": {"reason": "CrashLoopBackOff",
        "message": "back-off 5m0s restarting failed container"}});
    let findings = run(pod);
    assert_eq!(
        only(&findings, "oom-killed").finding.severity,
        Severity::Critical
    );
}

#[test]
fn down_pods_are_never_healthy_even_when_filters_hide_their_findings() {
    let pod = source(verdict_fixture("job-main-failed-native-proxy.json"));
    let evidence = Evidence::default();
    let mut diagnoser = Diagnoser::new(&evidence, now());
    let mut collector = collect::Collector::<collect::tests::Memory>::new(
        collect::Filters {
            container: Some(regex::Regex::new("^cloud-sql-proxy$").unwrap()),
            min_severity: Severity::Info,
            fail_on: None,
            group: true,
        },
        None,
    );
    let entry = diagnoser.check(&pod, BTreeMap::new());
    collector.add(0, entry, &diagnoser.pods_per_owner);
    let (diagnosis, ..) = collector.finish(&diagnoser.pods_per_owner).unwrap();
    assert!(diagnosis.healthy.is_empty());
    assert_eq!(diagnosis.reported().count(), 1);
}

#[test]
fn unschedulable_pod_says_how_much_the_sidecars_add_to_its_request() {
    let mut pod = verdict_fixture("native-vault-agent-crashloop.json");
    pod["spec"]["nodeName"] = json!(null);
    pod["status"] = json!({"phase": "Pending", "qosClass": "Burstable", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
         "lastTransitionTime": "2026-11-23T11:41:01Z",
         "message": "0/3 nodes are available: 3 Insufficient memory."}]});
    let mut scheduling = event(
        &pod,
        "vault-agent",
        "FailedScheduling",
        "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
        12,
    );
    scheduling.container = None;
    let evidence = Evidence {
        events: vec![scheduling],
        have_events: true,
        ..Evidence::default()
    };
    let p = diagnose_one(pod, &evidence);
    let f = only(&p.findings, "events");
    assert_eq!(f.finding.severity, Severity::Critical);
    assert!(
        f.finding.evidence.contains(
            &"the pod's effective request is cpu 125m (sidecars add 25m), memory 224Mi (sidecars add 32Mi)"
                .to_string()
        ),
        "{:#?}",
        f.finding.evidence
    );
    assert_eq!(headline(&p).0, verdict::Outcome::Pending);
}

#[test]
fn a_manifest_is_invalid_at_risk_or_ok_by_its_worst_finding() {
    let manifest = |containers: Value, volumes: Value, restart: &str| {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "report", "namespace": "batch",
                         "labels": {"batch.kubernetes.io/job-name": "report", "job-name": "report"}},
            "spec": {"restartPolicy": restart, "containers": containers, "volumes": volumes}
        })
    };
    // A mount of an undeclared volume: the API server rejects it.
    let invalid = diagnose_one(
        manifest(
            json!([{"name": "report", "image": "ghcr.io/acme/report:2",
                    "volumeMounts": [{"name": "secrets", "mountPath": "/etc/report"}]}]),
            json!([]),
            "Always",
        ),
        &Evidence::default(),
    );
    assert!(invalid.verdict.is_some(), "{invalid:#?}");
    assert_eq!(
        headline(&invalid),
        (
            verdict::Outcome::Invalid,
            Some("report"),
            Some("undefined-volume")
        )
    );
    // A Job-like pod whose classic sidecar never exits: fine to apply, wrong once it runs.
    let at_risk = diagnose_one(
        manifest(
            json!([{"name": "report", "image": "ghcr.io/acme/report:2"},
                   {"name": "cloud-sql-proxy",
                    "image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1"}]),
            json!([]),
            "Never",
        ),
        &Evidence::default(),
    );
    assert_eq!(
        headline(&at_risk).0,
        verdict::Outcome::AtRisk,
        "{at_risk:#?}"
    );
    // Hygiene only: nothing to headline.
    let fine = diagnose_one(
        manifest(
            json!([{"name": "report", "image": "ghcr.io/acme/report:2"}]),
            json!([{"name": "unused", "emptyDir": {}}]),
            "Always",
        ),
        &Evidence::default(),
    );
    assert!(fine.verdict.is_none(), "{fine:#?}");
}

#[test]
fn a_not_ready_app_is_blamed_over_a_hygiene_note_on_its_proxy() {
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "api-0", "namespace": "shop", "uid": "0d7c5a3e-2f41-4b8e-9c6a-5e1f2a3b4c5d"},
        "spec": {
            "initContainers": [{"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.2",
                                "restartPolicy": "Always"}],
            "containers": [{"name": "api", "image": "ghcr.io/acme/api:3",
                            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]
        },
        "status": {
            "phase": "Running", "qosClass": "Burstable", "startTime": "2026-11-23T11:00:00Z",
            "conditions": [
                {"type": "Initialized", "status": "True", "lastTransitionTime": "2026-11-23T11:00:03Z"},
                {"type": "Ready", "status": "False", "lastTransitionTime": "2026-11-23T11:40:00Z",
                 "reason": "ContainersNotReady", "message": "containers with unready status: [api]"}
            ],
            "initContainerStatuses": [{"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.2",
                "imageID": "", "ready": true, "started": true, "restartCount": 0,
                "state": {"running": {"startedAt": "2026-11-23T11:00:02Z"}}, "lastState": {}}],
            "containerStatuses": [{"name": "api", "image": "ghcr.io/acme/api:3", "imageID": "",
                "ready": false, "started": true, "restartCount": 0,
                "state": {"running": {"startedAt": "2026-11-23T11:00:04Z"}}, "lastState": {}}]
        }
    });
    let p = diagnose_one(pod, &Evidence::default());
    assert!(!p.findings.is_empty(), "the proxy has a hygiene note");
    assert!(
        p.findings
            .iter()
            .all(|f| f.finding.severity == Severity::Info),
        "{p:#?}"
    );
    assert_eq!(
        headline(&p),
        (verdict::Outcome::NotReady, Some("api"), None)
    );
}
