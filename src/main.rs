//! `motodex`: parse the command line, call into the library, turn the
//! outcome into an exit code. Everything testable lives in the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use motodex::cli::{Cli, Command};
use motodex::{App, Config, commands};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version arrive here too, bound for standard output.
            let _ = err.print();
            if err.use_stderr() {
                keep_window_open();
            }
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    let log = motodex::log::init(cli.log_level);
    let db = motodex::location::from_environment(cli.db.as_deref());
    let outcome = match cli.command {
        None => serve(db, cli.backup_dir, cli.serve),
        Some(Command::Serve(args)) => serve(db, cli.backup_dir, args),
        Some(Command::CreateAdmin(args)) => {
            commands::create_admin(&db.path, &args).map(|m| println!("{m}"))
        }
        Some(Command::ResetPassword(args)) => {
            commands::reset_password(&db.path, &args).map(|m| println!("{m}"))
        }
        Some(Command::Backup { file }) => {
            commands::backup(&db.path, &file).map(|m| println!("{m}"))
        }
        Some(Command::Backups) => {
            commands::list_backups(&db.path, cli.backup_dir.as_deref()).map(|m| println!("{m}"))
        }
        Some(Command::Restore { file, yes }) => {
            commands::restore(&db.path, cli.backup_dir.as_deref(), &file, yes)
                .map(|m| println!("{m}"))
        }
        Some(Command::Export { file }) => {
            commands::export(&db.path, &file).map(|m| println!("{m}"))
        }
        Some(Command::Import(args)) => commands::import(&db.path, &args).map(|m| println!("{m}")),
    };
    // The log's last lines, written off the runtime, before the process
    // exits and before an error message that follows them.
    drop(log);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("motodex: {message}");
            keep_window_open();
            ExitCode::FAILURE
        }
    }
}

fn serve(
    db: motodex::location::DbLocation,
    backup_dir: Option<std::path::PathBuf>,
    args: motodex::cli::ServeArgs,
) -> Result<(), String> {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let mut config = Config {
        backup_dir,
        ..Config::from_args(db.path, args, interactive)
    };
    motodex::server::fit_open_file_limit(&mut config.limits);
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("Could not start: {e}."))?;
    runtime.block_on(async {
        let app = App::build(config.clone())
            .await
            .map_err(|e| e.to_string())?;
        let stop = stop_signal();
        print_banner(&app, config.tls.is_some(), db.beside_binary);
        if config.open_browser {
            open_browser(app.setup_url().unwrap_or(&app.url()));
        }
        app.run_until_stopped(stop)
            .await
            .map_err(|e| e.to_string())?;
        println!("motodex stopped; the database is saved.");
        Ok(())
    })
}

fn print_banner(app: &App, tls: bool, beside_binary: bool) {
    println!("motodex {}", env!("CARGO_PKG_VERSION"));
    println!("Database: {}", app.db_path().display());
    if beside_binary {
        println!(
            "  (started from the home folder, as a double-click does: the database is kept beside motodex; --db PATH chooses another place)"
        );
    }
    if app.read_only() {
        println!(
            "The database is read-only: the catalogue is served, but nothing can be changed until it is writable again."
        );
    }
    if app.moved_from_default_port {
        println!(
            "Port {} is busy, so motodex is using port {} instead.",
            motodex::config::DEFAULT_PORT,
            app.port()
        );
    }
    let scheme = if tls { "https" } else { "http" };
    let host = app.local_addr().ip();
    if host.is_unspecified() {
        println!(
            "Listening on {scheme}://{host}:{}/ (every network interface)",
            app.port()
        );
        if app.host_from_settings() {
            println!(
                "  Open to this network, as the share page's setting says (--host 127.0.0.1 keeps it to this computer)."
            );
        }
        println!("  On this computer: {}", app.url());
        let lan = motodex::network::lan_addresses(motodex::network::interfaces(), host);
        for address in &lan {
            println!("  From other computers: {}", address.url(app.port(), tls));
        }
        if let Some(first) = lan.first() {
            let url = first.url(app.port(), tls);
            if let Some(code) = motodex::qr::terminal(&url) {
                println!(
                    "Scan this with a phone on the same network to open {url} (the address of {}):",
                    first.interface
                );
                println!("{code}");
            }
        }
    } else {
        println!("Listening on {}", app.url());
        if host.is_loopback() && app.host_from_settings() {
            println!(
                "  Only this computer can open the site. To let phones and other computers on this network in, turn it on at /admin/share (from the next start) or start with --host 0.0.0.0."
            );
        }
    }
    if let Some(setup) = app.setup_url() {
        println!("No admin exists yet. Open this one-time link to create the first admin:");
        println!("  {setup}");
    }
    if cfg!(windows) {
        println!("Press Ctrl-C or close this window to stop.");
    } else {
        println!("Press Ctrl-C to stop.");
    }
}

/// macOS: `open` hands the address to the default browser. The webbrowser
/// crate would link AppKit, which needs Apple's SDK to link, so the macOS
/// build could not be made on Linux. Its own thread waits for `open`, so no
/// zombie is left behind and the server does not wait for it.
#[cfg(target_os = "macos")]
fn open_browser(url: &str) {
    let mut open = std::process::Command::new("/usr/bin/open");
    open.arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    std::thread::spawn(move || open.status());
}

#[cfg(not(target_os = "macos"))]
fn open_browser(url: &str) {
    let _ = webbrowser::open(url);
}

/// After an error, when motodex has a console window of its own (it was
/// double-clicked, so the window would vanish with the message), waits for
/// Enter. Started from a shell, a script or a service it returns at once.
fn keep_window_open() {
    if !own_console() {
        return;
    }
    eprint!("Press Enter to close.");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

/// Windows: this process is the only one attached to its console, which is
/// what a double-click (or a shortcut) gives; in cmd.exe or PowerShell the
/// shell is attached too.
#[cfg(windows)]
fn own_console() -> bool {
    let mut pids = [0u32; 4];
    // SAFETY: the buffer and its length match; the call only writes into it.
    let attached = unsafe {
        windows_sys::Win32::System::Console::GetConsoleProcessList(
            pids.as_mut_ptr(),
            pids.len() as u32,
        )
    };
    attached == 1 && std::io::stdin().is_terminal()
}

/// Unix: a terminal window that runs a program directly ("Run in terminal"
/// from a file manager) makes it the leader of its own session and closes
/// when it exits; run from a shell, the shell leads the session.
#[cfg(unix)]
fn own_console() -> bool {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return false;
    };
    // After the ")" that ends the command name: state, ppid, pgrp, session.
    let session = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(3)?.parse::<u32>().ok());
    session == Some(std::process::id())
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
}

#[cfg(not(any(unix, windows)))]
fn own_console() -> bool {
    false
}

/// Ctrl-C, or SIGTERM from a service manager. The handlers are in place
/// when this returns (before the banner is printed): a signal sent the
/// moment the banner appears still stops the server cleanly, instead of
/// killing it before the future was first polled.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |handler: Option<tokio::signal::unix::Signal>| async move {
                match handler {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(interrupt) => {},
                () = wait(terminate) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
