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
	carol := s.ylogin("carol", 0)
	carol.burst()
	dave := s.ylogin("dave", 0)
	dave.burst()
	carol.send(packet.SvcAddBuddy, 0, 14, "", 65, "Friends", 97, 1, 1, "carol", 302, 319, 300, 319, 7, "dave", 334, 0, 301, 319, 303, 319)
	carol.expectPairs(packet.SvcAddBuddy, packet.StatusServerAck, "1=carol 7=dave 65=Friends 66=0")
	dave.expectPairs(packet.SvcAuthReq, packet.StatusAuthAsk, "4=carol 5=dave")
	dave.send(packet.SvcAuthReq, 0, 1, "dave", 5, "carol", 13, 1, 334, 0)
	carol.expectPairs(packet.SvcStatus15, packet.StatusServerAck, "302=315 300=315 7=dave 10=0 13=1 301=315 303=315")
	carol.expectPairs(packet.SvcAuthReq, packet.StatusServerAck, "4=dave 5=carol 13=1")

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
