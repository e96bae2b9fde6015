package ymsg

import "fmt"

func init() {
	panicHook = func(v any) { panic(fmt.Sprintf("recovered panic in a pager connection: %v", v)) }
}
