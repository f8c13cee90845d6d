//! Rendering: turns reports into text. Renderers decide nothing about pods; they format
//! what the analysis produced and write to any `Write`, so tests capture exact output.

mod columns;
pub mod containers;
pub mod findings;
pub mod order;
pub mod sanitize;
pub mod structured;
pub mod style;
pub mod volumes;

use std::io::Write;

use jiff::{SignedDuration, Timestamp};

use crate::error::Result;
use structured::write_error;

/// Writes one text block per pod, blank-line separated. Each block is built in memory first,
/// so a closed pipe stops the output between pods, never inside one, and goes through
/// [`sanitize::write_neutralised`] on its way out (`block` neutralises the cluster text it
/// lays out; this is the safety net).
pub fn write_pod_blocks<T>(
    out: &mut dyn Write,
    pods: &[T],
    palette: &style::Palette,
    mut block: impl FnMut(&mut String, &T),
) -> Result<()> {
    // Both buffers are reused from pod to pod.
    let (mut text, mut safe) = (String::new(), Vec::new());
    for (index, pod) in pods.iter().enumerate() {
        text.clear();
        safe.clear();
        if index > 0 {
            text.push('\n');
        }
        block(&mut text, pod);
        sanitize::write_neutralised(&mut safe, &text, palette.enabled()).map_err(write_error)?;
        out.write_all(&safe).map_err(write_error)?;
    }
    Ok(())
}

/// `1 restart`, `2 restarts`, `0 restarts`: a count with its noun in the right number.
pub fn count<T>(n: T, one: &str, many: &str) -> String
where
    T: std::fmt::Display + PartialEq + From<u8>,
{
    let noun = if n == T::from(1) { one } else { many };
    format!("{n} {noun}")
}

/// Age of a timestamp as kubectl prints it (`duration.HumanDuration`): `45s`, `4m12s`,
/// `3h`, `2d5h`, `1y20d`.
pub fn human_duration(d: SignedDuration) -> String {
    let seconds = d.as_secs();
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{days}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// Age of `then` at `now`.
pub fn age(now: Timestamp, then: Timestamp) -> String {
    human_duration(now.duration_since(then))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(count(1, "restart", "restarts"), "1 restart");
        assert_eq!(count(0_usize, "pod", "pods"), "0 pods");
        assert_eq!(count(12_u32, "pod", "pods"), "12 pods");
    }

    #[test]
    fn durations_like_kubectl() {
        let s = SignedDuration::from_secs;
        for (secs, expected) in [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (59, "59s"),
            (119, "119s"),
            (120, "2m"),
            (252, "4m12s"),
            (600, "10m"),
            (179 * 60, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 25 * 60, "3h25m"),
            (8 * 3600, "8h"),
            (47 * 3600, "47h"),
            (48 * 3600, "2d"),
            (53 * 3600, "2d5h"),
            (8 * 86400, "8d"),
            (729 * 86400, "729d"),
            (750 * 86400, "2y20d"),
            (9 * 365 * 86400, "9y"),
        ] {
            assert_eq!(human_duration(s(secs)), expected, "{secs}s");
        }
    }
}
