//! The sample catalogue a new database starts with, so the site shows
//! something real on first run (`--no-sample-data` skips it).

use rusqlite::{Connection, params};

use super::DbResult;

/// (maker, model, year, engine) of real, well-known motorbikes.
const SAMPLE_BIKES: &[(&str, &str, i64, &str)] = &[
    ("Ducati", "Panigale V4", 2023, "1103cc"),
    ("Ducati", "Monster", 2021, "937cc"),
    ("Honda", "CBR1000RR-R Fireblade", 2022, "999cc"),
    ("Honda", "CRF1100L Africa Twin", 2020, "1084cc"),
    ("Kawasaki", "Ninja ZX-10R", 2021, "998cc"),
    ("Kawasaki", "Z900", 2020, "948cc"),
    ("Yamaha", "YZF-R1", 2020, "998cc"),
    ("Yamaha", "MT-07", 2021, "689cc"),
    ("BMW", "S 1000 RR", 2023, "999cc"),
    ("BMW", "R 1250 GS", 2019, "1254cc"),
    ("Triumph", "Bonneville T120", 2016, "1200cc"),
    ("Triumph", "Street Triple RS", 2023, "765cc"),
    ("Zero", "SR/F", 2022, "Electric"),
];

/// Adds the sample catalogue, inside the caller's transaction.
pub fn insert(tx: &Connection) -> DbResult<()> {
    for (maker, model, year, engine) in SAMPLE_BIKES {
        tx.execute("INSERT INTO makers (name) SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM makers WHERE name = ?1)", [maker])?;
        tx.execute(
            "INSERT INTO bikes (maker_id, model, year, engine, image_url)
             SELECT maker_id, ?2, ?3, ?4, '' FROM makers WHERE name = ?1",
            params![maker, model, year, engine],
        )?;
    }
    Ok(())
}
