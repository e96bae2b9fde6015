package oim

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"msnserver/web/soap"
)

// FuzzStoreRequest feeds whole Store envelopes through the parsing the
// handler does (envelope, header, body, MIME content) and checks that an
// accepted message renders into a fetched message carrying the same text.
// Seeds live in testdata/fuzz/FuzzStoreRequest.
func FuzzStoreRequest(f *testing.F) {
	f.Add([]byte(storeEnvelope(oimMsg{ticket: "t=abc&p=", appid: wlmProductID, messageNumber: "1", messageType: "text",
		content: mimeBlock("hello \u65e5\u672c", 1, false)}, "alice@hotmail.com", "bob@hotmail.com", "=?utf-8?B?QQ==?=")))
	f.Add([]byte(storeEnvelope(oimMsg{messageNumber: "3", messageType: "text",
		content: mimeBlock(strings.Repeat("long ", 60), 3, true)}, "a@b.c", "d@e.f", "")))
	const maxText = 1664
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := soap.Parse(data, nil)
		if err != nil {
			return
		}
		sr, err := decodeStore(req)
		if err != nil {
			return
		}
		c, err := parseContent(sr.Body.Content, maxText)
		if err != nil {
			return
		}
		if len(c.Text) == 0 || len(c.Text) > maxText || c.Seq <= 0 {
			t.Fatalf("accepted %+v", c)
		}
		if _, ok := bracedGUID(c.RunID); !ok {
			t.Fatalf("run id %q", c.RunID)
		}
		msg := renderMessage(envelope{ID: "ID", From: "a@b.c", FromName: "n", To: "d@e.f",
			Received: time.Unix(1732890086, 0), Host: "h"}, c)
		_, body, ok := bytes.Cut(msg, []byte("\r\n\r\n"))
		if !ok {
			t.Fatal("rendered message has no body")
		}
		back, err := parseContent("MIME-Version: 1.0\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n"+
			"X-OIM-Message-Type: OfflineMessage\r\nX-OIM-Run-Id: "+c.RunID+"\r\nX-OIM-Sequence-Num: 1\r\n\r\n"+string(body), maxText)
		if err != nil || !bytes.Equal(back.Text, c.Text) {
			t.Fatalf("text %q rendered as %q: %v", c.Text, body, err)
		}
	})
}

// TestFuzzSeeds pins what the committed seeds are: client forms that must be
// accepted, and malformed ones that must be refused as InvalidContent.
func TestFuzzSeeds(t *testing.T) {
	want := map[string]bool{
		"wlm8_crlf": true, "wlm8_unicode_wrapped": true, "libpurple_lf_unwrapped": true,
		"store2_prefixed": true, "crlf_as_entities": true,
		"missing_run_id": false, "bad_base64": false, "sequence_mismatch": false, "oversized": false,
	}
	svc := New(Deps{})
	for name, ok := range want {
		raw, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzStoreRequest", name))
		if err != nil {
			t.Fatal(err)
		}
		_, quoted, _ := strings.Cut(strings.TrimSpace(string(raw)), "\n")
		data, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(quoted, "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		req, err := soap.Parse([]byte(data), nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sr, err := decodeStore(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c, err := svc.checkContent(sr)
		if (err == nil) != ok || (err != nil && !errors.Is(err, errContent)) {
			t.Errorf("%s: %+v, %v", name, c, err)
		}
		if sr.Header.From.MemberName != "bob@hotmail.com" || sr.Header.Ticket.AppID != wlmProductID {
			t.Errorf("%s: header %+v", name, sr.Header)
		}
	}
}
