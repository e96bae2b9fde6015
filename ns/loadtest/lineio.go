package loadtest

import (
	"strconv"
)

// maxPayload caps a payload the server announces; anything larger is a
// broken stream. Lines are capped by the codec (wire.MaxLine).
const maxPayload = 1 << 20

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
