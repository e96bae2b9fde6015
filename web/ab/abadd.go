package ab

import (
	"encoding/xml"
	"strings"

	"msnserver/store"
)

// ABAdd (soap-services.md §4.9) creates the address book. Books exist with
// their accounts here, so this only makes sure the book is there; it is
// idempotent and answers the one book id of MSNP14.

type abAddRequest struct {
	Info struct {
		OwnerEmail string `xml:"ownerEmail"`
	} `xml:"abInfo"`
}

type abAddResponse struct {
	XMLName xml.Name `xml:"http://www.msn.com/webservices/AddressBook ABAddResponse"`
	Result  string   `xml:"ABAddResult"`
}

func (s *Service) abAdd(c *call) (any, error) {
	var req abAddRequest
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	if owner := strings.TrimSpace(req.Info.OwnerEmail); owner != "" && !strings.EqualFold(owner, c.acct.Email) {
		return nil, errBadRequest("ABAdd for %s by %s", owner, c.acct.Email)
	}
	err := s.update(c, func(b *store.Books, me *store.Account) error {
		if b.LastChange(me).IsZero() {
			return b.Touch(me)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &abAddResponse{Result: abID}, nil
}
