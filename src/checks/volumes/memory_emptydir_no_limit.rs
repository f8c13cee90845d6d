use super::*;

rule! {
    pub const RULE = Rule {
        id: "memory-emptydir-no-limit",
        group: Group::Volumes,
        title: "a memory-backed emptyDir without sizeLimit (counts against the memory limit)",
        policy: Policy::Hazard,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    memory_emptydir_no_limit(ctx.volume_facts())
}

/// `memory-emptydir-no-limit` (§3.2.7, §1.11): tmpfs files count against the memory limit of
/// the container that writes them; with no sizeLimit the volume is sized to the node's
/// allocatable memory, so the writer is OOMKilled while its heap looks small.
fn memory_emptydir_no_limit(f: &VolumeFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in &f.rows {
        let memory = row
            .medium
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case("Memory"));
        if row.kind != VolumeKind::EmptyDir
            || !memory
            || row.size_limit.is_some()
            || f.is_injected_volume(row)
        {
            continue;
        }
        let writers: Vec<&Ctr> = f
            .mounters(row)
            .into_iter()
            .filter(|c| f.cells(row, c.name).iter().any(|m| !m.read_only))
            .collect();
        if writers.is_empty() {
            continue;
        }
        let limits: Vec<String> = writers
            .iter()
            .map(|c| match &c.memory_limit {
                Some(limit) => format!("{} ({limit})", c.name),
                None => format!("{} (no memory limit)", c.name),
            })
            .collect();
        let mut finding = Finding::new(
            RULE.id,
            Severity::Info,
            format!(
                "emptyDir {} is memory-backed (medium: Memory) with no sizeLimit: its files count against the memory limit of {}",
                row.name,
                limits.join(", ")
            ),
        );
        if let [only] = writers.as_slice() {
            finding = finding.container(only.name);
        }
        finding = finding.evidence(format!(
            "volume {}: emptyDir medium=Memory, no sizeLimit",
            row.name
        ));
        for c in &writers {
            for cell in f.cells(row, c.name).into_iter().filter(|m| !m.read_only) {
                let limit = match &c.memory_limit {
                    Some(limit) => format!("memory limit {limit}"),
                    None => "no memory limit: the volume can grow to the node's allocatable memory"
                        .to_string(),
                };
                finding = finding.evidence(format!("{}; {limit}", mount_evidence(row, cell)));
            }
            if let Some(restarts) = c.oom_killed {
                finding = finding.evidence(format!(
                    "{} was OOMKilled ({}): files in {} are part of its memory usage",
                    c.name,
                    crate::render::count(restarts, "restart", "restarts"),
                    row.name
                ));
                // The hazard has hit: a warning (severity policy, docs/rules.md).
                finding.severity = Severity::Warning;
            }
        }
        let below = match writers.iter().find_map(|c| c.memory_limit.as_deref()) {
            Some(limit) => format!(" well below {limit}"),
            None => String::new(),
        };
        finding = finding.fix(format!(
            "set emptyDir.sizeLimit on {}{below} and size the memory limit for process + files; or drop medium: Memory if the files need not live in RAM",
            row.name
        ));
        let involved = writers.iter().map(|c| c.name.to_string()).collect();
        out.push(found(finding, Some(&row.name), involved));
    }
    out
}
