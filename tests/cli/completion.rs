//! Shell completion: the committed scripts are what `completion SHELL` prints, and kubectl's
//! plugin completion protocol works end to end against the fake API server, directly and
//! through `kubectl __complete sidecar …`.

use std::path::{Path, PathBuf};

use crate::support::cli::{BIN, command, fake_cluster, run_command, sidecar, temp_dir};

const SCRIPTS: &[(&str, &str)] = &[
    ("bash", "kubectl-sidecar.bash"),
    ("zsh", "_kubectl-sidecar"),
    ("fish", "kubectl-sidecar.fish"),
    ("powershell", "kubectl-sidecar.ps1"),
];

#[test]
fn committed_completion_scripts_are_fresh() {
    for (shell, file) in SCRIPTS {
        let out = sidecar(&["completion", shell]);
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("completions")
            .join(file);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, out.ok()).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == out.ok(),
            "completions/{file} is stale: regenerate with `kubectl-sidecar completion {shell} > completions/{file}` (or UPDATE_GOLDEN=1 cargo test)"
        );
    }
}

/// A directory holding `kubectl-sidecar` and its `kubectl_complete-sidecar` link.
fn plugin_dir() -> PathBuf {
    let dir = temp_dir("plugin");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(BIN, dir.join("kubectl-sidecar")).unwrap();
        std::os::unix::fs::symlink(BIN, dir.join("kubectl_complete-sidecar")).unwrap();
    }
    dir
}

/// Runs `kubectl_complete-sidecar WORDS…` with `kubeconfig`; returns (candidates, directive).
fn complete(dir: &Path, kubeconfig: &Path, words: &[&str]) -> (Vec<String>, String) {
    let mut cmd = command(dir.join("kubectl_complete-sidecar").to_str().unwrap());
    cmd.args(words).env("KUBECONFIG", kubeconfig);
    let out = run_command(cmd, None);
    let mut lines: Vec<String> = out.ok().lines().map(str::to_string).collect();
    let directive = lines.pop().expect("a directive line");
    assert!(directive.starts_with(':'), "{directive}");
    (lines, directive)
}

#[test]
fn plugin_completion_protocol() {
    let api = fake_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let dir = plugin_dir();

    let (list, directive) = complete(&dir, &kubeconfig, &[""]);
    assert_eq!(
        list,
        [
            "ls",
            "order",
            "volumes",
            "diagnose",
            "logs",
            "explain",
            "completion"
        ]
    );
    assert_eq!(directive, ":4");

    let (list, _) = complete(&dir, &kubeconfig, &["ls", "-n", ""]);
    assert_eq!(list, ["batch", "observability", "payments", "shop"]);

    let (list, _) = complete(&dir, &kubeconfig, &["ls", "c"]);
    assert_eq!(
        list,
        [
            "cart-5b7d9c6f48-7kq2m",
            "checkout-6d8f9b7c4-q8zpl",
            "cronjob/"
        ]
    );

    let (list, directive) = complete(&dir, &kubeconfig, &["ls", "d"]);
    assert_eq!(list, ["deploy/", "ds/"]);
    assert_eq!(directive, ":6", "no space after a TYPE/ prefix");

    let (list, _) = complete(&dir, &kubeconfig, &["order", "deploy/"]);
    assert_eq!(list, ["deploy/web"]);
    let (list, _) = complete(&dir, &kubeconfig, &["ls", "-n", "batch", "cronjob/"]);
    assert_eq!(list, ["cronjob/nightly-report"]);

    let (list, _) = complete(&dir, &kubeconfig, &["ls", "web-7c9d8b6f5d-x2x4k", "-c", ""]);
    assert_eq!(list, ["nginx", "log-reader"]);

    let (list, _) = complete(&dir, &kubeconfig, &["diagnose", "--fail-on", ""]);
    assert_eq!(list, ["info", "warning", "critical", "never"]);
    // Each subcommand offers only the formats it prints.
    let (list, _) = complete(&dir, &kubeconfig, &["logs", "-o", ""]);
    assert_eq!(list, ["json"]);
    let (list, _) = complete(&dir, &kubeconfig, &["order", "-o", ""]);
    assert_eq!(list, ["table", "json", "yaml"]);
    let (list, _) = complete(&dir, &kubeconfig, &["volumes", "-o", ""]);
    assert_eq!(list, ["table", "wide", "json", "yaml"]);
    let (list, _) = complete(&dir, &kubeconfig, &["ls", "--context", ""]);
    assert_eq!(list, ["fake", "other"]);
    let (list, directive) = complete(&dir, &kubeconfig, &["ls", "-f", ""]);
    assert!(list.is_empty());
    assert_eq!(directive, ":0", "files are completed by the shell");

    assert!(api.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn unreachable_cluster_gives_no_candidates_quickly() {
    let api = fake_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let dir = plugin_dir();
    let started = std::time::Instant::now();
    // Only the static TYPE/ prefixes: no names, no error, no hang.
    let (list, directive) = complete(&dir, &kubeconfig, &["ls", "--context", "other", ""]);
    assert_eq!(list, ["deploy/", "sts/", "ds/", "rs/", "job/", "cronjob/"]);
    assert_eq!(directive, ":6");
    let (list, directive) = complete(&dir, &kubeconfig, &["ls", "--context", "other", "-n", ""]);
    assert!(list.is_empty(), "{list:?}");
    assert_eq!(directive, ":4");
    assert!(started.elapsed().as_secs() < 10);
}

#[test]
fn kubectl_runs_the_completion_executable() {
    let Some(kubectl) = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "kubectl is expected on CI machines"
        );
        return;
    };
    let api = fake_cluster();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let dir = plugin_dir();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = command(kubectl);
    cmd.args(["__complete", "sidecar", "ls", "-n", ""])
        .env("PATH", path)
        .env("KUBECONFIG", &kubeconfig);
    let out = run_command(cmd, None);
    let lines: Vec<&str> = out.ok().lines().collect();
    assert_eq!(
        lines,
        ["batch", "observability", "payments", "shop", ":4"],
        "{}",
        out.stderr
    );
}
