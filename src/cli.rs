//! The command line as clap sees it. Only types and help text live here; turning these into
//! validated options happens in `options.rs`, before any I/O.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str =
    "Debug multi-container pods: native sidecars, classic sidecars, init and main containers";

const LONG_ABOUT: &str = "\
Debug multi-container pods: native sidecars (init containers with restartPolicy: Always), \
classic sidecars, init containers and the main container.

Every command works against the cluster of your kubeconfig (like kubectl) or offline on files \
with -f (pod YAML/JSON, `kubectl get pods -o json` dumps, workload manifests, - for stdin).

Text from the cluster is untrusted: in tables and messages, control characters and bidi \
overrides in it are shown escaped (\\x1b, \\u202e), never sent to the terminal. JSON and YAML \
output is exact; `logs` prints log lines as the containers wrote them, like kubectl logs.";

const ROOT_EXAMPLES: &str = "\
Examples:
  # Every container of the pods in the current namespace, with role, order and state
  kubectl sidecar ls

  # The pods of a deployment, showing only containers that need attention
  kubectl sidecar ls deploy/checkout --only-problems

  # Offline, on a dump taken earlier
  kubectl get pods -n shop -o json > pods.json
  kubectl sidecar ls -f pods.json

Exit codes: 0 success, 1 runtime error (cluster, files, nothing matched), 2 usage error.";

const LS_EXAMPLES: &str = "\
Examples:
  # All pods of the current namespace
  kubectl sidecar ls

  # One pod, with images, resources and ports
  kubectl sidecar ls checkout-6d8f9b7c4-q8zpl -o wide

  # Everything that is not healthy, cluster-wide
  kubectl sidecar ls -A --only-problems

  # Pods of a workload, only the proxy containers
  kubectl sidecar ls deploy/web -c 'proxy|envoy'

  # Offline: a pod dump, a manifest, or stdin
  kubectl sidecar ls -f pods.json
  kubectl sidecar ls -f deployment.yaml
  kubectl get pods -o yaml | kubectl sidecar ls -f -

  # Machine-readable (schema in docs/output-schema.md)
  kubectl sidecar ls -o json";

/// `0.1.0 (commit 1a2b3c4d5e6f)`: the git commit comes from build.rs.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("KUBECTL_SIDECAR_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "kubectl-sidecar",
    bin_name = "kubectl sidecar",
    version = VERSION,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = ROOT_EXAMPLES,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every container of the selected pods: role, startup position, state, readiness,
    /// restarts and last termination
    #[command(visible_alias = "list", after_help = LS_EXAMPLES)]
    Ls(LsArgs),

    /// Declared startup and shutdown order vs. the actual timeline, with ordering hazards
    #[command(after_help = ORDER_EXAMPLES)]
    Order(OrderArgs),

    /// Which container mounts which volume where, and mount mismatches
    #[command(after_help = VOLUMES_EXAMPLES)]
    Volumes(VolumesArgs),

    /// Explain what is wrong with the pods' sidecars: findings with rule IDs, evidence and a fix
    #[command(after_help = DIAGNOSE_EXAMPLES)]
    Diagnose(DiagnoseArgs),

    /// Logs of every container of the selected pods (init, native sidecars, main, sidecars),
    /// merged in timestamp order and prefixed with pod/container
    #[command(after_help = LOGS_EXAMPLES)]
    Logs(LogsArgs),

    /// What a diagnose rule checks, why it matters, an example and the fix; without a rule,
    /// every rule by group
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),

    /// Print a shell completion script for kubectl-sidecar
    #[command(after_help = COMPLETION_HELP)]
    Completion(CompletionArgs),
}

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  # Every rule, by group
  kubectl sidecar explain

  # One rule, as named in a finding
  kubectl sidecar explain oom-killed";

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule ID, as a finding names it
    #[arg(value_name = "RULE", value_parser = rule_ids())]
    pub rule: Option<String>,
}

/// The catalog's IDs: clap rejects others (suggesting a close one) and completes these.
fn rule_ids() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(crate::checks::CATALOG.iter().map(|r| r.id))
}

const COMPLETION_HELP: &str = "\
These scripts complete the kubectl-sidecar executable. For `kubectl sidecar <TAB>`, kubectl
(1.26+) asks the kubectl_complete-sidecar executable instead: link it next to the plugin:
  ln -s \"$(command -v kubectl-sidecar)\" \"$(dirname \"$(command -v kubectl-sidecar)\")/kubectl_complete-sidecar\"

Examples:
  # bash, current shell
  source <(kubectl sidecar completion bash)

  # zsh: put _kubectl-sidecar on your fpath
  kubectl sidecar completion zsh > \"${fpath[1]}/_kubectl-sidecar\"

  # fish
  kubectl sidecar completion fish > ~/.config/fish/completions/kubectl-sidecar.fish";

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to generate the script for
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

const ORDER_EXAMPLES: &str = "\
Examples:
  # Start-up and shutdown order of one pod, its actual timeline and its hazards
  kubectl sidecar order checkout-6d8f9b7c4-q8zpl

  # The pods of a deployment, showing only the proxy containers
  kubectl sidecar order deploy/web -c 'proxy|envoy'

  # Ordering hazards of a manifest before it is applied (no status: no timeline)
  kubectl sidecar order -f deployment.yaml

  # Machine-readable: gates, shutdown steps, offsets in seconds, findings (docs/order.md)
  kubectl sidecar order web-0 -o json

Hazards (rule IDs shared with diagnose): startup-order, init-blocked, sidecar-as-init,
shutdown-order. The exit code is 0 even when hazards are found.";

const VOLUMES_EXAMPLES: &str = "\
Examples:
  # Volumes x containers of the pods of a deployment, with the mount findings
  kubectl sidecar volumes deploy/web

  # One pod, adding the service account token, user IDs and every mount option
  kubectl sidecar volumes web-7c9d8b6f5d-x2x4k -o wide

  # Only the log shipper's column and the findings that involve it
  kubectl sidecar volumes deploy/web -c 'fluent|log'

  # Mount findings of a manifest before it is applied
  kubectl sidecar volumes -f deployment.yaml

  # Machine-readable: the matrix and the findings (docs/volumes.md)
  kubectl sidecar volumes -n shop -o json

Findings (rule IDs shared with diagnose): mount-over-root, undefined-volume,
duplicate-mount-path, mount-mismatch, volume-no-writer, writer-read-only,
memory-emptydir-no-limit, volume-uid-mismatch, emptydir-not-shared, volume-unused,
subpath-no-updates, log-volume-no-size-limit, log-sidecar-no-storage-limit.
The exit code is 0 even when findings are reported.";

const DIAGNOSE_EXAMPLES: &str = "\
Examples:
  # What is wrong in the current namespace
  kubectl sidecar diagnose

  # One workload; replicas with the same finding are grouped
  kubectl sidecar diagnose deploy/checkout

  # Cluster-wide, machine-readable, failing the shell on critical findings
  kubectl sidecar diagnose -A -o json --fail-on critical

  # Offline, on a dump attached to the incident
  kubectl sidecar diagnose -f pods.json";

/// `order` takes the shared flags only; it has no wide form.
#[derive(Debug, Args)]
pub struct OrderArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Output format
    #[arg(short = 'o', long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,

    #[command(flatten)]
    pub files: FileArgs,
}

/// `volumes` takes the shared flags only; `-o wide` adds the service account token row, the
/// containers' user IDs, mountPropagation and recursiveReadOnly.
#[derive(Debug, Args)]
pub struct VolumesArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Output format (wide: also the service account token, user IDs, every mount option)
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    #[command(flatten)]
    pub files: FileArgs,
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Output format
    #[arg(short = 'o', long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,

    #[command(flatten)]
    pub files: FileArgs,

    /// Show only findings at or above this severity
    #[arg(long, value_enum, default_value_t = SeverityArg::Info, value_name = "LEVEL")]
    pub severity: SeverityArg,

    /// Exit with code 3 when a finding at or above this severity exists (never: always 0)
    #[arg(long, value_enum, default_value_t = FailOn::Critical, value_name = "LEVEL")]
    pub fail_on: FailOn,

    /// List every pod's findings separately instead of merging replicas of a workload
    #[arg(long)]
    pub no_group: bool,

    /// Report memory usage at or above this percentage of the limit (metrics API or
    /// PodMetrics dumps given with -f)
    #[arg(long, value_name = "PERCENT", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub memory_threshold: u32,

    /// Print the rule catalog (IDs and what they detect) and exit
    #[arg(long)]
    pub list_rules: bool,

    /// Under each finding whose fix is a spec change, print the JSON patch of the pod's owner
    /// (Deployment, StatefulSet, DaemonSet, Job, CronJob; the pod when bare) and the
    /// `kubectl patch` command; with -o yaml, print the patched owners instead of the report.
    /// Nothing is sent: the plugin never writes.
    #[arg(long)]
    pub fix: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Info,
    Warning,
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Info,
    Warning,
    Critical,
    Never,
}

const LOGS_EXAMPLES: &str = "\
Examples:
  # Every container of a pod, merged in time order
  kubectl sidecar logs agent-0

  # The last 20 lines of each container of a deployment's pods, with timestamps
  kubectl sidecar logs deploy/web --tail 20 --timestamps

  # Only the sidecars (native and classic), showing the role in the prefix
  kubectl sidecar logs checkout-6d8f9b7c4-q8zpl --role native-sidecar --role sidecar --prefix role

  # What the previous instance of each container said before it restarted
  kubectl sidecar logs checkout-6d8f9b7c4-q8zpl -p

  # Follow a deployment's pods through restarts and rollouts (Ctrl-C to stop)
  kubectl sidecar logs deploy/web -f --tail 10

  # Everything but the mesh proxy since a point in time, one JSON object per line
  kubectl sidecar logs -l app=web -E istio-proxy --since-time 2026-11-23T10:00:00Z -o json

A container whose log cannot be read (not started, no previous instance, forbidden) becomes
one marker line and the others are still shown. Logs need a cluster: as in kubectl logs,
-f means --follow here, not --filename.";

#[derive(Debug, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Output format: one JSON object per line (default: text lines)
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT")]
    pub output: Option<LogsFormat>,

    /// Not offered: logs have no offline mode. Kept hidden so that `--filename` gets an
    /// explanation instead of "unexpected argument".
    #[arg(long = "filename", value_name = "PATH", hide = true)]
    pub filename: Vec<PathBuf>,

    /// Every container of the selected pods: the default, kept for the spelling users know
    /// (-E and --role still narrow it; -c cannot be combined with it)
    #[arg(long, conflicts_with = "container")]
    pub all: bool,

    /// Leave out containers whose name matches this regular expression
    #[arg(short = 'E', long = "exclude-container", value_name = "REGEX")]
    pub exclude_container: Option<String>,

    /// Only containers with this role (repeatable). Ephemeral containers only when asked for
    #[arg(long = "role", value_enum, value_name = "ROLE")]
    pub roles: Vec<RoleArg>,

    /// Only lines newer than this duration (e.g. 30s, 5m, 1h30m)
    #[arg(long, value_name = "DURATION", conflicts_with = "since_time")]
    pub since: Option<String>,

    /// Only lines at or after this time (RFC 3339, e.g. 2026-11-23T10:00:00Z)
    #[arg(long, value_name = "TIME")]
    pub since_time: Option<String>,

    /// Only the last N lines of each container
    #[arg(long, value_name = "N")]
    pub tail: Option<u64>,

    /// The previous instance of each container (containers without one get a marker line)
    #[arg(short = 'p', long)]
    pub previous: bool,

    /// Print each line's timestamp as the container runtime recorded it
    #[arg(long)]
    pub timestamps: bool,

    /// What to put before each line
    #[arg(long, value_enum, default_value_t = PrefixArg::Pod, value_name = "WHAT")]
    pub prefix: PrefixArg,

    /// Raw lines without a prefix (same as --prefix none)
    #[arg(long, conflicts_with = "prefix")]
    pub no_prefix: bool,

    /// How many log requests run at once; more containers wait their turn
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_log_requests: usize,

    /// Keep streaming: history first, then new lines as they come; follows restarts, new and
    /// deleted pods, and stops when a Job's pods are done (-F works too)
    #[arg(short = 'f', short_alias = 'F', long, conflicts_with = "previous")]
    pub follow: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogsFormat {
    /// One JSON object per line
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Init,
    NativeSidecar,
    Main,
    Sidecar,
    Ephemeral,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrefixArg {
    /// pod/container (namespace/pod/container with -A)
    Pod,
    /// pod/container and the container's role
    Role,
    /// raw lines
    None,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Output format (wide: also images, CPU and memory requests/limits, ports)
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    #[command(flatten)]
    pub files: FileArgs,

    /// Show only containers that need attention (and the pods they belong to)
    #[arg(long, visible_alias = "problems")]
    pub only_problems: bool,

    /// Add live CPU and memory usage per container (metrics API; offline: PodMetrics dumps
    /// given with -f), with its share of the request and limit
    #[arg(long)]
    pub metrics: bool,
}

/// Flags shared by every subcommand, with kubectl's names and meanings.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Pods or workloads: NAME, pod/NAME, deploy/NAME, rs/NAME, sts/NAME, ds/NAME, job/NAME,
    /// cronjob/NAME. None: every pod of the namespace
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Namespace to use (default: the kubeconfig context's namespace, else "default")
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// Select pods in every namespace
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Label selector, applied by the API server (e.g. -l app=web,tier!=cache)
    #[arg(short = 'l', long = "selector", value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// Field selector, applied by the API server (e.g. --field-selector spec.nodeName=node-1)
    #[arg(long, value_name = "SELECTOR")]
    pub field_selector: Option<String>,

    /// Kubeconfig context to use
    #[arg(long, value_name = "CONTEXT")]
    pub context: Option<String>,

    /// Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// Time to wait for each API request before giving up (e.g. 10s, 1m; 0 = no timeout)
    #[arg(long, value_name = "DURATION", default_value = "0")]
    pub request_timeout: String,

    /// Only show containers whose name matches this regular expression
    #[arg(short = 'c', long = "container", value_name = "REGEX")]
    pub container: Option<String>,

    /// When to color the output (auto: only on a terminal, and never when NO_COLOR is set)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// `-f/--filename` of every subcommand but `logs` (where `-f` is `--follow`, as in kubectl).
#[derive(Debug, Args)]
pub struct FileArgs {
    /// Read pods from files instead of the cluster: a file, a directory or - for stdin
    /// (repeatable). Accepts Pod, List/PodList and workload manifests
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub filenames: Vec<PathBuf>,
}

/// `-o` of `ls` and `volumes`, and the format every command works with inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Wide,
    Json,
    Yaml,
}

/// `-o` of `order` and `diagnose`, which have no wide form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Yaml,
}

impl From<ReportFormat> for OutputFormat {
    fn from(format: ReportFormat) -> Self {
        match format {
            ReportFormat::Table => OutputFormat::Table,
            ReportFormat::Json => OutputFormat::Json,
            ReportFormat::Yaml => OutputFormat::Yaml,
        }
    }
}

impl From<Option<LogsFormat>> for OutputFormat {
    fn from(format: Option<LogsFormat>) -> Self {
        match format {
            None => OutputFormat::Table,
            Some(LogsFormat::Json) => OutputFormat::Json,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// docs/man holds man pages generated from this definition; this test fails when they are
    /// stale (`UPDATE_GOLDEN=1 cargo test` rewrites them).
    #[test]
    fn man_pages_are_fresh() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/man");
        // The package version only: the commit would make every commit stale the pages.
        let root = Cli::command()
            .name("kubectl-sidecar")
            .version(env!("CARGO_PKG_VERSION"));
        let mut pages = vec![("kubectl-sidecar.1".to_string(), root.clone())];
        for sub in root.get_subcommands() {
            let name = format!("kubectl-sidecar-{}", sub.get_name());
            // clap wants a 'static name; leaking a few test-only strings is fine.
            let name: &'static str = Box::leak(name.into_boxed_str());
            let page = sub.clone().name(name).version(env!("CARGO_PKG_VERSION"));
            pages.push((format!("{name}.1"), page));
        }
        for (file, command) in pages {
            let mut rendered = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut rendered)
                .expect("render man page");
            let path = dir.join(&file);
            if std::env::var_os("UPDATE_GOLDEN").is_some() {
                std::fs::write(&path, &rendered).expect("write man page");
                continue;
            }
            let committed = std::fs::read(&path).unwrap_or_default();
            assert!(
                committed == rendered,
                "docs/man/{file} is stale: run UPDATE_GOLDEN=1 cargo test"
            );
        }
    }
}
