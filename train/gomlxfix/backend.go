package gomlxfix

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

// NewGoBackend returns a simplego backend whose worker pool has no goroutine cap, with the
// faster float32 executors of this package installed (for every simplego backend of the
// process, once).
//
// simplego's default pool allows 2×NumCPU running tasks, but a running task (a graph node) may
// itself wait in WaitToStart for workers to run its sub-tasks (a DotGeneral's blocks); when
// every slot holds such a waiting task nothing can progress. An uncapped pool cannot deadlock
// this way; the Go scheduler still runs only GOMAXPROCS of them at once. simplego's own
// "parallelism=-1" option does the same but prints to stdout, which mirage keeps for
// machine-readable output, so the field is set directly.
func NewGoBackend() (backends.Backend, error) {
	// dotgeneral_large (now only for dtypes other than float32, which train/gemm multiplies):
	// simplego's blocked matmul kernel for every size. simplego's default sends
	// products with fewer than 2¹⁶ output cells (attention, weight gradients of small models) to a
	// one-accumulator loop; measured on mirage's training step, the blocked kernel costs 3–15%
	// less CPU at 70k, 1M and 10M parameters.
	b, err := simplego.New("dotgeneral_large")
	if err != nil {
		return nil, fmt.Errorf("gomlxfix: simplego backend: %w", err)
	}
	if err := installMatmul(); err != nil {
		b.Finalize()
		return nil, err
	}
	if err := setUnlimitedParallelism(b); err != nil {
		b.Finalize()
		return nil, err
	}
	return b, nil
}

// setUnlimitedParallelism sets simplego's workers.maxParallelism to -1 ("unlimited").
func setUnlimitedParallelism(b backends.Backend) error {
	v := reflect.ValueOf(b)
	if v.Kind() != reflect.Pointer {
		return fmt.Errorf("gomlxfix: unexpected simplego backend type %T", b)
	}
	f := v.Elem().FieldByName("workers")
	if f.IsValid() {
		f = f.FieldByName("maxParallelism")
	}
	if !f.IsValid() || f.Kind() != reflect.Int {
		return fmt.Errorf("gomlxfix: simplego backend %T has no workers.maxParallelism int (GoMLX version mismatch?)", b)
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().SetInt(-1)
	return nil
}
