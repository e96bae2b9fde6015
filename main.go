// Command msnserver runs a Windows Live Messenger 8 (MSNP14) server: the
// notification server, switchboard, Passport/SOAP services and admin console
// in one binary. This file is only the command line and the wiring.
package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"msnserver/admin"
	"msnserver/admin/backend"
	"msnserver/ns"
	"msnserver/ns/hub"
	listenpool "msnserver/ns/listen"
	"msnserver/ns/loadtest"
	"msnserver/ns/memtrim"
	"msnserver/ns/ticket"
	"msnserver/ns/ymsg"
	"msnserver/sb"
	"msnserver/store"
	"msnserver/web"
	"msnserver/web/gateway"
	"msnserver/web/oim"
	"msnserver/web/tlscert"
	"msnserver/web/yahoo"
)

// subcommands maps "word" or "word word" to its function.
var subcommands = []struct {
	name  string
	usage string
	run   func(args []string) error
}{
	{"serve", "serve [flags]: run every service (the default)", runServe},
	{"user add", "user add EMAIL PASSWORD [-name FRIENDLY] [-network 1|32] [-data DIR]", runUserAdd},
	{"user list", "user list [-data DIR]", runUserList},
	{"user passwd", "user passwd EMAIL PASSWORD [-data DIR]", runUserPasswd},
	{"user delete", "user delete EMAIL [-data DIR]", runUserDelete},
	{"admin passwd", "admin passwd USER PASSWORD [-data DIR]", runAdminPasswd},
	{"user seed", "user seed -count N -prefix P -domain D -password X [-contacts K] [-cost C] [-network 32] [-data DIR]", runUserSeed},
	{"loadtest", "loadtest -ns ADDR -http URL -prefix P -domain D -password X -clients N -ramp D -duration D -scenario S [-ymsg ADDR] [-transport tcp|gateway] [-pid PID]", runLoadtest},
	{"backup", "backup FILE [-data DIR]: a consistent copy of the store (server stopped; while it runs, use the admin console)", runBackup},
	{"restore", "restore FILE [-data DIR]: replace the store with a backup (server stopped)", runRestore},
	{"secrets rotate", "secrets rotate [-data DIR]: new ticket and admin-session keys; every ticket and console session ends (server stopped)", runSecretsRotate},
	{"version", "version: the version, commit and Go version of this binary", runVersion},
}

func main() {
	args := os.Args[1:]
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		args = append([]string{"serve"}, args...)
	}
	for _, sc := range subcommands {
		words := strings.Fields(sc.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == sc.name {
			if err := sc.run(args[len(words):]); err != nil {
				fmt.Fprintln(os.Stderr, "msnserver:", err)
				os.Exit(1)
			}
			return
		}
	}
	fmt.Fprintln(os.Stderr, "usage: msnserver COMMAND")
	for _, sc := range subcommands {
		fmt.Fprintln(os.Stderr, "  msnserver", sc.usage)
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		return
	}
	os.Exit(2)
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envBool(name string, def bool) bool {
	if v, err := strconv.ParseBool(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// parseInterspersed parses flags that may stand before, between or after the
// positional arguments (user add EMAIL PASSWORD -name X).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func openStore(dir string) (*store.Store, error) {
	st, err := store.Open(dir, store.Options{LockTimeout: 2 * time.Second})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%w; stop it first, or use the admin console while it runs", err)
	}
	return st, err
}

func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", env("MSN_DATA", "./msn-data"), "data folder (store, certificates, secrets) [MSN_DATA]")
}

func runUserAdd(args []string) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	data := dataFlag(fs)
	name := fs.String("name", "", "friendly name (default: the e-mail)")
	network := fs.Int("network", 1, "1 for MSN, 32 for a Yahoo! Messenger user")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return errors.New("usage: msnserver user add EMAIL PASSWORD [-name FRIENDLY] [-network 1|32]")
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := st.CreateAccount(store.NewAccount{Email: pos[0], Password: pos[1], Name: *name, Network: *network})
	if err != nil {
		return err
	}
	fmt.Printf("created %s (network %d)\n", a.Email, a.Network)
	return nil
}

func runUserList(args []string) error {
	fs := flag.NewFlagSet("user list", flag.ContinueOnError)
	data := dataFlag(fs)
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	accts, total, err := st.ListAccounts(store.AccountQuery{})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNETWORK\tNAME\tCREATED\tSTATE")
	for _, a := range accts {
		state := "enabled"
		if a.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", a.Email, a.Network, a.Name, a.Created.Format("2006-01-02"), state)
	}
	tw.Flush()
	fmt.Printf("%d accounts\n", total)
	return nil
}

func runUserPasswd(args []string) error {
	fs := flag.NewFlagSet("user passwd", flag.ContinueOnError)
	data := dataFlag(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return errors.New("usage: msnserver user passwd EMAIL PASSWORD")
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetPassword(pos[0], pos[1]); err != nil {
		return err
	}
	fmt.Printf("password of %s changed\n", strings.ToLower(pos[0]))
	return nil
}

func runUserDelete(args []string) error {
	fs := flag.NewFlagSet("user delete", flag.ContinueOnError)
	data := dataFlag(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: msnserver user delete EMAIL")
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.DeleteAccount(pos[0]); err != nil {
		return err
	}
	fmt.Printf("deleted %s\n", strings.ToLower(pos[0]))
	return nil
}

func runAdminPasswd(args []string) error {
	fs := flag.NewFlagSet("admin passwd", flag.ContinueOnError)
	data := dataFlag(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return errors.New("usage: msnserver admin passwd USER PASSWORD")
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetAdminPassword(pos[0], pos[1]); err != nil {
		return err
	}
	fmt.Printf("admin password of %s set\n", pos[0])
	return nil
}

func runBackup(args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	data := dataFlag(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: msnserver backup FILE")
	}
	// Read-only: a backup only reads, so a read-only data folder (a
	// snapshot, a mounted copy) can be backed up too.
	st, err := store.Open(*data, store.Options{LockTimeout: 2 * time.Second, ReadOnly: true})
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w; while it runs, download a backup from the admin console's setup page (/backup)", err)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.BackupToFile(pos[0])
	if err != nil {
		return err
	}
	fmt.Printf("wrote %s (%d bytes)\n", pos[0], n)
	return nil
}

func runRestore(args []string) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	data := dataFlag(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: msnserver restore FILE")
	}
	saved, err := store.Restore(*data, pos[0])
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w; stop the server before restoring", err)
	}
	if err != nil {
		return err
	}
	fmt.Printf("restored %s into %s; the previous store is kept as %s\n", pos[0], *data, saved)
	return nil
}

// runSecretsRotate replaces the ticket and admin-session keys. Holding the
// store's lock meanwhile makes sure no server is running with the old keys.
func runSecretsRotate(args []string) error {
	fs := flag.NewFlagSet("secrets rotate", flag.ContinueOnError)
	data := dataFlag(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return errors.New("usage: msnserver secrets rotate [-data DIR]")
	}
	st, err := store.Open(*data, store.Options{LockTimeout: 2 * time.Second})
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w; stop the server before rotating its secrets", err)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	for _, name := range []string{"ticket.key", "admin.key"} {
		if err := ticket.ReplaceKey(filepath.Join(*data, "secrets", name)); err != nil {
			return err
		}
	}
	fmt.Println("replaced secrets/ticket.key and secrets/admin.key: every ticket and admin console session has ended; clients sign in again")
	return nil
}

type serveConfig struct {
	data, nsAddr, sbAddr, httpAddr, httpsAddr, adminAddr, publicHost string
	ymsgAddr                                                         string
	tlsNames                                                         string
	challenge, debug, adminTLS, tlsLegacy, metricsPublic             bool
	oimExpiryDays, oimMax, maxConns, maxConnsPerIP, maxMSNP          int
	gateway                                                          gateway.Options
	// Set when -http / -https (or their variables) were given: such an
	// address never falls back to a high port.
	httpExplicit, httpsExplicit bool
	httpFallback, httpsFallback string
	signup, signupExplicit      bool
	pprofAddr                   string
}

// serveGCPercent is the server's GOGC unless the environment sets one: the
// heap may grow half its live size between collections, not all of it. A
// server's live heap is mostly its idle users, and the relay allocates
// nothing per message, so the extra collections cost little; measured with
// 10,000 idle clients: 14.0 -> 11.0 KiB a client.
const serveGCPercent = 50

func runServe(args []string) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg serveConfig
	fs.StringVar(&cfg.data, "data", env("MSN_DATA", "./msn-data"), "data folder [MSN_DATA]")
	fs.StringVar(&cfg.nsAddr, "ns", env("MSN_NS", ":1863"), "notification server address [MSN_NS]")
	fs.StringVar(&cfg.sbAddr, "sb", env("MSN_SB", ":1864"), "switchboard address [MSN_SB]")
	fs.StringVar(&cfg.httpAddr, "http", env("MSN_HTTP", ":80"), "HTTP address of the token and SOAP services [MSN_HTTP]")
	fs.StringVar(&cfg.httpsAddr, "https", env("MSN_HTTPS", ":443"), "HTTPS address; empty turns it off [MSN_HTTPS]")
	fs.StringVar(&cfg.ymsgAddr, "ymsg", env("MSN_YMSG", ":5050"), "Yahoo! Messenger (YMSG16) pager address; empty turns it off [MSN_YMSG]")
	fs.StringVar(&cfg.httpFallback, "http-fallback", env("MSN_HTTP_FALLBACK", ":8081"), "HTTP address used when the default -http port needs privileges this user lacks [MSN_HTTP_FALLBACK]")
	fs.StringVar(&cfg.httpsFallback, "https-fallback", env("MSN_HTTPS_FALLBACK", ":8443"), "HTTPS address used when the default -https port needs privileges this user lacks [MSN_HTTPS_FALLBACK]")
	fs.StringVar(&cfg.adminAddr, "admin", env("MSN_ADMIN", ":8080"), "admin console address [MSN_ADMIN]")
	fs.StringVar(&cfg.publicHost, "public-host", env("MSN_PUBLIC_HOST", ""), "address handed to clients in XFR and RNG [MSN_PUBLIC_HOST]")
	fs.StringVar(&cfg.tlsNames, "tls-names", env("MSN_TLS_NAMES", ""), "extra host names or addresses for the HTTPS certificate, comma-separated [MSN_TLS_NAMES]")
	fs.BoolVar(&cfg.challenge, "challenge", env("MSN_CHALLENGE", "1") != "0", "send CHL challenges after login [MSN_CHALLENGE]")
	fs.IntVar(&cfg.oimExpiryDays, "oim-expiry-days", envInt("MSN_OIM_EXPIRY_DAYS", 30), "offline messages are deleted after this many days [MSN_OIM_EXPIRY_DAYS]")
	fs.IntVar(&cfg.oimMax, "oim-max", envInt("MSN_OIM_MAX", 100), "offline messages kept per recipient [MSN_OIM_MAX]")
	fs.DurationVar(&cfg.gateway.IdleTimeout, "gateway-idle", envDuration("MSN_GATEWAY_IDLE", gateway.DefaultIdleTimeout), "an HTTP-gateway session without a request for this long ends [MSN_GATEWAY_IDLE]")
	fs.IntVar(&cfg.gateway.MaxSessions, "gateway-max-sessions", envInt("MSN_GATEWAY_MAX_SESSIONS", gateway.DefaultMaxSessions), "HTTP-gateway sessions in total [MSN_GATEWAY_MAX_SESSIONS]")
	fs.IntVar(&cfg.gateway.MaxSessionsPerIP, "gateway-max-per-ip", envInt("MSN_GATEWAY_MAX_PER_IP", gateway.DefaultMaxSessionsPerIP), "HTTP-gateway sessions per client address; loopback is exempt [MSN_GATEWAY_MAX_PER_IP]")
	fs.IntVar(&cfg.maxConns, "max-conns", envInt("MSN_MAX_CONNS", 20000), "connections in total over NS, switchboard, HTTP, HTTPS and admin (lowered to fit the descriptor limit) [MSN_MAX_CONNS]")
	fs.IntVar(&cfg.maxConnsPerIP, "max-conns-per-ip", envInt("MSN_MAX_CONNS_PER_IP", 64), "connections per address over every listener; loopback is exempt [MSN_MAX_CONNS_PER_IP]")
	fs.BoolVar(&cfg.tlsLegacy, "tls-legacy", envBool("MSN_TLS_LEGACY", true), "offer TLS 1.0/1.1 and the RSA and 3DES suites Windows XP needs; false: TLS 1.2+ with Go's default suites [MSN_TLS_LEGACY]")
	fs.BoolVar(&cfg.adminTLS, "admin-tls", envBool("MSN_ADMIN_TLS", false), "serve the admin console over HTTPS with the generated certificate (its cookies are then Secure) [MSN_ADMIN_TLS]")
	fs.BoolVar(&cfg.metricsPublic, "metrics-public", envBool("MSN_METRICS_PUBLIC", false), "serve /metrics on the admin port to anyone; by default only to loopback clients and signed-in admins [MSN_METRICS_PUBLIC]")
	fs.IntVar(&cfg.maxMSNP, "max-msnp", envInt("MSN_MAX_MSNP", 15), "highest protocol negotiated: 13, 14 or 15 (15 = MSNP15 with SSO login and roaming profiles) [MSN_MAX_MSNP]")
	fs.BoolVar(&cfg.signup, "signup", env("MSN_SIGNUP", "") == "1", "turn the public sign-up page on (=false: off); without it the console's switch decides [MSN_SIGNUP=1|0]")
	fs.BoolVar(&cfg.debug, "debug", env("MSN_DEBUG", "") != "", "log protocol lines [MSN_DEBUG]")
	fs.StringVar(&cfg.pprofAddr, "pprof", env("MSN_PPROF", ""), "serve Go's profiler (net/http/pprof) on this address, e.g. 127.0.0.1:6060; off when empty [MSN_PPROF]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.maxMSNP < 13 || cfg.maxMSNP > 15 {
		return fmt.Errorf("-max-msnp %d: must be 13, 14 or 15 (flag -max-msnp or MSN_MAX_MSNP)", cfg.maxMSNP)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	explicit := func(flagName, envName string) bool {
		_, inEnv := os.LookupEnv(envName)
		return given[flagName] || inEnv
	}
	cfg.httpExplicit, cfg.httpsExplicit = explicit("http", "MSN_HTTP"), explicit("https", "MSN_HTTPS")
	cfg.signupExplicit = explicit("signup", "MSN_SIGNUP")
	level := slog.LevelInfo
	if cfg.debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	// os.Interrupt is Ctrl+C everywhere; on Windows SIGTERM stands for
	// closing the console window, logging off and shutting down.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, cfg, log)
}

// listen binds addr, turning the usual failures into one line with the fix.
func listen(what, addr, flagName, envName string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	fix := fmt.Sprintf("choose another address with -%s or %s", flagName, envName)
	switch {
	case isPermissionDenied(err):
		return nil, fmt.Errorf("%s: cannot listen on %s: %w; %s, or %s", what, addr, errPrivilege, privilegeFix, fix)
	case isAddrInUse(err):
		return nil, fmt.Errorf("%s: cannot listen on %s: address already in use; %s", what, addr, fix)
	}
	return nil, fmt.Errorf("%s: cannot listen on %s: %v; %s", what, addr, err, fix)
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// publicHostFor picks the address handed to clients: the flag, else the NS
// host, else this machine's LAN address.
func publicHostFor(flagValue, nsAddr string) string {
	if flagValue != "" {
		return flagValue
	}
	if host, _, err := net.SplitHostPort(nsAddr); err == nil && host != "" && host != "0.0.0.0" && host != "::" {
		return host
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
				return ipn.IP.String()
			}
		}
	}
	return "127.0.0.1"
}

func serve(ctx context.Context, cfg serveConfig, log *slog.Logger) error {
	st, err := openStore(cfg.data)
	if err != nil {
		return err
	}
	defer func() {
		st.Close()
		log.Info("store closed")
	}()
	key, err := ticket.LoadOrCreateKey(filepath.Join(cfg.data, "secrets", "ticket.key"))
	if err != nil {
		return err
	}
	tickets, err := ticket.New(key)
	if err != nil {
		return err
	}
	public := publicHostFor(cfg.publicHost, cfg.nsAddr)
	certs, err := tlscert.LoadOrCreate(filepath.Join(cfg.data, "certs"), append([]string{public}, splitList(cfg.tlsNames)...))
	if err != nil {
		return err
	}
	log.Info("tls certificate", "cert", certs)
	if refused := certs.Refused(); len(refused) > 0 {
		log.Warn("the certificate leaves out names its CA does not permit", "names", refused,
			"why", "the CA is limited to the Microsoft names, private addresses and the names the server had when the CA was made",
			"fix", "move "+filepath.Dir(certs.CACertPath())+"/ca.* away and restart to make a new CA for every name; each client must then install the new ca.crt")
	}
	adminPassword, err := firstAdmin(st, log)
	if err != nil {
		return err
	}
	if cfg.signupExplicit {
		// The flag sets the console's switch, which keeps the last word
		// until the next start.
		on := ""
		if cfg.signup {
			on = "1"
		}
		if err := st.SetSetting(store.SettingSignup, on); err != nil {
			return fmt.Errorf("sign-up setting: %w", err)
		}
		log.Info("public sign-up page set by -signup", "on", cfg.signup)
	}

	// Bind everything first so a taken port fails before anything runs.
	nsLn, err := listen("notification server", cfg.nsAddr, "ns", "MSN_NS")
	if err != nil {
		return err
	}
	sbLn, err := listen("switchboard", cfg.sbAddr, "sb", "MSN_SB")
	if err != nil {
		return err
	}
	var notices []string // said once, loudly: log, start-up summary, console
	httpLn, fb, err := listenOrFallback("HTTP services", cfg.httpAddr, cfg.httpFallback, cfg.httpExplicit, "http", "MSN_HTTP")
	if err != nil {
		return err
	}
	if fb != nil {
		notices = append(notices, fb.notice())
	}
	adminLn, err := listen("admin console", cfg.adminAddr, "admin", "MSN_ADMIN")
	if err != nil {
		return err
	}
	var ymsgLn net.Listener
	if cfg.ymsgAddr != "" {
		if ymsgLn, err = listen("Yahoo! pager", cfg.ymsgAddr, "ymsg", "MSN_YMSG"); err != nil {
			return err
		}
	}
	var httpsLn net.Listener
	if cfg.httpsAddr != "" {
		if httpsLn, fb, err = listenOrFallback("HTTPS services", cfg.httpsAddr, cfg.httpsFallback, cfg.httpsExplicit, "https", "MSN_HTTPS"); err != nil {
			return err
		}
		if fb != nil {
			notices = append(notices, fb.notice())
		}
	}

	// One pool for every listener: the caps and the descriptor budget are the
	// process's, and a stranger's bare connections on one port are what is
	// shed when another port needs room.
	pool := listenpool.NewPool(listenpool.Limits{MaxConns: cfg.maxConns, MaxPerIP: cfg.maxConnsPerIP}, log.With("svc", "listen"))

	h := hub.New(st, log)
	_, sbPort, _ := net.SplitHostPort(sbLn.Addr().String())
	h.SetSwitchboardAddr(net.JoinHostPort(public, sbPort))

	policy := func() string {
		if p, ok, _ := st.Setting(store.SettingPolicy); ok {
			return p
		}
		return ns.DefaultPolicy
	}
	webSrv := web.New(web.Deps{Store: st, Tickets: tickets, Notifier: h, Log: log.With("svc", "web"),
		OIM: oim.Options{ExpiryDays: cfg.oimExpiryDays, MaxPerRecipient: cfg.oimMax}})
	nsSrv := ns.New(h, st, tickets, log.With("svc", "ns"), ns.Options{
		Policy: policy, Challenge: cfg.challenge, MailData: webSrv.OIM().MailData,
		MaxConns: cfg.maxConns, MaxConnsPerIP: cfg.maxConnsPerIP, MaxMSNP: cfg.maxMSNP,
	})
	sbSrv := sb.New(h, log.With("svc", "sb"), sb.Options{})
	h.OnKick(func(s *hub.Session) { sbSrv.Disconnect(s) })
	h.SetYahooBridge(ymsg.Bridge(sbSrv, h))
	yahooSvc := yahoo.New(st, log.With("svc", "yahoo"), func() string { return public })
	yahooSvc.Mount(webSrv)
	ymsgSrv := ymsg.New(h, st, yahooSvc, log.With("svc", "ymsg"), ymsg.Options{
		MaxConns: cfg.maxConns, MaxConnsPerIP: cfg.maxConnsPerIP,
	})
	gw := gateway.New(log.With("svc", "gateway"), cfg.gateway)
	webSrv.Handle(gateway.Path, gw)
	go purgeOIMs(ctx, webSrv.OIM(), log)
	go memtrim.Run(ctx, memtrim.Options{}, log.With("svc", "memtrim"))
	tlsCfg := certs.TLSConfig()
	if !cfg.tlsLegacy {
		modernTLS(tlsCfg)
	}
	httpSrv := web.NewHTTPServer(webSrv, nil, 0, log)
	httpsSrv := web.NewHTTPServer(webSrv, tlsCfg, 0, log)

	adminKey, err := ticket.LoadOrCreateKey(filepath.Join(cfg.data, "secrets", "admin.key"))
	if err != nil {
		return err
	}
	switchboards := func() []backend.Switchboard {
		var out []backend.Switchboard
		for _, i := range sbSrv.Sessions() {
			out = append(out, backend.Switchboard{ID: i.ID, Members: i.Members, Since: i.Since, Messages: i.Messages})
		}
		return out
	}
	be := backend.New(st, h, switchboards, certs.CACertPEM(), public, ns.DefaultPolicy)
	go be.Run(ctx)
	for _, n := range notices {
		log.Warn(n)
	}
	adminSrv := admin.New(admin.Config{Secret: adminKey, Secure: cfg.adminTLS, Warnings: notices}, be, log.With("svc", "admin"))
	if cfg.metricsPublic {
		adminSrv.Mount("/metrics", be.Metrics())
	} else {
		adminSrv.MountPrivate("/metrics", be.Metrics())
	}

	errc := make(chan error, 8)
	if cfg.pprofAddr != "" {
		stopProfiler, _, err := serveProfiler(cfg.pprofAddr, log)
		if err != nil {
			return err
		}
		defer stopProfiler()
	}
	run := func(name string, fn func() error) {
		go func() {
			if err := fn(); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	run("notification server", func() error { return nsSrv.Serve(pool.Listen(nsLn, "ns")) })
	log.Info("notification server listening", "addr", nsLn.Addr().String())
	run("switchboard", func() error { return sbSrv.Serve(pool.Listen(sbLn, "sb")) })
	log.Info("switchboard listening", "addr", sbLn.Addr().String(), "public", h.SwitchboardAddr())
	run("gateway to the notification server", func() error { return nsSrv.Serve(gw.NSListener()) })
	run("gateway to the switchboard", func() error { return sbSrv.Serve(gw.SBListener()) })
	run("http", func() error { return httpSrv.Serve(pool.Listen(httpLn, "http")) })
	log.Info("HTTP services listening", "addr", httpLn.Addr().String())
	if httpsLn != nil {
		run("https", func() error { return httpsSrv.ServeTLS(pool.Listen(httpsLn, "https"), "", "") })
		log.Info("HTTPS services listening", "addr", httpsLn.Addr().String())
	}
	if ymsgLn != nil {
		run("yahoo pager", func() error { return ymsgSrv.Serve(pool.Listen(ymsgLn, "ymsg")) })
		log.Info("Yahoo! pager listening", "addr", ymsgLn.Addr().String())
	}
	var adminServe net.Listener = pool.Listen(adminLn, "admin")
	if cfg.adminTLS {
		adminServe = tls.NewListener(adminServe, tlsCfg)
	}
	run("admin console", func() error { return adminSrv.Serve(adminServe) })
	log.Info("admin console listening", "addr", adminLn.Addr().String(), "tls", cfg.adminTLS)
	webSrv.SetReady(true)
	startupSummary{public: public, admin: adminLn.Addr(), adminTLS: cfg.adminTLS, adminPassword: adminPassword, notices: notices}.write(os.Stderr)

	var failure error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case failure = <-errc:
		log.Error("service failed", "err", failure)
	}
	webSrv.SetReady(false)
	stopAll(log, shutdownGrace, []service{
		{"notification server", nsSrv.Shutdown},
		{"yahoo pager", ymsgSrv.Shutdown},
		{"switchboard", sbSrv.Shutdown},
		{"http", httpShutdown(httpSrv)},
		{"https", httpShutdown(httpsSrv)},
		{"admin console", adminSrv.Shutdown},
	})
	gw.Close()     // the servers have told its clients OUT SSD; end what is left
	return failure // the store closes last (deferred above)
}

// shutdownGrace is how long each service may take to let its clients go.
const shutdownGrace = 5 * time.Second

// service is one server's Shutdown. Each first stops accepting and tells its
// clients to go (OUT SSD, BYE) without blocking, then drains until its
// context ends and closes what is left.
type service struct {
	name     string
	shutdown func(context.Context) error
}

// httpShutdown is srv.Shutdown, closing the connections still open when ctx
// ends (http.Server leaves them to its caller).
func httpShutdown(srv *http.Server) func(context.Context) error {
	return func(ctx context.Context) error {
		err := srv.Shutdown(ctx)
		if err != nil {
			srv.Close()
		}
		return err
	}
}

// stopAll shuts the services down in two phases, all at once: every
// listener closes and every client is told at the same moment, then each
// service drains under its own deadline of grace, so a slow one does not
// use up the others' time. Failures are logged and joined.
func stopAll(log *slog.Logger, grace time.Duration, services []service) error {
	errs := make([]error, len(services))
	var wg sync.WaitGroup
	for i, svc := range services {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), grace)
			defer cancel()
			if err := svc.shutdown(ctx); err != nil {
				log.Warn("shutdown incomplete", "svc", svc.name, "err", err)
				errs[i] = fmt.Errorf("%s: %w", svc.name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// modernTLS drops what only Windows XP needs (-tls-legacy=false): TLS 1.2
// at least, and Go's default suites (ECDHE with AEAD or CBC; no RSA key
// exchange, no 3DES).
func modernTLS(cfg *tls.Config) {
	cfg.MinVersion = tls.VersionTLS12
	cfg.CipherSuites = nil
}

// purgeOIMs deletes expired offline messages at start and then daily.
func purgeOIMs(ctx context.Context, svc *oim.Service, log *slog.Logger) {
	for {
		if n, err := svc.Purge(); err != nil {
			log.Warn("purging expired offline messages", "err", err)
		} else if n > 0 {
			log.Info("purged expired offline messages", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(24 * time.Hour):
		}
	}
}

// firstAdmin creates the "admin" console login with a random password on the
// first start, logs the password once and returns it for the start-up
// summary; "" when an admin exists.
func firstAdmin(st *store.Store, log *slog.Logger) (string, error) {
	n, err := st.AdminCount()
	if err != nil || n > 0 {
		return "", err
	}
	var b [12]byte
	rand.Read(b[:])
	pw := base64.RawURLEncoding.EncodeToString(b[:])
	if err := st.SetAdminPassword("admin", pw); err != nil {
		return "", err
	}
	log.Info("created the admin console login; change it with `msnserver admin passwd admin NEWPASSWORD`", "user", "admin", "password", pw)
	return pw, nil
}

// runUserSeed creates test accounts with mutual contacts in bulk.
func runUserSeed(args []string) error {
	fs := flag.NewFlagSet("user seed", flag.ContinueOnError)
	data := dataFlag(fs)
	var cfg loadtest.SeedConfig
	fs.IntVar(&cfg.Count, "count", 0, "accounts to create: PREFIX0@DOMAIN … PREFIX<N-1>@DOMAIN")
	fs.StringVar(&cfg.Prefix, "prefix", "user", "e-mail prefix of the accounts")
	fs.StringVar(&cfg.Domain, "domain", "example.com", "e-mail domain of the accounts")
	fs.StringVar(&cfg.Password, "password", "", "password shared by every account")
	fs.IntVar(&cfg.Contacts, "contacts", 0, "mutual contacts per account (ring neighbours, FL+AL both ways)")
	fs.IntVar(&cfg.Cost, "cost", 0, "bcrypt cost of the shared password hash (default the server's; 4 makes each RST login cheap)")
	fs.IntVar(&cfg.Batch, "batch", 2000, "accounts per store transaction")
	fs.IntVar(&cfg.Network, "network", 0, "network id of the accounts: 32 seeds Yahoo! users (for loadtest -scenario yahoo)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if cfg.Count <= 0 || cfg.Password == "" {
		return errors.New("usage: msnserver user seed -count N -prefix P -domain D -password X [-contacts K] [-cost C] [-network 32] [-data DIR]")
	}
	st, err := openStore(*data)
	if err != nil {
		return err
	}
	defer st.Close()
	cfg.Progress = os.Stdout
	res, err := loadtest.Seed(st, cfg)
	if err != nil {
		return err
	}
	fmt.Printf("seeded %d accounts (%s0@%s … %s%d@%s) with %d contact entries in %s\n", res.Accounts,
		cfg.Prefix, cfg.Domain, cfg.Prefix, cfg.Count-1, cfg.Domain, res.Contacts, res.Took.Round(time.Millisecond))
	return nil
}

// runLoadtest drives simulated Messenger clients against an MSNP14 server.
func runLoadtest(args []string) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	var cfg loadtest.Config
	fs.StringVar(&cfg.NSAddr, "ns", "127.0.0.1:1863", "notification server host:port")
	fs.StringVar(&cfg.HTTPURL, "http", "http://127.0.0.1", "base URL of the token service (POST URL/RST.srf)")
	fs.StringVar(&cfg.Transport, "transport", loadtest.TransportTCP, "tcp, or gateway: NS and SB through the HTTP gateway, polling like Messenger")
	fs.StringVar(&cfg.GatewayURL, "gateway", "", "base URL of the HTTP gateway (default: -http)")
	fs.DurationVar(&cfg.PollEvery, "poll-every", 2*time.Second, "gateway: pause after an empty poll (Messenger: 2s)")
	fs.IntVar(&cfg.Dialect, "dialect", 14, "protocol the clients sign in with: 14 (USR TWN) or 15 (USR SSO with the RPS proof)")
	fs.BoolVar(&cfg.Insecure, "insecure", false, "do not verify the HTTPS certificate (the server's generated one)")
	fs.StringVar(&cfg.Prefix, "prefix", "user", "accounts are PREFIX<n>@DOMAIN, as seeded")
	fs.StringVar(&cfg.Domain, "domain", "example.com", "e-mail domain of the accounts")
	fs.StringVar(&cfg.Password, "password", "", "password of every account")
	fs.IntVar(&cfg.First, "first", 0, "first account number used")
	fs.IntVar(&cfg.Accounts, "accounts", 0, "accounts seeded, for the contact ring (default first+clients)")
	fs.IntVar(&cfg.Contacts, "contacts", 0, "contacts per account as seeded (sent in the initial ADL)")
	fs.IntVar(&cfg.Clients, "clients", 100, "simulated clients")
	fs.DurationVar(&cfg.Ramp, "ramp", 10*time.Second, "spread the first logins over this time")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long to measure after the ramp")
	fs.StringVar(&cfg.Scenario, "scenario", loadtest.ScenarioLogin, "login, presence, chat, mixed, idle or yahoo")
	fs.StringVar(&cfg.YMSGAddr, "ymsg", "127.0.0.1:5050", "yahoo: the Yahoo! pager host:port")
	fs.StringVar(&cfg.YahooPrefix, "yahoo-prefix", "y", "yahoo: Yahoo! IDs are PREFIX<n> (accounts PREFIX<n>@yahoo.com, seeded with -network 32)")
	fs.DurationVar(&cfg.ChangeInterval, "change-interval", 5*time.Second, "presence: each client's time between status changes")
	fs.IntVar(&cfg.PSMEvery, "psm-every", 5, "presence: every Nth change is a personal message (UUX)")
	fs.DurationVar(&cfg.MessageInterval, "msg-interval", 0, "chat: each sender's time between messages (0: as fast as -window allows; mixed: 1s)")
	fs.IntVar(&cfg.Window, "window", 1, "chat: unacknowledged messages per sender")
	fs.IntVar(&cfg.MessageSize, "msg-size", 100, "chat: MSG payload bytes")
	fs.IntVar(&cfg.SessionMessages, "session-msgs", 0, "chat: messages per session before a new one (0: one session; mixed: 50)")
	fs.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "longest wait for any reply")
	fs.IntVar(&cfg.ServerPID, "pid", 0, "server process whose RSS to report (default: the local NS listener's owner)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Password == "" {
		return errors.New("usage: msnserver loadtest -ns ADDR -http URL -prefix P -domain D -password X -clients N -ramp D -duration D -scenario S [-pid PID]")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	rep, err := loadtest.Run(ctx, cfg, os.Stdout)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if rep.ErrorCount > 0 {
		return fmt.Errorf("%d errors during the run", rep.ErrorCount)
	}
	return nil
}
