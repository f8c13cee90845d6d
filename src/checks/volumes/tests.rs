//! The volumes group over realistic pods: the matrix it reads and the findings it reports.

use serde_json::{Value, json};

use super::*;
use crate::source::WorkloadRef;
use crate::source::target::WorkloadKind;

const VOLUME_UNUSED: &str = super::volume_unused::RULE.id;
const EMPTYDIR_NOT_SHARED: &str = super::emptydir_not_shared::RULE.id;
const MOUNT_MISMATCH: &str = super::mount_mismatch::RULE.id;
const VOLUME_NO_WRITER: &str = super::volume_no_writer::RULE.id;
const WRITER_READ_ONLY: &str = super::writer_read_only::RULE.id;
const SUBPATH_NO_UPDATES: &str = super::subpath_no_updates::RULE.id;
const MEMORY_EMPTYDIR_NO_LIMIT: &str = super::memory_emptydir_no_limit::RULE.id;
const LOG_VOLUME_NO_SIZE_LIMIT: &str = super::log_volume_no_size_limit::RULE.id;
const LOG_SIDECAR_NO_STORAGE_LIMIT: &str = super::log_sidecar_no_storage_limit::RULE.id;
const DUPLICATE_MOUNT_PATH: &str = super::duplicate_mount_path::RULE.id;
const UNDEFINED_VOLUME: &str = super::undefined_volume::RULE.id;
const VOLUME_UID_MISMATCH: &str = super::volume_uid_mismatch::RULE.id;
const MOUNT_OVER_ROOT: &str = super::mount_over_root::RULE.id;
const LOG_SIDECAR_NO_SHARED_VOLUME: &str = super::log_sidecar_no_shared_volume::RULE.id;

/// The report `kubectl sidecar volumes` prints for one pod.
fn analyze(pod: &SourcePod) -> PodVolumes {
    report(pod, "2026-11-23T12:00:00Z".parse().expect("valid time"))
}

fn source(value: Value) -> SourcePod {
    SourcePod {
        pod: serde_json::from_value(value).expect("test pod is valid"),
        template_of: None,
    }
}

fn pod(containers: Value, volumes: Value) -> Value {
    json!({
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"containers": containers, "volumes": volumes}
    })
}

fn findings(value: Value, rule: &str) -> Vec<Finding> {
    analyze(&source(value))
        .findings
        .into_iter()
        .map(|f| f.finding)
        .filter(|f| f.rule == rule)
        .collect()
}

fn one(value: Value, rule: &str) -> Finding {
    let mut found = findings(value, rule);
    assert_eq!(found.len(), 1, "{rule}: {found:#?}");
    found.remove(0)
}

fn none(value: Value, rule: &str) {
    let found = findings(value, rule);
    assert!(found.is_empty(), "{rule} should not fire: {found:#?}");
}

fn mount(name: &str, path: &str) -> Value {
    json!({"name": name, "mountPath": path})
}

fn ro(name: &str, path: &str) -> Value {
    json!({"name": name, "mountPath": path, "readOnly": true})
}

fn empty_dir(name: &str) -> Value {
    json!({"name": name, "emptyDir": {}})
}

/// nginx writes /var/log/nginx; the sidecar tails `target` with `reader_mount`.
fn nginx_and_tail(target: &str, reader_mount: Value) -> Value {
    pod(
        json!([
            {"name": "nginx", "image": "nginx:1.27", "volumeMounts": [mount("nginx-logs", "/var/log/nginx")]},
            {"name": "log-reader", "image": "busybox:1.36",
             "command": ["sh", "-c", format!("tail -F {target}")],
             "volumeMounts": [reader_mount]}
        ]),
        json!([empty_dir("nginx-logs")]),
    )
}

#[test]
fn normalize_handles_trailing_and_double_slashes_dots_and_relative_paths() {
    assert_eq!(
        normalize("/var/log/nginx/").as_deref(),
        Some("/var/log/nginx")
    );
    assert_eq!(
        normalize("/var//log/./nginx").as_deref(),
        Some("/var/log/nginx")
    );
    assert_eq!(normalize("/var/log/../lib").as_deref(), Some("/var/lib"));
    assert_eq!(normalize("/../..").as_deref(), Some("/"));
    assert_eq!(normalize("/").as_deref(), Some("/"));
    assert_eq!(normalize("logs/access.log"), None);
    assert_eq!(normalize("./x"), None);
    assert_eq!(normalize(""), None);
    assert_eq!(normalize("/var/log/..").as_deref(), Some("/var"));
    // Clean paths (nearly all of them) are borrowed, not copied.
    for clean in ["/", "/var/log/nginx", "/etc/.config"] {
        assert!(
            matches!(normalize(clean), Some(std::borrow::Cow::Borrowed(p)) if p == clean),
            "{clean}"
        );
    }
}

#[test]
fn is_under_matches_whole_segments_only() {
    assert!(is_under("/var/log/x.log", "/var/log"));
    assert!(is_under("/var/log", "/var/log"));
    assert!(!is_under("/var/logs/x.log", "/var/log"));
    assert!(!is_under("/var/logx", "/var/log"));
    assert!(!is_under("/var", "/var/log"));
    assert!(is_under("/anything", "/"));
}

#[test]
fn nested_mounts_longest_prefix_wins() {
    let mounts: Vec<VolumeMount> = serde_json::from_value(json!([
        mount("data", "/data"),
        mount("cache", "/data/cache/"),
        mount("other", "/data/cache-old")
    ]))
    .unwrap();
    let pick = |p: &str| longest_mount(mounts.iter(), p).map(|m| m.name.as_str());
    assert_eq!(pick("/data/cache/x"), Some("cache"));
    assert_eq!(pick("/data/cache"), Some("cache"));
    assert_eq!(pick("/data/cache-old/y"), Some("other"));
    assert_eq!(pick("/data/cachex"), Some("data"));
    assert_eq!(pick("/srv"), None);
}

#[test]
fn kubelet_var_expansion() {
    let env = vec![
        ("LOG_DIR", "/var/log/app".to_string()),
        ("N", "1".to_string()),
    ];
    assert_eq!(
        expand_kubelet_vars("$(LOG_DIR)/a.log", &env),
        "/var/log/app/a.log"
    );
    assert_eq!(expand_kubelet_vars("$$(LOG_DIR)", &env), "$(LOG_DIR)");
    assert_eq!(expand_kubelet_vars("$(MISSING)/x", &env), "$(MISSING)/x");
    assert_eq!(expand_kubelet_vars("cost $5 $(N", &env), "cost $5 $(N");
    assert_eq!(expand_kubelet_vars("$", &env), "$");
    assert_eq!(
        expand_shell_vars("${LOG_DIR}/a $LOG_DIR/b $NOPE/c $1", &env),
        "/var/log/app/a /var/log/app/b $NOPE/c $1"
    );
}

fn scanned(text: &str, key: Option<&str>) -> Vec<(String, String, Option<String>)> {
    let mut out = Vec::new();
    scan_paths(text, key, &Origin::Command, &[], &mut out);
    out.into_iter().map(|r| (r.raw, r.path, r.key)).collect()
}

#[test]
fn paths_are_found_in_shell_strings_flags_and_key_value_forms() {
    let found = scanned(
        "tail -F /var/log/a.log; cat '/srv/x' | grep y --path=/data/in --output /data/out key=/etc/k.conf echo hi >> /logs/out.log",
        None,
    );
    let raws: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        raws,
        [
            "/var/log/a.log",
            "/srv/x",
            "/data/in",
            "/data/out",
            "/etc/k.conf",
            "/logs/out.log"
        ]
    );
    assert_eq!(found[0].2.as_deref(), Some("-F"));
    assert_eq!(found[2].2.as_deref(), Some("--path"));
    assert_eq!(found[3].2.as_deref(), Some("--output"));
    assert_eq!(found[4].2.as_deref(), Some("key"));
    assert_eq!(found[5].2.as_deref(), Some(">"));
}

#[test]
fn urls_relative_paths_and_globs() {
    assert!(
        scanned(
            "--endpoint=http://collector:4318/v1/logs kubernetes://apis/apps",
            None
        )
        .is_empty()
    );
    assert!(scanned("tail -F logs/access.log ./x ../y", None).is_empty());
    let found = scanned("/var/log/app/*.log,/srv/**/x.log:/opt/a", Some("PATHS"));
    let paths: Vec<(&str, &str)> = found.iter().map(|f| (f.0.as_str(), f.1.as_str())).collect();
    assert_eq!(
        paths,
        [
            ("/var/log/app/*.log", "/var/log/app"),
            ("/srv/**/x.log", "/srv"),
            ("/opt/a", "/opt/a")
        ]
    );
    assert!(found.iter().all(|f| f.2.as_deref() == Some("PATHS")));
}

#[test]
fn long_messages_keep_their_start_and_their_cause() {
    let message = format!(
        "StartError (128): {} rootfs/etc/hosts: read-only file system",
        "x".repeat(300)
    );
    let clipped = clip_middle(&message, 100);
    assert_eq!(clipped.chars().count(), 100);
    assert!(
        clipped.starts_with("StartError (128)") && clipped.ends_with("read-only file system"),
        "{clipped}"
    );
    assert_eq!(clip_middle("short", 100), "short");
    let text = format!("{} /var/log/x.log {}", "a ".repeat(100), "b ".repeat(100));
    let cut = excerpt(&text, "/var/log/x.log", 60);
    assert!(
        cut.contains("/var/log/x.log") && cut.starts_with('…') && cut.ends_with('…'),
        "{cut}"
    );
}

#[test]
fn output_keys() {
    for key in [
        "--log-file",
        "LOG_DIR",
        "--output",
        "out",
        "--spool-dir",
        ">",
        "DEST_PATH",
    ] {
        assert!(is_output_key(key), "{key}");
    }
    for key in ["--config", "-F", "--timeout", "CONFIG_PATH", "--layout"] {
        assert!(!is_output_key(key), "{key}");
    }
}

#[test]
fn translate_follows_sub_paths() {
    let cell = |path: &str, sub: Option<&str>| MountCell {
        container: "c".into(),
        mount_path: path.into(),
        read_only: false,
        sub_path: sub.map(str::to_string),
        sub_path_expr: None,
        mount_propagation: None,
        recursive_read_only: None,
        device: false,
    };
    let from = cell("/var/log/nginx/", None);
    assert_eq!(
        translate("/var/log/nginx/access.log", &from, &cell("/logs", None)).as_deref(),
        Some("/logs/access.log")
    );
    let from = cell("/var/log/nginx", Some("nginx"));
    assert_eq!(
        translate("/var/log/nginx/a.log", &from, &cell("/logs", None)).as_deref(),
        Some("/logs/nginx/a.log")
    );
    assert_eq!(
        translate("/var/log/nginx/a.log", &from, &cell("/n", Some("nginx/"))).as_deref(),
        Some("/n/a.log")
    );
    assert_eq!(
        translate("/var/log/nginx/a.log", &from, &cell("/x", Some("other"))),
        None
    );
}

// ------------------------------------------------------------ mount-mismatch

#[test]
fn mount_mismatch_fires_on_the_classic_tail_of_the_wrong_path() {
    let f = one(
        nginx_and_tail("/var/log/nginx/access.log", ro("nginx-logs", "/logs")),
        MOUNT_MISMATCH,
    );
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.container.as_deref(), Some("log-reader"));
    for needle in [
        "/var/log/nginx/access.log",
        "nginx-logs",
        "/var/log/nginx",
        "/logs",
        "nginx",
        "log-reader",
    ] {
        assert!(f.summary.contains(needle), "{needle}: {}", f.summary);
    }
    assert_eq!(
        f.evidence[0],
        "log-reader command: sh -c \"tail -F /var/log/nginx/access.log\""
    );
    let fix = f.fix.unwrap();
    assert!(
        fix.contains("/logs/access.log")
            && fix.contains("mount nginx-logs at /var/log/nginx in container log-reader"),
        "{fix}"
    );
}

#[test]
fn mount_mismatch_is_quiet_when_the_path_is_under_the_own_mount() {
    none(
        nginx_and_tail("/logs/access.log", ro("nginx-logs", "/logs")),
        MOUNT_MISMATCH,
    );
    // Trailing slashes on either side.
    none(
        nginx_and_tail(
            "/var/log/nginx/access.log",
            ro("nginx-logs", "/var/log/nginx/"),
        ),
        MOUNT_MISMATCH,
    );
    none(
        nginx_and_tail(
            "/var/log/nginx//access.log",
            ro("nginx-logs", "/var/log/nginx"),
        ),
        MOUNT_MISMATCH,
    );
    // /var/logs is not under /var/log.
    none(
        nginx_and_tail("/var/logs/nginx/access.log", ro("nginx-logs", "/logs")),
        MOUNT_MISMATCH,
    );
    // Relative paths depend on the working directory: ignored.
    none(
        nginx_and_tail("nginx/access.log", ro("nginx-logs", "/logs")),
        MOUNT_MISMATCH,
    );
}

#[test]
fn mount_mismatch_expands_vars_from_the_container_env() {
    let value = pod(
        json!([
            {"name": "nginx", "image": "nginx", "volumeMounts": [mount("nginx-logs", "/var/log/nginx/")]},
            {"name": "exporter", "image": "nginx-log-exporter",
             "args": ["--input=$(LOG_DIR)/access.log"],
             "env": [{"name": "LOG_DIR", "value": "/var/log/nginx"}],
             "volumeMounts": [ro("nginx-logs", "/logs")]}
        ]),
        json!([empty_dir("nginx-logs")]),
    );
    let f = one(value.clone(), MOUNT_MISMATCH);
    assert!(
        f.summary.contains("/var/log/nginx/access.log"),
        "{}",
        f.summary
    );
    assert_eq!(
        f.evidence[0],
        "exporter args: --input=/var/log/nginx/access.log"
    );

    // Expanded to a path under its own mount: fine.
    let mut own = value;
    own["spec"]["containers"][1]["env"][0]["value"] = json!("/logs");
    none(own, MOUNT_MISMATCH);
}

#[test]
fn mount_mismatch_when_the_reader_does_not_mount_the_volume_at_all() {
    let value = pod(
        json!([
            {"name": "billing", "image": "billing", "volumeMounts": [mount("billing-logs", "/var/log/billing")]},
            {"name": "filebeat", "image": "elastic/filebeat:8.15.0",
             "env": [{"name": "LOG_PATHS", "value": "/var/log/billing/*.log"}]}
        ]),
        json!([empty_dir("billing-logs")]),
    );
    let f = one(value.clone(), MOUNT_MISMATCH);
    assert_eq!(f.container.as_deref(), Some("filebeat"));
    assert!(
        f.summary.contains("/var/log/billing/*.log"),
        "{}",
        f.summary
    );
    assert!(
        f.evidence[0].contains("env LOG_PATHS=/var/log/billing/*.log"),
        "{:?}",
        f.evidence
    );
    assert_eq!(
        f.fix.as_deref(),
        Some("mount volume billing-logs at /var/log/billing in container filebeat")
    );
    // The lone mount is explained by the mismatch, not reported twice.
    none(value, EMPTYDIR_NOT_SHARED);
}

#[test]
fn mount_mismatch_picks_the_nested_mount_and_names_it() {
    let value = pod(
        json!([
            {"name": "app", "image": "app", "volumeMounts": [mount("data", "/data"), mount("shared-cache", "/data/cache")]},
            {"name": "warmer", "image": "warmer", "args": ["--dir", "/data/cache/thumbs"],
             "volumeMounts": [mount("shared-cache", "/cache")]}
        ]),
        json!([empty_dir("data"), empty_dir("shared-cache")]),
    );
    let f = one(value, MOUNT_MISMATCH);
    assert!(
        f.summary
            .contains("shared-cache is mounted at /data/cache in app but at /cache in warmer"),
        "{}",
        f.summary
    );
    assert!(f.fix.unwrap().contains("/cache/thumbs"));
}

#[test]
fn private_scratch_space_of_another_container_is_not_a_mismatch() {
    // Each container has its own /tmp: the proxy's /tmp file is not the app's.
    let value = pod(
        json!([
            {"name": "app", "image": "app", "volumeMounts": [mount("tmp", "/tmp")]},
            {"name": "proxy", "image": "envoy", "args": ["--log-path", "/tmp/envoy.log"]}
        ]),
        json!([empty_dir("tmp")]),
    );
    none(value, MOUNT_MISMATCH);
}

#[test]
fn mount_mismatch_with_different_sub_paths_says_so() {
    let value = pod(
        json!([
            {"name": "app", "image": "app", "volumeMounts": [{"name": "logs", "mountPath": "/var/log/app", "subPath": "app"}]},
            {"name": "shipper", "image": "fluent-bit", "args": ["-i", "tail", "-p", "path=/var/log/app/app.log"],
             "volumeMounts": [{"name": "logs", "mountPath": "/logs", "subPath": "proxy", "readOnly": true}]}
        ]),
        json!([empty_dir("logs")]),
    );
    let f = one(value, MOUNT_MISMATCH);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("see different directories")),
        "{:?}",
        f.evidence
    );
    assert!(f.fix.unwrap().contains("same subPath as app"));
}

// ------------------------------------------------------------ writers

#[test]
fn volume_no_writer_fires_when_every_mount_is_read_only() {
    let mounts = |reader_ro: bool| {
        pod(
            json!([
                {"name": "app", "image": "app", "volumeMounts": [ro("rendered", "/etc/app")]},
                {"name": "renderer", "image": "consul-template",
                 "volumeMounts": [{"name": "rendered", "mountPath": "/out", "readOnly": reader_ro}]}
            ]),
            json!([empty_dir("rendered")]),
        )
    };
    let f = one(mounts(true), VOLUME_NO_WRITER);
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.summary.contains("(app, renderer)"), "{}", f.summary);
    assert!(f.fix.unwrap().ends_with("most likely renderer"));
    none(mounts(false), VOLUME_NO_WRITER);
    // A read-only configMap is normal.
    none(
        pod(
            json!([{"name": "app", "image": "app", "volumeMounts": [ro("cfg", "/etc/app")]}]),
            json!([{"name": "cfg", "configMap": {"name": "cfg"}}]),
        ),
        VOLUME_NO_WRITER,
    );
}

#[test]
fn writer_read_only_fires_on_an_output_flag_under_a_read_only_mount() {
    let value = |read_only: bool| {
        pod(
            json!([
                {"name": "orders", "image": "orders", "args": ["--log-file=/var/log/orders/orders.log"],
                 "volumeMounts": [{"name": "app-logs", "mountPath": "/var/log/orders", "readOnly": read_only}]},
                {"name": "uploader", "image": "uploader", "volumeMounts": [mount("app-logs", "/logs")]}
            ]),
            json!([empty_dir("app-logs")]),
        )
    };
    let f = one(value(true), WRITER_READ_ONLY);
    assert_eq!(f.container.as_deref(), Some("orders"));
    assert!(
        f.summary
            .contains("/var/log/orders/orders.log (--log-file)"),
        "{}",
        f.summary
    );
    none(value(false), WRITER_READ_ONLY);
}

#[test]
fn writer_read_only_reads_shell_redirects() {
    let value = pod(
        json!([{"name": "job", "image": "busybox", "command": ["sh", "-c", "date >> /out/run.log"],
                "volumeMounts": [ro("out", "/out")]},
               {"name": "ship", "image": "aws-cli", "volumeMounts": [mount("out", "/data")]}]),
        json!([empty_dir("out")]),
    );
    let f = one(value, WRITER_READ_ONLY);
    assert!(f.summary.contains("/out/run.log (>)"), "{}", f.summary);
}

#[test]
fn writer_read_only_fires_for_main_sharing_logs_with_a_shipper() {
    let value = |main_ro: bool, sidecar: &str| {
        pod(
            json!([
                {"name": "orders", "image": "orders",
                 "volumeMounts": [{"name": "app-logs", "mountPath": "/var/log/orders", "readOnly": main_ro}]},
                {"name": sidecar, "image": format!("example/{sidecar}:1"), "volumeMounts": [mount("app-logs", "/var/log/orders")]}
            ]),
            json!([empty_dir("app-logs")]),
        )
    };
    let f = one(value(true, "fluent-bit"), WRITER_READ_ONLY);
    assert_eq!(f.container.as_deref(), Some("orders"));
    assert!(
        f.summary.contains("log sidecar fluent-bit"),
        "{}",
        f.summary
    );
    none(value(false, "fluent-bit"), WRITER_READ_ONLY);
    // A secrets agent writing for the app, which reads: normal.
    none(value(true, "secrets-agent"), WRITER_READ_ONLY);
}

// ------------------------------------------------------------ subPath, memory, logs

#[test]
fn subpath_of_api_content_never_updates() {
    let value = |sub: Option<&str>, config_map: bool| {
        let mut m = mount("cfg", "/etc/app/app.yaml");
        if let Some(sub) = sub {
            m["subPath"] = json!(sub);
        }
        let volume = if config_map {
            json!({"name": "cfg", "configMap": {"name": "app-config"}})
        } else {
            empty_dir("cfg")
        };
        pod(
            json!([{"name": "app", "image": "app", "volumeMounts": [m]}]),
            json!([volume]),
        )
    };
    let f = one(value(Some("app.yaml"), true), SUBPATH_NO_UPDATES);
    assert_eq!(f.severity, Severity::Info);
    assert!(
        f.summary.contains("configMap cfg (app-config)") && f.summary.contains("ConfigMap"),
        "{}",
        f.summary
    );
    none(value(None, true), SUBPATH_NO_UPDATES);
    none(value(Some("app.yaml"), false), SUBPATH_NO_UPDATES);
}

#[test]
fn memory_emptydir_without_size_limit_names_the_writer_limit() {
    let value = |size_limit: Option<&str>| {
        let mut volume = json!({"name": "cache", "emptyDir": {"medium": "Memory"}});
        if let Some(limit) = size_limit {
            volume["emptyDir"]["sizeLimit"] = json!(limit);
        }
        pod(
            json!([
                {"name": "thumbnailer", "image": "app", "resources": {"limits": {"memory": "512Mi"}},
                 "volumeMounts": [mount("cache", "/cache")]},
                {"name": "reader", "image": "r", "volumeMounts": [ro("cache", "/cache")]}
            ]),
            json!([volume]),
        )
    };
    let f = one(value(None), MEMORY_EMPTYDIR_NO_LIMIT);
    // Hygiene until an OOM kill of a writer shows it hurt.
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(f.container.as_deref(), Some("thumbnailer"));
    assert!(f.summary.contains("thumbnailer (512Mi)"), "{}", f.summary);
    none(value(Some("64Mi")), MEMORY_EMPTYDIR_NO_LIMIT);

    // An OOM kill of the writer is named as evidence.
    let mut oom = value(None);
    oom["status"] = json!({"phase": "Running", "containerStatuses": [{
        "name": "thumbnailer", "image": "app", "imageID": "", "ready": true, "restartCount": 3,
        "state": {"running": {}},
        "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]});
    let f = one(oom, MEMORY_EMPTYDIR_NO_LIMIT);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.starts_with("thumbnailer was OOMKilled (3 restarts)")),
        "{:?}",
        f.evidence
    );
}

#[test]
fn injected_proxy_volumes_are_expected() {
    let value = pod(
        json!([
            {"name": "app", "image": "app"},
            {"name": "istio-proxy", "image": "istio/proxyv2",
             "volumeMounts": [mount("istio-envoy", "/etc/istio/proxy"), mount("istio-data", "/var/lib/istio/data")]}
        ]),
        json!([{"name": "istio-envoy", "emptyDir": {"medium": "Memory"}}, empty_dir("istio-data"), empty_dir("workload-socket")]),
    );
    assert!(analyze(&source(value)).findings.is_empty());
}

#[test]
fn log_volume_without_size_limit() {
    let value = |size_limit: Option<&str>| {
        let mut volume = empty_dir("app-logs");
        if let Some(limit) = size_limit {
            volume["emptyDir"]["sizeLimit"] = json!(limit);
        }
        pod(
            json!([
                {"name": "app", "image": "app", "volumeMounts": [mount("app-logs", "/var/log/app")]},
                {"name": "shipper", "image": "fluent/fluent-bit:3.1", "volumeMounts": [ro("app-logs", "/var/log/app")],
                 "resources": {"limits": {"ephemeral-storage": "1Gi"}}}
            ]),
            json!([volume]),
        )
    };
    let f = one(value(None), LOG_VOLUME_NO_SIZE_LIMIT);
    assert_eq!(f.container.as_deref(), Some("shipper"));
    assert!(f.fix.unwrap().contains("rotate the files in app"));
    none(value(Some("1Gi")), LOG_VOLUME_NO_SIZE_LIMIT);
    none(value(None), LOG_SIDECAR_NO_STORAGE_LIMIT);
}

#[test]
fn log_sidecar_sharing_nothing_with_the_app() {
    let token =
        json!({"name": "kube-api-access-x", "mountPath": SERVICE_ACCOUNT_PATH, "readOnly": true});
    let alone = pod(
        json!([
            {"name": "main", "image": "busybox", "volumeMounts": [token]},
            {"name": "log-collector", "image": "busybox", "volumeMounts": [token]}
        ]),
        json!([{"name": "kube-api-access-x", "projected": {"sources": []}}]),
    );
    let f = one(alone, LOG_SIDECAR_NO_SHARED_VOLUME);
    assert_eq!(f.container.as_deref(), Some("log-collector"));
    assert_eq!(
        f.evidence,
        ["log-collector mounts only the service-account token"]
    );

    let shared = pod(
        json!([
            {"name": "main", "image": "busybox", "volumeMounts": [{"name": "logs", "mountPath": "/var/log/app"}]},
            {"name": "log-collector", "image": "busybox", "volumeMounts": [{"name": "logs", "mountPath": "/logs"}]}
        ]),
        json!([{"name": "logs", "emptyDir": {}}]),
    );
    none(shared, LOG_SIDECAR_NO_SHARED_VOLUME);
}

#[test]
fn log_sidecar_without_ephemeral_storage_limit() {
    let value = |name: &str, image: &str, limits: Value| {
        pod(
            json!([
                {"name": "app", "image": "app"},
                {"name": name, "image": image, "resources": {"limits": limits}}
            ]),
            json!([]),
        )
    };
    let f = one(
        value("shipper", "grafana/promtail:3.0", json!({"memory": "64Mi"})),
        LOG_SIDECAR_NO_STORAGE_LIMIT,
    );
    assert_eq!(f.container.as_deref(), Some("shipper"));
    assert!(
        f.evidence[0].contains("limits memory 64Mi, no ephemeral-storage"),
        "{:?}",
        f.evidence
    );
    one(
        value("log-tailer", "busybox", json!({})),
        LOG_SIDECAR_NO_STORAGE_LIMIT,
    );
    none(
        value(
            "shipper",
            "grafana/promtail:3.0",
            json!({"ephemeral-storage": "1Gi"}),
        ),
        LOG_SIDECAR_NO_STORAGE_LIMIT,
    );
    // Words, not substrings: a catalog or login service is no log shipper.
    none(
        value("catalog", "acme/login-service", json!({})),
        LOG_SIDECAR_NO_STORAGE_LIMIT,
    );
    // The main container is the app, whatever its name.
    none(
        pod(json!([{"name": "fluentd", "image": "fluentd"}]), json!([])),
        LOG_SIDECAR_NO_STORAGE_LIMIT,
    );
}

// ------------------------------------------------------------ manifest errors

#[test]
fn duplicate_mount_paths() {
    let value = |second: &str| {
        pod(
            json!([{"name": "app", "image": "app",
                    "volumeMounts": [mount("config", "/etc/app"), mount("overrides", second)]}]),
            json!([empty_dir("config"), empty_dir("overrides")]),
        )
    };
    let f = one(value("/etc/app"), DUPLICATE_MOUNT_PATH);
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.summary
            .contains("mounts 2 volumes at /etc/app: config, overrides"),
        "{}",
        f.summary
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e == "spec.containers[0].volumeMounts[1]: overrides at /etc/app"),
        "{:?}",
        f.evidence
    );
    assert_eq!(
        one(value("/etc/app/"), DUPLICATE_MOUNT_PATH).severity,
        Severity::Warning
    );
    none(value("/etc/app/overrides"), DUPLICATE_MOUNT_PATH);
}

#[test]
fn undefined_volume_in_a_manifest() {
    let value = pod(
        json!([{"name": "app", "image": "app", "volumeMounts": [mount("config", "/etc/app"), mount("app-secrets", "/etc/secrets")]}]),
        json!([empty_dir("config")]),
    );
    let f = one(value.clone(), UNDEFINED_VOLUME);
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.fix
            .as_deref()
            .is_some_and(|fix| fix.starts_with("add volume app-secrets")),
        "{f:?}"
    );
    assert!(
        f.evidence[0]
            .contains("spec.containers[0].volumeMounts[1].name: Not found: \"app-secrets\""),
        "{:?}",
        f.evidence
    );
    let report = analyze(&source(value));
    let row = report
        .volumes
        .iter()
        .find(|r| r.name == "app-secrets")
        .unwrap();
    assert_eq!(row.kind, VolumeKind::Undefined);
    assert!(row.problem);
    none(
        pod(
            json!([{"name": "app", "image": "app", "volumeMounts": [mount("config", "/etc/app")]}]),
            json!([empty_dir("config")]),
        ),
        UNDEFINED_VOLUME,
    );
}

#[test]
fn statefulset_claim_templates_are_not_undefined() {
    let mut sp = source(pod(
        json!([{"name": "db", "image": "postgres", "volumeMounts": [mount("data", "/var/lib/postgresql/data")]}]),
        json!([]),
    ));
    sp.template_of = Some(WorkloadRef {
        kind: WorkloadKind::StatefulSet,
        name: "db".into(),
    });
    let report = analyze(&sp);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.volumes[0].kind, VolumeKind::ClaimTemplate);
}

// ------------------------------------------------------------ users, root, unused, sharing

#[test]
fn uid_mismatch_without_fs_group() {
    let value = |uid: i64, fs_group: Option<i64>| {
        let mut v = pod(
            json!([
                {"name": "thumbnailer", "image": "app", "securityContext": {"runAsUser": 1000},
                 "volumeMounts": [mount("cache", "/cache")]},
                {"name": "warmer", "image": "warmer", "volumeMounts": [mount("cache", "/cache")]}
            ]),
            json!([empty_dir("cache")]),
        );
        v["spec"]["securityContext"] = json!({"runAsUser": uid});
        if let Some(g) = fs_group {
            v["spec"]["securityContext"]["fsGroup"] = json!(g);
        }
        v
    };
    let f = one(value(65534, None), VOLUME_UID_MISMATCH);
    assert!(
        f.summary
            .contains("thumbnailer (uid 1000) and warmer (uid 65534)"),
        "{}",
        f.summary
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("pod securityContext.runAsUser")),
        "{:?}",
        f.evidence
    );
    none(value(65534, Some(2000)), VOLUME_UID_MISMATCH);
    none(value(1000, None), VOLUME_UID_MISMATCH);
}

#[test]
fn mount_over_root_and_system_paths() {
    let value = |path: &str| {
        let mut v = pod(
            json!([{"name": "app", "image": "app", "volumeMounts": [mount("tls", path)]}]),
            json!([{"name": "tls", "secret": {"secretName": "app-tls"}}]),
        );
        v["status"] = json!({"phase": "Pending", "containerStatuses": [{
            "name": "app", "image": "app", "imageID": "", "ready": false, "restartCount": 1,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s restarting failed container"}},
            "lastState": {"terminated": {"exitCode": 128, "reason": "StartError",
                "message": "failed to create containerd task: error mounting \"/var/lib/kubelet/pods/x/etc-hosts\" to rootfs at \"/etc/hosts\": read-only file system"}}}]});
        v
    };
    let f = one(value("/"), MOUNT_OVER_ROOT);
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.summary.contains("secret tls (app-tls) over /"),
        "{}",
        f.summary
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.starts_with("status: StartError (128): failed to create containerd task")),
        "{:?}",
        f.evidence
    );
    assert_eq!(
        one(value("/etc/"), MOUNT_OVER_ROOT).severity,
        Severity::Warning
    );
    // Runtime directories are empty in images: a tmpfs there hides nothing.
    none(value("/var/run"), MOUNT_OVER_ROOT);
    none(value("/run"), MOUNT_OVER_ROOT);
    none(value("/etc/tls"), MOUNT_OVER_ROOT);
    none(value("/variable"), MOUNT_OVER_ROOT);
}

#[test]
fn unused_volume() {
    let value = |mounted: bool| {
        let mounts = if mounted {
            json!([mount("legacy-certs", "/certs")])
        } else {
            json!([])
        };
        pod(
            json!([{"name": "app", "image": "app", "volumeMounts": mounts}]),
            json!([{"name": "legacy-certs", "secret": {"secretName": "old-tls"}}]),
        )
    };
    let f = one(value(false), VOLUME_UNUSED);
    assert_eq!(f.severity, Severity::Info);
    assert!(
        f.summary.contains("secret legacy-certs (old-tls)"),
        "{}",
        f.summary
    );
    none(value(true), VOLUME_UNUSED);
    // Volume devices count as use.
    none(
        pod(
            json!([{"name": "db", "image": "db", "volumeDevices": [{"name": "raw", "devicePath": "/dev/xvdb"}]}]),
            json!([{"name": "raw", "persistentVolumeClaim": {"claimName": "raw-0"}}]),
        ),
        VOLUME_UNUSED,
    );
}

#[test]
fn emptydir_named_for_sharing_but_mounted_once() {
    let value = |name: &str, both: bool, second: bool| {
        let sidecar_mounts = if both {
            json!([mount(name, "/in")])
        } else {
            json!([])
        };
        let mut containers =
            vec![json!({"name": "app", "image": "app", "volumeMounts": [mount(name, "/out")]})];
        if second {
            containers
                .push(json!({"name": "sidecar", "image": "s", "volumeMounts": sidecar_mounts}));
        }
        pod(Value::Array(containers), json!([empty_dir(name)]))
    };
    let f = one(value("shared-data", false, true), EMPTYDIR_NOT_SHARED);
    assert_eq!(f.container.as_deref(), Some("app"));
    assert!(
        f.evidence
            .iter()
            .any(|e| e == "not mounted by: sidecar (sidecar)"),
        "{:?}",
        f.evidence
    );
    none(value("shared-data", true, true), EMPTYDIR_NOT_SHARED);
    none(value("tmp", false, true), EMPTYDIR_NOT_SHARED);
    none(value("shared-data", false, false), EMPTYDIR_NOT_SHARED);
}

// ------------------------------------------------------------ matrix

#[test]
fn matrix_lists_every_container_role_and_mount_detail() {
    let value = json!({
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {
            "initContainers": [
                {"name": "setup", "image": "busybox", "volumeMounts": [mount("work", "/work")]},
                {"name": "proxy", "image": "envoy", "restartPolicy": "Always"}
            ],
            "containers": [{"name": "app", "image": "app", "volumeMounts": [
                {"name": "work", "mountPath": "/srv/work", "subPathExpr": "$(POD_NAME)", "mountPropagation": "HostToContainer"},
                {"name": "cfg", "mountPath": "/etc/app", "recursiveReadOnly": "Enabled", "readOnly": true},
                {"name": "claim", "mountPath": "/data"}
            ]}],
            "ephemeralContainers": [{"name": "debugger", "image": "busybox", "volumeMounts": [ro("work", "/work")]}],
            "volumes": [
                empty_dir("work"),
                {"name": "cfg", "projected": {"sources": [{"configMap": {"name": "a"}}, {"secret": {"name": "b"}}, {"serviceAccountToken": {"path": "t", "audience": "vault"}}]}},
                {"name": "claim", "persistentVolumeClaim": {"claimName": "data-0", "readOnly": true}},
                {"name": "scratch"}
            ]
        }
    });
    let report = analyze(&source(value));
    let roles: Vec<(&str, Role)> = report
        .containers
        .iter()
        .map(|c| (c.name.as_str(), c.role))
        .collect();
    assert_eq!(
        roles,
        [
            ("setup", Role::Init),
            ("proxy", Role::NativeSidecar),
            ("app", Role::Main),
            ("debugger", Role::Ephemeral)
        ]
    );
    let work = &report.volumes[0];
    assert_eq!(work.mounts.len(), 3);
    assert_eq!(work.mounts[1].sub_path_expr.as_deref(), Some("$(POD_NAME)"));
    assert_eq!(
        work.mounts[1].mount_propagation.as_deref(),
        Some("HostToContainer")
    );
    assert_eq!(work.mounts[2].container, "debugger");
    let cfg = &report.volumes[1];
    assert_eq!(
        cfg.source.as_deref(),
        Some("configMap/a, secret/b, token(aud=vault)")
    );
    assert_eq!(
        cfg.mounts[0].recursive_read_only.as_deref(),
        Some("Enabled")
    );
    // A read-only claim is read-only in every mount.
    let claim = &report.volumes[2];
    assert_eq!(claim.source.as_deref(), Some("data-0 (readOnly)"));
    assert!(claim.mounts[0].read_only);
    // A volume without a source is an emptyDir (API server default).
    assert_eq!(report.volumes[3].kind, VolumeKind::EmptyDir);
}

#[test]
fn container_filter_keeps_involved_findings_and_mounted_volumes() {
    let mut report = analyze(&source(nginx_and_tail(
        "/var/log/nginx/access.log",
        ro("nginx-logs", "/logs"),
    )));
    let mut only_nginx = report.clone();
    only_nginx.retain_containers(|n| n == "nginx");
    assert_eq!(only_nginx.containers.len(), 1);
    assert_eq!(only_nginx.volumes[0].mounts.len(), 1);
    // The mismatch involves nginx's mount, so it stays.
    assert!(
        only_nginx
            .findings
            .iter()
            .any(|f| f.finding.rule == MOUNT_MISMATCH)
    );
    report.retain_containers(|n| n == "nobody");
    assert!(
        report.containers.is_empty() && report.volumes.is_empty() && report.findings.is_empty()
    );
}

#[test]
fn odd_input_never_panics() {
    let odd = [
        "",
        "$",
        "$(",
        "$$",
        "${",
        "${}",
        "/",
        "//",
        "/é/ü/…",
        "a=b=c",
        "=/x",
        "--=/y",
        ">",
        "ß:/ä,/ö",
        "\u{0}/x",
    ];
    for text in odd {
        let value = pod(
            json!([
                {"name": "a", "image": text, "command": [text], "args": [text, text],
                 "env": [{"name": text, "value": text}, {"name": "X", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                 "volumeMounts": [{"name": text, "mountPath": text, "subPath": text}]},
                {"name": "b", "image": "", "volumeMounts": [{"name": "v", "mountPath": format!("/{text}")}]}
            ]),
            json!([{"name": "v", "emptyDir": {"medium": text}}, {"name": text}]),
        );
        let _ = analyze(&source(value));
    }
    let _ = analyze(&source(json!({"metadata": {"name": "bare"}})));
}
