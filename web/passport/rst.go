// Package passport is the Passport RST token service (POST /RST.srf): it
// checks a user's password and answers WS-Trust RequestMultipleSecurityTokens
// with one signed compact ticket per requested address.
package passport

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"msnserver/ns/ratelimit"
	"msnserver/ns/ticket"
	"msnserver/store"
	"msnserver/web/soap"
)

// Service answers RST requests.
type Service struct {
	store   *store.Store
	tickets *ticket.Signer
	log     *slog.Logger
	limiter *ratelimit.Limiter
}

// MaxFailures is how many failed sign-ins one address, and one account,
// may make per minute; past it the password is not checked.
const MaxFailures = 20

// New returns the token service. Mount the one Service at every path it
// answers (/RST.srf, /rst.srf), so they share one budget.
func New(st *store.Store, tickets *ticket.Signer, log *slog.Logger) *Service {
	return &Service{store: st, tickets: tickets, log: log, limiter: ratelimit.New(MaxFailures, time.Minute)}
}

type rstHeader struct {
	Username string `xml:"Security>UsernameToken>Username"`
	Password string `xml:"Security>UsernameToken>Password"`
}

type rstRequest struct {
	Tokens []struct {
		ID      string `xml:"Id,attr"`
		Address string `xml:"AppliesTo>EndpointReference>Address"`
		Policy  struct {
			URI string `xml:"URI,attr"`
		} `xml:"PolicyReference"`
	} `xml:"RequestSecurityToken"`
}

// ServeHTTP handles POST /RST.srf.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	ip := clientIP(r)
	req, err := soap.Read(r)
	var hdr rstHeader
	var body rstRequest
	if err == nil {
		err = req.DecodeHeader(&hdr)
	}
	if err == nil {
		err = req.DecodeBody(&body)
	}
	if err != nil || hdr.Username == "" || len(body.Tokens) == 0 || len(body.Tokens) > 32 {
		writeFault(w, "S:Client", "Invalid Request", "0x80048800")
		return
	}
	acct, err := s.store.AccountByEmail(hdr.Username)
	if err != nil {
		acct = nil
	}
	// A password verified lately (a client signing in again) is answered
	// from memory before the limits: only a right password is remembered,
	// so this helps no guesser. Anything else counts as an attempt before
	// bcrypt runs, per address and per account, so concurrent requests
	// cannot all be checked before one failure is; an address with many
	// checks under way (everyone behind one router signing in again after
	// a restart, when nothing is remembered) waits for them rather than
	// being refused.
	if !store.PasswordRemembered(acct, hdr.Password) {
		attempt, ok := s.limiter.ReserveWait(r.Context(), "ip:"+ip, "account:"+strings.ToLower(strings.TrimSpace(hdr.Username)))
		if ok {
			defer attempt.Done()
		}
		if !ok {
			s.log.Warn("RST rate limit", "ip", ip, "user", strings.ToLower(hdr.Username))
			writeFault(w, "wsse:FailedAuthentication", "Authentication Failure", "0x80048821")
			return
		}
		if !checkPassword(acct, hdr.Password) {
			s.log.Info("RST failed", "ip", ip, "user", strings.ToLower(hdr.Username))
			writeFault(w, "wsse:FailedAuthentication", "Authentication Failure", "0x80048821")
			return
		}
		attempt.Succeeded()
	}
	if acct.Disabled {
		s.log.Info("RST failed: account disabled", "ip", ip, "user", acct.Email)
		writeFault(w, "wsse:FailedAuthentication", "Authentication Failure", "0x80048821")
		return
	}
	now := time.Now().UTC()
	resp := collection{
		S: soap.NSEnvelope, WST: nsWST, WSSE: nsWSSE, WSU: nsWSU, SAML: nsSAML, WSP: nsWSP, PSF: nsPSF,
	}
	for i, t := range body.Tokens {
		resp.Responses = append(resp.Responses, s.response(tokenNumber(t.ID, i), t.Address, acct, now))
	}
	doc := envelope{
		S:      soap.NSEnvelope,
		Header: &header{PP: passportHeader(acct, now, "0x48803", "0x0")},
		Body:   envBody{Content: resp},
	}
	out, err := soap.MarshalDoc(doc)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	s.log.Debug("RST issued", "account", acct.Email, "tokens", len(body.Tokens))
	soap.WriteXML(w, http.StatusOK, out)
}

func (s *Service) response(i int, address string, acct *store.Account, now time.Time) tokenResponse {
	r := tokenResponse{
		AppliesTo: appliesTo{WSA: nsWSA, Address: address},
		LifeTime:  lifeTime{Created: now.Format(time.RFC3339), Expires: now.Add(ticket.Lifetime).Format(time.RFC3339)},
	}
	if address == "http://Passport.NET/tb" {
		// The legacy token: an opaque blob and a proof key. It must carry no
		// BinarySecurityToken, since some clients take the first one they find.
		r.TokenType = "urn:passport:legacy"
		id := fmt.Sprintf("BinaryDAToken%d", i)
		r.Token.Encrypted = &encryptedData{
			XMLNS: "http://www.w3.org/2001/04/xmlenc#", ID: id, Type: "http://www.w3.org/2001/04/xmlenc#Element",
			Method:  algorithm{Algorithm: "http://www.w3.org/2001/04/xmlenc#tripledes-cbc"},
			KeyInfo: keyInfo{DS: "http://www.w3.org/2000/09/xmldsig#", KeyName: "http://Passport.NET/STS"},
			Cipher:  randomB64(96),
		}
		r.Reference = tokenReference{KeyID: keyIdentifier{ValueType: "urn:passport"}, Ref: reference{URI: "#" + id}}
		r.Proof = &proofToken{Secret: randomB64(24)}
		return r
	}
	id := fmt.Sprintf("Compact%d", i)
	token := s.tickets.IssueFor(acct)
	r.TokenType = "urn:passport:compact"
	r.Token.Binary = &binaryToken{ID: id, Value: ticket.Compact(token)}
	r.Reference = tokenReference{KeyID: keyIdentifier{ValueType: "urn:passport:compact"}, Ref: reference{URI: "#" + id}}
	if strings.EqualFold(address, addrMessengerClear) {
		// MSNP15 USR SSO: the client proves it holds this key; the NS
		// derives the same key from the ticket it is shown.
		r.Proof = &proofToken{Secret: base64.StdEncoding.EncodeToString(s.tickets.ProofKey(token))}
	}
	return r
}

// addrMessengerClear is the address of the MSNP15 login ticket.
const addrMessengerClear = "messengerclear.live.com"

// tokenNumber is n of the request's Id "RSTn": MSNP15 clients match the
// answer's CompactN/BinaryDATokenN to the request they sent and reject any
// other number. Without a usable Id the position is used.
func tokenNumber(id string, pos int) int {
	if n, err := strconv.Atoi(strings.TrimPrefix(id, "RST")); err == nil && n >= 0 && n < 1000 && strings.HasPrefix(id, "RST") {
		return n
	}
	return pos
}

// passportHeader is the psf:pp header of every RST answer, success or fault.
func passportHeader(acct *store.Account, now time.Time, authState, reqStatus string) *pp {
	p := &pp{
		PSF: nsPSF, ServerVersion: 1, AuthState: authState, ReqStatus: reqStatus,
		ServerInfo: serverInfo{Path: "Live1", Rolling: "ExclusiveNew", Loc: "0", Time: now.Format(time.RFC3339), Text: "MSNSERVER " + now.Format("2006.01.02")},
	}
	if acct != nil {
		p.PUID = fmt.Sprintf("%016X", acct.PUID)
		p.ConfigVersion, p.UIVersion = "3.100.2179.0", "3.100.2179.0"
		p.Cred = &credProperties{Props: []credProperty{
			{Name: "MainBrandID", Value: "MSFT"},
			{Name: "IsWinLiveUser", Value: "true"},
			{Name: "CID", Value: fmt.Sprintf("%016x", uint64(acct.CID))},
		}}
		p.Ext = &struct{}{}
	}
	return p
}

// writeFault answers a refused RST. The fault stands directly under the
// envelope, as Passport wrote it (soap-services.md §2.6; KMess and Miranda
// read it there), and again inside the Body, where standard SOAP readers
// such as libpurple's look for faultstring; each reader finds one.
func writeFault(w http.ResponseWriter, code, text, reqStatus string) {
	now := time.Now().UTC()
	f := &fault{Code: code, String: text}
	doc := envelope{
		S: soap.NSEnvelope, WSSE: nsWSSE, PSF: nsPSF,
		Header: &header{PP: passportHeader(nil, now, "0x80048800", reqStatus)},
		Fault:  f,
		Body: envBody{Content: struct {
			XMLName xml.Name `xml:"S:Fault"`
			*fault
		}{fault: f}},
	}
	out, err := soap.MarshalDoc(doc)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	// 200, as the clients that parse this fault expect (soap-services.md §2.6).
	soap.WriteXML(w, http.StatusOK, out)
}

func randomB64(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// checkPassword is store.CheckPassword (a variable so a test can hold checks
// under way).
var checkPassword = store.CheckPassword

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Namespaces of the token service.
const (
	nsWST  = "http://schemas.xmlsoap.org/ws/2004/04/trust"
	nsWSSE = "http://schemas.xmlsoap.org/ws/2003/06/secext"
	nsWSU  = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	nsSAML = "urn:oasis:names:tc:SAML:1.0:assertion"
	nsWSP  = "http://schemas.xmlsoap.org/ws/2002/12/policy"
	nsWSA  = "http://schemas.xmlsoap.org/ws/2004/03/addressing"
	nsPSF  = "http://schemas.microsoft.com/Passport/SoapServices/SOAPFault"
)

// The response document, element names with their prefixes as in the
// historic captures (soap-services.md §2.3).
type envelope struct {
	XMLName xml.Name `xml:"S:Envelope"`
	S       string   `xml:"xmlns:S,attr"`
	WSSE    string   `xml:"xmlns:wsse,attr,omitempty"`
	PSF     string   `xml:"xmlns:psf,attr,omitempty"`
	Header  *header  `xml:"S:Header"`
	Fault   *fault   `xml:"S:Fault"`
	Body    envBody  `xml:"S:Body,omitempty"`
}

type envBody struct {
	Content any
}

func (b envBody) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if b.Content == nil {
		return nil
	}
	return e.EncodeElement(struct{ Content any }{b.Content}, start)
}

type header struct {
	PP *pp `xml:"psf:pp"`
}

type pp struct {
	PSF           string          `xml:"xmlns:psf,attr"`
	ServerVersion int             `xml:"psf:serverVersion"`
	PUID          string          `xml:"psf:PUID,omitempty"`
	ConfigVersion string          `xml:"psf:configVersion,omitempty"`
	UIVersion     string          `xml:"psf:uiVersion,omitempty"`
	AuthState     string          `xml:"psf:authstate"`
	ReqStatus     string          `xml:"psf:reqstatus"`
	ServerInfo    serverInfo      `xml:"psf:serverInfo"`
	Cookies       struct{}        `xml:"psf:cookies"`
	Cred          *credProperties `xml:"psf:credProperties"`
	Ext           *struct{}       `xml:"psf:extProperties"`
	Response      struct{}        `xml:"psf:response"`
}

type serverInfo struct {
	Path    string `xml:"Path,attr"`
	Rolling string `xml:"RollingUpgradeState,attr"`
	Loc     string `xml:"LocVersion,attr"`
	Time    string `xml:"ServerTime,attr"`
	Text    string `xml:",chardata"`
}

type credProperties struct {
	Props []credProperty `xml:"psf:credProperty"`
}

type credProperty struct {
	Name  string `xml:"Name,attr"`
	Value string `xml:",chardata"`
}

type fault struct {
	Code   string `xml:"faultcode"`
	String string `xml:"faultstring"`
}

type collection struct {
	XMLName   xml.Name        `xml:"wst:RequestSecurityTokenResponseCollection"`
	S         string          `xml:"xmlns:S,attr"`
	WST       string          `xml:"xmlns:wst,attr"`
	WSSE      string          `xml:"xmlns:wsse,attr"`
	WSU       string          `xml:"xmlns:wsu,attr"`
	SAML      string          `xml:"xmlns:saml,attr"`
	WSP       string          `xml:"xmlns:wsp,attr"`
	PSF       string          `xml:"xmlns:psf,attr"`
	Responses []tokenResponse `xml:"wst:RequestSecurityTokenResponse"`
}

type tokenResponse struct {
	TokenType string         `xml:"wst:TokenType"`
	AppliesTo appliesTo      `xml:"wsp:AppliesTo"`
	LifeTime  lifeTime       `xml:"wst:LifeTime"`
	Token     requestedToken `xml:"wst:RequestedSecurityToken"`
	Reference tokenReference `xml:"wst:RequestedTokenReference"`
	Proof     *proofToken    `xml:"wst:RequestedProofToken"`
}

type appliesTo struct {
	WSA     string `xml:"xmlns:wsa,attr"`
	Address string `xml:"wsa:EndpointReference>wsa:Address"`
}

type lifeTime struct {
	Created string `xml:"wsu:Created"`
	Expires string `xml:"wsu:Expires"`
}

type requestedToken struct {
	Binary    *binaryToken   `xml:"wsse:BinarySecurityToken"`
	Encrypted *encryptedData `xml:"EncryptedData"`
}

type binaryToken struct {
	ID    string `xml:"Id,attr"`
	Value string `xml:",chardata"`
}

type encryptedData struct {
	XMLNS   string    `xml:"xmlns,attr"`
	ID      string    `xml:"Id,attr"`
	Type    string    `xml:"Type,attr"`
	Method  algorithm `xml:"EncryptionMethod"`
	KeyInfo keyInfo   `xml:"ds:KeyInfo"`
	Cipher  string    `xml:"CipherData>CipherValue"`
}

type algorithm struct {
	Algorithm string `xml:"Algorithm,attr"`
}

type keyInfo struct {
	DS      string `xml:"xmlns:ds,attr"`
	KeyName string `xml:"ds:KeyName"`
}

type tokenReference struct {
	KeyID keyIdentifier `xml:"wsse:KeyIdentifier"`
	Ref   reference     `xml:"wsse:Reference"`
}

type keyIdentifier struct {
	ValueType string `xml:"ValueType,attr"`
}

type reference struct {
	URI string `xml:"URI,attr"`
}

type proofToken struct {
	Secret string `xml:"wst:BinarySecret"`
}
