//! Which of this computer's addresses other devices on the network can open
//! the site at: the banner prints them (with a QR code of the first) and
//! the share page shows each with a QR code. Choosing is a pure function of
//! the interfaces the system lists, so it is tested without a network.

use std::net::IpAddr;

/// One address other devices can reach, with the interface it belongs to
/// (the banner says which one it chose).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanAddress {
    pub interface: String,
    pub ip: IpAddr,
}

impl LanAddress {
    /// `http://IP:PORT/` (IPv6 in brackets).
    pub fn url(&self, port: u16, tls: bool) -> String {
        let scheme = if tls { "https" } else { "http" };
        match self.ip {
            IpAddr::V6(v6) => format!("{scheme}://[{v6}]:{port}/"),
            IpAddr::V4(v4) => format!("{scheme}://{v4}:{port}/"),
        }
    }
}

/// Interfaces of containers, virtual machines and VPNs, by the start of
/// their names (compared ignoring case): a phone in the classroom cannot
/// reach an address on a Docker bridge or a WireGuard tunnel. `vEthernet`
/// is Windows' name for Hyper-V and WSL switches.
const VIRTUAL_PREFIXES: &[&str] = &[
    "docker",
    "br-",
    "veth",
    "virbr",
    "vboxnet",
    "vmnet",
    "tun",
    "tap",
    "wg",
    "zt",
    "tailscale",
    "utun",
    "podman",
    "lxcbr",
    "lxdbr",
    "cni",
    "flannel",
    "vethernet",
];

/// Words in the names Windows gives the adapters of VirtualBox and VMware.
const VIRTUAL_WORDS: &[&str] = &["virtualbox", "vmware"];

pub fn is_virtual_interface(name: &str) -> bool {
    let name = name.to_lowercase();
    VIRTUAL_PREFIXES
        .iter()
        .any(|prefix| name.starts_with(prefix))
        || VIRTUAL_WORDS.iter().any(|word| name.contains(word))
}

/// Not loopback, not link-local (169.254.x.x, fe80::/10: addresses a
/// computer gives itself when no network hands one out), not "any".
pub fn is_lan_ip(ip: IpAddr) -> bool {
    if ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() {
        return false;
    }
    match ip {
        IpAddr::V4(v4) => !v4.is_link_local() && !v4.is_broadcast(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) != 0xfe80,
    }
}

/// Whether a server listening on `listening` answers at `ip`: 0.0.0.0
/// takes IPv4 only; `::` takes IPv6 and, except on Windows, IPv4 too; any
/// other address only itself.
pub fn reachable(listening: IpAddr, ip: IpAddr) -> bool {
    match listening {
        IpAddr::V4(v4) if v4.is_unspecified() => ip.is_ipv4(),
        IpAddr::V6(v6) if v6.is_unspecified() => ip.is_ipv6() || !cfg!(windows),
        other => other == ip,
    }
}

/// The addresses to offer for a server listening on `listening`, best
/// first: real LAN addresses of real interfaces, IPv4 before IPv6 (every
/// phone and school network handles it), otherwise in the system's order.
pub fn lan_addresses(
    interfaces: impl IntoIterator<Item = (String, IpAddr)>,
    listening: IpAddr,
) -> Vec<LanAddress> {
    let mut found: Vec<LanAddress> = Vec::new();
    for (interface, ip) in interfaces {
        if is_virtual_interface(&interface) || !is_lan_ip(ip) || !reachable(listening, ip) {
            continue;
        }
        if found.iter().all(|known| known.ip != ip) {
            found.push(LanAddress { interface, ip });
        }
    }
    // A stable sort keeps the system's order within each family.
    found.sort_by_key(|address| address.ip.is_ipv6());
    found
}

/// This computer's interfaces and their addresses, as the system lists
/// them (none when it cannot say).
pub fn interfaces() -> Vec<(String, IpAddr)> {
    if_addrs::get_if_addrs()
        .map(|list| list.into_iter().map(|i| (i.name.clone(), i.ip())).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn named(list: &[(&str, &str)]) -> Vec<(String, IpAddr)> {
        list.iter()
            .map(|(name, address)| (name.to_string(), ip(address)))
            .collect()
    }

    const ANY_V4: &str = "0.0.0.0";

    #[test]
    fn loopback_and_link_local_addresses_are_skipped() {
        let chosen = lan_addresses(
            named(&[
                ("lo", "127.0.0.1"),
                ("eth0", "169.254.10.20"),
                ("eth0", "fe80::1"),
                ("eth0", "192.168.1.20"),
            ]),
            ip("::"),
        );
        let ips: Vec<IpAddr> = chosen.iter().map(|a| a.ip).collect();
        assert_eq!(ips, vec![ip("192.168.1.20")]);
    }

    #[test]
    fn container_and_vpn_interfaces_are_skipped_and_the_real_one_is_named() {
        let chosen = lan_addresses(
            named(&[
                ("docker0", "172.17.0.1"),
                ("br-5f2a", "172.18.0.1"),
                ("veth12ab", "10.0.3.1"),
                ("virbr0", "192.168.122.1"),
                ("tun0", "10.8.0.2"),
                ("tap1", "10.9.0.2"),
                ("wg0", "10.10.0.2"),
                ("ztabcdef", "10.147.17.2"),
                ("tailscale0", "100.101.102.103"),
                ("utun3", "10.11.0.2"),
                ("vEthernet (WSL)", "172.29.0.1"),
                ("VirtualBox Host-Only Network", "192.168.56.1"),
                ("wlan0", "10.0.0.42"),
            ]),
            ip(ANY_V4),
        );
        assert_eq!(
            chosen,
            vec![LanAddress {
                interface: "wlan0".into(),
                ip: ip("10.0.0.42")
            }]
        );
    }

    #[test]
    fn ipv4_comes_first_and_the_system_order_is_kept_within_a_family() {
        let chosen = lan_addresses(
            named(&[
                ("eth0", "2001:db8::5"),
                ("eth0", "192.168.1.20"),
                ("wlan0", "10.0.0.42"),
                ("eth0", "192.168.1.20"),
            ]),
            ip("::"),
        );
        let ips: Vec<IpAddr> = chosen.iter().map(|a| a.ip).collect();
        let expected_v4 = vec![ip("192.168.1.20"), ip("10.0.0.42")];
        if cfg!(windows) {
            assert_eq!(ips, vec![ip("2001:db8::5")]);
        } else {
            assert_eq!(ips, [expected_v4, vec![ip("2001:db8::5")]].concat());
        }
    }

    #[test]
    fn listening_on_0_0_0_0_offers_ipv4_only_and_one_address_only_itself() {
        let interfaces = named(&[("eth0", "2001:db8::5"), ("eth0", "192.168.1.20")]);
        let any_v4: Vec<IpAddr> = lan_addresses(interfaces.clone(), ip(ANY_V4))
            .iter()
            .map(|a| a.ip)
            .collect();
        assert_eq!(any_v4, vec![ip("192.168.1.20")]);
        let one: Vec<IpAddr> = lan_addresses(interfaces.clone(), ip("2001:db8::5"))
            .iter()
            .map(|a| a.ip)
            .collect();
        assert_eq!(one, vec![ip("2001:db8::5")]);
        assert!(lan_addresses(interfaces, ip("127.0.0.1")).is_empty());
    }

    #[test]
    fn an_ipv6_url_puts_the_address_in_brackets() {
        let address = LanAddress {
            interface: "eth0".into(),
            ip: ip("2001:db8::5"),
        };
        assert_eq!(address.url(5000, false), "http://[2001:db8::5]:5000/");
        let v4 = LanAddress {
            interface: "eth0".into(),
            ip: ip("192.168.1.20"),
        };
        assert_eq!(v4.url(8443, true), "https://192.168.1.20:8443/");
    }
}
