//! Volumes: who mounts what where, read-only or not, as which user, and whether the paths a
//! container names are where another container shares them. Read off the volume matrix of
//! `model::volumes`; `kubectl sidecar volumes` shows these findings under its matrix.

pub mod duplicate_mount_path;
pub mod emptydir_not_shared;
pub mod log_sidecar_no_shared_volume;
pub mod log_sidecar_no_storage_limit;
pub mod log_volume_no_size_limit;
pub mod memory_emptydir_no_limit;
pub mod mount_mismatch;
pub mod mount_over_root;
pub mod subpath_no_updates;
#[cfg(test)]
mod tests;
pub mod undefined_volume;
pub mod volume_no_writer;
pub mod volume_uid_mismatch;
pub mod volume_unused;
pub mod writer_read_only;

pub(crate) use std::collections::BTreeSet;

use jiff::Timestamp;
pub(crate) use k8s_openapi::api::core::v1::VolumeMount;

pub(crate) use super::{Group, PodContext, Policy};
pub(crate) use crate::model::finding::{Finding, Severity};
pub(crate) use crate::model::patch::{Place, PodPatch, raised_memory};
pub(crate) use crate::model::volumes::*;
pub(crate) use crate::model::{Role, build_pod_view};
use crate::source::SourcePod;

/// The report `kubectl sidecar volumes` prints for one pod: the matrix and the `volumes`
/// group's findings.
pub fn report(source: &SourcePod, now: Timestamp) -> PodVolumes {
    let view = build_pod_view(source);
    let (findings, facts) = {
        let ctx = PodContext::new(source, &view, now);
        let findings = super::run(&ctx, &[Group::Volumes]);
        (findings, ctx.into_volume_facts())
    };
    let matrix = facts.into_matrix();
    PodVolumes::new(view, matrix, findings)
}

// ---------------------------------------------------------------- rules

/// A finding about a volume, with every container involved (the one it is about first).
fn found(mut finding: Finding, volume: Option<&str>, containers: Vec<String>) -> Finding {
    finding.volume = volume.map(str::to_string);
    finding.containers = containers;
    finding
}

fn describe(row: &VolumeRow) -> String {
    match &row.source {
        Some(source) => format!("{} {} ({source})", row.kind.as_str(), row.name),
        None => format!("{} {}", row.kind.as_str(), row.name),
    }
}

fn rw(read_only: bool) -> &'static str {
    if read_only { "ro" } else { "rw" }
}

fn mount_text(cell: &MountCell) -> String {
    let mut text = format!("{} ({})", cell.mount_path, rw(cell.read_only));
    if let Some(s) = &cell.sub_path {
        text.push_str(&format!(" subPath={s}"));
    }
    if let Some(s) = &cell.sub_path_expr {
        text.push_str(&format!(" subPathExpr={s}"));
    }
    text
}

/// `app mounts cache at /cache (rw)`
fn mount_evidence(row: &VolumeRow, cell: &MountCell) -> String {
    format!(
        "{} mounts {} at {}",
        cell.container,
        row.name,
        mount_text(cell)
    )
}

fn names(ctrs: &[&Ctr]) -> String {
    ctrs.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
}

/// Containers that name an output path (`--log-file=…`, `LOG_DIR=…`, `> file`) under their
/// own mount of `row`, with the reference and the mount.
fn output_writers<'a, 'r>(
    f: &'r VolumeFacts<'a>,
    row: &'r VolumeRow,
) -> Vec<(&'r Ctr<'a>, &'r PathRef<'a>, &'r MountCell)> {
    let mut out = Vec::new();
    for c in f.ctrs.iter().filter(|c| c.role != Role::Ephemeral) {
        for r in c.path_refs() {
            if !r.is_output() {
                continue;
            }
            let Some(m) = c.mount_for(&r.path) else {
                continue;
            };
            if m.name != row.name {
                continue;
            }
            let cell = row
                .mounts
                .iter()
                .find(|cell| cell.container == c.name && cell.mount_path == m.mount_path);
            if let Some(cell) = cell {
                out.push((c, r, cell));
                break;
            }
        }
    }
    out
}
