//go:build unix

package lockfile

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const canCheckPIDs = true

// alive reports whether process pid runs: it exists, is not a zombie (a
// killed process its parent has not reaped), and, when start is known, is
// the process that started then rather than a later one given its pid.
func alive(pid int, start string) bool {
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	state, now := procStat(pid)
	return state != "Z" && (start == "" || now == "" || now == start)
}

// procStart is the process's start time in clock ticks since boot ("" where
// there is no /proc).
func procStart(pid int) string {
	_, start := procStat(pid)
	return start
}

// procStat returns fields 3 (state) and 22 (start time) of /proc/PID/stat.
func procStat(pid int) (state, start string) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", ""
	}
	// The command name (field 2) is parenthesised and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", ""
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 20 {
		return "", ""
	}
	return fields[0], fields[19]
}

func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// uptime is the time since this host booted (0 where there is no /proc).
func uptime() time.Duration {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	s, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

func linkCount(path string) uint64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 0
}
