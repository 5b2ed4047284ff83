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
//! 3. For a Linux glibc build made on the machine it is for, it has the
//!    linker pack the program's relocations (see [`pack_relocations`]).

fn main() {
    for path in ["assets", "migrations", "schema.sql", "dist/motodex.ico"] {
        println!("cargo:rerun-if-changed={path}");
    }
    // build.rs runs on the build machine: ask cargo what the target is.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows") {
        windows_resources();
    }
    pack_relocations();
}

/// Size (issue 17: the release binary at most 10 MB). The program is
/// position-independent, so it lists every pointer in its data for the
/// loader to adjust at start: 24 bytes each, 0.6 MB in all (`.rela.dyn`).
/// Packed (`-z pack-relative-relocs`, RELR), the same list takes a few
/// kilobytes, and the loader reads it as fast. glibc reads packed lists
/// from 2.36 on, and a program linked this way refuses to start on an older
/// one, so the linker packs them only for a Linux glibc target built on that
/// machine (the target is the host) whose glibc is 2.36 or newer; the
/// binaries `dist/build` makes (musl, Windows, macOS) are linked as before.
fn pack_relocations() {
    let var = |name| std::env::var(name).unwrap_or_default();
    let glibc_linux = var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu";
    if glibc_linux && var("TARGET") == var("HOST") && host_glibc_reads_relr() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether this machine's glibc (`getconf GNU_LIBC_VERSION`: "glibc 2.36")
/// is 2.36 or newer; no answer counts as no.
fn host_glibc_reads_relr() -> bool {
    let Ok(out) = std::process::Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
    else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.trim().strip_prefix("glibc ").unwrap_or_default();
    let mut parts = version.split('.').map(|n| n.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    (major, minor) >= (2, 36)
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
