//! Offline source (`-f`): YAML (multi-document) or JSON files, directories and stdin.
//!
//! Accepts Pods, `List`/`PodList` (what `kubectl get pods -o json|yaml` prints), and the pod
//! templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers,
//! Jobs and CronJobs. Anything else is skipped with a warning naming the file and the kind.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::{Event, Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector as ApiLabelSelector;
use serde_json::Value;

use super::selector::LabelSelector;
use super::target::{Target, WorkloadKind};
use super::{Loaded, SourcePod, WorkloadRef, pod_namespace};
use crate::error::{Error, Result};
use crate::options::{Scope, Selection};

/// One input: a path, or stdin for `-`.
struct Input {
    label: String,
    text: String,
}

/// A workload found in the files, kept so that `deploy/NAME` can also select real pods
/// from a dump through the workload's selector.
struct FileWorkload {
    workload: WorkloadRef,
    namespace: String,
    selector: Option<LabelSelector>,
}

#[derive(Default)]
struct Collected {
    pods: Vec<SourcePod>,
    events: Vec<Event>,
    workloads: Vec<FileWorkload>,
    warnings: Vec<String>,
    /// `Kind "name"` of every object skipped, for the error when nothing else was found.
    skipped: Vec<String>,
    metrics: Vec<crate::model::metrics::PodUsage>,
    /// Workload objects as written (the owners of the template pods).
    objects: Vec<Value>,
}

pub fn load(paths: &[PathBuf], selection: &Selection, stdin: &mut dyn Read) -> Result<Loaded> {
    let mut collected = Collected::default();
    for path in paths {
        for input in read_inputs(path, stdin)? {
            parse_input(&input, &mut collected)?;
        }
    }
    if collected.pods.is_empty() {
        let what = paths
            .iter()
            .map(|p| display_path(p))
            .collect::<Vec<_>>()
            .join(", ");
        let skipped = if collected.skipped.is_empty() {
            String::new()
        } else {
            format!(" (skipped {})", collected.skipped.join(", "))
        };
        return Err(
            Error::runtime(format!("no pods or workloads found in {what}{skipped}")).with_hint(
                "pass Pod, List (kubectl get pods -o yaml|json) or Deployment/StatefulSet/DaemonSet/ReplicaSet/Job/CronJob manifests",
            ),
        );
    }
    let pods = select(collected.pods, &collected.workloads, selection)?;
    Ok(Loaded {
        pods,
        events: collected.events,
        metrics: collected.metrics,
        objects: collected.objects,
        warnings: collected.warnings,
        nothing_found: None,
    })
}

/// The PodMetrics among the files (stdin is left to the pods); unreadable files were already
/// reported by the pod loader, so they are skipped here.
pub fn load_metrics(paths: &[PathBuf]) -> (Vec<crate::model::metrics::PodUsage>, Vec<String>) {
    let mut collected = Collected::default();
    let mut no_stdin = std::io::empty();
    for path in paths.iter().filter(|p| p.as_os_str() != "-") {
        for input in read_inputs(path, &mut no_stdin).unwrap_or_default() {
            let _ = parse_input(&input, &mut collected);
        }
    }
    let mut warnings = Vec::new();
    if collected.metrics.is_empty() {
        warnings.push(
            "no PodMetrics in the files: usage is unknown (add a dump of kubectl get --raw /apis/metrics.k8s.io/v1beta1/namespaces/NS/pods)"
                .to_string(),
        );
    }
    (collected.metrics, warnings)
}

fn display_path(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

fn read_inputs(path: &Path, stdin: &mut dyn Read) -> Result<Vec<Input>> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        stdin.read_to_string(&mut text).map_err(|e| {
            Error::runtime(format!("cannot read <stdin>: {e}"))
                .with_hint("pipe YAML or JSON into -f -, for example kubectl get pods -o yaml")
        })?;
        return Ok(vec![Input {
            label: "<stdin>".to_string(),
            text,
        }]);
    }
    let unreadable = |e: std::io::Error| {
        Error::runtime(format!("cannot read {}: {e}", path.display()))
            .with_hint("check the path given to -f/--filename")
    };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if !meta.is_dir() {
        let text = read_text(path)?;
        return Ok(vec![Input {
            label: path.display().to_string(),
            text,
        }]);
    }
    // A directory: its YAML and JSON files, in name order, not recursively (like kubectl -f DIR).
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(unreadable)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::runtime(format!(
            "no .yaml, .yml or .json files in directory {}",
            path.display()
        )));
    }
    files
        .iter()
        .map(|p| {
            Ok(Input {
                label: p.display().to_string(),
                text: read_text(p)?,
            })
        })
        .collect()
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::runtime(format!("cannot read {}: {e}", path.display()))
            .with_hint("check the path given to -f/--filename")
    })?;
    String::from_utf8(bytes).map_err(|e| {
        Error::runtime(format!(
            "{}: not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
        .with_hint("pass a YAML or JSON file")
    })
}

/// Splits an input into documents (JSON objects or YAML documents).
fn documents(input: &Input) -> Result<Vec<Value>> {
    let trimmed = input.text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let mut docs = Vec::new();
        for doc in serde_json::Deserializer::from_str(&input.text).into_iter::<Value>() {
            let doc = doc.map_err(|e| {
                Error::runtime(format!(
                    "{}:{}:{}: invalid JSON: {}",
                    input.label,
                    e.line(),
                    e.column(),
                    strip_json_position(&e.to_string())
                ))
                .with_hint("check the file with `kubectl apply --dry-run=client -f FILE`")
            })?;
            match doc {
                Value::Array(items) => docs.extend(items),
                other => docs.push(other),
            }
        }
        return Ok(docs);
    }
    let docs: Vec<Value> = serde_saphyr::from_multiple(&input.text).map_err(|e| {
        let position = e
            .location()
            .map(|l| format!(":{}:{}", l.line(), l.column()))
            .unwrap_or_default();
        Error::runtime(format!(
            "{}{position}: invalid YAML: {}",
            input.label,
            first_line(&e.to_string())
        ))
        .with_hint("check the indentation around that line, or validate with `kubectl apply --dry-run=client -f FILE`")
    })?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text).trim()
}

/// serde_json appends " at line L column C"; we print the position up front instead.
fn strip_json_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

fn parse_input(input: &Input, out: &mut Collected) -> Result<()> {
    let docs = documents(input)?;
    if docs.is_empty() {
        return Err(
            Error::runtime(format!("{}: no Kubernetes objects found", input.label)).with_hint(
                "the input is empty: pass a pod or a list, e.g. kubectl get pods -o yaml | kubectl sidecar ls -f -",
            ),
        );
    }
    for (index, doc) in docs.into_iter().enumerate() {
        let place = format!("{} (document {})", input.label, index + 1);
        add_object(doc, None, &place, out)?;
    }
    Ok(())
}

fn object_name(doc: &Value) -> &str {
    doc.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("<unnamed>")
}

/// Adds one object; `item_kind` is the kind implied by a typed list (`PodList` items carry none).
fn add_object(doc: Value, item_kind: Option<&str>, place: &str, out: &mut Collected) -> Result<()> {
    if !doc.is_object() {
        return Err(Error::runtime(format!(
            "{place}: expected a Kubernetes object, found {}",
            json_type(&doc)
        ))
        .with_hint("pass a Pod, a List or a workload manifest"));
    }
    let kind = doc
        .get("kind")
        .and_then(Value::as_str)
        .or(item_kind)
        .map(str::to_string);
    let Some(kind) = kind else {
        return Err(Error::runtime(format!(
            "{place}: object \"{}\" has no kind",
            object_name(&doc)
        ))
        .with_hint("every document needs apiVersion and kind"));
    };

    if kind == "List" || kind.ends_with("List") {
        let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
        let items = match doc.get("items") {
            Some(Value::Array(items)) => items.clone(),
            Some(Value::Null) | None => Vec::new(),
            Some(other) => {
                return Err(Error::runtime(format!(
                    "{place}: {kind}.items must be a list, found {}",
                    json_type(other)
                )));
            }
        };
        for (i, item) in items.into_iter().enumerate() {
            let item_place = format!("{place} item {}", i + 1);
            add_object(item, item_kind, &item_place, out)?;
        }
        return Ok(());
    }

    let name = object_name(&doc).to_string();
    let decode_error = |e: serde_json::Error| {
        Error::runtime(format!("{place}: {kind} \"{name}\" is not valid: {e}"))
            .with_hint("compare the object with `kubectl explain` for its kind")
    };

    if kind == "Pod" {
        let pod: Pod = serde_json::from_value(doc).map_err(decode_error)?;
        out.pods.push(SourcePod {
            pod,
            template_of: None,
        });
        return Ok(());
    }

    if kind == "Event" {
        let event: Event = serde_json::from_value(doc).map_err(decode_error)?;
        out.events.push(event);
        return Ok(());
    }

    // `kubectl get --raw /apis/metrics.k8s.io/v1beta1/namespaces/NS/pods` dumps.
    if kind == "PodMetrics" {
        match crate::model::metrics::PodUsage::from_api(&doc) {
            Some(sample) => out.metrics.push(sample),
            None => out.warnings.push(format!(
                "{place}: skipping PodMetrics \"{name}\": no metadata.name"
            )),
        }
        return Ok(());
    }

    let Some(workload_kind) = WorkloadKind::from_kind(&kind) else {
        out.warnings.push(format!(
            "{place}: skipping {kind} \"{name}\": not a pod or a workload with a pod template"
        ));
        out.skipped.push(format!("{kind} \"{name}\""));
        return Ok(());
    };

    // Kept whole: `diagnose --fix` patches it and prints it patched.
    let mut kept = doc.clone();
    if kept.pointer("/metadata/namespace").is_none()
        && let Some(meta) = kept.get_mut("metadata").and_then(Value::as_object_mut)
    {
        meta.insert("namespace".to_string(), Value::from("default"));
    }
    out.objects.push(kept);
    let (template_pointer, selector_pointer) = match workload_kind {
        WorkloadKind::CronJob => ("/spec/jobTemplate/spec/template", None),
        WorkloadKind::ReplicationController => ("/spec/template", None),
        _ => ("/spec/template", Some("/spec/selector")),
    };
    let template = doc.pointer(template_pointer).cloned().ok_or_else(|| {
        Error::runtime(format!(
            "{place}: {kind} \"{name}\" has no pod template ({})",
            template_pointer.trim_start_matches('/').replace('/', ".")
        ))
    })?;
    let template: PodTemplateSpec = serde_json::from_value(template).map_err(decode_error)?;
    let namespace = doc
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .map(str::to_string);

    let selector = match selector_pointer.and_then(|p| doc.pointer(p)) {
        Some(sel) => {
            let api: ApiLabelSelector =
                serde_json::from_value(sel.clone()).map_err(decode_error)?;
            LabelSelector::from_api(&api)
        }
        // ReplicationController selectors are plain maps; so is the fallback for the rest.
        None => doc
            .pointer("/spec/selector")
            .and_then(|s| serde_json::from_value::<BTreeMap<String, String>>(s.clone()).ok())
            .and_then(|labels| {
                LabelSelector::from_api(&ApiLabelSelector {
                    match_labels: Some(labels),
                    match_expressions: None,
                })
            }),
    };

    let workload = WorkloadRef {
        kind: workload_kind,
        name: name.clone(),
    };
    let mut metadata = template.metadata.unwrap_or_default();
    metadata.name = Some(name);
    metadata.namespace = namespace.clone();
    let pod = Pod {
        metadata,
        spec: template.spec,
        status: None,
    };
    out.workloads.push(FileWorkload {
        workload: workload.clone(),
        namespace: namespace.unwrap_or_else(|| "default".to_string()),
        selector,
    });
    out.pods.push(SourcePod {
        pod,
        template_of: Some(workload),
    });
    Ok(())
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Applies namespace, targets and selectors to the pods read from files, the way the API
/// server would have applied them to a live list.
fn select(
    pods: Vec<SourcePod>,
    workloads: &[FileWorkload],
    selection: &Selection,
) -> Result<Vec<SourcePod>> {
    let label_selector = selection
        .label_selector
        .as_deref()
        .map(LabelSelector::parse)
        .transpose()
        .map_err(|e| Error::usage(format!("invalid label selector: {e}")))?;
    let field_selector = selection
        .field_selector
        .as_deref()
        .map(FieldSelector::parse)
        .transpose()?;
    let namespace = match &selection.scope {
        Scope::Namespace(Some(ns)) => Some(ns.as_str()),
        _ => None,
    };

    let in_scope = |sp: &SourcePod| namespace.is_none_or(|ns| pod_namespace(&sp.pod) == ns);
    let mut selected: Vec<SourcePod> = Vec::new();
    if selection.targets.is_empty() {
        selected.extend(pods.iter().filter(|sp| in_scope(sp)).cloned());
    } else {
        for target in &selection.targets {
            let before = selected.len();
            for sp in pods.iter().filter(|sp| in_scope(sp)) {
                if matches_target(sp, target, workloads)
                    && !selected.iter().any(|s| same_pod(s, sp))
                {
                    selected.push(sp.clone());
                }
            }
            if selected.len() == before {
                let where_ = namespace
                    .map(|ns| format!(" in namespace {ns}"))
                    .unwrap_or_default();
                return Err(Error::runtime(format!(
                    "{target} not found in the given files{where_}"
                ))
                .with_hint("run without a target to see every pod in the files"));
            }
        }
    }
    selected.retain(|sp| {
        let labels = sp.pod.metadata.labels.clone().unwrap_or_default();
        label_selector.as_ref().is_none_or(|s| s.matches(&labels))
            && field_selector.as_ref().is_none_or(|f| f.matches(&sp.pod))
    });
    if selected.is_empty() {
        return Err(
            Error::runtime("no pods in the given files match the selection").with_hint(
                "check -n, -l and --field-selector; run without them to see every pod in the files",
            ),
        );
    }
    Ok(selected)
}

fn same_pod(a: &SourcePod, b: &SourcePod) -> bool {
    a.pod.metadata.name == b.pod.metadata.name
        && pod_namespace(&a.pod) == pod_namespace(&b.pod)
        && a.template_of == b.template_of
}

fn matches_target(sp: &SourcePod, target: &Target, workloads: &[FileWorkload]) -> bool {
    match target {
        Target::Pod(name) => {
            sp.template_of.is_none() && sp.pod.metadata.name.as_deref() == Some(name)
        }
        Target::Workload { kind, name } => {
            if let Some(w) = &sp.template_of {
                return w.kind == *kind && &w.name == name;
            }
            // A real pod in a dump belongs to the workload when the workload, also in the
            // files, selects it.
            let labels = sp.pod.metadata.labels.clone().unwrap_or_default();
            workloads.iter().any(|w| {
                w.workload.kind == *kind
                    && &w.workload.name == name
                    && w.namespace == pod_namespace(&sp.pod)
                    && w.selector.as_ref().is_some_and(|s| s.matches(&labels))
            })
        }
    }
}

/// The pod fields the API server supports in field selectors, evaluated locally.
struct FieldSelector {
    terms: Vec<(String, bool, String)>,
}

impl FieldSelector {
    const FIELDS: &[&str] = &[
        "metadata.name",
        "metadata.namespace",
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "status.phase",
        "status.podIP",
    ];

    fn parse(text: &str) -> Result<Self> {
        let mut terms = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, equal, value) = if let Some((f, v)) = part.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, true, v)
            } else {
                return Err(
                    Error::usage(format!("invalid field selector term \"{part}\""))
                        .with_hint("use field=value or field!=value, joined by commas"),
                );
            };
            let field = field.trim();
            if !Self::FIELDS.contains(&field) {
                return Err(Error::usage(format!(
                    "field selector \"{field}\" is not supported for pods"
                ))
                .with_hint(format!("supported: {}", Self::FIELDS.join(", "))));
            }
            terms.push((field.to_string(), equal, value.trim().to_string()));
        }
        Ok(FieldSelector { terms })
    }

    fn matches(&self, pod: &Pod) -> bool {
        self.terms.iter().all(|(field, equal, value)| {
            let spec = pod.spec.as_ref();
            let status = pod.status.as_ref();
            let actual = match field.as_str() {
                "metadata.name" => pod.metadata.name.clone(),
                "metadata.namespace" => Some(pod_namespace(pod).to_string()),
                "spec.nodeName" => spec.and_then(|s| s.node_name.clone()),
                "spec.restartPolicy" => spec.and_then(|s| s.restart_policy.clone()),
                "spec.schedulerName" => spec.and_then(|s| s.scheduler_name.clone()),
                "spec.serviceAccountName" => spec.and_then(|s| s.service_account_name.clone()),
                "status.phase" => status.and_then(|s| s.phase.clone()),
                "status.podIP" => status.and_then(|s| s.pod_ip.clone()),
                _ => None,
            }
            .unwrap_or_default();
            (actual == *value) == *equal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection() -> Selection {
        Selection {
            scope: Scope::Namespace(None),
            targets: Vec::new(),
            label_selector: None,
            field_selector: None,
            container: None,
        }
    }

    fn load_text(text: &str, selection: &Selection) -> Result<Loaded> {
        load(&[PathBuf::from("-")], selection, &mut text.as_bytes())
    }

    const POD_YAML: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\n  labels:\n    app: web\nspec:\n  containers:\n  - name: app\n    image: nginx\n";

    #[test]
    fn yaml_pod_and_multi_document() {
        let text =
            format!("{POD_YAML}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\n");
        let loaded = load_text(&text, &selection()).unwrap();
        assert_eq!(loaded.pods.len(), 1);
        assert_eq!(loaded.pods[0].pod.metadata.name.as_deref(), Some("web"));
        assert_eq!(loaded.warnings.len(), 1);
        assert!(loaded.warnings[0].contains("skipping Service \"web\""));
        assert!(loaded.warnings[0].contains("<stdin> (document 2)"));
    }

    #[test]
    fn json_pod_list_items_without_kind() {
        let text = r#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[
            {"metadata":{"name":"a","namespace":"x"},"spec":{"containers":[{"name":"c","image":"i"}]}},
            {"metadata":{"name":"b","namespace":"y"},"spec":{"containers":[{"name":"c","image":"i"}]}}]}"#;
        let loaded = load_text(text, &selection()).unwrap();
        assert_eq!(loaded.pods.len(), 2);
        let mut sel = selection();
        sel.scope = Scope::Namespace(Some("y".into()));
        let loaded = load_text(text, &sel).unwrap();
        assert_eq!(loaded.pods.len(), 1);
        assert_eq!(loaded.pods[0].pod.metadata.name.as_deref(), Some("b"));
    }

    #[test]
    fn workload_template_becomes_spec_only_pod() {
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n  schedule: '0 1 * * *'\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          labels:\n            app: nightly\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: report\n            image: busybox\n";
        let loaded = load_text(text, &selection()).unwrap();
        let sp = &loaded.pods[0];
        assert_eq!(
            sp.template_of,
            Some(WorkloadRef {
                kind: WorkloadKind::CronJob,
                name: "nightly".into()
            })
        );
        assert!(sp.pod.status.is_none());
        assert_eq!(sp.pod.metadata.name.as_deref(), Some("nightly"));
    }

    #[test]
    fn targets_select_pods_and_workloads() {
        let text = format!(
            "{POD_YAML}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: app\n        image: nginx\n"
        );
        let mut sel = selection();
        sel.targets = vec![Target::parse("deploy/web").unwrap()];
        let loaded = load_text(&text, &sel).unwrap();
        // The template, and the pod the deployment's selector matches.
        assert_eq!(loaded.pods.len(), 2);
        sel.targets = vec![Target::parse("web").unwrap()];
        let loaded = load_text(&text, &sel).unwrap();
        assert_eq!(loaded.pods.len(), 1);
        assert!(loaded.pods[0].template_of.is_none());
        sel.targets = vec![Target::parse("sts/web").unwrap()];
        let err = load_text(&text, &sel).unwrap_err();
        assert!(err.message.contains("sts/web not found"), "{}", err.message);
    }

    #[test]
    fn label_and_field_selectors_apply_offline() {
        let mut sel = selection();
        sel.label_selector = Some("app=web".into());
        assert_eq!(load_text(POD_YAML, &sel).unwrap().pods.len(), 1);
        sel.label_selector = Some("app=api".into());
        assert!(load_text(POD_YAML, &sel).is_err());
        let mut sel = selection();
        sel.field_selector = Some("metadata.name=web".into());
        assert_eq!(load_text(POD_YAML, &sel).unwrap().pods.len(), 1);
        sel.field_selector = Some("foo=bar".into());
        assert_eq!(load_text(POD_YAML, &sel).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn errors_name_the_place() {
        let err = load_text("", &selection()).unwrap_err();
        assert!(
            err.message.contains("<stdin>: no Kubernetes objects"),
            "{}",
            err.message
        );

        let err = load_text("{\"kind\": \"Pod\",\n \"metadata\" {}}", &selection()).unwrap_err();
        assert!(err.message.starts_with("<stdin>:2:"), "{}", err.message);

        let err = load_text("kind: Pod\nmetadata:\n  name: [a\n", &selection()).unwrap_err();
        assert!(err.message.contains("invalid YAML"), "{}", err.message);

        let err =
            load_text("kind: Pod\nmetadata:\n  name: x\nspec: 5\n", &selection()).unwrap_err();
        assert!(
            err.message.contains("Pod \"x\" is not valid"),
            "{}",
            err.message
        );

        let err = load_text("- 1\n- 2\n", &selection()).unwrap_err();
        assert!(
            err.message.contains("expected a Kubernetes object"),
            "{}",
            err.message
        );

        let only_service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n";
        let err = load_text(only_service, &selection()).unwrap_err();
        assert!(
            err.message.contains("no pods or workloads"),
            "{}",
            err.message
        );
    }
}
