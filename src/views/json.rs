//! The read-only JSON API's bodies (SPEC §12): the same records the public
//! pages show, as JSON. Data in, text out, like every view.

use serde::Serialize;

use crate::domain::records::{Bike, MakerUsage, Page};

#[derive(Serialize)]
struct BikeJson<'a> {
    bike_id: i64,
    maker_id: i64,
    maker: &'a str,
    model: &'a str,
    /// As the bike's page shows it: a number for every year the forms
    /// accept; a Flask-course row whose year is not a number keeps its text.
    year: Year<'a>,
    engine: &'a str,
    image_url: &'a str,
    url: String,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Year<'a> {
    Number(i64),
    Text(&'a str),
}

impl<'a> BikeJson<'a> {
    fn of(bike: &'a Bike) -> BikeJson<'a> {
        BikeJson {
            bike_id: bike.bike_id,
            maker_id: bike.maker_id,
            maker: &bike.maker,
            model: &bike.model,
            year: match bike.year.parse::<i64>() {
                Ok(year) if year.to_string() == bike.year => Year::Number(year),
                _ => Year::Text(&bike.year),
            },
            engine: &bike.engine,
            image_url: &bike.image_url,
            url: format!("/bikes/{}", bike.bike_id),
        }
    }
}

#[derive(Serialize)]
struct BikePageJson<'a> {
    bikes: Vec<BikeJson<'a>>,
    page: u64,
    pages: u64,
    total: u64,
}

#[derive(Serialize)]
struct MakerJson<'a> {
    maker_id: i64,
    name: &'a str,
    bikes: i64,
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    error: &'a str,
}

/// `GET /api/bikes`: one page of the catalogue.
pub fn bike_page(results: &Page<Bike>) -> String {
    to_text(&BikePageJson {
        bikes: results.items.iter().map(BikeJson::of).collect(),
        page: results.page,
        pages: results.page_count(),
        total: results.total,
    })
}

/// `GET /api/bikes/<id>`.
pub fn bike(bike: &Bike) -> String {
    to_text(&BikeJson::of(bike))
}

/// `GET /api/makers`.
pub fn makers(makers: &[MakerUsage]) -> String {
    let list: Vec<MakerJson> = makers
        .iter()
        .map(|m| MakerJson {
            maker_id: m.maker_id,
            name: &m.name,
            bikes: m.bikes,
        })
        .collect();
    to_text(&list)
}

/// `{"error": "…"}`.
pub fn error(message: &str) -> String {
    to_text(&ErrorJson { error: message })
}

/// These values are plain strings and numbers, which always serialise;
/// the fallback only keeps a bug from becoming a panic.
fn to_text(value: &impl Serialize) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| r#"{"error":"The answer could not be written."}"#.to_string())
}
