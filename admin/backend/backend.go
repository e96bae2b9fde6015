// Package backend implements the admin console's Backend over the store and
// the presence hub: the console changes state only through these two, never
// through a protocol server.
package backend

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"msnserver/admin"
	"msnserver/ns/hub"
	"msnserver/ns/wire"
	"msnserver/store"
)

// Switchboard describes one switchboard session for the console.
type Switchboard struct {
	ID       string
	Members  []string
	Since    time.Time
	Messages int64
}

// Backend is the admin console's view of the server.
type Backend struct {
	store        *store.Store
	hub          *hub.Hub
	switchboards func() []Switchboard
	caPEM        []byte
	publicHost   string
	defaultPol   string

	mu      sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	perMin  [60]int    // messages per minute, ring
	head    int
	lastCnt int64
}

// New returns the backend. switchboards lists sessions in progress.
func New(st *store.Store, h *hub.Hub, switchboards func() []Switchboard, caPEM []byte, publicHost, defaultPolicy string) *Backend {
	return &Backend{store: st, hub: h, switchboards: switchboards, caPEM: caPEM, publicHost: publicHost, defaultPol: defaultPolicy, lastCnt: h.Stats.Messages.Load()}
}

// Run samples the message counter once a minute until ctx ends.
func (b *Backend) Run(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.sample()
		}
	}
}

func (b *Backend) sample() {
	n := b.hub.Stats.Messages.Load()
	b.mu.Lock()
	b.head = (b.head + 1) % len(b.perMin)
	b.perMin[b.head] = int(n - b.lastCnt)
	b.lastCnt = n
	b.mu.Unlock()
}

func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w: %v", admin.ErrNotFound, err)
	case errors.Is(err, store.ErrExists):
		return fmt.Errorf("%w: %v", admin.ErrExists, err)
	case errors.Is(err, store.ErrInvalid):
		return fmt.Errorf("%w: %v", admin.ErrInvalid, err)
	}
	return err
}

// CheckAdminPassword verifies an admin login.
func (b *Backend) CheckAdminPassword(ctx context.Context, user, password string) (bool, error) {
	return b.store.CheckAdminPassword(user, password)
}

// SetAdminPassword sets an admin login's password.
func (b *Backend) SetAdminPassword(ctx context.Context, user, password string) error {
	return mapErr(b.store.SetAdminPassword(user, password))
}

func (b *Backend) account(a *store.Account) admin.Account {
	return admin.Account{Email: a.Email, Name: a.Name, Network: a.Network, Disabled: a.Disabled, Created: a.Created, Online: b.hub.Lookup(a.Email) != nil}
}

// ListAccounts lists accounts matching query.
func (b *Backend) ListAccounts(ctx context.Context, query string, offset, limit int) ([]admin.Account, int, error) {
	accts, total, err := b.store.ListAccounts(store.AccountQuery{Contains: query, Offset: offset, Limit: limit})
	if err != nil {
		return nil, 0, err
	}
	out := make([]admin.Account, 0, len(accts))
	for _, a := range accts {
		out = append(out, b.account(a))
	}
	return out, total, nil
}

// Account returns one account with its contacts and groups.
func (b *Backend) Account(ctx context.Context, email string) (admin.AccountDetail, error) {
	var d admin.AccountDetail
	err := b.store.ViewBooks(func(bk *store.Books) error {
		a, err := bk.Account(email)
		if err != nil {
			return err
		}
		d.Account = b.account(a)
		groups, err := bk.Groups(a)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, g := range groups {
			if !g.Deleted {
				names[g.ID] = g.Name
				d.Groups = append(d.Groups, g.Name)
			}
		}
		lists, err := bk.Lists(a)
		if err != nil {
			return err
		}
		seen := map[string]*admin.Contact{}
		contacts, err := bk.Contacts(a)
		if err != nil {
			return err
		}
		for _, c := range contacts {
			if c.Deleted || c.Email == "" {
				continue
			}
			ac := &admin.Contact{Email: c.Email, Name: c.Nickname, Network: c.Network}
			for _, gid := range c.Groups {
				if n, ok := names[gid]; ok {
					ac.Groups = append(ac.Groups, n)
				}
			}
			seen[c.Email] = ac
		}
		for _, m := range []map[string]int{lists.Allow, lists.Block, lists.Reverse, lists.Pending} {
			for e, net := range m {
				if seen[e] == nil {
					seen[e] = &admin.Contact{Email: e, Network: net}
				}
			}
		}
		for e, c := range seen {
			var l []string
			bits := lists.Bits(e)
			for _, x := range []struct {
				bit  int
				name string
			}{{store.ListForward, "FL"}, {store.ListAllow, "AL"}, {store.ListBlock, "BL"}, {store.ListReverse, "RL"}, {store.ListPending, "PL"}} {
				if bits&x.bit != 0 {
					l = append(l, x.name)
				}
			}
			c.Lists = strings.Join(l, " ")
			if c.Name == "" {
				if other, err := bk.Account(e); err == nil {
					c.Name = other.Name
				}
			}
			d.Contacts = append(d.Contacts, *c)
		}
		sort.Slice(d.Contacts, func(i, j int) bool { return d.Contacts[i].Email < d.Contacts[j].Email })
		d.PersonalMessage = html.UnescapeString(a.PSM)
		return nil
	})
	if err != nil {
		return d, mapErr(err)
	}
	return d, mapErr(b.roaming(&d))
}

// roaming fills in the account's roaming profile.
func (b *Backend) roaming(d *admin.AccountDetail) error {
	a, err := b.store.AccountByEmail(d.Email)
	if err != nil {
		return err
	}
	p, err := b.store.RoamingProfile(a.ID)
	if err != nil {
		return err
	}
	if !p.PersonalStatusModified.IsZero() {
		d.PersonalMessage = p.PersonalStatus
	}
	if !p.DisplayNameModified.IsZero() {
		d.RoamedName = p.DisplayName
	}
	if p.Photo != 0 {
		if doc, err := b.store.Document(a.ID, p.Photo); err == nil {
			d.Picture = &admin.Picture{Mime: doc.Mime, Size: len(doc.Data), Modified: doc.Modified}
		}
	}
	return nil
}

// Picture returns the account's roamed display picture.
func (b *Backend) Picture(ctx context.Context, email string) (string, []byte, error) {
	a, err := b.store.AccountByEmail(email)
	if err != nil {
		return "", nil, mapErr(err)
	}
	p, err := b.store.RoamingProfile(a.ID)
	if err != nil {
		return "", nil, err
	}
	if p.Photo == 0 {
		return "", nil, fmt.Errorf("%s has no display picture: %w", email, admin.ErrNotFound)
	}
	doc, err := b.store.Document(a.ID, p.Photo)
	if err != nil {
		return "", nil, mapErr(err)
	}
	return doc.Mime, doc.Data, nil
}

// CreateAccount creates an account.
func (b *Backend) CreateAccount(ctx context.Context, email, password, name string, network int) error {
	_, err := b.store.CreateAccount(store.NewAccount{Email: email, Password: password, Name: name, Network: network})
	return mapErr(err)
}

// RenameAccount changes the friendly name; watchers of an online user see it.
func (b *Backend) RenameAccount(ctx context.Context, email, name string) error {
	if name == "" || len(wire.EncodeName(name)) > wire.MaxNameEncode {
		return fmt.Errorf("%w: a name of 1 to about 120 characters", admin.ErrInvalid)
	}
	a, err := b.store.UpdateAccount(email, func(a *store.Account) error { a.Name = name; return nil })
	if err != nil {
		return mapErr(err)
	}
	if s := b.hub.Lookup(a.Email); s != nil {
		s.SetName(name)
	}
	return nil
}

// SetPassword resets a user's password: the store revokes the account's
// earlier tickets, and its sessions end here (a new sign-in needs the new
// password).
func (b *Backend) SetPassword(ctx context.Context, email, password string) error {
	if err := b.store.SetPassword(email, password); err != nil {
		return mapErr(err)
	}
	b.Kick(strings.ToLower(strings.TrimSpace(email)))
	return nil
}

// SetDisabled disables (and disconnects) or enables an account.
func (b *Backend) SetDisabled(ctx context.Context, email string, disabled bool) error {
	a, err := b.store.SetDisabled(email, disabled) // disabling revokes the tickets
	if err != nil {
		return mapErr(err)
	}
	if disabled {
		b.Kick(a.Email)
	}
	return nil
}

// DeleteAccount deletes an account with its lists and offline messages.
func (b *Backend) DeleteAccount(ctx context.Context, email string) error {
	if err := b.store.DeleteAccount(email); err != nil {
		return mapErr(err)
	}
	b.Kick(email)
	return nil
}

// Policy returns the GCF shields policy sent at login.
func (b *Backend) Policy(ctx context.Context) (string, error) {
	p, ok, err := b.store.Setting(store.SettingPolicy)
	if err != nil || !ok {
		return b.defaultPol, err
	}
	return p, nil
}

// ValidatePolicy checks that a policy document is well-formed XML with a
// <Policies> root holding <Policy type="..."> elements.
func ValidatePolicy(doc string) error {
	var p struct {
		XMLName  xml.Name
		Policies []struct {
			Type string `xml:"type,attr"`
		} `xml:"Policy"`
	}
	dec := xml.NewDecoder(strings.NewReader(doc))
	dec.Strict = true
	if err := dec.Decode(&p); err != nil {
		return fmt.Errorf("%w: not well-formed XML: %v", admin.ErrInvalid, err)
	}
	if p.XMLName.Local != "Policies" {
		return fmt.Errorf("%w: the root element must be <Policies>, not <%s>", admin.ErrInvalid, p.XMLName.Local)
	}
	for _, pol := range p.Policies {
		if pol.Type == "" {
			return fmt.Errorf("%w: every <Policy> needs a type attribute", admin.ErrInvalid)
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: content after </Policies>", admin.ErrInvalid)
	}
	return nil
}

// SetPolicy validates and stores a new policy; the next login gets it.
func (b *Backend) SetPolicy(ctx context.Context, doc string) error {
	doc = strings.TrimSpace(doc)
	if err := ValidatePolicy(doc); err != nil {
		return err
	}
	return b.store.SetSetting(store.SettingPolicy, doc)
}

// Sessions lists signed-in users.
func (b *Backend) Sessions() []admin.Session {
	var out []admin.Session
	for _, s := range b.hub.Online() {
		front := s.Front
		if front == "" {
			front = "MSNP"
		}
		out = append(out, admin.Session{
			Email: s.Email, Name: s.Name(), Status: s.Status(), ClientVersion: s.Client, Front: front,
			RemoteAddr: s.RemoteAddr, Since: s.Since, Switchboards: s.SwitchboardCount(), Dialect: s.Dialect,
		})
	}
	return out
}

// Switchboards lists conversations in progress.
func (b *Backend) Switchboards() []admin.Switchboard {
	if b.switchboards == nil {
		return nil
	}
	var out []admin.Switchboard
	for _, s := range b.switchboards() {
		out = append(out, admin.Switchboard{ID: s.ID, Members: s.Members, Since: s.Since, Messages: int(s.Messages)})
	}
	return out
}

// Kick sends OUT OTH and closes the user's connection.
func (b *Backend) Kick(email string) bool {
	s := b.hub.Lookup(email)
	if s == nil {
		return false
	}
	s.Kick("OTH")
	return true
}

// SendTo shows text to one user as an MSN Alert.
func (b *Backend) SendTo(email, text string) bool {
	return b.hub.SendTo(email, AlertNotification(email, text))
}

// Broadcast sends an announcement to every online client: the maintenance
// system message for a shutdown warning, an MSN Alert for free text.
func (b *Backend) Broadcast(m admin.Broadcast) int {
	if m.Kind == admin.BroadcastShutdown {
		return b.hub.Broadcast(ShutdownNotice(m.Minutes))
	}
	n := 0
	for _, s := range b.hub.Online() {
		if s.Out.Send(AlertNotification(s.Email, m.Text)) {
			n++
		}
	}
	return n
}

// Stats returns the dashboard's counters.
func (b *Backend) Stats() admin.Stats {
	n, _ := b.store.CountAccounts()
	st := admin.Stats{Accounts: n, Online: b.hub.Count()}
	if b.switchboards != nil {
		st.Switchboards = len(b.switchboards())
	}
	b.mu.Lock()
	for i := 1; i <= len(b.perMin); i++ {
		st.MessagesPerMinute = append(st.MessagesPerMinute, b.perMin[(b.head+i)%len(b.perMin)])
	}
	b.mu.Unlock()
	return st
}

// Backup writes a consistent copy of the whole store to w.
func (b *Backend) Backup(w io.Writer) (int64, error) { return b.store.Backup(w) }

// CACertPEM is the CA certificate clients must trust.
func (b *Backend) CACertPEM() []byte { return b.caPEM }

// PublicHost is the address clients are told to use.
func (b *Backend) PublicHost() string { return b.publicHost }

// ShutdownNotice is the NS system message "the server goes down for
// maintenance in N minutes" (offline-messages.md §5).
func ShutdownNotice(minutes int) []byte {
	return wire.HotmailMSG("application/x-msmsgssystemmessage", "Type: 1\r\nArg1: "+strconv.Itoa(minutes)+"\r\n\r\n")
}

type alert struct {
	XMLName xml.Name `xml:"NOTIFICATION"`
	Ver     string   `xml:"ver,attr"`
	ID      string   `xml:"id,attr"`
	SiteID  string   `xml:"siteid,attr"`
	SiteURL string   `xml:"siteurl,attr"`
	To      struct {
		PID  string `xml:"pid,attr"`
		Name string `xml:"name,attr"`
		Via  struct {
			Agent string `xml:"agent,attr"`
		} `xml:"VIA"`
	} `xml:"TO"`
	Msg struct {
		Pri    string `xml:"pri,attr"`
		ID     string `xml:"id,attr"`
		Action struct {
			URL string `xml:"url,attr"`
		} `xml:"ACTION"`
		Subscr struct {
			URL string `xml:"url,attr"`
		} `xml:"SUBSCR"`
		Body struct {
			Lang string `xml:"lang,attr"`
			Icon string `xml:"icon,attr"`
			Text string `xml:"TEXT"`
		} `xml:"BODY"`
	} `xml:"MSG"`
}

// AlertNotification is an MSN Alerts NOT carrying free text, shown by the
// client as a toast.
func AlertNotification(to, text string) []byte {
	var n alert
	n.Ver, n.ID, n.SiteID, n.SiteURL = "2", "1", "111100400", "http://alerts.msn.com/"
	n.To.PID, n.To.Name = "0x00000000:0x00000000", to
	n.To.Via.Agent = "messenger"
	n.Msg.Pri, n.Msg.ID = "1", "1"
	n.Msg.Action.URL, n.Msg.Subscr.URL = "/", "/"
	n.Msg.Body.Lang = "1033"
	n.Msg.Body.Text = text
	out, _ := wire.NOT(n) // plain strings and a fixed shape: cannot fail
	return out
}
