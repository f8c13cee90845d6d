//! Which container instances to read: a pure filter from pod views and the selection flags.

use regex::Regex;

use crate::model::{PodView, Role};

/// One container instance whose log is read. Identity is the pod UID plus the container name;
/// the container ID tells instances apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTarget {
    pub namespace: String,
    pub pod: String,
    pub pod_uid: Option<String>,
    pub container: String,
    pub role: Role,
    /// The instance before the last restart (`-p`).
    pub previous: bool,
    pub container_id: Option<String>,
}

/// What the selection decided for one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    Read(LogTarget),
    /// `-p` on a container that never restarted: noted once, not requested.
    NoPrevious {
        target: LogTarget,
    },
}

impl Pick {
    pub fn target(&self) -> &LogTarget {
        match self {
            Pick::Read(target) | Pick::NoPrevious { target } => target,
        }
    }
}

/// The container filters of `logs`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub container: Option<Regex>,
    pub exclude: Option<Regex>,
    /// Empty: every role but ephemeral.
    pub roles: Vec<Role>,
    pub previous: bool,
}

impl Filter {
    fn keeps(&self, name: &str, role: Role) -> bool {
        let role_ok = if self.roles.is_empty() {
            role != Role::Ephemeral
        } else {
            self.roles.contains(&role)
        };
        role_ok
            && self.container.as_ref().is_none_or(|re| re.is_match(name))
            && !self.exclude.as_ref().is_some_and(|re| re.is_match(name))
    }
}

/// The containers to read, pod by pod in the pods' order and each pod's startup order.
/// Spec-only pods (manifests) have no logs and are skipped.
pub fn select(pods: &[PodView], filter: &Filter) -> Vec<Pick> {
    let mut picks = Vec::new();
    for pod in pods.iter().filter(|p| !p.spec_only) {
        for container in &pod.containers {
            if !filter.keeps(&container.name, container.role) {
                continue;
            }
            let status = container.status.as_ref();
            let target = LogTarget {
                namespace: pod.namespace.clone(),
                pod: pod.name.clone(),
                pod_uid: pod.uid.clone(),
                container: container.name.clone(),
                role: container.role,
                previous: filter.previous,
                container_id: status.and_then(|s| s.container_id.clone()),
            };
            // The kubelet keeps the previous instance's log only when one terminated.
            let has_previous = status.is_some_and(|s| s.last_termination.is_some());
            picks.push(if filter.previous && !has_previous {
                Pick::NoPrevious { target }
            } else {
                Pick::Read(target)
            });
        }
    }
    picks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::build_pod_view;
    use crate::source::SourcePod;

    /// init-config (init), fluent-bit (native sidecar), agent (main), shipper (sidecar),
    /// debugger (ephemeral); fluent-bit restarted once.
    fn pod() -> PodView {
        let pod = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "agent-0", "namespace": "obs", "uid": "u1"},
            "spec": {
                "initContainers": [
                    {"name": "init-config", "image": "busybox"},
                    {"name": "fluent-bit", "image": "fluent-bit", "restartPolicy": "Always"}
                ],
                "containers": [
                    {"name": "agent", "image": "agent"},
                    {"name": "shipper", "image": "shipper"}
                ],
                "ephemeralContainers": [{"name": "debugger", "image": "busybox"}]
            },
            "status": {
                "phase": "Running",
                "initContainerStatuses": [
                    {"name": "init-config", "image": "busybox", "imageID": "", "ready": false,
                     "restartCount": 0, "containerID": "containerd://a",
                     "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                    {"name": "fluent-bit", "image": "fluent-bit", "imageID": "", "ready": true,
                     "restartCount": 1, "containerID": "containerd://b",
                     "state": {"running": {}},
                     "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                                                  "containerID": "containerd://b0"}}}
                ],
                "containerStatuses": [
                    {"name": "agent", "image": "agent", "imageID": "", "ready": true,
                     "restartCount": 0, "containerID": "containerd://c", "state": {"running": {}}},
                    {"name": "shipper", "image": "shipper", "imageID": "", "ready": true,
                     "restartCount": 0, "containerID": "containerd://d", "state": {"running": {}}}
                ]
            }
        });
        let source = SourcePod {
            pod: serde_json::from_value(pod).expect("valid pod"),
            template_of: None,
        };
        build_pod_view(&source)
    }

    fn names(picks: &[Pick]) -> Vec<String> {
        picks
            .iter()
            .map(|p| match p {
                Pick::Read(t) => t.container.clone(),
                Pick::NoPrevious { target } => format!("!{}", target.container),
            })
            .collect()
    }

    #[test]
    fn default_is_every_role_but_ephemeral_in_startup_order() {
        let picks = select(&[pod()], &Filter::default());
        assert_eq!(
            names(&picks),
            ["init-config", "fluent-bit", "agent", "shipper"]
        );
        let Pick::Read(first) = &picks[1] else {
            panic!("fluent-bit is read");
        };
        assert_eq!(first.role, Role::NativeSidecar);
        assert_eq!(first.pod_uid.as_deref(), Some("u1"));
        assert_eq!(first.container_id.as_deref(), Some("containerd://b"));
    }

    #[test]
    fn roles_select_and_ephemeral_only_when_asked() {
        let filter = Filter {
            roles: vec![Role::Sidecar, Role::NativeSidecar],
            ..Filter::default()
        };
        assert_eq!(names(&select(&[pod()], &filter)), ["fluent-bit", "shipper"]);
        let filter = Filter {
            roles: vec![Role::Ephemeral],
            ..Filter::default()
        };
        assert_eq!(names(&select(&[pod()], &filter)), ["debugger"]);
    }

    #[test]
    fn include_and_exclude_regexes() {
        let filter = Filter {
            container: Regex::new("^(agent|fluent|init)").ok(),
            exclude: Regex::new("fluent").ok(),
            ..Filter::default()
        };
        assert_eq!(names(&select(&[pod()], &filter)), ["init-config", "agent"]);
    }

    #[test]
    fn previous_without_an_earlier_instance_is_a_marker() {
        let filter = Filter {
            previous: true,
            ..Filter::default()
        };
        let picks = select(&[pod()], &filter);
        assert_eq!(
            names(&picks),
            ["!init-config", "fluent-bit", "!agent", "!shipper"]
        );
        assert!(matches!(&picks[1], Pick::Read(t) if t.previous));
    }
}
