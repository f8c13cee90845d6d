//! `kubectl sidecar order`: each pod's declared start-up and shutdown order, the actual
//! timeline from its status, and the ordering hazards.

use std::io::Write;

use regex::Regex;

use super::{PodsReport, load_with_warnings, note_nothing_matched, write_report};
use crate::error::Result;
use crate::model::order::{PodOrder, analyze};
use crate::options::Options;
use crate::render::order::{OrderTableOptions, write_order_table};
use crate::render::style::Palette;
use crate::source::SourcePod;

/// The `order` report, as printed by `-o json|yaml` (docs/order.md).
pub type OrderReport = PodsReport<PodOrder>;

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
    PodsReport::new("OrderReport", orders)
}

/// Exits 0 even with hazards: `diagnose --fail-on` is the gate.
pub async fn run(options: &Options, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let loaded = load_with_warnings(options, err).await?;
    let report = build_report(&loaded.pods, options.selection.container.as_ref());
    note_nothing_matched(err, loaded.pods.len(), report.pods.len());
    write_report(out, options.output, &report, |out| {
        let table = OrderTableOptions {
            now: options.now,
            width: options.width,
            palette: Palette::new(options.color),
        };
        write_order_table(out, &report.pods, &table)
    })
}
