//! Validated options: everything the commands need, resolved from the command line and the
//! environment before any network call, so a bad flag costs no round trip.
//!
//! This is the one place that reads ambient state (environment variables, whether stdout is
//! a terminal). Library code below never looks at the clap types or the environment.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;

use crate::cli::{ColorChoice, CommonArgs, OutputFormat};
use crate::error::{Error, Result};
use crate::source::selector::LabelSelector;
use crate::source::target::Target;

/// Environment variable that pins "now" (RFC 3339), so ages in golden tests are stable.
pub const NOW_ENV: &str = "KUBECTL_SIDECAR_NOW";

/// The environment as seen once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Ambient {
    pub no_color: bool,
    pub stdout_is_terminal: bool,
    pub term_is_dumb: bool,
    pub now: Option<String>,
    /// `COLUMNS` when set, else the terminal's width when stdout is one.
    pub terminal_width: Option<usize>,
}

impl Ambient {
    pub fn from_process() -> Self {
        Ambient {
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            stdout_is_terminal: std::io::stdout().is_terminal(),
            term_is_dumb: std::env::var("TERM").is_ok_and(|t| t == "dumb"),
            now: std::env::var(NOW_ENV).ok(),
            terminal_width: std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.parse().ok())
                .or_else(|| {
                    terminal_size::terminal_size_of(std::io::stdout())
                        .map(|(terminal_size::Width(w), _)| usize::from(w))
                }),
        }
    }
}

/// Which namespaces to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `-n NS`, or the kubeconfig context's namespace when `None`.
    Namespace(Option<String>),
    /// `-A`
    AllNamespaces,
}

/// Where pods come from.
#[derive(Debug, Clone)]
pub enum SourceChoice {
    Cluster(ClusterOptions),
    Files(Vec<PathBuf>),
}

#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    pub context: Option<String>,
    pub kubeconfig: Option<PathBuf>,
    pub request_timeout: Option<Duration>,
}

/// What to select, shared by every subcommand.
#[derive(Debug, Clone)]
pub struct Selection {
    pub scope: Scope,
    pub targets: Vec<Target>,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub container: Option<Regex>,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub selection: Selection,
    pub source: SourceChoice,
    pub output: OutputFormat,
    pub color: bool,
    pub now: jiff::Timestamp,
    /// Width to lay out wide renderings (timelines) in; 100 when unknown (pipes, files).
    pub width: usize,
}

impl Options {
    /// `output` and `filenames` are per subcommand (`logs` has neither `wide` nor `-f FILE`).
    pub fn from_args(
        args: &CommonArgs,
        output: OutputFormat,
        filenames: &[PathBuf],
        ambient: &Ambient,
    ) -> Result<Self> {
        let targets = args
            .targets
            .iter()
            .map(|t| Target::parse(t))
            .collect::<Result<Vec<_>>>()?;

        let scope = if args.all_namespaces {
            Scope::AllNamespaces
        } else {
            Scope::Namespace(args.namespace.clone())
        };
        if scope == Scope::AllNamespaces && !targets.is_empty() {
            return Err(Error::usage(
                "a pod or workload cannot be named together with -A/--all-namespaces",
            )
            .with_hint(
                "drop -A and pass -n NAMESPACE, or use -l to select pods across namespaces",
            ));
        }
        let names_pods = targets.iter().any(|t| matches!(t, Target::Pod(_)));
        if names_pods && (args.selector.is_some() || args.field_selector.is_some()) {
            return Err(Error::usage(
                "a pod name cannot be combined with -l/--selector or --field-selector",
            )
            .with_hint("name the pods, or select them with a selector, not both"));
        }

        if let Some(selector) = &args.selector {
            // Checked here so a typo fails before any request; the server parses it again.
            LabelSelector::parse(selector).map_err(|e| {
                Error::usage(format!("invalid label selector \"{selector}\": {e}"))
                    .with_hint("use key=value, key!=value, key in (a,b), key notin (a), key or !key, joined by commas")
            })?;
        }

        let container = args
            .container
            .as_deref()
            .map(|re| {
                Regex::new(re).map_err(|e| {
                    Error::usage(format!(
                        "invalid -c/--container regular expression \"{re}\": {e}"
                    ))
                })
            })
            .transpose()?;

        let source = if filenames.is_empty() {
            SourceChoice::Cluster(ClusterOptions {
                context: args.context.clone(),
                kubeconfig: args.kubeconfig.clone(),
                request_timeout: parse_request_timeout(&args.request_timeout)?,
            })
        } else {
            let stdin_count = filenames.iter().filter(|p| p.as_os_str() == "-").count();
            if stdin_count > 1 {
                return Err(Error::usage("-f - (stdin) can be given only once"));
            }
            SourceChoice::Files(filenames.to_vec())
        };

        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                ambient.stdout_is_terminal && !ambient.no_color && !ambient.term_is_dumb
            }
        } && matches!(output, OutputFormat::Table | OutputFormat::Wide);

        let now = match &ambient.now {
            Some(text) => text.parse::<jiff::Timestamp>().map_err(|e| {
                Error::usage(format!("invalid {NOW_ENV} \"{text}\": {e}"))
                    .with_hint("use an RFC 3339 timestamp such as 2026-11-23T12:00:00Z")
            })?,
            None => jiff::Timestamp::now(),
        };

        Ok(Options {
            selection: Selection {
                scope,
                targets,
                label_selector: args.selector.clone(),
                field_selector: args.field_selector.clone(),
                container,
            },
            source,
            output,
            color,
            now,
            width: ambient.terminal_width.filter(|w| *w >= 40).unwrap_or(100),
        })
    }
}

/// kubectl's `--request-timeout`: a bare number of seconds or a duration with a unit
/// (`500ms`, `10s`, `2m`, `1h`, `1m30s`); 0 means no timeout.
pub fn parse_request_timeout(text: &str) -> Result<Option<Duration>> {
    let invalid = || {
        Error::usage(format!("invalid --request-timeout \"{text}\""))
            .with_hint("use a number of seconds or a duration such as 500ms, 10s, 2m, 1m30s")
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid());
    }
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok((seconds > 0).then(|| Duration::from_secs(seconds)));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(invalid)?;
        let value: f64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(invalid()),
        };
        total += Duration::from_secs_f64(value * seconds_per_unit);
        rest = &rest[unit_len..];
    }
    Ok((!total.is_zero()).then_some(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn options(argv: &[&str], ambient: &Ambient) -> Result<Options> {
        let mut full = vec!["kubectl-sidecar", "ls"];
        full.extend_from_slice(argv);
        let cli = crate::cli::Cli::try_parse_from(full).expect("clap accepts the arguments");
        let crate::cli::Command::Ls(ls) = cli.command else {
            panic!("tests parse `ls` only");
        };
        Options::from_args(&ls.common, ls.output, &ls.files.filenames, ambient)
    }

    #[test]
    fn request_timeout_forms() {
        assert_eq!(parse_request_timeout("0").unwrap(), None);
        assert_eq!(
            parse_request_timeout("5").unwrap(),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_request_timeout("10s").unwrap(),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_request_timeout("2m").unwrap(),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_request_timeout("1m30s").unwrap(),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            parse_request_timeout("500ms").unwrap(),
            Some(Duration::from_millis(500))
        );
        for bad in ["", "s", "10x", "abc", "1.2.3s"] {
            assert!(parse_request_timeout(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn color_auto_follows_terminal_and_no_color() {
        let tty = Ambient {
            stdout_is_terminal: true,
            ..Ambient::default()
        };
        assert!(options(&[], &tty).unwrap().color);
        let no_color = Ambient {
            no_color: true,
            ..tty.clone()
        };
        assert!(!options(&[], &no_color).unwrap().color);
        assert!(!options(&[], &Ambient::default()).unwrap().color);
        assert!(
            options(&["--color", "always"], &Ambient::default())
                .unwrap()
                .color
        );
        assert!(!options(&["--color", "never"], &tty).unwrap().color);
        // Machine-readable output is never colored.
        assert!(
            !options(&["--color", "always", "-o", "json"], &tty)
                .unwrap()
                .color
        );
    }

    #[test]
    fn all_namespaces_with_named_target_is_rejected() {
        let err = options(&["-A", "web-0"], &Ambient::default()).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn pod_name_with_selector_is_rejected() {
        assert!(options(&["web-0", "-l", "app=web"], &Ambient::default()).is_err());
        // A workload may be narrowed by a selector.
        assert!(options(&["deploy/web", "-l", "track=canary"], &Ambient::default()).is_ok());
    }

    #[test]
    fn bad_selector_and_regex_fail_before_io() {
        assert!(options(&["-l", "app in (a"], &Ambient::default()).is_err());
        assert!(options(&["-c", "("], &Ambient::default()).is_err());
    }

    #[test]
    fn files_choose_offline_source() {
        let opts = options(&["-f", "a.yaml", "-f", "-"], &Ambient::default()).unwrap();
        assert!(matches!(opts.source, SourceChoice::Files(ref f) if f.len() == 2));
        assert!(options(&["-f", "-", "-f", "-"], &Ambient::default()).is_err());
    }

    #[test]
    fn now_can_be_pinned() {
        let ambient = Ambient {
            now: Some("2026-11-23T12:00:00Z".into()),
            ..Ambient::default()
        };
        let opts = options(&[], &ambient).unwrap();
        assert_eq!(opts.now.to_string(), "2026-11-23T12:00:00Z");
    }
}
