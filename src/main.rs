//! `motodex`: parse the command line, call into the library, turn the
//! outcome into an exit code. Everything testable lives in the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use motodex::cli::{Cli, Command};
use motodex::{App, Config, commands};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        None => serve(cli.db, cli.serve),
        Some(Command::Serve(args)) => serve(cli.db, args),
        Some(Command::CreateAdmin(args)) => {
            commands::create_admin(&cli.db, &args).map(|m| println!("{m}"))
        }
        Some(Command::ResetPassword(args)) => {
            commands::reset_password(&cli.db, &args).map(|m| println!("{m}"))
        }
        Some(Command::Backup { file }) => commands::backup(&cli.db, &file).map(|m| println!("{m}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("motodex: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(db: std::path::PathBuf, args: motodex::cli::ServeArgs) -> Result<(), String> {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let config = Config::from_args(db, args, interactive);
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("Could not start: {e}."))?;
    runtime.block_on(async {
        let app = App::build(config.clone())
            .await
            .map_err(|e| e.to_string())?;
        print_banner(&app, &config);
        if config.open_browser {
            let _ = webbrowser::open(app.setup_url().unwrap_or(&app.url()));
        }
        app.run_until_stopped(stop_signal())
            .await
            .map_err(|e| e.to_string())?;
        println!("motodex stopped; the database is saved.");
        Ok(())
    })
}

fn print_banner(app: &App, config: &Config) {
    println!("motodex {}", env!("CARGO_PKG_VERSION"));
    println!("Database: {}", app.db_path().display());
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
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    if config.host.is_unspecified() {
        println!(
            "Listening on {scheme}://{}:{}/ (every network interface)",
            config.host,
            app.port()
        );
        println!("  On this computer: {}", app.url());
        for ip in motodex::server::lan_addresses() {
            println!("  From other computers: {scheme}://{ip}:{}/", app.port());
        }
    } else {
        println!("Listening on {}", app.url());
    }
    if let Some(setup) = app.setup_url() {
        println!("No admin exists yet. Open this one-time link to create the first admin:");
        println!("  {setup}");
    }
    println!("Press Ctrl-C to stop.");
}

/// Ctrl-C, or SIGTERM from a service manager.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
