//! Text written into a page, escaped.

use maud::Render;

/// Text for a page, escaped exactly as maud escapes a `(value)` (`&`, `<`,
/// `>` and `"`), but a run of plain characters at a time: maud pushes every
/// byte on its own, which cost an uncached catalogue page a fifth of its
/// instructions and the admin table a tenth.
pub struct Text<'a>(pub &'a str);

impl Render for Text<'_> {
    fn render_to(&self, out: &mut String) {
        escape(self.0, out);
    }
}

/// Writes `text` into `out`, escaped as [`Text`] says.
pub fn escape(text: &str, out: &mut String) {
    let mut plain_from = 0;
    while let Some(at) = next_special(text.as_bytes(), plain_from) {
        // The four are ASCII, so `at` is a character boundary.
        out.push_str(&text[plain_from..at]);
        out.push_str(match text.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => "&quot;",
        });
        plain_from = at + 1;
    }
    out.push_str(&text[plain_from..]);
}

/// The first of the four at or after `from`, looked for eight bytes at a
/// time (a byte at a time was most of an uncached page's escaping cost).
fn next_special(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(&[b0, b1, b2, b3, b4, b5, b6, b7]) = bytes.get(at..at + 8) {
        let found = special_bytes(u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes
        .get(at..)?
        .iter()
        .position(|b| matches!(b, b'&' | b'<' | b'>' | b'"'))
        .map(|offset| at + offset)
}

/// The top bit of each byte of `word` that is `&`, `<`, `>` or `"`, exact
/// up to the lowest one found (a byte above a match may be marked falsely,
/// which the lowest never is).
fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let equal_to = |byte: u8| {
        let differs = word ^ (ONES * u64::from(byte));
        differs.wrapping_sub(ONES) & !differs & HIGHS
    };
    equal_to(b'&') | equal_to(b'<') | equal_to(b'>') | equal_to(b'"')
}

#[cfg(test)]
mod tests {
    use maud::html;
    use proptest::prelude::*;

    use super::Text;

    #[test]
    fn markup_characters_are_escaped_and_the_rest_kept() {
        let text = "R&D <b>\"Ducati\"</b> 'Ä' é";
        assert_eq!(
            html! { (Text(text)) }.into_string(),
            "R&amp;D &lt;b&gt;&quot;Ducati&quot;&lt;/b&gt; 'Ä' é"
        );
        assert_eq!(html! { (Text("")) }.into_string(), "");
    }

    #[test]
    fn each_of_the_four_is_found_wherever_it_sits_in_a_run_of_eight() {
        for special in ['&', '<', '>', '"'] {
            for at in 0..20 {
                let mut text = "a".repeat(20);
                text.insert(at, special);
                text.insert((at * 7) % text.len(), special);
                assert_eq!(
                    html! { (Text(&text)) }.into_string(),
                    html! { (text) }.into_string()
                );
            }
        }
    }

    proptest! {
        #[test]
        fn text_is_escaped_as_maud_escapes_it(text in "(\\PC|[&<>\"'\x21-\x3f])*") {
            prop_assert_eq!(
                html! { (Text(&text)) }.into_string(),
                html! { (text) }.into_string()
            );
        }
    }
}
