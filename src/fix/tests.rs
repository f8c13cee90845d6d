//! Every remedy, applied: the emitted JSON patch is applied to the owner object of a
//! realistic fixture (with the json-patch crate, the RFC 6902 reference), the patched object
//! is diagnosed again, and its finding must be gone without a new warning or critical one.

use serde_json::{Value, json};

use super::*;
use crate::diagnose::PodDiagnosis;
use crate::model::finding::Severity;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `diagnose --fix` offline, in process: each pod's diagnosis with its inferred owner.
fn diagnose(text: &str) -> Vec<PodDiagnosis> {
    crate::diagnose::diagnose_text(text)
        .expect("the fixture loads")
        .pods
}

/// `(rule, container, severity)` of every finding, the shape compared before and after.
fn findings(pods: &[PodDiagnosis]) -> Vec<(&'static str, Option<String>, Severity)> {
    pods.iter()
        .flat_map(|p| &p.findings)
        .map(|f| {
            (
                f.finding.rule,
                f.finding.container.clone(),
                f.finding.severity,
            )
        })
        .collect()
}

/// Every finding with a patch, with its remedy for the pod's (offline) owner.
fn remedies(pods: &[PodDiagnosis]) -> Vec<(&'static str, Option<String>, Remedy, Owner)> {
    let mut out = Vec::new();
    for pod in pods {
        let Some(subject) = pod.fix.as_deref() else {
            continue;
        };
        for f in &pod.findings {
            if let Some(patch) = &f.finding.patch {
                let remedy = remedy(patch, &subject.inferred, Some((1, 31)))
                    .unwrap_or_else(|e| panic!("{}: {e}", f.finding.rule));
                out.push((
                    f.finding.rule,
                    f.finding.container.clone(),
                    remedy,
                    subject.inferred.clone(),
                ));
            }
        }
    }
    out
}

fn apply_reference(object: &Value, ops: &[Value]) -> Result<Value, String> {
    let patch: ::json_patch::Patch =
        serde_json::from_value(Value::Array(ops.to_vec())).map_err(|e| e.to_string())?;
    let mut doc = object.clone();
    ::json_patch::patch(&mut doc, &patch).map_err(|e| e.to_string())?;
    Ok(doc)
}

/// Applies each remedy of a manifest to its owner and diagnoses the result again.
fn check_every_remedy(fixture_name: &str, expected_rules: &[&str]) {
    let text = fixture(fixture_name);
    let before_pods = diagnose(&text);
    let before = findings(&before_pods);
    let all = remedies(&before_pods);
    let mut seen: Vec<&str> = all.iter().map(|(rule, ..)| *rule).collect();
    seen.dedup();
    for rule in expected_rules {
        assert!(
            seen.contains(rule),
            "{fixture_name}: no remedy for {rule}: {seen:?}"
        );
    }
    for (rule, container, remedy, owner) in all {
        let object = owner
            .object
            .as_ref()
            .expect("the manifest is its own owner");
        let patched = apply_reference(object, &remedy.patch).unwrap_or_else(|e| {
            panic!("{rule}: the patch does not apply: {e}\n{:#?}", remedy.patch)
        });
        // The plugin's own applier (for --fix -o yaml) agrees with the reference.
        assert_eq!(
            json_patch::apply(object, &remedy.patch).as_ref(),
            Ok(&patched),
            "{rule}"
        );
        let after = findings(&diagnose(&serde_json::to_string(&patched).unwrap()));
        assert!(
            !after.iter().any(|(r, c, _)| *r == rule && *c == container),
            "{rule} on {container:?} is still reported after its patch: {after:#?}"
        );
        let new_serious: Vec<_> = after
            .iter()
            .filter(|(_, _, s)| *s <= Severity::Warning)
            .filter(|f| !before.contains(f))
            .collect();
        assert!(
            new_serious.is_empty(),
            "{rule}: its patch brings new findings: {new_serious:#?}"
        );
        assert!(
            remedy.command.starts_with("kubectl patch "),
            "{}",
            remedy.command
        );
    }
}

#[test]
fn deployment_remedies_remove_their_findings() {
    check_every_remedy(
        "fix/web-deployment.yaml",
        &[
            "mount-mismatch",
            "memory-emptydir-no-limit",
            "startup-order",
            "shutdown-order",
            "log-volume-no-size-limit",
            "log-sidecar-no-storage-limit",
        ],
    );
}

#[test]
fn cronjob_remedies_remove_their_findings() {
    check_every_remedy(
        "fix/report-cronjob.yaml",
        &[
            "job-sidecar-never-exits",
            "sidecar-as-init",
            "startup-order",
        ],
    );
}

#[test]
fn paths_follow_the_target_kind_and_guards_come_first() {
    let pods = diagnose(&fixture("fix/report-cronjob.yaml"));
    let (_, _, remedy, _) = remedies(&pods)
        .into_iter()
        .find(|(rule, ..)| *rule == "sidecar-as-init")
        .expect("a sidecar-as-init remedy");
    assert_eq!(
        remedy.patch,
        vec![
            json!({"op": "test", "path": "/spec/jobTemplate/spec/template/spec/initContainers/1/name", "value": "config-agent"}),
            json!({"op": "add", "path": "/spec/jobTemplate/spec/template/spec/initContainers/1/restartPolicy", "value": "Always"}),
        ]
    );
    assert_eq!(
        remedy.target,
        OwnerRef::new("batch/v1", "CronJob", "billing", "invoice-report")
    );
}

#[test]
fn a_patch_for_an_outdated_owner_fails_instead_of_changing_another_container() {
    let pods = diagnose(&fixture("fix/web-deployment.yaml"));
    let (_, _, remedy, owner) = remedies(&pods)
        .into_iter()
        .find(|(rule, ..)| *rule == "log-sidecar-no-storage-limit")
        .expect("a log-sidecar-no-storage-limit remedy");
    let mut outdated = owner.object.clone().unwrap();
    let containers = outdated
        .pointer_mut("/spec/template/spec/containers")
        .and_then(Value::as_array_mut)
        .unwrap();
    containers.swap(0, 1); // someone reordered the containers since
    assert!(apply_reference(&outdated, &remedy.patch).is_err());
    assert!(json_patch::apply(&outdated, &remedy.patch).is_err());
}

/// An injected Istio proxy OOM-killed in a pod of a Deployment given beside it: the limit is
/// raised where istiod reads it, and the proxy's current resources are carried over.
#[test]
fn an_injected_proxy_is_changed_through_its_injector_annotations() {
    let text = fixture("fix/istio-oom.yaml");
    let pods = diagnose(&text);
    let (_, container, remedy, owner) = remedies(&pods)
        .into_iter()
        .find(|(rule, ..)| *rule == "oom-killed")
        .expect("an oom-killed remedy");
    assert_eq!(container.as_deref(), Some("istio-proxy"));
    assert_eq!(
        remedy.target,
        OwnerRef::new("apps/v1", "Deployment", "shop", "payments")
    );
    let patched = apply_reference(owner.object.as_ref().unwrap(), &remedy.patch).unwrap();
    let annotations = &patched["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(annotations["sidecar.istio.io/proxyMemoryLimit"], "384Mi");
    assert_eq!(annotations["sidecar.istio.io/proxyMemory"], "128Mi");
    assert_eq!(annotations["sidecar.istio.io/proxyCPU"], "100m");
    // The app container, the template's only one, is untouched.
    assert_eq!(
        patched["spec"]["template"]["spec"],
        owner.object.as_ref().unwrap()["spec"]["template"]["spec"]
    );
}

#[test]
fn a_pod_without_its_owner_targets_the_inferred_deployment_and_says_so() {
    let text = fixture("fix/istio-oom.yaml");
    let pod_only: String = text
        .split("\n---\n")
        .filter(|doc| doc.contains("kind: Pod"))
        .collect();
    let pods = diagnose(&pod_only);
    let (_, _, remedy, _) = remedies(&pods)
        .into_iter()
        .find(|(rule, ..)| *rule == "oom-killed")
        .expect("an oom-killed remedy");
    assert_eq!(remedy.target.describe(), "deployment/payments");
    assert!(
        remedy
            .note
            .contains("inferred from replicaset/payments-7c9f8d6b5"),
        "{}",
        remedy.note
    );
    assert!(remedy.note.contains("not read"), "{}", remedy.note);
    // Unknown annotations: the pointer goes to the key (it fails safely if the map is missing).
    assert_eq!(
        remedy.patch[0]["path"],
        "/spec/template/metadata/annotations/sidecar.istio.io~1proxyMemoryLimit"
    );
}

#[test]
fn a_bare_pod_is_recreated_with_the_change() {
    let mut pod: Value = serde_json::from_str(&fixture("cluster/oom-native-sidecar.json")).unwrap();
    pod["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("ownerReferences");
    let pods = diagnose(&pod.to_string());
    let (_, _, remedy, _) = remedies(&pods)
        .into_iter()
        .find(|(rule, ..)| *rule == "oom-killed")
        .expect("an oom-killed remedy");
    assert_eq!(remedy.target.kind, "Pod");
    assert_eq!(
        remedy.patch[1]["path"],
        "/spec/initContainers/0/resources/limits/memory"
    );
    assert_eq!(remedy.patch[1]["value"], "96Mi");
    assert!(
        remedy.command.contains("kubectl replace --force"),
        "{}",
        remedy.command
    );
    assert!(remedy.note.contains("bare pod"), "{}", remedy.note);
}

#[test]
fn native_sidecar_changes_say_what_the_server_supports() {
    let pods = diagnose(&fixture("fix/report-cronjob.yaml"));
    let subject = pods[0].fix.as_deref().unwrap();
    let patch = pods[0]
        .findings
        .iter()
        .find(|f| f.finding.rule == "job-sidecar-never-exits")
        .and_then(|f| f.finding.patch.clone())
        .unwrap();
    let old = remedy(&patch, &subject.inferred, Some((1, 28))).unwrap();
    assert!(old.note.contains("upgrade first"), "{}", old.note);
    let offline = remedy(&patch, &subject.inferred, None).unwrap();
    assert!(
        offline
            .note
            .contains("assumes the cluster supports native sidecars"),
        "{}",
        offline.note
    );
}

#[test]
fn command_quotes_the_patch_for_a_shell() {
    let owner = Owner {
        target: OwnerRef::new("apps/v1", "Deployment", "shop", "web"),
        object: None,
        stand_in: json!({"containers": [{"name": "app"}]}),
        notes: Vec::new(),
    };
    let patch = crate::model::patch::PodPatch::new("n").set(
        crate::model::patch::Place::Container("app".into()),
        &["args"],
        json!(["--greeting=it's"]),
    );
    let remedy = remedy(&patch, &owner, None).unwrap();
    assert!(remedy.command.contains(r#"it'\''s"#), "{}", remedy.command);
}

/// A classic cloud-sql-proxy whose SIGTERM exit failed a Job: its own flag, appended after
/// the flags it has, in the Job named by the pod (the CronJob note included).
#[test]
fn a_cloud_sql_proxy_that_failed_a_job_gets_its_exit_zero_flag() {
    let pods = diagnose(&fixture("verdict/job-classic-proxy-sigterm-143.json"));
    let (_, container, remedy, owner) = remedies(&pods)
        .into_iter()
        .find(|(rule, ..)| *rule == "sidecar-failed-pod")
        .expect("a sidecar-failed-pod remedy");
    assert_eq!(container.as_deref(), Some("cloud-sql-proxy"));
    assert_eq!(remedy.target.kind, "Job");
    let last = remedy.patch.last().unwrap();
    assert_eq!(last["value"], "--exit-zero-on-sigterm");
    assert!(
        last["path"].as_str().unwrap().ends_with("/args/-"),
        "{last}"
    );
    assert!(remedy.note.contains("patch the CronJob"), "{}", remedy.note);
    // Applied to the pod's spec standing in for the template, the flag lands after the others.
    let template = json!({"spec": {"template": {"spec": owner.stand_in}}});
    let patched = apply_reference(&template, &remedy.patch).unwrap();
    let args = patched
        .pointer(&format!(
            "{}/args",
            remedy.patch[0]["path"]
                .as_str()
                .unwrap()
                .trim_end_matches("/name")
        ))
        .and_then(Value::as_array)
        .unwrap();
    assert_eq!(args.last().unwrap(), "--exit-zero-on-sigterm");
    assert!(args.len() > 1);
}

/// Patches applied one after another, as `--fix -o yaml` and a user running the printed
/// commands do: moving a container to initContainers carries it as it is then, with the
/// mount an earlier patch added, instead of putting back the copy read before that patch.
#[test]
fn a_moved_container_keeps_what_an_earlier_patch_changed() {
    let pods = diagnose(&fixture("fix/web-deployment.yaml"));
    let all = remedies(&pods);
    let find = |rule: &str, container: &str| {
        all.iter()
            .find(|(r, c, ..)| *r == rule && c.as_deref() == Some(container))
            .map(|(_, _, remedy, _)| remedy.patch.clone())
            .unwrap_or_else(|| panic!("a {rule} remedy for {container}"))
    };
    let owner = all[0].3.object.clone().unwrap();
    let mounted = apply_reference(&owner, &find("mount-mismatch", "fluent-bit")).unwrap();
    let native = apply_reference(&mounted, &find("shutdown-order", "fluent-bit")).unwrap();
    assert_eq!(
        json_patch::apply(&mounted, &find("shutdown-order", "fluent-bit")).as_ref(),
        Ok(&native)
    );
    let moved = &native["spec"]["template"]["spec"]["initContainers"][0];
    assert_eq!(moved["name"], "fluent-bit");
    assert_eq!(moved["restartPolicy"], "Always");
    assert!(
        moved["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["mountPath"] == "/var/log/nginx"),
        "{moved:#}"
    );
    let after = findings(&diagnose(&serde_json::to_string(&native).unwrap()));
    assert!(
        !after.iter().any(|(rule, ..)| *rule == "mount-mismatch"),
        "{after:#?}"
    );
}

/// A Job's template is immutable: the remedy writes a patched copy to re-create it from.
#[test]
fn a_job_is_patched_locally_to_be_re_created() {
    let pods = diagnose(&fixture("verdict/job-classic-proxy-sigterm-143.json"));
    let (_, _, remedy, _) = remedies(&pods)
        .into_iter()
        .find(|(rule, ..)| *rule == "sidecar-failed-pod")
        .expect("a sidecar-failed-pod remedy");
    assert!(
        remedy.command.starts_with("kubectl get job ")
            && remedy
                .command
                .contains("kubectl patch --local -f - --type=json")
            && !remedy.command.contains("kubectl patch job/"),
        "{}",
        remedy.command
    );
    assert!(
        remedy.note.contains("cannot change once created"),
        "{}",
        remedy.note
    );
}
