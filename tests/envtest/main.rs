//! The envtest tier: the real `kubectl-sidecar` binary against a real kube-apiserver v1.36
//! and etcd (see `tests/support/envtest.rs`), loaded once with the scenarios of
//! `tests/fixtures/cluster`. Without `KUBEBUILDER_ASSETS` every test returns at once.

#[path = "../support/mod.rs"]
mod support;

mod fix;
mod logs;
mod scenarios;
