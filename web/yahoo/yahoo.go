// Package yahoo serves the HTTP side of a Yahoo! Messenger 9 (YMSG16)
// sign-in (protocol/ymsg.md §4): the pager lookup /capacity and the token
// login /config/pwtoken_get → /config/pwtoken_login. The password travels
// only here, inside TLS, and is checked against the account's bcrypt hash;
// what the pager later sees is MD5(crumb ‖ challenge), with the crumb a
// single-use secret minted here (Redeem).
package yahoo

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"msnserver/ns/ratelimit"
	"msnserver/ns/ticket"
	"msnserver/store"
	"msnserver/web/passport"
)

// Paths the service answers (mount each with the web router).
const (
	PathCapacity = "/capacity"
	PathTokenGet = "/config/pwtoken_get"
	PathTokenLog = "/config/pwtoken_login"
)

// Lifetimes: a token only bridges two requests a second apart; a login
// ticket (crumb, Y, T) waits for the pager's AUTHRESP.
const (
	TokenTTL  = 2 * time.Minute
	TicketTTL = 5 * time.Minute
	maxLive   = 10000 // bound on outstanding tokens and tickets together
)

// pwtoken_get answers libpurple 2.10.9 understands (ymsg.md §4.3, §20.4).
const (
	codeMissing    = "100"
	codeBadPass    = "1212"
	codeLocked     = "1214"
	codeNoSuchUser = "1235"
	codeTooOften   = "1236"
)

// Service is the token login and the pager lookup.
type Service struct {
	store   *store.Store
	log     *slog.Logger
	pager   func() string // host handed out as CS_IP_ADDRESS
	limiter *ratelimit.Limiter
	now     func() time.Time

	mu      sync.Mutex
	tokens  map[string]token               // ymsgr token → account
	tickets map[string]*ticket.YahooTicket // T cookie → ticket
}

type token struct {
	email   string
	expires time.Time
}

// New returns the service; pager names the YMSG listener's public host.
func New(st *store.Store, log *slog.Logger, pager func() string) *Service {
	return &Service{
		store: st, log: log, pager: pager, now: time.Now,
		// The same allowance as the Passport RST service.
		limiter: ratelimit.New(passport.MaxFailures, time.Minute),
		tokens:  map[string]token{}, tickets: map[string]*ticket.YahooTicket{},
	}
}

// Mount registers the three paths on a router.
func (s *Service) Mount(r interface{ Handle(string, http.Handler) }) {
	r.Handle(PathCapacity, http.HandlerFunc(s.capacity))
	r.Handle(PathTokenGet, http.HandlerFunc(s.tokenGet))
	r.Handle(PathTokenLog, http.HandlerFunc(s.tokenLogin))
}

// plain answers with a body of exactly b (clients parse these bytes
// strictly: no trailing CRLF on codes), length given, connection closed.
func plain(w http.ResponseWriter, b string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Connection", "close")
	h.Set("Cache-Control", "no-store")
	w.Write([]byte(b))
}

func (s *Service) capacity(w http.ResponseWriter, r *http.Request) {
	plain(w, "COLO_CAPACITY=1\r\nCS_IP_ADDRESS="+s.pager()+"\r\n")
}

func (s *Service) tokenGet(w http.ResponseWriter, r *http.Request) {
	// The query holds the password: never log it.
	q := r.URL.Query()
	login, pass := q.Get("login"), q.Get("passwd")
	if login == "" || pass == "" {
		plain(w, codeMissing)
		return
	}
	email := store.YahooAccount(login)
	ip := clientIP(r)
	// The attempt counts before bcrypt runs, per address and per account
	// (the RST service's keys and budget), so concurrent requests cannot
	// all be checked before one failure is; many honest checks under way
	// from one address are waited for, not refused (ReserveWait).
	attempt, ok := s.limiter.ReserveWait(r.Context(), "ip:"+ip, "account:"+email)
	if ok {
		defer attempt.Done()
	}
	if !ok {
		s.log.Warn("yahoo token rate limit", "ip", ip, "account", email)
		plain(w, codeTooOften)
		return
	}
	acct, err := s.store.AccountByEmail(email)
	if err != nil || acct.Network != store.NetworkYahoo {
		store.CheckPassword(nil, pass) // as slow as a wrong password
		s.log.Info("yahoo token: no such Yahoo account", "account", email, "ip", ip)
		plain(w, codeNoSuchUser)
		return
	}
	if !store.CheckPassword(acct, pass) {
		s.log.Info("yahoo token: wrong password", "account", email, "ip", ip)
		plain(w, codeBadPass)
		return
	}
	attempt.Succeeded()
	if acct.Disabled {
		plain(w, codeLocked)
		return
	}
	tok := randomString(32, alnum)
	s.mu.Lock()
	s.pruneLocked()
	if len(s.tokens)+len(s.tickets) >= maxLive {
		s.mu.Unlock()
		plain(w, codeTooOften)
		return
	}
	s.tokens[tok] = token{email: acct.Email, expires: s.now().Add(TokenTTL)}
	s.mu.Unlock()
	plain(w, "0\r\nymsgr="+tok+"\r\npartnerid="+randomString(12, alnum))
}

func (s *Service) tokenLogin(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	s.mu.Lock()
	s.pruneLocked()
	t, ok := s.tokens[tok]
	delete(s.tokens, tok) // single use, whatever happens next
	if !ok || tok == "" {
		s.mu.Unlock()
		plain(w, codeMissing)
		return
	}
	tk := &ticket.YahooTicket{
		Email: t.email, Crumb: randomString(24, crumbChars),
		Y:       "v=1&n=" + randomString(20, alnum) + "&l=" + randomString(12, alnum),
		T:       "z=" + randomString(24, alnum) + "&a=&sk=" + randomString(24, alnum),
		Expires: s.now().Add(TicketTTL),
	}
	s.tickets[tk.T] = tk
	s.mu.Unlock()
	// No blank line in the body and never a digit-led last line (§4.3, §20.6).
	plain(w, "0\r\ncrumb="+tk.Crumb+"\r\nY="+tk.Y+"; path=/; domain=.yahoo.com\r\nT="+tk.T+
		"; path=/; domain=.yahoo.com\r\ncookievalidfor=86400\r\n")
}

// Redeem takes the ticket whose T cookie the pager received (with or without
// the "; path=…" tail), if it is live and its Y cookie matches. A ticket
// redeems once.
func (s *Service) Redeem(t, y string) (*ticket.YahooTicket, bool) {
	t, _, _ = strings.Cut(t, ";")
	y, _, _ = strings.Cut(y, ";")
	s.mu.Lock()
	defer s.mu.Unlock()
	tk, ok := s.tickets[t]
	if !ok {
		return nil, false
	}
	delete(s.tickets, t)
	if s.now().After(tk.Expires) || subtle.ConstantTimeCompare([]byte(tk.Y), []byte(y)) != 1 {
		return nil, false
	}
	return tk, true
}

func (s *Service) pruneLocked() {
	now := s.now()
	for k, t := range s.tokens {
		if now.After(t.expires) {
			delete(s.tokens, k)
		}
	}
	for k, t := range s.tickets {
		if now.After(t.Expires) {
			delete(s.tickets, k)
		}
	}
}

const (
	alnum      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	crumbChars = alnum + "._"
)

// randomString returns n characters drawn uniformly from set.
func randomString(n int, set string) string {
	out := make([]byte, n)
	buf := make([]byte, 1)
	for i := 0; i < n; {
		if _, err := rand.Read(buf); err != nil {
			panic(fmt.Errorf("crypto/rand: %w", err))
		}
		if int(buf[0]) < 256-256%len(set) {
			out[i] = set[int(buf[0])%len(set)]
			i++
		}
	}
	return string(out)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
