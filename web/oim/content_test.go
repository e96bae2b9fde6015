package oim

import (
	"errors"
	"strings"
	"testing"
)

func TestParseContent(t *testing.T) {
	const b64 = "QXJlIHlvdSB0aGVyZT8gQ2FsbCBtZSB3aGVuIHlvdSBhcmUgYmFjay4="
	const text = "Are you there? Call me when you are back."
	head := []string{"MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8",
		"Content-Transfer-Encoding: base64", "X-OIM-Message-Type: OfflineMessage",
		"X-OIM-Run-Id: {3a1d4f2b-9c8e-4b7a-a6d5-0e1f2a3b4c5d}", "X-OIM-Sequence-Num: 7"}
	for name, raw := range map[string]string{
		"CRLF":                  strings.Join(head, "\r\n") + "\r\n\r\n" + b64,
		"LF (libpurple 2.4)":    strings.Join(head, "\n") + "\n\n" + b64 + "\n",
		"wrapped base64":        strings.Join(head, "\r\n") + "\r\n\r\n" + b64[:20] + "\r\n" + b64[20:40] + "\n " + b64[40:],
		"leading blank lines":   "\r\n\n" + strings.Join(head, "\r\n") + "\r\n\r\n" + b64,
		"unpadded base64":       strings.Join(head, "\r\n") + "\r\n\r\n" + strings.TrimRight(b64, "="),
		"header case and space": strings.ToLower(strings.Join(head, "\r\n")) + "\r\n\r\n" + b64,
		"folded header":         strings.Replace(strings.Join(head, "\r\n"), "text/plain; charset=UTF-8", "text/plain;\r\n\tcharset=UTF-8", 1) + "\r\n\r\n" + b64,
	} {
		c, err := parseContent(raw, 1664)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if string(c.Text) != text || c.Seq != 7 || c.RunID != "{3A1D4F2B-9C8E-4B7A-A6D5-0E1F2A3B4C5D}" {
			t.Errorf("%s: %+v", name, c)
		}
	}
	for name, raw := range map[string]string{
		"empty":           "",
		"headers only":    strings.Join(head, "\r\n"),
		"no body":         strings.Join(head, "\r\n") + "\r\n\r\n",
		"garbage header":  "garbage\r\n" + strings.Join(head, "\r\n") + "\r\n\r\n" + b64,
		"continued first": " folded\r\n" + strings.Join(head, "\r\n") + "\r\n\r\n" + b64,
		"huge sequence":   strings.Replace(strings.Join(head, "\r\n"), "Num: 7", "Num: 99999999999", 1) + "\r\n\r\n" + b64,
		"negative seq":    strings.Replace(strings.Join(head, "\r\n"), "Num: 7", "Num: -1", 1) + "\r\n\r\n" + b64,
		"too long":        strings.Join(head, "\r\n") + "\r\n\r\n" + strings.Repeat("QUJD", 600),
	} {
		if c, err := parseContent(raw, 1664); !errors.Is(err, errContent) {
			t.Errorf("%s: %+v, %v", name, c, err)
		}
	}
}

func TestSenderName(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.users["alice"].acct
	for in, want := range map[string]string{
		"=?utf-8?B?Qm9iIFNtaXRo?=":   "Bob Smith",
		"=?utf-8?Q?Bob_Sm=C3=AFth?=": "Bob Smïth",
		"plain name":                 "plain name",
		"":                           "Alice Ünïcode",
		"=?x-unknown?B?QUJD?=":       "=?x-unknown?B?QUJD?=",
		"\xff\xfe":                   "\uFFFD",
	} {
		if got := senderName(in, a); got != want {
			t.Errorf("senderName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := senderName(strings.Repeat("é", 300), a); len(got) > maxNameBytes || !strings.HasPrefix(got, "éé") {
		t.Errorf("long name kept %d bytes", len(got))
	}
}
