//! The spreadsheet export (SPEC §12): every bike as
//! `bike_id,maker,model,year,engine,image_url`, UTF-8 with a BOM (so Excel
//! reads the accents right), RFC 4180 quoting by the `csv` crate, and the
//! formula guard on every text cell. Rows are written as they are read:
//! the file never sits in memory whole.

use std::io::Write;

use super::guard::guard;
use crate::db::{Connection, DbError, transfer};

pub const HEADER: [&str; 6] = ["bike_id", "maker", "model", "year", "engine", "image_url"];

/// What Excel needs to see to read a CSV file as UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Db(#[from] DbError),
    /// Writing failed (disk full, or the download was cancelled).
    #[error("{0}")]
    Write(#[from] std::io::Error),
}

/// A CSV writer as every file of this module writes: CRLF line ends (RFC
/// 4180, and what Excel writes), quotes only where needed.
pub fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out)
}

/// Writes the export to `out`; returns how many bikes it holds.
pub fn write_csv<W: Write>(conn: &Connection, mut out: W) -> Result<u64, ExportError> {
    out.write_all(BOM)?;
    let mut writer = csv_writer(out);
    writer.write_record(HEADER).map_err(csv_error)?;
    let mut count = 0;
    let mut failed = None;
    transfer::each_bike(conn, |bike| {
        let id = bike.bike_id.to_string();
        let row = [
            id.as_str(),
            &guard(&bike.maker),
            &guard(&bike.model),
            &guard(&bike.year),
            &guard(&bike.engine),
            &guard(&bike.image_url),
        ];
        match writer.write_record(row) {
            Ok(()) => {
                count += 1;
                true
            }
            Err(err) => {
                failed = Some(csv_error(err));
                false
            }
        }
    })?;
    if let Some(err) = failed {
        return Err(err.into());
    }
    let mut out = writer
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    out.flush()?;
    Ok(count)
}

/// The csv crate's errors while writing are I/O errors underneath.
pub fn csv_error(err: csv::Error) -> std::io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(err) => err,
        other => std::io::Error::other(format!("{other:?}")),
    }
}
