// Package sb is the switchboard: the chat rooms that carry every instant
// message, typing notification, nudge and P2P transfer between MSN users
// (protocol reference switchboard.md).
//
// A client reaches it with a cookie from the notification server: USR with
// the cookie of XFR SB opens a new session, ANS with the cookie of RNG joins
// one. Inside a session CAL rings others (through the hub), MSG is relayed to
// the other members, OUT leaves. A session lives in memory while it has
// members; relaying a message touches no store and no global lock.
//
// Files: server.go (listener, registry, shutdown), conn.go (one connection:
// read loop, command table, errors), invite.go (USR, ANS, CAL),
// message.go (MSG), leave.go (OUT, BYE), session.go (the member set and
// fan-out), limits.go (CAL rate limit), yahoo.go (the bridge between MSN
// users and this server's network-32 accounts, ns-presence-lists.md §9.4;
// the hub reaches it as hub.YahooBridge).
//
// Lock order. Tier 1 locks are leaves: nothing else is acquired while one is
// held. Tier 2 locks may be held while taking a tier 1 lock, never another
// tier 2 lock.
//
//	tier 1: wire.Queue's mutex (Send), hub.Session's mutex (Name, Caps,
//	        Reachable), bridge.mu (the Yahoo bridge's index)
//	tier 2: session.mu (one switchboard session), Server.mu (registry of
//	        sessions and connections); never held together
//
// hub.Lookup (the hub's own lock) is never called under a tier 2 lock.
//
// Connection state (conn.state, conn.sess) belongs to the connection's own
// reader goroutine and needs no lock.
package sb
