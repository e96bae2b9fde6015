package views

import (
	"strconv"
	"strings"

	"msnserver/admin/model"
)

func itoa(n int) string { return strconv.Itoa(n) }

// count writes n with thousands separators.
func count(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func network(n int) string { return model.NetworkName(n) }

// statusName spells out an MSNP status code.
func statusName(code string) string {
	switch code {
	case "NLN":
		return "Online"
	case "BSY":
		return "Busy"
	case "IDL":
		return "Idle"
	case "BRB":
		return "Be right back"
	case "AWY":
		return "Away"
	case "PHN":
		return "On the phone"
	case "LUN":
		return "Out to lunch"
	case "HDN":
		return "Appear offline"
	}
	return code
}

// describe says what a broadcast announced.
func describe(b model.Broadcast) string {
	if b.Kind == model.BroadcastShutdown {
		if b.Minutes == 1 {
			return "Server going down in 1 minute"
		}
		return "Server going down in " + itoa(b.Minutes) + " minutes"
	}
	return b.Text
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count(n) + " " + many
}
