package main

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestProfilerServesIndex(t *testing.T) {
	stop, addr := startProfiler(t)
	defer stop()
	resp, err := http.Get("http://" + addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine") {
		t.Fatalf("status %d, body %.200s", resp.StatusCode, body)
	}
}

func TestProfilerBadAddress(t *testing.T) {
	if _, _, err := serveProfiler("256.0.0.1:0", slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("no error for a bad address")
	}
}

func startProfiler(t *testing.T) (func(), string) {
	stop, addr, err := serveProfiler("127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return stop, addr
}
