//! A `logs --follow` run of the real binary whose stdout is read line by line as it is
//! printed, for the follow tests of the fake-server and the envtest tiers.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::cli::{BIN, command};

/// How long a followed run may take to print an expected line: a change reaches the binary
/// through a watch at once; this leaves room for a loaded machine (and the real server's
/// log proxy).
pub const FOLLOW_WAIT: Duration = Duration::from_secs(30);

/// A `logs --follow` run of the real binary, its stdout read line by line as it is printed.
/// Dropping it kills the process.
pub struct Following {
    child: Child,
    lines: mpsc::Receiver<Vec<u8>>,
    /// Every stdout line so far (the binary must print valid UTF-8).
    seen: Vec<String>,
    stderr: Option<thread::JoinHandle<String>>,
}

impl Following {
    /// Starts `kubectl-sidecar logs ARGS` against the cluster of `kubeconfig`.
    pub fn spawn(kubeconfig: &Path, args: &[&str]) -> Following {
        let mut cmd = command(BIN);
        cmd.args(["logs", "--kubeconfig"])
            .arg(kubeconfig)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn kubectl-sidecar");
        let stdout = child.stdout.take().expect("stdout");
        let (send, lines) = mpsc::channel();
        thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            loop {
                let mut line = Vec::new();
                match stdout.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        if send.send(line).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let mut stderr = child.stderr.take().expect("stderr");
        let stderr = thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Following {
            child,
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
        }
    }

    /// Takes one line off the pipe, waiting until `deadline`; false when none came.
    pub fn receive(&mut self, deadline: Instant) -> bool {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.lines.recv_timeout(left) {
            Ok(bytes) => {
                let line = String::from_utf8(bytes)
                    .unwrap_or_else(|e| panic!("stdout is not UTF-8: {e}\n{:#?}", self.seen));
                let line = line.strip_suffix('\n').unwrap_or_else(|| {
                    panic!(
                        "a line printed without its newline: {line:?}\n{:#?}",
                        self.seen
                    )
                });
                self.seen.push(line.to_string());
                true
            }
            Err(_) => false,
        }
    }

    /// Waits until `line` has been printed (now or earlier), at most [`FOLLOW_WAIT`].
    pub fn wait_for(&mut self, line: &str) {
        let deadline = Instant::now() + FOLLOW_WAIT;
        while !self.seen.iter().any(|l| l == line) {
            if !self.receive(deadline) {
                let status = self.child.try_wait().ok().flatten();
                self.fail(&format!(
                    "no line {line:?} within {FOLLOW_WAIT:?} (process: {status:?})"
                ));
            }
        }
    }

    pub fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().expect("process status") {
            self.fail(&format!("the run ended ({status:?})"));
        }
    }

    /// Stops the process and fails the test with `why` and everything it printed.
    pub fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let stderr = self.drain(Duration::from_secs(2));
        panic!(
            "{why}\nstdout:\n{}\nstderr:\n{stderr}",
            self.seen.join("\n")
        );
    }

    /// Reads what is left once the process has ended, then returns stdout lines and stderr.
    pub fn finish(mut self) -> (Vec<String>, String) {
        let stderr = self.drain(Duration::from_secs(5));
        (std::mem::take(&mut self.seen), stderr)
    }

    /// Reads the stdout lines still coming (for at most `wait`), then all of stderr.
    pub fn drain(&mut self, wait: Duration) -> String {
        let deadline = Instant::now() + wait;
        while self.receive(deadline) {}
        self.stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }

    /// Kills the process (it follows running pods forever) and returns everything it printed.
    pub fn stop(mut self) -> (Vec<String>, String) {
        self.assert_running();
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.finish()
    }

    /// Waits at most `limit` for the process to end by itself.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("process status") {
                return status.code();
            }
            thread::sleep(Duration::from_millis(20));
        }
        self.fail(&format!("the run did not end within {limit:?}"));
    }

    /// Sends SIGINT, as Ctrl-C in a terminal does.
    pub fn interrupt(&self) {
        let status = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -INT failed");
    }
}

impl Drop for Following {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
