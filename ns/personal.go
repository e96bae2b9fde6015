package ns

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
)

// personal is a user's UUX document as watchers see it: each child element
// of <Data> with its raw inner XML. A UUX changes only the elements it
// carries (a client sends a document with only <MachineGuid>, or only a
// signature sound, and expects its personal message to stay); an element
// sent empty is cleared (ns-presence-lists.md §8).
type personal struct {
	names  []string // element names in document order
	values map[string]string
}

// personalOrder puts the MSNP14 fields first, in the order clients write
// them; other elements follow in the order they first came.
var personalOrder = []string{"PSM", "CurrentMedia", "MachineGuid"}

// maxPersonalFields bounds how many distinct elements a user can pile up.
const maxPersonalFields = 32

var errNotData = errors.New("UUX is not a <Data> document")

func newPersonal(psm string) *personal {
	return &personal{names: []string{"PSM", "CurrentMedia"}, values: map[string]string{"PSM": psm, "CurrentMedia": ""}}
}

// merge applies a UUX payload: every child element of <Data> replaces the
// stored one of its name. It returns an error, changing nothing, when the
// payload is not a well-formed <Data> document.
func (p *personal) merge(payload []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(payload))
	dec.Strict = true
	var doc struct {
		XMLName xml.Name
		Fields  []struct {
			XMLName xml.Name
			XML     string `xml:",innerxml"`
		} `xml:",any"`
	}
	if err := dec.Decode(&doc); err != nil || doc.XMLName.Local != "Data" {
		return errNotData
	}
	if _, err := dec.Token(); err != io.EOF {
		return errNotData // trailing content after </Data>
	}
	for _, f := range doc.Fields {
		name := f.XMLName.Local
		if _, ok := p.values[name]; !ok {
			if len(p.names) >= maxPersonalFields {
				continue
			}
			p.names = append(p.names, name)
		}
		p.values[name] = f.XML
	}
	p.sortNames()
	return nil
}

func (p *personal) sortNames() {
	rank := func(n string) int {
		if i := slices.Index(personalOrder, n); i >= 0 {
			return i
		}
		return len(personalOrder)
	}
	slices.SortStableFunc(p.names, func(a, b string) int { return rank(a) - rank(b) })
}

// psm is the personal message's inner XML.
func (p *personal) psm() string { return p.values["PSM"] }

// document is the <Data> document relayed to watchers as UBX.
func (p *personal) document() []byte {
	type field struct {
		XMLName xml.Name
		XML     string `xml:",innerxml"`
	}
	doc := struct {
		XMLName xml.Name `xml:"Data"`
		Fields  []field
	}{}
	for _, n := range p.names {
		doc.Fields = append(doc.Fields, field{XMLName: xml.Name{Local: n}, XML: p.values[n]})
	}
	out, err := xml.Marshal(doc)
	if err != nil { // names came from a parsed document: cannot happen
		return []byte("<Data></Data>")
	}
	return out
}
