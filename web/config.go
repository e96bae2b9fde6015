package web

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"

	"msnserver/web/soap"
)

// msgrConfig answers GET /Config/MsgrConfig.asmx (the form Messenger 8 uses,
// with op=GetClientConfig and its version in the query) with the
// configuration document, and the SOAP POST form of older builds with the
// same document as the text of GetClientConfigResult (soap-services.md §6).
func msgrConfig(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		doc, err := soap.MarshalDoc(messengerConfig())
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		soap.WriteXML(w, http.StatusOK, doc)
	case http.MethodPost:
		doc, err := xml.Marshal(messengerConfig())
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		type resp struct {
			XMLName xml.Name `xml:"http://www.msn.com/webservices/Messenger/Client GetClientConfigResponse"`
			Result  struct {
				Doc string `xml:",cdata"`
			} `xml:"GetClientConfigResult"`
		}
		var body resp
		body.Result.Doc = string(doc)
		if err := soap.Write(w, nil, body); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// configDoc is the MsgrConfig document: the parts Messenger 8 reads.
type configDoc struct {
	XMLName xml.Name `xml:"MsgrConfig"`
	Simple  struct {
		ExpiresInDays      int            `xml:"Config>ExpiresInDays"`
		DisablePhoneDialer int            `xml:"DisablePhoneDialer"`
		TrustedDomains     []configDomain `xml:"TrustedDomains>domain"`
	} `xml:"Simple"`
	// TabConfig has no tabs: this server offers no MSN Today or tab content.
	TabConfig struct {
		Tabs          struct{} `xml:"msntabdata"`
		DisplayLimit  int      `xml:"msntabsettings>oemdisplaylimit"`
		TotalLimitTab int      `xml:"msntabsettings>oemtotallimit"`
	} `xml:"TabConfig"`
	// AbchCfg points the client at the address book, by its Microsoft name
	// (which the client's hosts file maps here).
	AddressBookURL string `xml:"AbchCfg>abchconfig>url"`
	Localized      struct {
		Market string `xml:"Market,attr"`
	} `xml:"LocalizedConfig"`
}

type configDomain struct {
	Name string `xml:"name,attr"`
}

func messengerConfig() configDoc {
	var d configDoc
	d.Simple.ExpiresInDays = 1
	d.Simple.DisablePhoneDialer = 1
	for _, name := range []string{"live.com", "msn.com", "hotmail.com", "passport.net", "passport.com"} {
		d.Simple.TrustedDomains = append(d.Simple.TrustedDomains, configDomain{Name: name})
	}
	d.AddressBookURL = "https://contacts.msn.com/abservice/abservice.asmx"
	d.Localized.Market = "en-US"
	return d
}

// sha1auth answers /ppsecure/sha1auth.srf, where Messenger sends the user's
// browser (MSN Today, "go to my inbox" and other web links) to be signed in
// on the way to ru. There is no web sign-in here: the browser goes straight
// on to ru when it is a Microsoft address (so the page cannot be used to
// send people elsewhere), and gets a short page otherwise.
func sha1auth(w http.ResponseWriter, r *http.Request) {
	ru := r.FormValue("ru")
	if u, err := url.Parse(ru); err == nil && (u.Scheme == "http" || u.Scheme == "https") && microsoftHost(u.Hostname()) {
		http.Redirect(w, r, u.String(), http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("This Messenger server has no web sign-in.\n"))
}

// microsoftHost reports whether host is one of the domains a Messenger
// client links to.
func microsoftHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, d := range []string{"msn.com", "live.com", "hotmail.com", "passport.net", "passport.com", "microsoft.com", "windowslive.com"} {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// keyPort answers the root of the web listeners: Messenger probes the login
// server with a POST to "/" before asking for tokens, and a 404 there makes
// some builds report the service as down.
func keyPort(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("msnserver\n"))
}
