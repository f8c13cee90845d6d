//! A slow or flaky API server: idempotent GETs are retried with backoff (429 with Retry-After,
//! 500, dropped connections), `--request-timeout` bounds each attempt, and giving up says what
//! was tried, how often, and why.

use std::time::{Duration, Instant};

use crate::support::cli::{fixture, sidecar_live, temp_dir};
use crate::support::fake_api::{FakeApi, FakeApiBuilder};

const PODS: &str = "/api/v1/namespaces/shop/pods";

fn cluster() -> FakeApiBuilder {
    FakeApi::builder().fixtures_dir(fixture("cluster"))
}

/// Requests whose path starts with `prefix`.
fn requests_to(api: &FakeApi, prefix: &str) -> usize {
    api.requests()
        .iter()
        .filter(|r| r.path.starts_with(prefix))
        .count()
}

/// `ls` in namespace shop against `api`; returns stdout and the run's duration.
fn ls(api: &FakeApi, extra: &[&str]) -> (String, Duration) {
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let mut args = vec!["ls", "--color", "never"];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let out = sidecar_live(&kubeconfig, &args);
    let elapsed = started.elapsed();
    assert_eq!(out.stderr, "", "no warnings on a recovered request");
    (out.ok().to_string(), elapsed)
}

/// What a healthy server gives, to compare recovered runs with.
fn healthy_output() -> String {
    ls(&cluster().start(), &[]).0
}

#[test]
fn throttled_list_is_retried_after_retry_after() {
    let api = cluster().throttle_first(PODS, 1).start();
    let (stdout, elapsed) = ls(&api, &[]);
    assert_eq!(stdout, healthy_output());
    assert_eq!(requests_to(&api, PODS), 2);
    // Retry-After: 1 is honoured rather than the 250 ms first backoff.
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
}

#[test]
fn internal_errors_are_retried_with_backoff() {
    let api = cluster().fail_first(PODS, 2, 500).start();
    let (stdout, elapsed) = ls(&api, &[]);
    assert_eq!(stdout, healthy_output());
    assert_eq!(requests_to(&api, PODS), 3);
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn dropped_connections_are_retried() {
    let api = cluster().drop_first(PODS, 2).start();
    let (stdout, _) = ls(&api, &[]);
    assert_eq!(stdout, healthy_output());
    assert_eq!(requests_to(&api, PODS), 3);
}

#[test]
fn each_kind_of_failure_in_a_row_is_still_within_the_attempts() {
    // A dropped connection, a 503 and a 429 in a row on a paged list (one pod a page): the
    // fourth attempt gets the first page, and paging goes on from there.
    let api = cluster()
        .max_page_size(1)
        .drop_first(PODS, 1)
        .fail_first(PODS, 1, 503)
        .throttle_first(PODS, 1)
        .start();
    let (stdout, _) = ls(&api, &[]);
    assert_eq!(stdout, healthy_output());
    let continues = api
        .requests()
        .iter()
        .filter(|r| r.path == PODS && r.query_value("continue").is_some())
        .count();
    assert!(continues >= 1, "the list was paged");
}

#[test]
fn persistent_failure_gives_up_after_four_attempts_with_a_clear_error() {
    let api = cluster().fail_first(PODS, usize::MAX, 500).start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let started = Instant::now();
    let err = sidecar_live(&kubeconfig, &["ls"]).failed(1).to_string();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(requests_to(&api, PODS), 4);
    assert_eq!(
        err.lines().next().unwrap_or_default(),
        "error: list pods in namespace shop: gave up after 4 attempts (GET /api/v1/namespaces/shop/pods); \
         last error: Error from server (InternalError): Internal error occurred: injected failure"
    );
    assert!(err.contains("hint: the API server kept failing"), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
}

#[test]
fn definite_errors_are_not_retried() {
    let api = cluster().fail_path(PODS, 403).start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    sidecar_live(&kubeconfig, &["ls"]).failed(1);
    assert_eq!(requests_to(&api, PODS), 1);

    let api = cluster().start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let err = sidecar_live(&kubeconfig, &["ls", "no-such-pod"])
        .failed(1)
        .to_string();
    assert!(err.contains("Error from server (NotFound)"), "{err}");
    assert_eq!(
        requests_to(&api, "/api/v1/namespaces/shop/pods/no-such-pod"),
        1
    );
}

#[test]
fn a_server_slower_than_the_request_timeout_is_a_clear_timeout_error() {
    let api = cluster().latency(Duration::from_secs(3)).start();
    let kubeconfig = api.write_kubeconfig(&temp_dir("kc"), Some("shop"));
    let started = Instant::now();
    let err = sidecar_live(&kubeconfig, &["ls", "--request-timeout", "1s"])
        .failed(1)
        .to_string();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!(
            "error: list pods in namespace shop: the cluster at {} (context \"fake\") did not answer within 1s (--request-timeout)",
            api.url()
        )),
        "{err}"
    );
    assert!(
        err.contains("hint: the server is slow or unreachable; raise --request-timeout"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 2, "{err}");
    // A timeout is not retried: the user's bound holds for the whole run.
    assert_eq!(requests_to(&api, PODS), 1);
}

#[test]
fn a_slow_server_within_the_request_timeout_is_fine() {
    let api = cluster().latency(Duration::from_millis(200)).start();
    let (stdout, _) = ls(&api, &["--request-timeout", "5s"]);
    assert_eq!(stdout, healthy_output());
}
