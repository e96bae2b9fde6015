package hosts

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"strings"
)

// ScriptTag ends every hosts-file line the setup script writes; the script
// finds its own lines by it, to replace or remove them.
const ScriptTag = "# msnserver"

// WindowsScript is a .cmd file that sets up a Windows PC for the server at
// ip, using only what XP SP3, Vista and 7 ship: cmd, findstr, ipconfig and,
// where present, certutil. Run as administrator it replaces this server's
// hosts-file lines (so a second run adds nothing), installs the CA
// certificate caPEM into the machine's trusted roots and flushes the DNS
// cache; with the argument "remove" it takes the lines and the certificate
// out again. The host names are Messenger's, the lines CRLF-terminated.
func WindowsScript(ip string, caPEM []byte) ([]byte, error) {
	// The address is pasted into cmd lines: only an IP address is safe there.
	if net.ParseIP(ip) == nil {
		return nil, fmt.Errorf("setup script: %q is not an IP address", ip)
	}
	blk, _ := pem.Decode(caPEM)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, errors.New("setup script: the CA certificate is not PEM")
	}
	thumb := fmt.Sprintf("%x", sha1.Sum(blk.Bytes)) // certutil -delstore names it so
	b64 := base64.StdEncoding.EncodeToString(blk.Bytes)

	var w strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&w, format+"\r\n", args...) }
	line("@echo off")
	line("rem Windows Live Messenger setup for the msnserver at %s.", ip)
	line("rem   msnserver-setup.cmd          point this PC at the server")
	line("rem   msnserver-setup.cmd remove   undo it")
	line("rem Run it as administrator (Vista and 7: right-click it, Run as administrator).")
	line("rem Works on Windows XP SP3, Vista and 7 with what they ship; certutil is")
	line("rem not part of XP, where the certificate import wizard opens instead.")
	line("setlocal EnableExtensions DisableDelayedExpansion")
	line(`set "ADDR=%s"`, ip)
	line(`set "HOSTS=%%SystemRoot%%\System32\drivers\etc\hosts"`)
	line(`set "TMPHOSTS=%%TEMP%%\msnserver-hosts.tmp"`)
	line(`set "CAFILE=%%TEMP%%\msnserver-ca.crt"`)
	line("")
	line(`attrib -r "%%HOSTS%%" >nul 2>&1`)
	line(`(type nul >>"%%HOSTS%%") 2>nul || goto :notadmin`)
	line("")
	line("rem Copy the hosts file without the lines this script wrote earlier. findstr /n")
	line("rem keeps empty lines; the number before the first colon is cut off again.")
	line(`type nul >"%%TMPHOSTS%%" || goto :failed`)
	line(`for /f "delims=" %%%%L in ('findstr /n "^" "%%HOSTS%%" ^| findstr /v /i /c:"%s"') do (`, ScriptTag)
	line(`  set "LINE=%%%%L"`)
	line("  setlocal EnableDelayedExpansion")
	line(`  >>"%%TMPHOSTS%%" echo(!LINE:*:=!`)
	line("  endlocal")
	line(")")
	line(`if /i "%%~1"=="remove" goto :remove`)
	line("")
	line("rem Add this server's lines, then trust its certificate.")
	for _, n := range Messenger {
		line(`>>"%%TMPHOSTS%%" echo %%ADDR%% %s %s`, n.Host, ScriptTag)
	}
	line(`copy /y "%%TMPHOSTS%%" "%%HOSTS%%" >nul || goto :failed`)
	line(`del "%%TMPHOSTS%%"`)
	line("echo The hosts file now sends Messenger to %%ADDR%%.")
	line("")
	line("(")
	line("echo -----BEGIN CERTIFICATE-----")
	for len(b64) > 0 {
		n := min(64, len(b64))
		line("echo %s", b64[:n])
		b64 = b64[n:]
	}
	line("echo -----END CERTIFICATE-----")
	line(`) >"%%CAFILE%%"`)
	line(`certutil -f -addstore Root "%%CAFILE%%" >nul 2>&1`)
	line("if errorlevel 1 goto :wizard")
	line("echo The server's certificate is now trusted by every user of this PC.")
	line("goto :flush")
	line("")
	line(":wizard")
	line("rem No certutil (Windows XP without the Support Tools or the Windows Server")
	line("rem 2003 Administration Tools Pack): the import wizard trusts it for this user.")
	line("echo certutil is not available: the certificate import wizard opens now.")
	line("echo Click Next, keep \"Automatically select the certificate store\", click Next,")
	line("echo Finish, and answer Yes when Windows asks whether to install the certificate.")
	line(`rundll32.exe cryptext.dll,CryptExtAddCER "%%CAFILE%%"`)
	line("goto :flush")
	line("")
	line(":remove")
	line(`copy /y "%%TMPHOSTS%%" "%%HOSTS%%" >nul || goto :failed`)
	line(`del "%%TMPHOSTS%%"`)
	line("echo The hosts file no longer mentions the msnserver.")
	line("certutil -delstore Root %s >nul 2>&1", thumb)
	line("certutil -user -delstore Root %s >nul 2>&1", thumb)
	line("if errorlevel 9009 echo Without certutil, remove the certificate \"msnserver\" under Internet Options, Content, Certificates, Trusted Root Certification Authorities.")
	line("")
	line(":flush")
	line("ipconfig /flushdns >nul 2>&1")
	line("echo Done. Restart Messenger if it is running.")
	line("pause")
	line("exit /b 0")
	line("")
	line(":notadmin")
	line("echo This script changes the hosts file and the trusted certificates:")
	line("echo run it as administrator (right-click it, Run as administrator).")
	line("pause")
	line("exit /b 1")
	line("")
	line(":failed")
	line("echo Could not write %%HOSTS%%; is an antivirus program protecting it?")
	line("pause")
	line("exit /b 1")
	return []byte(w.String()), nil
}
