//! Scale benchmark server: a synthetic cluster of N pods served by the fake API server (the one
//! the integration tests use) with real paging. `benches/run.sh` starts it and times
//! kubectl-sidecar, kubectl and a raw download against it; see the README's "Performance".
//!
//! ```text
//! scale serve --pods N --dir DIR   # write DIR/kubeconfig and DIR/url, serve until killed
//! scale serve-logs --containers C --lines L --dir DIR
//!                                  # one pod, C containers logging L lines each; also writes
//!                                  # DIR/namespace, DIR/pod, DIR/containers (a name a line)
//! scale                            # (cargo bench) smoke: 200 pods, one `ls -A`, exit
//! ```

#[path = "../tests/support/mod.rs"]
mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;

use serde_json::{Value, json};

use support::fake_api::{FakeApi, FakeApiBuilder, Generate};

/// A deterministic generator (Knuth's MMIX LCG): the same N gives the same cluster.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// 63 random bits.
    fn wide(&mut self) -> u64 {
        (self.next() << 32) ^ self.next()
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// How a generated pod is shaped; roughly the mix of a busy production cluster.
#[derive(Clone, Copy)]
enum Shape {
    /// app + classic istio-proxy sidecar, one init container.
    Mesh,
    /// app + native log-shipper sidecar + classic metrics sidecar + init.
    Native,
    /// app + one classic sidecar.
    Pair,
    /// init + native sidecar + app + two classic sidecars (5 containers).
    Big,
}

/// What is wrong with a pod, if anything (about one pod in ten).
#[derive(Clone, Copy, PartialEq)]
enum Trouble {
    None,
    CrashLoop,
    OomNative,
    ImagePull,
    Pending,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let number = |name: &str, default: usize| {
        flag(name)
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(default)
    };
    let pods = number("--pods", 200);
    match args.first().map(String::as_str) {
        Some("serve") => {
            let Some(dir) = flag("--dir").map(PathBuf::from) else {
                eprintln!("usage: scale serve --pods N --dir DIR");
                return ExitCode::from(2);
            };
            serve(cluster(pods), &dir, &format!("{pods} pods"))
        }
        Some("serve-logs") => {
            let Some(dir) = flag("--dir").map(PathBuf::from) else {
                eprintln!("usage: scale serve-logs --containers C --lines L --dir DIR");
                return ExitCode::from(2);
            };
            let containers = number("--containers", 50).max(1);
            let lines = number("--lines", 100_000);
            let (builder, pod) = logs_pod(containers, lines);
            let names: Vec<&str> = pod.containers.iter().map(|c| c.name.as_str()).collect();
            std::fs::write(dir.join("namespace"), LOGS_NAMESPACE).expect("write namespace");
            std::fs::write(dir.join("pod"), &pod.name).expect("write pod");
            std::fs::write(dir.join("containers"), names.join("\n") + "\n")
                .expect("write containers");
            let api = builder.start();
            let kubeconfig = api.write_kubeconfig(&dir, None);
            std::fs::write(dir.join("url"), api.url()).expect("write url");
            println!(
                "serving pod {LOGS_NAMESPACE}/{}: {containers} containers x {lines} log lines at {} ({})",
                pod.name,
                api.url(),
                kubeconfig.display()
            );
            loop {
                std::thread::park();
            }
        }
        _ => smoke(pods),
    }
}

/// Starts the server, writes DIR/kubeconfig and then DIR/url (the signal that it is ready),
/// and serves until killed.
fn serve(builder: FakeApiBuilder, dir: &Path, what: &str) -> ExitCode {
    let api = builder.start();
    let kubeconfig = api.write_kubeconfig(dir, None);
    std::fs::write(dir.join("url"), api.url()).expect("write url");
    println!("serving {what} at {} ({})", api.url(), kubeconfig.display());
    loop {
        std::thread::park();
    }
}

/// `cargo bench`: proves the generator and the server work with the release binary.
fn smoke(pods: usize) -> ExitCode {
    let api = cluster(pods).start();
    let dir = support::cli::temp_dir("scale");
    let kubeconfig = api.write_kubeconfig(&dir, None);
    let out = Command::new(support::cli::BIN)
        .args(["ls", "-A", "-o", "json", "--kubeconfig"])
        .arg(&kubeconfig)
        .stderr(Stdio::inherit())
        .output()
        .expect("run kubectl-sidecar");
    let listed = serde_json::from_slice::<Value>(&out.stdout)
        .ok()
        .and_then(|v| v["pods"].as_array().map(Vec::len));
    if out.status.success() && listed == Some(pods) {
        println!("scale smoke: listed {pods} pods");
        ExitCode::SUCCESS
    } else {
        eprintln!("scale smoke failed: {:?}, listed {listed:?}", out.status);
        ExitCode::FAILURE
    }
}

/// N pods over N/100 namespaces, plus an event for every troubled pod.
///
/// Held as `Value`s, 150,000 pods would take tens of GiB in the server. Each pod is made once
/// at startup and kept as its JSON bytes (about 8 KiB: 1.2 GiB at 150,000), from which list
/// pages are cut, so the server is as fast as one with stored pods and the raw download stays
/// the client's real floor; anything else (a GET, a watch) makes the pod again. Pod `i` comes
/// from its own generator seeded with `i`, so it is the same whenever it is made. The events
/// (one pod in ten) are stored.
fn cluster(pods: usize) -> FakeApiBuilder {
    let namespaces = (pods / 100).max(1);
    let mut keys = Vec::with_capacity(pods);
    let mut events = Vec::new();
    for i in 0..pods {
        let (pod, trouble) = pod_at(i, namespaces);
        if trouble != Trouble::None {
            events.push(event(i, &pod, trouble));
        }
        keys.push(format!(
            "{}/{}",
            pod["metadata"]["namespace"].as_str().unwrap_or_default(),
            pod["metadata"]["name"].as_str().unwrap_or_default()
        ));
    }
    let make: Generate = Arc::new(move |i| pod_at(i, namespaces).0);
    FakeApi::builder()
        .allow_anonymous()
        .generated_serialized("pods", keys, make)
        .object(json!({"apiVersion": "v1", "kind": "EventList", "items": events}))
}

/// Pod `i` of a cluster with `namespaces` namespaces, and what is wrong with it.
fn pod_at(i: usize, namespaces: usize) -> (Value, Trouble) {
    let mut rng = Lcg(42 ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let namespace = format!("team-{:03}", i % namespaces);
    let shape = match rng.below(100) {
        0..40 => Shape::Mesh,
        40..65 => Shape::Native,
        65..90 => Shape::Pair,
        _ => Shape::Big,
    };
    let trouble = match rng.below(100) {
        0..3 => Trouble::CrashLoop,
        3..5 => Trouble::OomNative,
        5..7 => Trouble::ImagePull,
        7..9 => Trouble::Pending,
        _ => Trouble::None,
    };
    (pod(i, &namespace, shape, trouble, &mut rng), trouble)
}

fn container(name: &str, image: &str, port: Option<i64>, rng: &mut Lcg) -> Value {
    let mut c = json!({
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "env": [
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
            {"name": "GOMAXPROCS", "valueFrom": {"resourceFieldRef": {"divisor": "0", "resource": "limits.cpu"}}},
        ],
        "resources": {
            "requests": {"cpu": format!("{}m", 50 + rng.below(450)), "memory": format!("{}Mi", 64 + rng.below(448))},
            "limits": {"memory": format!("{}Mi", 512 + rng.below(512))},
        },
        "volumeMounts": [
            {"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true},
            {"name": "shared-logs", "mountPath": "/var/log/app"},
        ],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    });
    if let Some(port) = port {
        c["ports"] = json!([{"name": "http", "containerPort": port, "protocol": "TCP"}]);
        c["readinessProbe"] = json!({"httpGet": {"path": "/ready", "port": port, "scheme": "HTTP"}, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3});
        c["livenessProbe"] = json!({"httpGet": {"path": "/healthz", "port": port, "scheme": "HTTP"}, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3});
    }
    c
}

fn running(name: &str, image: &str, restarts: u64) -> Value {
    json!({
        "name": name,
        "image": image,
        "imageID": format!("{image}@sha256:4f1d0c2b8e6a7f3d9c5b1a0e2d4c6b8a0f1e3d5c7b9a1f2e3d4c5b6a7f8e9d0c"),
        "containerID": "containerd://8c2f4a6b1d3e5f7a9c0b2d4e6f8a1c3e5b7d9f0a2c4e6b8d1f3a5c7e9b0d2f4a",
        "ready": true,
        "started": true,
        "restartCount": restarts,
        "state": {"running": {"startedAt": "2026-11-23T08:00:00Z"}},
    })
}

fn pod(i: usize, namespace: &str, shape: Shape, trouble: Trouble, rng: &mut Lcg) -> Value {
    let app = format!("svc-{}", i % 250);
    let name = format!("{app}-7d9c5f{:04x}-{:05x}", rng.below(0xffff), i);
    let app_image = format!(
        "registry.example.com/{app}:1.{}.{}",
        rng.below(20),
        rng.below(10)
    );
    let mut init = vec![container(
        "migrate",
        "registry.example.com/tools/migrate:2.1.0",
        None,
        rng,
    )];
    let mut regular = vec![container("app", &app_image, Some(8080), rng)];
    let mut init_status = vec![json!({
        "name": "migrate", "image": "registry.example.com/tools/migrate:2.1.0", "ready": true, "started": false, "restartCount": 0,
        "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": "2026-11-23T07:59:50Z", "finishedAt": "2026-11-23T07:59:58Z", "containerID": "containerd://1a2b"}},
    })];
    let mut statuses = vec![running("app", &app_image, 0)];
    let native =
        |init: &mut Vec<Value>, status: &mut Vec<Value>, name: &str, image: &str, rng: &mut Lcg| {
            let mut c = container(name, image, None, rng);
            c["restartPolicy"] = json!("Always");
            init.push(c);
            status.push(running(name, image, 0));
        };
    let classic = |regular: &mut Vec<Value>,
                   status: &mut Vec<Value>,
                   name: &str,
                   image: &str,
                   port,
                   rng: &mut Lcg| {
        regular.push(container(name, image, port, rng));
        status.push(running(name, image, 0));
    };
    match shape {
        Shape::Mesh => classic(
            &mut regular,
            &mut statuses,
            "istio-proxy",
            "docker.io/istio/proxyv2:1.24.1",
            Some(15090),
            rng,
        ),
        Shape::Native => {
            native(
                &mut init,
                &mut init_status,
                "log-shipper",
                "cr.fluentbit.io/fluent/fluent-bit:3.2.1",
                rng,
            );
            classic(
                &mut regular,
                &mut statuses,
                "metrics",
                "quay.io/prometheus/statsd-exporter:v0.27.2",
                Some(9102),
                rng,
            );
        }
        Shape::Pair => classic(
            &mut regular,
            &mut statuses,
            "cloud-sql-proxy",
            "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.0",
            None,
            rng,
        ),
        Shape::Big => {
            native(
                &mut init,
                &mut init_status,
                "vault-agent",
                "hashicorp/vault:1.18.2",
                rng,
            );
            classic(
                &mut regular,
                &mut statuses,
                "istio-proxy",
                "docker.io/istio/proxyv2:1.24.1",
                Some(15090),
                rng,
            );
            classic(
                &mut regular,
                &mut statuses,
                "otel-collector",
                "otel/opentelemetry-collector:0.115.0",
                Some(4317),
                rng,
            );
        }
    }
    let mut phase = "Running";
    let mut ready = "True";
    match trouble {
        Trouble::None => {}
        Trouble::CrashLoop => {
            let last = statuses.len() - 1;
            statuses[last]["ready"] = json!(false);
            statuses[last]["restartCount"] = json!(40 + rng.below(200));
            statuses[last]["state"] = json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}});
            statuses[last]["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": "2026-11-23T11:50:00Z", "finishedAt": "2026-11-23T11:50:03Z", "containerID": "containerd://9f8e"}});
            ready = "False";
        }
        Trouble::OomNative => {
            native(
                &mut init,
                &mut init_status,
                "profiler",
                "ghcr.io/acme/profiler:0.9.0",
                rng,
            );
            let last = init_status.len() - 1;
            init_status[last]["restartCount"] = json!(3 + rng.below(20));
            init_status[last]["lastState"] = json!({"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": "2026-11-23T11:00:00Z", "finishedAt": "2026-11-23T11:40:00Z", "containerID": "containerd://7d6c"}});
        }
        Trouble::ImagePull => {
            statuses[0]["ready"] = json!(false);
            statuses[0]["started"] = json!(false);
            statuses[0]["state"] = json!({"waiting": {"reason": "ImagePullBackOff", "message": format!("Back-off pulling image \"{app_image}\"")}});
            ready = "False";
        }
        Trouble::Pending => phase = "Pending",
    }
    let mut status = json!({
        "phase": phase,
        "qosClass": "Burstable",
        "startTime": "2026-11-23T07:59:45Z",
        "conditions": [
            {"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-23T07:59:47Z"},
            {"type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-23T07:59:59Z"},
            {"type": "Ready", "status": ready, "lastProbeTime": null, "lastTransitionTime": "2026-11-23T08:00:10Z"},
            {"type": "ContainersReady", "status": ready, "lastProbeTime": null, "lastTransitionTime": "2026-11-23T08:00:10Z"},
            {"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-23T07:59:45Z"},
        ],
        "hostIP": format!("10.0.{}.{}", i / 250 % 250, i % 250),
        "hostIPs": [{"ip": format!("10.0.{}.{}", i / 250 % 250, i % 250)}],
        "podIP": format!("10.244.{}.{}", i / 250 % 250, i % 250),
        "podIPs": [{"ip": format!("10.244.{}.{}", i / 250 % 250, i % 250)}],
        "initContainerStatuses": init_status,
        "containerStatuses": statuses,
    });
    if trouble == Trouble::Pending {
        status = json!({
            "phase": "Pending",
            "qosClass": "Burstable",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/120 nodes are available: 120 Insufficient memory.", "lastProbeTime": null, "lastTransitionTime": "2026-11-23T07:59:45Z"}],
        });
    }
    let node = format!("node-{:03}", i % 120);
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "generateName": format!("{app}-7d9c5f-"),
            "namespace": namespace,
            "uid": format!("{:08x}-0000-4000-8000-{:012x}", i, rng.next()),
            "resourceVersion": format!("{}", 1000 + i),
            "creationTimestamp": "2026-11-23T07:59:45Z",
            "labels": {"app": app, "pod-template-hash": "7d9c5f", "security.istio.io/tlsMode": "istio", "version": "v1"},
            "annotations": {
                "kubectl.kubernetes.io/default-container": "app",
                "prometheus.io/scrape": "true",
                "prometheus.io/port": "8080",
            },
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-7d9c5f"), "uid": "3b17b8b6-e78a-421d-9981-c31347770ffa", "controller": true, "blockOwnerDeletion": true}],
            // Real pods carry these; they are a good part of every list's bytes.
            "managedFields": [
                {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1", "time": "2026-11-23T07:59:45Z", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}}, "f:ownerReferences": {".": {}, "k:{\"uid\":\"3b17b8b6\"}": {}}},
                              "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:env": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:name": {}, "f:ports": {}, "f:resources": {}, "f:volumeMounts": {}}},
                                         "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:restartPolicy": {}, "f:schedulerName": {}, "f:securityContext": {}, "f:terminationGracePeriodSeconds": {}, "f:volumes": {}}}},
                {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": "2026-11-23T08:00:10Z", "fieldsType": "FieldsV1", "subresource": "status",
                 "fieldsV1": {"f:status": {"f:conditions": {"k:{\"type\":\"ContainersReady\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}},
                                                            "k:{\"type\":\"Ready\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}},
                                           "f:containerStatuses": {}, "f:hostIP": {}, "f:hostIPs": {}, "f:initContainerStatuses": {}, "f:phase": {}, "f:podIP": {}, "f:podIPs": {}, "f:startTime": {}}}},
            ],
        },
        "spec": {
            "nodeName": if trouble == Trouble::Pending { Value::Null } else { json!(node) },
            "initContainers": init,
            "containers": regular,
            "volumes": [
                {"name": "shared-logs", "emptyDir": {"sizeLimit": "1Gi"}},
                {"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                    {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
                ]}},
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "serviceAccount": "default",
            "securityContext": {},
            "schedulerName": "default-scheduler",
            "enableServiceLinks": true,
            "preemptionPolicy": "PreemptLowerPriority",
            "priority": 0,
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            ],
        },
        "status": status,
    })
}

fn event(i: usize, pod: &Value, trouble: Trouble) -> Value {
    let (reason, field, message) = match trouble {
        Trouble::CrashLoop => (
            "BackOff",
            "spec.containers{app}",
            "Back-off restarting failed container",
        ),
        Trouble::OomNative => (
            "Killing",
            "spec.initContainers{profiler}",
            "Container profiler exceeded its memory limit",
        ),
        Trouble::ImagePull => ("Failed", "spec.containers{app}", "Error: ImagePullBackOff"),
        _ => (
            "FailedScheduling",
            "",
            "0/120 nodes are available: 120 Insufficient memory.",
        ),
    };
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": format!("{}.{:x}", pod["metadata"]["name"].as_str().unwrap_or_default(), i), "namespace": pod["metadata"]["namespace"]},
        "involvedObject": {"kind": "Pod", "namespace": pod["metadata"]["namespace"], "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"], "apiVersion": "v1", "fieldPath": field},
        "reason": reason,
        "message": message,
        "type": "Warning",
        "count": 12,
        "firstTimestamp": "2026-11-23T08:00:00Z",
        "lastTimestamp": "2026-11-23T11:55:00Z",
        "source": {"component": "kubelet", "host": "node-001"},
    })
}

/// The namespace of the `serve-logs` pod.
const LOGS_NAMESPACE: &str = "payments";

/// What a container of the `serve-logs` pod is, which decides what its log looks like.
#[derive(Clone, Copy, PartialEq)]
enum LogKind {
    /// Classic init container (completed before the others started): klog lines.
    Init,
    /// A native sidecar (init container with `restartPolicy: Always`): fluent-bit lines.
    Native,
    /// The main container: JSON lines.
    Main,
    /// A classic sidecar: envoy access lines.
    Sidecar,
}

struct LogContainer {
    name: String,
    kind: LogKind,
}

struct LogsPod {
    name: String,
    containers: Vec<LogContainer>,
}

/// `serve-logs`: one running pod with `containers` containers (a classic init container, one
/// native sidecar in five, the main container, classic sidecars), each with a log of `lines`
/// lines. The running containers log over the same period, a line every 10 ms each with a
/// random nanosecond offset, so the merge interleaves all of them; the init container logs in
/// the seconds before they start, as a real one does.
fn logs_pod(containers: usize, lines: usize) -> (FakeApiBuilder, LogsPod) {
    const SIDECARS: [(&str, &str, Option<i64>); 6] = [
        ("istio-proxy", "docker.io/istio/proxyv2:1.24.1", Some(15090)),
        (
            "otel-collector",
            "otel/opentelemetry-collector:0.115.0",
            Some(4317),
        ),
        (
            "cloud-sql-proxy",
            "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.0",
            None,
        ),
        (
            "oauth2-proxy",
            "quay.io/oauth2-proxy/oauth2-proxy:v7.7.1",
            Some(4180),
        ),
        (
            "config-reloader",
            "ghcr.io/jimmidyson/configmap-reload:v0.14.0",
            None,
        ),
        (
            "statsd-exporter",
            "quay.io/prometheus/statsd-exporter:v0.27.2",
            Some(9102),
        ),
    ];
    const NATIVES: [(&str, &str); 3] = [
        ("fluent-bit", "cr.fluentbit.io/fluent/fluent-bit:3.2.1"),
        ("vault-agent", "hashicorp/vault:1.18.2"),
        (
            "log-shipper",
            "docker.io/timberio/vector:0.43.0-distroless-libc",
        ),
    ];
    let mut rng = Lcg(7);
    let name = "checkout-7d9c5f6b8-x2k9p".to_string();
    let main_image = "registry.example.com/payments/checkout:3.14.2";
    let mut init = Vec::new();
    let mut regular = Vec::new();
    let mut init_status = Vec::new();
    let mut statuses = Vec::new();
    let mut list = Vec::new();
    for i in 0..containers {
        // init container, a native sidecar, the main container, then one native sidecar in five
        // and classic sidecars; with fewer than 3 containers native sidecars and the main one.
        let kind = match i {
            _ if containers < 3 && i + 1 == containers => LogKind::Main,
            _ if containers < 3 => LogKind::Native,
            0 => LogKind::Init,
            2 => LogKind::Main,
            _ if i % 5 == 1 => LogKind::Native,
            _ => LogKind::Sidecar,
        };
        let (name, image, port) = match kind {
            LogKind::Init => (
                "init-config".to_string(),
                "registry.example.com/tools/render-config:1.4.0",
                None,
            ),
            LogKind::Main => ("checkout".to_string(), main_image, Some(8080)),
            LogKind::Native => {
                let (n, image) = NATIVES[(i / 5) % NATIVES.len()];
                (format!("{n}-{i:02}"), image, None)
            }
            LogKind::Sidecar => {
                let (n, image, port) = SIDECARS[i % SIDECARS.len()];
                (format!("{n}-{i:02}"), image, port)
            }
        };
        let mut spec = container(&name, image, port, &mut rng);
        match kind {
            LogKind::Init => {
                init.push(spec);
                init_status.push(json!({
                    "name": name, "image": image,
                    "imageID": format!("{image}@sha256:0c4e6b8d1f3a5c7e9b0d2f4a8c2f4a6b1d3e5f7a9c0b2d4e6f8a1c3e5b7d9f0a"),
                    "containerID": format!("containerd://{:064x}", i),
                    "ready": true, "started": false, "restartCount": 0,
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": "2026-11-23T07:59:50Z",
                                             "finishedAt": "2026-11-23T07:59:59Z", "containerID": format!("containerd://{:064x}", i)}},
                }));
            }
            LogKind::Native => {
                spec["restartPolicy"] = json!("Always");
                init.push(spec);
                init_status.push(running(&name, image, 0));
            }
            LogKind::Main | LogKind::Sidecar => {
                regular.push(spec);
                statuses.push(running(&name, image, 0));
            }
        }
        list.push(LogContainer { name, kind });
    }
    let pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "generateName": "checkout-7d9c5f6b8-",
            "namespace": LOGS_NAMESPACE,
            "uid": "5e0b9f43-6a3c-4c1e-9d0e-2f6f3b8a7c41",
            "resourceVersion": "918273",
            "creationTimestamp": "2026-11-23T07:59:45Z",
            "labels": {"app": "checkout", "pod-template-hash": "7d9c5f6b8", "version": "v3"},
            "annotations": {"kubectl.kubernetes.io/default-container": "checkout"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "checkout-7d9c5f6b8", "uid": "3b17b8b6-e78a-421d-9981-c31347770ffa", "controller": true, "blockOwnerDeletion": true}],
        },
        "spec": {
            "nodeName": "node-017",
            "initContainers": init,
            "containers": regular,
            "volumes": [
                {"name": "shared-logs", "emptyDir": {"sizeLimit": "1Gi"}},
                {"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                ]}},
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "checkout",
            "serviceAccount": "checkout",
            "schedulerName": "default-scheduler",
            "enableServiceLinks": true,
            "priority": 0,
        },
        "status": {
            "phase": "Running",
            "qosClass": "Burstable",
            "startTime": "2026-11-23T07:59:45Z",
            "conditions": [
                {"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-23T07:59:47Z"},
                {"type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-23T08:00:00Z"},
                {"type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-23T08:00:10Z"},
                {"type": "ContainersReady", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-23T08:00:10Z"},
                {"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-23T07:59:45Z"},
            ],
            "hostIP": "10.0.3.17",
            "hostIPs": [{"ip": "10.0.3.17"}],
            "podIP": "10.244.3.88",
            "podIPs": [{"ip": "10.244.3.88"}],
            "initContainerStatuses": init_status,
            "containerStatuses": statuses,
        },
    });
    let mut builder = FakeApi::builder().allow_anonymous().object(pod);
    for c in &list {
        let log = log_lines(c, lines, &mut rng);
        let refs: Vec<&str> = log.iter().map(String::as_str).collect();
        builder = builder.log(LOGS_NAMESPACE, &name, &c.name, false, &refs);
    }
    (
        builder,
        LogsPod {
            name,
            containers: list,
        },
    )
}

/// `lines` log lines of one container, `"<RFC 3339 timestamp> <message>"`, 100 to 200 bytes
/// of message each, in the container's own style.
fn log_lines(c: &LogContainer, lines: usize, rng: &mut Lcg) -> Vec<String> {
    // 2026-11-23T08:00:00Z, when the running containers start; the init container logs from
    // 07:59:50 to 07:59:59.
    const START: i64 = 1_795_420_800;
    const PATHS: [&str; 6] = [
        "/api/v1/orders",
        "/api/v1/cart/items",
        "/api/v1/payments/authorize",
        "/healthz",
        "/api/v1/inventory/reserve",
        "/metrics",
    ];
    let (first_ns, step_ns) = if c.kind == LogKind::Init {
        let span = 9_000_000_000_i64;
        ((START - 10) * 1_000_000_000, span / lines.max(1) as i64)
    } else {
        (START * 1_000_000_000, 10_000_000)
    };
    let mut out = Vec::with_capacity(lines);
    for j in 0..lines {
        let ns = first_ns + j as i64 * step_ns + rng.below(step_ns.max(1) as u64) as i64;
        let stamp = jiff::Timestamp::from_nanosecond(i128::from(ns)).expect("timestamp");
        let second = ns.div_euclid(1_000_000_000);
        let micros = ns.rem_euclid(1_000_000_000) / 1000;
        let (h, m, s) = (
            second.rem_euclid(86_400) / 3600,
            second.rem_euclid(3600) / 60,
            second.rem_euclid(60),
        );
        let mut line = String::with_capacity(240);
        let _ = write!(line, "{stamp} ");
        let r = rng.wide();
        let path = PATHS[(r % PATHS.len() as u64) as usize];
        let status = [200, 200, 200, 201, 204, 404, 503][(r >> 8) as usize % 7];
        let millis = (r >> 16) % 900 + 1;
        let _ = match c.kind {
            LogKind::Init => write!(
                line,
                "I1123 {h:02}:{m:02}:{s:02}.{micros:06}       1 render.go:{}] rendered template path=\"/etc/app/conf.d/{:04}.yaml\" bytes={} checksum=sha256:{:016x}",
                40 + r % 200,
                j % 10_000,
                (r >> 20) % 65_536,
                rng.wide()
            ),
            LogKind::Main => write!(
                line,
                "{{\"level\":\"{}\",\"ts\":\"2026-11-23T{h:02}:{m:02}:{s:02}.{micros:06}Z\",\"logger\":\"http\",\"msg\":\"request completed\",\"method\":\"{}\",\"path\":\"{path}/{}\",\"status\":{status},\"duration_ms\":{millis},\"trace_id\":\"{:016x}\"}}",
                if status >= 500 { "error" } else { "info" },
                if r & 1 == 0 { "GET" } else { "POST" },
                (r >> 24) % 100_000,
                rng.wide()
            ),
            LogKind::Native => write!(
                line,
                "[2026/11/23 {h:02}:{m:02}:{s:02}] [ info] [output:forward:forward.0] flushed {} records ({} bytes) to collector.observability.svc:24224, task_id={} retries=0",
                r % 500,
                (r >> 12) % 1_000_000,
                (r >> 32) % 2048
            ),
            LogKind::Sidecar => write!(
                line,
                "[2026-11-23T{h:02}:{m:02}:{s:02}.{:03}Z] \"{} {path} HTTP/1.1\" {status} - via_upstream - \"-\" 0 {} {millis} {} \"10.244.{}.{}\" \"{}\" \"outbound|8080||{}.svc.cluster.local\"",
                micros / 1000,
                if r & 1 == 0 { "GET" } else { "POST" },
                (r >> 20) % 20_000,
                millis.saturating_sub(1),
                (r >> 28) % 250,
                (r >> 36) % 250,
                c.name,
                ["inventory", "ledger", "cart", "fraud"][(r >> 44) as usize % 4]
            ),
        };
        out.push(line);
    }
    out
}
