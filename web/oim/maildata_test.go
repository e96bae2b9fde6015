package oim

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"msnserver/store"
)

// The literals of offline-messages.md §2.
const (
	emptyMailData = "MSG Hotmail Hotmail 291\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinitialmdatanotification; charset=UTF-8\r\n\r\n" +
		"Mail-Data: <MD><E><I>0</I><IU>0</IU><O>0</O><OU>0</OU></E><Q><QTM>409600</QTM><QNM>204800</QNM></Q></MD>\r\n" +
		"Inbox-URL: /cgi-bin/HoTMaiL\r\nFolders-URL: /cgi-bin/folders\r\nPost-URL: http://www.hotmail.com\r\n\r\n"
	oneMailData = "MSG Hotmail Hotmail 510\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinitialmdatanotification; charset=UTF-8\r\n\r\n" +
		"Mail-Data: <MD><E><I>0</I><IU>0</IU><O>0</O><OU>0</OU></E><Q><QTM>409600</QTM><QNM>204800</QNM></Q>" +
		"<M><T>11</T><S>6</S><RT>2024-11-29T14:21:26.120Z</RT><RS>0</RS><SZ>1025</SZ><E>bob@hotmail.com</E>" +
		"<I>7F1C3A2E-5B4D-4E6F-8A9B-0C1D2E3F4A5B</I><F>00000000-0000-0000-0000-000000000009</F>" +
		"<N>=?utf-8?B?Qm9iIFNtaXRo?=</N></M></MD>\r\n" +
		"Inbox-URL: /cgi-bin/HoTMaiL\r\nFolders-URL: /cgi-bin/folders\r\nPost-URL: http://www.hotmail.com\r\n\r\n"
	tooLargeMailData = "MSG Hotmail Hotmail 207\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinitialmdatanotification; charset=UTF-8\r\n\r\n" +
		"Mail-Data: too-large\r\n" +
		"Inbox-URL: /cgi-bin/HoTMaiL\r\nFolders-URL: /cgi-bin/folders\r\nPost-URL: http://www.hotmail.com\r\n\r\n"
	liveMailData = "MSG Hotmail Hotmail 271\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsoimnotification; charset=UTF-8\r\n\r\n" +
		"Mail-Data: <MD><M><T>11</T><S>6</S><RS>0</RS><SZ>1025</SZ><E>bob@hotmail.com</E>" +
		"<I>7F1C3A2E-5B4D-4E6F-8A9B-0C1D2E3F4A5B</I><F>.!!OIM</F><N>=?utf-8?B?Qm9iIFNtaXRo?= </N></M><SU> </SU></MD>\r\n\r\n"
)

// exampleOIM is the message of the documented examples.
func exampleOIM() *store.OIM {
	return &store.OIM{
		ID:       "7F1C3A2E-5B4D-4E6F-8A9B-0C1D2E3F4A5B",
		To:       "alice@hotmail.com",
		From:     "bob@hotmail.com",
		FromName: "Bob Smith",
		Received: time.Date(2024, 11, 29, 14, 21, 26, 120e6, time.UTC),
		Body:     make([]byte, 1025),
	}
}

func TestMailDataExactBytes(t *testing.T) {
	for _, c := range []struct {
		name, got, want string
		n               int
	}{
		{"empty", string(initialNotification(nil)), emptyMailData, 291},
		{"one", string(initialNotification([]*store.OIM{exampleOIM()})), oneMailData, 510},
		{"too large", string(initialNotification(make([]*store.OIM, tooLargeAbove+1))), tooLargeMailData, 207},
		{"live", string(liveNotification(exampleOIM())), liveMailData, 271},
	} {
		if c.got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, c.got, c.want)
		}
		if _, payload, _ := strings.Cut(c.got, "\r\n"); len(payload) != c.n {
			t.Errorf("%s: payload of %d bytes, want %d", c.name, len(payload), c.n)
		}
	}
	// Exactly at the threshold the list is still sent.
	list := make([]*store.OIM, tooLargeAbove)
	for i := range list {
		list[i] = exampleOIM()
	}
	if _, md := mailDataOf(t, initialNotification(list)); md == nil || len(md.Messages) != tooLargeAbove {
		t.Fatal("25 messages not listed")
	}
}

func TestMailDataFromStore(t *testing.T) {
	e := newEnv(t, Options{})
	// An account with nothing waiting, and an unknown one: the empty form.
	for _, who := range []string{"bob@hotmail.com", "nobody@hotmail.com"} {
		if got := string(e.svc.MailData(who)); got != emptyMailData {
			t.Fatalf("MailData(%s) = %q", who, got)
		}
	}
	o := exampleOIM()
	o.To = "bob@hotmail.com"
	o.From = "alice@hotmail.com"
	o.Received = time.Now().UTC().Truncate(time.Millisecond)
	if err := e.st.PutOIM(o, store.OIMPolicy{}); err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer("<E>bob@hotmail.com</E>", "<E>alice@hotmail.com</E>",
		"2024-11-29T14:21:26.120Z", o.Received.Format(mdTimeLayout)).Replace(oneMailData)
	want = strings.Replace(want, "MSG Hotmail Hotmail 510", "MSG Hotmail Hotmail 512", 1)
	if got := string(e.svc.MailData("BOB@hotmail.com")); got != want {
		t.Fatalf("MailData:\n got %q\nwant %q", got, want)
	}
}

func TestRenderMessage(t *testing.T) {
	c := &content{RunID: "{3A1D4F2B-9C8E-4B7A-A6D5-0E1F2A3B4C5D}", Seq: 1,
		Text: []byte("Are you there? Call me when you are back.")}
	e := envelope{ID: "7F1C3A2E-5B4D-4E6F-8A9B-0C1D2E3F4A5B", From: "bob@hotmail.com", FromName: "Bob Smith",
		To: "alice@hotmail.com", Received: time.Date(2024, 11, 29, 22, 21, 26, 12e6, time.UTC),
		SenderIP: "203.0.113.25", ServerIP: "192.0.2.10", Proxy: "MSNMSGR", Host: "oim.example.invalid"}
	// offline-messages.md §4.3 shows 077F4BD0: its float arithmetic is 16
	// ticks off; 12 ms after 22:21:26 is exactly …BC0.
	want := "Received: from oim.example.invalid ([192.0.2.10]) by oim.example.invalid with msnserver;\r\n" +
		"\t Fri, 29 Nov 2024 22:21:26 +0000\r\n" +
		"From: =?utf-8?B?Qm9iIFNtaXRo?= <bob@hotmail.com>\r\n" +
		"To: alice@hotmail.com\r\n" +
		"Subject: \r\n" +
		"X-OIM-originatingSource: 203.0.113.25\r\n" +
		"X-OIMProxy: MSNMSGR\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=UTF-8\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"X-OIM-Message-Type: OfflineMessage\r\n" +
		"X-OIM-Run-Id: {3A1D4F2B-9C8E-4B7A-A6D5-0E1F2A3B4C5D}\r\n" +
		"X-OIM-Sequence-Num: 1\r\n" +
		"Message-ID: <7F1C3A2E-5B4D-4E6F-8A9B-0C1D2E3F4A5B@oim.example.invalid>\r\n" +
		"X-OriginalArrivalTime: 29 Nov 2024 22:21:26.0120 (UTC) FILETIME=[077F4BC0:01DB42AD]\r\n" +
		"Date: 29 Nov 2024 22:21:26 +0000\r\n" +
		"Return-Path: ndr@oim.messenger.msn.com\r\n" +
		"\r\n" +
		"QXJlIHlvdSB0aGVyZT8gQ2FsbCBtZSB3aGVuIHlvdSBhcmUgYmFjay4="
	if got := string(renderMessage(e, c)); got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
	// Long text wraps at 76 characters.
	c.Text = []byte(strings.Repeat("x", 200))
	got := string(renderMessage(e, c))
	_, body, _ := strings.Cut(got, "\r\n\r\n")
	lines := strings.Split(body, "\r\n")
	if len(lines) != 4 || len(lines[0]) != 76 || strings.Join(lines, "") != base64.StdEncoding.EncodeToString(c.Text) {
		t.Fatalf("wrapped body %q", body)
	}
}
