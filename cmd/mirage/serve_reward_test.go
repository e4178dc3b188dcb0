package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
)

// TestServeRewardCommand starts mirage serve-reward on a free loopback port, scores through
// it with the token from the environment, and stops it the way SIGTERM does (main's context
// ends).
func TestServeRewardCommand(t *testing.T) {
	t.Setenv("MIRAGE_REWARD_TOKEN", "tok")
	pr, pw := io.Pipe()
	app := &cli.App{Name: "mirage", Commands: []*cli.Command{serveRewardCommand()}, Writer: io.Discard, ErrWriter: pw}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() {
		ran <- app.RunContext(ctx, []string{"mirage", "serve-reward", "--addr", "127.0.0.1:0", "--reward", "math", "--budget", "1s"})
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("no output; run: %v", <-ran)
	}
	m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(lines.Text())
	if m == nil {
		t.Fatalf("first line %q names no address", lines.Text())
	}
	go func() { // keep draining stderr
		for lines.Scan() {
		}
	}()
	post := func(token string) (int, string) {
		req, _ := http.NewRequest("POST", m[1]+"/v1/score", strings.NewReader(`{"items": [{"response": "\\boxed{4}", "ground_truth": "4"}, {"response": "\\boxed{5}", "ground_truth": "4"}]}`))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("tok"); code != 200 || !strings.Contains(body, `"score":1`) || !strings.Contains(body, `"score":0`) {
		t.Errorf("with the token: %d %s, want scores 1 and 0 (--reward math ignores the format)", code, body)
	}
	if code, _ := post(""); code != 401 {
		t.Errorf("without the token: %d, want 401", code)
	}
	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("serve-reward after its context ended: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve-reward did not stop")
	}
}

func TestServeRewardCommandErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--reward", "bleu"}, `unknown reward "bleu"`},
		{[]string{"--grader", "sympy"}, "unknown grader"},
		{[]string{"--budget", "-1s"}, "negative budget"},
		{[]string{"--addr", "127.0.0.1:99999"}, "serve-reward: listen tcp"},
	} {
		app := &cli.App{Name: "mirage", Commands: []*cli.Command{serveRewardCommand()}, Writer: io.Discard, ErrWriter: io.Discard}
		err := app.Run(append([]string{"mirage", "serve-reward"}, c.args...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error with %q", c.args, err, c.want)
		}
	}
}

// TestServeRewardSIGTERM runs mirage serve-reward as its own process, sends SIGTERM while a
// large batch is being graded, and checks that the batch still gets all its results and that
// the process then exits 0.
func TestServeRewardSIGTERM(t *testing.T) {
	cmd, lines := startMirage(t, "serve-reward", "--addr", "127.0.0.1:0", "--workers", "1")
	if !lines.Scan() {
		t.Fatal("serve-reward printed nothing")
	}
	m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(lines.Text())
	if m == nil {
		t.Fatalf("first line %q names no address", lines.Text())
	}
	var rest strings.Builder
	drained := make(chan struct{})
	go func() {
		for lines.Scan() {
			rest.WriteString(lines.Text() + "\n")
		}
		close(drained)
	}()
	const n = 60000 // about a second of grading on one worker
	items := strings.Repeat(`{"response": "<think>x</think><answer>4</answer>", "ground_truth": "4"},`, n-1) + `{"response": "x", "ground_truth": "4"}`
	type answer struct {
		code int
		body string
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.Post(m[1]+"/v1/score", "application/json", strings.NewReader(`{"items": [`+items+`]}`))
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answered <- answer{resp.StatusCode, string(b), err}
	}()
	time.Sleep(300 * time.Millisecond) // the batch is being read or graded
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()
	a := <-answered
	t.Logf("answered %v after SIGTERM", time.Since(signalled))
	if a.err != nil || a.code != 200 || strings.Count(a.body, `"score":1`) != n-1 {
		t.Errorf("the batch under way at SIGTERM: %d, %v, %d scores of 1; want 200 with %d", a.code, a.err, strings.Count(a.body, `"score":1`), n-1)
	}
	// Read stderr to its end before Wait, which closes the pipe (a "stopped" line still
	// unread was lost under load).
	<-drained
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve-reward after SIGTERM: %v, want exit 0", err)
	}
	if !strings.Contains(rest.String(), "stopped") {
		t.Errorf("stderr after the address: %q, want the stop reported", rest.String())
	}
}
