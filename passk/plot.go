package passk

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// PlotOptions shape a pass@k figure. The zero value draws pass@k curves on a 6×4 inch canvas.
type PlotOptions struct {
	// Title heads the figure; default "pass@k".
	Title string
	// Width and Height of the canvas; default 6 and 4 inches (576×384 pixels in PNG, at
	// gonum's 96 dpi).
	Width, Height vg.Length
	// Maj adds each report's maj@k curve, dashed.
	Maj bool
}

// Plot draws pass@k against log2 k for each report, with its bootstrap interval as a shaded
// band, axes labelled and a legend naming each report by its Label (or "pass@k" alone). The
// format follows the file's extension: .svg, .png, .pdf, .eps, .jpg or .tif.
func Plot(path string, reps []*Report, opts PlotOptions) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".svg", ".png", ".pdf", ".eps", ".jpg", ".jpeg", ".tif", ".tiff":
	default:
		return fmt.Errorf("passk: plot %s: want a file ending in .svg or .png (or .pdf, .eps, .jpg, .tif)", path)
	}
	if opts.Title == "" {
		opts.Title = "pass@k"
	}
	if opts.Width == 0 {
		opts.Width = 6 * vg.Inch
	}
	if opts.Height == 0 {
		opts.Height = 4 * vg.Inch
	}
	p := plot.New()
	p.Title.Text = opts.Title
	p.X.Label.Text = "k (log2 scale)"
	p.Y.Label.Text = "pass@k"
	if opts.Maj {
		p.Y.Label.Text = "pass@k (solid), maj@k (dashed)"
	}
	p.Y.Min, p.Y.Max = 0, 1
	// pass@k rises with k, so the top left is the emptiest corner.
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), -vg.Points(6)
	p.Add(plotter.NewGrid())

	var ks []int
	for i, r := range reps {
		col := plotutil.Color(i)
		name := r.Label
		if name == "" && len(reps) > 1 {
			name = fmt.Sprintf("curve %d", i+1)
		}
		all := []series{{r.PassAtK, name, false}}
		if opts.Maj && len(r.MajAtK) > 0 {
			all = append(all, series{r.MajAtK, strings.TrimSpace(name + " maj@k"), true})
		}
		for _, s := range all {
			line, band, err := curve(s.pts, col, s.dash)
			if err != nil {
				return fmt.Errorf("passk: plot %s: %w", path, err)
			}
			if band != nil {
				p.Add(band)
			}
			// Dots mark the measured ks; the line between them is only a guide.
			dots, err := plotter.NewScatter(line.XYs)
			if err != nil {
				return fmt.Errorf("passk: plot %s: %w", path, err)
			}
			dots.Color = col
			dots.Radius = vg.Points(2)
			p.Add(line, dots)
			if s.name != "" {
				p.Legend.Add(s.name, line)
			} else if !s.dash {
				p.Legend.Add("pass@k", line)
			}
		}
		for _, pt := range r.PassAtK {
			ks = append(ks, pt.K)
		}
	}
	p.X.Tick.Marker = kTicks(ks)
	p.Y.Tick.Marker = tenths{}
	if err := p.Save(opts.Width, opts.Height, path); err != nil {
		return fmt.Errorf("passk: plot %s: %w", path, err)
	}
	return nil
}

type series struct {
	pts  []Point
	name string
	dash bool
}

// curve turns points into a line over log2 k and, when the points have intervals, a
// translucent band from Lo to Hi. Points without a value are left out.
func curve(pts []Point, col color.Color, dashed bool) (*plotter.Line, *plotter.Polygon, error) {
	var xy, upper, lower plotter.XYs
	for _, pt := range pts {
		if math.IsNaN(pt.Value) {
			continue
		}
		x := math.Log2(float64(pt.K))
		xy = append(xy, plotter.XY{X: x, Y: pt.Value})
		upper = append(upper, plotter.XY{X: x, Y: pt.Hi})
		lower = append(lower, plotter.XY{X: x, Y: pt.Lo})
	}
	if len(xy) == 0 {
		return nil, nil, fmt.Errorf("a curve has no points")
	}
	line, err := plotter.NewLine(xy)
	if err != nil {
		return nil, nil, err
	}
	line.Color = col
	line.Width = vg.Points(1.5)
	if dashed {
		line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	}
	var band *plotter.Polygon
	if hasWidth(upper, lower) {
		ring := append(upper, reversed(lower)...)
		if band, err = plotter.NewPolygon(ring); err != nil {
			return nil, nil, err
		}
		r, g, b, _ := col.RGBA()
		band.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x40}
		band.LineStyle.Width = 0
	}
	return line, band, nil
}

func hasWidth(upper, lower plotter.XYs) bool {
	for i := range upper {
		if upper[i].Y != lower[i].Y {
			return true
		}
	}
	return false
}

func reversed(xys plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, len(xys))
	for i, p := range xys {
		out[len(xys)-1-i] = p
	}
	return out
}

// tenths ticks the probability axis every 0.1, labelled every 0.2.
type tenths struct{}

// Ticks implements plot.Ticker.
func (tenths) Ticks(_, _ float64) []plot.Tick {
	var ticks []plot.Tick
	for i := 0; i <= 10; i++ {
		t := plot.Tick{Value: float64(i) / 10}
		if i%2 == 0 {
			t.Label = strconv.FormatFloat(t.Value, 'f', 1, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// kTicks labels the log2 axis with the values of k themselves.
func kTicks(ks []int) plot.Ticker {
	seen := map[int]bool{}
	var ticks []plot.Tick
	for _, k := range ks {
		if !seen[k] {
			seen[k] = true
			ticks = append(ticks, plot.Tick{Value: math.Log2(float64(k)), Label: strconv.Itoa(k)})
		}
	}
	return plot.ConstantTicks(ticks)
}
