// Package oim serves offline instant messages (offline-messages.md): the
// store service a sender's client posts to (POST /OimWS/oim.asmx, Store with
// the lock-key challenge), the retrieval service the recipient reads and
// deletes them with (POST /rsi/rsi.asmx), and the NS notifications that
// announce them (the Mail-Data MSGs).
//
// Messages live in the store until the recipient deletes them or they expire
// (Options.ExpiryDays); a mailbox holds at most Options.MaxPerRecipient.
// Lock-key challenges and the per-sender rate limit are kept in memory only:
// after a restart a client simply answers a new challenge.
package oim

import (
	"io"
	"log/slog"
	"net/http"
	"time"

	"msnserver/ns/ratelimit"
	"msnserver/ns/ticket"
	"msnserver/store"
)

// Paths the services are mounted at.
const (
	PathStore = "/OimWS/oim.asmx"
	PathRSI   = "/rsi/rsi.asmx"
)

// Notifier queues raw NS bytes to an online user's session (the presence
// hub); SendTo reports false when the user is offline.
type Notifier interface {
	SendTo(email string, b []byte) bool
}

// Options are the service's limits; zero fields take DefaultOptions' values.
type Options struct {
	// ExpiryDays drops messages older than this many days.
	ExpiryDays int
	// MaxPerRecipient is how many messages may wait for one recipient;
	// further Stores fault with SystemUnavailable.
	MaxPerRecipient int
	// MaxPerSender is how many of them may come from one sender; further
	// Stores from that sender fault with SenderThrottleLimitExceeded.
	MaxPerSender int
	// StoresPerMinute is how many messages one sender may store per minute
	// (SenderThrottleLimitExceeded beyond).
	StoresPerMinute int
	// MaxTextBytes bounds a message's decoded text (InvalidContent beyond).
	MaxTextBytes int
	// Host names the mail store in the headers of a fetched message.
	Host string
}

// DefaultOptions are the documented defaults (docs/offline-messages.md).
func DefaultOptions() Options {
	return Options{
		ExpiryDays:      30,
		MaxPerRecipient: 100,
		MaxPerSender:    50,
		StoresPerMinute: 30,
		MaxTextBytes:    1664,
		Host:            "oim.messenger.msn.com",
	}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.ExpiryDays <= 0 {
		o.ExpiryDays = d.ExpiryDays
	}
	if o.MaxPerRecipient <= 0 {
		o.MaxPerRecipient = d.MaxPerRecipient
	}
	if o.MaxPerSender <= 0 {
		o.MaxPerSender = d.MaxPerSender
	}
	if o.StoresPerMinute <= 0 {
		o.StoresPerMinute = d.StoresPerMinute
	}
	if o.MaxTextBytes <= 0 {
		o.MaxTextBytes = d.MaxTextBytes
	}
	if o.Host == "" {
		o.Host = d.Host
	}
	return o
}

// Expiry is the configured message lifetime.
func (o Options) Expiry() time.Duration {
	return time.Duration(o.withDefaults().ExpiryDays) * 24 * time.Hour
}

func (o Options) policy() store.OIMPolicy {
	return store.OIMPolicy{MaxPerRecipient: o.MaxPerRecipient, MaxPerSender: o.MaxPerSender, Expiry: o.Expiry()}
}

// Deps are what the services need.
type Deps struct {
	Store    *store.Store
	Tickets  *ticket.Signer
	Notifier Notifier // nil: nobody is told at once
	Log      *slog.Logger
	Options  Options
	// Now is the clock (nil: time.Now); tests move it.
	Now func() time.Time
}

// Service holds the state shared by the two endpoints.
type Service struct {
	st      *store.Store
	tickets *ticket.Signer
	notify  Notifier
	log     *slog.Logger
	opts    Options
	now     func() time.Time

	locks    *lockKeys
	throttle *ratelimit.Limiter // stored messages per sender per minute (§3.4)
}

// New returns the offline message services.
func New(d Deps) *Service {
	s := &Service{
		st:      d.Store,
		tickets: d.Tickets,
		notify:  d.Notifier,
		log:     d.Log,
		opts:    d.Options.withDefaults(),
		now:     d.Now,
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.locks = newLockKeys(s.now)
	s.throttle = ratelimit.NewWithClock(s.opts.StoresPerMinute, time.Minute, func() time.Time { return s.now() })
	return s
}

// StoreHandler serves POST /OimWS/oim.asmx (Store, Store2).
func (s *Service) StoreHandler() http.Handler { return http.HandlerFunc(s.serveStore) }

// RSIHandler serves POST /rsi/rsi.asmx (GetMetadata, GetMessage, DeleteMessages).
func (s *Service) RSIHandler() http.Handler { return http.HandlerFunc(s.serveRSI) }

// MailData returns the complete NS bytes of the initial
// text/x-msmsgsinitialmdatanotification MSG for email under the configured
// expiry: the messages waiting, or the empty form when none (it is always
// sent, for the mailbox counters). The NS sends it after the first CHG.
func (s *Service) MailData(email string) []byte {
	return mailData(s.st, email, s.opts.Expiry(), s.log)
}

// Purge deletes every message older than the configured expiry and returns
// how many. Expired messages are never listed or served anyway, and a
// recipient's are dropped at their next Store; Purge reclaims the rest
// (call it at start-up or daily).
func (s *Service) Purge() (int, error) { return s.st.PurgeOIMsOlderThan(s.opts.Expiry()) }

func postOnly(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodPost {
		return true
	}
	w.Header().Set("Allow", "POST")
	http.Error(w, "POST only", http.StatusMethodNotAllowed)
	return false
}
