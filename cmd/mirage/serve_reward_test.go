package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
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
