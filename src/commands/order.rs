//! `kubectl sidecar order`: each pod's declared start-up and shutdown order, the actual
//! timeline from its status, and the ordering hazards.

use std::io::Write;

use regex::Regex;

use super::{POD_BLOCKS, note_nothing_matched, run_per_pod};
use crate::checks;
use crate::error::Result;
use crate::model::order::{PodOrder, analyze};
use crate::options::Options;
use crate::render::order::{OrderTableOptions, write_order_table};
use crate::render::style::Palette;
use crate::source::SourcePod;

/// One pod's analysis, or `None` when `-c` selects none of its containers.
fn pod_entry(
    pod: &SourcePod,
    container_filter: Option<&Regex>,
    now: jiff::Timestamp,
) -> Option<PodOrder> {
    let mut order = analyze(pod);
    order.findings = checks::order::findings(pod, &order.view, now);
    if let Some(re) = container_filter {
        order.retain_containers(|name| re.is_match(name));
        if order.declared.is_empty() {
            return None;
        }
    }
    Some(order)
}

/// Exits 0 even with hazards: `diagnose --fail-on` is the gate.
pub async fn run(options: &Options, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let filter = options.selection.container.as_ref();
    let table = OrderTableOptions {
        now: options.now,
        width: options.width,
        palette: Palette::new(options.color),
    };
    let seen = run_per_pod(
        options,
        "OrderReport",
        out,
        err,
        POD_BLOCKS,
        |pod| pod_entry(pod, filter, options.now),
        |out, pods| write_order_table(out, pods, &table),
    )
    .await?;
    note_nothing_matched(err, seen.selected, seen.shown);
    Ok(())
}
