package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestDemoChat builds the extension and the mini-Godot host and runs the
// whole demo: three host processes chat over loopback and must shut down
// without ABI violations.
func TestDemoChat(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the extension and the host; skipped with -short")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the mini-Godot host is Linux-only")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skip("no C compiler")
	}
	dir := t.TempDir()
	lib := filepath.Join(dir, "libgodotsteam_sockets.so")
	hostBin := filepath.Join(dir, "minigodot")

	build := exec.Command("go", "build", "-buildmode=c-shared", "-o", lib, "./extension")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the extension: %v\n%s", err, out)
	}
	sources, _ := filepath.Glob(filepath.Join(root, "extension", "minigodot", "*.c"))
	args := append([]string{"-std=c11", "-O1", "-o", hostBin}, sources...)
	args = append(args, "-lcjson", "-ldl", "-lpthread")
	if out, err := exec.Command("cc", args...).CombinedOutput(); err != nil {
		if bytes.Contains(out, []byte("cJSON.h")) {
			t.Skip("libcjson-dev is not installed")
		}
		t.Fatalf("building the host: %v\n%s", err, out)
	}

	d := &demo{lib: lib, hostBin: hostBin, trace: t.Logf, deadline: time.Now().Add(60 * time.Second)}
	if err := d.runAndShutdown(); err != nil {
		for _, h := range d.hosts {
			t.Logf("stderr of %s:\n%s", h.name, h.Stderr())
		}
		t.Fatal(err)
	}
	if d.server.relayed != len(script) || d.server.joined != 2 || d.server.departed != 2 {
		t.Errorf("server relayed %d lines, saw %d joins and %d departures", d.server.relayed, d.server.joined, d.server.departed)
	}
}
