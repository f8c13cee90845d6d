//! One glue module per subcommand: load pods → build the model → analyse → render. What the
//! per-pod commands share (loading with warnings, the report envelope, output dispatch) is
//! here.

pub mod completion;
pub mod diagnose;
pub mod logs;
pub mod ls;
pub mod order;
pub mod volumes;

use std::io::Write;

use serde::Serialize;

use crate::cli::OutputFormat;
use crate::error::Result;
use crate::options::Options;
use crate::render::structured::{write_error, write_json, write_yaml};
use crate::source::{Loaded, SourcePod, load_pods, visit_pods};

/// Version of every `-o json|yaml` schema (docs/output-schema.md, order.md, volumes.md,
/// rules.md).
pub const SCHEMA_VERSION: &str = "kubectl-sidecar/v1";

/// The `-o json|yaml` envelope of the per-pod commands: `{apiVersion, kind, pods: [...]}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodsReport<T> {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub pods: Vec<T>,
}

impl<T> PodsReport<T> {
    pub fn new(kind: &'static str, pods: Vec<T>) -> Self {
        PodsReport {
            api_version: SCHEMA_VERSION,
            kind,
            pods,
        }
    }
}

/// Loads the selected pods and prints the loader's warnings (skipped documents, …).
pub async fn load_with_warnings(options: &Options, err: &mut dyn Write) -> Result<Loaded> {
    let loaded = load_pods(&options.selection, &options.source).await?;
    print_warnings(err, &loaded.warnings);
    Ok(loaded)
}

/// Reduces each selected pod with `reduce` as it arrives (`None`: nothing to show for it) and
/// prints the loader's warnings. Returns the reductions in pod order and how many pods were
/// selected.
pub async fn reduce_pods<T>(
    options: &Options,
    err: &mut dyn Write,
    mut reduce: impl FnMut(&SourcePod) -> Option<T>,
) -> Result<(Vec<T>, usize)> {
    let mut reduced = Vec::new();
    let visited = visit_pods(&options.selection, &options.source, &mut |pod| {
        reduced.extend(reduce(&pod));
    })
    .await?;
    print_warnings(err, &visited.warnings);
    Ok((reduced, visited.pods))
}

pub fn print_warnings(err: &mut dyn Write, warnings: &[String]) {
    for warning in warnings {
        let _ = writeln!(err, "warning: {}", crate::error::one_line(warning));
    }
}

/// Says why nothing is shown when `-c` filtered every container away.
pub fn note_nothing_matched(err: &mut dyn Write, selected_pods: usize, shown_pods: usize) {
    if shown_pods == 0 && selected_pods > 0 {
        let _ = writeln!(
            err,
            "no container of the {selected_pods} selected pod(s) matches -c/--container"
        );
    }
}

/// Writes `report` as JSON or YAML, or through `table` for the table formats, then flushes.
pub fn write_report<T: Serialize>(
    out: &mut dyn Write,
    format: OutputFormat,
    report: &T,
    table: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match format {
        OutputFormat::Json => write_json(out, report),
        OutputFormat::Yaml => write_yaml(out, report),
        OutputFormat::Table | OutputFormat::Wide => table(out),
    }?;
    out.flush().map_err(write_error)
}
