"""The back office at /{slug}/admin: one small module per page. Every page checks the role itself
(sub-page navigation skips middleware), through `access.admin_access`."""
