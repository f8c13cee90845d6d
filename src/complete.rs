//! kubectl's plugin completion protocol (kubectl ≥ 1.26): to complete `kubectl sidecar …`,
//! kubectl runs `kubectl_complete-sidecar WORD… PARTIAL` and reads one candidate per line,
//! then `:N`, cobra's ShellCompDirective bit set.
//!
//! The same binary serves it when invoked under that name (a symlink or hard link). Deciding
//! what to complete is pure (`plan`); names from the cluster are looked up with a short
//! timeout and, when the cluster cannot be reached, simply left out.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::options::{ClusterOptions, Scope, Selection};
use crate::source::cluster::Cluster;
use crate::source::target::Target;

/// The executable name kubectl looks for on PATH.
pub const COMPLETION_EXECUTABLE: &str = "kubectl_complete-sidecar";

/// cobra's ShellCompDirective bits.
pub const DIRECTIVE_DEFAULT: u32 = 0;
pub const DIRECTIVE_NO_SPACE: u32 = 2;
pub const DIRECTIVE_NO_FILE_COMP: u32 = 4;

/// Each live lookup gives up after this; completion must never hang a shell.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

const WORKLOAD_PREFIXES: &[&str] = &["deploy/", "sts/", "ds/", "rs/", "job/", "cronjob/"];

/// What the words typed so far call for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// Fixed words (subcommands, flags, flag values).
    Words(Vec<String>),
    /// Let the shell complete file names.
    Files,
    Namespaces,
    Contexts,
    /// Pod names and workload prefixes, or the names of one workload kind (`deploy/`).
    Targets,
    WorkloadNames(String),
    /// Containers of the pod named on the line.
    Containers(String),
    Nothing,
}

/// Connection settings found among the typed words (`-n`, `--context`, `--kubeconfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Typed {
    pub namespace: Option<String>,
    pub context: Option<String>,
    pub kubeconfig: Option<PathBuf>,
    pub pod: Option<String>,
}

/// What the value of a flag is, for the flags whose values come from somewhere else than
/// the clap definition; other flags that take a value complete their clap possible values.
fn value_source(long: &str) -> &'static str {
    match long {
        "namespace" => "namespace",
        "context" => "context",
        "kubeconfig" | "filename" => "file",
        "container" => "container",
        _ => "values",
    }
}

/// The clap argument `flag` (`-o`, `--output`) of `subcommand`, if it takes a value: flags
/// differ per subcommand (`-f` is `--filename` in `ls`, `--follow` in `logs`).
fn value_arg(subcommand: Option<&str>, flag: &str) -> Option<clap::Arg> {
    let command = Cli::command();
    let sub = command.find_subcommand(subcommand?)?;
    let arg = sub
        .get_arguments()
        .find(|a| match flag.strip_prefix("--") {
            Some(long) => a.get_long() == Some(long),
            None => {
                let mut short = flag.strip_prefix('-').unwrap_or_default().chars();
                match (short.next(), short.next()) {
                    (Some(c), None) => a.get_short() == Some(c),
                    _ => false,
                }
            }
        })?;
    arg.get_action().takes_values().then(|| arg.clone())
}

fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// Long flags of a subcommand, from the clap definition (so they never drift).
fn flags_of(subcommand: &str) -> Vec<String> {
    let command = Cli::command();
    let Some(sub) = command.find_subcommand(subcommand) else {
        return Vec::new();
    };
    let mut flags: Vec<String> = sub
        .get_arguments()
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect();
    flags.push("--help".to_string());
    flags
}

fn words(list: &[&str]) -> Want {
    Want::Words(list.iter().map(|s| s.to_string()).collect())
}

/// Decides what to complete. `args` are the words after `kubectl sidecar`, the last one
/// being the partial word (possibly empty).
pub fn plan(args: &[String]) -> (Want, Typed) {
    let (partial, before) = match args.split_last() {
        Some((last, rest)) => (last.as_str(), rest),
        None => ("", &[][..]),
    };
    let mut typed = Typed::default();
    let mut subcommand: Option<&str> = None;
    let mut i = 0;
    while i < before.len() {
        let word = before[i].as_str();
        let (flag, inline_value) = match word.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f, Some(v.to_string())),
            _ => (word, None),
        };
        if let Some(arg) = value_arg(subcommand, flag) {
            let value = inline_value.or_else(|| {
                i += 1;
                before.get(i).cloned()
            });
            match (value_source(arg.get_long().unwrap_or_default()), value) {
                ("namespace", Some(v)) => typed.namespace = Some(v),
                ("context", Some(v)) => typed.context = Some(v),
                ("file", Some(v)) if flag == "--kubeconfig" => typed.kubeconfig = Some(v.into()),
                _ => {}
            }
        } else if !word.starts_with('-') {
            if subcommand.is_none() {
                subcommand = Some(word);
            } else if typed.pod.is_none()
                && let Ok(Target::Pod(name)) = Target::parse(word)
            {
                typed.pod = Some(name);
            }
        }
        i += 1;
    }

    // The value of a flag typed just before the partial word.
    if let Some(previous) = before.last()
        && !previous.contains('=')
        && let Some(arg) = value_arg(subcommand, previous)
    {
        let want = match value_source(arg.get_long().unwrap_or_default()) {
            "namespace" => Want::Namespaces,
            "context" => Want::Contexts,
            "file" => Want::Files,
            "container" => typed.pod.clone().map_or(Want::Nothing, Want::Containers),
            _ => {
                let values: Vec<String> = arg
                    .get_possible_values()
                    .iter()
                    .filter(|v| !v.is_hide_set())
                    .map(|v| v.get_name().to_string())
                    .collect();
                if values.is_empty() {
                    Want::Nothing
                } else {
                    Want::Words(values)
                }
            }
        };
        return (want, typed);
    }

    let Some(subcommand) = subcommand else {
        return (Want::Words(subcommands()), typed);
    };
    if partial.starts_with('-') {
        return (Want::Words(flags_of(subcommand)), typed);
    }
    let want = match subcommand {
        "completion" => words(&["bash", "zsh", "fish", "powershell"]),
        "explain" => Want::Words(
            crate::checks::CATALOG
                .iter()
                .map(|r| r.id.to_string())
                .collect(),
        ),
        "ls" | "list" | "order" | "volumes" | "diagnose" | "logs" => {
            match partial.split_once('/') {
                Some((kind, _)) => Want::WorkloadNames(kind.to_string()),
                None => Want::Targets,
            }
        }
        _ => Want::Nothing,
    };
    (want, typed)
}

/// Kubeconfig contexts, read from the file only (no network).
fn contexts(typed: &Typed) -> Vec<String> {
    let config = match &typed.kubeconfig {
        Some(path) => kube::config::Kubeconfig::read_from(path),
        None => kube::config::Kubeconfig::read(),
    };
    config
        .map(|c| c.contexts.into_iter().map(|c| c.name).collect())
        .unwrap_or_default()
}

async fn live(want: &Want, typed: &Typed) -> Option<Vec<String>> {
    let options = ClusterOptions {
        context: typed.context.clone(),
        kubeconfig: typed.kubeconfig.clone(),
        request_timeout: Some(LOOKUP_TIMEOUT),
    };
    let cluster = Cluster::connect(&options).await.ok()?;
    let namespace = typed
        .namespace
        .clone()
        .unwrap_or_else(|| cluster.default_namespace.clone());
    match want {
        Want::Namespaces => cluster.namespace_names().await.ok(),
        Want::Targets => {
            let selection = Selection {
                scope: Scope::Namespace(Some(namespace)),
                targets: Vec::new(),
                label_selector: None,
                field_selector: None,
                container: None,
            };
            let mut names: Vec<String> = cluster
                .load_pods(&selection)
                .await
                .map(|loaded| {
                    loaded
                        .pods
                        .into_iter()
                        .filter_map(|p| p.pod.metadata.name)
                        .collect()
                })
                .unwrap_or_default();
            names.extend(WORKLOAD_PREFIXES.iter().map(|p| p.to_string()));
            Some(names)
        }
        Want::WorkloadNames(kind) => {
            let Ok(Target::Workload { kind: workload, .. }) = Target::parse(&format!("{kind}/x"))
            else {
                return None;
            };
            let names = cluster.workload_names(&namespace, workload).await.ok()?;
            Some(names.into_iter().map(|n| format!("{kind}/{n}")).collect())
        }
        Want::Containers(pod) => {
            let pod = cluster.get_pod(&namespace, pod).await.ok()?;
            let spec = pod.spec?;
            Some(
                spec.init_containers
                    .into_iter()
                    .flatten()
                    .chain(spec.containers)
                    .map(|c| c.name)
                    .collect(),
            )
        }
        _ => None,
    }
}

/// Candidates and directive for the typed words.
pub async fn candidates(args: &[String]) -> (Vec<String>, u32) {
    let partial = args.last().map(String::as_str).unwrap_or("");
    let (want, typed) = plan(args);
    let (mut list, directive) = match &want {
        Want::Files => return (Vec::new(), DIRECTIVE_DEFAULT),
        Want::Nothing => (Vec::new(), DIRECTIVE_NO_FILE_COMP),
        Want::Words(list) => (list.clone(), DIRECTIVE_NO_FILE_COMP),
        Want::Contexts => (contexts(&typed), DIRECTIVE_NO_FILE_COMP),
        other => {
            let found = tokio::time::timeout(LOOKUP_TIMEOUT * 2, live(other, &typed))
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            (found, DIRECTIVE_NO_FILE_COMP)
        }
    };
    list.retain(|c| c.starts_with(partial));
    // `deploy/` needs the name typed right after it: no space.
    let directive = if !list.is_empty() && list.iter().all(|c| c.ends_with('/')) {
        directive | DIRECTIVE_NO_SPACE
    } else {
        directive
    };
    (list, directive)
}

/// Runs the protocol: candidates on stdout, one per line, then `:directive`.
pub async fn run(args: &[String], out: &mut dyn Write) -> std::io::Result<()> {
    let (list, directive) = candidates(args).await;
    for candidate in list {
        writeln!(out, "{candidate}")?;
    }
    writeln!(out, ":{directive}")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(words: &[&str]) -> Want {
        let args: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        plan(&args).0
    }

    #[test]
    fn subcommands_first() {
        let Want::Words(list) = plan_of(&[""]) else {
            panic!()
        };
        for sub in ["ls", "order", "volumes", "diagnose", "completion"] {
            assert!(list.contains(&sub.to_string()), "{sub}");
        }
    }

    #[test]
    fn flag_values() {
        assert_eq!(
            plan_of(&["ls", "-o", ""]),
            words(&["table", "wide", "json", "yaml"])
        );
        assert_eq!(
            plan_of(&["ls", "--color", "a"]),
            words(&["auto", "always", "never"])
        );
        assert_eq!(
            plan_of(&["diagnose", "--fail-on", ""]),
            words(&["info", "warning", "critical", "never"])
        );
        // Each subcommand offers the formats it prints.
        assert_eq!(
            plan_of(&["order", "-o", ""]),
            words(&["table", "json", "yaml"])
        );
        assert_eq!(
            plan_of(&["diagnose", "--output", ""]),
            words(&["table", "json", "yaml"])
        );
        assert_eq!(plan_of(&["logs", "-o", ""]), words(&["json"]));
        // In logs -f is --follow (no value): what follows is a target, not a file.
        assert_eq!(plan_of(&["logs", "-f", ""]), Want::Targets);
        assert_eq!(plan_of(&["logs", "-f", "-n", ""]), Want::Namespaces);
        assert_eq!(plan_of(&["volumes", "-f", ""]), Want::Files);
        assert_eq!(plan_of(&["ls", "-n", ""]), Want::Namespaces);
        assert_eq!(plan_of(&["ls", "--context", ""]), Want::Contexts);
        assert_eq!(plan_of(&["ls", "-f", ""]), Want::Files);
        assert_eq!(plan_of(&["ls", "-l", ""]), Want::Nothing);
    }

    #[test]
    fn targets_and_containers() {
        assert_eq!(plan_of(&["ls", ""]), Want::Targets);
        assert_eq!(plan_of(&["ls", "-n", "shop", "de"]), Want::Targets);
        assert_eq!(
            plan_of(&["ls", "deploy/ch"]),
            Want::WorkloadNames("deploy".into())
        );
        assert_eq!(
            plan_of(&["ls", "web-0", "-c", ""]),
            Want::Containers("web-0".into())
        );
        assert_eq!(plan_of(&["ls", "-c", ""]), Want::Nothing);
        let (_, typed) = plan(&[
            "ls".to_string(),
            "--namespace=shop".to_string(),
            "--context".to_string(),
            "prod".to_string(),
            "".to_string(),
        ]);
        assert_eq!(typed.namespace.as_deref(), Some("shop"));
        assert_eq!(typed.context.as_deref(), Some("prod"));
    }

    #[test]
    fn flags_come_from_the_cli_definition() {
        let Want::Words(list) = plan_of(&["diagnose", "--f"]) else {
            panic!()
        };
        assert!(list.contains(&"--fail-on".to_string()));
        assert!(list.contains(&"--field-selector".to_string()));
        assert!(list.contains(&"--namespace".to_string()));
    }
}
