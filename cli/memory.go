package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// defaultMemoryShare is the share of the machine's memory (or of the
// container's limit) the budget is by default: under it, a runaway script
// is stopped before the system runs out (a growing Go slice at the budget
// briefly needs its old and new copies).
const defaultMemoryShare = 50

// fallbackMemory is the machine's memory when it cannot be read.
const fallbackMemory = 8 << 30

// memoryFlag is the value of --max-memory: a size ("8GiB", "500MB",
// "1e9"), a share of the memory ("50%"), or 0 for no budget.
type memoryFlag struct {
	bytes int64
	set   bool
}

func (m *memoryFlag) String() string { return strconv.FormatInt(m.bytes, 10) }

func (m *memoryFlag) Set(s string) error {
	n, err := parseMemory(s, totalMemory)
	if err != nil {
		return err
	}
	m.bytes, m.set = n, true
	return nil
}

// budget is the budget in bytes: the flag's, or the default share.
func (m *memoryFlag) budget() int64 {
	if m.set {
		return m.bytes
	}
	return totalMemory() / 100 * defaultMemoryShare
}

var memoryUnits = map[string]float64{
	"": 1, "b": 1,
	"k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// parseMemory reads a --max-memory value; total gives the machine's memory
// for a percentage.
func parseMemory(s string, total func() int64) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if p, ok := strings.CutSuffix(t, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !(v > 0 && v <= 100) {
			return 0, fmt.Errorf("want a share of the memory in (0, 100]%%, got %q", s)
		}
		return int64(float64(total()) * v / 100), nil
	}
	i := len(t)
	for i > 0 && (t[i-1] >= 'a' && t[i-1] <= 'z') {
		i--
	}
	unit, ok := memoryUnits[t[i:]]
	v, err := strconv.ParseFloat(strings.TrimSpace(t[:i]), 64)
	// A size below one byte is refused rather than read as 0 (no budget):
	// --max-memory 0.5 meant something else.
	if !ok || err != nil || v < 0 || v > 0 && v*unit < 1 || math.IsInf(v*unit, 0) || v*unit >= math.MaxInt64 {
		return 0, fmt.Errorf("want a size such as 8GiB, 500MB or 50%%, or 0 for no budget, got %q", s)
	}
	return int64(v * unit), nil
}

// totalMemory is the machine's memory, or the container's limit when
// lower (cgroup v2 or v1), from Linux's /proc and /sys; fallbackMemory
// when they cannot be read.
func totalMemory() int64 {
	total := int64(0)
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				if f := strings.Fields(rest); len(f) == 2 && f[1] == "kB" {
					if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
						total = kb << 10
					}
				}
			}
		}
	}
	if total == 0 {
		total = fallbackMemory
	}
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if data, err := os.ReadFile(p); err == nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil && n > 0 && n < total {
				total = n
			}
		}
	}
	return total
}
