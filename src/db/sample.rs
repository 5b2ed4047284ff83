//! The sample catalogue a new database starts with, so the site shows
//! something real on first run (`--no-sample-data` skips it). Each bike
//! comes with a drawing made for motodex (SVG, embedded in the binary): its
//! kind of bike in its maker's colour, stored and served like an uploaded
//! photo, so it can be replaced or removed like one.

use rusqlite::{Transaction, params};

use super::{DbResult, images};
use crate::domain::records::Photo;

/// The kinds of bike the drawings show.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Sport,
    Naked,
    Adventure,
    Retro,
    Electric,
}

impl Kind {
    /// The drawing, with `PAINT` and `SHADE` standing for the maker's
    /// colour and its darker shade.
    fn drawing(self) -> &'static str {
        match self {
            Kind::Sport => include_str!("sample/sport.svg"),
            Kind::Naked => include_str!("sample/naked.svg"),
            Kind::Adventure => include_str!("sample/adventure.svg"),
            Kind::Retro => include_str!("sample/retro.svg"),
            Kind::Electric => include_str!("sample/electric.svg"),
        }
    }
}

/// (maker, model, year, engine, kind) of real, well-known motorbikes.
const SAMPLE_BIKES: &[(&str, &str, i64, &str, Kind)] = &[
    ("Ducati", "Panigale V4", 2023, "1103cc", Kind::Sport),
    ("Ducati", "Monster", 2021, "937cc", Kind::Naked),
    ("Honda", "CBR1000RR-R Fireblade", 2022, "999cc", Kind::Sport),
    (
        "Honda",
        "CRF1100L Africa Twin",
        2020,
        "1084cc",
        Kind::Adventure,
    ),
    ("Kawasaki", "Ninja ZX-10R", 2021, "998cc", Kind::Sport),
    ("Kawasaki", "Z900", 2020, "948cc", Kind::Naked),
    ("Yamaha", "YZF-R1", 2020, "998cc", Kind::Sport),
    ("Yamaha", "MT-07", 2021, "689cc", Kind::Naked),
    ("BMW", "S 1000 RR", 2023, "999cc", Kind::Sport),
    ("BMW", "R 1250 GS", 2019, "1254cc", Kind::Adventure),
    ("Triumph", "Bonneville T120", 2016, "1200cc", Kind::Retro),
    ("Triumph", "Street Triple RS", 2023, "765cc", Kind::Naked),
    ("Zero", "SR/F", 2022, "Electric", Kind::Electric),
];

/// Each sample maker's colour and its darker shade.
fn paint(maker: &str) -> (&'static str, &'static str) {
    match maker {
        "Ducati" => ("#c8102e", "#7a0a1c"),
        "Honda" => ("#f2a900", "#a06f00"),
        "Kawasaki" => ("#3f9a2e", "#23601a"),
        "Yamaha" => ("#1f4fa8", "#12306a"),
        "BMW" => ("#2f8fd8", "#1a5a8f"),
        "Triumph" => ("#1b4d3e", "#0d2a21"),
        _ => ("#f26a13", "#a84508"),
    }
}

/// The drawing of a `kind` of bike in `maker`'s colours.
fn picture(kind: Kind, maker: &str) -> Vec<u8> {
    let (colour, shade) = paint(maker);
    kind.drawing()
        .replace("SHADE", shade)
        .replace("PAINT", colour)
        .into_bytes()
}

/// Adds the sample catalogue, inside the caller's transaction.
pub fn insert(tx: &Transaction) -> DbResult<()> {
    for (maker, model, year, engine, kind) in SAMPLE_BIKES {
        tx.execute("INSERT INTO makers (name) SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM makers WHERE name = ?1)", [maker])?;
        tx.execute(
            "INSERT INTO bikes (maker_id, model, year, engine, image_url)
             SELECT maker_id, ?2, ?3, ?4, '' FROM makers WHERE name = ?1",
            params![maker, model, year, engine],
        )?;
        let bike_id = tx.last_insert_rowid();
        let drawing = picture(*kind, maker);
        // A drawing scales: the thumbnail is the same file.
        let photo = Photo {
            content_type: images::SVG,
            thumbnail: drawing.clone(),
            data: drawing,
        };
        let image_id = images::replace(tx, bike_id, &photo)?;
        tx.execute(
            "UPDATE bikes SET image_url = ?1 WHERE bike_id = ?2",
            params![format!("/images/{image_id}"), bike_id],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_drawing_is_svg_without_script_and_takes_its_makers_colour() {
        for (maker, _, _, _, kind) in SAMPLE_BIKES {
            let drawing = String::from_utf8(picture(*kind, maker)).expect("text");
            assert!(drawing.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
            assert!(drawing.contains(paint(maker).0), "{maker}: {kind:?}");
            assert!(!drawing.contains("PAINT") && !drawing.contains("SHADE"));
            let lower = drawing.to_lowercase();
            assert!(!lower.contains("<script") && !lower.contains(" on"));
        }
    }
}
