//! Colors. Meaning is never carried by color alone: every colored cell also says in words
//! (or with the `!` marker) what it means, so `--color never` loses nothing.

use owo_colors::OwoColorize;

use crate::model::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Warn,
    Bad,
    Dim,
    Strong,
}

#[derive(Debug, Clone, Copy)]
pub struct Palette {
    enabled: bool,
}

impl Palette {
    pub fn new(enabled: bool) -> Self {
        Palette { enabled }
    }

    /// Whether colour codes are written.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// `text` in `tone`. The text is neutralised first (it often comes from the cluster), so
    /// nothing painted can carry its own escape sequences.
    pub fn paint(&self, text: &str, tone: Tone) -> String {
        let text = super::sanitize::neutralise(text);
        if !self.enabled {
            return text.into_owned();
        }
        match tone {
            Tone::Good => text.green().to_string(),
            Tone::Warn => text.yellow().to_string(),
            Tone::Bad => text.red().bold().to_string(),
            Tone::Dim => text.dimmed().to_string(),
            Tone::Strong => text.bold().to_string(),
        }
    }

    pub fn role(&self, role: Role) -> String {
        let text = role.as_str();
        if !self.enabled {
            return text.to_string();
        }
        match role {
            Role::Init => text.blue().to_string(),
            Role::NativeSidecar => text.cyan().to_string(),
            Role::Main => text.bold().to_string(),
            Role::Sidecar => text.magenta().to_string(),
            Role::Ephemeral => text.dimmed().to_string(),
        }
    }
}
