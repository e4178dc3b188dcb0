package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		old     string // content of path before Write ("" = no file)
		fill    func(io.Writer) error
		want    string // content of path after Write
		wantErr error
	}{
		{"new file", "", func(w io.Writer) error { _, err := io.WriteString(w, "hello"); return err }, "hello", nil},
		{"replaces", "old content", func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }, "new", nil},
		{"fill fails after writing: old file kept", "old content", func(w io.Writer) error {
			io.WriteString(w, "half")
			return boom
		}, "old content", boom},
	}
	writers := []struct {
		name  string
		write func(string, func(io.Writer) error) error
	}{{"Write", Write}, {"WriteUnsynced", WriteUnsynced}}
	for _, wr := range writers {
		for _, tt := range tests {
			t.Run(wr.name+"/"+tt.name, func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "out.bin")
				if tt.old != "" {
					if err := os.WriteFile(path, []byte(tt.old), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				err := wr.write(path, tt.fill)
				if err != tt.wantErr { // fill's error comes back as it is, not wrapped
					t.Fatalf("%s error = %v, want %v", wr.name, err, tt.wantErr)
				}
				got, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != tt.want {
					t.Errorf("content = %q, want %q", got, tt.want)
				}
				if tt.wantErr == nil {
					st, err := os.Stat(path)
					if err != nil {
						t.Fatal(err)
					}
					if st.Mode().Perm() != 0o644 {
						t.Errorf("mode = %v, want 0644", st.Mode().Perm())
					}
				}
				ents, err := os.ReadDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				if len(ents) != 1 {
					var names []string
					for _, e := range ents {
						names = append(names, e.Name())
					}
					t.Errorf("folder holds %v, want only out.bin (no temporary file left)", names)
				}
			})
		}
	}
}

func TestWriteMissingFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "out.bin")
	called := false
	err := Write(path, func(io.Writer) error { called = true; return nil })
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Write error = %v, want one wrapping os.ErrNotExist", err)
	}
	if called {
		t.Error("fill was called although the temporary file could not be created")
	}
}
