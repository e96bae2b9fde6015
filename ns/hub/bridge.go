package hub

// YahooBridge carries an MSN user's UUM to a network-32 account of this
// server. That account signs in with a Messenger client too, which sees the
// MSN user as a network-1 contact and expects the messages in a switchboard
// (ns-presence-lists.md §9.4); the switchboard implements this.
type YahooBridge interface {
	// DeliverToYahoo hands the UUM payload (message type kind, "1"–"4")
	// from the MSN user's session to the network-32 account to, who is
	// online and accepts from. It reports whether the bridge took the
	// message; on false the caller delivers it as UBM. The payload is only
	// borrowed for the call.
	DeliverToYahoo(from *Session, to string, kind string, payload []byte) bool
}

// SetYahooBridge registers the bridge that UUM to network-32 accounts goes
// through; nil removes it. Call before serving.
func (h *Hub) SetYahooBridge(b YahooBridge) { h.yahoo = b }

// YahooBridge returns the registered bridge, or nil.
func (h *Hub) YahooBridge() YahooBridge { return h.yahoo }
