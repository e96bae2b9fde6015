package oim

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"msnserver/ns/ticket"
	"msnserver/store"
	"msnserver/web/soap"
)

// maxDeleteIDs bounds one DeleteMessages call.
const maxDeleteIDs = 1000

// errNoMessage is an rsi message id that is not the caller's (or expired).
var errNoMessage = errors.New("no such message")

// serveRSI handles POST /rsi/rsi.asmx, dispatching on the Body's first
// element. The PassportCookie names the caller; every call sees only the
// caller's own messages.
func (s *Service) serveRSI(w http.ResponseWriter, r *http.Request) {
	if !postOnly(w, r) {
		return
	}
	req, err := soap.Read(r)
	var h rsiHeader
	if err == nil {
		err = req.DecodeHeader(&h)
	}
	if err != nil {
		s.log.Info("rsi: malformed request", "err", err)
		writeClientFault(w, "Schema validation error")
		return
	}
	acct, err := s.rsiAccount(h)
	if err != nil {
		s.log.Info("rsi: cookie refused", "action", req.Action, "err", err)
		writeTicketFault(w, NSRSI, actorRSI, s.now())
		return
	}
	switch req.Action {
	case "GetMetadata":
		s.getMetadata(w, acct)
	case "GetMessage":
		s.getMessage(w, req, acct)
	case "DeleteMessages":
		s.deleteMessages(w, req, acct)
	default:
		s.log.Info("rsi: unknown action", "action", req.Action)
		writeClientFault(w, "Schema validation error")
	}
}

// rsiAccount checks the t half of the PassportCookie (soap-services §2.2).
func (s *Service) rsiAccount(h rsiHeader) (*store.Account, error) {
	return s.tickets.Account(s.st, ticket.Token(strings.TrimSpace(h.Cookie.T)))
}

// getMetadata lists the caller's messages as an <MD> element (§4.2).
func (s *Service) getMetadata(w http.ResponseWriter, acct *store.Account) {
	msgs, err := s.st.PendingOIMs(acct.Email, s.opts.Expiry())
	if err != nil {
		s.log.Error("rsi: list messages", "email", acct.Email, "err", err)
		writeClientFault(w, "Internal error")
		return
	}
	s.respond(w, getMetadataResponse{NS: NSRSI, MD: listing(msgs, false)})
}

// getMessage returns one stored message, marking it read on request (§4.3).
func (s *Service) getMessage(w http.ResponseWriter, req *soap.Request, acct *store.Account) {
	var body getMessageRequest
	if err := req.DecodeBody(&body); err != nil {
		writeClientFault(w, "Schema validation error")
		return
	}
	o, err := s.message(acct.Email, strings.TrimSpace(body.MessageID))
	if err != nil {
		s.log.Info("rsi: GetMessage", "email", acct.Email, "id", truncate(body.MessageID), "err", err)
		writeClientFault(w, "Message not found")
		return
	}
	if mark, _ := strconv.ParseBool(strings.TrimSpace(body.AlsoMarkAsRead)); mark && !o.Read {
		if err := s.st.MarkOIMRead(acct.Email, o.ID); err != nil {
			s.log.Error("rsi: mark read", "id", o.ID, "err", err)
		}
	}
	s.respond(w, getMessageResponse{NS: NSRSI, Result: soap.Text(o.Body)})
}

// message is the caller's unexpired message id.
func (s *Service) message(email, id string) (*store.OIM, error) {
	if id == "" {
		return nil, errNoMessage
	}
	o, err := s.st.OIM(email, id)
	if err != nil {
		return nil, errNoMessage
	}
	if s.now().Sub(o.Received) >= s.opts.Expiry() {
		return nil, errNoMessage
	}
	return o, nil
}

// deleteMessages deletes the caller's listed messages. Unknown ids (and other
// users' ids) are skipped, so a retry after a crash still succeeds (§4.4).
func (s *Service) deleteMessages(w http.ResponseWriter, req *soap.Request, acct *store.Account) {
	var body deleteMessagesRequest
	if err := req.DecodeBody(&body); err != nil || len(body.IDs) > maxDeleteIDs {
		writeClientFault(w, "Schema validation error")
		return
	}
	ids := make([]string, 0, len(body.IDs))
	for _, id := range body.IDs {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	n, err := s.st.DeleteOIMs(acct.Email, ids)
	if err != nil {
		s.log.Error("rsi: delete messages", "email", acct.Email, "err", err)
		writeClientFault(w, "Internal error")
		return
	}
	s.log.Info("oim deleted", "email", acct.Email, "asked", len(ids), "deleted", n)
	s.respond(w, deleteMessagesResponse{NS: NSRSI})
	if n > 0 && s.notify != nil {
		s.notify.SendTo(acct.Email, deletedNotification(n))
	}
}

func (s *Service) respond(w http.ResponseWriter, body any) {
	if err := soap.Write(w, nil, body); err != nil {
		s.log.Error("rsi: response", "err", err)
	}
}
