package wire

// MSGLine is a client's "MSG trid ack-type length" line scanned in place:
// the switchboard's relay path reads one per message and must not allocate.
type MSGLine struct {
	TrID   []byte // aliases the line
	Ack    byte   // U, N, A or D
	Length int
}

// ScanMSG scans a well-formed client MSG line (no "\r\n") of a payload of at
// most max bytes. It reports false for anything else, including lines that
// are merely unusual: the caller then takes the general path (Parse), which
// answers malformed lines with the right error.
func ScanMSG(line []byte, max int) (MSGLine, bool) {
	var m MSGLine
	if len(line) < len("MSG 1 U 0") || string(line[:4]) != "MSG " {
		return m, false
	}
	rest := line[4:]
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	// A TrID is at most ten digits and fits 32 bits (validTrID).
	if i == 0 || i > 10 || i+4 > len(rest) || rest[i] != ' ' || rest[i+2] != ' ' {
		return m, false
	}
	if i == 10 && string(rest[:10]) > "4294967295" {
		return m, false
	}
	m.TrID, m.Ack = rest[:i], rest[i+1]
	switch m.Ack {
	case 'U', 'N', 'A', 'D':
	default:
		return m, false
	}
	digits := rest[i+3:]
	if len(digits) == 0 || len(digits) > 9 {
		return m, false
	}
	n := 0
	for _, d := range digits {
		if d < '0' || d > '9' {
			return m, false
		}
		n = n*10 + int(d-'0')
	}
	if n > max {
		return m, false
	}
	m.Length = n
	return m, true
}
