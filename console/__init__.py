"""The web console: approvals, the partnership's progress and (later) operations, as server-rendered pages.

It signs people in at the identity provider (authorization code + PKCE) and calls the services' APIs with the
person's own token: it holds no privilege of its own, so every rule of the APIs applies unchanged."""
