package ymsg

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"msnserver/ns/hub"
	"msnserver/ns/wire"
	"msnserver/ns/ymsg/packet"
	"msnserver/store"
)

// MaxText bounds a message's text (lp refuses more than 948 bytes itself).
const MaxText = 4096

// recipient is who a Yahoo user's MESSAGE or NOTIFY is for.
type recipient struct {
	email   string
	network int
	id      string // as this user names them
	fed     bool
	sess    *hub.Session
	yahoo   *conn // set when they are signed in on this front
	blocked bool  // they ignore (block) this user
}

func (c *conn) lookup(id, fed string) (*recipient, bool) {
	email, net, ok := resolve(id, fed)
	if !ok {
		return nil, false
	}
	a, l, err := c.srv.store.Lists(email)
	if err != nil || a.Network != net {
		return nil, false
	}
	r := &recipient{email: email, network: net}
	r.id, r.fed = buddyID(email, net)
	_, r.blocked = l.Block[c.acct.Email]
	if s := c.srv.hub.Lookup(email); s != nil {
		r.sess = s
		if ys, ok := s.Out.(*sender); ok {
			r.yahoo = ys.c
		}
	}
	return r, true
}

// notSent answers a message that could not be delivered (lp: "Your Yahoo!
// message did not get sent", §7.3).
func (c *conn) notSent(to, fed string) {
	p := packet.New(packet.SvcMessage, packet.StatusNotSent, 0, 5, to, 14, "")
	if fed == "2" {
		p.Add(241, 2)
	}
	c.send(p)
}

// handleMessage delivers an instant message: to a Yahoo user here as a
// MESSAGE (kept verbatim, markup included), to an MSN user as UBM with
// the Yahoo markup stripped, to an offline Yahoo user as an offline message.
func (c *conn) handleMessage(p *packet.Packet) error {
	to, fed := p.Value(5), p.Value(241)
	text := toUTF8(p.Value(14), p.Value(97))
	if len(text) > MaxText {
		c.notSent(to, fed)
		return nil
	}
	r, ok := c.lookup(to, fed)
	if !ok {
		c.notSent(to, fed)
		return nil
	}
	if msgID, ok := p.Get(429); ok {
		// YM9 re-sends unacknowledged messages as offline ones (§7.4).
		ack := packet.New(packet.SvcMessageAck, packet.StatusServerAck, 0, 1, r.id, 5, c.yid, 302, 430, 430, msgID, 303, 430, 450, 0)
		if r.fed {
			ack.Add(241, 2)
		}
		c.send(ack)
	}
	if r.blocked {
		return nil // ignored: dropped silently, as Yahoo did
	}
	c.srv.hub.Stats.Messages.Add(1)
	switch {
	case r.yahoo != nil:
		out := packet.New(packet.SvcMessage, packet.StatusServerAck, 0, 4, c.yahooName(), 5, r.yahoo.yid, 14, text, 15, time.Now().Unix(), 97, 1)
		for _, k := range []int{63, 64, 206} {
			if v, ok := p.Get(k); ok {
				out.Add(k, v)
			}
		}
		r.yahoo.send(out)
	case r.sess != nil && r.sess.Reachable(c.acct.Email):
		kind, mime := "1", textMIME(fromYahooText(text))
		if strings.TrimSpace(text) == "<ding>" {
			kind, mime = "3", nudgeMIME
		}
		r.sess.Out.Send(wire.Payload(mime, "UBM", c.acct.Email, strconv.Itoa(store.NetworkYahoo), kind))
	case r.sess == nil && r.network == store.NetworkYahoo:
		if err := c.storeOffline(r.email, text); err != nil {
			c.log.Info("offline message refused", "to", r.email, "err", err)
			c.notSent(to, fed)
		}
	default:
		// WLM shows no offline messages from Yahoo contacts (ymsg.md §15.5).
		c.notSent(to, fed)
	}
	return nil
}

// yahooName is how other Yahoo users see this user.
func (c *conn) yahooName() string {
	id, _ := buddyID(c.acct.Email, store.NetworkYahoo)
	return id
}

// handleNotify relays typing (49=TYPING); games and webcam invitations are dropped.
func (c *conn) handleNotify(p *packet.Packet) error {
	if p.Value(49) != "TYPING" {
		return nil
	}
	to, fed := p.Value(5), p.Value(241)
	r, ok := c.lookup(to, fed)
	if !ok || r.blocked {
		return nil
	}
	on := p.Value(13)
	if on != "1" {
		on = "0"
	}
	switch {
	case r.yahoo != nil:
		r.yahoo.send(packet.New(packet.SvcNotify, packet.StatusServerAck, 0, 4, c.yahooName(), 5, r.yahoo.yid, 13, on, 14, " ", 49, "TYPING"))
	case r.sess != nil && on == "1" && r.sess.Reachable(c.acct.Email):
		r.sess.Out.Send(wire.Payload([]byte("MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: "+c.acct.Email+"\r\n\r\n\r\n"),
			"UBM", c.acct.Email, strconv.Itoa(store.NetworkYahoo), "2"))
	}
	return nil
}

// handleSMS: messages to phones are not delivered here.
func (c *conn) handleSMS(p *packet.Packet) error {
	c.notSent(p.Value(5), "")
	return nil
}

var nudgeMIME = []byte("MIME-Version: 1.0\r\nContent-Type: text/x-msnmsgr-datacast\r\n\r\nID: 1\r\n\r\n")

func textMIME(text string) []byte {
	return []byte("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=0\r\n\r\n" + text)
}

// Yahoo markup: ESC [ … m codes and the pseudo-HTML tags (ymsg.md §7.1).
var yahooMarkup = regexp.MustCompile(`\x1b\[[^m]{0,10}m|(?i)</?(font|fade|alt)(\s[^>]*)?>`)

// fromYahooText strips Yahoo formatting for a Messenger user.
func fromYahooText(s string) string {
	return yahooMarkup.ReplaceAllString(s, "")
}

// toYahooText neutralises what a Yahoo client would read as markup in text
// from another network: escape codes go, and a zero-width space after '<'
// keeps "<ding>" or "<font …>" from acting (ymsg.md §19.5). Yahoo users'
// own text passes unchanged.
func toYahooText(s string, foreign bool) string {
	if !foreign {
		return s
	}
	s = strings.ReplaceAll(s, "\x1b", "")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '<' && i+1 < len(s) && (s[i+1] == '/' || isLetter(s[i+1])) {
			b.WriteString("\u200b")
		}
	}
	return b.String()
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// toUTF8 reads text in the sender's encoding: UTF-8 unless 97 says otherwise
// and the bytes are not UTF-8 (then Windows-1252, read as Latin-1).
func toUTF8(s, flag97 string) string {
	if flag97 == "1" || utf8.ValidString(s) {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}
