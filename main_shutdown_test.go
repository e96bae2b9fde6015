package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// stopAll runs every service's Shutdown at once, each with its own full
// deadline, and reports every failure by name.
func TestStopAllConcurrentOwnDeadlines(t *testing.T) {
	const grace = 10 * time.Second
	names := []string{"ns", "sb", "http"}
	var started sync.WaitGroup
	started.Add(len(names))
	allStarted := make(chan struct{})
	go func() { started.Wait(); close(allStarted) }()
	var mu sync.Mutex
	deadlines := map[string]time.Time{}
	var services []service
	for _, name := range names {
		services = append(services, service{name, func(ctx context.Context) error {
			d, _ := ctx.Deadline()
			mu.Lock()
			deadlines[name] = d
			mu.Unlock()
			started.Done()
			select {
			case <-allStarted:
			case <-ctx.Done():
				return errors.New("drained alone: services ran one after another")
			}
			if name == "sb" {
				return errors.New("stuck")
			}
			return nil
		}})
	}
	begin := time.Now()
	err := stopAll(slog.New(slog.NewTextHandler(io.Discard, nil)), grace, services)
	if err == nil || err.Error() != "sb: stuck" {
		t.Fatalf("stopAll = %v, want only sb: stuck", err)
	}
	for _, name := range names {
		if d := deadlines[name]; d.Sub(begin) < grace {
			t.Errorf("%s got %v of grace, want its own %v", name, d.Sub(begin), grace)
		}
	}
	if strings.Contains(err.Error(), "alone") {
		t.Fatal(err)
	}
}
