//! build.rs earns its place by one job: rust-embed and include_dir read
//! folders at compile time, but cargo only notices changed files it was told
//! about, so a new file in `assets/` or `migrations/` would otherwise leave
//! a stale binary.

fn main() {
    for path in ["assets", "migrations", "schema.sql"] {
        println!("cargo:rerun-if-changed={path}");
    }
}
