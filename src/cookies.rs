//! Signed cookies: a value the browser keeps but cannot change, because it
//! carries an HMAC made with the key derived from the database's secret.

use std::time::Duration;

use cookie::{Cookie, CookieJar, Key, SameSite};

/// Cookie names and flags for this server (TLS or not).
#[derive(Clone)]
pub struct CookieSettings {
    pub key: Key,
    pub secure: bool,
}

impl CookieSettings {
    /// Under TLS the `__Host-` prefix makes the browser refuse the cookie
    /// unless it is Secure, Path=/ and has no Domain: nobody can plant it.
    pub fn name(&self, base: &str) -> String {
        if self.secure {
            format!("__Host-{base}")
        } else {
            base.to_string()
        }
    }

    /// A `Set-Cookie` value for a signed cookie; `max_age: None` makes a
    /// browser-session cookie.
    pub fn signed(&self, base: &str, value: &str, max_age: Option<Duration>) -> String {
        let mut cookie = Cookie::build((self.name(base), value.to_string()))
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .secure(self.secure);
        if let Some(age) = max_age {
            cookie = cookie.max_age(cookie::time::Duration::seconds(age.as_secs() as i64));
        }
        let mut jar = CookieJar::new();
        jar.signed_mut(&self.key).add(cookie.build());
        jar.delta()
            .next()
            .map(|c| c.to_string())
            .unwrap_or_default()
    }

    /// A `Set-Cookie` value that deletes the cookie.
    pub fn removal(&self, base: &str) -> String {
        Cookie::build((self.name(base), ""))
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .secure(self.secure)
            .max_age(cookie::time::Duration::ZERO)
            .build()
            .to_string()
    }

    /// The verified value of a signed cookie from a `Cookie` request header;
    /// `None` when absent, malformed or tampered with.
    pub fn read(&self, cookie_header: Option<&str>, base: &str) -> Option<String> {
        let name = self.name(base);
        let raw = Cookie::split_parse(cookie_header?)
            .filter_map(Result::ok)
            .find(|c| c.name() == name)?
            .into_owned();
        let mut jar = CookieJar::new();
        jar.add_original(raw);
        jar.signed(&self.key)
            .get(&name)
            .map(|c| c.value().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> CookieSettings {
        CookieSettings {
            key: Key::derive_from(&[7u8; 32]),
            secure: false,
        }
    }

    const SESSION: &str = "motodex_session";

    fn header_of(set_cookie: &str) -> String {
        set_cookie.split(';').next().unwrap().to_string()
    }

    #[test]
    fn a_signed_cookie_reads_back() {
        let s = settings();
        let set = s.signed(SESSION, "abc123", None);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"));
        assert!(!set.contains("Max-Age") && !set.contains("Domain"));
        assert_eq!(
            s.read(Some(&header_of(&set)), SESSION).as_deref(),
            Some("abc123")
        );
    }

    #[test]
    fn a_tampered_or_foreign_cookie_is_refused() {
        let s = settings();
        let cookie = header_of(&s.signed(SESSION, "abc123", None));
        let flipped = cookie.replacen("abc123", "abc124", 1);
        assert_eq!(s.read(Some(&flipped), SESSION), None);
        let other = CookieSettings {
            key: Key::derive_from(&[8u8; 32]),
            secure: false,
        };
        assert_eq!(other.read(Some(&cookie), SESSION), None);
        assert_eq!(s.read(Some("motodex_session=garbage"), SESSION), None);
    }

    #[test]
    fn under_tls_cookies_are_secure_and_host_prefixed() {
        let s = CookieSettings {
            secure: true,
            ..settings()
        };
        let set = s.signed(SESSION, "t", Some(Duration::from_secs(60)));
        assert!(
            set.starts_with("__Host-motodex_session=")
                && set.contains("Secure")
                && set.contains("Max-Age=60")
        );
    }
}
