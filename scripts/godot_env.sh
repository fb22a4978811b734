# Sourced by the scripts that run a real Godot (scripts/godot_*.sh). Not executable on its own.
# Checks $GODOT and the built library, and registers the extension in godot_project/.godot/
# (a Godot export template never imports a project, so it only loads extensions listed in
# .godot/extension_list.cfg; the editor writes that file itself when it scans the project).

PROJECT_DIR=${PROJECT_DIR:-godot_project}
GODOT_TIMEOUT=${GODOT_TIMEOUT:-180}

if [[ -z "${GODOT:-}" ]]; then
  echo "error: set GODOT to a Godot 4.3+ binary (editor or export template), e.g. GODOT=/opt/godot/godot" >&2
  exit 2
fi
if ! command -v "$GODOT" >/dev/null 2>&1; then
  echo "error: GODOT=$GODOT is not an executable" >&2
  exit 2
fi
if [[ ! -f "$PROJECT_DIR/bin/libgodotsteam_sockets.linux.x86_64.so" ]]; then
  echo "error: $PROJECT_DIR/bin/libgodotsteam_sockets.linux.x86_64.so is missing: run 'make lib' first" >&2
  exit 2
fi

mkdir -p "$PROJECT_DIR/.godot"
if ! grep -qx 'res://godotsteam_sockets.gdextension' "$PROJECT_DIR/.godot/extension_list.cfg" 2>/dev/null; then
  echo 'res://godotsteam_sockets.gdextension' >> "$PROJECT_DIR/.godot/extension_list.cfg"
fi
# The project declares no class_name, so its global class cache is empty; without the file a
# template build prints "Could not load global script cache".
if [[ ! -f "$PROJECT_DIR/.godot/global_script_class_cache.cfg" ]]; then
  printf 'list=[]\n' > "$PROJECT_DIR/.godot/global_script_class_cache.cfg"
fi

# godot_run ARGS...: runs Godot headless on the project with a time limit.
godot_run() {
  timeout --kill-after=10 "$GODOT_TIMEOUT" "$GODOT" --headless --path "$PROJECT_DIR" "$@"
}
