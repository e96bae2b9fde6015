// Package soap reads SOAP 1.1 requests and writes responses and faults for
// the web services. Elements are matched by local name, so clients' prefixes
// do not matter; responses are marshalled from encoding/xml types.
package soap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Namespaces.
const (
	NSEnvelope = "http://schemas.xmlsoap.org/soap/envelope/"
	NSXSI      = "http://www.w3.org/2001/XMLSchema-instance"
	NSXSD      = "http://www.w3.org/2001/XMLSchema"
)

// MaxBody is the largest request body read.
const MaxBody = 256 * 1024

// ErrMalformed is returned for a request that is not a SOAP envelope.
var ErrMalformed = errors.New("malformed SOAP envelope")

// Request is a parsed SOAP request.
type Request struct {
	Action string // local name of the first element in Body
	Header []byte // inner XML of Header
	Body   []byte // inner XML of Body
	HTTP   *http.Request
}

type inEnvelope struct {
	XMLName xml.Name
	Header  struct {
		Inner []byte `xml:",innerxml"`
	} `xml:"Header"`
	Body struct {
		Inner []byte `xml:",innerxml"`
	} `xml:"Body"`
}

// Read parses the request body as a SOAP envelope.
func Read(r *http.Request) (*Request, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if len(data) > MaxBody {
		return nil, fmt.Errorf("body over %d bytes: %w", MaxBody, ErrMalformed)
	}
	return Parse(data, r)
}

// Parse parses a SOAP envelope.
func Parse(data []byte, r *http.Request) (*Request, error) {
	var env inEnvelope
	if err := xml.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if env.XMLName.Local != "Envelope" {
		return nil, fmt.Errorf("%w: root is <%s>", ErrMalformed, env.XMLName.Local)
	}
	req := &Request{Header: env.Header.Inner, Body: env.Body.Inner, HTTP: r}
	dec := xml.NewDecoder(bytes.NewReader(env.Body.Inner))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: empty Body", ErrMalformed)
		}
		if se, ok := tok.(xml.StartElement); ok {
			req.Action = se.Name.Local
			return req, nil
		}
	}
}

// DecodeBody unmarshals the first element of Body into v.
func (r *Request) DecodeBody(v any) error {
	if err := xml.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, r.Action, err)
	}
	return nil
}

// DecodeHeader unmarshals the Header's children into v, a struct whose
// fields name header elements (Header wraps them in a synthetic root).
func (r *Request) DecodeHeader(v any) error {
	wrapped := make([]byte, 0, len(r.Header)+16)
	wrapped = append(wrapped, "<h>"...)
	wrapped = append(wrapped, r.Header...)
	wrapped = append(wrapped, "</h>"...)
	if err := xml.Unmarshal(wrapped, v); err != nil {
		return fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	return nil
}

// Envelope is an outgoing envelope with the soap: prefix.
type Envelope struct {
	XMLName xml.Name `xml:"soap:Envelope"`
	Soap    string   `xml:"xmlns:soap,attr"`
	XSI     string   `xml:"xmlns:xsi,attr"`
	XSD     string   `xml:"xmlns:xsd,attr"`
	Header  *Header  `xml:"soap:Header,omitempty"`
	Body    Body     `xml:"soap:Body"`
}

// Header holds response header elements.
type Header struct {
	Content any
}

// Body holds the response element or a fault.
type Body struct {
	Content any
}

// MarshalXML writes the header's content inside <soap:Header>.
func (h Header) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(struct {
		Content any
	}{h.Content}, start)
}

// MarshalXML writes the body's content inside <soap:Body>.
func (b Body) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(struct {
		Content any
	}{b.Content}, start)
}

// Fault is a SOAP 1.1 fault.
type Fault struct {
	XMLName xml.Name `xml:"soap:Fault"`
	Code    string   `xml:"faultcode"`
	String  string   `xml:"faultstring"`
	Actor   string   `xml:"faultactor,omitempty"`
	Detail  any      `xml:"detail,omitempty"`
}

// Marshal renders an envelope with the XML declaration.
func Marshal(header, body any) ([]byte, error) {
	env := Envelope{Soap: NSEnvelope, XSI: NSXSI, XSD: NSXSD, Body: Body{Content: body}}
	if header != nil {
		env.Header = &Header{Content: header}
	}
	return MarshalDoc(env)
}

// MarshalDoc renders any document with the XML declaration.
func MarshalDoc(doc any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="utf-8"?>`)
	if err := xml.NewEncoder(&buf).Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteXML sends an XML document with Content-Length and no chunking.
func WriteXML(w http.ResponseWriter, status int, doc []byte) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	w.Write(doc)
}

// Write marshals and sends a 200 response.
func Write(w http.ResponseWriter, header, body any) error {
	doc, err := Marshal(header, body)
	if err != nil {
		return err
	}
	WriteXML(w, http.StatusOK, doc)
	return nil
}

// WriteFault sends a fault with HTTP 500.
func WriteFault(w http.ResponseWriter, f Fault) {
	doc, err := Marshal(nil, f)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	WriteXML(w, http.StatusInternalServerError, doc)
}

// Text is character data written the way Microsoft's services wrote it:
// markup characters escaped, CR, LF and tab as they are. encoding/xml writes CR as
// "&#xD;", which survives parsing, so the reader gets "\r\n" where it looks
// for the "\n\n" between an offline message's headers and body (libpurple
// crashes without it). A literal CR LF becomes LF in every XML parser, which
// is what clients expect.
type Text string

// MarshalXML writes t inside start without entity-encoding line breaks.
func (t Text) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	var buf bytes.Buffer
	if err := xml.EscapeText(&buf, []byte(t)); err != nil {
		return err
	}
	inner := lineBreaks.Replace(buf.String())
	return e.EncodeElement(struct {
		Inner string `xml:",innerxml"`
	}{inner}, start)
}

// lineBreaks undoes xml.EscapeText's entities for CR, LF and tab (header
// folding). An "&" of the text itself is already "&amp;", so only the
// escaper's own entities match.
var lineBreaks = strings.NewReplacer("&#xD;", "\r", "&#xA;", "\n", "&#x9;", "\t")
