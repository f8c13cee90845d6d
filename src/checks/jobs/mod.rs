//! Jobs: pods meant to finish, and the classic sidecars that keep them from finishing or
//! fail them on the way out.

pub mod job_sidecar_never_exits;
pub mod sidecar_failed_pod;
