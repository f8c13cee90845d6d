//! The `order` table: per pod a header line, the declared start-up order, the shutdown
//! order, the actual timeline (one bar per container scaled to the terminal width, then the
//! exact times) and the hazards.
//!
//! Every symbol is plain text (block characters, `>`, letters), so `--color never` and
//! pipes lose nothing; color only adds emphasis.

use std::fmt::Write as _;
use std::io::Write;

use jiff::Timestamp;

use super::columns::Columns;
use super::containers::{MARKER, pod_line};
use super::human_duration;
use super::sanitize::neutralise;
use super::style::{Palette, Tone};
use crate::error::Result;
use crate::model::Role;
use crate::model::finding::{Finding, Severity};
use crate::model::order::{
    ContainerTimeline, Hook, PodOrder, Run, RunKind, Shutdown, Step, Timeline, offset_text,
};

pub struct OrderTableOptions {
    pub now: Timestamp,
    /// Width the timeline bars are scaled to.
    pub width: usize,
    pub palette: Palette,
}

/// Widest rule ID, so hazard lines line up across pods.
const RULE_WIDTH: usize = 15;
/// Longest container name shown in full in the timeline; longer ones are cut with `…`.
const MAX_NAME: usize = 30;
/// Narrowest bar drawn, however small the terminal.
const MIN_BAR: usize = 10;
/// Longest hook text in the shutdown list; JSON has the whole command.
const MAX_HOOK: usize = 60;

pub fn write_order_table(
    out: &mut dyn Write,
    pods: &[PodOrder],
    opts: &OrderTableOptions,
) -> Result<()> {
    super::write_pod_blocks(out, pods, &opts.palette, |text, pod| {
        pod_text(text, pod, opts);
    })
}

fn pod_text(s: &mut String, pod: &PodOrder, opts: &OrderTableOptions) {
    let p = &opts.palette;
    let _ = writeln!(s, "{}", header(pod, opts));
    if let Some(message) = &pod.view.message {
        let _ = writeln!(s, "  message: {}", neutralise(message.trim()));
    }
    let flagged = |name: &str| {
        pod.findings
            .iter()
            .any(|f| f.severity <= Severity::Warning && f.container.as_deref() == Some(name))
    };

    let _ = writeln!(
        s,
        "\n{}   → what the next step waits for",
        p.paint("START-UP ORDER", Tone::Strong)
    );
    declared_text(s, &pod.declared, &flagged, p);

    let _ = writeln!(
        s,
        "\n{}   {}",
        p.paint("SHUTDOWN ORDER", Tone::Strong),
        grace_text(&pod.shutdown)
    );
    shutdown_text(s, &pod.shutdown, &flagged, p);

    match &pod.timeline {
        Some(timeline) => timeline_text(s, timeline, opts),
        None => {
            let _ = writeln!(
                s,
                "\n{}   - (spec only: no status)",
                p.paint("TIMELINE", Tone::Strong)
            );
        }
    }

    findings_text(s, pod, p);
}

/// Like `ls`'s pod line; `!` also marks pods with warning or critical ordering hazards.
fn header(pod: &PodOrder, opts: &OrderTableOptions) -> String {
    let flagged = pod.findings.iter().any(|f| f.severity <= Severity::Warning);
    pod_line(&pod.view, flagged, opts.now, &opts.palette)
}

/// Pads `plain` to `width`, painting only the text.
fn padded(painted: String, plain: &str, width: usize) -> String {
    let pad = width.saturating_sub(plain.chars().count());
    format!("{painted}{}", " ".repeat(pad))
}

fn marker(flag: bool, p: &Palette) -> String {
    if flag {
        format!("{} ", p.paint(MARKER, Tone::Bad))
    } else {
        "  ".to_string()
    }
}

fn name_width<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    names.map(|n| n.chars().count()).max().unwrap_or(0)
}

fn step_width(last: u32) -> usize {
    last.to_string().len()
}

const ROLE_WIDTH: usize = "native-sidecar".len();

fn declared_text(s: &mut String, steps: &[Step], flagged: &dyn Fn(&str) -> bool, p: &Palette) {
    if steps.is_empty() {
        let _ = writeln!(s, "  (no containers)");
        return;
    }
    let shown: Vec<_> = steps.iter().map(|st| neutralise(&st.container)).collect();
    let names = name_width(shown.iter().map(|name| name.as_ref()));
    let numbers = step_width(steps.iter().map(|st| st.step).max().unwrap_or(1));
    for (step, name) in steps.iter().zip(&shown) {
        let _ = writeln!(
            s,
            "{}{:>numbers$}  {}  {}  → {}",
            marker(flagged(&step.container), p),
            step.step,
            padded(p.role(step.role), step.role.as_str(), ROLE_WIDTH),
            padded(name.to_string(), name, names),
            neutralise(&step.gate.text())
        );
    }
}

fn grace_text(shutdown: &Shutdown) -> String {
    let source = if shutdown.grace_period_defaulted {
        "default terminationGracePeriodSeconds"
    } else {
        "terminationGracePeriodSeconds"
    };
    format!(
        "grace period {}s ({source}) shared by every step, then SIGKILL; preStop hooks all start when deletion begins",
        shutdown.grace_period_seconds
    )
}

fn hook_text(hook: &Hook) -> String {
    let detail = neutralise(&hook.detail);
    let text = match hook.action {
        "httpGet" => detail.into_owned(),
        action => format!("{action} {detail}"),
    };
    if text.chars().count() > MAX_HOOK {
        let cut: String = text.chars().take(MAX_HOOK - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn shutdown_text(s: &mut String, shutdown: &Shutdown, flagged: &dyn Fn(&str) -> bool, p: &Palette) {
    let rows: Vec<(u32, &crate::model::order::ShutdownContainer)> = shutdown
        .steps
        .iter()
        .flat_map(|st| st.containers.iter().map(move |c| (st.step, c)))
        .collect();
    if rows.is_empty() {
        let _ = writeln!(s, "  (no containers)");
        return;
    }
    let shown: Vec<_> = rows.iter().map(|(_, c)| neutralise(&c.container)).collect();
    let names = name_width(shown.iter().map(|name| name.as_ref()));
    let numbers = step_width(rows.iter().map(|(n, _)| *n).max().unwrap_or(1));
    let whens: Vec<String> = rows
        .iter()
        .map(|(step, _)| {
            if *step == 1 {
                "SIGTERM at once".to_string()
            } else {
                format!("SIGTERM once step {} has exited", step - 1)
            }
        })
        .collect();
    let when_width = name_width(whens.iter().map(String::as_str));
    for (((step, c), when), name) in rows.iter().zip(&whens).zip(&shown) {
        let pre_stop = c.pre_stop.as_ref().map_or("-".to_string(), hook_text);
        let _ = writeln!(
            s,
            "{}{:>numbers$}  {}  {}  {}  preStop: {pre_stop}",
            marker(flagged(&c.container), p),
            step,
            padded(p.role(c.role), c.role.as_str(), ROLE_WIDTH),
            padded(name.to_string(), name, names),
            padded(when.clone(), when, when_width),
        );
    }
}

// ---------------------------------------------------------------- timeline

/// One character cell of a bar.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Cell {
    symbol: char,
    tone: Option<Tone>,
}

const EMPTY: Cell = Cell {
    symbol: ' ',
    tone: None,
};

fn short_name(name: &str) -> String {
    if name.chars().count() > MAX_NAME {
        let cut: String = name.chars().take(MAX_NAME - 1).collect();
        format!("{cut}…")
    } else {
        name.to_string()
    }
}

/// Maps offsets in `0..=end` onto `0..width` cells.
struct Scale {
    end: i64,
    width: usize,
}

impl Scale {
    fn cell(&self, offset: i64) -> usize {
        let offset = offset.clamp(0, self.end) as i128;
        let last = self.width.saturating_sub(1) as i128;
        (offset * last / i128::from(self.end.max(1))) as usize
    }
}

fn bar_cells(c: &ContainerTimeline, scale: &Scale) -> Vec<Cell> {
    let mut cells = vec![EMPTY; scale.width];
    let fill = |from: usize, to: usize, cell: Cell, cells: &mut Vec<Cell>| {
        for slot in cells.iter_mut().take(to + 1).skip(from) {
            *slot = cell;
        }
    };
    for run in &c.runs {
        let start = run.started_offset_seconds;
        let finish = run.finished_offset_seconds;
        if run.never_started {
            if let Some(at) = finish {
                let i = scale.cell(at);
                cells[i] = Cell {
                    symbol: 'x',
                    tone: Some(Tone::Bad),
                };
            }
            continue;
        }
        let Some(start) = start else { continue };
        let (symbol, tone) = match run.run {
            RunKind::Previous => ('░', Tone::Dim),
            RunKind::Current if run.running => ('█', Tone::Good),
            RunKind::Current if run.exit_code == Some(0) => ('█', Tone::Dim),
            RunKind::Current => ('█', Tone::Bad),
        };
        let from = scale.cell(start);
        let to = if run.running {
            scale.width - 1
        } else {
            finish.map_or(from, |f| scale.cell(f))
        };
        let cell = Cell {
            symbol,
            tone: Some(tone),
        };
        fill(from, to.max(from), cell, &mut cells);
        if run.running {
            cells[scale.width - 1] = Cell {
                symbol: '>',
                tone: Some(tone),
            };
        }
    }
    cells
}

/// Paints runs of equal tone at once, so colored output stays compact.
fn paint_cells(cells: &[Cell], p: &Palette) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < cells.len() {
        let tone = cells[i].tone;
        let mut j = i;
        let mut chunk = String::new();
        while j < cells.len() && cells[j].tone == tone {
            chunk.push(cells[j].symbol);
            j += 1;
        }
        match tone {
            Some(tone) => out.push_str(&p.paint(&chunk, tone)),
            None => out.push_str(&chunk),
        }
        i = j;
    }
    out
}

fn timeline_text(s: &mut String, t: &Timeline, opts: &OrderTableOptions) {
    let p = &opts.palette;
    let title = p.paint("TIMELINE", Tone::Strong);
    match (t.start_time, t.end_offset_seconds) {
        (Some(start), Some(end)) => {
            let now = human_duration(opts.now.duration_since(start));
            let _ = writeln!(
                s,
                "\n{title}   0 = pod start {start}; right edge {}, the last recorded change; now is {now} after start",
                offset_text(end)
            );
            bars_text(s, t, end, opts);
        }
        (Some(start), None) => {
            let _ = writeln!(
                s,
                "\n{title}   0 = pod start {start}; no container has started yet"
            );
        }
        (None, _) => {
            let _ = writeln!(
                s,
                "\n{title}   the pod has no startTime (not scheduled or not started): times are absolute"
            );
        }
    }
    times_table(s, t, p);
    conditions_text(s, t);
}

fn bars_text(s: &mut String, t: &Timeline, end: i64, opts: &OrderTableOptions) {
    let p = &opts.palette;
    let names: Vec<String> = t
        .containers
        .iter()
        .map(|c| short_name(&neutralise(&c.container)))
        .collect();
    let name_w = name_width(names.iter().map(String::as_str).chain(["pod"]));
    // "  NAME  |BAR|" fills the width exactly.
    let width = opts.width.saturating_sub(name_w + 6).max(MIN_BAR);
    let scale = Scale { end, width };
    let mut used: Vec<char> = Vec::new();
    for (c, name) in t.containers.iter().zip(&names) {
        let cells = bar_cells(c, &scale);
        used.extend(cells.iter().map(|cell| cell.symbol));
        let _ = writeln!(
            s,
            "  {}  |{}|",
            padded(name.clone(), name, name_w),
            paint_cells(&cells, p)
        );
    }
    let mut pod = vec![EMPTY; width];
    for mark in &t.conditions {
        let (Some(offset), true) = (mark.offset_seconds, mark.status == "True") else {
            continue;
        };
        let symbol = match mark.condition.as_str() {
            "Initialized" => 'I',
            _ => 'R',
        };
        pod[scale.cell(offset)] = Cell {
            symbol,
            tone: Some(Tone::Strong),
        };
    }
    used.extend(pod.iter().map(|cell| cell.symbol));
    let _ = writeln!(
        s,
        "  {}  |{}|",
        padded("pod".to_string(), "pod", name_w),
        paint_cells(&pod, p)
    );
    let (left, right) = ("+0s".to_string(), offset_text(end));
    let gap = (width + 2).saturating_sub(left.len() + right.len()).max(1);
    let _ = writeln!(
        s,
        "  {}  {left}{}{right}",
        " ".repeat(name_w),
        " ".repeat(gap)
    );
    let legend: Vec<&str> = [
        ('█', "█ run"),
        ('░', "░ previous run"),
        ('>', "> still running"),
        ('x', "x never started (StartError)"),
        ('I', "I Initialized"),
        ('R', "R Ready"),
    ]
    .into_iter()
    .filter(|(symbol, _)| used.contains(symbol))
    .map(|(_, text)| text)
    .collect();
    if !legend.is_empty() {
        let _ = writeln!(s, "  {}", p.paint(&legend.join("   "), Tone::Dim));
    }
}

fn time_cell(offset: Option<i64>, at: Option<Timestamp>) -> String {
    match (offset, at) {
        (Some(offset), _) => offset_text(offset),
        (None, Some(at)) => at.to_string(),
        (None, None) => "-".to_string(),
    }
}

fn run_result(c: &ContainerTimeline, run: &Run) -> (String, Tone) {
    if run.running {
        if c.role == Role::NativeSidecar && c.started != Some(true) {
            return ("Running, not started".to_string(), Tone::Warn);
        }
        return ("Running".to_string(), Tone::Good);
    }
    let reason = run.reason.as_deref().unwrap_or("Terminated");
    let code = run
        .exit_code
        .map(|code| format!(" ({code})"))
        .unwrap_or_default();
    if run.never_started {
        return (format!("{reason}{code}, never started"), Tone::Bad);
    }
    let tone = if run.exit_code == Some(0) {
        Tone::Dim
    } else {
        Tone::Bad
    };
    (format!("{reason}{code}"), tone)
}

fn times_table(s: &mut String, t: &Timeline, p: &Palette) {
    let header = [
        "CONTAINER",
        "RUN",
        "STARTED",
        "FINISHED",
        "RESULT",
        "READY",
        "RESTARTS",
    ];
    let gaps = vec![3; header.len()];
    let mut table = Columns::new(header.map(String::from).to_vec(), gaps);
    for c in &t.containers {
        let ready = match (c.role, c.ready) {
            (Role::Init, _) | (_, None) => "-".to_string(),
            (_, Some(true)) => p.paint("yes", Tone::Good),
            (_, Some(false)) => p.paint("no", Tone::Bad),
        };
        let restarts = c
            .restart_count
            .map_or_else(|| "-".to_string(), |n| n.to_string());
        let current = c.runs.iter().any(|r| r.run == RunKind::Current);
        for run in &c.runs {
            let (result, tone) = run_result(c, run);
            let last = run.run == RunKind::Current;
            table.push(vec![
                neutralise(&c.container).into_owned(),
                match run.run {
                    RunKind::Previous => "previous".to_string(),
                    RunKind::Current => "current".to_string(),
                },
                time_cell(run.started_offset_seconds, run.started_at),
                time_cell(run.finished_offset_seconds, run.finished_at),
                p.paint(&result, tone),
                if last { ready.clone() } else { String::new() },
                if last {
                    restarts.clone()
                } else {
                    String::new()
                },
            ]);
        }
        if !current {
            // Waiting (or never reported): no run to time, but the state still matters.
            let state = match (c.state, c.reason.as_deref()) {
                ("none", _) => "no status".to_string(),
                (_, Some(reason)) => reason.to_string(),
                ("waiting", None) => "Waiting".to_string(),
                (state, None) => state.to_string(),
            };
            table.push(vec![
                neutralise(&c.container).into_owned(),
                "current".to_string(),
                "-".to_string(),
                "-".to_string(),
                p.paint(&state, Tone::Warn),
                ready,
                restarts,
            ]);
        }
    }
    let _ = writeln!(s);
    for (i, line) in table.lines().enumerate() {
        if i == 0 {
            let _ = writeln!(s, "  {}", p.paint(&line, Tone::Dim));
        } else {
            let _ = writeln!(s, "  {line}");
        }
    }
}

fn conditions_text(s: &mut String, t: &Timeline) {
    if t.conditions.is_empty() {
        return;
    }
    let parts: Vec<String> = t
        .conditions
        .iter()
        .map(|c| {
            let when = match (c.offset_seconds, c.at) {
                (Some(offset), _) => offset_text(offset),
                (None, Some(at)) => at.to_string(),
                (None, None) => "an unknown time".to_string(),
            };
            let why = match (c.reason.as_deref(), c.message.as_deref()) {
                (Some(r), Some(m)) => format!(" ({r}: {m})"),
                (Some(text), None) | (None, Some(text)) => format!(" ({text})"),
                (None, None) => String::new(),
            };
            let verb = if c.status == "True" { "at" } else { "since" };
            format!("{} {} {verb} {when}{why}", c.condition, c.status)
        })
        .collect();
    let _ = writeln!(s, "  pod conditions: {}", neutralise(&parts.join("; ")));
}

// ---------------------------------------------------------------- hazards

fn severity_tone(severity: Severity) -> Tone {
    match severity {
        Severity::Critical => Tone::Bad,
        Severity::Warning => Tone::Warn,
        Severity::Info => Tone::Dim,
    }
}

fn findings_text(s: &mut String, pod: &PodOrder, p: &Palette) {
    let title = p.paint("HAZARDS", Tone::Strong);
    if pod.findings.is_empty() {
        let scope = if pod.spec_only {
            "none found in the spec"
        } else {
            "none found"
        };
        let _ = writeln!(s, "\n{title}   {scope}");
        return;
    }
    let _ = writeln!(s, "\n{title}");
    for f in &pod.findings {
        finding_text(s, f, p);
    }
}

fn finding_text(s: &mut String, f: &Finding, p: &Palette) {
    let severity = f.severity.as_str();
    let subject = f
        .container
        .as_deref()
        .map(|c| format!("{}: ", neutralise(c)))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "  {}  {}  {subject}{}",
        padded(p.paint(severity, severity_tone(f.severity)), severity, 8),
        padded(f.rule.to_string(), f.rule, RULE_WIDTH),
        neutralise(&f.summary)
    );
    for line in &f.evidence {
        let _ = writeln!(s, "      evidence: {}", neutralise(line));
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(s, "      fix: {}", neutralise(fix));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_maps_both_ends() {
        let scale = Scale {
            end: 100,
            width: 11,
        };
        assert_eq!(scale.cell(0), 0);
        assert_eq!(scale.cell(50), 5);
        assert_eq!(scale.cell(100), 10);
        assert_eq!(scale.cell(500), 10);
        assert_eq!(scale.cell(-5), 0);
        let flat = Scale { end: 0, width: 10 };
        assert_eq!(flat.cell(0), 0);
    }

    #[test]
    fn long_names_and_hooks_are_cut() {
        assert_eq!(short_name("short"), "short");
        let long = "x".repeat(40);
        assert_eq!(short_name(&long).chars().count(), MAX_NAME);
        let hook = Hook {
            action: "exec",
            detail: "y".repeat(100),
            sleep_seconds: None,
        };
        assert!(hook_text(&hook).ends_with('…'));
        assert_eq!(hook_text(&hook).chars().count(), MAX_HOOK);
    }
}
