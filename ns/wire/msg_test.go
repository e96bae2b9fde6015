package wire

import (
	"testing"
)

func TestScanMSG(t *testing.T) {
	for _, tc := range []struct {
		line string
		ok   bool
		trid string
		ack  byte
		n    int
	}{
		{"MSG 1 U 126", true, "1", 'U', 126},
		{"MSG 4294967295 A 0", true, "4294967295", 'A', 0},
		{"MSG 12 D 664", true, "12", 'D', 664},
		{"MSG 7 N 007", true, "7", 'N', 7},
		{"MSG 4294967296 A 1", false, "", 0, 0}, // TrID over 32 bits
		{"MSG 12345678901 U 1", false, "", 0, 0},
		{"MSG 1 X 10", false, "", 0, 0},
		{"MSG 1 UU 10", false, "", 0, 0},
		{"MSG 1  U 10", false, "", 0, 0},
		{"MSG 1 U 10 ", false, "", 0, 0},
		{"MSG 1 U -1", false, "", 0, 0},
		{"MSG 1 U 1x", false, "", 0, 0},
		{"MSG 1 U", false, "", 0, 0},
		{"MSG a U 1", false, "", 0, 0},
		{"msg 1 U 1", false, "", 0, 0},
		{"MSG 1 U 1001", false, "", 0, 0}, // over the limit
		{"MSG 1 U 1234567890", false, "", 0, 0},
	} {
		m, ok := ScanMSG([]byte(tc.line), 1000)
		if ok != tc.ok || (ok && (string(m.TrID) != tc.trid || m.Ack != tc.ack || m.Length != tc.n)) {
			t.Errorf("ScanMSG(%q) = %q %c %d %v; want %q %c %d %v", tc.line, m.TrID, m.Ack, m.Length, ok, tc.trid, tc.ack, tc.n, tc.ok)
		}
	}
}

// FuzzScanMSG: whatever the fast scan accepts, the general parser accepts
// with the same meaning (the fast path never lets through what Parse refuses).
func FuzzScanMSG(f *testing.F) {
	for _, s := range []string{"MSG 1 U 126", "MSG 4294967295 A 0", "MSG 1 X 1", "MSG 01 N 0010", "MSG 1 D 1664"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		m, ok := ScanMSG(line, MaxSBPayload)
		if !ok {
			return
		}
		cmd, err := Parse(line, true)
		if err != nil {
			t.Fatalf("ScanMSG accepted %q, Parse refused it: %v", line, err)
		}
		n, err := cmd.PayloadLength(MaxSBPayload)
		if cmd.Verb != "MSG" || cmd.TrID != string(m.TrID) || len(cmd.Args) != 2 || cmd.Args[0] != string(m.Ack) || err != nil || n != m.Length {
			t.Fatalf("%q: ScanMSG %q %c %d, Parse %+v %d %v", line, m.TrID, m.Ack, m.Length, cmd, n, err)
		}
	})
}

func BenchmarkScanMSG(b *testing.B) {
	line := []byte("MSG 12345 U 126")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := ScanMSG(line, MaxSBPayload); !ok {
			b.Fatal("refused")
		}
	}
}
