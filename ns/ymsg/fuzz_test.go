package ymsg_test

import (
	"net"
	"testing"
	"time"

	"msnserver/ns/ymsg/packet"
	"msnserver/store"
)

// FuzzPager sends arbitrary bytes to a signed-in pager connection: every
// input ends in replies and a close at EOF, never a panic (the pager's
// recover turns one into a test failure) or a hang.
func FuzzPager(f *testing.F) {
	s := newStack(f)
	s.addUser("carol@yahoo.com", store.NetworkYahoo)
	s.addUser("dave@yahoo.com", store.NetworkYahoo)
	s.addUser("alice@hotmail.com", store.NetworkMSN)
	seed := func(svc uint16, status uint32, kv ...any) {
		b, _ := packet.New(svc, status, 0, kv...).Marshal()
		f.Add(b)
	}
	seed(packet.SvcMessage, 0, 1, "carol", 5, "dave", 14, "<ding>")
	seed(packet.SvcMessage, 0, 1, "carol", 5, "alice@hotmail.com", 241, 2, 14, "hi", 429, "x")
	seed(packet.SvcAddBuddy, 0, 65, "Friends", 7, "alice@hotmail.com", 241, 2)
	seed(packet.SvcAddBuddy, 0, 65, "(No Group)", 7, "dave")
	seed(packet.SvcRemBuddy, 0, 65, "Friends", 7, "dave")
	seed(packet.SvcIgnore, 0, 7, "dave", 13, 1)
	seed(packet.SvcAuthReq, 0, 5, "alice@hotmail.com", 241, 2, 13, 2, 14, "no")
	seed(packet.SvcStatusUpdate, 0, 10, 99, 19, "x\xff\xfe", 97, 0, 47, 9)
	seed(packet.SvcVisible, 0, 13, 2)
	seed(packet.SvcChangeGroup, 0, 7, "dave", 224, "", 264, "")
	seed(packet.SvcGroupRename, 0, 65, "", 67, "(No Group)")
	seed(packet.SvcNotify, packet.StatusTyping, 49, "TYPING", 5, "alice@hotmail.com", 241, 2, 13, 1)
	seed(packet.SvcAuth, 0, 1, "carol")
	f.Add([]byte("YMSG\x00\x10\x00\x00\xff\xff\x00\x06"))
	f.Fuzz(func(t *testing.T, in []byte) {
		ts := *s // the same server, failures reported on this input's t
		ts.t = t
		c := ts.ylogin("carol", 0)
		c.burst()
		c.nc.Write(in)
		// End of input: the pager handles what it got, then sees EOF (a
		// packet cut short included) and closes. Reading to that close
		// bounds every input; a hang shows as a read timeout.
		c.nc.(*net.TCPConn).CloseWrite()
		c.nc.SetReadDeadline(time.Now().Add(readWait))
		for {
			if _, err := packet.Read(c.r, 1<<16); err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Fatal("the pager did not close after EOF")
				}
				break
			}
		}
		c.nc.Close()
	})
}
