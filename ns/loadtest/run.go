package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runner is one load run.
type runner struct {
	cfg      *Config
	m        *metrics
	tokens   *tokenClient
	gwHTTP   *http.Client // the gateway transport's (nil over TCP)
	clients  []*client
	stopping atomic.Bool
	prefix   string        // lower-case prefix, for parsing handles
	notify   chan struct{} // benchmarks: a token per timed NLN
}

// ending reports whether errors on c are expected (we are closing it).
func (r *runner) ending(c *pconn) bool { return r.stopping.Load() || c.closing.Load() }

// fail counts err unless the run is stopping.
func (r *runner) fail(err error) {
	if r.stopping.Load() || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return
	}
	var ke *kindError
	if errors.As(err, &ke) {
		r.m.fail(ke.kind, err)
		return
	}
	r.m.fail(errKind(err), err)
}

// clientOf maps a handle to the client that owns it (nil if not ours).
func (r *runner) clientOf(email string) *client {
	email = strings.ToLower(email)
	if !strings.HasPrefix(email, r.prefix) {
		return nil
	}
	at := strings.IndexByte(email, '@')
	if at < 0 {
		return nil
	}
	n, err := strconv.Atoi(email[len(r.prefix):at])
	if err != nil {
		return nil
	}
	i := n - r.cfg.First
	if i < 0 || i >= len(r.clients) {
		return nil
	}
	return r.clients[i]
}

// sawStatus times an NLN whose capability word carries a change sequence.
func (r *runner) sawStatus(email, caps string) {
	v, err := strconv.ParseUint(caps, 10, 32)
	if err != nil || v&^seqMask != capsBase {
		return
	}
	seq := uint32(v & seqMask)
	if seq == 0 {
		return // the login CHG
	}
	owner := r.clientOf(email)
	if owner == nil {
		return
	}
	if at, ok := owner.sentAt(&owner.chg, seq); ok {
		r.m.presence.Record(time.Duration(time.Now().UnixNano() - at))
		r.m.presences.Add(1)
		if r.notify != nil {
			r.notify <- struct{}{}
		}
	}
}

// sawPSM times a UBX whose PSM is "lt <seq>".
func (r *runner) sawPSM(email string, doc []byte) {
	s := string(doc)
	i := strings.Index(s, "<PSM>lt ")
	if i < 0 {
		return
	}
	s = s[i+len("<PSM>lt "):]
	j := strings.IndexByte(s, '<')
	if j < 0 {
		return
	}
	seq, err := strconv.ParseUint(s[:j], 10, 32)
	if err != nil {
		return
	}
	owner := r.clientOf(email)
	if owner == nil {
		return
	}
	if at, ok := owner.sentAt(&owner.psm, uint32(seq)); ok {
		r.m.psm.Record(time.Duration(time.Now().UnixNano() - at))
		r.m.presences.Add(1)
	}
}

func newRunner(cfg *Config) *runner {
	r := &runner{cfg: cfg, m: newMetrics(), tokens: newTokenClient(cfg), prefix: strings.ToLower(cfg.Prefix)}
	if cfg.Transport == TransportGateway {
		r.gwHTTP = newGatewayHTTP(cfg)
	}
	r.clients = make([]*client, cfg.Clients)
	for i := range r.clients {
		r.clients[i] = newClient(r, cfg.First+i)
	}
	return r
}

// Run drives cfg.Clients simulated users against the server for the ramp
// plus cfg.Duration, printing a progress line per second to out, and returns
// the figures (also printed as a table at the end).
func Run(ctx context.Context, cfg Config, out io.Writer) (Report, error) {
	if out == nil {
		out = io.Discard
	}
	if err := cfg.defaults(); err != nil {
		return Report{}, err
	}
	if cfg.Scenario == ScenarioMixed {
		if cfg.MessageInterval == 0 {
			cfg.MessageInterval = time.Second
		}
		if cfg.SessionMessages == 0 {
			cfg.SessionMessages = 50
		}
	}
	// Fail fast when nothing listens.
	probe, err := net.DialTimeout("tcp", cfg.NSAddr, 5*time.Second)
	if err != nil {
		return Report{}, fmt.Errorf("loadtest: cannot reach the notification server: %w", err)
	}
	probe.Close()

	r := newRunner(&cfg)
	pid := cfg.ServerPID
	if pid == 0 {
		pid = findListener(cfg.NSAddr)
	}
	memBefore := readMem(pid)
	fmt.Fprintf(out, "loadtest: %s scenario, %d clients (accounts %s…), ramp %s, then %s; NS %s, RST %s",
		cfg.Scenario, cfg.Clients, cfg.Email(cfg.First), cfg.Ramp, cfg.Duration, cfg.NSAddr, cfg.HTTPURL)
	if cfg.Transport == TransportGateway {
		fmt.Fprintf(out, ", through the gateway %s (poll every %s)", cfg.GatewayURL, cfg.PollEvery)
	}
	if pid > 0 {
		fmt.Fprintf(out, ", server pid %d", pid)
	}
	fmt.Fprintln(out)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // launcher: spread the first logins over the ramp
		defer wg.Done()
		for i, cl := range r.clients {
			if cfg.Ramp > 0 {
				at := start.Add(time.Duration(int64(cfg.Ramp) * int64(i) / int64(cfg.Clients)))
				if d := time.Until(at); d > 0 && !sleep(runCtx, d) {
					return
				}
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				cl.life(runCtx, i)
			}()
		}
	}()
	progressDone := make(chan struct{})
	stopProgress := make(chan struct{})
	go func() {
		defer close(progressDone)
		if cfg.Progress < 0 {
			<-stopProgress
			return
		}
		t := time.NewTicker(cfg.Progress)
		defer t.Stop()
		prev := r.m.tick(start)
		for {
			select {
			case <-stopProgress:
				return
			case now := <-t.C:
				cur := r.m.tick(now)
				r.m.progressLine(out, start, prev, cur, readMem(pid).RSS)
				prev = cur
			}
		}
	}()

	// The ramp, then until the clients that stay online are all there.
	sleep(runCtx, cfg.Ramp)
	want := int64(0)
	for i := range r.clients {
		if r.roleOf(i) != roleChurn {
			want++
		}
	}
	for deadline := time.Now().Add(cfg.Timeout); want > 0 && r.m.online.Load() < want && time.Now().Before(deadline) && runCtx.Err() == nil; {
		sleep(runCtx, 50*time.Millisecond)
	}
	memOnline, onlineNow := readMem(pid), r.m.online.Load()
	// Delivery latencies count from here on: the login storm of the ramp is
	// not what a steady state looks like. Login latencies keep the ramp.
	r.m.presence.reset()
	r.m.psm.reset()
	r.m.message.reset()
	base := r.m.tick(time.Now())
	sleep(runCtx, cfg.Duration)
	end := r.m.tick(time.Now())
	memEnd := readMem(pid)

	r.stopping.Store(true)
	cancel()
	close(stopProgress)
	<-progressDone
	stopped := make(chan struct{})
	go func() { wg.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(cfg.Timeout):
		fmt.Fprintln(out, "loadtest: some clients did not finish closing")
	}

	rep := r.m.report(&cfg, end.at.Sub(base.at))
	if s := rep.Elapsed.Seconds(); s > 0 {
		rep.MessagesPerSec = float64(end.messages-base.messages) / s
		rep.PresencesPerSec = float64(end.presences-base.presences) / s
	}
	if last := r.m.lastLogin.Load(); last > 0 {
		if span := time.Duration(last - start.UnixNano()).Seconds(); span > 0 {
			rep.LoginsPerSec = float64(rep.Logins) / span
		}
	}
	rep.ServerPID = pid
	rep.ServerRSSBefore, rep.ServerRSSOnline, rep.ServerRSS = memBefore.RSS, memOnline.RSS, memEnd.RSS
	rep.ServerAnonBefore, rep.ServerAnonOnline, rep.ServerAnon = memBefore.Anon, memOnline.Anon, memEnd.Anon
	// Per client only when the clients stay online (not for login churn),
	// from anonymous memory: the store's mapped file pages are page cache.
	if memBefore.Anon > 0 && memOnline.Anon > memBefore.Anon && onlineNow > 0 && onlineNow >= want {
		rep.AnonPerClientBytes = (memOnline.Anon - memBefore.Anon) / onlineNow
		if onlineEnd := r.m.online.Load(); memEnd.Anon > memBefore.Anon && onlineEnd > 0 && onlineEnd >= want {
			rep.AnonPerClientEndBytes = (memEnd.Anon - memBefore.Anon) / onlineEnd
		}
	}
	rep.WriteTable(out)
	return rep, ctx.Err()
}
