//! Status: what the pod's and its containers' status (and, live, the events and previous
//! logs) say happened: kills, crash loops, pull and start errors, evictions, failed pods.

pub mod config_error;
pub mod crash_loop;
pub mod events;
pub mod evicted;
pub mod hook_failed;
pub mod image_pull;
pub mod oom_killed;
pub mod pod_failed;
pub mod probe_kill;
pub mod restart_storm;
pub mod sidecar_not_ready;
pub mod stuck_terminating;
