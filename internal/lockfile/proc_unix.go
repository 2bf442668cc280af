//go:build unix

package lockfile

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

const canCheckPIDs = true

// alive reports whether process pid runs (and, when start is known, is
// the process that started then rather than a later one given its pid).
func alive(pid int, start string) bool {
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if start != "" {
		if now := procStart(pid); now != "" && now != start {
			return false
		}
	}
	return true
}

// procStart is field 22 of /proc/PID/stat, the process's start time in
// clock ticks since boot ("" where there is no /proc).
func procStart(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	// The command name (field 2) is parenthesised and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 20 {
		return ""
	}
	return fields[19]
}

func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
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
