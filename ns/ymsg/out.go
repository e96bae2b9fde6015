package ymsg

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
	"time"

	"msnserver/ns/ymsg/packet"
	"msnserver/store"
)

// sender is the hub's view of a Yahoo connection (hub.Sender). The hub
// speaks MSNP lines to every session; sender reads the few kinds it sends
// (ILN/NLN/FLN/UBX presence, UBM messages, the reverse-list ADL, OUT) and
// queues the YMSG packets they mean (ymsg.md §15.3). Anything else (NOT,
// RML, switchboard rings) has no Yahoo form and is dropped.
type sender struct{ c *conn }

// peer is what a Yahoo user has been told about one contact.
type peer struct {
	status string // MSNP status while shown; "" when offline
	psm    string
	net    int
}

// The MSNP commands the hub sends with a payload (length last).
var payloadVerbs = map[string]bool{"UBX": true, "UBM": true, "ADL": true, "RML": true, "NOT": true, "MSG": true, "UBN": true}

// Send translates b and queues the result; it never blocks.
func (s *sender) Send(b []byte) bool {
	c := s.c
	var out []byte
	var touched []string
	for len(b) > 0 {
		i := bytes.Index(b, []byte("\r\n"))
		if i < 0 {
			break
		}
		f := strings.Fields(string(b[:i]))
		b = b[i+2:]
		if len(f) == 0 {
			continue
		}
		var payload []byte
		if payloadVerbs[f[0]] {
			n, err := strconv.Atoi(f[len(f)-1])
			if err != nil || n < 0 || n > len(b) {
				break
			}
			payload, b = b[:n], b[n:]
			f = f[:len(f)-1]
		}
		out, touched = c.translate(f, payload, out, touched)
	}
	for _, e := range touched {
		out = append(out, c.presencePacket(e)...)
	}
	if len(out) == 0 {
		return !c.out.Closed()
	}
	return c.out.Send(out)
}

// CloseAfter: the hub kicks with "OUT reason". Signed in elsewhere is LOGOFF
// with status -1 (lp: "You have signed on from another location"); a
// shutdown gets a system message first (§12).
func (s *sender) CloseAfter(b []byte) {
	c := s.c
	f := strings.Fields(string(b))
	var last []byte
	if len(f) >= 2 && f[0] == "OUT" {
		switch f[1] {
		case "OTH":
			last = c.packetOut(packet.New(packet.SvcLogoff, packet.StatusFailure, 0))
		case "SSD":
			last = c.packetOut(packet.New(packet.SvcSysMessage, packet.StatusServerAck, 0, 5, c.yid, 14, "The server is shutting down."))
		default:
			last = c.packetOut(packet.New(packet.SvcLogoff, packet.StatusFailure, 0))
		}
	}
	c.out.CloseAfter(last)
}

// translate turns one MSNP command into YMSG bytes (appended to out);
// presence changes only mark the contact, so a burst of NLN+UBX for one
// contact becomes one record.
func (c *conn) translate(f []string, payload []byte, out []byte, touched []string) ([]byte, []string) {
	touch := func(email string) {
		for _, e := range touched {
			if e == email {
				return
			}
		}
		touched = append(touched, email)
	}
	switch f[0] {
	case "ILN", "NLN":
		a := f[1:]
		if f[0] == "ILN" {
			a = f[2:]
		}
		if len(a) < 3 {
			break
		}
		net, _ := strconv.Atoi(a[2])
		c.mu.Lock()
		p := c.peerLocked(a[1])
		p.status, p.net = a[0], net
		c.mu.Unlock()
		touch(a[1])
	case "FLN":
		if len(f) < 3 {
			break
		}
		net, _ := strconv.Atoi(f[2])
		c.mu.Lock()
		p := c.peerLocked(f[1])
		p.status, p.net = "", net
		c.mu.Unlock()
		touch(f[1])
	case "UBX":
		if len(f) < 2 {
			break
		}
		var d struct {
			PSM string `xml:"PSM"`
		}
		xml.Unmarshal(payload, &d)
		c.mu.Lock()
		p := c.peerLocked(f[1])
		changed := p.psm != d.PSM
		p.psm = d.PSM
		shown := p.status != ""
		c.mu.Unlock()
		if changed && shown {
			touch(f[1])
		}
	case "UBM":
		if len(f) == 4 {
			out = append(out, c.incoming(f[1], f[2], f[3], payload)...)
		}
	case "ADL":
		// Asking needs a store read: off the caller's goroutine, since the
		// hub may hold a user's lock while it sends (Send must never block).
		p := append([]byte(nil), payload...)
		go func() {
			if b := c.reverseAdded(p); len(b) > 0 {
				c.out.Send(b)
			}
		}()
	case "NOT":
		// An MSN Alert from the admin console carries its text in
		// MSG/BODY/TEXT; address-book notices have none.
		var n struct {
			Text string `xml:"MSG>BODY>TEXT"`
		}
		if xml.Unmarshal(payload, &n) == nil && strings.TrimSpace(n.Text) != "" {
			out = append(out, c.packetOut(packet.New(packet.SvcSysMessage, packet.StatusServerAck, 0, 5, c.yid, 14, truncate(strings.TrimSpace(n.Text), 500)))...)
		}
	case "MSG":
		// An admin broadcast (text/plain or an alert): shown as a system message.
		if text := broadcastText(payload); text != "" {
			out = append(out, c.packetOut(packet.New(packet.SvcSysMessage, packet.StatusServerAck, 0, 5, c.yid, 14, text))...)
		}
	}
	return out, touched
}

func (c *conn) peerLocked(email string) *peer {
	p := c.peers[email]
	if p == nil {
		p = &peer{}
		c.peers[email] = p
	}
	return p
}

// presencePacket is the Yahoo form of a contact's current presence: a
// STATUS_15 record, or LOGOFF for a Yahoo buddy going away (§6.3). One
// record per packet, so lp's federation flag never leaks to the next (§20.9).
func (c *conn) presencePacket(email string) []byte {
	c.mu.Lock()
	p := *c.peerLocked(email)
	if p.status == "" {
		delete(c.peers, email)
	}
	c.mu.Unlock()
	id, fed := buddyID(email, p.net)
	if p.status == "" {
		if !fed {
			return c.packetOut(packet.New(packet.SvcLogoff, packet.StatusServerAck, 0, 7, id))
		}
		return c.packetOut(packet.New(packet.SvcStatus15, packet.StatusServerAck, 0,
			302, 315, 300, 315, 7, id, 10, -1, 13, 0, 241, 2, 301, 315, 303, 315))
	}
	pk := packet.New(packet.SvcStatus15, packet.StatusServerAck, 0, 302, 315, 300, 315, 7, id)
	yahooStatus(pk, p.status, p.psm)
	pk.Add(13, 1)
	if fed {
		pk.Add(241, 2)
	}
	pk.Add(301, 315, 303, 315)
	return c.packetOut(pk)
}

// incoming is a UBM (a message from another network's user, or a Messenger
// client's network-32 account) as a Yahoo MESSAGE or NOTIFY (§15.5).
func (c *conn) incoming(from, netArg, kind string, payload []byte) []byte {
	net, _ := strconv.Atoi(netArg)
	id, fed := buddyID(from, net)
	head, body := splitMIME(payload)
	ctype := strings.ToLower(header(head, "Content-Type"))
	msg := func(text string) []byte {
		c.stopTyping(from)
		p := packet.New(packet.SvcMessage, packet.StatusServerAck, 0, 4, id, 5, c.yid, 14, text, 15, time.Now().Unix(), 97, 1)
		if fed {
			p.Add(241, 2)
		}
		return c.packetOut(p)
	}
	switch {
	case kind == "3" || strings.HasPrefix(ctype, "text/x-msnmsgr-datacast"):
		if kind == "3" || strings.Contains(body, "ID: 1") {
			return msg("<ding>")
		}
	case strings.HasPrefix(ctype, "text/x-msmsgscontrol"):
		return c.startTyping(from, id, fed)
	case strings.HasPrefix(ctype, "text/plain"):
		return msg(toYahooText(body, fed))
	}
	return nil
}

func (c *conn) typingPacket(id string, fed bool, on int) []byte {
	p := packet.New(packet.SvcNotify, packet.StatusServerAck, 0, 4, id, 5, c.yid, 13, on, 14, " ", 49, "TYPING")
	if fed {
		p.Add(241, 2)
	}
	return c.packetOut(p)
}

// startTyping shows an MSN user typing and ends it after TypingTimeout
// without a repeat: WLM never says it stopped.
func (c *conn) startTyping(from, id string, fed bool) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.typing[from]; t != nil {
		t.Reset(c.srv.opts.TypingTimeout)
		return nil
	}
	c.typing[from] = time.AfterFunc(c.srv.opts.TypingTimeout, func() {
		c.mu.Lock()
		_, still := c.typing[from]
		delete(c.typing, from)
		c.mu.Unlock()
		if still {
			c.out.Send(c.typingPacket(id, fed, 0))
		}
	})
	return c.typingPacket(id, fed, 1)
}

func (c *conn) stopTyping(from string) {
	c.mu.Lock()
	if t := c.typing[from]; t != nil {
		t.Stop()
		delete(c.typing, from)
	}
	c.mu.Unlock()
}

// reverseAdded turns the hub's "ADL 0 … l=8" (someone put this user on
// their list) into an authorization request, when the store still has them
// pending (not yet allowed or blocked).
func (c *conn) reverseAdded(payload []byte) []byte {
	var doc struct {
		D []struct {
			N string `xml:"n,attr"`
			C []struct {
				N string `xml:"n,attr"`
				L int    `xml:"l,attr"`
				T int    `xml:"t,attr"`
			} `xml:"c"`
		} `xml:"d"`
	}
	if xml.Unmarshal(payload, &doc) != nil {
		return nil
	}
	var out []byte
	for _, d := range doc.D {
		for _, ct := range d.C {
			if ct.L&store.ListReverse == 0 {
				continue
			}
			email := strings.ToLower(ct.N + "@" + d.N)
			var roles int
			c.srv.store.ViewBooks(func(b *store.Books) error {
				roles, _ = b.Roles(c.acct, email)
				return nil
			})
			if roles&store.ListPending == 0 || roles&(store.ListAllow|store.ListBlock) != 0 {
				continue
			}
			net := ct.T
			if net == 0 {
				net = store.NetworkMSN
			}
			out = append(out, c.packetOut(c.authRequest(email, net))...)
		}
	}
	return out
}

func splitMIME(payload []byte) (head, body string) {
	s := string(payload)
	if i := strings.Index(s, "\r\n\r\n"); i >= 0 {
		return s[:i], s[i+4:]
	}
	return s, ""
}

func header(head, name string) string {
	for _, l := range strings.Split(head, "\r\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// broadcastText is the readable text of an admin broadcast MSG, if any.
func broadcastText(payload []byte) string {
	head, body := splitMIME(payload)
	ct := strings.ToLower(header(head, "Content-Type"))
	if !strings.HasPrefix(ct, "text/plain") && !strings.Contains(ct, "systemmessage") {
		return ""
	}
	if strings.Contains(ct, "systemmessage") {
		if m := header(body, "Arg1"); m != "" {
			return "The server goes down for maintenance in " + m + " minutes."
		}
		return ""
	}
	return truncate(strings.TrimSpace(body), 500)
}
