package web

import (
	"encoding/xml"
	"net/http"

	"msnserver/web/soap"
)

// msgrConfig answers GET (and the older POST form) of /Config/MsgrConfig.asmx
// with a minimal client configuration that keeps WLM quiet (soap-services.md §6).
func msgrConfig(w http.ResponseWriter, r *http.Request) {
	type config struct {
		XMLName xml.Name `xml:"MsgrConfig"`
		Expires int      `xml:"Simple>Config>ExpiresInDays"`
		Domains []string `xml:"Simple>TrustedDomains>domain,omitempty"`
	}
	doc := config{Expires: 0}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		out, err := soap.MarshalDoc(doc)
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		soap.WriteXML(w, http.StatusOK, out)
	case http.MethodPost:
		type resp struct {
			XMLName xml.Name `xml:"http://www.msn.com/webservices/Messenger/Client GetClientConfigResponse"`
			Result  config   `xml:"GetClientConfigResult"`
		}
		if err := soap.Write(w, nil, resp{Result: doc}); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}
