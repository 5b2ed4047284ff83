-- Version 6: roles, temporary passwords and class accounts (issue 16, SPEC
-- §10). A new table beside the course's `users`, which keeps exactly its
-- three columns, so the Flask app still opens the file.
--
-- `username` repeats the account's name as it was when the row was written:
-- a role applies only while `users` still holds that id under that name, so
-- if the Flask app deletes an account and a new one later gets the same
-- user_id, the newcomer does not inherit the old role. An account without a
-- matching row (one the Flask app added) is a contributor, the least
-- privilege, until an owner or admin gives it a role.
--
-- `temporary_password` = 1: the account must choose its own password at its
-- next login before any other admin page opens. `expires_on` is the last
-- day (the server's local date, YYYY-MM-DD) the account may log in.
CREATE TABLE IF NOT EXISTS user_access (
    user_id            INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    username           TEXT NOT NULL,
    role               TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'contributor')),
    temporary_password INTEGER NOT NULL DEFAULT 0,
    expires_on         TEXT
);
-- There is exactly one owner.
CREATE UNIQUE INDEX IF NOT EXISTS user_access_one_owner ON user_access (role) WHERE role = 'owner';

-- Accounts from before roles (the Flask course's, or motodex's): the
-- lowest user_id is the owner, the others admins.
INSERT OR IGNORE INTO user_access (user_id, username, role)
SELECT user_id, username,
       CASE WHEN user_id = (SELECT min(user_id) FROM users) THEN 'owner' ELSE 'admin' END
FROM users;
