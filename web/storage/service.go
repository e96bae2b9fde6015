// Package storage is the MSNP15 storage service ("Schematized Store",
// POST /storageservice/SchematizedStore.asmx) and the display-picture URLs it
// hands out (GET /storage/usertile?key=KEY). Messenger 8.5 keeps the
// user's roaming identity there: the expression profile with display name,
// personal message and a photo document linked to it as ProfilePhoto.
//
// Each account has exactly one profile, which exists implicitly (so GetProfile
// never sends the client into CreateProfile/ShareItem). Resource IDs are
// "CIDHEX!n": !101 the profile, !118 its expression profile, !1000+id a
// document. Every request is authenticated by StorageUserHeader/TicketToken
// (the storage.msn.com ticket), and every change is one store transaction.
package storage

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"msnserver/ns/ticket"
	"msnserver/store"
	"msnserver/web/soap"
)

// NS is the storage service namespace (schema w10, Messenger 8.5).
const NS = "http://www.msn.com/webservices/storage/w10"

// Paths served.
const (
	Path     = "/storageservice/SchematizedStore.asmx"
	TilePath = "/storage/usertile" // ?key=KEY
)

// Service serves the storage SOAP actions.
type Service struct {
	store   *store.Store
	tickets *ticket.Signer
	log     *slog.Logger
	actions map[string]action
}

// action handles one SOAP action and returns the response body element.
type action func(s *Service, c *call) (any, error)

// call is one authenticated request.
type call struct {
	req  *soap.Request
	acct *store.Account
	base string // scheme://host of the request, for picture URLs
}

// New returns the storage service.
func New(st *store.Store, tickets *ticket.Signer, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{store: st, tickets: tickets, log: log, actions: map[string]action{
		"GetProfile":          (*Service).getProfile,
		"CreateProfile":       (*Service).createProfile,
		"UpdateProfile":       (*Service).updateProfile,
		"FindDocuments":       (*Service).findDocuments,
		"CreateDocument":      (*Service).createDocument,
		"UpdateDocument":      (*Service).updateDocument,
		"DeleteDocuments":     (*Service).deleteDocuments,
		"CreateRelationships": (*Service).createRelationships,
		"DeleteRelationships": (*Service).deleteRelationships,
	}}
}

// ServeHTTP parses the envelope, authenticates, runs the action and writes
// the response or fault.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	req, err := soap.Read(r)
	if err != nil {
		s.log.Info("malformed storage request", "err", err)
		writeFault(w, "", errMalformed(err))
		return
	}
	acct, tok, err := s.authenticate(req)
	if err != nil {
		s.log.Info("storage request with a bad ticket", "action", req.Action, "err", err)
		writeFault(w, req.Action, err)
		return
	}
	log := s.log.With("action", req.Action, "account", acct.Email)
	act, ok := s.actions[req.Action]
	if !ok {
		log.Warn("unsupported storage action")
		writeFault(w, req.Action, &Fault{Code: "NotImplemented", Message: "Action " + req.Action + " is not supported"})
		return
	}
	resp, err := act(s, &call{req: req, acct: acct, base: baseURL(r)})
	if err != nil {
		if f := (*Fault)(nil); errors.As(err, &f) && !f.Server {
			log.Info("storage fault", "code", f.Code, "err", err)
		} else {
			log.Error("storage action failed", "err", err)
		}
		writeFault(w, req.Action, err)
		return
	}
	if err := soap.Write(w, newHeader(acct, tok), resp); err != nil {
		log.Error("write storage response", "err", err)
	}
}

type authHeader struct {
	TicketToken string `xml:"StorageUserHeader>TicketToken"`
}

// authenticate checks StorageUserHeader/TicketToken.
func (s *Service) authenticate(req *soap.Request) (*store.Account, string, error) {
	var h authHeader
	if len(req.Header) > 0 {
		if err := req.DecodeHeader(&h); err != nil {
			return nil, "", errMalformed(err)
		}
	}
	tok := strings.TrimSpace(h.TicketToken)
	if tok == "" {
		return nil, "", errBadTicket(errors.New("no StorageUserHeader/TicketToken"))
	}
	// The one check every service makes: signature, expiry, account,
	// disabled, and revoked by a password change.
	acct, err := s.tickets.Account(s.store, tok)
	if err != nil {
		return nil, "", errBadTicket(err)
	}
	return acct, tok, nil
}

// baseURL is scheme://host of the request, where picture URLs point back to.
func baseURL(r *http.Request) string {
	host := r.Host
	if h, p, err := net.SplitHostPort(host); err == nil {
		host = net.JoinHostPort(strings.Trim(h, "[]"), p)
	}
	if host == "" || strings.ContainsAny(host, " <>&\"'/\\?#") {
		host = "storage.msn.com"
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + host
}

// stamp formats a time as the service does; the zero time is the null date.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00"
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// storeErr maps store errors to faults.
func storeErr(err error) error {
	var f *Fault
	switch {
	case err == nil:
		return nil
	case errors.As(err, &f):
		return err
	case errors.Is(err, store.ErrNotFound):
		return errNoItem(err)
	case errors.Is(err, store.ErrLimitReached):
		return &Fault{Code: "QuotaExceeded", Message: "The document is too large", Err: err}
	case errors.Is(err, store.ErrInvalid):
		return errBadRequest(err)
	}
	return &Fault{Code: "InternalError", Message: "Internal error", Server: true, Err: err}
}
