// Package hub owns who is online and how to reach them: the registry of
// logged-in notification-server sessions, presence fan-out (ILN, NLN, FLN,
// UBX), ringing users into switchboards, kicking and broadcasting. ns, sb,
// web (through small interfaces) and admin use it; it imports only store,
// the wire codec and ticket (whose cookie jar it hands switchboard cookies
// out of). Presence is memory only; the store is read at login and
// when privacy settings change, never per status change.
//
// # Lock order
//
// This table is the server's one lock order; every mutex in the tree carries
// a comment naming its tier. A goroutine holding a lock of tier N may take
// only locks of a lower tier, and never two locks of the same tier at once.
// Tier 1 locks are leaves: nothing is taken while one is held (a
// wire.Queue's Send only appends to a buffer, so queueing under any lock is
// fine). No server lock is held across a socket write or a store call.
//
//	tier 4  sb session.mu           one switchboard conversation: members,
//	                                virtual members, a bridge ring
//	tier 3  hub Session.mu          a user's own presence (status, name, lists,
//	                                gone); held from a change until its fan-out
//	                                is queued, so one user's presence reaches
//	                                every watcher in the order it changed
//	tier 2  hub Hub.mu              who is online, the watcher index
//	tier 1  hub Session.viewMu      what a session has been shown of its
//	                                contacts (forward list, shown set)
//	        ticket.Cookies.mu       switchboard cookies
//	        wire.Queue.mu           a connection's outgoing buffer
//	        listen.Conns.mu, sb Server.mu
//	                                the connection registries and listeners
//	                                (the NS's and the pager's are listen.Conns)
//	        sb bridge.mu            the Yahoo bridge's index
//	        ymsg conn.mu            what a Yahoo user was told of each contact
//	        limiters, admin and web caches, load-tool counters
//
// For example a status change holds the user's Session.mu, reads the
// watchers under Hub.mu (then releases it), and for each watcher updates
// its viewMu and queues the line; a switchboard join holds the session's
// lock and reads members' names under their hub Session.mu. hub.Lookup
// (Hub.mu) may be called under any tier-3-or-higher lock.
package hub
