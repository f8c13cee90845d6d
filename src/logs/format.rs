//! Turning lines into output: the `pod/container` prefix (aligned, one stable color per
//! container name), markers, and `-o json` lines. Formatting never decides what to read.

use std::io::{self, Write};

use owo_colors::{AnsiColors, OwoColorize};
use serde::Serialize;

use super::tail::Line;
use super::target::LogTarget;
use crate::render::sanitize::neutralise;

/// What goes before each line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// `pod/container` (`namespace/pod/container` with -A).
    Pod,
    /// `pod/container (role)`.
    Role,
    /// Raw lines.
    None,
}

#[derive(Debug, Clone)]
pub struct Format {
    pub prefix: Prefix,
    /// Put the namespace in the prefix (-A).
    pub namespaces: bool,
    pub color: bool,
    /// Print the runtime's timestamp after the prefix.
    pub timestamps: bool,
    /// One JSON object per line instead of text.
    pub json: bool,
    /// Width the prefixes are padded to (the longest one of the run).
    pub width: usize,
}

/// Colors a container name can get: readable on dark and light terminals.
const COLORS: [AnsiColors; 10] = [
    AnsiColors::Cyan,
    AnsiColors::Green,
    AnsiColors::Magenta,
    AnsiColors::Yellow,
    AnsiColors::Blue,
    AnsiColors::BrightCyan,
    AnsiColors::BrightGreen,
    AnsiColors::BrightMagenta,
    AnsiColors::BrightYellow,
    AnsiColors::BrightBlue,
];

/// The same container name gets the same color in every run (FNV-1a, not the std hasher,
/// whose output may change between Rust releases).
pub fn color_of(container: &str) -> AnsiColors {
    let hash = container.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    COLORS[hash as usize % COLORS.len()]
}

/// `-o json`: one object per line (docs/logs.md).
#[derive(Debug, Serialize)]
struct JsonLine<'a> {
    timestamp: Option<String>,
    namespace: &'a str,
    pod: &'a str,
    container: &'a str,
    role: &'a str,
    previous: bool,
    message: &'a str,
}

/// RFC3339 with nine fractional digits, as the kubelet prints it.
fn stamp(time: jiff::Timestamp) -> String {
    time.strftime("%Y-%m-%dT%H:%M:%S.%NZ").to_string()
}

impl Format {
    /// Text without colour, timestamps or padding: what tests start from.
    #[cfg(test)]
    pub fn plain(prefix: Prefix) -> Format {
        Format {
            prefix,
            namespaces: false,
            color: false,
            timestamps: false,
            json: false,
            width: 0,
        }
    }

    /// The uncolored, unpadded prefix of a target.
    pub fn prefix_of(&self, target: &LogTarget) -> String {
        let name = self.name_of(target);
        match self.prefix {
            Prefix::Pod => name,
            Prefix::Role => format!("{name} ({})", target.role.as_str()),
            Prefix::None => String::new(),
        }
    }

    /// `pod/container`, neutralised: names come from the cluster. (Log lines themselves are
    /// printed as the container wrote them, like `kubectl logs`.)
    fn name_of(&self, target: &LogTarget) -> String {
        let name = if self.namespaces {
            format!("{}/{}/{}", target.namespace, target.pod, target.container)
        } else {
            format!("{}/{}", target.pod, target.container)
        };
        neutralise(&name).into_owned()
    }

    /// Pads every prefix to the longest of these targets.
    pub fn align<'a>(&mut self, targets: impl IntoIterator<Item = &'a LogTarget>) {
        self.width = targets
            .into_iter()
            .map(|t| self.prefix_of(t).chars().count())
            .max()
            .unwrap_or(0);
    }

    /// What goes before every text line of `target`: the prefix colored and padded, and its
    /// separating space (empty with `--prefix none` and with JSON). Computed once per target.
    pub fn lead(&self, target: &LogTarget) -> Vec<u8> {
        if self.json || self.prefix == Prefix::None {
            return Vec::new();
        }
        let prefix = self.prefix_of(target);
        let pad = self.width.saturating_sub(prefix.chars().count());
        let mut lead = if self.color {
            prefix.color(color_of(&target.container)).to_string()
        } else {
            prefix
        };
        lead.extend(std::iter::repeat_n(' ', pad + 1));
        lead.into_bytes()
    }

    pub fn write_line(
        &self,
        out: &mut dyn Write,
        target: &LogTarget,
        line: &Line,
    ) -> io::Result<()> {
        self.write_message(out, &self.lead(target), target, line.time, &line.message)
    }

    /// One line of `target`, `lead` being [`Format::lead`] of `target`.
    pub fn write_message(
        &self,
        out: &mut dyn Write,
        lead: &[u8],
        target: &LogTarget,
        time: Option<jiff::Timestamp>,
        message: &str,
    ) -> io::Result<()> {
        if self.json {
            let json = JsonLine {
                timestamp: time.map(stamp),
                namespace: &target.namespace,
                pod: &target.pod,
                container: &target.container,
                role: target.role.as_str(),
                previous: target.previous,
                message,
            };
            serde_json::to_writer(&mut *out, &json)?;
            return out.write_all(b"\n");
        }
        out.write_all(lead)?;
        if self.timestamps {
            match time {
                Some(time) => write!(out, "{} ", stamp(time))?,
                None => write!(out, "{:30} ", "-")?,
            }
        }
        out.write_all(message.as_bytes())?;
        out.write_all(b"\n")
    }

    /// `── pod/container{text} ──` on its own line; `text` starts with its separator
    /// (`: no previous instance`, ` restarted: OOMKilled (137), restart 8`).
    pub fn write_marker(
        &self,
        out: &mut dyn Write,
        target: &LogTarget,
        text: &str,
    ) -> io::Result<()> {
        let marker = format!("── {}{} ──", self.name_of(target), neutralise(text));
        if self.color {
            writeln!(out, "{}", marker.dimmed())
        } else {
            writeln!(out, "{marker}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    fn target(container: &str, role: Role) -> LogTarget {
        LogTarget {
            namespace: "obs".into(),
            pod: "agent-0".into(),
            pod_uid: None,
            container: container.into(),
            role,
            previous: false,
            container_id: None,
        }
    }

    fn format(prefix: Prefix) -> Format {
        Format::plain(prefix)
    }

    fn render(format: &Format, target: &LogTarget, line: &Line) -> String {
        let mut out = Vec::new();
        format.write_line(&mut out, target, line).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn line(message: &str) -> Line {
        Line {
            time: "2026-11-23T10:00:01.5Z".parse().ok(),
            message: message.into(),
        }
    }

    #[test]
    fn prefixes_are_aligned_and_modes_differ() {
        let short = target("a", Role::Main);
        let long = target("fluent-bit", Role::NativeSidecar);
        let mut pod = format(Prefix::Pod);
        pod.align([&short, &long]);
        assert_eq!(render(&pod, &short, &line("hi")), "agent-0/a          hi\n");
        assert_eq!(render(&pod, &long, &line("hi")), "agent-0/fluent-bit hi\n");

        let mut role = format(Prefix::Role);
        role.align([&short]);
        assert_eq!(render(&role, &short, &line("hi")), "agent-0/a (main) hi\n");

        let none = format(Prefix::None);
        assert_eq!(render(&none, &short, &line("raw")), "raw\n");

        let mut all = format(Prefix::Pod);
        all.namespaces = true;
        all.timestamps = true;
        assert_eq!(
            render(&all, &short, &line("hi")),
            "obs/agent-0/a 2026-11-23T10:00:01.500000000Z hi\n"
        );
    }

    #[test]
    fn color_is_stable_per_container_name() {
        assert_eq!(color_of("istio-proxy"), color_of("istio-proxy"));
        let mut colored = format(Prefix::Pod);
        colored.color = true;
        let text = render(&colored, &target("a", Role::Main), &line("hi"));
        assert!(text.starts_with("\u{1b}["), "{text:?}");
        assert!(text.ends_with(" hi\n"));
    }

    #[test]
    fn json_lines_carry_identity_and_role() {
        let mut json = format(Prefix::Pod);
        json.json = true;
        let text = render(
            &json,
            &target("fluent-bit", Role::NativeSidecar),
            &line("x"),
        );
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["timestamp"], "2026-11-23T10:00:01.500000000Z");
        assert_eq!(value["role"], "native-sidecar");
        assert_eq!(value["container"], "fluent-bit");
        assert_eq!(value["previous"], false);
        assert_eq!(value["message"], "x");
    }
}
