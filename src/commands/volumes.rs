//! `kubectl sidecar volumes`: which container mounts which volume where, and the mount
//! findings (mismatched paths, read-only writers, unbounded tmpfs, …).

use std::io::Write;

use regex::Regex;
use serde::Serialize;

use crate::cli::OutputFormat;
use crate::commands::ls::SCHEMA_VERSION;
use crate::error::Result;
use crate::model::volumes::{PodVolumes, analyze};
use crate::options::Options;
use crate::render::structured::{write_error, write_json, write_yaml};
use crate::render::style::Palette;
use crate::render::volumes::{VolumesTableOptions, write_volumes_table};
use crate::source::{SourcePod, load_pods};

/// The `volumes` report, as printed by `-o json|yaml` (docs/volumes.md).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeReport {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub pods: Vec<PodVolumes>,
}

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
    VolumeReport {
        api_version: SCHEMA_VERSION,
        kind: "VolumeReport",
        pods: analysed,
    }
}

/// Exits 0 even with findings: `diagnose --fail-on` is the gate.
pub async fn run(options: &Options, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let loaded = load_pods(&options.selection, &options.source).await?;
    for warning in &loaded.warnings {
        let _ = writeln!(err, "warning: {warning}");
    }
    let report = build_report(&loaded.pods, options.selection.container.as_ref());
    if report.pods.is_empty() && !loaded.pods.is_empty() {
        let _ = writeln!(
            err,
            "no container of the {} selected pod(s) matches -c/--container",
            loaded.pods.len()
        );
    }
    match options.output {
        OutputFormat::Json => write_json(out, &report),
        OutputFormat::Yaml => write_yaml(out, &report),
        OutputFormat::Table | OutputFormat::Wide => {
            let table = VolumesTableOptions {
                wide: options.output == OutputFormat::Wide,
                now: options.now,
                palette: Palette::new(options.color),
            };
            write_volumes_table(out, &report.pods, &table)
        }
    }?;
    out.flush().map_err(write_error)
}
