//! `kubectl sidecar order`: each pod's declared start-up and shutdown order, the actual
//! timeline from its status, and the ordering hazards.

use std::io::Write;

use regex::Regex;
use serde::Serialize;

use crate::cli::OutputFormat;
use crate::commands::ls::SCHEMA_VERSION;
use crate::error::Result;
use crate::model::order::{PodOrder, analyze};
use crate::options::Options;
use crate::render::order::{OrderTableOptions, write_order_table};
use crate::render::structured::{write_error, write_json, write_yaml};
use crate::render::style::Palette;
use crate::source::{SourcePod, load_pods};

/// The `order` report, as printed by `-o json|yaml` (docs/order.md).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderReport {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub pods: Vec<PodOrder>,
}

/// Analyses every pod, then keeps only the containers `-c` selects (the analysis itself
/// needs all of them: order is about the neighbours).
pub fn build_report(pods: &[SourcePod], container_filter: Option<&Regex>) -> OrderReport {
    let mut orders: Vec<PodOrder> = pods.iter().map(analyze).collect();
    if let Some(re) = container_filter {
        for order in &mut orders {
            order.retain_containers(|name| re.is_match(name));
        }
        orders.retain(|o| !o.declared.is_empty());
    }
    OrderReport {
        api_version: SCHEMA_VERSION,
        kind: "OrderReport",
        pods: orders,
    }
}

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
            let table = OrderTableOptions {
                now: options.now,
                width: options.width,
                palette: Palette::new(options.color),
            };
            write_order_table(out, &report.pods, &table)
        }
    }?;
    out.flush().map_err(write_error)
}
