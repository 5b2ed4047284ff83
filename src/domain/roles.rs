//! Roles and what each may do (SPEC §10): the one table every layer asks.
//! The admin gate checks a route's [`Permission`] before its handler runs;
//! pages ask the same [`Role::may`] to offer only what would be allowed.

use std::fmt;

/// An account's role, highest first. The order matters: an account manages
/// only accounts of a lower role and never gives a role above its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Contributor,
    Editor,
    Admin,
    Owner,
}

impl Role {
    /// Highest first, as the forms list them.
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Editor, Role::Contributor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Contributor => "contributor",
        }
    }

    /// The role named in a form or on the command line.
    pub fn parse(text: &str) -> Result<Role, String> {
        let text = text.trim();
        Role::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                format!("“{text}” is not a role: choose owner, admin, editor or contributor.")
            })
    }

    /// A capitalised name for pages ("Editor").
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Editor => "Editor",
            Role::Contributor => "Contributor",
        }
    }

    /// What the users page says each role may do.
    pub fn summary(self) -> &'static str {
        match self {
            Role::Owner => "everything, including restoring backups and handing over ownership",
            Role::Admin => "the catalogue, accounts of lower roles, backups and settings",
            Role::Editor => "the catalogue: bikes, makers, photos, import and export, drafts",
            Role::Contributor => "their own drafts of bikes",
        }
    }

    /// SPEC §10's table.
    pub fn may(self, permission: Permission) -> bool {
        use Permission::*;
        match permission {
            SignedIn | ChangeOwnPassword => true,
            Catalogue | ReviewDrafts | ActivityLog => self >= Role::Editor,
            Accounts | Backups | Settings => self >= Role::Admin,
            Ownership => self == Role::Owner,
        }
    }

    /// Whether this role manages accounts of `other` (a lower role).
    pub fn manages(self, other: Role) -> bool {
        self.may(Permission::Accounts) && other < self
    }

    /// Whether this role may give `role` to an account: never owner (that
    /// is a hand-over), never above its own.
    pub fn may_give(self, role: Role) -> bool {
        self.may(Permission::Accounts) && role != Role::Owner && role <= self
    }

    /// Whether the activity log shows this role everything, or only the
    /// catalogue's entries.
    pub fn sees_whole_log(self) -> bool {
        self >= Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an admin route needs, named by the route itself (`gate::admin(state,
/// Permission::Catalogue)`), so no route can leave it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Any signed-in account: the admin home, logging out, its own
    /// account's pages. Closed while a temporary password waits to be
    /// replaced.
    SignedIn,
    /// Changing one's own password (and logging out): the only pages open
    /// while a temporary password waits to be replaced.
    ChangeOwnPassword,
    /// Bikes, makers, photos, undo, trash restore, history, import, export.
    Catalogue,
    /// Publishing or returning drafts.
    ReviewDrafts,
    /// The activity log (editors see its catalogue entries only).
    ActivityLog,
    /// Accounts of lower roles: add, delete, change role, temporary
    /// password, expiry, lifting a lock-out.
    Accounts,
    /// Backups: list, download, back up now.
    Backups,
    /// Site settings.
    Settings,
    /// Restore, empty the trash, hand over ownership.
    Ownership,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_their_names_in_any_case_and_nothing_else() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
            assert_eq!(Role::parse(&role.as_str().to_uppercase()), Ok(role));
        }
        assert!(Role::parse("root").is_err());
        assert!(Role::parse("").is_err());
    }

    #[test]
    fn nobody_gives_owner_or_a_role_above_their_own() {
        assert!(Role::Owner.may_give(Role::Admin));
        assert!(!Role::Owner.may_give(Role::Owner));
        assert!(Role::Admin.may_give(Role::Admin));
        assert!(Role::Admin.may_give(Role::Contributor));
        assert!(!Role::Editor.may_give(Role::Contributor));
        assert!(!Role::Contributor.may_give(Role::Contributor));
    }

    #[test]
    fn accounts_are_managed_only_from_above() {
        assert!(Role::Owner.manages(Role::Admin));
        assert!(!Role::Admin.manages(Role::Admin));
        assert!(Role::Admin.manages(Role::Editor));
        assert!(!Role::Editor.manages(Role::Contributor));
        assert!(!Role::Admin.manages(Role::Owner));
    }
}
