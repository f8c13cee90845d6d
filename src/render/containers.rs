//! The `ls` table: one header line per pod, then one row per container.
//!
//! The pods of one call (a chunk of up to 500 as the listing arrives, see
//! `commands::run_per_pod`) share one table layout so their columns line up; the column
//! header is repeated under each pod line so a long listing stays readable.

use std::io::Write;

use jiff::Timestamp;

use super::age;
use super::columns::Columns;
use super::sanitize::{Guarded, neutralise};
use super::structured::write_error;
use super::style::{Palette, Tone};
use crate::error::Result;
use crate::model::{ContainerView, PodView, Role, State, Termination};

pub struct TableOptions {
    pub wide: bool,
    /// `--metrics`: usage columns.
    pub metrics: bool,
    pub now: Timestamp,
    pub palette: Palette,
}

/// Problem marker, so problems stand out without color too.
pub const MARKER: &str = "!";

pub fn write_table(out: &mut dyn Write, pods: &[PodView], opts: &TableOptions) -> Result<()> {
    let mut guarded = Guarded::new(out, opts.palette.enabled());
    write_pods(&mut guarded, pods, opts)?;
    guarded.finish().map_err(write_error)
}

fn write_pods(out: &mut dyn Write, pods: &[PodView], opts: &TableOptions) -> Result<()> {
    let mut header = vec!["", "CONTAINER", "ROLE", "#", "READY", "STATE", "RESTARTS"];
    header.extend(["LAST TERMINATION", "AGE"]);
    if opts.metrics {
        header.extend(["CPU", "%REQ/%LIM", "MEM", "%REQ/%LIM"]);
    }
    if opts.wide {
        header.extend(["IMAGE", "CPU REQ/LIM", "MEM REQ/LIM", "PORTS"]);
    }
    // The marker column hugs the name; other columns get kubectl's 3-space gap.
    let mut gaps = vec![3; header.len()];
    gaps[0] = 1;
    let mut table = Columns::new(header.into_iter().map(String::from).collect(), gaps);

    let mut rows_per_pod = Vec::with_capacity(pods.len());
    for pod in pods {
        rows_per_pod.push(pod.containers.len());
        for c in &pod.containers {
            table.push(container_row(pod, c, opts));
        }
    }

    let mut lines = table.lines();
    let header_line = lines.next().unwrap_or_default();
    let header_line = opts.palette.paint(&header_line, Tone::Dim);
    for (index, (pod, rows)) in pods.iter().zip(rows_per_pod).enumerate() {
        if index > 0 {
            writeln!(out).map_err(write_error)?;
        }
        writeln!(out, "{}", pod_line(pod, false, opts.now, &opts.palette)).map_err(write_error)?;
        if let Some(message) = &pod.message {
            writeln!(out, "  message: {}", neutralise(message.trim())).map_err(write_error)?;
        }
        if opts.wide
            && let Some(r) = &pod.effective_requests
        {
            writeln!(
                out,
                "  effective requests: cpu {} (sidecars add {}), memory {} (sidecars add {})",
                r.cpu, r.sidecars_cpu, r.memory, r.sidecars_memory
            )
            .map_err(write_error)?;
        }
        if rows == 0 {
            writeln!(out, "  (no containers selected)").map_err(write_error)?;
            continue;
        }
        writeln!(out, "{header_line}").map_err(write_error)?;
        for _ in 0..rows {
            let line = lines.next().unwrap_or_default();
            writeln!(out, "{line}").map_err(write_error)?;
        }
    }
    Ok(())
}

/// The pod line every per-pod command starts with: namespace/name, kubectl's STATUS (plus the
/// pod's own reason when kubectl hides it), READY, RESTARTS, node and age. `flagged` marks
/// the pod with `!` for findings the view itself does not know about.
pub fn pod_line(pod: &PodView, flagged: bool, now: Timestamp, p: &Palette) -> String {
    let marker = if pod.is_problem() || flagged {
        format!("{} ", p.paint(MARKER, Tone::Bad))
    } else {
        String::new()
    };
    let name = p.paint(&pod.display_name(), Tone::Strong);
    if pod.spec_only {
        return format!(
            "{marker}{name}   READY -/{}   spec only: no status (read from a manifest)",
            pod.total
        );
    }
    let status = match (pod.status.as_deref(), pod.reason.as_deref()) {
        // kubectl shows the container's reason once statuses synced (an evicted pod reads
        // `ContainerStatusUnknown`); the pod's own reason is what the user needs.
        (Some(status), Some(reason)) if status != reason => format!("{status} (pod {reason})"),
        (Some(status), _) => status.to_string(),
        (None, _) => "-".to_string(),
    };
    let status_tone = if pod.problem.is_some() {
        Tone::Bad
    } else if matches!(status.as_str(), "Running" | "Completed" | "Succeeded") {
        Tone::Good
    } else {
        Tone::Warn
    };
    let restarts = match pod.last_restart.filter(|_| pod.restarts > 0) {
        Some(at) => format!("{} ({} ago)", pod.restarts, age(now, at)),
        None => pod.restarts.to_string(),
    };
    let node = neutralise(pod.node.as_deref().unwrap_or("-"));
    let pod_age = pod
        .created_at
        .map_or_else(|| "-".to_string(), |t| age(now, t));
    format!(
        "{marker}{name}   {}   READY {}/{}   RESTARTS {restarts}   NODE {node}   AGE {pod_age}",
        p.paint(&status, status_tone),
        pod.ready.unwrap_or(0),
        pod.total,
    )
}

fn container_row(pod: &PodView, c: &ContainerView, opts: &TableOptions) -> Vec<String> {
    let p = &opts.palette;
    let marker = if c.is_problem() {
        p.paint(MARKER, Tone::Bad)
    } else {
        String::new()
    };
    let position = c
        .position
        .map_or_else(|| "-".to_string(), |n| n.to_string());
    let (ready, state, restarts, last, state_age) = match &c.status {
        None => {
            let state = if pod.spec_only { "-" } else { "no status" };
            let dash = || "-".to_string();
            (dash(), state.to_string(), dash(), dash(), dash())
        }
        Some(s) => {
            let ready = if c.role == Role::Init {
                "-".to_string()
            } else if s.ready {
                p.paint("yes", Tone::Good)
            } else {
                p.paint("no", Tone::Bad)
            };
            let (state_text, state_tone) = state_cell(c, &s.state, s.started);
            let restarts = match s
                .last_termination
                .as_ref()
                .and_then(|t| t.finished_at)
                .filter(|_| s.restart_count > 0)
            {
                Some(at) => format!("{} ({} ago)", s.restart_count, age(opts.now, at)),
                None => s.restart_count.to_string(),
            };
            let last = match &s.last_termination {
                Some(t) => {
                    let tone = if t.is_success() { Tone::Dim } else { Tone::Bad };
                    p.paint(&termination_text(t, opts.now), tone)
                }
                None => "-".to_string(),
            };
            let since = match &s.state {
                State::Running { started_at } => *started_at,
                State::Terminated(t) => t.finished_at,
                _ => None,
            };
            let state_age = since.map_or_else(|| "-".to_string(), |t| age(opts.now, t));
            (
                ready,
                p.paint(&state_text, state_tone),
                restarts,
                last,
                state_age,
            )
        }
    };
    let mut row = vec![
        marker,
        neutralise(&c.name).into_owned(),
        p.role(c.role),
        position,
        ready,
        state,
        restarts,
        last,
        state_age,
    ];
    if opts.metrics {
        row.extend(usage_cells(c, p));
    }
    if opts.wide {
        row.push(neutralise(&c.image).into_owned());
        row.push(request_limit(c, "cpu"));
        row.push(request_limit(c, "memory"));
        row.push(if c.ports.is_empty() {
            "-".to_string()
        } else {
            let ports = c
                .ports
                .iter()
                .map(|port| format!("{}/{}", port.container_port, port.protocol))
                .collect::<Vec<_>>()
                .join(",");
            neutralise(&ports).into_owned()
        });
    }
    row
}

/// `CPU`, `%REQ/%LIM`, `MEM`, `%REQ/%LIM`; `-` where unknown. Memory at 90 % of its limit or
/// more is marked with `!` (meaning not by color alone).
fn usage_cells(c: &ContainerView, p: &Palette) -> [String; 4] {
    let Some(u) = &c.usage else {
        return [
            "-".to_string(),
            "-".to_string(),
            "-".to_string(),
            "-".to_string(),
        ];
    };
    let pct = |v: Option<u32>| v.map_or("-".to_string(), |v| format!("{v}%"));
    let pair = |req: Option<u32>, lim: Option<u32>| format!("{}/{}", pct(req), pct(lim));
    let memory_pair = pair(u.memory_of_request, u.memory_of_limit);
    let memory_pair = if u.memory_of_limit.is_some_and(|l| l >= 90) {
        p.paint(&format!("{memory_pair} {MARKER}"), Tone::Bad)
    } else {
        memory_pair
    };
    [
        u.cpu.clone().unwrap_or_else(|| "-".to_string()),
        pair(u.cpu_of_request, u.cpu_of_limit),
        u.memory.clone().unwrap_or_else(|| "-".to_string()),
        memory_pair,
    ]
}

fn state_cell(c: &ContainerView, state: &State, started: Option<bool>) -> (String, Tone) {
    let problem = c.is_problem();
    match state {
        State::Running { .. } => {
            if c.role == Role::NativeSidecar && started != Some(true) {
                ("Running, not started".to_string(), Tone::Warn)
            } else {
                (
                    "Running".to_string(),
                    if problem { Tone::Warn } else { Tone::Good },
                )
            }
        }
        State::Waiting { reason, .. } => {
            let text = reason.clone().unwrap_or_else(|| "Waiting".to_string());
            (text, if problem { Tone::Bad } else { Tone::Warn })
        }
        State::Terminated(t) => {
            let reason = t.reason.as_deref().unwrap_or("Terminated");
            let text = format!("{reason} ({})", t.exit_code);
            (text, if problem { Tone::Bad } else { Tone::Dim })
        }
        State::Unknown => ("Unknown".to_string(), Tone::Warn),
    }
}

/// `OOMKilled (137 SIGKILL) 4m ago`
fn termination_text(t: &Termination, now: Timestamp) -> String {
    let reason = t.reason.as_deref().unwrap_or("Terminated");
    let signal = t
        .signal_name
        .map(|name| format!(" {name}"))
        .unwrap_or_default();
    let when = t
        .finished_at
        .map(|at| format!(" {} ago", age(now, at)))
        .unwrap_or_default();
    format!("{reason} ({}{signal}){when}", t.exit_code)
}

fn request_limit(c: &ContainerView, resource: &str) -> String {
    let request = c
        .resources
        .requests
        .get(resource)
        .map_or("-", String::as_str);
    let limit = c.resources.limits.get(resource).map_or("-", String::as_str);
    neutralise(&format!("{request}/{limit}")).into_owned()
}
