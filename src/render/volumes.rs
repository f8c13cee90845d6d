//! The `volumes` table: per pod a header line, the volumes × containers matrix (one row per
//! volume with its type and source, one column per container, each cell the mount path with
//! `ro`/`rw`, subPath and propagation), then the pod's findings.
//!
//! `!` marks rows with a warning or critical finding, so `--color never` and pipes lose
//! nothing; color only adds emphasis.

use std::fmt::Write as _;
use std::io::Write;

use jiff::Timestamp;

use super::columns::Columns;
use super::containers::{MARKER, pod_line};
use super::sanitize::neutralise;
use super::style::{Palette, Tone};
use crate::error::Result;
use crate::model::finding::Severity;
use crate::model::volumes::{ContainerRef, MountCell, PodVolumes, VolumeFinding, VolumeRow};

pub struct VolumesTableOptions {
    /// Adds the service account token row, the containers' user IDs, recursiveReadOnly and
    /// every mountPropagation.
    pub wide: bool,
    pub now: Timestamp,
    pub palette: Palette,
}

pub fn write_volumes_table(
    out: &mut dyn Write,
    pods: &[PodVolumes],
    opts: &VolumesTableOptions,
) -> Result<()> {
    super::write_pod_blocks(out, pods, &opts.palette, |text, pod| {
        pod_text(text, pod, opts);
    })
}

fn pod_text(s: &mut String, pod: &PodVolumes, opts: &VolumesTableOptions) {
    let p = &opts.palette;
    let _ = writeln!(s, "{}", header(pod, opts));
    if let Some(message) = &pod.view.message {
        let _ = writeln!(s, "  message: {}", neutralise(message.trim()));
    }
    let rows: Vec<&VolumeRow> = pod
        .volumes
        .iter()
        .filter(|r| opts.wide || !r.service_account_token)
        .collect();
    if rows.is_empty() {
        let _ = writeln!(s, "  (no volumes)");
    } else {
        matrix_text(s, pod, &rows, opts);
    }
    if !opts.wide {
        for row in pod.volumes.iter().filter(|r| r.service_account_token) {
            let note = format!(
                "  {}: service account token, read-only at the default path (-o wide shows it)",
                row.name
            );
            let _ = writeln!(s, "{}", p.paint(&note, Tone::Dim));
        }
    }
    findings_text(s, &pod.findings, p);
}

/// Like `ls`'s pod line; `!` also marks pods with warning or critical volume findings.
fn header(pod: &PodVolumes, opts: &VolumesTableOptions) -> String {
    let flagged = pod
        .findings
        .iter()
        .any(|f| f.finding.severity <= Severity::Warning);
    pod_line(&pod.view, flagged, opts.now, &opts.palette)
}

fn matrix_text(s: &mut String, pod: &PodVolumes, rows: &[&VolumeRow], opts: &VolumesTableOptions) {
    let p = &opts.palette;
    let mut header = vec![
        String::new(),
        "VOLUME".to_string(),
        "TYPE".to_string(),
        "SOURCE".to_string(),
    ];
    header.extend(pod.containers.iter().map(|c| column_title(c, opts.wide)));
    let mut gaps = vec![3; header.len()];
    gaps[0] = 1;
    let mut table = Columns::new(header, gaps);
    for row in rows {
        let marker = if row.problem {
            p.paint(MARKER, Tone::Bad)
        } else {
            String::new()
        };
        let mut cells = vec![
            marker,
            neutralise(&row.name).into_owned(),
            row.kind.as_str().to_string(),
            neutralise(&source_text(row)).into_owned(),
        ];
        for c in &pod.containers {
            let mounts: Vec<String> = row
                .mounts
                .iter()
                .filter(|m| m.container == c.name)
                .map(|m| cell_text(m, opts.wide))
                .collect();
            cells.push(if mounts.is_empty() {
                "-".to_string()
            } else {
                neutralise(&mounts.join(", ")).into_owned()
            });
        }
        table.push(cells);
    }
    let mut lines = table.lines();
    if let Some(header_line) = lines.next() {
        let _ = writeln!(s, "{}", p.paint(&header_line, Tone::Dim));
    }
    for line in lines {
        let _ = writeln!(s, "{line}");
    }
}

/// `nginx (main)`; wide adds the user: `nginx (main, uid 101)`.
fn column_title(c: &ContainerRef, wide: bool) -> String {
    let name = neutralise(&c.name);
    match (wide, c.run_as_user) {
        (true, Some(uid)) => format!("{name} ({}, uid {uid})", c.role.as_str()),
        _ => format!("{name} ({})", c.role.as_str()),
    }
}

/// `medium=Memory sizeLimit=64Mi` for an emptyDir, the source name otherwise.
fn source_text(row: &VolumeRow) -> String {
    let parts: Vec<String> = [
        row.source.clone(),
        row.medium.as_ref().map(|m| format!("medium={m}")),
        row.size_limit.as_ref().map(|l| format!("sizeLimit={l}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        "-".to_string()
    } else {
        parts.join(" ")
    }
}

/// `/var/log/nginx rw`, `/etc/app/app.yaml ro subPath=app.yaml`, `dev /dev/xvdb`.
fn cell_text(m: &MountCell, wide: bool) -> String {
    if m.device {
        return format!("dev {}", m.mount_path);
    }
    let mut text = format!("{} {}", m.mount_path, if m.read_only { "ro" } else { "rw" });
    if let Some(sub) = &m.sub_path {
        let _ = write!(text, " subPath={sub}");
    }
    if let Some(sub) = &m.sub_path_expr {
        let _ = write!(text, " subPathExpr={sub}");
    }
    if let Some(propagation) = m
        .mount_propagation
        .as_deref()
        .filter(|p| wide || *p != "None")
    {
        let _ = write!(text, " propagation={propagation}");
    }
    if let Some(rro) = m.recursive_read_only.as_deref().filter(|_| wide) {
        let _ = write!(text, " recursiveReadOnly={rro}");
    }
    text
}

fn severity_tone(severity: Severity) -> Tone {
    match severity {
        Severity::Critical => Tone::Bad,
        Severity::Warning => Tone::Warn,
        Severity::Info => Tone::Dim,
    }
}

/// Pads `plain` to `width`, painting only the text.
fn padded(painted: String, plain: &str, width: usize) -> String {
    let pad = width.saturating_sub(plain.chars().count());
    format!("{painted}{}", " ".repeat(pad))
}

fn findings_text(s: &mut String, findings: &[VolumeFinding], p: &Palette) {
    let title = p.paint("FINDINGS", Tone::Strong);
    if findings.is_empty() {
        let _ = writeln!(s, "\n{title}   none");
        return;
    }
    let _ = writeln!(s, "\n{title}");
    let rule_width = findings
        .iter()
        .map(|f| f.finding.rule.len())
        .max()
        .unwrap_or(0);
    for f in findings {
        let f = &f.finding;
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
            padded(p.paint(f.rule, Tone::Strong), f.rule, rule_width),
            neutralise(&f.summary)
        );
        for line in &f.evidence {
            let _ = writeln!(s, "      evidence: {}", neutralise(line));
        }
        if let Some(fix) = &f.fix {
            let _ = writeln!(
                s,
                "      {} {}",
                p.paint("fix:", Tone::Good),
                neutralise(fix)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell() -> MountCell {
        MountCell {
            container: "app".to_string(),
            mount_path: "/data".to_string(),
            read_only: false,
            sub_path: None,
            sub_path_expr: None,
            mount_propagation: None,
            recursive_read_only: None,
            device: false,
        }
    }

    #[test]
    fn cells_say_ro_rw_subpath_and_propagation() {
        assert_eq!(cell_text(&cell(), false), "/data rw");
        let mut m = cell();
        m.read_only = true;
        m.sub_path = Some("app.yaml".to_string());
        m.mount_propagation = Some("None".to_string());
        m.recursive_read_only = Some("Enabled".to_string());
        assert_eq!(cell_text(&m, false), "/data ro subPath=app.yaml");
        assert_eq!(
            cell_text(&m, true),
            "/data ro subPath=app.yaml propagation=None recursiveReadOnly=Enabled"
        );
        m.mount_propagation = Some("HostToContainer".to_string());
        assert!(cell_text(&m, false).ends_with("propagation=HostToContainer"));
        let mut d = cell();
        d.device = true;
        d.mount_path = "/dev/xvdb".to_string();
        assert_eq!(cell_text(&d, false), "dev /dev/xvdb");
    }
}
