extends SceneTree
## Runs every GDScript test suite of this folder in one Godot process and exits with 0 if all passed.
##
##   godot --headless --path godot_project -s res://tests/run_tests.gd
##   godot --headless --path godot_project -s res://tests/run_tests.gd -- --only test_socket_pair
##
## A suite is a file named test_*.gd that extends res://tests/test_base.gd; each of its methods whose
## name starts with "test_" is one test. Tests may await (the network needs frames to pass); the runner
## awaits each in turn, then closes whatever handles the test left open.

const TESTS_DIR: String = "res://tests"
const TestBase := preload("res://tests/test_base.gd")

var _passed: int = 0
var _failed: int = 0
var _failed_names: PackedStringArray = PackedStringArray()


func _initialize() -> void:
	# Leave CPU to the network goroutines and to other processes: the tests need frames, not speed.
	Engine.max_fps = 240
	_run_all()


func _run_all() -> void:
	var only: String = ""
	var user_args: PackedStringArray = OS.get_cmdline_user_args()
	var only_at: int = user_args.find("--only")
	if only_at >= 0 and only_at + 1 < user_args.size():
		only = user_args[only_at + 1]

	print("godotsteam-sockets GDScript tests (extension %s, Godot %s)" % [
		Steam.get_godotsteam_sockets_version(), Engine.get_version_info().string])
	var started_ms: int = Time.get_ticks_msec()
	for path: String in _suite_paths():
		if only != "" and not path.get_file().begins_with(only):
			continue
		await _run_suite(path)

	var seconds: float = (Time.get_ticks_msec() - started_ms) / 1000.0
	print("")
	print("gdscript: %d passed, %d failed" % [_passed, _failed])
	if _failed == 0 and _passed > 0:
		print("RESULT: PASS - %d tests passed in %.1f s" % [_passed, seconds])
		quit(0)
	else:
		print("RESULT: FAIL - %d passed, %d failed in %.1f s" % [_passed, _failed, seconds])
		for name: String in _failed_names:
			print("  failed: %s" % name)
		if _passed + _failed == 0:
			print("  (no tests ran)")
		quit(1)


func _suite_paths() -> PackedStringArray:
	var paths: PackedStringArray = PackedStringArray()
	for file: String in DirAccess.get_files_at(TESTS_DIR):
		if file.begins_with("test_") and file.ends_with(".gd") and file != "test_base.gd":
			paths.append(TESTS_DIR.path_join(file))
	paths.sort()
	return paths


func _run_suite(path: String) -> void:
	print("")
	print("== %s" % path.get_file())
	var script: GDScript = load(path) as GDScript
	if script == null or not script.can_instantiate():
		_record(path.get_file(), PackedStringArray(["the script does not load (parse error?)"]))
		return
	var suite: Object = script.new()
	if not (suite is TestBase):
		_record(path.get_file(), PackedStringArray(["the suite does not extend res://tests/test_base.gd"]))
		return

	var names: PackedStringArray = PackedStringArray()
	for method: Dictionary in script.get_script_method_list():
		var method_name: String = method["name"]
		if method_name.begins_with("test_") and not names.has(method_name):
			names.append(method_name)

	for test_name: String in names:
		suite.call("begin", self, test_name)
		await suite.call(test_name)
		await suite.call("finish")
		var failures: PackedStringArray = suite.get("failures")
		_record("%s.%s" % [path.get_file().get_basename(), test_name], failures)


func _record(name: String, failures: PackedStringArray) -> void:
	if failures.is_empty():
		_passed += 1
		print("  PASS %s" % name)
		return
	_failed += 1
	_failed_names.append(name)
	print("  FAIL %s" % name)
	for failure: String in failures:
		print("       %s" % failure)
