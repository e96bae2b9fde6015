package web

import (
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	s := New(Deps{Log: slog.New(slog.DiscardHandler)})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, ts *httptest.Server, method, path, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// checkConfigDoc parses a MsgrConfig document and checks what Messenger 8
// reads from it.
func checkConfigDoc(t *testing.T, doc string) {
	t.Helper()
	var d struct {
		XMLName xml.Name `xml:"MsgrConfig"`
		Expires string   `xml:"Simple>Config>ExpiresInDays"`
		Domains []struct {
			Name string `xml:"name,attr"`
		} `xml:"Simple>TrustedDomains>domain"`
		Tabs *struct{} `xml:"TabConfig>msntabdata"`
		AB   string    `xml:"AbchCfg>abchconfig>url"`
		Loc  *struct {
			Market string `xml:"Market,attr"`
		} `xml:"LocalizedConfig"`
	}
	if err := xml.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("config document: %v\n%s", err, doc)
	}
	if d.Expires == "" || len(d.Domains) == 0 || d.Tabs == nil || d.Loc == nil || d.Loc.Market != "en-US" ||
		d.AB != "https://contacts.msn.com/abservice/abservice.asmx" {
		t.Fatalf("config document lacks a section Messenger reads: %+v\n%s", d, doc)
	}
}

// Clients ask for the configuration under either case of "Config"; both
// get the whole document.
func TestMsgrConfigBothPaths(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{
		"/Config/MsgrConfig.asmx?op=GetClientConfig&Country=US&CLCID=0409&PLCID=0409&GeoID=244&ver=8.1.0178",
		"/config/MsgrConfig.asmx?op=GetClientConfig&ver=8.5.1302",
		"/CONFIG/msgrconfig.asmx",
	} {
		resp, body := get(t, ts, http.MethodGet, path, "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") ||
			!strings.HasPrefix(body, `<?xml version="1.0" encoding="utf-8"?><MsgrConfig>`) {
			t.Fatalf("GET %s: %s %q\n%s", path, resp.Status, resp.Header.Get("Content-Type"), body)
		}
		checkConfigDoc(t, body)
	}

	// The SOAP form: the same document as CDATA text of GetClientConfigResult.
	req := `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
		`<GetClientConfig xmlns="http://www.msn.com/webservices/Messenger/Client"><clientinfo><Country>US</Country><CLCID>0409</CLCID><PLCID>0409</PLCID><GeoID>244</GeoID></clientinfo></GetClientConfig></soap:Body></soap:Envelope>`
	resp, body := get(t, ts, http.MethodPost, "/Config/MsgrConfig.asmx", req)
	if resp.StatusCode != 200 || !strings.Contains(body, "<GetClientConfigResult><![CDATA[<MsgrConfig>") {
		t.Fatalf("POST: %s\n%s", resp.Status, body)
	}
	var env struct {
		Result string `xml:"Body>GetClientConfigResponse>GetClientConfigResult"`
	}
	if err := xml.Unmarshal([]byte(body), &env); err != nil {
		t.Fatal(err)
	}
	checkConfigDoc(t, env.Result)
}

func TestSmallEndpoints(t *testing.T) {
	ts := newTestServer(t)
	// Web links from the client: on to ru when it is a Microsoft address.
	resp, _ := get(t, ts, http.MethodGet, "/ppsecure/sha1auth.srf?lc=1033&ru=http%3A%2F%2Ftoday.msn.com%2F%3Fpc%3DMSN", "")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "http://today.msn.com/?pc=MSN" {
		t.Fatalf("sha1auth: %s Location %q", resp.Status, resp.Header.Get("Location"))
	}
	resp, _ = get(t, ts, http.MethodPost, "/ppsecure/sha1auth.srf", "")
	if resp.StatusCode != 200 {
		t.Fatalf("sha1auth without ru: %s", resp.Status)
	}
	resp, _ = get(t, ts, http.MethodGet, "/ppsecure/sha1auth.srf?ru=https%3A%2F%2Fevil.example%2F", "")
	if resp.StatusCode != 200 || resp.Header.Get("Location") != "" {
		t.Fatalf("sha1auth redirected outside Microsoft's names: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	// The login server probe.
	if resp, _ := get(t, ts, http.MethodPost, "/", ""); resp.StatusCode != 200 {
		t.Fatalf("POST /: %s", resp.Status)
	}
	// Routing: double slashes (libpurple 2.5) and case; unknown paths are 404.
	if resp, _ := get(t, ts, http.MethodGet, "//config//MsgrConfig.asmx", ""); resp.StatusCode != 200 {
		t.Fatalf("double slashes: %s", resp.Status)
	}
	if resp, _ := get(t, ts, http.MethodGet, "/nothing/here", ""); resp.StatusCode != 404 {
		t.Fatalf("unknown path: %s", resp.Status)
	}
}
