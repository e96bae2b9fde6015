package ymsg_test

import (
	"testing"
	"time"

	"msnserver/ns/ymsg/packet"
	"msnserver/store"
)

// Quiet pager connections park (the harness parks after 1 ms); a parked
// user still gets messages and its next packet is served.
func TestParkedPagerConnection(t *testing.T) {
	s := newStack(t)
	s.addUser("carol@yahoo.com", store.NetworkYahoo)
	s.addUser("dave@yahoo.com", store.NetworkYahoo)
	carol, dave := carolAddsDave(s)

	deadline := time.Now().Add(10 * time.Second)
	for s.ymsg.Parked() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d pager connections parked, want 2", s.ymsg.Parked())
		}
		time.Sleep(time.Millisecond)
	}
	carol.send(packet.SvcMessage, 0x5A55AA56, 1, "carol", 5, "dave", 97, 1, 14, "while you were parked", 63, ";0", 64, 0, 1002, 1, 206, 0)
	if m := dave.expect(packet.SvcMessage, packet.StatusServerAck); m.Value(14) != "while you were parked" {
		t.Fatalf("message: %v", m.Pairs)
	}
	dave.send(packet.SvcMessage, 0x5A55AA56, 1, "dave", 5, "carol", 97, 1, 14, "back")
	if m := carol.expect(packet.SvcMessage, packet.StatusServerAck); m.Value(14) != "back" {
		t.Fatalf("message: %v", m.Pairs)
	}
}
