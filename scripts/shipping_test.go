// Package scripts holds the helper scripts of the Makefile and this test of
// what ships: the .gdextension descriptor, the Godot project's references,
// the GDScript files' indentation and the helper scripts themselves.
package scripts

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const root = ".."

func read(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// gdextensionValues parses the key = value lines of a ConfigFile section.
func gdextensionValues(data []byte) map[string]map[string]string {
	sections := map[string]map[string]string{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			sections[section] = map[string]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if ok && section != "" {
				sections[section][strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	return sections
}

func TestGDExtensionDescriptor(t *testing.T) {
	top := read(t, "godotsteam_sockets.gdextension")
	if inProject := read(t, "godot_project/godotsteam_sockets.gdextension"); !bytes.Equal(top, inProject) {
		t.Fatal("godotsteam_sockets.gdextension and godot_project/godotsteam_sockets.gdextension differ; keep them identical")
	}
	cfg := gdextensionValues(top)
	conf := cfg["configuration"]
	if conf["entry_symbol"] != `"godotsteam_sockets_init"` {
		t.Errorf("entry_symbol = %s", conf["entry_symbol"])
	}
	if conf["compatibility_minimum"] != `"4.3"` {
		t.Errorf("compatibility_minimum = %s, want \"4.3\" (quoted)", conf["compatibility_minimum"])
	}
	if conf["reloadable"] != "false" {
		t.Errorf("reloadable = %s; a Go library can never be unloaded, so it must be false", conf["reloadable"])
	}
	want := map[string]string{
		"linux.debug.x86_64":     `"bin/libgodotsteam_sockets.linux.x86_64.so"`,
		"linux.release.x86_64":   `"bin/libgodotsteam_sockets.linux.x86_64.so"`,
		"windows.debug.x86_64":   `"bin/libgodotsteam_sockets.windows.x86_64.dll"`,
		"windows.release.x86_64": `"bin/libgodotsteam_sockets.windows.x86_64.dll"`,
	}
	for k, v := range want {
		if got := cfg["libraries"][k]; got != v {
			t.Errorf("[libraries] %s = %q, want %s", k, got, v)
		}
	}
	// The Makefile must build exactly the files the descriptor names.
	mk := string(read(t, "Makefile"))
	for _, name := range []string{"libgodotsteam_sockets.linux.x86_64.so", "libgodotsteam_sockets.windows.x86_64.dll"} {
		if !strings.Contains(mk, "$(BIN_DIR)/"+name) {
			t.Errorf("the Makefile does not build %s", name)
		}
	}
}

func TestEntrySymbolIsDefined(t *testing.T) {
	var found bool
	for _, pattern := range []string{"extension/*.c", "extension/*.go"} {
		files, _ := filepath.Glob(filepath.Join(root, pattern))
		for _, f := range files {
			data, _ := os.ReadFile(f)
			if regexp.MustCompile(`\bgodotsteam_sockets_init\s*\(`).Match(data) {
				found = true
			}
		}
	}
	if !found {
		t.Error("no function godotsteam_sockets_init in extension/; the .gdextension entry_symbol names it")
	}
}

var resPath = regexp.MustCompile(`res://[A-Za-z0-9_./-]+`)

// TestProjectReferencesExist checks every res:// path the project's scenes,
// scripts and settings mention (main scene, ext_resources, preloads).
func TestProjectReferencesExist(t *testing.T) {
	project := filepath.Join(root, "godot_project")
	var checked int
	err := filepath.WalkDir(project, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".godot" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		ext := filepath.Ext(path)
		if d.IsDir() || (ext != ".gd" && ext != ".tscn" && ext != ".godot") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, ref := range resPath.FindAllString(string(data), -1) {
			rel := strings.TrimPrefix(ref, "res://")
			if rel == "" || strings.HasSuffix(rel, "/") || rel == "tests" {
				continue
			}
			checked++
			if _, err := os.Stat(filepath.Join(project, rel)); err != nil {
				t.Errorf("%s refers to %s, which does not exist", path, ref)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 5 {
		t.Errorf("only %d res:// references found; the walk is broken", checked)
	}
	if !bytes.Contains(read(t, "godot_project/project.godot"), []byte(`run/main_scene="res://chat/chat.tscn"`)) {
		t.Error("project.godot does not run the chat demo as its main scene")
	}
}

// TestGDScriptIndentation: Godot rejects a script that mixes tabs and
// spaces for indentation; these scripts indent with tabs only.
func TestGDScriptIndentation(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root, "godot_project", "*", "*.gd"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(root, "godot_project", "*", "*", "*.gd"))
	files = append(files, more...)
	if len(files) < 8 {
		t.Fatalf("found only %d GDScript files", len(files))
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		inString := false
		for i, line := range strings.Split(string(data), "\n") {
			if strings.Count(line, `"""`)%2 == 1 {
				inString = !inString
			}
			if inString {
				continue
			}
			indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
			if strings.Contains(indent, " ") && strings.TrimSpace(line) != "" {
				t.Errorf("%s:%d indents with spaces", f, i+1)
			}
		}
		if !bytes.HasPrefix(data, []byte("extends ")) {
			t.Errorf("%s does not start with extends", f)
		}
	}
}

// TestTestSuitesFollowTheRunnerConvention: run_tests.gd runs tests/test_*.gd,
// each of which must extend test_base.gd and define at least one test_ method.
func TestTestSuitesFollowTheRunnerConvention(t *testing.T) {
	suites, _ := filepath.Glob(filepath.Join(root, "godot_project", "tests", "test_*.gd"))
	n := 0
	for _, s := range suites {
		if filepath.Base(s) == "test_base.gd" {
			continue
		}
		n++
		data, _ := os.ReadFile(s)
		if !bytes.HasPrefix(data, []byte(`extends "res://tests/test_base.gd"`)) {
			t.Errorf("%s does not extend res://tests/test_base.gd", s)
		}
		if !regexp.MustCompile(`(?m)^func test_\w+\(\) -> void:`).Match(data) {
			t.Errorf("%s has no test_ method", s)
		}
	}
	if n < 4 {
		t.Errorf("found %d test suites, want at least 4", n)
	}
}

func TestShellScripts(t *testing.T) {
	files, _ := filepath.Glob("*.sh")
	files = append(files, filepath.Join(root, ".ci", "run"))
	if len(files) < 5 {
		t.Fatalf("found only %d scripts", len(files))
	}
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if f != "godot_env.sh" && info.Mode()&0o111 == 0 {
			t.Errorf("%s is not executable", f)
		}
		if out, err := exec.Command("bash", "-n", f).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", f, err, out)
		}
	}
	ci := string(read(t, ".ci/run"))
	if !strings.Contains(ci, "set -euo pipefail") || !regexp.MustCompile(`(?m)^make test$`).MatchString(ci) {
		t.Error(".ci/run must use set -euo pipefail and run exactly `make test`")
	}
}

// TestGodotTestsSkipWithoutGodot: `make test-godot` succeeds with a message
// when GODOT is unset, so `make test` works on machines without Godot.
func TestGodotTestsSkipWithoutGodot(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	cmd := exec.Command("make", "--no-print-directory", "test-godot")
	cmd.Dir = root
	// A clean environment for the nested make: no GODOT, and no variables or
	// flags inherited from an outer `make test GODOT=...`.
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name != "GODOT" && name != "MAKEFLAGS" && name != "MFLAGS" && name != "MAKELEVEL" {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make test-godot without GODOT failed: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("skipped")) {
		t.Errorf("make test-godot without GODOT should say it skipped; printed:\n%s", out)
	}
}
