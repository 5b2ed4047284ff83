//! `/admin/share`: the site's addresses for the classroom screen, each with
//! a large QR code (inline SVG, no script), and the network setting.

use maud::{Markup, PreEscaped, html};

use super::layout::csrf_field;
use crate::qr;

/// One address other devices can open, and the interface it belongs to.
pub struct SharedAddress<'a> {
    pub url: &'a str,
    pub interface: &'a str,
}

/// What the share page knows about where the site can be reached.
pub struct Share<'a> {
    pub site_title: &'a str,
    /// The addresses of this network, best first (none when the site
    /// listens on this computer only).
    pub addresses: &'a [SharedAddress<'a>],
    /// The address a browser on this computer uses.
    pub this_computer: &'a str,
    /// The server listens on 127.0.0.1 (or ::1): nobody else can connect.
    pub this_computer_only: bool,
    /// The stored setting, used at the next start.
    pub open_to_network: bool,
    /// `--host` or `MOTODEX_HOST` decides instead of the setting.
    pub host_given: bool,
    /// The form to change the setting is offered (owner and admins).
    pub may_change: bool,
}

pub fn share(csrf_token: &str, share: &Share) -> Markup {
    html! {
        div.page-head { h1 { "Open " (share.site_title) " on a phone" } }
        @if share.this_computer_only {
            div.notice role="note" {
                p { strong { "This site is reachable from this computer only." } " Classmates' phones and computers cannot open it yet." }
                p {
                    "To let them in, turn on “Let other devices on this network open the site” below and restart motodex, or start it with "
                    code { "--host 0.0.0.0" } ". On Windows, allow motodex when the firewall asks."
                }
                p { "On this computer the site is at " a href=(share.this_computer) { (share.this_computer) } "." }
            }
        } @else if share.addresses.is_empty() {
            div.notice role="note" {
                p { "motodex listens on every network interface, but this computer has no address other devices can reach. Is it connected to the network (Wi-Fi or cable)?" }
            }
        } @else {
            p.share-lead { "Scan a code with a phone's camera, or type the address. The phone must be on the same network (the same Wi-Fi) as this computer." }
            div.share-codes {
                @for address in share.addresses {
                    figure.share-code {
                        @if let Some(drawing) = qr::svg(address.url, &format!("QR code of {}", address.url)) {
                            (PreEscaped(drawing))
                        }
                        figcaption {
                            a.share-url href=(address.url) { (address.url) }
                            span.muted { " (" (address.interface) ")" }
                        }
                    }
                }
            }
        }
        (network_setting(csrf_token, share))
    }
}

fn network_setting(csrf_token: &str, share: &Share) -> Markup {
    let now = if share.this_computer_only {
        "Now the site is reachable from this computer only."
    } else {
        "Now other devices on this network can open the site."
    };
    html! {
        section.card {
            h2 { "Network" }
            p { (now) }
            @if share.may_change {
                form.stacked-form method="post" action="/admin/share/network" {
                    (csrf_field(csrf_token))
                    div.checkbox-field {
                        input #open_to_network type="checkbox" name="open_to_network" value="1"
                            checked[share.open_to_network] aria-describedby="open_to_network-hint";
                        label for="open_to_network" { "Let other devices on this network open the site" }
                        p.hint #open_to_network-hint {
                            "A change needs a restart: it applies the next time motodex starts."
                            @if share.host_given {
                                " While motodex is started with --host (or MOTODEX_HOST), that decides instead."
                            }
                        }
                    }
                    div.form-actions { button.button.primary type="submit" { "Save" } }
                }
            }
        }
    }
}
