//! `kubectl sidecar ls`: every container of the selected pods with its role, startup
//! position, state, readiness, restarts and last termination.

use std::io::Write;

use regex::Regex;
use serde::Serialize;

use crate::cli::OutputFormat;
use crate::error::Result;
use crate::model::{PodView, build_views};
use crate::options::Options;
use crate::render::containers::{TableOptions, write_table};
use crate::render::structured::{write_error, write_json, write_yaml};
use crate::render::style::Palette;
use crate::source::{SourcePod, load_pods};

/// Version of the `-o json|yaml` schema (docs/output-schema.md).
pub const SCHEMA_VERSION: &str = "kubectl-sidecar/v1";

/// The `ls` report, as printed by `-o json|yaml`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LsReport {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub pods: Vec<PodView>,
}

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
    LsReport {
        api_version: SCHEMA_VERSION,
        kind: "ContainerReport",
        pods: views,
    }
}

pub async fn run(
    options: &Options,
    ls: &LsOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    let loaded = load_pods(&options.selection, &options.source).await?;
    for warning in &loaded.warnings {
        let _ = writeln!(err, "warning: {warning}");
    }
    let loaded_count = loaded.pods.len();
    let report = build_report(
        &loaded.pods,
        options.selection.container.as_ref(),
        ls.only_problems,
    );
    if report.pods.is_empty() && loaded_count > 0 {
        let why = if ls.only_problems {
            format!("no problems found in {loaded_count} pod(s)")
        } else {
            format!("no container of the {loaded_count} selected pod(s) matches -c/--container")
        };
        let _ = writeln!(err, "{why}");
    }
    match options.output {
        OutputFormat::Json => write_json(out, &report),
        OutputFormat::Yaml => write_yaml(out, &report),
        OutputFormat::Table | OutputFormat::Wide => {
            let table = TableOptions {
                wide: options.output == OutputFormat::Wide,
                now: options.now,
                palette: Palette::new(options.color),
            };
            write_table(out, &report.pods, &table)
        }
    }?;
    out.flush().map_err(write_error)
}
