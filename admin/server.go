package admin

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"msnserver/ns/ratelimit"
)

// Config tunes the console.
type Config struct {
	// Secret signs the session JWTs (HS256); main keeps it in the data folder.
	// When empty, New draws a random one: sessions then end with the process,
	// as they do anyway, since their ids live in memory.
	Secret []byte
	// Secure marks the cookies Secure; set it when the console is served over HTTPS.
	Secure bool
	// SessionTTL is how long a login lasts; 0 means 12 hours.
	SessionTTL time.Duration
	// FailedLoginDelay is added to every failed login; 0 means one second.
	FailedLoginDelay time.Duration
	// LoginAttempts is how many failed logins one address may make per
	// minute before it gets 429; 0 means 5.
	LoginAttempts int
	// Warnings are problems found at start that the admin must fix (a web
	// port that fell back to a high one), shown on the dashboard and the
	// setup page.
	Warnings []string
	// SignupAttempts is how many sign-up and password-change attempts one
	// address may make per SignupWindow; 0 means 5 per hour.
	SignupAttempts int
	SignupWindow   time.Duration
	// Now is the console's clock (sessions and their expiry); nil means
	// time.Now. Tests move it on instead of sleeping.
	Now func() time.Time
}

// Server is the admin console.
type Server struct {
	cfg      Config
	b        Backend
	log      *slog.Logger
	app      *fiber.App
	sessions *sessionStore
	limiter  *ratelimit.Limiter // failed sign-ins per address and per admin name
	// signup is the backend's sign-up side, nil when it has none.
	signup        SignupBackend
	signupLimiter *ratelimit.Limiter // every sign-up and password-change attempt, per address
	history       *history
	mounts        *mounts
	now           func() time.Time

	lnMu      sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	listeners []net.Listener
	closed    bool
}

// New builds the console around b. Call Mount before Serve to add outside handlers.
func New(cfg Config, b Backend, log *slog.Logger) *Server {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.FailedLoginDelay <= 0 {
		cfg.FailedLoginDelay = time.Second
	}
	if cfg.LoginAttempts <= 0 {
		cfg.LoginAttempts = 5
	}
	if cfg.SignupAttempts <= 0 {
		cfg.SignupAttempts = 5
	}
	if cfg.SignupWindow <= 0 {
		cfg.SignupWindow = time.Hour
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(cfg.Secret) == 0 {
		cfg.Secret = make([]byte, 32)
		rand.Read(cfg.Secret) // never fails (crypto/rand documents it)
		log.Warn("admin: no session secret configured; using a random one")
	}
	s := &Server{
		cfg:      cfg,
		b:        b,
		log:      log,
		sessions: newSessionStore(),
		limiter:  ratelimit.New(cfg.LoginAttempts, time.Minute),
		history:  newHistory(100),
		mounts:   &mounts{},
		now:      cfg.Now,
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.signup, _ = b.(SignupBackend)
	s.signupLimiter = ratelimit.New(cfg.SignupAttempts, cfg.SignupWindow)
	s.app = fiber.New(fiber.Config{
		AppName:               "msnserver admin",
		DisableStartupMessage: true,
		// Handlers keep form values (broadcast history, backend calls);
		// Immutable copies them out of fasthttp's reused buffers.
		Immutable:    true,
		BodyLimit:    1 << 20,
		ReadTimeout:  30 * time.Second,
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  2 * time.Minute,
		ErrorHandler: s.handleError,
	})
	s.routes()
	return s
}

// Serve answers on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.lnMu.Lock()
	if s.closed {
		s.lnMu.Unlock()
		ln.Close()
		return nil
	}
	s.listeners = append(s.listeners, ln)
	s.lnMu.Unlock()
	if err := s.app.Listener(ln); err != nil {
		return fmt.Errorf("admin console on %s: %w", ln.Addr(), err)
	}
	return nil
}

// Shutdown stops accepting and waits for requests in progress, at most until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.lnMu.Lock()
	s.closed = true
	lns := s.listeners
	s.lnMu.Unlock()
	err := s.app.ShutdownWithContext(ctx)
	// fasthttp only knows a listener once its Serve runs; closing them here
	// too ends a Serve that was about to start.
	for _, ln := range lns {
		ln.Close()
	}
	if err != nil {
		return fmt.Errorf("admin console shutdown: %w", err)
	}
	return nil
}

// Handler serves the console through net/http (each request is converted to
// fasthttp); handy in tests and to embed the console in another server.
func (s *Server) Handler() http.Handler {
	return adaptor.FiberApp(s.app)
}

// Mount serves h at path (a path ending in "/" serves that subtree too),
// before and without the console's session checks. A later Mount of the
// same path replaces the earlier one.
func (s *Server) Mount(path string, h http.Handler) {
	s.mounts.add(path, adaptor.HTTPHandler(h))
}

// MountPrivate serves h at path to loopback clients (a local scraper) and to
// signed-in admins; anyone else gets 404, as if nothing were there. For
// /metrics, which tells who is online and how busy the server is.
func (s *Server) MountPrivate(path string, h http.Handler) {
	inner := adaptor.HTTPHandler(h)
	s.mounts.add(path, func(c *fiber.Ctx) error {
		if ip := net.ParseIP(c.IP()); ip == nil || !ip.IsLoopback() {
			if _, err := s.lookupSession(c.Cookies(sessionCookie)); err != nil {
				return fiber.ErrNotFound
			}
		}
		return inner(c)
	})
}
