package sb

import (
	"bytes"
	"strconv"

	"msnserver/ns/wire"
)

// handleMSG: MSG trid ack-type length + payload. The others get
// MSG handle name length + the same bytes; the sender gets ACK or NAK as the
// ack type asks (switchboard.md §8).
func (c *conn) handleMSG(cmd *wire.Command) error {
	if len(cmd.Args) != 2 || len(cmd.Args[0]) != 1 {
		return wire.Fatal(wire.ErrSyntax, "MSG needs an ack type and a length")
	}
	ack := cmd.Args[0][0]
	if ack != 'U' && ack != 'N' && ack != 'A' && ack != 'D' {
		return wire.Fatal(wire.ErrSyntax, "unknown ack type")
	}
	c.trid = append(c.trid[:0], cmd.TrID...)
	return c.msg(c.trid, ack, cmd.Payload)
}

// msg relays one message and answers the sender as its ack type asks.
func (c *conn) msg(trid []byte, ack byte, payload []byte) error {
	var dest []byte
	p2p := isP2P(payload)
	if p2p {
		dest = header(payload, "P2P-Dest")
	} else if ack == 'D' {
		return wire.Err(wire.ErrNotP2P, "MSG D that is not P2P data")
	}
	var delivered bool
	if c.sess.bridged.Load() {
		delivered = c.bridgeMSG(payload, dest, p2p)
	} else {
		delivered = c.sess.relay(c, c.relayLine(payload), dest, c.now)
	}
	if delivered {
		c.srv.hub.Stats.Messages.Add(1)
	}
	switch {
	case !delivered && ack != 'U':
		c.reply("NAK", trid)
	case delivered && (ack == 'A' || ack == 'D'):
		c.reply("ACK", trid)
	}
	return nil
}

// relayLine builds "MSG handle name length\r\n" + payload in a buffer the
// connection reuses: wire.Queue.Send copies what it is given, so one build
// serves every recipient and the next message.
func (c *conn) relayLine(payload []byte) []byte {
	if name := c.user.Name(); name != c.name || c.header == nil {
		c.name = name
		c.header = append(append(append(append(c.header[:0], "MSG "...), c.email...), ' '), wire.EncodeName(name)...)
		c.header = append(c.header, ' ')
	}
	b := append(c.out[:0], c.header...)
	b = strconv.AppendInt(b, int64(len(payload)), 10)
	b = append(b, '\r', '\n')
	b = append(b, payload...)
	c.out = b
	return b
}

// reply queues "VERB trid" from the scratch buffer.
func (c *conn) reply(verb string, trid []byte) {
	c.out = append(append(append(append(c.out[:0], verb...), ' '), trid...), '\r', '\n')
	c.q.Send(c.out)
}

// isP2P reports whether the payload's Content-Type is application/x-msnmsgrp2p.
func isP2P(payload []byte) bool {
	v := header(payload, "Content-Type")
	const p2p = "application/x-msnmsgrp2p"
	if len(v) < len(p2p) || !equalFold(p2p, v[:len(p2p)]) {
		return false
	}
	rest := v[len(p2p):]
	return len(rest) == 0 || rest[0] == ';' || rest[0] == ' ' || rest[0] == '\t'
}

// header returns the value of the first MIME header called name (any case)
// in the header block at the start of payload, or nil. It stops at the empty
// line, so P2P binary data after it is never scanned.
func header(payload []byte, name string) []byte {
	for len(payload) > 0 {
		line := payload
		if i := bytes.IndexByte(payload, '\n'); i >= 0 {
			line, payload = payload[:i], payload[i+1:]
		} else {
			payload = nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			return nil
		}
		if len(line) > len(name) && line[len(name)] == ':' && equalFold(name, line[:len(name)]) {
			return bytes.TrimSpace(line[len(name)+1:])
		}
	}
	return nil
}
