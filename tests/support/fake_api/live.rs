//! The server's state while it runs: one immutable revision ([`Server`]) at a time, replaced
//! as a whole when a test changes something (copy on write), so that each request is answered
//! from one consistent revision without holding a lock. Followed logs wait on the change signal
//! to deliver new lines as they are added.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use super::routes::Server;

/// The current revision, the change signal and the stop flag, shared by every thread.
#[derive(Debug)]
pub(super) struct Live {
    current: Mutex<Arc<Server>>,
    changed: Condvar,
    /// Every revision so far, oldest first: a watch from a resourceVersion starts from the
    /// state at that version, like etcd's history.
    history: Mutex<Vec<Arc<Server>>>,
    /// resourceVersions below this are compacted: a watch from one gets `410 Gone`.
    compacted_below: AtomicU64,
    /// How many compactions there were: each ends the open watches with `410 Gone`.
    pub compactions: AtomicU64,
    /// Set when the server stops: connection threads and followed logs end.
    pub stop: AtomicBool,
}

impl Live {
    pub fn new(server: Server) -> Live {
        let server = Arc::new(server);
        Live {
            history: Mutex::new(vec![Arc::clone(&server)]),
            current: Mutex::new(server),
            changed: Condvar::new(),
            compacted_below: AtomicU64::new(0),
            compactions: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Arc<Server>> {
        // A test that panicked inside `update` must not take the server down with it.
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn history(&self) -> MutexGuard<'_, Vec<Arc<Server>>> {
        self.history
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current revision.
    pub fn snapshot(&self) -> Arc<Server> {
        Arc::clone(&self.lock())
    }

    /// Changes the state: the next revision is a copy of the current one (unless nobody else
    /// holds it) with `change` applied, and everyone waiting in [`Live::wait_change`] wakes up.
    pub fn update<R>(&self, change: impl FnOnce(&mut Server) -> R) -> R {
        let mut current = self.lock();
        let server = Arc::make_mut(&mut current);
        let result = change(server);
        server.generation += 1;
        self.history().push(Arc::clone(&current));
        self.changed.notify_all();
        result
    }

    /// The state as of `resource_version` (the newest revision not past it), or `None` when
    /// that version is compacted away.
    pub fn at_version(&self, resource_version: u64) -> Option<Arc<Server>> {
        if resource_version < self.compacted_below.load(Ordering::SeqCst) {
            return None;
        }
        self.history()
            .iter()
            .rev()
            .find(|server| server.store.resource_version() <= resource_version)
            .cloned()
    }

    /// The revisions after `generation`, oldest first: a watch delivers every change, not only
    /// the latest state.
    pub fn revisions_after(&self, generation: u64) -> Vec<Arc<Server>> {
        self.history()
            .iter()
            .filter(|server| server.generation > generation)
            .cloned()
            .collect()
    }

    /// Compacts every resourceVersion before the current one, like etcd's compaction, and
    /// ends the open watches with `410 Gone` (as a watch cache that fell too far behind).
    pub fn compact(&self) {
        let current = self.snapshot().store.resource_version();
        self.compacted_below.store(current, Ordering::SeqCst);
        self.compactions.fetch_add(1, Ordering::SeqCst);
    }

    /// Waits until the revision is newer than `generation`, the server stops, or `timeout`
    /// passes; returns the current revision either way.
    pub fn wait_change(&self, generation: u64, timeout: Duration) -> Arc<Server> {
        let current = self.lock();
        let (current, _) = self
            .changed
            .wait_timeout_while(current, timeout, |server| {
                server.generation == generation && !self.stopping()
            })
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(&current)
    }

    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Stops the server: connection threads notice within their poll interval, followed logs
    /// at once.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let _guard = self.lock();
        self.changed.notify_all();
    }
}
