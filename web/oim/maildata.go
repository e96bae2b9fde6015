package oim

import (
	"encoding/xml"
	"log/slog"
	"strconv"
	"time"

	"msnserver/ns/wire"
	"msnserver/store"
)

const (
	folderOIM  = "00000000-0000-0000-0000-000000000009" // the OIM folder in listings
	folderLive = ".!!OIM"                               // the folder in the live notification
	// tooLargeAbove: more messages than this are announced as
	// "Mail-Data: too-large" and listed by GetMetadata (Escargot's threshold).
	tooLargeAbove = 25
	// mdTimeLayout is RT: ISO 8601 UTC with milliseconds.
	mdTimeLayout = "2006-01-02T15:04:05.000Z"
)

// The URL lines of the historic initial notification; libpurple skips its
// mail handling when Inbox-URL is absent.
const mailURLs = "Inbox-URL: /cgi-bin/HoTMaiL\r\nFolders-URL: /cgi-bin/folders\r\nPost-URL: http://www.hotmail.com\r\n"

// entry describes one stored message in Mail-Data.
func entry(o *store.OIM, live bool) mailDataM {
	m := mailDataM{
		Type:   11, // Messenger user
		S:      6,
		Size:   len(o.Body),
		Email:  o.From,
		ID:     o.ID,
		Folder: folderOIM,
		Name:   encodeWord(o.FromName),
	}
	if o.Read {
		m.Read = 1
	}
	if live {
		// Escargot's live form: no RT, the live folder, a space after N.
		m.Folder = folderLive
		m.Name += " "
	} else {
		m.Received = o.Received.UTC().Format(mdTimeLayout)
	}
	return m
}

// listing is the <MD> document listing msgs, with the mailbox counters and
// quota when withInbox (the NS form) or only the quota (GetMetadata).
func listing(msgs []*store.OIM, withInbox bool) *mailDataDoc {
	doc := &mailDataDoc{Quota: &mailQuota{QTM: 409600, QNM: 204800}}
	if withInbox {
		doc.Inbox = &mailCounts{}
	}
	for _, o := range msgs {
		doc.Messages = append(doc.Messages, entry(o, false))
	}
	return doc
}

func marshalMD(doc *mailDataDoc) string {
	b, err := xml.Marshal(doc)
	if err != nil {
		// Only strings and ints: encoding cannot fail.
		return "too-large"
	}
	return string(b)
}

// mailData lists email's unexpired messages as the initial notification.
func mailData(st *store.Store, email string, expiry time.Duration, log *slog.Logger) []byte {
	msgs, err := st.PendingOIMs(email, expiry)
	if err != nil {
		log.Error("oim: list messages for mail data", "email", email, "err", err)
		msgs = nil
	}
	return initialNotification(msgs)
}

// initialNotification is the MSG sent once per login (§2.1).
func initialNotification(msgs []*store.OIM) []byte {
	md := "too-large"
	if len(msgs) <= tooLargeAbove {
		md = marshalMD(listing(msgs, true))
	}
	return wire.HotmailMSG("text/x-msmsgsinitialmdatanotification; charset=UTF-8", "Mail-Data: "+md+"\r\n"+mailURLs+"\r\n")
}

// liveNotification announces a message just stored to its online
// recipient (§2.2).
func liveNotification(o *store.OIM) []byte {
	su := " "
	doc := &mailDataDoc{Messages: []mailDataM{entry(o, true)}, SU: &su}
	return wire.HotmailMSG("text/x-msmsgsoimnotification; charset=UTF-8", "Mail-Data: "+marshalMD(doc)+"\r\n\r\n")
}

// deletedNotification tells the recipient n messages went to the trash (§2.3).
func deletedNotification(n int) []byte {
	return wire.HotmailMSG("text/x-msmsgsactivemailnotification; charset=UTF-8",
		"Src-Folder: .!!OIM\r\nDest-Folder: .!!trAsH\r\nMessage-Delta: "+strconv.Itoa(n)+"\r\n\r\n")
}
