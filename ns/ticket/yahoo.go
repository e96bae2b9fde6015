package ticket

import "time"

// YahooTicket is what the Yahoo! token login (pwtoken_login) hands a client:
// the Y and T cookies and the crumb, which the YMSG pager redeems once, within
// its lifetime, at AUTHRESP. The web service issues and keeps them; the pager
// only redeems, through an interface, so neither server imports the other.
type YahooTicket struct {
	Email   string
	Crumb   string
	Y, T    string
	Expires time.Time
}
