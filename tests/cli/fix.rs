//! `diagnose --fix` end to end: the patch lines under each finding, `findings[].remedy` in
//! JSON and the patched owners of `-o yaml`, offline on manifests (goldens), and live through
//! the fake API server: the owner found by following ownerReferences with one GET per owner
//! (cached across pods), the pod as the target when an owner is missing or forbidden, and
//! never a request that writes.

use serde_json::{Value, json};

use crate::support::cli::{
    Output, cluster_fixture, fixture, sidecar, sidecar_live, sidecar_stdin, temp_dir,
};
use crate::support::fake_api::{FakeApi, FakeApiBuilder, RecordedRequest};
use crate::support::golden::assert_golden;

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("JSON ({e}): {text}"))
}

fn read_fixture(path: &str) -> Value {
    parse(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}")))
}

/// `(rule, container)` of every finding at warning or critical.
fn serious(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("warning" | "critical")))
        .map(|f| {
            let s = |v: &Value| v.as_str().unwrap_or("-").to_string();
            (s(&f["rule"]), s(&f["container"]))
        })
        .collect()
}

/// The findings of a report that carry a remedy.
fn with_remedy(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f.get("remedy").is_some())
        .collect()
}

/// Applies a remedy's patch with the RFC 6902 reference implementation.
fn apply(object: &Value, remedy: &Value) -> Result<Value, String> {
    let patch: json_patch::Patch =
        serde_json::from_value(remedy["patch"].clone()).map_err(|e| e.to_string())?;
    let mut doc = object.clone();
    json_patch::patch(&mut doc, &patch).map_err(|e| e.to_string())?;
    Ok(doc)
}

// ---------------------------------------------------------------------------------------------
// Offline
// ---------------------------------------------------------------------------------------------

fn web_deployment() -> String {
    fixture("fix/web-deployment.yaml")
}

#[test]
fn deployment_manifest_golden_table_and_json() {
    let out = sidecar(&["diagnose", "--fix", "-f", &web_deployment()]);
    assert_eq!(out.stderr, "");
    assert_golden("fix/web-deployment.txt", out.ok());
    let patches: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("  patch: "))
        .collect();
    assert!(patches.len() >= 6, "{}", out.stdout);
    for line in &patches {
        assert!(
            line.starts_with("  patch: kubectl patch deployment/web -n shop --type=json -p '"),
            "every patch targets the Deployment: {line}"
        );
    }
    let patches = patches.len();

    let out = sidecar(&["diagnose", "--fix", "-f", &web_deployment(), "-o", "json"]);
    assert_golden("fix/web-deployment.json", out.ok());
    let report = parse(&out.stdout);
    let remedies = with_remedy(&report);
    assert_eq!(remedies.len(), patches, "one remedy per patch line");
    let manifest = manifest_deployment();
    for finding in remedies {
        let remedy = &finding["remedy"];
        assert_eq!(
            remedy["target"],
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "web"}),
            "{finding:#}"
        );
        assert_eq!(remedy["patchType"], "json");
        // Guards first, then changes, every path inside the template's pod spec.
        let ops = remedy["patch"].as_array().expect("patch ops");
        let first_change = ops.iter().position(|op| op["op"] != "test");
        assert!(
            ops.iter()
                .skip(first_change.unwrap_or(ops.len()))
                .all(|op| op["op"] != "test"),
            "{ops:#?}"
        );
        for op in ops {
            assert!(
                op["path"]
                    .as_str()
                    .unwrap()
                    .starts_with("/spec/template/spec/"),
                "{op}"
            );
        }
        let command = remedy["command"].as_str().unwrap();
        assert!(
            command.starts_with("kubectl patch deployment/web -n shop --type=json -p '"),
            "{command}"
        );
        // The command carries exactly the patch of the JSON report.
        let quoted = command
            .split_once(" -p '")
            .map(|(_, rest)| rest.trim_end_matches('\''))
            .unwrap();
        assert_eq!(parse(quoted), remedy["patch"]);
        assert!(!remedy["note"].as_str().unwrap().is_empty());
        apply(&manifest, remedy).unwrap_or_else(|e| panic!("{}: {e}", finding["rule"]));
    }
}

/// The Deployment of web-deployment.yaml as `-f` reads it.
fn manifest_deployment() -> Value {
    let text = std::fs::read_to_string(web_deployment()).unwrap();
    serde_saphyr::from_str(&text).expect("YAML manifest")
}

/// `--fix -o yaml` on a manifest: the patched owner (golden), which read back with
/// `diagnose -f -` has no warning or critical finding left and none of the findings whose
/// remedy was applied. Returns the patched owner.
fn patched_manifest_reads_back_clean(manifest: &str, golden: &str) -> Value {
    let before = parse(sidecar(&["diagnose", "--fix", "-f", manifest, "-o", "json"]).ok());
    assert!(!serious(&before).is_empty(), "{manifest}: nothing to fix");
    let fixed: Vec<String> = with_remedy(&before)
        .iter()
        .map(|f| format!("{} {}", f["rule"], f["container"]))
        .collect();

    let out = sidecar(&["diagnose", "--fix", "-f", manifest, "-o", "yaml"]);
    assert_eq!(out.stderr, "", "{manifest}: every remedy applies");
    assert_golden(golden, out.ok());
    let patched: Value = serde_saphyr::from_str(&out.stdout).expect("one YAML document");
    assert!(patched.get("status").is_none());

    let again = sidecar_stdin(&["diagnose", "-f", "-", "-o", "json"], &out.stdout);
    let again = parse(again.ok());
    assert_eq!(serious(&again), Vec::<(String, String)>::new(), "{again:#}");
    let remaining: Vec<String> = again["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["rule"], f["container"]))
        .collect();
    for finding in &fixed {
        assert!(
            !remaining.contains(finding),
            "{manifest}: {finding} survives its patch: {remaining:#?}"
        );
    }
    patched
}

#[test]
fn yaml_prints_the_patched_deployment_without_its_findings() {
    let patched =
        patched_manifest_reads_back_clean(&web_deployment(), "fix/web-deployment-patched.yaml");
    assert_eq!(patched["kind"], "Deployment");
    assert_eq!(patched["metadata"]["name"], "web");
    // Every remedy landed, the later ones on the container where the earlier ones left it.
    let spec = &patched["spec"]["template"]["spec"];
    let shipper = &spec["initContainers"][0];
    assert_eq!(shipper["name"], "fluent-bit");
    assert_eq!(shipper["restartPolicy"], "Always");
    assert_eq!(shipper["resources"]["limits"]["ephemeral-storage"], "1Gi");
    let mounts: Vec<&Value> = shipper["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["mountPath"] == "/var/log/nginx")
        .collect();
    assert_eq!(mounts.len(), 1, "{shipper:#}");
    assert_eq!(spec["terminationGracePeriodSeconds"], 70);
}

#[test]
fn yaml_prints_the_patched_cronjob_without_its_findings() {
    let patched = patched_manifest_reads_back_clean(
        &fixture("fix/report-cronjob.yaml"),
        "fix/report-cronjob-patched.yaml",
    );
    let spec = &patched["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let names: Vec<&str> = spec["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    // The proxy moved first; config-agent made native where it was, after that move.
    assert_eq!(names, ["cloud-sql-proxy", "migrate", "config-agent"]);
    assert_eq!(spec["initContainers"][2]["restartPolicy"], "Always");
}

#[test]
fn yaml_prints_the_deployment_with_every_injector_annotation() {
    let patched = patched_manifest_reads_back_clean(
        &fixture("fix/istio-oom.yaml"),
        "fix/istio-oom-patched.yaml",
    );
    // Three remedies annotate the template, which had no annotations: the map made by the
    // first is added to, not replaced, by the next.
    let annotations = &patched["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(annotations["sidecar.istio.io/proxyMemoryLimit"], "384Mi");
    assert_eq!(annotations["sidecar.istio.io/proxyMemory"], "128Mi");
    assert_eq!(annotations["sidecar.istio.io/nativeSidecar"], "true");
}

#[test]
fn cronjob_manifest_golden() {
    let out = sidecar(&[
        "diagnose",
        "--fix",
        "-f",
        &fixture("fix/report-cronjob.yaml"),
    ]);
    assert_eq!(out.stderr, "");
    assert_golden("fix/report-cronjob.txt", &out.stdout);
    assert!(
        out.stdout
            .contains("patch: kubectl patch cronjob/invoice-report -n billing --type=json")
    );
    assert!(
        out.stdout
            .contains("\"path\":\"/spec/jobTemplate/spec/template/spec/")
    );
}

#[test]
fn injected_proxy_golden() {
    let out = sidecar(&["diagnose", "--fix", "-f", &fixture("fix/istio-oom.yaml")]);
    assert_eq!(out.stderr, "");
    assert_golden("fix/istio-oom.txt", &out.stdout);
    assert!(
        out.stdout
            .contains(r#""value":{"sidecar.istio.io/proxyMemoryLimit":"384Mi"}"#),
        "{}",
        out.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// Live: owners through the fake API server
// ---------------------------------------------------------------------------------------------

const WEB_POD: &str = "web-7c9d8b6f5d-x2x4k";
const WEB_POD_2: &str = "web-7c9d8b6f5d-q9v6t";
const RS_PATH: &str = "/apis/apps/v1/namespaces/shop/replicasets/web-7c9d8b6f5d";
const DEPLOY_PATH: &str = "/apis/apps/v1/namespaces/shop/deployments/web";

/// deploy/web one revision ahead of its ReplicaSet (mid-rollout): the template gained an
/// exporter container and a config volume in front, so its indexes differ from the pods'.
fn deployment_ahead() -> Value {
    let mut deploy = read_fixture(&cluster_fixture("deploy-web.json"));
    let spec = &mut deploy["spec"]["template"]["spec"];
    spec["containers"].as_array_mut().unwrap().insert(
        0,
        json!({"name": "exporter", "image": "nginx/nginx-prometheus-exporter:1.4",
               "imagePullPolicy": "IfNotPresent", "terminationMessagePath": "/dev/termination-log",
               "terminationMessagePolicy": "File"}),
    );
    spec["volumes"].as_array_mut().unwrap().insert(
        0,
        json!({"name": "config", "configMap": {"name": "web-config", "defaultMode": 420}}),
    );
    deploy["metadata"]["generation"] = json!(4);
    deploy["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!("4");
    deploy
}

/// Two replicas of rs/web-7c9d8b6f5d.
fn web_pods() -> Vec<Value> {
    let pod = read_fixture(&cluster_fixture("web-logs.json"));
    let mut second = pod.clone();
    second["metadata"]["name"] = json!(WEB_POD_2);
    second["metadata"]["uid"] = json!("b1f0c3a2-5d4e-4f6a-8b7c-9d0e1f2a3b4c");
    vec![pod, second]
}

fn web_api(deploy: Option<Value>, rs: bool) -> FakeApiBuilder {
    let mut api = FakeApi::builder();
    for pod in web_pods() {
        api = api.object(pod);
    }
    if rs {
        api = api.object(read_fixture(&cluster_fixture("rs-web.json")));
    }
    if let Some(deploy) = deploy {
        api = api.object(deploy);
    }
    api
}

fn live(api: &FakeApi, namespace: &str, args: &[&str]) -> Output {
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some(namespace));
    sidecar_live(&kubeconfig, args)
}

/// The requests on `path`.
fn requests_on<'a>(requests: &'a [RecordedRequest], path: &str) -> Vec<&'a RecordedRequest> {
    requests.iter().filter(|r| r.path == path).collect()
}

fn assert_read_only(requests: &[RecordedRequest]) {
    let writes: Vec<_> = requests.iter().filter(|r| r.method != "GET").collect();
    assert!(writes.is_empty(), "the plugin sent writes: {writes:#?}");
}

#[test]
fn live_owner_is_the_deployment_read_once_for_all_its_pods() {
    for args in [
        &["diagnose", "--fix", "-o", "json"][..],
        &["diagnose", "--fix", "-o", "json", "--no-group"][..],
    ] {
        let api = web_api(Some(deployment_ahead()), true).start();
        let out = live(&api, "shop", args);
        assert_eq!(out.stderr, "", "{args:?}");
        let report = parse(out.ok());
        let remedies = with_remedy(&report);
        let rules: Vec<&str> = remedies
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        assert!(rules.contains(&"mount-mismatch"), "{args:?}: {rules:?}");
        let deployment = api.get("deployments", "shop", "web").unwrap();
        for finding in &remedies {
            let remedy = &finding["remedy"];
            assert_eq!(
                remedy["target"],
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "web"})
            );
            // Read, not inferred: nothing in the note about how the owner was guessed.
            let note = remedy["note"].as_str().unwrap();
            assert!(
                !note.contains("inferred") && !note.contains("not read"),
                "{note}"
            );
            // The Deployment as served accepts every patch.
            apply(&deployment, remedy).unwrap_or_else(|e| panic!("{}: {e}", finding["rule"]));
        }
        // Indexes of the Deployment's template (log-reader is container 2 there, 1 in the
        // pods; nginx-logs volume 1 there, 0 in the pods).
        let patch_of = |rule: &str| {
            remedies
                .iter()
                .find(|f| f["rule"] == rule)
                .map(|f| f["remedy"]["patch"].clone())
                .unwrap_or_else(|| panic!("a {rule} remedy"))
        };
        assert_eq!(
            patch_of("mount-mismatch"),
            json!([
                {"op": "test", "path": "/spec/template/spec/containers/2/name", "value": "log-reader"},
                {"op": "add", "path": "/spec/template/spec/containers/2/volumeMounts/-",
                 "value": {"mountPath": "/var/log/nginx", "name": "nginx-logs", "readOnly": true}},
            ])
        );
        assert_eq!(
            patch_of("log-volume-no-size-limit")[0],
            json!({"op": "test", "path": "/spec/template/spec/volumes/1/name", "value": "nginx-logs"})
        );

        let requests = api.requests();
        assert_read_only(&requests);
        assert_eq!(
            requests_on(&requests, RS_PATH).len(),
            1,
            "{args:?}: {requests:#?}"
        );
        assert_eq!(
            requests_on(&requests, DEPLOY_PATH).len(),
            1,
            "{args:?}: {requests:#?}"
        );
    }
}

#[test]
fn live_table_prints_the_deployment_patch() {
    let api = web_api(Some(deployment_ahead()), true).start();
    let out = live(&api, "shop", &["diagnose", "--fix"]);
    assert_eq!(out.stderr, "");
    let text = out.ok();
    assert!(
        text.contains("  patch: kubectl patch deployment/web -n shop --type=json -p '[{\"op\":\"test\",\"path\":\"/spec/template/spec/containers/2/name\",\"value\":\"log-reader\"}"),
        "{text}"
    );
    assert!(!text.contains("kubectl replace"), "{text}");
    assert_read_only(&api.requests());
}

#[test]
fn live_yaml_prints_the_deployment_patched_once_for_all_replicas() {
    for extra in [&[][..], &["--no-group"][..]] {
        let api = web_api(Some(deployment_ahead()), true).start();
        let mut args = vec!["diagnose", "--fix", "-o", "yaml"];
        args.extend(extra);
        let out = live(&api, "shop", &args);
        assert_eq!(out.stderr, "", "{extra:?}");
        let patched: Value = serde_saphyr::from_str(out.ok()).expect("one YAML document");
        assert_eq!(patched["kind"], "Deployment");
        assert_eq!(patched["apiVersion"], "apps/v1");
        // Written back as one would apply it: no status, no server-managed metadata.
        assert!(patched.get("status").is_none());
        for field in ["uid", "resourceVersion", "generation", "creationTimestamp"] {
            assert!(patched["metadata"].get(field).is_none(), "{field}");
        }
        let reader = &patched["spec"]["template"]["spec"]["containers"][2];
        assert_eq!(reader["name"], "log-reader");
        let mounts: Vec<&Value> = reader["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["mountPath"] == "/var/log/nginx")
            .collect();
        assert_eq!(mounts.len(), 1, "{extra:?}: mounted once: {reader:#}");
        assert_eq!(
            patched["spec"]["template"]["spec"]["volumes"][1]["emptyDir"]["sizeLimit"],
            "1Gi"
        );
        let again = sidecar_stdin(&["diagnose", "-f", "-", "-o", "json"], &out.stdout);
        assert_eq!(serious(&parse(again.ok())), Vec::<(String, String)>::new());
        assert_read_only(&api.requests());
    }
}

#[test]
fn live_job_pod_is_fixed_in_its_cronjob() {
    let api = FakeApi::builder()
        .object(read_fixture(&cluster_fixture(
            "cronjob-nightly-report.json",
        )))
        .object(read_fixture(&cluster_fixture("job-nightly-report.json")))
        .object(read_fixture(&cluster_fixture(
            "job-sidecar-never-exits.json",
        )))
        .start();
    let out = live(&api, "batch", &["diagnose", "--fix", "-o", "json"]);
    assert_eq!(out.stderr, "");
    let report = parse(&out.stdout);
    assert_eq!(out.code, 3, "a critical finding");
    let remedies = with_remedy(&report);
    assert!(!remedies.is_empty());
    let cronjob = api.get("cronjobs", "batch", "nightly-report").unwrap();
    for finding in &remedies {
        let remedy = &finding["remedy"];
        assert_eq!(
            remedy["target"],
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "namespace": "batch", "name": "nightly-report"})
        );
        assert!(
            remedy["command"]
                .as_str()
                .unwrap()
                .starts_with("kubectl patch cronjob/nightly-report -n batch --type=json")
        );
        let patched = apply(&cronjob, remedy).unwrap_or_else(|e| panic!("{e}"));
        if finding["rule"] == "job-sidecar-never-exits" {
            let spec = &patched["spec"]["jobTemplate"]["spec"]["template"]["spec"];
            let proxy = &spec["initContainers"][0];
            assert_eq!(proxy["name"], "cloud-sql-proxy");
            assert_eq!(proxy["restartPolicy"], "Always");
            // The CronJob's own container moved, not the pod's copy with its token mount.
            assert!(proxy.get("volumeMounts").is_none(), "{proxy:#}");
            assert_eq!(spec["containers"].as_array().unwrap().len(), 1);
        }
    }
    let requests = api.requests();
    assert_read_only(&requests);
    let job = "/apis/batch/v1/namespaces/batch/jobs/nightly-report-29384716";
    let cron = "/apis/batch/v1/namespaces/batch/cronjobs/nightly-report";
    assert_eq!(requests_on(&requests, job).len(), 1, "{requests:#?}");
    assert_eq!(requests_on(&requests, cron).len(), 1, "{requests:#?}");
}

/// The remedies of a live `--fix -o json` run that had to fall back to the pod.
fn pod_fallback(api: &FakeApi, expect_in_note: &str) {
    let out = live(
        api,
        "shop",
        &["diagnose", "--fix", "-o", "json", "--no-group"],
    );
    assert_eq!(out.stderr, "");
    let report = parse(out.ok());
    let remedies = with_remedy(&report);
    assert!(!remedies.is_empty());
    for finding in &remedies {
        let pod = finding["pod"].as_str().unwrap();
        let remedy = &finding["remedy"];
        assert_eq!(
            remedy["target"],
            json!({"apiVersion": "v1", "kind": "Pod", "namespace": "shop", "name": pod})
        );
        let note = remedy["note"].as_str().unwrap();
        assert!(note.contains(expect_in_note), "{note}");
        assert!(note.contains("the patch targets the pod instead"), "{note}");
        for op in remedy["patch"].as_array().unwrap() {
            assert!(op["path"].as_str().unwrap().starts_with("/spec/"), "{op}");
            assert!(
                !op["path"].as_str().unwrap().starts_with("/spec/template"),
                "{op}"
            );
        }
        let command = remedy["command"].as_str().unwrap();
        assert!(
            command.starts_with(&format!("kubectl get pod {pod} -n shop -o json | kubectl patch --local -f - --type=json -p '")),
            "{command}"
        );
        assert!(
            command.ends_with("| kubectl replace --force -f -"),
            "{command}"
        );
        // The pod as served accepts its patch.
        let served = api.get("pods", "shop", pod).unwrap();
        apply(&served, remedy).unwrap_or_else(|e| panic!("{}: {e}", finding["rule"]));
    }
    let mut mounts: Vec<&str> = remedies
        .iter()
        .filter(|f| f["rule"] == "mount-mismatch")
        .map(|f| f["pod"].as_str().unwrap())
        .collect();
    mounts.sort_unstable();
    assert_eq!(mounts, [WEB_POD_2, WEB_POD], "one patch per pod");
}

#[test]
fn live_missing_deployment_targets_the_pod_and_says_not_found() {
    let api = web_api(None, true).start();
    pod_fallback(&api, "deployment/web is not found (");
    let requests = api.requests();
    assert_read_only(&requests);
    assert_eq!(requests_on(&requests, RS_PATH).len(), 1);
    assert_eq!(
        requests_on(&requests, DEPLOY_PATH).len(),
        1,
        "a 404 is cached too"
    );
}

#[test]
fn live_missing_replicaset_targets_the_pod_and_says_not_found() {
    let api = web_api(Some(deployment_ahead()), false).start();
    pod_fallback(&api, "replicaset/web-7c9d8b6f5d is not found (");
    let requests = api.requests();
    assert_read_only(&requests);
    assert_eq!(requests_on(&requests, RS_PATH).len(), 1);
    assert!(requests_on(&requests, DEPLOY_PATH).is_empty());
}

#[test]
fn live_forbidden_deployment_targets_the_pod_and_says_forbidden() {
    let api = web_api(Some(deployment_ahead()), true)
        .forbid_resource("deployments")
        .start();
    pod_fallback(&api, "deployment/web is forbidden (");
    let requests = api.requests();
    assert_read_only(&requests);
    assert_eq!(
        requests_on(&requests, DEPLOY_PATH).len(),
        1,
        "a 403 is cached too"
    );
}

#[test]
fn live_forbidden_owner_path_targets_the_pod_and_says_forbidden() {
    let api = web_api(Some(deployment_ahead()), true)
        .fail_path("/apis/apps/v1/namespaces/shop/replicasets/", 403)
        .start();
    pod_fallback(&api, "replicaset/web-7c9d8b6f5d is forbidden (");
    let requests = api.requests();
    assert_read_only(&requests);
    assert_eq!(requests_on(&requests, RS_PATH).len(), 1);
    assert!(requests_on(&requests, DEPLOY_PATH).is_empty());
}
