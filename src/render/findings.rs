//! Diagnose findings as text: most severe first, each with its evidence and fix, healthy pods
//! in one line each, and a closing summary line.

use std::io::Write;

use super::sanitize::{Guarded, neutralise};
use super::structured::write_error;
use super::structured::{StreamingDocument, StructuredFormat, render_item};
use super::style::{Palette, Tone};
use crate::commands::diagnose::DiagnoseReport;
use crate::diagnose::collect::Sink;
use crate::diagnose::{HealthyPod, PodDiagnosis, PodFinding};
use crate::error::Result;
use crate::model::finding::Severity;
use crate::spill::SpillFile;
use serde::Serialize;

#[derive(Clone)]
pub struct TableOptions {
    pub palette: Palette,
    /// `--severity`: healthy lines say which level they were checked at.
    pub min_severity: Severity,
}

fn severity_cell(severity: Severity, palette: &Palette) -> String {
    let text = format!("{:<8}", severity.as_str().to_ascii_uppercase());
    let tone = match severity {
        Severity::Critical => Tone::Bad,
        Severity::Warning => Tone::Warn,
        Severity::Info => Tone::Dim,
    };
    palette.paint(&text, tone)
}

fn subject(f: &PodFinding) -> String {
    group_subject(&f.namespace, &f.pod, f.owner.as_deref(), &f.pods, f.of_pods)
}

/// `shop/web-1`, or `3/3 pods of deploy/web in shop` for grouped replicas.
fn group_subject(
    namespace: &str,
    pod: &str,
    owner: Option<&str>,
    pods: &[String],
    of_pods: Option<usize>,
) -> String {
    match (owner, pods.len()) {
        (Some(owner), n) if n > 1 => {
            let of = of_pods.map(|m| format!("{n}/{m}")).unwrap_or(n.to_string());
            format!("{of} pods of {owner} in {namespace}")
        }
        _ => format!("{namespace}/{pod}"),
    }
}

/// The pod's headline: its verdict (outcome, how long, the container to blame and why),
/// or, with hygiene findings only, that nothing is broken.
fn write_headline(out: &mut dyn Write, p: &PodDiagnosis, palette: &Palette) -> Result<()> {
    let subject = group_subject(&p.namespace, &p.pod, p.owner.as_deref(), &p.pods, p.of_pods);
    let owner = match (&p.owner, p.pods.len()) {
        (Some(owner), n) if n <= 1 => format!(" ({owner})"),
        _ => String::new(),
    };
    match &p.verdict {
        Some(v) => {
            let tone = if v.outcome.is_down() || p.worst() == Some(Severity::Critical) {
                Tone::Bad
            } else {
                Tone::Warn
            };
            let label = format!("{:<15}", format!("POD {}", v.outcome.label()));
            writeln!(
                out,
                "{}{}{}: {}",
                palette.paint(&label, tone),
                palette.paint(&neutralise(&subject), Tone::Strong),
                neutralise(&owner),
                neutralise(&v.state)
            )
            .map_err(write_error)?;
            // Causes that already start with the container (`envoy (native-sidecar) is …`)
            // are not prefixed twice.
            let blame = match (&v.container, v.role) {
                (Some(c), Some(role)) if !v.cause.starts_with(&format!("{c} (")) => {
                    format!("{c} ({}): ", role.as_str())
                }
                _ => String::new(),
            };
            writeln!(
                out,
                "  cause: {}",
                neutralise(&format!("{blame}{}", v.cause))
            )
            .map_err(write_error)?;
        }
        None => {
            let state = if p.spec_only {
                "spec only".to_string()
            } else {
                format!(
                    "{} {}",
                    p.status.as_deref().unwrap_or("-"),
                    p.ready.as_deref().unwrap_or("-")
                )
            };
            writeln!(
                out,
                "{}{}{}: {}, nothing broken now",
                palette.paint(&format!("{:<15}", "POD OK"), Tone::Good),
                palette.paint(&neutralise(&subject), Tone::Strong),
                neutralise(&owner),
                neutralise(&state)
            )
            .map_err(write_error)?;
        }
    }
    writeln!(out).map_err(write_error)
}

fn write_finding(out: &mut dyn Write, f: &PodFinding, p: &Palette) -> Result<()> {
    writeln!(
        out,
        "{}  {}  {}",
        severity_cell(f.finding.severity, p),
        p.paint(f.finding.rule, Tone::Strong),
        neutralise(&subject(f))
    )
    .map_err(write_error)?;
    // Rules from order/volumes name the container apart from their summary.
    let summary = match (&f.finding.container, f.role) {
        (Some(c), Some(role)) if !f.finding.summary.starts_with(c.as_str()) => {
            format!("{c} ({}): {}", role.as_str(), f.finding.summary)
        }
        _ => f.finding.summary.clone(),
    };
    writeln!(out, "  {}", neutralise(&summary)).map_err(write_error)?;
    for line in &f.finding.evidence {
        writeln!(out, "  evidence: {}", neutralise(line)).map_err(write_error)?;
    }
    if f.pods.len() > 1 {
        writeln!(out, "  pods: {}", neutralise(&f.pods.join(", "))).map_err(write_error)?;
    }
    if let Some(fix) = &f.finding.fix {
        let fix = neutralise(fix);
        writeln!(out, "  {} {fix}", p.paint("fix:", Tone::Good)).map_err(write_error)?;
    }
    if let Some(remedy) = &f.remedy {
        writeln!(
            out,
            "  {} {}",
            p.paint("patch:", Tone::Good),
            neutralise(&remedy.command)
        )
        .map_err(write_error)?;
        if !remedy.note.is_empty() {
            writeln!(out, "  patch note: {}", neutralise(&remedy.note)).map_err(write_error)?;
        }
    }
    writeln!(out).map_err(write_error)
}

/// Findings text is written to a [`Guarded`] writer, and every piece of it that can hold
/// cluster text (names, messages, evidence) is neutralised before it is written.
pub fn write_findings(
    out: &mut dyn Write,
    report: &DiagnoseReport,
    opts: &TableOptions,
    sink: Option<&mut ReportSink>,
) -> Result<()> {
    let mut guarded = Guarded::new(out, opts.palette.enabled());
    write_report(&mut guarded, report, opts, sink)?;
    guarded.finish().map_err(write_error)
}

fn write_report(
    out: &mut dyn Write,
    report: &DiagnoseReport,
    opts: &TableOptions,
    mut sink: Option<&mut ReportSink>,
) -> Result<()> {
    let p = &opts.palette;
    for pod in &report.pods {
        write_pod(out, pod, p)?;
    }
    let mut streamed_healthy = 0;
    if let Some(ReportSink::Table {
        reported, healthy, ..
    }) = sink.as_deref_mut()
    {
        for bucket in reported {
            bucket.replay(&mut |entry| out.write_all(entry).map_err(write_error))?;
        }
        streamed_healthy = healthy.records();
    }
    let none = none_text(opts.min_severity);
    for h in report.healthy {
        write_healthy(out, h, &none, p)?;
    }
    if let Some(ReportSink::Table { healthy, .. }) = sink {
        healthy.replay(&mut |line| out.write_all(line).map_err(write_error))?;
    }
    let s = &report.summary;
    if !report.healthy.is_empty() || streamed_healthy > 0 {
        writeln!(out).map_err(write_error)?;
    }
    writeln!(
        out,
        "{} checked: {} critical, {} warning, {} info; {} healthy",
        super::count(s.pods_checked, "pod", "pods"),
        s.critical,
        s.warning,
        s.info,
        s.pods_healthy
    )
    .map_err(write_error)?;
    let held = report
        .pods
        .iter()
        .flat_map(|pod| &pod.findings)
        .map(|f| f.finding.rule);
    write_explain_pointer(out, held.chain(report.streamed_rules.iter().copied()))
}

fn write_pod(out: &mut dyn Write, pod: &PodDiagnosis, p: &Palette) -> Result<()> {
    write_headline(out, pod, p)?;
    for f in &pod.findings {
        write_finding(out, f, p)?;
    }
    Ok(())
}

fn none_text(min: Severity) -> String {
    match min {
        Severity::Info => "no findings".to_string(),
        level => format!("no {} or higher findings", level.as_str()),
    }
}

fn write_healthy(out: &mut dyn Write, h: &HealthyPod, none: &str, p: &Palette) -> Result<()> {
    let state = if h.spec_only {
        "spec only".to_string()
    } else {
        format!(
            "{} {}",
            h.status.as_deref().unwrap_or("-"),
            h.ready.as_deref().unwrap_or("-")
        )
    };
    writeln!(
        out,
        "{}  {}: {}, {none}",
        p.paint(&format!("{:<8}", "OK"), Tone::Good),
        neutralise(&format!("{}/{}", h.namespace, h.pod)),
        neutralise(&state),
    )
    .map_err(write_error)
}

/// Where a streamed `diagnose` run keeps the entries it prints after the held ones, already
/// rendered for the chosen output (see `diagnose::collect`).
pub enum ReportSink {
    /// One file per bucket: critical, warning, info.
    Table {
        reported: [SpillFile; 3],
        healthy: SpillFile,
        palette: Palette,
        none: String,
    },
    Structured {
        format: StructuredFormat,
        pods: [SpillFile; 3],
        findings: [SpillFile; 3],
        healthy: SpillFile,
    },
}

fn buckets() -> Result<[SpillFile; 3]> {
    Ok([SpillFile::new()?, SpillFile::new()?, SpillFile::new()?])
}

/// The bucket of an entry whose worst severity is `rank`.
fn bucket(rank: Severity) -> usize {
    match rank {
        Severity::Critical => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

impl ReportSink {
    pub fn table(opts: &TableOptions) -> Result<Self> {
        Ok(ReportSink::Table {
            reported: buckets()?,
            healthy: SpillFile::new()?,
            palette: opts.palette,
            none: none_text(opts.min_severity),
        })
    }

    pub fn structured(format: StructuredFormat) -> Result<Self> {
        Ok(ReportSink::Structured {
            format,
            pods: buckets()?,
            findings: buckets()?,
            healthy: SpillFile::new()?,
        })
    }
}

impl Sink for ReportSink {
    fn reported(&mut self, entry: &PodDiagnosis, rank: Severity) -> Result<()> {
        let b = bucket(rank);
        match self {
            ReportSink::Table {
                reported, palette, ..
            } => {
                let mut text = Vec::new();
                write_pod(&mut text, entry, palette)?;
                reported[b].push(&text)
            }
            ReportSink::Structured {
                format,
                pods,
                findings,
                ..
            } => {
                pods[b].push(&render_item(*format, entry)?)?;
                for f in &entry.findings {
                    findings[b].push(&render_item(*format, f)?)?;
                }
                Ok(())
            }
        }
    }

    fn healthy(&mut self, entry: &HealthyPod) -> Result<()> {
        match self {
            ReportSink::Table {
                healthy,
                palette,
                none,
                ..
            } => {
                let mut line = Vec::new();
                write_healthy(&mut line, entry, none, palette)?;
                healthy.push(&line)
            }
            ReportSink::Structured {
                format, healthy, ..
            } => healthy.push(&render_item(*format, entry)?),
        }
    }
}

/// `-o json|yaml`: the report, with a streamed run's entries after the held ones in each
/// array; the same bytes as writing the whole report at once.
pub fn write_structured(
    out: &mut dyn Write,
    format: StructuredFormat,
    report: &DiagnoseReport,
    sink: Option<&mut ReportSink>,
) -> Result<()> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Head<'r> {
        api_version: &'static str,
        kind: &'static str,
        summary: &'r crate::commands::diagnose::Summary,
    }
    let head = Head {
        api_version: report.api_version,
        kind: report.kind,
        summary: &report.summary,
    };
    let mut spilled = match sink {
        Some(ReportSink::Structured {
            pods,
            findings,
            healthy,
            ..
        }) => Some((pods, findings, healthy)),
        _ => None,
    };
    let mut doc = StreamingDocument::new(out, format, &head, "pods")?;
    for pod in &report.pods {
        doc.item(pod)?;
    }
    if let Some((pods, _, _)) = spilled.as_mut() {
        for bucket in pods.iter_mut() {
            bucket.replay(&mut |item| doc.item_raw(item))?;
        }
    }
    doc.array("findings")?;
    for f in &report.findings {
        doc.item(f)?;
    }
    if let Some((_, findings, _)) = spilled.as_mut() {
        for bucket in findings.iter_mut() {
            bucket.replay(&mut |item| doc.item_raw(item))?;
        }
    }
    doc.array("healthy")?;
    for h in report.healthy {
        doc.item(h)?;
    }
    if let Some((_, _, healthy)) = spilled.as_mut() {
        healthy.replay(&mut |item| doc.item_raw(item))?;
    }
    doc.finish(&())
}

/// The last line when findings were shown: where their rules are explained.
fn write_explain_pointer(
    out: &mut dyn Write,
    shown: impl Iterator<Item = &'static str>,
) -> Result<()> {
    let mut rules: Vec<&str> = Vec::new();
    for rule in shown {
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    if rules.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "rules above: {}; what each checks and how to fix it: kubectl sidecar explain RULE",
        rules.join(", ")
    )
    .map_err(write_error)
}
