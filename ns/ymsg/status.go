package ymsg

import (
	"bytes"
	"encoding/xml"
	"strconv"

	"msnserver/ns/ymsg/packet"
)

// msnStatus maps a Yahoo status code (key 10) and away flag (key 47) onto
// MSNP (ymsg.md §15.4).
func msnStatus(code, away int) string {
	switch code {
	case 0:
		return "NLN"
	case 1:
		return "BRB"
	case 2:
		return "BSY"
	case 6:
		return "PHN"
	case 8:
		return "LUN"
	case 999:
		return "IDL"
	case 99:
		switch away {
		case 0:
			return "NLN"
		case 2:
			return "IDL"
		}
		return "AWY"
	}
	return "AWY"
}

// yahooStatus is a record's status keys for an MSNP status and personal
// message: the message makes it custom (10=99) with 47 from the status.
func yahooStatus(p *packet.Packet, status, psm string) {
	if psm != "" {
		away := 1
		switch status {
		case "NLN":
			away = 0
		case "IDL":
			away = 2
		}
		p.Add(10, 99, 19, psm, 97, 1, 47, away)
		return
	}
	switch status {
	case "NLN":
		p.Add(10, 0)
	case "BSY":
		p.Add(10, 2, 47, 1)
	case "BRB":
		p.Add(10, 1, 47, 1)
	case "PHN":
		p.Add(10, 6, 47, 1)
	case "LUN":
		p.Add(10, 8, 47, 1)
	case "IDL":
		p.Add(10, 999, 47, 2, 138, 1)
	default: // AWY
		p.Add(10, 9, 47, 1)
	}
}

// ubx is the personal-message document watchers get for a custom status text.
func ubx(psm string) []byte {
	var b bytes.Buffer
	b.WriteString("<Data><PSM>")
	xml.EscapeText(&b, []byte(psm))
	b.WriteString("</PSM><CurrentMedia></CurrentMedia></Data>")
	return b.Bytes()
}

// handleStatus applies Y6_STATUS_UPDATE (and the older ISAWAY/ISBACK):
// 10 = code, 19 = custom text, 47 = away flag (§6.1).
func (c *conn) handleStatus(p *packet.Packet) error {
	code, err := strconv.Atoi(p.Value(10))
	if err != nil {
		code = 0
	}
	if code == 12 {
		c.setHidden(true)
		return nil
	}
	away, err := strconv.Atoi(p.Value(47))
	if err != nil {
		away = 1
	}
	psm := ""
	if code == 99 {
		psm = truncate(toUTF8(p.Value(19), p.Value(97)), 255)
	}
	if psm != c.psm {
		c.psm = psm
		c.sess.SetPersonal(ubx(psm))
	}
	st := msnStatus(code, away)
	if st != c.status || c.hidden {
		c.status, c.hidden = st, false
		c.sess.SetStatus("0", st, "", "")
	}
	return nil
}

// handleVisible applies Y6_VISIBLE_TOGGLE: 13=2 invisible, 13=1 visible again.
func (c *conn) handleVisible(p *packet.Packet) error {
	switch p.Value(13) {
	case "2":
		c.setHidden(true)
	case "1":
		c.setHidden(false)
	}
	return nil
}

func (c *conn) setHidden(h bool) {
	if h == c.hidden {
		return
	}
	c.hidden = h
	if h {
		c.sess.SetStatus("0", "HDN", "", "")
	} else {
		c.sess.SetStatus("0", c.status, "", "")
	}
}
