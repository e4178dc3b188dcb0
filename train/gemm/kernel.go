package gemm

// Micro-tile: the kernel computes an mr×nr block of C from one packed A and one packed B panel.
const (
	mr = 6
	nr = 16
)

// kernelGo adds pa·pb into the mr×nr tile at c (row stride ldc): pa is kc×mr (mr values per
// step), pb is kc×nr. It is the portable kernel and the reference the assembly one is tested
// against.
func kernelGo(kc int, pa, pb, c []float32, ldc int) {
	var acc [mr][nr]float32
	for p := range kc {
		a := pa[p*mr : p*mr+mr]
		b := pb[p*nr : p*nr+nr]
		for r := range mr {
			ar := a[r]
			row := &acc[r]
			for j := range nr {
				row[j] += ar * b[j]
			}
		}
	}
	for r := range mr {
		row := c[r*ldc : r*ldc+nr]
		for j := range row {
			row[j] += acc[r][j]
		}
	}
}
