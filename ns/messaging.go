package ns

import (
	"net"
	"strconv"

	"msnserver/ns/wire"
	"msnserver/store"
)

// handleXFR hands out a switchboard: "XFR trid SB host:port CKI cookie U
// messenger.msn.com 1" (the MSNP14 direct-connect flag last: 0 for a client
// on the HTTP gateway, whose switchboard goes through the gateway too).
func (c *conn) handleXFR(cmd *wire.Command) error {
	if len(cmd.Args) != 1 || cmd.Args[0] != "SB" {
		return wire.Err(wire.ErrInvalidParameter, "XFR only hands out SB")
	}
	if !c.sess.HasStatus() {
		return wire.Err(wire.ErrNotAllowedInState, "XFR SB before the first CHG")
	}
	if !c.srv.xfrs.Allow(c.acct.Email) {
		return wire.Err(wire.ErrTooRapid, "XFR too rapidly")
	}
	cookie, err := c.srv.hub.Invite(c.acct.Email, "")
	if err != nil {
		return wire.Err(wire.ErrTooRapid, err.Error())
	}
	if c.dialect == "MSNP13" {
		c.sendLine("XFR", cmd.TrID, "SB", c.srv.hub.SwitchboardAddr(), "CKI", cookie, "U", "messenger.msn.com")
		return nil
	}
	c.sendLine("XFR", cmd.TrID, "SB", c.srv.hub.SwitchboardAddr(), "CKI", cookie, "U", "messenger.msn.com", directConnect(c.nc))
	return nil
}

// directConnect is XFR's and RNG's MSNP14 flag: "1" (reach the address by
// TCP or the HTTP gateway) for a TCP client, "0" (only via the gateway) for
// a connection that came through the gateway (web/gateway marks its conns
// with a ViaGateway method; ns does not import it).
func directConnect(nc net.Conn) string {
	for nc != nil {
		if g, ok := nc.(interface{ ViaGateway() bool }); ok {
			if g.ViaGateway() {
				return "0"
			}
			break
		}
		// Look through wrappers (the listener pool's *listen.Conn).
		w, ok := nc.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		nc = w.NetConn()
	}
	return "1"
}

// MaxUUMPayload bounds a UUM/UUN message, as a switchboard MSG is bounded.
const MaxUUMPayload = wire.MaxSBPayload

// handleUUM carries a message to a Yahoo! user through the NS: the recipient
// gets "UBM sender network type len" with the payload unchanged. No reply on
// success (ns-presence-lists.md §9.2). This server's network-32 accounts also
// send to MSN users this way (their client may use network id 1). With a
// hub.YahooBridge registered, an MSN user's UUM reaches a network-32 account
// through the switchboard instead (§9.4).
func (c *conn) handleUUM(cmd *wire.Command) error {
	if len(cmd.Args) != 3 {
		return wire.Fatal(wire.ErrSyntax, "UUM needs recipient, network and type")
	}
	to, netArg, kind := cmd.Args[0], cmd.Args[1], cmd.Args[2]
	if k, err := strconv.Atoi(kind); err != nil || k < 1 || k > 4 {
		return wire.Err(wire.ErrInvalidParameter, "bad message type")
	}
	if len(cmd.Payload) > MaxUUMPayload {
		return wire.Err(wire.ErrInvalidParameter, "message too large")
	}
	net, err := strconv.Atoi(netArg)
	if err != nil || (net != store.NetworkYahoo && !(net == store.NetworkMSN && c.acct.Network == store.NetworkYahoo)) {
		return wire.Fatal(wire.ErrInvalidNetwork, "UUM is for Yahoo! users")
	}
	recipient, err := c.srv.store.AccountByEmail(to)
	if err != nil || recipient.Network != net {
		return wire.Err(wire.ErrInvalidUser, "no such user on that network")
	}
	s := c.srv.hub.Lookup(recipient.Email)
	if s == nil || !s.Reachable(c.acct.Email) {
		return wire.Err(wire.ErrPrincipalOffline, "recipient offline or blocking")
	}
	c.srv.hub.Stats.Messages.Add(1)
	// The network-32 account runs a Messenger client that sees this MSN
	// user as network 1 and expects a switchboard: the bridge rings it into
	// one (ns-presence-lists.md §9.4). Without a bridge, or when the ring
	// cannot be made, the message goes out as UBM.
	if net == store.NetworkYahoo && c.acct.Network != store.NetworkYahoo {
		if b := c.srv.hub.YahooBridge(); b != nil && b.DeliverToYahoo(c.sess, recipient.Email, kind, cmd.Payload) {
			return nil
		}
	}
	s.Out.Send(wire.Payload(cmd.Payload, "UBM", c.acct.Email, strconv.Itoa(c.acct.Network), kind))
	return nil
}

// handleUUN relays a client-to-client notification as UBN.
func (c *conn) handleUUN(cmd *wire.Command) error {
	if len(cmd.Args) != 2 {
		return wire.Err(wire.ErrSyntax, "UUN needs recipient and type")
	}
	if len(cmd.Payload) > MaxUUMPayload {
		return wire.Err(wire.ErrInvalidParameter, "notification too large")
	}
	s := c.srv.hub.Lookup(cmd.Args[0])
	if s == nil || !s.Reachable(c.acct.Email) {
		return wire.Err(wire.ErrPrincipalOffline, "recipient offline or blocking")
	}
	c.sendLine("UUN", cmd.TrID, "OK")
	s.Out.Send(wire.Payload(cmd.Payload, "UBN", c.acct.Email, cmd.Args[1]))
	return nil
}

// handleSND accepts an "invite a friend" request; no mail is sent.
func (c *conn) handleSND(cmd *wire.Command) error {
	c.sendLine("SND", cmd.TrID, "OK")
	return nil
}

// handleSDC is SND with an optional payload (the command table reads it
// when the last argument is a length); no mail is sent.
func (c *conn) handleSDC(cmd *wire.Command) error {
	c.sendLine("SDC", cmd.TrID, "OK")
	return nil
}

// handlePGD: pages to phones are not delivered here.
func (c *conn) handlePGD(cmd *wire.Command) error {
	return wire.Err(wire.ErrPrincipalOffline, "no mobile paging")
}
