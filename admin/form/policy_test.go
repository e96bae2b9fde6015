package form

import (
	"strings"
	"testing"
)

func TestCheckPolicy(t *testing.T) {
	good := []string{
		`<Policies><Policy type="SHIELDS" checksum="94A347C122C483F8BEAD525832DB2F71"><config><shield><cli maj="7" min="0" minbld="0" maxbld="9999" deny=" " /></shield><block></block></config></Policy></Policies>`,
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Policies>\n <Policy type=\"SHIELDS\"/>\n <Policy type=\"ABCH\"><policy><set id=\"push\" service=\"ABCH\">1</set></policy></Policy>\n</Policies>\n",
		`<Policies><!-- a comment --><Policy type="P2P"/></Policies>`,
	}
	for _, doc := range good {
		if err := CheckPolicy(doc); err != nil {
			t.Errorf("CheckPolicy(%q) = %v", doc, err)
		}
	}
	bad := map[string]string{
		``:                                       "empty",
		`<Policies>`:                             "not well-formed",
		`<Policies><Policy type="A"></Policies>`: "not well-formed XML: line 1",
		"<Policies>\n<Policy type=\"A\">\n</Polic>\n</Policies>":                                       "line 3",
		`<policies><Policy type="A"/></policies>`:                                                      "root element must be <Policies>, not <policies>",
		`<Policies><Shield/></Policies>`:                                                               "may only contain <Policy> elements, not <Shield>",
		`<Policies><Policy type=""/></Policies>`:                                                       "no type attribute",
		`<Policies></Policies>`:                                                                        "at least one",
		`<Policies><Policy type="A"/></Policies><x/>`:                                                  "more than one root",
		`x<Policies><Policy type="A"/></Policies>`:                                                     "must start with <Policies>",
		`<Policies><Policy type="A"/></Policies>x`:                                                     "text after the </Policies>",
		`<!DOCTYPE Policies><Policies><Policy type="A"/></Policies>`:                                   "DOCTYPE",
		`<Policies><Policy type="A">&bogus;</Policy></Policies>`:                                       "not well-formed",
		"<Policies><Policy type=\"A\">" + strings.Repeat("x", maxPolicyBytes) + "</Policy></Policies>": "too large",
	}
	for doc, want := range bad {
		err := CheckPolicy(doc)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckPolicy(%.60q) = %v, want an error containing %q", doc, err, want)
		}
	}
}

func TestNewPolicyNormalisesLineEnds(t *testing.T) {
	f := NewPolicy(func(string) string { return "\r\n <Policies>\r\n<Policy type=\"A\"/></Policies>\r\n" })
	if f.XML != "<Policies>\n<Policy type=\"A\"/></Policies>" {
		t.Fatalf("%q", f.XML)
	}
}

func FuzzCheckPolicy(f *testing.F) {
	f.Add(`<Policies><Policy type="SHIELDS"><config/></Policy></Policies>`)
	f.Add(`<Policies><Policy type="A"></Policies>`)
	f.Add(`<!DOCTYPE x><Policies/>`)
	f.Fuzz(func(t *testing.T, doc string) {
		if CheckPolicy(doc) == nil && !strings.Contains(doc, "Policies") {
			t.Fatalf("accepted %q", doc)
		}
	})
}
