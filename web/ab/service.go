// Package ab serves the MSNP13/14 address book service
// (/abservice/abservice.asmx: the forward list with groups and the "Me"
// contact) and the sharing service (/abservice/SharingService.asmx: the
// Allow, Block, Reverse and Pending memberships), soap-services.md §3-§5, §7.
//
// Every request is authenticated by the contacts ticket (ABAuthHeader/
// TicketToken, else the MSPAuth cookie), changes the store in one write
// transaction and, once that has committed, tells the presence hub what
// online clients must learn (reverse-list changes, privacy changes).
package ab

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

// NS is the address book and sharing namespace.
const NS = "http://www.msn.com/webservices/AddressBook"

// Notifier reaches online clients; the presence hub implements it (it is the
// relevant part of web.Notifier, declared here so this package does not
// import web).
type Notifier interface {
	// ReverseAdded: adder put owner on adder's forward list.
	ReverseAdded(owner, adder string, network int, adderName string)
	// ReverseRemoved: remover took owner off remover's forward list.
	ReverseRemoved(owner, remover string, network int)
	// PrivacyChanged: email's allow/block lists or BLP changed in the store.
	PrivacyChanged(email string)
}

// Service holds what both SOAP services share.
type Service struct {
	store    *store.Store
	tickets  *ticket.Signer
	notifier Notifier
	log      *slog.Logger
}

// endpoint is one of the two services with its action table.
type endpoint struct {
	*Service
	name    string
	actions map[string]action
}

// action handles one SOAP action and returns the response body element.
type action func(s *Service, c *call) (any, error)

// call is one authenticated request.
type call struct {
	action string
	req    *soap.Request
	acct   *store.Account // the caller, as read before the transaction
	fx     effects
}

// NewAddressBook returns the handler for POST /abservice/abservice.asmx.
func NewAddressBook(st *store.Store, tickets *ticket.Signer, n Notifier, log *slog.Logger) http.Handler {
	return &endpoint{Service: newService(st, tickets, n, log), name: "abservice", actions: map[string]action{
		"ABFindAll":            (*Service).abFindAll,
		"ABContactAdd":         (*Service).abContactAdd,
		"ABContactDelete":      (*Service).abContactDelete,
		"ABContactUpdate":      (*Service).abContactUpdate,
		"ABGroupAdd":           (*Service).abGroupAdd,
		"ABGroupUpdate":        (*Service).abGroupUpdate,
		"ABGroupDelete":        (*Service).abGroupDelete,
		"ABGroupContactAdd":    (*Service).abGroupContactAdd,
		"ABGroupContactDelete": (*Service).abGroupContactDelete,
		"ABAdd":                (*Service).abAdd,
	}}
}

// NewSharing returns the handler for POST /abservice/SharingService.asmx.
func NewSharing(st *store.Store, tickets *ticket.Signer, n Notifier, log *slog.Logger) http.Handler {
	return &endpoint{Service: newService(st, tickets, n, log), name: "sharing", actions: map[string]action{
		"FindMembership": (*Service).findMembership,
		"AddMember":      (*Service).addMember,
		"DeleteMember":   (*Service).deleteMember,
	}}
}

func newService(st *store.Store, tickets *ticket.Signer, n Notifier, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	if n == nil {
		n = nopNotifier{}
	}
	return &Service{store: st, tickets: tickets, notifier: n, log: log}
}

// ServeHTTP parses the envelope, authenticates, runs the action and writes
// the response or fault.
func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	start := time.Now()
	req, err := soap.Read(r)
	if err != nil {
		e.log.Info("malformed SOAP request", "svc", e.name, "err", err)
		writeFault(w, "", errMalformed(err))
		return
	}
	acct, err := e.authenticate(req)
	if err != nil {
		e.log.Info("SOAP request with a bad ticket", "svc", e.name, "action", req.Action, "err", err)
		writeFault(w, req.Action, err)
		return
	}
	log := e.log.With("svc", e.name, "action", req.Action, "account", acct.Email)
	act, ok := e.actions[req.Action]
	if !ok {
		log.Warn("unsupported SOAP action")
		writeFault(w, req.Action, &Fault{Code: "NotImplemented", Message: "Action " + req.Action + " is not supported"})
		return
	}
	c := &call{action: req.Action, req: req, acct: acct}
	resp, err := act(e.Service, c)
	if err != nil {
		if f := (*Fault)(nil); errors.As(err, &f) && !f.Server {
			log.Info("SOAP fault", "code", f.Code, "err", err)
		} else {
			log.Error("SOAP action failed", "err", err)
		}
		writeFault(w, req.Action, err)
		return
	}
	// The transaction has committed: now tell online clients.
	c.fx.apply(e.notifier)
	if err := soap.Write(w, newServiceHeader(r), resp); err != nil {
		log.Error("write SOAP response", "err", err)
		return
	}
	log.Debug("SOAP action done", "took", time.Since(start))
}

// update runs fn in one write transaction with the caller's account freshly
// read inside it. Effects recorded by a failed transaction are dropped.
func (s *Service) update(c *call, fn func(b *store.Books, me *store.Account) error) error {
	err := s.store.UpdateBooks(func(b *store.Books) error {
		me, err := b.Account(c.acct.Email)
		if err != nil {
			return errBadTicket(err)
		}
		return fn(b, me)
	})
	if err != nil {
		c.fx = effects{}
		return storeErr(err)
	}
	return nil
}

// view runs fn in a read transaction with the caller's account.
func (s *Service) view(c *call, fn func(b *store.Books, me *store.Account) error) error {
	err := s.store.ViewBooks(func(b *store.Books) error {
		me, err := b.Account(c.acct.Email)
		if err != nil {
			return errBadTicket(err)
		}
		return fn(b, me)
	})
	return storeErr(err)
}

// storeErr passes faults through and wraps anything else for the log.
func storeErr(err error) error {
	if err == nil {
		return nil
	}
	var f *Fault
	if errors.As(err, &f) {
		return err
	}
	return &Fault{Code: "InternalError", Message: "Internal error", Server: true, Err: err}
}

// effects are the notifications a request owes online clients, sent after commit.
type effects struct {
	added   []reverseNote
	removed []reverseNote
	privacy []string
}

type reverseNote struct {
	owner, other string
	network      int
	name         string
}

func (fx *effects) privacyChanged(email string) {
	for _, e := range fx.privacy {
		if e == email {
			return
		}
	}
	fx.privacy = append(fx.privacy, email)
}

// record notes the notifications a store list operation calls for. The
// adder is shown with its stored friendly name, not a name the request
// carries (MessengerMemberInfo), which anyone could set.
func (fx *effects) record(me *store.Account, ch store.ListChange) {
	if ch.ReverseAdded != nil {
		fx.added = append(fx.added, reverseNote{owner: ch.ReverseAdded.Email, other: me.Email, network: me.Network, name: me.Name})
	}
	if ch.ReverseRemoved != nil {
		fx.removed = append(fx.removed, reverseNote{owner: ch.ReverseRemoved.Email, other: me.Email, network: me.Network})
	}
}

func (fx *effects) apply(n Notifier) {
	for _, a := range fx.added {
		n.ReverseAdded(a.owner, a.other, a.network, a.name)
	}
	for _, r := range fx.removed {
		n.ReverseRemoved(r.owner, r.other, r.network)
	}
	for _, e := range fx.privacy {
		n.PrivacyChanged(e)
	}
}

type nopNotifier struct{}

func (nopNotifier) ReverseAdded(owner, adder string, network int, adderName string) {}
func (nopNotifier) ReverseRemoved(owner, remover string, network int)               {}
func (nopNotifier) PrivacyChanged(email string)                                     {}

// hostName is the host the client called, without port, for PreferredHostName.
func hostName(r *http.Request) string {
	h := r.Host
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.Trim(h, "[]")
	if h == "" || strings.ContainsAny(h, " <>&\"'") {
		return "contacts.msn.com"
	}
	return h
}
