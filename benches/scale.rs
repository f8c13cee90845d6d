//! Scale benchmark server: a synthetic cluster of N pods served by the fake API server (the one
//! the integration tests use) with real paging. `benches/run.sh` starts it and times
//! kubectl-sidecar, kubectl and a raw download against it; see the README's "Performance".
//!
//! ```text
//! scale serve --pods N --dir DIR   # write DIR/kubeconfig and DIR/url, serve until killed
//! scale                            # (cargo bench) smoke: 200 pods, one `ls -A`, exit
//! ```

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};

use serde_json::{Value, json};

use support::fake_api::{FakeApi, FakeApiBuilder};

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
    let pods: usize = flag("--pods").and_then(|n| n.parse().ok()).unwrap_or(200);
    if args.first().map(String::as_str) == Some("serve") {
        let Some(dir) = flag("--dir").map(PathBuf::from) else {
            eprintln!("usage: scale serve --pods N --dir DIR");
            return ExitCode::from(2);
        };
        let api = cluster(pods).start();
        let kubeconfig = api.write_kubeconfig(&dir, None);
        std::fs::write(dir.join("url"), api.url()).expect("write url");
        println!(
            "serving {pods} pods at {} ({})",
            api.url(),
            kubeconfig.display()
        );
        loop {
            std::thread::park();
        }
    }
    smoke(pods)
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
fn cluster(pods: usize) -> FakeApiBuilder {
    let mut rng = Lcg(42);
    let namespaces = (pods / 100).max(1);
    let mut items = Vec::with_capacity(pods);
    let mut events = Vec::new();
    for i in 0..pods {
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
        let pod = pod(i, &namespace, shape, trouble, &mut rng);
        if trouble != Trouble::None {
            events.push(event(i, &pod, trouble));
        }
        items.push(pod);
    }
    FakeApi::builder()
        .allow_anonymous()
        .object(json!({"apiVersion": "v1", "kind": "PodList", "items": items}))
        .object(json!({"apiVersion": "v1", "kind": "EventList", "items": events}))
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
