//! A rule's documentation: its doc comment, in a fixed shape (ruff's), rendered as plain text
//! for `kubectl sidecar explain` and as markdown for docs/rules.md.
//!
//! The doc comment knows a small markdown subset: `## ` section headings, paragraphs, `- `
//! bullets, inline `code` and ```yaml fenced blocks. The Example section's first yaml block
//! is a pod that triggers the rule, the second one (after "Not reported") a near miss that
//! does not; the registry tests run both.

use super::{CATALOG, Group, Rule};

#[cfg(test)]
/// The sections every rule documents, in this order.
pub const SECTIONS: [&str; 4] = ["What it does", "Why is this bad?", "Example", "Fix"];

/// The doc comment as written: rustdoc keeps the space after `///` on every line.
fn lines(doc: &str) -> impl Iterator<Item = &str> {
    doc.lines().map(|l| l.strip_prefix(' ').unwrap_or(l))
}

/// `(heading, body)` of each `## ` section, bodies trimmed of blank edge lines.
pub fn sections(doc: &str) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    for line in lines(doc) {
        if let Some(heading) = line.strip_prefix("## ") {
            out.push((heading.trim(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    for (_, body) in &mut out {
        *body = body.trim_matches('\n').to_string();
    }
    out
}

#[cfg(test)]
/// The body of one section.
pub fn section(doc: &str, heading: &str) -> Option<String> {
    sections(doc)
        .into_iter()
        .find(|(h, _)| *h == heading)
        .map(|(_, body)| body)
}

#[cfg(test)]
/// The ```yaml blocks of a text, in order.
pub fn yaml_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```yaml") => current = Some(String::new()),
            Some(block) if line.trim_start().starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[cfg(test)]
/// The Example section's pods: the one that triggers the rule and the near miss.
pub fn examples(rule: &Rule) -> (Option<String>, Option<String>) {
    let blocks = section(rule.doc, "Example")
        .map(|body| yaml_blocks(&body))
        .unwrap_or_default();
    let mut blocks = blocks.into_iter();
    (blocks.next(), blocks.next())
}

/// One block of a section body: prose to wrap, a bullet, or code kept as written.
enum Block {
    Paragraph(String),
    Bullet(String),
    Code(Vec<String>),
}

fn blocks(body: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut code: Option<Vec<String>> = None;
    for line in body.lines() {
        if let Some(lines) = &mut code {
            if line.trim_start().starts_with("```") {
                out.push(Block::Code(std::mem::take(lines)));
                code = None;
            } else {
                lines.push(line.to_string());
            }
            continue;
        }
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            code = Some(Vec::new());
        } else if trimmed.is_empty() {
            out.push(Block::Paragraph(String::new()));
        } else if let Some(item) = trimmed.strip_prefix("- ") {
            out.push(Block::Bullet(item.to_string()));
        } else {
            match out.last_mut() {
                Some(Block::Paragraph(p) | Block::Bullet(p)) if !p.is_empty() => {
                    p.push(' ');
                    p.push_str(trimmed);
                }
                _ => out.push(Block::Paragraph(trimmed.to_string())),
            }
        }
    }
    if let Some(lines) = code {
        out.push(Block::Code(lines));
    }
    out.retain(|b| !matches!(b, Block::Paragraph(p) if p.is_empty()));
    out
}

/// Greedy word wrap; a word longer than the width gets a line of its own.
fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let len = line.chars().count() + usize::from(!empty) + word.chars().count();
        if !empty && len > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// `kubectl sidecar explain RULE`: the rule's documentation as plain text, wrapped to `width`.
pub fn explain(rule: &Rule, width: usize) -> String {
    let width = width.clamp(40, 100);
    let header = format!(
        "{} ({}, {}{})",
        rule.id,
        rule.group.as_str(),
        rule.policy.severities(),
        if rule.patch {
            ", patch with diagnose --fix"
        } else {
            ""
        }
    );
    let mut out = wrap(&header, width, "", "  ");
    out.push_str(&wrap(rule.title, width, "", ""));
    for (heading, body) in sections(rule.doc) {
        out.push('\n');
        out.push_str(&heading.to_uppercase());
        out.push('\n');
        let mut first = true;
        // Plain text has no bold: `**warning**` reads as `warning`.
        for block in blocks(&body.replace("**", "")) {
            if !first && !matches!(block, Block::Bullet(_)) {
                out.push('\n');
            }
            first = false;
            match block {
                Block::Paragraph(p) => out.push_str(&wrap(&p, width, "  ", "  ")),
                Block::Bullet(b) => out.push_str(&wrap(&b, width, "  - ", "    ")),
                Block::Code(lines) => {
                    for line in lines {
                        out.push_str(format!("    {line}").trim_end());
                        out.push('\n');
                    }
                }
            }
        }
    }
    out
}

/// `kubectl sidecar explain`: every rule by group, one line each.
pub fn list(width: usize) -> String {
    let id_width = CATALOG.iter().map(|r| r.id.len()).max().unwrap_or(0) + 2;
    let policy_width = 21;
    let indent = " ".repeat(2 + id_width + policy_width);
    let mut out = String::new();
    for group in Group::ALL {
        out.push_str(&format!(
            "{}: {}\n",
            group.as_str().to_uppercase(),
            group.description()
        ));
        for rule in CATALOG.iter().filter(|r| r.group == group) {
            let first = format!(
                "  {:<id_width$}{:<policy_width$}",
                rule.id,
                rule.policy.severities()
            );
            let title = format!("{}{}", rule.title, if rule.patch { " [--fix]" } else { "" });
            out.push_str(&wrap(&title, width.max(60), &first, &indent));
        }
        out.push('\n');
    }
    out.push_str("[--fix]: diagnose --fix prints the change as a patch of the pod's owner\n");
    out.push_str("Details of one rule: kubectl sidecar explain RULE\n");
    out
}

#[cfg(test)]
/// The catalog part of docs/rules.md: an index by group, then every rule's documentation.
pub fn markdown() -> String {
    let mut out = String::from("### Index\n\n");
    for group in Group::ALL {
        out.push_str(&format!(
            "#### {}\n\n{}.\n\n| rule | severity | what |\n|---|---|---|\n",
            group.as_str(),
            capitalise(group.description())
        ));
        for rule in CATALOG.iter().filter(|r| r.group == group) {
            out.push_str(&format!(
                "| [`{id}`](#{id}) | {} | {}{} |\n",
                rule.policy.severities(),
                rule.title,
                if rule.patch { " (`--fix`)" } else { "" },
                id = rule.id
            ));
        }
        out.push('\n');
    }
    for rule in CATALOG {
        out.push_str(&format!(
            "### `{}`\n\n*{}* — {}; group `{}`;{} `kubectl sidecar explain {}`\n\n",
            rule.id,
            rule.policy.severities(),
            rule.title,
            rule.group.as_str(),
            if rule.patch {
                " patch with `diagnose --fix`;"
            } else {
                ""
            },
            rule.id
        ));
        for (heading, body) in sections(rule.doc) {
            out.push_str(&format!("#### {heading}\n\n{body}\n\n"));
        }
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
/// Where the generated catalog sits in docs/rules.md (the text around it is written by hand).
pub const BEGIN_MARKER: &str =
    "<!-- BEGIN GENERATED from src/checks by `UPDATE_GOLDEN=1 cargo test`: do not edit -->";
#[cfg(test)]
pub const END_MARKER: &str = "<!-- END GENERATED -->";

#[cfg(test)]
/// docs/rules.md with its generated part replaced by the current catalog.
pub fn with_catalog(current: &str) -> Option<String> {
    let start = current.find(BEGIN_MARKER)? + BEGIN_MARKER.len();
    let end = current.find(END_MARKER)?;
    (start <= end).then(|| {
        format!(
            "{}\n\n{}\n{}",
            &current[..start],
            markdown(),
            &current[end..]
        )
    })
}

#[cfg(test)]
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = " ## What it does\n Finds a thing in\n two lines.\n\n ## Example\n A pod:\n ```yaml\n kind: Pod\n ```\n Not reported:\n ```yaml\n kind: Pod # fine\n ```\n\n ## Fix\n - first\n - second, which is a longer bullet that wraps\n";

    #[test]
    fn sections_and_examples_are_read_from_the_doc_comment() {
        let s = sections(DOC);
        let headings: Vec<&str> = s.iter().map(|(h, _)| *h).collect();
        assert_eq!(headings, ["What it does", "Example", "Fix"]);
        assert_eq!(s[0].1, "Finds a thing in\ntwo lines.");
        let blocks = yaml_blocks(&s[1].1);
        assert_eq!(blocks, ["kind: Pod\n", "kind: Pod # fine\n"]);
    }

    #[test]
    fn plain_text_wraps_prose_and_keeps_code() {
        let text: String = blocks(&section(DOC, "Fix").unwrap())
            .into_iter()
            .map(|b| match b {
                Block::Bullet(b) => wrap(&b, 30, "  - ", "    "),
                _ => String::new(),
            })
            .collect();
        assert_eq!(
            text,
            "  - first\n  - second, which is a longer\n    bullet that wraps\n"
        );
        assert_eq!(wrap("a b", 10, "", ""), "a b\n");
        assert_eq!(
            wrap("averyveryverylongword b", 5, "", ""),
            "averyveryverylongword\nb\n"
        );
    }
}
