package ab

import (
	"errors"
	"strings"

	"msnserver/store"
	"msnserver/web/soap"
)

type authHeader struct {
	TicketToken string `xml:"ABAuthHeader>TicketToken"`
}

var errNoTicket = errors.New("no TicketToken and no MSPAuth cookie")

// authenticate finds the caller from ABAuthHeader/TicketToken or, as
// libpurple sends it, the MSPAuth cookie (soap-services.md §3).
func (s *Service) authenticate(req *soap.Request) (*store.Account, error) {
	var h authHeader
	if len(req.Header) > 0 {
		if err := req.DecodeHeader(&h); err != nil {
			return nil, errMalformed(err)
		}
	}
	tok := strings.TrimSpace(h.TicketToken)
	if tok == "" && req.HTTP != nil {
		if ck, err := req.HTTP.Cookie("MSPAuth"); err == nil {
			tok = strings.TrimSpace(ck.Value)
		}
	}
	if tok == "" {
		return nil, errBadTicket(errNoTicket)
	}
	acct, err := s.tickets.Account(s.store, tok)
	if err != nil {
		return nil, errBadTicket(err)
	}
	return acct, nil
}
