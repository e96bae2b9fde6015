package soap

import (
	"encoding/xml"
	"testing"
)

func TestTextKeepsLineBreaks(t *testing.T) {
	in := "A: 1\r\n\tfolded\r\n\r\n<b>&amp; &#xD; \"q\""
	out, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"r"`
		T       Text     `xml:"t"`
	}{T: Text(in)})
	if err != nil {
		t.Fatal(err)
	}
	want := "<r><t>A: 1\r\n\tfolded\r\n\r\n&lt;b&gt;&amp;amp; &amp;#xD; &#34;q&#34;</t></r>"
	if string(out) != want {
		t.Fatalf("marshalled %q\nwant        %q", out, want)
	}
	// A parser hands the text back with LF line breaks and every other
	// character as it was.
	var back struct {
		T string `xml:"t"`
	}
	if err := xml.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if wantText := "A: 1\n\tfolded\n\n<b>&amp; &#xD; \"q\""; back.T != wantText {
		t.Fatalf("parsed %q, want %q", back.T, wantText)
	}
}
