package ab

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"msnserver/store"
)

// ABGroupAdd, ABGroupUpdate, ABGroupDelete, ABGroupContactAdd,
// ABGroupContactDelete (soap-services.md §4.6-§4.7).

// maxGroupName is the longest group name, in characters (the limit of the
// older protocols; soap-services.md §4.6).
const maxGroupName = 61

type groupInfoIn struct {
	Name        string       `xml:"name"`
	GroupType   string       `xml:"groupType"`
	Messenger   string       `xml:"fMessenger"`
	IsFavorite  string       `xml:"IsFavorite"`
	Annotations []annotation `xml:"annotations>Annotation"`
}

type groupFilter struct {
	IDs []string `xml:"groupIds>guid"`
}

type abGroupAddRequest struct {
	ABID    string `xml:"abId"`
	Options struct {
		RenameOnConflict string `xml:"fRenameOnMsgrConflict"`
	} `xml:"groupAddOptions"`
	Groups []groupInfoIn `xml:"groupInfo>GroupInfo"`
}

type abGroupAddResponse struct {
	XMLName xml.Name `xml:"http://www.msn.com/webservices/AddressBook ABGroupAddResponse"`
	GUID    string   `xml:"ABGroupAddResult>guid"`
}

func (s *Service) abGroupAdd(c *call) (any, error) {
	var req abGroupAddRequest
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	if err := checkABID(req.ABID); err != nil {
		return nil, err
	}
	if len(req.Groups) == 0 {
		return nil, errBadRequest("ABGroupAdd without a group")
	}
	rename := parseBool(req.Options.RenameOnConflict, false)
	resp := &abGroupAddResponse{}
	err := s.update(c, func(b *store.Books, me *store.Account) error {
		for i, in := range req.Groups {
			name, err := groupName(in.Name)
			if err != nil {
				return err
			}
			g := &store.Group{Name: name, Favorite: parseBool(in.IsFavorite, false)}
			for n := 2; ; n++ {
				err = b.PutGroup(me, g)
				if !errors.Is(err, store.ErrExists) || !rename || n > 100 {
					break
				}
				g.Name = fmt.Sprintf("%s %d", name, n)
			}
			if errors.Is(err, store.ErrExists) {
				return errGroupExists(groupIDByName(b, me, g.Name))
			}
			if err != nil {
				return storeFault(err)
			}
			if i == 0 {
				resp.GUID = g.ID
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// groupName validates a group name.
func groupName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", errBadRequest("empty group name")
	}
	if utf8.RuneCountInString(name) > maxGroupName {
		return "", &Fault{Code: "GroupNameTooLong", Message: "Group Name Too Long", Err: fmt.Errorf("%d characters", utf8.RuneCountInString(name))}
	}
	return name, nil
}

// groupIDByName finds the live group with that name (for conflictObjectId).
func groupIDByName(b *store.Books, me *store.Account, name string) string {
	groups, _ := b.Groups(me)
	for _, g := range groups {
		if !g.Deleted && strings.EqualFold(g.Name, name) {
			return g.ID
		}
	}
	return ""
}

// findGroup resolves a group GUID to a live group or GroupDoesNotExist.
func findGroup(b *store.Books, me *store.Account, id string) (*store.Group, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if !validGUID(id) {
		return nil, errGroupMissing(id)
	}
	g, err := b.Group(me, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errGroupMissing(id)
	}
	return g, err
}

type abGroupUpdateRequest struct {
	ABID   string `xml:"abId"`
	Groups []struct {
		GroupID           string      `xml:"groupId"`
		Info              groupInfoIn `xml:"groupInfo"`
		PropertiesChanged string      `xml:"propertiesChanged"`
	} `xml:"groups>Group"`
}

type abGroupUpdateResponse struct {
	XMLName xml.Name `xml:"http://www.msn.com/webservices/AddressBook ABGroupUpdateResponse"`
}

func (s *Service) abGroupUpdate(c *call) (any, error) {
	var req abGroupUpdateRequest
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	if err := checkABID(req.ABID); err != nil {
		return nil, err
	}
	if len(req.Groups) == 0 {
		return nil, errBadRequest("ABGroupUpdate without a group")
	}
	err := s.update(c, func(b *store.Books, me *store.Account) error {
		for _, in := range req.Groups {
			g, err := findGroup(b, me, in.GroupID)
			if err != nil {
				return err
			}
			props := in.PropertiesChanged
			all := strings.TrimSpace(props) == ""
			if hasProperty(props, "GroupName") || (all && in.Info.Name != "") {
				if g.Name, err = groupName(in.Info.Name); err != nil {
					return err
				}
			}
			if hasProperty(props, "IsFavorite") || (all && in.Info.IsFavorite != "") {
				g.Favorite = parseBool(in.Info.IsFavorite, g.Favorite)
			}
			err = b.PutGroup(me, g)
			if errors.Is(err, store.ErrExists) {
				return errGroupExists(groupIDByName(b, me, g.Name))
			}
			if err != nil {
				return storeFault(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &abGroupUpdateResponse{}, nil
}

type abGroupDeleteRequest struct {
	ABID   string      `xml:"abId"`
	Filter groupFilter `xml:"groupFilter"`
}

type abGroupDeleteResponse struct {
	XMLName xml.Name `xml:"http://www.msn.com/webservices/AddressBook ABGroupDeleteResponse"`
}

func (s *Service) abGroupDelete(c *call) (any, error) {
	var req abGroupDeleteRequest
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	if err := checkABID(req.ABID); err != nil {
		return nil, err
	}
	if len(req.Filter.IDs) == 0 {
		return nil, errBadRequest("ABGroupDelete without a group")
	}
	err := s.update(c, func(b *store.Books, me *store.Account) error {
		for _, id := range req.Filter.IDs {
			g, err := findGroup(b, me, id)
			if err != nil {
				return err
			}
			g.Deleted = true
			if err := b.PutGroup(me, g); err != nil {
				return err
			}
			// Its contacts stay in the book, ungrouped.
			contacts, err := b.Contacts(me)
			if err != nil {
				return err
			}
			for _, ct := range contacts {
				if ct.Deleted {
					continue
				}
				if rest, found := removeID(ct.Groups, g.ID); found {
					ct.Groups = rest
					if err := b.PutContact(me, ct); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &abGroupDeleteResponse{}, nil
}

type abGroupContactRequest struct {
	ABID     string      `xml:"abId"`
	Filter   groupFilter `xml:"groupFilter"`
	Contacts []contactIn `xml:"contacts>Contact"`
	Options  struct {
		EnableAllowListManagement string `xml:"EnableAllowListManagement"`
	} `xml:"groupContactAddOptions"`
}

type abGroupContactAddResponse struct {
	XMLName xml.Name `xml:"http://www.msn.com/webservices/AddressBook ABGroupContactAddResponse"`
	GUID    string   `xml:"ABGroupContactAddResult>guid"`
}

type abGroupContactDeleteResponse struct {
	XMLName xml.Name `xml:"http://www.msn.com/webservices/AddressBook ABGroupContactDeleteResponse"`
}

// readGroupContact decodes the shared body of ABGroupContactAdd/Delete.
func readGroupContact(c *call) (*abGroupContactRequest, error) {
	var req abGroupContactRequest
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	if err := checkABID(req.ABID); err != nil {
		return nil, err
	}
	if len(req.Filter.IDs) == 0 || len(req.Contacts) == 0 {
		return nil, errBadRequest("%s needs a group and a contact", c.action)
	}
	return &req, nil
}

func (s *Service) abGroupContactAdd(c *call) (any, error) {
	req, err := readGroupContact(c)
	if err != nil {
		return nil, err
	}
	allow := parseBool(req.Options.EnableAllowListManagement, false)
	resp := &abGroupContactAddResponse{}
	err = s.update(c, func(b *store.Books, me *store.Account) error {
		groups, err := findGroups(b, me, req.Filter.IDs)
		if err != nil {
			return err
		}
		for i, in := range req.Contacts {
			var ct *store.Contact
			switch {
			case strings.TrimSpace(in.ContactID) != "":
				ct, err = findContact(b, me, in.ContactID)
			case in.Info != nil:
				// libpurple's form: create the contact straight into the group.
				ct, err = addContact(b, me, in.Info, allow, true, &c.fx)
			default:
				err = errBadRequest("contact %d has neither contactId nor contactInfo", i+1)
			}
			if err != nil {
				return err
			}
			if ct, err = b.Contact(me, ct.ID); err != nil {
				return err
			}
			for _, g := range groups {
				ct.Groups = addID(ct.Groups, g.ID)
			}
			if err := b.PutContact(me, ct); err != nil {
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

func (s *Service) abGroupContactDelete(c *call) (any, error) {
	req, err := readGroupContact(c)
	if err != nil {
		return nil, err
	}
	err = s.update(c, func(b *store.Books, me *store.Account) error {
		groups, err := findGroups(b, me, req.Filter.IDs)
		if err != nil {
			return err
		}
		for _, in := range req.Contacts {
			ct, err := findContact(b, me, in.ContactID)
			if err != nil {
				return err
			}
			changed := false
			for _, g := range groups {
				var found bool
				if ct.Groups, found = removeID(ct.Groups, g.ID); found {
					changed = true
				}
			}
			if changed {
				if err := b.PutContact(me, ct); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &abGroupContactDeleteResponse{}, nil
}

func findGroups(b *store.Books, me *store.Account, ids []string) ([]*store.Group, error) {
	out := make([]*store.Group, 0, len(ids))
	for _, id := range ids {
		g, err := findGroup(b, me, id)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}
