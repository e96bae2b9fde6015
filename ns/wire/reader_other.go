//go:build !unix

package wire

import "errors"

const idleWaitSupported = false

// fillIdle is not reached where idle waits are not supported (the reader
// has no raw socket there).
func (r *Reader) fillIdle() error { return errors.ErrUnsupported }
