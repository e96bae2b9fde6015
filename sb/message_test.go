package sb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"msnserver/ns/msnptest"
)

// Payloads from switchboard.md §8.3 (lengths 126, 90, 69).
const (
	textHello = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Segoe%20UI; EF=; CO=0; CS=1; PF=0\r\n\r\nHello Bob"
	typing    = "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: alice@hotmail.com\r\n\r\n\r\n"
	nudge     = "MIME-Version: 1.0\r\nContent-Type: text/x-msnmsgr-datacast\r\n\r\nID: 1\r\n\r\n"
)

func textMsg(body string) string {
	return "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Segoe%20UI; EF=; CO=0; CS=1; PF=0\r\n\r\n" + body
}

// p2pMsg is an MSNC P2P message: MIME header, 48-byte binary header, data
// with every byte value (CR, LF and NUL among them), 4-byte footer.
func p2pMsg(dest string, size int) []byte {
	b := []byte("MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: " + dest + "\r\n\r\n")
	var head [48]byte
	binary.LittleEndian.PutUint32(head[0:], 0x1234)
	binary.LittleEndian.PutUint64(head[16:], uint64(size))
	b = append(b, head[:]...)
	for i := 0; i < size; i++ {
		b = append(b, byte(i))
	}
	return append(b, 0, 0, 0, 1)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(msnptest.ReadWait); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("condition not met within %v", msnptest.ReadWait)
}

// TestMessageAckModes: U and delivered N get no reply, A and D get ACK,
// every payload arrives byte for byte, both ways (switchboard.md §8, §12).
func TestMessageAckModes(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob Smith")
	sbs := e.chat(alice, bob)
	a, b := sbs[0], sbs[1]
	if len(textHello) != 126 || len(typing) != 90 || len(nudge) != 69 {
		t.Fatal("sample payload lengths changed")
	}

	a.msg("U", []byte(typing))
	b.ExpectCmd("MSG alice@hotmail.com Alice 90", typing)
	tr := a.msg("A", []byte(textHello))
	b.ExpectCmd("MSG alice@hotmail.com Alice 126", textHello)
	a.Expect(fmt.Sprintf("ACK %d", tr))
	a.msg("N", []byte(nudge))
	b.ExpectCmd("MSG alice@hotmail.com Alice 69", nudge)
	p2p := p2pMsg("bob@hotmail.com", 1202)
	tr = a.msg("D", p2p)
	b.ExpectCmd(fmt.Sprintf("MSG alice@hotmail.com Alice %d", len(p2p)), string(p2p))
	a.Expect(fmt.Sprintf("ACK %d", tr))
	a.barrier(alice.email) // no reply to U or N arrived before this

	back := []byte(textMsg("and back \u2713"))
	tr = b.msg("A", back)
	a.ExpectCmd(fmt.Sprintf("MSG bob@hotmail.com Bob%%20Smith %d", len(back)), string(back))
	b.Expect(fmt.Sprintf("ACK %d", tr))
	tr = b.msg("D", []byte(textHello))
	b.Expect(fmt.Sprintf("282 %d", tr))
	b.barrier(bob.email)
	a.barrier(alice.email) // the refused D was not relayed

	if got := e.hub.Stats.Messages.Load(); got != 5 {
		t.Fatalf("hub counted %d messages, want 5", got)
	}
	if info := e.srv.Sessions(); len(info) != 1 || info[0].Messages != 5 {
		t.Fatalf("Sessions() = %+v, want 5 messages", info)
	}
}

// TestNAKWhenAlone: once the other member left, N and A get NAK, U nothing.
func TestNAKWhenAlone(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")
	sbs := e.chat(alice, bob)
	a, b := sbs[0], sbs[1]
	b.Send("OUT")
	b.ExpectClosed()
	a.Expect("BYE bob@hotmail.com")
	a.msg("U", []byte(typing))
	tr := a.msg("N", []byte(nudge))
	a.Expect(fmt.Sprintf("NAK %d", tr))
	tr = a.msg("A", []byte(textHello))
	a.Expect(fmt.Sprintf("NAK %d", tr))
	tr = a.msg("D", p2pMsg(bob.email, 10))
	a.Expect(fmt.Sprintf("NAK %d", tr))
}

// TestP2PBinary: chunks of several sizes, binary bytes included, arrive unchanged.
func TestP2PBinary(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")
	sbs := e.chat(alice, bob)
	a, b := sbs[0], sbs[1]
	for _, size := range []int{1202, 1, 0, 1352} {
		p := p2pMsg(bob.email, size)
		tr := a.msg("D", p)
		b.ExpectCmd(fmt.Sprintf("MSG alice@hotmail.com Alice %d", len(p)), string(p))
		a.Expect(fmt.Sprintf("ACK %d", tr))
	}
	// A bare-LF header block and odd header case are still P2P.
	p := []byte("content-type: Application/X-MSNMSGRP2P\nP2P-Dest: bob@hotmail.com\n\n\x00\r\n\x00")
	tr := a.msg("D", p)
	b.ExpectCmd(fmt.Sprintf("MSG alice@hotmail.com Alice %d", len(p)), string(p))
	a.Expect(fmt.Sprintf("ACK %d", tr))
}

// TestP2PDest: in a three-party session a P2P message goes only to the member
// its P2P-Dest names; an unknown P2P-Dest goes to everybody.
func TestP2PDest(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")
	carol := e.login("carol@hotmail.com", "Carol")
	sbs := e.chat(alice, bob, carol)
	a, b, c := sbs[0], sbs[1], sbs[2]
	p := p2pMsg("Carol@Hotmail.com", 100)
	tr := a.msg("D", p)
	c.ExpectCmd(fmt.Sprintf("MSG alice@hotmail.com Alice %d", len(p)), string(p))
	a.Expect(fmt.Sprintf("ACK %d", tr))
	b.barrier(bob.email) // bob got nothing

	p = p2pMsg("zed@hotmail.com", 100)
	a.msg("D", p)
	b.ExpectCmd(fmt.Sprintf("MSG alice@hotmail.com Alice %d", len(p)), string(p))
	c.ExpectCmd(fmt.Sprintf("MSG alice@hotmail.com Alice %d", len(p)), string(p))
}

// TestPayloadLimit: the largest payload passes; one byte more gets 200 and a
// close, and the others see the sender removed (BYE handle 1).
func TestPayloadLimit(t *testing.T) {
	e := newEnv(t, Options{MaxPayload: 1664})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")
	sbs := e.chat(alice, bob)
	a, b := sbs[0], sbs[1]
	big := bytes.Repeat([]byte("x"), 1664)
	copy(big, textMsg(""))
	tr := a.msg("A", big)
	b.ExpectCmd("MSG alice@hotmail.com Alice 1664", string(big))
	a.Expect(fmt.Sprintf("ACK %d", tr))
	tr = a.msg("A", append(big, 'x'))
	a.Expect(fmt.Sprintf("200 %d", tr))
	a.ExpectClosed()
	b.Expect("BYE alice@hotmail.com 1")
}

// TestNameChange: a relayed MSG carries the sender's current name.
func TestNameChange(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")
	sbs := e.chat(alice, bob)
	a, b := sbs[0], sbs[1]
	m := []byte(textMsg("1"))
	a.msg("U", m)
	b.ExpectCmd(fmt.Sprintf("MSG alice@hotmail.com Alice %d", len(m)), string(m))
	alice.ns.SetName("Alice 100% ✓")
	a.msg("U", m)
	b.ExpectCmd(fmt.Sprintf("MSG alice@hotmail.com Alice%%20100%%25%%20%%E2%%9C%%93 %d", len(m)), string(m))
}

// TestBadMSG: an unknown ack type or a missing one closes the connection.
func TestBadMSG(t *testing.T) {
	for _, line := range []string{"MSG 4 X 2\r\nhi", "MSG 4 2\r\nhi", "MSG 4 AA 2\r\nhi", "MSG 4 A -1\r\n", "MSG 4 A x\r\n", "MSG x A 2\r\nhi"} {
		t.Run(line, func(t *testing.T) {
			e := newEnv(t, Options{})
			alice := e.login("alice@hotmail.com", "Alice")
			bob := e.login("bob@hotmail.com", "Bob")
			sbs := e.chat(alice, bob)
			sbs[0].Conn.Write([]byte(line))
			sbs[0].ExpectClosed("200 4", "200")
			sbs[1].Expect("BYE alice@hotmail.com 1")
		})
	}
}
