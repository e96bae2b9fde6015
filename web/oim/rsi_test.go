package oim

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The conformance suite's text: accents, a check mark, CJK, a newline.
const unicodeText = "Offline h\u00e9llo \u2713 \u65e5\u672c\u8a9e, second line\nend"

func TestSendFetchDelete(t *testing.T) {
	e := newEnv(t, Options{})
	before := e.clock.now()
	e.mustSend("alice", "bob", unicodeText)
	if got := e.notify.take(); len(got) != 0 {
		t.Fatalf("offline recipient was sent %q", got)
	}

	// Bob logs in: the initial Mail-Data names the message.
	ct, md := mailDataOf(t, e.svc.MailData("bob@hotmail.com"))
	if ct != "text/x-msmsgsinitialmdatanotification; charset=UTF-8" || md == nil || len(md.Messages) != 1 {
		t.Fatalf("mail data %q %+v", ct, md)
	}
	m := md.Messages[0]
	if m.Email != "alice@hotmail.com" || m.Type != 11 || m.S != 6 || m.Read != 0 || m.Folder != folderOIM ||
		!regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`).MatchString(m.ID) {
		t.Fatalf("entry %+v", m)
	}
	if m.Name != "=?utf-8?B?QWxpY2Ugw5xuw69jb2Rl?=" { // "Alice Ünïcode"
		t.Fatalf("N %q", m.Name)
	}
	rt, err := time.Parse(mdTimeLayout, m.Received)
	if err != nil || rt.Before(before.Truncate(time.Millisecond)) || rt.After(time.Now()) {
		t.Fatalf("RT %q: %v", m.Received, err)
	}

	// GetMessage returns the text exactly, its CR LF line breaks as literal
	// characters; SZ is the stored message's byte length.
	r := e.getMessage("bob", m.ID, false)
	if r.status != http.StatusOK {
		t.Fatalf("GetMessage: %s", r)
	}
	result := mustText(t, r, "GetMessageResult")
	if stored := strings.ReplaceAll(result, "\n", "\r\n"); len(stored) != m.Size {
		t.Fatalf("SZ %d, the stored message has %d bytes", m.Size, len(stored))
	}
	if strings.Contains(string(r.body), "&#x") || !strings.Contains(string(r.body), "\r\nTo: bob@hotmail.com\r\n") {
		t.Fatalf("line breaks of the result not written as literal CR LF: %q", r.body)
	}
	h, text := decodeResult(t, result)
	if text != unicodeText {
		t.Fatalf("text %q, want %q", text, unicodeText)
	}
	want := map[string]string{
		"From":                      "=?utf-8?B?QWxpY2Ugw5xuw69jb2Rl?= <alice@hotmail.com>",
		"To":                        "bob@hotmail.com",
		"X-OIMProxy":                "MSNMSGR",
		"Content-Type":              "text/plain; charset=UTF-8",
		"Content-Transfer-Encoding": "base64",
		"X-OIM-Message-Type":        "OfflineMessage",
		"X-OIM-Run-Id":              "{3A1D4F2B-9C8E-4B7A-A6D5-0E1F2A3B4C5D}",
		"X-OIM-Sequence-Num":        "1",
		"Message-ID":                "<" + m.ID + "@oim.messenger.msn.com>",
		"X-OIM-originatingSource":   "127.0.0.1",
		"Return-Path":               "ndr@oim.messenger.msn.com",
	}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("header %s = %q, want %q", k, h[k], v)
		}
	}
	// msn-pecan reads Date with "%d %b %Y %T %z".
	if _, err := time.Parse("02 Jan 2006 15:04:05 -0700", h["Date"]); err != nil {
		t.Errorf("Date %q: %v", h["Date"], err)
	}
	if !strings.Contains(result, "\nSubject: \n") {
		t.Error("no empty Subject line")
	}

	// Still unread: fetching without the flag leaves it so; with it, RS=1.
	if got := e.metadata("bob"); len(got) != 1 || got[0].Read != 0 || got[0].ID != m.ID || got[0].Size != m.Size {
		t.Fatalf("metadata %+v", got)
	}
	if r := e.getMessage("bob", strings.ToLower(m.ID), true); r.status != http.StatusOK {
		t.Fatalf("GetMessage marking read: %s", r)
	}
	if got := e.metadata("bob"); len(got) != 1 || got[0].Read != 1 {
		t.Fatalf("after mark-as-read %+v", got)
	}

	// Bob deletes it while online: he is told one message went to the trash.
	e.notify.setOnline("bob@hotmail.com", true)
	if r := e.deleteMessages("bob", m.ID); r.status != http.StatusOK ||
		!strings.Contains(string(r.body), `<DeleteMessagesResponse xmlns="`+NSRSI+`"></DeleteMessagesResponse>`) {
		t.Fatalf("DeleteMessages: %s", r)
	}
	got := e.notify.take()
	if len(got) != 1 || got[0].to != "bob@hotmail.com" || string(got[0].b) != "MSG Hotmail Hotmail 150\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsactivemailnotification; charset=UTF-8\r\n\r\n"+
		"Src-Folder: .!!OIM\r\nDest-Folder: .!!trAsH\r\nMessage-Delta: 1\r\n\r\n" {
		t.Fatalf("delete notification %q", got)
	}

	// Gone: not listed, not announced, not served; deleting again succeeds
	// quietly.
	if got := e.metadata("bob"); len(got) != 0 {
		t.Fatalf("deleted message listed: %+v", got)
	}
	if string(e.svc.MailData("bob@hotmail.com")) != emptyMailData {
		t.Fatalf("mail data after delete %q", e.svc.MailData("bob@hotmail.com"))
	}
	if r := e.getMessage("bob", m.ID, false); r.status != http.StatusInternalServerError || r.faultCode() != "soap:Client" {
		t.Fatalf("GetMessage of a deleted message: %s", r)
	}
	if r := e.deleteMessages("bob", m.ID); r.status != http.StatusOK {
		t.Fatalf("second DeleteMessages: %s", r)
	}
	if got := e.notify.take(); len(got) != 0 {
		t.Fatalf("nothing deleted, yet told %q", got)
	}
}

func TestRestartBetweenStoreAndFetch(t *testing.T) {
	e := newEnv(t, Options{})
	e.mustSend("alice", "bob", unicodeText)
	e.clock.advance(time.Millisecond)
	e.mustSend("carol", "bob", "second, from carol")
	before := string(e.svc.MailData("bob@hotmail.com"))

	e.restart()

	if after := string(e.svc.MailData("bob@hotmail.com")); after != before {
		t.Fatalf("mail data changed across the restart:\n%q\n%q", before, after)
	}
	m := e.metadata("bob")
	if len(m) != 2 || m[0].Email != "alice@hotmail.com" || m[1].Email != "carol@hotmail.com" {
		t.Fatalf("after restart %+v", m)
	}
	_, text := decodeResult(t, mustText(t, e.getMessage("bob", m[0].ID, true), "GetMessageResult"))
	if text != unicodeText {
		t.Fatalf("text after restart %q", text)
	}
	if r := e.deleteMessages("bob", m[0].ID, m[1].ID); r.status != http.StatusOK {
		t.Fatal(r)
	}
	e.restart()
	if got := e.metadata("bob"); len(got) != 0 {
		t.Fatalf("deleted messages back after restart: %+v", got)
	}
	// A new lock-key handshake works after the restart (the key was in memory).
	e.mustSend("alice", "bob", "after restart")
}

func TestNotifyOnlineRecipient(t *testing.T) {
	e := newEnv(t, Options{})
	e.notify.setOnline("bob@hotmail.com", true)
	e.mustSend("alice", "bob", "you are online anyway")
	got := e.notify.take()
	if len(got) != 1 || got[0].to != "bob@hotmail.com" {
		t.Fatalf("notifications %q", got)
	}
	ct, md := mailDataOf(t, got[0].b)
	if ct != "text/x-msmsgsoimnotification; charset=UTF-8" || md == nil || len(md.Messages) != 1 {
		t.Fatalf("live notification %q", got[0].b)
	}
	m := md.Messages[0]
	list := e.metadata("bob")
	if m.Email != "alice@hotmail.com" || m.Folder != folderLive || m.Received != "" || len(list) != 1 ||
		m.ID != list[0].ID || m.Size != list[0].Size || md.SU == nil || *md.SU != " " {
		t.Fatalf("live entry %+v (listed %+v)", m, list)
	}
	// The sender is not told anything.
	e.notify.setOnline("alice@hotmail.com", true)
	e.mustSend("carol", "bob", "again")
	for _, s := range e.notify.take() {
		if s.to != "bob@hotmail.com" {
			t.Fatalf("%s was told %q", s.to, s.b)
		}
	}
}

func TestRSIOwnMessagesOnly(t *testing.T) {
	e := newEnv(t, Options{})
	e.mustSend("alice", "bob", "for bob only")
	id := e.metadata("bob")[0].ID

	// Carol can neither read nor delete bob's message, nor see it listed.
	if got := e.metadata("carol"); len(got) != 0 {
		t.Fatalf("carol sees %+v", got)
	}
	if r := e.getMessage("carol", id, true); r.status != http.StatusInternalServerError {
		t.Fatalf("carol read bob's message: %s", r)
	}
	if r := e.deleteMessages("carol", id); r.status != http.StatusOK {
		t.Fatalf("DeleteMessages of unknown ids should succeed: %s", r)
	}
	if got := e.metadata("bob"); len(got) != 1 || got[0].Read != 0 {
		t.Fatalf("carol's calls touched bob's message: %+v", got)
	}

	// Forged, malformed and missing cookies are refused.
	for _, tk := range []string{"t=forgedforgedforgedforgedforged&p=", "t=&p=", "garbage"} {
		for _, action := range []string{"GetMetadata", "GetMessage", "DeleteMessages"} {
			r := e.rsi(tk, action, "<messageIds><messageId>"+id+"</messageId></messageIds>")
			if r.status != http.StatusInternalServerError || r.faultCode() != "q0:AuthenticationFailed" {
				t.Fatalf("%s with cookie %q: %s", action, tk, r)
			}
		}
	}
	if got := e.metadata("bob"); len(got) != 1 {
		t.Fatal("a forged DeleteMessages deleted")
	}
	// Unknown actions and broken bodies.
	if r := e.rsi("bob", "GetEverything", ""); r.faultCode() != "soap:Client" {
		t.Fatalf("unknown action: %s", r)
	}
	if r := e.post(PathRSI, NSRSI+"/GetMetadata", "<nope"); r.faultCode() != "soap:Client" {
		t.Fatalf("broken envelope: %s", r)
	}
	if r := e.getMessage("bob", "", false); r.faultCode() != "soap:Client" {
		t.Fatalf("empty id: %s", r)
	}
}

func TestTooManyForMailData(t *testing.T) {
	e := newEnv(t, Options{StoresPerMinute: 100})
	for i := range tooLargeAbove + 1 {
		if r := e.send(oimMsg{to: "bob", text: "n", seq: i + 1}); r.status != http.StatusOK {
			t.Fatalf("Store %d: %s", i, r)
		}
	}
	if got := string(e.svc.MailData("bob@hotmail.com")); got != tooLargeMailData {
		t.Fatalf("mail data for %d messages %q", tooLargeAbove+1, got)
	}
	if got := e.metadata("bob"); len(got) != tooLargeAbove+1 {
		t.Fatalf("GetMetadata lists %d", len(got))
	}
}
