//! Temporary passwords for class accounts: four common words, easy to read
//! off a paper slip and type on a phone, chosen at random from the list
//! beside this file (357 words: about 34 bits, enough for a password that
//! login throttling guards and that must be replaced at the first login).

use rand::seq::IndexedRandom;

use super::check_policy;

/// Short, friendly English words, none a prefix of trouble on a school slip.
const WORDS: &str = include_str!("words.txt");

/// A fresh temporary password for `username` that passes the policy of
/// SPEC §5 (the rare draw the strength estimator dislikes is drawn again).
pub fn temporary_password(username: &str) -> String {
    let words: Vec<&str> = WORDS.split_whitespace().collect();
    let mut rng = rand::rng();
    loop {
        let drawn: Vec<&str> = words.sample(&mut rng, 4).copied().collect();
        let password = drawn.join(" ");
        if check_policy(username, &password).is_ok() {
            return password;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_are_four_words_that_pass_the_policy_and_differ() {
        let first = temporary_password("student01");
        assert_eq!(first.split(' ').count(), 4, "{first}");
        assert!(check_policy("student01", &first).is_ok());
        let others: Vec<String> = (0..20).map(|_| temporary_password("student01")).collect();
        assert!(others.iter().any(|p| *p != first));
    }

    #[test]
    fn the_word_list_has_no_duplicates() {
        let mut words: Vec<&str> = WORDS.split_whitespace().collect();
        let all = words.len();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), all);
    }
}
