//! The envtest tier: a real kube-apiserver and etcd (found through `KUBEBUILDER_ASSETS`, the
//! controller-runtime envtest convention), started once per test binary on free ports, with
//! a stand-in kubelet serving container logs and the scenarios of `tests/fixtures/cluster`
//! loaded through the real API.
//!
//! Both processes run under a small `sh` watchdog that kills them as soon as the test
//! binary's process is gone, so they stop however the tests end (success, panic, kill).
//! Without `KUBEBUILDER_ASSETS` [`control_plane`] prints one line saying how to enable the
//! tier and returns `None`; the tests then return early (they pass as skipped).

use std::collections::HashMap;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::cli::{fixture, temp_dir};
use super::kubelet::Kubelet;

pub const ADMIN_TOKEN: &str = "envtest-admin-token";
pub const VIEWER_TOKEN: &str = "envtest-viewer-token";
/// The namespace the viewer may read pods and logs in (and nothing else).
pub const VIEWER_NS: &str = "shop";
/// Pods in the paging namespace: more than one page of the plugin's 500.
pub const LOAD_PODS: usize = 520;
/// The nodes the fixtures' pods run on; all point at the stand-in kubelet.
const NODES: [&str; 3] = ["worker-1", "worker-2", "worker-3"];

pub struct ControlPlane {
    pub dir: PathBuf,
    pub server: String,
    /// etcd's client URL (its JSON gateway answers `/v3/kv/...`).
    pub etcd: String,
    pub admin: PathBuf,
    pub viewer: PathBuf,
    pub kubelet: Kubelet,
    /// The watchdogs of etcd and kube-apiserver: they outlive this process on purpose (to
    /// stop both once it is gone), so they are never waited for.
    _watchdogs: Vec<Child>,
}

static PLANE: OnceLock<Option<Result<ControlPlane, String>>> = OnceLock::new();

/// The shared control plane, started (and loaded) on first use; `None` when
/// `KUBEBUILDER_ASSETS` is not set.
pub fn control_plane() -> Option<&'static ControlPlane> {
    // A failed start is kept (not retried by every test) and reported by each test.
    let plane = PLANE.get_or_init(|| match std::env::var_os("KUBEBUILDER_ASSETS") {
            Some(assets) if !assets.is_empty() => Some(
                std::panic::catch_unwind(|| ControlPlane::start(Path::new(&assets))).map_err(
                    |e| {
                        e.downcast_ref::<String>()
                            .cloned()
                            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default()
                    },
                ),
            ),
            _ => {
                // Straight to stderr: libtest would swallow eprintln! of a passing test.
                let _ = writeln!(
                    std::io::stderr(),
                    "envtest tier skipped: set KUBEBUILDER_ASSETS to a directory with kube-apiserver and etcd (bash .ci/run does; see README, Development)"
                );
                None
            }
        });
    match plane {
        None => None,
        Some(Ok(plane)) => Some(plane),
        Some(Err(why)) => panic!("the envtest control plane did not start: {why}"),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Runs `program args` in the background under a watchdog that kills it once this process
/// is gone; its output goes to `log`.
fn spawn_watched(program: &Path, args: &[String], log: &Path) -> Child {
    let script = r#""$0" "$@" & c=$!
while kill -0 "$WATCH_PID" 2>/dev/null && kill -0 "$c" 2>/dev/null; do sleep 0.3; done
kill "$c" 2>/dev/null
n=0; while kill -0 "$c" 2>/dev/null && [ $n -lt 20 ]; do sleep 0.25; n=$((n+1)); done
kill -9 "$c" 2>/dev/null; wait "$c" 2>/dev/null
[ -n "$CLEANUP" ] && rm -rf "$CLEANUP"
exit 0"#;
    let out = std::fs::File::create(log).expect("create process log");
    let err = out.try_clone().expect("clone log handle");
    let cleanup = if program.ends_with("etcd") {
        log.parent().expect("dir").join("etcd")
    } else {
        PathBuf::new()
    };
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(program)
        .args(args)
        .env("WATCH_PID", std::process::id().to_string())
        .env("CLEANUP", cleanup)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", program.display()))
}

fn run(cmd: &mut Command, stdin: Option<&str>) -> (bool, String, String) {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    let out = child.wait_with_output().expect("wait");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write_kubeconfig(path: &Path, server: &str, user: &str, token: &str, namespace: &str) {
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: envtest\n  cluster:\n    server: {server}\n    insecure-skip-tls-verify: true\nusers:\n- name: {user}\n  user:\n    token: {token}\ncontexts:\n- name: {user}@envtest\n  context:\n    cluster: envtest\n    user: {user}\n    namespace: {namespace}\ncurrent-context: {user}@envtest\n"
    );
    std::fs::write(path, text).expect("write kubeconfig");
}

impl ControlPlane {
    fn start(assets: &Path) -> ControlPlane {
        let started = Instant::now();
        let etcd = assets.join("etcd");
        let apiserver = assets.join("kube-apiserver");
        for bin in [&etcd, &apiserver] {
            assert!(
                bin.is_file(),
                "KUBEBUILDER_ASSETS has no {} (unpack ../shared/envtest or run setup-envtest)",
                bin.display()
            );
        }
        let dir = temp_dir("envtest");
        let openssl = |args: &[&str]| {
            let ok = Command::new("openssl")
                .args(args)
                .current_dir(&dir)
                .stderr(Stdio::null())
                .status()
                .expect("run openssl");
            assert!(ok.success(), "openssl {args:?} failed");
        };
        openssl(&["genrsa", "-out", "sa.key", "2048"]);
        openssl(&["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
        std::fs::write(
            dir.join("tokens.csv"),
            format!(
                "{ADMIN_TOKEN},admin,admin-uid,\"system:masters\"\n{VIEWER_TOKEN},viewer,viewer-uid,\"\"\n"
            ),
        )
        .expect("write tokens.csv");

        let (client, peer, secure) = (free_port(), free_port(), free_port());
        let d = dir.display();
        let etcd = spawn_watched(
            &etcd,
            &[
                format!("--data-dir={d}/etcd"),
                "--name=envtest".into(),
                format!("--listen-client-urls=http://127.0.0.1:{client}"),
                format!("--advertise-client-urls=http://127.0.0.1:{client}"),
                format!("--listen-peer-urls=http://127.0.0.1:{peer}"),
                "--unsafe-no-fsync".into(),
            ],
            &dir.join("etcd.log"),
        );
        let apiserver = spawn_watched(
            &apiserver,
            &[
                format!("--etcd-servers=http://127.0.0.1:{client}"),
                "--bind-address=127.0.0.1".into(),
                "--advertise-address=127.0.0.1".into(),
                format!("--secure-port={secure}"),
                format!("--cert-dir={d}/certs"),
                format!("--token-auth-file={d}/tokens.csv"),
                "--authorization-mode=RBAC".into(),
                "--allow-privileged=true".into(),
                "--service-account-issuer=https://kubernetes.default.svc".into(),
                format!("--service-account-key-file={d}/sa.pub"),
                format!("--service-account-signing-key-file={d}/sa.key"),
                "--service-cluster-ip-range=10.0.0.0/24".into(),
                "--disable-admission-plugins=ServiceAccount".into(),
                "--kubelet-preferred-address-types=InternalIP".into(),
            ],
            &dir.join("kube-apiserver.log"),
        );
        let server = format!("https://127.0.0.1:{secure}");
        let admin = dir.join("admin.kubeconfig");
        let viewer = dir.join("viewer.kubeconfig");
        write_kubeconfig(&admin, &server, "admin", ADMIN_TOKEN, "default");
        write_kubeconfig(&viewer, &server, "viewer", VIEWER_TOKEN, VIEWER_NS);
        let kubelet = Kubelet::start(&dir);
        let plane = ControlPlane {
            dir,
            server,
            etcd: format!("http://127.0.0.1:{client}"),
            admin,
            viewer,
            kubelet,
            _watchdogs: vec![etcd, apiserver],
        };
        plane.wait_ready();
        let ready = started.elapsed();
        plane.load();
        let _ = writeln!(
            std::io::stderr(),
            "envtest: v1.36 control plane ready in {:.1}s, scenarios loaded in {:.1}s ({})",
            ready.as_secs_f64(),
            (started.elapsed() - ready).as_secs_f64(),
            plane.dir.display()
        );
        plane
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let (ok, out, _) = run(
                Command::new("kubectl")
                    .arg("--kubeconfig")
                    .arg(&self.admin)
                    .args(["get", "--raw", "/readyz"]),
                None,
            );
            if ok && out.trim() == "ok" {
                return;
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(self.dir.join("kube-apiserver.log"))
                    .unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(20).collect();
                panic!("kube-apiserver not ready within 90s; last log lines:\n{tail:#?}");
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// `kubectl ARGS` as the admin; panics with kubectl's stderr on failure.
    pub fn kubectl(&self, args: &[&str], stdin: Option<&str>) -> String {
        let (ok, out, err) = run(
            Command::new("kubectl")
                .arg("--kubeconfig")
                .arg(&self.admin)
                .args(args),
            stdin,
        );
        assert!(ok, "kubectl {args:?} failed: {err}");
        out
    }

    /// Creates `objects` in one `kubectl create` and returns them as the server stored them.
    pub fn create(&self, objects: Vec<Value>) -> Vec<Value> {
        let list = json!({"apiVersion": "v1", "kind": "List", "items": objects});
        let out = self.kubectl(
            &["create", "-o", "json", "-f", "-"],
            Some(&list.to_string()),
        );
        // One JSON document per object created.
        let mut created = Vec::new();
        for doc in serde_json::Deserializer::from_str(&out).into_iter::<Value>() {
            let doc = doc.expect("kubectl create -o json");
            match doc.get("items").and_then(Value::as_array) {
                Some(items) => created.extend(items.iter().cloned()),
                None => created.push(doc),
            }
        }
        created
    }

    /// Writes a pod's (or node's) status through the status subresource.
    pub fn set_status(&self, kind: &str, namespace: Option<&str>, name: &str, status: &Value) {
        let patch = json!({"status": status}).to_string();
        let mut args = vec!["patch", kind, name, "--subresource=status", "--type=merge"];
        if let Some(ns) = namespace {
            args.extend(["-n", ns]);
        }
        args.extend(["-p", &patch]);
        self.kubectl(&args, None);
    }

    /// `curl ARGS` (for requests kubectl cannot make); panics when curl fails.
    pub fn curl(&self, args: &[&str]) -> String {
        let (ok, out, err) = run(Command::new("curl").arg("-sSk").args(args), None);
        assert!(ok, "curl {args:?}: {err}");
        out
    }

    /// `GET path` as the admin, the JSON answer (a `Status` for errors).
    pub fn get_json(&self, path: &str) -> Value {
        let out = self.curl(&[
            "-H",
            &format!("Authorization: Bearer {ADMIN_TOKEN}"),
            &format!("{}{path}", self.server),
        ]);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("GET {path}: {e}: {out}"))
    }

    /// Compacts etcd's history up to its current revision (the API server does so every
    /// 5 minutes); returns that revision.
    pub fn compact_etcd(&self) -> u64 {
        let range = self.curl(&[
            "-X",
            "POST",
            &format!("{}/v3/kv/range", self.etcd),
            "-d",
            r#"{"key":"AA=="}"#,
        ]);
        let range: Value = serde_json::from_str(&range).expect("etcd range answer");
        let revision: u64 = range["header"]["revision"]
            .as_str()
            .and_then(|r| r.parse().ok())
            .expect("etcd revision");
        let body = json!({"revision": revision.to_string(), "physical": true}).to_string();
        self.curl(&[
            "-X",
            "POST",
            &format!("{}/v3/kv/compaction", self.etcd),
            "-d",
            &body,
        ]);
        revision
    }

    /// The server's own Table rows (what `kubectl get pods` prints) for the pods of
    /// `namespace`: name → (READY, STATUS, RESTARTS count).
    pub fn pod_table(&self, namespace: &str) -> HashMap<String, (String, String, u32)> {
        let url = format!("{}/api/v1/namespaces/{namespace}/pods", self.server);
        let out = self.curl(&[
            "-H",
            &format!("Authorization: Bearer {ADMIN_TOKEN}"),
            "-H",
            "Accept: application/json;as=Table;v=v1;g=meta.k8s.io",
            &url,
        ]);
        let table: Value = serde_json::from_str(&out).expect("Table JSON");
        assert_eq!(table["kind"], "Table", "{out}");
        let columns: Vec<&str> = table["columnDefinitions"]
            .as_array()
            .expect("columns")
            .iter()
            .map(|c| c["name"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(&columns[..4], ["Name", "Ready", "Status", "Restarts"]);
        table["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|row| {
                let cell = |i: usize| row["cells"][i].as_str().unwrap_or("").to_string();
                let restarts = cell(3)
                    .split(' ')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("RESTARTS starts with a count");
                (cell(0), (cell(1), cell(2), restarts))
            })
            .collect()
    }

    /// Loads every scenario once: nodes, namespaces, workloads with real ownerReferences,
    /// pods with their statuses, events, RBAC for the viewer, the paging namespace and logs.
    fn load(&self) {
        let nodes: Vec<Value> = NODES
            .iter()
            .map(|n| json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": n}}))
            .collect();
        let namespaces: Vec<Value> = [
            "shop",
            "observability",
            "batch",
            "payments",
            "live",
            "load",
            "probe",
        ]
        .iter()
        .map(|n| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}))
        .collect();
        self.create([nodes, namespaces].concat());
        for node in NODES {
            self.set_status(
                "node",
                None,
                node,
                &json!({
                    "addresses": [{"type": "InternalIP", "address": "127.0.0.1"},
                                  {"type": "Hostname", "address": node}],
                    "daemonEndpoints": {"kubeletEndpoint": {"Port": self.kubelet.port}},
                    "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                    "message": "stand-in kubelet"}]
                }),
            );
        }
        self.load_fixtures();
        self.create(rbac());
        let load: Vec<Value> = (0..LOAD_PODS)
            .map(|i| {
                json!({"apiVersion": "v1", "kind": "Pod",
                       "metadata": {"name": format!("load-{i:04}"), "namespace": "load"},
                       "spec": {"nodeName": "worker-1", "containers": [{"name": "app", "image": "app:1"}]}})
            })
            .collect();
        self.create(load);
    }

    /// The objects of tests/fixtures/cluster, created owners first; every old UID (owners,
    /// pods) is replaced by the one the server assigned, so ownerReferences, Job selectors
    /// and events point at the real objects.
    fn load_fixtures(&self) {
        let mut objects: Vec<Value> = Vec::new();
        let dir = PathBuf::from(fixture("cluster"));
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("fixtures")
            .chain(std::fs::read_dir(dir.join("events")).expect("events"))
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for file in files {
            let value: Value =
                serde_json::from_str(&std::fs::read_to_string(&file).expect("read fixture"))
                    .expect("fixture JSON");
            match value.get("items").and_then(Value::as_array) {
                Some(items) => objects.extend(items.iter().cloned()),
                None => objects.push(value),
            }
        }
        let phase = |o: &Value| match o["kind"].as_str().unwrap_or("") {
            "Deployment" | "StatefulSet" | "CronJob" => 0,
            "ReplicaSet" | "Job" => 1,
            "Pod" => 2,
            _ => 3,
        };
        let mut uids: Vec<(String, String)> = Vec::new();
        for current in 0..4 {
            let batch: Vec<(Value, Value)> = objects
                .iter()
                .filter(|o| phase(o) == current)
                .map(|o| {
                    let o = remap(o, &uids);
                    (for_create(&o), o)
                })
                .collect();
            if batch.is_empty() {
                continue;
            }
            let created = self.create(batch.iter().map(|(c, _)| c.clone()).collect());
            for ((_, original), stored) in batch.iter().zip(&created) {
                let old = original["metadata"]["uid"].as_str().unwrap_or("");
                let new = stored["metadata"]["uid"].as_str().unwrap_or("");
                if !old.is_empty() {
                    uids.push((old.to_string(), new.to_string()));
                }
                if original["kind"] == "Pod" {
                    let meta = &stored["metadata"];
                    self.set_status(
                        "pod",
                        meta["namespace"].as_str(),
                        meta["name"].as_str().unwrap_or(""),
                        &original["status"],
                    );
                }
            }
        }
    }
}

/// `object` with the UIDs that point at other objects (ownerReferences, label values such
/// as a Job's controller-uid, an event's involvedObject) replaced by the server's; free
/// text (messages) keeps the fixture's UIDs, as the goldens do.
fn remap(object: &Value, uids: &[(String, String)]) -> Value {
    let mut o = object.clone();
    let swap = |v: &mut Value| {
        if let Some(new) = uids
            .iter()
            .find(|(old, _)| v.as_str() == Some(old.as_str()))
            .map(|(_, new)| new.clone())
        {
            *v = Value::String(new);
        }
    };
    if let Some(owners) = o["metadata"]["ownerReferences"].as_array_mut() {
        owners.iter_mut().for_each(|r| swap(&mut r["uid"]));
    }
    if let Some(labels) = o["metadata"]["labels"].as_object_mut() {
        labels.values_mut().for_each(swap);
    }
    if o["kind"] == "Event" {
        swap(&mut o["involvedObject"]["uid"]);
    }
    o
}

/// `object` without what the server assigns (and, for a Job, without the selector the
/// server generates from its new UID).
fn for_create(object: &Value) -> Value {
    let mut o = object.clone();
    if let Some(meta) = o["metadata"].as_object_mut() {
        for field in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "generation",
            "managedFields",
            "selfLink",
        ] {
            meta.remove(field);
        }
    }
    if let Some(fields) = o.as_object_mut() {
        fields.remove("status");
    }
    if o["kind"] == "Job" {
        if let Some(spec) = o["spec"].as_object_mut() {
            spec.remove("selector");
            spec.remove("manualSelector");
        }
        if let Some(labels) = o["spec"]["template"]["metadata"]["labels"].as_object_mut() {
            labels.remove("controller-uid");
            labels.remove("batch.kubernetes.io/controller-uid");
        }
    }
    o
}

/// The viewer may get/list/watch pods and read their logs in [`VIEWER_NS`]: no events, no
/// workloads, nothing cluster-wide.
fn rbac() -> Vec<Value> {
    vec![
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
               "metadata": {"name": "pod-viewer", "namespace": VIEWER_NS},
               "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
                         {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "pod-viewer", "namespace": VIEWER_NS},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-viewer"},
               "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "viewer"}]}),
    ]
}
