package loadtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// tokenClient asks the Passport RST service for the messenger.msn.com ticket.
type tokenClient struct {
	url  string
	http *http.Client
}

func newTokenClient(cfg *Config) *tokenClient {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 512,
		IdleConnTimeout:     30 * time.Second,
		TLSHandshakeTimeout: cfg.Timeout,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: cfg.Insecure}, //nolint:gosec // the operator asked for it (self-signed server)
	}
	return &tokenClient{url: strings.TrimSuffix(cfg.HTTPURL, "/") + "/RST.srf", http: &http.Client{Transport: tr, Timeout: cfg.Timeout}}
}

// errAuth is a token-service fault (wrong password, unknown account).
var errAuth = errors.New("token service refused the credentials")

// rstTemplate is WLM 8's RequestMultipleSecurityTokens (soap-services.md
// §2.1), trimmed to the three addresses MSNP14 asks for.
const rstTemplate = `<?xml version="1.0" encoding="UTF-8"?>` +
	`<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsse="http://schemas.xmlsoap.org/ws/2003/06/secext" xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" xmlns:wsp="http://schemas.xmlsoap.org/ws/2002/12/policy" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/03/addressing" xmlns:wssc="http://schemas.xmlsoap.org/ws/2004/04/sc" xmlns:wst="http://schemas.xmlsoap.org/ws/2004/04/trust">` +
	`<Header><ps:AuthInfo xmlns:ps="http://schemas.microsoft.com/Passport/SoapServices/PPCRL" Id="PPAuthInfo"><ps:HostingApp>{7108E71A-9926-4FCB-BCC9-9A9D3F32E423}</ps:HostingApp><ps:BinaryVersion>4</ps:BinaryVersion><ps:UIVersion>1</ps:UIVersion><ps:Cookies></ps:Cookies><ps:RequestParams>AQAAAAIAAABsYwQAAAAxMDMz</ps:RequestParams></ps:AuthInfo>` +
	`<wsse:Security><wsse:UsernameToken Id="user"><wsse:Username>%s</wsse:Username><wsse:Password>%s</wsse:Password></wsse:UsernameToken></wsse:Security></Header>` +
	`<Body><ps:RequestMultipleSecurityTokens xmlns:ps="http://schemas.microsoft.com/Passport/SoapServices/PPCRL" Id="RSTS">` +
	`<wst:RequestSecurityToken Id="RST0"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>http://Passport.NET/tb</wsa:Address></wsa:EndpointReference></wsp:AppliesTo></wst:RequestSecurityToken>` +
	`<wst:RequestSecurityToken Id="RST1"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>messenger.msn.com</wsa:Address></wsa:EndpointReference></wsp:AppliesTo><wsse:PolicyReference URI="%s"></wsse:PolicyReference></wst:RequestSecurityToken>` +
	`<wst:RequestSecurityToken Id="RST2"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>contacts.msn.com</wsa:Address></wsa:EndpointReference></wsp:AppliesTo><wsse:PolicyReference URI="MBI"></wsse:PolicyReference></wst:RequestSecurityToken>` +
	`</ps:RequestMultipleSecurityTokens></Body></Envelope>`

// ticket returns the compact messenger ticket "t=…&p=…" for USR TWN S. The
// policy is the USR TWN S policy string, sent back as WLM does.
func (tc *tokenClient) ticket(ctx context.Context, email, password, policy string) (string, error) {
	uri := "?" + strings.ReplaceAll(policy, ",", "&")
	body := fmt.Sprintf(rstTemplate, html.EscapeString(email), html.EscapeString(password), html.EscapeString(uri))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tc.url, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("User-Agent", "MSN Explorer/9.0 (MSN 8.0; TmstmpExt)")
	resp, err := tc.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token service: HTTP %s", resp.Status)
	}
	return compactTicket(data)
}

// rstSSOTemplate is the MSNP15 request: the legacy token, then
// messengerclear.live.com with the policy USR SSO named (its answer carries
// the proof key), then the contacts ticket.
const rstSSOTemplate = `<?xml version="1.0" encoding="UTF-8"?>` +
	`<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsse="http://schemas.xmlsoap.org/ws/2003/06/secext" xmlns:wsp="http://schemas.xmlsoap.org/ws/2002/12/policy" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/03/addressing" xmlns:wst="http://schemas.xmlsoap.org/ws/2004/04/trust">` +
	`<Header><wsse:Security><wsse:UsernameToken Id="user"><wsse:Username>%s</wsse:Username><wsse:Password>%s</wsse:Password></wsse:UsernameToken></wsse:Security></Header>` +
	`<Body><ps:RequestMultipleSecurityTokens xmlns:ps="http://schemas.microsoft.com/Passport/SoapServices/PPCRL" Id="RSTS">` +
	`<wst:RequestSecurityToken Id="RST0"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>http://Passport.NET/tb</wsa:Address></wsa:EndpointReference></wsp:AppliesTo></wst:RequestSecurityToken>` +
	`<wst:RequestSecurityToken Id="RST1"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>messengerclear.live.com</wsa:Address></wsa:EndpointReference></wsp:AppliesTo><wsse:PolicyReference URI="%s"></wsse:PolicyReference></wst:RequestSecurityToken>` +
	`<wst:RequestSecurityToken Id="RST2"><wst:RequestType>http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue</wst:RequestType><wsp:AppliesTo><wsa:EndpointReference><wsa:Address>contacts.msn.com</wsa:Address></wsa:EndpointReference></wsp:AppliesTo><wsse:PolicyReference URI="MBI"></wsse:PolicyReference></wst:RequestSecurityToken>` +
	`</ps:RequestMultipleSecurityTokens></Body></Envelope>`

// ticketSSO returns the messengerclear.live.com ticket and its proof key
// (BinarySecret) for USR SSO S.
func (tc *tokenClient) ticketSSO(ctx context.Context, email, password, policy string) (string, []byte, error) {
	body := fmt.Sprintf(rstSSOTemplate, html.EscapeString(email), html.EscapeString(password), html.EscapeString(policy))
	data, err := tc.post(ctx, body)
	if err != nil {
		return "", nil, err
	}
	i := bytes.Index(data, []byte("messengerclear.live.com</"))
	if i < 0 {
		if bytes.Contains(data, []byte("FailedAuthentication")) {
			return "", nil, errAuth
		}
		return "", nil, fmt.Errorf("token service: no messengerclear.live.com token in %d bytes", len(data))
	}
	tk, err := compactTicket(data[i:])
	if err != nil {
		return "", nil, err
	}
	j := bytes.Index(data[i:], []byte("BinarySecret>"))
	if j < 0 {
		return "", nil, errors.New("token service: messengerclear.live.com token without BinarySecret")
	}
	rest := data[i+j+len("BinarySecret>"):]
	end := bytes.IndexByte(rest, '<')
	if end < 0 {
		return "", nil, errors.New("token service: truncated BinarySecret")
	}
	secret, err := base64.StdEncoding.DecodeString(string(rest[:end]))
	if err != nil {
		return "", nil, fmt.Errorf("token service: BinarySecret: %w", err)
	}
	return tk, secret, nil
}

// post sends one RST request and returns the answer.
func (tc *tokenClient) post(ctx context.Context, body string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tc.url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	resp, err := tc.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("token service: HTTP %s", resp.Status)
	}
	return data, nil
}

// compactTicket finds the first BinarySecurityToken: the messenger.msn.com
// ticket when the answer follows request order (soap-services.md §2.3).
func compactTicket(data []byte) (string, error) {
	if bytes.Contains(data, []byte("FailedAuthentication")) {
		return "", errAuth
	}
	i := bytes.Index(data, []byte("BinarySecurityToken"))
	if i < 0 {
		return "", fmt.Errorf("token service: no BinarySecurityToken in %d bytes", len(data))
	}
	rest := data[i:]
	start := bytes.IndexByte(rest, '>')
	if start < 0 {
		return "", errors.New("token service: truncated BinarySecurityToken")
	}
	rest = rest[start+1:]
	end := bytes.IndexByte(rest, '<')
	if end < 0 {
		return "", errors.New("token service: truncated BinarySecurityToken")
	}
	t := html.UnescapeString(string(rest[:end]))
	if !strings.HasPrefix(t, "t=") || strings.ContainsAny(t, " \r\n") {
		return "", fmt.Errorf("token service: odd ticket %.40q", t)
	}
	return t, nil
}
