//! One glue module per subcommand: load pods → build the model → analyse → render. What the
//! per-pod commands share (loading with warnings, the report envelope, output dispatch) is
//! here.

pub mod completion;
pub mod diagnose;
pub mod explain;
pub mod logs;
pub mod ls;
pub mod order;
pub mod remedies;
pub mod volumes;

use std::io::Write;

use serde::Serialize;

use crate::cli::OutputFormat;
use crate::error::Error;
use crate::error::Result;
use crate::options::Options;
use crate::render::structured::{StreamingDocument, StructuredFormat, write_error};
use crate::source::{Loaded, SourcePod, load_pods, visit_pods};

/// Version of every `-o json|yaml` schema (docs/output-schema.md, order.md, volumes.md,
/// rules.md).
pub const SCHEMA_VERSION: &str = "kubectl-sidecar/v1";

/// Loads the selected pods and prints the loader's warnings (skipped documents, …).
pub async fn load_with_warnings(options: &Options, err: &mut dyn Write) -> Result<Loaded> {
    let loaded = load_pods(&options.selection, &options.source).await?;
    print_warnings(err, &loaded.warnings);
    Ok(loaded)
}

/// Pods per table chunk. Tables are printed as pods arrive, a chunk at a time, so a
/// cluster-wide listing shows its first pods at once and never holds them all; columns
/// line up within a chunk (kubectl's own tables align per 500-item chunk too).
pub const TABLE_CHUNK: usize = 500;

/// Pods per table call of a command whose pods are blocks of their own (`order`, `volumes`):
/// each is written as soon as it is reduced, so rendering never comes in bursts that leave
/// the decoding thread waiting.
pub const POD_BLOCKS: usize = 1;

/// What a per-pod command saw: pods selected, and pods shown after its filters.
pub struct PerPod {
    pub selected: usize,
    pub shown: usize,
}

/// The `-o json|yaml` envelope of the per-pod commands is `{apiVersion, kind, pods: [...]}`;
/// these are its leading fields, written before the streamed `pods`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PodsReportHead {
    api_version: &'static str,
    kind: &'static str,
}

/// Where a per-pod command's output goes while pods arrive.
enum Sink<'o> {
    Document(StreamingDocument<'o>),
    Table(&'o mut dyn Write),
}

/// Runs a per-pod command (`ls`, `order`, `volumes`): each selected pod is reduced with
/// `reduce` as it arrives (`None`: nothing to show for it). Tables are written chunk by chunk
/// with `table`, `table_chunk` pods at a time ([`TABLE_CHUNK`] for aligned columns,
/// [`POD_BLOCKS`]) and flushed every [`TABLE_CHUNK`] pods; JSON/YAML is one `kind` document
/// (`{apiVersion, kind, pods}`) whose `pods` are written one by one as they are reduced, so
/// no format holds more than a table chunk.
pub async fn run_per_pod<T: Serialize>(
    options: &Options,
    kind: &'static str,
    out: &mut dyn Write,
    err: &mut dyn Write,
    table_chunk: usize,
    mut reduce: impl FnMut(&SourcePod) -> Option<T>,
    mut table: impl FnMut(&mut dyn Write, &[T]) -> Result<()>,
) -> Result<PerPod> {
    let structured = match options.output {
        OutputFormat::Json => Some(StructuredFormat::Json),
        OutputFormat::Yaml => Some(StructuredFormat::Yaml),
        OutputFormat::Table | OutputFormat::Wide => None,
    };
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
        // Flushed as often as a table of aligned chunks would be, not once per pod block.
        if (shown_before + chunk.len()) / TABLE_CHUNK > shown_before / TABLE_CHUNK {
            out.flush().map_err(write_error)?;
        }
        Ok(())
    };
    let (visited, document) = {
        let head = PodsReportHead {
            api_version: SCHEMA_VERSION,
            kind,
        };
        // `out` is the document's while pods arrive; tables write to it directly.
        let mut sink = match structured {
            Some(format) => {
                Sink::Document(StreamingDocument::new(&mut *out, format, &head, "pods")?)
            }
            None => Sink::Table(&mut *out),
        };
        let visited = visit_pods(&options.selection, &options.source, &mut |pod| {
            if failed.is_some() {
                return;
            }
            let Some(reduced) = reduce(pod) else { return };
            let written = match &mut sink {
                Sink::Document(document) => document.item(&reduced),
                Sink::Table(out) => {
                    kept.push(reduced);
                    if kept.len() < table_chunk {
                        return;
                    }
                    let written = write_chunk(&mut **out, &kept, shown);
                    shown += kept.len();
                    kept.clear();
                    written
                }
            };
            if let Err(e) = written {
                failed = Some(e);
            }
        })
        .await;
        let document = match sink {
            Sink::Document(document) => Some(document),
            Sink::Table(_) => None,
        };
        (visited, document)
    };
    let visited = visited?;
    if let Some(e) = failed {
        return Err(e);
    }
    print_warnings(err, &visited.warnings);
    // kubectl's "No resources found" note is for tables; JSON/YAML print the empty report.
    if document.is_none()
        && let Some(note) = &visited.nothing_found
    {
        let _ = writeln!(err, "{note}");
    }
    match document {
        Some(document) => {
            shown = document.items();
            document.finish(&())?;
        }
        None => {
            if !kept.is_empty() {
                write_chunk(&mut *out, &kept, shown)?;
            }
            shown += kept.len();
            out.flush().map_err(write_error)?;
        }
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
