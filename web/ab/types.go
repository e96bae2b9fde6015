package ab

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"msnserver/store"
)

// abID is the id of the user's own (and in MSNP14 only) address book.
const abID = "00000000-0000-0000-0000-000000000000"

// groupType is the type GUID of ordinary contact groups.
const groupType = "c8529ce2-6ead-434d-881f-341e17db3ff8"

// nullDate is the schema's "no date".
const nullDate = "0001-01-01T00:00:00"

// Annotation names with a meaning here.
const (
	annBLP       = "MSN.IM.BLP"
	annGTC       = "MSN.IM.GTC"
	annMBEA      = "MSN.IM.MBEA"
	annBuddyType = "MSN.IM.BuddyType"
	annDisplay   = "MSN.IM.Display"
)

// checkABID accepts the user's own book (or no id at all).
func checkABID(id string) error {
	id = strings.TrimSpace(id)
	if id != "" && id != abID {
		return errBadRequest("address book %q does not exist", id)
	}
	return nil
}

type annotation struct {
	Name  string `xml:"Name" json:"name"`
	Value string `xml:"Value" json:"value"`
}

type annotationList struct {
	Annotation []annotation `xml:"Annotation"`
}

// annotationsOf renders a map sorted by name, nil when empty.
func annotationsOf(m map[string]string) *annotationList {
	if len(m) == 0 {
		return nil
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	l := &annotationList{}
	for _, n := range names {
		l.Annotation = append(l.Annotation, annotation{Name: n, Value: m[n]})
	}
	return l
}

type guidList struct {
	GUID []string `xml:"guid"`
}

// serviceHeader is sent with every successful response (soap-services.md §3).
type serviceHeader struct {
	XMLName           xml.Name `xml:"http://www.msn.com/webservices/AddressBook ServiceHeader"`
	Version           string   `xml:"Version"`
	CacheKey          string   `xml:"CacheKey"`
	CacheKeyChanged   bool     `xml:"CacheKeyChanged"`
	PreferredHostName string   `xml:"PreferredHostName"`
	SessionID         string   `xml:"SessionId"`
}

func newServiceHeader(r *http.Request) *serviceHeader {
	key := make([]byte, 24)
	rand.Read(key)
	return &serviceHeader{
		Version:           "12.01.1111.0000",
		CacheKey:          "12r1;" + base64.StdEncoding.EncodeToString(key),
		CacheKeyChanged:   true,
		PreferredHostName: hostName(r),
		SessionID:         store.NewGUID(),
	}
}

// stamp formats a time the way the service does; the zero time is the null date.
func stamp(t time.Time) string {
	if t.IsZero() {
		return nullDate
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// parseStamp reads a client date (…Z, …-08:00, with or without fraction, or
// no zone at all). The null date and garbage give the zero time.
func parseStamp(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() <= 1 {
				return time.Time{}
			}
			return t.UTC()
		}
	}
	return time.Time{}
}

// since is the lower bound of a delta request: zero means a full answer.
// Answers carry whole seconds, so everything from that second on is resent.
func since(deltasOnly, lastChange string) time.Time {
	if !parseBool(deltasOnly, false) {
		return time.Time{}
	}
	return parseStamp(lastChange).Truncate(time.Second)
}

// parseBool reads an xsd:boolean, def when absent or invalid.
func parseBool(s string, def bool) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true
	case "false", "0":
		return false
	}
	return def
}

// meContactID is the Me contact's GUID, derived from the CID so it is stable
// (alice's CID 53022440 gives 00000000-0000-0000-0000-000003290ee8).
func meContactID(cid int64) string {
	h := fmt.Sprintf("%016x", uint64(cid))
	return "00000000-0000-0000-" + h[:4] + "-" + h[4:]
}

// hasProperty reports whether a propertiesChanged list names p.
func hasProperty(list, p string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, p) {
			return true
		}
	}
	return false
}

// validGUID reports whether s looks like a GUID (so it can be a store key).
func validGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

// checkEmail validates an address the way the service reports it.
func checkEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return "", &Fault{Code: "EmailMissingAtSign", Message: "Email address is missing the @ sign", Err: fmt.Errorf("address %q", email)}
	}
	if !strings.Contains(email[at+1:], ".") {
		return "", &Fault{Code: "EmailMissingDot", Message: "Email address is missing a dot", Err: fmt.Errorf("address %q", email)}
	}
	norm, err := store.NormalizeEmail(email)
	if err != nil {
		return "", &Fault{Code: "BadEmailArgument", Message: "Invalid email address", Err: err}
	}
	return norm, nil
}
