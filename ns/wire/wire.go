// Package wire is the MSNP line codec shared by the notification server and
// the switchboard: a capped line reader, command parsing, payload reads,
// reply formatting, error codes and the name encoding. No other package
// parses MSNP.
package wire

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Limits of the reader.
const (
	MaxLine       = 8 * 1024  // longest command line accepted
	MaxNSPayload  = 64 * 1024 // largest NS payload (ADL of many contacts)
	MaxSBPayload  = 8 * 1024  // largest switchboard MSG payload (P2P chunks are ~1.3 KiB)
	MaxNameEncode = 387       // encoded friendly-name limit
)

// Error codes (README §2.3 of the protocol reference).
const (
	ErrSyntax            = 200
	ErrInvalidParameter  = 201
	ErrInvalidNetwork    = 204
	ErrAlreadyLoggedIn   = 207
	ErrInvalidUser       = 208
	ErrListFull          = 210
	ErrAlreadyInSession  = 215
	ErrNotOnList         = 216
	ErrPrincipalOffline  = 217
	ErrEmptyDomain       = 240
	ErrInvalidXML        = 241
	ErrNotP2P            = 282
	ErrInternal          = 500
	ErrChallengeFailed   = 540
	ErrServerUnavailable = 601
	ErrBadCVR            = 710
	ErrTooRapid          = 713
	ErrUnknownProperty   = 715
	ErrChangingTooRapid  = 800
	ErrAuthFailed        = 911
	ErrNotAllowedInState = 913
)

// Error is a protocol error answered as "CODE TrID".
type Error struct {
	Code  int
	Close bool // close the connection after sending
	Why   string
}

func (e *Error) Error() string {
	if e.Why != "" {
		return fmt.Sprintf("msnp error %d: %s", e.Code, e.Why)
	}
	return fmt.Sprintf("msnp error %d", e.Code)
}

// Err returns a protocol error that keeps the connection open.
func Err(code int, why string) *Error { return &Error{Code: code, Why: why} }

// Fatal returns a protocol error after which the connection is closed.
func Fatal(code int, why string) *Error { return &Error{Code: code, Close: true, Why: why} }

// ErrClose asks the server to close the connection without a reply.
var ErrClose = errors.New("close connection")

// ErrLineTooLong is returned for lines over MaxLine.
var ErrLineTooLong = errors.New("line too long")

// Command is one parsed client command.
type Command struct {
	Verb    string
	TrID    string   // "" for commands without a TrID (PNG, OUT)
	Args    []string // arguments after the TrID
	Payload []byte
}

// Parse splits a command line. hasTrID says whether the verb carries a TrID,
// which must then be a decimal number of at most ten digits.
func Parse(line []byte, hasTrID bool) (Command, error) {
	var cmd Command
	err := ParseInto(&cmd, line, hasTrID)
	return cmd, err
}

// ParseInto is Parse into cmd, reusing its Args storage: a connection that
// keeps one Command parses a line with a single allocation (the line's
// string). Payload is cleared.
func ParseInto(cmd *Command, line []byte, hasTrID bool) error {
	text := string(line)
	args := cmd.Args[:0]
	*cmd = Command{}
	verb, rest, more := strings.Cut(text, " ")
	cmd.Verb = verb
	if !validVerb(verb) {
		return fmt.Errorf("bad verb %q: %w", truncate(verb), ErrClose)
	}
	for more {
		var a string
		a, rest, more = strings.Cut(rest, " ")
		args = append(args, a)
	}
	if hasTrID {
		if len(args) == 0 || !validTrID(args[0]) {
			return Err(ErrSyntax, "missing or bad TrID")
		}
		// Shift rather than reslice, so the storage keeps its start for reuse.
		cmd.TrID = args[0]
		args = args[:copy(args, args[1:])]
	}
	for _, a := range args {
		if a == "" {
			return Err(ErrSyntax, "empty argument")
		}
	}
	cmd.Args = args
	return nil
}

// PayloadLength reads the payload size from the last argument.
func (c *Command) PayloadLength(max int) (int, error) {
	if len(c.Args) == 0 {
		return 0, Fatal(ErrSyntax, "missing payload length")
	}
	n, err := strconv.Atoi(c.Args[len(c.Args)-1])
	if err != nil || n < 0 {
		return 0, Fatal(ErrSyntax, "bad payload length")
	}
	if n > max {
		return 0, Fatal(ErrSyntax, fmt.Sprintf("payload of %d bytes over the %d limit", n, max))
	}
	return n, nil
}

func validVerb(v string) bool {
	if len(v) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c := v[i]; c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func validTrID(s string) bool {
	if len(s) == 0 || len(s) > 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return err == nil && n <= 4294967295
}

func truncate(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

// Line formats a command line: arguments joined by one space, ending in CRLF.
func Line(args ...string) []byte {
	n := 2
	for _, a := range args {
		n += len(a) + 1
	}
	b := make([]byte, 0, n)
	return AppendLine(b, args...)
}

// AppendLine appends a command line to b.
func AppendLine(b []byte, args ...string) []byte {
	for i, a := range args {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, a...)
	}
	return append(b, '\r', '\n')
}

// Payload formats a payload command: the arguments, the byte count, CRLF and the payload.
func Payload(payload []byte, args ...string) []byte {
	n := len(payload) + 16
	for _, a := range args {
		n += len(a) + 1
	}
	b := make([]byte, 0, n)
	return AppendPayload(b, payload, args...)
}

// AppendPayload appends a payload command to b.
func AppendPayload(b []byte, payload []byte, args ...string) []byte {
	for _, a := range args {
		b = append(b, a...)
		b = append(b, ' ')
	}
	b = strconv.AppendInt(b, int64(len(payload)), 10)
	b = append(b, '\r', '\n')
	return append(b, payload...)
}

// ErrorLine formats "CODE TrID".
func ErrorLine(code int, trid string) []byte {
	if trid == "" {
		return Line(strconv.Itoa(code))
	}
	return Line(strconv.Itoa(code), trid)
}
