// Package loadtest is a load generator for MSNP14 servers. It speaks the
// real protocol over TCP (notification server and switchboard) and asks the
// Passport RST token service over HTTP(S) for tickets, exactly as Windows
// Live Messenger 8 does, so it can measure any MSNP14 server, not only this
// one. It also seeds a store with test accounts (Seed).
//
// Accounts are <prefix><n>@<domain>, n from 0, all with one password. The
// contacts of account n are its ring neighbours (Neighbours), which is how
// Seed creates them and what the clients announce in their initial ADL.
//
// Scenarios:
//
//   - login: each client logs in (RST, VER, CVR, USR I, USR S, BLP, ADL,
//     PRP, CHG, UUX), logs out and starts again.
//   - presence: clients stay online and change status (CHG) and personal
//     message (UUX); watchers time the NLN and UBX they receive.
//   - chat: client pairs open switchboard sessions (XFR SB, USR, CAL, RNG,
//     ANS) and exchange acknowledged messages; receivers time delivery.
//   - mixed: all three at once, on separate slices of the clients.
//   - idle: clients log in and stay online (memory per connection).
//
// Latencies are measured in this process with one clock: the sender notes
// when it wrote a change or message and the receiving connection looks it up
// by a sequence number carried in the traffic (the capability word of CHG,
// the PSM text of UUX, the body of MSG).
package loadtest
