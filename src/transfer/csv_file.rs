//! Reading an uploaded spreadsheet: refusing what is not a UTF-8 CSV file
//! with a sentence that says what to do, finding the separator, and
//! splitting it into rows with their line numbers (RFC 4180 by the `csv`
//! crate, so quoted commas, quotes and line breaks survive).

/// The columns an import knows, by their normalised header names.
pub const COLUMNS: [&str; 8] = [
    "bike_id",
    "maker",
    "maker_id",
    "model",
    "year",
    "engine",
    "image_url",
    "photo",
];
/// The column a problems file adds; ignored when such a file comes back.
pub const PROBLEM_COLUMN: &str = "problem";

/// One row of the file as it was written, with the line it starts on.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    pub cells: Vec<String>,
}

/// A file that is readable as CSV: its header and its rows.
#[derive(Debug, Clone)]
pub struct CsvFile {
    pub header: Vec<String>,
    /// The line of the header (2 when Excel's `sep=;` line comes first).
    pub header_line: u64,
    pub rows: Vec<Row>,
    pub separator: u8,
}

impl CsvFile {
    /// Roughly the memory the file takes, to bound what is held.
    pub fn size(&self) -> usize {
        let cells = |cells: &[String]| cells.iter().map(|c| c.len() + 24).sum::<usize>();
        cells(&self.header)
            + self
                .rows
                .iter()
                .map(|r| cells(&r.cells) + 32)
                .sum::<usize>()
    }
}

/// Reads `bytes` as a CSV file, or says in one sentence why it cannot.
pub fn read(bytes: &[u8]) -> Result<CsvFile, String> {
    let text = decode(bytes)?;
    let (text, forced, header_line) = excel_separator_line(text);
    let separator = forced.unwrap_or_else(|| detect_separator(text));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut header = None;
    let mut rows = Vec::new();
    // Lines counted here from the records' byte offsets: the csv crate's
    // own line numbers drift by one with CRLF line ends.
    let bytes = text.as_bytes();
    let (mut counted_to, mut line) = (0usize, header_line);
    for record in reader.records() {
        let record = record.map_err(|e| format!("The file could not be read as CSV: {e}."))?;
        let mut start = record
            .position()
            .map_or(0, |p| p.byte() as usize)
            .min(bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        line += bytes[counted_to..start.max(counted_to)]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        counted_to = counted_to.max(start);
        let line = line;
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if header.is_none() {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            header = Some((cells, line));
            continue;
        }
        // Spreadsheets often save empty rows (`;;;;`) below the data.
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(Row { line, cells });
    }
    let Some((header, header_line)) = header else {
        return Err("The file is empty: it has no header row and no bikes.".into());
    };
    if rows.is_empty() {
        return Err("The file has a header row but no bikes below it.".into());
    }
    Ok(CsvFile {
        header,
        header_line,
        rows,
        separator,
    })
}

/// The text of the file, without its BOM; refuses binary files, workbooks
/// and text in another encoding, saying how to save it as Excel's "CSV UTF-8".
fn decode(bytes: &[u8]) -> Result<&str, String> {
    const SAVE_AS: &str = "In Excel choose File › Save As and the type “CSV UTF-8 (Comma delimited) (*.csv)”, then import that file.";
    if bytes.iter().all(|b| b.is_ascii_whitespace()) || bytes == b"\xEF\xBB\xBF" {
        return Err("The file is empty: it has no header row and no bikes.".into());
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(format!(
            "This is an Excel workbook or a zip file, not a CSV file. {SAVE_AS}"
        ));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(format!(
            "This file is saved as UTF-16 (Excel's “Unicode Text”), not UTF-8. {SAVE_AS}"
        ));
    }
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let controls = head
        .iter()
        .filter(|b| **b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
        .count();
    if head.contains(&0) || controls * 100 > head.len() {
        return Err("This is not a CSV file: it holds binary data (a picture, a program or a database?). Choose the .csv file saved from your spreadsheet.".into());
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|err| {
        let line = bytes[..err.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        format!(
            "This file is not UTF-8 (from line {line} it looks like Windows-1252, the “ANSI” of Excel's plain “CSV (Comma delimited)”), so its accents would be garbled. {SAVE_AS}"
        )
    })
}

/// Excel's optional first line `sep=;` names the separator.
fn excel_separator_line(text: &str) -> (&str, Option<u8>, u64) {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    match first
        .trim_end_matches('\r')
        .strip_prefix("sep=")
        .map(str::as_bytes)
    {
        Some([separator]) if matches!(separator, b',' | b';' | b'\t' | b'|') => {
            (rest, Some(*separator), 2)
        }
        _ => (text, None, 1),
    }
}

/// Comma, semicolon (Excel where the decimal point is a comma) or tab: the
/// one that splits the header line into the most known column names, then
/// the most columns.
fn detect_separator(text: &str) -> u8 {
    let header = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|sep| {
            let names = header.split(char::from(*sep));
            let known = names
                .clone()
                .filter(|name| COLUMNS.contains(&normalise(name.trim_matches('"')).as_str()))
                .count();
            (known, names.count(), *sep == b',')
        })
        .unwrap_or(b',')
}

/// A header name as the import compares it: trimmed, lower case, spaces
/// and hyphens as underscores ("Image URL" is `image_url`).
pub fn normalise(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

/// "A", "B", … "Z", "AA": the column's letter in a spreadsheet.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.push(b'A' + rest as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_as_in_a_spreadsheet() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }

    #[test]
    fn the_separator_is_the_one_that_finds_the_columns() {
        assert_eq!(detect_separator("maker,model,year,engine\n"), b',');
        assert_eq!(detect_separator("maker;model;year;engine\r\n"), b';');
        assert_eq!(detect_separator("maker\tmodel\tyear\tengine\n"), b'\t');
        // A comma inside a name does not win over the semicolons.
        assert_eq!(detect_separator("Maker;Model, name;Year;Engine\n"), b';');
    }

    #[test]
    fn excels_sep_line_sets_the_separator() {
        let file = read(b"sep=;\r\nmaker;model\r\nHonda;CB 500, red\r\n").unwrap();
        assert_eq!(file.separator, b';');
        assert_eq!(file.header, ["maker", "model"]);
        assert_eq!(file.header_line, 2);
        assert_eq!(file.rows[0].line, 3);
        assert_eq!(file.rows[0].cells, ["Honda", "CB 500, red"]);
    }

    #[test]
    fn rows_know_the_line_they_start_on() {
        let file = read(b"maker,model\n\"Hon\nda\",x\n\n,\nYamaha,y\n").unwrap();
        let lines: Vec<u64> = file.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 6]);
        assert_eq!(file.rows[0].cells[0], "Hon\nda");
        let crlf = read(b"maker,model\r\n\"Hon\r\nda\",x\r\n\r\n,\r\nYamaha,y\r\nKTM,z").unwrap();
        let lines: Vec<u64> = crlf.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 6, 7]);
    }
}
