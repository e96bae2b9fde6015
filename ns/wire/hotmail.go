package wire

import (
	"bytes"
	"encoding/xml"
)

// The notification server's own messages to a client: "MSG Hotmail Hotmail"
// (the profile, offline-message Mail-Data, system messages) and NOT (address
// book and alert notifications). Every package that pushes one builds it
// here, so the framing rules live in one place.

// HotmailMSG is "MSG Hotmail Hotmail len" with a MIME message of
// contentType whose body follows the blank line as given.
func HotmailMSG(contentType, body string) []byte {
	payload := make([]byte, 0, 64+len(contentType)+len(body))
	payload = append(payload, "MIME-Version: 1.0\r\nContent-Type: "...)
	payload = append(payload, contentType...)
	payload = append(payload, "\r\n\r\n"...)
	payload = append(payload, body...)
	return Payload(payload, "MSG", "Hotmail", "Hotmail")
}

// NOT marshals a <NOTIFICATION> document (any encoding/xml type) as a NOT
// payload. The payload ends with CRLF: clients that read NOT payloads as
// lines (libpurple) stay in step with the next command.
func NOT(doc any) ([]byte, error) {
	var buf bytes.Buffer
	if err := xml.NewEncoder(&buf).Encode(doc); err != nil {
		return nil, err
	}
	buf.WriteString("\r\n")
	return Payload(buf.Bytes(), "NOT"), nil
}
