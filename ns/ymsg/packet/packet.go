// Package packet is the YMSG wire format (protocol/ymsg.md §2): a 20-byte
// header and a payload of ordered key/value pairs, each followed by the
// separator C0 80. Keys repeat and their order carries meaning (record
// brackets 300–303), so pairs stay an ordered slice, never a map.
package packet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// HeaderLen is the fixed header size.
const HeaderLen = 20

// MaxClientPayload bounds what a client may send: lp keeps whole packets
// under 2000 bytes; buddy lists only flow from the server.
const MaxClientPayload = 8 << 10

// Services this server reads or writes (ymsg.md §3).
const (
	SvcLogon        = 0x01
	SvcLogoff       = 0x02
	SvcIsAway       = 0x03
	SvcIsBack       = 0x04
	SvcMessage      = 0x06
	SvcPing         = 0x12
	SvcSysMessage   = 0x14
	SvcSkinName     = 0x15
	SvcHostStats    = 0x16
	SvcNotify       = 0x4B
	SvcVerify       = 0x4C
	SvcP2PFile      = 0x4D
	SvcPeerToPeer   = 0x4F
	SvcAuthResp     = 0x54
	SvcList         = 0x55
	SvcAuth         = 0x57
	SvcAddBuddy     = 0x83
	SvcRemBuddy     = 0x84
	SvcIgnore       = 0x85
	SvcGroupRename  = 0x89
	SvcKeepAlive    = 0x8A
	SvcVisible      = 0xC5
	SvcStatusUpdate = 0xC6
	SvcAuthReq      = 0xD6
	SvcChangeGroup  = 0xE7
	SvcStatus15     = 0xF0
	SvcList15       = 0xF1
	SvcMessageAck   = 0xFB
	SvcSMS          = 0x2EA
	SvcError        = 0x7D1
)

// Header status words (ymsg.md §2.3).
const (
	StatusDefault   = 0
	StatusServerAck = 1
	StatusNotSent   = 2
	StatusAuthAsk   = 3
	StatusOffline   = 5
	StatusInvisible = 12
	StatusTyping    = 22
	StatusFailure   = 0xFFFFFFFF
)

var sep = []byte{0xC0, 0x80}

// Errors a reader returns; any of them means "close the connection".
var (
	ErrMagic   = errors.New("ymsg: bad magic")
	ErrVersion = errors.New("ymsg: unsupported protocol version")
	ErrTooLong = errors.New("ymsg: payload too long")
	ErrPairs   = errors.New("ymsg: malformed key/value pairs")
)

// Pair is one key/value pair.
type Pair struct {
	Key   int
	Value string
}

// Packet is one YMSG packet.
type Packet struct {
	Version uint16
	Vendor  uint16
	Service uint16
	Status  uint32
	Session uint32
	Pairs   []Pair
}

// Get returns the first value of key.
func (p *Packet) Get(key int) (string, bool) {
	for _, kv := range p.Pairs {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// Value returns the first value of key, or "".
func (p *Packet) Value(key int) string {
	v, _ := p.Get(key)
	return v
}

// All returns every value of key in order.
func (p *Packet) All(key int) []string {
	var out []string
	for _, kv := range p.Pairs {
		if kv.Key == key {
			out = append(out, kv.Value)
		}
	}
	return out
}

// Add appends pairs given as key, value, key, value, ….
func (p *Packet) Add(kv ...any) *Packet {
	for i := 0; i+1 < len(kv); i += 2 {
		k, _ := kv[i].(int)
		var v string
		switch x := kv[i+1].(type) {
		case string:
			v = x
		case int:
			v = strconv.Itoa(x)
		case int64:
			v = strconv.FormatInt(x, 10)
		case uint32:
			v = strconv.FormatUint(uint64(x), 10)
		default:
			v = fmt.Sprint(x)
		}
		p.Pairs = append(p.Pairs, Pair{k, v})
	}
	return p
}

// New returns a packet for service with status and session id.
func New(service uint16, status, session uint32, kv ...any) *Packet {
	p := &Packet{Version: 16, Service: service, Status: status, Session: session}
	return p.Add(kv...)
}

// Marshal encodes p. Values containing the separator are cut at it (they
// would otherwise split into a forged pair); a payload over 65535 bytes is
// an error.
func (p *Packet) Marshal() ([]byte, error) {
	var body bytes.Buffer
	for _, kv := range p.Pairs {
		v := kv.Value
		if i := bytes.Index([]byte(v), sep); i >= 0 {
			v = v[:i]
		}
		body.WriteString(strconv.Itoa(kv.Key))
		body.Write(sep)
		body.WriteString(v)
		body.Write(sep)
	}
	if body.Len() > 0xFFFF {
		return nil, ErrTooLong
	}
	out := make([]byte, HeaderLen, HeaderLen+body.Len())
	copy(out, "YMSG")
	binary.BigEndian.PutUint16(out[4:], p.Version)
	binary.BigEndian.PutUint16(out[6:], p.Vendor)
	binary.BigEndian.PutUint16(out[8:], uint16(body.Len()))
	binary.BigEndian.PutUint16(out[10:], p.Service)
	binary.BigEndian.PutUint32(out[12:], p.Status)
	binary.BigEndian.PutUint32(out[16:], p.Session)
	return append(out, body.Bytes()...), nil
}

// Read reads one packet of at most max payload bytes. Header versions 9–16
// are accepted (lp 2.10.9 sends 16, YM8.1 15); the caller decides what it serves.
func Read(r io.Reader, max int) (*Packet, error) {
	var h [HeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	if string(h[:4]) != "YMSG" {
		return nil, ErrMagic
	}
	p := &Packet{
		Version: binary.BigEndian.Uint16(h[4:]),
		Vendor:  binary.BigEndian.Uint16(h[6:]),
		Service: binary.BigEndian.Uint16(h[10:]),
		Status:  binary.BigEndian.Uint32(h[12:]),
		Session: binary.BigEndian.Uint32(h[16:]),
	}
	if p.Version < 9 || p.Version > 16 {
		return nil, ErrVersion
	}
	n := int(binary.BigEndian.Uint16(h[8:]))
	if n > max {
		return nil, ErrTooLong
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	pairs, err := ParsePairs(body)
	if err != nil {
		return nil, err
	}
	p.Pairs = pairs
	return p, nil
}

// ParsePairs decodes a payload. Keys are 1–5 decimal digits; every value ends
// with the separator; anything else is ErrPairs.
func ParsePairs(b []byte) ([]Pair, error) {
	var out []Pair
	for len(b) > 0 {
		i := bytes.Index(b, sep)
		if i < 1 || i > 5 {
			return nil, ErrPairs
		}
		k := 0
		for _, c := range b[:i] {
			if c < '0' || c > '9' {
				return nil, ErrPairs
			}
			k = k*10 + int(c-'0')
		}
		b = b[i+2:]
		j := bytes.Index(b, sep)
		if j < 0 {
			return nil, ErrPairs
		}
		out = append(out, Pair{k, string(b[:j])})
		b = b[j+2:]
	}
	return out, nil
}

// Y64 is Yahoo's base64 variant: the standard alphabet with '+', '/' and
// '=' replaced by '.', '_' and '-'.
func Y64(b []byte) string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"
	var out []byte
	for i := 0; i < len(b); i += 3 {
		var n uint32
		rem := len(b) - i
		n = uint32(b[i]) << 16
		if rem > 1 {
			n |= uint32(b[i+1]) << 8
		}
		if rem > 2 {
			n |= uint32(b[i+2])
		}
		out = append(out, alpha[n>>18&63], alpha[n>>12&63])
		if rem > 1 {
			out = append(out, alpha[n>>6&63])
		} else {
			out = append(out, '-')
		}
		if rem > 2 {
			out = append(out, alpha[n&63])
		} else {
			out = append(out, '-')
		}
	}
	return string(out)
}
