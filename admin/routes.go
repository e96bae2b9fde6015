package admin

import (
	"log/slog"
	"runtime/debug"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
)

// routes lists every route of the console. Order matters to fiber: routes
// registered before the session middleware are public.
func (s *Server) routes() {
	app := s.app
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	app.Use(s.securityHeaders)
	app.Use(s.serveMounted) // /metrics and friends, added by main

	// Public.
	app.Get("/login", s.handleLoginShow)
	app.Post("/login", s.handleLoginCheck)
	app.Get("/ca.crt", s.handleCACert) // handed to client PCs, which have no admin login
	app.Get(setupScriptPath, s.handleSetupScript)
	if s.signup != nil { // for people without an account; off until the admin turns it on
		app.Get("/signup", s.handleSignupShow)
		app.Post("/signup", s.handleSignupCreate)
		app.Get("/signup/password", s.handleOwnPasswordShow)
		app.Post("/signup/password", s.handleOwnPasswordSave)
	}

	// Everything below: session → CSRF → handler.
	app.Use(s.requireSession, s.requireCSRF)
	app.Post("/logout", s.handleLogout)
	app.Get("/", s.handleDashboard)

	app.Get("/accounts", s.handleAccountsList)
	app.Get("/accounts/new", s.handleAccountNew)
	app.Post("/accounts", s.handleAccountCreate)
	app.Get("/accounts/:email", s.handleAccountShow)
	app.Get("/accounts/:email/picture", s.handleAccountPicture)
	app.Post("/accounts/:email/rename", s.handleAccountRename)
	app.Post("/accounts/:email/password", s.handleAccountPassword)
	app.Post("/accounts/:email/disable", s.handleAccountDisable(true))
	app.Post("/accounts/:email/enable", s.handleAccountDisable(false))
	app.Get("/accounts/:email/delete", s.handleAccountDeleteConfirm)
	app.Post("/accounts/:email/delete", s.handleAccountDelete)

	app.Get("/policy", s.handlePolicyShow)
	app.Post("/policy", s.handlePolicySave)

	app.Get("/broadcasts", s.handleBroadcastsShow)
	app.Post("/broadcasts", s.handleBroadcastSend)

	app.Get("/connections", s.handleConnections)
	app.Post("/connections/:email/kick", s.handleConnectionKick)
	app.Post("/connections/:email/message", s.handleConnectionMessage)

	app.Get("/invites", s.handleInvitesShow)
	app.Post("/invites/settings", s.handleSignupSettingsSave)
	app.Post("/invites", s.handleInviteCreate)
	app.Post("/invites/:code/delete", s.handleInviteDelete)

	app.Get("/setup", s.handleSetup)
	app.Get("/backup", s.handleBackup)

	app.Get("/password", s.handlePasswordShow)
	app.Post("/password", s.handlePasswordSave)
}

// logPanic logs a recovered panic; recover then answers 500.
func (s *Server) logPanic(c *fiber.Ctx, e any) {
	s.log.Error("admin: panic", "method", c.Method(), "path", c.Path(), "panic", e, slog.String("stack", string(debug.Stack())))
}
