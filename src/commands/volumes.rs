//! `kubectl sidecar volumes`: which container mounts which volume where, and the mount
//! findings (mismatched paths, read-only writers, unbounded tmpfs, …).

use std::io::Write;

use regex::Regex;

use super::{POD_BLOCKS, note_nothing_matched, run_per_pod};
use crate::checks::volumes::report;
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::model::volumes::PodVolumes;
use crate::options::Options;
use crate::render::style::Palette;
use crate::render::volumes::{VolumesTableOptions, write_volumes_table};
use crate::source::SourcePod;

/// One pod's analysis, or `None` when `-c` selects none of its containers.
fn pod_entry(
    pod: &SourcePod,
    container_filter: Option<&Regex>,
    now: jiff::Timestamp,
) -> Option<PodVolumes> {
    let mut analysed = report(pod, now);
    if let Some(re) = container_filter {
        analysed.retain_containers(|name| re.is_match(name));
        if analysed.containers.is_empty() {
            return None;
        }
    }
    Some(analysed)
}

/// Exits 0 even with findings: `diagnose --fail-on` is the gate.
pub async fn run(options: &Options, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let filter = options.selection.container.as_ref();
    let table = VolumesTableOptions {
        wide: options.output == OutputFormat::Wide,
        now: options.now,
        palette: Palette::new(options.color),
    };
    let seen = run_per_pod(
        options,
        "VolumeReport",
        out,
        err,
        POD_BLOCKS,
        |pod| pod_entry(pod, filter, options.now),
        |out, pods| write_volumes_table(out, pods, &table),
    )
    .await?;
    note_nothing_matched(err, seen.selected, seen.shown);
    Ok(())
}
