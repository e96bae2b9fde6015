package wire

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
)

// MLContact is one <c> of an ADL/RML/FQY <ml> document.
type MLContact struct {
	Email   string // local@domain, lower case
	Lists   int    // l= bits; 0 when absent
	Network int    // t= network id; 0 when absent
}

// ML is a parsed <ml> document.
type ML struct {
	Initial  bool // <ml l="1">
	Contacts []MLContact
	Phones   int // <t><c n="tel:…"/></t> entries (no presence; counted, not used)
}

type mlDoc struct {
	XMLName xml.Name   `xml:"ml"`
	L       string     `xml:"l,attr"`
	Domains []mlDomain `xml:"d"`
	Phones  []mlDomain `xml:"t"`
}

type mlDomain struct {
	N        *string  `xml:"n,attr"`
	Contacts []mlCont `xml:"c"`
}

type mlCont struct {
	N *string `xml:"n,attr"`
	L *string `xml:"l,attr"`
	T *string `xml:"t,attr"`
}

// Networks a t= attribute may name (README §4.1).
var validNetworks = map[int]bool{1: true, 2: true, 4: true, 8: true, 16: true, 32: true}

// MLKind selects the validation rules of ParseML.
type MLKind int

// The three users of <ml>.
const (
	MLAdd    MLKind = iota // ADL: n and l required, t optional
	MLRemove               // RML: as ADL
	MLQuery                // FQY: n required, no l or t
)

// ParseML parses and validates an ADL/RML/FQY payload, returning the protocol
// error the reference names for each fault (240, 241, 204).
func ParseML(payload []byte, kind MLKind) (*ML, error) {
	var doc mlDoc
	dec := xml.NewDecoder(bytes.NewReader(payload))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		return nil, Err(ErrInvalidXML, "not an <ml> document: "+err.Error())
	}
	out := &ML{Initial: doc.L == "1" && kind == MLAdd}
	for _, d := range doc.Domains {
		if d.N == nil || !validLocal(*d.N) {
			return nil, Err(ErrInvalidXML, "<d> without a valid n")
		}
		if len(d.Contacts) == 0 {
			return nil, Err(ErrEmptyDomain, "<d> without <c>")
		}
		for _, c := range d.Contacts {
			if c.N == nil || !validLocal(*c.N) {
				return nil, Err(ErrInvalidXML, "<c> without a valid n")
			}
			mc := MLContact{Email: strings.ToLower(*c.N + "@" + *d.N)}
			if kind != MLQuery {
				if c.L == nil {
					return nil, Err(ErrInvalidXML, "<c> without l")
				}
				l, err := strconv.Atoi(*c.L)
				if err != nil || l <= 0 || l&^7 != 0 {
					return nil, Err(ErrInvalidXML, "bad list bits")
				}
				if l&6 == 6 {
					return nil, Err(ErrInvalidXML, "allow and block at once")
				}
				mc.Lists = l
			}
			if c.T != nil {
				t, err := strconv.Atoi(*c.T)
				if err != nil || !validNetworks[t] {
					return nil, Err(ErrInvalidNetwork, "bad network id")
				}
				mc.Network = t
			}
			if kind != MLQuery && mc.Network == 0 {
				mc.Network = 1
			}
			out.Contacts = append(out.Contacts, mc)
		}
	}
	for _, t := range doc.Phones {
		out.Phones += len(t.Contacts)
	}
	if !out.Initial && len(out.Contacts) == 0 && out.Phones == 0 {
		return nil, Err(ErrEmptyDomain, "empty <ml>")
	}
	return out, nil
}

// MLEntry is one contact of a server-written <ml> document.
type MLEntry struct {
	Email   string
	Network int    // t=; always written
	Lists   int    // l=; written when non-zero
	Name    string // f= (URL-encoded friendly name); written when non-empty
}

// EncodeML writes entries grouped by domain in first-seen order, each <c> as
// <c n="…" t="…" [l="…"] [f="…"] /> (attribute order of real captures).
func EncodeML(entries []MLEntry) []byte {
	var order []string
	byDomain := map[string][]MLEntry{}
	for _, e := range entries {
		at := strings.LastIndexByte(e.Email, '@')
		dom := e.Email[at+1:]
		if _, ok := byDomain[dom]; !ok {
			order = append(order, dom)
		}
		byDomain[dom] = append(byDomain[dom], e)
	}
	var b bytes.Buffer
	b.WriteString("<ml>")
	for _, dom := range order {
		b.WriteString(`<d n="`)
		xmlAttr(&b, dom)
		b.WriteString(`">`)
		for _, e := range byDomain[dom] {
			b.WriteString(`<c n="`)
			xmlAttr(&b, e.Email[:strings.LastIndexByte(e.Email, '@')])
			b.WriteString(`" t="`)
			b.WriteString(strconv.Itoa(e.Network))
			if e.Lists != 0 {
				b.WriteString(`" l="`)
				b.WriteString(strconv.Itoa(e.Lists))
			}
			if e.Name != "" {
				b.WriteString(`" f="`)
				xmlAttr(&b, EncodeName(e.Name))
			}
			b.WriteString(`" />`)
		}
		b.WriteString("</d>")
	}
	b.WriteString("</ml>")
	return b.Bytes()
}

func xmlAttr(b *bytes.Buffer, s string) { xml.EscapeText(b, []byte(s)) }

// validLocal accepts a domain or local part: non-empty, printable ASCII or
// UTF-8, no '@', space or control characters.
func validLocal(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || c == '@' || c == '"' || c == '<' || c == '>' {
			return false
		}
	}
	return true
}
