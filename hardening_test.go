package main

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A stranger holding more bare connections than the process has file
// descriptors (here 256) cannot stop the server: the NS still answers and
// signs users in, the HTTP services still serve, and the pressure is
// logged once. Before the shared accept loop, the NS treated EMFILE as fatal
// and serve ended every service.
func TestDescriptorExhaustion(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit not installed")
	}
	data := t.TempDir()
	run(t, "user", "add", "-data", data, "alice@hotmail.com", "pw")
	s := newServer(t, data)
	s.wrap = []string{prlimit, "--nofile=256:256", "--"}
	s.start()

	var bare []net.Conn
	defer func() {
		for _, c := range bare {
			c.Close()
		}
	}()
	for i := 0; i < 400; i++ {
		c, err := net.Dial("tcp", s.sb)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		bare = append(bare, c)
	}
	// A connection on each of the other ports while the switchboard's are held.
	for i := 0; i < 3; i++ {
		nc, err := net.Dial("tcp", s.ns)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(nc, "VER 1 MSNP14 CVR0\r\n")
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		l, err := bufio.NewReader(nc).ReadString('\n')
		nc.Close()
		if l != "VER 1 MSNP14\r\n" {
			t.Fatalf("NS with the descriptors used up: %q, %v", l, err)
		}
	}
	nc, _ := nsLogin(t, s, "alice@hotmail.com", "pw")
	nc.Close()
	if err := s.cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("server exited: %v", err)
	}
	s.stop(syscall.SIGTERM)
	log := s.log.String()
	if strings.Contains(log, "service failed") {
		t.Fatalf("a service ended:\n%s", log)
	}
	if n := strings.Count(log, "connection pressure:"); n != 1 {
		t.Fatalf("pressure logged %d times, want once:\n%s", n, log)
	}
}
