package loadtest

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"
)

// maxLine caps a server line; anything longer is a broken stream.
const maxLine = 16 * 1024

var errLineTooLong = errors.New("server line too long")

// readLine returns the next line without CR LF. The slice is valid until the
// next read from br.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		buf := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			if len(buf) > maxLine {
				return nil, errLineTooLong
			}
			line, err = br.ReadSlice('\n')
			buf = append(buf, line...)
		}
		line = buf
	}
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// readPayload reads n bytes; with keep false they are skipped.
func readPayload(br *bufio.Reader, n int, keep bool) ([]byte, error) {
	if n < 0 || n > 1<<20 {
		return nil, errors.New("bad payload length")
	}
	if !keep {
		_, err := br.Discard(n)
		return nil, err
	}
	buf := make([]byte, n)
	_, err := io.ReadFull(br, buf)
	return buf, err
}

// lastInt parses the last field as a payload length.
func lastInt(f []string) (int, bool) {
	if len(f) < 2 {
		return 0, false
	}
	n, err := strconv.Atoi(f[len(f)-1])
	return n, err == nil && n >= 0
}

// isErrorCode reports a three-digit error verb.
func isErrorCode(v string) bool {
	return len(v) == 3 && v[0] >= '0' && v[0] <= '9' && v[1] >= '0' && v[1] <= '9' && v[2] >= '0' && v[2] <= '9'
}

// encodeName percent-encodes a friendly name as WLM does (README §3.1).
func encodeName(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
