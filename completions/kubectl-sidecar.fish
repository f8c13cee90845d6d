# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_sidecar_global_optspecs
    string join \n h/help V/version
end

function __fish_kubectl_sidecar_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_sidecar_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_sidecar_using_subcommand
    set -l cmd (__fish_kubectl_sidecar_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_needs_command" -f -a "ls" -d 'List every container of the selected pods: role, startup position, state, readiness, restarts and last termination'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_needs_command" -f -a "list" -d 'List every container of the selected pods: role, startup position, state, readiness, restarts and last termination'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_needs_command" -f -a "order" -d 'Declared startup and shutdown order vs. the actual timeline, with ordering hazards'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_needs_command" -f -a "volumes" -d 'Which container mounts which volume where, and mount mismatches'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_needs_command" -f -a "diagnose" -d 'Explain what is wrong with the pods\' sidecars: findings with rule IDs, evidence and a fix'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_needs_command" -f -a "logs" -d 'Logs of every container of the selected pods (init, native sidecars, main, sidecars), merged in timestamp order and prefixed with pod/container'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_needs_command" -f -a "explain" -d 'What a diagnose rule checks, why it matters, an example and the fix; without a rule, every rule by group'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_needs_command" -f -a "completion" -d 'Print a shell completion script for kubectl-sidecar'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand ls" -s n -l namespace -d 'Namespace to use (default: the kubeconfig context\'s namespace, else "default")' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand ls" -s l -l selector -d 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand ls" -l field-selector -d 'Field selector, applied by the API server (e.g. --field-selector spec.nodeName=node-1)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand ls" -l context -d 'Kubeconfig context to use' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand ls" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand ls" -l request-timeout -d 'Time to wait for each API request before giving up (e.g. 10s, 1m; 0 = no timeout)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand ls" -s c -l container -d 'Only show containers whose name matches this regular expression' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand ls" -l color -d 'When to color the output (auto: only on a terminal, and never when NO_COLOR is set)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand ls" -s o -l output -d 'Output format (wide: also images, CPU and memory requests/limits, ports)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand ls" -s f -l filename -d 'Read pods from files instead of the cluster: a file, a directory or - for stdin (repeatable). Accepts Pod, List/PodList and workload manifests' -r -F
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand ls" -s A -l all-namespaces -d 'Select pods in every namespace'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand ls" -l only-problems -l problems -d 'Show only containers that need attention (and the pods they belong to)'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand ls" -l metrics -d 'Add live CPU and memory usage per container (metrics API; offline: PodMetrics dumps given with -f), with its share of the request and limit'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand ls" -s h -l help -d 'Print help'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand ls" -s V -l version -d 'Print version'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand list" -s n -l namespace -d 'Namespace to use (default: the kubeconfig context\'s namespace, else "default")' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand list" -s l -l selector -d 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand list" -l field-selector -d 'Field selector, applied by the API server (e.g. --field-selector spec.nodeName=node-1)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand list" -l context -d 'Kubeconfig context to use' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand list" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand list" -l request-timeout -d 'Time to wait for each API request before giving up (e.g. 10s, 1m; 0 = no timeout)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand list" -s c -l container -d 'Only show containers whose name matches this regular expression' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand list" -l color -d 'When to color the output (auto: only on a terminal, and never when NO_COLOR is set)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand list" -s o -l output -d 'Output format (wide: also images, CPU and memory requests/limits, ports)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand list" -s f -l filename -d 'Read pods from files instead of the cluster: a file, a directory or - for stdin (repeatable). Accepts Pod, List/PodList and workload manifests' -r -F
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand list" -s A -l all-namespaces -d 'Select pods in every namespace'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand list" -l only-problems -l problems -d 'Show only containers that need attention (and the pods they belong to)'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand list" -l metrics -d 'Add live CPU and memory usage per container (metrics API; offline: PodMetrics dumps given with -f), with its share of the request and limit'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand list" -s h -l help -d 'Print help'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand list" -s V -l version -d 'Print version'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand order" -s n -l namespace -d 'Namespace to use (default: the kubeconfig context\'s namespace, else "default")' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand order" -s l -l selector -d 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand order" -l field-selector -d 'Field selector, applied by the API server (e.g. --field-selector spec.nodeName=node-1)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand order" -l context -d 'Kubeconfig context to use' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand order" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand order" -l request-timeout -d 'Time to wait for each API request before giving up (e.g. 10s, 1m; 0 = no timeout)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand order" -s c -l container -d 'Only show containers whose name matches this regular expression' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand order" -l color -d 'When to color the output (auto: only on a terminal, and never when NO_COLOR is set)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand order" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand order" -s f -l filename -d 'Read pods from files instead of the cluster: a file, a directory or - for stdin (repeatable). Accepts Pod, List/PodList and workload manifests' -r -F
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand order" -s A -l all-namespaces -d 'Select pods in every namespace'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand order" -s h -l help -d 'Print help'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand order" -s V -l version -d 'Print version'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand volumes" -s n -l namespace -d 'Namespace to use (default: the kubeconfig context\'s namespace, else "default")' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand volumes" -s l -l selector -d 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand volumes" -l field-selector -d 'Field selector, applied by the API server (e.g. --field-selector spec.nodeName=node-1)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand volumes" -l context -d 'Kubeconfig context to use' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand volumes" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand volumes" -l request-timeout -d 'Time to wait for each API request before giving up (e.g. 10s, 1m; 0 = no timeout)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand volumes" -s c -l container -d 'Only show containers whose name matches this regular expression' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand volumes" -l color -d 'When to color the output (auto: only on a terminal, and never when NO_COLOR is set)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand volumes" -s o -l output -d 'Output format (wide: also the service account token, user IDs, every mount option)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand volumes" -s f -l filename -d 'Read pods from files instead of the cluster: a file, a directory or - for stdin (repeatable). Accepts Pod, List/PodList and workload manifests' -r -F
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand volumes" -s A -l all-namespaces -d 'Select pods in every namespace'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand volumes" -s h -l help -d 'Print help'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand volumes" -s V -l version -d 'Print version'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -s n -l namespace -d 'Namespace to use (default: the kubeconfig context\'s namespace, else "default")' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -s l -l selector -d 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -l field-selector -d 'Field selector, applied by the API server (e.g. --field-selector spec.nodeName=node-1)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -l context -d 'Kubeconfig context to use' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -l request-timeout -d 'Time to wait for each API request before giving up (e.g. 10s, 1m; 0 = no timeout)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -s c -l container -d 'Only show containers whose name matches this regular expression' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -l color -d 'When to color the output (auto: only on a terminal, and never when NO_COLOR is set)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -s f -l filename -d 'Read pods from files instead of the cluster: a file, a directory or - for stdin (repeatable). Accepts Pod, List/PodList and workload manifests' -r -F
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -l severity -d 'Show only findings at or above this severity' -r -f -a "info\t''
warning\t''
critical\t''"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -l fail-on -d 'Exit with code 3 when a finding at or above this severity exists (never: always 0)' -r -f -a "info\t''
warning\t''
critical\t''
never\t''"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -l memory-threshold -d 'Report memory usage at or above this percentage of the limit (metrics API or PodMetrics dumps given with -f)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -s A -l all-namespaces -d 'Select pods in every namespace'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -l no-group -d 'List every pod\'s findings separately instead of merging replicas of a workload'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -l list-rules -d 'Print the rule catalog (IDs and what they detect) and exit'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -l fix -d 'Under each finding whose fix is a spec change, print the JSON patch of the pod\'s owner (Deployment, StatefulSet, DaemonSet, Job, CronJob; the pod when bare) and the `kubectl patch` command; with -o yaml, print the patched owners instead of the report. Nothing is sent: the plugin never writes'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -s h -l help -d 'Print help'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand diagnose" -s V -l version -d 'Print version'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -s n -l namespace -d 'Namespace to use (default: the kubeconfig context\'s namespace, else "default")' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -s l -l selector -d 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -l field-selector -d 'Field selector, applied by the API server (e.g. --field-selector spec.nodeName=node-1)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -l context -d 'Kubeconfig context to use' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)' -r -F
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -l request-timeout -d 'Time to wait for each API request before giving up (e.g. 10s, 1m; 0 = no timeout)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -s c -l container -d 'Only show containers whose name matches this regular expression' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -l color -d 'When to color the output (auto: only on a terminal, and never when NO_COLOR is set)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -s o -l output -d 'Output format: one JSON object per line (default: text lines)' -r -f -a "json\t'One JSON object per line'"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -l filename -d 'Not offered: logs have no offline mode. Kept hidden so that `--filename` gets an explanation instead of "unexpected argument"' -r -F
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -s E -l exclude-container -d 'Leave out containers whose name matches this regular expression' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -l role -d 'Only containers with this role (repeatable). Ephemeral containers only when asked for' -r -f -a "init\t''
native-sidecar\t''
main\t''
sidecar\t''
ephemeral\t''"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -l since -d 'Only lines newer than this duration (e.g. 30s, 5m, 1h30m)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -l since-time -d 'Only lines at or after this time (RFC 3339, e.g. 2026-11-23T10:00:00Z)' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -l tail -d 'Only the last N lines of each container' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -l prefix -d 'What to put before each line' -r -f -a "pod\t'pod/container (namespace/pod/container with -A)'
role\t'pod/container and the container\'s role'
none\t'raw lines'"
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -l max-log-requests -d 'How many log requests run at once; more containers wait their turn' -r
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -s A -l all-namespaces -d 'Select pods in every namespace'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -l all -d 'Every container of the selected pods: the default, kept for the spelling users know (-E and --role still narrow it; -c cannot be combined with it)'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -s p -l previous -d 'The previous instance of each container (containers without one get a marker line)'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -l timestamps -d 'Print each line\'s timestamp as the container runtime recorded it'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -l no-prefix -d 'Raw lines without a prefix (same as --prefix none)'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -s f -l follow -d 'Keep streaming: history first, then new lines as they come; follows restarts, new and deleted pods, and stops when a Job\'s pods are done (-F works too)'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand logs" -s V -l version -d 'Print version'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand explain" -s h -l help -d 'Print help'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand explain" -s V -l version -d 'Print version'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand completion" -s h -l help -d 'Print help'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand completion" -s V -l version -d 'Print version'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand help; and not __fish_seen_subcommand_from ls order volumes diagnose logs explain completion help" -f -a "ls" -d 'List every container of the selected pods: role, startup position, state, readiness, restarts and last termination'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand help; and not __fish_seen_subcommand_from ls order volumes diagnose logs explain completion help" -f -a "order" -d 'Declared startup and shutdown order vs. the actual timeline, with ordering hazards'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand help; and not __fish_seen_subcommand_from ls order volumes diagnose logs explain completion help" -f -a "volumes" -d 'Which container mounts which volume where, and mount mismatches'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand help; and not __fish_seen_subcommand_from ls order volumes diagnose logs explain completion help" -f -a "diagnose" -d 'Explain what is wrong with the pods\' sidecars: findings with rule IDs, evidence and a fix'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand help; and not __fish_seen_subcommand_from ls order volumes diagnose logs explain completion help" -f -a "logs" -d 'Logs of every container of the selected pods (init, native sidecars, main, sidecars), merged in timestamp order and prefixed with pod/container'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand help; and not __fish_seen_subcommand_from ls order volumes diagnose logs explain completion help" -f -a "explain" -d 'What a diagnose rule checks, why it matters, an example and the fix; without a rule, every rule by group'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand help; and not __fish_seen_subcommand_from ls order volumes diagnose logs explain completion help" -f -a "completion" -d 'Print a shell completion script for kubectl-sidecar'
complete -c kubectl-sidecar -n "__fish_kubectl_sidecar_using_subcommand help; and not __fish_seen_subcommand_from ls order volumes diagnose logs explain completion help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
