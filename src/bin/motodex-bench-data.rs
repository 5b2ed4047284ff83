//! `motodex-bench-data`: a new database filled with a synthetic catalogue,
//! for bench/run. Built only with the `bench-data` feature, so the
//! generator is no part of the motodex that is shipped.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

/// Creates a new motodex database filled with a synthetic catalogue (for benchmarks).
#[derive(Debug, Parser)]
#[command(name = "motodex-bench-data")]
struct Args {
    /// The database file to create; must not exist yet.
    #[arg(long, value_name = "PATH", required_unless_present = "photos")]
    db: Option<PathBuf>,
    /// How many bikes.
    #[arg(long, default_value_t = 1_000_000)]
    bikes: u64,
    /// How many makers.
    #[arg(long, default_value_t = 500)]
    makers: u64,
    /// Instead of a database (or besides it): a folder to fill with
    /// camera-sized JPEG photos and `bikes.csv`, a spreadsheet that names
    /// one on each row, for timing an import with photos.
    #[arg(long, value_name = "DIR")]
    photos: Option<PathBuf>,
    /// How many photos (and rows) in the --photos folder.
    #[arg(long, default_value_t = 1000)]
    photo_count: u64,
    /// How many activity-log entries (year edits by 8 accounts) to add.
    #[arg(long, default_value_t = 0)]
    activity: u64,
}

/// Writes `count` distinct 1200 × 900 JPEGs and the CSV that imports them.
fn write_photos(dir: &std::path::Path, count: u64) -> std::io::Result<()> {
    use image::{Rgb, RgbImage};
    std::fs::create_dir_all(dir)?;
    let mut csv = String::from("maker,model,year,engine,photo\n");
    for n in 0..count {
        let shade = (n % 200) as u8;
        let picture = RgbImage::from_fn(1200, 900, |x, y| {
            Rgb([(x / 5) as u8 ^ shade, (y / 4) as u8, ((x + y) / 8) as u8])
        });
        let name = format!("photo-{n:05}.jpg");
        let mut file = std::io::BufWriter::new(std::fs::File::create(dir.join(&name))?);
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut file, 90)
            .encode_image(&picture)
            .map_err(std::io::Error::other)?;
        csv.push_str(&format!(
            "Bench Maker {},Photo Bike {n},2020,650cc,{name}\n",
            n % 20
        ));
    }
    std::fs::write(dir.join("bikes.csv"), csv)
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(dir) = &args.photos {
        let started = Instant::now();
        if let Err(err) = write_photos(dir, args.photo_count) {
            eprintln!(
                "motodex-bench-data: {} could not be filled: {err}.",
                dir.display()
            );
            return ExitCode::FAILURE;
        }
        println!(
            "{} photos and bikes.csv written to {} in {:.1} s.",
            args.photo_count,
            dir.display(),
            started.elapsed().as_secs_f64()
        );
    }
    let Some(path) = &args.db else {
        return ExitCode::SUCCESS;
    };
    let db = path.display();
    if path.exists() {
        eprintln!("motodex-bench-data: {db} already exists; only new databases are filled.");
        return ExitCode::FAILURE;
    }
    let started = Instant::now();
    let made = motodex::db::generate::new_catalogue(path, args.bikes, args.makers)
        .and_then(|()| motodex::db::generate::activity(path, args.activity));
    match made {
        Ok(()) => {
            println!(
                "{} bikes from {} makers and {} activity entries written to {db} in {:.1} s.",
                args.bikes,
                args.makers,
                args.activity,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("motodex-bench-data: {db} could not be made: {err}.");
            ExitCode::FAILURE
        }
    }
}
