package ab

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"msnserver/store"
)

// ABContactAdd, ABContactDelete, ABContactUpdate (soap-services.md §4.3-§4.5).

// Limits on what a client may store in one field.
const (
	maxText        = 1024 // names, comments, annotation values
	maxAnnotations = 64
)

type contactIn struct {
	ContactID         string         `xml:"contactId"`
	Info              *contactInfoIn `xml:"contactInfo"`
	PropertiesChanged string         `xml:"propertiesChanged"`
}

type contactInfoIn struct {
	Emails           []emailIn     `xml:"emails>ContactEmail"`
	Phones           []phoneXML    `xml:"phones>ContactPhone"`
	Locations        []locationXML `xml:"locations>ContactLocation"`
	WebSites         []webSiteXML  `xml:"webSites>ContactWebSite"`
	Annotations      []annotation  `xml:"annotations>Annotation"`
	GroupIDs         []string      `xml:"groupIds>guid"`
	ContactType      string        `xml:"contactType"`
	QuickName        string        `xml:"quickName"`
	FirstName        string        `xml:"firstName"`
	MiddleName       string        `xml:"MiddleName"`
	LastName         string        `xml:"lastName"`
	PassportName     string        `xml:"passportName"`
	DisplayName      string        `xml:"displayName"`
	Comment          string        `xml:"comment"`
	IsMessengerUser  string        `xml:"isMessengerUser"`
	IsFavorite       string        `xml:"isFavorite"`
	Birthdate        string        `xml:"birthdate"`
	PrimaryEmailType string        `xml:"primaryEmailType"`
	Anniversary      string        `xml:"Anniversary"`
	MemberInfo       struct {
		DisplayName string `xml:"DisplayName"`
	} `xml:"MessengerMemberInfo"`
}

// check bounds the free-text fields.
func (info *contactInfoIn) check() error {
	for _, v := range []string{info.DisplayName, info.QuickName, info.FirstName, info.MiddleName, info.LastName,
		info.Comment, info.PassportName, info.MemberInfo.DisplayName} {
		if len(v) > maxText {
			return errBadRequest("a contact field is longer than %d bytes", maxText)
		}
	}
	if len(info.Annotations) > maxAnnotations {
		return errBadRequest("more than %d annotations", maxAnnotations)
	}
	for _, a := range info.Annotations {
		if len(a.Name) > maxText || len(a.Value) > maxText || strings.TrimSpace(a.Name) == "" {
			return errBadRequest("invalid annotation %.40q", a.Name)
		}
	}
	if info.Birthdate == nullDate || parseStamp(info.Birthdate).IsZero() {
		info.Birthdate = ""
	}
	return nil
}

// messenger2 returns the Yahoo address of an e-mail-only contact, if any.
func (info *contactInfoIn) messenger2() (*emailIn, bool) {
	for i := range info.Emails {
		if strings.EqualFold(strings.TrimSpace(info.Emails[i].Type), "Messenger2") {
			return &info.Emails[i], true
		}
	}
	return nil, false
}

type abContactAddRequest struct {
	ABID     string      `xml:"abId"`
	Contacts []contactIn `xml:"contacts>Contact"`
	Options  struct {
		EnableAllowListManagement string `xml:"EnableAllowListManagement"`
	} `xml:"options"`
}

type abContactAddResponse struct {
	XMLName xml.Name `xml:"http://www.msn.com/webservices/AddressBook ABContactAddResponse"`
	GUID    string   `xml:"ABContactAddResult>guid"`
}

func (s *Service) abContactAdd(c *call) (any, error) {
	var req abContactAddRequest
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	if err := checkABID(req.ABID); err != nil {
		return nil, err
	}
	if len(req.Contacts) == 0 || req.Contacts[0].Info == nil {
		return nil, errBadRequest("ABContactAdd without a contact")
	}
	allow := parseBool(req.Options.EnableAllowListManagement, false)
	resp := &abContactAddResponse{}
	err := s.update(c, func(b *store.Books, me *store.Account) error {
		for i, in := range req.Contacts {
			if in.Info == nil {
				return errBadRequest("contact %d has no contactInfo", i+1)
			}
			ct, err := addContact(b, me, in.Info, allow, false, &c.fx)
			if err != nil {
				return err
			}
			if i == 0 {
				resp.GUID = ct.ID
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// addContact creates an address-book entry from info (§4.4): a Messenger
// contact (passportName, network 1), a Yahoo contact (Messenger2 e-mail,
// network 32) or a plain entry. An existing entry that is not a Messenger
// user goes back on the forward list; one that is gives ContactAlreadyExists,
// unless existingOK (adding into a group), where it is returned as is.
func addContact(b *store.Books, me *store.Account, info *contactInfoIn, allow, existingOK bool, fx *effects) (*store.Contact, error) {
	if err := info.check(); err != nil {
		return nil, err
	}
	addr, network, messenger := strings.TrimSpace(info.PassportName), store.NetworkMSN, parseBool(info.IsMessengerUser, true)
	if addr == "" {
		if e, ok := info.messenger2(); ok {
			addr, network = strings.TrimSpace(e.Email), store.NetworkYahoo
			if e.Enabled != "" || e.EnabledAlt != "" {
				messenger = e.messengerEnabled()
			}
		}
	}
	var ct *store.Contact
	if addr == "" {
		// A plain address-book entry (no IM address): no list changes.
		ct = &store.Contact{}
		if err := b.PutContact(me, ct); err != nil {
			return nil, storeFault(err)
		}
	} else {
		email, err := checkEmail(addr)
		if err != nil {
			return nil, err
		}
		other, err := b.Account(email)
		if err != nil || other.Network != network || other.ID == me.ID {
			return nil, errInvalidPassport(email)
		}
		existing, err := b.ContactByEmail(me, email)
		switch {
		case err == nil && (existing.IsMessengerUser || !messenger):
			if existingOK {
				return existing, nil
			}
			return nil, errContactExists(existing.ID)
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
		if messenger {
			var ch store.ListChange
			ct, ch, err = b.AddForward(me, email, network, "")
			if err != nil {
				return nil, storeFault(err)
			}
			fx.record(me, ch)
			if allow {
				if err := allowContact(b, me, email, network, fx); err != nil {
					return nil, err
				}
			}
		} else {
			ct = &store.Contact{Email: email, Network: network}
			if err := b.PutContact(me, ct); err != nil {
				return nil, storeFault(err)
			}
		}
	}
	if err := fillContact(b, me, ct, info); err != nil {
		return nil, err
	}
	return ct, nil
}

// fillContact stores what a new contact's contactInfo carries besides its address.
func fillContact(b *store.Books, me *store.Account, ct *store.Contact, info *contactInfoIn) error {
	if name := strings.TrimSpace(info.DisplayName); name != "" && !strings.EqualFold(name, ct.Email) {
		ct.Nickname = name
	}
	ct.Annotations = mergeAnnotations(ct.Annotations, info.Annotations)
	for _, gid := range info.GroupIDs {
		g, err := b.Group(me, strings.ToLower(strings.TrimSpace(gid)))
		if err != nil {
			return errGroupMissing(gid)
		}
		ct.Groups = addID(ct.Groups, g.ID)
	}
	d, err := loadDetails(b, me, ct.ID)
	if err != nil {
		return err
	}
	d.apply(info, "", true)
	switch t := strings.TrimSpace(info.ContactType); {
	case strings.EqualFold(t, "LivePending"), strings.EqualFold(t, "Live"):
		d.ContactType = t
	}
	if err := saveDetails(b, me, ct.ID, d); err != nil {
		return storeFault(err)
	}
	return storeFault(b.PutContact(me, ct))
}

// allowContact puts email on the allow list unless it is blocked
// (EnableAllowListManagement).
func allowContact(b *store.Books, me *store.Account, email string, network int, fx *effects) error {
	roles, err := b.Roles(me, email)
	if err != nil {
		return err
	}
	if roles&store.ListBlock != 0 {
		return nil
	}
	changed, err := b.SetMembership(me, email, network, store.ListAllow, true)
	if err != nil {
		return err
	}
	if changed {
		fx.privacyChanged(me.Email)
	}
	return nil
}

type abContactDeleteRequest struct {
	ABID     string      `xml:"abId"`
	Contacts []contactIn `xml:"contacts>Contact"`
}

type abContactDeleteResponse struct {
	XMLName xml.Name `xml:"http://www.msn.com/webservices/AddressBook ABContactDeleteResponse"`
}

func (s *Service) abContactDelete(c *call) (any, error) {
	var req abContactDeleteRequest
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	if err := checkABID(req.ABID); err != nil {
		return nil, err
	}
	if len(req.Contacts) == 0 {
		return nil, errBadRequest("ABContactDelete without a contact")
	}
	err := s.update(c, func(b *store.Books, me *store.Account) error {
		for _, in := range req.Contacts {
			ct, err := findContact(b, me, in.ContactID)
			if err != nil {
				return err
			}
			if ct.Email != "" {
				// Off the forward list and out of the book; the contact's
				// reverse and pending lists lose me. AL/BL stay.
				ch, err := b.RemoveForward(me, ct.Email, true)
				if err != nil {
					return err
				}
				c.fx.record(me, ch)
			} else {
				ct.Deleted = true
				if err := b.PutContact(me, ct); err != nil {
					return err
				}
			}
			if err := b.PutContactDetails(me, ct.ID, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &abContactDeleteResponse{}, nil
}

// findContact resolves a contactId to a live contact or ContactDoesNotExist.
func findContact(b *store.Books, me *store.Account, id string) (*store.Contact, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if !validGUID(id) {
		return nil, errContactMissing(id)
	}
	ct, err := b.Contact(me, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errContactMissing(id)
	}
	return ct, err
}

type abContactUpdateRequest struct {
	ABID     string      `xml:"abId"`
	Contacts []contactIn `xml:"contacts>Contact"`
}

type abContactUpdateResponse struct {
	XMLName xml.Name `xml:"http://www.msn.com/webservices/AddressBook ABContactUpdateResponse"`
}

func (s *Service) abContactUpdate(c *call) (any, error) {
	var req abContactUpdateRequest
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	if err := checkABID(req.ABID); err != nil {
		return nil, err
	}
	if len(req.Contacts) == 0 {
		return nil, errBadRequest("ABContactUpdate without a contact")
	}
	err := s.update(c, func(b *store.Books, me *store.Account) error {
		for _, in := range req.Contacts {
			if in.Info == nil {
				in.Info = &contactInfoIn{}
			}
			if err := in.Info.check(); err != nil {
				return err
			}
			id := strings.ToLower(strings.TrimSpace(in.ContactID))
			if strings.EqualFold(strings.TrimSpace(in.Info.ContactType), "Me") || id == meContactID(me.CID) {
				if err := updateMe(b, me, &in, &c.fx); err != nil {
					return err
				}
				continue
			}
			if err := updateContact(b, me, &in, &c.fx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &abContactUpdateResponse{}, nil
}

// updateContact applies the properties an update names to one contact.
func updateContact(b *store.Books, me *store.Account, in *contactIn, fx *effects) error {
	ct, err := findContact(b, me, in.ContactID)
	if err != nil {
		return err
	}
	info, props := in.Info, in.PropertiesChanged
	all := strings.TrimSpace(props) == ""
	// On or off the forward list first: the store's list operations rewrite the contact.
	want := ct.IsMessengerUser
	if (all && info.IsMessengerUser != "") || hasProperty(props, "IsMessengerUser") {
		want = parseBool(info.IsMessengerUser, want)
	}
	if e, ok := info.messenger2(); ok && ct.Network == store.NetworkYahoo && (all || hasProperty(props, "ContactEmail")) &&
		(e.Enabled != "" || e.EnabledAlt != "") {
		want = e.messengerEnabled()
	}
	if want != ct.IsMessengerUser && ct.Email != "" {
		var ch store.ListChange
		if want {
			_, ch, err = b.AddForward(me, ct.Email, 0, ct.Nickname)
		} else {
			ch, err = b.RemoveForward(me, ct.Email, false)
		}
		if errors.Is(err, store.ErrNotFound) {
			return errInvalidPassport(ct.Email) // the contact's account is gone
		}
		if err != nil {
			return storeFault(err)
		}
		fx.record(me, ch)
		if ct, err = b.Contact(me, ct.ID); err != nil {
			return err
		}
	}
	if (all && info.DisplayName != "") || hasProperty(props, "DisplayName") {
		ct.Nickname = strings.TrimSpace(info.DisplayName)
	}
	if all || hasProperty(props, "Annotation") {
		ct.Annotations = mergeAnnotations(ct.Annotations, info.Annotations)
	}
	d, err := loadDetails(b, me, ct.ID)
	if err != nil {
		return err
	}
	d.apply(info, props, all)
	if err := saveDetails(b, me, ct.ID, d); err != nil {
		return storeFault(err)
	}
	return storeFault(b.PutContact(me, ct))
}

// updateMe applies an update of the Me contact to the account: the friendly
// name and the settings annotations (MSN.IM.BLP, MSN.IM.GTC, others kept).
func updateMe(b *store.Books, me *store.Account, in *contactIn, fx *effects) error {
	info, props := in.Info, in.PropertiesChanged
	all := strings.TrimSpace(props) == ""
	if (all && info.DisplayName != "") || hasProperty(props, "DisplayName") {
		if name := strings.TrimSpace(info.DisplayName); name != "" {
			me.Name = name
		}
	}
	if all || hasProperty(props, "Annotation") {
		for _, a := range info.Annotations {
			name, value := strings.TrimSpace(a.Name), strings.TrimSpace(a.Value)
			switch name {
			case annBLP:
				mode := me.Privacy()
				switch value {
				case "1":
					mode = "AL"
				case "0", "2": // 2 is Escargot's BL (soap-services.md §4.3)
					mode = "BL"
				}
				if mode != me.Privacy() {
					me.BLP = mode
					fx.privacyChanged(me.Email)
				}
			case annGTC:
				me.GTC = value
			default:
				if me.Annotations == nil {
					me.Annotations = map[string]string{}
				}
				if value == "" {
					delete(me.Annotations, name)
				} else if len(me.Annotations) < maxAnnotations {
					me.Annotations[name] = value
				}
			}
		}
	}
	if err := b.SaveAccount(me); err != nil {
		return err
	}
	return b.Touch(me)
}

// mergeAnnotations sets each annotation; an empty value removes it.
func mergeAnnotations(m map[string]string, list []annotation) map[string]string {
	for _, a := range list {
		name := strings.TrimSpace(a.Name)
		if name == "" {
			continue
		}
		if a.Value == "" {
			delete(m, name)
			continue
		}
		if m == nil {
			m = map[string]string{}
		}
		if len(m) < maxAnnotations {
			m[name] = a.Value
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

func addID(ids []string, id string) []string {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

func removeID(ids []string, id string) ([]string, bool) {
	out := ids[:0:0]
	found := false
	for _, x := range ids {
		if x == id {
			found = true
			continue
		}
		out = append(out, x)
	}
	if len(out) == 0 {
		out = nil
	}
	return out, found
}

// storeFault maps the store's limit errors to faults; others pass through.
func storeFault(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrLimitReached):
		return &Fault{Code: "QuotaLimitReached", Message: "The address book is full", Err: err}
	case errors.Is(err, store.ErrInvalid):
		return &Fault{Code: "BadArgument", Message: "Invalid argument", Err: err}
	}
	return fmt.Errorf("store: %w", err)
}
