package ab

import (
	"encoding/xml"
	"time"

	"msnserver/store"
)

// ABFindAll (soap-services.md §4.1): the groups, the address-book contacts
// and the "Me" contact. With deltasOnly and a lastChange from an earlier
// answer only what changed since then is sent, tombstones included.

type abFindAllRequest struct {
	ABID       string `xml:"abId"`
	View       string `xml:"abView"`
	DeltasOnly string `xml:"deltasOnly"`
	LastChange string `xml:"lastChange"`
}

type abFindAllResponse struct {
	XMLName xml.Name        `xml:"http://www.msn.com/webservices/AddressBook ABFindAllResponse"`
	Result  abFindAllResult `xml:"ABFindAllResult"`
}

type abFindAllResult struct {
	Groups   groupsOut   `xml:"groups"`
	Contacts contactsOut `xml:"contacts"`
	AB       abOut       `xml:"ab"`
}

type groupsOut struct {
	Group []groupOut `xml:"Group"`
}

type contactsOut struct {
	Contact []contactOut `xml:"Contact"`
}

type groupOut struct {
	GroupID           string       `xml:"groupId"`
	Info              groupInfoOut `xml:"groupInfo"`
	PropertiesChanged string       `xml:"propertiesChanged"`
	Deleted           bool         `xml:"fDeleted"`
	LastChange        string       `xml:"lastChange"`
}

type groupInfoOut struct {
	Annotations        annotationList `xml:"annotations"`
	GroupType          string         `xml:"groupType"`
	Name               string         `xml:"name"`
	IsNotMobileVisible bool           `xml:"IsNotMobileVisible"`
	IsPrivate          bool           `xml:"IsPrivate"`
	IsFavorite         bool           `xml:"IsFavorite"`
}

type contactOut struct {
	ContactID         string         `xml:"contactId"`
	Info              contactInfoOut `xml:"contactInfo"`
	PropertiesChanged string         `xml:"propertiesChanged"`
	Deleted           bool           `xml:"fDeleted"`
	LastChange        string         `xml:"lastChange"`
}

type emailsOut struct {
	ContactEmail []emailOut `xml:"ContactEmail"`
}

type phonesOut struct {
	ContactPhone []phoneXML `xml:"ContactPhone"`
}

type locationsOut struct {
	ContactLocation []locationXML `xml:"ContactLocation"`
}

type webSitesOut struct {
	ContactWebSite []webSiteXML `xml:"ContactWebSite"`
}

// contactInfoOut follows the schema's element order.
type contactInfoOut struct {
	Emails               *emailsOut      `xml:"emails,omitempty"`
	Phones               *phonesOut      `xml:"phones,omitempty"`
	Locations            *locationsOut   `xml:"locations,omitempty"`
	WebSites             *webSitesOut    `xml:"webSites,omitempty"`
	Annotations          *annotationList `xml:"annotations,omitempty"`
	GroupIDs             *guidList       `xml:"groupIds,omitempty"`
	ContactType          string          `xml:"contactType"`
	QuickName            string          `xml:"quickName"`
	FirstName            string          `xml:"firstName,omitempty"`
	MiddleName           string          `xml:"MiddleName,omitempty"`
	LastName             string          `xml:"lastName,omitempty"`
	PassportName         string          `xml:"passportName,omitempty"`
	IsPassportNameHidden bool            `xml:"IsPassportNameHidden"`
	DisplayName          string          `xml:"displayName"`
	PUID                 int             `xml:"puid"`
	CID                  int64           `xml:"CID"`
	Comment              string          `xml:"comment,omitempty"`
	IsNotMobileVisible   bool            `xml:"IsNotMobileVisible"`
	IsMobileIMEnabled    bool            `xml:"isMobileIMEnabled"`
	IsMessengerUser      bool            `xml:"isMessengerUser"`
	IsFavorite           bool            `xml:"isFavorite"`
	IsSmtp               bool            `xml:"isSmtp"`
	HasSpace             bool            `xml:"hasSpace"`
	SpotWatchState       string          `xml:"spotWatchState"`
	Birthdate            string          `xml:"birthdate"`
	PrimaryEmailType     string          `xml:"primaryEmailType"`
	PrimaryLocation      string          `xml:"PrimaryLocation"`
	PrimaryPhone         string          `xml:"PrimaryPhone"`
	IsPrivate            bool            `xml:"IsPrivate"`
	Anniversary          string          `xml:"Anniversary,omitempty"`
	Gender               string          `xml:"Gender"`
	TimeZone             string          `xml:"TimeZone"`
}

type abOut struct {
	ABID                   string    `xml:"abId"`
	Info                   abInfoOut `xml:"abInfo"`
	LastChange             string    `xml:"lastChange"`
	DynamicItemLastChanged string    `xml:"DynamicItemLastChanged"`
	CreateDate             string    `xml:"createDate"`
	PropertiesChanged      string    `xml:"propertiesChanged"`
}

type abInfoOut struct {
	OwnerPUID                int    `xml:"ownerPuid"`
	OwnerCID                 int64  `xml:"OwnerCID"`
	OwnerEmail               string `xml:"ownerEmail"`
	Default                  bool   `xml:"fDefault"`
	JoinedNamespace          bool   `xml:"joinedNamespace"`
	IsBot                    bool   `xml:"IsBot"`
	IsParentManaged          bool   `xml:"IsParentManaged"`
	SubscribeExternalPartner bool   `xml:"SubscribeExternalPartner"`
	NotifyExternalPartner    bool   `xml:"NotifyExternalPartner"`
	AddressBookType          string `xml:"AddressBookType"`
}

func (s *Service) abFindAll(c *call) (any, error) {
	var req abFindAllRequest
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	if err := checkABID(req.ABID); err != nil {
		return nil, err
	}
	from := since(req.DeltasOnly, req.LastChange)
	resp := &abFindAllResponse{}
	err := s.view(c, func(b *store.Books, me *store.Account) error {
		res := &resp.Result
		groups, err := b.Groups(me)
		if err != nil {
			return err
		}
		for _, g := range groups {
			if include(g.Deleted, g.Changed, from) {
				res.Groups.Group = append(res.Groups.Group, renderGroup(g))
			}
		}
		contacts, err := b.Contacts(me)
		if err != nil {
			return err
		}
		for _, ct := range contacts {
			if !include(ct.Deleted, ct.Changed, from) {
				continue
			}
			out, err := renderContact(b, me, ct)
			if err != nil {
				return err
			}
			res.Contacts.Contact = append(res.Contacts.Contact, out)
		}
		last := b.LastChange(me)
		if last.IsZero() {
			last = me.Created
		}
		res.Contacts.Contact = append(res.Contacts.Contact, renderMe(me, last))
		res.AB = abOut{
			ABID: abID,
			Info: abInfoOut{
				OwnerCID: me.CID, OwnerEmail: me.Email, Default: true, AddressBookType: "Individual",
			},
			LastChange:             stamp(last),
			DynamicItemLastChanged: nullDate,
			CreateDate:             stamp(me.Created),
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// include decides whether an item belongs in a full (from zero) or delta answer.
func include(deleted bool, changed, from time.Time) bool {
	if from.IsZero() {
		return !deleted
	}
	return !changed.Before(from)
}

func renderGroup(g *store.Group) groupOut {
	return groupOut{
		GroupID: g.ID,
		Info: groupInfoOut{
			Annotations: annotationList{Annotation: []annotation{{Name: annDisplay, Value: "1"}}},
			GroupType:   groupType,
			Name:        g.Name,
			IsFavorite:  g.Favorite,
		},
		Deleted:    g.Deleted,
		LastChange: stamp(g.Changed),
	}
}

// baseInfo has the defaults every contact carries.
func baseInfo() contactInfoOut {
	return contactInfoOut{
		ContactType:      "Regular",
		SpotWatchState:   "NoDevice",
		Birthdate:        nullDate,
		PrimaryEmailType: "ContactEmailPersonal",
		PrimaryLocation:  "ContactLocationPersonal",
		PrimaryPhone:     "ContactPhonePersonal",
		Gender:           "Unspecified",
		TimeZone:         "None",
	}
}

func renderContact(b *store.Books, me *store.Account, ct *store.Contact) (contactOut, error) {
	info := baseInfo()
	d, err := loadDetails(b, me, ct.ID)
	if err != nil {
		return contactOut{}, err
	}
	var other *store.Account
	if ct.Email != "" {
		other, _ = b.Account(ct.Email) // gone accounts still show as entries
	}
	name := ct.Nickname
	if name == "" && other != nil {
		name = other.Name
	}
	if name == "" {
		name = ct.Email
	}
	if name == "" {
		name = joinName(d.FirstName, d.LastName)
	}
	info.QuickName, info.DisplayName = name, name
	var emails []emailOut
	switch {
	case ct.Email != "" && ct.Network == store.NetworkYahoo:
		// An e-mail-only entry whose Messenger2 address is the Yahoo contact.
		emails = append(emails, emailOut{Type: "Messenger2", Email: ct.Email, IsMessengerEnabled: ct.IsMessengerUser, Capability: 32})
		info.PrimaryEmailType = "Messenger2"
	case ct.Email != "":
		info.PassportName = ct.Email
		info.IsMessengerUser = ct.IsMessengerUser
		if other != nil {
			info.CID = other.CID
		}
	}
	for _, e := range d.Emails {
		emails = append(emails, emailOut{Type: e.Type, Email: e.Email})
	}
	if len(emails) > 0 {
		info.Emails = &emailsOut{ContactEmail: emails}
	}
	if len(d.Phones) > 0 {
		info.Phones = &phonesOut{ContactPhone: d.Phones}
		for i := range info.Phones.ContactPhone {
			info.Phones.ContactPhone[i].Enabled = boolText(parseBool(info.Phones.ContactPhone[i].Enabled, false))
		}
	}
	if len(d.Locations) > 0 {
		info.Locations = &locationsOut{ContactLocation: d.Locations}
	}
	if len(d.WebSites) > 0 {
		info.WebSites = &webSitesOut{ContactWebSite: d.WebSites}
	}
	info.Annotations = annotationsOf(ct.Annotations)
	if len(ct.Groups) > 0 {
		info.GroupIDs = &guidList{GUID: ct.Groups}
	}
	if d.ContactType != "" {
		info.ContactType = d.ContactType // as the client stored it (LivePending)
	}
	info.FirstName, info.MiddleName, info.LastName = d.FirstName, d.MiddleName, d.LastName
	info.Comment, info.Anniversary, info.IsFavorite = d.Comment, d.Anniversary, d.IsFavorite
	if d.Birthdate != "" {
		info.Birthdate = d.Birthdate
	}
	if d.PrimaryEmailType != "" {
		info.PrimaryEmailType = d.PrimaryEmailType
	}
	return contactOut{ContactID: ct.ID, Info: info, Deleted: ct.Deleted, LastChange: stamp(ct.Changed)}, nil
}

// renderMe is the owner's own entry, carrying the settings annotations.
func renderMe(me *store.Account, last time.Time) contactOut {
	info := baseInfo()
	info.ContactType = "Me"
	info.QuickName, info.DisplayName = me.Name, me.Name
	info.PassportName = me.Email
	info.CID = me.CID
	mbea := "0"
	if v, ok := me.Annotations[annMBEA]; ok {
		mbea = v
	}
	gtc := me.GTC
	if gtc == "" {
		gtc = "1"
	}
	blp := "1"
	if me.Privacy() == "BL" {
		blp = "0"
	}
	anns := []annotation{{Name: annMBEA, Value: mbea}, {Name: annGTC, Value: gtc}, {Name: annBLP, Value: blp}}
	if rest := annotationsOf(withoutKey(me.Annotations, annMBEA, annGTC, annBLP)); rest != nil {
		anns = append(anns, rest.Annotation...)
	}
	info.Annotations = &annotationList{Annotation: anns}
	return contactOut{ContactID: meContactID(me.CID), Info: info, LastChange: stamp(last)}
}

func withoutKey(m map[string]string, keys ...string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

func joinName(first, last string) string {
	switch {
	case first == "":
		return last
	case last == "":
		return first
	}
	return first + " " + last
}

func boolText(v bool) string {
	if v {
		return "true"
	}
	return "false"
}
