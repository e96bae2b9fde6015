package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
)

// version is set at release time: go build -ldflags "-X main.version=v1.2.3".
// Without it the module version recorded by the toolchain is used (a
// `go install msnserver@v1.2.3` build), else "dev".
var version = ""

// commit is set at release time with -X main.commit=$(git rev-parse HEAD);
// otherwise the VCS revision the toolchain stamped, when it did.
var commit = ""

// buildInfo is what `msnserver version` prints.
type buildInfo struct {
	Version, Commit, GoVersion, Platform string
	Modified                             bool
}

// readBuildInfo combines the -X version with what the Go toolchain
// embedded: the VCS revision and whether the tree had local changes.
func readBuildInfo() buildInfo {
	bi := buildInfo{Version: version, Commit: commit, GoVersion: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok {
		if bi.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			bi.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if bi.Commit == "" {
					bi.Commit = s.Value
				}
			case "vcs.modified":
				bi.Modified = s.Value == "true"
			}
		}
	}
	if bi.Version == "" {
		bi.Version = "dev"
	}
	if bi.Commit == "" {
		bi.Commit = "unknown"
	}
	return bi
}

func (bi buildInfo) write(w io.Writer) {
	commit := bi.Commit
	if bi.Modified {
		commit += " (modified)"
	}
	fmt.Fprintf(w, "msnserver %s\ncommit %s\n%s %s\n", bi.Version, commit, bi.GoVersion, bi.Platform)
}

func runVersion(args []string) error {
	if len(args) != 0 {
		return errors.New("usage: msnserver version")
	}
	readBuildInfo().write(os.Stdout)
	return nil
}
