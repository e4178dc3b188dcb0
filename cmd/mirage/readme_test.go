package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/urfave/cli/v2"
)

// repoRoot is the repository root, relative to this package's directory.
const repoRoot = "../.."

// tourSizes replaces the README tour's sizes, so the tour runs in seconds: a flag the line sets
// gets this value, and a flag the line leaves out is added when its command has it.
var tourSizes = map[string]string{"n": "2", "max-new-tokens": "8", "limit": "3", "steps": "2"}

// TestReadmeTour runs every `bin/mirage` line of the README's "A tour" block in-process, in that
// order, in a fresh folder that sees the repository's testdata/, with the sizes of tourSizes. A
// line that fails, or a tour that lost its commands, fails the test. Lines added to the tour
// are run too, so they must finish in seconds at these sizes.
func TestReadmeTour(t *testing.T) {
	needRuntime(t)
	lines, err := readmeTour(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(root, "testdata"), filepath.Join(dir, "testdata")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)

	vars := map[string]string{}
	ran := map[string]bool{}
	for _, line := range lines {
		if name, value, ok := shellAssignment(line); ok {
			vars[name] = value
			continue
		}
		words, err := shellWords(os.Expand(line, func(k string) string { return vars[k] }))
		if err != nil {
			t.Fatalf("tour line %q: %v", line, err)
		}
		if words[0] == "make" {
			continue // TestReadmeMakeTargets checks the targets; the test binary is the build
		}
		if words[0] != "bin/mirage" {
			t.Fatalf("tour line %q: want bin/mirage, make or VAR=value", line)
		}
		args, err := withTourSizes(newApp(), words[1:])
		if err != nil {
			t.Fatalf("tour line %q: %v", line, err)
		}
		t.Logf("mirage %s", strings.Join(args, " "))
		if err := newApp().RunContext(context.Background(), append([]string{"mirage"}, args...)); err != nil {
			t.Fatalf("tour line %q (run as mirage %s): %v", line, strings.Join(args, " "), err)
		}
		ran[strings.Join(commandPath(newApp(), args), " ")] = true
	}
	// The tour shows the whole pipeline: losing one of these from it is a documentation bug.
	for _, c := range []string{"convert deepscaler", "sample", "verify", "passk", "align", "contamination", "train sft", "inspect"} {
		if !ran[c] {
			t.Errorf("the README tour no longer runs mirage %s", c)
		}
	}
	for _, f := range []string{"math500.parquet", "samples.jsonl", "scored.jsonl", "passk.svg", "align/report.md",
		"runs/sft/model.onnx", "sft-samples.jsonl"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("after the tour: %v", err)
		}
	}
}

// TestReadmeMakeTargets checks that every `make X` the README and docs/ name is a Makefile target.
func TestReadmeMakeTargets(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join(repoRoot, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^([a-zA-Z][\w-]*)(?:\s+[\w-]+)*\s*:([^=]|$)`).FindAllStringSubmatch(string(mk), -1) {
		targets[m[1]] = true
	}
	docs, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append([]string{filepath.Join(repoRoot, "README.md")}, docs...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile("`make ([a-z][\\w-]*)|^make ([a-z][\\w-]*)").FindAllStringSubmatch(string(b), -1) {
			name := m[1] + m[2]
			if !targets[name] {
				t.Errorf("%s names `make %s`, which the Makefile does not define", filepath.Base(f), name)
			}
		}
	}
}

// readmeTour returns the command lines of the first ```sh block after the "## A tour" heading,
// without comments and blank lines, with backslash continuations joined.
func readmeTour(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	_, rest, ok := strings.Cut(string(b), "\n## A tour\n")
	if !ok {
		return nil, fmt.Errorf("%s: no \"## A tour\" section", path)
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	if !ok {
		return nil, fmt.Errorf("%s: the tour has no ```sh block", path)
	}
	block, _, ok := strings.Cut(rest, "\n```")
	if !ok {
		return nil, fmt.Errorf("%s: the tour's ```sh block is not closed", path)
	}
	var lines []string
	pending := ""
	for l := range strings.SplitSeq(block, "\n") {
		if i := strings.Index(l, "#"); i >= 0 && (i == 0 || l[i-1] == ' ') {
			l = l[:i]
		}
		l = strings.TrimSpace(l)
		if c, ok := strings.CutSuffix(l, `\`); ok {
			pending += c + " "
			continue
		}
		if l = strings.TrimSpace(pending + l); l != "" {
			lines = append(lines, l)
		}
		pending = ""
	}
	if len(lines) < 5 {
		return nil, fmt.Errorf("%s: the tour has only %d command lines", path, len(lines))
	}
	return lines, nil
}

// shellAssignment recognises a `NAME=value` line.
func shellAssignment(line string) (name, value string, ok bool) {
	m := regexp.MustCompile(`^([A-Za-z_]\w*)=(\S*)$`).FindStringSubmatch(line)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// shellWords splits a command line into words the way a shell does for the tour's lines:
// white space separates, and single or double quotes group (without escapes inside).
func shellWords(line string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed %c quote", quote)
	}
	if inWord {
		words = append(words, w.String())
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("empty command")
	}
	return words, nil
}

// commandPath returns the (sub)command names at the start of args ("train", "sft").
func commandPath(app *cli.App, args []string) []string {
	var path []string
	cmds := app.Commands
	for _, a := range args {
		i := slices.IndexFunc(cmds, func(c *cli.Command) bool { return c.HasName(a) })
		if i < 0 {
			break
		}
		path = append(path, a)
		cmds = cmds[i].Subcommands
	}
	return path
}

// withTourSizes applies tourSizes to one command's arguments, and adds --quiet when the
// command has it.
func withTourSizes(app *cli.App, args []string) ([]string, error) {
	path := commandPath(app, args)
	if len(path) == 0 {
		return nil, fmt.Errorf("no mirage command %q", args[0])
	}
	var cmd *cli.Command
	cmds := app.Commands
	for _, name := range path {
		cmd = cmds[slices.IndexFunc(cmds, func(c *cli.Command) bool { return c.HasName(name) })]
		cmds = cmd.Subcommands
	}
	has := map[string]bool{}
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			has[n] = true
		}
	}
	out := slices.Clone(args)
	set := map[string]bool{}
	for i := len(path); i < len(out); i++ {
		name, _, inline := strings.Cut(strings.TrimLeft(out[i], "-"), "=")
		if !strings.HasPrefix(out[i], "-") {
			continue
		}
		set[name] = true
		if v, ok := tourSizes[name]; ok {
			if inline {
				out[i] = "--" + name + "=" + v
			} else if i+1 < len(out) {
				out[i+1] = v
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(tourSizes)) {
		// --limit counts problems of --data: a line that reads no --data (passk over scored
		// files) gets none, as passk refuses a --limit without --data.
		if name == "limit" && has["data"] && !set["data"] {
			continue
		}
		if has[name] && !set[name] {
			out = append(out, "--"+name, tourSizes[name])
		}
	}
	if has["quiet"] && !set["quiet"] {
		out = append(out, "--quiet")
	}
	return out, nil
}

// TestDocsLinks checks the documentation's relative links: every link in README.md and docs/*.md
// to a file of the repository points to one that exists, an anchor (#section) names a heading of
// that page, and every docs/ page is listed in the index, docs/README.md.
func TestDocsLinks(t *testing.T) {
	pages, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile(filepath.Join(repoRoot, "docs", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, page := range append([]string{filepath.Join(repoRoot, "README.md")}, pages...) {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(page)
		if filepath.Base(filepath.Dir(page)) == "docs" && name != "README.md" && !strings.Contains(string(index), "]("+name+")") {
			t.Errorf("docs/%s is not listed in docs/README.md", name)
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			path := page
			if file != "" {
				path = filepath.Join(filepath.Dir(page), file)
			}
			body, err := os.ReadFile(path)
			if err != nil {
				if _, serr := os.Stat(path); serr != nil {
					t.Errorf("%s: link %s: %v", name, target, serr)
				}
				continue
			}
			if anchor != "" && !slices.Contains(headingAnchors(string(body)), anchor) {
				t.Errorf("%s: link %s: no heading with anchor #%s in %s", name, target, anchor, filepath.Base(path))
			}
		}
	}
}

// headingAnchors returns the anchors GitHub gives a Markdown page's headings: lower case,
// punctuation dropped, spaces turned into hyphens (outside fenced code blocks).
func headingAnchors(md string) []string {
	var out []string
	fenced := false
	for l := range strings.SplitSeq(md, "\n") {
		// A fence is a line of backticks and an info string; "```` ```python ````" is inline code.
		if s := strings.TrimSpace(l); strings.HasPrefix(s, "```") && !strings.Contains(strings.TrimLeft(s, "`"), "`") {
			fenced = !fenced
		}
		if fenced || !strings.HasPrefix(l, "#") {
			continue
		}
		var b strings.Builder
		for _, r := range strings.ToLower(strings.TrimSpace(strings.TrimLeft(l, "#"))) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		out = append(out, b.String())
	}
	return out
}

// TestDocsCommandFlags checks every mirage command line that README.md and docs/*.md show — in
// fenced code blocks (backslash continuations joined) and in `inline code` — against the CLI:
// the subcommands exist and the command accepts every flag the line names. A renamed or
// dropped flag then fails here instead of in a user's shell. The examples in every command's
// --help text are checked the same way.
func TestDocsCommandFlags(t *testing.T) {
	pages, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, page := range append([]string{filepath.Join(repoRoot, "README.md")}, pages...) {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range docCommandLines(string(b)) {
			for _, msg := range checkCommandFlags(newApp(), l.words) {
				t.Errorf("%s:%d: mirage %s: %s", filepath.Base(page), l.line, strings.Join(l.words, " "), msg)
			}
			checked++
		}
	}
	// The examples of every command's --help too.
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			for _, l := range docCommandLines("```\n" + c.Description + "\n```") {
				for _, msg := range checkCommandFlags(newApp(), l.words) {
					t.Errorf("mirage %s%s --help, example: mirage %s: %s", prefix, c.Name, strings.Join(l.words, " "), msg)
				}
				checked++
			}
			walk(prefix+c.Name+" ", c.Subcommands)
		}
	}
	walk("", newApp().Commands)
	if checked < 50 {
		t.Errorf("checked only %d mirage command lines in the docs; the scanner lost them", checked)
	}
}

// docCommand is one mirage command line of a Markdown page: the words after "mirage".
type docCommand struct {
	line  int
	words []string
}

// docMirage finds "mirage " as a command word: at the start, after a space, "(", "/" (bin/mirage,
// ./cmd/mirage) or "$".
var docMirage = regexp.MustCompile(`(?:^|[\s(/$])mirage\s+`)

// docCommandLines returns the mirage command lines of a Markdown page: those of fenced code
// blocks and of inline code spans, each cut at a shell comment, pipe, `;`, `&&`, `)` or `>`.
func docCommandLines(md string) []docCommand {
	var out []docCommand
	add := func(line int, text string) {
		for _, loc := range docMirage.FindAllStringIndex(text, -1) {
			rest := text[loc[1]:]
			if i := strings.IndexAny(rest, "|;)>`"); i >= 0 {
				rest = rest[:i]
			}
			if i := strings.Index(rest, "&&"); i >= 0 {
				rest = rest[:i]
			}
			if i := strings.Index(rest, " #"); i >= 0 {
				rest = rest[:i]
			}
			if words := strings.Fields(rest); len(words) > 0 {
				out = append(out, docCommand{line, words})
			}
		}
	}
	fenced, pending, start := false, "", 0
	for i, l := range strings.Split(md, "\n") {
		if s := strings.TrimSpace(l); strings.HasPrefix(s, "```") && !strings.Contains(strings.TrimLeft(s, "`"), "`") {
			fenced = !fenced
			continue
		}
		if fenced {
			if pending == "" {
				start = i + 1
			}
			if c, ok := strings.CutSuffix(strings.TrimRight(l, " "), `\`); ok {
				pending += c + " "
				continue
			}
			add(start, pending+l)
			pending = ""
			continue
		}
		for j, span := range strings.Split(l, "`") {
			if j%2 == 1 {
				add(i+1, span)
			}
		}
	}
	return out
}

// checkCommandFlags returns what is wrong with one command line (the words after "mirage"):
// an unknown subcommand of a command that has subcommands, or a flag the command lacks. Words
// that are not commands (prose such as "mirage reads …") name no command and pass.
func checkCommandFlags(app *cli.App, words []string) []string {
	path := commandPath(app, words)
	if len(path) == 0 {
		return nil
	}
	var cmd *cli.Command
	cmds := app.Commands
	for _, name := range path {
		cmd = cmds[slices.IndexFunc(cmds, func(c *cli.Command) bool { return c.HasName(name) })]
		cmds = cmd.Subcommands
	}
	var msgs []string
	if next := words[min(len(path), len(words)-1)]; len(cmd.Subcommands) > 0 && len(words) > len(path) && !strings.HasPrefix(next, "-") {
		if !regexp.MustCompile(`^[a-z][a-z-]*$`).MatchString(next) {
			return nil // prose: "mirage train rl's …"
		}
		msgs = append(msgs, fmt.Sprintf("no subcommand %q", next))
	}
	has := map[string]bool{"help": true, "h": true}
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			has[n] = true
		}
	}
	for _, w := range words[len(path):] {
		if !strings.HasPrefix(w, "-") || w == "-" || w == "--" || strings.HasPrefix(w, "-$") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(w, "-"), "=")
		name = strings.TrimRight(name, ",.:")
		if name == "" || name == "…" || name == "..." || strings.HasPrefix(name, "<") {
			continue
		}
		if !has[name] {
			msgs = append(msgs, fmt.Sprintf("no flag %s", w))
		}
	}
	return msgs
}
