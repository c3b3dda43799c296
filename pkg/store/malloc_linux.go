//go:build linux && cgo

package store

// #include <malloc.h>
import "C"

// heapTrimThreshold is how much free memory glibc may keep at the top of a
// thread's heap before it hands the rest back to the kernel.
//
// glibc's default is 128 KiB. SQLite allocates and frees a statement's
// buffers on whichever thread runs it, and those frees cross 128 KiB again
// and again. Each crossing is an madvise that drops pages the next
// statement faults back in, with a TLB shootdown across cores each time.
// On the 2-core VM, strace showed the thread claiming a fan-out's 200
// calls doing one madvise per statement. The claim took 30-70 ms; with the
// threshold raised it took 5-10 ms. Peak memory is unchanged: only memory
// already freed is kept, up to this much per heap.
const heapTrimThreshold = 32 << 20

// heapMmapThreshold is the size from which glibc serves an allocation with
// a mapping of its own rather than from the heap.
//
// glibc raises its 128 KiB default as such mappings are freed, but setting
// the trim threshold stops that. The writer binds each page's rows, about
// 130 KiB for 100 backup instances, and SQLite copies the argument: at
// 128 KiB every page was an mmap, page faults over the copy, and an munmap
// with a TLB shootdown (perf: 21% of BenchmarkIngestPages in the
// hypervisor's interrupt path). Pages of a few MiB stay on the heap.
const heapMmapThreshold = 4 << 20

// tuneCHeap sets both thresholds. It is called once, by the first Open: a
// process that imports the store but never opens one keeps glibc's
// defaults.
func tuneCHeap() {
	C.mallopt(C.M_TRIM_THRESHOLD, heapTrimThreshold)
	C.mallopt(C.M_MMAP_THRESHOLD, heapMmapThreshold)
}
