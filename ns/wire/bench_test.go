package wire

import (
	"io"
	"testing"
)

// loopReader yields data again and again, n times in all.
type loopReader struct {
	data []byte
	off  int
	left int
}

func (l *loopReader) Read(p []byte) (int, error) {
	total := 0
	for len(p) > 0 && l.left > 0 {
		k := copy(p, l.data[l.off:])
		p, total, l.off = p[k:], total+k, l.off+k
		if l.off == len(l.data) {
			l.off, l.left = 0, l.left-1
		}
	}
	if total == 0 {
		return 0, io.EOF
	}
	return total, nil
}

// BenchmarkReadLineParse reads and parses command lines as the NS and SB
// loops do: ReadLine, Parse, and for payload commands PayloadLength plus
// ReadPayload. One op is one command.
func BenchmarkReadLineParse(b *testing.B) {
	text := "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Segoe%20UI; EF=; CO=0; CS=1; PF=0\r\n\r\nHello Bob"
	for _, tc := range []struct {
		name, line, payload string
	}{
		{"PNG", "PNG", ""},
		{"CHG", "CHG 12 NLN 1611513916 %3Cmsnobj%20Creator%3D%22alice%40hotmail.com%22%20Size%3D%2224539%22%20Type%3D%223%22%2F%3E", ""},
		{"USR", "USR 4 TWN S t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&p=", ""},
		{"MSG", "MSG 4 A 126", text},
	} {
		b.Run(tc.name, func(b *testing.B) {
			data := []byte(tc.line + "\r\n" + tc.payload)
			r := NewReader(&loopReader{data: data, left: b.N})
			hasTrID := tc.name != "PNG"
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				line, err := r.ReadLine()
				if err != nil {
					b.Fatal(err)
				}
				cmd, err := Parse(line, hasTrID)
				if err != nil {
					b.Fatal(err)
				}
				if tc.payload != "" {
					n, err := cmd.PayloadLength(MaxSBPayload)
					if err != nil {
						b.Fatal(err)
					}
					if cmd.Payload, err = r.ReadPayload(n); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
