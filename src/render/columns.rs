//! Column layout for the `ls`, `order` and `volumes` tables: cells padded to their column's
//! widest cell, kubectl style (no borders, spaces between columns, trailing blanks trimmed).
//!
//! These tables are only ever aligned, never wrapped or boxed, and at 150,000 pods they are
//! laid out hundreds of thousands of times: a general table engine's per-cell work
//! (splitting, re-parsing escape sequences, a `String` per padded line) was most of the
//! difference between `ls -A` and `ls -A -o json`. Widths are measured once per cell, as the
//! cell is added.

use unicode_width::UnicodeWidthStr;

use super::sanitize::sgr_len;

/// Rows of cells laid out in columns. A cell is one line of text that has been neutralised
/// already (so it holds no newline or control character) and may carry the palette's SGR
/// sequences, which take no room.
pub struct Columns {
    /// Spaces after each column; the last column's are never written (lines are trimmed).
    gaps: Vec<usize>,
    widths: Vec<usize>,
    /// Each cell with its display width.
    rows: Vec<Vec<(String, usize)>>,
}

impl Columns {
    /// A table whose column `i` is followed by `gaps[i]` spaces; `header` is its first row.
    pub fn new(header: Vec<String>, gaps: Vec<usize>) -> Self {
        let mut columns = Columns {
            widths: vec![0; gaps.len()],
            gaps,
            rows: Vec::new(),
        };
        columns.push(header);
        columns
    }

    /// Adds a row; a row may have fewer cells than there are columns (the rest are blank).
    pub fn push(&mut self, row: Vec<String>) {
        if row.len() > self.widths.len() {
            self.widths.resize(row.len(), 0);
            self.gaps.resize(row.len(), 0);
        }
        let row: Vec<(String, usize)> = row
            .into_iter()
            .map(|cell| {
                let width = display_width(&cell);
                (cell, width)
            })
            .collect();
        for (width, (_, cell_width)) in self.widths.iter_mut().zip(&row) {
            // Every column is at least one character wide, blank or not.
            *width = (*width).max(*cell_width).max(1);
        }
        self.rows.push(row);
    }

    /// The laid-out lines, header first, without trailing blanks.
    pub fn lines(&self) -> impl Iterator<Item = String> + '_ {
        self.rows.iter().map(|row| self.line(row))
    }

    fn line(&self, row: &[(String, usize)]) -> String {
        let mut line = String::with_capacity(self.widths.iter().sum::<usize>() + 16);
        let mut blanks = 0;
        for (i, width) in self.widths.iter().enumerate() {
            let (cell, cell_width) = row.get(i).map_or(("", 0), |(c, w)| (c.as_str(), *w));
            if !cell.is_empty() {
                line.extend(std::iter::repeat_n(' ', blanks));
                blanks = 0;
                line.push_str(cell);
            }
            blanks += width - cell_width.min(*width) + self.gaps[i];
        }
        // A cell's own trailing spaces go too, as in any kubectl-style table.
        line.truncate(line.trim_end().len());
        line
    }
}

/// Columns a cell takes on a terminal: its text's width, the palette's SGR sequences
/// (`ESC[…m`) excluded.
pub fn display_width(text: &str) -> usize {
    if !text.contains('\u{1b}') {
        return if text.is_ascii() {
            text.len()
        } else {
            text.width()
        };
    }
    let mut width = 0;
    let mut rest = text;
    while let Some(at) = rest.find('\u{1b}') {
        width += rest[..at].width();
        // Any other ESC takes no room either (cells are neutralised, so there is none).
        rest = &rest[at + sgr_len(&rest[at..]).max(1)..];
    }
    width + rest.width()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn columns_are_as_wide_as_their_widest_cell_plus_the_gap() {
        let mut table = Columns::new(cells(&["", "NAME", "AGE"]), vec![1, 3, 0]);
        table.push(cells(&["!", "checkout", "5m"]));
        table.push(cells(&["", "db", "12d"]));
        let lines: Vec<String> = table.lines().collect();
        assert_eq!(
            lines,
            vec!["  NAME       AGE", "! checkout   5m", "  db         12d"]
        );
    }

    #[test]
    fn trailing_blanks_are_trimmed_and_missing_cells_are_blank() {
        let mut table = Columns::new(cells(&["A", "B", "C"]), vec![3, 3, 0]);
        table.push(cells(&["x", "", ""]));
        table.push(cells(&["y"]));
        table.push(cells(&["z", "", "c"]));
        let lines: Vec<String> = table.lines().collect();
        assert_eq!(lines, vec!["A   B   C", "x", "y", "z       c"]);
    }

    #[test]
    fn colour_takes_no_room_and_wide_characters_take_two() {
        let red = "\u{1b}[31mno\u{1b}[39m";
        assert_eq!(display_width(red), 2);
        assert_eq!(display_width("\u{1b}[1;2m"), 0);
        assert_eq!(display_width("日本"), 4);
        assert_eq!(display_width("█─"), 2);
        let mut table = Columns::new(cells(&["READY", "STATE"]), vec![3, 0]);
        table.push(vec![red.to_string(), "Running".to_string()]);
        table.push(cells(&["日本語", "x"]));
        let lines: Vec<String> = table.lines().collect();
        assert_eq!(lines[0], "READY    STATE");
        assert_eq!(lines[1], format!("{red}       Running"));
        assert_eq!(lines[2], "日本語   x");
    }

    #[test]
    fn an_empty_column_is_still_one_character_wide() {
        let mut table = Columns::new(cells(&["", "NAME"]), vec![1, 0]);
        table.push(cells(&["", "a"]));
        let lines: Vec<String> = table.lines().collect();
        assert_eq!(lines, vec!["  NAME", "  a"]);
    }
}
