//! The password policy of SPEC §5: length, not the username, not easy to guess.

use zxcvbn::Score;

const MIN_CHARS: usize = 12;
const MAX_CHARS: usize = 128;

/// Checks the password policy of SPEC §5. Err carries one plain-English sentence for the user,
/// e.g. "Use at least 12 characters." / "Use at most 128 characters." /
/// "The password must not contain the username." / "This password is too easy to guess: <zxcvbn feedback warning or suggestion>."
pub fn check_policy(username: &str, password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(format!("Use at least {MIN_CHARS} characters."));
    }
    if chars > MAX_CHARS {
        return Err(format!("Use at most {MAX_CHARS} characters."));
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return Err("The password must not contain the username.".to_owned());
    }

    // Runs last because it is by far the slowest check; the length cap above bounds it.
    // Passing the username lets zxcvbn also catch it reversed or in l33t spelling.
    let user_inputs: &[&str] = if username.is_empty() {
        &[]
    } else {
        &[username]
    };
    let estimate = zxcvbn::zxcvbn(password, user_inputs);
    if estimate.score() >= Score::Three {
        return Ok(());
    }
    let advice = estimate
        .feedback()
        .and_then(|feedback| {
            feedback
                .warning()
                .map(|warning| warning.to_string())
                .or_else(|| feedback.suggestions().first().map(ToString::to_string))
        })
        .unwrap_or_else(|| "Add another word or two.".to_owned());
    // zxcvbn's sentences end with a full stop; ours adds its own.
    let advice = advice.trim_end().trim_end_matches('.');
    Err(format!("This password is too easy to guess: {advice}."))
}

/// Checks a new password typed twice: the policy, then the confirmation.
/// Returns the messages for the password and the confirmation fields.
pub fn check_new_password(
    username: &str,
    password: &str,
    confirm: &str,
) -> (Option<String>, Option<String>) {
    let policy = check_policy(username, password).err();
    let confirm = (policy.is_none() && password != confirm)
        .then(|| "The two passwords do not match.".to_string());
    (policy, confirm)
}
