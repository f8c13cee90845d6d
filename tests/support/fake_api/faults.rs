//! Injected faults for robustness tests: latency on every request, and failures (a status code or
//! a dropped connection) for the first N requests to a path prefix.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// What a matching request gets instead of its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FaultAction {
    /// A `Status` error with this HTTP code (429 comes with `Retry-After: 1`).
    Status(u16),
    /// The connection is closed after reading the request, without a response.
    Drop,
}

/// One fault: applies to the first `remaining` requests whose path starts with `prefix`.
#[derive(Debug)]
pub(super) struct Fault {
    prefix: String,
    remaining: AtomicUsize,
    action: FaultAction,
}

impl Fault {
    pub fn new(prefix: &str, count: usize, action: FaultAction) -> Fault {
        Fault {
            prefix: prefix.to_string(),
            remaining: AtomicUsize::new(count),
            action,
        }
    }
}

/// Latency and one-shot faults, shared by all connection threads.
#[derive(Debug, Default)]
pub(super) struct Faults {
    pub latency: Option<Duration>,
    pub faults: Vec<Fault>,
}

impl Faults {
    /// The fault for a request to `path`, if any, using up one of its occurrences. The first
    /// matching fault with occurrences left wins.
    pub fn take(&self, path: &str) -> Option<FaultAction> {
        self.faults
            .iter()
            .filter(|f| path.starts_with(&f.prefix))
            .find(|f| {
                f.remaining
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
            })
            .map(|f| f.action)
    }
}
