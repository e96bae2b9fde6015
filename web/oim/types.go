package oim

import (
	"encoding/xml"

	"msnserver/web/soap"
)

// Namespaces (offline-messages.md §3, §4).
const (
	NSOIM   = "http://messenger.msn.com/ws/2004/09/oim/"  // Store (MSNP13/14)
	NSOIM2  = "http://messenger.live.com/ws/2006/09/oim/" // Store2 (later clients)
	NSRSI   = "http://www.hotmail.msn.com/ws/2004/09/oim/rsi"
	nsRM    = "http://schemas.xmlsoap.org/ws/2003/03/rm"
	nsUtil  = "http://schemas.xmlsoap.org/ws/2002/07/utility"
	rmIdent = "http://messenger.msn.com"
)

// storeHeader is the Store request's SOAP header (§3.1); elements are
// matched by local name.
type storeHeader struct {
	From struct {
		MemberName   string `xml:"memberName,attr"`
		FriendlyName string `xml:"friendlyName,attr"`
		Proxy        string `xml:"proxy,attr"`
		MSNPVer      string `xml:"msnpVer,attr"`
		BuildVer     string `xml:"buildVer,attr"`
	} `xml:"From"`
	To struct {
		MemberName string `xml:"memberName,attr"`
	} `xml:"To"`
	Ticket struct {
		Passport string `xml:"passport,attr"`
		AppID    string `xml:"appid,attr"`
		LockKey  string `xml:"lockkey,attr"`
	} `xml:"Ticket"`
	Sequence struct {
		MessageNumber string `xml:"MessageNumber"`
	} `xml:"Sequence"`
}

// storeBody is the Store request's Body children.
type storeBody struct {
	MessageType string `xml:"MessageType"`
	Content     string `xml:"Content"`
}

// sequenceAck is the Store response's header (§3.2).
type sequenceAck struct {
	XMLName    xml.Name `xml:"SequenceAcknowledgment"`
	NS         string   `xml:"xmlns,attr"`
	Identifier struct {
		NS    string `xml:"xmlns,attr"`
		Value string `xml:",chardata"`
	} `xml:"Identifier"`
	Range struct {
		Upper int `xml:"Upper,attr"`
		Lower int `xml:"Lower,attr"`
	} `xml:"AcknowledgmentRange"`
}

type storeResponse struct {
	XMLName        xml.Name `xml:"StoreResponse"`
	NS             string   `xml:"xmlns,attr"`
	PointsConsumed int      `xml:"PointsConsumed"`
}

// rsiHeader is the rsi request's header (§4.1).
type rsiHeader struct {
	Cookie struct {
		T string `xml:"t"`
		P string `xml:"p"`
	} `xml:"PassportCookie"`
}

type getMessageRequest struct {
	MessageID      string `xml:"messageId"`
	AlsoMarkAsRead string `xml:"alsoMarkAsRead"`
}

type deleteMessagesRequest struct {
	IDs []string `xml:"messageIds>messageId"`
}

type getMetadataResponse struct {
	XMLName xml.Name `xml:"GetMetadataResponse"`
	NS      string   `xml:"xmlns,attr"`
	MD      *mailDataDoc
}

type getMessageResponse struct {
	XMLName xml.Name  `xml:"GetMessageResponse"`
	NS      string    `xml:"xmlns,attr"`
	Result  soap.Text `xml:"GetMessageResult"`
}

type deleteMessagesResponse struct {
	XMLName xml.Name `xml:"DeleteMessagesResponse"`
	NS      string   `xml:"xmlns,attr"`
}

// mailDataDoc is the <MD> document of Mail-Data and GetMetadata (§2.1).
type mailDataDoc struct {
	XMLName  xml.Name    `xml:"MD"`
	Inbox    *mailCounts `xml:"E,omitempty"`
	Quota    *mailQuota  `xml:"Q,omitempty"`
	Messages []mailDataM `xml:"M"`
	SU       *string     `xml:"SU,omitempty"`
}

type mailCounts struct {
	Inbox       int `xml:"I"`
	InboxUnread int `xml:"IU"`
	Other       int `xml:"O"`
	OtherUnread int `xml:"OU"`
}

type mailQuota struct {
	QTM int `xml:"QTM"`
	QNM int `xml:"QNM"`
}

// mailDataM announces one stored message.
type mailDataM struct {
	Type     int    `xml:"T"`
	S        int    `xml:"S"`
	Received string `xml:"RT,omitempty"`
	Read     int    `xml:"RS"`
	Size     int    `xml:"SZ"`
	Email    string `xml:"E"`
	ID       string `xml:"I"`
	Folder   string `xml:"F"`
	Name     string `xml:"N"`
}
