package hub

import (
	"encoding/xml"
	"fmt"
	"time"

	"msnserver/ns/wire"
	"msnserver/store"
)

// ReverseAdded tells owner (if online) that adder put them on adder's forward
// list: ADL 0 with l=8 and the adder's name, then the address-book NOT.
func (h *Hub) ReverseAdded(owner, adder string, network int, adderName string) {
	s := h.Lookup(owner)
	if s == nil {
		return
	}
	ml := wire.EncodeML([]wire.MLEntry{{Email: adder, Network: network, Lists: store.ListReverse, Name: adderName}})
	out := wire.Payload(ml, "ADL", "0")
	out = append(out, h.abNotification(owner)...)
	s.Out.Send(out)
}

// ReverseRemoved tells owner (if online) that remover took them off their
// forward list: RML 0 with l=8, then the address-book NOT.
func (h *Hub) ReverseRemoved(owner, remover string, network int) {
	s := h.Lookup(owner)
	if s == nil {
		return
	}
	ml := wire.EncodeML([]wire.MLEntry{{Email: remover, Network: network, Lists: store.ListReverse}})
	out := wire.Payload(ml, "RML", "0")
	out = append(out, h.abNotification(owner)...)
	s.Out.Send(out)
}

// BookChanged sends owner the address-book NOT so the client re-reads its
// lists (after the admin console changed them).
func (h *Hub) BookChanged(owner string) {
	if s := h.Lookup(owner); s != nil {
		s.Out.Send(h.abNotification(owner))
	}
}

type notification struct {
	XMLName xml.Name `xml:"NOTIFICATION"`
	ID      string   `xml:"id,attr"`
	SiteID  string   `xml:"siteid,attr"`
	SiteURL string   `xml:"siteurl,attr"`
	To      struct {
		PID  string `xml:"pid,attr"`
		Name string `xml:"name,attr"`
		Via  struct {
			Agent string `xml:"agent,attr"`
		} `xml:"VIA"`
	} `xml:"TO"`
	Msg struct {
		ID     string `xml:"id,attr"`
		Subscr struct {
			URL string `xml:"url,attr"`
		} `xml:"SUBSCR"`
		Action struct {
			URL string `xml:"url,attr"`
		} `xml:"ACTION"`
		Body string `xml:"BODY"`
	} `xml:"MSG"`
}

type notificationData struct {
	XMLName      xml.Name `xml:"NotificationData"`
	XSD          string   `xml:"xmlns:xsd,attr"`
	XSI          string   `xml:"xmlns:xsi,attr"`
	Service      string   `xml:"Service"`
	CID          int64    `xml:"CID"`
	LastModified string   `xml:"LastModifiedDate"`
	HasNewItem   bool     `xml:"HasNewItem"`
}

// abNotification builds "NOT len" + the ABCHInternal notification for owner.
func (h *Hub) abNotification(owner string) []byte {
	a, err := h.store.AccountByEmail(owner)
	if err != nil {
		return nil
	}
	inner, _ := xml.Marshal(notificationData{
		XSD: "http://www.w3.org/2001/XMLSchema", XSI: "http://www.w3.org/2001/XMLSchema-instance",
		Service: "ABCHInternal", CID: a.CID, LastModified: time.Now().Format("2006-01-02T15:04:05.0000000-07:00"),
	})
	var n notification
	n.ID, n.SiteID, n.SiteURL = "0", "45705", "http://contacts.msn.com"
	n.To.PID = fmt.Sprintf("0x%08x:0x%08x", a.PUID>>32, a.PUID&0xffffffff)
	n.To.Name = a.Email
	n.To.Via.Agent = "messenger"
	n.Msg.ID = "0"
	n.Msg.Subscr.URL, n.Msg.Action.URL = "s.htm", "a.htm"
	n.Msg.Body = string(inner)
	out, err := wire.NOT(n)
	if err != nil {
		return nil
	}
	return out
}
