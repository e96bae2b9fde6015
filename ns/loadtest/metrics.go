package loadtest

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// metrics are shared by every client of a run.
type metrics struct {
	login, rst, presence, psm, message, sbSetup Histogram

	logins    atomic.Int64 // completed logins
	messages  atomic.Int64 // MSG delivered to a receiver
	presences atomic.Int64 // NLN/UBX delivered for a timed change
	changes   atomic.Int64 // CHG/UUX sent
	sessions  atomic.Int64 // switchboard sessions set up
	online    atomic.Int64 // connections logged in now
	peak      atomic.Int64
	lastLogin atomic.Int64 // unix nanoseconds of the latest completed login

	errMu  sync.Mutex // tier 1 (leaf; lock order in ns/hub)
	errs   map[string]int64
	errN   atomic.Int64
	sample map[string]string // one example message per kind
}

func newMetrics() *metrics {
	return &metrics{errs: map[string]int64{}, sample: map[string]string{}}
}

// fail counts an error of the given kind; detail is kept once per kind.
func (m *metrics) fail(kind string, detail error) {
	m.errN.Add(1)
	m.errMu.Lock()
	m.errs[kind]++
	if _, ok := m.sample[kind]; !ok && detail != nil {
		m.sample[kind] = detail.Error()
	}
	m.errMu.Unlock()
}

func (m *metrics) goOnline() {
	n := m.online.Add(1)
	for {
		p := m.peak.Load()
		if n <= p || m.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// Report is the outcome of a run.
type Report struct {
	Scenario string
	Clients  int
	Elapsed  time.Duration // measured phase (after the ramp)

	Logins, Messages, Presences, Changes, Sessions int64
	LoginsPerSec, MessagesPerSec, PresencesPerSec  float64
	PeakOnline                                     int64

	Login, RST, Presence, PSM, Message, SBSetup Latency

	Errors      map[string]int64
	ErrorCount  int64
	ErrorSample map[string]string

	// Server memory from /proc/PID/status (0: not visible): VmRSS and its
	// anonymous part (heap, stacks) before the first client connected, once
	// every client was online (after the ramp) and at the end of the run.
	ServerPID                                      int
	ServerRSSBefore, ServerRSSOnline, ServerRSS    int64
	ServerAnonBefore, ServerAnonOnline, ServerAnon int64
	AnonPerClientBytes                             int64 // (online - before) anonymous memory / clients online
	AnonPerClientEndBytes                          int64 // the same at the end of the measured time, everyone still online
}

// progress counters at the previous tick.
type tick struct {
	at                                     time.Time
	logins, messages, presences, errs, chg int64
}

func (m *metrics) tick(now time.Time) tick {
	return tick{at: now, logins: m.logins.Load(), messages: m.messages.Load(), presences: m.presences.Load(), errs: m.errN.Load(), chg: m.changes.Load()}
}

func (m *metrics) progressLine(w io.Writer, start time.Time, prev, cur tick, rss int64) {
	dt := cur.at.Sub(prev.at).Seconds()
	if dt <= 0 {
		dt = 1
	}
	line := fmt.Sprintf("%6.1fs online=%d logins/s=%.0f msgs/s=%.0f presence/s=%.0f changes/s=%.0f errors=%d",
		cur.at.Sub(start).Seconds(), m.online.Load(),
		float64(cur.logins-prev.logins)/dt, float64(cur.messages-prev.messages)/dt,
		float64(cur.presences-prev.presences)/dt, float64(cur.chg-prev.chg)/dt, cur.errs)
	if p := m.login.Quantile(0.99); p > 0 {
		line += " login.p99=" + fmtDur(p)
	}
	if p := m.presence.Quantile(0.99); p > 0 {
		line += " presence.p99=" + fmtDur(p)
	}
	if p := m.message.Quantile(0.99); p > 0 {
		line += " msg.p99=" + fmtDur(p)
	}
	if rss > 0 {
		line += " server.rss=" + fmtBytes(rss)
	}
	fmt.Fprintln(w, line)
}

func (m *metrics) report(cfg *Config, elapsed time.Duration) Report {
	r := Report{
		Scenario: cfg.Scenario, Clients: cfg.Clients, Elapsed: elapsed,
		Logins: m.logins.Load(), Messages: m.messages.Load(), Presences: m.presences.Load(),
		Changes: m.changes.Load(), Sessions: m.sessions.Load(), PeakOnline: m.peak.Load(),
		Login: m.login.summary(), RST: m.rst.summary(), Presence: m.presence.summary(), PSM: m.psm.summary(),
		Message: m.message.summary(), SBSetup: m.sbSetup.summary(),
		ErrorCount: m.errN.Load(), Errors: map[string]int64{}, ErrorSample: map[string]string{},
	}
	if s := elapsed.Seconds(); s > 0 {
		r.LoginsPerSec = float64(r.Logins) / s
		r.MessagesPerSec = float64(r.Messages) / s
		r.PresencesPerSec = float64(r.Presences) / s
	}
	m.errMu.Lock()
	for k, v := range m.errs {
		r.Errors[k] = v
	}
	for k, v := range m.sample {
		r.ErrorSample[k] = v
	}
	m.errMu.Unlock()
	return r
}

// WriteTable prints the report as a table.
func (r *Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "\nscenario %s, %d clients, %s measured after the ramp, peak %d online\n", r.Scenario, r.Clients, r.Elapsed.Round(time.Millisecond), r.PeakOnline)
	fmt.Fprintf(w, "(login latencies include the ramp; delivery latencies and rates are from the measured time)\n\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tcount\trate/s\tp50\tp95\tp99\tmax\t")
	row := func(name string, l Latency, total int64, rate float64) {
		if l.Count == 0 && total == 0 {
			return
		}
		rs := "-"
		if rate > 0 {
			rs = fmt.Sprintf("%.0f", rate)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t\n", name, max(total, int64(l.Count)), rs, fmtDur(l.P50), fmtDur(l.P95), fmtDur(l.P99), fmtDur(l.Max))
	}
	row("login (RST to UUX reply)", r.Login, r.Logins, r.LoginsPerSec)
	row("  RST token", r.RST, 0, 0)
	row("presence delivery (CHG→NLN)", r.Presence, 0, 0)
	row("PSM delivery (UUX→UBX)", r.PSM, 0, 0)
	if r.Presences > 0 {
		fmt.Fprintf(tw, "  presence deliveries\t%d\t%.0f\t\t\t\t\t\n", r.Presences, r.PresencesPerSec)
	}
	row("switchboard setup (XFR→JOI)", r.SBSetup, r.Sessions, 0)
	row("message delivery (MSG→MSG)", r.Message, r.Messages, r.MessagesPerSec)
	tw.Flush()
	fmt.Fprintln(w)
	if r.ServerRSS > 0 {
		fmt.Fprintf(w, "server pid %d memory (RSS / anonymous):  before %s / %s,  all online %s / %s,  end %s / %s\n", r.ServerPID,
			fmtBytes(r.ServerRSSBefore), fmtBytes(r.ServerAnonBefore), fmtBytes(r.ServerRSSOnline), fmtBytes(r.ServerAnonOnline),
			fmtBytes(r.ServerRSS), fmtBytes(r.ServerAnon))
		if r.AnonPerClientBytes > 0 {
			fmt.Fprintf(w, "anonymous memory per online client: %s when all were online", fmtBytes(r.AnonPerClientBytes))
			if r.AnonPerClientEndBytes > 0 {
				fmt.Fprintf(w, ", %s at the end", fmtBytes(r.AnonPerClientEndBytes))
			}
			fmt.Fprintln(w)
		}
	} else {
		fmt.Fprintln(w, "server memory: not visible (give -pid for a local server)")
	}
	if r.ErrorCount == 0 {
		fmt.Fprintln(w, "errors: none")
		return
	}
	fmt.Fprintf(w, "errors: %d\n", r.ErrorCount)
	kinds := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return r.Errors[kinds[i]] > r.Errors[kinds[j]] })
	for _, k := range kinds {
		fmt.Fprintf(w, "  %-24s %8d  %s\n", k, r.Errors[k], r.ErrorSample[k])
	}
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", float64(d)/1e6), "0"), ".") + "ms"
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
