package oim

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// envelope is what the server knows about a message beside its content.
type envelope struct {
	ID       string // upper-case GUID without braces
	From     string
	FromName string // decoded
	To       string
	Received time.Time
	SenderIP string
	ServerIP string
	Proxy    string
	Host     string
}

// maxHeaderValue bounds a client-chosen header value (the proxy name).
const maxHeaderValue = 64

// checkHeaders refuses any value that would reach a header line of the
// stored message unencoded and is not plain printable ASCII: a CR or LF
// there would add headers or start the body early (a forged second From).
// The friendly name is exempt: it is RFC 2047-encoded.
func checkHeaders(e envelope, c *content) error {
	for _, f := range []struct{ name, v string }{
		{"From", e.From}, {"To", e.To}, {"X-OIM-originatingSource", e.SenderIP}, {"Received", e.ServerIP},
		{"X-OIMProxy", e.Proxy}, {"Received host", e.Host}, {"Message-ID", e.ID}, {"X-OIM-Run-Id", c.RunID},
	} {
		if len(f.v) > maxHeaderValue && f.name == "X-OIMProxy" {
			return fmt.Errorf("%w: %s of %d bytes", errContent, f.name, len(f.v))
		}
		for i := 0; i < len(f.v); i++ {
			if f.v[i] < 0x20 || f.v[i] > 0x7e {
				return fmt.Errorf("%w: byte %#x in %s", errContent, f.v[i], f.name)
			}
		}
	}
	return nil
}

// renderMessage builds the mail-like text GetMessage returns (§4.3): header
// lines ending in CRLF, an empty line, the text in base64 wrapped at 76
// characters. Its byte length is the SZ of Mail-Data.
func renderMessage(e envelope, c *content) []byte {
	t := e.Received.UTC()
	proxy := e.Proxy
	if proxy == "" {
		proxy = "MSNMSGR"
	}
	var b strings.Builder
	line := func(format string, args ...any) {
		fmt.Fprintf(&b, format, args...)
		b.WriteString("\r\n")
	}
	line("Received: from %s ([%s]) by %s with msnserver;", e.Host, e.ServerIP, e.Host)
	line("\t %s", t.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	line("From: %s <%s>", encodeWord(e.FromName), e.From)
	line("To: %s", e.To)
	line("Subject: ")
	line("X-OIM-originatingSource: %s", e.SenderIP)
	line("X-OIMProxy: %s", proxy)
	line("MIME-Version: 1.0")
	line("Content-Type: text/plain; charset=UTF-8")
	line("Content-Transfer-Encoding: base64")
	line("X-OIM-Message-Type: OfflineMessage")
	line("X-OIM-Run-Id: %s", c.RunID)
	line("X-OIM-Sequence-Num: %d", c.Seq)
	line("Message-ID: <%s@%s>", e.ID, e.Host)
	line("X-OriginalArrivalTime: %s (UTC) FILETIME=[%s]", t.Format("02 Jan 2006 15:04:05.")+fourDigitFraction(t), filetime(t))
	// msn-pecan parses Date with "%d %b %Y %T %z": no weekday.
	line("Date: %s", t.Format("02 Jan 2006 15:04:05 -0700"))
	line("Return-Path: ndr@oim.messenger.msn.com")
	b.WriteString("\r\n")
	b64 := base64.StdEncoding.EncodeToString(c.Text)
	for len(b64) > 76 {
		b.WriteString(b64[:76])
		b.WriteString("\r\n")
		b64 = b64[76:]
	}
	b.WriteString(b64)
	return []byte(b.String())
}

// encodeWord is the RFC 2047 form clients expect for names:
// =?utf-8?B?base64?= (papyon decodes it with decode_header).
func encodeWord(name string) string {
	return "=?utf-8?B?" + base64.StdEncoding.EncodeToString([]byte(name)) + "?="
}

// fourDigitFraction is the time's fraction of a second in 100 µs units, as
// Hotmail's X-OriginalArrivalTime shows it ("22:21:26.0120").
func fourDigitFraction(t time.Time) string {
	s := strconv.Itoa(t.Nanosecond() / 100000)
	return strings.Repeat("0", 4-len(s)) + s
}

// filetime is the Windows FILETIME (100 ns ticks since 1601) as
// "LOW32:HIGH32" in upper-case hex, as in Hotmail headers.
func filetime(t time.Time) string {
	const epochDelta = 11644473600 // seconds from 1601-01-01 to 1970-01-01
	ft := uint64(t.Unix()+epochDelta)*10_000_000 + uint64(t.Nanosecond()/100)
	return fmt.Sprintf("%08X:%08X", uint32(ft), uint32(ft>>32))
}
