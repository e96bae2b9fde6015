package wire

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestReadLine(t *testing.T) {
	in := "VER 1 MSNP14\r\nPNG\nCHG 2 NLN\r\n" + strings.Repeat("A", 3000) + "\r\n"
	r := NewReader(strings.NewReader(in))
	for _, want := range []string{"VER 1 MSNP14", "PNG", "CHG 2 NLN", strings.Repeat("A", 3000)} {
		got, err := r.ReadLine()
		if err != nil || string(got) != want {
			t.Fatalf("ReadLine = %q, %v; want %q", got, err, want)
		}
	}
	r = NewReader(strings.NewReader(strings.Repeat("B", MaxLine+10) + "\r\n"))
	if _, err := r.ReadLine(); !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("over-long line: %v", err)
	}
	// A bare CR is not a line end.
	r = NewReader(strings.NewReader("PNG\rOUT\r\n"))
	if got, _ := r.ReadLine(); string(got) != "PNG\rOUT" {
		t.Fatalf("bare CR split the line: %q", got)
	}
}

func TestParse(t *testing.T) {
	cmd, err := Parse([]byte("USR 3 TWN I alice@hotmail.com"), true)
	if err != nil || cmd.Verb != "USR" || cmd.TrID != "3" || strings.Join(cmd.Args, ",") != "TWN,I,alice@hotmail.com" {
		t.Fatalf("Parse = %+v, %v", cmd, err)
	}
	if cmd, err := Parse([]byte("PNG"), false); err != nil || cmd.Verb != "PNG" {
		t.Fatalf("PNG: %+v %v", cmd, err)
	}
	for _, bad := range []string{"USR x TWN", "USR", "USR 99999999999 TWN", "USR 4294967296 A", "USR 1  TWN", "usr 1", "U\x00R 1"} {
		if _, err := Parse([]byte(bad), true); err == nil {
			t.Fatalf("Parse(%q) accepted", bad)
		}
	}
	c := Command{Args: []string{"8", "4294967295"}}
	if _, err := c.PayloadLength(MaxNSPayload); err == nil {
		t.Fatal("4 GiB payload accepted")
	}
	c.Args = []string{"-1"}
	if _, err := c.PayloadLength(MaxNSPayload); err == nil {
		t.Fatal("negative payload accepted")
	}
}

func TestFormat(t *testing.T) {
	if got := string(Line("CHG", "1", "NLN")); got != "CHG 1 NLN\r\n" {
		t.Fatal(got)
	}
	if got := string(Payload([]byte("<ml></ml>"), "ADL", "0")); got != "ADL 0 9\r\n<ml></ml>" {
		t.Fatal(got)
	}
	if got := string(ErrorLine(911, "4")); got != "911 4\r\n" {
		t.Fatal(got)
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{
		"Bob Smith":      "Bob%20Smith",
		"a+b%c":          "a%2Bb%25c",
		"Zoë ✓":          "Zo%C3%AB%20%E2%9C%93",
		"plain-._~name9": "plain-._~name9",
	} {
		if got := EncodeName(in); got != want {
			t.Errorf("EncodeName(%q) = %q, want %q", in, got, want)
		}
		if back, err := DecodeName(want); err != nil || back != in {
			t.Errorf("DecodeName(%q) = %q, %v", want, back, err)
		}
	}
	for _, bad := range []string{"%ZZ", "%FF%FE", "a%0Ab", strings.Repeat("a", MaxNameEncode+1)} {
		if _, err := DecodeName(bad); err == nil {
			t.Errorf("DecodeName(%q) accepted", bad)
		}
	}
}

func TestML(t *testing.T) {
	m, err := ParseML([]byte(`<ml l="1"><d n="hotmail.com"><c n="Bob" l="3" t="1" /></d><d n="yahoo.com"><c n="carol" l="3" t="32" /></d><t><c n="tel:+15551111222" l="3" /></t></ml>`), MLAdd)
	if err != nil || !m.Initial || len(m.Contacts) != 2 || m.Contacts[0] != (MLContact{"bob@hotmail.com", 3, 1}) || m.Contacts[1].Network != 32 || m.Phones != 1 {
		t.Fatalf("ParseML = %+v, %v", m, err)
	}
	if m, err := ParseML([]byte(`<ml l="1"></ml>`), MLAdd); err != nil || !m.Initial {
		t.Fatalf("empty initial list: %+v %v", m, err)
	}
	q, err := ParseML([]byte(`<ml><d n="yahoo.com"><c n="carol" /></d></ml>`), MLQuery)
	if err != nil || q.Contacts[0].Email != "carol@yahoo.com" {
		t.Fatalf("FQY: %+v %v", q, err)
	}
	got := EncodeML([]MLEntry{{Email: "alice@hotmail.com", Network: 1, Lists: 8, Name: "Alice"}})
	if want := `<ml><d n="hotmail.com"><c n="alice" t="1" l="8" f="Alice" /></d></ml>`; string(got) != want || len(got) != 69 {
		t.Fatalf("EncodeML = %s", got)
	}
	got = EncodeML([]MLEntry{{Email: "carol@yahoo.com", Network: 32}})
	if want := `<ml><d n="yahoo.com"><c n="carol" t="32" /></d></ml>`; string(got) != want || len(got) != 52 {
		t.Fatalf("EncodeML = %s", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"VER 1 MSNP14 MSNP13 CVR0", "USR 3 TWN S t=abc&p=", "ADL 6 112", "PNG", "", " ", "CHG 1  NLN"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, trid := range []bool{true, false} {
			cmd, err := Parse(line, trid)
			if err == nil {
				cmd.PayloadLength(MaxNSPayload)
			}
		}
		r := NewReader(bytes.NewReader(line))
		for {
			if _, err := r.ReadLine(); err != nil {
				break
			}
		}
	})
}

func FuzzParseML(f *testing.F) {
	for _, s := range []string{
		`<ml l="1"><d n="hotmail.com"><c n="bob" l="3" t="1" /></d></ml>`,
		`<ml><d n="yahoo.com"><c n="carol" /></d></ml>`,
		`<ml l="1"></ml>`, `<ml><d n="a"></d></ml>`, `<ml><t><c n="tel:+1" l="3" /></t></ml>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, kind := range []MLKind{MLAdd, MLRemove, MLQuery} {
			m, err := ParseML(payload, kind)
			if err != nil {
				var pe *Error
				if !errors.As(err, &pe) {
					t.Fatalf("ParseML error is not a protocol error: %v", err)
				}
				continue
			}
			for _, c := range m.Contacts {
				if !strings.Contains(c.Email, "@") || strings.ContainsAny(c.Email, " \r\n") {
					t.Fatalf("bad contact %q accepted", c.Email)
				}
				if kind != MLQuery && (c.Lists&^7 != 0 || c.Lists == 0) {
					t.Fatalf("bad list bits %d accepted", c.Lists)
				}
			}
		}
	})
}
