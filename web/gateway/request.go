package gateway

import (
	"errors"
	"net/url"
	"strings"
)

// Kinds of gateway request.
const (
	actionOpen = "open" // Action=open&Server=NS|SB&IP=host: a new session
	actionSend = "send" // SessionID=…: commands in the body
	actionPoll = "poll" // Action=poll&SessionID=…: collect what waits
)

// request is a parsed gateway.dll query string.
type request struct {
	action    string
	server    string // "NS" or "SB" (open only)
	ip        string // the server the client meant to reach (open only; logged, never dialled)
	sessionID string // send and poll
}

// Limits of the query string's parts.
const (
	maxSessionID = 64
	maxIP        = 255
)

var (
	errBadQuery     = errors.New("malformed query string")
	errBadAction    = errors.New("unknown Action (open or poll, or none with a SessionID)")
	errBadServer    = errors.New("Server must be NS or SB")
	errBadIP        = errors.New("malformed IP")
	errNoSession    = errors.New("SessionID missing")
	errBadSessionID = errors.New("malformed SessionID")
)

// parseRequest reads the query string of a gateway.dll request. Parameter
// names are matched without regard to case (clients differ in order and
// spelling: Messenger writes Action first, some write SessionID first).
func parseRequest(rawQuery string) (request, error) {
	type pair struct{ k, v string }
	var pairs []pair
	for _, kv := range strings.Split(rawQuery, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return request{}, errBadQuery
		}
		pairs = append(pairs, pair{k, v})
	}
	// The first occurrence wins, in the order sent (a map would make a
	// repeated name's outcome random).
	get := func(name string) (string, bool) {
		for _, p := range pairs {
			if strings.EqualFold(p.k, name) {
				return p.v, true
			}
		}
		return "", false
	}
	var r request
	action, _ := get("Action")
	switch strings.ToLower(action) {
	case "open":
		r.action = actionOpen
		server, _ := get("Server")
		r.server = strings.ToUpper(server)
		if r.server != "NS" && r.server != "SB" {
			return request{}, errBadServer
		}
		r.ip, _ = get("IP")
		if len(r.ip) > maxIP || !printableASCII(r.ip) {
			return request{}, errBadIP
		}
		return r, nil
	case "poll":
		r.action = actionPoll
	case "":
		r.action = actionSend
	default:
		return request{}, errBadAction
	}
	id, ok := get("SessionID")
	if !ok || id == "" {
		return request{}, errNoSession
	}
	if !validSessionID(id) {
		return request{}, errBadSessionID
	}
	r.sessionID = id
	return r, nil
}

// validSessionID accepts what this gateway hands out (hex) and the
// historic "digits.digits" shape, so a well-formed but unknown ID gets the
// "unknown or expired" answer rather than "malformed".
func validSessionID(id string) bool {
	if len(id) == 0 || len(id) > maxSessionID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
