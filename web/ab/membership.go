package ab

import (
	"encoding/xml"
	"strconv"
	"strings"

	"msnserver/store"
)

// FindMembership, AddMember, DeleteMember (soap-services.md §5): the Allow,
// Block, Reverse and Pending roles of the Messenger service.

// roleOrder is the order roles are listed in.
var roleOrder = []int{store.ListAllow, store.ListBlock, store.ListReverse, store.ListPending}

type findMembershipRequest struct {
	Types      []string `xml:"serviceFilter>Types>ServiceType"`
	View       string   `xml:"View"`
	DeltasOnly string   `xml:"deltasOnly"`
	LastChange string   `xml:"lastChange"`
}

type findMembershipResponse struct {
	XMLName xml.Name             `xml:"http://www.msn.com/webservices/AddressBook FindMembershipResponse"`
	Result  findMembershipResult `xml:"FindMembershipResult"`
}

type findMembershipResult struct {
	Services       servicesOut    `xml:"Services"`
	OwnerNamespace ownerNamespace `xml:"OwnerNamespace"`
}

type servicesOut struct {
	Service []serviceOut `xml:"Service"`
}

type serviceOut struct {
	Memberships membershipsOut `xml:"Memberships"`
	Info        serviceInfo    `xml:"Info"`
	Changes     string         `xml:"Changes"`
	LastChange  string         `xml:"LastChange"`
	Deleted     bool           `xml:"Deleted"`
}

type membershipsOut struct {
	Membership []membershipOut `xml:"Membership"`
}

type membershipOut struct {
	MemberRole           string     `xml:"MemberRole"`
	Members              membersOut `xml:"Members"`
	MembershipIsComplete bool       `xml:"MembershipIsComplete"`
}

type membersOut struct {
	Member []memberOut `xml:"Member"`
}

// memberOut is a PassportMember or an EmailMember, children in schema order.
type memberOut struct {
	XSIType              string          `xml:"xsi:type,attr"`
	MembershipID         uint64          `xml:"MembershipId"`
	Type                 string          `xml:"Type"`
	DisplayName          string          `xml:"DisplayName,omitempty"`
	State                string          `xml:"State"`
	Annotations          *annotationList `xml:"Annotations,omitempty"`
	Deleted              bool            `xml:"Deleted"`
	LastChanged          string          `xml:"LastChanged"`
	JoinedDate           string          `xml:"JoinedDate"`
	ExpirationDate       string          `xml:"ExpirationDate"`
	Changes              string          `xml:"Changes"`
	PassportName         string          `xml:"PassportName,omitempty"`
	IsPassportNameHidden *bool           `xml:"IsPassportNameHidden,omitempty"`
	PassportID           *int            `xml:"PassportId,omitempty"`
	CID                  *int64          `xml:"CID,omitempty"`
	PassportChanges      *string         `xml:"PassportChanges,omitempty"`
	Email                string          `xml:"Email,omitempty"`
}

type handleOut struct {
	ID        string `xml:"Id"`
	Type      string `xml:"Type"`
	ForeignID string `xml:"ForeignId"`
}

type serviceInfo struct {
	Handle                handleOut `xml:"Handle"`
	InverseRequired       bool      `xml:"InverseRequired"`
	AuthorizationCriteria string    `xml:"AuthorizationCriteria"`
	IsBot                 bool      `xml:"IsBot"`
}

type ownerNamespace struct {
	Info struct {
		Handle struct {
			ID                   string `xml:"Id"`
			IsPassportNameHidden bool   `xml:"IsPassportNameHidden"`
			CID                  int64  `xml:"CID"`
		} `xml:"Handle"`
		CreatorPUID         int    `xml:"CreatorPuid"`
		CreatorCID          int64  `xml:"CreatorCID"`
		CreatorPassportName string `xml:"CreatorPassportName"`
	} `xml:"Info"`
	Changes    string `xml:"Changes"`
	CreateDate string `xml:"CreateDate"`
	LastChange string `xml:"LastChange"`
}

func (s *Service) findMembership(c *call) (any, error) {
	var req findMembershipRequest
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	messenger := len(req.Types) == 0
	for _, t := range req.Types {
		messenger = messenger || strings.EqualFold(strings.TrimSpace(t), "Messenger")
	}
	from := since(req.DeltasOnly, req.LastChange)
	resp := &findMembershipResponse{}
	err := s.view(c, func(b *store.Books, me *store.Account) error {
		last := b.LastChange(me)
		if last.IsZero() {
			last = me.Created
		}
		res := &resp.Result
		ns := &res.OwnerNamespace
		ns.Info.Handle.ID = abID
		ns.Info.CreatorCID, ns.Info.CreatorPassportName = me.CID, me.Email
		ns.CreateDate, ns.LastChange = stamp(me.Created), stamp(last)
		if !messenger {
			return nil // only the Messenger service exists here
		}
		members, err := b.Members(me)
		if err != nil {
			return err
		}
		svc := serviceOut{
			Info: serviceInfo{
				Handle:                handleOut{ID: "1", Type: "Messenger"},
				AuthorizationCriteria: "Everyone",
			},
			LastChange: stamp(last),
		}
		for _, role := range roleOrder {
			ms := membershipOut{MemberRole: store.RoleNames[role], MembershipIsComplete: true}
			for _, m := range members {
				if m.Role == role && include(m.Deleted, m.Changed, from) {
					ms.Members.Member = append(ms.Members.Member, renderMember(b, m))
				}
			}
			svc.Memberships.Membership = append(svc.Memberships.Membership, ms)
		}
		res.Services.Service = append(res.Services.Service, svc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

func renderMember(b *store.Books, m *store.Member) memberOut {
	out := memberOut{
		MembershipID:   m.MemberID,
		State:          "Accepted",
		Deleted:        m.Deleted,
		LastChanged:    stamp(m.Changed),
		JoinedDate:     stamp(m.Created),
		ExpirationDate: nullDate,
	}
	if out.MembershipID == 0 {
		out.MembershipID = 1
	}
	acct, _ := b.Account(m.Email) // nil once the account is gone
	if acct != nil && (m.Role == store.ListReverse || m.Role == store.ListPending) {
		out.DisplayName = acct.Name
	}
	if m.Network == store.NetworkYahoo {
		out.XSIType, out.Type, out.Email = "EmailMember", "Email", m.Email
		out.Annotations = &annotationList{Annotation: []annotation{{Name: annBuddyType, Value: "32:"}}}
		return out
	}
	hidden, pid, cid, changes := false, 0, int64(0), ""
	if acct != nil {
		cid = acct.CID
	}
	out.XSIType, out.Type, out.PassportName = "PassportMember", "Passport", m.Email
	out.IsPassportNameHidden, out.PassportID, out.CID, out.PassportChanges = &hidden, &pid, &cid, &changes
	return out
}

type membershipEditRequest struct {
	Handle struct {
		ID   string `xml:"Id"`
		Type string `xml:"Type"`
	} `xml:"serviceHandle"`
	Memberships []struct {
		Role    string     `xml:"MemberRole"`
		Members []memberIn `xml:"Members>Member"`
	} `xml:"memberships>Membership"`
}

type memberIn struct {
	XSIType      string       `xml:"type,attr"`
	MembershipID string       `xml:"MembershipId"`
	Type         string       `xml:"Type"`
	PassportName string       `xml:"PassportName"`
	Email        string       `xml:"Email"`
	Annotations  []annotation `xml:"Annotations>Annotation"`
}

// passport reports whether the member names a Messenger (network 1) user.
func (m *memberIn) passport() bool {
	if strings.TrimSpace(m.PassportName) != "" {
		return true
	}
	return strings.EqualFold(m.Type, "Passport") || strings.HasSuffix(m.XSIType, "PassportMember")
}

func (m *memberIn) address() string {
	if a := strings.TrimSpace(m.PassportName); a != "" {
		return a
	}
	return strings.TrimSpace(m.Email)
}

type addMemberResponse struct {
	XMLName xml.Name `xml:"http://www.msn.com/webservices/AddressBook AddMemberResponse"`
}

type deleteMemberResponse struct {
	XMLName xml.Name `xml:"http://www.msn.com/webservices/AddressBook DeleteMemberResponse"`
}

// readMembershipEdit decodes AddMember/DeleteMember; ok is false for a
// service other than Messenger, which is accepted and ignored.
func (s *Service) readMembershipEdit(c *call) (*membershipEditRequest, bool, error) {
	var req membershipEditRequest
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, false, errMalformed(err)
	}
	if t := strings.TrimSpace(req.Handle.Type); t != "" && !strings.EqualFold(t, "Messenger") {
		s.log.Info("membership edit of another service ignored", "action", c.action, "service", t)
		return &req, false, nil
	}
	for _, ms := range req.Memberships {
		if _, ok := store.RoleByName(strings.TrimSpace(ms.Role)); !ok {
			return nil, false, errBadRequest("unknown role %.40q", ms.Role)
		}
	}
	if len(req.Memberships) == 0 {
		return nil, false, errBadRequest("%s without a membership", c.action)
	}
	return &req, true, nil
}

func (s *Service) addMember(c *call) (any, error) {
	req, ok, err := s.readMembershipEdit(c)
	if err != nil || !ok {
		return &addMemberResponse{}, err
	}
	err = s.update(c, func(b *store.Books, me *store.Account) error {
		for _, ms := range req.Memberships {
			role, _ := store.RoleByName(strings.TrimSpace(ms.Role))
			for _, m := range ms.Members {
				if err := addOneMember(b, me, role, &m, &c.fx); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &addMemberResponse{}, nil
}

// addOneMember puts an account in a role. Allow and Block exclude each
// other; answering (Allow or Block) clears Pending. Adding a present member
// succeeds: WLM follows an ABContactAdd that already allowed the contact
// with its own AddMember Allow (ns-presence-lists.md §14.1).
func addOneMember(b *store.Books, me *store.Account, role int, m *memberIn, fx *effects) error {
	addr := m.address()
	if addr == "" {
		return errBadRequest("member without PassportName or Email")
	}
	email, err := checkEmail(addr)
	if err != nil {
		return err
	}
	acct, err := b.Account(email)
	if err != nil || (m.passport() && acct.Network != store.NetworkMSN) {
		return errInvalidPassport(email)
	}
	if role == store.ListReverse {
		return nil // the server keeps the reverse list
	}
	changed := false
	if other := role ^ (store.ListAllow | store.ListBlock); role == store.ListAllow || role == store.ListBlock {
		if changed, err = b.SetRole(me, email, 0, other, false); err != nil {
			return err
		}
	}
	added, err := b.SetMembership(me, email, acct.Network, role, true)
	if err != nil {
		return storeFault(err)
	}
	if (changed || added) && role != store.ListPending {
		fx.privacyChanged(me.Email)
	}
	return nil
}

func (s *Service) deleteMember(c *call) (any, error) {
	req, ok, err := s.readMembershipEdit(c)
	if err != nil || !ok {
		return &deleteMemberResponse{}, err
	}
	err = s.update(c, func(b *store.Books, me *store.Account) error {
		members, err := b.Members(me)
		if err != nil {
			return err
		}
		for _, ms := range req.Memberships {
			role, _ := store.RoleByName(strings.TrimSpace(ms.Role))
			for _, m := range ms.Members {
				if err := deleteOneMember(b, me, role, &m, members, &c.fx); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &deleteMemberResponse{}, nil
}

// deleteOneMember takes a member (by address or MembershipId) out of a role.
// MemberDoesNotExist only when the member never held the role: one the
// server already removed (answering a pending request clears Pending,
// Allow and Block exclude each other) is gone already, which is what the
// client asks for.
func deleteOneMember(b *store.Books, me *store.Account, role int, m *memberIn, members []*store.Member, fx *effects) error {
	var rec *store.Member
	if addr := m.address(); addr != "" {
		email := strings.ToLower(addr)
		for _, x := range members {
			if x.Role == role && x.Email == email {
				rec = x
			}
		}
		if rec == nil {
			return errMemberMissing(addr)
		}
	} else {
		id, err := strconv.ParseUint(strings.TrimSpace(m.MembershipID), 10, 64)
		if err != nil {
			return errMemberMissing(m.MembershipID)
		}
		for _, x := range members {
			if x.Role == role && x.MemberID == id {
				rec = x
			}
		}
		if rec == nil {
			return errMemberMissing(m.MembershipID)
		}
	}
	if rec.Deleted || role == store.ListReverse {
		return nil // gone already, or kept by the server
	}
	changed, err := b.SetMembership(me, rec.Email, 0, role, false)
	if err != nil {
		return storeFault(err)
	}
	if changed && role != store.ListPending {
		fx.privacyChanged(me.Email)
	}
	return nil
}
