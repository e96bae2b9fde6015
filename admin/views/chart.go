package views

import "strconv"

// Geometry of the messages-per-minute chart, in SVG user units.
const (
	chartW      = 600
	chartH      = 150
	chartTop    = 18  // room for the maximum's label
	chartBase   = 128 // y of the baseline
	chartLabelY = 145
)

type chartBar struct {
	X, Y, W, H string
	Title      string
}

type chartModel struct {
	Bars  []chartBar
	Max   int
	Total int
	Empty bool
}

// newChart lays out one bar per minute, oldest on the left, scaled to the busiest minute.
func newChart(perMinute []int) chartModel {
	m := chartModel{Empty: len(perMinute) == 0}
	for _, v := range perMinute {
		m.Total += v
		m.Max = max(m.Max, v)
	}
	if m.Empty {
		return m
	}
	slot := float64(chartW) / float64(len(perMinute))
	width := max(slot-2, 1)
	for i, v := range perMinute {
		h := 0.0
		if m.Max > 0 {
			h = float64(v) / float64(m.Max) * float64(chartBase-chartTop)
		}
		if v > 0 && h < 1 {
			h = 1
		}
		ago := len(perMinute) - 1 - i
		title := strconv.Itoa(v) + " messages, " + strconv.Itoa(ago) + " min ago"
		if ago == 0 {
			title = strconv.Itoa(v) + " messages this minute"
		}
		m.Bars = append(m.Bars, chartBar{
			X:     num(float64(i)*slot + 1),
			Y:     num(float64(chartBase) - h),
			W:     num(width),
			H:     num(h),
			Title: title,
		})
	}
	return m
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
