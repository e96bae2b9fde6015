package ns

import (
	"msnserver/ns/sso"
	"msnserver/ns/wire"
	"msnserver/store"
)

// usrSSOInitial answers "USR trid SSO I handle" (MSNP15): the GCF policy,
// then "USR trid SSO S MBI_KEY_OLD nonce". The nonce lives only in this
// connection, so a proof computed for another connection never verifies.
func (c *conn) usrSSOInitial(cmd *wire.Command) error {
	handle, err := store.NormalizeEmail(cmd.Args[2])
	if err != nil {
		return wire.Fatal(wire.ErrAuthFailed, "bad handle")
	}
	c.handle = handle
	c.nonce = sso.NewNonce()
	c.state = stateAuthPending
	out := wire.Payload([]byte(c.srv.opts.Policy()), "GCF", "0")
	out = wire.AppendLine(out, "USR", cmd.TrID, "SSO", "S", sso.Policy, c.nonce)
	c.send(out)
	return nil
}

// usrSSOProof checks "USR trid SSO S ticket proof [machine-guid]": the
// ticket as in TWN, then the RPS proof of the nonce under the ticket's proof
// key. Any failure is 911 and the connection ends.
func (c *conn) usrSSOProof(cmd *wire.Command) error {
	if len(cmd.Args) < 4 {
		c.srv.failedLogins.Fail(c.ip)
		return wire.Fatal(wire.ErrAuthFailed, "USR SSO S without a proof")
	}
	compact := cmd.Args[2]
	acct, err := c.checkTicket(compact)
	if err != nil {
		return err
	}
	nonce := c.nonce
	c.nonce = "" // one proof per nonce
	if err := sso.Verify(c.srv.tickets.ProofKey(compact), nonce, cmd.Args[3]); err != nil {
		c.srv.failedLogins.Fail(c.ip)
		c.log.Info("login refused", "handle", c.handle, "why", err)
		return wire.Fatal(wire.ErrAuthFailed, err.Error())
	}
	return c.loggedIn(cmd, acct, compact)
}
