package lab

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/mirage-rl/mirage/passk"
	"github.com/mirage-rl/mirage/train"
)

// cellResult is what the report reads of one cell's files.
type cellResult struct {
	Evals []train.RLEval // eval.jsonl: step 0 (before) … the last step (after)
	Steps []train.RLStep // steps.jsonl
}

func readJSONL[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for line := 1; sc.Scan(); line++ {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("lab: %s:%d: %w", path, line, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("lab: %s: %w", path, err)
	}
	return out, nil
}

func readCell(dir string) (cellResult, error) {
	var r cellResult
	var err error
	if r.Evals, err = readJSONL[train.RLEval](filepath.Join(dir, train.EvalFile)); err != nil {
		return r, err
	}
	if r.Steps, err = readJSONL[train.RLStep](filepath.Join(dir, train.StepsFile)); err != nil {
		return r, err
	}
	if len(r.Evals) < 2 || r.Evals[0].Step != 0 {
		return r, fmt.Errorf("lab: %s: want evaluations before (step 0) and after training, found %d", dir, len(r.Evals))
	}
	return r, nil
}

// stat is a mean and the spread (sample standard deviation) over seeds.
type stat struct{ Mean, SD float64 }

func statOf(xs []float64) stat {
	var s stat
	for _, x := range xs {
		s.Mean += x
	}
	s.Mean /= float64(len(xs))
	if len(xs) > 1 {
		for _, x := range xs {
			s.SD += (x - s.Mean) * (x - s.Mean)
		}
		s.SD = math.Sqrt(s.SD / float64(len(xs)-1))
	}
	return s
}

func (s stat) String() string { return fmt.Sprintf("%.1f ± %.1f", 100*s.Mean, 100*s.SD) }

// armSummary aggregates the seeds of one (rq, task, variant).
type armSummary struct {
	Variant              string
	Seeds                int
	Before, After, Delta stat // evaluation accuracy (pass@1)
	KBefore, KAfter      stat // pass@K on the evaluation set
	K                    int
	Curve                []float64 // training accuracy per step, mean over seeds
	EvalSteps            []int
	EvalCurve            []float64 // evaluation accuracy per evaluation, mean over seeds
	// PassBefore and PassAfter are the evaluation pass@k curves before and after training,
	// mean over seeds per k.
	PassBefore, PassAfter []passk.Point
}

// meanPassK averages the pass@k curves of several evaluations k by k.
func meanPassK(evals []train.RLEval) []passk.Point {
	var out []passk.Point
	for i, p := range evals[0].PassAtK {
		var xs []float64
		for _, e := range evals {
			if i < len(e.PassAtK) && e.PassAtK[i].K == p.K {
				xs = append(xs, e.PassAtK[i].Value)
			}
		}
		m := statOf(xs).Mean
		out = append(out, passk.Point{K: p.K, Value: m, Lo: m, Hi: m, Problems: evals[0].Problems})
	}
	return out
}

func passAtMax(e train.RLEval) (int, float64) {
	if len(e.PassAtK) == 0 {
		return 1, e.Accuracy
	}
	p := e.PassAtK[len(e.PassAtK)-1]
	return p.K, p.Value
}

func summarise(o StudyOptions, rq string, task TaskSpec, variant string) (armSummary, error) {
	s := armSummary{Variant: variant}
	var before, after, delta, kb, ka []float64
	var curves [][]float64
	var evalCurves [][]float64
	var firsts, lasts []train.RLEval
	for seed := range o.Seeds {
		c := Cell{RQ: rq, Task: task, Variant: variant, Seed: seed}
		dir := c.canonical().Dir(o.Out)
		if _, err := os.Stat(filepath.Join(dir, doneFile)); err != nil {
			continue // not run (yet): the report says so
		}
		r, err := readCell(dir)
		if err != nil {
			return s, err
		}
		first, last := r.Evals[0], r.Evals[len(r.Evals)-1]
		firsts, lasts = append(firsts, first), append(lasts, last)
		before, after, delta = append(before, first.Accuracy), append(after, last.Accuracy), append(delta, last.Accuracy-first.Accuracy)
		k, v0 := passAtMax(first)
		_, v1 := passAtMax(last)
		s.K, kb, ka = k, append(kb, v0), append(ka, v1)
		var curve []float64
		for _, st := range r.Steps {
			curve = append(curve, st.Accuracy)
		}
		curves = append(curves, curve)
		var ec []float64
		s.EvalSteps = s.EvalSteps[:0]
		for _, e := range r.Evals {
			ec = append(ec, e.Accuracy)
			s.EvalSteps = append(s.EvalSteps, e.Step)
		}
		evalCurves = append(evalCurves, ec)
	}
	s.Seeds = len(before)
	if s.Seeds == 0 {
		return s, nil
	}
	s.Before, s.After, s.Delta, s.KBefore, s.KAfter = statOf(before), statOf(after), statOf(delta), statOf(kb), statOf(ka)
	s.Curve, s.EvalCurve = meanCurve(curves), meanCurve(evalCurves)
	s.PassBefore, s.PassAfter = meanPassK(firsts), meanPassK(lasts)
	return s, nil
}

// meanCurve averages curves position by position over the seeds that reach each position.
func meanCurve(curves [][]float64) []float64 {
	var out []float64
	for i := 0; ; i++ {
		var xs []float64
		for _, c := range curves {
			if i < len(c) {
				xs = append(xs, c[i])
			}
		}
		if len(xs) == 0 {
			return out
		}
		out = append(out, statOf(xs).Mean)
	}
}

// WriteReport reads every cell of the study and writes report.md, the plots (PNG and SVG) and
// curves.jsonl (the per-step records of all cells, labelled) to o.Out.
func WriteReport(o StudyOptions) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	results := map[string]map[string][]armSummary{} // rq → task → arms
	for _, rq := range o.RQs {
		results[rq] = map[string][]armSummary{}
		for _, task := range []TaskSpec{o.Model.Strong, o.Model.Weak} {
			for _, v := range Variants(rq) {
				s, err := summarise(o, rq, task, v.Name)
				if err != nil {
					return err
				}
				results[rq][task.Task] = append(results[rq][task.Task], s)
			}
		}
		for _, ext := range []string{".png", ".svg"} {
			if err := plotCurves(filepath.Join(o.Out, rq+"-accuracy"+ext), o, rq, results[rq]); err != nil {
				return err
			}
			for _, t := range []TaskSpec{o.Model.Strong, o.Model.Weak} {
				if err := plotPassK(filepath.Join(o.Out, rq+"-"+t.Task+"-passk"+ext), rq, t, results[rq][t.Task]); err != nil {
					return err
				}
			}
		}
	}
	if err := writeCurves(o); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(o.Out, "report.md"))
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	defer f.Close()
	if err := writeMarkdown(f, o, results); err != nil {
		return err
	}
	return f.Close()
}

// writeCurves writes curves.jsonl: every step record of every cell, with the cell's labels.
func writeCurves(o StudyOptions) error {
	f, err := os.Create(filepath.Join(o.Out, "curves.jsonl"))
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, c := range o.Cells() {
		dir := c.canonical().Dir(o.Out)
		if _, err := os.Stat(filepath.Join(dir, doneFile)); err != nil {
			continue
		}
		r, err := readCell(dir)
		if err != nil {
			return err
		}
		for _, st := range r.Steps {
			if err := enc.Encode(struct {
				RQ      string `json:"rq"`
				Task    string `json:"task"`
				Variant string `json:"variant"`
				Seed    int    `json:"seed"`
				train.RLStep
			}{c.RQ, c.Task.Task, c.Variant, c.Seed, st}); err != nil {
				return fmt.Errorf("lab: %w", err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	return f.Close()
}

// plotCurves draws training accuracy against step, one line per variant, one panel per task.
func plotCurves(path string, o StudyOptions, rq string, arms map[string][]armSummary) error {
	tasks := []TaskSpec{o.Model.Strong, o.Model.Weak}
	plots := make([][]*plot.Plot, 1)
	for _, t := range tasks {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s: %s (%s)", rq, t.Task, alignmentWord(t, o.Model))
		p.X.Label.Text = "RL step"
		p.Y.Label.Text = "accuracy: training batch (line), evaluation (dots)"
		p.Y.Min, p.Y.Max = 0, 1
		p.Add(plotter.NewGrid())
		for i, a := range arms[t.Task] {
			if a.Seeds == 0 {
				continue
			}
			pts := make(plotter.XYs, len(a.Curve))
			for j, v := range a.Curve {
				pts[j] = plotter.XY{X: float64(j + 1), Y: v}
			}
			line, err := plotter.NewLine(pts)
			if err != nil {
				return fmt.Errorf("lab: plot: %w", err)
			}
			line.Color = plotutil.Color(i)
			line.Dashes = plotutil.Dashes(i)
			line.Width = vg.Points(1.5)
			evals := make(plotter.XYs, len(a.EvalCurve))
			for j, v := range a.EvalCurve {
				evals[j] = plotter.XY{X: float64(a.EvalSteps[j]), Y: v}
			}
			dots, err := plotter.NewScatter(evals)
			if err != nil {
				return fmt.Errorf("lab: plot: %w", err)
			}
			dots.Color, dots.Shape, dots.Radius = line.Color, draw.CircleGlyph{}, vg.Points(3)
			p.Add(line, dots)
			p.Legend.Add(a.Variant, line, dots)
		}
		p.Legend.Top = true
		p.Legend.Left = true
		plots[0] = append(plots[0], p)
	}
	w, h := 12*vg.Inch, 4.5*vg.Inch
	var c draw.Canvas
	var save func() error
	switch filepath.Ext(path) {
	case ".svg":
		cv := vgsvg.New(w, h)
		c, save = draw.New(cv), func() error { return writeTo(path, cv.WriteTo) }
	default:
		cv := vgimg.New(w, h)
		png := vgimg.PngCanvas{Canvas: cv}
		c, save = draw.New(cv), func() error { return writeTo(path, png.WriteTo) }
	}
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	tiles := draw.Tiles{Rows: 1, Cols: len(tasks), PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 2, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, tiles, c)
	for j := range plots[0] {
		plots[0][j].Draw(canvases[0][j])
	}
	return save()
}

// plotPassK draws the evaluation pass@k curve before training and after it under each variant.
func plotPassK(path, rq string, t TaskSpec, arms []armSummary) error {
	var reps []*passk.Report
	for _, a := range arms {
		if a.Seeds == 0 {
			continue
		}
		if len(reps) == 0 {
			reps = append(reps, &passk.Report{Label: "before RL", PassAtK: a.PassBefore})
		}
		reps = append(reps, &passk.Report{Label: "after " + a.Variant, PassAtK: a.PassAfter})
	}
	if len(reps) == 0 {
		return nil
	}
	return passk.Plot(path, reps, passk.PlotOptions{Title: fmt.Sprintf("%s: pass@k on %s before and after RL (mean over seeds)", rq, t)})
}

func writeTo(path string, write func(io.Writer) (int64, error)) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	if _, err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("lab: plot %s: %w", path, err)
	}
	return f.Close()
}

func alignmentWord(t TaskSpec, m ModelSpec) string {
	if t == m.Strong {
		return "strongly aligned"
	}
	return "weakly aligned"
}
