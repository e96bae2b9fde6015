// Package memtrim hands memory the Go heap no longer uses back to the
// system once it has been idle for a while. A messenger server's heap grows
// in bursts (sign-ins decode books, XML, JSON) and then sits at the size of
// its idle users; the runtime's own scavenger keeps free pages up to about
// the next collection's goal, which for ten thousand idle users is several
// megabytes nobody will use until the next burst.
package memtrim

import (
	"context"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Options tune the trimmer; the zero value takes the defaults.
type Options struct {
	Interval time.Duration // how often free memory is looked at (default 1 min)
	MinFree  uint64        // free but unreturned heap worth a trim (default 16 MiB)
}

// Run trims until ctx ends.
func Run(ctx context.Context, opts Options, log *slog.Logger) {
	if opts.Interval <= 0 {
		opts.Interval = time.Minute
	}
	if opts.MinFree == 0 {
		opts.MinFree = 16 << 20
	}
	t := time.NewTicker(opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if free := Free(); free >= opts.MinFree {
				debug.FreeOSMemory()
				log.Debug("returned free heap memory to the system", "bytes", free)
			}
		}
	}
}

// Free is the heap memory that is free and not yet returned to the system.
func Free() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
