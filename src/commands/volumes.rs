//! `kubectl sidecar volumes`: which container mounts which volume where, and the mount
//! findings (mismatched paths, read-only writers, unbounded tmpfs, …).

use std::io::Write;

use regex::Regex;

use super::{PodsReport, load_with_warnings, note_nothing_matched, write_report};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::model::volumes::{PodVolumes, analyze};
use crate::options::Options;
use crate::render::style::Palette;
use crate::render::volumes::{VolumesTableOptions, write_volumes_table};
use crate::source::SourcePod;

/// The `volumes` report, as printed by `-o json|yaml` (docs/volumes.md).
pub type VolumeReport = PodsReport<PodVolumes>;

/// Analyses every pod, then keeps only the containers `-c` selects (the analysis itself
/// needs all of them: sharing is about the neighbours).
pub fn build_report(pods: &[SourcePod], container_filter: Option<&Regex>) -> VolumeReport {
    let mut analysed: Vec<PodVolumes> = pods.iter().map(analyze).collect();
    if let Some(re) = container_filter {
        for pod in &mut analysed {
            pod.retain_containers(|name| re.is_match(name));
        }
        analysed.retain(|p| !p.containers.is_empty());
    }
    PodsReport::new("VolumeReport", analysed)
}

/// Exits 0 even with findings: `diagnose --fail-on` is the gate.
pub async fn run(options: &Options, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let loaded = load_with_warnings(options, err).await?;
    let report = build_report(&loaded.pods, options.selection.container.as_ref());
    note_nothing_matched(err, loaded.pods.len(), report.pods.len());
    write_report(out, options.output, &report, |out| {
        let table = VolumesTableOptions {
            wide: options.output == OutputFormat::Wide,
            now: options.now,
            palette: Palette::new(options.color),
        };
        write_volumes_table(out, &report.pods, &table)
    })
}
