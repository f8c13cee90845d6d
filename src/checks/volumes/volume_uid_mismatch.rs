use super::*;

rule! {
    pub const RULE = Rule {
        id: "volume-uid-mismatch",
        group: Group::Volumes,
        title: "containers share writable storage as different users without fsGroup",
        policy: Policy::Hazard,
        check,
    };
}

fn check(ctx: &PodContext) -> Vec<Finding> {
    volume_uid_mismatch(ctx.volume_facts())
}

/// `volume-uid-mismatch`: containers that share writable storage as different users, with
/// no pod fsGroup to give them a common group: files one creates (mode 644/600) can be
/// unwritable or unreadable for the other. hostPath is left out: fsGroup does not apply.
fn volume_uid_mismatch(f: &VolumeFacts) -> Vec<Finding> {
    if f.fs_group.is_some() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for row in &f.rows {
        if !row.kind.is_storage() || row.kind == VolumeKind::HostPath || f.is_injected_volume(row) {
            continue;
        }
        let mounters = f.mounters(row);
        let someone_writes = mounters
            .iter()
            .any(|c| f.cells(row, c.name).iter().any(|m| !m.read_only));
        let mut uids: Vec<i64> = mounters
            .iter()
            .filter_map(|c| c.run_as_user.map(|u| u.0))
            .collect();
        uids.sort_unstable();
        uids.dedup();
        if mounters.len() < 2 || !someone_writes || uids.len() < 2 {
            continue;
        }
        let who: Vec<String> = mounters
            .iter()
            .map(|c| match c.run_as_user {
                Some((uid, _)) => format!("{} (uid {uid})", c.name),
                None => format!("{} (image user)", c.name),
            })
            .collect();
        let mut finding = Finding::new(
            RULE.id,
            Severity::Warning,
            format!(
                "{} share {} {} as different users and the pod sets no fsGroup: files one creates may be unwritable or unreadable for the other",
                who.join(" and "),
                row.kind.as_str(),
                row.name
            ),
        );
        for c in &mounters {
            let user = match c.run_as_user {
                Some((uid, from)) => format!("runs as uid {uid} ({from})"),
                None => "runs as the image's user (no runAsUser)".to_string(),
            };
            for cell in f.cells(row, c.name) {
                finding = finding.evidence(format!("{}; {user}", mount_evidence(row, cell)));
            }
        }
        let group = uids.first().copied().unwrap_or(1000);
        finding = finding
            .evidence("spec.securityContext.fsGroup is not set")
            .fix(format!(
                "set spec.securityContext.fsGroup (e.g. {group}) so the kubelet makes {} group-writable for every container, or run them with the same runAsUser",
                row.name
            ));
        let involved = mounters.iter().map(|c| c.name.to_string()).collect();
        out.push(found(finding, Some(&row.name), involved));
    }
    out
}
