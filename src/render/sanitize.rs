//! Text from the cluster (messages, reasons, names, images, args, annotations, events) and
//! from input files is untrusted: a container writes its own termination message, and anyone
//! who may create events or patch a pod's status writes more. Printed raw, `ESC]0;…BEL`
//! retitles the window, `ESC[2J` clears the screen, `CR` and backspaces overwrite what was
//! printed, and bidi overrides reorder it (kubectl's CVE-2021-25743, "Trojan Source").
//!
//! [`neutralise`] is the one function that makes such text inert for table, wide and stderr
//! output: every dangerous character is shown visibly instead of being passed through.
//! JSON and YAML never go through it: they stay exact and are escaped by their serializers.
//! `logs` prints log lines as the container wrote them (like `kubectl logs`); only its
//! prefixes and marker lines are neutralised.

use std::borrow::Cow;
use std::io::{self, Write};

/// What [`neutralise`] does with one character, `None` when it is safe as it is.
fn replacement(c: char) -> Option<Cow<'static, str>> {
    match c {
        // A tab would break column alignment; it means "some space".
        '\t' => Some(" ".into()),
        '\n' => Some("\\n".into()),
        '\r' => Some("\\r".into()),
        // The other C0 controls (ESC, BEL, backspace, …) and DEL.
        '\u{0}'..='\u{1f}' | '\u{7f}' => Some(format!("\\x{:02x}", c as u32).into()),
        // C1 controls (U+009B is a one-character CSI on some terminals), the bidi embeddings,
        // overrides and isolates (Trojan Source), and the invisible direction marks.
        '\u{80}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{061c}' => Some(format!("\\u{:04x}", c as u32).into()),
        _ => None,
    }
}

/// `text` made inert for a terminal: C0 controls as `\x1b` (newline `\n`, carriage return
/// `\r`; a tab becomes a space), DEL as `\x7f`, C1 controls and the bidi overrides, isolates
/// and marks as `\u202e`. Everything else, including any other Unicode, is kept. Borrows when
/// there is nothing to change, which is almost always.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    // Nearly every string: one byte scan instead of a char-by-char search.
    if !may_need_replacing(text.as_bytes()) {
        return Cow::Borrowed(text);
    }
    let Some(first) = text.find(|c| replacement(c).is_some()) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        match replacement(c) {
            Some(r) => out.push_str(&r),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// False when `text` (UTF-8) has no character [`replacement`] changes; true may be a false
/// alarm (any U+2000–U+207F). A byte scan: the controls are single bytes, and the other
/// characters start with 0xC2 (C1), 0xD8 0x9C (U+061C) or 0xE2 0x80/0x81 (U+200E–U+2069),
/// which no continuation byte can be mistaken for.
fn may_need_replacing(text: &[u8]) -> bool {
    // Printable ASCII, most text: blocks folded without branches, which the compiler
    // vectorises (an early-exit `all` goes byte by byte).
    let printable = |block: &[u8]| {
        block
            .iter()
            .fold(true, |ok, &b| ok & (b.wrapping_sub(0x20) < 0x5f))
    };
    if text.chunks(64).all(printable) {
        return false;
    }
    let mut rest = text;
    while let Some(at) = rest
        .iter()
        .position(|&b| b < 0x20 || matches!(b, 0x7f | 0xc2 | 0xd8 | 0xe2))
    {
        let next = rest.get(at + 1).copied();
        let replaced = match rest[at] {
            0xc2 => matches!(next, Some(0x80..0xa0)),
            0xd8 => next == Some(0x9c),
            0xe2 => matches!(next, Some(0x80 | 0x81)),
            _ => true,
        };
        if replaced {
            return true;
        }
        rest = &rest[at + 1..];
    }
    false
}

/// The last line of defence, where a rendered block is written: with `colour`, the SGR
/// sequences (`ESC[…m`) the palette added are kept and every other part of the text goes
/// through [`neutralise`]; without colour, all of it does. Renderers neutralise each piece
/// of cluster text before they lay it out (so columns stay aligned and a hostile SGR
/// sequence cannot restyle the output); this catches whatever might slip past them.
pub fn neutralise_rendered(text: &str, colour: bool) -> Cow<'_, str> {
    if !colour {
        return neutralise(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut changed = false;
    let mut rest = text;
    while let Some(at) = rest.find('\u{1b}') {
        let plain = neutralise(&rest[..at]);
        changed |= matches!(plain, Cow::Owned(_));
        out.push_str(&plain);
        let sequence = sgr_len(&rest[at..]);
        if sequence > 0 {
            out.push_str(&rest[at..at + sequence]);
            rest = &rest[at + sequence..];
        } else {
            changed = true;
            out.push_str("\\x1b");
            rest = &rest[at + 1..];
        }
    }
    let plain = neutralise(rest);
    changed |= matches!(plain, Cow::Owned(_));
    out.push_str(&plain);
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// Writes `text` line by line through [`neutralise_rendered`]: what [`Guarded`] does with
/// bytes, for text that is known to be UTF-8 already.
pub fn write_neutralised(out: &mut dyn Write, text: &str, colour: bool) -> io::Result<()> {
    for line in text.split_inclusive('\n') {
        match line.strip_suffix('\n') {
            Some(body) => {
                out.write_all(neutralise_rendered(body, colour).as_bytes())?;
                out.write_all(b"\n")?;
            }
            None => out.write_all(neutralise_rendered(line, colour).as_bytes())?,
        }
    }
    Ok(())
}

/// A writer that passes every line through [`neutralise_rendered`]: what the table and wide
/// renderers write goes through it. Call [`Guarded::finish`] at the end to write a last line
/// without a newline (renderers always end theirs) and flush.
pub struct Guarded<'a> {
    out: &'a mut dyn Write,
    colour: bool,
    pending: Vec<u8>,
}

impl<'a> Guarded<'a> {
    pub fn new(out: &'a mut dyn Write, colour: bool) -> Self {
        Guarded {
            out,
            colour,
            pending: Vec::new(),
        }
    }

    fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        let text = String::from_utf8_lossy(line);
        write_neutralised(self.out, &text, self.colour)
    }

    pub fn finish(mut self) -> io::Result<()> {
        let rest = std::mem::take(&mut self.pending);
        self.write_line(&rest)?;
        self.out.flush()
    }
}

impl Write for Guarded<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Only the new bytes are searched: `writeln!` writes a line in several pieces.
        let Some(last) = buf.iter().rposition(|b| *b == b'\n') else {
            self.pending.extend_from_slice(buf);
            return Ok(buf.len());
        };
        let (complete, rest) = buf.split_at(last + 1);
        for line in complete.split_inclusive(|b| *b == b'\n') {
            let line = &line[..line.len() - 1];
            if self.pending.is_empty() {
                self.write_line(line)?;
            } else {
                let mut started = std::mem::take(&mut self.pending);
                started.extend_from_slice(line);
                self.write_line(&started)?;
                started.clear();
                self.pending = started;
            }
            self.out.write_all(b"\n")?;
        }
        self.pending.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Length of the SGR sequence `ESC [ digits;… m` at the start of `text`, 0 if there is none.
pub(super) fn sgr_len(text: &str) -> usize {
    let Some(params) = text.strip_prefix("\u{1b}[") else {
        return 0;
    };
    let digits = params
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    if params.as_bytes().get(digits) == Some(&b'm') {
        2 + digits + 1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of every dangerous class, between harmless text.
    const HOSTILE: &str = "a\u{1b}]0;title\u{7}b\u{1b}[2J\u{1b}[32mall healthy\u{1b}[0m\rOK\u{8}\u{8}\u{0}\u{1f}\u{7f}\u{80}\u{9b}\u{9f}\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}\u{2066}\u{2067}\u{2068}\u{2069}\u{200e}\u{200f}\u{61c}\tz\n";

    fn is_dangerous(c: char) -> bool {
        c.is_control()
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
    }

    #[test]
    fn every_dangerous_class_is_shown_visibly() {
        let out = neutralise(HOSTILE);
        assert!(!out.chars().any(is_dangerous), "{out:?}");
        assert_eq!(
            out,
            "a\\x1b]0;title\\x07b\\x1b[2J\\x1b[32mall healthy\\x1b[0m\\rOK\\x08\\x08\\x00\\x1f\\x7f\
             \\u0080\\u009b\\u009f\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069\
             \\u200e\\u200f\\u061c z\\n"
        );
    }

    #[test]
    fn safe_text_is_borrowed_and_unchanged() {
        for safe in [
            "",
            "web-0",
            "ünïcödé ✓ 漢字 →",
            "C:\\path \\x1b stays",
            "emoji 🚀",
        ] {
            assert!(matches!(neutralise(safe), Cow::Borrowed(s) if s == safe));
        }
    }

    #[test]
    fn rendered_text_keeps_only_the_palette_colours() {
        let painted = "\u{1b}[32mRunning\u{1b}[0m   \u{1b}[1m\u{1b}[31mx\u{1b}[0m";
        assert_eq!(neutralise_rendered(painted, true), painted);
        assert!(matches!(
            neutralise_rendered(painted, true),
            Cow::Borrowed(_)
        ));
        // Without colour nothing is kept.
        assert_eq!(neutralise_rendered("\u{1b}[32mx", false), "\\x1b[32mx");
        // With colour, what is not SGR is still neutralised: OSC, CSI other than SGR, CR.
        assert_eq!(
            neutralise_rendered("\u{1b}]0;t\u{7}\u{1b}[2J\u{1b}[\rx\u{1b}", true),
            "\\x1b]0;t\\x07\\x1b[2J\\x1b[\\rx\\x1b"
        );
        let out = neutralise_rendered(HOSTILE, true);
        assert!(
            !out.chars().any(|c| is_dangerous(c) && c != '\u{1b}'),
            "{out:?}"
        );
    }

    #[test]
    fn the_byte_scan_finds_every_replaced_character() {
        // Every character up to U+2FFF and a sample beyond: the scan never misses one.
        let chars = ('\0'..='\u{2fff}').chain(['\u{feff}', '\u{1f680}', '\u{10ffff}']);
        for c in chars {
            let text = format!("a{c}b");
            if replacement(c).is_some() {
                assert!(may_need_replacing(text.as_bytes()), "{c:?}");
            }
        }
        assert!(!may_need_replacing("█─ ünïcödé 漢字 → 🚀".as_bytes()));
    }

    #[test]
    fn guarded_writer_neutralises_line_by_line() {
        let mut buf = Vec::new();
        let mut w = Guarded::new(&mut buf, false);
        w.write_all(b"ok \x1b[2J").unwrap();
        w.write_all(b"x\nsecond\r\nthi").unwrap();
        w.write_all(b"rd\n").unwrap();
        w.write_all(b"last\x07").unwrap();
        w.finish().unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "ok \\x1b[2Jx\nsecond\\r\nthird\nlast\\x07"
        );
    }
}
