package loadtest

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Scenario names.
const (
	ScenarioLogin    = "login"
	ScenarioPresence = "presence"
	ScenarioChat     = "chat"
	ScenarioMixed    = "mixed"
	ScenarioIdle     = "idle"
	// ScenarioYahoo pairs Yahoo! Messenger users (YMSG16, odd clients) with
	// WLM users (even clients): the Yahoo users sign in with the token
	// login, change status and write to their WLM partner (UBM).
	ScenarioYahoo = "yahoo"
)

// Scenarios lists the valid scenario names.
var Scenarios = []string{ScenarioLogin, ScenarioPresence, ScenarioChat, ScenarioMixed, ScenarioIdle, ScenarioYahoo}

// Config describes one load run.
type Config struct {
	NSAddr   string // host:port of the notification server
	HTTPURL  string // base URL of the token service (RST at HTTPURL + "/RST.srf")
	Insecure bool   // skip TLS verification (the server's generated certificate)
	// Dialect is the protocol the clients sign in with: 14 (USR TWN, the
	// default) or 15 (USR SSO with the RPS proof, as Messenger 8.5).
	Dialect int

	// Transport is TransportTCP (default) or TransportGateway: NS and SB
	// sessions through the HTTP gateway at GatewayURL (default HTTPURL),
	// polling every PollEvery (default 2 s, as Messenger) when idle.
	Transport  string
	GatewayURL string
	PollEvery  time.Duration

	Prefix   string // accounts are Prefix + n + "@" + Domain
	Domain   string
	Password string
	First    int // first account number used (default 0)
	Accounts int // accounts seeded (ring size for contacts); default Clients
	Contacts int // contacts per account as seeded (ring neighbours); 0 = none

	Clients  int
	Ramp     time.Duration // spread the first logins over this time
	Duration time.Duration // how long to run after the ramp
	Scenario string

	// Presence: each online client changes its status this often; every
	// PSMEvery-th change is a personal-message (UUX) change instead.
	ChangeInterval time.Duration
	PSMEvery       int
	// Chat: each sender writes a message this often (0: as fast as Window
	// allows); at most Window unacknowledged messages per sender.
	MessageInterval time.Duration
	Window          int
	MessageSize     int // MSG payload bytes (default 100)
	// SessionMessages ends a switchboard session after this many messages
	// per side and opens a new one (0: keep the session for the whole run).
	SessionMessages int

	// Yahoo: the pager's host:port and the Yahoo! IDs (YahooPrefix + n,
	// accounts YahooPrefix + n + "@yahoo.com", seeded with -network 32).
	YMSGAddr    string
	YahooPrefix string

	Timeout   time.Duration // for any one reply (default 30 s)
	PingEvery time.Duration // PNG keep-alive (default 45 s)
	ServerPID int           // read this process's VmRSS; 0: look for the NS listener's owner
	Progress  time.Duration // progress line interval (default 1 s); <0 turns it off
}

func (c *Config) defaults() error {
	if c.NSAddr == "" {
		return errors.New("loadtest: no notification server address")
	}
	if c.HTTPURL == "" {
		return errors.New("loadtest: no token service URL")
	}
	if _, err := url.Parse(c.HTTPURL); err != nil {
		return fmt.Errorf("loadtest: token service URL: %w", err)
	}
	switch c.Transport {
	case "":
		c.Transport = TransportTCP
	case TransportTCP, TransportGateway:
	default:
		return fmt.Errorf("loadtest: unknown transport %q (tcp or gateway)", c.Transport)
	}
	if c.GatewayURL == "" {
		c.GatewayURL = c.HTTPURL
	}
	if c.PollEvery <= 0 {
		c.PollEvery = 2 * time.Second
	}
	if c.Prefix == "" || c.Domain == "" || c.Password == "" {
		return errors.New("loadtest: prefix, domain and password are needed")
	}
	if c.Clients <= 0 {
		return errors.New("loadtest: at least one client")
	}
	switch c.Dialect {
	case 0:
		c.Dialect = 14
	case 14, 15:
	default:
		return fmt.Errorf("loadtest: dialect %d: 14 or 15", c.Dialect)
	}
	if c.Scenario == "" {
		c.Scenario = ScenarioLogin
	}
	ok := false
	for _, s := range Scenarios {
		ok = ok || s == c.Scenario
	}
	if !ok {
		return fmt.Errorf("loadtest: unknown scenario %q (one of %v)", c.Scenario, Scenarios)
	}
	if c.Accounts == 0 {
		c.Accounts = c.First + c.Clients
	}
	if c.First+c.Clients > c.Accounts {
		return fmt.Errorf("loadtest: %d clients from account %d need %d seeded accounts, have %d", c.Clients, c.First, c.First+c.Clients, c.Accounts)
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.ChangeInterval <= 0 {
		c.ChangeInterval = 5 * time.Second
	}
	if c.PSMEvery <= 0 {
		c.PSMEvery = 5
	}
	if c.Window <= 0 {
		c.Window = 1
	}
	if c.MessageSize <= 0 {
		c.MessageSize = 100
	}
	if c.MessageSize < 80 {
		c.MessageSize = 80 // room for the MIME header and the timing body
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.PingEvery <= 0 {
		c.PingEvery = 45 * time.Second
	}
	if c.Scenario == ScenarioYahoo {
		if c.YMSGAddr == "" {
			return errors.New("loadtest: the yahoo scenario needs the pager address")
		}
		if c.YahooPrefix == "" {
			c.YahooPrefix = "y"
		}
		if c.MessageInterval <= 0 {
			c.MessageInterval = time.Second
		}
	}
	if c.Progress == 0 {
		c.Progress = time.Second
	}
	return nil
}

// Email is the address of account n.
func (c *Config) Email(n int) string { return fmt.Sprintf("%s%d@%s", c.Prefix, n, c.Domain) }
