package form

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxPolicyBytes bounds the policy document; the real ones are a few KiB.
const maxPolicyBytes = 256 << 10

// Policy is the shields policy editor.
type Policy struct {
	XML string
}

// NewPolicy reads the policy form. Browsers post textarea line breaks as
// CRLF; the document keeps plain LF.
func NewPolicy(get Getter) Policy {
	return Policy{XML: strings.TrimSpace(strings.ReplaceAll(get("xml"), "\r\n", "\n"))}
}

// Validate checks the document with CheckPolicy.
func (f Policy) Validate() error { return CheckPolicy(f.XML) }

// CheckPolicy reports why doc is not a usable GCF policy: it must be one
// well-formed XML element <Policies> whose children are <Policy type="…">
// elements, at least one, with no DOCTYPE (the client's parser is old).
func CheckPolicy(doc string) error {
	if strings.TrimSpace(doc) == "" {
		return errors.New("The policy is empty.")
	}
	if len(doc) > maxPolicyBytes {
		return fmt.Errorf("The policy is too large (%d KiB; at most %d KiB).", len(doc)>>10, maxPolicyBytes>>10)
	}
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	depth, policies, roots := 0, 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return malformed(d, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1 && roots > 0:
				return atLine(d, "there is more than one root element; put everything inside <Policies>")
			case depth == 1 && t.Name.Local != "Policies":
				return atLine(d, fmt.Sprintf("the root element must be <Policies>, not <%s>", t.Name.Local))
			case depth == 2 && t.Name.Local != "Policy":
				return atLine(d, fmt.Sprintf("<Policies> may only contain <Policy> elements, not <%s>", t.Name.Local))
			case depth == 2 && attr(t, "type") == "":
				return atLine(d, `a <Policy> element has no type attribute (for example type="SHIELDS")`)
			case depth == 2:
				policies++
			}
			if depth == 1 {
				roots++
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			switch {
			case depth > 0 || strings.TrimSpace(string(t)) == "":
			case roots == 0:
				return atLine(d, "the document must start with <Policies>, not with text")
			default:
				return atLine(d, "there is text after the </Policies> end tag")
			}
		case xml.Directive:
			return atLine(d, "DOCTYPE and other <!…> declarations are not allowed")
		}
	}
	if roots == 0 {
		return errors.New("The policy has no <Policies> element.")
	}
	if policies == 0 {
		return errors.New(`<Policies> is empty: it needs at least one <Policy type="…"> element.`)
	}
	return nil
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func atLine(d *xml.Decoder, msg string) error {
	line, col := d.InputPos()
	return fmt.Errorf("Line %d, column %d: %s.", line, col, msg)
}

// malformed turns a decoder error into a message naming the line.
func malformed(d *xml.Decoder, err error) error {
	var syn *xml.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("The policy is not well-formed XML: line %d: %s.", syn.Line, syn.Msg)
	}
	line, col := d.InputPos()
	return fmt.Errorf("The policy is not well-formed XML: line %d, column %d: %v.", line, col, err)
}
