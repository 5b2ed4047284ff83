//! build.rs earns its place by two jobs:
//!
//! 1. rust-embed and include_dir read folders at compile time, but cargo only
//!    notices changed files it was told about, so a new file in `assets/` or
//!    `migrations/` would otherwise leave a stale binary.
//! 2. For a Windows target, it compiles the icon (`dist/motodex.ico`, made
//!    from `assets/favicon.svg` by `dist/make-icon`) and the version
//!    information (name, description, version from Cargo.toml) into the .exe,
//!    so Explorer shows a proper file. This uses `winresource`, which calls the
//!    target's resource compiler (Debian: `x86_64-w64-mingw32-windres`, from
//!    the `gcc-mingw-w64-x86-64` toolchain; on Windows the SDK's `rc.exe`).

fn main() {
    for path in ["assets", "migrations", "schema.sql", "dist/motodex.ico"] {
        println!("cargo:rerun-if-changed={path}");
    }
    // build.rs runs on the build machine: ask cargo what the target is.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows") {
        windows_resources();
    }
}

fn windows_resources() {
    let mut resources = winresource::WindowsResource::new();
    resources
        .set_icon("dist/motodex.ico")
        .set("ProductName", "motodex")
        .set(
            "FileDescription",
            "motodex - the bikes website of the Flask Made Easy course",
        )
        .set("LegalCopyright", "MIT licence")
        .set("OriginalFilename", "motodex.exe");
    if let Err(err) = resources.compile() {
        panic!(
            "could not compile the Windows icon and version information ({err}); install the target's windres (Debian: gcc-mingw-w64-x86-64)"
        );
    }
}
