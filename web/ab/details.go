package ab

import (
	"encoding/json"
	"fmt"
	"strings"

	"msnserver/store"
)

// details are the parts of a contact the store has no field for (names,
// e-mails, phones, addresses, web sites typed into the contact's properties).
// They are kept as JSON beside the contact (store.Books.ContactDetails) and
// returned by ABFindAll in schema order (soap-services.md §4.2).
type details struct {
	FirstName        string        `json:"first,omitempty"`
	MiddleName       string        `json:"middle,omitempty"`
	LastName         string        `json:"last,omitempty"`
	Comment          string        `json:"comment,omitempty"`
	Emails           []emailDetail `json:"emails,omitempty"`
	Phones           []phoneXML    `json:"phones,omitempty"`
	Locations        []locationXML `json:"locations,omitempty"`
	WebSites         []webSiteXML  `json:"sites,omitempty"`
	Birthdate        string        `json:"birthdate,omitempty"`
	Anniversary      string        `json:"anniversary,omitempty"`
	PrimaryEmailType string        `json:"primaryEmail,omitempty"`
	IsFavorite       bool          `json:"favorite,omitempty"`
	ContactType      string        `json:"contactType,omitempty"` // only a non-Regular type the client chose
}

type emailDetail struct {
	Type  string `json:"type"`
	Email string `json:"email"`
}

// ContactEmail as clients send it (both spellings of isMessengerEnabled occur).
type emailIn struct {
	Type              string `xml:"contactEmailType"`
	Email             string `xml:"email"`
	Enabled           string `xml:"isMessengerEnabled"`
	EnabledAlt        string `xml:"IsMessengerEnabled"`
	Capability        string `xml:"Capability"`
	PropertiesChanged string `xml:"propertiesChanged"`
}

func (e *emailIn) messengerEnabled() bool {
	return parseBool(e.Enabled, false) || parseBool(e.EnabledAlt, false)
}

// ContactEmail in responses.
type emailOut struct {
	Type                       string `xml:"contactEmailType"`
	Email                      string `xml:"email"`
	IsMessengerEnabled         bool   `xml:"isMessengerEnabled"`
	Capability                 int    `xml:"Capability"`
	MessengerEnabledExternally bool   `xml:"MessengerEnabledExternally"`
	PropertiesChanged          string `xml:"propertiesChanged"`
}

type phoneXML struct {
	Type              string `xml:"contactPhoneType" json:"type"`
	Number            string `xml:"number" json:"number"`
	Enabled           string `xml:"isMessengerEnabled" json:"messenger,omitempty"`
	EnabledAlt        string `xml:"IsMessengerEnabled,omitempty" json:"-"`
	PropertiesChanged string `xml:"propertiesChanged" json:"-"`
}

type locationXML struct {
	Type       string `xml:"contactLocationType" json:"type"`
	Name       string `xml:"name,omitempty" json:"name,omitempty"`
	Street     string `xml:"street" json:"street,omitempty"`
	City       string `xml:"city" json:"city,omitempty"`
	State      string `xml:"state" json:"state,omitempty"`
	Country    string `xml:"country" json:"country,omitempty"`
	PostalCode string `xml:"postalCode" json:"postalCode,omitempty"`
	Changes    string `xml:"Changes" json:"-"`
}

type webSiteXML struct {
	Type string `xml:"contactWebSiteType" json:"type"`
	URL  string `xml:"webURL" json:"url"`
}

// loadDetails reads a contact's details (empty when none or unreadable).
func loadDetails(b *store.Books, owner *store.Account, id string) (*details, error) {
	d := &details{}
	raw, err := b.ContactDetails(owner, id)
	if err != nil {
		return nil, err
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, d); err != nil {
			return &details{}, nil // a damaged blob must not break ABFindAll
		}
	}
	return d, nil
}

// saveDetails writes them back, removing the blob when nothing is left.
func saveDetails(b *store.Books, owner *store.Account, id string, d *details) error {
	var raw []byte
	if !d.empty() {
		var err error
		if raw, err = json.Marshal(d); err != nil {
			return err
		}
	}
	if err := b.PutContactDetails(owner, id, raw); err != nil {
		return fmt.Errorf("contact details: %w", err)
	}
	return nil
}

func (d *details) empty() bool {
	return d.FirstName == "" && d.MiddleName == "" && d.LastName == "" && d.Comment == "" &&
		len(d.Emails) == 0 && len(d.Phones) == 0 && len(d.Locations) == 0 && len(d.WebSites) == 0 &&
		d.Birthdate == "" && d.Anniversary == "" && d.PrimaryEmailType == "" && !d.IsFavorite && d.ContactType == ""
}

// apply copies what info carries into d. With all (a new contact, or an
// update naming no properties) every field present is taken; otherwise only
// the fields props names, which may also clear them.
func (d *details) apply(info *contactInfoIn, props string, all bool) {
	take := func(value string, names ...string) bool {
		if all {
			return value != ""
		}
		for _, n := range names {
			if hasProperty(props, n) {
				return true
			}
		}
		return false
	}
	if take(info.FirstName, "ContactFirstName", "FirstName") {
		d.FirstName = info.FirstName
	}
	if take(info.MiddleName, "MiddleName", "ContactMiddleName") {
		d.MiddleName = info.MiddleName
	}
	if take(info.LastName, "ContactLastName", "LastName") {
		d.LastName = info.LastName
	}
	if take(info.Comment, "Comment") {
		d.Comment = info.Comment
	}
	if take(info.Birthdate, "ContactBirthDate", "Birthdate") {
		d.Birthdate = info.Birthdate
	}
	if take(info.Anniversary, "Anniversary") {
		d.Anniversary = info.Anniversary
	}
	if take(info.PrimaryEmailType, "ContactPrimaryEmailType") {
		d.PrimaryEmailType = info.PrimaryEmailType
	}
	if take(info.IsFavorite, "IsFavorite") {
		d.IsFavorite = parseBool(info.IsFavorite, false)
	}
	if take(joinLen(len(info.Emails)), "ContactEmail") {
		for _, e := range info.Emails {
			if strings.EqualFold(e.Type, "Messenger2") || e.Type == "" {
				continue // the Yahoo address is the contact itself
			}
			d.Emails = mergeByType(d.Emails, emailDetail{Type: e.Type, Email: strings.TrimSpace(e.Email)},
				func(x emailDetail) string { return x.Type }, func(x emailDetail) bool { return x.Email == "" })
		}
	}
	if take(joinLen(len(info.Phones)), "ContactPhone") {
		for _, p := range info.Phones {
			if p.Enabled == "" {
				p.Enabled = p.EnabledAlt
			}
			p.EnabledAlt, p.PropertiesChanged = "", ""
			p.Number = strings.TrimSpace(p.Number)
			d.Phones = mergeByType(d.Phones, p, func(x phoneXML) string { return x.Type }, func(x phoneXML) bool { return x.Number == "" })
		}
	}
	if take(joinLen(len(info.Locations)), "ContactLocation") {
		for _, l := range info.Locations {
			l.Changes = ""
			d.Locations = mergeByType(d.Locations, l, func(x locationXML) string { return x.Type }, func(x locationXML) bool {
				return x.Name == "" && x.Street == "" && x.City == "" && x.State == "" && x.Country == "" && x.PostalCode == ""
			})
		}
	}
	if take(joinLen(len(info.WebSites)), "ContactWebSite") {
		for _, w := range info.WebSites {
			d.WebSites = mergeByType(d.WebSites, w, func(x webSiteXML) string { return x.Type }, func(x webSiteXML) bool { return x.URL == "" })
		}
	}
}

// joinLen turns a count into a presence marker for take.
func joinLen(n int) string {
	if n == 0 {
		return ""
	}
	return "x"
}

// mergeByType replaces the entry of v's type with v, or removes it when v is empty.
func mergeByType[T any](list []T, v T, typ func(T) string, empty func(T) bool) []T {
	out := list[:0:0]
	for _, x := range list {
		if !strings.EqualFold(typ(x), typ(v)) {
			out = append(out, x)
		}
	}
	if !empty(v) && typ(v) != "" {
		out = append(out, v)
	}
	return out
}
