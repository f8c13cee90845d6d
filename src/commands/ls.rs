//! `kubectl sidecar ls`: every container of the selected pods with its role, startup
//! position, state, readiness, restarts and last termination.

use std::io::Write;

use regex::Regex;

use super::{PodsReport, load_with_warnings, note_nothing_matched, write_report};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::model::{PodView, build_views};
use crate::options::Options;
use crate::render::containers::{TableOptions, write_table};
use crate::render::style::Palette;
use crate::source::SourcePod;

/// The `ls` report, as printed by `-o json|yaml` (docs/output-schema.md).
pub type LsReport = PodsReport<PodView>;

pub struct LsOptions {
    pub only_problems: bool,
}

/// Builds the report from loaded pods: container filter (`-c`) and `--only-problems`.
pub fn build_report(
    pods: &[SourcePod],
    container_filter: Option<&Regex>,
    only_problems: bool,
) -> LsReport {
    let mut views = build_views(pods);
    if let Some(re) = container_filter {
        for view in &mut views {
            view.containers.retain(|c| re.is_match(&c.name));
        }
        views.retain(|v| !v.containers.is_empty());
    }
    if only_problems {
        views.retain(PodView::is_problem);
        for view in &mut views {
            // Keep the whole pod when the trouble is pod-level only (e.g. evicted before
            // any container status was synced): the containers are the context.
            if view.containers.iter().any(|c| c.is_problem()) {
                view.containers.retain(|c| c.is_problem());
            }
        }
    }
    PodsReport::new("ContainerReport", views)
}

pub async fn run(
    options: &Options,
    ls: &LsOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    let loaded = load_with_warnings(options, err).await?;
    let report = build_report(
        &loaded.pods,
        options.selection.container.as_ref(),
        ls.only_problems,
    );
    if ls.only_problems && report.pods.is_empty() {
        let _ = writeln!(err, "no problems found in {} pod(s)", loaded.pods.len());
    } else {
        note_nothing_matched(err, loaded.pods.len(), report.pods.len());
    }
    write_report(out, options.output, &report, |out| {
        let table = TableOptions {
            wide: options.output == OutputFormat::Wide,
            now: options.now,
            palette: Palette::new(options.color),
        };
        write_table(out, &report.pods, &table)
    })
}
