//! Paths: normalizing, comparing with mounts, finding them in commands and env values.

use std::borrow::Cow;

use k8s_openapi::api::core::v1::VolumeMount;

use super::*;
use crate::model::sidecar_kind::words;

/// Longest command or env excerpt quoted in evidence.
pub const MAX_EXCERPT: usize = 120;

/// Words in a volume name that say it exists to be shared (§3.2.1). Not `data` or `work`:
/// `postgres-data`, `filebeat-data` are one container's private state far more often.
pub const SHARING_WORDS: &[&str] = &[
    "log", "logs", "shared", "share", "socket", "sockets", "sock", "uds", "workdir", "spool",
    "exchange", "ipc", "handoff",
];

/// Directories a volume must not hide (`/` itself is worse: see [`MOUNT_OVER_ROOT`]).
pub const SYSTEM_PATHS: &[&str] = &[
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/sbin", "/sys", "/usr",
    "/var",
];

// Not /run or /var/run: images leave them empty and tools mount tmpfs there on purpose
// (linkerd-init's xtables lock), so hiding them breaks nothing.

/// Pseudo filesystems: paths under them are never files another container shares.
pub const PSEUDO_PATHS: &[&str] = &["/dev", "/proc", "/sys"];

// ---------------------------------------------------------------- names

/// Lower-case words of a name or image (`fluent-bit` → `fluent`, `bit`).
pub fn suggests_sharing(volume: &str) -> bool {
    words(volume).any(|w| SHARING_WORDS.contains(&w.as_str()))
}

/// `--log-file`, `LOG_DIR`, `output`, `>`: a flag or variable naming something written.
pub fn is_output_key(key: &str) -> bool {
    if key == ">" {
        return true;
    }
    let words: Vec<String> = words(key).collect();
    let has = |w: &str| words.iter().any(|x| x == w);
    const OUTPUT: &[&str] = &[
        "output",
        "out",
        "outdir",
        "dest",
        "destination",
        "write",
        "spool",
        "dump",
        "export",
        "logfile",
        "logdir",
        "logpath",
    ];
    OUTPUT.iter().any(|w| has(w)) || (has("log") && (has("file") || has("dir") || has("path")))
}

/// At most `max` characters, with `…` when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// At most `max` characters, cutting the middle: runtime errors put the cause at the end.
pub fn clip_middle(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let head = max * 2 / 5;
    let tail = max.saturating_sub(head + 1);
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(count - tail).collect();
    format!("{start}…{end}")
}

/// A window of `text` around `needle`, at most about `max` characters.
pub fn excerpt(text: &str, needle: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let Some(at) = text.find(needle) else {
        return clip(&text, max);
    };
    let before = text[..at].chars().count();
    let start = before.saturating_sub(max / 3);
    let body: String = text.chars().skip(start).take(max).collect();
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(&body);
    if start + max < text.chars().count() {
        out.push('…');
    }
    out
}

/// argv as a shell would read it back: words with spaces quoted.
pub fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.is_empty() || a.contains(char::is_whitespace) {
                format!("\"{}\"", a.replace('"', "\\\""))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------- paths

/// `/var//log/./nginx/` → `/var/log/nginx`; `..` is resolved lexically. Relative paths give
/// `None`: they depend on the working directory, so they are ignored.
pub fn normalize(path: &str) -> Option<Cow<'_, str>> {
    let rest = path.strip_prefix('/')?;
    // Most paths are already clean: borrow them (this runs for every mount of every pod).
    if rest.is_empty() || rest.split('/').all(|s| !matches!(s, "" | "." | "..")) {
        return Some(Cow::Borrowed(path));
    }
    let mut parts: Vec<&str> = Vec::new();
    for segment in rest.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    Some(Cow::Owned(format!("/{}", parts.join("/"))))
}

/// Whether normalized `path` is `mount` or inside it: `/var/log` holds `/var/log/x` but not
/// `/var/logs`.
pub fn is_under(path: &str, mount: &str) -> bool {
    mount == "/"
        || path == mount
        || path
            .strip_prefix(mount)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The mount that shows `path`: nested mounts shadow their parents, so the longest wins.
pub fn longest_mount<'m>(
    mounts: impl Iterator<Item = &'m VolumeMount>,
    path: &str,
) -> Option<&'m VolumeMount> {
    mounts
        .filter_map(|m| normalize(&m.mount_path).map(|p| (m, p)))
        .filter(|(_, p)| is_under(path, p))
        .max_by_key(|(_, p)| p.len())
        .map(|(m, _)| m)
}

pub fn is_pseudo(path: &str) -> bool {
    path == "/" || PSEUDO_PATHS.iter().any(|p| is_under(path, p))
}

/// `/var/log/*/app.log` → `/var/log`: what a glob can match lies under its fixed prefix.
pub fn cut_at_glob(path: &str) -> String {
    let mut out = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        if segment.contains(['*', '?', '[']) {
            break;
        }
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() { "/".to_string() } else { out }
}

/// Where `path` (seen through mount `from` of a volume) appears through mount `to` of the
/// same volume, taking subPaths into account; `None` when `to` shows another part of it.
pub fn translate(path: &str, from: &MountCell, to: &MountCell) -> Option<String> {
    if from.sub_path_expr.is_some() || to.sub_path_expr.is_some() {
        return None;
    }
    let from_mount = normalize(&from.mount_path)?;
    let rest = if path == from_mount {
        ""
    } else {
        path.strip_prefix(from_mount.as_ref())?.strip_prefix('/')?
    };
    let join = |a: &str, b: &str| {
        [a.trim_matches('/'), b.trim_matches('/')]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("/")
    };
    let in_volume = join(from.sub_path.as_deref().unwrap_or_default(), rest);
    let to_sub = to.sub_path.as_deref().unwrap_or_default().trim_matches('/');
    let inner = if to_sub.is_empty() {
        in_volume.as_str()
    } else if in_volume == to_sub {
        ""
    } else {
        in_volume.strip_prefix(to_sub)?.strip_prefix('/')?
    };
    let to_mount = normalize(&to.mount_path)?;
    Some(if inner.is_empty() {
        to_mount.into_owned()
    } else if to_mount == "/" {
        format!("/{inner}")
    } else {
        format!("{to_mount}/{inner}")
    })
}

/// Expands `$(VAR)` like the kubelet: defined variables are replaced, `$$` escapes a `$`,
/// anything else stays as written.
pub fn expand_kubelet_vars(text: &str, env: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(') {
            match inner.find(')') {
                Some(close) => {
                    let name = &inner[..close];
                    match lookup(env, name) {
                        Some(value) => out.push_str(value),
                        None => {
                            out.push_str("$(");
                            out.push_str(name);
                            out.push(')');
                        }
                    }
                    rest = &inner[close + 1..];
                }
                None => {
                    out.push_str("$(");
                    rest = inner;
                }
            }
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Expands `$VAR` and `${VAR}` from the container's env, as a shell in the container would.
pub fn expand_shell_vars(text: &str, env: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, tail) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(close) => (&inner[..close], &inner[close + 1..]),
                None => ("", after),
            }
        } else {
            let len = after
                .char_indices()
                .find(|(i, c)| {
                    !(c.is_ascii_alphanumeric() || *c == '_') || (*i == 0 && c.is_ascii_digit())
                })
                .map_or(after.len(), |(i, _)| i);
            (&after[..len], &after[len..])
        };
        match lookup(env, name).filter(|_| !name.is_empty()) {
            Some(value) => {
                out.push_str(value);
                rest = tail;
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

pub fn lookup<'e>(env: &'e [(&str, String)], name: &str) -> Option<&'e str> {
    env.iter()
        .rev()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
}

/// Finds absolute paths in a command line, shell script or env value: plain words,
/// `--flag=/path`, `key=/path`, `--flag /path`, `a:/b` and `a,/b` lists, shell redirects.
/// URLs and relative paths are skipped.
pub fn scan_paths<'a>(
    text: &str,
    outer_key: Option<&str>,
    origin: &Origin<'a>,
    env: &[(&str, String)],
    out: &mut Vec<PathRef<'a>>,
) {
    let text = expand_shell_vars(text, env);
    let mut pending_key: Option<String> = None;
    let mut redirect = false;
    let mut word = String::new();
    let mut words: Vec<(String, bool)> = Vec::new();
    for ch in text.chars() {
        let separator = ch.is_whitespace()
            || matches!(
                ch,
                ';' | '|' | '&' | '(' | ')' | '`' | '\'' | '"' | '<' | '>'
            );
        if separator {
            if !word.is_empty() {
                words.push((std::mem::take(&mut word), redirect));
                redirect = false;
            }
            if ch == '>' {
                redirect = true;
            }
        } else {
            word.push(ch);
        }
    }
    if !word.is_empty() {
        words.push((word, redirect));
    }
    for (word, redirected) in words {
        let (key, value) = match word.split_once('=') {
            Some((k, v)) if !k.is_empty() && !k.contains('/') => {
                (Some(k.to_string()), v.to_string())
            }
            _ => {
                let key = if redirected {
                    Some(">".to_string())
                } else {
                    pending_key.take().or(outer_key.map(str::to_string))
                };
                (key, word.clone())
            }
        };
        if word.starts_with('-') && !word.contains('=') {
            pending_key = Some(word.clone());
            continue;
        }
        pending_key = None;
        if value.contains("://") {
            continue;
        }
        for part in value.split([':', ',']) {
            if !part.starts_with('/') || part.starts_with("//") {
                continue;
            }
            let Some(full) = normalize(part) else {
                continue;
            };
            out.push(PathRef {
                raw: part.to_string(),
                path: cut_at_glob(&full),
                full: full.into_owned(),
                origin: origin.clone(),
                key: key.clone(),
            });
        }
    }
}
