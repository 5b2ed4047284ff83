//! `motodex export FILE` and `motodex import FILE` (SPEC §12), run as the
//! real binary: good files in every shape Excel writes, every bad input with
//! its clear error and nothing written, and the export → import round trip.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::helpers::binary::{create_admin, motodex, run};
use crate::helpers::{ADMIN, PASSWORD};

/// A database with the sample catalogue (13 bikes by 7 makers) and an admin.
fn database() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("database.db");
    create_admin(&db, ADMIN, PASSWORD);
    (dir, db)
}

fn query_i64(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Every bike and maker, for "nothing was written" checks.
fn snapshot(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut rows: Vec<String> = conn
        .prepare("SELECT bike_id || '|' || maker_id || '|' || model || '|' || year || '|' || engine || '|' || image_url FROM bikes ORDER BY bike_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let makers: Vec<String> = conn
        .prepare("SELECT maker_id || '|' || name FROM makers ORDER BY maker_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.extend(makers);
    rows
}

/// Runs `motodex import FILE ARGS…` on a file holding `contents`.
fn import(db: &Path, contents: &[u8], args: &[&str]) -> (Option<i32>, String, String) {
    let file = db.with_file_name(format!("import-{}.csv", rand_name()));
    std::fs::write(&file, contents).unwrap();
    let mut command = motodex(db);
    command.arg("import").arg(&file).args(args);
    run(command)
}

fn rand_name() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn export(db: &Path) -> Vec<u8> {
    let file = db.with_file_name(format!("export-{}.csv", rand_name()));
    let mut command = motodex(db);
    command.arg("export").arg(&file);
    let (code, out, err) = run(command);
    assert_eq!(code, Some(0), "{out}{err}");
    std::fs::read(file).unwrap()
}

fn model_row(db: &Path, model: &str) -> Option<(String, String, String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT m.name, CAST(b.year AS TEXT), b.engine, b.image_url FROM bikes b JOIN makers m USING (maker_id) WHERE b.model = ?1",
        [model],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .ok()
}

#[test]
fn files_with_commas_semicolons_tabs_a_bom_or_crlf_and_quoted_line_breaks_import() {
    let files: [(&str, &[u8]); 6] = [
        ("comma", b"maker,model,year,engine\nHonda,Comma One,2020,500cc\n"),
        (
            "semicolon with BOM and CRLF (Excel in Europe)",
            b"\xEF\xBB\xBFMaker;Model;Year;Engine;Image URL\r\nHonda;\"Semi, colon\";2021;\"1,000cc\";\r\n",
        ),
        ("tab", b"maker\tmodel\tyear\tengine\nHonda\tTab One\t2022\t650cc\n"),
        (
            "quoted line break and quotes",
            b"model,maker,engine,year\n\"Quoted \"\"Two\"\"\nLines\",Honda,750cc,2019\n",
        ),
        ("no final line break", b"MAKER,MODEL,YEAR,ENGINE\nHonda,No Newline,2018,125cc"),
        ("excel sep line", b"sep=;\r\nmaker;model;year;engine\r\nHonda;Sep Line;2017;250cc\r\n"),
    ];
    let (_dir, db) = database();
    let before = query_i64(&db, "SELECT count(*) FROM bikes");
    for (what, contents) in files {
        let (code, out, err) = import(&db, contents, &[]);
        assert_eq!(code, Some(0), "{what}: {out}{err}");
        assert!(out.contains("1 bike added"), "{what}: {out}");
    }
    assert_eq!(query_i64(&db, "SELECT count(*) FROM bikes"), before + 6);
    assert_eq!(
        model_row(&db, "Semi, colon").unwrap(),
        (
            "Honda".into(),
            "2021".into(),
            "1,000cc".into(),
            String::new()
        )
    );
    assert!(model_row(&db, "Quoted \"Two\"\nLines").is_some());
    assert!(model_row(&db, "Tab One").is_some() && model_row(&db, "Sep Line").is_some());
}

#[test]
fn every_form_rule_broken_on_some_row_is_reported_with_its_line_and_column_and_nothing_is_written()
{
    let (_dir, db) = database();
    let next_year = time::OffsetDateTime::now_utc().year() + 1;
    let long_model = "m".repeat(101);
    let long_engine = "e".repeat(51);
    let long_url = format!("https://example.com/{}", "a".repeat(490));
    let long_maker = "M".repeat(61);
    let file = format!(
        "maker,model,year,engine,image_url\n\
         Honda,Fine,2020,500cc,\n\
         Honda,  ,2020,500cc,\n\
         Honda,{long_model},2020,500cc,\n\
         Honda,Old,1884,500cc,\n\
         Honda,Future,{},500cc,\n\
         Honda,Words,nineteen,500cc,\n\
         Honda,No engine,2020,,\n\
         Honda,Long engine,2020,{long_engine},\n\
         Honda,Script,2020,500cc,javascript:alert(1)\n\
         Honda,Long url,2020,500cc,{long_url}\n\
         {long_maker},Long maker,2020,500cc,\n\
         ,No maker,2020,500cc,\n\
         Honda,Short row,2020\n",
        next_year + 1
    );
    let before = snapshot(&db);
    let (code, out, err) = import(&db, file.as_bytes(), &["--create-makers"]);
    assert_eq!(code, Some(1), "{out}{err}");
    for expected in [
        "line 3, column B (model): Enter the model.",
        "line 4, column B (model): The model can be at most 100 characters (this one has 101).",
        "line 5, column C (year): Enter a year from 1885",
        "line 6, column C (year): Enter a year from 1885",
        "line 7, column C (year): Enter a year",
        "line 8, column D (engine): Enter the engine.",
        "line 9, column D (engine): The engine can be at most 50 characters",
        "line 10, column E (image_url): Enter an address starting with http://",
        "line 11, column E (image_url): The image address can be at most 500 characters.",
        "line 12, column A (maker): The maker name can be at most 60 characters",
        "line 13, column A (maker): Enter the maker name.",
        "line 14: This row has 3 cells but the header has 5",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert!(
        !err.contains("line 2"),
        "the good row has no problem:\n{err}"
    );
    assert!(
        err.contains("12 problems, so nothing was imported"),
        "{err}"
    );
    assert_eq!(snapshot(&db), before);
}

#[test]
fn an_unknown_maker_is_a_problem_unless_makers_may_be_created() {
    let (_dir, db) = database();
    let file = b"maker,model,year,engine\nAprilia,RSV4,2023,1099cc\naprilia,Tuono,2022,1077cc\nhonda,Lowercase,2020,500cc\n";
    let before = snapshot(&db);
    let (code, _, err) = import(&db, file, &[]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("line 2, column A (maker): There is no maker “Aprilia”"),
        "{err}"
    );
    assert!(err.contains("--create-makers"), "{err}");
    assert!(!err.contains("line 4"), "makers match ignoring case: {err}");
    assert_eq!(snapshot(&db), before);

    let (code, out, err) = import(&db, file, &["--create-makers"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("3 bikes added") && out.contains("1 maker created"),
        "{out}"
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM makers WHERE lower(name) = 'aprilia'"
        ),
        1
    );
    let honda = query_i64(&db, "SELECT maker_id FROM makers WHERE name = 'Honda'");
    assert_eq!(
        query_i64(&db, "SELECT maker_id FROM bikes WHERE model = 'Lowercase'"),
        honda
    );
}

#[test]
fn update_changes_bikes_by_id_adds_rows_without_one_and_refuses_an_unknown_id() {
    let (_dir, db) = database();
    let first = query_i64(&db, "SELECT min(bike_id) FROM bikes");
    let second = first + 1;
    let maker: String = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row(
            "SELECT m.name FROM bikes b JOIN makers m USING (maker_id) WHERE bike_id = ?1",
            [second],
            |r| r.get(0),
        )
        .unwrap()
    };
    let row = |id: i64| {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row(
            "SELECT m.name || ',' || model || ',' || year || ',' || engine FROM bikes JOIN makers m USING (maker_id) WHERE bike_id = ?1",
            [id],
            |r| r.get::<_, String>(0),
        )
        .unwrap()
    };
    let unchanged = row(second);
    let file = format!(
        "bike_id,maker,model,year,engine\n{first},Honda,Renamed,2001,600cc\n{second},{unchanged}\n,Honda,Brand New,2024,300cc\n"
    );
    assert!(unchanged.starts_with(&maker));

    let before = snapshot(&db);
    let (code, _, err) = import(&db, file.as_bytes(), &[]);
    assert_eq!(code, Some(1), "a bike_id without --update is refused");
    assert!(
        err.contains("line 2, column A (bike_id)") && err.contains("--update"),
        "{err}"
    );
    assert_eq!(snapshot(&db), before);

    let (code, out, err) = import(&db, file.as_bytes(), &["--update"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("1 bike added, 1 changed, 1 unchanged"),
        "{out}"
    );
    assert_eq!(row(first), "Honda,Renamed,2001,600cc");
    assert_eq!(row(second), unchanged);

    let after = snapshot(&db);
    let unknown = b"bike_id,maker,model,year,engine\n999999,Honda,Ghost,2020,500cc\n";
    let (code, _, err) = import(&db, unknown, &["--update"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("line 2, column A (bike_id): There is no bike 999999"),
        "{err}"
    );
    let twice = format!(
        "bike_id,maker,model,year,engine\n{first},Honda,A,2020,1cc\n{first},Honda,B,2020,1cc\n"
    );
    let (code, _, err) = import(&db, twice.as_bytes(), &["--update"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains(&format!(
            "line 3, column A (bike_id): Bike {first} is already changed by line 2"
        )),
        "{err}"
    );
    assert_eq!(snapshot(&db), after);
}

#[test]
fn a_dry_run_reports_the_counts_and_writes_nothing() {
    let (_dir, db) = database();
    let before = snapshot(&db);
    let (code, out, err) = import(
        &db,
        b"maker,model,year,engine\nAprilia,RSV4,2023,1099cc\nHonda,CB,2020,500cc\n",
        &["--dry-run", "--create-makers"],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("2 bikes to add") && out.contains("1 new maker to create"),
        "{out}"
    );
    assert!(out.contains("Nothing was written"), "{out}");
    assert_eq!(snapshot(&db), before);
}

#[test]
fn empty_header_only_binary_and_windows_1252_files_are_refused_with_a_sentence() {
    let (_dir, db) = database();
    let before = snapshot(&db);
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend([0u8; 64]);
    let cases: [(&[u8], &str); 8] = [
        (b"", "The file is empty"),
        (b"\xEF\xBB\xBF\r\n", "The file is empty"),
        (b"maker,model,year,engine\r\n", "a header row but no bikes"),
        (
            b"maker,model,year,engine\n,,,\n , ,,\n",
            "a header row but no bikes",
        ),
        (&png, "not a CSV file"),
        (b"PK\x03\x04rest of a workbook", "Excel workbook"),
        (
            b"maker;model;year;engine\r\nCitro\xebn;Caf\xe9 Racer;2020;500cc\r\n",
            "CSV UTF-8",
        ),
        (b"\xFF\xFEm\0a\0", "UTF-16"),
    ];
    for (contents, expected) in cases {
        let (code, out, err) = import(&db, contents, &["--create-makers"]);
        assert_eq!(code, Some(1), "{expected}: {out}");
        assert!(err.contains(expected), "{expected:?} not in {err:?}");
        assert_eq!(err.lines().count(), 1, "one sentence: {err}");
    }
    let (code, _, err) = import(
        &db,
        b"maker,model,colour,year,engine,engine\nHonda,X,red,2020,1cc,2cc\n",
        &[],
    );
    assert_eq!(code, Some(1));
    assert!(
        err.contains("line 1, column C (colour): Unknown column “colour”"),
        "{err}"
    );
    assert!(
        err.contains("line 1, column F (engine): The column “engine” appears twice"),
        "{err}"
    );
    let (code, _, err) = import(&db, b"maker,model\nHonda,X\n", &[]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("needs a column “year”") && err.contains("needs a column “engine”"),
        "{err}"
    );
    assert_eq!(snapshot(&db), before);
}

/// Text that spreadsheets and CSV get wrong: quotes, separators, line
/// breaks, other alphabets, and values that look like formulas.
const TRICKY: [(&str, &str, &str); 6] = [
    ("=HYPERLINK(\"http://x\")", "+44 model", "-5cc"),
    ("Ducati", "Panigale \"V4\", red", "1,103cc"),
    ("Ducati", "Line one\r\nline two", "@home"),
    ("Урал", "Гир-Ап 皇帝 🏍", "749cc"),
    ("Ducati", "'=already quoted", "\u{a0}998cc"),
    ("Ducati", "ends with a quote\"", "'plain"),
];

fn tricky_database() -> (TempDir, PathBuf) {
    let (dir, db) = database();
    let conn = rusqlite::Connection::open(&db).unwrap();
    // A Flask-course database may hold two makers of one name.
    conn.execute("INSERT INTO makers (name) VALUES ('Honda')", [])
        .unwrap();
    conn.execute(
        "INSERT INTO bikes (maker_id, model, year, engine, image_url)
         SELECT max(maker_id), 'Second Honda', 1999, '50cc', '' FROM makers WHERE name = 'Honda'",
        [],
    )
    .unwrap();
    for (maker, model, engine) in TRICKY {
        conn.execute(
            "INSERT INTO makers (name) SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM makers WHERE name = ?1)",
            [maker],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO bikes (maker_id, model, year, engine, image_url)
             SELECT maker_id, ?2, 2020, ?3, '' FROM makers WHERE name = ?1",
            [maker, model, engine],
        )
        .unwrap();
    }
    (dir, db)
}

#[test]
fn an_exported_file_imported_with_update_changes_nothing() {
    let (_dir, db) = tricky_database();
    let before = snapshot(&db);
    let bikes = query_i64(&db, "SELECT count(*) FROM bikes");
    let exported = export(&db);
    let file = db.with_file_name("round-trip.csv");
    std::fs::write(&file, &exported).unwrap();
    let mut command = motodex(&db);
    command.arg("import").arg(&file).arg("--update");
    let (code, out, err) = run(command);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains(&format!("0 bikes added, 0 changed, {bikes} unchanged")),
        "{out}"
    );
    assert_eq!(snapshot(&db), before);
}

#[test]
fn the_export_has_a_bom_the_header_rfc_4180_quoting_and_the_formula_guard() {
    let (_dir, db) = tricky_database();
    let exported = export(&db);
    assert!(exported.starts_with(b"\xEF\xBB\xBFbike_id,maker,model,year,engine,image_url\r\n"));
    let text = String::from_utf8(exported[3..].to_vec()).unwrap();
    for cell in [
        "\"'=HYPERLINK(\"\"http://x\"\")\"",
        "'+44 model",
        "'-5cc",
        "\"Panigale \"\"V4\"\", red\"",
        "\"1,103cc\"",
        "\"Line one\r\nline two\"",
        "'@home",
        "Гир-Ап 皇帝 🏍",
        "''=already quoted",
        "'plain",
    ] {
        assert!(text.contains(cell), "{cell:?} not in the export:\n{text}");
    }
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let rows = reader.records().count() as i64;
    assert_eq!(rows, query_i64(&db, "SELECT count(*) FROM bikes"));
}

#[test]
fn export_refuses_to_overwrite_a_file_and_a_missing_database() {
    let (_dir, db) = database();
    let target = db.with_file_name("taken.csv");
    std::fs::write(&target, "keep me").unwrap();
    let mut command = motodex(&db);
    command.arg("export").arg(&target);
    let (code, _, err) = run(command);
    assert_eq!(code, Some(1));
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    let mut command = motodex(&db.with_file_name("missing.db"));
    command.arg("export").arg(db.with_file_name("x.csv"));
    let (code, _, err) = run(command);
    assert_eq!(code, Some(1));
    assert!(err.contains("There is no database"), "{err}");
}
