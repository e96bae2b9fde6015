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
// Lock order: the server's one table is in the ns/hub package doc. Here,
// a session's mu (tier 4) may be held while reading members' names and
// capabilities (hub Session.mu, tier 3), calling hub.Lookup or hub.Ring
// (tier 2 and below), queueing to members (wire.Queue, tier 1) or updating
// the bridge index (bridge.mu, tier 1). Server.mu, the registry of sessions
// and connections, is a leaf (tier 1) as the NS's registry is: never held
// together with a session's lock.
//
// Connection state (conn.state, conn.sess) belongs to the connection's own
// reader goroutine and needs no lock.
package sb
