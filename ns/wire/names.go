package wire

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// EncodeName percent-encodes every byte outside A-Z a-z 0-9 - . _ ~, so a
// friendly name fits in one argument (README §3.1: over-encoding is safe,
// a bare space breaks the line).
func EncodeName(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// DecodeName decodes a percent-encoded name; '+' stays a plus. It rejects
// invalid encodings, invalid UTF-8 and control characters.
func DecodeName(s string) (string, error) {
	if len(s) > MaxNameEncode {
		return "", fmt.Errorf("name of %d bytes over %d", len(s), MaxNameEncode)
	}
	d, err := url.PathUnescape(s)
	if err != nil {
		return "", err
	}
	if !utf8.ValidString(d) {
		return "", fmt.Errorf("name is not UTF-8")
	}
	for _, r := range d {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("control character in name")
		}
	}
	return d, nil
}
