// Package views renders the console's pages with templ. Every page goes
// through Layout; every form carries the session's CSRF token (CSRFField).
package views

import (
	"net/url"
	"time"

	"msnserver/admin/model"
)

// Page is what Layout needs from every page.
type Page struct {
	Title string
	Nav   string // the current navigation entry: "dashboard", "accounts", ...
	User  string // the signed-in admin; empty when signed out
	CSRF  string // the session's CSRF token (on the login page, the login token)
	Flash Flash
	// Warnings are start-up problems the admin must fix; the dashboard
	// and the setup page carry them.
	Warnings []string
}

// Flash is a one-time notice shown at the top of the page.
type Flash struct {
	Error bool
	Text  string
}

// LoginData fills the login form.
type LoginData struct {
	User   string
	Next   string // where to go after signing in
	Error  string
	Notice string
}

// DashboardData is the dashboard.
type DashboardData struct {
	Stats  model.Stats
	Latest []model.SentBroadcast // the last few broadcasts
}

// AccountsData is one page of the accounts list.
type AccountsData struct {
	Query    string
	Accounts []model.Account
	Total    int
	Page     int // 1-based
	Pages    int
	From, To int // 1-based positions shown
}

// AccountNewData fills the create-account form.
type AccountNewData struct {
	Email   string
	Name    string
	Network int
	Error   string
}

// AccountData is one account's page.
type AccountData struct {
	Detail        model.AccountDetail
	Session       *model.Session // its NS session, when online
	Name          string         // the rename field
	RenameError   string
	PasswordError string
}

// PolicyData fills the policy editor.
type PolicyData struct {
	XML   string
	Error string
}

// BroadcastsData is the broadcast form and its history.
type BroadcastsData struct {
	Kind    string
	Minutes string
	Text    string
	Error   string
	Online  int
	History []model.SentBroadcast
}

// ConnectionsData lists who is online and the switchboards.
type ConnectionsData struct {
	Sessions     []model.Session
	Switchboards []model.Switchboard
	MessageTo    string // the row whose message form failed
	MessageText  string
	Error        string
}

// SetupData is the client setup page.
type SetupData struct {
	Host     string // the public host name or address
	Address  string // the address the hosts file maps to
	Resolved bool   // Address is a real address, not a placeholder
	Hosts    []HostName
	HasCert  bool
	// ScriptURL is where a client PC downloads its setup script; empty
	// when the server cannot make one (no address or no certificate).
	ScriptURL string
}

// HostName is one Microsoft host name a client must reach here.
type HostName struct {
	Name string
	Use  string
}

// PasswordData fills the admin password form.
type PasswordData struct {
	Error string
}

// ErrorData is the one error page.
type ErrorData struct {
	Status  int
	Title   string
	Message string
}

// AccountURL is the path of an account's page, plus an optional action.
func AccountURL(email string, action string) string {
	u := "/accounts/" + url.PathEscape(email)
	if action != "" {
		u += "/" + action
	}
	return u
}

// ConnectionURL is the path of an action on an online user.
func ConnectionURL(email, action string) string {
	return "/connections/" + url.PathEscape(email) + "/" + action
}

// AccountsPageURL links to one page of the accounts list.
func AccountsPageURL(query string, page int) string {
	v := url.Values{}
	if query != "" {
		v.Set("q", query)
	}
	if page > 1 {
		v.Set("page", itoa(page))
	}
	if len(v) == 0 {
		return "/accounts"
	}
	return "/accounts?" + v.Encode()
}

func when(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// ago says how long ago t was, roughly.
func ago(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := time.Since(t).Round(time.Minute)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return itoa(int(d.Minutes())) + " min ago"
	case d < 48*time.Hour:
		return itoa(int(d.Hours())) + " h " + itoa(int(d.Minutes())%60) + " min ago"
	}
	return itoa(int(d.Hours()/24)) + " days ago"
}

// SignupData fills the public sign-up form; Done names the account just made.
type SignupData struct {
	Email, Name, Invite string
	InviteOnly          bool
	Error               string
	Done                string
}

// OwnPasswordData fills the public change-your-password form.
type OwnPasswordData struct {
	Email string
	Error string
	Done  bool
}

// InvitesData is the console's sign-up page.
type InvitesData struct {
	Settings  model.SignupSettings
	Invites   []model.Invite
	SignupURL string
}
