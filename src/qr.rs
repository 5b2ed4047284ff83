//! QR codes, drawn two ways: inline SVG for pages (no script, no image
//! request) and block characters for the terminal's start-up banner. Both
//! come from one encoding, so the page and the terminal show the same code.

use qrcode::render::{svg, unicode};
use qrcode::{EcLevel, QrCode};

/// An SVG element of `text` as a QR code, scaled by its container (the
/// `viewBox` is set, width and height are not), dark on light so a phone
/// reads it from a projector too. `None` only when `text` is too long for
/// any QR code (over about 2,300 bytes at this error-correction level).
pub fn svg(text: &str, label: &str) -> Option<String> {
    let code = encode(text)?;
    let drawing = code
        .render::<svg::Color<'_>>()
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // The renderer writes an XML declaration and fixed pixel sizes; a page
    // wants the bare element, sized by CSS, and named for screen readers.
    let start = drawing.find("<svg")?;
    let element = &drawing[start..];
    let mut out = String::with_capacity(element.len() + 64);
    out.push_str("<svg role=\"img\" aria-label=\"");
    out.push_str(&escape_attribute(label));
    out.push('"');
    out.push_str(&without_size(&element[4..]));
    Some(out)
}

/// `text` as a QR code in Unicode half blocks, for a terminal: two rows of
/// modules per line of text, with the quiet zone a phone camera needs.
pub fn terminal(text: &str) -> Option<String> {
    let code = encode(text)?;
    Some(
        code.render::<unicode::Dense1x2>()
            .quiet_zone(true)
            .dark_color(unicode::Dense1x2::Light)
            .light_color(unicode::Dense1x2::Dark)
            .build(),
    )
}

/// Medium error correction: survives a glare spot on a classroom screen,
/// and keeps a site address small enough to read from the back of a room.
fn encode(text: &str) -> Option<QrCode> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()
}

/// The opening tag's attributes without `width` and `height` (the renderer
/// always writes a `viewBox`, which is what scales the drawing).
fn without_size(rest: &str) -> String {
    let Some(end) = rest.find('>') else {
        return rest.to_string();
    };
    let (attributes, body) = rest.split_at(end);
    let kept: String = attributes
        .split(' ')
        .filter(|attribute| !attribute.is_empty())
        .filter(|attribute| !attribute.starts_with("width=") && !attribute.starts_with("height="))
        .flat_map(|attribute| [" ", attribute])
        .collect();
    format!("{kept}{body}")
}

fn escape_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_svg_code_is_one_bare_element_sized_by_its_view_box() {
        let drawing = svg("http://192.168.1.20:8080/", "Site address").expect("encodes");
        assert!(drawing.starts_with("<svg role=\"img\" aria-label=\"Site address\""));
        assert!(drawing.contains("viewBox=\"0 0 "), "{drawing}");
        let opening_tag = &drawing[..drawing.find('>').expect("a tag")];
        assert!(!opening_tag.contains("width="), "{opening_tag}");
        assert!(!drawing.contains("<?xml"));
        assert!(drawing.ends_with("</svg>"));
    }

    #[test]
    fn the_label_cannot_break_out_of_its_attribute() {
        let drawing = svg("x", "a\"><script>").expect("encodes");
        assert!(!drawing.contains("<script>"));
    }

    #[test]
    fn a_terminal_code_has_one_line_per_two_rows_of_modules() {
        let text = terminal("http://192.168.1.20:8080/").expect("encodes");
        // Version 2 (25 modules) plus a 4-module quiet zone each side.
        let width: usize = 25 + 8;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), width.div_ceil(2));
        assert!(lines.iter().all(|line| line.chars().count() == width));
    }

    #[test]
    fn text_too_long_for_any_code_is_refused_not_truncated() {
        assert!(svg(&"x".repeat(5000), "too long").is_none());
        assert!(terminal(&"x".repeat(5000)).is_none());
    }
}
