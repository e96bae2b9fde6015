package web

import (
	"container/list"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Connection handling of the Messenger web listeners (soap-services.md §1).
//
// libpurple 2.4 keeps one connection per SOAP host for a whole sign-in and
// never notices the server closing it while idle: its next request on that
// host is written into the closed connection and lost without an error (a
// contact added after a pause never reaches the other side). Answering with
// "Connection: close" is no cure for that client either: it does not read the
// header, and whether it sees the close before its next write depends on
// timing. So idle connections stay open far longer than any client pauses,
// and a bound on how many may sit idle keeps that from costing unbounded
// memory: past it, the longest-idle connection is closed first. WinInet
// (Windows Live Messenger) retries on a closed keep-alive connection, so it
// is unaffected either way.
const (
	// IdleTimeout is how long an idle keep-alive connection is kept: a day,
	// the lifetime of the ticket its requests carry.
	IdleTimeout = 24 * time.Hour
	// MaxIdleConns bounds the idle keep-alive connections of one listener.
	MaxIdleConns = 2048
	// ReadTimeout bounds reading one request, from its first byte.
	ReadTimeout = 30 * time.Second
	// WriteTimeout bounds writing one answer.
	WriteTimeout = 30 * time.Second
	// ReadHeaderTimeout bounds reading one request's headers.
	ReadHeaderTimeout = 10 * time.Second
)

// NewHTTPServer returns an http.Server for h with the timeouts above and a
// bound of maxIdle idle connections (MaxIdleConns when 0). tlsConfig is nil
// for the plain HTTP listener.
func NewHTTPServer(h http.Handler, tlsConfig *tls.Config, maxIdle int, log *slog.Logger) *http.Server {
	if maxIdle <= 0 {
		maxIdle = MaxIdleConns
	}
	idle := newIdleConns(maxIdle)
	return &http.Server{
		Handler:           h,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		ConnState:         idle.track,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
}

// idleConns keeps the idle connections in the order they fell idle and
// closes the oldest when there are more than max.
type idleConns struct {
	max   int
	mu    sync.Mutex
	order *list.List // of net.Conn, oldest idle first
	at    map[net.Conn]*list.Element
}

func newIdleConns(max int) *idleConns {
	return &idleConns{max: max, order: list.New(), at: make(map[net.Conn]*list.Element)}
}

// track is the server's ConnState hook.
func (ic *idleConns) track(c net.Conn, state http.ConnState) {
	var victim net.Conn
	ic.mu.Lock()
	if e, ok := ic.at[c]; ok {
		ic.order.Remove(e)
		delete(ic.at, c)
	}
	if state == http.StateIdle {
		ic.at[c] = ic.order.PushBack(c)
		if ic.order.Len() > ic.max {
			e := ic.order.Front()
			victim = ic.order.Remove(e).(net.Conn)
			delete(ic.at, victim)
		}
	}
	ic.mu.Unlock()
	if victim != nil {
		victim.Close() // the server then reports it closed; nothing is tracked any more
	}
}
