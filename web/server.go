// Package web serves the HTTP/SOAP services a Messenger client calls: the
// Passport token service, the address book and sharing services, offline
// messages and the client configuration. One handler serves every Microsoft
// host name; routing is by path (CONTRACT.md). The same handler runs on the
// plain HTTP and the HTTPS listener.
package web

import (
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"msnserver/ns/ticket"
	"msnserver/store"
	"msnserver/web/ab"
	"msnserver/web/oim"
	"msnserver/web/passport"
	"msnserver/web/storage"
)

// Notifier is how the web services reach online clients (implemented by the
// presence hub); web never imports the protocol servers.
type Notifier interface {
	// ReverseAdded: adder put owner on adder's forward list.
	ReverseAdded(owner, adder string, network int, adderName string)
	// ReverseRemoved: remover took owner off remover's forward list.
	ReverseRemoved(owner, remover string, network int)
	// PrivacyChanged: email's allow/block lists or BLP changed in the store.
	PrivacyChanged(email string)
	// SendTo queues raw NS bytes to email's session; false when offline.
	SendTo(email string, b []byte) bool
}

// Service is one mounted SOAP service.
type Service interface {
	http.Handler
}

// Server routes requests to the services.
type Server struct {
	routes map[string]http.Handler // by lower-case path; filled before serving
	log    *slog.Logger
	ready  atomic.Bool
	oim    *oim.Service
}

// OIM is the offline-message service (its MailData and Purge are used by main).
func (s *Server) OIM() *oim.Service { return s.oim }

// Deps are what the services need.
type Deps struct {
	Store    *store.Store
	Tickets  *ticket.Signer
	Notifier Notifier
	Log      *slog.Logger
	// OIM are the offline-message limits; zero fields take the defaults.
	OIM oim.Options
}

// New returns the HTTP handler with the token service, configuration and
// health check mounted; other services are added with Handle.
func New(d Deps) *Server {
	s := &Server{routes: map[string]http.Handler{}, log: d.Log}
	s.Handle("/RST.srf", passport.New(d.Store, d.Tickets, d.Log)) // one service (and login budget) for every spelling
	s.Handle("/abservice/abservice.asmx", ab.NewAddressBook(d.Store, d.Tickets, d.Notifier, d.Log))
	s.Handle("/abservice/SharingService.asmx", ab.NewSharing(d.Store, d.Tickets, d.Notifier, d.Log))
	s.Handle("/Config/MsgrConfig.asmx", http.HandlerFunc(msgrConfig))
	s.Handle("/ppsecure/sha1auth.srf", http.HandlerFunc(sha1auth))
	s.Handle("/", http.HandlerFunc(keyPort))
	s.Handle("/healthz", http.HandlerFunc(s.healthz))
	s.oim = oim.New(oim.Deps{Store: d.Store, Tickets: d.Tickets, Notifier: d.Notifier, Log: d.Log, Options: d.OIM})
	s.Handle(oim.PathStore, s.oim.StoreHandler())
	s.Handle(oim.PathRSI, s.oim.RSIHandler())
	st := storage.New(d.Store, d.Tickets, d.Log)
	s.Handle(storage.Path, st)
	s.Handle(storage.TilePath, st.TileHandler())
	return s
}

// Handle mounts a service at path. Paths match whole and without regard to
// case, as on the IIS servers clients were written against
// (/Config/MsgrConfig.asmx and /config/MsgrConfig.asmx, /RST.srf and
// /rst.srf are one service). Handle is for setting up, before serving.
func (s *Server) Handle(path string, h http.Handler) { s.routes[strings.ToLower(path)] = h }

// route finds the handler for a request path: repeated slashes count as one
// (libpurple 2.5 posts to "//path"), case is ignored.
func (s *Server) route(path string) (http.Handler, bool) {
	for strings.Contains(path, "//") {
		path = strings.ReplaceAll(path, "//", "/")
	}
	h, ok := s.routes[strings.ToLower(path)]
	return h, ok
}

// SetReady marks every listener as up (for /healthz).
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

// ServeHTTP logs and routes a request; a panic in a handler answers 500.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("http handler panic", "path", r.URL.Path, "panic", v)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	if h, ok := s.route(r.URL.Path); ok {
		h.ServeHTTP(w, r)
	} else {
		http.NotFound(w, r)
	}
	s.log.Debug("http", "method", r.Method, "host", r.Host, "path", r.URL.Path, "took", time.Since(start))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok"))
}
