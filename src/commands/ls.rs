//! `kubectl sidecar ls`: every container of the selected pods with its role, startup
//! position, state, readiness, restarts and last termination.

use std::io::Write;

use regex::Regex;

use super::{TABLE_CHUNK, note_nothing_matched, run_per_pod};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::model::metrics::MetricsIndex;
use crate::model::{PodView, build_pod_view};
use crate::options::Options;
use crate::render::containers::{TableOptions, write_table};
use crate::render::style::Palette;
use crate::source::{SourcePod, load_metrics};

pub struct LsOptions {
    pub only_problems: bool,
    /// `--metrics`: join live usage from the metrics API (or PodMetrics dumps).
    pub metrics: bool,
}

/// One pod's entry in the report, or `None` when the filters leave nothing of it.
fn pod_entry(
    pod: &SourcePod,
    container_filter: Option<&Regex>,
    only_problems: bool,
    metrics: Option<&MetricsIndex>,
) -> Option<PodView> {
    let mut view = build_pod_view(pod);
    view.effective_requests = crate::model::effective_requests_of(&pod.pod);
    if let Some(sample) = metrics.and_then(|m| m.get(&view.namespace, &view.name)) {
        crate::model::metrics::join(&mut view.containers, sample);
    }
    if let Some(re) = container_filter {
        view.containers.retain(|c| re.is_match(&c.name));
        if view.containers.is_empty() {
            return None;
        }
    }
    if only_problems {
        if !view.is_problem() {
            return None;
        }
        // Keep the whole pod when the trouble is pod-level only (e.g. evicted before any
        // container status was synced): the containers are the context.
        if view.containers.iter().any(|c| c.is_problem()) {
            view.containers.retain(|c| c.is_problem());
        }
    }
    Some(view)
}

pub async fn run(
    options: &Options,
    ls: &LsOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    let filter = options.selection.container.as_ref();
    // Usage is read before the pods so each pod is joined as it arrives.
    let metrics = if ls.metrics {
        let (samples, warnings) = load_metrics(&options.selection, &options.source).await;
        super::print_warnings(err, &warnings);
        Some(MetricsIndex::new(samples))
    } else {
        None
    };
    let table = TableOptions {
        metrics: ls.metrics,
        wide: options.output == OutputFormat::Wide,
        now: options.now,
        palette: Palette::new(options.color),
    };
    let seen = run_per_pod(
        options,
        "ContainerReport",
        out,
        err,
        TABLE_CHUNK,
        |pod| pod_entry(pod, filter, ls.only_problems, metrics.as_ref()),
        |out, pods| write_table(out, pods, &table),
    )
    .await?;
    if ls.only_problems && seen.shown == 0 && seen.selected > 0 {
        let _ = writeln!(
            err,
            "no problems found in {}",
            crate::render::count(seen.selected, "pod", "pods")
        );
    } else {
        note_nothing_matched(err, seen.selected, seen.shown);
    }
    Ok(())
}
