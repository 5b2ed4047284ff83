//! `/admin/share`: the addresses classmates can open, with QR codes, and
//! the setting that opens the site to the network at the next start.

use std::net::{IpAddr, Ipv4Addr};

use http::StatusCode;
use warp::reply::Response;

use super::AdminRequest;
use crate::db::settings;
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::forms::Fields;
use crate::network::{self, LanAddress};
use crate::views::Section;
use crate::views::share::{self as pages, Share, SharedAddress};

const PAGE: &str = "/admin/share";

pub async fn share_page(request: AdminRequest) -> Result<Response, AppError> {
    let listening = request.state.listening;
    let open_to_network = request
        .state
        .db
        .read(settings::open_to_network)
        .await?
        .unwrap_or(false);
    let site = request.state.site().await?;
    let ip = listening.addr.ip();
    // Listing interfaces asks the system; kept off the executor.
    let found =
        tokio::task::spawn_blocking(move || network::lan_addresses(network::interfaces(), ip))
            .await
            .unwrap_or_default();
    let port = listening.addr.port();
    let urls: Vec<(String, &str)> = found
        .iter()
        .map(|address| (address.url(port, listening.tls), address.interface.as_str()))
        .collect();
    let addresses: Vec<SharedAddress> = urls
        .iter()
        .map(|(url, interface)| SharedAddress { url, interface })
        .collect();
    let this_computer = LanAddress {
        interface: String::new(),
        ip: if ip.is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            ip
        },
    }
    .url(port, listening.tls);
    let share = Share {
        site_title: &site.title,
        addresses: &addresses,
        this_computer: &this_computer,
        this_computer_only: ip.is_loopback(),
        open_to_network,
        host_given: listening.host_given,
        may_change: request.admin.role.may(Permission::Settings),
    };
    let content = pages::share(request.csrf_token(), &share);
    Ok(request.page(Section::Share, "Share", StatusCode::OK, content))
}

/// `POST /admin/share/network`: the checkbox `open_to_network` (sent when
/// ticked, absent when not).
pub async fn set_network(request: AdminRequest, fields: Fields) -> Result<Response, AppError> {
    let open = fields.optional("open_to_network")?.is_some();
    let changed = request
        .write(move |tx, actor| settings::set_open_to_network(tx, actor, open))
        .await?;
    let message = match (changed, open) {
        (None, _) => "Nothing to save: the setting was already so.",
        (Some(_), true) => {
            "Saved: other devices on this network can open the site from the next start of motodex."
        }
        (Some(_), false) => {
            "Saved: from the next start of motodex, only this computer can open the site."
        }
    };
    Ok(request.redirect_with_message(PAGE, message))
}
