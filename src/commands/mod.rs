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
use crate::error::Error;
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

/// Pods per table chunk. Tables are printed as pods arrive, a chunk at a time, so a
/// cluster-wide listing shows its first pods at once and never holds them all; columns
/// line up within a chunk (kubectl's own tables align per 500-item chunk too).
const TABLE_CHUNK: usize = 500;

/// What a per-pod command saw: pods selected, and pods shown after its filters.
pub struct PerPod {
    pub selected: usize,
    pub shown: usize,
}

/// Runs a per-pod command (`ls`, `order`, `volumes`): each selected pod is reduced with
/// `reduce` as it arrives (`None`: nothing to show for it). Tables are written chunk by chunk
/// with `table`; JSON/YAML is one `kind` document written once every pod is in.
pub async fn run_per_pod<T: Serialize>(
    options: &Options,
    kind: &'static str,
    out: &mut dyn Write,
    err: &mut dyn Write,
    mut reduce: impl FnMut(&SourcePod) -> Option<T>,
    mut table: impl FnMut(&mut dyn Write, &[T]) -> Result<()>,
) -> Result<PerPod> {
    let streaming = matches!(options.output, OutputFormat::Table | OutputFormat::Wide);
    let mut kept: Vec<T> = Vec::new();
    let mut shown = 0;
    // The first output error (a closed pipe, say) stops all further work; the listing
    // itself cannot be interrupted from inside the visitor.
    let mut failed: Option<Error> = None;
    let mut write_chunk = |out: &mut dyn Write, chunk: &[T], shown_before: usize| {
        if shown_before > 0 {
            writeln!(out).map_err(write_error)?;
        }
        table(out, chunk)?;
        out.flush().map_err(write_error)
    };
    let visited = visit_pods(&options.selection, &options.source, &mut |pod| {
        if failed.is_some() {
            return;
        }
        let Some(reduced) = reduce(&pod) else { return };
        kept.push(reduced);
        if streaming && kept.len() == TABLE_CHUNK {
            if let Err(e) = write_chunk(&mut *out, &kept, shown) {
                failed = Some(e);
            }
            shown += kept.len();
            kept.clear();
        }
    })
    .await?;
    if let Some(e) = failed {
        return Err(e);
    }
    print_warnings(err, &visited.warnings);
    if streaming && let Some(note) = &visited.nothing_found {
        let _ = writeln!(err, "{note}");
    }
    if streaming {
        if !kept.is_empty() {
            write_chunk(&mut *out, &kept, shown)?;
        }
        shown += kept.len();
    } else {
        shown = kept.len();
        write_report(
            out,
            options.output,
            &PodsReport::new(kind, kept),
            |_| Ok(()),
        )?;
    }
    Ok(PerPod {
        selected: visited.pods,
        shown,
    })
}

pub fn print_warnings(err: &mut dyn Write, warnings: &[String]) {
    for warning in warnings {
        let _ = writeln!(
            err,
            "warning: {}",
            crate::render::sanitize::neutralise(warning)
        );
    }
}

/// Says why nothing is shown when `-c` filtered every container away.
pub fn note_nothing_matched(err: &mut dyn Write, selected_pods: usize, shown_pods: usize) {
    if shown_pods == 0 && selected_pods > 0 {
        let _ = writeln!(
            err,
            "no container of the {} matches -c/--container",
            crate::render::count(selected_pods, "selected pod", "selected pods")
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
