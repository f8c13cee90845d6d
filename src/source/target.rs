//! What the user asked for on the command line: a pod by name, or a workload whose pods we
//! find through its selector.

use std::fmt;

use serde::Serialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum WorkloadKind {
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
    ReplicationController,
}

impl WorkloadKind {
    /// The `kind` field of the object.
    pub fn kind(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
            WorkloadKind::ReplicationController => "ReplicationController",
        }
    }

    /// The short name kubectl users type (`deploy/web`).
    pub fn short(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "deploy",
            WorkloadKind::ReplicaSet => "rs",
            WorkloadKind::StatefulSet => "sts",
            WorkloadKind::DaemonSet => "ds",
            WorkloadKind::Job => "job",
            WorkloadKind::CronJob => "cronjob",
            WorkloadKind::ReplicationController => "rc",
        }
    }

    pub fn from_kind(kind: &str) -> Option<Self> {
        [
            WorkloadKind::Deployment,
            WorkloadKind::ReplicaSet,
            WorkloadKind::StatefulSet,
            WorkloadKind::DaemonSet,
            WorkloadKind::Job,
            WorkloadKind::CronJob,
            WorkloadKind::ReplicationController,
        ]
        .into_iter()
        .find(|k| k.kind() == kind)
    }

    /// Accepts kubectl's spellings: short names, singular and plural, with or without the
    /// API group (`deployment.apps`), case-insensitive.
    fn from_type_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        let bare = lower
            .strip_suffix(".apps")
            .or_else(|| lower.strip_suffix(".batch"))
            .unwrap_or(&lower);
        Some(match bare {
            "deploy" | "deployment" | "deployments" => WorkloadKind::Deployment,
            "rs" | "replicaset" | "replicasets" => WorkloadKind::ReplicaSet,
            "sts" | "statefulset" | "statefulsets" => WorkloadKind::StatefulSet,
            "ds" | "daemonset" | "daemonsets" => WorkloadKind::DaemonSet,
            "job" | "jobs" => WorkloadKind::Job,
            "cj" | "cronjob" | "cronjobs" => WorkloadKind::CronJob,
            "rc" | "replicationcontroller" | "replicationcontrollers" => {
                WorkloadKind::ReplicationController
            }
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Pod(String),
    Workload { kind: WorkloadKind, name: String },
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Pod(name) => write!(f, "pod/{name}"),
            Target::Workload { kind, name } => write!(f, "{}/{name}", kind.short()),
        }
    }
}

impl Target {
    pub fn parse(text: &str) -> Result<Self> {
        let (type_name, name) = match text.split_once('/') {
            None => return valid_name(text, text).map(|n| Target::Pod(n.to_string())),
            Some(parts) => parts,
        };
        let name = valid_name(name, text)?.to_string();
        if matches!(
            type_name.to_ascii_lowercase().as_str(),
            "po" | "pod" | "pods"
        ) {
            return Ok(Target::Pod(name));
        }
        match WorkloadKind::from_type_name(type_name) {
            Some(kind) => Ok(Target::Workload { kind, name }),
            None => Err(Error::usage(format!(
                "unknown target type \"{type_name}\" in \"{text}\""
            ))
            .with_hint(
                "use a pod name, pod/NAME, or deploy/, rs/, sts/, ds/, job/, cronjob/ followed by a name",
            )),
        }
    }
}

fn valid_name<'a>(name: &'a str, whole: &str) -> Result<&'a str> {
    if name.is_empty() || name.contains('/') {
        return Err(Error::usage(format!("invalid target \"{whole}\""))
            .with_hint("write TYPE/NAME, for example deploy/web, or a pod name"));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_name_is_a_pod() {
        assert_eq!(Target::parse("web-0").unwrap(), Target::Pod("web-0".into()));
        assert_eq!(
            Target::parse("po/web-0").unwrap(),
            Target::Pod("web-0".into())
        );
        assert_eq!(
            Target::parse("pods/web-0").unwrap(),
            Target::Pod("web-0".into())
        );
    }

    #[test]
    fn workload_spellings() {
        for (text, kind) in [
            ("deploy/web", WorkloadKind::Deployment),
            ("deployment/web", WorkloadKind::Deployment),
            ("deployment.apps/web", WorkloadKind::Deployment),
            ("Deployments/web", WorkloadKind::Deployment),
            ("rs/web", WorkloadKind::ReplicaSet),
            ("sts/web", WorkloadKind::StatefulSet),
            ("statefulset/web", WorkloadKind::StatefulSet),
            ("ds/web", WorkloadKind::DaemonSet),
            ("job/web", WorkloadKind::Job),
            ("job.batch/web", WorkloadKind::Job),
            ("cronjob/web", WorkloadKind::CronJob),
            ("cj/web", WorkloadKind::CronJob),
        ] {
            assert_eq!(
                Target::parse(text).unwrap(),
                Target::Workload {
                    kind,
                    name: "web".into()
                },
                "{text}"
            );
        }
    }

    #[test]
    fn bad_targets_are_usage_errors() {
        for text in ["svc/web", "deploy/", "/web", "a/b/c", ""] {
            let err = Target::parse(text).unwrap_err();
            assert_eq!(err.kind, crate::error::ErrorKind::Usage, "{text}");
            assert!(err.hint.is_some());
        }
    }

    #[test]
    fn display_uses_short_names() {
        assert_eq!(
            Target::parse("deployment/web").unwrap().to_string(),
            "deploy/web"
        );
        assert_eq!(Target::parse("web").unwrap().to_string(), "pod/web");
    }
}
