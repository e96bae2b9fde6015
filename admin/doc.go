// Package admin is the admin web console: accounts, shields policy,
// broadcasts, live connections, a dashboard and the client setup page.
//
// It knows the rest of the server only through Backend, which main adapts to
// the store and the presence hub. Pages are server-rendered templ components
// (admin/views) and work without JavaScript; admin/form parses and validates
// what they post.
//
// Every route is in routes.go, one handler per file. The chain is
// session → CSRF → handler: a request without a valid session gets a redirect
// to /login (GET) or 403 (anything else), and a state-changing request
// without the session's CSRF token gets 403. The session is an HS256 JWT in an
// HttpOnly, SameSite=Strict cookie that names a session kept in memory, so
// logging out revokes it. Failed logins are delayed and limited per address.
//
// A few routes are public: /login, /ca.crt and /msnserver-setup.cmd (for
// client PCs), and, when the Backend implements SignupBackend and the admin
// has turned it on, the sign-up pages under /signup. Those have no session:
// their CSRF token sits in a path-scoped cookie and in the form, and every
// attempt counts against a per-address limit.
//
// Lock order: each mutex here (sessions, login limiter, broadcast history,
// mounts) is a leaf, held only for map or slice work, never while calling the
// Backend.
package admin

//go:generate go run github.com/a-h/templ/cmd/templ generate
