//! One integration test binary: runs the real `kubectl-sidecar` executable offline on files
//! and against the fake Kubernetes API server, one module per subcommand.

#[path = "../support/mod.rs"]
mod support;

mod completion;
mod diagnose;
mod explain;
mod fix;
mod fuzz;
mod hostile;
mod krew;
mod logs;
mod ls;
mod metrics;
mod order;
mod robustness;
mod verdict;
mod volumes;
