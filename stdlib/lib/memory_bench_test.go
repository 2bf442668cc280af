package lib

import "testing"

func BenchmarkCheckAlloc(b *testing.B) {
	SetMemoryBudget(1 << 40)
	defer SetMemoryBudget(0)
	b.ReportAllocs()
	for b.Loop() {
		if err := CheckAlloc("f", nil, 800); err != nil {
			b.Fatal(err)
		}
	}
}
