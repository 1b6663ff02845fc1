//! Markdown tables with padded columns, readable both raw and rendered.

/// A table built row by row and printed as GitHub-flavoured Markdown.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Creates a table with these column titles.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|title| (*title).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; missing cells are left empty and extra cells are dropped.
    pub fn row(&mut self, mut cells: Vec<String>) {
        cells.resize(self.header.len(), String::new());
        self.rows.push(cells);
    }

    /// Renders the table, each column padded to its widest cell.
    pub fn render(&self) -> String {
        // Markdown needs at least three dashes under each title.
        let mut widths: Vec<usize> = self
            .header
            .iter()
            .map(|title| title.chars().count().max(3))
            .collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }

        let mut output = String::new();
        push_line(&mut output, &self.header, &widths);
        let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
        push_line(&mut output, &rule, &widths);
        for row in &self.rows {
            push_line(&mut output, row, &widths);
        }
        output
    }
}

fn push_line(output: &mut String, cells: &[String], widths: &[usize]) {
    output.push('|');
    for (cell, width) in cells.iter().zip(widths) {
        let padding = width.saturating_sub(cell.chars().count());
        output.push(' ');
        output.push_str(cell);
        output.push_str(&" ".repeat(padding));
        output.push_str(" |");
    }
    output.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_pads_columns() {
        let mut table = Table::new(&["a", "bb"]);
        table.row(vec!["long".into(), "x".into()]);
        assert_eq!(table.render(), "| a    | bb  |\n| ---- | --- |\n| long | x   |\n");
    }
}
