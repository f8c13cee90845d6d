//! `kubectl sidecar diagnose`: run the rule catalog over the selected pods (and, live, their
//! events and the previous logs of crash-looping containers) and print the findings.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use serde::Serialize;

use super::print_warnings;
use crate::checks::status::crash_loop::add_previous_logs;
use crate::cli::OutputFormat;
use crate::diagnose::collect::{Collector, Filters};
use crate::diagnose::{Diagnoser, Evidence, HealthyPod, PodDiagnosis, PodFinding};
use crate::error::{Error, ErrorKind, Result};
use crate::model::Termination;
use crate::model::finding::Severity;
use crate::options::Options;
use crate::render::findings::{ReportSink, TableOptions, write_findings, write_structured};
use crate::render::structured::{StructuredFormat, write_error};
use crate::render::style::Palette;
use crate::source::{Opened, SourcePod};

pub struct DiagnoseOptions {
    pub min_severity: Severity,
    /// Exit 3 when a finding at or above this exists; `None`: never.
    pub fail_on: Option<Severity>,
    pub group_replicas: bool,
    /// `--memory-threshold`, percent of the limit.
    pub memory_threshold: u32,
    /// `--fix`: remedies as patches of the pods' owners.
    pub fix: bool,
}

/// `-o json|yaml` of diagnose (docs/output-schema.md, docs/rules.md).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnoseReport<'d> {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub summary: Summary,
    /// Pods with a verdict or findings, most severe first; their findings follow in
    /// `findings`, pod by pod, cause first.
    pub pods: Vec<&'d PodDiagnosis>,
    pub findings: Vec<&'d PodFinding>,
    pub healthy: &'d [HealthyPod],
    /// Rules of the findings a streamed run printed from its sink (table footer).
    #[serde(skip)]
    pub streamed_rules: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub pods_checked: usize,
    pub pods_healthy: usize,
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
}

/// Containers whose previous instance's log is worth fetching: crash-looping or restarted
/// after a failure. Only these, so a big namespace costs few log requests. Read off the
/// statuses directly: this runs on every listed pod, before its view is built.
pub fn wants_previous_log(source: &SourcePod) -> Vec<String> {
    let (Some(spec), Some(status)) = (&source.pod.spec, &source.pod.status) else {
        return Vec::new();
    };
    let declared = |name: &str| {
        let init = spec.init_containers.iter().flatten().map(|c| &c.name);
        let ephemeral = spec.ephemeral_containers.iter().flatten().map(|c| &c.name);
        (spec.containers.iter().map(|c| &c.name))
            .chain(init)
            .chain(ephemeral)
            .any(|n| n == name)
    };
    [
        &status.init_container_statuses,
        &status.container_statuses,
        &status.ephemeral_container_statuses,
    ]
    .into_iter()
    .flatten()
    .flatten()
    .filter(|s| {
        let back_off = s
            .state
            .as_ref()
            .and_then(|state| state.waiting.as_ref())
            .is_some_and(|w| w.reason.as_deref() == Some("CrashLoopBackOff"));
        let failed_before = s.restart_count > 0
            && s.last_state
                .as_ref()
                .and_then(|last| last.terminated.as_ref())
                .is_some_and(|t| !Termination::from_api(t).is_success());
        back_off || failed_before
    })
    .filter(|s| declared(&s.name))
    .map(|s| s.name.clone())
    .collect()
}

/// `--list-rules`: the catalog, one rule per line; `[--fix]` marks the rules whose findings
/// can come with a patch.
pub fn list_rules(out: &mut dyn Write) -> Result<()> {
    let rules = crate::checks::CATALOG;
    // Two spaces after the longest ID, so every title starts in the same column.
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0) + 2;
    for rule in rules {
        let patch = if rule.patch { " [--fix]" } else { "" };
        writeln!(out, "{:<width$}{}{patch}", rule.id, rule.title).map_err(write_error)?;
    }
    out.flush().map_err(write_error)
}

pub async fn run(
    options: &Options,
    diagnose_options: &DiagnoseOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    let mut opened = Opened::open(&options.selection, &options.source).await?;
    let extras = opened.extras(&options.selection).await;
    print_warnings(err, &extras.warnings);
    let evidence = Evidence {
        events: extras.events,
        server_version: extras.server_version,
        have_events: extras.have_events,
        metrics: extras.metrics,
        memory_threshold: Some(diagnose_options.memory_threshold),
    };
    let (fix_objects, fix_cluster) = match (&opened, diagnose_options.fix) {
        (Opened::Files(loaded), true) => (loaded.objects.clone(), None),
        (Opened::Cluster(cluster), true) => (Vec::new(), Some(cluster.as_ref().clone())),
        _ => (Vec::new(), None),
    };
    let mut diagnoser = Diagnoser::new(&evidence, options.now);
    if diagnose_options.fix {
        diagnoser = diagnoser.with_fix(&fix_objects);
    }
    let table = TableOptions {
        palette: Palette::new(options.color),
        min_severity: diagnose_options.min_severity,
    };
    // A cluster-wide run streams what it does not need to sort (see diagnose::collect);
    // --fix reads the owners at the end, so it holds everything.
    let make_sink: Option<Box<dyn FnOnce() -> Result<ReportSink>>> = if diagnose_options.fix {
        None
    } else {
        let format = match options.output {
            OutputFormat::Json => Some(StructuredFormat::Json),
            OutputFormat::Yaml => Some(StructuredFormat::Yaml),
            OutputFormat::Table | OutputFormat::Wide => None,
        };
        let table = table.clone();
        Some(Box::new(move || match format {
            Some(format) => ReportSink::structured(format),
            None => ReportSink::table(&table),
        }))
    };
    let collector = Collector::new(
        Filters {
            container: options.selection.container.clone(),
            min_severity: diagnose_options.min_severity,
            fail_on: diagnose_options.fail_on,
            group: diagnose_options.group_replicas,
        },
        make_sink,
    );
    // Pods whose previous logs are still to be read wait here, diagnosed (the logs only add
    // evidence to their crash-loop findings); both callbacks share the run's state.
    let waiting: RefCell<HashMap<usize, PodDiagnosis>> = RefCell::new(HashMap::new());
    let collector = RefCell::new(collector);
    let diagnoser = RefCell::new(diagnoser);
    let visited = opened
        .visit_with_previous_logs(
            &options.selection,
            wants_previous_log,
            &mut |position, pod, logs_follow| {
                let mut diagnoser = diagnoser.borrow_mut();
                let entry = diagnoser.check(pod, BTreeMap::new());
                if logs_follow {
                    waiting.borrow_mut().insert(position, entry);
                } else {
                    collector
                        .borrow_mut()
                        .add(position, entry, &diagnoser.pods_per_owner);
                }
            },
            &mut |position, logs| {
                let Some(mut entry) = waiting.borrow_mut().remove(&position) else {
                    return;
                };
                add_previous_logs(&mut entry.findings, &logs);
                collector
                    .borrow_mut()
                    .add(position, entry, &diagnoser.borrow().pods_per_owner);
            },
        )
        .await?;
    let collector = collector.into_inner();
    let mut diagnoser = diagnoser.into_inner();
    print_warnings(err, &visited.warnings);
    if let Some(note) = visited
        .nothing_found
        .as_ref()
        .filter(|_| matches!(options.output, OutputFormat::Table | OutputFormat::Wide))
    {
        // kubectl's note and nothing else; JSON and YAML still print the (empty) report.
        let _ = writeln!(err, "{note}");
        return Ok(());
    }
    let pods_per_owner = std::mem::take(&mut diagnoser.pods_per_owner);
    let (mut diagnosis, mut sink, streamed, _, failing) = collector.finish(&pods_per_owner)?;
    if diagnose_options.group_replicas {
        diagnosis = diagnosis.group_replicas(&pods_per_owner);
    }
    let mut diagnosis = diagnosis.filter_and_sort(diagnose_options.min_severity);
    if diagnose_options.fix {
        super::remedies::attach(
            &mut diagnosis,
            fix_cluster.as_ref(),
            evidence.server_version,
            err,
        )
        .await;
        if options.output == OutputFormat::Yaml {
            super::remedies::write_patched_owners(&diagnosis, out, err)?;
            out.flush().map_err(write_error)?;
            return fail_on(failing);
        }
    }
    let report = DiagnoseReport {
        api_version: super::SCHEMA_VERSION,
        kind: "DiagnoseReport",
        summary: Summary {
            pods_checked: diagnosis.pods_checked,
            pods_healthy: diagnosis.healthy.len() + streamed.healthy,
            critical: diagnosis.count(Severity::Critical) + streamed.critical,
            warning: diagnosis.count(Severity::Warning) + streamed.warning,
            info: diagnosis.count(Severity::Info) + streamed.info,
        },
        pods: diagnosis.reported().collect(),
        findings: diagnosis.findings().collect(),
        healthy: &diagnosis.healthy,
        streamed_rules: streamed.rules,
    };
    match options.output {
        OutputFormat::Json => write_structured(out, StructuredFormat::Json, &report, sink.as_mut()),
        OutputFormat::Yaml => write_structured(out, StructuredFormat::Yaml, &report, sink.as_mut()),
        OutputFormat::Table | OutputFormat::Wide => {
            write_findings(out, &report, &table, sink.as_mut())
        }
    }?;
    out.flush().map_err(write_error)?;
    fail_on(failing)
}

/// Exit 3 when findings reached `--fail-on`.
fn fail_on(failing: usize) -> Result<()> {
    if failing > 0 {
        return Err(Error {
            kind: ErrorKind::Findings,
            message: format!(
                "{} at or above the --fail-on level",
                crate::render::count(failing, "finding", "findings")
            ),
            hint: None,
            status: None,
        });
    }
    Ok(())
}
