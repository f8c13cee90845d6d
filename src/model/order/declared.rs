//! The declared order: start-up steps with the gate each waits on, shutdown steps, hooks.

use k8s_openapi::api::core::v1::{Container, LifecycleHandler, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::*;
use crate::model::Role;

// ---------------------------------------------------------------- declared order

pub fn declared_order(ctx: &OrderFacts) -> Vec<Step> {
    let init = ctx.spec.init_containers.iter().flatten();
    init.chain(ctx.spec.containers.iter())
        .zip(1u32..)
        .map(|(c, step)| Step {
            step,
            container: c.name.clone(),
            role: ctx.role(&c.name),
            gate: gate_of(c, ctx.role(&c.name)),
        })
        .collect()
}

fn gate_of(c: &Container, role: Role) -> Gate {
    let post_start = post_start(c).map(hook_of);
    match role {
        Role::Init => Gate::Completion,
        Role::NativeSidecar => match &c.startup_probe {
            Some(probe) => Gate::StartupProbe {
                probe: probe_text(probe),
                budget_seconds: probe_budget(probe),
                post_start,
            },
            None => match post_start {
                Some(hook) => Gate::PostStart { hook },
                None => Gate::ProcessStart,
            },
        },
        _ => match post_start {
            Some(hook) => Gate::PostStart { hook },
            None => Gate::Nothing,
        },
    }
}

impl Gate {
    /// `startupProbe (up to 600s)`, `postStart (linkerd-await --timeout=2m)`, …
    pub fn text(&self) -> String {
        match self {
            Gate::Completion => "completion".to_string(),
            Gate::StartupProbe {
                budget_seconds,
                post_start,
                ..
            } => {
                let hook = if post_start.is_some() {
                    " + postStart"
                } else {
                    ""
                };
                format!("startupProbe (up to {budget_seconds}s){hook}")
            }
            Gate::ProcessStart => "process start".to_string(),
            Gate::PostStart { hook } => format!("postStart ({})", hook.detail),
            Gate::Nothing => "nothing".to_string(),
        }
    }
}

/// How long the kubelet probes before it gives up and restarts the container.
pub fn probe_budget(p: &Probe) -> i64 {
    let failures = i64::from(p.failure_threshold.unwrap_or(3).max(1));
    let period = i64::from(p.period_seconds.unwrap_or(10).max(1));
    let delay = i64::from(p.initial_delay_seconds.unwrap_or(0).max(0));
    failures * period + delay
}

fn port_text(port: &IntOrString) -> String {
    match port {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

/// `httpGet :15021/healthz/ready`, `tcpSocket :9901`, `exec cat /tmp/ready`
pub fn probe_text(p: &Probe) -> String {
    if let Some(h) = &p.http_get {
        format!(
            "httpGet {}:{}{}",
            h.host.as_deref().unwrap_or(""),
            port_text(&h.port),
            h.path.as_deref().unwrap_or("/")
        )
    } else if let Some(t) = &p.tcp_socket {
        format!("tcpSocket :{}", port_text(&t.port))
    } else if let Some(g) = &p.grpc {
        format!("grpc :{}", g.port)
    } else if let Some(e) = &p.exec {
        format!("exec {}", command_text(e.command.as_deref().unwrap_or(&[])))
    } else {
        "probe".to_string()
    }
}

pub fn hook_of(h: &LifecycleHandler) -> Hook {
    if let Some(e) = &h.exec {
        let command = e.command.as_deref().unwrap_or(&[]);
        Hook {
            action: "exec",
            detail: command_text(command),
            sleep_seconds: sleep_in_command(command),
        }
    } else if let Some(s) = &h.sleep {
        Hook {
            action: "sleep",
            detail: format!("{}s", s.seconds),
            sleep_seconds: Some(s.seconds.max(0)),
        }
    } else if let Some(g) = &h.http_get {
        Hook {
            action: "httpGet",
            detail: format!(
                "GET {}:{}{}",
                g.host.as_deref().unwrap_or(""),
                port_text(&g.port),
                g.path.as_deref().unwrap_or("/")
            ),
            sleep_seconds: None,
        }
    } else if let Some(t) = &h.tcp_socket {
        Hook {
            action: "tcpSocket",
            detail: format!(":{}", port_text(&t.port)),
            sleep_seconds: None,
        }
    } else {
        Hook {
            action: "none",
            detail: String::new(),
            sleep_seconds: None,
        }
    }
}

/// A command as a shell user would type it: `sh -c 'sleep 60'`.
fn command_text(command: &[String]) -> String {
    command
        .iter()
        .map(|arg| {
            if arg.is_empty() || arg.chars().any(char::is_whitespace) {
                format!("'{}'", arg.replace('\'', r"'\''"))
            } else {
                arg.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Total of the `sleep N` calls in an exec hook (`["sleep", "60"]`, `["sh", "-c", "sleep 5
/// && nginx -s quit"]`); `None` when it does not sleep a readable time.
pub fn sleep_in_command(command: &[String]) -> Option<i64> {
    let text = command.join(" ");
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || ";&|()`".contains(c))
        .filter(|w| !w.is_empty())
        .collect();
    let mut total = 0.0;
    let mut found = false;
    for pair in words.windows(2) {
        let program = pair[0].rsplit('/').next().unwrap_or(pair[0]);
        if program == "sleep"
            && let Some(seconds) = sleep_duration(pair[1])
        {
            total += seconds;
            found = true;
        }
    }
    // Saturating float-to-int conversion: a silly `sleep 1e300` cannot overflow.
    found.then(|| total.ceil() as i64)
}

/// `60`, `60s`, `1.5m`, `2h` as seconds.
fn sleep_duration(word: &str) -> Option<f64> {
    let word = word.trim_matches(|c| c == '"' || c == '\'');
    let (number, unit) = match word.char_indices().last()? {
        (i, 's') => (&word[..i], 1.0),
        (i, 'm') => (&word[..i], 60.0),
        (i, 'h') => (&word[..i], 3600.0),
        (i, 'd') => (&word[..i], 86400.0),
        _ => (word, 1.0),
    };
    if !number.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some(value * unit)
}

// ---------------------------------------------------------------- shutdown order

pub fn shutdown_order(ctx: &OrderFacts) -> Shutdown {
    let (grace, defaulted) = ctx.grace_period();
    let entry = |c: &Container| ShutdownContainer {
        container: c.name.clone(),
        role: ctx.role(&c.name),
        pre_stop: pre_stop(c).map(hook_of),
    };
    let mut steps = Vec::new();
    if !ctx.spec.containers.is_empty() {
        steps.push(ShutdownStep {
            step: 1,
            containers: ctx.spec.containers.iter().map(entry).collect(),
        });
    }
    let natives = ctx
        .spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| is_native(c))
        .rev();
    for c in natives {
        steps.push(ShutdownStep {
            step: steps.len() as u32 + 1,
            containers: vec![entry(c)],
        });
    }
    Shutdown {
        grace_period_seconds: grace,
        grace_period_defaulted: defaulted,
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_parsing() {
        let cmd = |args: &[&str]| args.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(sleep_in_command(&cmd(&["sleep", "60"])), Some(60));
        assert_eq!(
            sleep_in_command(&cmd(&["/bin/sh", "-c", "sleep 5; sleep 1.5m"])),
            Some(95)
        );
        assert_eq!(sleep_in_command(&cmd(&["sh", "-c", "sleep 0.5"])), Some(1));
        assert_eq!(
            sleep_in_command(&cmd(&["sh", "-c", "sleep infinity"])),
            None
        );
        assert_eq!(sleep_in_command(&cmd(&["sh", "-c", "sleep $DELAY"])), None);
        assert_eq!(sleep_in_command(&cmd(&["nginx", "-s", "quit"])), None);
        assert_eq!(sleep_in_command(&cmd(&["sleep", "1e400"])), None);
        assert_eq!(sleep_in_command(&[]), None);
    }
}
