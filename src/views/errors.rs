//! Error pages, in the site's layout, with a way back.

use maud::{Markup, html};

use super::layout::{Chrome, page as layout};

pub fn page(code: u16, title: &str, message: &str) -> Markup {
    layout(
        &Chrome::plain(title),
        html! {
            section.error-page {
                p.error-code { (code) }
                h1 { (title) }
                p { (message) }
                a.button.primary href="/" { "Go to the catalogue" }
            }
        },
    )
}
