extends SceneTree
## Exits 0 when this Godot has the multiplayer module (SceneMultiplayer, MultiplayerSpawner,
## MultiplayerSynchronizer), 3 when it was built without it. Used by scripts/godot_multiplayer.sh.


func _init() -> void:
	var have: bool = true
	for c in ["SceneMultiplayer", "MultiplayerSpawner", "MultiplayerSynchronizer", "SteamMultiplayerPeer"]:
		if not ClassDB.class_exists(c):
			print("multiplayer probe: %s is missing" % c)
			have = false
	quit(0 if have else 3)
