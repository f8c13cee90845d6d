
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-sidecar' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-sidecar'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-sidecar' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List every container of the selected pods: role, startup position, state, readiness, restarts and last termination')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List every container of the selected pods: role, startup position, state, readiness, restarts and last termination')
            [CompletionResult]::new('order', 'order', [CompletionResultType]::ParameterValue, 'Declared startup and shutdown order vs. the actual timeline, with ordering hazards')
            [CompletionResult]::new('volumes', 'volumes', [CompletionResultType]::ParameterValue, 'Which container mounts which volume where, and mount mismatches')
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'Explain what is wrong with the pods'' sidecars: findings with rule IDs, evidence and a fix')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Logs of every container of the selected pods (init, native sidecars, main, sidecars), merged in timestamp order and prefixed with pod/container')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'What a diagnose rule checks, why it matters, an example and the fix; without a rule, every rule by group')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script for kubectl-sidecar')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-sidecar;ls' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to use (default: the kubeconfig context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to use (default: the kubeconfig context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)')
            [CompletionResult]::new('--field-selector', '--field-selector', [CompletionResultType]::ParameterName, 'Field selector, applied by the API server (e.g. --field-selector spec.nodeName=node-1)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time to wait for each API request before giving up (e.g. 10s, 1m; 0 = no timeout)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Only show containers whose name matches this regular expression')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Only show containers whose name matches this regular expression')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the output (auto: only on a terminal, and never when NO_COLOR is set)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format (wide: also images, CPU and memory requests/limits, ports)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (wide: also images, CPU and memory requests/limits, ports)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read pods from files instead of the cluster: a file, a directory or - for stdin (repeatable). Accepts Pod, List/PodList and workload manifests')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Read pods from files instead of the cluster: a file, a directory or - for stdin (repeatable). Accepts Pod, List/PodList and workload manifests')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Select pods in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Select pods in every namespace')
            [CompletionResult]::new('--only-problems', '--only-problems', [CompletionResultType]::ParameterName, 'Show only containers that need attention (and the pods they belong to)')
            [CompletionResult]::new('--problems', '--problems', [CompletionResultType]::ParameterName, 'Show only containers that need attention (and the pods they belong to)')
            [CompletionResult]::new('--metrics', '--metrics', [CompletionResultType]::ParameterName, 'Add live CPU and memory usage per container (metrics API; offline: PodMetrics dumps given with -f), with its share of the request and limit')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-sidecar;list' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to use (default: the kubeconfig context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to use (default: the kubeconfig context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)')
            [CompletionResult]::new('--field-selector', '--field-selector', [CompletionResultType]::ParameterName, 'Field selector, applied by the API server (e.g. --field-selector spec.nodeName=node-1)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time to wait for each API request before giving up (e.g. 10s, 1m; 0 = no timeout)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Only show containers whose name matches this regular expression')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Only show containers whose name matches this regular expression')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the output (auto: only on a terminal, and never when NO_COLOR is set)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format (wide: also images, CPU and memory requests/limits, ports)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (wide: also images, CPU and memory requests/limits, ports)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read pods from files instead of the cluster: a file, a directory or - for stdin (repeatable). Accepts Pod, List/PodList and workload manifests')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Read pods from files instead of the cluster: a file, a directory or - for stdin (repeatable). Accepts Pod, List/PodList and workload manifests')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Select pods in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Select pods in every namespace')
            [CompletionResult]::new('--only-problems', '--only-problems', [CompletionResultType]::ParameterName, 'Show only containers that need attention (and the pods they belong to)')
            [CompletionResult]::new('--problems', '--problems', [CompletionResultType]::ParameterName, 'Show only containers that need attention (and the pods they belong to)')
            [CompletionResult]::new('--metrics', '--metrics', [CompletionResultType]::ParameterName, 'Add live CPU and memory usage per container (metrics API; offline: PodMetrics dumps given with -f), with its share of the request and limit')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-sidecar;order' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to use (default: the kubeconfig context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to use (default: the kubeconfig context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)')
            [CompletionResult]::new('--field-selector', '--field-selector', [CompletionResultType]::ParameterName, 'Field selector, applied by the API server (e.g. --field-selector spec.nodeName=node-1)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time to wait for each API request before giving up (e.g. 10s, 1m; 0 = no timeout)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Only show containers whose name matches this regular expression')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Only show containers whose name matches this regular expression')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the output (auto: only on a terminal, and never when NO_COLOR is set)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read pods from files instead of the cluster: a file, a directory or - for stdin (repeatable). Accepts Pod, List/PodList and workload manifests')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Read pods from files instead of the cluster: a file, a directory or - for stdin (repeatable). Accepts Pod, List/PodList and workload manifests')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Select pods in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Select pods in every namespace')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-sidecar;volumes' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to use (default: the kubeconfig context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to use (default: the kubeconfig context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)')
            [CompletionResult]::new('--field-selector', '--field-selector', [CompletionResultType]::ParameterName, 'Field selector, applied by the API server (e.g. --field-selector spec.nodeName=node-1)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time to wait for each API request before giving up (e.g. 10s, 1m; 0 = no timeout)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Only show containers whose name matches this regular expression')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Only show containers whose name matches this regular expression')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the output (auto: only on a terminal, and never when NO_COLOR is set)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format (wide: also the service account token, user IDs, every mount option)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (wide: also the service account token, user IDs, every mount option)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read pods from files instead of the cluster: a file, a directory or - for stdin (repeatable). Accepts Pod, List/PodList and workload manifests')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Read pods from files instead of the cluster: a file, a directory or - for stdin (repeatable). Accepts Pod, List/PodList and workload manifests')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Select pods in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Select pods in every namespace')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-sidecar;diagnose' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to use (default: the kubeconfig context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to use (default: the kubeconfig context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)')
            [CompletionResult]::new('--field-selector', '--field-selector', [CompletionResultType]::ParameterName, 'Field selector, applied by the API server (e.g. --field-selector spec.nodeName=node-1)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time to wait for each API request before giving up (e.g. 10s, 1m; 0 = no timeout)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Only show containers whose name matches this regular expression')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Only show containers whose name matches this regular expression')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the output (auto: only on a terminal, and never when NO_COLOR is set)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read pods from files instead of the cluster: a file, a directory or - for stdin (repeatable). Accepts Pod, List/PodList and workload manifests')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Read pods from files instead of the cluster: a file, a directory or - for stdin (repeatable). Accepts Pod, List/PodList and workload manifests')
            [CompletionResult]::new('--severity', '--severity', [CompletionResultType]::ParameterName, 'Show only findings at or above this severity')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit with code 3 when a finding at or above this severity exists (never: always 0)')
            [CompletionResult]::new('--memory-threshold', '--memory-threshold', [CompletionResultType]::ParameterName, 'Report memory usage at or above this percentage of the limit (metrics API or PodMetrics dumps given with -f)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Select pods in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Select pods in every namespace')
            [CompletionResult]::new('--no-group', '--no-group', [CompletionResultType]::ParameterName, 'List every pod''s findings separately instead of merging replicas of a workload')
            [CompletionResult]::new('--list-rules', '--list-rules', [CompletionResultType]::ParameterName, 'Print the rule catalog (IDs and what they detect) and exit')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Under each finding whose fix is a spec change, print the JSON patch of the pod''s owner (Deployment, StatefulSet, DaemonSet, Job, CronJob; the pod when bare) and the `kubectl patch` command; with -o yaml, print the patched owners instead of the report. Nothing is sent: the plugin never writes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-sidecar;logs' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to use (default: the kubeconfig context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to use (default: the kubeconfig context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector, applied by the API server (e.g. -l app=web,tier!=cache)')
            [CompletionResult]::new('--field-selector', '--field-selector', [CompletionResultType]::ParameterName, 'Field selector, applied by the API server (e.g. --field-selector spec.nodeName=node-1)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time to wait for each API request before giving up (e.g. 10s, 1m; 0 = no timeout)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Only show containers whose name matches this regular expression')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Only show containers whose name matches this regular expression')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the output (auto: only on a terminal, and never when NO_COLOR is set)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: one JSON object per line (default: text lines)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: one JSON object per line (default: text lines)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Not offered: logs have no offline mode. Kept hidden so that `--filename` gets an explanation instead of "unexpected argument"')
            [CompletionResult]::new('-E', '-E ', [CompletionResultType]::ParameterName, 'Leave out containers whose name matches this regular expression')
            [CompletionResult]::new('--exclude-container', '--exclude-container', [CompletionResultType]::ParameterName, 'Leave out containers whose name matches this regular expression')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'Only containers with this role (repeatable). Ephemeral containers only when asked for')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only lines newer than this duration (e.g. 30s, 5m, 1h30m)')
            [CompletionResult]::new('--since-time', '--since-time', [CompletionResultType]::ParameterName, 'Only lines at or after this time (RFC 3339, e.g. 2026-11-23T10:00:00Z)')
            [CompletionResult]::new('--tail', '--tail', [CompletionResultType]::ParameterName, 'Only the last N lines of each container')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'What to put before each line')
            [CompletionResult]::new('--max-log-requests', '--max-log-requests', [CompletionResultType]::ParameterName, 'How many log requests run at once; more containers wait their turn')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Select pods in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Select pods in every namespace')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every container of the selected pods: the default, kept for the spelling users know (-E and --role still narrow it; -c cannot be combined with it)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The previous instance of each container (containers without one get a marker line)')
            [CompletionResult]::new('--previous', '--previous', [CompletionResultType]::ParameterName, 'The previous instance of each container (containers without one get a marker line)')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Print each line''s timestamp as the container runtime recorded it')
            [CompletionResult]::new('--no-prefix', '--no-prefix', [CompletionResultType]::ParameterName, 'Raw lines without a prefix (same as --prefix none)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep streaming: history first, then new lines as they come; follows restarts, new and deleted pods, and stops when a Job''s pods are done (-F works too)')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep streaming: history first, then new lines as they come; follows restarts, new and deleted pods, and stops when a Job''s pods are done (-F works too)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-sidecar;explain' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-sidecar;completion' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-sidecar;help' {
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List every container of the selected pods: role, startup position, state, readiness, restarts and last termination')
            [CompletionResult]::new('order', 'order', [CompletionResultType]::ParameterValue, 'Declared startup and shutdown order vs. the actual timeline, with ordering hazards')
            [CompletionResult]::new('volumes', 'volumes', [CompletionResultType]::ParameterValue, 'Which container mounts which volume where, and mount mismatches')
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'Explain what is wrong with the pods'' sidecars: findings with rule IDs, evidence and a fix')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Logs of every container of the selected pods (init, native sidecars, main, sidecars), merged in timestamp order and prefixed with pod/container')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'What a diagnose rule checks, why it matters, an example and the fix; without a rule, every rule by group')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script for kubectl-sidecar')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-sidecar;help;ls' {
            break
        }
        'kubectl-sidecar;help;order' {
            break
        }
        'kubectl-sidecar;help;volumes' {
            break
        }
        'kubectl-sidecar;help;diagnose' {
            break
        }
        'kubectl-sidecar;help;logs' {
            break
        }
        'kubectl-sidecar;help;explain' {
            break
        }
        'kubectl-sidecar;help;completion' {
            break
        }
        'kubectl-sidecar;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
