// Package model holds the data the admin console shows. Package admin
// re-exports every type here under the same name (admin.Account is
// model.Account), so a Backend adapter never needs to import this package. It
// exists so that admin/views can render these types without importing admin.
package model

import "time"

// Network ids of an account (the MSNP14 network ids).
const (
	NetworkMSN   = 1
	NetworkYahoo = 32
)

// NetworkName names a network id for people.
func NetworkName(network int) string {
	switch network {
	case NetworkMSN:
		return "MSN"
	case NetworkYahoo:
		return "Yahoo!"
	}
	return "unknown"
}

// Account is one Messenger user as the accounts list shows it.
type Account struct {
	Email    string
	Name     string // friendly name
	Network  int    // NetworkMSN or NetworkYahoo
	Disabled bool
	Created  time.Time
	Online   bool
}

// Contact is one entry of an account's contact list.
type Contact struct {
	Email   string
	Name    string
	Network int
	Lists   string   // the lists it is on, space separated: "FL AL RL BL PL"
	Groups  []string // names of the groups it is in
}

// AccountDetail is one account with its contact list and groups.
type AccountDetail struct {
	Account
	Contacts []Contact
	Groups   []string // group names

	// The roaming profile (MSNP15 storage service).
	PersonalMessage string   // the roamed personal message, else the last one set with UUX
	RoamedName      string   // the display name kept in the storage service; "" when never set
	Picture         *Picture // the roamed display picture; nil when none
}

// Picture describes a stored display picture.
type Picture struct {
	Mime     string
	Size     int
	Modified time.Time
}

// Session is one signed-in notification-server connection.
type Session struct {
	Email         string
	Name          string
	Status        string // NLN, BSY, IDL, BRB, AWY, PHN, LUN, HDN
	ClientVersion string // from CVR, e.g. "8.1.0178"
	Dialect       string // negotiated protocol: MSNP13, MSNP14 or MSNP15
	Front         string // the protocol front: "MSNP" (Messenger) or "YMSG" (Yahoo! Messenger)
	RemoteAddr    string
	Since         time.Time
	Switchboards  int // switchboard sessions it takes part in
}

// Switchboard is one switchboard (conversation) session in progress.
type Switchboard struct {
	ID       string
	Members  []string
	Since    time.Time
	Messages int
}

// Kinds of Broadcast.
const (
	BroadcastShutdown = "shutdown" // "the server goes down in Minutes minutes"
	BroadcastText     = "text"     // free text
)

// Broadcast is an announcement to every online client.
type Broadcast struct {
	Kind    string // BroadcastShutdown or BroadcastText
	Minutes int    // for BroadcastShutdown
	Text    string // for BroadcastText
}

// Stats are the dashboard's counters.
type Stats struct {
	Accounts     int
	Online       int
	Switchboards int
	// Messages relayed per minute over the last 60 minutes, oldest first.
	MessagesPerMinute []int
}

// SentBroadcast is one entry of the broadcast history.
type SentBroadcast struct {
	Broadcast
	At        time.Time
	By        string // the admin who sent it
	Delivered int    // clients it reached
}

// SignupSettings are the console's switches for the public sign-up page.
type SignupSettings struct {
	Open       bool // the page creates accounts
	InviteOnly bool // ... only with an invite code
}

// Invite is a one-time sign-up code the admin hands out.
type Invite struct {
	Code    string
	Note    string
	Created time.Time
}
