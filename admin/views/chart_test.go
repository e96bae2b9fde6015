package views

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestChart(t *testing.T) {
	if m := newChart(nil); !m.Empty || len(m.Bars) != 0 {
		t.Fatalf("empty chart: %+v", m)
	}
	m := newChart(make([]int, 60))
	if m.Empty || len(m.Bars) != 60 || m.Max != 0 || m.Bars[0].H != "0.0" {
		t.Fatalf("idle hour: %+v", m.Bars[0])
	}
	m = newChart([]int{1, 1000, 0})
	if m.Max != 1000 || m.Total != 1001 {
		t.Fatalf("max %d total %d", m.Max, m.Total)
	}
	if m.Bars[0].H != "1.0" { // a non-zero minute always shows
		t.Fatalf("small bar height %s", m.Bars[0].H)
	}
	if m.Bars[1].Y != "18.0" || m.Bars[1].H != "110.0" {
		t.Fatalf("tallest bar y=%s h=%s", m.Bars[1].Y, m.Bars[1].H)
	}
	if m.Bars[2].Title != "0 messages this minute" {
		t.Fatalf("title %q", m.Bars[2].Title)
	}

	var buf bytes.Buffer
	if err := Chart([]int{3, 4}).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `<svg class="chart"`) || strings.Count(buf.String(), "<rect") != 2 {
		t.Fatalf("rendered %s", buf.String())
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
