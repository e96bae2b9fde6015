package oim

import (
	"encoding/xml"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"msnserver/store"
	"msnserver/web/soap"
)

// maxNameBytes bounds the stored sender name (WLM's friendly-name limit).
const maxNameBytes = 387

// storeRequest is a decoded Store envelope; the Content is parsed only once
// the sender has passed the ticket and lock-key checks.
type storeRequest struct {
	Header storeHeader
	Body   storeBody
}

// decodeStore reads the header and body elements of a Store envelope.
func decodeStore(req *soap.Request) (*storeRequest, error) {
	var sr storeRequest
	if err := req.DecodeHeader(&sr.Header); err != nil {
		return nil, err
	}
	// Body holds two sibling elements; wrap them like DecodeHeader does.
	wrapped := make([]byte, 0, len(req.Body)+7)
	wrapped = append(wrapped, "<b>"...)
	wrapped = append(wrapped, req.Body...)
	wrapped = append(wrapped, "</b>"...)
	if err := xml.Unmarshal(wrapped, &sr.Body); err != nil {
		return nil, fmt.Errorf("%w: body: %v", soap.ErrMalformed, err)
	}
	return &sr, nil
}

// actionNamespace is the namespace to answer in: Store2's when the client
// used Store2's SOAPAction (Escargot switches on it), else Store's.
func actionNamespace(r *http.Request) string {
	a := r.Header.Get("SOAPAction")
	if strings.Contains(a, "messenger.live.com/ws/2006/09/oim") || strings.HasSuffix(strings.Trim(a, `" `), "Store2") {
		return NSOIM2
	}
	return NSOIM
}

// serveStore handles POST /OimWS/oim.asmx. Checks in order: ticket, sender,
// lock key, content, recipient, privacy, throttle, mailbox; then it stores,
// answers, and tells an online recipient.
func (s *Service) serveStore(w http.ResponseWriter, r *http.Request) {
	if !postOnly(w, r) {
		return
	}
	ns := actionNamespace(r)
	req, err := soap.Read(r)
	var sr *storeRequest
	if err == nil {
		sr, err = decodeStore(req)
	}
	if err != nil {
		s.log.Info("oim store: malformed request", "err", err)
		writeStoreFault(w, ns, codeInvalid)
		return
	}
	h := &sr.Header
	now := s.now()

	sender, err := s.tickets.Account(s.st, h.Ticket.Passport)
	if err != nil {
		s.log.Info("oim store: ticket refused", "from", h.From.MemberName, "err", err)
		writeTicketFault(w, ns, actorStore, now)
		return
	}
	if !strings.EqualFold(strings.TrimSpace(h.From.MemberName), sender.Email) {
		s.log.Info("oim store: sender is not the ticket's owner", "from", h.From.MemberName, "ticket", sender.Email)
		writeStoreFault(w, ns, codeAuthFailed)
		return
	}
	if !s.locks.accept(sender.Email, h.Ticket.AppID, h.Ticket.LockKey) {
		chl := s.locks.issue(sender.Email)
		s.log.Debug("oim store: lock key challenge", "from", sender.Email, "appid", h.Ticket.AppID)
		writeLockKeyFault(w, ns, chl, now)
		return
	}

	c, err := s.checkContent(sr)
	if err != nil {
		s.log.Info("oim store: invalid content", "from", sender.Email, "err", err)
		writeStoreFault(w, ns, codeInvalid)
		return
	}
	rcpt, err := s.recipient(sender, h.To.MemberName)
	if err != nil {
		s.log.Info("oim store: refused", "from", sender.Email, "to", h.To.MemberName, "why", err)
		writeStoreFault(w, ns, codeUnavailable)
		return
	}
	// Counted now, taken back if the message is not stored after all.
	counted, ok := s.throttle.Reserve(sender.Email)
	if !ok {
		s.log.Info("oim store: sender throttled", "from", sender.Email)
		writeStoreFault(w, ns, codeThrottle)
		return
	}

	o := &store.OIM{
		ID:       strings.ToUpper(store.NewGUID()),
		To:       rcpt.Email,
		From:     sender.Email,
		FromName: senderName(h.From.FriendlyName, sender),
		Received: now.UTC().Truncate(time.Millisecond),
		Seq:      c.Seq,
		RunID:    c.RunID,
	}
	env := envelope{
		ID: o.ID, From: o.From, FromName: o.FromName, To: o.To, Received: o.Received,
		SenderIP: remoteIP(r), ServerIP: localIP(r), Proxy: h.From.Proxy, Host: s.opts.Host,
	}
	if err := checkHeaders(env, c); err != nil {
		counted.Cancel()
		s.log.Info("oim store: invalid header value", "from", sender.Email, "err", err)
		writeStoreFault(w, ns, codeInvalid)
		return
	}
	o.Body = renderMessage(env, c)
	if err := s.st.PutOIM(o, s.opts.policy()); err != nil {
		counted.Cancel()
		switch {
		case errors.Is(err, store.ErrLimitReached):
			s.log.Info("oim store: mailbox full", "from", sender.Email, "to", rcpt.Email)
			writeStoreFault(w, ns, codeUnavailable)
		case errors.Is(err, store.ErrSenderQuota):
			s.log.Info("oim store: sender quota", "from", sender.Email, "to", rcpt.Email)
			writeStoreFault(w, ns, codeThrottle)
		default:
			s.log.Error("oim store: write", "err", err)
			writeStoreFault(w, ns, codeUnavailable)
		}
		return
	}
	s.log.Info("oim stored", "from", o.From, "to", o.To, "id", o.ID, "bytes", len(c.Text))

	var ack sequenceAck
	ack.NS = nsRM
	ack.Identifier.NS, ack.Identifier.Value = nsUtil, rmIdent
	ack.Range.Upper, ack.Range.Lower = c.Seq, c.Seq
	if err := soap.Write(w, ack, storeResponse{NS: ns}); err != nil {
		s.log.Error("oim store: response", "err", err)
	}
	if s.notify != nil {
		s.notify.SendTo(o.To, liveNotification(o))
	}
}

// checkContent validates the body: a text message whose MIME block parses
// and whose sequence number matches the Sequence header (Escargot checks).
func (s *Service) checkContent(sr *storeRequest) (*content, error) {
	if mt := strings.TrimSpace(sr.Body.MessageType); mt != "text" {
		return nil, fmt.Errorf("%w: message type %q", errContent, truncate(mt))
	}
	c, err := parseContent(sr.Body.Content, s.opts.MaxTextBytes)
	if err != nil {
		return nil, err
	}
	if mn := strings.TrimSpace(sr.Header.Sequence.MessageNumber); mn != "" {
		if n, ok := sequence(mn); !ok || n != c.Seq {
			return nil, fmt.Errorf("%w: MessageNumber %q but X-OIM-Sequence-Num %d", errContent, truncate(mn), c.Seq)
		}
	}
	return c, nil
}

// recipient finds who the message is for; it fails for an unknown or
// disabled account, a Yahoo user (no OIMs from the MSN side), and a
// recipient who blocks the sender (visibility rule 2).
func (s *Service) recipient(sender *store.Account, to string) (*store.Account, error) {
	to, err := store.NormalizeEmail(to)
	if err != nil {
		return nil, err
	}
	rcpt, lists, err := s.st.Lists(to)
	if err != nil {
		return nil, err
	}
	switch {
	case rcpt.Disabled:
		return nil, errors.New("recipient disabled")
	case rcpt.Network != 1:
		return nil, fmt.Errorf("recipient on network %d", rcpt.Network)
	case lists.Blocks(sender.Email):
		return nil, errors.New("recipient blocks the sender")
	}
	return rcpt, nil
}

// senderName decodes the RFC 2047 friendly name of the From header, falling
// back to the account's name, then its address.
func senderName(encoded string, sender *store.Account) string {
	name, err := new(mime.WordDecoder).DecodeHeader(encoded)
	if err != nil {
		name = encoded
	}
	name = strings.TrimSpace(strings.ToValidUTF8(name, "\uFFFD"))
	if name == "" {
		name = sender.Name
	}
	if name == "" {
		name = sender.Email
	}
	for len(name) > maxNameBytes {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	return name
}

func remoteIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func localIP(r *http.Request) string {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if host, _, err := net.SplitHostPort(a.String()); err == nil {
			return host
		}
	}
	return "127.0.0.1"
}
