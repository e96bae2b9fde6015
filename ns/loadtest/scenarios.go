package loadtest

import (
	"context"
	"math/rand/v2"
	"time"
)

// role is what one client does in a run.
type role int

const (
	roleChurn    role = iota // log in, (stay a while,) log out, again
	rolePresence             // stay online, change status and PSM
	roleCaller               // open switchboard sessions to the next client and talk
	roleCallee               // answer rings and talk
	roleIdle                 // stay online, only ping
	roleYahoo                // a Yahoo! user writing to the WLM client before it
)

// roleOf assigns roles: mixed runs use blocks of ten clients (six chatting
// in three pairs, three changing presence, one logging in and out).
func (r *runner) roleOf(i int) role {
	switch r.cfg.Scenario {
	case ScenarioLogin:
		return roleChurn
	case ScenarioPresence:
		return rolePresence
	case ScenarioIdle:
		return roleIdle
	case ScenarioYahoo:
		if i%2 == 1 {
			return roleYahoo
		}
		return roleIdle
	case ScenarioChat:
		if i%2 == 1 {
			return roleCallee
		}
		if i+1 >= r.cfg.Clients {
			return roleIdle // odd one out
		}
		return roleCaller
	}
	switch k := i % 10; {
	case k <= 5 && k%2 == 1:
		return roleCallee
	case k <= 5 && i+1 < r.cfg.Clients:
		return roleCaller
	case k == 9:
		return roleChurn
	default:
		return rolePresence
	}
}

// life runs one client until ctx ends.
func (cl *client) life(ctx context.Context, i int) {
	switch cl.r.roleOf(i) {
	case roleChurn:
		cl.churn(ctx)
	case roleCaller:
		cl.online2(ctx, true, cl.r.clients[i+1])
	case roleCallee:
		cl.online2(ctx, false, nil)
	case rolePresence:
		cl.online2(ctx, false, nil)
	case roleIdle:
		cl.online2(ctx, false, nil)
	case roleYahoo:
		cl.yahooLife(ctx, cl.r.clients[i-1])
	}
}

// sleep waits d or until ctx ends; false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// churn logs in and out repeatedly. In a mixed run it stays online for a
// few seconds each time, changing presence like everyone else.
func (cl *client) churn(ctx context.Context) {
	mixed := cl.r.cfg.Scenario == ScenarioMixed
	for ctx.Err() == nil {
		c, err := cl.login(ctx)
		if err != nil {
			cl.r.fail(err)
			sleep(ctx, time.Second)
			continue
		}
		if mixed {
			stay := 2*time.Second + rand.N(8*time.Second)
			cl.stayOnline(ctx, c, stay, false, nil)
		}
		cl.logout(c)
	}
}

// loginRetry logs in, retrying after failures, until ctx ends.
func (cl *client) loginRetry(ctx context.Context) *pconn {
	for ctx.Err() == nil {
		c, err := cl.login(ctx)
		if err == nil {
			return c
		}
		cl.r.fail(err)
		sleep(ctx, time.Second)
	}
	return nil
}

// online2 keeps the client online for the whole run, logging in again if the
// connection is lost.
func (cl *client) online2(ctx context.Context, caller bool, callee *client) {
	for ctx.Err() == nil {
		c := cl.loginRetry(ctx)
		if c == nil {
			return
		}
		lost := cl.stayOnline(ctx, c, 0, caller, callee)
		if !lost {
			cl.logout(c)
			return
		}
		cl.r.m.online.Add(-1)
		c.close(false)
	}
}

// stayOnline runs the client's online activities for d (0: until ctx ends).
// It reports true when the NS connection was lost.
func (cl *client) stayOnline(ctx context.Context, c *pconn, d time.Duration, caller bool, callee *client) bool {
	cfg := cl.r.cfg
	if d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	r := cl.r
	role := r.roleOf(cl.n - cfg.First)
	changes := role == rolePresence || (cfg.Scenario == ScenarioMixed && role != roleIdle)
	var change <-chan time.Time
	var changeTimer *time.Timer
	if changes {
		// The first change at a random point of the interval spreads the load.
		changeTimer = time.NewTimer(rand.N(cfg.ChangeInterval) + time.Millisecond)
		defer changeTimer.Stop()
		change = changeTimer.C
	}
	ping := time.NewTicker(cfg.PingEvery)
	defer ping.Stop()
	if caller {
		chatDone := make(chan struct{})
		go func() {
			defer close(chatDone)
			cl.callLoop(ctx, c, callee)
		}()
		defer func() { <-chatDone }()
	}
	var k int
	for {
		select {
		case <-ctx.Done():
			return false
		case <-c.done:
			if !r.ending(c) {
				r.m.fail("NS connection lost", c.readErr)
			}
			return true
		case <-ping.C:
			if err := cl.ping(c); err != nil && !r.ending(c) {
				r.m.fail("NS PNG write", err)
			}
		case f := <-cl.rings:
			go cl.answer(ctx, f)
		case <-change:
			changeTimer.Reset(cfg.ChangeInterval)
			k++
			var err error
			if k%cfg.PSMEvery == 0 {
				err = cl.changePSM(ctx, c)
			} else {
				err = cl.changeStatus(ctx, c)
			}
			if err != nil && ctx.Err() == nil {
				r.fail(err)
			}
		}
	}
}

// callLoop opens sessions to callee and talks, session after session.
func (cl *client) callLoop(ctx context.Context, ns *pconn, callee *client) {
	select {
	case <-callee.online:
	case <-ctx.Done():
		return
	}
	for ctx.Err() == nil {
		s, err := cl.openSession(ctx, ns, callee)
		if err != nil {
			if ctx.Err() == nil {
				cl.r.fail(err)
			}
			select {
			case <-ns.done:
				return
			default:
			}
			sleep(ctx, time.Second)
			continue
		}
		s.talk(ctx, cl.r.cfg.SessionMessages)
		s.close(true)
	}
}
