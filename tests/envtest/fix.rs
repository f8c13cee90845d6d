//! `diagnose --fix` against the real API server: a Deployment with the spec-level problems of
//! tests/fixtures/fix/web-deployment.yaml, its ReplicaSet and pods created by the test with
//! real ownerReferences (there is no controller-manager). The plugin only reads; the test
//! then runs each printed `kubectl patch` command in a shell with `--dry-run=server`, so
//! kube-apiserver v1.36 itself judges every patch: accepted as emitted, rejected once a
//! `test` guard no longer matches the Deployment.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::support::cli::{Output, fixture, sidecar_live};
use crate::support::envtest::{ADMIN_TOKEN, ControlPlane, control_plane};

const HASH: &str = "6b8d9c7f5c";
const PODS: [&str; 2] = ["web-6b8d9c7f5c-h4k2p", "web-6b8d9c7f5c-z7m9q"];

/// The Deployment of web-deployment.yaml, in namespace `ns`.
fn manifest(ns: &str) -> Value {
    let text = std::fs::read_to_string(fixture("fix/web-deployment.yaml")).expect("manifest");
    let mut deploy: Value = serde_saphyr::from_str(&text).expect("YAML manifest");
    deploy["metadata"]["namespace"] = json!(ns);
    deploy
}

fn owner_ref(owner: &Value) -> Value {
    json!([{"apiVersion": owner["apiVersion"], "kind": owner["kind"],
            "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
            "controller": true, "blockOwnerDeletion": true}])
}

fn running(name: &str, image: &str) -> Value {
    json!({"name": name, "image": image, "imageID": "", "ready": true, "started": true,
           "restartCount": 0, "containerID": format!("containerd://{name}-1"),
           "state": {"running": {"startedAt": "2026-11-23T10:00:02Z"}}})
}

/// Creates namespace `ns` with deploy/web, its ReplicaSet and two running pods, as the
/// Deployment controller would have; returns the Deployment as the server stored it.
fn web_in(cp: &ControlPlane, ns: &str) -> Value {
    cp.create(vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
    ]);
    let deploy = cp.create(vec![manifest(ns)]).remove(0);
    let mut template = deploy["spec"]["template"].clone();
    template["metadata"]["labels"]["pod-template-hash"] = json!(HASH);
    let labels = template["metadata"]["labels"].clone();
    let rs = cp
        .create(vec![json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": format!("web-{HASH}"), "namespace": ns, "labels": labels,
                         "ownerReferences": owner_ref(&deploy)},
            "spec": {"replicas": 2, "selector": {"matchLabels": labels}, "template": template},
        })])
        .remove(0);
    let pods: Vec<Value> = PODS
        .iter()
        .map(|name| {
            let mut spec = template["spec"].clone();
            spec["nodeName"] = json!("worker-1");
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": name, "namespace": ns, "labels": labels,
                                "ownerReferences": owner_ref(&rs)},
                   "spec": spec})
        })
        .collect();
    cp.create(pods);
    let status = json!({
        "phase": "Running", "startTime": "2026-11-23T10:00:00Z",
        "conditions": [{"type": "Ready", "status": "True"}],
        "initContainerStatuses": [running("envoy", "envoyproxy/envoy:v1.32.1")],
        "containerStatuses": [running("nginx", "nginx:1.27"),
                              running("fluent-bit", "cr.fluentbit.io/fluent/fluent-bit:3.2.2")],
    });
    for name in PODS {
        cp.set_status("pod", Some(ns), name, &status);
    }
    deploy
}

fn parse(out: &Output) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON ({e}): {}\nstderr: {}", out.stdout, out.stderr))
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("-")
}

/// `("rule container", remedy)` of each distinct remedy of a report (by command).
fn remedies(report: &Value) -> Vec<(String, Value)> {
    let mut seen = BTreeSet::new();
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| {
            let remedy = f.get("remedy")?;
            let command = remedy["command"].as_str()?.to_string();
            seen.insert(command).then(|| {
                (
                    format!("{} {}", text(&f["rule"]), text(&f["container"])),
                    remedy.clone(),
                )
            })
        })
        .collect()
}

/// Runs a printed command in a shell as the admin, with `extra` appended; `(ok, stdout,
/// stderr)`.
fn run_printed(cp: &ControlPlane, command: &str, extra: &str) -> (bool, String, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{command} {extra}"))
        .env("KUBECONFIG", &cp.admin)
        .stdin(Stdio::null())
        .output()
        .expect("run sh");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Whether `actual` is `expected` with at most fields added to its objects (server defaults).
fn within(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(key, value)| a.get(key).is_some_and(|found| within(value, found))),
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| within(x, y))
        }
        _ => expected == actual,
    }
}

/// `PATCH` of deploy/web with a JSON patch and `?dryRun=All`, as the admin: the server's
/// answer (the object it would store, or a `Status`).
fn dry_run_patch(cp: &ControlPlane, ns: &str, patch: &Value) -> Value {
    let out = cp.curl(&[
        "-X",
        "PATCH",
        "-H",
        &format!("Authorization: Bearer {ADMIN_TOKEN}"),
        "-H",
        "Content-Type: application/json-patch+json",
        "--data-binary",
        &patch.to_string(),
        &format!(
            "{}/apis/apps/v1/namespaces/{ns}/deployments/web?dryRun=All",
            cp.server
        ),
    ]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("PATCH answer ({e}): {out}"))
}

fn deployment(cp: &ControlPlane, ns: &str) -> Value {
    cp.get_json(&format!("/apis/apps/v1/namespaces/{ns}/deployments/web"))
}

#[test]
fn every_patch_is_accepted_by_the_api_server_and_a_stale_one_rejected() {
    let Some(cp) = control_plane() else { return };
    let ns = "fix";
    web_in(cp, ns);
    let out = sidecar_live(&cp.admin, &["diagnose", "-n", ns, "--fix", "-o", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Only the missing metrics-server is worth a warning: every owner was read.
    assert!(!out.stderr.contains("replicaset"), "{}", out.stderr);
    assert!(!out.stderr.contains("no patch"), "{}", out.stderr);
    let all = remedies(&parse(&out));
    let found: BTreeSet<&str> = all
        .iter()
        .map(|(what, _)| what.split(' ').next().unwrap())
        .collect();
    for rule in [
        "mount-mismatch",
        "memory-emptydir-no-limit",
        "startup-order",
        "shutdown-order",
        "log-volume-no-size-limit",
        "log-sidecar-no-storage-limit",
    ] {
        assert!(found.contains(rule), "no remedy for {rule}: {found:?}");
    }

    let before = deployment(cp, ns);
    for (what, remedy) in &all {
        assert_eq!(
            remedy["target"],
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": ns, "name": "web"}),
            "{what}"
        );
        let command = remedy["command"].as_str().unwrap();
        let (ok, stdout, stderr) = run_printed(cp, command, "--dry-run=server -o json");
        assert!(ok, "{what}: the API server rejects\n{command}\n{stderr}");
        // What the server would store is the patch applied to the Deployment as it is.
        let would_be: Value = serde_json::from_str(&stdout).expect("patched Deployment");
        let expected = {
            let patch: json_patch::Patch = serde_json::from_value(remedy["patch"].clone()).unwrap();
            let mut doc = before.clone();
            json_patch::patch(&mut doc, &patch).unwrap_or_else(|e| panic!("{what}: {e}"));
            doc
        };
        // The server defaults what the patch leaves out (a probe's timeoutSeconds).
        assert!(
            within(&expected["spec"]["template"], &would_be["spec"]["template"]),
            "{what}: the server would store\n{:#}\nnot\n{:#}",
            would_be["spec"]["template"],
            expected["spec"]["template"]
        );
    }
    let mount = &all
        .iter()
        .find(|(what, _)| what.starts_with("mount-mismatch"))
        .unwrap()
        .1;
    let (_, stdout, _) = run_printed(
        cp,
        mount["command"].as_str().unwrap(),
        "--dry-run=server -o json",
    );
    let would_be: Value = serde_json::from_str(&stdout).unwrap();
    let shipper = &would_be["spec"]["template"]["spec"]["containers"][1];
    assert_eq!(shipper["name"], "fluent-bit");
    assert!(
        shipper["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["mountPath"] == "/var/log/nginx"),
        "{shipper:#}"
    );
    // Dry runs: nothing was stored.
    let after = deployment(cp, ns);
    assert_eq!(
        after["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );

    // Someone reorders the containers (a real write, by the test): the guards of the
    // patches computed before no longer match, and the server refuses them whole.
    cp.kubectl(
        &[
            "patch", "deployment/web", "-n", ns, "--type=json", "-p",
            r#"[{"op":"move","from":"/spec/template/spec/containers/1","path":"/spec/template/spec/containers/0"}]"#,
        ],
        None,
    );
    for (what, remedy) in &all {
        let touches_shipper =
            remedy["patch"].as_array().unwrap().iter().any(|op| {
                op["op"] == "test" && op["path"] == "/spec/template/spec/containers/1/name"
            });
        if !touches_shipper {
            continue;
        }
        let command = remedy["command"].as_str().unwrap();
        let (ok, _, stderr) = run_printed(cp, command, "--dry-run=server");
        assert!(!ok, "{what}: a stale patch was accepted\n{command}");
        assert!(
            stderr.contains("The request is invalid"),
            "{what}: {stderr}"
        );
        // The server's own answer: 422, without saying which operation failed.
        let status = dry_run_patch(cp, ns, &remedy["patch"]);
        assert_eq!(
            (&status["kind"], &status["code"], &status["reason"]),
            (&json!("Status"), &json!(422), &json!("Invalid")),
            "{what}: {status:#}"
        );
        assert_eq!(
            status["message"],
            "the server rejected our request due to an error in our request"
        );
    }
    // It is the guard that refuses: without its test operations the storage limit patch
    // would be accepted, and land on nginx, now container 1.
    let storage = &all
        .iter()
        .find(|(what, _)| what.starts_with("log-sidecar-no-storage-limit"))
        .unwrap()
        .1;
    let unguarded: Vec<&Value> = storage["patch"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|op| op["op"] != "test")
        .collect();
    let would_be = dry_run_patch(cp, ns, &json!(unguarded));
    let wrong = &would_be["spec"]["template"]["spec"]["containers"][1];
    assert_eq!(wrong["name"], "nginx", "{would_be:#}");
    assert_eq!(wrong["resources"]["limits"]["ephemeral-storage"], "1Gi");

    // Diagnosed again, the patches follow the Deployment's new order (fluent-bit is now its
    // container 0, still 1 in the running pods) and are accepted again.
    let out = sidecar_live(&cp.admin, &["diagnose", "-n", ns, "--fix", "-o", "json"]);
    let again = remedies(&parse(&out));
    assert!(!again.is_empty(), "{}", out.stderr);
    for (what, remedy) in &again {
        let command = remedy["command"].as_str().unwrap();
        if what.starts_with("mount-mismatch") {
            assert!(
                command.contains(
                    r#""path":"/spec/template/spec/containers/0/name","value":"fluent-bit""#
                ),
                "{command}"
            );
        }
        let (ok, _, stderr) = run_printed(cp, command, "--dry-run=server");
        assert!(ok, "{what}: the API server rejects\n{command}\n{stderr}");
    }
}

/// The viewer may only get and list pods, ReplicaSets and Deployments in its namespace: that
/// is enough for `--fix` to find and read the Deployment. Without the apps rights (its
/// usual Role in shop) the real 403 turns the pod into the target, and the run still works.
#[test]
fn a_read_only_user_can_run_fix() {
    let Some(cp) = control_plane() else { return };
    let ns = "fix-viewer";
    web_in(cp, ns);
    cp.create(vec![
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
               "metadata": {"name": "fix-reader", "namespace": ns},
               "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
                         {"apiGroups": ["apps"], "resources": ["replicasets", "deployments"],
                          "verbs": ["get", "list"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "fix-reader", "namespace": ns},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "fix-reader"},
               "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "viewer"}]}),
    ]);
    let out = sidecar_live(
        &cp.viewer,
        &[
            "diagnose",
            "-n",
            ns,
            "--fix",
            "-o",
            "json",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let all = remedies(&parse(&out));
    assert!(!all.is_empty());
    for (what, remedy) in &all {
        assert_eq!(remedy["target"]["kind"], "Deployment", "{what}: {remedy:#}");
        // The viewer cannot apply it (no patch verb); the admin's dry run accepts it.
        let (ok, _, _) = run_printed(cp, remedy["command"].as_str().unwrap(), "--dry-run=server");
        assert!(ok, "{what}");
    }

    // The scenarios' viewer Role in shop: pods and logs only.
    let out = sidecar_live(
        &cp.viewer,
        &[
            "diagnose",
            "-n",
            "shop",
            "web-7c9d8b6f5d-x2x4k",
            "--fix",
            "-o",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let all = remedies(&parse(&out));
    assert!(!all.is_empty());
    for (what, remedy) in &all {
        assert_eq!(remedy["target"]["kind"], "Pod", "{what}");
        let note = remedy["note"].as_str().unwrap();
        assert!(
            note.contains(r#"replicaset/web-7c9d8b6f5d is forbidden ("#)
                && note.contains(r#"User "viewer" cannot get resource "replicasets""#),
            "{note}"
        );
    }
}
