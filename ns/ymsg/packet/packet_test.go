package packet

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"testing"
)

// The reference's literals (ymsg.md §2.1, §2.2).
const (
	authFromLP  = "YMSG\x00\x10\x00\x00\x00\x0a\x00\x57\x00\x00\x00\x00\x00\x00\x00\x001\xc0\x80carol\xc0\x80"
	authReplyS  = "YMSG\x00\x10\x00\x00\x00\x2f\x00\x57\x00\x00\x00\x01\x2a\x5f\x1c\x3d1\xc0\x80carol\xc0\x8094\xc0\x80k3Jz9QwP2mV7tR1yH5bN8cL4\xc0\x8013\xc0\x802\xc0\x80"
	testCrumb   = "Qm9vdHN0cmFw.x"
	testChallng = "k3Jz9QwP2mV7tR1yH5bN8cL4"
)

func TestReadAuth(t *testing.T) {
	p, err := Read(bytes.NewReader([]byte(authFromLP)), MaxClientPayload)
	if err != nil {
		t.Fatal(err)
	}
	if p.Service != SvcAuth || p.Version != 16 || p.Value(1) != "carol" || len(p.Pairs) != 1 {
		t.Fatalf("got %+v", p)
	}
}

func TestMarshalAuthReply(t *testing.T) {
	b, err := New(SvcAuth, StatusServerAck, 0x2A5F1C3D, 1, "carol", 94, testChallng, 13, 2).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != authReplyS {
		t.Fatalf("got %q", b)
	}
}

func TestY64Vector(t *testing.T) {
	sum := md5.Sum([]byte(testCrumb + testChallng))
	if hex.EncodeToString(sum[:]) != "2a22db04ce5145042e0f9468bb92248a" {
		t.Fatalf("md5 %x", sum)
	}
	if got := Y64(sum[:]); got != "KiLbBM5RRQQuD5Rou5Ikig--" {
		t.Fatalf("Y64 = %s", got)
	}
}

func TestRefused(t *testing.T) {
	for name, in := range map[string]string{
		"magic":     "XMSG\x00\x10\x00\x00\x00\x00\x00\x57\x00\x00\x00\x00\x00\x00\x00\x00",
		"version":   "YMSG\x00\x20\x00\x00\x00\x00\x00\x57\x00\x00\x00\x00\x00\x00\x00\x00",
		"too long":  "YMSG\x00\x10\x00\x00\xff\xff\x00\x57\x00\x00\x00\x00\x00\x00\x00\x00",
		"key":       "YMSG\x00\x10\x00\x00\x00\x08\x00\x57\x00\x00\x00\x00\x00\x00\x00\x00a\xc0\x80b\xc0\x80xx",
		"open":      "YMSG\x00\x10\x00\x00\x00\x05\x00\x57\x00\x00\x00\x00\x00\x00\x00\x001\xc0\x80ab",
		"long key":  "YMSG\x00\x10\x00\x00\x00\x0a\x00\x57\x00\x00\x00\x00\x00\x00\x00\x00123456\xc0\x80\xc0\x80",
		"truncated": "YMSG\x00\x10\x00\x00\x00\x0a\x00\x57",
	} {
		if _, err := Read(bytes.NewReader([]byte(in)), MaxClientPayload); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	_, err := Read(bytes.NewReader([]byte("YMSG\x00\x10\x00\x00\xff\xff\x00\x57\x00\x00\x00\x00\x00\x00\x00\x00")), MaxClientPayload)
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("err = %v", err)
	}
}

func TestMarshalCutsSeparator(t *testing.T) {
	b, _ := New(SvcMessage, 1, 7, 14, "a\xc0\x8099\xc0\x80x").Marshal()
	p, err := Read(bytes.NewReader(b), MaxClientPayload)
	if err != nil || len(p.Pairs) != 1 || p.Value(14) != "a" {
		t.Fatalf("%v %+v", err, p)
	}
}

// FuzzRead: any input gives a packet or an error, never a panic, and a packet
// read survives a round trip.
func FuzzRead(f *testing.F) {
	f.Add([]byte(authFromLP))
	f.Add([]byte(authReplyS))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := Read(bytes.NewReader(in), MaxClientPayload)
		if err != nil {
			return
		}
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		q, err := Read(bytes.NewReader(b), 1<<16)
		if err != nil || len(q.Pairs) != len(p.Pairs) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
