//! First run: asking for the first admin (and once whether the site may
//! open to the network) on the terminal, and reading passwords for the
//! command-line tools.

use std::io::{BufRead, IsTerminal, Write};

use crate::auth::password;
use crate::db::users::NewAccount;
use crate::db::{Db, settings, users};
use crate::domain::Username;
use crate::domain::activity::Actor;
use crate::domain::names::Clash;
use crate::domain::roles::Role;

/// Asks for the first admin until one is created; an empty username skips
/// (the caller then prints the one-time setup link).
pub fn prompt_first_admin(db: &Db) {
    println!("No admin account exists yet. Create the first one now (press Enter to skip).");
    loop {
        let Some(typed) = ask("Admin username: ") else {
            return;
        };
        if typed.trim().is_empty() {
            return;
        }
        let username = match Username::parse(&typed) {
            Ok(username) => username,
            Err(message) => {
                println!("{message}");
                continue;
            }
        };
        let Some(password) = ask_until_accepted(username.as_str()) else {
            return;
        };
        let hash = password::hash(&password);
        // The first account is the owner (SPEC §10).
        let owner = NewAccount::new(username.as_str(), &hash, Role::Owner);
        match db.write_now(|tx| users::insert(tx, &Actor::command_line(), &owner)) {
            Ok(Ok(_)) => {
                println!(
                    "Owner “{}” created. Log in at /admin/login.",
                    username.as_str()
                );
                return;
            }
            Ok(Err(Clash::Same(_))) => println!("That username is already taken."),
            Ok(Err(Clash::LooksAlike(existing))) => {
                println!(
                    "{}",
                    Clash::looks_alike_message(&existing, username.as_str())
                )
            }
            Err(err) => {
                println!("Could not save the account: {err}.");
                return;
            }
        }
    }
}

fn ask(prompt: &str) -> Option<String> {
    print!("{prompt}");
    std::io::stdout().flush().ok()?;
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
    }
}

/// What the web form says beside its password field, said after a
/// refused password.
const PASSPHRASE_HINT: &str = "Try again: a few unrelated words work well.";

/// Why a typed password was not taken.
enum Refusal {
    /// Against the policy, or the two did not match: ask again.
    Password(String),
    /// The terminal could not be read: asking again would not help.
    Terminal(String),
}

/// Asks twice, hidden, on the terminal; checks the policy and the match.
fn ask_new_password(username: &str) -> Result<String, Refusal> {
    let unreadable =
        |e: std::io::Error| Refusal::Terminal(format!("Could not read the password: {e}."));
    let first = rpassword::prompt_password("Password (hidden): ").map_err(unreadable)?;
    password::check_policy(username, &first).map_err(Refusal::Password)?;
    let second = rpassword::prompt_password("Type it again: ").map_err(unreadable)?;
    if first != second {
        return Err(Refusal::Password("The two passwords do not match.".into()));
    }
    Ok(first)
}

/// Asks for the password until one is accepted: after a refusal only the
/// password again (the username stays), with the passphrase hint. `None`
/// when the terminal cannot be read, after saying why.
fn ask_until_accepted(username: &str) -> Option<String> {
    loop {
        match ask_new_password(username) {
            Ok(password) => return Some(password),
            Err(Refusal::Password(message)) => println!("{message} {PASSPHRASE_HINT}"),
            Err(Refusal::Terminal(message)) => {
                println!("{message}");
                return None;
            }
        }
    }
}

/// The first run's one question about the network (SPEC §13), asked only
/// while nobody has chosen; the answer is stored as the share page's
/// setting. True when the site may open to the network.
pub fn ask_open_to_network(db: &Db) -> bool {
    println!(
        "Phones and other computers on this network (a classroom's, say) can open the site too, if you allow it. The share page (/admin/share) changes this later."
    );
    let Some(answer) = ask("Let other devices on this network open the site? [y/N] ") else {
        return false;
    };
    let open = matches!(answer.trim().to_lowercase().as_str(), "y" | "yes");
    match db.write_now(|tx| settings::set_open_to_network(tx, &Actor::command_line(), open)) {
        Ok(_) if open => {
            println!(
                "Other devices on this network can open the site. On Windows, allow motodex when the firewall asks."
            );
            true
        }
        Ok(_) => {
            println!("The site opens on this computer only.");
            false
        }
        Err(err) => {
            println!("Could not save the choice: {err}.");
            false
        }
    }
}

/// The password for `create-admin`/`reset-password`: one line of standard
/// input with `--password-stdin`, otherwise asked on the terminal.
pub fn read_new_password(username: &str, from_stdin: bool) -> Result<String, String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("Could not read standard input: {e}."))?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        password::check_policy(username, &password)?;
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        return Err(
            "There is no terminal to ask for the password on; pipe it in with --password-stdin."
                .into(),
        );
    }
    ask_until_accepted(username).ok_or_else(|| "No password was set.".to_string())
}

/// Asks a yes/no question on the terminal; `None` without a terminal.
/// Only "y" or "yes" agrees.
pub fn confirm(question: &str) -> Option<bool> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    let answer = ask(&format!("{question} [y/N] "))?;
    Some(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}
