package oim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"strconv"
	"time"

	"msnserver/web/soap"
)

// Store fault codes (offline-messages.md §3.4); clients branch on them.
const (
	codeAuthFailed  = "AuthenticationFailed"        // bad ticket, wrong sender, missing/wrong lock key
	codeUnavailable = "SystemUnavailable"           // unknown recipient, blocked, mailbox full
	codeThrottle    = "SenderThrottleLimitExceeded" // too many too fast, sender quota
	codeInvalid     = "InvalidContent"              // malformed MIME/headers/sequence/base64, too long
)

// aspNetFault is the faultstring ASP.NET web services used for SoapException.
const aspNetFault = "Exception of type 'System.Web.Services.Protocols.SoapException' was thrown."

const (
	actorStore = "https://ows.messenger.msn.com/OimWS/oim.asmx"
	actorRSI   = "https://rsi.hotmail.com/rsi/rsi.asmx"
)

type fault struct {
	XMLName xml.Name    `xml:"soap:Fault"`
	Code    faultCode   `xml:"faultcode"`
	String  string      `xml:"faultstring"`
	Actor   string      `xml:"faultactor,omitempty"`
	Detail  faultDetail `xml:"detail"`
}

// faultCode binds q0 to the service namespace when the code uses it.
type faultCode struct {
	Q0    string `xml:"xmlns:q0,attr,omitempty"`
	Value string `xml:",chardata"`
}

// faultDetail: msn-pecan finds the challenge by skipping the fixed prefix
// `<LockKeyChallenge xmlns="…/oim/">`, so the element carries exactly one
// xmlns attribute, no prefix and no whitespace.
type faultDetail struct {
	Tweener *nsText `xml:"TweenerChallenge,omitempty"`
	LockKey *nsText `xml:"LockKeyChallenge,omitempty"`
}

type nsText struct {
	NS    string `xml:"xmlns,attr"`
	Value string `xml:",chardata"`
}

// writeStoreFault sends a Store fault with code in namespace ns.
func writeStoreFault(w http.ResponseWriter, ns, code string) {
	writeFault(w, fault{Code: faultCode{Q0: ns, Value: "q0:" + code}, String: aspNetFault, Actor: actorStore})
}

// writeLockKeyFault asks for (another) lock key: AuthenticationFailed with
// the Tweener policy and a fresh LockKeyChallenge (§3.3).
func writeLockKeyFault(w http.ResponseWriter, ns, chl string, now time.Time) {
	writeFault(w, fault{
		Code:   faultCode{Q0: ns, Value: "q0:" + codeAuthFailed},
		String: aspNetFault,
		Actor:  actorStore,
		Detail: faultDetail{
			Tweener: &nsText{NS: ns, Value: tweenerPolicy(now)},
			LockKey: &nsText{NS: ns, Value: chl},
		},
	})
}

// writeTicketFault refuses a ticket; the Tweener policy lets the client
// fetch a new one.
func writeTicketFault(w http.ResponseWriter, ns, actor string, now time.Time) {
	writeFault(w, fault{
		Code:   faultCode{Q0: ns, Value: "q0:" + codeAuthFailed},
		String: aspNetFault,
		Actor:  actor,
		Detail: faultDetail{Tweener: &nsText{NS: ns, Value: tweenerPolicy(now)}},
	})
}

// writeClientFault is the generic soap:Client fault (malformed request,
// unknown message id on rsi).
func writeClientFault(w http.ResponseWriter, why string) {
	writeFault(w, fault{Code: faultCode{Value: "soap:Client"}, String: why, Actor: actorRSI})
}

func writeFault(w http.ResponseWriter, f fault) {
	doc, err := soap.Marshal(nil, f)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	soap.WriteXML(w, http.StatusInternalServerError, doc)
}

// tweenerPolicy is the Passport parameter set the NS sends in USR TWN S
// (ns-login.md §7), with a fresh ct, rn and tpf.
func tweenerPolicy(now time.Time) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var rn [8]byte
	rand.Read(rn[:])
	for i := range rn {
		rn[i] = letters[int(rn[i])%len(letters)]
	}
	var tpf [16]byte
	rand.Read(tpf[:])
	return "ct=" + strconv.FormatInt(now.Unix(), 10) +
		",rver=5.5.4177.0,wp=FS_40SEC_0_COMPACT,lc=1033,id=507,ru=http://messenger.msn.com,tw=0,kpp=1,kv=4,ver=2.1.6000.1" +
		",rn=" + string(rn[:]) + ",tpf=" + hex.EncodeToString(tpf[:])
}
