//! Runs the built `kubectl-sidecar` binary the way a user would, in a clean environment.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::fake_api::FakeApi;

/// "Now" for every run, so ages in golden files never drift.
pub const NOW: &str = "2026-11-23T12:00:00Z";

pub const BIN: &str = env!("CARGO_BIN_EXE_kubectl-sidecar");

#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Asserts success and returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        &self.stdout
    }

    /// Asserts a failure with `code` that printed a one-line error and a hint, no panic.
    pub fn failed(&self, code: i32) -> &str {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
        self.stderr.as_str()
    }
}

/// Everything a spawned child writes to its piped stderr, read to the end.
pub fn read_stderr(child: &mut std::process::Child) -> String {
    use std::io::Read;
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_string(&mut stderr).expect("stderr");
    }
    stderr
}

/// A new empty directory under the target dir, unique per call.
pub fn temp_dir(label: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{label}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

pub fn fixture(path: &str) -> String {
    format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// A pod or workload fixture served by the fake cluster.
pub fn cluster_fixture(file: &str) -> String {
    fixture(&format!("cluster/{file}"))
}

/// A fake API server loaded with every fixture under tests/fixtures/cluster.
pub fn fake_cluster() -> FakeApi {
    FakeApi::builder().fixtures_dir(fixture("cluster")).start()
}

/// A command with no ambient kubeconfig, color or terminal settings.
pub fn command(program: &str) -> Command {
    let home = temp_dir("home");
    let mut cmd = Command::new(program);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("KUBECONFIG")
        .env_remove("NO_COLOR")
        .env_remove("TERM")
        .env_remove("COLUMNS")
        .env("HOME", home)
        .env("KUBECTL_SIDECAR_NOW", NOW);
    cmd
}

pub fn run_command(mut cmd: Command, stdin: Option<&str>) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn kubectl-sidecar");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    let out = child.wait_with_output().expect("wait for kubectl-sidecar");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `kubectl-sidecar ARGS` offline (no kubeconfig in reach).
pub fn sidecar(args: &[&str]) -> Output {
    let mut cmd = command(BIN);
    cmd.args(args);
    run_command(cmd, None)
}

pub fn sidecar_stdin(args: &[&str], stdin: &str) -> Output {
    let mut cmd = command(BIN);
    cmd.args(args);
    run_command(cmd, Some(stdin))
}

/// Runs against a cluster described by `kubeconfig`.
pub fn sidecar_live(kubeconfig: &Path, args: &[&str]) -> Output {
    let mut cmd = command(BIN);
    cmd.arg(args[0])
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(&args[1..]);
    run_command(cmd, None)
}
