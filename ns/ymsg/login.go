package ymsg

import (
	"encoding/base64"
	"sort"
	"strings"
	"time"

	"msnserver/ns/hub"
	"msnserver/ns/listen"
	"msnserver/ns/ymsg/packet"
	"msnserver/store"
)

// noGroup holds buddies the address book keeps outside any group: every
// Yahoo buddy needs one (ymsg.md §5.2); the name means "no group" on the way back.
const noGroup = "(No Group)"

// FrontYMSG marks hub sessions of this front (the console shows it).
const FrontYMSG = "YMSG"

// signIn registers the hub session and sends the login burst (§5): LIST,
// LIST_15, PING, pending authorizations, presence, offline messages.
func (c *conn) signIn(acct *store.Account, p *packet.Packet) error {
	// Yahoo's rule is that a buddy sees you only once you authorized them:
	// BLP=BL (ymsg.md §15.2).
	if acct.Privacy() != "BL" {
		a, err := c.srv.store.UpdateAccount(acct.Email, func(a *store.Account) error { a.BLP = "BL"; return nil })
		if err != nil {
			return c.authFail(52, "store: "+err.Error())
		}
		acct = a
	}
	_, lists, err := c.srv.store.Lists(acct.Email)
	if err != nil {
		return c.authFail(52, "store: "+err.Error())
	}
	c.acct = acct
	client := "Yahoo! Messenger"
	if v := p.Value(135); v != "" {
		client += " " + truncate(v, 32)
	}
	c.sess = c.srv.hub.NewSession(acct, lists, &sender{c: c}, c.nc.RemoteAddr().String(), client)
	c.sess.Front = FrontYMSG
	c.state = stateSignedIn
	listen.Authenticated(c.nc) // no longer shed to make room for strangers
	c.srv.hub.Login(c.sess)
	c.log = c.log.With("account", acct.Email)
	c.log.Info("signed in", "client", client)

	c.send(c.listPacket())
	c.send(c.list15(lists))
	c.send(packet.New(packet.SvcPing, packet.StatusServerAck, 0, 143, 60, 144, 1))
	c.pendingRequests(lists)

	var fl []hub.ForwardEntry
	for e, n := range lists.Forward {
		fl = append(fl, hub.ForwardEntry{Email: e, Network: n})
	}
	sort.Slice(fl, func(i, j int) bool { return fl[i].Email < fl[j].Email })
	c.sess.AddForward("0", fl)
	// The header carries the status the user picked; a custom one follows
	// as 0xC6 once LIST_15 is in (ymsg.md §20.13).
	if p.Status == packet.StatusInvisible {
		c.hidden = true
		c.status = "NLN"
		c.sess.SetStatus("0", "HDN", "", "")
	} else {
		code := int(p.Status)
		if code > 999 {
			code = 0
		}
		c.status = msnStatus(code, 0)
		c.sess.SetStatus("0", c.status, "", "")
	}
	c.offlineMessages(lists)
	return nil
}

// listPacket is LIST (0x55): identity and cookies; lp adopts the header's
// session id from it (§5.1).
func (c *conn) listPacket() *packet.Packet {
	exp := time.Now().Add(24 * time.Hour).UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	tail := "; expires=" + exp + "; path=/; domain=.yahoo.com"
	return packet.New(packet.SvcList, packet.StatusDefault, 0,
		89, c.yid,
		59, "Y\tv=1&n="+randomAlnum(20)+tail,
		59, "T\tz="+randomAlnum(24)+tail,
		59, "C\tmg=1",
		3, c.yid, 90, 1, 100, 0, 101, "", 102, "", 93, 86400)
}

// buddyID is how a Yahoo client names an account: the bare ID for Yahoo
// users of the default domain, the e-mail with federation 2 for MSN users.
func buddyID(email string, network int) (id string, federated bool) {
	if network == store.NetworkYahoo {
		return store.YahooID(email), false
	}
	return email, true
}

// resolve maps a buddy ID and key 241 to an account e-mail and network.
func resolve(id, fed string) (string, int, bool) {
	id = strings.ToLower(strings.TrimSpace(id))
	if id == "" || len(id) > 129 {
		return "", 0, false
	}
	switch fed {
	case "", "0":
		return store.YahooAccount(id), store.NetworkYahoo, true
	case "2":
		if !strings.Contains(id, "@") {
			return "", 0, false
		}
		return id, store.NetworkMSN, true
	}
	return "", 0, false
}

// list15 is the whole buddy list in one LIST_15: libpurple treats every
// LIST_15 as a complete list (ymsg.md §20.7).
func (c *conn) list15(lists *store.Lists) *packet.Packet {
	p := packet.New(packet.SvcList15, packet.StatusDefault, 0)
	type buddy struct {
		id  string
		fed bool
	}
	groups := map[string][]buddy{}
	var names []string
	err := c.srv.store.ViewBooks(func(b *store.Books) error {
		gs, err := b.Groups(c.acct)
		if err != nil {
			return err
		}
		byID := map[string]string{}
		for _, g := range gs {
			if !g.Deleted {
				byID[g.ID] = g.Name
			}
		}
		cs, err := b.Contacts(c.acct)
		if err != nil {
			return err
		}
		for _, ct := range cs {
			if ct.Deleted || !ct.IsMessengerUser || ct.Email == "" {
				continue
			}
			id, fed := buddyID(ct.Email, ct.Network)
			placed := false
			for _, gid := range ct.Groups {
				if name, ok := byID[gid]; ok {
					groups[name] = append(groups[name], buddy{id, fed})
					placed = true
				}
			}
			if !placed {
				groups[noGroup] = append(groups[noGroup], buddy{id, fed})
			}
		}
		return nil
	})
	if err != nil {
		c.log.Error("buddy list", "err", err)
	}
	for name := range groups {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p.Add(302, 318, 300, 318, 65, name, 302, 319)
		for _, b := range groups[name] {
			p.Add(300, 319, 7, b.id)
			if b.fed {
				p.Add(241, 2)
			}
			p.Add(301, 319)
		}
		p.Add(303, 319, 301, 318)
	}
	if len(names) > 0 {
		p.Add(303, 318)
	}
	if len(lists.Block) > 0 {
		var blocked []string
		for e := range lists.Block {
			blocked = append(blocked, e)
		}
		sort.Strings(blocked)
		p.Add(302, 320)
		for _, e := range blocked {
			id, fed := buddyID(e, lists.Block[e])
			p.Add(300, 320, 7, id)
			if fed {
				p.Add(241, 2)
			}
			p.Add(301, 320)
		}
		p.Add(303, 320)
	}
	return p
}

// pendingRequests asks the user about everyone who added them and is
// neither allowed nor blocked yet (§9.2).
func (c *conn) pendingRequests(lists *store.Lists) {
	var who []string
	for e := range lists.Pending {
		if _, ok := lists.Allow[e]; ok {
			continue
		}
		if _, ok := lists.Block[e]; ok {
			continue
		}
		who = append(who, e)
	}
	sort.Strings(who)
	for _, e := range who {
		c.send(c.authRequest(e, lists.Pending[e]))
	}
}

func (c *conn) authRequest(email string, network int) *packet.Packet {
	id, fed := buddyID(email, network)
	p := packet.New(packet.SvcAuthReq, packet.StatusAuthAsk, 0, 4, id, 5, c.yid)
	if fed {
		p.Add(241, 2)
	}
	return p
}

// offlineMessages delivers stored messages once: one MESSAGE status 5 with a
// record per message, then they are deleted. Messages from ignored senders
// are dropped (lp would stop reading the packet at them, §20.12).
func (c *conn) offlineMessages(lists *store.Lists) {
	msgs, err := c.srv.store.OIMs(c.acct.Email)
	if err != nil || len(msgs) == 0 {
		return
	}
	p := packet.New(packet.SvcMessage, packet.StatusOffline, 0)
	var ids []string
	n := 0
	for _, o := range msgs {
		ids = append(ids, o.ID)
		if _, blocked := lists.Block[o.From]; blocked {
			continue
		}
		text, ok := oimText(o.Body)
		if !ok {
			continue
		}
		net := store.NetworkMSN
		if a, err := c.srv.store.AccountByEmail(o.From); err == nil {
			net = a.Network
		}
		id, fed := buddyID(o.From, net)
		p.Add(31, 6, 32, 6, 4, id, 5, c.yid, 14, toYahooText(text, fed), 15, o.Received.Unix(), 97, 1)
		if fed {
			p.Add(241, 2)
		}
		n++
	}
	if n > 0 && !c.send(p) {
		return
	}
	if _, err := c.srv.store.DeleteOIMs(c.acct.Email, ids); err != nil {
		c.log.Error("delete delivered offline messages", "err", err)
	}
}

// storeOffline keeps a Yahoo user's message for an offline Yahoo user, in
// the same MIME form the OIM service stores (the account may sign in with
// Messenger next time).
func (c *conn) storeOffline(to, text string) error {
	now := time.Now().UTC().Truncate(time.Millisecond)
	var b strings.Builder
	b.WriteString("From: " + c.acct.Email + "\r\nTo: " + to + "\r\n")
	b.WriteString("Date: " + now.Format("02 Jan 2006 15:04:05 -0700") + "\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\nX-OIM-Message-Type: OfflineMessage\r\n\r\n")
	b.WriteString(base64.StdEncoding.EncodeToString([]byte(text)))
	o := &store.OIM{ID: strings.ToUpper(store.NewGUID()), To: to, From: c.acct.Email, FromName: c.acct.Name, Received: now, Body: []byte(b.String())}
	return c.srv.store.AddOIM(o)
}

// oimText is the text of a stored offline message.
func oimText(body []byte) (string, bool) {
	s := string(body)
	i := strings.Index(s, "\r\n\r\n")
	if i < 0 {
		return "", false
	}
	head, rest := strings.ToLower(s[:i]), s[i+4:]
	if strings.Contains(head, "content-transfer-encoding: base64") {
		b, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(rest))
		if err != nil {
			return "", false
		}
		return string(b), true
	}
	return rest, true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
