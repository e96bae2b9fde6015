package oim

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// errContent marks a Store whose Content is unusable (InvalidContent).
var errContent = errors.New("invalid OIM content")

// content is the parsed MIME block of a Store (§3.1).
type content struct {
	RunID string // braced upper-case GUID
	Seq   int
	Text  []byte // decoded UTF-8 text
}

// parseContent parses a Store's Content: MIME headers, an empty line, the
// base64 text. Lines may end in CRLF or bare LF (libpurple; XML parsers also
// normalise CRLF), and the base64 may be wrapped anyhow, so the body is
// decoded after removing all whitespace. maxText bounds the decoded text.
func parseContent(raw string, maxText int) (*content, error) {
	raw = strings.TrimLeft(raw, " \t\r\n")
	head, body, ok := cutBlankLine(raw)
	if !ok {
		return nil, fmt.Errorf("%w: no empty line after the headers", errContent)
	}
	h, err := parseHeaders(head)
	if err != nil {
		return nil, err
	}
	want := []struct{ name, value string }{
		{"mime-version", "1.0"},
		{"content-transfer-encoding", "base64"},
		{"x-oim-message-type", "OfflineMessage"},
	}
	for _, x := range want {
		if !strings.EqualFold(h[x.name], x.value) {
			return nil, fmt.Errorf("%w: %s is %q", errContent, x.name, h[x.name])
		}
	}
	if ct := strings.ToLower(h["content-type"]); !strings.HasPrefix(ct, "text/plain") {
		return nil, fmt.Errorf("%w: content-type %q", errContent, h["content-type"])
	}
	c := &content{}
	if c.RunID, ok = bracedGUID(h["x-oim-run-id"]); !ok {
		return nil, fmt.Errorf("%w: x-oim-run-id %q", errContent, h["x-oim-run-id"])
	}
	if c.Seq, ok = sequence(h["x-oim-sequence-num"]); !ok {
		return nil, fmt.Errorf("%w: x-oim-sequence-num %q", errContent, h["x-oim-sequence-num"])
	}
	b64 := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, body)
	// The decoded size is known before decoding: refuse oversized text cheaply.
	if base64.StdEncoding.DecodedLen(len(b64)) > maxText+2 {
		return nil, fmt.Errorf("%w: text over %d bytes", errContent, maxText)
	}
	text, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		if text, err = base64.RawStdEncoding.DecodeString(b64); err != nil {
			return nil, fmt.Errorf("%w: base64: %v", errContent, err)
		}
	}
	if len(text) == 0 {
		return nil, fmt.Errorf("%w: empty text", errContent)
	}
	if len(text) > maxText {
		return nil, fmt.Errorf("%w: text of %d bytes, over %d", errContent, len(text), maxText)
	}
	c.Text = text
	return c, nil
}

// cutBlankLine splits at the first empty line (CRLF or LF line ends).
func cutBlankLine(s string) (head, body string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] != '\n' {
			continue
		}
		j := i + 1
		if j < len(s) && s[j] == '\r' {
			j++
		}
		if j < len(s) && s[j] == '\n' {
			return s[:i], s[j+1:], true
		}
		if j == len(s) {
			return s[:i], "", true
		}
	}
	return "", "", false
}

// parseHeaders reads "Name: value" lines (folded lines continue the previous
// header) into a map keyed by lower-case name. Repeated headers are refused:
// two sequence numbers or run ids cannot both be right.
func parseHeaders(head string) (map[string]string, error) {
	h := map[string]string{}
	last := ""
	for _, line := range strings.Split(head, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if last == "" {
				return nil, fmt.Errorf("%w: continuation line first", errContent)
			}
			h[last] += " " + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" {
			return nil, fmt.Errorf("%w: header line %q", errContent, truncate(line))
		}
		if _, dup := h[name]; dup {
			return nil, fmt.Errorf("%w: repeated header %s", errContent, name)
		}
		h[name] = strings.TrimSpace(value)
		last = name
	}
	return h, nil
}

// bracedGUID accepts a GUID with or without braces and returns it braced
// and upper-case, as the run id is shown to clients.
func bracedGUID(s string) (string, bool) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if len(s) != 36 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return "", false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return "", false
		}
	}
	return "{" + strings.ToUpper(s) + "}", true
}

// sequence parses a positive message number.
func sequence(s string) (int, bool) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 31)
	if err != nil || n == 0 {
		return 0, false
	}
	return int(n), true
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
