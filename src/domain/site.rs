//! The site's own words (SPEC §13): its title and a short introduction,
//! set on `/admin/settings` and shown on every public page.

/// The title a new site has, and the one shown when none is stored.
pub const DEFAULT_TITLE: &str = "motodex";
pub const TITLE_MAX: usize = 60;
pub const INTRODUCTION_MAX: usize = 500;

/// A site's title and introduction, as stored and as the pages show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub title: String,
    /// Plain text (line breaks kept); empty: none is shown.
    pub introduction: String,
}

impl Default for Site {
    fn default() -> Site {
        Site {
            title: DEFAULT_TITLE.to_string(),
            introduction: String::new(),
        }
    }
}

/// Why a settings form was refused, field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteErrors {
    pub title: Option<String>,
    pub introduction: Option<String>,
}

impl Site {
    /// The title: 1–60 characters after trimming, on one line. The
    /// introduction: at most 500 characters after trimming, line breaks
    /// allowed (written as `\n`).
    pub fn parse(title: &str, introduction: &str) -> Result<Site, SiteErrors> {
        let title = title.trim();
        let title_error = match title.chars().count() {
            0 => Some("Enter the site's title.".to_string()),
            n if n > TITLE_MAX => Some(format!(
                "The title can be at most {TITLE_MAX} characters (this one has {n})."
            )),
            _ if title.contains(['\n', '\r', '\t']) => {
                Some("The title must fit on one line.".to_string())
            }
            _ => None,
        };
        let introduction = introduction.replace("\r\n", "\n").replace('\r', "\n");
        let introduction = introduction.trim();
        let introduction_error = match introduction.chars().count() {
            n if n > INTRODUCTION_MAX => Some(format!(
                "The introduction can be at most {INTRODUCTION_MAX} characters (this one has {n})."
            )),
            _ => None,
        };
        if title_error.is_some() || introduction_error.is_some() {
            return Err(SiteErrors {
                title: title_error,
                introduction: introduction_error,
            });
        }
        Ok(Site {
            title: title.to_string(),
            introduction: introduction.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_of_one_to_sixty_characters_and_an_introduction_up_to_500_are_kept_trimmed() {
        let site = Site::parse("  Bikes of 3B ", " Our bikes.\r\nAll of them. ").unwrap();
        assert_eq!(site.title, "Bikes of 3B");
        assert_eq!(site.introduction, "Our bikes.\nAll of them.");
        assert!(Site::parse(&"é".repeat(60), &"x".repeat(500)).is_ok());
    }

    #[test]
    fn an_empty_or_long_title_and_a_long_introduction_are_refused_each_with_its_reason() {
        let empty = Site::parse("   ", "").unwrap_err();
        assert_eq!(empty.title.as_deref(), Some("Enter the site's title."));
        let long = Site::parse(&"x".repeat(61), &"y".repeat(501)).unwrap_err();
        assert!(long.title.unwrap().contains("at most 60"));
        assert!(long.introduction.unwrap().contains("at most 500"));
        assert!(Site::parse("two\nlines", "").unwrap_err().title.is_some());
    }
}
