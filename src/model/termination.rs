//! Exit codes and signals: what a container's termination means.

/// The name of signal `n` on Linux (the signals containers actually receive).
pub fn signal_name(n: i32) -> Option<&'static str> {
    Some(match n {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        11 => "SIGSEGV",
        12 => "SIGUSR2",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        16 => "SIGSTKFLT",
        17 => "SIGCHLD",
        18 => "SIGCONT",
        19 => "SIGSTOP",
        20 => "SIGTSTP",
        21 => "SIGTTIN",
        22 => "SIGTTOU",
        23 => "SIGURG",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        26 => "SIGVTALRM",
        27 => "SIGPROF",
        28 => "SIGWINCH",
        29 => "SIGIO",
        30 => "SIGPWR",
        31 => "SIGSYS",
        _ => return None,
    })
}

/// The signal behind a termination: the runtime's `signal` field when set, else the shell
/// convention that exit code 128+N means "killed by signal N".
///
/// Exit 128 itself is containerd's StartError code, not a signal, so it maps to nothing.
pub fn termination_signal(exit_code: i32, signal: Option<i32>) -> Option<i32> {
    match signal {
        Some(s) if s > 0 => Some(s),
        _ if (129..=159).contains(&exit_code) => Some(exit_code - 128),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_from_exit_codes() {
        assert_eq!(termination_signal(137, None), Some(9));
        assert_eq!(termination_signal(143, None), Some(15));
        assert_eq!(termination_signal(139, Some(0)), Some(11));
        assert_eq!(termination_signal(128, None), None);
        assert_eq!(termination_signal(1, None), None);
        assert_eq!(termination_signal(0, Some(9)), Some(9));
        assert_eq!(signal_name(9), Some("SIGKILL"));
        assert_eq!(signal_name(15), Some("SIGTERM"));
        assert_eq!(signal_name(11), Some("SIGSEGV"));
        assert_eq!(signal_name(64), None);
    }
}
