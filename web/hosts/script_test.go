package hosts

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func testCA(t *testing.T) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "msnserver test CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// scriptLines splits the script, checking that every line ends in CR LF
// (cmd on XP misreads labels and blocks in a file with bare LFs).
func scriptLines(t *testing.T, script []byte) []string {
	t.Helper()
	if !bytes.HasSuffix(script, []byte("\r\n")) || bytes.Count(script, []byte("\n")) != bytes.Count(script, []byte("\r\n")) ||
		bytes.Count(script, []byte("\r")) != bytes.Count(script, []byte("\r\n")) {
		t.Fatal("the script's lines do not all end in CR LF")
	}
	for i, c := range script {
		if c >= 0x80 {
			t.Fatalf("byte %d is not ASCII (cmd reads the file in the OEM code page)", i)
		}
	}
	return strings.Split(strings.TrimSuffix(string(script), "\r\n"), "\r\n")
}

func TestWindowsScript(t *testing.T) {
	ca := testCA(t)
	script, err := WindowsScript("192.168.1.10", ca)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("MSN_WRITE_SCRIPT") != "" {
		os.WriteFile(os.Getenv("MSN_WRITE_SCRIPT"), script, 0o644)
	}
	lines := scriptLines(t, script)
	index := func(want string) int {
		t.Helper()
		for i, l := range lines {
			if l == want {
				return i
			}
		}
		t.Fatalf("the script lacks the line %q", want)
		return -1
	}

	// The address is filled in once; each of Messenger's hosts gets one
	// tagged line, added to the copy of the hosts file without old ones.
	index(`set "ADDR=192.168.1.10"`)
	filter := index(`for /f "delims=" %%L in ('findstr /n "^" "%HOSTS%" ^| findstr /v /i /c:"# msnserver"') do (`)
	remove := index(`if /i "%~1"=="remove" goto :remove`)
	first := index(`>>"%TMPHOSTS%" echo %ADDR% ` + Messenger[0].Host + " " + ScriptTag)
	adds := 0
	for _, l := range lines {
		if strings.HasPrefix(l, `>>"%TMPHOSTS%" echo %ADDR% `) {
			adds++
		}
	}
	if adds != len(Messenger) {
		t.Fatalf("%d host lines, want %d", adds, len(Messenger))
	}
	for i, n := range Messenger {
		if got := index(`>>"%TMPHOSTS%" echo %ADDR% ` + n.Host + " " + ScriptTag); got != first+i {
			t.Fatalf("%s at line %d, want %d", n.Host, got, first+i)
		}
	}
	replace := index(`copy /y "%TMPHOSTS%" "%HOSTS%" >nul || goto :failed`)
	if !(filter < remove && remove < first && first < replace) {
		t.Fatalf("order: filter %d, remove branch %d, adds %d, copy %d", filter, remove, first, replace)
	}
	if lines[index(":remove")+1] != `copy /y "%TMPHOSTS%" "%HOSTS%" >nul || goto :failed` {
		t.Fatal("remove does not write the filtered copy back")
	}
	index(`(type nul >>"%HOSTS%") 2>nul || goto :notadmin`)
	index("ipconfig /flushdns >nul 2>&1")

	// The certificate is written out whole and added to the machine's roots,
	// with the wizard where certutil is missing; remove deletes it by hash.
	var b64 strings.Builder
	for _, l := range lines[index("echo -----BEGIN CERTIFICATE-----")+1 : index("echo -----END CERTIFICATE-----")] {
		b64.WriteString(strings.TrimPrefix(l, "echo "))
	}
	blk, _ := pem.Decode(ca)
	if der, err := base64.StdEncoding.DecodeString(b64.String()); err != nil || !bytes.Equal(der, blk.Bytes) {
		t.Fatalf("the embedded certificate differs: %v", err)
	}
	index(`certutil -f -addstore Root "%CAFILE%" >nul 2>&1`)
	index(`rundll32.exe cryptext.dll,CryptExtAddCER "%CAFILE%"`)
	if !regexp.MustCompile(`(?m)^certutil -delstore Root [0-9a-f]{40} >nul 2>&1\r$`).Match(script) {
		t.Fatal("remove does not delete the certificate by its SHA-1 hash")
	}
}

// TestWindowsScriptIdempotent plays the script's hosts-file steps on a
// hosts file: adding twice equals adding once, the owner's lines (blank,
// commented, with ! and %) stay, and remove restores the original.
func TestWindowsScriptIdempotent(t *testing.T) {
	script, err := WindowsScript("10.0.0.7", testCA(t))
	if err != nil {
		t.Fatal(err)
	}
	lines := scriptLines(t, script)
	var adds []string
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, `>>"%TMPHOSTS%" echo `); ok {
			adds = append(adds, strings.ReplaceAll(rest, "%ADDR%", "10.0.0.7"))
		}
	}
	// What the findstr pipe and the echo loop do: drop tagged lines
	// (case-insensitively), keep the rest, end every line with CR LF.
	run := func(hosts string, remove bool) string {
		var out strings.Builder
		for _, l := range strings.Split(strings.TrimSuffix(strings.ReplaceAll(hosts, "\r\n", "\n"), "\n"), "\n") {
			if !strings.Contains(strings.ToLower(l), ScriptTag) {
				out.WriteString(l + "\r\n")
			}
		}
		if !remove {
			for _, a := range adds {
				out.WriteString(a + "\r\n")
			}
		}
		return out.String()
	}
	orig := "# Copyright (c) 1993-2006 Microsoft Corp.\r\n\r\n127.0.0.1       localhost\r\n10.1.1.1 nas # 100%! backup"
	once := run(orig, false)
	if twice := run(once, false); twice != once {
		t.Fatalf("a second run changed the file:\n%q\n%q", once, twice)
	}
	if !strings.Contains(once, "10.0.0.7 login.live.com # msnserver\r\n") || !strings.HasPrefix(once, strings.TrimSuffix(orig, "backup")) {
		t.Fatalf("after adding:\n%s", once)
	}
	if back := run(once, true); back != orig+"\r\n" {
		t.Fatalf("remove left:\n%q", back)
	}
}

func TestWindowsScriptRefusesNonIP(t *testing.T) {
	for _, addr := range []string{"", "chat.example.org", "1.2.3.4 & del C:\\x", "%PATH%"} {
		if _, err := WindowsScript(addr, testCA(t)); err == nil {
			t.Fatalf("%q accepted", addr)
		}
	}
	if _, err := WindowsScript("1.2.3.4", []byte("not pem")); err == nil {
		t.Fatal("a non-PEM certificate accepted")
	}
}
