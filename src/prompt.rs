//! First run: asking for the first admin on the terminal, and reading
//! passwords for the command-line tools.

use std::io::{BufRead, IsTerminal, Write};

use crate::auth::password;
use crate::db::users::NewAccount;
use crate::db::{Db, users};
use crate::domain::Username;
use crate::domain::activity::Actor;
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
        let password = match ask_new_password(username.as_str()) {
            Ok(password) => password,
            Err(message) => {
                println!("{message}");
                continue;
            }
        };
        let hash = password::hash(&password);
        // The first account is the owner (SPEC §10).
        let owner = NewAccount::new(username.as_str(), &hash, Role::Owner);
        match db.write_now(|tx| users::insert(tx, &Actor::command_line(), &owner)) {
            Ok(Some(_)) => {
                println!(
                    "Owner “{}” created. Log in at /admin/login.",
                    username.as_str()
                );
                return;
            }
            Ok(None) => println!("That username is already taken."),
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

/// Asks twice, hidden, on the terminal; checks the policy and the match.
pub fn ask_new_password(username: &str) -> Result<String, String> {
    let first = rpassword::prompt_password("Password (hidden): ")
        .map_err(|e| format!("Could not read the password: {e}."))?;
    password::check_policy(username, &first)?;
    let second = rpassword::prompt_password("Type it again: ")
        .map_err(|e| format!("Could not read the password: {e}."))?;
    if first != second {
        return Err("The two passwords do not match.".into());
    }
    Ok(first)
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
    ask_new_password(username)
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
