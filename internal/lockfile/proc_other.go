//go:build !unix

package lockfile

import "time"

// Without a way to check a process, a lock of this host is stale only
// after StaleAfter without a refresh, as one of another host.
const canCheckPIDs = false

func alive(pid int, start string) bool { return true }

func procStart(pid int) string { return "" }

func bootID() string { return "" }

func linkCount(path string) uint64 { return 0 }

func uptime() time.Duration { return 0 }

func procStat(pid int) (state, start string) { return "", "" }
