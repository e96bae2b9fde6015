package wire

import (
	"encoding/xml"
	"testing"
)

func TestHotmailMSG(t *testing.T) {
	got := string(HotmailMSG("application/x-msmsgssystemmessage", "Type: 1\r\nArg1: 5\r\n\r\n"))
	want := "MSG Hotmail Hotmail 90\r\nMIME-Version: 1.0\r\nContent-Type: application/x-msmsgssystemmessage\r\n\r\nType: 1\r\nArg1: 5\r\n\r\n"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestNOTEndsWithCRLF(t *testing.T) {
	doc := struct {
		XMLName xml.Name `xml:"NOTIFICATION"`
		ID      string   `xml:"id,attr"`
		Body    string   `xml:"MSG>BODY"`
	}{ID: "0", Body: "<x/>"}
	got, err := NOT(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := "NOT 72\r\n<NOTIFICATION id=\"0\"><MSG><BODY>&lt;x/&gt;</BODY></MSG></NOTIFICATION>\r\n"
	if string(got) != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}
