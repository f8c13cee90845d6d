//! One error type for the whole program: what went wrong, where, and a hint.
//!
//! Every failure the user can cause or meet (bad flags, unreadable files, an unreachable
//! cluster, RBAC) ends up here, so `main` can print it as one line plus a hint and pick the
//! exit code from its kind.

use std::fmt;

/// Whether the user typed something wrong (exit 2) or the run failed (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Usage,
    Runtime,
    /// The reader of our output went away (`| head`): not a failure, exit quietly.
    BrokenPipe,
    /// `diagnose --fail-on`: findings at or above the threshold (the report says which).
    Findings,
    /// Ctrl-C (SIGINT) while following logs: exit 130, as a shell reports a SIGINT death.
    Interrupted,
}

#[derive(Debug, thiserror::Error)]
pub struct Error {
    pub kind: ErrorKind,
    /// One line: what we were doing and what went wrong.
    pub message: String,
    /// What the user can try next.
    pub hint: Option<String>,
    /// The API server's HTTP status, when it answered with an error (403, 404, …).
    pub status: Option<u16>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Usage,
            message: message.into(),
            hint: None,
            status: None,
        }
    }

    pub fn runtime(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Runtime,
            message: message.into(),
            hint: None,
            status: None,
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Process exit code for this error (documented in the README).
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::Usage => 2,
            ErrorKind::Runtime => 1,
            ErrorKind::BrokenPipe => 0,
            ErrorKind::Findings => 3,
            ErrorKind::Interrupted => 130,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Joins an error and its sources into one line, skipping causes already contained in
/// the message before them (many libraries repeat their source in their own Display).
pub fn chain_message(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        let text = text.trim();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(text)) {
            parts.push(text.to_string());
        }
        current = e.source();
    }
    parts.join(": ")
}
